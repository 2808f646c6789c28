/*
 * runner.c -- transports as objects (the public mtl_transport): where the
 * ranks of a distributed method run (transport.h, "transports").  The
 * threads transport lives here; process transports (MPI, in libmtl-mpi)
 * bring their own ops table.  Also the pieces every per-rank driver uses
 * whatever the transport: agreement on failure, gathering integers, and
 * the rank-to-tasks map.
 */
#include "transport.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- threads ----------------------------------------------------------------- */

/* The per-rank function on two hubs: collectives on one, the role's
 * messages on the other; a failing rank closes both, so that no peer
 * stays blocked on either. */
typedef struct threads_job {
  mtl__hub *coll, *role;
  mtl__rank_fn fn;
  void *ctx;
  int *rcs;
} threads_job;

static int threads_role(void *vctx, mtl__tr *role) {
  threads_job *j = vctx;
  int rc = j->fn(j->ctx, mtl__hub_endpoint(j->coll, role->rank), role);
  j->rcs[role->rank] = rc;
  if (rc < 0)
    mtl__hub_close(j->coll);
  return rc;
}

static int threads_run(mtl_transport *t, int n, mtl__rank_fn fn, void *ctx) {
  (void)t;
  threads_job j = {NULL, NULL, fn, ctx, NULL};
  int rc = mtl__hub_create(n, &j.coll);
  if (!rc)
    rc = mtl__hub_create(n, &j.role);
  if (!rc && !(j.rcs = mtl__calloc((size_t)n, sizeof *j.rcs)))
    rc = MTL_ENOMEM;
  if (!rc)
    rc = mtl__hub_run(j.role, threads_role, &j);
  if (!rc)
    rc = j.rcs[0];
  free(j.rcs);
  mtl__hub_free(j.role);
  mtl__hub_free(j.coll);
  return rc;
}

static void threads_destroy(mtl_transport *t) { free(t); }

static const mtl__transport_ops threads_ops = {"threads", threads_run,
                                                threads_destroy};
static mtl_transport threads_default = {&threads_ops, -1, 0, NULL};

int mtl_transport_threads(mtl_transport **out) {
  if (!out)
    return mtl__err(MTL_EINVAL, "mtl_transport_threads: out is NULL");
  *out = mtl__malloc(sizeof **out);
  if (!*out)
    return MTL_ENOMEM;
  **out = threads_default;
  return MTL_OK;
}

void mtl_transport_free(mtl_transport *t) {
  if (t && t->ops->destroy)
    t->ops->destroy(t);
}

const char *mtl_transport_name(const mtl_transport *t) {
  return t ? t->ops->name : threads_ops.name;
}

int mtl_transport_rank(const mtl_transport *t) { return t ? t->rank : -1; }
int mtl_transport_size(const mtl_transport *t) { return t ? t->size : 0; }

int mtl__transport_local(const mtl_transport *t) { return !t || t->rank < 0; }
int mtl__transport_size(const mtl_transport *t) { return t ? t->size : 0; }

int mtl__run_ranks(const mtl_transport *t, int n, mtl__rank_fn fn,
                   void *ctx) {
  if (!t)
    t = &threads_default;
  if (mtl__transport_local(t) && n < 1)
    return mtl__err(MTL_EINVAL, "transport %s: %d ranks", t->ops->name, n);
  if (n > 1 || !mtl__transport_local(t))
    mtl__blas_single_thread(); /* ranks share the cores: no nested BLAS */
  return t->ops->run((mtl_transport *)t, n, fn, ctx);
}

/* ---- what every per-rank driver uses ------------------------------------------ */

int mtl__drv_agree(mtl__tr *coll, int rc, const char *who) {
  char mine[512] = "";
  if (rc < 0) /* kept: the agreement may fail and set a message of its own */
    snprintf(mine, sizeof mine, "%s", mtl_last_error());
  double bad = rc < 0 ? coll->rank : coll->size;
  int e = mtl__tr_allreduce(coll, &bad, 1, MTL__OP_MIN);
  if (rc < 0) /* this rank's own error and message */
    return mtl__err(rc, "%s", mine);
  if (e < 0)
    return e;
  if (bad >= coll->size)
    return MTL_OK;
  return mtl__err(MTL_ECANCELLED, "%s: rank %d failed (see its message); "
                                  "rank %d stops too",
                  who, (int)bad, coll->rank);
}

