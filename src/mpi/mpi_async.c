/*
 * mpi_async.c -- AMTL / SMTL as an MPI program (docs/mpi.md): the role
 * function of async.c (mtl__async_role) runs unchanged on one MPI endpoint
 * per process.  Rank 0 is the server and holds no data; rank r >= 1 holds
 * only its own tasks (t % P == r - 1), builds their loss-only problems and
 * answers the server with model vectors; samples never leave the rank.
 *
 * Sequence (every rank, collectively):
 *   0. the driver's own endpoint: every agreement, reduction, gather and
 *      broadcast below is a transport collective on it (collective.c), so
 *      that the steps do not depend on MPI;
 *   1. local checks, then agreement (one failing rank stops all, before any
 *      iteration, each rank reporting why);
 *   2. d and T agreed by reductions; task ids gathered at rank 0, which
 *      checks the ownership and writes the rank-to-tasks map;
 *   3. the role over an endpoint of its own (wrapped: delay model, test-only
 *      kill hook), so that its wildcard receives never take a collective's
 *      message; rank 0 may write checkpoints and resume (cx.ckpt);
 *   4. agreement on the outcome; the server's status broadcast.
 * If the server role fails mid-run it releases the nodes (FIN) so that no
 * rank is left blocked; a rank that dies ends the job (Open MPI 4.1).
 */
#include "mpi_impl.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Local checks of one rank's arguments (no communication). */
static int check_local(int rank, int P, const mtl_dataset *local,
                       const int *ids, int T, const mtl_problem_params *pp,
                       const mtl_async_params *ap, double *W) {
  if (P < 1)
    return mtl__err(MTL_EINVAL, "async mpi: %d rank(s): need a server (rank "
                                "0) and at least one task node",
                    P + 1);
  if (T < 1)
    return mtl__err(MTL_EINVAL, "async mpi: T = %d tasks", T);
  if (P > T)
    return mtl__err(MTL_EINVAL, "async mpi: %d task nodes (ranks 1..%d) for "
                                "only T = %d tasks: run with at most %d "
                                "ranks",
                    P, P, T, T + 1);
  if (ap && ap->nodes != 0 && ap->nodes != P)
    return mtl__err(MTL_EINVAL, "async mpi: nodes = %d, but the job has %d "
                                "task ranks (set 0 or %d)",
                    ap->nodes, P, P);
  if (rank == 0) {
    if (!W)
      return mtl__err(MTL_EINVAL, "async mpi: rank 0 needs W (d x T)");
    if (local && local->T > 0)
      return mtl__err(MTL_EINVAL, "async mpi: rank 0 is the server and "
                                  "holds no data (got %d tasks)",
                      local->T);
    return MTL_OK;
  }
  int want = 0;
  for (int t = rank - 1; t < T; t += P)
    want++;
  if (!local || local->T != want)
    return mtl__err(MTL_EINVAL, "async mpi: rank %d owns %d tasks (t %% %d "
                                "== %d) but holds %d",
                    rank, want, P, rank - 1, local ? local->T : 0);
  if (!ids)
    return mtl__err(MTL_EINVAL, "async mpi: rank %d: task_ids is NULL", rank);
  for (int i = 0; i < want; i++)
    if (ids[i] != rank - 1 + i * P)
      return mtl__err(MTL_EINVAL, "async mpi: rank %d: local task %d has "
                                  "global id %d (1-based), expected %d "
                                  "(rank r owns tasks t with t %% P == r - "
                                  "1, in order)",
                      rank, i + 1, ids[i] + 1, rank - 1 + i * P + 1);
  if (pp->unpenalized_last && local->d < 2)
    return mtl__err(MTL_EINVAL, "async: unpenalized_last needs d >= 2 "
                                "(d = %d)",
                    local->d);
  return MTL_OK;
}

/* The state of one rank through mtl_async_fit_mpi's steps. */
typedef struct amp {
  const mtl_dataset *local;
  const int *task_ids;
  const mtl_problem_params *pp;
  const mtl_async_params *ap;
  const mtl_mpi_params *mp;
  int rank, size, P, T, d;
  mtl_problem_params q;
  mtl__async_ctx cx;
  mtl__ckpt ck;
  mtl__tr *coll, *inner, *tr;
  int *lidx, *ltl, *off, *all;
  double *Z;
  char *mapbuf;
} amp;

/* Step 1: the local checks and the in-process parameter checks. */
static int amp_check(amp *s, double *W) {
  int rc = check_local(s->rank, s->P, s->local, s->task_ids, s->T, s->pp,
                       s->ap, W);
  if (!rc) { /* the in-process checks, with nodes = the task ranks */
    mtl_async_params apc = *s->ap;
    apc.nodes = s->P;
    rc = mtl__async_check_params(&apc, s->T);
  }
  if (!rc && s->mp->checkpoint && s->mp->checkpoint_every < 1)
    rc = mtl__err(MTL_EINVAL, "async mpi: checkpoint_every = %d must be >= 1",
                  s->mp->checkpoint_every);
  return rc;
}

