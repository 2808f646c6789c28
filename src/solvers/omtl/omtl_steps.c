/*
 * omtl_steps.c -- the arithmetic that C-ADMM and D-ADMM share (u-step, a
 * column of the V-step, Omega, the coefficient matrix P, the w- and
 * z-steps, prediction), each one function with plain loops in a fixed
 * order so that D-ADMM on a fully connected graph computes the server's
 * bits, and the public building blocks over it (mtl_omtl_ustep, _vstep,
 * _omega).
 */
#include "omtl_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the shared arithmetic ------------------------------------------------ */

/* u-step over K columns given by pointers (fixed summation order 0..K-1).
 * EXACT: the minimizer of (13) with V fixed, sum (s_k - rho v_k) /
 * (lambda2 + rho K); PAPER: eq. (14), a sum s_k / (a (lambda2 + rho K) +
 * lambda2 rho) with a = lambda1 + lambda3. */
void mtl__omtl_u(const mtl_omtl_params *p, int d, int K, const double *const *s,
                 const double *const *v, double *u) {
  for (int i = 0; i < d; i++)
    u[i] = 0;
  if (p->variant == MTL_OMTL_EXACT) {
    for (int j = 0; j < K; j++)
      for (int i = 0; i < d; i++)
        u[i] += s[j][i] - p->rho * v[j][i];
    double den = p->lambda2 + p->rho * K;
    for (int i = 0; i < d; i++)
      u[i] /= den;
  } else {
    double a = p->lambda1 + p->lambda3;
    for (int j = 0; j < K; j++)
      for (int i = 0; i < d; i++)
        u[i] += s[j][i];
    double den = a * (p->lambda2 + p->rho * K) + p->lambda2 * p->rho;
    for (int i = 0; i < d; i++)
      u[i] = a * u[i] / den;
  }
}

/* P = the pseudo-inverse of the symmetric Omega, the inverse on its range
 * (the authors' np.linalg.pinv): eigenvalues up to MTL__OMTL_PINV_RCOND
 * times the largest count as zero.  The sum over eigenpairs is plain loops
 * in a fixed order (the same bits at the server and every D-ADMM node).
 * work: K x K. */
static int omega_pinv(int K, const double *Om, double *P, double *work) {
  size_t KK = (size_t)K * K;
  double *w = mtl__malloc((size_t)K * sizeof(double));
  if (!w)
    return MTL_ENOMEM;
  memcpy(work, Om, KK * sizeof(double));
  int rc = mtl__syev(K, work, w);
  if (rc) {
    free(w);
    return mtl__err_prefix(rc, "omtl: pseudo-inverse of Omega");
  }
  double wmax = 0;
  for (int i = 0; i < K; i++)
    wmax = fabs(w[i]) > wmax ? fabs(w[i]) : wmax;
  memset(P, 0, KK * sizeof(double));
  for (int i = 0; i < K; i++) {
    if (!(fabs(w[i]) > MTL__OMTL_PINV_RCOND * wmax))
      continue;
    const double *q = work + (size_t)i * K;
    double f = 1.0 / w[i];
    for (int b = 0; b < K; b++)
      for (int a = 0; a < K; a++)
        P[a + (size_t)b * K] += q[a] * f * q[b];
  }
  free(w);
  return MTL_OK;
}

/* Coefficients of the V-step for the current Omega (K x K).  EXACT: P =
 * N^-1 Omega with N = (a + rho) Omega + lambda4 I (Cholesky solve), so that
 * V = R P = R ((a + rho) I + lambda4 Omega^-1)^-1 without inverting Omega
 * (Omega and N commute); lambda4 = 0 gives P = I / (a + rho).  PAPER: P =
 * Omega^-1 by a Cholesky solve against I (Omega positive definite, eps >
 * 0), or with eps = 0 the pseudo-inverse, the inverse on the range of Omega
 * (the authors' np.linalg.pinv).  work: K x K. */
