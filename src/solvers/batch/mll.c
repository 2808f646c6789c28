/*
 * mll.c -- the multi-level Lasso (Lozano & Swirszcz, ICML 2012; mutar's
 * MultiLevelLasso): each weight is a product of a shared feature level and
 * a task level, W_jt = theta_j gamma_jt with theta_j >= 0, fitted by
 *   min_{theta >= 0, Gamma}  f(theta o Gamma) + lambda (sum_j theta_j
 *                            + sum_jt |gamma_jt|)
 * on the penalized rows (an unpenalized bias row keeps theta = 1 and an
 * unshrunk gamma).  For a fixed W the best split gives the penalty
 * 2 lambda sum_j sqrt(||W_j.||_1) (L1/2 on the rows' L1 norms): a feature
 * is dropped for all tasks or kept and then sparse per task.  A second
 * weight on one level would only rescale (theta, Gamma), so there is one.
 *
 * The problem is NOT convex.  Alternating minimization as in the paper:
 * a Lasso in Gamma with features scaled by theta (theta fixed), then a
 * non-negative Lasso in theta (Gamma fixed), each by the proximal-gradient
 * kernel (apg.c) from the current point, keeping the best iterate, then
 * the exact minimization over the rescaling theta_j s, gamma_j. / s of each
 * row (which leaves W as it is: theta_j = sqrt(theta_j ||gamma_j.||_1)),
 * so the objective never increases.  The result is a stationary point that
 * depends on the start (theta = 1, Gamma = 0 here, or the caller's);
 * there is no certificate of global optimality.
 */
#include "solvers/solvers.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct ml_ctx {
  mtl_problem *pb;
  double lam;
  double *theta, *Gam, *W, *G; /* d, d x T, d x T, d x T */
} ml_ctx;

/* W = theta o Gam (rows scaled); *f = loss(W), G = its gradient. */
static int ml_loss(ml_ctx *c, const double *th, const double *Gm, double *f,
                   int grad) {
  int d = c->pb->d, T = c->pb->T;
  for (int t = 0; t < T; t++)
    for (int j = 0; j < d; j++)
      c->W[j + (size_t)t * d] = th[j] * Gm[j + (size_t)t * d];
  return mtl_problem_loss(c->pb, c->W, f, grad ? c->G : NULL);
}

static int gam_smooth(void *ctx, const double *x, double *f, double *grad) {
  ml_ctx *c = ctx;
  int rc = ml_loss(c, c->theta, x, f, grad != NULL), d = c->pb->d;
  for (size_t k = 0; !rc && grad && k < (size_t)d * c->pb->T; k++)
    grad[k] = c->theta[k % d] * c->G[k];
  return rc;
}

static int th_smooth(void *ctx, const double *x, double *f, double *grad) {
  ml_ctx *c = ctx;
  int rc = ml_loss(c, x, c->Gam, f, grad != NULL), d = c->pb->d;
  for (int j = 0; !rc && grad && j < d; j++) {
    double g = 0;
    for (int t = 0; t < c->pb->T; t++)
      g += c->Gam[j + (size_t)t * d] * c->G[j + (size_t)t * d];
    grad[j] = j < c->pb->d_pen ? g : 0; /* the bias level stays 1 */
  }
  return rc;
}

static int gam_prox(void *ctx, double step, const double *v, double *out,
                    double *gout) {
  ml_ctx *c = ctx;
  int d = c->pb->d;
  double thr = step * c->lam;
  for (size_t k = 0; k < (size_t)d * c->pb->T; k++) {
    double a = fabs(v[k]) - thr;
    out[k] = (int)(k % d) >= c->pb->d_pen ? v[k]
             : a > 0                      ? copysign(a, v[k])
                                          : 0;
  }
  (void)gout;
  return 0;
}

static int th_prox(void *ctx, double step, const double *v, double *out,
                   double *gout) {
  ml_ctx *c = ctx;
  for (int j = 0; j < c->pb->d; j++)
    out[j] = j >= c->pb->d_pen ? 1 : fmax(0, v[j] - step * c->lam);
  (void)gout;
  return 0;
}

/* lambda times the L1 norm of the penalized part of one level. */
static double level_l1(const ml_ctx *c, const double *x, int cols) {
  double v = 0;
  int d = c->pb->d;
  for (int t = 0; t < cols; t++)
    for (int j = 0; j < c->pb->d_pen; j++)
      v += fabs(x[j + (size_t)t * d]);
  return c->lam * v;
}

static double gam_value(void *ctx, const double *x) {
  ml_ctx *c = ctx;
  return level_l1(c, x, c->pb->T) + level_l1(c, c->theta, 1);
}

static double th_value(void *ctx, const double *x) {
  ml_ctx *c = ctx;
  return level_l1(c, x, 1) + level_l1(c, c->Gam, c->pb->T);
}

