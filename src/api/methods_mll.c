/*
 * methods_mll.c -- the multi-level Lasso (mll; Lozano & Swirszcz 2012,
 * mutar's MultiLevelLasso, solvers/batch/mll.c):
 *   min_{theta >= 0, Gamma} sum_t c_t loss_t(theta o gamma_t)
 *                           + lambda (sum_j theta_j + ||Gamma||_1),
 * W_jt = theta_j gamma_jt.  Non-convex: alternating Lasso steps from theta
 * = 1, Gamma = 0 reach a stationary point, not necessarily the global
 * minimum.  The model holds W and "theta" (d x 1); the results give the
 * number of features kept (theta_j > 0).  lambda weighs sum_j theta_j +
 * ||Gamma||_1.
 */
#include "api.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* d rows of theta, the first dp penalized (a bias level last). */
static int ml_output(const mtl__fit_ctx *c, mtl__fit_out *o,
                     const mtl_solve_info *in, const double *theta, int d,
                     int dp) {
  mtl_fit_info *fi = o->info;
  int kept = 0;
  for (int j = 0; j < dp; j++)
    kept += theta[j] > 0;
  int rc = mtl__info_text(fi, "solver", "%s", mtl__p_text(c->p, "solver"));
  rc = rc < 0 ? rc : mtl__info_num(fi, "iterations", in->iterations);
  rc = rc < 0 ? rc : mtl__info_num(fi, "inner_iterations", in->restarts);
  rc = rc < 0 ? rc : mtl__info_num(fi, "objective", in->objective);
  rc = rc < 0 ? rc : mtl__info_num(fi, "seconds", in->seconds);
  rc = rc < 0 ? rc : mtl__info_text(fi, "certificate", "none (non-convex: "
                                                     "a local optimum)");
  rc = rc < 0 ? rc : mtl__info_num(fi, "features_kept", kept);
  rc = rc < 0 ? rc : mtl__fit_out_matrix(o, "theta", d, 1, theta);
  if (rc >= 0 && c->want_trace && in->trace)
    rc = mtl__info_iter_trace(fi, in);
  return rc;
}

static int ml_fit(const mtl__fit_ctx *c, mtl__fit_out *o) {
  mtl_dataset *scaled = NULL;
  mtl_problem *pb = NULL;
  double *theta = NULL, *Gam = NULL;
  mtl_solve_info in;
  memset(&in, 0, sizeof in);
  int T = mtl_dataset_ntasks(c->ds);
  int rc = mtl__fit_scale(c, &o->sc, &scaled);
  rc = rc < 0 ? rc : mtl__fit_problem_params(c->p, T, &o->pp, &o->R);
  if (rc < 0)
    goto done;
  double lam = o->pp.reg.lambda;
  o->pp.reg = (mtl_reg){.type = MTL_REG_NONE}; /* the loss only */
  if ((rc = mtl_problem_create(scaled, &o->pp, &pb)) < 0) {
    rc = mtl__err_prefix(rc, "cannot set up the problem");
    goto done;
  }
  int d = mtl_problem_dim(pb);
  if ((rc = mtl__fit_out_losses(o, pb)) < 0)
    goto done;
  o->W = mtl__calloc((size_t)d * T, sizeof *o->W);
  Gam = mtl__calloc((size_t)d * T, sizeof *Gam);
  theta = mtl__malloc((size_t)d * sizeof *theta);
  if (!o->W || !Gam || !theta) {
    rc = MTL_ENOMEM;
    goto done;
  }
  o->d = d;
  o->T = T;
  for (int j = 0; j < d; j++)
    theta[j] = 1;
  if (c->W0) /* warm start: theta = 1, Gamma = W0 */
    memcpy(Gam, c->W0, (size_t)d * T * sizeof *Gam);
  mtl_solver_params sp;
  mtl__fit_solver_params(c, &sp);
  int st = mtl__mll_solve(pb, lam, &sp, theta, Gam, o->W, &in);
  rc = st < 0 ? st : ml_output(c, o, &in, theta, d, pb->d_pen);
  if (rc >= 0)
    rc = st;
done:
  mtl_free(in.trace);
  free(theta);
  free(Gam);
  mtl_problem_free(pb);
  mtl_dataset_free(scaled);
  return rc;
}

/* Above this lambda the fit from theta = 1, Gamma = 0 is W = 0. */
static int l1_top(const mtl__fit_ctx *c, double *out) {
  return mtl__lmax_struct(c, MTL__LMAX_L1, out);
}

static const mtl__pdef mll_table[] = {
    MTL__P_LOSS,
    MTL__P_SCALING("mean"),
    MTL__P_NONNEG("lambda", "0.1", "regularization strength"),
    MTL__P_STANDARDIZE,
    MTL__P_BIAS,
    MTL__P_CHOICE("solver", "fista", "fista|ista",
                  "inner solver of the alternating Lasso steps"),
    MTL__P_INT("max_iter", "200", 1, 1e9, "maximum outer (alternating) "
                                          "iterations"),
    MTL__P_NONNEG("tol", "1e-8", "stop when one outer iteration lowers the "
                                 "objective by <= tol relative"),
    MTL__P_THREADS,
    MTL__P_TRACE,
};

const mtl_method mtl__method_mll = {
    .name = "mll",
    .aliases = "multilevel-lasso",
    .summary = "multi-level Lasso (Lozano & Swirszcz, mutar's "
               "MultiLevelLasso): W_jt = theta_j gamma_jt, NON-CONVEX "
               "(a local optimum from theta = 1, Gamma = 0)",
    .params = mll_table,
    .nparams = MTL__NPARAMS(mll_table),
    .fit = ml_fit,
    .lambda_max = l1_top,
};
