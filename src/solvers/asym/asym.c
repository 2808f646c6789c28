/*
 * asym.c -- Asymmetric multi-task learning (Lee, Yang & Hwang, ICML 2016):
 * the objective (1), the W-step (2) by an accelerated gradient method on all
 * tasks jointly, the B-step (3) as a non-negative loss-weighted Lasso per
 * column by coordinate descent, Algorithm 1 (alternating), Algorithm 2
 * (curriculum, rules (5) and (6)), and the paper's baselines that share the
 * formulation: AMTL-noLoss, the symmetric variant (B = B' >= 0) and
 * Curriculum-simple (Pentina et al. 2015).
 *
 * Layout: W is d x T column-major (ld d); B is T x T column-major with
 * B[s + t*T] = B_st, the edge s -> t (w_s helps reconstruct w_t).  Only the
 * first dp rows of W (dp = pb->d_pen) enter the reconstruction term.
 *
 * The B-step is in asym_bstep.c, GO-MTL in asym_gomtl.c, models and files
 * in asym_io.c.
 *
 * Thread-safety: a fit uses pb (and its worker pool) exclusively.
 */
#include "asym_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void mtl_asym_params_init(mtl_asym_params *p) {
  *p = (mtl_asym_params){
      .variant = MTL_ASYM_ALTERNATING,
      .lambda = 1.0,
      .mu = 0.1,
      .imbalance = 0,
      .max_outer = 100,
      .tol = 1e-4,
      .w_max_iter = 3000,
      .w_tol = 1e-12,
      .b_max_sweeps = 10000,
      .b_tol = 1e-12,
      .ridge = 0,
      .progress = NULL,
      .progress_ctx = NULL,
  };
}

static const char *const variant_names[] = {
    "asym", "asym-curriculum", "asym-noloss", "asym-symmetric",
    "curriculum-simple"};

const char *mtl_asym_variant_name(mtl_asym_variant v) {
  if ((int)v < 0 || (int)v > MTL_ASYM_CURRICULUM_SIMPLE)
    return "unknown";
  return variant_names[v];
}

int mtl_asym_variant_parse(const char *s) {
  if (!s)
    return -1;
  static const struct {
    const char *name;
    int v;
  } tab[] = {{"asym", MTL_ASYM_ALTERNATING},
             {"alternating", MTL_ASYM_ALTERNATING},
             {"asym-curriculum", MTL_ASYM_CURRICULUM},
             {"curriculum", MTL_ASYM_CURRICULUM},
             {"asym-noloss", MTL_ASYM_NOLOSS},
             {"noloss", MTL_ASYM_NOLOSS},
             {"asym-symmetric", MTL_ASYM_SYMMETRIC},
             {"symmetric", MTL_ASYM_SYMMETRIC},
             {"curriculum-simple", MTL_ASYM_CURRICULUM_SIMPLE}};
  for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
    if (strcmp(s, tab[i].name) == 0)
      return tab[i].v;
  return -1;
}

