/*
 * mpi_async.c -- AMTL / SMTL as an MPI program (docs/mpi.md): the role
 * function of async.c (mtl__async_role) runs unchanged on one MPI endpoint
 * per process.  Rank 0 is the server and holds no data; rank r >= 1 holds
 * only its own tasks (t % P == r - 1), builds their loss-only problems and
 * answers the server with model vectors; samples never leave the rank.
 *
 * Sequence (every rank, collectively):
 *   1. local checks, then agreement (one failing rank stops all, before any
 *      iteration, each rank reporting why);
 *   2. d and T agreed by reductions; task ids gathered at rank 0, which
 *      checks the ownership and writes the rank-to-tasks map;
 *   3. the role over an MPI endpoint (wrapped: delay model, test-only kill
 *      hook); rank 0 may write checkpoints and resume (cx.ckpt);
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

int mtl_async_fit_mpi(const mtl_dataset *local, const int *task_ids, int T,
                      const mtl_problem_params *pp,
                      const mtl_async_params *ap, const mtl_mpi_params *mp,
                      double *W, mtl_async_info *info) {
  mtl_async_params apd;
  mtl_problem_params ppd, q;
  mtl_mpi_params mpd;
  mtl__async_ctx cx;
  mtl__ckpt ck = {0};
  mtl__tr *inner = NULL, *tr = NULL;
  int *lidx = NULL, *ltl = NULL, *cnt = NULL, *off = NULL, *all = NULL;
  double *Z = NULL;
  char *mapbuf = NULL;
  int rank, size, rc;
  memset(&cx, 0, sizeof cx);
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
  int P = size - 1;
  rc = check_local(rank, P, local, task_ids, T, pp, ap, W);
  if (!rc) { /* the in-process checks, with nodes = the task ranks */
    mtl_async_params apc = *ap;
    apc.nodes = P;
    rc = mtl__async_check_params(&apc, T);
  }
  if (!rc && mp->checkpoint && mp->checkpoint_every < 1)
    rc = mtl__err(MTL_EINVAL, "async mpi: checkpoint_every = %d must be >= 1",
                  mp->checkpoint_every);
  if ((rc = mtl__mpi_agree(rc, "mtl_async_fit_mpi")))
    return rc;
  /* agree on d: the nodes' dimension, the same everywhere */
  int dl[2] = {rank ? local->d : -1, rank ? -local->d : -INT_MAX};
  MPI_Allreduce(MPI_IN_PLACE, dl, 2, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  int d = dl[0];
  rc = MTL_OK;
  if (d != -dl[1])
    rc = mtl__err(MTL_EDIM, "async mpi: the ranks' data have different "
                            "dimensions (%d to %d)",
                  -dl[1], d);
  int Tmm[2] = {T, -T};
  MPI_Allreduce(MPI_IN_PLACE, Tmm, 2, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  if (!rc && Tmm[0] != -Tmm[1])
    rc = mtl__err(MTL_EINVAL, "async mpi: the ranks disagree on T (%d to %d)",
                  -Tmm[1], Tmm[0]);
  if (!rc && rank == 0) {
    /* validate the regularizer (fields, graph R shape) on a zero matrix */
    int dp = pp->unpenalized_last ? d - 1 : d;
    Z = mtl__calloc((size_t)dp * T, sizeof(double));
    rc = Z ? mtl_reg_prox(&pp->reg, 1.0, Z, dp, T, Z) : MTL_ENOMEM;
    if (rc)
      rc = mtl__err_prefix(rc, "async: reg");
  }
  if ((rc = mtl__mpi_agree(rc, "mtl_async_fit_mpi")))
    goto done;

  cx.ap = *ap;
  cx.ap.node_delay_ms = NULL;
  cx.d = d;
  cx.T = T;
  cx.nodes = P;
  cx.reg = pp->reg;
  cx.unpenalized_last = pp->unpenalized_last;
  cx.node = mtl__calloc((size_t)P, sizeof *cx.node);
  rc = cx.node ? MTL_OK : MTL_ENOMEM;
  if (!rc && rank > 0) {
    /* this rank's tasks: local indices, losses remapped from global ids */
    int K = local->T;
    lidx = mtl__malloc((size_t)K * sizeof(int));
    ltl = mtl__malloc((size_t)K * sizeof(int));
    rc = lidx && ltl ? MTL_OK : MTL_ENOMEM;
    if (!rc) {
      for (int i = 0; i < K; i++) {
        lidx[i] = i;
        ltl[i] = pp->task_loss ? pp->task_loss[task_ids[i]] : pp->loss;
      }
      q = *pp;
      q.task_loss = ltl;
      rc = mtl__async_node_init(&cx.node[rank - 1], local, &q, lidx, K);
    }
    if (!rc)
      for (int i = 0; i < K; i++)
        cx.node[rank - 1].tasks[i] = task_ids[i];
  }
  if ((rc = mtl__mpi_agree(rc, "mtl_async_fit_mpi")))
    goto done;

  /* rank-to-tasks map at start-up (rank 0, from the gathered task ids) */
  const char *map = mp->rank_map;
  if (!map && mp->checkpoint) {
    size_t n = strlen(mp->checkpoint) + 8;
    mapbuf = mtl__malloc(n);
    if (mapbuf)
      snprintf(mapbuf, n, "%s.ranks", mp->checkpoint);
    map = mapbuf;
  }
  int K = rank ? local->T : 0;
  if (rank == 0) {
    cnt = mtl__calloc((size_t)size, sizeof(int));
    off = mtl__calloc((size_t)size + 1, sizeof(int));
    all = mtl__malloc((size_t)T * sizeof(int));
  }
  rc = rank == 0 && (!cnt || !off || !all) ? MTL_ENOMEM : MTL_OK;
  if ((rc = mtl__mpi_agree(rc, "mtl_async_fit_mpi")))
    goto done;
  MPI_Gather(&K, 1, MPI_INT, cnt, 1, MPI_INT, 0, MPI_COMM_WORLD);
  if (rank == 0)
    for (int r = 0; r < size; r++)
      off[r + 1] = off[r] + cnt[r];
  MPI_Gatherv(rank ? task_ids : NULL, K, MPI_INT, all, cnt, off, MPI_INT, 0,
              MPI_COMM_WORLD);
  rc = MTL_OK;
  if (rank == 0 && map)
    rc = mtl__mpi_write_rank_map(map, size, "server", "node", off, all);
  if (!rc && rank == 0 && mp->resume) {
    FILE *f = fopen(mp->resume, "r");
    if (!f)
      rc = mtl__err(MTL_EIO, "async mpi: cannot open checkpoint '%s' to "
                             "resume",
                    mp->resume);
    else
      fclose(f);
  }
  if ((rc = mtl__mpi_agree(rc, "mtl_async_fit_mpi")))
    goto done;

  if (rank == 0) {
    ck.path = mp->checkpoint;
    ck.every = mp->checkpoint_every;
    ck.resume = mp->resume;
    cx.ckpt = &ck;
    cx.W = W;
    cx.info = info;
  }
  /* ranks of one machine share its cores: no nested OpenBLAS threads */
  mtl__blas_single_thread();
  rc = mtl__tr_mpi_create(MPI_COMM_WORLD, &inner);
  if (!rc)
    rc = mtl__tr_wrap(inner, &tr);
  if (!rc && rank > 0) {
    double f = rank <= ap->stragglers ? ap->straggle : 1.0;
    mtl__delay dl2 = {
        .offset_ms = f * (ap->node_delay_ms ? ap->node_delay_ms[rank - 1]
                                            : ap->delay_ms),
        .jitter_ms = f * ap->jitter_ms,
        .dist = ap->jitter_exp,
        .seed = ap->seed * 0x9E3779B97F4A7C15ULL + (uint64_t)rank,
    };
    mtl__tr_set_delay(tr, &dl2);
  }
  if ((rc = mtl__mpi_agree(rc, "mtl_async_fit_mpi")))
    goto done;
  rc = mtl__async_role(&cx, tr);
  if (rc < 0 && rank == 0)
    mtl__async_release_nodes(tr, P);
  /* all ranks' pending sends complete before the outcome is agreed */
  mtl__tr_wrap_free(tr);
  tr = NULL;
  mtl__tr_mpi_free(inner);
  inner = NULL;
  if ((rc = mtl__mpi_agree(rc, "mtl_async_fit_mpi"))) {
    if (rank == 0 && info)
      mtl_async_info_clear(info);
    goto done;
  }
  int status = rank == 0 ? cx.status : 0;
  MPI_Bcast(&status, 1, MPI_INT, 0, MPI_COMM_WORLD);
  rc = status;
done:
  mtl__tr_wrap_free(tr);
  mtl__tr_mpi_free(inner);
  if (cx.node)
    for (int r = 0; r < P; r++)
      mtl__async_node_clear(&cx.node[r]);
  free(cx.node);
  free(lidx);
  free(ltl);
  free(cnt);
  free(off);
  free(all);
  free(Z);
  free(mapbuf);
  return rc;
}

int mtl_mpi_task_losses(const mtl_dataset *local, const int *task_ids, int T,
                        const mtl_problem_params *pp, int *task_loss) {
  int rank, size, rc;
  if ((rc = mtl__mpi_ready("mtl_mpi_task_losses", &rank, &size)))
    return rc;
  int K = rank > 0 && local ? local->T : 0;
  int *pairs = mtl__malloc((size_t)(2 * K + 1) * sizeof(int));
  int *cnt = NULL, *off = NULL, *all = NULL;
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
  if (rank == 0) {
    cnt = mtl__calloc((size_t)size, sizeof(int));
    off = mtl__calloc((size_t)size + 1, sizeof(int));
    all = mtl__malloc((size_t)(2 * (T > 0 ? T : 1)) * sizeof(int));
    if (!rc && (!cnt || !off || !all))
      rc = MTL_ENOMEM;
  }
  if ((rc = mtl__mpi_agree(rc, "mtl_mpi_task_losses")))
    goto done;
  int n2 = 2 * K;
  MPI_Gather(&n2, 1, MPI_INT, cnt, 1, MPI_INT, 0, MPI_COMM_WORLD);
  if (rank == 0) {
    for (int r = 0; r < size; r++)
      off[r + 1] = off[r] + cnt[r];
    if (off[size] != 2 * T)
      rc = mtl__err(MTL_EINVAL, "mtl_mpi_task_losses: the ranks hold %d "
                                "tasks, T = %d",
                    off[size] / 2, T);
  }
  if ((rc = mtl__mpi_agree(rc, "mtl_mpi_task_losses")))
    goto done;
  MPI_Gatherv(pairs, n2, MPI_INT, all, cnt, off, MPI_INT, 0, MPI_COMM_WORLD);
  if (rank == 0) {
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
  rc = mtl__mpi_agree(rc, "mtl_mpi_task_losses");
done:
  free(pairs);
  free(cnt);
  free(off);
  free(all);
  return rc;
}
