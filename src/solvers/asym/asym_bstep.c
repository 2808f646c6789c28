/*
 * asym_bstep.c -- the B-step (3) of asymmetric MTL (see asym.c): per column
 * a non-negative loss-weighted Lasso by coordinate descent
 * (mtl_asym_solve_column), and the symmetric variant's pairwise coordinate
 * descent on B = B' >= 0.
 */
#include "asym_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- the B-step (3) ----------------------------------------------------- */

static double kkt_scale(int T, const double *G, const double *cost,
                        double lambda, double mu) {
  double gm = 0, cm = 0;
  for (size_t i = 0; i < (size_t)T * T; i++)
    gm = fmax(gm, fabs(G[i]));
  for (int s = 0; s < T; s++)
    cm = fmax(cm, cost[s]);
  return fmax(1.0, fmax(2 * lambda * gm, mu * cm));
}

/* Non-negative weighted Lasso for column t by cyclic coordinate descent on
 * lambda (b'Gb - 2 G_t'b) + mu cost'b: the coordinate minimizer is
 * b_s = max(0, b_s - g_s / (2 lambda G_ss)) with g the gradient.  Full
 * sweeps alternate with sweeps over the active set (nonzero b_s) until the
 * active set is stable; stops on the KKT violation
 *   b_s > 0: |g_s|,   b_s = 0: max(0, -g_s). */
int mtl_asym_solve_column(int T, const double *G, const double *cost,
                          double lambda, double mu, int t, double tol,
                          int max_sweeps, double *b) {
  if (T < 1 || !G || !cost || !b)
    return mtl__err(MTL_EINVAL, "asym_solve_column: NULL argument or T = %d",
                    T);
  if (t < 0 || t >= T)
    return mtl__err(MTL_EINVAL, "asym_solve_column: column t = %d not in "
                                "[0, %d)",
                    t, T);
  if (!(lambda > 0) || !(mu >= 0) || !(tol > 0) || max_sweeps < 1)
    return mtl__err(MTL_EINVAL,
                    "asym_solve_column: lambda = %g (> 0), mu = %g (>= 0), "
                    "tol = %g (> 0), max_sweeps = %d (>= 1)",
                    lambda, mu, tol, max_sweeps);
  for (int s = 0; s < T; s++) {
    if (!(cost[s] >= 0) || !isfinite(cost[s]))
      return mtl__err(MTL_EINVAL,
                      "asym_solve_column: cost[%d] = %g must be >= 0", s,
                      cost[s]);
    if (!(b[s] >= 0) || !isfinite(b[s]))
      b[s] = 0;
  }
  b[t] = 0;
  double *q = mtl__malloc((size_t)T * sizeof(double)); /* q = G b */
  if (!q)
    return MTL_ENOMEM;
  mtl__gemv(0, T, T, 1.0, G, T, b, 0.0, q);
  const double *h = G + (size_t)t * T;
  double thr = tol * kkt_scale(T, G, cost, lambda, mu);
  int rc = MTL_MAXITER, active_only = 0;
  for (int sweep = 0; sweep < max_sweeps; sweep++) {
    double viol = 0;
    int changed_support = 0;
    for (int s = 0; s < T; s++) {
      if (s == t || (active_only && b[s] == 0))
        continue;
      double Gss = G[s + (size_t)s * T];
      double g = 2 * lambda * (q[s] - h[s]) + mu * cost[s];
      double v = b[s] > 0 ? fabs(g) : fmax(0.0, -g);
      viol = fmax(viol, v);
      double nb = Gss > 0 ? fmax(0.0, b[s] - g / (2 * lambda * Gss)) : 0.0;
      double delta = nb - b[s];
      if (delta != 0) {
        if ((b[s] == 0) != (nb == 0))
          changed_support = 1;
        b[s] = nb;
        mtl__axpy(T, delta, G + (size_t)s * T, q);
      }
    }
    if (viol <= thr) {
      if (!active_only) {
        rc = MTL_CONVERGED;
        break;
      }
      active_only = 0; /* active set converged: verify with a full sweep */
    } else if (!active_only && !changed_support) {
      active_only = 1;
    }
    /* a support change during an active sweep only shrinks it */
  }
  free(q);
  return rc;
}

/* Symmetric B-step: B = B' >= 0, zero diagonal, minimizing
 *   mu sum_t cost_t sum_s B_ts + lambda sum_t ||w_t - W b_t||^2
 * by coordinate descent over pairs s < t (B_st = B_ts = beta); M = G B is
 * kept up to date so that w_s'r_t = G_st - M_st. */
int mtl__asym_bstep_symmetric(int T, const double *G, const double *cost,
                              double lambda, double mu, double tol,
                              int max_sweeps, double *B, double *M) {
  mtl__gemm(0, 0, T, T, T, 1.0, G, T, B, T, 0.0, M, T);
  double thr = tol * kkt_scale(T, G, cost, lambda, mu);
  for (int sweep = 0; sweep < max_sweeps; sweep++) {
    double viol = 0;
    for (int t = 1; t < T; t++)
      for (int s = 0; s < t; s++) {
        size_t st = s + (size_t)t * T, ts = t + (size_t)s * T;
        double num = 2 * lambda * ((G[st] - M[st]) + (G[ts] - M[ts])) -
                     mu * (cost[s] + cost[t]);
        double den = 2 * lambda * (G[s + (size_t)s * T] + G[t + (size_t)t * T]);
        double beta = B[st];
        viol = fmax(viol, beta > 0 ? fabs(num) : fmax(0.0, num));
        double nb = den > 0 ? fmax(0.0, beta + num / den) : 0.0;
        double delta = nb - beta;
        if (delta != 0) {
          B[st] = B[ts] = nb;
          mtl__axpy(T, delta, G + (size_t)s * T, M + (size_t)t * T);
          mtl__axpy(T, delta, G + (size_t)t * T, M + (size_t)s * T);
        }
      }
    if (viol <= thr)
      return MTL_CONVERGED;
  }
  return MTL_MAXITER;
}