static int check_params(const mtl_asym_params *p) {
  if ((int)p->variant < 0 || p->variant > MTL_ASYM_CURRICULUM_SIMPLE)
    return mtl__err(MTL_EINVAL, "asym: variant = %d is invalid",
                    (int)p->variant);
  if (!(p->lambda > 0) || !isfinite(p->lambda))
    return mtl__err(MTL_EINVAL, "asym: lambda = %g must be > 0 and finite",
                    p->lambda);
  if (!(p->ridge >= 0) || !isfinite(p->ridge))
    return mtl__err(MTL_EINVAL, "asym: ridge = %g must be >= 0 and finite",
                    p->ridge);
  if (!(p->mu >= 0) || !isfinite(p->mu))
    return mtl__err(MTL_EINVAL, "asym: mu = %g must be >= 0 and finite",
                    p->mu);
  if (p->imbalance != 0 && p->imbalance != 1)
    return mtl__err(MTL_EINVAL, "asym: imbalance = %d must be 0 or 1",
                    p->imbalance);
  if (p->max_outer < 1)
    return mtl__err(MTL_EINVAL, "asym: max_outer = %d must be >= 1",
                    p->max_outer);
  if (!(p->tol >= 0) || !isfinite(p->tol))
    return mtl__err(MTL_EINVAL, "asym: tol = %g must be >= 0", p->tol);
  if (p->w_max_iter < 1)
    return mtl__err(MTL_EINVAL, "asym: w_max_iter = %d must be >= 1",
                    p->w_max_iter);
  if (!(p->w_tol >= 0) || !isfinite(p->w_tol))
    return mtl__err(MTL_EINVAL, "asym: w_tol = %g must be >= 0", p->w_tol);
  if (p->b_max_sweeps < 1)
    return mtl__err(MTL_EINVAL, "asym: b_max_sweeps = %d must be >= 1",
                    p->b_max_sweeps);
  if (!(p->b_tol > 0) || !isfinite(p->b_tol))
    return mtl__err(MTL_EINVAL, "asym: b_tol = %g must be > 0", p->b_tol);
  return MTL_OK;
}

static int check_problem(const mtl_problem *pb) {
  if (!pb)
    return mtl__err(MTL_EINVAL, "asym: problem is NULL");
  for (int t = 0; t < pb->T; t++)
    if (pb->task_loss[t] == MTL_LOSS_HINGE)
      return mtl__err(MTL_EUNSUPPORTED,
                      "asym: task %d (%s) uses the hinge loss, which is not "
                      "differentiable; use squared, logistic or sqhinge",
                      t + 1, pb->ds->tasks[t].name);
  return MTL_OK;
}

/* ---- the accelerated proximal-gradient rules of AMTL and GO-MTL -------- */

int mtl__asym_apg(int n, double *x, mtl__apg_smooth_fn eval,
                  mtl__apg_prox_fn prox, mtl__apg_value_fn gval, void *ctx,
                  double *L, int max_iter, double tol, atomic_int *interrupt,
                  double *F, int *iters) {
  mtl__apg_opts o;
  mtl__apg_opts_init(&o);
  o.restart = 2;
  o.L0 = *L > 0 ? *L : 1.0;
  o.slack = 1e-14;
  o.noise = 0;
  o.reject_nonfinite = 1;
  o.max_iter = max_iter;
  o.tol_obj = tol;
  o.stop_zero_step = 1;
  o.keep_best = 1;
  o.interrupt = interrupt;
  o.who = "asym: inner solver";
  mtl__apg_out out;
  int rc = mtl__apg((size_t)n, x, eval, prox, gval, ctx, &o, &out);
  *iters += out.iterations;
  *F = out.F;
  *L = out.L;
  return rc;
}

/* ---- the objective (1) and the W-step (2) ------------------------------- */

typedef struct wctx {
  mtl_problem *pb;
  const double *B;  /* T x T */
  const double *a;  /* T: loss multipliers 1 + mu ||b_t^o||_1 (or 1) */
  const double *e;  /* T: extra task weights e_t */
  double lambda;
  double ridge;     /* lambda_0 of lambda_0 ||P W||_F^2 (not in the paper) */
  double cst;       /* constant added (noloss: mu sum B) */
  double *R;        /* dp x T scratch */
  double *Lt;       /* T: e_t loss_t at the last evaluated point */
} wctx;

/* ridge ||P W||_F^2 over the penalized rows; adds 2 ridge P w_t to grad
 * (when given).  The separate shrinkage lambda_0 of issue 14, not in the
 * paper (whose lambda is both the shrinkage and the transfer strength). */
static double ridge_term(int d, int T, int dp, double ridge, const double *W,
                         double *grad) {
  double s = 0;
  for (int t = 0; t < T; t++)
    for (int j = 0; j < dp; j++) {
      double w = W[(size_t)t * d + j];
      s += w * w;
      if (grad)
        grad[(size_t)t * d + j] += 2 * ridge * w;
    }
  return ridge * s;
}

