/*
 * io.c -- reading datasets: parameter defaults, format dispatch, the final
 * assembly shared by every reader (label kinds, ownership transfer), and the
 * sample layouts shared by the .mat and .npz readers: one cell per task,
 * task start rows, per-sample task ids, one-vs-rest and stacked 3-D arrays.
 *
 * Every reader builds an array of mtl__io_task and hands it to
 * mtl__io_finish, so nothing is half-built: on any error *out stays NULL
 * and every buffer is freed.
 */
#include "internal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/* AUTO picks one-vs-rest only up to this many classes; beyond, integer
 * targets are more likely a regression and the file is read as one task. */
#define OVR_MAX_AUTO_CLASSES 100

void mtl_read_params_init(mtl_read_params *p) {
  if (!p)
    return;
  *p = (mtl_read_params){.format = MTL_FMT_AUTO,
                         .layout = MTL_LAYOUT_AUTO,
                         .x_var = NULL,
                         .y_var = NULL,
                         .task_var = NULL,
                         .samples_in_columns = -1,
                         .task_col = -1,
                         .label_col = -1,
                         .sparse = -1,
                         .dim = 0,
                         .kind = -1};
}

/* ---- arrays -------------------------------------------------------------- */

size_t mtl__arr_numel(const mtl__arr *a) {
  size_t n = 1;
  for (int k = 0; k < a->rank; k++)
    n *= a->dims[k];
  return n;
}

void mtl__arr_clear(mtl__arr *a) {
  if (!a)
    return;
  if (a->cells) {
    size_t n = mtl__arr_numel(a);
    for (size_t k = 0; k < n; k++)
      mtl__arr_clear(&a->cells[k]);
    free(a->cells);
  }
  free(a->data);
  free(a->jc);
  free(a->ir);
  free(a->sv);
  memset(a, 0, sizeof *a);
}

/* Rank once trailing singleton dimensions are dropped (MATLAB has none
 * below 2, NumPy may have rank 0 or 1). */
static int eff_rank(const mtl__arr *a) {
  int r = a->rank;
  while (r > 0 && a->dims[r - 1] == 1)
    r--;
  return r;
}

/* Views a as a matrix r x c; fails (returns 0) above two dimensions. */
static int view2(const mtl__arr *a, size_t *r, size_t *c) {
  if (eff_rank(a) > 2)
    return 0;
  *r = a->rank >= 1 ? a->dims[0] : 1;
  *c = a->rank >= 2 ? a->dims[1] : 1;
  return 1;
}

/* Element (i, j) of a numeric array viewed as r x c. */
static double at2(const mtl__arr *a, size_t r, size_t c, size_t i, size_t j) {
  return a->colmajor ? a->data[i + j * r] : a->data[i * c + j];
}

/* Stride of dimension k in elements. */
static size_t stride_of(const mtl__arr *a, int k) {
  size_t s = 1;
  if (a->colmajor)
    for (int q = 0; q < k; q++)
      s *= a->dims[q];
  else
    for (int q = k + 1; q < a->rank; q++)
      s *= a->dims[q];
  return s;
}

static void dims_str(const mtl__arr *a, char *buf, size_t cap) {
  size_t o = 0;
  buf[0] = '\0';
  if (a->rank == 0)
    snprintf(buf, cap, "scalar");
  for (int k = 0; k < a->rank && o < cap; k++)
    o += (size_t)snprintf(buf + o, cap - o, k ? " x %zu" : "%zu", a->dims[k]);
}

/* ---- assembly ------------------------------------------------------------ */

static void io_task_clear(mtl__io_task *t) {
  free(t->X);
  free(t->indptr);
  free(t->indices);
  free(t->values);
  free(t->y);
  free(t->name);
  memset(t, 0, sizeof *t);
}

static const char *tname(const mtl__io_task *t, int k, char *buf, size_t cap) {
  if (t->name)
    snprintf(buf, cap, "task %d (%s)", k + 1, t->name);
  else
    snprintf(buf, cap, "task %d", k + 1);
  return buf;
}

/* Decides one label kind for the whole file from the pooled labels: all in
 * {-1,+1} or all in {0,1} is classification ({0,1} is mapped), any other
 * value is regression, and a mix of 0 and -1 is refused as ambiguous.
 * Returns the kind or an error; *map0 = 1 when 0 must become -1. */
