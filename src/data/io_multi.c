/*
 * io_multi.c -- multi-target data: one design X shared by T tasks, one per
 * column of a target matrix Y (Sarcos, Mulan's multi-target sets), stored
 * once in shared-design mode.  Used by the .mat/.npz layout MULTITARGET
 * and by the CSV/ARFF column reader (io_select.c).
 */
#include "io_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Decides the kind of target t of ds (its labels alone: two values are
 * classification, mapped with a note), as the pooled rule does per file. */
static int target_kind(mtl_dataset *ds, int t, const char *where, int want) {
  mtl__task *q = &ds->tasks[t];
  mtl__label_sum ls;
  mtl__label_map map;
  mtl__label_sum_init(&ls);
  for (int i = 0; i < q->n; i++)
    mtl__label_sum_add(&ls, i, q->y[i]);
  const char *names[1] = {q->name};
  int k = mtl__labels_pooled(where, &ls, names, 1, want, &map);
  if (k < 0)
    return k;
  q->kind = (mtl_task_kind)k;
  if (map.on && k == MTL_TASK_CLASSIFICATION) {
    for (int i = 0; i < q->n; i++)
      q->y[i] = q->y[i] == map.hi ? 1.0 : -1.0;
    mtl__dataset_note(ds,
                      "%s: target %d (%s): labels {%.17g,%.17g} mapped "
                      "to {-1,+1} (%.17g -> +1)",
                      where, t + 1, q->name ? q->name : "?", map.lo, map.hi,
                      map.hi);
  }
  return MTL_OK;
}

int mtl__io_shared(const char *path, int d, int N, const double *X, int T,
                   const double *Y, char *const *names, int want,
                   mtl_dataset **out) {
  mtl_dataset *ds = mtl_dataset_create(d);
  int rc = ds ? MTL_OK : (d < 1 ? MTL_EFORMAT : MTL_ENOMEM);
  *out = NULL;
  if (rc) {
    mtl__err_prefix(rc, "%s", path);
    return rc;
  }
  /* kinds are decided per target below, so no label check here */
  if ((rc = mtl_dataset_set_shared(ds, N, X, T, Y, MTL_TASK_REGRESSION)))
    mtl__err_prefix(rc, "%s", path);
  for (int t = 0; t < T && !rc; t++) {
    char buf[32], *s;
    if (!names || !names[t])
      snprintf(buf, sizeof buf, "target%d", t + 1);
    if (!(s = mtl__strdup(names && names[t] ? names[t] : buf))) {
      rc = MTL_ENOMEM;
      break;
    }
    free(ds->tasks[t].name);
    ds->tasks[t].name = s;
    rc = target_kind(ds, t, path, want);
  }
  if (rc) {
    mtl_dataset_free(ds);
    return rc;
  }
  mtl__dataset_note(ds,
                    "%s: %d targets sharing one X (%d samples x %d "
                    "features, stored once)",
                    path, T, N, d);
  *out = ds;
  return MTL_OK;
}

/* 1 when y is a numeric matrix with more than one row and column. */
int mtl__io_is_matrix(const mtl__arr *y) {
  size_t r, c;
  return y->kind == MTL__ARR_NUM && mtl__arr_view2(y, &r, &c) && r > 1 && c > 1;
}

/* X (N x d, or d x N) and Y (N x T, or T x N): the T columns of Y are the
 * targets of T tasks sharing X.  Y's orientation follows X's sample count;
 * a square Y is read as N x T. */
int mtl__io_layout_multi(const mtl__io_vars *v, mtl_dataset **out) {
  char xw[1200], yw[1200], yq[300];
  size_t r, c, xr = 0, xc = 0;
  mtl__io_where(xw, sizeof xw, v->path, v->xn, 0);
  mtl__io_where(yw, sizeof yw, v->path, v->yn, 0);
  if (v->Y->kind != MTL__ARR_NUM)
    return mtl__io_unsupported(yw, v->Y, "a numeric N x T matrix");
  if (!mtl__arr_view2(v->Y, &r, &c))
    return mtl__err(MTL_EDIM,
                    "%s: multi-target Y must be a 2-D N x T "
                    "matrix",
                    yw);
  if (v->X->kind == MTL__ARR_NUM || v->X->kind == MTL__ARR_SPARSE)
    mtl__arr_view2(v->X, &xr, &xc);
  int sic = v->p->samples_in_columns;
  size_t N = r, T = c;
  int ytrans = 0;
  if (r != xr && r != xc && (c == xr || c == xc)) {
    N = c;
    T = r;
    ytrans = 1;
  }
  snprintf(yq, sizeof yq, "'%s' (N x T = %zu x %zu)", v->yn, N, T);
  mtl__io_design D;
  int rc = mtl__io_design_init(&D, xw, v->X, N, yq, sic);
  if (rc)
    return rc;
  mtl__io_task all = {0};
  double *Y = mtl__malloc(N * T * sizeof *Y);
  rc = Y ? mtl__io_design_rows(&D, NULL, N, 1, &all) : MTL_ENOMEM;
  size_t s0 = mtl__arr_stride(v->Y, ytrans),
         s1 = mtl__arr_stride(v->Y, !ytrans);
  for (size_t t = 0; t < T && !rc; t++)
    for (size_t i = 0; i < N && !rc; i++) {
      double y = v->Y->data[i * s0 + t * s1];
      if (!isfinite(y))
        rc = mtl__err(MTL_EFORMAT,
                      "%s: sample %zu, target %zu: value %g is "
                      "not finite",
                      yw, i + 1, t + 1, y);
      Y[t * N + i] = y;
    }
  if (!rc && T > INT32_MAX)
    rc = mtl__err(MTL_EDIM, "%s: %zu targets is too many", yw, T);
  if (!rc)
    rc = mtl__io_shared(v->path, (int)D.d, (int)N, all.X, (int)T, Y, NULL,
                        v->p->kind, out);
  if (!rc && (rc = mtl__io_weights(v, NULL, NULL, N, *out))) {
    mtl_dataset_free(*out);
    *out = NULL;
  }
  mtl__io_task_clear(&all);
  mtl__io_design_clear(&D);
  free(Y);
  return rc;
}

