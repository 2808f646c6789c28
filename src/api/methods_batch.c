/*
 * methods_batch.c -- the descriptors of the regularized MTL problem
 *   min_W  sum_t c_t loss_t(w_t) + lambda g(W) + ridge ||W||_F^2
 * solved in one process (batch: FISTA, ISTA or BCD) or by the distributed
 * proximal methods of Baytas et al. (async: ARock KM updates; smtl: the
 * synchronous baseline).  All three certify their W on the same problem.
 */
#include "api.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- shared by the three: scaled data and the problem ------------------- */

typedef struct prepared {
  mtl_dataset *scaled;
  mtl_problem *pb;
  int d, T;
} prepared;

static void prepared_clear(prepared *s) {
  mtl_problem_free(s->pb);
  mtl_dataset_free(s->scaled);
  memset(s, 0, sizeof *s);
}

/* Scales c->ds into o->sc / s->scaled and builds the problem (o->pp). */
static int prepare(const mtl__fit_ctx *c, mtl__fit_out *o, prepared *s) {
  memset(s, 0, sizeof *s);
  int rc = mtl__fit_scale(c, &o->sc, &s->scaled);
  if (rc < 0)
    return rc;
  rc = mtl__fit_problem_params(c->p, mtl_dataset_ntasks(c->ds), &o->pp,
                               &o->R);
  if (rc < 0)
    return rc;
  if ((rc = mtl_problem_create(s->scaled, &o->pp, &s->pb)) < 0)
    return mtl__err_prefix(rc, "cannot set up the problem");
  s->d = mtl_problem_dim(s->pb);
  s->T = mtl_problem_ntasks(s->pb);
  return mtl__fit_out_losses(o, s->pb);
}

/* W (d x T): the warm start when given, else zeros. */
static double *start_point(const mtl__fit_ctx *c, int d, int T) {
  double *W = mtl__calloc((size_t)d * (size_t)T, sizeof *W);
  if (W && c->W0)
    memcpy(W, c->W0, (size_t)d * (size_t)T * sizeof *W);
  return W;
}

static int lambda_max(const mtl__fit_ctx *c, double *out) {
  mtl__fit_out o;
  memset(&o, 0, sizeof o);
  prepared s;
  int rc = prepare(c, &o, &s);
  mtl_reg_type t = o.pp.reg.type;
  if (rc >= 0 && mtl__reg_is_norm(t))
    rc = mtl_problem_lambda_max(s.pb, out);
  else if (rc >= 0) /* no lambda_max: the scale where the penalty's
                       curvature matches the data's */
    *out = mtl_problem_lipschitz(s.pb);
  prepared_clear(&s);
  mtl__fit_out_clear(&o);
  return rc;
}

/* ---- batch ---------------------------------------------------------------- */

/* The solver's parameters; a fit that only scores a grid point (select)
 * stops at select_tol (MTL_SELECT_TOL in mtl.h says why) unless it is 0. */
/* The kernel's parameters; batch's solver is a choice of three (BCD). */
static void solver_params(const mtl__fit_ctx *c, mtl_solver_params *sp) {
  mtl__fit_solver_params(c, sp);
  sp->solver = (mtl_solver_kind)mtl__p_int(c->p, "solver");
  sp->working_set = mtl__p_int(c->p, "working_set");
}

/* The results of one solve into o->info. */
static int batch_results(mtl__fit_out *o, const mtl_params *p,
                         const mtl_solve_info *in) {
  mtl_fit_info *fi = o->info;
  int rc = mtl__info_text(fi, "solver", "%s", mtl__p_text(p, "solver"));
  rc = rc < 0 ? rc : mtl__info_num(fi, "iterations", in->iterations);
  rc = rc < 0 ? rc : mtl__info_num(fi, "objective", in->objective);
  rc = rc < 0 ? rc : mtl__info_num(fi, "seconds", in->seconds);
  rc = rc < 0 ? rc : mtl__info_cert(fi, &in->cert);
  rc = rc < 0 ? rc : mtl__info_num(fi, "restarts", in->restarts);
  return rc;
}

int mtl__info_iter_trace(mtl_fit_info *fi, const mtl_solve_info *in) {
  double *tr = mtl__malloc((size_t)(in->iterations ? in->iterations : 1) *
                           2 * sizeof *tr);
  if (!tr)
    return MTL_ENOMEM;
  for (int i = 0; i < in->iterations; i++) {
    tr[2 * i] = i + 1;
    tr[2 * i + 1] = in->trace[i];
  }
  int rc = mtl__info_trace(fi, "iter,objective", in->iterations, 2, tr);
  free(tr);
  return rc;
}

