/*
 * async_driver.c -- the one driver of AMTL / SMTL (mtl__async_run), on any
 * transport (transport.h, "transports"): on threads every rank is a thread
 * of this process and sees the whole dataset; on a process transport (MPI)
 * rank 0 is the server and holds no data, rank r >= 1 holds only its own
 * tasks (t % P == r - 1) and samples never leave it.  The same per-rank
 * function runs in both cases; only the view of the data differs.
 *
 * Steps of one rank (every rank, collectively, over the driver's `coll`
 * endpoint; each step ends in an agreement, so that one failing rank
 * stops all before any iteration, each rank reporting why):
 *   1. local checks: this rank's tasks are the ones it owns;
 *   2. d and T agreed by reductions; the server validates the regularizer;
 *   3. a node rank builds its tasks' loss-only problems;
 *   4. task ids gathered at rank 0, which writes the rank-to-tasks map;
 *   5. the roles (async.c) on the `role` endpoint, with a node's delay
 *      model; rank 0 may write checkpoints and resume;
 *   6. agreement on the outcome; the server's status broadcast.
 * If the server role fails mid-run it releases the nodes (FIN) so that no
 * rank is left blocked.
 */
#include "async_impl.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WHO "async"

/* What the ranks share: the job and the node count. */
typedef struct shared {
  const mtl__async_job *job;
  mtl_async_params ap; /* the job's, defaults filled */
  mtl_problem_params pp;
  int P, local;
} shared;

/* The state of one rank through the steps. */
typedef struct amp {
  const shared *sh;
  const mtl_dataset *ds;
  int rank, P, T, d, K;
  int *lidx, *gid, *off, *all;
  double *fp;
  mtl__async_ctx cx;
  mtl__tr *coll, *role;
} amp;

/* Step 1: this rank's tasks (local indices lidx, global gid) and checks. */
static int amp_tasks(amp *s) {
  const shared *sh = s->sh;
  const mtl__async_job *job = sh->job;
  int rank = s->rank, P = s->P, T = s->T, K = 0;
  if (rank > 0)
    for (int t = rank - 1; t < T; t += P)
      K++;
  if (!sh->local && rank == 0 && s->ds && s->ds->T > 0)
    return mtl__err(MTL_EINVAL, WHO ": rank 0 is the server and holds no "
                                    "data (got %d tasks)",
                    s->ds->T);
  if (!sh->local && rank > 0 && (!s->ds || s->ds->T != K))
    return mtl__err(MTL_EINVAL, WHO ": rank %d owns %d tasks (t %% %d == %d) "
                                    "but holds %d",
                    rank, K, P, rank - 1, s->ds ? s->ds->T : 0);
  s->K = K;
  s->lidx = mtl__malloc((size_t)(K > 0 ? K : 1) * sizeof(int));
  s->gid = mtl__malloc((size_t)(K > 0 ? K : 1) * sizeof(int));
  if (!s->lidx || !s->gid)
    return MTL_ENOMEM;
  for (int i = 0; i < K; i++) {
    int t = rank - 1 + i * P;
    s->lidx[i] = sh->local ? t : i;
    s->gid[i] = t;
    if (!sh->local && (!job->gid || job->gid[i] != t))
      return mtl__err(MTL_EINVAL, WHO ": rank %d: local task %d has global "
                                      "id %d (1-based), expected %d (rank r "
                                      "owns tasks t with t %% P == r - 1, in "
                                      "order)",
                      rank, i + 1, job->gid ? job->gid[i] + 1 : 0, t + 1);
  }
  if (rank == 0 && !job->W)
    return mtl__err(MTL_EINVAL, WHO ": rank 0 needs W (d x T)");
  if (rank > 0 && sh->pp.unpenalized_last && s->ds->d < 2)
    return mtl__err(MTL_EINVAL, WHO ": unpenalized_last needs d >= 2 (d = "
                                    "%d)",
                    s->ds->d);
  return MTL_OK;
}

