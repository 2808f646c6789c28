/*
 * methods_decomp.c -- the decomposition models W = P + Q
 *   min_{P,Q}  sum_t c_t loss_t(p_t + q_t) + lambda g_P(P) + lambda2 g_Q(Q)
 * (solvers/batch/decomp.c), one descriptor each:
 *   dirty           g_P = l1inf (or l21 with shared=l21), g_Q = l1
 *                   (Jalali et al. 2010: shared support + task exceptions)
 *   rmtl            g_P = trace, g_Q = col21 (robust MTL, Chen, Zhou & Ye
 *                   2011: a low-rank shared part + outlier tasks)
 *   rmtfl           g_P = l21, g_Q = col21 (robust multi-task feature
 *                   learning, Gong, Ye & Zhang 2012)
 *   sparse_lowrank  g_P = l1, g_Q = trace (Chen, Liu & Ye 2012, in the
 *                   penalized form)
 * The model holds W = P + Q and the two parts as the matrices "P" and "Q";
 * the results name the structure each part found (features, rank, outlier
 * tasks).
 */
#include "api.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Which of the two parts, and the norm of each. */
typedef struct dc_form {
  mtl_reg_type p, q;
} dc_form;

static int form_of(const mtl_params *p, dc_form *f) {
  const char *m = mtl_method_name(p->m);
  if (strcmp(m, "dirty") == 0)
    *f = (dc_form){mtl__p_is(p, "shared", "l21") ? MTL_REG_L21
                                                 : MTL_REG_L1INF,
                   MTL_REG_L1};
  else if (strcmp(m, "rmtl") == 0)
    *f = (dc_form){MTL_REG_TRACE, MTL_REG_COL21};
  else if (strcmp(m, "rmtfl") == 0)
    *f = (dc_form){MTL_REG_L21, MTL_REG_COL21};
  else if (strcmp(m, "sparse_lowrank") == 0)
    *f = (dc_form){MTL_REG_L1, MTL_REG_TRACE};
  else
    return mtl__err(MTL_EINVAL, "decomposition: unknown method %s", m);
  return MTL_OK;
}

/* ---- what each part found ---------------------------------------------- */

static double part_rank(const double *A, int d, int T) {
  int k = d < T ? d : T, r = 0;
  double *s = mtl__malloc((size_t)k * sizeof *s);
  if (!s || mtl__svd_values(d, T, A, s)) {
    free(s);
    return NAN;
  }
  for (int i = 0; i < k; i++) /* the prox zeroes the rest exactly */
    r += s[i] > 1e-9 * s[0];
  free(s);
  return r;
}

static int nonzero(const double *A, int d, int T, int j, int t, int rows) {
  int n = rows ? T : d;
  for (int i = 0; i < n; i++)
    if ((rows ? A[j + (size_t)i * d] : A[i + (size_t)t * d]) != 0)
      return 1;
  return 0;
}

/* The task names of the nonzero columns of Q ("3 of 139: a, b, c"). */
static int outlier_text(mtl__fit_out *o, const mtl_dataset *ds,
                        const double *Q, int dp, int T) {
  char buf[512];
  size_t len = 0;
  int n = 0, cut = 0;
  for (int t = 0; t < T; t++) {
    if (!nonzero(Q, dp, T, 0, t, 0))
      continue;
    const char *nm = mtl_dataset_task_name(ds, t);
    if (len < sizeof buf - 64)
      len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%.40s",
                              n ? " " : "", nm && *nm ? nm : "?");
    else if (!cut++) /* once: the count says how many */
      len += (size_t)snprintf(buf + len, sizeof buf - len, " ...");
    n++;
  }
  buf[len] = 0;
  int rc = mtl__info_num(o->info, "outlier_tasks", n);
  return rc < 0 ? rc : mtl__info_text(o->info, "outlier_names", "%s",
                                      n ? buf : "(none)");
}

/* One result per part: nonzero rows (l21, l1inf), nonzero entries (l1),
 * rank (trace), nonzero columns (col21); A packed (dp x T). */
