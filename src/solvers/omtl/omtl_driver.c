/*
 * omtl_driver.c -- the one driver of the online methods (mtl_omtl_run and
 * the replayed-dataset fits), on any transport (transport.h,
 * "transports").  C-ADMM runs a server (rank 0) and K task nodes, D-ADMM
 * and D-PSGD K graph nodes (node 0 assembles the result); ADMM-Single and
 * OGD are sequential and run in the caller's thread.
 *
 * On threads every rank reads the caller's stream through one shared round
 * feeder and nodes stop at the stream's end.  On a process transport (MPI)
 * each rank holds its own stream (declaring all K tasks and d, holding
 * its own task's instances; C-ADMM's server may hold none) and feeds
 * itself; the ranks agree on K, d and the round count first, so that all
 * end together.  Steps of one rank, each ending in an agreement over the
 * driver's `coll` endpoint: set-up (checks, rounds, graph, feeder,
 * rank-to-tasks map), rank 0's result buffers, the role on the `role`
 * endpoint, the outcome and the bytes sent.
 */
#include "omtl_impl.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WHO "omtl"

/* Turns rank 0's codes into the curves of the result. */
static int finish(mtl__omtl_ctx *c, mtl_omtl_result *r) {
  int K = c->K;
  int64_t R = c->rounds;
  r->rounds = R;
  r->n_seen = mtl__calloc((size_t)K, sizeof(int64_t));
  r->mistakes = mtl__calloc((size_t)K, sizeof(int64_t));
  r->err_task = mtl__malloc((size_t)(R > 0 ? R : 1) * K * sizeof(double));
  r->err_avg = mtl__malloc((size_t)(R > 0 ? R : 1) * sizeof(double));
  r->round_sec = mtl__calloc((size_t)(R > 0 ? R : 1), sizeof(double));
  if (c->p.record_predictions)
    r->pred = mtl__malloc((size_t)(R > 0 ? R : 1) * K);
  if (!r->n_seen || !r->mistakes || !r->err_task || !r->err_avg ||
      !r->round_sec || (c->p.record_predictions && !r->pred))
    return MTL_ENOMEM;
  for (int64_t t = 0; t < R; t++) {
    double s = 0;
    int n = 0;
    for (int k = 0; k < K; k++) {
      int cd = c->codes[t * K + k];
      if (cd) {
        r->n_seen[k]++;
        r->mistakes[k] += (cd == 2 || cd == -2);
      }
      if (r->pred)
        r->pred[t * K + k] = (signed char)(cd > 0 ? 1 : cd < 0 ? -1 : 0);
      double e = r->n_seen[k] ? (double)r->mistakes[k] / (double)r->n_seen[k]
                              : NAN;
      r->err_task[t * K + k] = e;
      if (r->n_seen[k]) {
        s += e;
        n++;
      }
    }
    r->err_avg[t] = n ? s / n : NAN;
    if (c->round_sec && t < c->rounds)
      r->round_sec[t] = c->round_sec[t];
  }
  return MTL_OK;
}

/* Moves rank 0's collected state into res (curves, W, V, u, Omega). */
static int take_result(mtl__omtl_ctx *c, const mtl_omtl_params *p,
                       mtl_omtl_result *res) {
  int K = c->K, d = c->d, rc;
  res->K = K;
  res->d = d;
  res->eta = c->eta;
  if ((rc = finish(c, res)))
    return rc;
  res->W = c->W;
  c->W = NULL;
  if (p->method != MTL_OMTL_DPSGD && p->method != MTL_OMTL_OGD) {
    res->V = c->V;
    c->V = NULL;
    res->Omega = mtl__malloc((size_t)K * K * sizeof(double));
    if (!res->Omega) {
      return MTL_ENOMEM;
    }
    if (p->method == MTL_OMTL_SINGLE || !p->learn_omega) {
      memset(res->Omega, 0, (size_t)K * K * sizeof(double));
      for (int k = 0; k < K; k++)
        res->Omega[k + (size_t)k * K] = p->method == MTL_OMTL_SINGLE ? 1.0
                                                                   : 1.0 / K;
    } else if ((rc = mtl_omtl_omega(d, K, res->V, p->eps, res->Omega))) {
      return rc;
    }
    if (p->method != MTL_OMTL_SINGLE) {
      res->u = c->u;
      c->u = NULL;
    }
  }
  if (p->method == MTL_OMTL_DADMM && !p->async) {
    res->gossip_first = c->first;
    c->first = NULL;
  }
  return MTL_OK;
}

