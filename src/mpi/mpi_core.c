/*
 * mpi_core.c -- the thin MPI layer under the MPI transport
 * (transport_mpi.c): initialization wrappers (so that the CLI never
 * includes mpi.h) and the test-only kill hook.  docs/mpi.md.
 *
 * Part of libmtl-mpi only; libmtl has the no-MPI versions of the public
 * functions instead (mpi_none.c).  Threads: MPI is initialized FUNNELED;
 * every MPI call of libmtl is made by the thread that called the driver.
 */
#include "mpi_impl.h"

#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int mtl_mpi_available(void) { return 1; }

int mtl_mpi_init(int *argc, char ***argv) {
  int init = 0, fin = 0;
  MPI_Initialized(&init);
  MPI_Finalized(&fin);
  if (fin)
    return mtl__err(MTL_EINVAL, "mtl_mpi_init: MPI was already finalized");
  if (init)
    return MTL_OK;
  int provided = 0;
  if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) !=
      MPI_SUCCESS)
    return mtl__err(MTL_EIO, "mtl_mpi_init: MPI_Init_thread failed");
  return MTL_OK;
}

int mtl_mpi_finalize(void) {
  int init = 0, fin = 0;
  MPI_Initialized(&init);
  MPI_Finalized(&fin);
  if (init && !fin && MPI_Finalize() != MPI_SUCCESS)
    return mtl__err(MTL_EIO, "mtl_mpi_finalize: MPI_Finalize failed");
  return MTL_OK;
}

int mtl__mpi_ready(const char *who, int *rank, int *size) {
  int init = 0, fin = 0;
  MPI_Initialized(&init);
  MPI_Finalized(&fin);
  if (!init || fin)
    return mtl__err(MTL_EINVAL, "%s: MPI is not initialized (call "
                                "mtl_mpi_init first)",
                    who);
  int r = 0, s = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &r);
  MPI_Comm_size(MPI_COMM_WORLD, &s);
  if (rank)
    *rank = r;
  if (size)
    *size = s;
  return MTL_OK;
}

int mtl_mpi_rank(void) {
  int r = 0, rc = mtl__mpi_ready("mtl_mpi_rank", &r, NULL);
  return rc ? rc : r;
}

int mtl_mpi_size(void) {
  int s = 0, rc = mtl__mpi_ready("mtl_mpi_size", NULL, &s);
  return rc ? rc : s;
}

int mtl_mpi_allreduce(double *x, int n, int op) {
  int rc = mtl__mpi_ready("mtl_mpi_allreduce", NULL, NULL);
  if (rc)
    return rc;
  if (n < 0 || (n > 0 && !x) || op < 0 || op > 2)
    return mtl__err(MTL_EINVAL, "mtl_mpi_allreduce: n = %d, op = %d (0 sum, "
                                "1 max, 2 min)",
                    n, op);
  MPI_Op o = op == 0 ? MPI_SUM : op == 1 ? MPI_MAX : MPI_MIN;
  if (n && MPI_Allreduce(MPI_IN_PLACE, x, n, MPI_DOUBLE, o, MPI_COMM_WORLD) !=
               MPI_SUCCESS)
    return mtl__err(MTL_EIO, "mtl_mpi_allreduce: MPI_Allreduce failed");
  return MTL_OK;
}

/* ---- wrapper endpoint with the test-only kill hook --------------------------- */

typedef struct wrap {
  mtl__tr *inner;
  long sent, kill_after;
} wrap;

static int wrap_send(mtl__tr *tr, int dest, int tag, const double *buf,
                     int n) {
  wrap *w = tr->impl;
  if (w->kill_after >= 0 && w->sent >= w->kill_after)
    raise(SIGKILL); /* test only: MTL_TEST_KILL_RANK (docs/mpi.md) */
  w->sent++;
  return w->inner->v->send(w->inner, dest, tag, buf, n);
}

static int wrap_recv(mtl__tr *tr, int src, int tag, double *buf, int cap,
                     int *n, int *from, int *tag_out, int nonblock) {
  wrap *w = tr->impl;
  return w->inner->v->recv(w->inner, src, tag, buf, cap, n, from, tag_out,
                           nonblock);
}

static const mtl__tr_vtbl wrap_vtbl = {wrap_send, wrap_recv, NULL};

int mtl__tr_wrap(mtl__tr *inner, mtl__tr **out) {
  *out = NULL;
  mtl__tr *tr = mtl__calloc(1, sizeof *tr);
  wrap *w = mtl__calloc(1, sizeof *w);
  if (!tr || !w) {
    free(tr);
    free(w);
    return MTL_ENOMEM;
  }
  w->inner = inner;
  w->kill_after = -1;
  const char *kr = getenv("MTL_TEST_KILL_RANK");
  if (kr && *kr && atoi(kr) == inner->rank) {
    const char *ka = getenv("MTL_TEST_KILL_AFTER");
    w->kill_after = ka && *ka ? atol(ka) : 10;
  }
  tr->v = &wrap_vtbl;
  tr->rank = inner->rank;
  tr->size = inner->size;
  tr->impl = w;
  *out = tr;
  return MTL_OK;
}

void mtl__tr_wrap_free(mtl__tr *tr) {
  if (!tr)
    return;
  free(tr->impl);
  free(tr);
}
