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
 */
#include "solvers/solvers.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct tg_ctx {
  mtl_problem *pb;
  double rho2;
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
  return mtl__problem_prox_val(((tg_ctx *)ctx)->pb, step, V, out, gout);
}

static double tg_value(void *ctx, const double *W) {
  return mtl__problem_reg_value(((tg_ctx *)ctx)->pb, W);
}

/* primal, and the residual L ||W - prox_{1/L}(W - grad/L)||. */
static int tg_cert(tg_ctx *c, const double *W, mtl_certificate *cert) {
  mtl_problem *pb = c->pb;
  size_t dT = (size_t)pb->d * pb->T;
  double *G = mtl__malloc(2 * dT * sizeof(double)), f, r = 0;
  if (!G)
    return MTL_ENOMEM;
  double *P = G + dT, L = pb->L + 8 * c->rho2;
  int rc = tg_smooth(c, W, &f, G);
  for (size_t k = 0; !rc && k < dT; k++)
    P[k] = W[k] - G[k] / L;
  rc = rc ? rc : mtl__problem_prox(pb, 1.0 / L, P, P);
  for (size_t k = 0; !rc && k < dT; k++)
    r += (W[k] - P[k]) * (W[k] - P[k]);
  if (!rc) {
    cert->primal = f + mtl__problem_reg_value(pb, W);
    cert->dual = NAN;
    cert->gap = NAN;
    cert->residual = L * sqrt(r);
  }
  free(G);
  return rc;
}

int mtl__tgl_solve(mtl_problem *pb, double rho2, const mtl_solver_params *sp,
                   double *W, mtl_solve_info *info) {
  if (info)
    memset(info, 0, sizeof *info);
  if (!(rho2 >= 0) || !isfinite(rho2))
    return mtl__err(MTL_EINVAL, "tgl: lambda2 = %g must be finite and >= 0",
                    rho2);
  if (sp->solver == MTL_SOLVER_BCD)
    return mtl__err(MTL_EUNSUPPORTED, "tgl: solver bcd is not available "
                                      "(fista or ista)");
  for (int t = 0; t < pb->T; t++)
    if (pb->task_loss[t] == MTL_LOSS_HINGE)
      return mtl__err(MTL_EUNSUPPORTED, "task %d: the hinge loss is not "
                                        "differentiable; use squared, "
                                        "logistic or sqhinge", t + 1);
  tg_ctx c = {.pb = pb, .rho2 = rho2};
  double *trace = NULL;
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
  o.who = "tgl";
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
