/*
 * tgl.c -- temporal group lasso (Zhou, Yuan, Liu & Ye 2011; MALSAR's TGL)
 * for tasks ordered in time (task t = time point t, disease progression):
 *   min_W f(W) + rho2 sum_{t<T} ||w_{t+1} - w_t||^2 + lambda ||W||_{2,1}
 *              + ridge ||W||_F^2
 * on the penalized rows (an unpenalized bias row is neither smoothed nor
 * shrunk).  The temporal term is smooth (gradient 2 rho2 W R R' with R the
 * T x (T-1) difference matrix, ||R R'|| <= 4) and joins the loss in the
 * smooth part; the L2,1 + ridge prox is the problem's own (pb's
 * regularizer).  The proximal-gradient kernel (apg.c) runs with the
 * problem's prox; certificate: the proximal fixed-point residual (the
 * temporal coupling leaves no closed-form dual in this code).
 *
 * The fused group lasso (Zhou, Liu, Narayan & Ye, KDD 2012; MALSAR's
 * FGLasso) runs on the same kernel with no smooth coupling and a
 * nonsmooth one instead:
 *   min_W f(W) + sum_j [ l1 ||W_j.||_1 + tv sum_{t<T} |W_{j,t+1} - W_{j,t}|
 *                        + l21 ||W_j.||_2 ]
 * whose row prox is exact (problem/prox_fused.c: 1-D total variation by
 * Condat's algorithm, then the soft and group shrinks).  Certificate: the
 * same fixed-point residual.
 */
#include "solvers/solvers.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct tg_ctx {
  mtl_problem *pb;
  double rho2;
  const double *fl; /* fused: {l1, tv, l21}; NULL = tgl (pb's prox) */
  double *work;     /* fused: T doubles */
} tg_ctx;

/* rho2 sum_t ||w_{t+1} - w_t||^2 over the penalized rows; grad += its
 * gradient when not NULL. */
static double temporal(const tg_ctx *c, const double *W, double *grad) {
  int d = c->pb->d, dp = c->pb->d_pen, T = c->pb->T;
  double v = 0;
  for (int t = 0; t + 1 < T; t++)
    for (int j = 0; j < dp; j++) {
      double e = W[j + (size_t)(t + 1) * d] - W[j + (size_t)t * d];
      v += e * e;
      if (grad) {
        grad[j + (size_t)(t + 1) * d] += 2 * c->rho2 * e;
        grad[j + (size_t)t * d] -= 2 * c->rho2 * e;
      }
    }
  return c->rho2 * v;
}

static int tg_smooth(void *ctx, const double *W, double *f, double *grad) {
  tg_ctx *c = ctx;
  int rc = mtl_problem_loss(c->pb, W, f, grad);
  if (!rc)
    *f += temporal(c, W, grad);
  return rc;
}

static int tg_prox(void *ctx, double step, const double *V, double *out,
                   double *gout) {
  tg_ctx *c = ctx;
  if (!c->fl)
    return mtl__problem_prox_val(c->pb, step, V, out, gout);
  int d = c->pb->d, T = c->pb->T;
  if (out != V)
    memcpy(out, V, (size_t)d * T * sizeof *out);
  /* g is a norm: the ridge only scales its prox (as in reg_norms.c) */
  double sc = 1 / (1 + 2 * step * c->fl[3]);
  for (int j = 0; j < c->pb->d_pen; j++) {
    mtl__prox_fused_row(out + j, T, (size_t)d, step * c->fl[0],
                        step * c->fl[1], step * c->fl[2], c->work);
    for (int t = 0; t < T; t++)
      out[j + (size_t)t * d] *= sc;
  }
  return 0;
}

static double tg_value(void *ctx, const double *W) {
  tg_ctx *c = ctx;
  if (!c->fl)
    return mtl__problem_reg_value(c->pb, W);
  double v = 0, r = 0;
  int d = c->pb->d;
  for (int j = 0; j < c->pb->d_pen; j++) {
    v += mtl__fused_value(W + j, c->pb->T, (size_t)d, c->fl[0], c->fl[1],
                          c->fl[2]);
    for (int t = 0; t < c->pb->T; t++)
      r += W[j + (size_t)t * d] * W[j + (size_t)t * d];
  }
  return v + c->fl[3] * r;
}

