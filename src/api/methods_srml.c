/*
 * methods_srml.c -- the descriptors of sign-regularized MTL (Bai et al.
 * 2023): srml (a slack penalty c on opposite signs of linked tasks) and
 * ssml (the signs constrained).  They standardize and fit per-task
 * intercepts themselves (parameter "standardize"), so the model comes
 * from the method's own builder.
 */
#include "api.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void srml_params(const mtl_params *p, int strict, mtl_srml_params *s) {
  mtl_srml_params_init(s);
  s->strict = strict;
  int ok = 0;
  s->loss = (mtl_loss)mtl_loss_parse(mtl__p_text(p, "loss"), &ok);
  s->scaling = (mtl_scaling)mtl__p_int(p, "scaling");
  s->omega = mtl__p_is(p, "omega", "l1") ? MTL_REG_L1 : MTL_REG_RIDGE;
  s->lambda = mtl__p_num(p, "lambda");
  if (!strict)
    s->c = mtl__p_num(p, "c");
  s->rho = mtl__p_num(p, "rho");
  s->standardize = mtl__p_int(p, "standardize");
  s->max_iter = mtl__p_int(p, "max_iter");
  s->tol_abs = mtl__p_num(p, "tol_abs");
  s->tol_rel = mtl__p_num(p, "tol_rel");
  s->adapt_rho = mtl__p_int(p, "adapt_rho");
  s->order = mtl__p_int(p, "order");
  s->progress = p->progress;
  s->progress_ctx = p->progress_ctx;
  s->log = p->log;
  s->log_ctx = p->log_ctx;
}

static int srml_results(mtl_fit_info *fi, const mtl_srml_result *r) {
  int rc = mtl__info_num(fi, "iterations", r->iterations);
  rc = rc < 0 ? rc : mtl__info_num(fi, "objective", r->objective);
  rc = rc < 0 ? rc : mtl__info_num(fi, "seconds", r->seconds);
  rc = rc < 0 ? rc : mtl__info_text(fi, "certificate", "admm residuals");
  rc = rc < 0 ? rc : mtl__info_num(fi, "primal_residual", r->primal_res);
  rc = rc < 0 ? rc : mtl__info_num(fi, "dual_residual", r->dual_res);
  rc = rc < 0 ? rc : mtl__info_num(fi, "rho", r->rho);
  rc = rc < 0 ? rc : mtl__info_num(fi, "loss_lipschitz", r->H);
  rc = rc < 0 ? rc : mtl__info_num(fi, "u_convex", r->u_convex);
  rc = rc < 0 ? rc : mtl__info_num(fi, "edges", r->npairs);
  rc = rc < 0 ? rc : mtl__info_num(fi, "sign_violations", r->sign_violations);
  return rc;
}

static int srml_trace(mtl_fit_info *fi, const mtl_srml_result *r) {
  int n = r->iterations;
  double *tr = mtl__malloc((size_t)(n ? n : 1) * 4 * sizeof *tr);
  if (!tr)
    return MTL_ENOMEM;
  for (int i = 0; i < n; i++) {
    tr[4 * i] = i + 1;
    tr[4 * i + 1] = r->trace_obj[i];
    tr[4 * i + 2] = r->trace_primal[i];
    tr[4 * i + 3] = r->trace_dual[i];
  }
  int rc = mtl__info_trace(fi, "iter,objective,primal,dual", n, 4, tr);
  free(tr);
  return rc;
}

