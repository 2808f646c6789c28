/*
 * data_ops.c -- operations that derive datasets from datasets: random
 * splits, k-fold partitions, subsets by global index, task selection, the
 * index files of published splits.  Feature standardization (the scaler)
 * is in data_scaler.c.
 *
 * Every derived dataset is built from per-task lists of source rows (see
 * build_from_rows): copies keep task names, kinds, weights (c_t and
 * the kept samples' weights s_i) and notes; dense
 * tasks stay dense and CSR tasks stay CSR.  A shared-design source stays
 * shared when every output task selects the same rows (always the case for
 * select_tasks, and for split/kfold, which deal the common samples once for
 * all tasks); otherwise each task gets its own dense copy of its rows.
 */
#include "data.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <matio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- building datasets from row lists ------------------------------------ */

void mtl__dataset_copy_notes(const mtl_dataset *src, mtl_dataset *dst) {
  if (src->notes && src->notes[0])
    dst->notes = strdup(src->notes); /* best effort, like mtl__dataset_note */
}

int mtl__dataset_copy_global(const mtl_dataset *src, const int *ids,
                             mtl_dataset *dst) {
  int K = dst->T, same = !src->global_task && K == src->T;
  for (int k = 0; same && ids && k < K; k++)
    same = ids[k] == k;
  if (same)
    return MTL_OK;
  int *g = mtl__malloc((size_t)(K > 0 ? K : 1) * sizeof *g);
  if (!g)
    return MTL_ENOMEM;
  for (int k = 0; k < K; k++)
    g[k] = mtl_dataset_global_task(src, ids ? ids[k] : k);
  free(dst->global_task);
  dst->global_task = g;
  dst->global_T = mtl_dataset_global_tasks(src);
  return MTL_OK;
}

int mtl__dataset_keep_tasks(mtl_dataset *ds, const int *sel, int K) {
  int *g = mtl__malloc((size_t)(K > 0 ? K : 1) * sizeof *g);
  if (!g)
    return MTL_ENOMEM;
  for (int k = 0; k < K; k++)
    g[k] = mtl_dataset_global_task(ds, sel[k]);
  int GT = mtl_dataset_global_tasks(ds), k = 0;
  for (int t = 0; t < ds->T; t++) {
    mtl__task *tk = &ds->tasks[t];
    if (k < K && sel[k] == t) {
      ds->tasks[k++] = *tk;
      continue;
    }
    if (tk->owns_X) {
      free(tk->X);
      free(tk->indptr);
      free(tk->indices);
      free(tk->values);
    }
    free(tk->y);
    free(tk->sw);
    free(tk->name);
  }
  ds->T = K;
  free(ds->global_task);
  ds->global_task = g;
  ds->global_T = GT;
  return MTL_OK;
}

/* Appends to out a task holding rows[0..m-1] (m >= 1) of task t of ds, with
 * t's name, kind and weight.  Dense and shared tasks give dense copies, CSR
 * tasks CSR copies. */
static int copy_task_rows(const mtl_dataset *ds, int t, const int *rows, int m,
                          mtl_dataset *out) {
  const mtl__task *tk = &ds->tasks[t];
  size_t d = (size_t)ds->d;
  int idx;
  double *y = mtl__malloc((size_t)m * sizeof *y);
  if (!y)
    return MTL_ENOMEM;
  for (int i = 0; i < m; i++)
    y[i] = tk->y[rows[i]];
  if (tk->X) {
    double *X = mtl__malloc((size_t)m * d * sizeof *X);
    if (!X) {
      free(y);
      return MTL_ENOMEM;
    }
    for (int i = 0; i < m; i++)
      memcpy(X + (size_t)i * d, tk->X + (size_t)rows[i] * d,
             d * sizeof(double));
    idx = mtl__dataset_adopt_dense(out, m, X, y, tk->kind, tk->name);
  } else {
    int64_t nnz = 0;
    for (int i = 0; i < m; i++)
      nnz += tk->indptr[rows[i] + 1] - tk->indptr[rows[i]];
    int64_t *ip = mtl__malloc((size_t)(m + 1) * sizeof *ip);
    int32_t *ix = mtl__malloc((size_t)nnz * sizeof *ix);
    double *v = mtl__malloc((size_t)nnz * sizeof *v);
    if (!ip || !ix || !v) {
      free(ip);
      free(ix);
      free(v);
      free(y);
      return MTL_ENOMEM;
    }
    ip[0] = 0;
    for (int i = 0; i < m; i++) {
      int64_t a = tk->indptr[rows[i]], len = tk->indptr[rows[i] + 1] - a;
      if (len) {
        memcpy(ix + ip[i], tk->indices + a, (size_t)len * sizeof *ix);
        memcpy(v + ip[i], tk->values + a, (size_t)len * sizeof *v);
      }
      ip[i + 1] = ip[i] + len;
    }
    idx = mtl__dataset_adopt_csr(out, m, ip, ix, v, y, tk->kind, tk->name);
  }
  if (idx < 0)
    return idx;
  out->tasks[idx].weight = tk->weight;
  return mtl__task_copy_sw(tk, rows, m, &out->tasks[idx]);
}

