/*
 * mpi_omtl.c -- D-ADMM (online multi-task relationship learning, Li et al.)
 * as an MPI program (docs/mpi.md): one rank per task = graph node.  The
 * ranks form a distributed-graph communicator with the task graph's edges
 * (MPI_Dist_graph_create_adjacent, no reordering, so rank k is node k);
 * the role of omtl.c runs unchanged over an endpoint on it and sends each
 * round's messages to graph neighbours only (the final result and the
 * checkpoints go to rank 0).  Each rank feeds only its own task's stream;
 * the ranks agree on the round count first, so that all end together.
 */
#include "mpi_impl.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int mtl_omtl_run_mpi(mtl_stream *local, const mtl_omtl_params *pin,
                     const mtl_mpi_params *mp, mtl_omtl_result *res) {
  mtl_omtl_params p;
  mtl_mpi_params mpd;
  mtl__ckpt ck = {0};
  mtl_graph *g = NULL;
  mtl__tr *inner = NULL, *tr = NULL;
  MPI_Comm gcomm = MPI_COMM_NULL;
  int *wts = NULL, *off = NULL, *ids = NULL;
  char *mapbuf = NULL;
  int rank, size, rc;
  if (res)
    memset(res, 0, sizeof *res);
  if ((rc = mtl__mpi_ready("mtl_omtl_run_mpi", &rank, &size)))
    return rc;
  if (pin)
    p = *pin;
  else
    mtl_omtl_params_init(&p);
  if (!mp) {
    mtl_mpi_params_init(&mpd);
    mp = &mpd;
  }
  int K = local ? mtl_stream_ntasks(local) : 0;
  int d = local ? mtl_stream_dim(local) : 0;
  rc = MTL_OK;
  if (!res || !local)
    rc = mtl__err(MTL_EINVAL, "mtl_omtl_run_mpi: rank %d: %s is NULL", rank,
                  res ? "the stream" : "res");
  else if (p.method != MTL_OMTL_DADMM)
    rc = mtl__err(MTL_EUNSUPPORTED, "mtl_omtl_run_mpi: method %d; only "
                                    "D-ADMM (dadmm) runs over MPI",
                  (int)p.method);
  else if (K != size)
    rc = mtl__err(MTL_EINVAL, "mtl_omtl_run_mpi: %d ranks for K = %d tasks: "
                              "D-ADMM over MPI runs one rank per task "
                              "(mpirun -np %d)",
                  size, K, K);
  else if (mp->checkpoint && mp->checkpoint_every < 1)
    rc = mtl__err(MTL_EINVAL, "mtl_omtl_run_mpi: checkpoint_every = %d must "
                              "be >= 1",
                  mp->checkpoint_every);
  else if (p.async && (mp->checkpoint || mp->resume))
    rc = mtl__err(MTL_EUNSUPPORTED, "mtl_omtl_run_mpi: checkpoints need the "
                                    "round-synchronous mode (async = 0): an "
                                    "asynchronous run has no consistent "
                                    "round to save");
  if ((rc = mtl__mpi_agree(rc, "mtl_omtl_run_mpi")))
    return rc;
  /* agree on K, d and the round count */
  int64_t mine = mtl_stream_rounds(local);
  double a[6] = {K, -K, d, -d, (double)mine, mine < 0 ? 1 : 0};
  MPI_Allreduce(MPI_IN_PLACE, a, 6, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
  int64_t rounds = (int64_t)a[4];
  if (a[0] != -a[1] || a[2] != -a[3])
    rc = mtl__err(MTL_EDIM, "mtl_omtl_run_mpi: the ranks' streams disagree "
                            "on K (%g to %g) or d (%g to %g)",
                  -a[1], a[0], -a[3], a[2]);
  else if (a[5] > 0 && p.max_rounds < 1)
    rc = mtl__err(MTL_EINVAL, "mtl_omtl_run_mpi: a rank's stream has an "
                              "unknown length (text): set max_rounds, the "
                              "round count every rank runs");
  if (!rc && (a[5] > 0 || (p.max_rounds > 0 && p.max_rounds < rounds)))
    rounds = p.max_rounds;
  if (!rc && rounds < 1)
    rc = mtl__err(MTL_EINVAL, "mtl_omtl_run_mpi: the streams are empty");
  if (!rc) {
    if (p.graph)
      rc = mtl_graph_nodes(p.graph) == K
               ? MTL_OK
               : mtl__err(MTL_EINVAL, "omtl: graph has %d nodes, stream has "
                                      "%d tasks",
                          mtl_graph_nodes(p.graph), K);
    else if ((rc = mtl_graph_create(p.topology, K, p.degree, p.graph_seed,
                                    &g)))
      rc = mtl__err_prefix(rc, "omtl: topology");
  }
  if ((rc = mtl__mpi_agree(rc, "mtl_omtl_run_mpi")))
    goto done;
  const mtl_graph *G = p.graph ? p.graph : g;

  /* graph nodes -> ranks: neighbours only; explicit unit weights (GCC 12
   * warns falsely on MPI_UNWEIGHTED) */
  const int *nb;
  int deg = mtl_graph_neighbors(G, rank, &nb);
  wts = mtl__malloc((size_t)(deg > 0 ? deg : 1) * sizeof(int));
  rc = wts ? MTL_OK : MTL_ENOMEM;
  if ((rc = mtl__mpi_agree(rc, "mtl_omtl_run_mpi")))
    goto done;
  for (int e = 0; e < deg; e++)
    wts[e] = 1;
  if (MPI_Dist_graph_create_adjacent(MPI_COMM_WORLD, deg, nb, wts, deg, nb,
                                     wts, MPI_INFO_NULL, 0,
                                     &gcomm) != MPI_SUCCESS)
    rc = mtl__err(MTL_EIO, "mtl_omtl_run_mpi: MPI_Dist_graph_create_"
                           "adjacent failed");
  if (!rc)
    rc = mtl__tr_mpi_create(gcomm, &inner);
  if (!rc)
    rc = mtl__tr_wrap(inner, &tr);
  if (!rc && tr->rank != rank)
    rc = mtl__err(MTL_EIO, "mtl_omtl_run_mpi: the graph communicator "
                           "reordered rank %d to %d",
                  rank, tr->rank);
  /* rank-to-tasks map (rank k holds task k) and the resume file */
  const char *map = mp->rank_map;
  if (!rc && !map && mp->checkpoint) {
    size_t n = strlen(mp->checkpoint) + 8;
    mapbuf = mtl__malloc(n);
    if (mapbuf)
      snprintf(mapbuf, n, "%s.ranks", mp->checkpoint);
    map = mapbuf;
  }
  if (!rc && rank == 0 && map) {
    off = mtl__malloc((size_t)(size + 1) * sizeof(int));
    ids = mtl__malloc((size_t)size * sizeof(int));
    if (!off || !ids) {
      rc = MTL_ENOMEM;
    } else {
      for (int r = 0; r <= size; r++)
        off[r] = r;
      for (int r = 0; r < size; r++)
        ids[r] = r;
      rc = mtl__mpi_write_rank_map(map, size, NULL, "node", off, ids);
    }
  }
  if (!rc && rank == 0 && mp->resume) {
    FILE *f = fopen(mp->resume, "r");
    if (!f)
      rc = mtl__err(MTL_EIO, "mtl_omtl_run_mpi: cannot open checkpoint '%s' "
                             "to resume",
                    mp->resume);
    else
      fclose(f);
  }
  if ((rc = mtl__mpi_agree(rc, "mtl_omtl_run_mpi")))
    goto done;
  ck.path = mp->checkpoint;
  ck.every = mp->checkpoint_every;
  ck.resume = mp->resume;
  mtl__blas_single_thread();
  rc = mtl__omtl_run_tr(local, &p, tr, rounds,
                        mp->checkpoint || mp->resume ? &ck : NULL, res);
  mtl__tr_wrap_free(tr);
  tr = NULL;
  mtl__tr_mpi_free(inner);
  inner = NULL;
  if ((rc = mtl__mpi_agree(rc, "mtl_omtl_run_mpi"))) {
    mtl_omtl_result_clear(res);
    goto done;
  }
  /* payload bytes over all ranks, reported by rank 0 */
  unsigned long long b = res->bytes_sent, tot = 0;
  MPI_Reduce(&b, &tot, 1, MPI_UNSIGNED_LONG_LONG, MPI_SUM, 0,
             MPI_COMM_WORLD);
  res->bytes_sent = rank == 0 ? (uint64_t)tot : 0;
done:
  mtl__tr_wrap_free(tr);
  mtl__tr_mpi_free(inner);
  if (gcomm != MPI_COMM_NULL)
    MPI_Comm_free(&gcomm);
  mtl_graph_free(g);
  free(wts);
  free(off);
  free(ids);
  free(mapbuf);
  return rc;
}