/* F(W) = cst + sum_t a_t e_t loss_t(w_t) + lambda ||P W (I - B)||_F^2
 * (+ ridge ||P W||_F^2, not in the paper) and grad_t = a_t e_t grad loss_t
 * + 2 lambda P [R (I - B)']_t (+ 2 ridge P w_t), R = P W (I-B). */
static int w_eval(void *vctx, const double *W, double *f, double *grad) {
  wctx *c = vctx;
  mtl_problem *pb = c->pb;
  int d = pb->d, T = pb->T, dp = pb->d_pen;
  double ftot;
  int rc = mtl_problem_loss(pb, W, &ftot, grad);
  if (rc)
    return rc;
  double s = c->cst;
  for (int t = 0; t < T; t++) {
    c->Lt[t] = c->e[t] * pb->task_f[t];
    s += c->a[t] * c->Lt[t];
    if (grad)
      mtl__scal(d, c->a[t] * c->e[t], grad + (size_t)t * d);
  }
  double rr = 0;
  if (dp > 0) {
    for (int t = 0; t < T; t++)
      memcpy(c->R + (size_t)t * dp, W + (size_t)t * d,
             (size_t)dp * sizeof(double));
    mtl__gemm(0, 0, dp, T, T, -1.0, W, d, c->B, T, 1.0, c->R, dp);
    for (size_t i = 0; i < (size_t)dp * T; i++)
      rr += c->R[i] * c->R[i];
    if (grad) {
      for (int t = 0; t < T; t++)
        mtl__axpy(dp, 2 * c->lambda, c->R + (size_t)t * dp,
                  grad + (size_t)t * d);
      mtl__gemm(0, 1, dp, T, T, -2 * c->lambda, c->R, dp, c->B, T, 1.0, grad,
                d);
    }
  }
  s += c->lambda * rr;
  if (c->ridge > 0)
    s += ridge_term(d, T, dp, c->ridge, W, grad);
  if (!isfinite(s))
    return mtl__err(MTL_ENUMERIC, "asym: objective is not finite (%g)", s);
  *f = s;
  return MTL_OK;
}

/* Loss multipliers a_t and the constant of the variant. */
static void multipliers(const mtl_asym_params *p, int T, const double *B,
                        double *a, double *cst) {
  double sb = 0;
  for (int t = 0; t < T; t++) {
    double r = 0;
    for (int s = 0; s < T; s++)
      if (s != t)
        r += B[t + (size_t)s * T];
    sb += r;
    a[t] = p->variant == MTL_ASYM_NOLOSS ? 1.0 : 1.0 + p->mu * r;
  }
  *cst = p->variant == MTL_ASYM_NOLOSS ? p->mu * sb : 0.0;
}

static void extra_weights(const mtl_problem *pb, int imbalance, double *e) {
  for (int t = 0; t < pb->T; t++)
    e[t] = imbalance ? 1.0 / sqrt((double)pb->ds->tasks[t].n) : 1.0;
}

int mtl_asym_objective(mtl_problem *pb, const mtl_asym_params *p,
                       const double *W, const double *B, double *obj,
                       double *grad) {
  int rc;
  if (!p || !W || !B || !obj)
    return mtl__err(MTL_EINVAL, "asym_objective: NULL argument");
  if ((rc = check_problem(pb)) || (rc = check_params(p)))
    return rc;
  int T = pb->T, dp = pb->d_pen;
  for (int t = 0; t < T; t++)
    for (int s = 0; s < T; s++) {
      double v = B[s + (size_t)t * T];
      if (!(v >= 0) || !isfinite(v) || (s == t && v != 0))
        return mtl__err(MTL_EINVAL,
                        "asym_objective: B[%d,%d] = %g (B must be >= 0, "
                        "finite, with zero diagonal)",
                        s + 1, t + 1, v);
    }
  double *buf = mtl__malloc(((size_t)3 * T + (size_t)dp * T + 1) *
                            sizeof(double));
  if (!buf)
    return MTL_ENOMEM;
  wctx c = {.pb = pb, .B = B, .lambda = p->lambda, .ridge = p->ridge};
  double *a = buf, *e = buf + T;
  c.Lt = buf + 2 * (size_t)T;
  c.R = buf + 3 * (size_t)T;
  c.a = a;
  c.e = e;
  multipliers(p, T, B, a, &c.cst);
  extra_weights(pb, p->imbalance, e);
  rc = w_eval(&c, W, obj, grad);
  free(buf);
  return rc;
}