/* Validates the regularizer (fields, graph R shape) on a zero matrix. */
static int check_reg(const mtl_problem_params *pp, int d, int T) {
  int dp = pp->unpenalized_last ? d - 1 : d;
  double *Z = mtl__calloc((size_t)(dp > 0 ? dp : 1) * (size_t)T,
                          sizeof(double));
  if (!Z)
    return MTL_ENOMEM;
  int rc = mtl_reg_prox(&pp->reg, 1.0, Z, dp, T, Z);
  free(Z);
  return rc ? mtl__err_prefix(rc, WHO ": reg") : MTL_OK;
}

/* Step 2: d and T agreed by reductions; rank 0 validates the regularizer. */
static int amp_agree_shape(amp *s) {
  int rank = s->rank, T = s->T, rc;
  int mine = rank && s->ds ? s->ds->d : -1;
  /* the largest and the smallest (negated) of d over the node ranks, and
   * of T over all ranks: exact as doubles */
  double a[4] = {mine, rank ? -mine : -INT_MAX, T, -T};
  if ((rc = mtl__tr_allreduce(s->coll, a, 4, MTL__OP_MAX)))
    return rc;
  s->d = (int)a[0];
  if (a[0] != -a[1])
    return mtl__err(MTL_EDIM, WHO ": the ranks' data have different "
                                  "dimensions (%d to %d)",
                    (int)-a[1], s->d);
  if (a[2] != -a[3])
    return mtl__err(MTL_EINVAL, WHO ": the ranks disagree on T (%d to %d)",
                    (int)-a[3], (int)a[2]);
  return rank == 0 ? check_reg(&s->sh->pp, s->d, T) : MTL_OK;
}

/* FNV-1a over the bytes of every row and label of a one-task dataset,
 * kept to 52 bits so that it travels exactly as a double. */
static double task_fingerprint(const mtl_dataset *ds, double *x) {
  uint64_t h = 1469598103934665603ULL;
  int n = mtl_dataset_task_n(ds, 0), d = mtl_dataset_dim(ds);
  const double *y = mtl_dataset_task_y(ds, 0);
  for (int i = 0; i < n; i++) {
    if (mtl_dataset_get_row(ds, 0, i, x))
      return -1;
    const unsigned char *b = (const unsigned char *)x;
    for (size_t k = 0; k < (size_t)d * sizeof(double); k++)
      h = (h ^ b[k]) * 1099511628211ULL;
    b = (const unsigned char *)&y[i];
    for (size_t k = 0; k < sizeof(double); k++)
      h = (h ^ b[k]) * 1099511628211ULL;
  }
  return (double)(h >> 12);
}

/* Every task's data fingerprint on every rank: each node hashes its own
 * tasks, the sum over the ranks fills the rest (one owner per task). */
static int amp_fingerprints(amp *s) {
  int K = s->rank > 0 ? s->K : 0;
  double *x = mtl__malloc((size_t)(s->d > 0 ? s->d : 1) * sizeof(double));
  double *v = mtl__malloc((size_t)(K + 1) * sizeof(double));
  int rc = x && v ? MTL_OK : MTL_ENOMEM;
  for (int i = 0; !rc && i < K; i++)
    v[i] = task_fingerprint(s->cx.node[s->rank - 1].ds[i], x);
  free(x);
  if (!(rc = mtl__drv_agree(s->coll, rc, WHO)))
    rc = mtl__tr_by_task(s->coll, K, s->gid, v, s->T, &s->fp);
  free(v);
  s->cx.data_fp = s->fp;
  return rc;
}

