/*
 * io_layout.c -- the sample layouts shared by the .mat and .npz readers:
 * one cell per task, task start rows, per-sample task ids, one-vs-rest and
 * stacked 3-D arrays.  Each builds an array of mtl__io_task and hands it to
 * mtl__io_finish.
 */
#include "io_impl.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/* ---- layouts ------------------------------------------------------------- */

static mtl__io_task *tasks_alloc(size_t T) {
  return mtl__calloc(T ? T : 1, sizeof(mtl__io_task));
}

static void tasks_free(mtl__io_task *tk, size_t T) {
  for (size_t t = 0; tk && t < T; t++)
    mtl__io_task_clear(&tk[t]);
  free(tk);
}

/* X{t}, Y{t}: one cell per task (MALSAR School, Landmine). */
int mtl__io_layout_cell(const mtl__io_vars *v, mtl_dataset **out) {
  char xw[1200], yw[1200], dims[96];
  const mtl__arr *X = v->X, *Y = v->Y;
  size_t r, c, T, d = 0;
  int rc = MTL_OK;
  mtl__io_task *tk = NULL;
  mtl__io_where(xw, sizeof xw, v->path, v->xn, 0);
  mtl__io_where(yw, sizeof yw, v->path, v->yn, 0);
  if (X->kind != MTL__ARR_CELL)
    return mtl__err(MTL_EFORMAT, "%s: is not a cell array (class %s); the "
                                 "CELL layout needs one cell per task",
                    xw, X->cls);
  if (Y->kind != MTL__ARR_CELL)
    return mtl__err(MTL_EFORMAT, "%s: is not a cell array (class %s); the "
                                 "CELL layout needs one cell per task",
                    yw, Y->cls);
  if (!mtl__arr_view2(X, &r, &c) || (r != 1 && c != 1)) {
    mtl__arr_dims_str(X, dims, sizeof dims);
    return mtl__err(MTL_EDIM, "%s: cell array is %s; need 1 x T or T x 1",
                    xw, dims);
  }
  T = mtl__arr_numel(X);
  if (mtl__arr_numel(Y) != T)
    return mtl__err(MTL_EDIM, "%s: has %zu cells but '%s' has %zu", yw,
                    mtl__arr_numel(Y), v->xn, T);
  if (T < 1 || T > (size_t)INT32_MAX)
    return mtl__err(MTL_EFORMAT, "%s: has %zu cells", xw, T);
  tk = tasks_alloc(T);
  if (!tk)
    return MTL_ENOMEM;
  for (size_t t = 0; t < T && !rc; t++) {
    char cx[1200], cy[1200];
    size_t n;
    mtl__io_design D;
    mtl__io_where(cx, sizeof cx, v->path, v->xn, t + 1);
    mtl__io_where(cy, sizeof cy, v->path, v->yn, t + 1);
    rc = mtl__io_vec_len(cy, &Y->cells[t], &n);
    if (rc)
      break;
    if (n == 0 || mtl__arr_numel(&X->cells[t]) == 0) {
      rc = mtl__err(MTL_EFORMAT, "%s: empty task (0 samples)",
                    n == 0 ? cy : cx);
      break;
    }
    char ys[300];
    snprintf(ys, sizeof ys, "'%s' cell %zu", v->yn, t + 1);
    rc = mtl__io_design_init(&D, cx, &X->cells[t], n, ys,
                             v->p->samples_in_columns);
    if (rc)
      break;
    if (t == 0)
      d = D.d;
    if (D.d != d)
      rc = mtl__err(MTL_EDIM, "%s: has %zu features but cell 1 has %zu", cx,
                    D.d, d);
    if (!rc)
      rc = mtl__io_design_rows(&D, NULL, n, 0, &tk[t]);
    if (!rc)
      rc = mtl__io_vec_copy(cy, &Y->cells[t], NULL, n, &tk[t].y);
    mtl__io_design_clear(&D);
  }
  if (rc) {
    tasks_free(tk, T);
    return rc;
  }
  return mtl__io_finish(v->path, (int)d, tk, (int)T, v->p->kind, NULL, out);
}

/* One X, one y and task groups given as row lists: shared by TASK_START,
 * TASK_ID and the single-task fallback.  rows (N entries) lists samples
 * task after task; starts[t] indexes rows (T + 1 entries); names may be
 * NULL. */