/* Turns out (empty) into a shared-design dataset holding rows[0..m-1] of
 * ds's shared X, with the tasks task_ids[0..K-1] of ds restricted to those
 * rows. */
static int build_shared(const mtl_dataset *ds, const int *task_ids, int K,
                        const int *rows, int m, mtl_dataset *out) {
  size_t d = (size_t)ds->d;
  double *X = mtl__malloc((size_t)m * d * sizeof *X);
  if (!X)
    return MTL_ENOMEM;
  for (int i = 0; i < m; i++)
    memcpy(X + (size_t)i * d, ds->shared_X + (size_t)rows[i] * d,
           d * sizeof(double));
  out->shared_X = X;
  out->shared = 1;
  for (int k = 0; k < K; k++) {
    const mtl__task *tk = &ds->tasks[task_ids[k]];
    double *y = mtl__malloc((size_t)m * sizeof *y);
    if (!y)
      return MTL_ENOMEM;
    for (int i = 0; i < m; i++)
      y[i] = tk->y[rows[i]];
    /* Adopted with X = NULL so that a failure cannot free the shared X;
     * the task then points at it without owning it. */
    int idx = mtl__dataset_adopt_dense(out, m, NULL, y, tk->kind, tk->name);
    if (idx < 0)
      return idx;
    out->tasks[idx].X = X;
    out->tasks[idx].owns_X = 0;
    out->tasks[idx].weight = tk->weight;
    int rc = mtl__task_copy_sw(tk, rows, m, &out->tasks[idx]);
    if (rc)
      return rc;
  }
  return MTL_OK;
}

/* Builds *out from tasks task_ids[0..K-1] of ds, output task k holding the
 * source rows rows[k][0..m[k]-1] (every m[k] >= 1).  Keeps shared design
 * when ds is shared and all row lists are equal. */
static int build_from_rows(const mtl_dataset *ds, const int *task_ids, int K,
                           int *const *rows, const int *m, mtl_dataset **out) {
  int rc = MTL_OK;
  mtl_dataset *o = mtl_dataset_create(ds->d);
  if (!o)
    return MTL_ENOMEM;
  mtl__dataset_copy_notes(ds, o);
  int same = ds->shared;
  for (int k = 1; same && k < K; k++)
    same =
        m[k] == m[0] && !memcmp(rows[k], rows[0], (size_t)m[0] * sizeof(int));
  if (same) {
    rc = build_shared(ds, task_ids, K, rows[0], m[0], o);
  } else {
    for (int k = 0; k < K && !rc; k++)
      rc = copy_task_rows(ds, task_ids[k], rows[k], m[k], o);
  }
  if (!rc)
    rc = mtl__dataset_copy_global(ds, task_ids, o);
  if (rc) {
    mtl_dataset_free(o);
    o = NULL;
  }
  *out = o;
  return rc;
}

/* Per-row-list workspace: T lists of up to n_t entries each. */
typedef struct rowlists {
  int *ids;   /* T task ids 0..T-1 */
  int **rows; /* T lists */
  int *m;     /* T lengths */
} rowlists;