int mtl__tr_gather_ints(mtl__tr *tr, const int *x, int n, const char *who,
                        int **off, int **all) {
  int P = tr->size, rc;
  double mx = n, *buf = NULL, *got = NULL;
  *off = NULL;
  *all = NULL;
  if ((rc = mtl__tr_allreduce(tr, &mx, 1, MTL__OP_MAX)))
    return rc;
  int m = (int)mx + 1; /* [n, x[0..n-1], zeros]: exact as doubles */
  buf = mtl__calloc((size_t)m, sizeof(double));
  if (tr->rank == 0) {
    got = mtl__malloc((size_t)P * (size_t)m * sizeof(double));
    *off = mtl__calloc((size_t)P + 1, sizeof(int));
  }
  rc = !buf || (tr->rank == 0 && (!got || !*off)) ? MTL_ENOMEM : MTL_OK;
  if ((rc = mtl__drv_agree(tr, rc, who)))
    goto done;
  buf[0] = n;
  for (int i = 0; i < n; i++)
    buf[1 + i] = x[i];
  rc = mtl__tr_gather(tr, 0, buf, m, got);
  if (!rc && tr->rank == 0) {
    for (int r = 0; r < P; r++)
      (*off)[r + 1] = (*off)[r] + (int)got[(size_t)r * (size_t)m];
    *all = mtl__malloc((size_t)((*off)[P] > 0 ? (*off)[P] : 1) *
                       sizeof(int));
    rc = *all ? MTL_OK : MTL_ENOMEM;
    for (int r = 0; r < P && !rc; r++) {
      const double *g = got + (size_t)r * (size_t)m + 1;
      for (int i = (*off)[r]; i < (*off)[r + 1]; i++)
        (*all)[i] = (int)g[i - (*off)[r]];
    }
  }
done:
  free(buf);
  free(got);
  if (rc) {
    free(*off);
    free(*all);
    *off = NULL;
    *all = NULL;
  }
  return rc;
}

int mtl__tr_by_task(mtl__tr *coll, int K, const int *gid, const double *val,
                    int T, double **out) {
  *out = mtl__calloc((size_t)(T > 0 ? T : 1), sizeof(double));
  int rc = *out ? MTL_OK : MTL_ENOMEM;
  for (int i = 0; !rc && i < K; i++)
    if (gid[i] >= 0 && gid[i] < T)
      (*out)[gid[i]] = val[i];
  if (!(rc = mtl__drv_agree(coll, rc, "transport")))
    rc = mtl__tr_allreduce(coll, *out, T, MTL__OP_SUM);
  if (rc) {
    free(*out);
    *out = NULL;
  }
  return rc;
}

typedef struct mapctx {
  int size;
  const char *role0, *role;
  const int *off, *ids;
} mapctx;

static int map_writer(FILE *f, void *ctx) {
  const mapctx *m = ctx;
  fprintf(f, "# mtl rank-to-tasks map, written by rank 0 at start-up\n"
             "# RANK ROLE TASK... (1-based task ids)\n");
  for (int r = 0; r < m->size; r++) {
    fprintf(f, "%d %s", r, r == 0 && m->role0 ? m->role0 : m->role);
    for (int i = m->off[r]; i < m->off[r + 1]; i++)
      fprintf(f, " %d", m->ids[i] + 1);
    fputc('\n', f);
  }
  return MTL_OK;
}

int mtl__write_rank_map(const char *path, int size, const char *role0,
                        const char *role, const int *off, const int *ids) {
  mapctx m = {size, role0, role, off, ids};
  return mtl__write_atomic(path, "rank-to-tasks map", map_writer, &m);
}