/* The checkpoint hook: kept when it asks for something (then checked),
 * else *ck = NULL. */
static int check_ckpt(const mtl_omtl_params *p, mtl__ckpt **ck) {
  if (!*ck || (!(*ck)->path && !(*ck)->resume)) {
    *ck = NULL;
    return MTL_OK;
  }
  if ((p->method != MTL_OMTL_DADMM && p->method != MTL_OMTL_CADMM) ||
      p->async)
    return mtl__err(MTL_EUNSUPPORTED, "omtl: checkpoints are written by "
                                      "C-ADMM and round-synchronous D-ADMM "
                                      "only (method %s%s)",
                    mtl__omtl_method_name(p->method),
                    p->async ? ", async" : "");
  if ((*ck)->path && (*ck)->every < 1)
    return mtl__err(MTL_EINVAL, "omtl: checkpoint_every = %d must be >= 1",
                    (*ck)->every);
  return MTL_OK;
}

/* eta: given, or sqrt(T) of the known round count T. */
static int choose_eta(const mtl_omtl_params *p, int64_t T, double *eta) {
  if (p->eta > 0)
    *eta = p->eta;
  else if (T > 0)
    *eta = sqrt((double)T);
  else if (p->method == MTL_OMTL_OGD || p->method == MTL_OMTL_DPSGD)
    *eta = 1; /* unused: these use step0 / sqrt(t) */
  else
    return mtl__err(MTL_EINVAL, "omtl: eta = 0 means sqrt(T), but the "
                                "stream's length is unknown: set horizon "
                                "(or eta)");
  return MTL_OK;
}

/* ---- the driver ------------------------------------------------------------------ */

/* What the ranks share. */
typedef struct oshared {
  const mtl__omtl_job *job;
  mtl__ckpt *ck;
  mtl__omtl_ctx tmpl; /* threads: K, d, eta, feeder, graph, known rounds */
  mtl__role_fn role;
  int local;
  double t0;
} oshared;

static int central(const mtl_omtl_params *p) {
  return p->method == MTL_OMTL_CADMM;
}

/* The graph of a decentralized run: the caller's, or one built from the
 * topology into *own (the same on every rank: it is seeded). */
static int make_graph(const mtl_omtl_params *p, int K, const mtl_graph **g,
                      mtl_graph **own) {
  if (p->method != MTL_OMTL_DADMM && p->method != MTL_OMTL_DPSGD)
    return MTL_OK;
  if (p->graph) {
    if (mtl_graph_nodes(p->graph) != K)
      return mtl__err(MTL_EINVAL, WHO ": graph has %d nodes, stream has %d "
                                      "tasks",
                      mtl_graph_nodes(p->graph), K);
    *g = p->graph;
    return MTL_OK;
  }
  int rc = mtl_graph_create(p->topology, K, p->degree, p->graph_seed, own);
  if (rc)
    return mtl__err_prefix(rc, WHO ": topology");
  *g = *own;
  return MTL_OK;
}