int mtl__io_build_groups(const mtl__io_vars *v, const mtl__io_design *D,
                         const size_t *rows, const size_t *starts, size_t T,
                         char **names, mtl_dataset **out) {
  char yw[1200];
  int rc = MTL_OK;
  mtl__io_task *tk = tasks_alloc(T);
  if (!tk)
    return MTL_ENOMEM;
  mtl__io_where(yw, sizeof yw, v->path, v->yn, 0);
  for (size_t t = 0; t < T && !rc; t++) {
    const size_t *rw = rows + starts[t];
    size_t n = starts[t + 1] - starts[t];
    rc = mtl__io_design_rows(D, rw, n, 0, &tk[t]);
    if (!rc)
      rc = mtl__io_vec_copy(yw, v->Y, rw, n, &tk[t].y);
    if (!rc && names) {
      tk[t].name = names[t];
      names[t] = NULL;
    }
  }
  if (rc) {
    tasks_free(tk, T);
    return rc;
  }
  rc = mtl__io_finish(v->path, (int)D->d, tk, (int)T, v->p->kind, NULL, out);
  if (!rc && (rc = mtl__io_weights(v, rows, starts, D->N, *out))) {
    mtl_dataset_free(*out);
    *out = NULL;
  }
  return rc;
}

size_t *mtl__io_iota(size_t n) {
  size_t *r = mtl__malloc((n ? n : 1) * sizeof *r);
  for (size_t k = 0; r && k < n; k++)
    r[k] = k;
  return r;
}

/* X, y, and 1-based start rows of each task (Argyriou's School). */
int mtl__io_layout_start(const mtl__io_vars *v, const mtl__io_design *D,
                         mtl_dataset **out) {
  char tw[1200];
  size_t T, N = D->N;
  int rc;
  mtl__io_where(tw, sizeof tw, v->path, v->tn, 0);
  rc = mtl__io_vec_len(tw, v->Tv, &T);
  if (rc)
    return rc;
  if (T < 1)
    return mtl__err(MTL_EFORMAT, "%s: is empty (no tasks)", tw);
  size_t *starts = mtl__malloc((T + 1) * sizeof *starts);
  size_t *rows = mtl__io_iota(N);
  if (!starts || !rows) {
    rc = MTL_ENOMEM;
    goto done;
  }
  for (size_t t = 0; t < T; t++) {
    double s = v->Tv->data[t];
    if (!isfinite(s) || s != floor(s)) {
      rc = mtl__err(MTL_EFORMAT,
                    "%s: entry %zu: value %g is not an integer start row", tw,
                    t + 1, s);
      goto done;
    }
    if (t == 0 && s != 1) {
      rc = mtl__err(MTL_EFORMAT,
                    "%s: entry 1: value %g; the first task must start at row "
                    "1 (start rows are 1-based)",
                    tw, s);
      goto done;
    }
    if (t > 0 && s <= (double)starts[t - 1] + 1) {
      rc = mtl__err(MTL_EFORMAT,
                    "%s: entry %zu: start row %g is not greater than the "
                    "previous %zu (task %zu would be empty)",
                    tw, t + 1, s, starts[t - 1] + 1, t);
      goto done;
    }
    if (s > (double)N) {
      rc = mtl__err(MTL_EFORMAT,
                    "%s: entry %zu: start row %g exceeds the %zu samples of "
                    "'%s'",
                    tw, t + 1, s, N, v->yn);
      goto done;
    }
    starts[t] = (size_t)s - 1;
  }
  starts[T] = N;
  rc = mtl__io_build_groups(v, D, rows, starts, T, NULL, out);
done:
  free(starts);
  free(rows);
  return rc;
}

typedef struct idrow {
  double id;
  size_t row;
} idrow;

static int cmp_idrow(const void *a, const void *b) {
  const idrow *x = a, *y = b;
  if (x->id != y->id)
    return x->id < y->id ? -1 : 1;
  return x->row < y->row ? -1 : x->row > y->row;
}

static char *id_name(double id) {
  char buf[64];
  if (id == floor(id) && fabs(id) < 1e15)
    snprintf(buf, sizeof buf, "task%lld", (long long)id);
  else
    snprintf(buf, sizeof buf, "task%.17g", id);
  return mtl__strdup(buf);
}