static int pooled_kind(const char *path, const mtl__io_task *tk, int T,
                       int want, int *map0) {
  int t0 = -1, i0 = 0, tm = -1, im = 0, to = -1, io = 0;
  double vo = 0;
  char a[96], b[96];
  *map0 = 0;
  for (int t = 0; t < T; t++)
    for (int i = 0; i < tk[t].n; i++) {
      double v = tk[t].y[i];
      if (!isfinite(v))
        return mtl__err(MTL_EFORMAT,
                        "%s: %s sample %d: label %g is not finite", path,
                        tname(&tk[t], t, a, sizeof a), i + 1, v);
      if (v == 0.0 && t0 < 0)
        t0 = t, i0 = i;
      else if (v == -1.0 && tm < 0)
        tm = t, im = i;
      else if (v != 0.0 && v != 1.0 && v != -1.0 && to < 0)
        to = t, io = i, vo = v;
    }
  if (want == MTL_TASK_REGRESSION)
    return MTL_TASK_REGRESSION;
  if (to >= 0) {
    if (want == -1)
      return MTL_TASK_REGRESSION;
    return mtl__err(MTL_EFORMAT,
                    "%s: %s sample %d: label %g is not a class label "
                    "(classification needs {-1,+1} or {0,1})",
                    path, tname(&tk[to], to, a, sizeof a), io + 1, vo);
  }
  if (t0 >= 0 && tm >= 0)
    return mtl__err(MTL_EFORMAT,
                    "%s: mixed label sets {0,1} and {-1,+1}: %s sample %d "
                    "has 0 but %s sample %d has -1 (pass kind = regression "
                    "if these are real targets)",
                    path, tname(&tk[t0], t0, a, sizeof a), i0 + 1,
                    tname(&tk[tm], tm, b, sizeof b), im + 1);
  *map0 = t0 >= 0;
  return MTL_TASK_CLASSIFICATION;
}

int mtl__io_finish(const char *path, int d, mtl__io_task *tk, int T,
                   int kind, const int *task_kinds, mtl_dataset **out) {
  mtl_dataset *ds = NULL;
  int rc = MTL_OK, map0 = 0, k = kind;
  *out = NULL;
  if (T < 1) {
    rc = mtl__err(MTL_EFORMAT, "%s: no samples found", path);
    goto done;
  }
  for (int t = 0; t < T; t++)
    if (tk[t].n < 1) {
      char a[96];
      rc = mtl__err(MTL_EFORMAT, "%s: %s is empty (0 samples)", path,
                    tname(&tk[t], t, a, sizeof a));
      goto done;
    }
  if (!task_kinds) {
    k = pooled_kind(path, tk, T, kind, &map0);
    if (k < 0) {
      rc = k;
      goto done;
    }
  }
  ds = mtl_dataset_create(d);
  if (!ds) {
    rc = d < 1 ? MTL_EFORMAT : MTL_ENOMEM;
    mtl__err_prefix(rc, "%s", path);
    goto done;
  }
  for (int t = 0; t < T; t++) {
    mtl__io_task *q = &tk[t];
    int kt = k;
    if (task_kinds) {
      char a[96], where[1200];
      int mapped;
      snprintf(where, sizeof where, "%s: %s", path,
               tname(q, t, a, sizeof a));
      kt = mtl__labels_check(q->y, q->n, task_kinds[t], &mapped, where);
      if (kt < 0) {
        rc = kt;
        goto done;
      }
      if (mapped)
        mtl__dataset_note(ds, "%s: labels {0,1} mapped to {-1,+1}", where);
    } else if (map0 && k == MTL_TASK_CLASSIFICATION) {
      for (int i = 0; i < q->n; i++)
        if (q->y[i] == 0.0)
          q->y[i] = -1.0;
    }
    /* adopt frees the arrays on failure, so they leave tk[t] first */
    double *X = q->X, *y = q->y, *v = q->values;
    int64_t *ip = q->indptr;
    int32_t *ix = q->indices;
    q->X = q->y = q->values = NULL;
    q->indptr = NULL;
    q->indices = NULL;
    if (X)
      rc = mtl__dataset_adopt_dense(ds, q->n, X, y, (mtl_task_kind)kt,
                                    q->name);
    else
      rc = mtl__dataset_adopt_csr(ds, q->n, ip, ix, v, y, (mtl_task_kind)kt,
                                  q->name);
    if (rc < 0)
      goto done;
    rc = MTL_OK;
  }
  if (map0 && k == MTL_TASK_CLASSIFICATION)
    mtl__dataset_note(ds, "%s: labels {0,1} mapped to {-1,+1} (all %d tasks)",
                      path, T);
done:
  for (int t = 0; t < T; t++)
    io_task_clear(&tk[t]);
  free(tk);
  if (rc < 0) {
    mtl_dataset_free(ds);
    return rc;
  }
  *out = ds;
  return MTL_OK;
}

/* ---- variables of a .mat / .npz ------------------------------------------ */

static const char *const X_NAMES[] = {"X", "x", "feature", "xs", "data",
                                      NULL};
static const char *const Y_NAMES[] = {"Y", "y", "label", "ys", NULL};
static const char *const T_NAMES[] = {"task_indexes", "task_index", "task",
                                      NULL};

static const char *find_var(const mtl__varsrc *s, const char *name) {
  for (int k = 0; k < s->nvars; k++)
    if (strcmp(s->names[k], name) == 0)
      return s->names[k];
  return NULL;
}

static const char *pick(const mtl__varsrc *s, const char *const *cands) {
  for (int k = 0; cands[k]; k++) {
    const char *v = find_var(s, cands[k]);
    if (v)
      return v;
  }
  return NULL;
}

static void var_list(const mtl__varsrc *s, char *buf, size_t cap) {
  size_t o = 0;
  buf[0] = '\0';
  if (s->nvars == 0)
    snprintf(buf, cap, "(none)");
  for (int k = 0; k < s->nvars && o < cap; k++)
    o += (size_t)snprintf(buf + o, cap - o, "%s%s", k ? ", " : "",
                          s->names[k]);
}

