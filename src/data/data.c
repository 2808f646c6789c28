/*
 * data.c -- the multi-task dataset: construction, validation, accessors and
 * the per-task products used by every solver.
 */
#include "data.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

mtl_dataset *mtl_dataset_create(int d) {
  if (d < 1) {
    mtl__err(MTL_EINVAL, "dataset dimension d = %d must be >= 1", d);
    return NULL;
  }
  mtl_dataset *ds = mtl__calloc(1, sizeof *ds);
  if (!ds)
    return NULL;
  ds->d = d;
  return ds;
}

static void task_clear(mtl__task *t) {
  if (t->owns_X) {
    free(t->X);
    free(t->indptr);
    free(t->indices);
    free(t->values);
  }
  free(t->y);
  free(t->sw);
  free(t->name);
}

void mtl_dataset_free(mtl_dataset *ds) {
  if (!ds)
    return;
  for (int t = 0; t < ds->T; t++)
    task_clear(&ds->tasks[t]);
  free(ds->tasks);
  free(ds->shared_X);
  free(ds->notes);
  free(ds->global_task);
  free(ds);
}

int mtl_dataset_global_task(const mtl_dataset *ds, int t) {
  if (!ds || t < 0 || t >= ds->T)
    return -1;
  return ds->global_task ? ds->global_task[t] : t;
}

int mtl_dataset_global_tasks(const mtl_dataset *ds) {
  if (!ds)
    return 0;
  return ds->global_task ? ds->global_T : ds->T;
}

