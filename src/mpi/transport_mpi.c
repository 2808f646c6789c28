/*
 * transport_mpi.c -- the MPI implementation of layer 5 (see transport.h).
 * Part of libmtl-mpi only (built when Open MPI is found).
 *
 * Every rank is one MPI process; an endpoint wraps a communicator (a
 * duplicate of the caller's, so our traffic never matches theirs).
 *
 * Semantics as promised by transport.h:
 *   - buffered send: the payload is copied into a pending-send record and
 *     posted with MPI_Isend; completed records are reaped (MPI_Test) on the
 *     next call, and mtl__tr_mpi_free waits for the rest.  A send therefore
 *     never waits for the receiver, even for large messages (which MPI_Send
 *     may do under the rendezvous protocol, deadlocking two ranks that send
 *     to each other before receiving);
 *   - non-overtaking per (source, tag): MPI guarantees it for messages on
 *     one communicator;
 *   - recv uses matched probe (MPI_Mprobe / MPI_Mrecv), so the probed
 *     message is the one received even if another thread of the process
 *     probes too.
 */
#include "mpi_impl.h"

#include <stdlib.h>
#include <string.h>

typedef struct pending {
  struct pending *next;
  MPI_Request req;
  double data[];
} pending;

typedef struct mpi_impl {
  MPI_Comm comm;
  pending *head;
} mpi_impl;