static void cands_list(const char *const *c, char *buf, size_t cap) {
  size_t o = 0;
  buf[0] = '\0';
  for (int k = 0; c[k] && o < cap; k++)
    o += (size_t)snprintf(buf + o, cap - o, "%s%s", k ? ", " : "", c[k]);
}

/* The partner of an x/y variable: same name with its last letter swapped
 * (digit_testx <-> digit_testy, Xtr is not paired). */
static const char *partner(const mtl__varsrc *s, const char *name, char from,
                           char to) {
  char buf[256];
  size_t n = strlen(name);
  if (n == 0 || n >= sizeof buf)
    return NULL;
  memcpy(buf, name, n + 1);
  if (buf[n - 1] == from)
    buf[n - 1] = to;
  else if (buf[n - 1] == (char)(from - 'a' + 'A'))
    buf[n - 1] = (char)(to - 'a' + 'A');
  else
    return NULL;
  return find_var(s, buf);
}

/* First variable whose name ends with "trainx" (any case) that has a
 * "trainy" partner: the training split of files such as Kang's MNIST. */
static const char *train_var(const mtl__varsrc *s) {
  for (int k = 0; k < s->nvars; k++) {
    size_t n = strlen(s->names[k]);
    if (n >= 6 && strcasecmp(s->names[k] + n - 6, "trainx") == 0 &&
        partner(s, s->names[k], 'x', 'y'))
      return s->names[k];
  }
  return NULL;
}

/* Context of a message: "path: variable 'X' cell 3". */
static const char *ctx(char *buf, size_t cap, const char *path,
                       const char *var, size_t cell) {
  if (cell)
    snprintf(buf, cap, "%s: variable '%s' cell %zu", path, var, cell);
  else
    snprintf(buf, cap, "%s: variable '%s'", path, var);
  return buf;
}

static int unsupported(const char *where, const mtl__arr *a,
                       const char *need) {
  return mtl__err(MTL_EUNSUPPORTED, "%s: unsupported class %s (need %s)",
                  where, a->cls[0] ? a->cls : "?", need);
}

/* Checks that a is a numeric vector and returns its length. */
static int vec_len(const char *where, const mtl__arr *a, size_t *len) {
  char dims[96];
  if (a->kind == MTL__ARR_CELL)
    return mtl__err(MTL_EUNSUPPORTED,
                    "%s: is a cell array; this layout needs a numeric vector",
                    where);
  if (a->kind != MTL__ARR_NUM)
    return unsupported(where, a, "a numeric vector");
  int nonunit = 0;
  for (int k = 0; k < a->rank; k++)
    nonunit += a->dims[k] != 1;
  if (nonunit > 1) {
    dims_str(a, dims, sizeof dims);
    return mtl__err(MTL_EDIM, "%s: is %s; need a vector", where, dims);
  }
  *len = mtl__arr_numel(a);
  return MTL_OK;
}

/* Copies a vector into a fresh double array, refusing NaN/Inf. */
static int vec_copy(const char *where, const mtl__arr *a, const size_t *rows,
                    size_t n, double **out) {
  double *y = mtl__malloc((n ? n : 1) * sizeof *y);
  *out = NULL;
  if (!y)
    return MTL_ENOMEM;
  for (size_t k = 0; k < n; k++) {
    size_t r = rows ? rows[k] : k;
    y[k] = a->data[r];
    if (!isfinite(y[k])) {
      free(y);
      return mtl__err(MTL_EFORMAT, "%s: entry %zu: value %g is not finite",
                      where, r + 1, a->data[r]);
    }
  }
  *out = y;
  return MTL_OK;
}

/* A design matrix: numeric or sparse, samples in rows (or columns when
 * trans), sparse ones converted once to CSR over samples. */
typedef struct design {
  const char *where;
  const mtl__arr *a;
  size_t r, c, N, d;
  int trans;
  int64_t *ip;   /* sparse: CSR over samples (N + 1) */
  int32_t *ix;
  double *v;
} design;

static void design_clear(design *D) {
  free(D->ip);
  free(D->ix);
  free(D->v);
  D->ip = NULL;
  D->ix = NULL;
  D->v = NULL;
}

/* Orients a (N samples, matching y's length) and prepares sparse data.
 * sic: params.samples_in_columns. */
