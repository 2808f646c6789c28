/*
 * reg_norms.c -- two more norms of the regularizer table (reg.c), on the
 * d x T column-major W (row j = feature j across tasks, column t = task t):
 *
 *   l1inf:  g(W) = sum_j max_t |W_jt|   (L1/L-infinity joint sparsity: a
 *           feature is used by every task or by none; Turlach et al. 2005,
 *           Quattoni et al. 2009).  Dual norm: max_j sum_t |G_jt|.
 *   col21:  g(W) = sum_t ||w_t||_2      (column L2,1: whole tasks set to
 *           zero; the outlier part of robust MTL, Chen et al. 2011).  Dual
 *           norm: max_t ||g_t||_2.
 *
 * The prox of l1inf works row by row through Moreau's identity: the prox of
 * thr ||.||_inf is v - Proj_{||.||_1 <= thr}(v), and the projection onto the
 * L1 ball is the sort-based algorithm of Duchi, Shalev-Shwartz, Singer and
 * Chandra (ICML 2008): with u = |v| sorted decreasing, rho the largest j
 * with u_j > (sum_{i<=j} u_i - thr) / j and theta = (sum_{i<=rho} u_i -
 * thr) / rho, the projection is sign(v) max(|v| - theta, 0).  Hence the
 * prox is the clipping sign(v) min(|v|, theta) (0 when ||v||_1 <= thr).
 * Both norms are positively homogeneous: the ridge term scales the result
 * by 1 / (1 + 2 step ridge) after the shrinkage (see reg.c).
 *
 * Also the subgradient of L1, L2,1 and the trace norm that the
 * certificate's Newton dual point needs (mtl__reg_subgrad).
 */
#include "problem.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_desc(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x < y) - (x > y);
}

double mtl__l1ball_theta(const double *v, int n, int stride, double z,
                         double *work) {
  double s = 0;
  for (int i = 0; i < n; i++) {
    work[i] = fabs(v[(size_t)i * stride]);
    s += work[i];
  }
  if (s <= z)
    return 0.0;
  qsort(work, (size_t)n, sizeof(double), cmp_desc);
  double cum = 0, theta = 0;
  for (int j = 0; j < n; j++) {
    cum += work[j];
    double t = (cum - z) / (j + 1);
    if (work[j] > t)
      theta = t; /* the last j that passes is rho */
    else
      break;
  }
  return theta > 0 ? theta : 0.0;
}

/* ---- l1inf --------------------------------------------------------------- */

double mtl__g_l1inf(const mtl_reg *r, const double *W, int d, int T) {
  (void)r;
  double g = 0;
  for (int j = 0; j < d; j++) {
    double m = 0;
    for (int t = 0; t < T; t++)
      m = fmax(m, fabs(W[j + (size_t)t * d]));
    g += m;
  }
  return g;
}

int mtl__prox_l1inf(const mtl_reg *r, double step, const double *V, int d,
                    int T, double *out) {
  double thr = step * r->lambda;
  double scale = 1.0 / (1.0 + 2.0 * step * r->ridge);
  double *work = mtl__malloc((size_t)T * sizeof(double));
  if (!work)
    return MTL_ENOMEM;
  for (int j = 0; j < d; j++) {
    double s = 0;
    for (int t = 0; t < T; t++)
      s += fabs(V[j + (size_t)t * d]);
    if (s <= thr) { /* the whole row inside the dual ball: zero */
      for (int t = 0; t < T; t++)
        out[j + (size_t)t * d] = 0.0;
      continue;
    }
    double theta = mtl__l1ball_theta(V + j, T, d, thr, work);
    for (int t = 0; t < T; t++) {
      size_t k = j + (size_t)t * d;
      double a = fabs(V[k]) < theta ? fabs(V[k]) : theta;
      out[k] = (V[k] < 0 ? -a : a) * scale;
    }
  }
  free(work);
  return MTL_OK;
}

int mtl__dual_l1inf(const double *G, int d, int T, double *out) {
  double m = 0;
  for (int j = 0; j < d; j++) {
    double s = 0;
    for (int t = 0; t < T; t++)
      s += fabs(G[j + (size_t)t * d]);
    m = fmax(m, s);
  }
  *out = m;
  return MTL_OK;
}

/* sum_j ||M_j - Proj_{||.||_1 <= lam}(M_j)||^2: the part of each row that
 * the projection removes is the clipping of the prox above. */
int mtl__excess_l1inf(const double *M, int d, int T, double lam,
                      double *out) {
  double *work = mtl__malloc((size_t)T * sizeof(double));
  if (!work)
    return MTL_ENOMEM;
  double e = 0;
  for (int j = 0; j < d; j++) {
    double theta = mtl__l1ball_theta(M + j, T, d, lam, work);
    double s = 0;
    for (int t = 0; t < T; t++)
      s += fabs(M[j + (size_t)t * d]);
    for (int t = 0; t < T && s > lam; t++) {
      double a = fabs(M[j + (size_t)t * d]);
      double c = a < theta ? a : theta;
      e += c * c;
    }
  }
  free(work);
  *out = e;
  return MTL_OK;
}

/* ---- col21 --------------------------------------------------------------- */

static double col_norm(const double *W, int d, int t) {
  double s = 0;
  for (int j = 0; j < d; j++)
    s += W[j + (size_t)t * d] * W[j + (size_t)t * d];
  return sqrt(s);
}