int mtl__io_weights(const mtl__io_vars *v, const size_t *rows,
                    const size_t *starts, size_t N, mtl_dataset *ds) {
  char ww[1200];
  size_t len = 0;
  if (!v->Wv)
    return MTL_OK;
  mtl__io_where(ww, sizeof ww, v->path, v->wn, 0);
  int rc = mtl__io_vec_len(ww, v->Wv, &len);
  if (rc)
    return rc;
  if (len != N)
    return mtl__err(MTL_EDIM, "%s: %zu sample weights for %zu samples", ww,
                    len, N);
  for (size_t i = 0; i < N; i++) { /* a vector: contiguous */
    double w = v->Wv->data[i];
    if (!(w >= 0) || !isfinite(w))
      return mtl__err(MTL_EFORMAT, "%s: entry %zu: sample weight %g is %s",
                      ww, i + 1, w, w < 0 ? "negative" : "not finite");
  }
  double *w = mtl__malloc((N ? N : 1) * sizeof *w);
  if (!w)
    return MTL_ENOMEM;
  for (int t = 0; t < ds->T && !rc; t++) {
    size_t n = rows ? starts[t + 1] - starts[t] : N;
    for (size_t i = 0; i < n; i++)
      w[i] = v->Wv->data[rows ? rows[starts[t] + i] : i];
    if ((rc = mtl_dataset_set_sample_weights(ds, t, w)))
      rc = mtl__err_prefix(MTL_EFORMAT, "%s", ww);
  }
  free(w);
  if (!rc)
    mtl__dataset_note(ds, "%s: per-sample weights", ww);
  return rc;
}

/* Columns [c0, c0 + w) of the r x c matrix M as a fresh column-major
 * array. */
static int columns(const mtl__arr *M, size_t r, size_t c0, size_t w,
                   mtl__arr *out) {
  memset(out, 0, sizeof *out);
  out->kind = MTL__ARR_NUM;
  out->rank = 2;
  out->dims[0] = r;
  out->dims[1] = w;
  out->colmajor = 1;
  snprintf(out->cls, sizeof out->cls, "%s", M->cls);
  out->data = mtl__malloc((r * w + 1) * sizeof *out->data);
  if (!out->data)
    return MTL_ENOMEM;
  size_t s0 = mtl__arr_stride(M, 0), s1 = mtl__arr_stride(M, 1);
  for (size_t j = 0; j < w; j++)
    for (size_t i = 0; i < r; i++)
      out->data[j * r + i] = M->data[i * s0 + (c0 + j) * s1];
  return MTL_OK;
}

int mtl__io_read_split(mtl__varsrc *s, const mtl_read_params *p,
                       mtl_dataset **out) {
  char *e, where[1200];
  long K = strtol(p->targets, &e, 10);
  const char *name = p->x_var ? p->x_var : s->names[0];
  mtl__arr M = {0}, X = {0}, Y = {0};
  size_t r, c;
  if (e == p->targets || *e || K < 1 || (!p->x_var && s->nvars != 1))
    return mtl__err(MTL_EINVAL,
                    "%s: targets = '%s': in a .mat/.npz file, targets is a "
                    "count K (the last K columns of one matrix: x_var, or "
                    "the file's only variable); a separate target matrix "
                    "is named by y_var",
                    s->path, p->targets);
  mtl__io_where(where, sizeof where, s->path, name, 0);
  int rc = s->load(s, name, &M);
  if (!rc && (M.kind != MTL__ARR_NUM || !mtl__arr_view2(&M, &r, &c)))
    rc = mtl__io_unsupported(where, &M, "a numeric N x (d + K) matrix");
  if (!rc && (size_t)K >= c)
    rc = mtl__err(MTL_EDIM, "%s: has %zu columns; targets = %ld leaves no "
                            "feature", where, c, K);
  if (!rc)
    rc = columns(&M, r, 0, c - (size_t)K, &X);
  if (!rc)
    rc = columns(&M, r, c - (size_t)K, (size_t)K, &Y);
  if (!rc) {
    mtl_read_params q = *p;
    q.samples_in_columns = 0;
    mtl__io_vars v = {.path = s->path, .p = &q, .xn = name, .yn = name,
                      .X = &X, .Y = &Y};
    rc = mtl__io_layout_multi(&v, out);
  }
  if (!rc)
    mtl__dataset_note(*out, "%s: the last %ld of %zu columns are the "
                            "targets, the others the features",
                      where, K, c);
  mtl__arr_clear(&M);
  mtl__arr_clear(&X);
  mtl__arr_clear(&Y);
  return rc;
}