/* ---- single-task solves: (6), the STL start, Curriculum-simple ---------- */

typedef struct sctx {
  mtl_problem *pb;
  int t;
  double coef;      /* a_t e_t */
  const double *v;  /* target of the proximity term (dp), NULL = 0 */
  double lambda;
  double ridge;     /* + ridge ||P w||^2 (not in the paper) */
  double *z, *gz;   /* n_t scratch */
} sctx;

/* coef * loss_t(w) + lambda ||P (w - v)||^2 + ridge ||P w||^2 and its
 * gradient. */
static int s_eval(void *vctx, const double *w, double *f, double *grad) {
  sctx *c = vctx;
  mtl_problem *pb = c->pb;
  const mtl__task *tk = &pb->ds->tasks[c->t];
  int d = pb->d, dp = pb->d_pen;
  mtl__task_matvec(pb->ds, c->t, w, c->z);
  double val = mtl__loss_eval_w((mtl_loss)pb->task_loss[c->t], c->z, tk->y,
                                tk->sw, tk->n, grad ? c->gz : NULL);
  double k = c->coef * pb->scale[c->t];
  double s = k * val;
  if (grad) {
    memset(grad, 0, (size_t)d * sizeof(double));
    mtl__task_matvec_t(pb->ds, c->t, k, c->gz, grad);
  }
  for (int j = 0; j < dp; j++) {
    double r = w[j] - (c->v ? c->v[j] : 0.0);
    s += c->lambda * r * r + c->ridge * w[j] * w[j];
    if (grad)
      grad[j] += 2 * c->lambda * r + 2 * c->ridge * w[j];
  }
  if (!isfinite(s))
    return mtl__err(MTL_ENUMERIC, "asym: task %d objective is not finite",
                    c->t + 1);
  *f = s;
  return MTL_OK;
}

/* w (warm start in, solution out) = argmin coef loss_t(w) + lambda
 * ||P(w - v)||^2; *fval receives the minimum, *loss e_t-free loss_t(w). */
static int solve_single(mtl_problem *pb, const mtl_asym_params *p, int t,
                        double coef, const double *v, double *w, double *z,
                        double *gz, double *fval, double *loss, int *iters) {
  sctx c = {.pb = pb, .t = t, .coef = coef, .v = v, .lambda = p->lambda,
            .ridge = p->ridge, .z = z, .gz = gz};
  double L = (coef * pb->Lt[t] + 2 * p->lambda + 2 * p->ridge) / 8;
  int rc = mtl__asym_apg(pb->d, w, s_eval, NULL, NULL, &c, &L, p->w_max_iter,
                           p->w_tol, &pb->interrupt, fval, iters);
  if (rc < 0)
    return mtl__err_prefix(rc, "asym: task %d", t + 1);
  if (loss) {
    const mtl__task *tk = &pb->ds->tasks[t];
    mtl__task_matvec(pb->ds, t, w, z);
    *loss = pb->scale[t] *
            mtl__loss_eval_w((mtl_loss)pb->task_loss[t], z, tk->y, tk->sw,
                             tk->n, NULL);
  }
  return MTL_OK;
}

/* ---- fits ---------------------------------------------------------------- */

void mtl_asym_result_clear(mtl_asym_result *res) {
  if (!res)
    return;
  free(res->W);
  free(res->B);
  free(res->W_stl);
  free(res->task_loss);
  free(res->order);
  free(res->trace);
  memset(res, 0, sizeof *res);
}