int mtl__omtl_coef(const mtl_omtl_params *p, int K, const double *Om, double *P,
                   double *work) {
  size_t KK = (size_t)K * K;
  double a = p->lambda1 + p->lambda3;
  if (p->variant == MTL_OMTL_EXACT) {
    if (p->lambda4 == 0) {
      memset(P, 0, KK * sizeof(double));
      for (int k = 0; k < K; k++)
        P[k + (size_t)k * K] = 1.0 / (a + p->rho);
      return MTL_OK;
    }
    for (size_t i = 0; i < KK; i++)
      work[i] = (a + p->rho) * Om[i];
    for (int k = 0; k < K; k++)
      work[k + (size_t)k * K] += p->lambda4;
    memcpy(P, Om, KK * sizeof(double));
  } else if (p->eps == 0) {
    return omega_pinv(K, Om, P, work);
  } else {
    memcpy(work, Om, KK * sizeof(double));
    memset(P, 0, KK * sizeof(double));
    for (int k = 0; k < K; k++)
      P[k + (size_t)k * K] = 1.0;
  }
  int rc = mtl__potrf(K, work);
  if (rc == MTL_OK)
    rc = mtl__potrs(K, K, work, P, K);
  if (rc)
    return mtl__err_prefix(rc,
                           "omtl: V-step coefficients (%s variant, eps %g; "
                           "Omega not positive definite: use a larger "
                           "eps%s)",
                           p->variant == MTL_OMTL_EXACT ? "exact" : "paper",
                           p->eps,
                           p->variant == MTL_OMTL_EXACT
                               ? ""
                               : ", or eps 0 for its pseudo-inverse");
  return MTL_OK;
}

/* Column k of the V-step.  EXACT: v_k = sum_j P_jk (s_j - rho u).  PAPER
 * (12): v_k = lambda2 s_k / (lambda2 (a + rho) + rho K a) + lambda4/2
 * [V Omega^-1 + V Omega^-T]_k with the old V (P = Omega^-1). */
void mtl__omtl_vcol(const mtl_omtl_params *p, int d, int K, int k,
                    const double *const *s, const double *u,
                    const double *const *v, const double *P, double *out) {
  for (int i = 0; i < d; i++)
    out[i] = 0;
  if (p->variant == MTL_OMTL_EXACT) {
    for (int j = 0; j < K; j++) {
      double c = P[j + (size_t)k * K];
      if (c == 0)
        continue;
      for (int i = 0; i < d; i++)
        out[i] += c * (s[j][i] - p->rho * u[i]);
    }
  } else {
    double a = p->lambda1 + p->lambda3;
    double c0 = p->lambda2 /
                (p->lambda2 * (a + p->rho) + p->rho * K * a);
    for (int j = 0; j < K; j++) {
      double c = 0.5 * p->lambda4 *
                 (P[j + (size_t)k * K] + P[k + (size_t)j * K]);
      for (int i = 0; i < d; i++)
        out[i] += c * v[j][i];
    }
    for (int i = 0; i < d; i++)
      out[i] += c0 * s[k][i];
  }
}

/* Omega (18), regularised: (V'V + eps I)^{1/2} / tr(.), I/K while V = 0.
 * work: 2 K x K. */
int mtl__omtl_omega_update(int d, int K, const double *const *v, double eps,
                           double *Om, double *work) {
  size_t KK = (size_t)K * K;
  int nonzero = 0;
  for (int j = 0; j < K && !nonzero; j++)
    for (int i = 0; i < d; i++)
      if (v[j][i] != 0) {
        nonzero = 1;
        break;
      }
  if (!nonzero) {
    memset(Om, 0, KK * sizeof(double));
    for (int k = 0; k < K; k++)
      Om[k + (size_t)k * K] = 1.0 / K;
    return MTL_OK;
  }
  double *A = work;
  for (int a = 0; a < K; a++)
    for (int b = a; b < K; b++) {
      double s = 0;
      for (int i = 0; i < d; i++)
        s += v[a][i] * v[b][i];
      A[a + (size_t)b * K] = A[b + (size_t)a * K] = s;
    }
  for (int k = 0; k < K; k++)
    A[k + (size_t)k * K] += eps;
  int rc = mtl__sqrtm_psd(K, A, work + KK);
  if (rc)
    return mtl__err_prefix(rc, "omtl: Omega update");
  double tr = 0;
  for (int k = 0; k < K; k++)
    tr += work[KK + k + (size_t)k * K];
  if (!(tr > 0) || !isfinite(tr))
    return mtl__err(MTL_ENUMERIC, "omtl: Omega update: trace %g of "
                                  "(V'V + eps I)^(1/2) is not positive",
                    tr);
  for (size_t i = 0; i < KK; i++)
    Om[i] = work[KK + i] / tr;
  /* exact symmetry, so both halves of every product agree */
  for (int a = 0; a < K; a++)
    for (int b = a + 1; b < K; b++)
      Om[b + (size_t)a * K] = Om[a + (size_t)b * K];
  return MTL_OK;
}