static int batch_fit(const mtl__fit_ctx *c, mtl__fit_out *o) {
  prepared s;
  mtl_solve_info in;
  memset(&in, 0, sizeof in);
  int rc = prepare(c, o, &s);
  if (rc < 0)
    goto done;
  mtl_solver_params sp;
  solver_params(c, &sp);
  if (!(o->W = start_point(c, s.d, s.T))) {
    rc = MTL_ENOMEM;
    goto done;
  }
  o->d = s.d;
  o->T = s.T;
  rc = mtl_solve(s.pb, &sp, o->W, &in);
  if (rc < 0)
    goto done;
  int st = rc;
  rc = batch_results(o, c->p, &in);
  if (rc >= 0 && c->want_trace && in.trace)
    rc = mtl__info_iter_trace(o->info, &in);
  if (rc >= 0)
    rc = st;
done:
  mtl_free(in.trace);
  prepared_clear(&s);
  return rc;
}

/* Decreasing lambdas on one problem with warm starts: one output each. */
static int batch_path(const mtl__fit_ctx *c, const double *lambdas, int n,
                      mtl__fit_out *outs) {
  mtl__fit_out base;
  memset(&base, 0, sizeof base);
  prepared s;
  double *W = NULL;
  int rc = prepare(c, &base, &s);
  if (rc < 0 || !(W = start_point(c, s.d, s.T))) {
    rc = rc < 0 ? rc : MTL_ENOMEM;
    goto done;
  }
  mtl_solver_params sp;
  solver_params(c, &sp);
  sp.record_trace = 0;
  for (int k = 0; k < n && rc >= 0; k++) {
    mtl_solve_info in;
    memset(&in, 0, sizeof in);
    mtl__fit_out *o = &outs[k];
    rc = mtl_problem_set_lambda(s.pb, lambdas[k]);
    int st = rc < 0 ? rc : mtl_solve(s.pb, &sp, W, &in);
    if (st < 0) {
      rc = st;
      break;
    }
    base.pp.reg.lambda = lambdas[k];
    o->model = mtl_model_create(s.d, s.T, W, &base.pp, &base.sc);
    rc = o->model ? batch_results(o, c->p, &in) : MTL_ENOMEM;
    rc = rc < 0 ? rc : mtl__fit_status(o->info, c->p, st);
  }
done:
  free(W);
  prepared_clear(&s);
  mtl__fit_out_clear(&base);
  return rc;
}

#define TEXT_OF(x) #x
#define TEXT_OF_VALUE(x) TEXT_OF(x)
#define SELECT_TOL_TEXT TEXT_OF_VALUE(MTL_SELECT_TOL) /* "1e-5" */

static const mtl__pdef batch_params[] = {
    MTL__P_LOSS,
    MTL__P_SCALING("mean"),
    MTL__P_REG,
    MTL__P_NONNEG("lambda", "0.1", "regularization strength"),
    MTL__P_RIDGE,
    MTL__P_GRAPH_FILE,
    MTL__P_STANDARDIZE,
    MTL__P_BIAS,
    MTL__P_CHOICE("solver", "fista", "fista|ista|bcd",
                  "fista = accelerated proximal gradient, ista = plain, "
                  "bcd = block coordinate descent (squared loss; "
                  "none/ridge/l1/l21)"),
    MTL__P_INT("max_iter", "10000", 1, 1e9, "maximum iterations"),
    MTL__P_NONNEG("tol", "1e-10", "stop when the relative objective change "
                                  "<= tol (0 = off)"),
    MTL__P_NONNEG("tol_gap", "1e-9", "stop when duality gap <= tol_gap * "
                                     "objective, where a dual exists (0 = "
                                     "off)"),
    MTL__P_NONNEG("select_tol", SELECT_TOL_TEXT,
                  "fits that only score a grid point (CV folds, validation "
                  "split) stop at duality gap <= select_tol * objective "
                  "(no dual: objective change <= select_tol / 100); the "
                  "refit gets tol_gap (0 = tol and tol_gap everywhere)"),
    MTL__P_BOOL("working_set", "1",
                "solve fista/ista l1 and l21 fits with a duality gap and >= "
                "200 features on a growing working set of feature rows until "
                "the full problem's gap passes (the same certified optimum, "
                "faster where few rows are nonzero)"),
    MTL__P_THREADS,
    MTL__P_TRACE,
};