/* A process transport, step 1: this rank's checks. */
static int proc_check(const oshared *sh, int rank, int size) {
  const mtl_omtl_params *p = &sh->tmpl.p;
  mtl_stream *s = sh->job->s;
  int K = s ? mtl_stream_ntasks(s) : 0;
  if (!s && !(central(p) && rank == 0))
    return mtl__err(MTL_EINVAL, WHO ": rank %d has no stream", rank);
  if (s && K != size - central(p))
    return mtl__err(MTL_EINVAL, WHO ": %d ranks for K = %d tasks: %s runs "
                                    "%s one rank per task (mpirun -np %d)",
                    size, K, mtl__omtl_method_name(p->method),
                    central(p) ? "a server (rank 0) and" : "",
                    K + central(p));
  if (sh->ck && p->async)
    return mtl__err(MTL_EUNSUPPORTED, WHO ": checkpoints need the round-"
                                          "synchronous mode (async = 0): an "
                                          "asynchronous run has no "
                                          "consistent round to save");
  return MTL_OK;
}

/* A process transport, step 2: K, d and the round count agreed. */
static int proc_rounds(const oshared *sh, mtl__tr *coll, mtl__omtl_ctx *c) {
  const mtl_omtl_params *p = &c->p;
  mtl_stream *s = sh->job->s;
  int K = s ? mtl_stream_ntasks(s) : -1, d = s ? mtl_stream_dim(s) : -1;
  int64_t mine = s ? mtl_stream_rounds(s) : 0;
  double a[6] = {K, s ? -K : -INT_MAX, d, s ? -d : -INT_MAX, (double)mine,
                 mine < 0 ? 1 : 0};
  int rc = mtl__tr_allreduce(coll, a, 6, MTL__OP_MAX);
  if (rc)
    return rc;
  int64_t rounds = (int64_t)a[4];
  if (a[0] != -a[1] || a[2] != -a[3])
    return mtl__err(MTL_EDIM, WHO ": the ranks' streams disagree on K (%g "
                                  "to %g) or d (%g to %g)",
                    -a[1], a[0], -a[3], a[2]);
  if (a[5] > 0 && p->max_rounds < 1)
    return mtl__err(MTL_EINVAL, WHO ": a rank's stream has an unknown "
                                    "length (text): set max_rounds, the "
                                    "round count every rank runs");
  if (a[5] > 0 || (p->max_rounds > 0 && p->max_rounds < rounds))
    rounds = p->max_rounds;
  if (rounds < 1)
    return mtl__err(MTL_EINVAL, WHO ": the streams are empty");
  c->K = (int)a[0];
  c->d = (int)a[2];
  c->agreed_rounds = rounds;
  c->eta = p->eta > 0 ? p->eta
                      : sqrt((double)(p->horizon > 0 ? p->horizon : rounds));
  return MTL_OK;
}

/* A process transport, step 3: the rank-to-tasks map (C-ADMM: rank k + 1
 * holds task k; the graph methods: rank k) and the resume file. */
static int proc_map(const oshared *sh, int size) {
  const char *map = sh->job->rank_map;
  int ctr = central(&sh->tmpl.p), rc = MTL_OK;
  if (map) {
    int *off = mtl__malloc((size_t)(size + 1) * sizeof(int));
    int *ids = mtl__malloc((size_t)(size > 0 ? size : 1) * sizeof(int));
    rc = off && ids ? MTL_OK : MTL_ENOMEM;
    if (!rc) {
      off[0] = 0;
      for (int r = 0; r < size; r++) {
        off[r + 1] = off[r] + (ctr && r == 0 ? 0 : 1);
        if (!(ctr && r == 0))
          ids[off[r]] = r - ctr;
      }
      rc = mtl__write_rank_map(map, size, ctr ? "server" : NULL, "node", off,
                               ids);
    }
    free(off);
    free(ids);
  }
  if (!rc && sh->ck && sh->ck->resume) {
    FILE *f = fopen(sh->ck->resume, "r");
    if (!f)
      return mtl__err(MTL_EIO, WHO ": cannot open checkpoint '%s' to resume",
                      sh->ck->resume);
    fclose(f);
  }
  return rc;
}