double mtl__g_col21(const mtl_reg *r, const double *W, int d, int T) {
  (void)r;
  double g = 0;
  for (int t = 0; t < T; t++)
    g += col_norm(W, d, t);
  return g;
}

int mtl__prox_col21(const mtl_reg *r, double step, const double *V, int d,
                    int T, double *out) {
  double thr = step * r->lambda;
  double scale = 1.0 / (1.0 + 2.0 * step * r->ridge);
  for (int t = 0; t < T; t++) {
    double f = mtl__l21_shrink(col_norm(V, d, t), thr, scale);
    for (int j = 0; j < d; j++)
      out[j + (size_t)t * d] = V[j + (size_t)t * d] * f;
  }
  return MTL_OK;
}

int mtl__dual_col21(const double *G, int d, int T, double *out) {
  double m = 0;
  for (int t = 0; t < T; t++)
    m = fmax(m, col_norm(G, d, t));
  *out = m;
  return MTL_OK;
}

int mtl__excess_col21(const double *M, int d, int T, double lam,
                      double *out) {
  double e = 0;
  for (int t = 0; t < T; t++) {
    double x = col_norm(M, d, t) - lam;
    if (x > 0)
      e += x * x;
  }
  *out = e;
  return MTL_OK;
}

/* ---- a subgradient near a target (dual point of the certificate) -------- */

/* Trace norm: W = U S V' (thin SVD, rank r = the singular values above
 * 1e-12 s_max): Z = U_r V_r' + N, N = the part of M / lambda orthogonal to
 * both singular subspaces of W, scaled to spectral norm <= 1 (then
 * ||Z||_2 <= 1 and <Z, W> = ||W||_*: Z is a subgradient). */
static double rowsq(const double *W, int d, int T, int j) {
  double s = 0;
  for (int t = 0; t < T; t++)
    s += W[j + (size_t)t * d] * W[j + (size_t)t * d];
  return s;
}

static int subgrad_trace(const double *W, const double *M, double lam, int d,
                         int T, double *Z) {
  int k = d < T ? d : T;
  size_t dT = (size_t)d * T;
  double *A = mtl__malloc((dT * 3 + (size_t)d * k + (size_t)k +
                           (size_t)k * T) * sizeof(double));
  if (!A)
    return MTL_ENOMEM;
  double *N = A + dT, *U = N + dT, *s = U + (size_t)d * k, *Vt = s + k;
  double *C = Vt + (size_t)k * T; /* k x T or d x r: dT entries */
  memcpy(A, W, dT * sizeof(double));
  int rc = mtl__svd(d, T, A, U, s, Vt);
  if (rc)
    goto done;
  int r = 0;
  while (r < k && s[r] > 1e-12 * s[0])
    r++;
  memset(Z, 0, dT * sizeof(double));
  if (r > 0)
    mtl__gemm(0, 0, d, T, r, 1.0, U, d, Vt, k, 0.0, Z, d);
  if (r < k && lam > 0) {
    /* N = (I - U_r U_r') (M / lam) (I - V_r V_r') */
    for (size_t i = 0; i < dT; i++)
      N[i] = M[i] / lam;
    if (r > 0) {
      mtl__gemm(1, 0, r, T, d, 1.0, U, d, N, d, 0.0, C, k);      /* U'N */
      mtl__gemm(0, 0, d, T, r, -1.0, U, d, C, k, 1.0, N, d);     /* -= UU'N */
      mtl__gemm(0, 1, d, r, T, 1.0, N, d, Vt, k, 0.0, C, d);     /* N V */
      mtl__gemm(0, 0, d, T, r, -1.0, C, d, Vt, k, 1.0, N, d);    /* -= NVV' */
    }
    double nn;
    rc = mtl__spectral_norm(d, T, N, &nn);
    if (rc)
      goto done;
    double f = nn > 1 ? 1 / nn : 1;
    for (size_t i = 0; i < dT; i++)
      Z[i] += f * N[i];
  }
done:
  free(A);
  return rc;
}

int mtl__reg_subgrad(const mtl_reg *r, const double *W, const double *M,
                     int d, int T, double *Q) {
  double lam = r->lambda;
  size_t dT = (size_t)d * T;
  switch (r->type) {
  case MTL_REG_L1:
    for (size_t k = 0; k < dT; k++)
      Q[k] = W[k] > 0 ? lam : W[k] < 0 ? -lam : fmax(-lam, fmin(lam, M[k]));
    break;
  case MTL_REG_L21:
    for (int j = 0; j < d; j++) {
      double nw = sqrt(rowsq(W, d, T, j)), nm;
      const double *src = nw > 0 ? W : M;
      double f = nw > 0 ? lam / nw
                        : ((nm = sqrt(rowsq(M, d, T, j))) > lam ? lam / nm
                                                                    : 1.0);
      for (int t = 0; t < T; t++)
        Q[j + (size_t)t * d] = f * src[j + (size_t)t * d];
    }
    break;
  case MTL_REG_TRACE: {
    int rc = subgrad_trace(W, M, lam, d, T, Q);
    if (rc)
      return rc;
    for (size_t k = 0; k < dT; k++)
      Q[k] *= lam;
    break;
  }
  default:
    return mtl__err(MTL_EUNSUPPORTED, "subgradient of \"%s\"",
                    mtl_reg_name(r->type));
  }
  for (size_t k = 0; k < dT; k++)
    Q[k] += 2 * r->ridge * W[k];
  return MTL_OK;
}