const mtl_method mtl__method_batch = {
    .name = "batch",
    .summary = "regularized MTL (L1, L2,1, trace, ridge, mean, graph) by "
               "FISTA, ISTA or block coordinate descent, with a duality-gap "
               "certificate",
    .params = batch_params,
    .nparams = MTL__NPARAMS(batch_params),
    .fit = batch_fit,
    .fit_path = batch_path,
    .lambda_max = lambda_max,
};

/* ---- async / smtl (Baytas et al. 2016) ------------------------------------ */

static void async_params(const mtl_params *p, int smtl, mtl_async_params *ap) {
  mtl_async_params_init(ap);
  ap->mode = smtl ? MTL_ASYNC_SMTL : MTL_ASYNC_AMTL;
  ap->nodes = mtl__p_int(p, "nodes");
  ap->max_iter = mtl__p_int(p, "max_iter");
  ap->tol = mtl__p_num(p, "tol");
  ap->eta = mtl__p_num(p, "eta");
  ap->eta_factor = mtl__p_num(p, "eta_factor");
  ap->km_step = mtl__p_num(p, "km_step");
  if (mtl__p_index(p, "step") >= 0)
    ap->step = (mtl_async_step)mtl__p_int(p, "step");
  ap->c = mtl__p_num(p, "c");
  ap->eta_min = mtl__p_num(p, "eta_min");
  ap->tau_guess = mtl__p_int(p, "tau_guess");
  ap->tau_adapt = mtl__p_int(p, "tau_adapt");
  ap->dynamic = mtl__p_int(p, "dynamic");
  ap->dyn_window = mtl__p_int(p, "dyn_window");
  ap->dyn_floor_ms = mtl__p_num(p, "dyn_floor_ms");
  ap->dyn_cap = mtl__p_num(p, "dyn_cap");
  ap->delay_ms = mtl__p_num(p, "delay_ms");
  ap->jitter_ms = mtl__p_num(p, "jitter_ms");
  ap->jitter_exp = mtl__p_int(p, "jitter_exp");
  ap->stragglers = mtl__p_int(p, "stragglers");
  ap->straggle = mtl__p_num(p, "straggle");
  ap->seed = (uint64_t)mtl__p_num(p, "seed");
  ap->osvd_refresh = mtl__p_int(p, "osvd_refresh");
  ap->record_every = mtl__p_int(p, "record_every");
  ap->progress = p->progress;
  ap->progress_ctx = p->progress_ctx;
}

/* Parameter node_delay_ms ("10,0,0,0": one injected delay per node, ms)
 * as an array of exactly P entries in *out; NULL when the text is empty. */
static int node_delays(const mtl_params *p, int P, double **out) {
  const char *s = mtl__p_text(p, "node_delay_ms");
  *out = NULL;
  if (!s || !*s)
    return MTL_OK;
  double *a = mtl__malloc((size_t)(P > 0 ? P : 1) * sizeof *a);
  if (!a)
    return MTL_ENOMEM;
  int n = 0;
  for (const char *q = s;; n++) {
    char *end;
    double v = strtod(q, &end);
    if (end == q || !(v >= 0) || !isfinite(v) || (*end && *end != ',')) {
      free(a);
      return mtl__err(MTL_EINVAL, "node_delay_ms = '%s': value %d is not a "
                                  "delay in ms (>= 0; a comma-separated "
                                  "list, one per node)",
                      s, n + 1);
    }
    if (n < P)
      a[n] = v;
    if (!*end)
      break;
    q = end + 1;
  }
  if (n + 1 != P) {
    free(a);
    return mtl__err(MTL_EINVAL, "node_delay_ms = '%s' has %d values for %d "
                                "nodes",
                    s, n + 1, P);
  }
  *out = a;
  return MTL_OK;
}

