/*
 * mpi_omtl.c -- the online methods with a task graph or a server as MPI
 * programs (docs/mpi.md): the one driver (solvers/omtl/omtl_driver.c) on
 * the MPI transport.  D-ADMM and D-PSGD run one rank per task (graph
 * node); C-ADMM a server (rank 0) and one rank per task.  Each rank feeds
 * only its own task's stream; the ranks agree on the round count first,
 * so that all end together.
 */
#include "mpi_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int mtl_omtl_run_mpi(mtl_stream *local, const mtl_omtl_params *p,
                     const mtl_mpi_params *mp, mtl_omtl_result *res) {
  mtl_mpi_params mpd;
  mtl_transport *t = NULL;
  char *map = NULL;
  if (res)
    memset(res, 0, sizeof *res);
  int rc = mtl_transport_mpi(&t);
  if (rc)
    return rc;
  if (!mp) {
    mtl_mpi_params_init(&mpd);
    mp = &mpd;
  }
  mtl__ckpt ck = {mp->checkpoint, mp->checkpoint_every, mp->resume, 0};
  const char *rank_map = mtl__mpi_rank_map(mp, &map);
  mtl__omtl_job job = {.s = local, .p = p, .ck = &ck, .rank_map = rank_map,
                       .res = res};
  rc = mtl__omtl_run_on(t, &job);
  free(map);
  mtl_transport_free(t);
  return rc;
}
