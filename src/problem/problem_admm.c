/*
 * problem_admm.c -- ADMM with exact per-task solves for the squared loss,
 * the polish of the proximal-gradient solvers (solve.c) for the trace norm
 * on badly conditioned data.
 *
 * Splitting min_W f(W) + h(Z) subject to W = Z (h = the penalty on the
 * penalized rows, f = sum_t a_t/2 ||X_t w_t - y_t||^2), in scaled form
 * (Boyd et al. 2011, section 3.1.1, with the residual balancing of their
 * section 3.4.1):
 *   W-step:  w_t = (a_t H_t + rho I)^{-1} (a_t b_t + rho (z_t - u_t)),
 *            H_t = X_t'X_t, b_t = X_t'y_t (X'SX and X'Sy with weights);
 *   Z-step:  Z = prox_{h/rho}(W + U) (singular value thresholding);
 *   U += W - Z;
 * then rho is doubled (halved) when the primal residual ||W - Z|| is more
 * than 10 times the dual residual rho ||Z - Z_prev|| (or less than a
 * tenth), U rescaled to match.  The W-step solves each task exactly, so the
 * iteration does not see the spread of the eigenvalues of a_t H_t (raw
 * features: 0 to 7e5 on School) that sets the rate of FISTA, whose step is
 * 1 / max eigenvalue: the null space of X_t, where only the penalty's
 * curvature acts, is resolved by the Z-step at step 1/rho instead of 1/L.
 * On School (trace norm, lambda 10) this reaches the optimum to rounding
 * in about 150 iterations from any rho0 between 1e-3 and 1e5 (FISTA:
 * more than 30,000 iterations for a gap of 1e-5).
 *
 * Each H_t comes from the certificate's cache (problem_dual.c), and its
 * eigendecomposition H = Q diag(l) Q' is computed once per distinct block,
 * so that a change of rho costs nothing: the solve is Q diag(1 / (a l +
 * rho)) Q' (two d x d products per task).  Z is the point handed back: a
 * proximal output, feasible for the certificate (exactly low rank for the
 * trace norm).
 */
#include "problem.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define ADMM_MU 10.0 /* residual ratio that triggers a change of rho */
#define ADMM_TAU 2.0 /* factor of that change */

struct mtl__admm {
  mtl_problem *pb;
  int d, T, nb;
  double rho;
  double *Q;   /* nb blocks: d x d eigenvectors then d eigenvalues */
  double *AB;  /* d x T: a_t b_t */
  double *W, *Z, *U, *V; /* d x T each: iterates and a scratch */
  double *tmp; /* 2 d */
};

void mtl__admm_free(mtl__admm *a) {
  if (!a)
    return;
  free(a->Q);
  free(a->W);
  free(a);
}

/* The eigendecompositions of the distinct blocks of the cache. */
static int block_eig(mtl__admm *a) {
  mtl_problem *pb = a->pb;
  int d = a->d;
  size_t dd = (size_t)d * d, stride = dd + (size_t)d;
  for (int k = 0; k < a->nb; k++) {
    double *Qk = a->Q + (size_t)k * stride, *lk = Qk + dd;
    memcpy(Qk, pb->dual_blk + (size_t)k * 2 * dd + dd, dd * sizeof(double));
    int rc = mtl__syev(d, Qk, lk);
    if (rc)
      return rc;
    for (int j = 0; j < d; j++)
      lk[j] = fmax(lk[j], 0.0); /* H is PSD: negatives are rounding */
  }
  return MTL_OK;
}

int mtl__admm_create(mtl_problem *pb, const double *W0, mtl__admm **out) {
  *out = NULL;
  if (!mtl__problem_squared_only(pb) || !mtl__problem_newton_cache(pb))
    return 0;
  int d = pb->d, T = pb->T, nb = 0;
  for (int t = 0; t < T; t++) {
    if (pb->dual_idx[t] < 0)
      return 0;
    nb = pb->dual_idx[t] + 1 > nb ? pb->dual_idx[t] + 1 : nb;
  }
  size_t dT = (size_t)d * T;
  mtl__admm *a = mtl__calloc(1, sizeof *a);
  if (!a)
    return MTL_ENOMEM;
  *a = (mtl__admm){.pb = pb, .d = d, .T = T, .nb = nb};
  a->Q = mtl__malloc((size_t)nb * ((size_t)d * d + d) * sizeof(double));
  a->W = mtl__malloc((5 * dT + 2 * (size_t)d) * sizeof(double));
  int rc = MTL_ENOMEM;
  if (!a->Q || !a->W)
    goto fail;
  a->Z = a->W + dT;
  a->U = a->Z + dT;
  a->V = a->U + dT;
  a->AB = a->V + dT;
  a->tmp = a->AB + dT;
  if ((rc = block_eig(a)))
    goto fail;
  /* a_t b_t = -grad f(0); U = -grad f(W0) / rho: the first W-step then
   * returns W0 and the first Z-step is a proximal-gradient step of 1/rho */
  memset(a->W, 0, dT * sizeof(double));
  if ((rc = mtl_problem_loss(pb, a->W, &(double){0}, a->AB)) ||
      (rc = mtl_problem_loss(pb, W0, &(double){0}, a->U)))
    goto fail;
  double gn = 0, wn = 0;
  for (size_t k = 0; k < dT; k++) {
    a->AB[k] = -a->AB[k];
    gn += a->U[k] * a->U[k];
    wn += W0[k] * W0[k];
  }
  /* rho0 = ||grad f|| / ||W0||: the ratio that balances the two residuals'
   * units (any rho0 works; residual balancing corrects it) */
  a->rho = gn > 0 && wn > 0 ? sqrt(gn / wn) : 1.0;
  for (size_t k = 0; k < dT; k++) /* no constraint on the unpenalized row */
    a->U[k] = (int)(k % d) < pb->d_pen ? -a->U[k] / a->rho : 0.0;
  memcpy(a->Z, W0, dT * sizeof(double));
  *out = a;
  return 1;
fail:
  mtl__admm_free(a);
  return rc;
}