/* X, y and a per-sample task id: tasks are the distinct ids, ascending. */
int mtl__io_layout_id(const mtl__io_vars *v, const mtl__io_design *D,
                      mtl_dataset **out) {
  char tw[1200];
  size_t len, N = D->N, T = 0;
  int rc;
  idrow *ir = NULL;
  size_t *rows = NULL, *starts = NULL;
  char **names = NULL;
  mtl__io_where(tw, sizeof tw, v->path, v->tn, 0);
  rc = mtl__io_vec_len(tw, v->Tv, &len);
  if (rc)
    return rc;
  if (len != N)
    return mtl__err(MTL_EDIM, "%s: has %zu task ids but '%s' has %zu samples",
                    tw, len, v->yn, N);
  ir = mtl__malloc(N * sizeof *ir);
  rows = mtl__malloc(N * sizeof *rows);
  starts = mtl__malloc((N + 1) * sizeof *starts);
  if (!ir || !rows || !starts) {
    rc = MTL_ENOMEM;
    goto done;
  }
  for (size_t i = 0; i < N; i++) {
    ir[i].id = v->Tv->data[i];
    ir[i].row = i;
    if (!isfinite(ir[i].id)) {
      rc = mtl__err(MTL_EFORMAT, "%s: entry %zu: task id %g is not finite",
                    tw, i + 1, ir[i].id);
      goto done;
    }
  }
  qsort(ir, N, sizeof *ir, cmp_idrow);
  for (size_t i = 0; i < N; i++) {
    rows[i] = ir[i].row;
    if (i == 0 || ir[i].id != ir[i - 1].id)
      starts[T++] = i;
  }
  starts[T] = N;
  names = mtl__calloc(T, sizeof *names);
  if (!names) {
    rc = MTL_ENOMEM;
    goto done;
  }
  for (size_t t = 0; t < T; t++)
    if (!(names[t] = id_name(ir[starts[t]].id))) {
      rc = MTL_ENOMEM;
      goto done;
    }
  rc = mtl__io_build_groups(v, D, rows, starts, T, names, out);
done:
  for (size_t t = 0; names && t < T; t++)
    free(names[t]);
  free(names);
  free(ir);
  free(rows);
  free(starts);
  return rc;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Sorted distinct values of y (n); returns their count or an error when a
 * value is not an integer (classes must be integers). */
static int classes_of(const char *yw, const mtl__arr *Y, size_t n,
                      double **cls, size_t *K) {
  double *c = mtl__malloc((n ? n : 1) * sizeof *c);
  *cls = NULL;
  *K = 0;
  if (!c)
    return MTL_ENOMEM;
  for (size_t i = 0; i < n; i++) {
    c[i] = Y->data[i];
    if (!isfinite(c[i]) || c[i] != floor(c[i])) {
      double bad = c[i];
      free(c);
      return mtl__err(MTL_EFORMAT,
                      "%s: entry %zu: value %g is not an integer class label",
                      yw, i + 1, bad);
    }
  }
  qsort(c, n, sizeof *c, cmp_double);
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    if (i == 0 || c[i] != c[k - 1])
      c[k++] = c[i];
  *cls = c;
  *K = k;
  return MTL_OK;
}

/* Shared X, multiclass y -> one binary task per class (+1 = the class),
 * stored once in shared-design mode (Kang et al. 2011 MNIST/USPS). */
int mtl__io_layout_ovr(const mtl__io_vars *v, const mtl__io_design *D,
                       mtl_dataset **out) {
  char yw[1200];
  double *cls = NULL, *Y = NULL;
  size_t K = 0, N = D->N;
  mtl__io_task all = {0};
  mtl_dataset *ds = NULL;
  int rc;
  mtl__io_where(yw, sizeof yw, v->path, v->yn, 0);
  if (v->p->kind == MTL_TASK_REGRESSION)
    return mtl__err(MTL_EINVAL, "%s: one-vs-rest tasks are classification; "
                                "kind = regression conflicts", yw);
  rc = classes_of(yw, v->Y, N, &cls, &K);
  if (rc)
    return rc;
  if (K < 2) {
    rc = mtl__err(MTL_EFORMAT,
                  "%s: has %zu distinct class; one-vs-rest needs >= 2", yw, K);
    goto done;
  }
  rc = mtl__io_design_rows(D, NULL, N, 1, &all);
  if (rc)
    goto done;
  Y = mtl__malloc(N * K * sizeof *Y);
  if (!Y) {
    rc = MTL_ENOMEM;
    goto done;
  }
  for (size_t t = 0; t < K; t++)
    for (size_t i = 0; i < N; i++)
      Y[t * N + i] = v->Y->data[i] == cls[t] ? 1.0 : -1.0;
  ds = mtl_dataset_create((int)D->d);
  if (!ds) {
    rc = MTL_ENOMEM;
    goto done;
  }
  rc = mtl_dataset_set_shared(ds, (int)N, all.X, (int)K, Y,
                              MTL_TASK_CLASSIFICATION);
  if (rc)
    goto done;
  for (size_t t = 0; t < K; t++) {
    char name[64], *s;
    snprintf(name, sizeof name, "class%.17g", cls[t]);
    if (!(s = mtl__strdup(name))) {
      rc = MTL_ENOMEM;
      goto done;
    }
    free(ds->tasks[t].name);
    ds->tasks[t].name = s;
  }
  mtl__dataset_note(ds,
                    "%s: one-vs-rest: %zu classes (%.17g..%.17g) -> %zu "
                    "tasks sharing X; task 'class<c>' has +1 for class c, -1 "
                    "otherwise",
                    yw, K, cls[0], cls[K - 1], K);
done:
  mtl__io_task_clear(&all);
  free(cls);
  free(Y);
  if (rc) {
    mtl_dataset_free(ds);
    return rc;
  }
  *out = ds;
  return MTL_OK;
}

/* 3-D X (T x n x d) and Y (T x n): NC-24's synthetic.npz. */
int mtl__io_layout_stacked(const mtl__io_vars *v, mtl_dataset **out) {
  char xw[1200], yw[1200], xd[96], yd[96];
  const mtl__arr *X = v->X, *Y = v->Y;
  int rc = MTL_OK;
  mtl__io_where(xw, sizeof xw, v->path, v->xn, 0);
  mtl__io_where(yw, sizeof yw, v->path, v->yn, 0);
  if (X->kind != MTL__ARR_NUM)
    return X->kind == MTL__ARR_OTHER
               ? mtl__io_unsupported(xw, X, "a numeric 3-D array")
               : mtl__err(MTL_EUNSUPPORTED,
                          "%s: STACKED layout needs a dense 3-D array", xw);
  if (Y->kind != MTL__ARR_NUM)
    return mtl__io_unsupported(yw, Y, "a numeric T x n array");
  mtl__arr_dims_str(X, xd, sizeof xd);
  mtl__arr_dims_str(Y, yd, sizeof yd);
  if (mtl__arr_rank(X) > 3 || X->rank < 3)
    return mtl__err(MTL_EDIM, "%s: is %s; STACKED needs T x n x d", xw, xd);
  size_t T = X->dims[0], n = X->dims[1], d = X->dims[2];
  if (mtl__arr_rank(Y) > 2 || Y->rank < 1 || Y->dims[0] != T ||
      (Y->rank >= 2 ? Y->dims[1] : 1) != n)
    return mtl__err(MTL_EDIM, "%s: is %s but '%s' is %s (need T x n = %zu x "
                              "%zu)", yw, yd, v->xn, xd, T, n);
  if (T < 1 || n < 1 || d < 1 || n > INT32_MAX || d > INT32_MAX ||
      T > INT32_MAX)
    return mtl__err(MTL_EFORMAT, "%s: is %s; every dimension must be >= 1",
                    xw, xd);
  size_t s0 = mtl__arr_stride(X, 0), s1 = mtl__arr_stride(X, 1),
         s2 = mtl__arr_stride(X, 2);
  size_t u0 = mtl__arr_stride(Y, 0),
         u1 = Y->rank >= 2 ? mtl__arr_stride(Y, 1) : 1;
  mtl__io_task *tk = tasks_alloc(T);
  if (!tk)
    return MTL_ENOMEM;
  for (size_t t = 0; t < T && !rc; t++) {
    tk[t].n = (int)n;
    tk[t].X = mtl__malloc(n * d * sizeof(double));
    tk[t].y = mtl__malloc(n * sizeof(double));
    if (!tk[t].X || !tk[t].y) {
      rc = MTL_ENOMEM;
      break;
    }
    for (size_t i = 0; i < n && !rc; i++) {
      for (size_t j = 0; j < d; j++) {
        double x = X->data[t * s0 + i * s1 + j * s2];
        if (!isfinite(x)) {
          rc = mtl__err(MTL_EFORMAT,
                        "%s: task %zu, sample %zu, feature %zu: value %g is "
                        "not finite",
                        xw, t + 1, i + 1, j + 1, x);
          break;
        }
        tk[t].X[i * d + j] = x;
      }
      double y = Y->data[t * u0 + i * u1];
      if (!rc && !isfinite(y))
        rc = mtl__err(MTL_EFORMAT,
                      "%s: task %zu, sample %zu: value %g is not finite", yw,
                      t + 1, i + 1, y);
      tk[t].y[i] = y;
    }
  }
  if (rc) {
    tasks_free(tk, T);
    return rc;
  }
  return mtl__io_finish(v->path, (int)d, tk, (int)T, v->p->kind, NULL, out);
}
