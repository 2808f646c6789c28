/*
 * methods_online.c -- the online methods of Li et al. (C-ADMM, D-ADMM)
 * and their baselines (D-PSGD, OGD) as descriptors: the dataset (binary
 * classification tasks) is replayed as a stream, one instance per task
 * per round in a seeded order, and the final weights are the model.  The
 * streaming call on a live stream stays mtl_omtl_run.
 */
#include "api.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The method's params over the defaults (or a preset): only the
 * parameters the user set override a preset (also used by online.c). */
int mtl__omtl_params_from(const mtl_params *p, mtl_omtl_method method,
                          mtl_omtl_params *o) {
  mtl_omtl_params_init(o);
  o->method = method;
  const char *preset = mtl__p_text(p, "preset");
  int have_preset = preset && strcmp(preset, "none") != 0;
  if (have_preset && mtl_omtl_params_preset(o, preset) < 0)
    return mtl__err(MTL_EINVAL, "%s: unknown preset '%s'", p->m->name,
                    preset);
  /* a preset's values stay unless the parameter was set explicitly */
  static const char *const names[] = {"rho",     "lambda1", "lambda2",
                                      "lambda3", "lambda4", "eta"};
  double *fields[] = {&o->rho,     &o->lambda1, &o->lambda2,
                      &o->lambda3, &o->lambda4, &o->eta};
  for (int i = 0; i < 6; i++)
    if (mtl__p_index(p, names[i]) >= 0 &&
        (!have_preset || mtl_params_is_set(p, names[i]) == 1))
      *fields[i] = mtl__p_num(p, names[i]);
  if (mtl__p_index(p, "variant") >= 0 &&
      (!have_preset || mtl_params_is_set(p, "variant") == 1))
    o->variant = (mtl_omtl_variant)mtl__p_int(p, "variant");
  if (mtl__p_index(p, "learn_omega") >= 0)
    o->learn_omega = mtl__p_int(p, "learn_omega");
  if (mtl__p_index(p, "omega_every") >= 0)
    o->omega_every = mtl__p_int(p, "omega_every");
  if (mtl__p_index(p, "eps") >= 0 &&
      (!have_preset || mtl_params_is_set(p, "eps") == 1))
    o->eps = mtl__p_num(p, "eps");
  if (mtl__p_index(p, "topology") >= 0) {
    o->topology = (mtl_graph_kind)mtl__p_int(p, "topology");
    o->degree = mtl__p_int(p, "degree");
    o->graph_seed = (uint64_t)mtl__p_num(p, "graph_seed");
  }
  if (mtl__p_index(p, "async") >= 0) {
    o->async = mtl__p_int(p, "async");
    o->staleness = mtl__p_int(p, "staleness");
  }
  if (mtl__p_index(p, "step0") >= 0)
    o->step0 = mtl__p_num(p, "step0");
  /* the protocol switches: a preset ("authors") sets them too */
  static const char *const flags[] = {"normalize", "zero_positive",
                                      "mistake_driven"};
  int *flag_fields[] = {&o->normalize, &o->zero_positive,
                        &o->mistake_driven};
  for (int i = 0; i < 3; i++)
    if (!have_preset || mtl_params_is_set(p, flags[i]) == 1)
      *flag_fields[i] = mtl__p_int(p, flags[i]);
  o->max_rounds = (int64_t)mtl__p_num(p, "max_rounds");
  o->progress = p->progress;
  o->progress_ctx = p->progress_ctx;
  return MTL_OK;
}

static int omtl_results(mtl_fit_info *fi, const mtl_omtl_result *r) {
  int64_t mistakes = 0, seen = 0;
  for (int k = 0; k < r->K; k++) {
    mistakes += r->mistakes[k];
    seen += r->n_seen[k];
  }
  int rc = mtl__info_num(fi, "iterations", (double)r->rounds);
  rc = rc < 0 ? rc : mtl__info_num(fi, "seconds", r->seconds);
  rc = rc < 0 ? rc : mtl__info_text(fi, "certificate", "none (online: "
                                                       "cumulative error)");
  rc = rc < 0 ? rc : mtl__info_num(fi, "rounds", (double)r->rounds);
  rc = rc < 0 ? rc : mtl__info_num(fi, "instances", (double)seen);
  rc = rc < 0 ? rc : mtl__info_num(fi, "mistakes", (double)mistakes);
  rc = rc < 0 ? rc : mtl__info_num(fi, "cumulative_error",
                                   r->rounds > 0 ? r->err_avg[r->rounds - 1]
                                                 : NAN);
  rc = rc < 0 ? rc : mtl__info_num(fi, "eta", r->eta);
  rc = rc < 0 ? rc : mtl__info_num(fi, "bytes_sent", (double)r->bytes_sent);
  return rc;
}