static int async_results(mtl__fit_out *o, const mtl_async_info *in, int T) {
  mtl_fit_info *fi = o->info;
  /* iterations = updates per task (the max_iter unit) */
  int rc = mtl__info_num(fi, "iterations", (double)(in->updates / T));
  rc = rc < 0 ? rc : mtl__info_num(fi, "objective", in->objective);
  rc = rc < 0 ? rc : mtl__info_num(fi, "seconds", in->seconds);
  rc = rc < 0 ? rc : mtl__info_num(fi, "nodes", in->nodes);
  rc = rc < 0 ? rc : mtl__info_num(fi, "updates", (double)in->updates);
  rc = rc < 0 ? rc : mtl__info_num(fi, "tau_max", in->tau_max);
  rc = rc < 0 ? rc : mtl__info_num(fi, "tau_mean", in->tau_mean);
  rc = rc < 0 ? rc : mtl__info_num(fi, "lipschitz", in->L);
  rc = rc < 0 ? rc : mtl__info_num(fi, "eta", in->eta);
  rc = rc < 0 ? rc : mtl__info_num(fi, "eta_k_last", in->eta_k_last);
  rc = rc < 0 ? rc : mtl__info_num(fi, "eta_k_bound", in->eta_k_bound);
  rc = rc < 0 ? rc : mtl__info_num(fi, "over_bound", (double)in->over_bound);
  rc = rc < 0 ? rc : mtl__info_num(fi, "capped", (double)in->capped);
  rc = rc < 0 ? rc : mtl__info_num(fi, "osvd_refreshes",
                                   (double)in->osvd_refreshes);
  rc = rc < 0 ? rc : mtl__info_num(fi, "osvd_drift", in->osvd_drift);
  return rc;
}

/* Per-node statistics as 1 x nodes model matrices. */
static int async_node_matrices(mtl__fit_out *o, const mtl_async_info *in) {
  int K = in->nodes > 0 ? in->nodes : 1;
  double *nu = mtl__malloc((size_t)K * sizeof *nu);
  if (!nu)
    return MTL_ENOMEM;
  for (int k = 0; k < in->nodes; k++)
    nu[k] = (double)in->node_updates[k];
  int rc = mtl__fit_out_matrix(o, "node_updates", 1, in->nodes, nu);
  free(nu);
  rc = rc < 0 ? rc : mtl__fit_out_matrix(o, "node_delay_ms", 1, in->nodes,
                                         in->node_delay_ms);
  rc = rc < 0 ? rc : mtl__fit_out_matrix(o, "node_inject_ms", 1, in->nodes,
                                         in->node_inject_ms);
  rc = rc < 0 ? rc : mtl__fit_out_matrix(o, "node_multiplier", 1, in->nodes,
                                         in->node_mult);
  return rc;
}

static int async_trace(mtl__fit_out *o, const mtl_async_info *in) {
  int n = in->nrecords;
  double *tr = mtl__malloc((size_t)(n ? n : 1) * 3 * sizeof *tr);
  if (!tr)
    return MTL_ENOMEM;
  for (int i = 0; i < n; i++) {
    tr[3 * i] = in->rec_time[i];
    tr[3 * i + 1] = in->rec_updates[i];
    tr[3 * i + 2] = in->rec_obj[i];
  }
  int rc = mtl__info_trace(o->info, "time_s,updates,objective", n, 3, tr);
  free(tr);
  return rc;
}

/* The results, checkpoints, per-node matrices and trace of a run. */
static int async_report(const mtl__fit_ctx *c, mtl__fit_out *o,
                        const mtl_async_info *in, const mtl__ckpt *ck,
                        int T) {
  int rc = async_results(o, in, T);
  if (rc >= 0 && (ck->path || ck->resume))
    rc = mtl__info_num(o->info, "checkpoints_written", (double)ck->written);
  rc = rc < 0 ? rc : async_node_matrices(o, in);
  if (rc >= 0 && c->want_trace)
    rc = async_trace(o, in);
  return rc;
}

static int async_run(const mtl__fit_ctx *c, mtl__fit_out *o, int smtl) {
  double *delays = NULL;
  prepared s;
  mtl_async_info in;
  memset(&in, 0, sizeof in);
  int rc = prepare(c, o, &s);
  if (rc < 0)
    goto done;
  mtl_async_params ap;
  async_params(c->p, smtl, &ap);
  int P = ap.nodes ? ap.nodes : s.T;
  if ((rc = node_delays(c->p, P, &delays)) < 0)
    goto done;
  ap.node_delay_ms = delays;
  if (!(o->W = mtl__calloc((size_t)s.d * (size_t)s.T, sizeof *o->W))) {
    rc = MTL_ENOMEM;
    goto done;
  }
  o->d = s.d;
  o->T = s.T;
  mtl__ckpt ck;
  mtl__fit_ckpt(c->p, &ck);
  mtl__async_job job = {.ds = s.scaled, .T = s.T, .pp = &o->pp, .ap = &ap,
                        .ck = &ck, .W = o->W, .info = &in};
  int st = mtl__async_run(NULL, &job);
  if (st < 0) {
    rc = st;
    goto done;
  }
  rc = mtl__fit_certificate(s.pb, o->W, o->info);
  rc = rc < 0 ? rc : async_report(c, o, &in, &ck, s.T);
  if (rc >= 0)
    rc = st;
done:
  free(delays);
  mtl_async_info_clear(&in);
  prepared_clear(&s);
  return rc;
}

