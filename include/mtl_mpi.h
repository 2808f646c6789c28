/*
 * mtl_mpi.h -- the MPI part of the libmtl interface: the MPI transport and
 * MPI's start and end (docs/mpi.md).  Includes mtl.h.
 *
 * Two libraries export these functions.  libmtl-mpi (-lmtl-mpi, pkg-config
 * libmtl-mpi, built when Open MPI is found) is libmtl plus the MPI
 * transport: an MPI program links it INSTEAD of libmtl (it exports the
 * whole mtl.h API too).  libmtl itself (-lmtl) has no MPI dependency:
 * there mtl_mpi_available() is 0 and every function below returns
 * MTL_EUNSUPPORTED with a message.
 */
#ifndef MTL_MPI_H
#define MTL_MPI_H

#include "mtl.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The distributed methods (async, smtl, cadmm, dadmm, dpsgd) run as MPI
 * programs through the same calls as on threads: mtl_fit (a dataset) and
 * mtl_omtl_run (streams), given the transport of mtl_transport_mpi.  Every
 * rank is one process started by mpirun and makes the same call
 * collectively, passing ONLY its own tasks (read with the reader's task
 * filter, mtl_read_params.part_count / "part=K/P"); raw samples never
 * travel, only model vectors (and, for checkpoints and the final model,
 * state and weights to rank 0, which alone receives the model).  The
 * library never calls MPI_Abort: a failing rank returns its error and the
 * others stop at their next agreement (MTL_ECANCELLED naming it); with
 * Open MPI 4.1 a rank that dies ends the whole job, so long runs write
 * checkpoints and are resumed (docs/mpi.md).
 *
 * Ownership.  async, smtl and cadmm: rank 0 is the server (no data),
 * ranks 1..P are task nodes and rank r holds the tasks t (0-based) with
 * t % P == r - 1 (part r of P); cadmm needs P = K.  dadmm and dpsgd: one
 * rank per task (graph node), rank k holds task k (part k + 1 of K).
 *
 * Checkpoints (method parameters checkpoint, checkpoint_every, resume; on
 * threads as on MPI): rank 0 writes the run's whole state atomically; on
 * MPI a rank-to-tasks map (parameter rank_map, default CHECKPOINT.ranks)
 * is written at start-up, lines "RANK ROLE TASK..." (1-based task ids),
 * for scripts/mtl-mpirun to name the tasks of a rank that died.  A resumed
 * SMTL, C-ADMM or round-synchronous D-ADMM ends with exactly the result of
 * an uninterrupted run; AMTL continues from the saved V.
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

/** The MPI transport (see mtl_transport in mtl.h): every rank of
 *  MPI_COMM_WORLD is one rank of a distributed method.  MPI must be
 *  initialized (mtl_mpi_init).  Free with mtl_transport_free.  In libmtl
 *  (without MPI): MTL_EUNSUPPORTED. */
MTL_API int mtl_transport_mpi(mtl_transport **out);

#ifdef __cplusplus
}
#endif
#endif /* MTL_MPI_H */