/* Step 3: the role's context; a node rank builds its tasks' problems. */
static int amp_nodes(amp *s) {
  const shared *sh = s->sh;
  mtl__async_ctx *cx = &s->cx;
  int rank = s->rank, K = s->K;
  cx->ap = sh->ap;
  cx->ap.node_delay_ms = NULL;
  cx->d = s->d;
  cx->T = s->T;
  cx->nodes = s->P;
  cx->reg = sh->pp.reg;
  cx->unpenalized_last = sh->pp.unpenalized_last;
  cx->loss = sh->pp.loss;
  cx->node = mtl__calloc((size_t)s->P, sizeof *cx->node);
  if (!cx->node)
    return MTL_ENOMEM;
  if (rank == 0)
    return MTL_OK;
  return mtl__async_node_init(&cx->node[rank - 1], s->ds, &sh->pp, s->lidx,
                              s->gid, K);
}

/* Step 4: the rank-to-tasks map (rank 0, from the gathered task ids) and
 * the resume file's presence. */
static int amp_rank_map(amp *s) {
  const mtl__async_job *job = s->sh->job;
  int rc = mtl__tr_gather_ints(s->coll, s->gid, s->rank ? s->K : 0, WHO,
                               &s->off, &s->all);
  if (!rc && s->rank == 0 && job->rank_map)
    rc = mtl__write_rank_map(job->rank_map, s->coll->size, "server", "node",
                             s->off, s->all);
  if (!rc && s->rank == 0 && job->ck && job->ck->resume) {
    FILE *f = fopen(job->ck->resume, "r");
    if (!f)
      rc = mtl__err(MTL_EIO, WHO ": cannot open checkpoint '%s' to resume",
                    job->ck->resume);
    else
      fclose(f);
  }
  return rc;
}

/* Step 5: rank 0's outputs and checkpoints; a node rank's delay model
 * (stragglers slowed by `straggle`). */
static void amp_endpoint(amp *s) {
  const mtl__async_job *job = s->sh->job;
  const mtl_async_params *ap = &s->sh->ap;
  int rank = s->rank;
  if (rank == 0) {
    s->cx.ckpt = job->ck && (job->ck->path || job->ck->resume) ? job->ck
                                                                : NULL;
    s->cx.W = job->W;
    s->cx.info = job->info;
    return;
  }
  double f = rank <= ap->stragglers ? ap->straggle : 1.0;
  mtl__delay dl = {
      .offset_ms = f * (ap->node_delay_ms ? ap->node_delay_ms[rank - 1]
                                          : ap->delay_ms),
      .jitter_ms = f * ap->jitter_ms,
      .dist = ap->jitter_exp,
      .seed = ap->seed * 0x9E3779B97F4A7C15ULL + (uint64_t)rank,
  };
  mtl__tr_set_delay(s->role, &dl);
}

/* Step 6: the role; agreement on the outcome; the server's status. */
static int amp_run(amp *s) {
  int rc = mtl__async_role(&s->cx, s->role);
  if (rc < 0 && s->rank == 0)
    mtl__async_release_nodes(s->role, s->P);
  else if (rc < 0) /* the server may wait for this node: release it */
    mtl__tr_close(s->role);
  if ((rc = mtl__drv_agree(s->coll, rc, WHO))) {
    if (s->rank == 0)
      mtl_async_info_clear(s->sh->job->info);
    return rc;
  }
  double status = s->rank == 0 ? s->cx.status : 0;
  rc = mtl__tr_bcast(s->coll, 0, &status, 1);
  return rc ? rc : (int)status;
}

static void amp_clear(amp *s) {
  if (s->cx.node)
    for (int r = 0; r < s->P; r++)
      mtl__async_node_clear(&s->cx.node[r]);
  free(s->cx.node);
  free(s->lidx);
  free(s->gid);
  free(s->off);
  free(s->all);
  free(s->fp);
}

