/*
 * decomp.c -- decomposition models W = P + Q (dirty models, robust MTL,
 * rMTFL, sparse + low rank):
 *   min_{P,Q}  f(P + Q) + lambda_1 g_1(P) + lambda_2 g_2(Q)
 * with f the problem's loss (its own regularizer is not used) and g_1, g_2
 * norms of the regularizer table.  Fitted by the proximal-gradient kernel
 * (apg.c) on x = [P; Q] (2 d T entries): the gradient of f(P + Q) is
 * [G; G] with G = grad f(W), its Lipschitz constant is 2 L_f, and the prox
 * separates into prox_{step lambda_1 g_1}(P) and prox_{step lambda_2 g_2}(Q)
 * on the penalized rows.  An unpenalized last row (the bias) belongs to P;
 * Q's last row stays 0.
 *
 * Certificate.  The problem equals min_W f(W) + h(W) with h the infimal
 * convolution of lambda_1 g_1 and lambda_2 g_2, whose conjugate is the sum
 * of the conjugates: the indicator of {||M||_1* <= lambda_1} and
 * {||M||_2* <= lambda_2}.  With the squared loss the dual point of
 * mtl_problem_certificate, scaled into both dual balls, gives a duality
 * gap (mtl__problem_dual with two norms).  Always: the fixed-point residual
 * 2 L_f ||x - prox_{1/(2 L_f)}(x - grad/(2 L_f))||.
 */
#include "solvers/solvers.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct dc_ctx {
  mtl_problem *pb;
  const mtl_reg *regs; /* [2]: P's and Q's */
  double tol_gap;
  double *W, *G, *buf; /* d x T scratch each */
} dc_ctx;

static int dc_smooth(void *ctx, const double *x, double *f, double *grad) {
  dc_ctx *c = ctx;
  size_t dT = (size_t)c->pb->d * c->pb->T;
  for (size_t k = 0; k < dT; k++)
    c->W[k] = x[k] + x[dT + k];
  int rc = mtl_problem_loss(c->pb, c->W, f, grad ? c->G : NULL);
  if (rc || !grad)
    return rc;
  memcpy(grad, c->G, dT * sizeof(double));
  memcpy(grad + dT, c->G, dT * sizeof(double));
  return MTL_OK;
}

/* out = prox of part i (0 = P, 1 = Q) on the penalized rows; P keeps an
 * unpenalized last row, Q's is 0. */
static int part_prox(dc_ctx *c, int i, double step, const double *V,
                     double *out) {
  const mtl_problem *pb = c->pb;
  int d = pb->d, dp = pb->d_pen, T = pb->T;
  mtl__problem_pack_rows(pb, V, c->buf);
  int rc = mtl_reg_prox(&c->regs[i], step, c->buf, dp, T, c->buf);
  if (rc)
    return rc;
  for (int t = T - 1; t >= 0; t--) { /* unpack (out may alias V) */
    double last = i == 0 ? V[(size_t)t * d + d - 1] : 0.0;
    memmove(out + (size_t)t * d, c->buf + (size_t)t * dp,
            (size_t)dp * sizeof(double));
    if (dp < d)
      out[(size_t)t * d + d - 1] = last;
  }
  return MTL_OK;
}

static int dc_prox(void *ctx, double step, const double *v, double *out,
                   double *gout) {
  (void)gout;
  dc_ctx *c = ctx;
  size_t dT = (size_t)c->pb->d * c->pb->T;
  int rc = part_prox(c, 0, step, v, out);
  return rc ? rc : part_prox(c, 1, step, v + dT, out + dT);
}

static double part_value(dc_ctx *c, int i, const double *X) {
  mtl__problem_pack_rows(c->pb, X, c->buf);
  return mtl_reg_value(&c->regs[i], c->buf, c->pb->d_pen, c->pb->T);
}

static double dc_value(void *ctx, const double *x) {
  dc_ctx *c = ctx;
  size_t dT = (size_t)c->pb->d * c->pb->T;
  return part_value(c, 0, x) + part_value(c, 1, x + dT);
}

static int dc_cert(dc_ctx *c, const double *x, mtl_certificate *cert) {
  mtl_problem *pb = c->pb;
  size_t dT = (size_t)pb->d * pb->T;
  double f, *X = mtl__malloc(2 * dT * sizeof(double));
  if (!X)
    return MTL_ENOMEM;
  for (size_t k = 0; k < dT; k++)
    c->W[k] = x[k] + x[dT + k];
  int rc = mtl__problem_loss_stats(pb, c->W, &f, c->G, 1);
  if (rc)
    goto done;
  cert->primal = f + dc_value(c, x);
  cert->dual = NAN;
  cert->gap = NAN;
  if (mtl__problem_squared_only(pb)) {
    if ((rc = mtl__problem_dual(pb, c->G, c->regs, 2, &cert->dual)))
      goto done;
    cert->gap = cert->primal - cert->dual;
  }
  double L = 2 * pb->L, res = 0;
  for (size_t k = 0; k < dT; k++) {
    X[k] = x[k] - c->G[k] / L;
    X[dT + k] = x[dT + k] - c->G[k] / L;
  }
  if ((rc = dc_prox(c, 1.0 / L, X, X, NULL)))
    goto done;
  for (size_t k = 0; k < 2 * dT; k++)
    res += (x[k] - X[k]) * (x[k] - X[k]);
  cert->residual = L * sqrt(res);
done:
  free(X);
  return rc;
}