static void rowlists_free(rowlists *r, int T) {
  if (r->rows)
    for (int t = 0; t < T; t++)
      free(r->rows[t]);
  free(r->rows);
  free(r->m);
  free(r->ids);
  memset(r, 0, sizeof *r);
}

/* Allocates lists with capacity cap[t] (or n_t when cap is NULL). */
static int rowlists_alloc(rowlists *r, const mtl_dataset *ds,
                          const int64_t *cap) {
  int T = ds->T;
  r->ids = mtl__malloc((size_t)T * sizeof *r->ids);
  r->rows = mtl__calloc((size_t)T, sizeof *r->rows);
  r->m = mtl__calloc((size_t)T, sizeof *r->m);
  if (!r->ids || !r->rows || !r->m)
    return MTL_ENOMEM;
  for (int t = 0; t < T; t++) {
    r->ids[t] = t;
    size_t c = cap ? (size_t)cap[t] : (size_t)ds->tasks[t].n;
    r->rows[t] = mtl__malloc(c * sizeof(int));
    if (!r->rows[t])
      return MTL_ENOMEM;
  }
  return MTL_OK;
}

static int cmp_int(const void *a, const void *b) {
  int x = *(const int *)a, y = *(const int *)b;
  return (x > y) - (x < y);
}

/* Finalizer of splitmix64, used to derive one independent stream per task. */
static uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/* perm = a random permutation of 0..n-1 for task t under seed.  Each task
 * has its own stream, so its split does not depend on the other tasks.  In
 * shared design every task uses task 0's stream: all tasks then share one
 * split of the common samples and the result stays shared. */
static void task_perm(const mtl_dataset *ds, int t, uint64_t seed, int *perm,
                      int n) {
  mtl__rng r;
  int s = ds->shared ? 0 : t;
  mtl__rng_seed(&r, seed ^ mix64(0x6d746c73706c6974ULL + (uint64_t)s));
  for (int i = 0; i < n; i++)
    perm[i] = i;
  mtl__rng_shuffle_int(&r, perm, n);
}

int mtl__dataset_check(const mtl_dataset *ds, const char *fn) {
  if (!ds)
    return mtl__err(MTL_EINVAL, "%s: dataset is NULL", fn);
  if (ds->T < 1)
    return mtl__err(MTL_EINVAL, "%s: dataset has no tasks", fn);
  return MTL_OK;
}

/* Shared tail of split and kfold: builds both outputs from the lists. */
static int build_pair(const mtl_dataset *ds, rowlists *tr, rowlists *te,
                      mtl_dataset **train, mtl_dataset **test) {
  for (int t = 0; t < ds->T; t++) {
    qsort(tr->rows[t], (size_t)tr->m[t], sizeof(int), cmp_int);
    qsort(te->rows[t], (size_t)te->m[t], sizeof(int), cmp_int);
  }
  int rc = build_from_rows(ds, tr->ids, ds->T, tr->rows, tr->m, train);
  if (!rc)
    rc = build_from_rows(ds, te->ids, ds->T, te->rows, te->m, test);
  if (rc) {
    mtl_dataset_free(*train);
    *train = NULL;
  }
  return rc;
}

