/*
 * mtl_mpi.h -- the MPI part of the libmtl interface: AMTL/SMTL and D-ADMM
 * on Open MPI (docs/mpi.md).  Includes mtl.h.
 *
 * Two libraries export these functions.  libmtl-mpi (-lmtl-mpi, pkg-config
 * libmtl-mpi, built when Open MPI is found) is libmtl plus the MPI
 * transport and drivers: an MPI program links it INSTEAD of libmtl (it
 * exports the whole mtl.h API too).  libmtl itself (-lmtl) has no MPI
 * dependency: there mtl_mpi_available() is 0 and every MPI function returns
 * MTL_EUNSUPPORTED with a message (mtl_mpi_params_init and
 * mtl_dataset_read_part, which need no MPI, work in both).
 */
#ifndef MTL_MPI_H
#define MTL_MPI_H

#include "mtl.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The solvers of mtl_async_fit and mtl_omtl_run (D-ADMM) run unchanged as
 * MPI programs: every rank is one process, started by mpirun, and calls the
 * *_mpi functions below collectively (every rank, same arguments except the
 * data).  Each rank passes ONLY its own tasks' data; raw samples never
 * travel, only model vectors (and, for checkpoints and the final model,
 * state and weights to rank 0).  Every function exists in both libraries:
 * in libmtl (mtl_mpi_available() == 0) they return MTL_EUNSUPPORTED with a
 * message.  The library never calls MPI_Abort: a failing rank returns its
 * error; with Open MPI 4.1 a rank that dies (signal, exit) ends the whole
 * job, so long runs write checkpoints and are resumed (docs/mpi.md).
 *
 * Ownership.  AMTL/SMTL: rank 0 is the server (it holds no data), ranks
 * 1..P (P = size - 1, 1 <= P <= T) are task nodes and rank r owns the tasks
 * t (0-based) with t % P == r - 1 (the in-process rule).  D-ADMM: one rank
 * per graph node = task (size == K), rank k owns task k; the ranks form an
 * MPI distributed-graph communicator (MPI_Dist_graph_create_adjacent) with
 * the task graph's edges, and every round's messages go to graph
 * neighbours only.
 *
 * Checkpoints.  With mtl_mpi_params.checkpoint set, rank 0 writes the run's
 * whole state every checkpoint_every units (AMTL: server updates; SMTL:
 * iterations; D-ADMM: rounds, every rank's state gathered at rank 0) to
 * that path atomically (temporary file + rename); a rank-to-tasks map
 * (default "<checkpoint>.ranks") is written at start-up, lines "RANK ROLE
 * TASK..." (1-based task ids) for scripts/mtl-mpirun to name the tasks of
 * a rank that died.  resume = a checkpoint of the same problem, parameters
 * and rank count: SMTL and round-synchronous D-ADMM then end with exactly
 * the result of an uninterrupted run; AMTL continues from the saved V.
 */

/** 1 in libmtl-mpi, 0 in libmtl (no MPI). */
MTL_API int mtl_mpi_available(void);
/** MPI_Init_thread(MPI_THREAD_FUNNELED) unless MPI is already initialized
 *  (then nothing).  argc/argv may be NULL.  MTL_EUNSUPPORTED in libmtl. */
MTL_API int mtl_mpi_init(int *argc, char ***argv);
/** MPI_Finalize if MPI is initialized and not yet finalized (else
 *  nothing).  Call once, at the end, on every rank. */
MTL_API int mtl_mpi_finalize(void);
/** Rank / size in MPI_COMM_WORLD (>= 0), or an error (MTL_EUNSUPPORTED
 *  in libmtl, MTL_EINVAL before mtl_mpi_init). */
MTL_API int mtl_mpi_rank(void);
MTL_API int mtl_mpi_size(void);
/** Collective: x[0..n-1] <- sum (op 0), max (op 1) or min (op 2) over all
 *  ranks (for aggregates such as counts; never used for samples). */
MTL_API int mtl_mpi_allreduce(double *x, int n, int op);

typedef struct mtl_mpi_params {
  const char *checkpoint; /* path written by rank 0; NULL = none (default) */
  int checkpoint_every;   /* >= 1 units between checkpoints (AMTL server
                             updates, SMTL iterations, D-ADMM rounds)
                             (default 100) */
  const char *resume;     /* checkpoint to resume from; NULL = fresh start
                             (default NULL) */
  const char *rank_map;   /* rank-to-tasks map written by rank 0 at start;
                             NULL = "<checkpoint>.ranks" when checkpoint is
                             set, else none (default NULL) */
  MTL_RESERVED; /* room to grow (see "Conventions") */
} mtl_mpi_params;

MTL_API void mtl_mpi_params_init(mtl_mpi_params *p);

/** The MPI transport (see mtl_transport in mtl.h): every rank of
 *  MPI_COMM_WORLD is one rank of a distributed method.  MPI must be
 *  initialized (mtl_mpi_init).  Free with mtl_transport_free.  In libmtl
 *  (without MPI): MTL_EUNSUPPORTED. */
MTL_API int mtl_transport_mpi(mtl_transport **out);

/** Reads only part `part` (0-based, < nparts) of a dataset: the tasks t
 *  (0-based, in the order mtl_dataset_read gives them) with
 *  t % nparts == part -- for AMTL/SMTL, rank r reads part r - 1 of P.
 *  Text format: one pass reads only the first field (task) and the last
 *  index of every line, to fix the task order and the dimension (when
 *  p->dim is 0) exactly as the whole-file reader would; then only this
 *  part's lines are parsed (through a temporary file in $TMPDIR).  Other
 *  formats (.mat, .npz, CSV) are read whole and the part kept.  *task_ids
 *  (malloc'd, free with mtl_free) receives the global index of each local
 *  task, *T the number of tasks in the whole file.  A part with no task is
 *  an error (MTL_EINVAL naming part and T).  Needs no MPI. */
MTL_API int mtl_dataset_read_part(const char *path, const mtl_read_params *p,
                                  int nparts, int part, mtl_dataset **out,
                                  int **task_ids, int *T);

/** Collective: mtl_scaler_fit over the union of every rank's local tasks,
 *  from per-feature sums (count, sum, sum of squares) reduced over the
 *  ranks.  local may be NULL (a rank without data, e.g. the server); d is
 *  the input dimension (the same on every rank).  Equal to mtl_scaler_fit
 *  on the pooled data up to rounding. */
MTL_API int mtl_scaler_fit_mpi(const mtl_dataset *local, int d,
                               int standardize, int bias, mtl_scaler *s);

/** Collective AMTL/SMTL (see mtl_async_fit).  Rank 0 passes local = NULL
 *  (or an empty dataset); rank r >= 1 passes its tasks (local task i is
 *  global task task_ids[i], which must be exactly the tasks rank r owns,
 *  in increasing order) and T, the global task count.  ap->nodes must be 0
 *  or size - 1; the in-process delay options (delay_ms, jitter, stragglers,
 *  node_delay_ms) apply to the ranks as to the nodes.  mp may be NULL (no
 *  checkpoint).  Rank 0 receives W (d x T, Prox(V)) and info (may be
 *  NULL); on other ranks W and info may be NULL and are not written.
 *  Returns on every rank MTL_CONVERGED / MTL_MAXITER (the server's status,
 *  broadcast) or an error; a bad argument on one rank is reported on every
 *  rank before any iteration. */
MTL_API int mtl_async_fit_mpi(const mtl_dataset *local, const int *task_ids,
                              int T, const mtl_problem_params *pp,
                              const mtl_async_params *ap,
                              const mtl_mpi_params *mp, double *W,
                              mtl_async_info *info);

/** Collective: the resolved loss of every task (pp->task_loss, pp->loss,
 *  AUTO -> logistic for classification, squared otherwise), gathered from
 *  the ranks that own them (ownership as mtl_async_fit_mpi), into
 *  task_loss[0..T-1] on rank 0 (ignored elsewhere, may be NULL) -- what
 *  mtl_model_create needs on rank 0, which holds no data. */
MTL_API int mtl_mpi_task_losses(const mtl_dataset *local, const int *task_ids,
                                int T, const mtl_problem_params *pp,
                                int *task_loss);


#ifdef __cplusplus
}
#endif
#endif /* MTL_MPI_H */
