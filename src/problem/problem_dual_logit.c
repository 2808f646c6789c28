/*
 * problem_dual_logit.c -- the duality gap of the logistic loss with a norm
 * regularizer (L1, L2,1, trace), and the logistic Hessians of the Newton
 * polish on the active manifold (problem_newton.c).
 *
 * Primal: F(W) = sum_t a_t sum_i s_i l(y_i x_i'w_t) + h(W), with l(m) =
 * log(1 + e^{-m}), y_i in {-1, +1}, a_t = c_t s(N_t), s_i the sample
 * weights and h = lambda g (+ ridge) on the penalized rows.  The Fenchel
 * conjugate of z -> l(y z) at -y v is -H(v), H(v) = -v log v - (1 - v)
 * log(1 - v) the binary entropy, finite for v in [0, 1] only; so the dual
 * (Fenchel-Rockafellar) is
 *   D(v) = sum_t a_t sum_i s_i H(v_i) - h*(M),  M_t = X_t' theta_t,
 *   theta_i = a_t s_i y_i v_i,
 * and h* is the indicator of the dual ball (or the ridge's conjugate),
 * with M's unpenalized last row required to be 0.  The dual point is the
 * one of the gradient, v_i = sigma(-y_i x_i'w_t) (D(v) = F(W) at the
 * optimum), made feasible by scalings that keep v in [0, 1]: for an
 * unpenalized last feature z, the samples whose theta_i z_i has the larger
 * total are scaled down so that sum_i theta_i z_i = 0; then every v by
 * s = min(1, lambda / ||M||_*) (mtl__problem_dual_scale).
 */
#include "problem.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int mtl__problem_logistic_only(const mtl_problem *pb) {
  for (int t = 0; t < pb->T; t++) {
    const mtl__task *tk = &pb->ds->tasks[t];
    if (pb->task_loss[t] != MTL_LOSS_LOGISTIC)
      return 0;
    for (int i = 0; i < tk->n; i++) /* the conjugate needs |y| = 1 */
      if (tk->y[i] != 1.0 && tk->y[i] != -1.0)
        return 0;
  }
  return 1;
}

/* The binary entropy in nats, 0 at (and rounding beyond) the ends. */
static double entropy(double v) {
  if (!(v > 0 && v < 1))
    return 0.0;
  return -v * log(v) - (1 - v) * log1p(-v);
}

/* Task t's dual variables at w: v (n_t) = sigma(-y_i x_i'w), then, for an
 * unpenalized last feature, the group of samples with the larger share of
 * sum_i s_i y_i v_i z_i scaled down to balance the other; M (d) =
 * X_t'theta.  zc: n_t scratch, e: d scratch. */
static void task_dual(const mtl_problem *pb, int t, const double *w,
                      double *v, double *zc, double *e, double *M) {
  const mtl__task *tk = &pb->ds->tasks[t];
  int d = pb->d, n = tk->n;
  double a = pb->scale[t];
  mtl__task_matvec(pb->ds, t, w, v);
  for (int i = 0; i < n; i++)
    v[i] = mtl__sigmoid_neg(tk->y[i] * v[i]);
  if (pb->d_pen < d) {
    double P = 0, N = 0;
    memset(e, 0, (size_t)d * sizeof(double));
    e[d - 1] = 1.0;
    mtl__task_matvec(pb->ds, t, e, zc); /* z = the last feature */
    for (int i = 0; i < n; i++) {
      double q = (tk->sw ? tk->sw[i] : 1.0) * tk->y[i] * v[i] * zc[i];
      P += q > 0 ? q : 0.0;
      N -= q < 0 ? q : 0.0;
    }
    double rp = P > N ? N / P : 1.0, rn = N > P ? P / N : 1.0;
    for (int i = 0; i < n; i++) {
      double q = tk->y[i] * zc[i];
      v[i] *= q > 0 ? rp : q < 0 ? rn : 1.0;
    }
  }
  for (int i = 0; i < n; i++) /* theta */
    zc[i] = a * (tk->sw ? tk->sw[i] : 1.0) * tk->y[i] * v[i];
  memset(M, 0, (size_t)d * sizeof(double));
  mtl__task_matvec_t(pb->ds, t, 1.0, zc, M);
}