static int design_init(design *D, const char *where, const mtl__arr *a,
                       size_t N, const char *ywhere, int sic) {
  char dims[96];
  memset(D, 0, sizeof *D);
  D->where = where;
  D->a = a;
  if (a->kind == MTL__ARR_CELL)
    return mtl__err(MTL_EUNSUPPORTED,
                    "%s: is a cell array; this layout needs a matrix", where);
  if (a->kind == MTL__ARR_OTHER)
    return unsupported(where, a, "a numeric or sparse matrix");
  if (!view2(a, &D->r, &D->c)) {
    dims_str(a, dims, sizeof dims);
    return mtl__err(MTL_EDIM, "%s: is a %s array; need a 2-D matrix", where,
                    dims);
  }
  if (sic == 1)
    D->trans = 1;
  else if (sic == 0)
    D->trans = 0;
  else
    D->trans = D->r != N && D->c == N;
  if ((D->trans ? D->c : D->r) != N)
    return mtl__err(MTL_EDIM,
                    "%s: is %zu x %zu but %s has %zu entries (%s)", where,
                    D->r, D->c, ywhere, N,
                    sic == 1   ? "samples_in_columns = 1: columns must match"
                    : sic == 0 ? "samples_in_columns = 0: rows must match"
                               : "neither dimension matches");
  D->N = N;
  D->d = D->trans ? D->r : D->c;
  if (D->d < 1 || D->d > (size_t)INT32_MAX || N > (size_t)INT32_MAX)
    return mtl__err(MTL_EDIM, "%s: is %zu x %zu; need 1 <= d and sizes below "
                              "2^31", where, D->r, D->c);
  if (a->kind != MTL__ARR_SPARSE)
    return MTL_OK;
  /* CSC (r x c) -> CSR over samples. */
  int64_t nnz = a->jc[D->c];
  D->ip = mtl__calloc(N + 1, sizeof *D->ip);
  D->ix = mtl__malloc((size_t)(nnz ? nnz : 1) * sizeof *D->ix);
  D->v = mtl__malloc((size_t)(nnz ? nnz : 1) * sizeof *D->v);
  if (!D->ip || !D->ix || !D->v) {
    design_clear(D);
    return MTL_ENOMEM;
  }
  for (size_t j = 0; j < D->c; j++)
    for (int64_t p = a->jc[j]; p < a->jc[j + 1]; p++)
      if (a->ir[p] < 0 || (size_t)a->ir[p] >= D->r) {
        design_clear(D);
        return mtl__err(MTL_EFORMAT,
                        "%s: sparse row index %lld out of range [0, %zu)",
                        where, (long long)a->ir[p], D->r);
      }
  if (D->trans) { /* columns are samples: the CSC arrays are the CSR */
    for (size_t j = 0; j <= D->c; j++)
      D->ip[j] = a->jc[j];
    for (int64_t p = 0; p < nnz; p++) {
      D->ix[p] = (int32_t)a->ir[p];
      D->v[p] = a->sv[p];
    }
    return MTL_OK;
  }
  for (int64_t p = 0; p < nnz; p++)
    D->ip[a->ir[p] + 1]++;
  for (size_t i = 0; i < N; i++)
    D->ip[i + 1] += D->ip[i];
  int64_t *fill = mtl__malloc(N * sizeof *fill + 1);
  if (!fill) {
    design_clear(D);
    return MTL_ENOMEM;
  }
  memcpy(fill, D->ip, N * sizeof *fill);
  for (size_t j = 0; j < D->c; j++)
    for (int64_t p = a->jc[j]; p < a->jc[j + 1]; p++) {
      int64_t q = fill[a->ir[p]]++;
      D->ix[q] = (int32_t)j;
      D->v[q] = a->sv[p];
    }
  free(fill);
  return MTL_OK;
}

static int not_finite(const design *D, size_t s, size_t j, double v) {
  return mtl__err(MTL_EFORMAT,
                  "%s: sample %zu, feature %zu: value %g is not finite",
                  D->where, s + 1, j + 1, v);
}

/* Fills task t with samples rows[0..n-1] (NULL: 0..n-1) of D: dense
 * row-major, or CSR when the variable is sparse and !dense. */
static int design_rows(const design *D, const size_t *rows, size_t n,
                       int dense, mtl__io_task *t) {
  size_t d = D->d;
  t->n = (int)n;
  if (!D->ip || dense) {
    double *X = mtl__calloc(n * d > 0 ? n * d : 1, sizeof *X);
    if (!X)
      return MTL_ENOMEM;
    t->X = X;
    for (size_t k = 0; k < n; k++) {
      size_t s = rows ? rows[k] : k;
      double *x = X + k * d;
      if (D->ip) {
        for (int64_t p = D->ip[s]; p < D->ip[s + 1]; p++) {
          if (!isfinite(D->v[p]))
            return not_finite(D, s, (size_t)D->ix[p], D->v[p]);
          x[D->ix[p]] = D->v[p];
        }
        continue;
      }
      for (size_t j = 0; j < d; j++) {
        double v = D->trans ? at2(D->a, D->r, D->c, j, s)
                            : at2(D->a, D->r, D->c, s, j);
        if (!isfinite(v))
          return not_finite(D, s, j, v);
        x[j] = v;
      }
    }
    return MTL_OK;
  }
  int64_t nnz = 0;
  for (size_t k = 0; k < n; k++) {
    size_t s = rows ? rows[k] : k;
    nnz += D->ip[s + 1] - D->ip[s];
  }
  t->indptr = mtl__malloc((n + 1) * sizeof *t->indptr);
  t->indices = mtl__malloc((size_t)(nnz ? nnz : 1) * sizeof *t->indices);
  t->values = mtl__malloc((size_t)(nnz ? nnz : 1) * sizeof *t->values);
  if (!t->indptr || !t->indices || !t->values)
    return MTL_ENOMEM;
  int64_t q = 0;
  t->indptr[0] = 0;
  for (size_t k = 0; k < n; k++) {
    size_t s = rows ? rows[k] : k;
    for (int64_t p = D->ip[s]; p < D->ip[s + 1]; p++, q++) {
      if (!isfinite(D->v[p]))
        return not_finite(D, s, (size_t)D->ix[p], D->v[p]);
      t->indices[q] = D->ix[p];
      t->values[q] = D->v[p];
    }
    t->indptr[k + 1] = q;
  }
  return MTL_OK;
}