static int mpi_fail(int code, const char *what) {
  char s[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(code, s, &len);
  return mtl__err(MTL_EIO, "MPI %s failed: %.*s", what, len, s);
}

static void reap(mpi_impl *m) {
  pending **pp = &m->head;
  while (*pp) {
    int done = 0;
    MPI_Test(&(*pp)->req, &done, MPI_STATUS_IGNORE);
    if (done) {
      pending *p = *pp;
      *pp = p->next;
      free(p);
    } else {
      pp = &(*pp)->next;
    }
  }
}

static int mpi_send(mtl__tr *tr, int dest, int tag, const double *buf,
                    int n) {
  mpi_impl *m = tr->impl;
  reap(m);
  pending *p = malloc(sizeof *p + (size_t)n * sizeof(double));
  if (!p)
    return mtl__err(MTL_ENOMEM, "transport: out of memory for a %d-double "
                                "message", n);
  if (n)
    memcpy(p->data, buf, (size_t)n * sizeof(double));
  int rc = MPI_Isend(p->data, n, MPI_DOUBLE, dest, tag, m->comm, &p->req);
  if (rc != MPI_SUCCESS) {
    free(p);
    return mpi_fail(rc, "Isend");
  }
  p->next = m->head;
  m->head = p;
  return MTL_OK;
}

static int mpi_recv(mtl__tr *tr, int src, int tag, double *buf, int cap,
                    int *n, int *from, int *tag_out, int nonblock) {
  mpi_impl *m = tr->impl;
  MPI_Message msg;
  MPI_Status st;
  int s = src == MTL__ANY ? MPI_ANY_SOURCE : src;
  int t = tag == MTL__ANY ? MPI_ANY_TAG : tag;
  int rc;
  reap(m);
  if (nonblock) {
    int flag = 0;
    rc = MPI_Improbe(s, t, m->comm, &flag, &msg, &st);
    if (rc != MPI_SUCCESS)
      return mpi_fail(rc, "Improbe");
    if (!flag)
      return 0;
  } else {
    rc = MPI_Mprobe(s, t, m->comm, &msg, &st);
    if (rc != MPI_SUCCESS)
      return mpi_fail(rc, "Mprobe");
  }
  int count = 0;
  MPI_Get_count(&st, MPI_DOUBLE, &count);
  int ret = 1;
  if (count > cap) {
    double *tmp = malloc((size_t)count * sizeof(double));
    rc = MPI_Mrecv(tmp, count, MPI_DOUBLE, &msg, MPI_STATUS_IGNORE);
    free(tmp);
    ret = mtl__err(MTL_EDIM,
                   "transport: rank %d got a %d-double message (tag %d from "
                   "rank %d) for a %d-double buffer",
                   tr->rank, count, st.MPI_TAG, st.MPI_SOURCE, cap);
  } else {
    rc = MPI_Mrecv(buf, count, MPI_DOUBLE, &msg, MPI_STATUS_IGNORE);
    if (rc != MPI_SUCCESS)
      return mpi_fail(rc, "Mrecv");
  }
  if (n)
    *n = count;
  if (from)
    *from = st.MPI_SOURCE;
  if (tag_out)
    *tag_out = st.MPI_TAG;
  return ret;
}

static const mtl__tr_vtbl mpi_vtbl = {mpi_send, mpi_recv, NULL};

int mtl__tr_mpi_create(MPI_Comm comm, mtl__tr **out) {
  *out = NULL;
  mtl__tr *tr = mtl__calloc(1, sizeof *tr);
  mpi_impl *m = mtl__calloc(1, sizeof *m);
  if (!tr || !m) {
    free(tr);
    free(m);
    return MTL_ENOMEM;
  }
  int rc = MPI_Comm_dup(comm, &m->comm);
  if (rc != MPI_SUCCESS) {
    free(tr);
    free(m);
    return mpi_fail(rc, "Comm_dup");
  }
  MPI_Comm_rank(m->comm, &tr->rank);
  MPI_Comm_size(m->comm, &tr->size);
  tr->v = &mpi_vtbl;
  tr->impl = m;
  *out = tr;
  return MTL_OK;
}

void mtl__tr_mpi_free(mtl__tr *tr) {
  if (!tr)
    return;
  mpi_impl *m = tr->impl;
  while (m->head) {
    pending *p = m->head;
    MPI_Wait(&p->req, MPI_STATUS_IGNORE);
    m->head = p->next;
    free(p);
  }
  MPI_Comm_free(&m->comm);
  free(m);
  free(tr);
}

/* ---- the MPI transport object (mtl_transport_mpi) ------------------------------ */
/* Every rank of MPI_COMM_WORLD is a rank of the method: run() creates the
 * driver's endpoint and the role's (wrapped with the test-only kill hook)
 * on duplicates of the communicator, agrees that the method wants exactly
 * the job's ranks, and runs this process's rank. */

static int mpi_run(mtl_transport *t, int n, mtl__rank_fn fn, void *ctx) {
  mtl__tr *coll = NULL, *inner = NULL, *role = NULL;
  int rc = mtl__mpi_ready("transport mpi", NULL, NULL);
  if (rc)
    return rc;
  if ((rc = mtl__tr_mpi_create(MPI_COMM_WORLD, &coll)))
    return rc;
  rc = n == t->size ? MTL_OK
                    : mtl__err(MTL_EINVAL, "transport mpi: the method runs "
                                           "on %d ranks, the job has %d "
                                           "(mpirun -np %d)",
                               n, t->size, n);
  if ((rc = mtl__drv_agree(coll, rc, "transport mpi")))
    goto done;
  rc = mtl__tr_mpi_create(MPI_COMM_WORLD, &inner);
  if (!rc)
    rc = mtl__tr_wrap(inner, &role);
  if ((rc = mtl__drv_agree(coll, rc, "transport mpi")))
    goto done;
  rc = fn(ctx, coll, role);
done:
  /* pending sends complete before the communicators go */
  mtl__tr_wrap_free(role);
  mtl__tr_mpi_free(inner);
  mtl__tr_mpi_free(coll);
  return rc;
}

static void mpi_destroy(mtl_transport *t) { free(t); }

static const mtl__transport_ops mpi_ops = {"mpi", mpi_run, mpi_destroy};

int mtl_transport_mpi(mtl_transport **out) {
  int rank = 0, size = 0, rc;
  if (!out)
    return mtl__err(MTL_EINVAL, "mtl_transport_mpi: out is NULL");
  *out = NULL;
  if ((rc = mtl__mpi_ready("mtl_transport_mpi", &rank, &size)))
    return rc;
  mtl_transport *t = mtl__malloc(sizeof *t);
  if (!t)
    return MTL_ENOMEM;
  *t = (mtl_transport){&mpi_ops, rank, size, NULL};
  *out = t;
  return MTL_OK;
}