/* Rank 0's result buffers. */
static int alloc_outputs(mtl__omtl_ctx *c) {
  size_t dK = (size_t)c->d * (size_t)c->K, KK = (size_t)c->K * c->K;
  c->W = mtl__calloc(dK, sizeof(double));
  c->V = mtl__calloc(dK, sizeof(double));
  c->u = mtl__calloc((size_t)c->d, sizeof(double));
  c->first = mtl__malloc(KK * sizeof(int));
  if (!c->W || !c->V || !c->u || !c->first)
    return MTL_ENOMEM;
  for (size_t i = 0; i < KK; i++)
    c->first[i] = -1;
  return MTL_OK;
}

static void free_outputs(mtl__omtl_ctx *c) {
  free(c->codes);
  free(c->round_sec);
  free(c->W);
  free(c->V);
  free(c->u);
  free(c->first);
}

/* This rank's context: the shared template (threads), or its own stream,
 * rounds, graph and feeder (a process transport); rank 0's buffers. */
static int rank_setup(const oshared *sh, mtl__tr *coll, mtl__omtl_ctx *c,
                      mtl_graph **own_g, mtl__feed **own_feed) {
  int rank = coll->rank, rc;
  if (!sh->local) {
    rc = mtl__drv_agree(coll, proc_check(sh, rank, coll->size), WHO);
    if (!rc)
      rc = mtl__drv_agree(coll, proc_rounds(sh, coll, c), WHO);
    if (rc)
      return rc;
    rc = make_graph(&c->p, c->K, &c->g, own_g);
    if (!rc && sh->job->s)
      rc = mtl__feed_create(sh->job->s, c->agreed_rounds, own_feed);
    c->feed = *own_feed;
    if (!rc && rank == 0)
      rc = proc_map(sh, coll->size);
    if ((rc = mtl__drv_agree(coll, rc, WHO)))
      return rc;
  }
  rc = rank == 0 ? alloc_outputs(c) : MTL_OK;
  return mtl__drv_agree(coll, rc, WHO);
}

static int omtl_rank(void *ctx, mtl__tr *coll, mtl__tr *role) {
  const oshared *sh = ctx;
  mtl__omtl_ctx c = sh->tmpl;
  mtl_graph *own_g = NULL;
  mtl__feed *own_feed = NULL;
  int rc = rank_setup(sh, coll, &c, &own_g, &own_feed);
  if (!rc) {
    rc = sh->role(&c, role);
    if (rc < 0) /* its peers may wait for its messages: release them */
      mtl__tr_close(role);
    rc = mtl__drv_agree(coll, rc, WHO);
    double tot = (double)role->bytes_sent; /* exact below 2^53 */
    if (!rc)
      rc = mtl__tr_allreduce(coll, &tot, 1, MTL__OP_SUM);
    mtl_omtl_result *res = sh->job->res;
    if (!rc && coll->rank == 0 && !(rc = take_result(&c, &c.p, res))) {
      res->seconds = mtl__now() - sh->t0;
      res->bytes_sent = (uint64_t)tot;
    }
  }
  mtl__feed_free(own_feed);
  mtl_graph_free(own_g);
  free_outputs(&c);
  return rc;
}

/* Threads: the shared template (eta, rounds, graph, feeder). */
static int local_setup(oshared *sh, mtl_graph **own_g) {
  mtl__omtl_ctx *c = &sh->tmpl;
  const mtl_omtl_params *p = &c->p;
  mtl_stream *s = sh->job->s;
  c->K = mtl_stream_ntasks(s);
  c->d = mtl_stream_dim(s);
  int64_t T = p->horizon;
  if (T == 0) {
    T = mtl_stream_rounds(s);
    if (T > 0 && p->max_rounds > 0 && p->max_rounds < T)
      T = p->max_rounds;
  }
  int rc = choose_eta(p, T, &c->eta);
  if (rc)
    return rc;
  c->known_rounds = T > mtl_stream_rounds(s) ? T : mtl_stream_rounds(s);
  if (c->known_rounds < 0)
    c->known_rounds = 0;
  if (sh->ck && sh->ck->resume && T <= 0)
    return mtl__err(MTL_EINVAL, WHO ": resume needs a stream of known length "
                                    "(or horizon)");
  if ((rc = make_graph(p, c->K, &c->g, own_g)))
    return rc;
  return mtl__feed_create(s, p->max_rounds, &c->feed);
}