/* Prediction, loss subgradient coefficient (g = gcoef x) and code for one
 * instance: hinge at the margin, or (mistake_driven, the authors' code) at
 * the predicted label. */
double mtl__omtl_predict(const mtl_omtl_params *p, int d, const double *w,
                         const double *x, double y, double *gcoef) {
  double sc = 0;
  for (int i = 0; i < d; i++)
    sc += w[i] * x[i];
  double pr = sc > 0 ? 1.0 : sc < 0 ? -1.0 : (p->zero_positive ? 1.0 : -1.0);
  if (p->mistake_driven)
    *gcoef = pr != y ? -y : 0.0;
  else
    *gcoef = y * sc < 1 ? -y : 0.0;
  return pr == y ? pr : 2 * pr;
}

/* w-step (10) with the linearized hinge loss g = gcoef x (x may be NULL
 * when gcoef = 0). */
void mtl__omtl_w(const mtl_omtl_params *p, double eta, int d, double *w,
                 const double *u, const double *v, const double *z,
                 const double *x, double gcoef) {
  double c1 = eta / (p->rho + eta), c2 = p->rho / (p->rho + eta),
         c3 = 1.0 / (p->rho + eta);
  for (int i = 0; i < d; i++) {
    double g = gcoef != 0 ? gcoef * x[i] : 0.0;
    w[i] = c1 * w[i] + c2 * (u[i] + v[i]) - c3 * (g + z[i]);
  }
}

/* z-step (15). */
void mtl__omtl_z(const mtl_omtl_params *p, int d, double *z, const double *w,
                 const double *u, const double *v) {
  for (int i = 0; i < d; i++)
    z[i] += p->rho * (w[i] - u[i] - v[i]);
}

void mtl__omtl_normalize(int d, double *x) {
  double s = 0;
  for (int i = 0; i < d; i++)
    s += x[i] * x[i];
  if (s > 0) {
    s = 1.0 / sqrt(s);
    for (int i = 0; i < d; i++)
      x[i] *= s;
  }
}

/* ---- public building blocks ----------------------------------------------- */

static int cols(const double *A, int d, int K, const double ***out) {
  const double **c = mtl__malloc((size_t)K * sizeof *c);
  if (!c)
    return MTL_ENOMEM;
  for (int k = 0; k < K; k++)
    c[k] = A + (size_t)k * d;
  *out = c;
  return MTL_OK;
}

void mtl_omtl_ustep(const mtl_omtl_params *p, int d, int K, const double *S,
                    const double *V, double *u) {
  const double **s = NULL, **v = NULL;
  if (cols(S, d, K, &s) == MTL_OK && cols(V, d, K, &v) == MTL_OK)
    mtl__omtl_u(p, d, K, s, v, u);
  free(s);
  free(v);
}

int mtl_omtl_vstep(const mtl_omtl_params *p, int d, int K, const double *S,
                   const double *u, const double *V, const double *Omega,
                   double *Vnew) {
  if (!p || !S || !u || !V || !Omega || !Vnew || d < 1 || K < 1)
    return mtl__err(MTL_EINVAL, "omtl_vstep: bad argument");
  const double **s = NULL, **v = NULL;
  double *P = mtl__malloc((size_t)K * K * 2 * sizeof(double));
  int rc = MTL_ENOMEM;
  if (!P || cols(S, d, K, &s) || cols(V, d, K, &v))
    goto done;
  rc = mtl__omtl_coef(p, K, Omega, P, P + (size_t)K * K);
  if (rc)
    goto done;
  for (int k = 0; k < K; k++)
    mtl__omtl_vcol(p, d, K, k, s, u, v, P, Vnew + (size_t)k * d);
done:
  free(P);
  free(s);
  free(v);
  return rc;
}

int mtl_omtl_omega(int d, int K, const double *V, double eps, double *Omega) {
  if (!V || !Omega || d < 1 || K < 1 || !(eps >= 0))
    return mtl__err(MTL_EINVAL, "omtl_omega: bad argument (d %d, K %d, eps "
                                "%g)",
                    d, K, eps);
  const double **v = NULL;
  double *work = mtl__malloc((size_t)K * K * 2 * sizeof(double));
  int rc = MTL_ENOMEM;
  if (work && cols(V, d, K, &v) == MTL_OK)
    rc = mtl__omtl_omega_update(d, K, v, eps, Omega, work);
  free(work);
  free(v);
  return rc;
}