/* Work arrays of one fit. */
typedef struct fit_ws {
  double *a, *e, *Lt, *R, *G, *M, *col, *v, *z, *gz, *rres;
  double *cand; /* d x T: Curriculum-simple's candidate models */
} fit_ws;

static int w_step(mtl_problem *pb, const mtl_asym_params *p, fit_ws *ws,
                  const double *B, double *W, double *L, double *F,
                  int *iters) {
  wctx c = {.pb = pb, .B = B, .a = ws->a, .e = ws->e, .lambda = p->lambda,
            .ridge = p->ridge, .R = ws->R, .Lt = ws->Lt};
  multipliers(p, pb->T, B, ws->a, &c.cst);
  if (!(*L > 0)) { /* bound / 16: backtracking raises it when needed */
    double bmax = 0, nb = 0;
    for (int t = 0; t < pb->T; t++)
      bmax = fmax(bmax, ws->a[t] * ws->e[t] * pb->Lt[t]);
    for (size_t i = 0; i < (size_t)pb->T * pb->T; i++)
      nb += B[i] * B[i];
    *L = (bmax + 2 * p->lambda * (pb->T + nb) + 2 * p->ridge) / 16;
  }
  int rc = mtl__asym_apg(pb->d * pb->T, W, w_eval, NULL, NULL, &c, L,
                         p->w_max_iter, p->w_tol, &pb->interrupt, F, iters);
  if (rc < 0 && rc != MTL_ECANCELLED)
    return mtl__err_prefix(rc, "asym: W-step");
  if (rc >= 0) { /* refresh Lt at the returned point */
    double f;
    int e = w_eval(&c, W, &f, NULL);
    if (e)
      return e;
  }
  return rc < 0 ? rc : MTL_OK;
}

static int b_step(mtl_problem *pb, const mtl_asym_params *p, fit_ws *ws,
                  const double *W, double *B) {
  int T = pb->T, d = pb->d, dp = pb->d_pen;
  if (dp > 0)
    mtl__gemm(1, 0, T, T, dp, 1.0, W, d, W, d, 0.0, ws->G, T);
  else
    memset(ws->G, 0, (size_t)T * T * sizeof(double));
  for (int s = 0; s < T; s++)
    ws->col[s] = p->variant == MTL_ASYM_NOLOSS ? 1.0 : ws->Lt[s];
  if (p->variant == MTL_ASYM_SYMMETRIC)
  {
    /* MTL_MAXITER leaves a feasible B that does not increase (1) */
    (void)mtl__asym_bstep_symmetric(T, ws->G, ws->col, p->lambda, p->mu, p->b_tol,
                          p->b_max_sweeps, B, ws->M);
    return MTL_OK;
  }
  for (int t = 0; t < T; t++) {
    int rc = mtl_asym_solve_column(T, ws->G, ws->col, p->lambda, p->mu, t,
                                   p->b_tol, p->b_max_sweeps,
                                   B + (size_t)t * T);
    if (rc < 0)
      return mtl__err_prefix(rc, "asym: B-step column %d", t + 1);
  }
  return MTL_OK;
}

static int push_trace(mtl_asym_result *res, double F) {
  res->trace[res->ntrace++] = F;
  return MTL_OK;
}

/* Algorithm 1 (and its noloss / symmetric variants) from the STL start:
 * each outer iteration is a W-step (2) then a B-step (3), so that the
 * returned B solves (3) for the returned W. */