static int part_report(mtl__fit_out *o, const mtl_dataset *ds, char name,
                       mtl_reg_type type, const double *A, int dp, int T) {
  char key[32];
  double v = 0;
  if (type == MTL_REG_COL21)
    return outlier_text(o, ds, A, dp, T);
  if (type == MTL_REG_TRACE) {
    snprintf(key, sizeof key, "%c_rank", name);
    v = part_rank(A, dp, T);
  } else if (type == MTL_REG_L1) {
    snprintf(key, sizeof key, "%c_nonzeros", name);
    for (size_t k = 0; k < (size_t)dp * T; k++)
      v += A[k] != 0;
  } else {
    snprintf(key, sizeof key, "%c_features", name);
    for (int j = 0; j < dp; j++)
      v += nonzero(A, dp, T, j, 0, 1);
  }
  return mtl__info_num(o->info, key, v);
}

/* ---- fit ------------------------------------------------------------------ */

/* W = P + Q, the matrices P and Q, the results. */
static int dc_output(const mtl__fit_ctx *c, mtl__fit_out *o, mtl_problem *pb,
                     const dc_form *f, const double *PQ,
                     const mtl_solve_info *in) {
  int d = mtl_problem_dim(pb), T = mtl_problem_ntasks(pb);
  size_t dT = (size_t)d * T;
  if (!(o->W = mtl__malloc(dT * sizeof *o->W)))
    return MTL_ENOMEM;
  o->d = d;
  o->T = T;
  for (size_t k = 0; k < dT; k++)
    o->W[k] = PQ[k] + PQ[dT + k];
  mtl_fit_info *fi = o->info;
  int rc = mtl__info_text(fi, "solver", "%s", mtl__p_text(c->p, "solver"));
  rc = rc < 0 ? rc : mtl__info_num(fi, "iterations", in->iterations);
  rc = rc < 0 ? rc : mtl__info_num(fi, "objective", in->objective);
  rc = rc < 0 ? rc : mtl__info_num(fi, "seconds", in->seconds);
  rc = rc < 0 ? rc : mtl__info_cert(fi, &in->cert);
  rc = rc < 0 ? rc : mtl__fit_out_matrix(o, "P", d, T, PQ);
  rc = rc < 0 ? rc : mtl__fit_out_matrix(o, "Q", d, T, PQ + dT);
  double *A = rc < 0 ? NULL : mtl__malloc(dT * sizeof *A);
  if (rc >= 0 && !A)
    rc = MTL_ENOMEM;
  for (int i = 0; i < 2 && rc >= 0; i++) { /* penalized rows only */
    mtl__problem_pack_rows(pb, PQ + i * dT, A);
    rc = part_report(o, c->ds, "pq"[i], i ? f->q : f->p, A, pb->d_pen, T);
  }
  free(A);
  return rc;
}

static int dc_fit(const mtl__fit_ctx *c, mtl__fit_out *o) {
  dc_form f = {MTL_REG_NONE, MTL_REG_NONE};
  mtl_dataset *scaled = NULL;
  mtl_problem *pb = NULL;
  double *PQ = NULL;
  int rc = form_of(c->p, &f);
  rc = rc < 0 ? rc : mtl__fit_scale(c, &o->sc, &scaled);
  int T = mtl_dataset_ntasks(c->ds);
  rc = rc < 0 ? rc : mtl__fit_problem_params(c->p, T, &o->pp, &o->R);
  if (rc < 0)
    goto done;
  /* the problem carries the loss; the two penalties are the solver's */
  o->pp.reg.type = MTL_REG_NONE;
  o->pp.reg.lambda = 0;
  if ((rc = mtl_problem_create(scaled, &o->pp, &pb)) < 0) {
    rc = mtl__err_prefix(rc, "cannot set up the problem");
    goto done;
  }
  if ((rc = mtl__fit_out_losses(o, pb)) < 0)
    goto done;
  size_t dT = (size_t)mtl_problem_dim(pb) * T;
  if (!(PQ = mtl__calloc(2 * dT, sizeof *PQ))) {
    rc = MTL_ENOMEM;
    goto done;
  }
  if (c->W0) /* a warm start of W: all of it in P */
    memcpy(PQ, c->W0, dT * sizeof *PQ);
  mtl_reg regs[2] = {{.type = f.p, .lambda = mtl__p_num(c->p, "lambda")},
                     {.type = f.q, .lambda = mtl__p_num(c->p, "lambda2")}};
  mtl_solver_params sp;
  mtl__fit_solver_params(c, &sp);
  mtl_solve_info in;
  int st = mtl__decomp_solve(pb, regs, &sp, PQ, &in);
  rc = st < 0 ? st : dc_output(c, o, pb, &f, PQ, &in);
  if (rc >= 0 && c->want_trace && in.trace)
    rc = mtl__info_iter_trace(o->info, &in);
  mtl_free(in.trace);
  if (rc >= 0)
    rc = st;
done:
  free(PQ);
  mtl_problem_free(pb);
  mtl_dataset_free(scaled);
  return rc;
}