/* ---- layouts ------------------------------------------------------------- */

typedef struct vars {
  const char *path;
  const mtl_read_params *p;
  const char *xn, *yn, *tn;
  mtl__arr *X, *Y, *Tv;
} vars;

static mtl__io_task *tasks_alloc(size_t T) {
  return mtl__calloc(T ? T : 1, sizeof(mtl__io_task));
}

static void tasks_free(mtl__io_task *tk, size_t T) {
  for (size_t t = 0; tk && t < T; t++)
    io_task_clear(&tk[t]);
  free(tk);
}

/* X{t}, Y{t}: one cell per task (MALSAR School, Landmine). */
static int layout_cell(const vars *v, mtl_dataset **out) {
  char xw[1200], yw[1200], dims[96];
  const mtl__arr *X = v->X, *Y = v->Y;
  size_t r, c, T, d = 0;
  int rc = MTL_OK;
  mtl__io_task *tk = NULL;
  ctx(xw, sizeof xw, v->path, v->xn, 0);
  ctx(yw, sizeof yw, v->path, v->yn, 0);
  if (X->kind != MTL__ARR_CELL)
    return mtl__err(MTL_EFORMAT, "%s: is not a cell array (class %s); the "
                                 "CELL layout needs one cell per task",
                    xw, X->cls);
  if (Y->kind != MTL__ARR_CELL)
    return mtl__err(MTL_EFORMAT, "%s: is not a cell array (class %s); the "
                                 "CELL layout needs one cell per task",
                    yw, Y->cls);
  if (!view2(X, &r, &c) || (r != 1 && c != 1)) {
    dims_str(X, dims, sizeof dims);
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
    design D;
    ctx(cx, sizeof cx, v->path, v->xn, t + 1);
    ctx(cy, sizeof cy, v->path, v->yn, t + 1);
    rc = vec_len(cy, &Y->cells[t], &n);
    if (rc)
      break;
    if (n == 0 || mtl__arr_numel(&X->cells[t]) == 0) {
      rc = mtl__err(MTL_EFORMAT, "%s: empty task (0 samples)",
                    n == 0 ? cy : cx);
      break;
    }
    char ys[300];
    snprintf(ys, sizeof ys, "'%s' cell %zu", v->yn, t + 1);
    rc = design_init(&D, cx, &X->cells[t], n, ys, v->p->samples_in_columns);
    if (rc)
      break;
    if (t == 0)
      d = D.d;
    if (D.d != d)
      rc = mtl__err(MTL_EDIM, "%s: has %zu features but cell 1 has %zu", cx,
                    D.d, d);
    if (!rc)
      rc = design_rows(&D, NULL, n, 0, &tk[t]);
    if (!rc)
      rc = vec_copy(cy, &Y->cells[t], NULL, n, &tk[t].y);
    design_clear(&D);
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
static int build_groups(const vars *v, const design *D, const size_t *rows,
                        const size_t *starts, size_t T, char **names,
                        mtl_dataset **out) {
  char yw[1200];
  int rc = MTL_OK;
  mtl__io_task *tk = tasks_alloc(T);
  if (!tk)
    return MTL_ENOMEM;
  ctx(yw, sizeof yw, v->path, v->yn, 0);
  for (size_t t = 0; t < T && !rc; t++) {
    const size_t *rw = rows + starts[t];
    size_t n = starts[t + 1] - starts[t];
    rc = design_rows(D, rw, n, 0, &tk[t]);
    if (!rc)
      rc = vec_copy(yw, v->Y, rw, n, &tk[t].y);
    if (!rc && names) {
      tk[t].name = names[t];
      names[t] = NULL;
    }
  }
  if (rc) {
    tasks_free(tk, T);
    return rc;
  }
  return mtl__io_finish(v->path, (int)D->d, tk, (int)T, v->p->kind, NULL,
                        out);
}

static size_t *iota(size_t n) {
  size_t *r = mtl__malloc((n ? n : 1) * sizeof *r);
  for (size_t k = 0; r && k < n; k++)
    r[k] = k;
  return r;
}

/* X, y, and 1-based start rows of each task (Argyriou's School). */
static int layout_start(const vars *v, const design *D, mtl_dataset **out) {
  char tw[1200];
  size_t T, N = D->N;
  int rc;
  ctx(tw, sizeof tw, v->path, v->tn, 0);
  rc = vec_len(tw, v->Tv, &T);
  if (rc)
    return rc;
  if (T < 1)
    return mtl__err(MTL_EFORMAT, "%s: is empty (no tasks)", tw);
  size_t *starts = mtl__malloc((T + 1) * sizeof *starts);
  size_t *rows = iota(N);
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
  rc = build_groups(v, D, rows, starts, T, NULL, out);
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
static int layout_id(const vars *v, const design *D, mtl_dataset **out) {
  char tw[1200];
  size_t len, N = D->N, T = 0;
  int rc;
  idrow *ir = NULL;
  size_t *rows = NULL, *starts = NULL;
  char **names = NULL;
  ctx(tw, sizeof tw, v->path, v->tn, 0);
  rc = vec_len(tw, v->Tv, &len);
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
  rc = build_groups(v, D, rows, starts, T, names, out);
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
static int layout_ovr(const vars *v, const design *D, mtl_dataset **out) {
  char yw[1200];
  double *cls = NULL, *Y = NULL;
  size_t K = 0, N = D->N;
  mtl__io_task all = {0};
  mtl_dataset *ds = NULL;
  int rc;
  ctx(yw, sizeof yw, v->path, v->yn, 0);
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
  rc = design_rows(D, NULL, N, 1, &all);
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
  io_task_clear(&all);
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
static int layout_stacked(const vars *v, mtl_dataset **out) {
  char xw[1200], yw[1200], xd[96], yd[96];
  const mtl__arr *X = v->X, *Y = v->Y;
  int rc = MTL_OK;
  ctx(xw, sizeof xw, v->path, v->xn, 0);
  ctx(yw, sizeof yw, v->path, v->yn, 0);
  if (X->kind != MTL__ARR_NUM)
    return X->kind == MTL__ARR_OTHER
               ? unsupported(xw, X, "a numeric 3-D array")
               : mtl__err(MTL_EUNSUPPORTED,
                          "%s: STACKED layout needs a dense 3-D array", xw);
  if (Y->kind != MTL__ARR_NUM)
    return unsupported(yw, Y, "a numeric T x n array");
  dims_str(X, xd, sizeof xd);
  dims_str(Y, yd, sizeof yd);
  if (eff_rank(X) > 3 || X->rank < 3)
    return mtl__err(MTL_EDIM, "%s: is %s; STACKED needs T x n x d", xw, xd);
  size_t T = X->dims[0], n = X->dims[1], d = X->dims[2];
  if (eff_rank(Y) > 2 || Y->rank < 1 || Y->dims[0] != T ||
      (Y->rank >= 2 ? Y->dims[1] : 1) != n)
    return mtl__err(MTL_EDIM, "%s: is %s but '%s' is %s (need T x n = %zu x "
                              "%zu)", yw, yd, v->xn, xd, T, n);
  if (T < 1 || n < 1 || d < 1 || n > INT32_MAX || d > INT32_MAX ||
      T > INT32_MAX)
    return mtl__err(MTL_EFORMAT, "%s: is %s; every dimension must be >= 1",
                    xw, xd);
  size_t s0 = stride_of(X, 0), s1 = stride_of(X, 1), s2 = stride_of(X, 2);
  size_t u0 = stride_of(Y, 0), u1 = Y->rank >= 2 ? stride_of(Y, 1) : 1;
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

/* Chooses the layout of an AUTO read from the variables' shapes. */
static mtl_layout guess_layout(const vars *v, size_t N, int *single) {
  *single = 0;
  if (v->X->kind == MTL__ARR_CELL)
    return MTL_LAYOUT_CELL;
  if (v->X->kind == MTL__ARR_NUM && eff_rank(v->X) == 3)
    return MTL_LAYOUT_STACKED;
  if (v->Tv) {
    size_t len;
    if (vec_len("", v->Tv, &len) == MTL_OK && len == N)
      return MTL_LAYOUT_TASK_ID;
    return MTL_LAYOUT_TASK_START;
  }
  /* > 2 distinct integer values (and not too many): one-vs-rest */
  if (v->Y->kind == MTL__ARR_NUM) {
    double first[OVR_MAX_AUTO_CLASSES + 1];
    size_t k = 0;
    int ok = 1;
    for (size_t i = 0; i < N && ok; i++) {
      double y = v->Y->data[i];
      if (!isfinite(y) || y != floor(y)) {
        ok = 0;
        break;
      }
      size_t q = 0;
      while (q < k && first[q] != y)
        q++;
      if (q == k) {
        if (k > OVR_MAX_AUTO_CLASSES - 1) {
          ok = 0;
          break;
        }
        first[k++] = y;
      }
    }
    if (ok && k > 2)
      return MTL_LAYOUT_ONEVSREST;
  }
  *single = 1;
  return MTL_LAYOUT_TASK_START;
}

static int load_var(mtl__varsrc *s, const char *name, mtl__arr **out) {
  mtl__arr *a = mtl__calloc(1, sizeof *a);
  *out = NULL;
  if (!a)
    return MTL_ENOMEM;
  int rc = s->load(s, name, a);
  if (rc) {
    mtl__arr_clear(a);
    free(a);
    return rc;
  }
  *out = a;
  return MTL_OK;
}

static void free_var(mtl__arr *a) {
  mtl__arr_clear(a);
  free(a);
}

static int missing_var(const mtl__varsrc *s, const char *role,
                       const char *given, const char *const *cands) {
  char have[600], tried[200];
  var_list(s, have, sizeof have);
  if (given)
    return mtl__err(MTL_ENOTFOUND,
                    "%s: variable '%s' (%s) not found; variables present: %s",
                    s->path, given, role, have);
  cands_list(cands, tried, sizeof tried);
  return mtl__err(MTL_ENOTFOUND,
                  "%s: no %s variable found (tried %s); variables present: "
                  "%s",
                  s->path, role, tried, have);
}

/* Reads a dataset from a file of named variables (.mat, .npz). */
static int read_vars(mtl__varsrc *s, const mtl_read_params *p,
                     mtl_dataset **out) {
  vars v = {.path = s->path, .p = p};
  char note[600] = "";
  int rc = MTL_OK, single = 0;
  mtl_layout lay = p->layout;

  v.xn = p->x_var ? find_var(s, p->x_var) : NULL;
  v.yn = p->y_var ? find_var(s, p->y_var) : NULL;
  if (p->x_var && !v.xn)
    return missing_var(s, "X", p->x_var, X_NAMES);
  if (p->y_var && !v.yn)
    return missing_var(s, "y", p->y_var, Y_NAMES);
  if (!p->x_var && v.yn)
    v.xn = partner(s, v.yn, 'y', 'x');
  if (!p->y_var && v.xn)
    v.yn = partner(s, v.xn, 'x', 'y');
  if (!v.xn && !v.yn && !(v.xn = pick(s, X_NAMES)) &&
      (v.xn = train_var(s)) != NULL) {
    v.yn = partner(s, v.xn, 'x', 'y');
    snprintf(note, sizeof note,
             "%s: no X/y variable given: using the training split '%s'/'%s' "
             "(select others with x_var/y_var)",
             s->path, v.xn, v.yn);
  }
  if (!v.xn)
    v.xn = pick(s, X_NAMES);
  if (!v.yn)
    v.yn = pick(s, Y_NAMES);
  if (!v.xn)
    return missing_var(s, "X", NULL, X_NAMES);
  if (!v.yn)
    return missing_var(s, "y", NULL, Y_NAMES);
  v.tn = p->task_var ? find_var(s, p->task_var) : pick(s, T_NAMES);
  if (p->task_var && !v.tn)
    return missing_var(s, "task", p->task_var, T_NAMES);
  if (!v.tn && (lay == MTL_LAYOUT_TASK_START || lay == MTL_LAYOUT_TASK_ID))
    return missing_var(s, "task", NULL, T_NAMES);

  if ((rc = load_var(s, v.xn, &v.X)) || (rc = load_var(s, v.yn, &v.Y)))
    goto done;
  if (v.tn && lay != MTL_LAYOUT_CELL && lay != MTL_LAYOUT_STACKED &&
      lay != MTL_LAYOUT_ONEVSREST && (rc = load_var(s, v.tn, &v.Tv)))
    goto done;

  size_t N = 0;
  if (lay == MTL_LAYOUT_AUTO && v.X->kind != MTL__ARR_CELL &&
      !(v.X->kind == MTL__ARR_NUM && eff_rank(v.X) == 3)) {
    char yw[1200];
    if ((rc = vec_len(ctx(yw, sizeof yw, s->path, v.yn, 0), v.Y, &N)))
      goto done;
  }
  if (lay == MTL_LAYOUT_AUTO)
    lay = guess_layout(&v, N, &single);

  if (lay == MTL_LAYOUT_CELL) {
    rc = layout_cell(&v, out);
  } else if (lay == MTL_LAYOUT_STACKED) {
    rc = layout_stacked(&v, out);
  } else {
    char xw[1200], yw[1200];
    design D;
    ctx(xw, sizeof xw, s->path, v.xn, 0);
    ctx(yw, sizeof yw, s->path, v.yn, 0);
    if ((rc = vec_len(yw, v.Y, &N)))
      goto done;
    if (N == 0) {
      rc = mtl__err(MTL_EFORMAT, "%s: is empty (no samples)", yw);
      goto done;
    }
    snprintf(yw, sizeof yw, "'%s'", v.yn);
    if ((rc = design_init(&D, xw, v.X, N, yw, p->samples_in_columns)))
      goto done;
    if (single) {
      size_t st[2] = {0, N};
      size_t *rows = iota(N);
      rc = rows ? build_groups(&v, &D, rows, st, 1, NULL, out) : MTL_ENOMEM;
      free(rows);
      if (!rc)
        mtl__dataset_note(*out,
                          "%s: no task variable (tried task_indexes, "
                          "task_index, task): read as a single task",
                          s->path);
    } else if (lay == MTL_LAYOUT_TASK_START) {
      rc = layout_start(&v, &D, out);
    } else if (lay == MTL_LAYOUT_TASK_ID) {
      rc = layout_id(&v, &D, out);
    } else {
      rc = layout_ovr(&v, &D, out);
    }
    design_clear(&D);
  }
  if (!rc && note[0])
    mtl__dataset_note(*out, "%s", note);
done:
  if (v.X)
    free_var(v.X);
  if (v.Y)
    free_var(v.Y);
  if (v.Tv)
    free_var(v.Tv);
  return rc;
}

/* ---- dispatch ------------------------------------------------------------ */

static int ext_is(const char *path, const char *ext) {
  size_t n = strlen(path), e = strlen(ext);
  return n > e && strcasecmp(path + n - e, ext) == 0;
}

static int check_params(const mtl_read_params *p) {
  if ((int)p->format < MTL_FMT_AUTO || (int)p->format > MTL_FMT_CSV)
    return mtl__err(MTL_EINVAL, "read params: format = %d is not a "
                                "mtl_format (0..4)", (int)p->format);
  if ((int)p->layout < MTL_LAYOUT_AUTO || (int)p->layout > MTL_LAYOUT_STACKED)
    return mtl__err(MTL_EINVAL, "read params: layout = %d is not a "
                                "mtl_layout (0..5)", (int)p->layout);
  if (p->samples_in_columns < -1 || p->samples_in_columns > 1)
    return mtl__err(MTL_EINVAL, "read params: samples_in_columns = %d must "
                                "be -1, 0 or 1", p->samples_in_columns);
  if (p->task_col < -1)
    return mtl__err(MTL_EINVAL, "read params: task_col = %d must be >= -1",
                    p->task_col);
  if (p->label_col < -1)
    return mtl__err(MTL_EINVAL, "read params: label_col = %d must be >= -1",
                    p->label_col);
  if (p->task_col >= 0 && p->task_col == p->label_col)
    return mtl__err(MTL_EINVAL, "read params: task_col and label_col are "
                                "both %d", p->task_col);
  if (p->sparse < -1 || p->sparse > 1)
    return mtl__err(MTL_EINVAL, "read params: sparse = %d must be -1, 0 or 1",
                    p->sparse);
  if (p->dim < 0)
    return mtl__err(MTL_EINVAL, "read params: dim = %d must be >= 0", p->dim);
  if (p->kind < -1 || p->kind > 1)
    return mtl__err(MTL_EINVAL, "read params: kind = %d must be -1, 0 or 1",
                    p->kind);
  return MTL_OK;
}

int mtl_dataset_read(const char *path, const mtl_read_params *p,
                     mtl_dataset **out) {
  mtl_read_params def;
  unsigned char magic[8] = {0};
  struct stat st;
  int rc;
  if (!out)
    return mtl__err(MTL_EINVAL, "mtl_dataset_read: out is NULL");
  *out = NULL;
  if (!path)
    return mtl__err(MTL_EINVAL, "mtl_dataset_read: path is NULL");
  if (!p) {
    mtl_read_params_init(&def);
    p = &def;
  }
  if ((rc = check_params(p)))
    return rc;
  if (stat(path, &st) != 0)
    return mtl__err(MTL_EIO, "%s: cannot open: %s", path, strerror(errno));
  if (S_ISDIR(st.st_mode))
    return mtl__err(MTL_EIO, "%s: cannot read: is a directory", path);
  FILE *f = fopen(path, "rb");
  if (!f)
    return mtl__err(MTL_EIO, "%s: cannot open: %s", path, strerror(errno));
  size_t got = fread(magic, 1, sizeof magic, f);
  fclose(f);
  int npy = got >= 6 && memcmp(magic, "\x93NUMPY", 6) == 0;

  mtl_format fmt = p->format;
  if (fmt == MTL_FMT_AUTO) {
    if (ext_is(path, ".mat"))
      fmt = MTL_FMT_MAT;
    else if (ext_is(path, ".npz"))
      fmt = MTL_FMT_NPZ;
    else if (ext_is(path, ".csv"))
      fmt = MTL_FMT_CSV;
    else if (ext_is(path, ".npy") || npy)
      fmt = MTL_FMT_NPZ;
    else if (got >= 6 && memcmp(magic, "MATLAB", 6) == 0)
      fmt = MTL_FMT_MAT;
    else if (got >= 4 && memcmp(magic, "PK\x03\x04", 4) == 0)
      fmt = MTL_FMT_NPZ;
    else
      fmt = MTL_FMT_TEXT;
  }
  if (fmt == MTL_FMT_NPZ && (npy || ext_is(path, ".npy")))
    return mtl__err(MTL_EUNSUPPORTED,
                    "%s: a lone .npy file holds one array, not a dataset; "
                    "save X, y (and task ids) together with numpy.savez",
                    path);
  if (fmt == MTL_FMT_TEXT)
    return mtl__read_text(path, p, out);
  if (fmt == MTL_FMT_CSV)
    return mtl__read_csv(path, p, out);

  mtl__varsrc s = {0};
  rc = fmt == MTL_FMT_MAT ? mtl__mat_open(path, &s) : mtl__npz_open(path, &s);
  if (rc)
    return rc;
  rc = read_vars(&s, p, out);
  s.close(&s);
  if (rc) {
    mtl_dataset_free(*out);
    *out = NULL;
  }
  return rc;
}
