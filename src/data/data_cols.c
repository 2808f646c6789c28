/*
 * data_cols.c -- a dataset of some of another's columns (features): each
 * task's X_t (dense, CSR, or the shared design) restricted to the given
 * columns, in their order, with the same targets, task weights and sample
 * weights.  The working-set solver's restricted problems are built on it
 * (problem/problem_ws.c).
 */
#include "data.h"

#include <stdlib.h>
#include <string.h>

/* The columns cols[0..m-1] of the n x d row-major X into out (n x m). */
static void gather_cols(const double *X, int n, int d, const int *cols,
                        int m, double *out) {
  for (int i = 0; i < n; i++) {
    const double *x = X + (size_t)i * d;
    double *o = out + (size_t)i * m;
    for (int k = 0; k < m; k++)
      o[k] = x[cols[k]];
  }
}

/* Task t's CSR rows restricted to the columns with map[j] >= 0, renumbered
 * map[j], adopted by ds. */
static int add_csr_task(mtl_dataset *ds, const mtl__task *tk,
                        const int *map) {
  int n = tk->n;
  int64_t nnz = 0;
  for (int64_t p = 0; p < tk->indptr[n]; p++)
    nnz += map[tk->indices[p]] >= 0;
  int64_t *ip = mtl__malloc((size_t)(n + 1) * sizeof *ip);
  int32_t *ix = mtl__malloc((size_t)(nnz ? nnz : 1) * sizeof *ix);
  double *v = mtl__malloc((size_t)(nnz ? nnz : 1) * sizeof *v);
  double *y = mtl__malloc((size_t)n * sizeof *y);
  if (!ip || !ix || !v || !y) {
    free(ip);
    free(ix);
    free(v);
    free(y);
    return MTL_ENOMEM;
  }
  int64_t q = 0;
  ip[0] = 0;
  for (int i = 0; i < n; i++) {
    for (int64_t p = tk->indptr[i]; p < tk->indptr[i + 1]; p++)
      if (map[tk->indices[p]] >= 0) {
        ix[q] = map[tk->indices[p]];
        v[q++] = tk->values[p];
      }
    ip[i + 1] = q;
  }
  memcpy(y, tk->y, (size_t)n * sizeof *y);
  return mtl__dataset_adopt_csr(ds, n, ip, ix, v, y, tk->kind, tk->name);
}

/* Task t's dense columns cols[0..m-1], adopted by ds. */
static int add_dense_task(mtl_dataset *ds, const mtl__task *tk, int d,
                          const int *cols, int m) {
  double *X = mtl__malloc((size_t)tk->n * m * sizeof *X);
  double *y = mtl__malloc((size_t)tk->n * sizeof *y);
  if (!X || !y) {
    free(X);
    free(y);
    return MTL_ENOMEM;
  }
  gather_cols(tk->X, tk->n, d, cols, m, X);
  memcpy(y, tk->y, (size_t)tk->n * sizeof *y);
  return mtl__dataset_adopt_dense(ds, tk->n, X, y, tk->kind, tk->name);
}

/* A shared design whose tasks have one label kind: one copy of the kept
 * columns, as mtl_dataset_set_shared stores it. */
static int set_shared(mtl_dataset *ds, const mtl_dataset *src,
                      const int *cols, int m) {
  int n = src->tasks[0].n, T = src->T;
  double *X = mtl__malloc((size_t)n * m * sizeof *X);
  double *Y = mtl__malloc((size_t)n * T * sizeof *Y);
  int rc = MTL_ENOMEM;
  if (X && Y) {
    gather_cols(src->shared_X, n, src->d, cols, m, X);
    for (int t = 0; t < T; t++)
      memcpy(Y + (size_t)t * n, src->tasks[t].y, (size_t)n * sizeof *Y);
    rc = mtl_dataset_set_shared(ds, n, X, T, Y, src->tasks[0].kind);
  }
  free(X);
  free(Y);
  return rc;
}

int mtl__dataset_select_cols(const mtl_dataset *src, const int *cols, int m,
                             mtl_dataset **out) {
  int T = src->T, rc = MTL_OK, same_kind = 1;
  *out = NULL;
  int *map = mtl__malloc((size_t)src->d * sizeof *map);
  if (!map)
    return MTL_ENOMEM;
  for (int j = 0; j < src->d; j++)
    map[j] = -1;
  for (int k = 0; k < m; k++)
    map[cols[k]] = k;
  for (int t = 1; t < T; t++)
    same_kind &= src->tasks[t].kind == src->tasks[0].kind;
  mtl_dataset *ds = mtl_dataset_create(m);
  if (!ds) {
    free(map);
    return MTL_ENOMEM;
  }
  if (src->shared && same_kind) {
    rc = set_shared(ds, src, cols, m);
  } else {
    for (int t = 0; t < T && rc >= 0; t++)
      rc = src->tasks[t].X ? add_dense_task(ds, &src->tasks[t], src->d, cols,
                                            m)
                           : add_csr_task(ds, &src->tasks[t], map);
  }
  for (int t = 0; t < T && rc >= 0; t++) {
    rc = mtl_dataset_set_weight(ds, t, src->tasks[t].weight);
    if (rc >= 0 && src->tasks[t].sw)
      rc = mtl_dataset_set_sample_weights(ds, t, src->tasks[t].sw);
  }
  free(map);
  if (rc < 0) {
    mtl_dataset_free(ds);
    return rc;
  }
  *out = ds;
  return MTL_OK;
}