static int dc_check(void *ctx, const double *x, int *stop) {
  dc_ctx *c = ctx;
  mtl_certificate cert;
  int rc = dc_cert(c, x, &cert);
  if (rc)
    return rc;
  *stop = isfinite(cert.gap) && cert.gap <= c->tol_gap * fabs(cert.primal);
  return MTL_OK;
}

static int dc_check_regs(const mtl_reg *regs) {
  for (int i = 0; i < 2; i++) {
    if (!mtl__reg_is_norm(regs[i].type))
      return mtl__err(MTL_EINVAL, "decomposition: part %c's regularizer "
                                  "\"%s\" is not a norm",
                      "PQ"[i], mtl_reg_name(regs[i].type));
    if (!(regs[i].lambda >= 0) || !isfinite(regs[i].lambda) ||
        regs[i].ridge != 0)
      return mtl__err(MTL_EINVAL, "decomposition: part %c: lambda = %g "
                                  "must be finite and >= 0, ridge 0",
                      "PQ"[i], regs[i].lambda);
  }
  return MTL_OK;
}

static int dc_init(dc_ctx *c, mtl_problem *pb, const mtl_reg *regs) {
  size_t dT = (size_t)pb->d * pb->T;
  memset(c, 0, sizeof *c);
  c->pb = pb;
  c->regs = regs;
  c->W = mtl__malloc(3 * dT * sizeof(double));
  if (!c->W)
    return MTL_ENOMEM;
  c->G = c->W + dT;
  c->buf = c->G + dT;
  return dc_check_regs(regs);
}

int mtl__decomp_certificate(mtl_problem *pb, const mtl_reg regs[2],
                            const double *PQ, mtl_certificate *cert) {
  dc_ctx c;
  int rc = dc_init(&c, pb, regs);
  if (!rc)
    rc = dc_cert(&c, PQ, cert);
  free(c.W);
  return rc;
}

/* The kernel's options from the solver parameters (as mtl_solve's). */
static void dc_opts(const mtl_problem *pb, const mtl_solver_params *sp,
                    const mtl_reg *regs, mtl__apg_opts *o) {
  mtl__apg_opts_init(o);
  o->accelerate = sp->solver != MTL_SOLVER_ISTA;
  o->restart = sp->restart;
  o->L0 = sp->L0 > 0 ? sp->L0 : 2 * pb->L / 16;
  o->backtrack = sp->backtrack;
  o->shrink = 0.9;
  o->probe_backoff = regs[0].type == MTL_REG_TRACE ||
                     regs[1].type == MTL_REG_TRACE;
  o->noise = 1e-12;
  o->max_iter = sp->max_iter;
  if (!(sp->tol_gap > 0 && mtl__problem_squared_only(pb)))
    o->tol_obj = sp->tol_obj;
  o->obj_monotone = 1;
  o->tol_res = sp->tol_res;
  o->check = sp->tol_gap > 0 ? dc_check : NULL;
  o->check_every = sp->gap_every;
  o->progress = sp->progress;
  o->progress_ctx = sp->progress_ctx;
  o->who = "decomposition";
}

int mtl__decomp_solve(mtl_problem *pb, const mtl_reg regs[2],
                      const mtl_solver_params *sp, double *PQ,
                      mtl_solve_info *info) {
  if (info)
    memset(info, 0, sizeof *info);
  if (sp->solver == MTL_SOLVER_BCD)
    return mtl__err(MTL_EUNSUPPORTED, "decomposition: solver bcd is not "
                                      "available (fista or ista)");
  for (int t = 0; t < mtl_problem_ntasks(pb); t++)
    if (mtl_problem_task_loss(pb, t) == MTL_LOSS_HINGE)
      return mtl__err(MTL_EUNSUPPORTED, "task %d: the hinge loss is not "
                                        "differentiable; use squared, "
                                        "logistic or sqhinge", t + 1);
  dc_ctx c;
  int rc = dc_init(&c, pb, regs);
  if (rc) {
    free(c.W);
    return rc;
  }
  c.tol_gap = sp->tol_gap;
  mtl__apg_opts o;
  dc_opts(pb, sp, regs, &o);
  double *trace = NULL;
  if (sp->record_trace &&
      !(trace = mtl__malloc((size_t)sp->max_iter * sizeof(double)))) {
    free(c.W);
    return MTL_ENOMEM;
  }
  o.trace = trace;
  o.interrupt = &pb->interrupt;
  atomic_store(&pb->interrupt, 0);
  double t0 = mtl__now();
  mtl__apg_out out;
  size_t n = 2 * (size_t)pb->d * pb->T;
  rc = mtl__apg(n, PQ, dc_smooth, dc_prox, dc_value, &c, &o, &out);
  if (rc >= 0 && info) {
    mtl__apg_info(info, rc, &out, t0, &trace);
    int e = dc_cert(&c, PQ, &info->cert);
    if (e)
      rc = e;
  }
  free(trace);
  free(c.W);
  return rc;
}