static int omtl_trace(mtl_fit_info *fi, const mtl_omtl_result *r) {
  int64_t n = r->rounds;
  double *tr = mtl__malloc((size_t)(n ? n : 1) * 2 * sizeof *tr);
  if (!tr)
    return MTL_ENOMEM;
  for (int64_t i = 0; i < n; i++) {
    tr[2 * i] = (double)(i + 1);
    tr[2 * i + 1] = r->err_avg[i];
  }
  int rc = mtl__info_trace(fi, "round,cumulative_error", (int)n, 2, tr);
  free(tr);
  return rc;
}

/* The stream of this rank: on threads the whole dataset replayed; on a
 * process transport the replay of the whole restricted to this rank's
 * tasks (the same rounds), or none on a rank without data. */
static int make_stream(const mtl__fit_ctx *c, mtl_stream **s) {
  uint64_t seed = (uint64_t)mtl__p_num(c->p, "seed");
  *s = NULL;
  if (mtl__transport_local(c->tr))
    return mtl_stream_from_dataset(c->ds, seed, s);
  int K = 0, *n = NULL, *gid = NULL;
  int rc = mtl__dist_sizes(c->tr, c->ds, &K, &n, &gid);
  if (rc >= 0 && c->ds && mtl_dataset_ntasks(c->ds) > 0)
    rc = mtl__stream_from_part(c->ds, gid, K, n, seed, s);
  free(n);
  free(gid);
  return rc;
}

static int omtl_run(const mtl__fit_ctx *c, mtl__fit_out *o,
                    mtl_omtl_method method) {
  mtl_stream *s = NULL;
  mtl_omtl_result res;
  memset(&res, 0, sizeof res);
  mtl_omtl_params op;
  int rc = mtl__omtl_params_from(c->p, method, &op);
  if (rc < 0)
    return rc;
  for (int t = 0; c->ds && t < mtl_dataset_ntasks(c->ds); t++)
    if (mtl_dataset_task_kind(c->ds, t) != MTL_TASK_CLASSIFICATION)
      return mtl__err(MTL_EINVAL, "%s: task %d (%s) is a regression task; "
                                  "the online methods learn binary "
                                  "classification tasks (labels -1/+1)",
                      c->p->m->name, t + 1, mtl_dataset_task_name(c->ds, t));
  /* on a process transport, a rank that fails here still runs: it stops
   * the others at the run's first agreement */
  rc = make_stream(c, &s);
  if (rc < 0 && mtl__transport_local(c->tr))
    return rc;
  mtl__ckpt ck;
  mtl__fit_ckpt(c->p, &ck);
  op.checkpoint = ck.path;
  op.resume = ck.resume;
  op.checkpoint_every = ck.every;
  /* empty: mtl_omtl_run's default (CHECKPOINT.ranks on MPI) */
  const char *map = mtl__p_text(c->p, "rank_map");
  op.rank_map = map && *map ? map : NULL;
  int e = mtl_omtl_run(s, &op, c->tr, &res);
  rc = rc < 0 ? rc : e;
  if (rc >= 0 && mtl_transport_rank(c->tr) > 0)
    goto done; /* rank 0 has the result */
  if (rc >= 0)
    rc = mtl_omtl_to_model(&res, &op, &o->model);
  rc = rc < 0 ? rc : omtl_results(o->info, &res);
  if (rc >= 0 && c->want_trace)
    rc = omtl_trace(o->info, &res);
done:
  mtl_omtl_result_clear(&res);
  mtl_stream_free(s);
  /* an online pass has no stopping test: it converges by ending */
  return rc < 0 ? rc : MTL_CONVERGED;
}

static int cadmm_fit(const mtl__fit_ctx *c, mtl__fit_out *o) {
  return omtl_run(c, o, MTL_OMTL_CADMM);
}
static int dadmm_fit(const mtl__fit_ctx *c, mtl__fit_out *o) {
  return omtl_run(c, o, MTL_OMTL_DADMM);
}
static int dpsgd_fit(const mtl__fit_ctx *c, mtl__fit_out *o) {
  return omtl_run(c, o, MTL_OMTL_DPSGD);
}
static int ogd_fit(const mtl__fit_ctx *c, mtl__fit_out *o) {
  return omtl_run(c, o, MTL_OMTL_OGD);
}

