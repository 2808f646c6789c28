/*
 * methods_tgl.c -- the temporal group lasso (tgl) for tasks ordered in time
 * (solvers/batch/tgl.c):
 *   min_W sum_t c_t loss_t(w_t) + lambda ||W||_{2,1}
 *         + lambda2 sum_{t<T} ||w_{t+1} - w_t||^2 + ridge ||W||_F^2,
 * tasks in the order of the dataset.  MALSAR's TGL (Zhou et al. 2011) with
 * its rho3, rho2, rho1 = lambda, lambda2, ridge.
 *
 * The fused group lasso (fglasso, same solver file) for the same setting
 * with piecewise-constant rather than smooth drift:
 *   min_W sum_t c_t loss_t(w_t) + lambda ||W||_{2,1}
 *         + lambda2 sum_j sum_{t<T} |W_{j,t+1} - W_{j,t}|
 *         + lambda_l1 ||W||_1 + ridge ||W||_F^2,
 * MALSAR's FGLasso (Zhou et al. 2012) with its rho3, rho2, rho1 = lambda,
 * lambda2, lambda_l1.
 */
#include "api.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* tgl (fused 0) or fglasso (fused 1). */
static int time_fit(const mtl__fit_ctx *c, mtl__fit_out *o, int fused) {
  mtl_dataset *scaled = NULL;
  mtl_problem *pb = NULL;
  mtl_solve_info in;
  memset(&in, 0, sizeof in);
  int T = mtl_dataset_ntasks(c->ds);
  int rc = mtl__fit_scale(c, &o->sc, &scaled);
  rc = rc < 0 ? rc : mtl__fit_problem_params(c->p, T, &o->pp, &o->R);
  if (rc < 0)
    goto done;
  double lam[4] = {0, mtl__p_num(c->p, "lambda2"), o->pp.reg.lambda,
                   o->pp.reg.ridge};
  if (fused) {
    lam[0] = mtl__p_num(c->p, "lambda_l1");
    o->pp.reg = (mtl_reg){.type = MTL_REG_NONE}; /* all in the row prox */
  } else {
    o->pp.reg.type = MTL_REG_L21; /* with lambda and ridge: the prox part */
  }
  if ((rc = mtl_problem_create(scaled, &o->pp, &pb)) < 0) {
    rc = mtl__err_prefix(rc, "cannot set up the problem");
    goto done;
  }
  int d = mtl_problem_dim(pb);
  if ((rc = mtl__fit_out_losses(o, pb)) < 0)
    goto done;
  if (!(o->W = mtl__calloc((size_t)d * T, sizeof *o->W))) {
    rc = MTL_ENOMEM;
    goto done;
  }
  o->d = d;
  o->T = T;
  if (c->W0)
    memcpy(o->W, c->W0, (size_t)d * T * sizeof *o->W);
  mtl_solver_params sp;
  mtl__fit_solver_params(c, &sp);
  int st = fused ? mtl__fglasso_solve(pb, lam, &sp, o->W, &in)
                 : mtl__tgl_solve(pb, lam[1], &sp, o->W, &in);
  mtl_fit_info *fi = o->info;
  rc = st < 0 ? st : mtl__info_text(fi, "solver", "%s",
                                    mtl__p_text(c->p, "solver"));
  rc = rc < 0 ? rc : mtl__info_num(fi, "iterations", in.iterations);
  rc = rc < 0 ? rc : mtl__info_num(fi, "objective", in.objective);
  rc = rc < 0 ? rc : mtl__info_num(fi, "seconds", in.seconds);
  rc = rc < 0 ? rc : mtl__info_cert(fi, &in.cert);
  if (rc >= 0 && c->want_trace && in.trace)
    rc = mtl__info_iter_trace(fi, &in);
  if (rc >= 0)
    rc = st;
done:
  mtl_free(in.trace);
  mtl_problem_free(pb);
  mtl_dataset_free(scaled);
  return rc;
}

static int tg_fit(const mtl__fit_ctx *c, mtl__fit_out *o) {
  return time_fit(c, o, 0);
}

/* Path tops (methods_lmax.c): lambda exact, lambda2 a scale. */
static int l21_top(const mtl__fit_ctx *c, double *out) {
  return mtl__lmax_struct(c, MTL__LMAX_L21, out);
}

static int lip_top(const mtl__fit_ctx *c, double *out) {
  return mtl__lmax_struct(c, MTL__LMAX_LIP, out);
}

static int tv_top(const mtl__fit_ctx *c, double *out) {
  return mtl__lmax_struct(c, MTL__LMAX_TV, out);
}

static int fg_fit(const mtl__fit_ctx *c, mtl__fit_out *o) {
  return time_fit(c, o, 1);
}

/* The parameters after the lambdas, shared by tgl and fglasso. */
#define TIME_TAIL                                                              \
  MTL__P_RIDGE, MTL__P_STANDARDIZE, MTL__P_BIAS,                               \
      MTL__P_CHOICE("solver", "fista", "fista|ista",                           \
                    "fista = accelerated proximal gradient, ista = plain"),    \
      MTL__P_INT("max_iter", "10000", 1, 1e9, "maximum iterations"),           \
      MTL__P_NONNEG("tol", "1e-10", "stop when the relative objective "        \
                                    "change <= tol (0 = off)"),                \
      MTL__P_THREADS, MTL__P_TRACE

static const mtl__pdef tgl_table[] = {
    MTL__P_LOSS,
    MTL__P_SCALING("mean"),
    MTL__P_NONNEG("lambda", "0.1", "regularization strength"),
    MTL__P_NONNEG("lambda2", "0.1", "weight of sum_t ||w_{t+1} - "
                                    "w_t||^2 (tasks in time order)"),
    TIME_TAIL,
};

const mtl_method mtl__method_tgl = {
    .name = "tgl",
    .aliases = "temporal",
    .summary = "temporal group lasso: lambda ||W||_{2,1} + lambda2 sum_t "
               "||w_{t+1} - w_t||^2 + ridge, tasks ordered in time "
               "(MALSAR's TGL)",
    .params = tgl_table,
    .nparams = MTL__NPARAMS(tgl_table),
    .fit = tg_fit,
    .lambda_max = l21_top,
    .lambda2_max = lip_top,
};

static const mtl__pdef fglasso_table[] = {
    MTL__P_LOSS,
    MTL__P_SCALING("mean"),
    MTL__P_NONNEG("lambda", "0.1", "regularization strength"),
    MTL__P_NONNEG("lambda2", "0.1", "weight of sum_j sum_t |W_{j,t+1} - "
                                    "W_jt| (tasks in time order)"),
    MTL__P_NONNEG("lambda_l1", "0", "weight of ||W||_1"),
    TIME_TAIL,
};

const mtl_method mtl__method_fglasso = {
    .name = "fglasso",
    .aliases = "fused",
    .summary = "fused group lasso: lambda ||W||_{2,1} + lambda2 sum_t "
               "|W_{.,t+1} - W_{.,t}|_1 + lambda_l1 ||W||_1 + ridge, tasks "
               "ordered in time (MALSAR's FGLasso)",
    .params = fglasso_table,
    .nparams = MTL__NPARAMS(fglasso_table),
    .fit = fg_fit,
    .lambda_max = l21_top,
    .lambda2_max = tv_top,
};
