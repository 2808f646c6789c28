/*
 * mpi_impl.h -- private declarations of the MPI transport
 * (transport_mpi.c, mpi_core.c).  There are no MPI drivers: the methods'
 * drivers run on any transport (transport/transport.h).
 *
 * Only the sources of libmtl-mpi include this header (and with it mpi.h);
 * the core library (libmtl) never does.
 */
#ifndef MTL_MPI_IMPL_H
#define MTL_MPI_IMPL_H

#include "transport/transport.h"
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
/* Wraps an endpoint: the same messages, plus the test-only kill hook: when
 * the environment says MTL_TEST_KILL_RANK = this rank, the process raises
 * SIGKILL before its (MTL_TEST_KILL_AFTER + 1)-th send (default 10), the
 * way a crashed machine disappears.  The wrapper owns neither inner nor
 * its delay (set the delay on the wrapper). */
int mtl__tr_wrap(mtl__tr *inner, mtl__tr **out);
void mtl__tr_wrap_free(mtl__tr *w);

#endif /* MTL_MPI_IMPL_H */
