/*
 * data_get.c -- bulk getters of a task's samples for bindings: the whole
 * dense X of a task in one copy, and the CSR arrays of a sparse task as
 * stored.
 */
#include "data.h"

#include <string.h>

static int task_ok(const mtl_dataset *ds, int t, const char *fn) {
  if (!ds)
    return mtl__err(MTL_EINVAL, "%s: NULL dataset", fn);
  if (t < 0 || t >= ds->T)
    return mtl__err(MTL_EINVAL, "%s: task index %d out of range (%d tasks)",
                    fn, t, ds->T);
  return MTL_OK;
}

int mtl_dataset_get_task_X(const mtl_dataset *ds, int t, double *X) {
  int rc = task_ok(ds, t, "mtl_dataset_get_task_X");
  if (rc)
    return rc;
  if (!X)
    return mtl__err(MTL_EINVAL, "mtl_dataset_get_task_X: NULL output");
  const mtl__task *tk = &ds->tasks[t];
  size_t d = (size_t)ds->d;
  if (tk->X) {
    memcpy(X, tk->X, (size_t)tk->n * d * sizeof(double));
    return MTL_OK;
  }
  memset(X, 0, (size_t)tk->n * d * sizeof(double));
  for (int i = 0; i < tk->n; i++)
    for (int64_t p = tk->indptr[i]; p < tk->indptr[i + 1]; p++)
      X[(size_t)i * d + (size_t)tk->indices[p]] = tk->values[p];
  return MTL_OK;
}

int mtl_dataset_get_task_csr(const mtl_dataset *ds, int t,
                             const int64_t **indptr, const int32_t **indices,
                             const double **values, int64_t *nnz) {
  int rc = task_ok(ds, t, "mtl_dataset_get_task_csr");
  if (rc)
    return rc;
  const mtl__task *tk = &ds->tasks[t];
  if (!tk->indptr)
    return mtl__err(MTL_EINVAL, "mtl_dataset_get_task_csr: task %d (%s) is "
                                "stored dense (mtl_dataset_get_task_X)",
                    t + 1, tk->name ? tk->name : "");
  if (indptr)
    *indptr = tk->indptr;
  if (indices)
    *indices = tk->indices;
  if (values)
    *values = tk->values;
  if (nnz)
    *nnz = tk->indptr[tk->n];
  return MTL_OK;
}
