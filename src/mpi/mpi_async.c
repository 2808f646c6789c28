/*
 * mpi_async.c -- AMTL / SMTL as an MPI program (docs/mpi.md): the one
 * driver of the method (solvers/async/async_driver.c) on the MPI
 * transport.  Rank 0 is the server and holds no data; rank r >= 1 holds
 * only its own tasks (t % P == r - 1); samples never leave the rank.
 */
#include "mpi_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int mtl_async_fit_mpi(const mtl_dataset *local, const int *task_ids, int T,
                      const mtl_problem_params *pp,
                      const mtl_async_params *ap, const mtl_mpi_params *mp,
                      double *W, mtl_async_info *info) {
  mtl_mpi_params mpd;
  mtl_transport *t = NULL;
  char *map = NULL;
  if (info)
    memset(info, 0, sizeof *info);
  int rc = mtl_transport_mpi(&t);
  if (rc)
    return rc;
  if (!mp) {
    mtl_mpi_params_init(&mpd);
    mp = &mpd;
  }
  mtl__ckpt ck = {mp->checkpoint, mp->checkpoint_every, mp->resume, 0};
  const char *rank_map = mtl__mpi_rank_map(mp, &map);
  mtl__async_job job = {.ds = local, .gid = task_ids, .T = T, .pp = pp,
                        .ap = ap, .ck = &ck, .rank_map = rank_map, .W = W,
                        .info = info};
  rc = mtl__async_run(t, &job);
  free(map);
  mtl_transport_free(t);
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
  rc = mtl__tr_gather_ints(tr, pairs, 2 * K, who, &off, &all);
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