static int fit_alternating(mtl_problem *pb, const mtl_asym_params *p,
                           fit_ws *ws, mtl_asym_result *res) {
  int T = pb->T;
  double L = 0, F, Fprev = res->trace[0];
  int rc = MTL_MAXITER;
  for (int k = 1; k <= p->max_outer; k++) {
    int e;
    if (k > 1) { /* at k = 1, W is the W-step's solution for B = 0 */
      L = 0;
      e = w_step(pb, p, ws, res->B, res->W, &L, &F, &res->w_iterations);
      if (e)
        return e;
    }
    if ((e = b_step(pb, p, ws, res->W, res->B)))
      return e;
    /* exact objective at the returned (W, B) */
    wctx c = {.pb = pb, .B = res->B, .a = ws->a, .e = ws->e,
              .lambda = p->lambda, .ridge = p->ridge, .R = ws->R,
              .Lt = ws->Lt};
    multipliers(p, T, res->B, ws->a, &c.cst);
    if ((e = w_eval(&c, res->W, &F, NULL)))
      return e;
    push_trace(res, F);
    res->iterations = k;
    double rel = (Fprev - F) / fmax(fabs(F), 1e-300);
    if (p->progress && p->progress(p->progress_ctx, k, F, rel, 0.0))
      return mtl__err(MTL_ECANCELLED,
                      "asym: cancelled by progress callback at outer "
                      "iteration %d",
                      k);
    Fprev = F;
    if (rel <= p->tol) {
      rc = MTL_CONVERGED;
      break;
    }
  }
  return rc;
}

/* Objective (1) at the current (W, B), recorded in the trace. */
static int record(mtl_problem *pb, const mtl_asym_params *p, fit_ws *ws,
                  mtl_asym_result *res, double *F) {
  wctx c = {.pb = pb, .B = res->B, .a = ws->a, .e = ws->e,
            .lambda = p->lambda, .ridge = p->ridge, .R = ws->R, .Lt = ws->Lt};
  multipliers(p, pb->T, res->B, ws->a, &c.cst);
  int e = w_eval(&c, res->W, F, NULL);
  if (e)
    return e;
  return push_trace(res, *F);
}

/* Algorithm 2: greedy order by (5) with the closed-form edges, then (6). */
static int fit_curriculum(mtl_problem *pb, const mtl_asym_params *p,
                          fit_ws *ws, mtl_asym_result *res, int *used) {
  int T = pb->T, d = pb->d, dp = pb->d_pen;
  double *W = res->W, *B = res->B, *Rr = ws->rres;
  double lam = p->lambda, mu = p->mu;
  /* Lt holds e_t loss_t at the STL start (set by the last w_eval). */
  for (int t = 0; t < T; t++)
    memcpy(Rr + (size_t)t * dp, W + (size_t)t * d,
           (size_t)dp * sizeof(double));
  for (int i = 0; i < T; i++) {
    int best = -1;
    double bestc = INFINITY;
    for (int t = 0; t < T; t++) {
      if (used[t])
        continue;
      const double *wt = W + (size_t)t * d;
      double wn = mtl__dot(dp, wt, wt), c = ws->Lt[t];
      for (int s = 0; s < T; s++) {
        if (used[s] || s == t)
          continue;
        const double *rs = Rr + (size_t)s * dp;
        double wr = mtl__dot(dp, wt, rs), rn = mtl__dot(dp, rs, rs);
        double bts = mtl_asym_edge(dp, wt, rs, ws->Lt[t], lam, mu);
        c += mu * ws->Lt[t] * bts + lam * (rn - 2 * bts * wr + bts * bts * wn);
      }
      if (c < bestc) {
        bestc = c;
        best = t;
      }
    }
    int t = best;
    double out = 0;
    for (int s = 0; s < T; s++) {
      if (used[s] || s == t)
        continue;
      double bts = mtl_asym_edge(dp, W + (size_t)t * d, Rr + (size_t)s * dp,
                                 ws->Lt[t], lam, mu);
      B[t + (size_t)s * T] = bts;
      out += bts;
    }
    /* (6): w_t towards the combination of its trained predecessors */
    memset(ws->v, 0, (size_t)d * sizeof(double));
    for (int j = 0; j < i; j++) {
      int u = res->order[j];
      mtl__axpy(dp, B[u + (size_t)t * T], W + (size_t)u * d, ws->v);
    }
    double fval = 0, loss = 0;
    int e = solve_single(pb, p, t, (1 + mu * out) * ws->e[t], ws->v,
                         W + (size_t)t * d, ws->z, ws->gz, &fval, &loss,
                         &res->w_iterations);
    if (e)
      return e;
    ws->Lt[t] = ws->e[t] * loss; /* (6) changes task t's loss */
    used[t] = 1;
    res->order[i] = t;
    for (int s = 0; s < T; s++)
      if (!used[s])
        mtl__axpy(dp, -B[t + (size_t)s * T], W + (size_t)t * d,
                  Rr + (size_t)s * dp);
    double F;
    if ((e = record(pb, p, ws, res, &F)))
      return e;
    res->iterations = i + 1;
    if (p->progress && p->progress(p->progress_ctx, i + 1, F, 0.0, 0.0))
      return mtl__err(MTL_ECANCELLED,
                      "asym: cancelled by progress callback at curriculum "
                      "step %d",
                      i + 1);
  }
  return MTL_CONVERGED;
}