int mtl__problem_dual_logit(mtl_problem *pb, const double *W,
                            const mtl_reg *regs, int nreg, double *D) {
  int d = pb->d, T = pb->T;
  size_t dT = (size_t)d * T, ntot = 0;
  for (int t = 0; t < T; t++)
    ntot += (size_t)pb->ds->tasks[t].n;
  double *M = mtl__malloc((dT + ntot + (size_t)pb->max_n + d) *
                          sizeof(double));
  if (!M)
    return MTL_ENOMEM;
  double *V = M + dT, *zc = V + ntot, *e = zc + pb->max_n;
  for (size_t t = 0, off = 0; t < (size_t)T; t++) {
    task_dual(pb, (int)t, W + t * d, V + off, zc, e, M + t * d);
    off += (size_t)pb->ds->tasks[t].n;
  }
  mtl__problem_pack_rows(pb, M, M);
  double s, hstar;
  int rc = mtl__problem_dual_scale(regs, nreg, M, pb->d_pen, T, &s, &hstar);
  if (!rc) {
    double v = -hstar;
    for (size_t t = 0, off = 0; t < (size_t)T; t++) {
      const mtl__task *tk = &pb->ds->tasks[t];
      double et = 0;
      for (int i = 0; i < tk->n; i++)
        et += (tk->sw ? tk->sw[i] : 1.0) * entropy(s * V[off + i]);
      v += pb->scale[t] * et;
      off += (size_t)tk->n;
    }
    *D = v;
  }
  free(M);
  return rc;
}

/* ---- the Hessians of the Newton polish ------------------------------------ */

/* Limits of the per-task Hessian blocks: those of the squared loss's cache
 * (problem_dual.c), d at most 256 and 64 MB. */
#define LOGIT_MAX_D 256
#define LOGIT_MAX_DOUBLES ((size_t)1 << 23)

/* H (d x d) = X_t' diag(s_i sigma_i (1 - sigma_i)) X_t at w, where
 * sigma_i = sigma(y_i x_i'w): the loss Hessian of the task over a_t.
 * z: n_t scratch; Xs: MTL__BLOCK_ROWS x d scratch (dense tasks: the rows
 * scaled by the square roots of their curvatures, a block at a time). */
static void task_hessian(const mtl_problem *pb, int t, const double *w,
                         double *z, double *Xs, double *H) {
  const mtl__task *tk = &pb->ds->tasks[t];
  int d = pb->d, n = tk->n;
  mtl__task_matvec(pb->ds, t, w, z);
  for (int i = 0; i < n; i++) {
    double p = mtl__sigmoid_neg(tk->y[i] * z[i]);
    z[i] = (tk->sw ? tk->sw[i] : 1.0) * p * (1 - p);
  }
  if (tk->X) {
    for (int i0 = 0; i0 < n; i0 += MTL__BLOCK_ROWS) {
      int nb = n - i0 < MTL__BLOCK_ROWS ? n - i0 : MTL__BLOCK_ROWS;
      for (int i = 0; i < nb; i++)
        for (int j = 0; j < d; j++)
          Xs[(size_t)i * d + j] =
              sqrt(z[i0 + i]) * tk->X[(size_t)(i0 + i) * d + j];
      mtl__gram_rm(nb, d, 1.0, Xs, d, i0 ? 1.0 : 0.0, H);
    }
    return;
  }
  memset(H, 0, (size_t)d * d * sizeof(double));
  for (int i = 0; i < n; i++)
    for (int64_t p = tk->indptr[i]; p < tk->indptr[i + 1]; p++)
      for (int64_t q = tk->indptr[i]; q < tk->indptr[i + 1]; q++)
        H[tk->indices[p] + (size_t)tk->indices[q] * d] +=
            z[i] * tk->values[p] * tk->values[q];
}

int mtl__problem_logit_hessians(mtl_problem *pb, const double *W) {
  int d = pb->d, T = pb->T;
  size_t dd = (size_t)d * d;
  if (d > LOGIT_MAX_D || (size_t)T * dd > LOGIT_MAX_DOUBLES ||
      !mtl__problem_logistic_only(pb))
    return 0;
  if (!pb->logit_H && !(pb->logit_H = mtl__malloc((size_t)T * dd *
                                                  sizeof(double))))
    return MTL_ENOMEM;
  size_t nz = (size_t)pb->max_n + (size_t)MTL__BLOCK_ROWS * d;
  double *z = mtl__malloc(nz * sizeof(double));
  if (!z)
    return MTL_ENOMEM;
  for (int t = 0; t < T; t++)
    task_hessian(pb, t, W + (size_t)t * d, z, z + pb->max_n,
                 pb->logit_H + (size_t)t * dd);
  free(z);
  return 1;
}
