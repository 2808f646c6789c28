/*
 * mpi_omtl.c -- D-ADMM (online multi-task relationship learning, Li et al.)
 * as an MPI program (docs/mpi.md): one rank per task = graph node.  The
 * ranks form a distributed-graph communicator with the task graph's edges
 * (MPI_Dist_graph_create_adjacent, no reordering, so rank k is node k);
 * the role of omtl.c runs unchanged over an endpoint on it and sends each
 * round's messages to graph neighbours only (the final result and the
 * checkpoints go to rank 0).  Each rank feeds only its own task's stream;
 * the ranks agree on the round count first, so that all end together.
 * Every agreement and reduction of the driver is a transport collective
 * (collective.c) on an endpoint of its own over MPI_COMM_WORLD, created
 * first; the role's endpoint is another, so that the role's wildcard
 * receives never take a collective's message.
 */
#include "mpi_impl.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The state of one rank through mtl_omtl_run_mpi's steps. */
typedef struct omp {
  mtl_stream *local;
  const mtl_mpi_params *mp;
  mtl_omtl_params p;
  int rank, size, K, d, deg;
  const int *nb;
  int64_t rounds;
  mtl__ckpt ck;
  mtl_graph *g;
  mtl__tr *coll, *inner, *tr;
  MPI_Comm gcomm;
  int *wts, *off, *ids;
  char *mapbuf;
} omp;

/* Step 1: the local checks of the arguments. */
static int omp_check(const omp *s, const mtl_omtl_result *res) {
  const mtl_mpi_params *mp = s->mp;
  int rc = MTL_OK;
  if (!res || !s->local)
    rc = mtl__err(MTL_EINVAL, "mtl_omtl_run_mpi: rank %d: %s is NULL",
                  s->rank, res ? "the stream" : "res");
  else if (s->p.method != MTL_OMTL_DADMM)
    rc = mtl__err(MTL_EUNSUPPORTED, "mtl_omtl_run_mpi: method %d; only "
                                    "D-ADMM (dadmm) runs over MPI",
                  (int)s->p.method);
  else if (s->K != s->size)
    rc = mtl__err(MTL_EINVAL, "mtl_omtl_run_mpi: %d ranks for K = %d tasks: "
                              "D-ADMM over MPI runs one rank per task "
                              "(mpirun -np %d)",
                  s->size, s->K, s->K);
  else if (mp->checkpoint && mp->checkpoint_every < 1)
    rc = mtl__err(MTL_EINVAL, "mtl_omtl_run_mpi: checkpoint_every = %d must "
                              "be >= 1",
                  mp->checkpoint_every);
  else if (s->p.async && (mp->checkpoint || mp->resume))
    rc = mtl__err(MTL_EUNSUPPORTED, "mtl_omtl_run_mpi: checkpoints need the "
                                    "round-synchronous mode (async = 0): an "
                                    "asynchronous run has no consistent "
                                    "round to save");
  return rc;
}

/* Step 2: agreement on K, d and the round count; the task graph. */
static int omp_agree_rounds(omp *s) {
  const mtl_omtl_params *p = &s->p;
  int K = s->K, d = s->d, rc;
  int64_t mine = mtl_stream_rounds(s->local);
  double a[6] = {K, -K, d, -d, (double)mine, mine < 0 ? 1 : 0};
  if ((rc = mtl__tr_allreduce(s->coll, a, 6, MTL__OP_MAX)))
    return rc;
  int64_t rounds = (int64_t)a[4];
  if (a[0] != -a[1] || a[2] != -a[3])
    rc = mtl__err(MTL_EDIM, "mtl_omtl_run_mpi: the ranks' streams disagree "
                            "on K (%g to %g) or d (%g to %g)",
                  -a[1], a[0], -a[3], a[2]);
  else if (a[5] > 0 && p->max_rounds < 1)
    rc = mtl__err(MTL_EINVAL, "mtl_omtl_run_mpi: a rank's stream has an "
                              "unknown length (text): set max_rounds, the "
                              "round count every rank runs");
  if (!rc && (a[5] > 0 || (p->max_rounds > 0 && p->max_rounds < rounds)))
    rounds = p->max_rounds;
  if (!rc && rounds < 1)
    rc = mtl__err(MTL_EINVAL, "mtl_omtl_run_mpi: the streams are empty");
  s->rounds = rounds;
  if (!rc) {
    if (p->graph)
      rc = mtl_graph_nodes(p->graph) == K
               ? MTL_OK
               : mtl__err(MTL_EINVAL, "omtl: graph has %d nodes, stream has "
                                      "%d tasks",
                          mtl_graph_nodes(p->graph), K);
    else if ((rc = mtl_graph_create(p->topology, K, p->degree, p->graph_seed,
                                    &s->g)))
      rc = mtl__err_prefix(rc, "omtl: topology");
  }
  return rc;
}

/* Step 3: graph nodes -> ranks: neighbours only; explicit unit weights
 * (GCC 12 warns falsely on MPI_UNWEIGHTED). */
static int omp_weights(omp *s) {
  const mtl_graph *G = s->p.graph ? s->p.graph : s->g;
  s->deg = mtl_graph_neighbors(G, s->rank, &s->nb);
  s->wts = mtl__malloc((size_t)(s->deg > 0 ? s->deg : 1) * sizeof(int));
  return s->wts ? MTL_OK : MTL_ENOMEM;
}