/* Step 2: d and T agreed by reductions; rank 0 validates the regularizer. */
static int amp_agree_shape(amp *s) {
  const mtl_problem_params *pp = s->pp;
  int rank = s->rank, T = s->T, rc;
  /* agree on d (the nodes' dimension, the same everywhere) and T: the
   * largest and the smallest (negated) of each, exact as doubles */
  double a[4] = {rank ? s->local->d : -1, rank ? -s->local->d : -INT_MAX, T,
                 -T};
  if ((rc = mtl__tr_allreduce(s->coll, a, 4, MTL__OP_MAX)))
    return rc;
  int d = s->d = (int)a[0];
  if (a[0] != -a[1])
    rc = mtl__err(MTL_EDIM, "async mpi: the ranks' data have different "
                            "dimensions (%d to %d)",
                  (int)-a[1], d);
  if (!rc && a[2] != -a[3])
    rc = mtl__err(MTL_EINVAL, "async mpi: the ranks disagree on T (%d to %d)",
                  (int)-a[3], (int)a[2]);
  if (!rc && rank == 0) {
    /* validate the regularizer (fields, graph R shape) on a zero matrix */
    int dp = pp->unpenalized_last ? d - 1 : d;
    s->Z = mtl__calloc((size_t)dp * T, sizeof(double));
    rc = s->Z ? mtl_reg_prox(&pp->reg, 1.0, s->Z, dp, T, s->Z) : MTL_ENOMEM;
    if (rc)
      rc = mtl__err_prefix(rc, "async: reg");
  }
  return rc;
}

/* Step 3: the role's context; a node rank builds its tasks' problems. */
static int amp_nodes(amp *s) {
  const mtl_problem_params *pp = s->pp;
  mtl__async_ctx *cx = &s->cx;
  int rank = s->rank, rc;
  cx->ap = *s->ap;
  cx->ap.node_delay_ms = NULL;
  cx->d = s->d;
  cx->T = s->T;
  cx->nodes = s->P;
  cx->reg = pp->reg;
  cx->unpenalized_last = pp->unpenalized_last;
  cx->node = mtl__calloc((size_t)s->P, sizeof *cx->node);
  rc = cx->node ? MTL_OK : MTL_ENOMEM;
  if (!rc && rank > 0) {
    /* this rank's tasks: local indices, losses remapped from global ids */
    int K = s->local->T;
    s->lidx = mtl__malloc((size_t)K * sizeof(int));
    s->ltl = mtl__malloc((size_t)K * sizeof(int));
    rc = s->lidx && s->ltl ? MTL_OK : MTL_ENOMEM;
    if (!rc) {
      for (int i = 0; i < K; i++) {
        s->lidx[i] = i;
        s->ltl[i] = pp->task_loss ? pp->task_loss[s->task_ids[i]] : pp->loss;
      }
      s->q = *pp;
      s->q.task_loss = s->ltl;
      rc = mtl__async_node_init(&cx->node[rank - 1], s->local, &s->q,
                                s->lidx, K);
    }
    if (!rc)
      for (int i = 0; i < K; i++)
        cx->node[rank - 1].tasks[i] = s->task_ids[i];
  }
  return rc;
}

/* Every rank's n ints x gathered at rank 0 over the driver's endpoint tr:
 * there *off (size + 1 offsets) and *all (off[size] ints, in rank order);
 * NULL elsewhere.  Counts and values travel as doubles (exact), each
 * rank's padded to the longest. */
static int gather_ints(mtl__tr *tr, const int *x, int n, const char *who,
                       int **off, int **all) {
  int P = tr->size, rc;
  double mx = n, *buf = NULL, *got = NULL;
  *off = NULL;
  *all = NULL;
  if ((rc = mtl__tr_allreduce(tr, &mx, 1, MTL__OP_MAX)))
    return rc;
  int m = (int)mx + 1; /* [n, x[0..n-1], zeros] */
  buf = mtl__calloc((size_t)m, sizeof(double));
  if (tr->rank == 0) {
    got = mtl__malloc((size_t)P * (size_t)m * sizeof(double));
    *off = mtl__calloc((size_t)P + 1, sizeof(int));
  }
  rc = !buf || (tr->rank == 0 && (!got || !*off)) ? MTL_ENOMEM : MTL_OK;
  if ((rc = mtl__drv_agree(tr, rc, who)))
    goto done;
  buf[0] = n;
  for (int i = 0; i < n; i++)
    buf[1 + i] = x[i];
  rc = mtl__tr_gather(tr, 0, buf, m, got);
  if (!rc && tr->rank == 0) {
    for (int r = 0; r < P; r++)
      (*off)[r + 1] = (*off)[r] + (int)got[(size_t)r * (size_t)m];
    *all = mtl__malloc((size_t)((*off)[P] > 0 ? (*off)[P] : 1) *
                       sizeof(int));
    rc = *all ? MTL_OK : MTL_ENOMEM;
    for (int r = 0; r < P && !rc; r++) {
      const double *g = got + (size_t)r * (size_t)m + 1;
      for (int i = (*off)[r]; i < (*off)[r + 1]; i++)
        (*all)[i] = (int)g[i - (*off)[r]];
    }
  }
done:
  free(buf);
  free(got);
  if (rc) {
    free(*off);
    free(*all);
    *off = NULL;
    *all = NULL;
  }
  return rc;
}