/* One block: apg from x, the best iterate kept; *F the objective. */
static int ml_block(ml_ctx *c, int theta, const mtl_solver_params *sp,
                    double *F, int *iters) {
  mtl__apg_opts o;
  mtl__apg_opts_init(&o);
  o.accelerate = sp->solver != MTL_SOLVER_ISTA;
  o.L0 = c->pb->L / 16;
  o.shrink = 0.9;
  o.noise = 1e-12;
  o.max_iter = 500;
  o.tol_obj = 1e-12;
  o.obj_monotone = 1;
  o.keep_best = 1;
  o.interrupt = &c->pb->interrupt;
  o.who = "mll";
  mtl__apg_out out;
  size_t n = theta ? (size_t)c->pb->d : (size_t)c->pb->d * c->pb->T;
  int rc = theta ? mtl__apg(n, c->theta, th_smooth, th_prox, th_value, c,
                            &o, &out)
                 : mtl__apg(n, c->Gam, gam_smooth, gam_prox, gam_value, c,
                            &o, &out);
  *F = out.F;
  *iters += out.iterations;
  return rc < 0 ? rc : 0;
}

/* The best rescaling of each penalized row (AM-GM: theta + g >= 2 sqrt(theta
 * g), equal at theta = g = sqrt(theta g)); returns the objective's fall. */
static double ml_balance(ml_ctx *c) {
  int d = c->pb->d, T = c->pb->T;
  double fall = 0;
  for (int j = 0; j < c->pb->d_pen; j++) {
    double g = 0, th = c->theta[j];
    for (int t = 0; t < T; t++)
      g += fabs(c->Gam[j + (size_t)t * d]);
    double r = sqrt(th * g), s = r > 0 ? r / g : 0; /* gamma *= s */
    fall += c->lam * (th + g - 2 * r);
    c->theta[j] = r;
    for (int t = 0; t < T; t++)
      c->Gam[j + (size_t)t * d] *= s;
  }
  return fall;
}

static int ml_check(const mtl_problem *pb, double lam,
                    const mtl_solver_params *sp) {
  if (!(lam >= 0) || !isfinite(lam))
    return mtl__err(MTL_EINVAL, "mll: lambda = %g must be finite and >= 0",
                    lam);
  if (sp->solver == MTL_SOLVER_BCD)
    return mtl__err(MTL_EUNSUPPORTED, "mll: solver bcd is not available "
                                      "(fista or ista)");
  for (int t = 0; t < pb->T; t++)
    if (pb->task_loss[t] == MTL_LOSS_HINGE)
      return mtl__err(MTL_EUNSUPPORTED, "task %d: the hinge loss is not "
                                        "differentiable; use squared, "
                                        "logistic or sqhinge", t + 1);
  return 0;
}

int mtl__mll_solve(mtl_problem *pb, double lam, const mtl_solver_params *sp,
                   double *theta, double *Gam, double *W,
                   mtl_solve_info *info) {
  if (info)
    memset(info, 0, sizeof *info);
  int rc = ml_check(pb, lam, sp), d = pb->d, T = pb->T, it = 0, inner = 0;
  if (rc)
    return rc;
  size_t dT = (size_t)d * T;
  ml_ctx c = {.pb = pb, .lam = lam, .theta = theta, .Gam = Gam};
  c.W = mtl__malloc(2 * dT * sizeof(double));
  double *trace = sp->record_trace
                      ? mtl__malloc((size_t)sp->max_iter * sizeof(double))
                      : NULL;
  if (!c.W || (sp->record_trace && !trace)) {
    free(c.W);
    free(trace);
    return MTL_ENOMEM;
  }
  c.G = c.W + dT;
  for (int j = d - 1; j >= pb->d_pen; j--)
    theta[j] = 1;
  atomic_store(&pb->interrupt, 0);
  double t0 = mtl__now(), F = INFINITY, Fg, Ft;
  rc = MTL_MAXITER;
  while (it < sp->max_iter) {
    int e = ml_block(&c, 0, sp, &Fg, &inner);
    e = e ? e : ml_block(&c, 1, sp, &Ft, &inner);
    if (e) {
      rc = e;
      break;
    }
    Ft -= ml_balance(&c);
    if (trace)
      trace[it] = Ft;
    it++;
    if (sp->progress && sp->progress(sp->progress_ctx, it, Ft, NAN, NAN)) {
      rc = MTL_ECANCELLED;
      break;
    }
    int done = F - Ft <= sp->tol_obj * fabs(Ft);
    F = Ft;
    if (done) {
      rc = MTL_CONVERGED;
      break;
    }
  }
  double f = NAN; /* W = theta o Gam */
  if (rc >= 0) {
    int e = ml_loss(&c, theta, Gam, &f, 0);
    rc = e ? e : rc;
  }
  if (rc >= 0) {
    memcpy(W, c.W, dT * sizeof *W);
    if (info) {
      info->status = rc;
      info->iterations = it;
      info->restarts = inner; /* inner proximal-gradient steps */
      info->objective = F;
      info->seconds = mtl__now() - t0;
      info->trace = trace;
      trace = NULL;
      info->cert = (mtl_certificate){.primal = F, .dual = NAN, .gap = NAN,
                                     .residual = NAN};
    }
  }
  free(trace);
  free(c.W);
  return rc;
}