int mtl_dataset_split(const mtl_dataset *ds, double ratio, uint64_t seed,
                      mtl_dataset **train, mtl_dataset **test) {
  rowlists tr = {0}, te = {0};
  int *perm = NULL;
  int rc;
  if (!train || !test)
    return mtl__err(MTL_EINVAL, "mtl_dataset_split: NULL output argument");
  *train = *test = NULL;
  if ((rc = mtl__dataset_check(ds, "mtl_dataset_split")))
    return rc;
  if (!(ratio > 0 && ratio < 1))
    return mtl__err(MTL_EINVAL,
                    "split: ratio = %g must be in (0, 1) (fraction of each "
                    "task's samples used for training)",
                    ratio);
  for (int t = 0; t < ds->T; t++)
    if (ds->tasks[t].n < 2)
      return mtl__err(MTL_EINVAL,
                      "split: task %d (%s) has %d sample; each part needs at "
                      "least one, so a task needs >= 2",
                      t + 1, ds->tasks[t].name, ds->tasks[t].n);
  int maxn = 0;
  for (int t = 0; t < ds->T; t++)
    if (ds->tasks[t].n > maxn)
      maxn = ds->tasks[t].n;
  perm = mtl__malloc((size_t)maxn * sizeof *perm);
  if (!perm || (rc = rowlists_alloc(&tr, ds, NULL)) ||
      (rc = rowlists_alloc(&te, ds, NULL))) {
    rc = MTL_ENOMEM;
    goto cleanup;
  }
  for (int t = 0; t < ds->T; t++) {
    int n = ds->tasks[t].n;
    long k = lround(ratio * n);
    if (k < 1)
      k = 1;
    if (k > n - 1)
      k = n - 1;
    task_perm(ds, t, seed, perm, n);
    tr.m[t] = (int)k;
    te.m[t] = n - (int)k;
    memcpy(tr.rows[t], perm, (size_t)k * sizeof(int));
    memcpy(te.rows[t], perm + k, (size_t)(n - k) * sizeof(int));
  }
  rc = build_pair(ds, &tr, &te, train, test);
cleanup:
  free(perm);
  rowlists_free(&tr, ds->T);
  rowlists_free(&te, ds->T);
  return rc;
}

int mtl_dataset_kfold(const mtl_dataset *ds, int k, int fold, uint64_t seed,
                      mtl_dataset **train, mtl_dataset **test) {
  rowlists tr = {0}, te = {0};
  int *perm = NULL;
  int rc;
  if (!train || !test)
    return mtl__err(MTL_EINVAL, "mtl_dataset_kfold: NULL output argument");
  *train = *test = NULL;
  if ((rc = mtl__dataset_check(ds, "mtl_dataset_kfold")))
    return rc;
  if (k < 2)
    return mtl__err(MTL_EINVAL, "kfold: k = %d folds; need k >= 2", k);
  if (fold < 0 || fold >= k)
    return mtl__err(MTL_EINVAL, "kfold: fold = %d out of range [0, %d)", fold,
                    k);
  int maxn = 0;
  for (int t = 0; t < ds->T; t++) {
    if (ds->tasks[t].n < k)
      return mtl__err(MTL_EINVAL,
                      "kfold: task %d (%s) has %d samples, fewer than k = %d "
                      "folds (a fold would be empty)",
                      t + 1, ds->tasks[t].name, ds->tasks[t].n, k);
    if (ds->tasks[t].n > maxn)
      maxn = ds->tasks[t].n;
  }
  perm = mtl__malloc((size_t)maxn * sizeof *perm);
  if (!perm || (rc = rowlists_alloc(&tr, ds, NULL)) ||
      (rc = rowlists_alloc(&te, ds, NULL))) {
    rc = MTL_ENOMEM;
    goto cleanup;
  }
  /* Shuffled position p goes to fold p % k: fold sizes differ by <= 1. */
  for (int t = 0; t < ds->T; t++) {
    int n = ds->tasks[t].n;
    task_perm(ds, t, seed, perm, n);
    for (int p = 0; p < n; p++) {
      if (p % k == fold)
        te.rows[t][te.m[t]++] = perm[p];
      else
        tr.rows[t][tr.m[t]++] = perm[p];
    }
  }
  rc = build_pair(ds, &tr, &te, train, test);
cleanup:
  free(perm);
  rowlists_free(&tr, ds->T);
  rowlists_free(&te, ds->T);
  return rc;
}