/* Curriculum-simple (Pentina et al. 2015): at each step, every untrained
 * task is trained towards the previously trained task (towards 0 at the
 * first step, i.e. STL) and the one with the smallest objective is kept. */
static int fit_curriculum_simple(mtl_problem *pb, const mtl_asym_params *p,
                                 fit_ws *ws, mtl_asym_result *res, int *used,
                                 double *cand) {
  int T = pb->T, d = pb->d, dp = pb->d_pen;
  double *W = res->W;
  int prev = -1;
  for (int i = 0; i < T; i++) {
    int best = -1;
    double bestf = INFINITY;
    memset(ws->v, 0, (size_t)d * sizeof(double));
    if (prev >= 0)
      memcpy(ws->v, W + (size_t)prev * d, (size_t)dp * sizeof(double));
    for (int t = 0; t < T; t++) {
      if (used[t])
        continue;
      double *w = cand + (size_t)t * d, fval;
      memcpy(w, res->W_stl + (size_t)t * d, (size_t)d * sizeof(double));
      int e = solve_single(pb, p, t, ws->e[t], ws->v, w, ws->z, ws->gz, &fval,
                           NULL, &res->w_iterations);
      if (e)
        return e;
      if (fval < bestf) {
        bestf = fval;
        best = t;
      }
    }
    memcpy(W + (size_t)best * d, cand + (size_t)best * d,
           (size_t)d * sizeof(double));
    if (prev >= 0)
      res->B[prev + (size_t)best * T] = 1.0;
    used[best] = 1;
    res->order[i] = best;
    prev = best;
    double F;
    int e = record(pb, p, ws, res, &F);
    if (e)
      return e;
    res->iterations = i + 1;
    if (p->progress && p->progress(p->progress_ctx, i + 1, F, 0.0, 0.0))
      return mtl__err(MTL_ECANCELLED,
                      "asym: cancelled by progress callback at curriculum "
                      "step %d",
                      i + 1);
  }
  return MTL_CONVERGED;
}

/* The work arrays of a fit, in one zeroed block (returned, to be freed). */
static double *ws_alloc(const mtl_problem *pb, fit_ws *ws) {
  int d = pb->d, T = pb->T, dp = pb->d_pen, maxn = pb->max_n;
  size_t nws = (size_t)6 * T + (size_t)dp * T + (size_t)3 * T * T +
               (size_t)2 * d + (size_t)2 * maxn + (size_t)dp * T +
               (size_t)d * T;
  double *q = mtl__calloc(nws, sizeof(double)), *wsbuf = q;
  if (!q)
    return NULL;
  ws->a = q, q += T;
  ws->e = q, q += T;
  ws->Lt = q, q += T;
  ws->col = q, q += 3 * (size_t)T;
  ws->R = q, q += (size_t)dp * T;
  ws->G = q, q += (size_t)T * T;
  ws->M = q, q += 2 * (size_t)T * T;
  ws->v = q, q += 2 * (size_t)d;
  ws->z = q, q += maxn;
  ws->gz = q, q += maxn;
  ws->rres = q, q += (size_t)dp * T;
  ws->cand = q;
  return wsbuf;
}