/* Step 4: the rank-to-tasks map at start-up (rank 0, from the gathered task
 * ids) and the resume file's presence. */
static int amp_rank_map(amp *s) {
  const mtl_mpi_params *mp = s->mp;
  int rank = s->rank, size = s->size, rc;
  const char *map = mp->rank_map;
  if (!map && mp->checkpoint) {
    size_t n = strlen(mp->checkpoint) + 8;
    s->mapbuf = mtl__malloc(n);
    if (s->mapbuf)
      snprintf(s->mapbuf, n, "%s.ranks", mp->checkpoint);
    map = s->mapbuf;
  }
  int K = rank ? s->local->T : 0;
  rc = gather_ints(s->coll, rank ? s->task_ids : NULL, K, "mtl_async_fit_mpi",
                   &s->off, &s->all);
  if (!rc && rank == 0 && map)
    rc = mtl__mpi_write_rank_map(map, size, "server", "node", s->off, s->all);
  if (!rc && rank == 0 && mp->resume) {
    FILE *f = fopen(mp->resume, "r");
    if (!f)
      rc = mtl__err(MTL_EIO, "async mpi: cannot open checkpoint '%s' to "
                             "resume",
                    mp->resume);
    else
      fclose(f);
  }
  return mtl__drv_agree(s->coll, rc, "mtl_async_fit_mpi");
}

/* Step 5: rank 0's outputs and checkpoints; the wrapped MPI endpoint, with
 * a node rank's delay model. */
static int amp_endpoint(amp *s, double *W, mtl_async_info *info) {
  const mtl_async_params *ap = s->ap;
  int rank = s->rank, rc;
  if (rank == 0) {
    s->ck.path = s->mp->checkpoint;
    s->ck.every = s->mp->checkpoint_every;
    s->ck.resume = s->mp->resume;
    s->cx.ckpt = &s->ck;
    s->cx.W = W;
    s->cx.info = info;
  }
  /* ranks of one machine share its cores: no nested OpenBLAS threads */
  mtl__blas_single_thread();
  rc = mtl__tr_mpi_create(MPI_COMM_WORLD, &s->inner);
  if (!rc)
    rc = mtl__tr_wrap(s->inner, &s->tr);
  if (!rc && rank > 0) {
    double f = rank <= ap->stragglers ? ap->straggle : 1.0;
    mtl__delay dl2 = {
        .offset_ms = f * (ap->node_delay_ms ? ap->node_delay_ms[rank - 1]
                                            : ap->delay_ms),
        .jitter_ms = f * ap->jitter_ms,
        .dist = ap->jitter_exp,
        .seed = ap->seed * 0x9E3779B97F4A7C15ULL + (uint64_t)rank,
    };
    mtl__tr_set_delay(s->tr, &dl2);
  }
  return rc;
}

/* Step 6: the role; agreement on the outcome; the server's status. */
static int amp_run(amp *s, mtl_async_info *info) {
  int rank = s->rank, rc;
  rc = mtl__async_role(&s->cx, s->tr);
  if (rc < 0 && rank == 0)
    mtl__async_release_nodes(s->tr, s->P);
  /* all ranks' pending sends complete before the outcome is agreed */
  mtl__tr_wrap_free(s->tr);
  s->tr = NULL;
  mtl__tr_mpi_free(s->inner);
  s->inner = NULL;
  if ((rc = mtl__drv_agree(s->coll, rc, "mtl_async_fit_mpi"))) {
    if (rank == 0 && info)
      mtl_async_info_clear(info);
    return rc;
  }
  double status = rank == 0 ? s->cx.status : 0;
  rc = mtl__tr_bcast(s->coll, 0, &status, 1);
  return rc ? rc : (int)status;
}

static void amp_clear(amp *s) {
  mtl__tr_wrap_free(s->tr);
  mtl__tr_mpi_free(s->inner);
  mtl__tr_mpi_free(s->coll);
  if (s->cx.node)
    for (int r = 0; r < s->P; r++)
      mtl__async_node_clear(&s->cx.node[r]);
  free(s->cx.node);
  free(s->lidx);
  free(s->ltl);
  free(s->off);
  free(s->all);
  free(s->Z);
  free(s->mapbuf);
}

