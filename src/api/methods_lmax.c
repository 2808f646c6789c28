/*
 * methods_lmax.c -- the tops of the default lambda paths of the structured
 * formulations (tgl, fglasso, cmtl, caso, mll), so that `mtl cv` and
 * mtl_search_run ("lambda=path:N:R", "lambda2=path:N:R") tune their two
 * lambdas over a 2-D grid without a hand-given grid.  Each top is computed
 * on the problem the fit would solve (same scaling, standardization and
 * bias):
 *   L21  the smallest lambda with W = 0 (bias aside) for the L2,1 penalty,
 *        max_j ||grad_j f||_2 at the bias-only fit: exact for tgl's and
 *        fglasso's lambda (any lambda2, and lambda_l1 = 0);
 *   L1   the same for the L1 penalty, max_jt |grad_jt f|: for mll, the
 *        lambda above which the first Lasso step from theta = 1, Gamma = 0
 *        keeps Gamma = 0, so the fit is W = 0;
 *   TV   max_j max_k |sum_{t<=k} (g_jt - mean_t g_jt)|, g = grad f at
 *        W = 0: the dual norm of the fused penalty on the
 *        gradient's row-centred part, a scale for fglasso's lambda2 (the
 *        fused penalty alone never zeroes W: constant rows are free);
 *   LIP  the Lipschitz bound L of the loss gradient: a scale (no lambda
 *        makes W = 0) for the quadratic penalties (tgl's lambda2, both
 *        lambdas of cmtl and caso), where a penalty of curvature ~L
 *        dominates the data, as batch does for its smooth regularizers.
 */
#include "api.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The TV top above: the penalized rows of the gradient at W = 0. */
static int tv_top(mtl_problem *pb, double *out) {
  int d = pb->d, T = pb->T;
  double *W = mtl__calloc((size_t)d * T * 2, sizeof *W), f;
  if (!W)
    return MTL_ENOMEM;
  double *G = W + (size_t)d * T, top = 0;
  int rc = mtl_problem_loss(pb, W, &f, G);
  for (int j = 0; !rc && j < pb->d_pen; j++) {
    double mean = 0, c = 0;
    for (int t = 0; t < T; t++)
      mean += G[j + (size_t)t * d] / T;
    for (int t = 0; t < T; t++) {
      c += G[j + (size_t)t * d] - mean;
      top = fmax(top, fabs(c));
    }
  }
  free(W);
  *out = top;
  return rc;
}

int mtl__lmax_struct(const mtl__fit_ctx *c, mtl__lmax_kind kind,
                     double *out) {
  mtl__fit_out o;
  memset(&o, 0, sizeof o);
  mtl_dataset *scaled = NULL;
  mtl_problem *pb = NULL;
  int T = mtl_dataset_ntasks(c->ds);
  int rc = mtl__fit_scale(c, &o.sc, &scaled);
  rc = rc < 0 ? rc : mtl__fit_problem_params(c->p, T, &o.pp, &o.R);
  if (rc < 0)
    goto done;
  o.pp.reg = (mtl_reg){.type = kind == MTL__LMAX_L1    ? MTL_REG_L1
                               : kind == MTL__LMAX_L21 ? MTL_REG_L21
                                                       : MTL_REG_NONE};
  if ((rc = mtl_problem_create(scaled, &o.pp, &pb)) < 0) {
    rc = mtl__err_prefix(rc, "cannot set up the problem");
    goto done;
  }
  if (kind == MTL__LMAX_L1 || kind == MTL__LMAX_L21)
    rc = mtl_problem_lambda_max(pb, out);
  else if (kind == MTL__LMAX_TV)
    rc = tv_top(pb, out);
  else
    *out = mtl_problem_lipschitz(pb);
done:
  mtl_problem_free(pb);
  mtl_dataset_free(scaled);
  mtl__fit_out_clear(&o);
  return rc;
}