#define ONLINE_STREAM                                                         \
  MTL__P_INT("seed", "1", 0, 9e15, "replay order seed (0: stored order)"),   \
      MTL__P_INT("max_rounds", "0", 0, 9e15, "stop after this many rounds "   \
                                             "(0 = the whole dataset)"),      \
      MTL__P_BOOL("normalize", "1", "scale every instance to unit 2-norm"),   \
      MTL__P_BOOL("zero_positive", "0", "predict +1 at score 0 (the "         \
                                        "authors' code)"),                    \
      MTL__P_BOOL("mistake_driven", "0", "gradient only on mistakes (the "    \
                                         "authors' code)"),                   \
      MTL__P_TRACE

#define ADMM_PARAMS                                                           \
  MTL__P_CHOICE("preset", "none", "none|paper|code|authors",                 \
                "start from the paper's or the authors' C-ADMM script's "    \
                "values (authors: also its protocol; replay with seed 0) "   \
                "(parameters set explicitly override it)"),                  \
      MTL__P_CHOICE("variant", "exact", "exact|paper",                        \
                    "exact block minimizers or the updates as printed"),      \
      MTL__P_POS("rho", "0.1", "ADMM penalty"),                               \
      MTL__P_NONNEG("lambda1", "0.01", "weight of ||v_k||^2"),                \
      MTL__P_POS("lambda2", "0.1", "weight of ||u||^2"),                      \
      MTL__P_NONNEG("lambda3", "0.01", "weight of tr(V V')"),                 \
      MTL__P_NONNEG("lambda4", "0.01", "weight of tr(V Omega^-1 V')"),        \
      MTL__P_NONNEG("eta", "0", "step control; 0 = sqrt(rounds)"),            \
      MTL__P_BOOL("learn_omega", "1", "learn the task covariance Omega (0: "  \
                                      "fixed I/K)"),                          \
      MTL__P_NONNEG("eps", "1e-8", "Omega regulariser (V'V + eps I)^1/2"),    \
      MTL__P_INT("omega_every", "1", 1, 1e9, "recompute Omega every N "       \
                                            "rounds")

#define GRAPH_PARAMS                                                          \
  MTL__P_CHOICE("topology", "ring", "ring|full|star|regular",                \
                "the nodes' communication graph"),                           \
      MTL__P_INT("degree", "3", 1, 1e6, "regular: degree"),                   \
      MTL__P_INT("graph_seed", "1", 0, 9e15, "regular: seed"),                \
      MTL__P_BOOL("async", "0", "nodes use the latest messages they have "    \
                                "(0: round-synchronous, deterministic)"),     \
      MTL__P_INT("staleness", "8", 0, 1e9, "async: rounds a neighbour's "     \
                                          "message may lag")

#define STEP_PARAM                                                            \
  MTL__P_POS("step0", "1", "step gamma_t = step0 / sqrt(t)")

#define CKPT_PARAMS                                                           \
  MTL__P_CHECKPOINTS("the run's state (D-ADMM: round-synchronous)", "rounds")

static const mtl__pdef cadmm_table[] = {ADMM_PARAMS, ONLINE_STREAM,
                                        CKPT_PARAMS};
static const mtl__pdef dadmm_table[] = {ADMM_PARAMS, GRAPH_PARAMS,
                                        ONLINE_STREAM, CKPT_PARAMS};
static const mtl__pdef dpsgd_table[] = {STEP_PARAM, GRAPH_PARAMS,
                                        ONLINE_STREAM};
static const mtl__pdef ogd_table[] = {STEP_PARAM, ONLINE_STREAM};

const mtl_method mtl__method_cadmm = {
    .name = "cadmm",
    .summary = "online multi-task relationship learning by centralized ADMM "
               "(Li et al. 2024) on the dataset replayed as a stream",
    .params = cadmm_table,
    .nparams = MTL__NPARAMS(cadmm_table),
    .fit = cadmm_fit,
    .distributed = 1,
};

const mtl_method mtl__method_dadmm = {
    .name = "dadmm",
    .summary = "online multi-task relationship learning by decentralized "
               "ADMM on a graph (Li et al. 2024), dataset replayed",
    .params = dadmm_table,
    .nparams = MTL__NPARAMS(dadmm_table),
    .fit = dadmm_fit,
    .distributed = 1,
};

const mtl_method mtl__method_dpsgd = {
    .name = "dpsgd",
    .summary = "decentralized parallel SGD (Lian et al. 2017), a baseline "
               "of the online methods, dataset replayed",
    .params = dpsgd_table,
    .nparams = MTL__NPARAMS(dpsgd_table),
    .fit = dpsgd_fit,
    .distributed = 1,
};

const mtl_method mtl__method_ogd = {
    .name = "ogd",
    .summary = "online (sub)gradient descent per task, a baseline of the "
               "online methods, dataset replayed",
    .params = ogd_table,
    .nparams = MTL__NPARAMS(ogd_table),
    .fit = ogd_fit,
};
