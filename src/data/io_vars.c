/*
 * io_vars.c -- the variables of a .mat or .npz file: array views, the
 * choice of the X / y / task variables by name, design matrices (dense or
 * sparse, samples in rows or columns), and the read of a variable file
 * that guesses the layout and hands over to io_layout.c.
 */
#include "io_impl.h"

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
int mtl__arr_rank(const mtl__arr *a) {
  int r = a->rank;
  while (r > 0 && a->dims[r - 1] == 1)
    r--;
  return r;
}

/* Views a as a matrix r x c; fails (returns 0) above two dimensions. */
int mtl__arr_view2(const mtl__arr *a, size_t *r, size_t *c) {
  if (mtl__arr_rank(a) > 2)
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
size_t mtl__arr_stride(const mtl__arr *a, int k) {
  size_t s = 1;
  if (a->colmajor)
    for (int q = 0; q < k; q++)
      s *= a->dims[q];
  else
    for (int q = k + 1; q < a->rank; q++)
      s *= a->dims[q];
  return s;
}

void mtl__arr_dims_str(const mtl__arr *a, char *buf, size_t cap) {
  size_t o = 0;
  buf[0] = '\0';
  if (a->rank == 0)
    snprintf(buf, cap, "scalar");
  for (int k = 0; k < a->rank && o < cap; k++)
    o += (size_t)snprintf(buf + o, cap - o, k ? " x %zu" : "%zu", a->dims[k]);
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
const char *mtl__io_where(char *buf, size_t cap, const char *path,
                          const char *var, size_t cell) {
  if (cell)
    snprintf(buf, cap, "%s: variable '%s' cell %zu", path, var, cell);
  else
    snprintf(buf, cap, "%s: variable '%s'", path, var);
  return buf;
}

int mtl__io_unsupported(const char *where, const mtl__arr *a,
                        const char *need) {
  return mtl__err(MTL_EUNSUPPORTED, "%s: unsupported class %s (need %s)",
                  where, a->cls[0] ? a->cls : "?", need);
}

/* Checks that a is a numeric vector and returns its length. */
int mtl__io_vec_len(const char *where, const mtl__arr *a, size_t *len) {
  char dims[96];
  if (a->kind == MTL__ARR_CELL)
    return mtl__err(MTL_EUNSUPPORTED,
                    "%s: is a cell array; this layout needs a numeric vector",
                    where);
  if (a->kind != MTL__ARR_NUM)
    return mtl__io_unsupported(where, a, "a numeric vector");
  int nonunit = 0;
  for (int k = 0; k < a->rank; k++)
    nonunit += a->dims[k] != 1;
  if (nonunit > 1) {
    mtl__arr_dims_str(a, dims, sizeof dims);
    return mtl__err(MTL_EDIM, "%s: is %s; need a vector", where, dims);
  }
  *len = mtl__arr_numel(a);
  return MTL_OK;
}

/* Copies a vector into a fresh double array, refusing NaN/Inf. */
int mtl__io_vec_copy(const char *where, const mtl__arr *a, const size_t *rows,
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

void mtl__io_design_clear(mtl__io_design *D) {
  free(D->ip);
  free(D->ix);
  free(D->v);
  D->ip = NULL;
  D->ix = NULL;
  D->v = NULL;
}

/* Orients a (N samples, matching y's length) and prepares sparse data.
 * sic: params.samples_in_columns. */
int mtl__io_design_init(mtl__io_design *D, const char *where, const mtl__arr *a,
                        size_t N, const char *ywhere, int sic) {
  char dims[96];
  memset(D, 0, sizeof *D);
  D->where = where;
  D->a = a;
  if (a->kind == MTL__ARR_CELL)
    return mtl__err(MTL_EUNSUPPORTED,
                    "%s: is a cell array; this layout needs a matrix", where);
  if (a->kind == MTL__ARR_OTHER)
    return mtl__io_unsupported(where, a, "a numeric or sparse matrix");
  if (!mtl__arr_view2(a, &D->r, &D->c)) {
    mtl__arr_dims_str(a, dims, sizeof dims);
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
    mtl__io_design_clear(D);
    return MTL_ENOMEM;
  }
  for (size_t j = 0; j < D->c; j++)
    for (int64_t p = a->jc[j]; p < a->jc[j + 1]; p++)
      if (a->ir[p] < 0 || (size_t)a->ir[p] >= D->r) {
        mtl__io_design_clear(D);
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
    mtl__io_design_clear(D);
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

static int not_finite(const mtl__io_design *D, size_t s, size_t j, double v) {
  return mtl__err(MTL_EFORMAT,
                  "%s: sample %zu, feature %zu: value %g is not finite",
                  D->where, s + 1, j + 1, v);
}

/* Fills task t with samples rows[0..n-1] (NULL: 0..n-1) of D: dense
 * row-major, or CSR when the variable is sparse and !dense. */
int mtl__io_design_rows(const mtl__io_design *D, const size_t *rows, size_t n,
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

/* Chooses the layout of an AUTO read from the variables' shapes. */
static mtl_layout guess_layout(const mtl__io_vars *v, size_t N, int *single) {
  *single = 0;
  if (v->X->kind == MTL__ARR_CELL)
    return MTL_LAYOUT_CELL;
  if (v->X->kind == MTL__ARR_NUM && mtl__arr_rank(v->X) == 3)
    return MTL_LAYOUT_STACKED;
  if (v->Tv) {
    size_t len;
    if (mtl__io_vec_len("", v->Tv, &len) == MTL_OK && len == N)
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
/* Chooses the X, y and task variables: given by name, paired by name
 * (digit_testx / digit_testy), the usual names, or a training split (then
 * said in note). */
static int choose_vars(const mtl__varsrc *s, const mtl_read_params *p,
                       mtl__io_vars *v, char *note, size_t cap) {
  mtl_layout lay = p->layout;
  v->xn = p->x_var ? find_var(s, p->x_var) : NULL;
  v->yn = p->y_var ? find_var(s, p->y_var) : NULL;
  if (p->x_var && !v->xn)
    return missing_var(s, "X", p->x_var, X_NAMES);
  if (p->y_var && !v->yn)
    return missing_var(s, "y", p->y_var, Y_NAMES);
  if (!p->x_var && v->yn)
    v->xn = partner(s, v->yn, 'y', 'x');
  if (!p->y_var && v->xn)
    v->yn = partner(s, v->xn, 'x', 'y');
  if (!v->xn && !v->yn && !(v->xn = pick(s, X_NAMES)) &&
      (v->xn = train_var(s)) != NULL) {
    v->yn = partner(s, v->xn, 'x', 'y');
    snprintf(note, cap,
             "%s: no X/y variable given: using the training split '%s'/'%s' "
             "(select others with x_var/y_var)",
             s->path, v->xn, v->yn);
  }
  if (!v->xn)
    v->xn = pick(s, X_NAMES);
  if (!v->yn)
    v->yn = pick(s, Y_NAMES);
  if (!v->xn)
    return missing_var(s, "X", NULL, X_NAMES);
  if (!v->yn)
    return missing_var(s, "y", NULL, Y_NAMES);
  v->tn = p->task_var ? find_var(s, p->task_var) : pick(s, T_NAMES);
  if (p->task_var && !v->tn)
    return missing_var(s, "task", p->task_var, T_NAMES);
  if (!v->tn && (lay == MTL_LAYOUT_TASK_START || lay == MTL_LAYOUT_TASK_ID))
    return missing_var(s, "task", NULL, T_NAMES);
  return MTL_OK;
}

/* The layouts over one design matrix X and a label vector y: task start
 * rows, task ids, one-vs-rest, or (single) one task. */
static int read_design(const mtl__varsrc *s, const mtl_read_params *p,
                       const mtl__io_vars *v, mtl_layout lay, int single,
                       mtl_dataset **out) {
  char xw[1200], yw[1200];
  mtl__io_design D;
  size_t N = 0;
  int rc;
  mtl__io_where(xw, sizeof xw, s->path, v->xn, 0);
  mtl__io_where(yw, sizeof yw, s->path, v->yn, 0);
  if ((rc = mtl__io_vec_len(yw, v->Y, &N)))
    return rc;
  if (N == 0)
    return mtl__err(MTL_EFORMAT, "%s: is empty (no samples)", yw);
  snprintf(yw, sizeof yw, "'%s'", v->yn);
  if ((rc = mtl__io_design_init(&D, xw, v->X, N, yw, p->samples_in_columns)))
    return rc;
  if (single) {
    size_t st[2] = {0, N};
    size_t *rows = mtl__io_iota(N);
    rc = rows ? mtl__io_build_groups(v, &D, rows, st, 1, NULL, out)
              : MTL_ENOMEM;
    free(rows);
    if (!rc)
      mtl__dataset_note(*out,
                        "%s: no task variable (tried task_indexes, "
                        "task_index, task): read as a single task",
                        s->path);
  } else if (lay == MTL_LAYOUT_TASK_START) {
    rc = mtl__io_layout_start(v, &D, out);
  } else if (lay == MTL_LAYOUT_TASK_ID) {
    rc = mtl__io_layout_id(v, &D, out);
  } else {
    rc = mtl__io_layout_ovr(v, &D, out);
  }
  mtl__io_design_clear(&D);
  return rc;
}

int mtl__io_read_vars(mtl__varsrc *s, const mtl_read_params *p,
                      mtl_dataset **out) {
  if (p->targets && !p->y_var && p->weight_column)
    return mtl__err(MTL_EUNSUPPORTED, "%s: sample weights with --targets "
                                      "over one matrix are not supported "
                                      "(give --y-var)",
                    s->path);
  if (p->targets && !p->y_var) /* one matrix, the targets last */
    return mtl__io_read_split(s, p, out);
  mtl__io_vars v = {.path = s->path, .p = p};
  char note[600] = "";
  int rc = choose_vars(s, p, &v, note, sizeof note), single = 0;
  mtl_layout lay = p->layout;
  if (rc)
    return rc;
  if ((rc = load_var(s, v.xn, &v.X)) || (rc = load_var(s, v.yn, &v.Y)))
    goto done;
  if (v.tn && lay != MTL_LAYOUT_CELL && lay != MTL_LAYOUT_STACKED &&
      lay != MTL_LAYOUT_ONEVSREST && (rc = load_var(s, v.tn, &v.Tv)))
    goto done;
  v.wn = find_var(s, p->weight_column ? p->weight_column : "sample_weight");
  if (p->weight_column && !v.wn) {
    rc = missing_var(s, "sample weights", p->weight_column, NULL);
    goto done;
  }
  if (v.wn && (rc = load_var(s, v.wn, &v.Wv)))
    goto done;
  size_t N = 0;
  if (lay == MTL_LAYOUT_AUTO && v.X->kind != MTL__ARR_CELL && !v.Tv &&
      mtl__arr_rank(v.X) <= 2 &&
      mtl__io_is_matrix(v.Y))
    lay = MTL_LAYOUT_MULTITARGET; /* Y is N x T: T targets */
  if (lay == MTL_LAYOUT_MULTITARGET)
    rc = mtl__io_layout_multi(&v, out);
  else if (lay == MTL_LAYOUT_AUTO && v.X->kind != MTL__ARR_CELL &&
      !(v.X->kind == MTL__ARR_NUM && mtl__arr_rank(v.X) == 3)) {
    char yw[1200];
    if ((rc = mtl__io_vec_len(mtl__io_where(yw, sizeof yw, s->path, v.yn, 0),
                              v.Y, &N)))
      goto done;
  }
  if (rc || lay == MTL_LAYOUT_MULTITARGET)
    goto done;
  if (lay == MTL_LAYOUT_AUTO)
    lay = guess_layout(&v, N, &single);
  if (v.Wv && (lay == MTL_LAYOUT_CELL || lay == MTL_LAYOUT_STACKED ||
               lay == MTL_LAYOUT_ONEVSREST)) {
    rc = mtl__err(MTL_EUNSUPPORTED,
                  "%s: sample weights ('%s') are read with the task-start, "
                  "task-id, single-task and multitarget layouts, not this "
                  "one (%s)",
                  s->path, v.wn,
                  lay == MTL_LAYOUT_CELL ? "cell"
                  : lay == MTL_LAYOUT_STACKED ? "stacked" : "onevsrest");
    goto done;
  }
  if (lay == MTL_LAYOUT_CELL)
    rc = mtl__io_layout_cell(&v, out);
  else if (lay == MTL_LAYOUT_STACKED)
    rc = mtl__io_layout_stacked(&v, out);
  else
    rc = read_design(s, p, &v, lay, single, out);
done:
  if (!rc && note[0])
    mtl__dataset_note(*out, "%s", note);
  if (v.X)
    free_var(v.X);
  if (v.Y)
    free_var(v.Y);
  if (v.Tv)
    free_var(v.Tv);
  if (v.Wv)
    free_var(v.Wv);
  return rc;
}