static int async_rank(void *ctx, mtl__tr *coll, mtl__tr *role) {
  const shared *sh = ctx;
  amp s;
  memset(&s, 0, sizeof s);
  s.sh = sh;
  s.ds = sh->job->ds;
  s.rank = coll->rank;
  s.P = sh->P;
  s.T = sh->job->T;
  s.coll = coll;
  s.role = role;
  int rc = mtl__drv_agree(coll, amp_tasks(&s), WHO);
  if (!rc)
    rc = mtl__drv_agree(coll, amp_agree_shape(&s), WHO);
  if (!rc)
    rc = mtl__drv_agree(coll, amp_nodes(&s), WHO);
  if (!rc)
    rc = amp_fingerprints(&s);
  if (!rc)
    rc = mtl__drv_agree(coll, amp_rank_map(&s), WHO);
  if (!rc) {
    amp_endpoint(&s);
    rc = amp_run(&s);
  }
  amp_clear(&s);
  return rc;
}

/* The checks that need no communication, in the caller's thread. */
static int check_job(const mtl_transport *t, shared *sh) {
  const mtl__async_job *job = sh->job;
  int T = job->T, rc;
  if (T < 1)
    return mtl__err(MTL_EINVAL, WHO ": the data has no tasks (T = %d)", T);
  if (!sh->local) {
    int P = mtl__transport_size(t) - 1;
    if (P < 1)
      return mtl__err(MTL_EINVAL, WHO ": %d rank(s): need a server (rank 0) "
                                      "and at least one task node",
                      P + 1);
    if (P > T)
      return mtl__err(MTL_EINVAL, WHO ": %d task nodes (ranks 1..%d) for "
                                      "only T = %d tasks: run with at most "
                                      "%d ranks",
                      P, P, T, T + 1);
    if (sh->ap.nodes != 0 && sh->ap.nodes != P)
      return mtl__err(MTL_EINVAL, WHO ": nodes = %d, but the job has %d "
                                      "task ranks (set 0 or %d)",
                      sh->ap.nodes, P, P);
    sh->ap.nodes = P;
  }
  if ((rc = mtl__async_check_params(&sh->ap, T)))
    return rc;
  sh->P = sh->ap.nodes ? sh->ap.nodes : T;
  const mtl__ckpt *ck = job->ck;
  if (ck && ck->path &&
      (ck->every < 0 || (ck->every == 0 && !(ck->seconds > 0))))
    return mtl__err(MTL_EINVAL, WHO ": checkpoint_every = %d must be >= 1, "
                                    "or 0 with checkpoint_seconds > 0",
                    ck->every);
  if (sh->local && sh->pp.unpenalized_last && job->ds->d < 2)
    return mtl__err(MTL_EINVAL, WHO ": unpenalized_last needs d >= 2 (d = "
                                    "%d)",
                    job->ds->d);
  return sh->local ? check_reg(&sh->pp, job->ds->d, T) : MTL_OK;
}

/* A rank whose own checks failed: it takes part in the first agreement
 * only, so that the others stop there too. */
static int agree_failed(void *ctx, mtl__tr *coll, mtl__tr *role) {
  (void)role;
  return mtl__drv_agree(coll, *(const int *)ctx, WHO);
}

int mtl__async_run(const mtl_transport *t, const mtl__async_job *job) {
  shared sh;
  memset(&sh, 0, sizeof sh);
  sh.job = job;
  sh.local = mtl__transport_local(t);
  if (job->ap)
    sh.ap = *job->ap;
  else
    mtl_async_params_init(&sh.ap);
  if (job->pp)
    sh.pp = *job->pp;
  else
    mtl_problem_params_init(&sh.pp);
  if (job->info)
    memset(job->info, 0, sizeof *job->info);
  if (sh.local && !job->ds)
    return mtl__err(MTL_EINVAL, WHO ": the dataset is NULL");
  /* on a process transport, an error here is this rank's own: the others
   * learn of it at their first agreement, which run() makes first */
  int rc = check_job(t, &sh);
  if (rc && sh.local)
    return rc;
  int n = sh.local ? sh.P + 1 : mtl__transport_size(t);
  if (rc) /* every rank must still take part in the agreements */
    sh.P = n - 1 > 0 ? n - 1 : 1;
  return rc ? mtl__run_ranks(t, n, agree_failed, &rc)
            : mtl__run_ranks(t, n, async_rank, &sh);
}