/* The sequential methods (ADMM-Single, OGD), in the caller's thread. */
static int run_sequential(oshared *sh) {
  mtl__omtl_ctx c = sh->tmpl;
  int rc = alloc_outputs(&c);
  if (!rc)
    rc = mtl__omtl_sequential(&c);
  if (rc >= 0 && !(rc = take_result(&c, &c.p, sh->job->res)))
    sh->job->res->seconds = mtl__now() - sh->t0;
  free_outputs(&c);
  return rc;
}

static int run_on(const mtl_transport *t, const mtl__omtl_job *job) {
  oshared sh;
  memset(&sh, 0, sizeof sh);
  sh.job = job;
  sh.local = mtl__transport_local(t);
  sh.t0 = mtl__now();
  mtl_omtl_result *res = job->res;
  if (!res)
    return mtl__err(MTL_EINVAL, "omtl_run: res is NULL");
  memset(res, 0, sizeof *res);
  if (sh.local && !job->s)
    return mtl__err(MTL_EINVAL, "omtl_run: stream is NULL");
  mtl__omtl_ctx *c = &sh.tmpl;
  if (job->p)
    c->p = *job->p;
  else
    mtl_omtl_params_init(&c->p);
  const mtl_omtl_params *p = &c->p;
  sh.ck = job->ck;
  int rc = mtl__omtl_check_params(p);
  if (!rc)
    rc = check_ckpt(p, &sh.ck);
  c->ck = sh.ck;
  int seq = p->method == MTL_OMTL_SINGLE || p->method == MTL_OMTL_OGD;
  if (!rc && seq && !sh.local)
    rc = mtl__err(MTL_EUNSUPPORTED, WHO ": %s is sequential and runs in "
                                        "one process (threads transport)",
                  mtl__omtl_method_name(p->method));
  if (rc) /* the same checks fail on every rank of a process transport */
    return rc;
  sh.role = p->method == MTL_OMTL_CADMM   ? mtl__omtl_cadmm_role
            : p->method == MTL_OMTL_DADMM ? mtl__omtl_dadmm_role
                                          : mtl__omtl_dpsgd_role;
  mtl_graph *own_g = NULL;
  if (sh.local) {
    rc = local_setup(&sh, &own_g);
    if (!rc)
      rc = seq ? run_sequential(&sh)
               : mtl__run_ranks(t, c->K + central(p), omtl_rank, &sh);
  } else {
    rc = mtl__run_ranks(t, mtl__transport_size(t), omtl_rank, &sh);
  }
  if (rc < 0)
    mtl_omtl_result_clear(res);
  mtl__feed_free(sh.tmpl.feed);
  mtl_graph_free(own_g);
  return rc < 0 ? rc : MTL_OK;
}

int mtl_omtl_run(mtl_stream *s, const mtl_omtl_params *p,
                 const mtl_transport *tr, mtl_omtl_result *res) {
  mtl_omtl_params d;
  if (!p) {
    mtl_omtl_params_init(&d);
    p = &d;
  }
  char buf[1024];
  const char *map = p->rank_map;
  if (!map && p->checkpoint && !mtl__transport_local(tr) &&
      (size_t)snprintf(buf, sizeof buf, "%s.ranks", p->checkpoint) <
          sizeof buf)
    map = buf;
  mtl__ckpt ck = {.path = p->checkpoint, .every = (int)p->checkpoint_every,
                  .resume = p->resume};
  mtl__omtl_job job = {.s = s, .p = p, .ck = &ck,
                       .rank_map = mtl__transport_local(tr) ? NULL : map,
                       .res = res};
  return run_on(tr, &job);
}