/* The result's arrays (zeroed); MTL_ENOMEM if one is missing. */
static int result_alloc(mtl_asym_result *res, int d, int T, int curr,
                        int max_outer) {
  res->d = d;
  res->T = T;
  res->W = mtl__calloc((size_t)d * T, sizeof(double));
  res->B = mtl__calloc((size_t)T * T, sizeof(double));
  res->W_stl = mtl__calloc((size_t)d * T, sizeof(double));
  res->task_loss = mtl__calloc((size_t)T, sizeof(double));
  res->trace = mtl__calloc((size_t)(curr ? T : max_outer) + 2,
                           sizeof(double));
  if (curr)
    res->order = mtl__calloc((size_t)T, sizeof(int));
  if (!res->W || !res->B || !res->W_stl || !res->task_loss || !res->trace ||
      (curr && !res->order))
    return MTL_ENOMEM;
  return MTL_OK;
}

int mtl_asym_fit(mtl_problem *pb, const mtl_asym_params *p,
                 mtl_asym_result *res) {
  int rc;
  if (!res)
    return mtl__err(MTL_EINVAL, "asym_fit: result is NULL");
  memset(res, 0, sizeof *res);
  if (!p)
    return mtl__err(MTL_EINVAL, "asym_fit: params is NULL");
  if ((rc = check_problem(pb)) || (rc = check_params(p)))
    return rc;
  double t0 = mtl__now();
  int d = pb->d, T = pb->T;
  int curr = p->variant == MTL_ASYM_CURRICULUM ||
             p->variant == MTL_ASYM_CURRICULUM_SIMPLE;
  fit_ws ws = {0};
  double *wsbuf = ws_alloc(pb, &ws), *cand = ws.cand;
  int *used = mtl__calloc((size_t)T, sizeof(int));
  rc = MTL_ENOMEM;
  if (!wsbuf || !used || result_alloc(res, d, T, curr, p->max_outer))
    goto fail;
  extra_weights(pb, p->imbalance, ws.e);
  atomic_store(&pb->interrupt, 0);

  /* STL start: the W-step with B = 0 (L_t(w) + lambda ||P w||^2) */
  double L = 0, F;
  rc = w_step(pb, p, &ws, res->B, res->W, &L, &F, &res->w_iterations);
  if (rc)
    goto fail_or_cancel;
  memcpy(res->W_stl, res->W, (size_t)d * T * sizeof(double));
  if ((rc = record(pb, p, &ws, res, &F)))
    goto fail;
  if (p->variant == MTL_ASYM_CURRICULUM)
    rc = fit_curriculum(pb, p, &ws, res, used);
  else if (p->variant == MTL_ASYM_CURRICULUM_SIMPLE)
    rc = fit_curriculum_simple(pb, p, &ws, res, used, cand);
  else
    rc = fit_alternating(pb, p, &ws, res);
  if (rc < 0 && rc != MTL_ECANCELLED)
    goto fail;
fail_or_cancel:
  if (rc < 0 && rc != MTL_ECANCELLED)
    goto fail;
  {
    int e = record(pb, p, &ws, res, &F);
    if (e) {
      rc = e;
      goto fail;
    }
    res->ntrace--; /* record() was only for Lt and F */
    res->objective = F;
    for (int t = 0; t < T; t++)
      res->task_loss[t] = ws.Lt[t];
  }
  res->status = rc < 0 ? MTL_MAXITER : rc;
  res->seconds = mtl__now() - t0;
  free(wsbuf);
  free(used);
  return rc;
fail:
  free(wsbuf);
  free(used);
  mtl_asym_result_clear(res);
  return rc;
}

double mtl_asym_edge(int dp, const double *w_t, const double *r_s,
                     double loss_t, double lambda, double mu) {
  if (dp < 1 || !w_t || !r_s || !(lambda > 0))
    return 0.0;
  double wn = mtl__dot(dp, w_t, w_t);
  if (!(wn > 0))
    return 0.0;
  double v = (2 * lambda * mtl__dot(dp, w_t, r_s) - mu * loss_t) /
             (2 * lambda * wn);
  return v > 0 ? v : 0.0;
}