#define TEXT_OF(x) #x
#define TEXT_OF_VALUE(x) TEXT_OF(x)

/* tol, tol_gap, select_tol and max_iter as batch has them (one entry each
 * in `mtl train --help`) */
#define DC_PARAMS(p_help, q_help)                                             \
  MTL__P_LOSS, MTL__P_SCALING("mean"),                                        \
      MTL__P_NONNEG("lambda", "0.1", p_help),                                 \
      MTL__P_NONNEG("lambda2", "0.1", q_help), MTL__P_STANDARDIZE,            \
      MTL__P_BIAS,                                                            \
      MTL__P_CHOICE("solver", "fista", "fista|ista",                          \
                    "fista = accelerated proximal gradient on (P, Q), ista "  \
                    "= plain"),                                               \
      MTL__P_INT("max_iter", "10000", 1, 1e9, "maximum iterations"),          \
      MTL__P_NONNEG("tol", "1e-10", "stop when the relative objective "       \
                                    "change <= tol (0 = off)"),               \
      MTL__P_NONNEG("tol_gap", "1e-9", "stop when duality gap <= tol_gap * "  \
                                       "objective, where a dual exists (0 = " \
                                       "off)"),                               \
      MTL__P_NONNEG("select_tol", TEXT_OF_VALUE(MTL_SELECT_TOL),              \
                    "fits that only score a grid point (CV folds, "           \
                    "validation split) stop at duality gap <= select_tol * "  \
                    "objective (no dual: objective change <= select_tol / "   \
                    "100); the refit gets tol_gap (0 = tol and tol_gap "      \
                    "everywhere)"),                                           \
      MTL__P_THREADS, MTL__P_TRACE

#define DC_P_HELP "W = P + Q models: weight of the norm of P"
#define DC_Q_HELP "W = P + Q models: weight of the norm of Q"
static const mtl__pdef dirty_table[] = {
    DC_PARAMS(DC_P_HELP, DC_Q_HELP),
    MTL__P_CHOICE("shared", "l1inf", "l1inf|l21",
                  "norm of the shared part P: l1inf = sum_j max_t |P_jt| "
                  "(Jalali et al.), l21 = sum_j ||P_j||_2"),
};
static const mtl__pdef rmtl_table[] = {DC_PARAMS(DC_P_HELP, DC_Q_HELP)};
static const mtl__pdef rmtfl_table[] = {DC_PARAMS(DC_P_HELP, DC_Q_HELP)};
static const mtl__pdef slr_table[] = {DC_PARAMS(DC_P_HELP, DC_Q_HELP)};

const mtl_method mtl__method_dirty = {
    .name = "dirty",
    .summary = "dirty model W = P + Q: lambda ||P||_{1,inf} (or L2,1) + "
               "lambda2 ||Q||_1, duality-gap certificate",
    .params = dirty_table,
    .nparams = MTL__NPARAMS(dirty_table),
    .fit = dc_fit,
};
const mtl_method mtl__method_rmtl = {
    .name = "rmtl",
    .aliases = "robust",
    .summary = "robust MTL W = P + Q: lambda ||P||_* + lambda2 sum_t "
               "||q_t||_2 (low rank + outlier tasks)",
    .params = rmtl_table,
    .nparams = MTL__NPARAMS(rmtl_table),
    .fit = dc_fit,
};
const mtl_method mtl__method_rmtfl = {
    .name = "rmtfl",
    .summary = "robust multi-task feature learning W = P + Q: lambda "
               "sum_j ||P_j||_2 + lambda2 sum_t ||q_t||_2",
    .params = rmtfl_table,
    .nparams = MTL__NPARAMS(rmtfl_table),
    .fit = dc_fit,
};
const mtl_method mtl__method_sparse_lowrank = {
    .name = "sparse_lowrank",
    .aliases = "lowrank_sparse",
    .summary = "sparse + low rank W = P + Q: lambda ||P||_1 + lambda2 "
               "||Q||_*",
    .params = slr_table,
    .nparams = MTL__NPARAMS(slr_table),
    .fit = dc_fit,
};
