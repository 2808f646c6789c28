/*
 * mpi_none.c -- the public MPI functions of libmtl, the library without
 * MPI: mtl_mpi_available() is 0 and the others return MTL_EUNSUPPORTED,
 * naming libmtl-mpi.  Part of libmtl only; libmtl-mpi has the real ones
 * (mpi_core.c, mpi_async.c, mpi_omtl.c) instead, so that no symbol is
 * defined twice.  Never includes mpi.h.
 */
#include "transport/transport.h"
#include "mtl_mpi.h"

#include <string.h>

static int no_mpi(const char *who) {
  return mtl__err(MTL_EUNSUPPORTED,
                  "%s: libmtl has no MPI (built without MPI); link "
                  "libmtl-mpi instead (-lmtl-mpi, pkg-config libmtl-mpi), "
                  "built when Open MPI is found (Debian: libopenmpi-dev)",
                  who);
}

int mtl_mpi_available(void) { return 0; }
int mtl_mpi_init(int *argc, char ***argv) { return no_mpi("mtl_mpi_init"); }
int mtl_mpi_finalize(void) { return no_mpi("mtl_mpi_finalize"); }
int mtl_mpi_rank(void) { return no_mpi("mtl_mpi_rank"); }
int mtl_mpi_size(void) { return no_mpi("mtl_mpi_size"); }
int mtl_mpi_allreduce(double *x, int n, int op) {
  return no_mpi("mtl_mpi_allreduce");
}
int mtl_transport_mpi(mtl_transport **out) {
  if (out)
    *out = NULL;
  return no_mpi("mtl_transport_mpi");
}