/* primal, and the residual L ||W - prox_{1/L}(W - grad/L)||. */
static int tg_cert(tg_ctx *c, const double *W, mtl_certificate *cert) {
  mtl_problem *pb = c->pb;
  size_t dT = (size_t)pb->d * pb->T;
  double *G = mtl__malloc(2 * dT * sizeof(double)), f, f2, r = 0;
  if (!G)
    return MTL_ENOMEM;
  double *P = G + dT, L = pb->L + 8 * c->rho2;
  int rc = tg_smooth(c, W, &f, G);
  for (size_t k = 0; !rc && k < dT; k++)
    P[k] = W[k] - G[k] / L;
  rc = rc ? rc : tg_prox(c, 1.0 / L, P, P, &f2);
  for (size_t k = 0; !rc && k < dT; k++)
    r += (W[k] - P[k]) * (W[k] - P[k]);
  if (!rc) {
    cert->primal = f + tg_value(c, W);
    cert->dual = NAN;
    cert->gap = NAN;
    cert->residual = L * sqrt(r);
  }
  free(G);
  return rc;
}

/* Checks shared by tgl and fglasso (who names the method). */
static int tg_check(const mtl_problem *pb, const mtl_solver_params *sp,
                    const char *who) {
  if (sp->solver == MTL_SOLVER_BCD)
    return mtl__err(MTL_EUNSUPPORTED, "%s: solver bcd is not available "
                                      "(fista or ista)", who);
  for (int t = 0; t < pb->T; t++)
    if (pb->task_loss[t] == MTL_LOSS_HINGE)
      return mtl__err(MTL_EUNSUPPORTED, "task %d: the hinge loss is not "
                                        "differentiable; use squared, "
                                        "logistic or sqhinge", t + 1);
  return 0;
}

static int tg_run(tg_ctx *cp, const mtl_solver_params *sp, double *W,
                  mtl_solve_info *info, const char *who) {
  tg_ctx c = *cp;
  mtl_problem *pb = c.pb;
  double rho2 = c.rho2, *trace = NULL;
  if (sp->record_trace &&
      !(trace = mtl__malloc((size_t)sp->max_iter * sizeof(double))))
    return MTL_ENOMEM;
  mtl__apg_opts o;
  mtl__apg_opts_init(&o);
  o.accelerate = sp->solver != MTL_SOLVER_ISTA;
  o.restart = sp->restart;
  o.L0 = sp->L0 > 0 ? sp->L0 : (pb->L + 8 * rho2) / 16;
  o.backtrack = sp->backtrack;
  o.shrink = 0.9;
  o.noise = 1e-12;
  o.max_iter = sp->max_iter;
  o.tol_obj = sp->tol_obj;
  o.obj_monotone = 1;
  o.tol_res = sp->tol_res;
  o.progress = sp->progress;
  o.progress_ctx = sp->progress_ctx;
  o.interrupt = &pb->interrupt;
  o.trace = trace;
  o.who = who;
  atomic_store(&pb->interrupt, 0);
  double t0 = mtl__now();
  mtl__apg_out out;
  int rc = mtl__apg((size_t)pb->d * pb->T, W, tg_smooth, tg_prox, tg_value,
                    &c, &o, &out);
  if (rc >= 0 && info) {
    mtl__apg_info(info, rc, &out, t0, &trace);
    int e = tg_cert(&c, W, &info->cert);
    if (e)
      rc = e;
  }
  free(trace);
  return rc;
}

int mtl__tgl_solve(mtl_problem *pb, double rho2, const mtl_solver_params *sp,
                   double *W, mtl_solve_info *info) {
  if (info)
    memset(info, 0, sizeof *info);
  if (!(rho2 >= 0) || !isfinite(rho2))
    return mtl__err(MTL_EINVAL, "tgl: lambda2 = %g must be finite and >= 0",
                    rho2);
  int rc = tg_check(pb, sp, "tgl");
  tg_ctx c = {.pb = pb, .rho2 = rho2};
  return rc ? rc : tg_run(&c, sp, W, info, "tgl");
}

int mtl__fglasso_solve(mtl_problem *pb, const double lam[4],
                       const mtl_solver_params *sp, double *W,
                       mtl_solve_info *info) {
  static const char *const names[4] = {"lambda_l1", "lambda2", "lambda",
                                       "ridge"};
  if (info)
    memset(info, 0, sizeof *info);
  for (int i = 0; i < 4; i++)
    if (!(lam[i] >= 0) || !isfinite(lam[i]))
      return mtl__err(MTL_EINVAL, "fglasso: %s = %g must be finite and "
                                  ">= 0", names[i], lam[i]);
  int rc = tg_check(pb, sp, "fglasso");
  if (rc)
    return rc;
  tg_ctx c = {.pb = pb, .fl = lam};
  if (!(c.work = mtl__malloc((size_t)pb->T * sizeof(double))))
    return MTL_ENOMEM;
  rc = tg_run(&c, sp, W, info, "fglasso");
  free(c.work);
  return rc;
}