static int srml_run(const mtl__fit_ctx *c, mtl__fit_out *o, int strict) {
  int T = mtl_dataset_ntasks(c->ds), *pairs = NULL, npairs = 0;
  mtl_srml_result res;
  memset(&res, 0, sizeof res);
  mtl_srml_params sp;
  srml_params(c->p, strict, &sp);
  const char *graph = mtl__p_text(c->p, "sign_graph");
  int rc = MTL_OK;
  if (strcmp(graph, "chain") != 0) {
    rc = mtl_srml_read_graph(graph, T, &pairs, &npairs);
    if (rc < 0) {
      rc = mtl__err_prefix(rc, "cannot read the sign graph '%s'", graph);
      goto done;
    }
    sp.pairs = pairs;
    sp.npairs = npairs;
  }
  sp.record_trace = c->want_trace;
  int st = mtl_srml_fit(c->ds, &sp, &res);
  if (st < 0) {
    rc = st;
    goto done;
  }
  rc = mtl_srml_to_model(&res, &sp, c->ds, &o->model);
  rc = rc < 0 ? rc : srml_results(o->info, &res);
  if (rc >= 0 && c->want_trace && res.trace_obj)
    rc = srml_trace(o->info, &res);
  if (rc >= 0)
    rc = st;
done:
  mtl_srml_result_clear(&res);
  free(pairs);
  return rc;
}

static int srml_fit(const mtl__fit_ctx *c, mtl__fit_out *o) {
  return srml_run(c, o, 0);
}
static int ssml_fit(const mtl__fit_ctx *c, mtl__fit_out *o) {
  return srml_run(c, o, 1);
}

#define SRML_COMMON                                                           \
  MTL__P_CHOICE("loss", "auto", "auto|squared|logistic",                     \
                "per-sample loss; auto = squared for regression tasks, "     \
                "logistic for classification tasks"),                        \
      MTL__P_SCALING("double-sum"),                                           \
      MTL__P_CHOICE("omega", "ridge", "ridge|l1",                             \
                    "per-task penalty: ridge = lambda ||w_t||^2, l1 = "       \
                    "lambda ||w_t||_1"),                                      \
      MTL__P_NONNEG("lambda", "0.1", "weight of the per-task penalty"),       \
      MTL__P_TEXT("sign_graph", "chain",                                      \
                  "task pairs whose signs should agree: chain (t, t+1) or a " \
                  "file of 's t' lines (1-based)"),                           \
      MTL__P_POS("rho", "1", "ADMM penalty")

#define SRML_SOLVER                                                           \
  MTL__P_BOOL("standardize", "1", "fit on standardized features with "       \
                                  "per-task intercepts (0: raw features, no " \
                                  "intercept)"),                              \
      MTL__P_INT("max_iter", "2000", 1, 1e9, "ADMM iterations"),              \
      MTL__P_NONNEG("tol_abs", "1e-6", "ADMM absolute residual tolerance "    \
                                       "(per entry)"),                        \
      MTL__P_NONNEG("tol_rel", "1e-5", "ADMM relative residual tolerance "    \
                                       "(both 0 = run max_iter)"),            \
      MTL__P_INT("adapt_rho", "20", 0, 1e6, "double rho when ||W - U|| "      \
                                           "stalls, at most N times (0 = "    \
                                           "fixed)"),                         \
      MTL__P_INT("order", "0", 0, 1, "0 = w-step first (the paper's), 1 = "   \
                                     "u-step first"),                         \
      MTL__P_TRACE

static const mtl__pdef srml_table[] = {
    SRML_COMMON,
    MTL__P_NONNEG("c", "1", "weight of the sign penalty c sum ReLU(-W_js "
                            "W_jt)"),
    SRML_SOLVER,
};
static const mtl__pdef ssml_table[] = {SRML_COMMON, SRML_SOLVER};

const mtl_method mtl__method_srml = {
    .name = "srml",
    .summary = "sign-regularized MTL (Bai et al. 2023): linked tasks are "
               "encouraged to give each feature the same sign",
    .params = srml_table,
    .nparams = MTL__NPARAMS(srml_table),
    .fit = srml_fit,
};

const mtl_method mtl__method_ssml = {
    .name = "ssml",
    .summary = "sign-constrained MTL (Bai et al. 2023): linked tasks must "
               "give each feature the same sign",
    .params = ssml_table,
    .nparams = MTL__NPARAMS(ssml_table),
    .fit = ssml_fit,
};