int mtl_async_fit_mpi(const mtl_dataset *local, const int *task_ids, int T,
                      const mtl_problem_params *pp,
                      const mtl_async_params *ap, const mtl_mpi_params *mp,
                      double *W, mtl_async_info *info) {
  mtl_async_params apd;
  mtl_problem_params ppd;
  mtl_mpi_params mpd;
  amp s;
  int rank, size, rc;
  memset(&s, 0, sizeof s);
  if (info)
    memset(info, 0, sizeof *info);
  if ((rc = mtl__mpi_ready("mtl_async_fit_mpi", &rank, &size)))
    return rc;
  if (!ap) {
    mtl_async_params_init(&apd);
    ap = &apd;
  }
  if (!pp) {
    mtl_problem_params_init(&ppd);
    pp = &ppd;
  }
  if (!mp) {
    mtl_mpi_params_init(&mpd);
    mp = &mpd;
  }
  s.local = local;
  s.task_ids = task_ids;
  s.pp = pp;
  s.ap = ap;
  s.mp = mp;
  s.rank = rank;
  s.size = size;
  s.P = size - 1;
  s.T = T;
  if ((rc = mtl__tr_mpi_create(MPI_COMM_WORLD, &s.coll)))
    return rc;
  if ((rc = mtl__drv_agree(s.coll, amp_check(&s, W), "mtl_async_fit_mpi")))
    goto done;
  if ((rc = mtl__drv_agree(s.coll, amp_agree_shape(&s), "mtl_async_fit_mpi")))
    goto done;
  if ((rc = mtl__drv_agree(s.coll, amp_nodes(&s), "mtl_async_fit_mpi")))
    goto done;
  if ((rc = amp_rank_map(&s)))
    goto done;
  if ((rc = mtl__drv_agree(s.coll, amp_endpoint(&s, W, info),
                           "mtl_async_fit_mpi")))
    goto done;
  rc = amp_run(&s, info);
done:
  amp_clear(&s);
  return rc;
}

int mtl_mpi_task_losses(const mtl_dataset *local, const int *task_ids, int T,
                        const mtl_problem_params *pp, int *task_loss) {
  const char *who = "mtl_mpi_task_losses";
  mtl__tr *tr = NULL;
  int rank, size, rc;
  if ((rc = mtl__mpi_ready(who, &rank, &size)) ||
      (rc = mtl__tr_mpi_create(MPI_COMM_WORLD, &tr)))
    return rc;
  int K = rank > 0 && local ? local->T : 0;
  int *pairs = mtl__malloc((size_t)(2 * K + 1) * sizeof(int));
  int *off = NULL, *all = NULL;
  rc = pairs ? MTL_OK : MTL_ENOMEM;
  if (!rc && rank == 0 && (T < 1 || !task_loss))
    rc = mtl__err(MTL_EINVAL, "mtl_mpi_task_losses: rank 0 needs T >= 1 "
                              "(%d) and task_loss",
                  T);
  for (int i = 0; i < K && !rc; i++) {
    if (!task_ids || task_ids[i] < 0 || task_ids[i] >= T) {
      rc = mtl__err(MTL_EINVAL, "mtl_mpi_task_losses: rank %d: bad task id",
                    rank);
      break;
    }
    int l = pp && pp->task_loss ? pp->task_loss[task_ids[i]]
                                : pp ? (int)pp->loss : MTL_LOSS_AUTO;
    l = mtl__loss_resolve(l, mtl_dataset_task_kind(local, i));
    pairs[2 * i] = task_ids[i];
    pairs[2 * i + 1] = l;
  }
  if ((rc = mtl__drv_agree(tr, rc, who)))
    goto done;
  rc = gather_ints(tr, pairs, 2 * K, who, &off, &all);
  if (!rc && rank == 0 && off[size] != 2 * T)
    rc = mtl__err(MTL_EINVAL, "mtl_mpi_task_losses: the ranks hold %d "
                              "tasks, T = %d",
                  off[size] / 2, T);
  if (!rc && rank == 0) {
    for (int t = 0; t < T; t++)
      task_loss[t] = -1;
    for (int i = 0; i < T; i++)
      task_loss[all[2 * i]] = all[2 * i + 1];
    for (int t = 0; t < T && !rc; t++)
      if (task_loss[t] < 0)
        rc = mtl__err(MTL_EINVAL, "mtl_mpi_task_losses: no rank holds task "
                                  "%d",
                      t + 1);
  }
  rc = mtl__drv_agree(tr, rc, who);
done:
  mtl__tr_mpi_free(tr);
  free(pairs);
  free(off);
  free(all);
  return rc;
}