int mtl_dataset_subset(const mtl_dataset *ds, const int64_t *idx, int64_t m,
                       mtl_dataset **out) {
  rowlists rl = {0};
  int64_t *off = NULL, *cnt = NULL;
  int rc;
  if (!out)
    return mtl__err(MTL_EINVAL, "mtl_dataset_subset: NULL output argument");
  *out = NULL;
  if ((rc = mtl__dataset_check(ds, "mtl_dataset_subset")))
    return rc;
  if (m < 1 || !idx)
    return mtl__err(MTL_EINVAL, "subset: %lld indices given; need >= 1",
                    (long long)m);
  int T = ds->T;
  off = mtl__malloc((size_t)(T + 1) * sizeof *off);
  cnt = mtl__calloc((size_t)T, sizeof *cnt);
  if (!off || !cnt) {
    rc = MTL_ENOMEM;
    goto cleanup;
  }
  off[0] = 0;
  for (int t = 0; t < T; t++)
    off[t + 1] = off[t] + ds->tasks[t].n;
  /* Pass 1: validate and count per task (binary search over offsets). */
  for (int64_t q = 0; q < m; q++) {
    if (idx[q] < 0 || idx[q] >= off[T]) {
      rc = mtl__err(MTL_EINVAL,
                    "subset: index at position %lld is %lld, out of range "
                    "[0, %lld) (0-based over all %d tasks' samples)",
                    (long long)q, (long long)idx[q], (long long)off[T], T);
      goto cleanup;
    }
    int lo = 0, hi = T - 1;
    while (lo < hi) {
      int mid = (lo + hi + 1) / 2;
      if (off[mid] <= idx[q])
        lo = mid;
      else
        hi = mid - 1;
    }
    if (++cnt[lo] > INT_MAX) {
      rc = mtl__err(MTL_EINVAL,
                    "subset: task %d selected more than %d "
                    "times",
                    lo + 1, INT_MAX);
      goto cleanup;
    }
  }
  for (int t = 0; t < T; t++)
    if (cnt[t] == 0) {
      rc = mtl__err(MTL_EINVAL,
                    "subset: task %d (%s) is left with no samples (none of "
                    "its global indices [%lld, %lld) is selected)",
                    t + 1, ds->tasks[t].name, (long long)off[t],
                    (long long)off[t + 1]);
      goto cleanup;
    }
  if ((rc = rowlists_alloc(&rl, ds, cnt)))
    goto cleanup;
  /* Pass 2: fill, keeping the order of idx within each task. */
  for (int64_t q = 0; q < m; q++) {
    int lo = 0, hi = T - 1;
    while (lo < hi) {
      int mid = (lo + hi + 1) / 2;
      if (off[mid] <= idx[q])
        lo = mid;
      else
        hi = mid - 1;
    }
    rl.rows[lo][rl.m[lo]++] = (int)(idx[q] - off[lo]);
  }
  rc = build_from_rows(ds, rl.ids, T, rl.rows, rl.m, out);
cleanup:
  rowlists_free(&rl, T);
  free(off);
  free(cnt);
  return rc;
}

int mtl_dataset_select_tasks(const mtl_dataset *ds, const int *tasks, int k,
                             mtl_dataset **out) {
  int **rows = NULL, *m = NULL;
  int rc;
  if (!out)
    return mtl__err(MTL_EINVAL,
                    "mtl_dataset_select_tasks: NULL output argument");
  *out = NULL;
  if ((rc = mtl__dataset_check(ds, "mtl_dataset_select_tasks")))
    return rc;
  if (k < 1 || !tasks)
    return mtl__err(MTL_EINVAL, "select_tasks: %d tasks requested; need >= 1",
                    k);
  for (int i = 0; i < k; i++)
    if (tasks[i] < 0 || tasks[i] >= ds->T)
      return mtl__err(MTL_EINVAL,
                      "select_tasks: entry %d is task index %d, out of range "
                      "[0, %d)",
                      i, tasks[i], ds->T);
  rows = mtl__calloc((size_t)k, sizeof *rows);
  m = mtl__malloc((size_t)k * sizeof *m);
  if (!rows || !m) {
    rc = MTL_ENOMEM;
    goto cleanup;
  }
  for (int i = 0; i < k; i++) {
    int n = ds->tasks[tasks[i]].n;
    rows[i] = mtl__malloc((size_t)n * sizeof(int));
    if (!rows[i]) {
      rc = MTL_ENOMEM;
      goto cleanup;
    }
    for (int j = 0; j < n; j++)
      rows[i][j] = j;
    m[i] = n;
  }
  rc = build_from_rows(ds, tasks, k, rows, m, out);
cleanup:
  if (rows)
    for (int i = 0; i < k; i++)
      free(rows[i]);
  free(rows);
  free(m);
  return rc;
}