/* On a process transport: each rank its own tasks, the pooled scaler,
 * the model at rank 0; no certificate (no rank holds all the data). */
static int async_run_dist(const mtl__fit_ctx *c, mtl__fit_out *o, int smtl) {
  double *delays = NULL;
  mtl__dist dp;
  mtl_async_info in;
  memset(&in, 0, sizeof in);
  char mapbuf[1024];
  int rank = mtl_transport_rank(c->tr);
  int rc = mtl__dist_prepare(c, o, &dp);
  if (rc < 0)
    goto done;
  mtl_async_params ap;
  async_params(c->p, smtl, &ap);
  /* a bad list fails on every rank alike: no rank waits in the run */
  if ((rc = node_delays(c->p, mtl_transport_size(c->tr) - 1, &delays)) < 0)
    goto done;
  ap.node_delay_ms = delays;
  if (rank == 0 &&
      !(o->W = mtl__calloc((size_t)dp.d * (size_t)dp.T, sizeof *o->W)))
    rc = mtl__err(MTL_ENOMEM, "out of memory for W (%d x %d)", dp.d, dp.T);
  mtl__ckpt ck;
  mtl__fit_ckpt(c->p, &ck);
  mtl__async_job job = {.ds = dp.scaled, .gid = dp.gid, .T = dp.T,
                        .pp = &o->pp, .ap = &ap, .ck = &ck,
                        .rank_map = mtl__fit_rank_map(c, mapbuf,
                                                      sizeof mapbuf),
                        .W = o->W, .info = &in};
  int st = mtl__async_run(c->tr, &job); /* agrees on a failure above */
  if (st < 0 || rank != 0) {
    rc = st;
    goto done;
  }
  rc = mtl__info_num(o->info, "samples", dp.samples);
  rc = rc < 0 ? rc : mtl__info_text(o->info, "certificate", "none "
                                    "(distributed: no rank holds all the "
                                    "data)");
  rc = rc < 0 ? rc : async_report(c, o, &in, &ck, dp.T);
  if (rc >= 0)
    rc = st;
done:
  free(delays);
  mtl_async_info_clear(&in);
  mtl__dist_clear(&dp);
  return rc;
}

static int async_fit(const mtl__fit_ctx *c, mtl__fit_out *o) {
  return mtl__transport_local(c->tr) ? async_run(c, o, 0)
                                     : async_run_dist(c, o, 0);
}
static int smtl_fit(const mtl__fit_ctx *c, mtl__fit_out *o) {
  return mtl__transport_local(c->tr) ? async_run(c, o, 1)
                                     : async_run_dist(c, o, 1);
}