void mtl__dataset_note(mtl_dataset *ds, const char *fmt, ...) {
  char line[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  size_t old = ds->notes ? strlen(ds->notes) : 0;
  char *n = realloc(ds->notes, old + strlen(line) + 2);
  if (!n)
    return; /* notes are best effort */
  if (old)
    n[old++] = '\n';
  strcpy(n + old, line);
  ds->notes = n;
}

const char *mtl_dataset_notes(const mtl_dataset *ds) {
  return ds && ds->notes ? ds->notes : "";
}

/* "NaN", "inf" or "-inf": a value that is not finite, by its usual name. */
static const char *nonfinite(double v) {
  return isnan(v) ? "NaN" : v > 0 ? "inf" : "-inf";
}

int mtl__labels_check(double *y, int n, int want, int *mapped,
                      const char *where) {
  *mapped = 0;
  for (int i = 0; i < n; i++)
    if (!isfinite(y[i]))
      return mtl__err(MTL_EFORMAT, "%s: target %d is %s (not finite)", where,
                      i + 1, nonfinite(y[i]));
  if (want == MTL_TASK_REGRESSION)
    return MTL_TASK_REGRESSION;
  int pm = 1, zo = 1;
  for (int i = 0; i < n; i++) {
    if (y[i] != 1.0 && y[i] != -1.0)
      pm = 0;
    if (y[i] != 1.0 && y[i] != 0.0)
      zo = 0;
  }
  if (pm)
    return MTL_TASK_CLASSIFICATION;
  if (zo) {
    for (int i = 0; i < n; i++)
      y[i] = y[i] == 0.0 ? -1.0 : 1.0;
    *mapped = 1;
    return MTL_TASK_CLASSIFICATION;
  }
  if (want == MTL_TASK_CLASSIFICATION) {
    for (int i = 0; i < n; i++)
      if (y[i] != 1.0 && y[i] != -1.0 && y[i] != 0.0)
        return mtl__err(MTL_EFORMAT,
                        "%s: label %d is %g; classification labels must be "
                        "in {-1,+1} or {0,1}",
                        where, i + 1, y[i]);
    return mtl__err(MTL_EFORMAT,
                    "%s: labels mix -1, 0 and +1; use {-1,+1} or {0,1}",
                    where);
  }
  return MTL_TASK_REGRESSION;
}

static int grow(mtl_dataset *ds) {
  if (ds->T < ds->cap)
    return MTL_OK;
  int cap = ds->cap ? 2 * ds->cap : 8;
  mtl__task *nt = realloc(ds->tasks, (size_t)cap * sizeof *nt);
  if (!nt)
    return mtl__err(MTL_ENOMEM, "out of memory adding task %d", ds->T + 1);
  ds->tasks = nt;
  ds->cap = cap;
  return MTL_OK;
}

static int push_task(mtl_dataset *ds, mtl__task *t, const char *name) {
  int rc = grow(ds);
  if (!rc) {
    char buf[32];
    if (!name) {
      snprintf(buf, sizeof buf, "task%d", ds->T + 1);
      name = buf;
    }
    t->name = mtl__strdup(name);
    if (!t->name)
      rc = MTL_ENOMEM;
  }
  if (rc) {
    task_clear(t);
    return rc;
  }
  if (t->weight == 0)
    t->weight = 1.0;
  ds->tasks[ds->T] = *t;
  return ds->T++;
}

int mtl__dataset_adopt_dense(mtl_dataset *ds, int n, double *X, double *y,
                             mtl_task_kind kind, const char *name) {
  mtl__task t = {.n = n, .X = X, .owns_X = 1, .y = y, .kind = kind};
  return push_task(ds, &t, name);
}

int mtl__dataset_adopt_csr(mtl_dataset *ds, int n, int64_t *indptr,
                           int32_t *indices, double *values, double *y,
                           mtl_task_kind kind, const char *name) {
  mtl__task t = {.n = n,
                 .indptr = indptr,
                 .indices = indices,
                 .values = values,
                 .owns_X = 1,
                 .y = y,
                 .kind = kind};
  return push_task(ds, &t, name);
}

static const char *task_label(const mtl_dataset *ds, const char *name,
                              char *buf, size_t cap) {
  if (name)
    snprintf(buf, cap, "task %d (%s)", ds->T + 1, name);
  else
    snprintf(buf, cap, "task %d", ds->T + 1);
  return buf;
}

static int prepare_y(mtl_dataset *ds, int n, const double *y, int kind,
                     const char *where, double **out, int *kind_out) {
  double *yc = mtl__malloc((size_t)n * sizeof(double));
  if (!yc)
    return MTL_ENOMEM;
  memcpy(yc, y, (size_t)n * sizeof(double));
  int mapped;
  int k = mtl__labels_check(yc, n, kind, &mapped, where);
  if (k < 0) {
    free(yc);
    return k;
  }
  if (mapped)
    mtl__dataset_note(ds, "%s: labels {0,1} mapped to {-1,+1}", where);
  *out = yc;
  *kind_out = k;
  return MTL_OK;
}

int mtl_dataset_add_dense(mtl_dataset *ds, int n, const double *X,
                          const double *y, int kind, const char *name) {
  char where[160];
  if (!ds || !X || !y)
    return mtl__err(MTL_EINVAL, "mtl_dataset_add_dense: NULL argument");
  if (ds->shared)
    return mtl__err(MTL_EINVAL,
                    "cannot add a task to a shared-design dataset");
  task_label(ds, name, where, sizeof where);
  if (n < 1)
    return mtl__err(MTL_EINVAL, "%s: has %d samples; a task needs >= 1",
                    where, n);
  if (kind < -1 || kind > 1)
    return mtl__err(MTL_EINVAL, "%s: invalid kind %d", where, kind);
  size_t nd = (size_t)n * ds->d;
  for (size_t k = 0; k < nd; k++)
    if (!isfinite(X[k]))
      return mtl__err(MTL_EFORMAT, "%s: X[%zu][%zu] is %s (not finite)",
                      where, k / ds->d + 1, k % ds->d + 1, nonfinite(X[k]));
  double *yc, *Xc;
  int k;
  int rc = prepare_y(ds, n, y, kind, where, &yc, &k);
  if (rc)
    return rc;
  Xc = mtl__malloc(nd * sizeof(double));
  if (!Xc) {
    free(yc);
    return MTL_ENOMEM;
  }
  memcpy(Xc, X, nd * sizeof(double));
  return mtl__dataset_adopt_dense(ds, n, Xc, yc, (mtl_task_kind)k, name);
}

int mtl_dataset_add_csr(mtl_dataset *ds, int n, const int64_t *indptr,
                        const int32_t *indices, const double *values,
                        const double *y, int kind, const char *name) {
  char where[160];
  if (!ds || !indptr || !y || (indptr[n] > 0 && (!indices || !values)))
    return mtl__err(MTL_EINVAL, "mtl_dataset_add_csr: NULL argument");
  if (ds->shared)
    return mtl__err(MTL_EINVAL,
                    "cannot add a task to a shared-design dataset");
  task_label(ds, name, where, sizeof where);
  if (n < 1)
    return mtl__err(MTL_EINVAL, "%s: has %d samples; a task needs >= 1",
                    where, n);
  if (kind < -1 || kind > 1)
    return mtl__err(MTL_EINVAL, "%s: invalid kind %d", where, kind);
  if (indptr[0] != 0)
    return mtl__err(MTL_EFORMAT, "%s: CSR indptr[0] = %lld, must be 0",
                    where, (long long)indptr[0]);
  for (int i = 0; i < n; i++) {
    if (indptr[i + 1] < indptr[i])
      return mtl__err(MTL_EFORMAT, "%s: CSR indptr decreases at row %d",
                      where, i + 1);
    for (int64_t p = indptr[i]; p < indptr[i + 1]; p++) {
      if (indices[p] < 0 || indices[p] >= ds->d)
        return mtl__err(MTL_EFORMAT,
                        "%s: row %d: feature index %d out of range [0, %d)",
                        where, i + 1, indices[p], ds->d);
      if (!isfinite(values[p]))
        return mtl__err(MTL_EFORMAT, "%s: row %d: value %g is not finite",
                        where, i + 1, values[p]);
    }
  }
  int64_t nnz = indptr[n];
  double *yc;
  int k;
  int rc = prepare_y(ds, n, y, kind, where, &yc, &k);
  if (rc)
    return rc;
  int64_t *ip = mtl__malloc((size_t)(n + 1) * sizeof *ip);
  int32_t *ix = mtl__malloc((size_t)nnz * sizeof *ix);
  double *v = mtl__malloc((size_t)nnz * sizeof *v);
  if (!ip || !ix || !v) {
    free(ip);
    free(ix);
    free(v);
    free(yc);
    return MTL_ENOMEM;
  }
  memcpy(ip, indptr, (size_t)(n + 1) * sizeof *ip);
  if (nnz) {
    memcpy(ix, indices, (size_t)nnz * sizeof *ix);
    memcpy(v, values, (size_t)nnz * sizeof *v);
  }
  return mtl__dataset_adopt_csr(ds, n, ip, ix, v, yc, (mtl_task_kind)k, name);
}

int mtl_dataset_set_shared(mtl_dataset *ds, int n, const double *X, int T,
                           const double *Y, int kind) {
  if (!ds || !X || !Y)
    return mtl__err(MTL_EINVAL, "mtl_dataset_set_shared: NULL argument");
  if (ds->T > 0)
    return mtl__err(MTL_EINVAL,
                    "shared design needs an empty dataset (has %d tasks)",
                    ds->T);
  if (n < 1 || T < 1)
    return mtl__err(MTL_EINVAL, "shared design: n = %d and T = %d must be "
                                ">= 1", n, T);
  size_t nd = (size_t)n * ds->d;
  for (size_t k = 0; k < nd; k++)
    if (!isfinite(X[k]))
      return mtl__err(MTL_EFORMAT,
                      "shared X[%zu][%zu] is %s (not finite)", k / ds->d + 1,
                      k % ds->d + 1, nonfinite(X[k]));
  double *Xc = mtl__malloc(nd * sizeof(double));
  if (!Xc)
    return MTL_ENOMEM;
  memcpy(Xc, X, nd * sizeof(double));
  ds->shared_X = Xc;
  ds->shared = 1;
  for (int t = 0; t < T; t++) {
    char where[64];
    snprintf(where, sizeof where, "task %d", t + 1);
    double *yc;
    int k;
    int rc = prepare_y(ds, n, Y + (size_t)t * n, kind, where, &yc, &k);
    if (rc == MTL_OK) {
      mtl__task tk = {
          .n = n, .X = Xc, .owns_X = 0, .y = yc, .kind = (mtl_task_kind)k};
      rc = push_task(ds, &tk, NULL);
    }
    if (rc < 0) {
      for (int s = 0; s < ds->T; s++)
        task_clear(&ds->tasks[s]);
      ds->T = 0;
      free(ds->shared_X);
      ds->shared_X = NULL;
      ds->shared = 0;
      return rc;
    }
  }
  return MTL_OK;
}

int mtl_dataset_set_weight(mtl_dataset *ds, int t, double c) {
  if (!ds || t < 0 || t >= ds->T)
    return mtl__err(MTL_EINVAL, "task index %d out of range", t);
  if (!(c > 0) || !isfinite(c))
    return mtl__err(MTL_EINVAL, "task %d: weight %g must be > 0 and finite",
                    t + 1, c);
  ds->tasks[t].weight = c;
  return MTL_OK;
}

/* Per-sample weights: checked whole before anything is stored, so that a
 * rejected vector leaves the task as it was. */
int mtl_dataset_set_sample_weights(mtl_dataset *ds, int t, const double *w) {
  if (!ds || t < 0 || t >= ds->T)
    return mtl__err(MTL_EINVAL, "mtl_dataset_set_sample_weights: task index "
                                "%d out of range (%d tasks)",
                    t, ds ? ds->T : 0);
  mtl__task *tk = &ds->tasks[t];
  if (!w) {
    free(tk->sw);
    tk->sw = NULL;
    return MTL_OK;
  }
  double sum = 0;
  for (int i = 0; i < tk->n; i++) {
    if (!(w[i] >= 0) || !isfinite(w[i]))
      return mtl__err(MTL_EINVAL, "task %d (%s): sample weight %d is %g; "
                                  "weights must be >= 0 and finite",
                      t + 1, tk->name, i + 1, w[i]);
    sum += w[i];
  }
  if (!(sum > 0))
    return mtl__err(MTL_EINVAL, "task %d (%s): every sample weight is 0",
                    t + 1, tk->name);
  double *c = mtl__malloc((size_t)tk->n * sizeof *c);
  if (!c)
    return MTL_ENOMEM;
  memcpy(c, w, (size_t)tk->n * sizeof *c);
  free(tk->sw);
  tk->sw = c;
  return MTL_OK;
}

const double *mtl_dataset_task_sample_weights(const mtl_dataset *ds, int t) {
  return (ds && t >= 0 && t < ds->T) ? ds->tasks[t].sw : NULL;
}

int mtl_dataset_has_sample_weights(const mtl_dataset *ds) {
  for (int t = 0; ds && t < ds->T; t++)
    if (ds->tasks[t].sw)
      return 1;
  return 0;
}

double mtl__task_sw_sum(const mtl__task *tk) {
  if (!tk->sw)
    return tk->n;
  double s = 0;
  for (int i = 0; i < tk->n; i++)
    s += tk->sw[i];
  return s;
}

int mtl__task_copy_sw(const mtl__task *src, const int *rows, int m,
                      mtl__task *dst) {
  if (!src->sw)
    return MTL_OK;
  double *w = mtl__malloc((size_t)(m > 0 ? m : 1) * sizeof *w);
  if (!w)
    return MTL_ENOMEM;
  for (int i = 0; i < m; i++)
    w[i] = src->sw[rows ? rows[i] : i];
  free(dst->sw);
  dst->sw = w;
  return MTL_OK;
}

int mtl_dataset_ntasks(const mtl_dataset *ds) { return ds ? ds->T : 0; }
int mtl_dataset_dim(const mtl_dataset *ds) { return ds ? ds->d : 0; }

int mtl_dataset_task_n(const mtl_dataset *ds, int t) {
  return (ds && t >= 0 && t < ds->T) ? ds->tasks[t].n : -1;
}

int64_t mtl_dataset_total_n(const mtl_dataset *ds) {
  int64_t s = 0;
  for (int t = 0; ds && t < ds->T; t++)
    s += ds->tasks[t].n;
  return s;
}

mtl_task_kind mtl_dataset_task_kind(const mtl_dataset *ds, int t) {
  return (ds && t >= 0 && t < ds->T) ? ds->tasks[t].kind
                                     : MTL_TASK_REGRESSION;
}

double mtl_dataset_task_weight(const mtl_dataset *ds, int t) {
  return (ds && t >= 0 && t < ds->T) ? ds->tasks[t].weight : 0.0;
}

const char *mtl_dataset_task_name(const mtl_dataset *ds, int t) {
  return (ds && t >= 0 && t < ds->T) ? ds->tasks[t].name : NULL;
}

const double *mtl_dataset_task_y(const mtl_dataset *ds, int t) {
  return (ds && t >= 0 && t < ds->T) ? ds->tasks[t].y : NULL;
}

int mtl_dataset_task_is_sparse(const mtl_dataset *ds, int t) {
  return (ds && t >= 0 && t < ds->T) ? ds->tasks[t].X == NULL : 0;
}

int mtl_dataset_is_shared(const mtl_dataset *ds) {
  return ds ? ds->shared : 0;
}

int mtl_dataset_get_row(const mtl_dataset *ds, int t, int i, double *x) {
  if (!ds || t < 0 || t >= ds->T)
    return mtl__err(MTL_EINVAL, "task index %d out of range", t);
  const mtl__task *tk = &ds->tasks[t];
  if (i < 0 || i >= tk->n)
    return mtl__err(MTL_EINVAL, "task %d: sample %d out of range", t + 1, i);
  if (tk->X) {
    memcpy(x, tk->X + (size_t)i * ds->d, (size_t)ds->d * sizeof(double));
  } else {
    memset(x, 0, (size_t)ds->d * sizeof(double));
    for (int64_t p = tk->indptr[i]; p < tk->indptr[i + 1]; p++)
      x[tk->indices[p]] = tk->values[p];
  }
  return MTL_OK;
}

void mtl__task_matvec(const mtl_dataset *ds, int t, const double *w,
                      double *z) {
  const mtl__task *tk = &ds->tasks[t];
  if (tk->X) {
    mtl__gemv_rm(0, tk->n, ds->d, 1.0, tk->X, ds->d, w, 0.0, z);
    return;
  }
  for (int i = 0; i < tk->n; i++) {
    double s = 0;
    for (int64_t p = tk->indptr[i]; p < tk->indptr[i + 1]; p++)
      s += tk->values[p] * w[tk->indices[p]];
    z[i] = s;
  }
}

void mtl__task_matvec_t(const mtl_dataset *ds, int t, double alpha,
                        const double *r, double *g) {
  const mtl__task *tk = &ds->tasks[t];
  if (tk->X) {
    mtl__gemv_rm(1, tk->n, ds->d, alpha, tk->X, ds->d, r, 1.0, g);
    return;
  }
  for (int i = 0; i < tk->n; i++) {
    double a = alpha * r[i];
    for (int64_t p = tk->indptr[i]; p < tk->indptr[i + 1]; p++)
      g[tk->indices[p]] += a * tk->values[p];
  }
}