/* ---- index files ----------------------------------------------------------
 */

/* Growable int64 vector. */
typedef struct ivec {
  int64_t *a;
  int64_t n, cap;
} ivec;

static int ivec_push(ivec *v, int64_t x) {
  if (v->n == v->cap) {
    int64_t cap = v->cap ? 2 * v->cap : 1024;
    int64_t *na = realloc(v->a, (size_t)cap * sizeof *na);
    if (!na)
      return mtl__err(MTL_ENOMEM, "out of memory reading index %lld",
                      (long long)v->n + 1);
    v->a = na;
    v->cap = cap;
  }
  v->a[v->n++] = x;
  return MTL_OK;
}

/* Converts a 1-based index value to 0-based; `where` names it. */
static int index_value(double x, const char *where, int64_t *out) {
  if (!isfinite(x) || x != floor(x))
    return mtl__err(MTL_EFORMAT, "%s: index %.17g is not an integer", where, x);
  if (x < 1)
    return mtl__err(MTL_EFORMAT, "%s: index %.17g is < 1 (indices are 1-based)",
                    where, x);
  if (x > 9007199254740992.0) /* 2^53: beyond exact doubles */
    return mtl__err(MTL_EFORMAT, "%s: index %.17g is too large", where, x);
  *out = (int64_t)x - 1;
  return MTL_OK;
}

/* Text: 1-based integers separated by blanks or commas, any number per
 * line; '#' starts a comment that runs to the end of the line. */
static int read_index_text(const char *path, ivec *v) {
  int rc = MTL_OK;
  char *line = NULL;
  size_t cap = 0;
  long lineno = 0;
  FILE *f = fopen(path, "r");
  if (!f)
    return mtl__err(MTL_EIO, "%s: cannot open: %s", path, strerror(errno));
  while (getline(&line, &cap, f) != -1) {
    lineno++;
    char *p = line;
    for (;;) {
      while (isspace((unsigned char)*p) || *p == ',')
        p++;
      if (!*p || *p == '#')
        break;
      char *end;
      char where[64 + 4096];
      snprintf(where, sizeof where, "%s:%ld", path, lineno);
      errno = 0;
      double x = strtod(p, &end);
      if (end == p || (*end && !isspace((unsigned char)*end) && *end != ',' &&
                       *end != '#')) {
        size_t len = strcspn(p, " \t\r\n,");
        rc = mtl__err(MTL_EFORMAT, "%s: '%.*s' is not a number", where,
                      (int)(len > 40 ? 40 : len), p);
        goto cleanup;
      }
      int64_t ix = 0;
      if ((rc = index_value(x, where, &ix)) || (rc = ivec_push(v, ix)))
        goto cleanup;
      p = end;
    }
  }
  if (ferror(f))
    rc = mtl__err(MTL_EIO, "%s: read error after line %ld", path, lineno);
  else if (v->n == 0)
    rc = mtl__err(MTL_EFORMAT, "%s: no indices found", path);
cleanup:
  free(line);
  fclose(f);
  return rc;
}

/* Value k of a numeric matio array as a double. */
static double mat_elem(const matvar_t *mv, size_t k) {
  switch (mv->class_type) {
  case MAT_C_DOUBLE:
    return ((const double *)mv->data)[k];
  case MAT_C_SINGLE:
    return ((const float *)mv->data)[k];
  case MAT_C_INT8:
    return ((const int8_t *)mv->data)[k];
  case MAT_C_UINT8:
    return ((const uint8_t *)mv->data)[k];
  case MAT_C_INT16:
    return ((const int16_t *)mv->data)[k];
  case MAT_C_UINT16:
    return ((const uint16_t *)mv->data)[k];
  case MAT_C_INT32:
    return ((const int32_t *)mv->data)[k];
  case MAT_C_UINT32:
    return ((const uint32_t *)mv->data)[k];
  case MAT_C_INT64:
    return (double)((const int64_t *)mv->data)[k];
  case MAT_C_UINT64:
    return (double)((const uint64_t *)mv->data)[k];
  default:
    return NAN;
  }
}