#define ASYNC_PARAMS(km_help)                                                 \
  MTL__P_LOSS, MTL__P_SCALING("mean"), MTL__P_REG,                            \
      MTL__P_NONNEG("lambda", "0.1", "regularization strength"),              \
      MTL__P_RIDGE, MTL__P_GRAPH_FILE, MTL__P_STANDARDIZE, MTL__P_BIAS,       \
      MTL__P_INT("max_iter", "1000", 1, 1e9, "updates per task"),             \
      MTL__P_NONNEG("tol", "1e-10", "stop when every task's fixed-point "     \
                                    "residual (last change / its step) is "   \
                                    "<= tol max(1, |v_t|)"),                  \
      MTL__P_INT("nodes", "0", 0, 1e6, "task nodes (threads; task t on "      \
                                      "node t % N + 1); 0 = one per task"),   \
      MTL__P_NONNEG("eta", "0", "forward step in (0, 2/L); 0 = eta_factor "   \
                                "/ L"),                                       \
      MTL__P_REAL("eta_factor", "1", 0, 2, "forward step eta = X / L when "   \
                                          "eta is 0, X in (0, 2)"),           \
      MTL__P_REAL("km_step", "0", 0, 2, km_help),                             \
      MTL__P_CHOICE("step", "auto", "auto|theorem1",                          \
                    "async step policy when km_step is 0: auto = 1 while "    \
                    "the fixed-point residual falls, halved (down to "        \
                    "Theorem 1's step at tau_guess) when it rises; "          \
                    "theorem1 = the paper's rule (with tau_adapt)"),          \
      MTL__P_REAL("c", "0.9", 0, 1, "Theorem 1's constant c in (0, 1)"),      \
      MTL__P_POS("eta_min", "1e-3", "lower bound of Theorem 1's step eta_k"), \
      MTL__P_INT("tau_guess", "-1", -1, 1e9, "delay tau assumed before "      \
                                            "larger ones are seen; -1 = "     \
                                            "nodes - 1"),                     \
      MTL__P_INT("tau_adapt", "1", 0, 1, "1 = tau_k = max(tau_guess, "        \
                                        "largest delay seen); 0 = tau_guess " \
                                        "only"),                              \
      MTL__P_BOOL("dynamic", "0", "dynamic step c_tk = ln(mean measured "     \
                                  "delay in ms) (III.5-6)"),                  \
      MTL__P_INT("dyn_window", "5", 0, 1e6, "dynamic step: mean of the last " \
                                           "K + 1 delays"),                   \
      MTL__P_POS("dyn_floor_ms", "10", "dynamic step: floor of the mean "     \
                                       "delay, ms"),                          \
      MTL__P_NONNEG("dyn_cap", "1", "dynamic step: cap of c_tk eta_k (0 = "   \
                                    "none)"),                                 \
      MTL__P_NONNEG("delay_ms", "0", "injected delay before each node's "     \
                                     "send, ms"),                             \
      MTL__P_NONNEG("jitter_ms", "0", "plus jitter_ms times X, X ~ U(0,1) "   \
                                      "(or Exp(1) with jitter_exp)"),         \
      MTL__P_BOOL("jitter_exp", "0", "exponential jitter instead of "         \
                                     "uniform"),                              \
      MTL__P_INT("stragglers", "0", 0, 1e6, "the first N nodes are "          \
                                           "stragglers (delay and jitter "    \
                                           "times straggle)"),                \
      MTL__P_REAL("straggle", "10", 1, MTL__INF, "delay multiplier of the "   \
                                                "stragglers"),                \
      MTL__P_TEXT("node_delay_ms", "", "injected delay of each node, ms, "    \
                                       "comma-separated (node 1 first); "     \
                                       "overrides delay_ms"),                 \
      MTL__P_INT("seed", "1", 0, 9e15, "seed of the injected delays"),        \
      MTL__P_INT("osvd_refresh", "100", 0, 1e9, "trace norm: full SVD every " \
                                               "N online SVD updates (0 = "   \
                                               "never)"),                     \
      MTL__P_INT("record_every", "0", 0, 1e9, "objective trace: snapshot "    \
                                             "every N server updates (0 = "   \
                                             "T)"),                           \
      MTL__P_CHECKPOINTS_EVERY(                                               \
          "the server's state", "server updates (async), iterations (smtl)",  \
          MTL__P_INT("checkpoint_every", "0", 0, 1e9,                         \
                     "checkpoint every N server updates (async) or "          \
                     "iterations (smtl); 0 = by wall time, every "            \
                     "checkpoint_seconds")),                                  \
      MTL__P_POS("checkpoint_seconds", "30", "with checkpoint_every 0: a "    \
                                             "checkpoint when this many "     \
                                             "seconds have passed since the " \
                                             "last (at an iteration's end "   \
                                             "for smtl)"),                    \
      MTL__P_TRACE

static const mtl__pdef async_table[] = {ASYNC_PARAMS(
    "fixed KM step eta_k in (0, 2); 0 = the step policy's (step)")};
static const mtl__pdef smtl_table[] = {ASYNC_PARAMS(
    "fixed KM step eta_k in (0, 2); 0 = 1 (proximal gradient)")};

const mtl_method mtl__method_async = {
    .name = "async",
    .aliases = "amtl",
    .summary = "asynchronous distributed proximal MTL (Baytas et al. 2016): "
               "task nodes update a server's V without waiting (ARock KM "
               "steps)",
    .params = async_table,
    .nparams = MTL__NPARAMS(async_table),
    .fit = async_fit,
    .lambda_max = lambda_max,
    .distributed = 1,
};

const mtl_method mtl__method_smtl = {
    .name = "smtl",
    .summary = "synchronous distributed proximal MTL, the baseline of "
               "Baytas et al.: the server waits for every task each round",
    .params = smtl_table,
    .nparams = MTL__NPARAMS(smtl_table),
    .fit = smtl_fit,
    .lambda_max = lambda_max,
    .distributed = 1,
};