/* Step 4: the distributed-graph communicator and the wrapped endpoint. */
static int omp_endpoint(omp *s) {
  const int *nb = s->nb;
  int rank = s->rank, deg = s->deg, rc = MTL_OK;
  for (int e = 0; e < deg; e++)
    s->wts[e] = 1;
  if (MPI_Dist_graph_create_adjacent(MPI_COMM_WORLD, deg, nb, s->wts, deg, nb,
                                     s->wts, MPI_INFO_NULL, 0,
                                     &s->gcomm) != MPI_SUCCESS)
    rc = mtl__err(MTL_EIO, "mtl_omtl_run_mpi: MPI_Dist_graph_create_"
                           "adjacent failed");
  if (!rc)
    rc = mtl__tr_mpi_create(s->gcomm, &s->inner);
  if (!rc)
    rc = mtl__tr_wrap(s->inner, &s->tr);
  if (!rc && s->tr->rank != rank)
    rc = mtl__err(MTL_EIO, "mtl_omtl_run_mpi: the graph communicator "
                           "reordered rank %d to %d",
                  rank, s->tr->rank);
  return rc;
}

/* Step 5: the rank-to-tasks map (rank k holds task k) and the resume
 * file's presence; rc is the endpoint's outcome. */
static int omp_rank_map(omp *s, int rc) {
  const mtl_mpi_params *mp = s->mp;
  int rank = s->rank, size = s->size;
  const char *map = mp->rank_map;
  if (!rc && !map && mp->checkpoint) {
    size_t n = strlen(mp->checkpoint) + 8;
    s->mapbuf = mtl__malloc(n);
    if (s->mapbuf)
      snprintf(s->mapbuf, n, "%s.ranks", mp->checkpoint);
    map = s->mapbuf;
  }
  if (!rc && rank == 0 && map) {
    s->off = mtl__malloc((size_t)(size + 1) * sizeof(int));
    s->ids = mtl__malloc((size_t)size * sizeof(int));
    if (!s->off || !s->ids) {
      rc = MTL_ENOMEM;
    } else {
      for (int r = 0; r <= size; r++)
        s->off[r] = r;
      for (int r = 0; r < size; r++)
        s->ids[r] = r;
      rc = mtl__mpi_write_rank_map(map, size, NULL, "node", s->off, s->ids);
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
  return rc;
}

/* Step 6: the role; agreement on the outcome; rank 0 reports the payload
 * bytes over all ranks. */
static int omp_run(omp *s, mtl_omtl_result *res) {
  const mtl_mpi_params *mp = s->mp;
  int rc;
  s->ck.path = mp->checkpoint;
  s->ck.every = mp->checkpoint_every;
  s->ck.resume = mp->resume;
  mtl__blas_single_thread();
  rc = mtl__omtl_run_tr(s->local, &s->p, s->tr, s->rounds,
                        mp->checkpoint || mp->resume ? &s->ck : NULL, res);
  mtl__tr_wrap_free(s->tr);
  s->tr = NULL;
  mtl__tr_mpi_free(s->inner);
  s->inner = NULL;
  if ((rc = mtl__drv_agree(s->coll, rc, "mtl_omtl_run_mpi"))) {
    mtl_omtl_result_clear(res);
    return rc;
  }
  double tot = (double)res->bytes_sent; /* exact below 2^53 */
  rc = mtl__tr_allreduce(s->coll, &tot, 1, MTL__OP_SUM);
  res->bytes_sent = s->rank == 0 ? (uint64_t)tot : 0;
  if (rc)
    mtl_omtl_result_clear(res);
  return rc;
}

int mtl_omtl_run_mpi(mtl_stream *local, const mtl_omtl_params *pin,
                     const mtl_mpi_params *mp, mtl_omtl_result *res) {
  mtl_mpi_params mpd;
  omp s;
  int rc;
  memset(&s, 0, sizeof s);
  s.gcomm = MPI_COMM_NULL;
  if (res)
    memset(res, 0, sizeof *res);
  if ((rc = mtl__mpi_ready("mtl_omtl_run_mpi", &s.rank, &s.size)))
    return rc;
  if (pin)
    s.p = *pin;
  else
    mtl_omtl_params_init(&s.p);
  if (!mp) {
    mtl_mpi_params_init(&mpd);
    mp = &mpd;
  }
  s.local = local;
  s.mp = mp;
  s.K = local ? mtl_stream_ntasks(local) : 0;
  s.d = local ? mtl_stream_dim(local) : 0;
  if ((rc = mtl__tr_mpi_create(MPI_COMM_WORLD, &s.coll)))
    return rc;
  if ((rc = mtl__drv_agree(s.coll, omp_check(&s, res), "mtl_omtl_run_mpi")))
    goto done;
  if ((rc = mtl__drv_agree(s.coll, omp_agree_rounds(&s),
                           "mtl_omtl_run_mpi")))
    goto done;
  if ((rc = mtl__drv_agree(s.coll, omp_weights(&s), "mtl_omtl_run_mpi")))
    goto done;
  rc = omp_endpoint(&s);
  if ((rc = mtl__drv_agree(s.coll, omp_rank_map(&s, rc),
                           "mtl_omtl_run_mpi")))
    goto done;
  rc = omp_run(&s, res);
done:
  mtl__tr_wrap_free(s.tr);
  mtl__tr_mpi_free(s.inner);
  mtl__tr_mpi_free(s.coll);
  if (s.gcomm != MPI_COMM_NULL)
    MPI_Comm_free(&s.gcomm);
  mtl_graph_free(s.g);
  free(s.wts);
  free(s.off);
  free(s.ids);
  free(s.mapbuf);
  return rc;
}