static int mat_numeric(enum matio_classes c) {
  return c == MAT_C_DOUBLE || c == MAT_C_SINGLE ||
         (c >= MAT_C_INT8 && c <= MAT_C_UINT64);
}

/* .mat: the numeric vector `var` (or the file's only variable when var is
 * NULL). */
static int read_index_mat(const char *path, const char *var, ivec *v) {
  int rc = MTL_OK;
  matvar_t *mv = NULL;
  if ((rc = mtl__mat_check(path)))
    return rc;
  mat_t *mat = Mat_Open(path, MAT_ACC_RDONLY);
  if (!mat)
    return mtl__err(MTL_EIO, "%s: cannot open as a MAT file", path);
  if (var) {
    mv = Mat_VarRead(mat, var);
    if (!mv) {
      rc = mtl__err(MTL_ENOTFOUND, "%s: no variable '%s'", path, var);
      goto cleanup;
    }
  } else {
    mv = Mat_VarReadNext(mat);
    matvar_t *other = mv ? Mat_VarReadNextInfo(mat) : NULL;
    if (!mv || other) {
      rc = mtl__err(MTL_EINVAL,
                    "%s: %s; name the index variable (e.g. tr or tst)", path,
                    mv ? "holds several variables" : "holds no variable");
      Mat_VarFree(other);
      goto cleanup;
    }
    var = mv->name ? mv->name : "?";
  }
  if (!mat_numeric(mv->class_type) || mv->isComplex || mv->isLogical ||
      !mv->data) {
    rc = mtl__err(MTL_EFORMAT,
                  "%s:%s: not a real numeric array (class %d%s); expected a "
                  "vector of 1-based indices",
                  path, var, (int)mv->class_type,
                  mv->isLogical ? ", logical" : "");
    goto cleanup;
  }
  size_t len = 1, nontrivial = 0;
  for (int r = 0; r < mv->rank; r++) {
    len *= mv->dims[r];
    nontrivial += mv->dims[r] > 1;
  }
  if (nontrivial > 1) {
    rc = mtl__err(MTL_EFORMAT, "%s:%s: is %zu x %zu, not a vector", path, var,
                  mv->dims[0], mv->rank > 1 ? mv->dims[1] : (size_t)1);
    goto cleanup;
  }
  if (len == 0) {
    rc = mtl__err(MTL_EFORMAT, "%s:%s: is empty", path, var);
    goto cleanup;
  }
  for (size_t k = 0; k < len; k++) {
    char where[4096 + 128];
    int64_t ix = 0;
    snprintf(where, sizeof where, "%s:%s: entry %zu", path, var, k + 1);
    if ((rc = index_value(mat_elem(mv, k), where, &ix)) ||
        (rc = ivec_push(v, ix)))
      goto cleanup;
  }
cleanup:
  Mat_VarFree(mv);
  Mat_Close(mat);
  return rc;
}

static int has_mat_ext(const char *path) {
  size_t n = strlen(path);
  return n >= 4 &&
         (!strcmp(path + n - 4, ".mat") || !strcmp(path + n - 4, ".MAT"));
}

int mtl_read_index_file(const char *path, const char *var, int64_t **idx,
                        int64_t *m) {
  ivec v = {0};
  if (!idx || !m)
    return mtl__err(MTL_EINVAL, "mtl_read_index_file: NULL output argument");
  *idx = NULL;
  *m = 0;
  if (!path)
    return mtl__err(MTL_EINVAL, "mtl_read_index_file: path is NULL");
  int rc = has_mat_ext(path) ? read_index_mat(path, var, &v)
                             : read_index_text(path, &v);
  if (rc) {
    free(v.a);
    return rc;
  }
  *idx = v.a;
  *m = v.n;
  return MTL_OK;
}
