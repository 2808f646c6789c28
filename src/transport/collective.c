/*
 * collective.c -- the collectives a driver needs (broadcast, gather,
 * all-reduce, agreement on failure), written once over the point-to-point
 * interface, so that every transport (threads, MPI, a network one) has
 * them without code of its own and they give the same bits on all.
 *
 * They use the reserved tag MTL__TAG_COLL and the vtable directly (no
 * injected delay, not counted in bytes_sent: they are the driver's, not
 * the algorithm's).  Every rank must call the same collectives in the same
 * order, and none may overlap a receive with a wildcard tag.  Reductions
 * combine in rank order at the root (deterministic: the same sum whatever
 * the timing or the transport), then broadcast.
 */
#include "transport.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int csend(mtl__tr *tr, int dest, const double *buf, int n) {
  return tr->v->send(tr, dest, MTL__TAG_COLL, buf, n);
}

static int crecv(mtl__tr *tr, int src, double *buf, int n) {
  int got = 0;
  int rc = tr->v->recv(tr, src, MTL__TAG_COLL, buf, n, &got, NULL, NULL, 0);
  if (rc < 0)
    return rc;
  if (got != n)
    return mtl__err(MTL_EDIM, "transport: rank %d: a collective got %d "
                              "values from rank %d, expected %d",
                    tr->rank, got, src, n);
  return MTL_OK;
}

int mtl__tr_bcast(mtl__tr *tr, int root, double *buf, int n) {
  if (root < 0 || root >= tr->size || n < 0)
    return mtl__err(MTL_EINVAL, "transport: bcast from rank %d of %d (%d "
                                "values)",
                    root, tr->size, n);
  if (tr->rank != root)
    return crecv(tr, root, buf, n);
  for (int r = 0; r < tr->size; r++) {
    int rc = r == root || MTL__TR_LOST(tr, r) ? MTL_OK : csend(tr, r, buf, n);
    if (rc < 0)
      return rc;
  }
  return MTL_OK;
}

int mtl__tr_gather(mtl__tr *tr, int root, const double *send, int n,
                   double *recv) {
  if (root < 0 || root >= tr->size || n < 0)
    return mtl__err(MTL_EINVAL, "transport: gather at rank %d of %d (%d "
                                "values)",
                    root, tr->size, n);
  if (tr->rank != root)
    return csend(tr, root, send, n);
  for (int r = 0; r < tr->size; r++) {
    double *dst = recv + (size_t)r * (size_t)n;
    int rc = MTL_OK;
    if (r == root)
      memcpy(dst, send, (size_t)n * sizeof(double));
    else if (!MTL__TR_LOST(tr, r))
      rc = crecv(tr, r, dst, n);
    if (MTL__TR_LOST(tr, r) && r != root) { /* dropped (maybe just now) */
      memset(dst, 0, (size_t)n * sizeof(double));
      rc = MTL_OK;
    }
    if (rc < 0)
      return rc;
  }
  return MTL_OK;
}

static double combine(int op, double a, double b) {
  switch (op) {
  case MTL__OP_MAX:
    return b > a || isnan(b) ? b : a;
  case MTL__OP_MIN:
    return b < a || isnan(b) ? b : a;
  default:
    return a + b;
  }
}

int mtl__tr_allreduce(mtl__tr *tr, double *x, int n, int op) {
  if (op != MTL__OP_SUM && op != MTL__OP_MAX && op != MTL__OP_MIN)
    return mtl__err(MTL_EINVAL, "transport: allreduce op %d", op);
  int P = tr->size, rc = MTL_OK;
  if (tr->rank == 0 && P > 1) {
    double *all = mtl__malloc((size_t)P * (size_t)(n > 0 ? n : 1) *
                              sizeof(double));
    if (!all)
      return MTL_ENOMEM;
    rc = mtl__tr_gather(tr, 0, x, n, all);
    for (int i = 0; rc == MTL_OK && i < n; i++) {
      double v = all[i];
      for (int r = 1; r < P; r++) /* rank order: the same bits always */
        if (!MTL__TR_LOST(tr, r))
          v = combine(op, v, all[(size_t)r * (size_t)n + (size_t)i]);
      x[i] = v;
    }
    free(all);
  } else if (P > 1) {
    rc = mtl__tr_gather(tr, 0, x, n, NULL);
  }
  return rc < 0 ? rc : mtl__tr_bcast(tr, 0, x, n);
}

int mtl__tr_agree(mtl__tr *tr, int rc) {
  double v[2] = {rc < 0 ? 1 : 0, rc < 0 ? -(double)tr->rank : -1e9};
  int e = mtl__tr_allreduce(tr, v, 2, MTL__OP_MAX);
  if (e < 0)
    return e;
  if (v[0] == 0)
    return MTL_OK;
  if (rc < 0)
    return rc; /* this rank's own error and message */
  return mtl__err(MTL_ECANCELLED, "transport: rank %d failed (see its "
                                  "message)",
                  (int)-v[1]);
}
