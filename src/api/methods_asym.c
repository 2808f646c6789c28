/*
 * methods_asym.c -- the descriptors of asymmetric MTL (Lee, Yang & Hwang
 * 2016: Algorithm 1 "asym", Algorithm 2 "asym-curriculum", and the
 * variants asym-noloss, asym-symmetric, curriculum-simple) and of GO-MTL
 * (Kumar & Daume 2012), its baseline.  Both learn on the standardized
 * data with the problem's loss and no regularizer of the core (they add
 * their own).
 */
#include "api.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Scaled data and the loss-only problem.  scaling: the method's choice
 * index; asym's "auto" (index 0) = double-mean for squared loss, else mean
 * (the paper's (1/n)||y - Xw||^2). */
static int loss_problem(const mtl__fit_ctx *c, mtl__fit_out *o,
                        int auto_scaling, mtl_dataset **scaled,
                        mtl_problem **pb) {
  int rc = mtl__fit_scale(c, &o->sc, scaled);
  if (rc < 0)
    return rc;
  rc = mtl__fit_problem_params(c->p, mtl_dataset_ntasks(c->ds), &o->pp,
                               &o->R);
  if (rc < 0)
    return rc;
  if (auto_scaling) {
    int k = mtl__p_int(c->p, "scaling");
    if (k > 0) {
      o->pp.scaling = (mtl_scaling)(k - 1);
    } else {
      int squared = 1;
      for (int t = 0; t < mtl_dataset_ntasks(c->ds); t++)
        squared &= mtl__loss_resolve(o->pp.loss,
                                     mtl_dataset_task_kind(c->ds, t)) ==
                   MTL_LOSS_SQUARED;
      o->pp.scaling = squared ? MTL_SCALE_DOUBLE_MEAN : MTL_SCALE_MEAN;
    }
  }
  if ((rc = mtl_problem_create(*scaled, &o->pp, pb)) < 0)
    return mtl__err_prefix(rc, "cannot set up the problem");
  return mtl__fit_out_losses(o, *pb);
}

/* ---- asym and its variants ------------------------------------------------ */

static void asym_params(const mtl_params *p, mtl_asym_variant v,
                        mtl_asym_params *a) {
  mtl_asym_params_init(a);
  a->variant = v;
  a->lambda = mtl__p_num(p, "lambda");
  a->mu = mtl__p_num(p, "mu");
  a->imbalance = mtl__p_int(p, "imbalance");
  a->max_outer = mtl__p_int(p, "max_outer");
  a->tol = mtl__p_num(p, "tol");
  a->w_max_iter = mtl__p_int(p, "w_max_iter");
  a->w_tol = mtl__p_num(p, "w_tol");
  a->b_max_sweeps = mtl__p_int(p, "b_max_sweeps");
  a->b_tol = mtl__p_num(p, "b_tol");
  a->ridge = mtl__p_num(p, "ridge");
  a->progress = p->progress;
  a->progress_ctx = p->progress_ctx;
}

/* The transfer graph's edges, and the curriculum order as text. */
static int asym_graph_results(mtl_fit_info *fi, const mtl_asym_result *r,
                              const mtl_dataset *ds) {
  int T = r->T, edges = 0;
  double bmax = 0;
  for (int t = 0; t < T; t++)
    for (int s = 0; s < T; s++) {
      double b = r->B[(size_t)s + (size_t)t * (size_t)T];
      if (s != t && b > 0) {
        edges++;
        bmax = b > bmax ? b : bmax;
      }
    }
  int rc = mtl__info_num(fi, "edges", edges);
  rc = rc < 0 ? rc : mtl__info_num(fi, "largest_edge", bmax);
  if (rc < 0 || !r->order)
    return rc;
  size_t cap = (size_t)T * 48 + 1, len = 0;
  char *order = mtl__malloc(cap);
  if (!order)
    return MTL_ENOMEM;
  order[0] = '\0';
  for (int i = 0; i < T && len < cap; i++)
    len += (size_t)snprintf(order + len, cap - len, "%s%s", i ? " " : "",
                            mtl_dataset_task_name(ds, r->order[i]));
  rc = mtl__info_text(fi, "task_order", "%s", order);
  free(order);
  return rc;
}

static int asym_results(mtl__fit_out *o, const mtl_asym_result *r,
                        const mtl_dataset *ds) {
  mtl_fit_info *fi = o->info;
  int rc = mtl__info_num(fi, "iterations", r->iterations);
  rc = rc < 0 ? rc : mtl__info_num(fi, "objective", r->objective);
  rc = rc < 0 ? rc : mtl__info_num(fi, "seconds", r->seconds);
  if (r->order) {
    rc = rc < 0 ? rc : mtl__info_text(fi, "certificate", "none (one "
                                                         "greedy curriculum "
                                                         "pass)");
  } else {
    double ch = NAN;
    if (r->ntrace >= 2)
      ch = (r->trace[r->ntrace - 2] - r->trace[r->ntrace - 1]) /
           fmax(fabs(r->trace[r->ntrace - 1]), 1e-300);
    rc = rc < 0 ? rc : mtl__info_text(fi, "certificate", "objective change");
    rc = rc < 0 ? rc : mtl__info_num(fi, "relative_change", ch);
  }
  rc = rc < 0 ? rc : mtl__info_num(fi, "start_objective",
                                   r->ntrace > 0 ? r->trace[0] : NAN);
  rc = rc < 0 ? rc : mtl__info_num(fi, "w_iterations", r->w_iterations);
  return rc < 0 ? rc : asym_graph_results(fi, r, ds);
}

static int iter_trace(mtl_fit_info *fi, const double *v, int n) {
  double *tr = mtl__malloc((size_t)(n ? n : 1) * 2 * sizeof *tr);
  if (!tr)
    return MTL_ENOMEM;
  for (int i = 0; i < n; i++) {
    tr[2 * i] = i;
    tr[2 * i + 1] = v[i];
  }
  int rc = mtl__info_trace(fi, "iter,objective", n, 2, tr);
  free(tr);
  return rc;
}

static int asym_run(const mtl__fit_ctx *c, mtl__fit_out *o,
                    mtl_asym_variant v) {
  mtl_dataset *scaled = NULL;
  mtl_problem *pb = NULL;
  mtl_asym_result res;
  memset(&res, 0, sizeof res);
  int rc = loss_problem(c, o, 1, &scaled, &pb);
  if (rc < 0)
    goto done;
  mtl_asym_params ap;
  asym_params(c->p, v, &ap);
  int st = mtl_asym_fit(pb, &ap, &res);
  if (st < 0) {
    rc = st;
    goto done;
  }
  rc = mtl_asym_to_model(&res, pb, &ap, &o->sc, &o->model);
  rc = rc < 0 ? rc : asym_results(o, &res, c->ds);
  rc = rc < 0 ? rc : mtl__info_text(o->info, "scaling", "%s",
                                    mtl_scaling_name(o->pp.scaling));
  if (rc >= 0 && c->want_trace)
    rc = iter_trace(o->info, res.trace, res.ntrace);
  if (rc >= 0)
    rc = st;
done:
  mtl_asym_result_clear(&res);
  mtl_problem_free(pb);
  mtl_dataset_free(scaled);
  return rc;
}

static int asym_fit(const mtl__fit_ctx *c, mtl__fit_out *o) {
  return asym_run(c, o, MTL_ASYM_ALTERNATING);
}
static int asym_curriculum_fit(const mtl__fit_ctx *c, mtl__fit_out *o) {
  return asym_run(c, o, MTL_ASYM_CURRICULUM);
}
static int asym_noloss_fit(const mtl__fit_ctx *c, mtl__fit_out *o) {
  return asym_run(c, o, MTL_ASYM_NOLOSS);
}
static int asym_symmetric_fit(const mtl__fit_ctx *c, mtl__fit_out *o) {
  return asym_run(c, o, MTL_ASYM_SYMMETRIC);
}
static int curriculum_simple_fit(const mtl__fit_ctx *c, mtl__fit_out *o) {
  return asym_run(c, o, MTL_ASYM_CURRICULUM_SIMPLE);
}

#define MTL__P_ASYM_SCALING                                                   \
  MTL__P_CHOICE("scaling", "auto", "auto|" MTL__SCALINGS,                    \
                "per-task loss weighting; auto = double-mean "               \
                "((1/n)||y - Xw||^2) for squared loss, else mean (the "      \
                "paper's)")

static const mtl__pdef asym_table[] = {
    MTL__P_LOSS,
    MTL__P_ASYM_SCALING,
    MTL__P_POS("lambda", "1", "weight of the reconstruction ||w_t - W b_t||^2"),
    MTL__P_NONNEG("mu", "0.1", "weight of the outgoing edges' loss term "
                               "(sparsity of B)"),
    MTL__P_NONNEG("ridge", "0", "lambda_0 of lambda_0 ||W||_F^2, shrinkage "
                                "apart from lambda (NOT in the paper)"),
    MTL__P_BOOL("imbalance", "0", "AMTL-imbalance: task losses weighted by "
                                  "1/sqrt(n_t)"),
    MTL__P_INT("max_outer", "100", 1, 1e9, "outer (W, B) iterations"),
    MTL__P_NONNEG("tol", "1e-4", "stop when the relative objective decrease "
                                 "between outer iterations <= tol"),
    MTL__P_INT("w_max_iter", "3000", 1, 1e9, "W-step iterations per solve"),
    MTL__P_NONNEG("w_tol", "1e-12", "W-step relative objective change over "
                                    "10 iterations"),
    MTL__P_INT("b_max_sweeps", "10000", 1, 1e9, "B-step coordinate sweeps "
                                                "per column"),
    MTL__P_POS("b_tol", "1e-12", "B-step relative KKT violation"),
    MTL__P_STANDARDIZE,
    MTL__P_BIAS,
    MTL__P_THREADS,
    MTL__P_TRACE,
};

#define ASYM_METHOD(ident, mname, fn, text)                                   \
  const mtl_method ident = {.name = mname,                                    \
                            .summary = text,                                  \
                            .params = asym_table,                             \
                            .nparams = MTL__NPARAMS(asym_table),              \
                            .fit = fn}

ASYM_METHOD(mtl__method_asym, "asym", asym_fit,
            "asymmetric MTL (Lee et al. 2016, Algorithm 1): W and a sparse "
            "directed transfer graph B, from reliable to unreliable tasks");
ASYM_METHOD(mtl__method_asym_curriculum, "asym-curriculum",
            asym_curriculum_fit,
            "asymmetric MTL by curriculum (Lee et al. 2016, Algorithm 2): "
            "tasks learned once each, easiest first");
ASYM_METHOD(mtl__method_asym_noloss, "asym-noloss", asym_noloss_fit,
            "AMTL-noLoss: asym without the loss weighting of the edges");
ASYM_METHOD(mtl__method_asym_symmetric, "asym-symmetric",
            asym_symmetric_fit,
            "asym with a symmetric transfer graph B = B' >= 0");
ASYM_METHOD(mtl__method_curriculum_simple, "curriculum-simple",
            curriculum_simple_fit,
            "curriculum MTL (Pentina et al. 2015): each task regularized "
            "towards its predecessor in a greedy order");

/* ---- GO-MTL ----------------------------------------------------------------- */

static int gomtl_results(mtl_fit_info *fi, int st, const double *trace,
                         int ntrace, const double *S, int k, int T) {
  int nzS = 0;
  for (size_t i = 0; i < (size_t)k * (size_t)T; i++)
    nzS += S[i] != 0;
  double ch = NAN;
  if (ntrace >= 2)
    ch = (trace[ntrace - 2] - trace[ntrace - 1]) /
         fmax(fabs(trace[ntrace - 1]), 1e-300);
  (void)st;
  int rc = mtl__info_num(fi, "iterations", ntrace > 0 ? ntrace - 1 : 0);
  rc = rc < 0 ? rc : mtl__info_num(fi, "objective",
                                   ntrace > 0 ? trace[ntrace - 1] : NAN);
  rc = rc < 0 ? rc : mtl__info_text(fi, "certificate", "objective change");
  rc = rc < 0 ? rc : mtl__info_num(fi, "relative_change", ch);
  rc = rc < 0 ? rc : mtl__info_num(fi, "s_nonzeros", nzS);
  return rc;
}

static int gomtl_fit(const mtl__fit_ctx *c, mtl__fit_out *o) {
  mtl_dataset *scaled = NULL;
  mtl_problem *pb = NULL;
  double *L = NULL, *S = NULL, *trace = NULL;
  int rc = loss_problem(c, o, 0, &scaled, &pb);
  if (rc < 0)
    goto done;
  int d = mtl_problem_dim(pb), T = mtl_problem_ntasks(pb);
  mtl_gomtl_params gp;
  mtl_gomtl_params_init(&gp);
  gp.k = mtl__p_int(c->p, "k");
  gp.lambda = mtl__p_num(c->p, "lambda");
  gp.mu = mtl__p_num(c->p, "mu");
  gp.ridge = mtl__p_num(c->p, "init_ridge");
  gp.max_outer = mtl__p_int(c->p, "max_outer");
  gp.tol = mtl__p_num(c->p, "tol");
  gp.inner_iter = mtl__p_int(c->p, "inner_iter");
  gp.progress = c->p->progress;
  gp.progress_ctx = c->p->progress_ctx;
  int kmax = d < T ? d : T;
  if (gp.k > kmax) {
    rc = mtl__err(MTL_EINVAL, "gomtl: k = %d exceeds min(features%s, tasks) "
                              "= %d",
                  gp.k, o->pp.unpenalized_last ? " + bias" : "", kmax);
    goto done;
  }
  o->W = mtl__calloc((size_t)d * (size_t)T, sizeof *o->W);
  L = mtl__calloc((size_t)d * (size_t)gp.k, sizeof *L);
  S = mtl__calloc((size_t)gp.k * (size_t)T, sizeof *S);
  trace = mtl__calloc((size_t)gp.max_outer + 1, sizeof *trace);
  if (!o->W || !L || !S || !trace) {
    rc = MTL_ENOMEM;
    goto done;
  }
  o->d = d;
  o->T = T;
  int ntrace = 0;
  int st = mtl_gomtl_fit(pb, &gp, o->W, L, S, trace, &ntrace);
  if (st < 0) {
    rc = st;
    goto done;
  }
  rc = gomtl_results(o->info, st, trace, ntrace, S, gp.k, T);
  rc = rc < 0 ? rc : mtl__fit_out_matrix(o, "L", d, gp.k, L);
  rc = rc < 0 ? rc : mtl__fit_out_matrix(o, "S", gp.k, T, S);
  if (rc >= 0 && c->want_trace)
    rc = iter_trace(o->info, trace, ntrace);
  if (rc >= 0)
    rc = st;
done:
  free(L);
  free(S);
  free(trace);
  mtl_problem_free(pb);
  mtl_dataset_free(scaled);
  return rc;
}

static const mtl__pdef gomtl_table[] = {
    MTL__P_LOSS,
    MTL__P_SCALING("mean"),
    MTL__P_INT("k", "3", 1, 1e6, "size of the shared basis L, at most "
                                 "min(features, tasks)"),
    MTL__P_POS("lambda", "0.1", "weight of ||L||_F^2"),
    MTL__P_NONNEG("mu", "0.1", "weight of ||S||_1"),
    MTL__P_POS("init_ridge", "1e-2", "ridge of the single-task start"),
    MTL__P_INT("max_outer", "200", 1, 1e9, "outer (S, L) iterations"),
    MTL__P_NONNEG("tol", "1e-4", "relative objective change between outer "
                                 "iterations"),
    MTL__P_INT("inner_iter", "500", 1, 1e9, "iterations of each S and L "
                                            "step"),
    MTL__P_STANDARDIZE,
    MTL__P_BIAS,
    MTL__P_THREADS,
    MTL__P_TRACE,
};

const mtl_method mtl__method_gomtl = {
    .name = "gomtl",
    .summary = "GO-MTL (Kumar & Daume 2012): W = L S, a shared basis L and "
               "sparse task codes S",
    .params = gomtl_table,
    .nparams = MTL__NPARAMS(gomtl_table),
    .fit = gomtl_fit,
};