/* W-step: w_t = A^{-1} v, A = a H + rho I = Q diag(a l + rho) Q', v = a b_t
 * + rho (z_t - u_t).  With an unpenalized last row (e = its unit vector),
 * which the splitting leaves free, the matrix is A - rho e e' and the
 * right side has no rho term there: Sherman-Morrison adds rho c (e'x) /
 * den to x = A^{-1} v, c = A^{-1} e, den = 1 - rho e'c = sum_i q_i^2 a l_i
 * / (a l_i + rho) (q = Q'e, |q| = 1; the sum has no cancellation); where
 * den vanishes (the last column of X_t is 0) the row keeps its proximal
 * term. */
static void w_step(mtl__admm *a) {
  const mtl_problem *pb = a->pb;
  int d = a->d, free_last = pb->d_pen < d;
  size_t stride = (size_t)d * d + d;
  double rho = a->rho, *x = a->tmp, *y = a->tmp + d;
  for (int t = 0; t < a->T; t++) {
    const double *Qk = a->Q + (size_t)pb->dual_idx[t] * stride;
    const double *lk = Qk + (size_t)d * d;
    double *v = a->V + (size_t)t * d, *w = a->W + (size_t)t * d;
    double sc = pb->scale[t];
    const double *z = a->Z + (size_t)t * d, *u = a->U + (size_t)t * d;
    const double *ab = a->AB + (size_t)t * d;
    for (int j = 0; j < d; j++)
      v[j] = ab[j] + rho * (z[j] - u[j]);
    double den = 0;
    if (free_last) {
      v[d - 1] = ab[d - 1];
      for (int i = 0; i < d; i++) { /* q_i = Q[d-1, i] */
        double q = Qk[d - 1 + (size_t)i * d], al = sc * lk[i];
        den += q * q * al / (al + rho);
      }
    }
    mtl__gemv(1, d, d, 1.0, Qk, d, v, 0.0, x);
    for (int j = 0; j < d; j++)
      x[j] /= sc * lk[j] + rho;
    mtl__gemv(0, d, d, 1.0, Qk, d, x, 0.0, w);
    if (!(den > 1e-12))
      continue;
    for (int i = 0; i < d; i++) /* y = diag(1 / (a l + rho)) q */
      y[i] = Qk[d - 1 + (size_t)i * d] / (sc * lk[i] + rho);
    mtl__gemv(0, d, d, rho * w[d - 1] / den, Qk, d, y, 1.0, w);
  }
}

int mtl__admm_run(mtl__admm *a, int iters, double *Z) {
  size_t dT = (size_t)a->d * a->T;
  for (int it = 0; it < iters; it++) {
    w_step(a);
    for (size_t k = 0; k < dT; k++)
      a->V[k] = a->W[k] + a->U[k];
    /* Z-step into Z (caller's buffer), then the residuals against a->Z */
    int rc = mtl__problem_prox(a->pb, 1.0 / a->rho, a->V, Z);
    if (rc)
      return rc;
    double rp = 0, rd = 0; /* on the penalized rows (U is 0 on the last) */
    for (size_t k = 0; k < dT; k++) {
      double e = a->W[k] - Z[k], dz = Z[k] - a->Z[k];
      if ((int)(k % a->d) >= a->pb->d_pen)
        continue;
      a->U[k] += e;
      rp += e * e;
      rd += dz * dz;
    }
    memcpy(a->Z, Z, dT * sizeof(double));
    rp = sqrt(rp);
    rd = a->rho * sqrt(rd);
    double f = rp > ADMM_MU * rd ? ADMM_TAU : rd > ADMM_MU * rp ? 1 / ADMM_TAU
                                                               : 1.0;
    if (f != 1.0) { /* U = dual / rho: rescale with rho */
      a->rho *= f;
      mtl__scal((int)dT, 1 / f, a->U);
    }
  }
  if (!iters)
    memcpy(Z, a->Z, dT * sizeof(double));
  return MTL_OK;
}
