/*
 * mpi_impl.h -- private declarations of the MPI drivers (mpi_core.c,
 * mpi_async.c, mpi_omtl.c) and of the MPI transport (transport_mpi.c).
 *
 * Only the sources of libmtl-mpi include this header (and with it mpi.h);
 * the core library (libmtl) never does.  The hooks of the core that the
 * drivers call are declared in solvers/solvers.h.
 */
#ifndef MTL_MPI_IMPL_H
#define MTL_MPI_IMPL_H

#include "solvers/solvers.h"
#include "mtl_mpi.h"

#include <mpi.h>

/* ---- MPI transport (transport_mpi.c) ------------------------------------- */
/* Wraps a duplicate of comm as this process's endpoint (rank and size of
 * comm).  MPI must be initialized. */
int mtl__tr_mpi_create(MPI_Comm comm, mtl__tr **out);
/* Waits for pending sends, frees the duplicate communicator. */
void mtl__tr_mpi_free(mtl__tr *tr);

/* ---- MPI drivers (mpi_core.c) -------------------------------------------- */
/* MPI initialized and not finalized: *rank, *size of MPI_COMM_WORLD, else
 * an error naming `who`. */
int mtl__mpi_ready(const char *who, int *rank, int *size);
/* Agreement after a local step: every rank passes its rc; if any rank
 * failed, returns the local error on the failing ranks and an MTL_EINVAL
 * naming the lowest failing rank elsewhere; else MTL_OK. */
int mtl__mpi_agree(int rc, const char *who);
/* The same agreement over an endpoint's collectives (mtl__tr_allreduce), so
 * that a driver's logic does not depend on the transport: the drivers
 * agree over an endpoint of their own, never the role's (whose wildcard
 * receives could take a collective's message). */
int mtl__drv_agree(mtl__tr *tr, int rc, const char *who);
/* Wraps an endpoint: the same messages, plus the test-only kill hook: when
 * the environment says MTL_TEST_KILL_RANK = this rank, the process raises
 * SIGKILL before its (MTL_TEST_KILL_AFTER + 1)-th send (default 10), the
 * way a crashed machine disappears.  The wrapper owns neither inner nor
 * its delay (set the delay on the wrapper). */
int mtl__tr_wrap(mtl__tr *inner, mtl__tr **out);
void mtl__tr_wrap_free(mtl__tr *w);
/* Rank 0 writes the rank-to-tasks map: line "RANK ROLE t1 t2 ..." per rank
 * (1-based task ids) after a comment header; ids[off[r] .. off[r+1]-1]. */
int mtl__mpi_write_rank_map(const char *path, int size, const char *role0,
                            const char *role, const int *off, const int *ids);

#endif /* MTL_MPI_IMPL_H */
