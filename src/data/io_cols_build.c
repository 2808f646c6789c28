/*
 * io_cols_build.c -- the rows of a CSV or ARFF file (io_cols.c) into a
 * dataset: missing features imputed, string features coded, string
 * targets mapped to -1/+1, then tasks by the task column, one task, or T
 * targets sharing one X.
 */
#include "io_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void add_notes(const mtl__cols *c, mtl_dataset *ds) {
  for (const char *q = c->notes; *q;) {
    size_t n = strcspn(q, "\n");
    mtl__dataset_note(ds, "%.*s", (int)n, q);
    q += n + (q[n] == '\n');
  }
}

/* Columns a feature takes: one-hot for a string column of > 2 values. */
static int width(const mtl__cols *c, int k) {
  int L = c->lev[k].T;
  return c->nominal[k] && !c->levval[k] && L > 2 ? L : 1;
}

/* missing = mean: each feature's NaN cells become its column's mean (a
 * string column of one 0/1 feature per value: in design()). */
static int impute(mtl__cols *c) {
  size_t filled = 0;
  for (int i = 0; i < c->nfeat; i++) {
    int s = c->slot[c->feat[i]];
    double sum = 0;
    size_t cnt = 0, miss = 0;
    for (size_t r = 0; r < c->nrow; r++) {
      double x = c->v[r * (size_t)c->m + (size_t)s];
      if (isnan(x))
        miss++;
      else
        sum += x, cnt++;
    }
    if (!miss)
      continue;
    if (!cnt)
      return mtl__err(MTL_EFORMAT,
                      "%s: column '%s' has no value at all; "
                      "nothing to impute (drop it with --drop)",
                      c->path, c->names[c->feat[i]]);
    for (size_t r = 0; r < c->nrow && width(c, c->feat[i]) == 1; r++) {
      double *x = &c->v[r * (size_t)c->m + (size_t)s];
      if (isnan(*x))
        *x = sum / (double)cnt;
    }
    filled += miss; /* one 0/1 feature per value: onehot_means() */
  }
  if (filled)
    mtl__cols_note(
        c, "%s: %zu missing feature values replaced by their column's mean",
        c->path, filled);
  return MTL_OK;
}

typedef struct level_ref {
  const char *key;
  int index;
} level_ref;

static int cmp_level(const void *a, const void *b) {
  return strcmp(((const level_ref *)a)->key, ((const level_ref *)b)->key);
}

/* Recodes the strings of feature column k in sort order (a CSV column's
 * levels come in order of first appearance, which depends on the order of
 * the rows: another file of the same values would be coded otherwise;
 * ARFF keeps its declared order), with a note naming the codes. */
static int sort_levels(mtl__cols *c, int k, int w) {
  const mtl__tset *L = &c->lev[k];
  int n = L->T;
  level_ref *ord = mtl__malloc((size_t)(n + 1) * sizeof *ord);
  int *rank = mtl__malloc((size_t)(n + 1) * sizeof *rank);
  if (!ord || !rank) {
    free(ord);
    free(rank);
    return MTL_ENOMEM;
  }
  for (int l = 0; l < n; l++)
    ord[l] = (level_ref){L->t[l].key, l};
  if (!c->fixed[k])
    qsort(ord, (size_t)n, sizeof *ord, cmp_level);
  for (int l = 0; l < n; l++)
    rank[ord[l].index] = l;
  for (size_t r = 0; r < c->nrow; r++) {
    double *v = &c->v[r * (size_t)c->m + (size_t)c->slot[k]];
    if (!isnan(*v))
      *v = rank[(int)*v];
  }
  /* no note when every value is missing (n = 0); a declared level set
   * may be wider (w) than the values seen (n) */
  if (w > 1 && n > 1)
    mtl__cols_note(
        c,
        "%s: column '%s' holds %d strings: one 0/1 feature per value, "
        "in %s order ('%s', '%s', ...)",
        c->path, c->names[k], n, c->fixed[k] ? "declared" : "sort", ord[0].key,
        ord[1].key);
  else if (n > 0)
    mtl__cols_note(
        c, "%s: column '%s' holds %d string%s: coded 0/1 ('%s' = 0%s%s%s)",
        c->path, c->names[k], n, n == 1 ? "" : "s", ord[0].key,
        n > 1 ? ", '" : "", n > 1 ? ord[1].key : "", n > 1 ? "' = 1" : "");
  free(ord);
  free(rank);
  return MTL_OK;
}

/* A missing value of a string column of one 0/1 feature per value (its
 * first feature NaN) becomes the means of those features over the other
 * rows: the share of each value (missing = mean; impute() checked that
 * some row has a value). */
static void onehot_means(const mtl__cols *c, double *x, int D) {
  for (int i = 0, j = 0; i < c->nfeat; j += width(c, c->feat[i]), i++) {
    int w = width(c, c->feat[i]);
    size_t cnt = 0;
    for (size_t r = 0; w > 1 && r < c->nrow; r++)
      cnt += !isnan(x[r * (size_t)D + (size_t)j]);
    if (w < 2 || cnt == c->nrow || cnt == 0)
      continue;
    for (int q = w - 1; q >= 0; q--) { /* row[0] marks the missing: last */
      double sum = 0;
      for (size_t r = 0; r < c->nrow; r++) {
        const double *row = x + r * (size_t)D + (size_t)j;
        sum += isnan(row[0]) ? 0.0 : row[q];
      }
      for (size_t r = 0; r < c->nrow; r++) {
        double *row = x + r * (size_t)D + (size_t)j;
        if (isnan(row[0]))
          row[q] = sum / (double)cnt;
      }
    }
  }
}

/* The dense design, N x d row-major, into *X (d set). */
static int design(mtl__cols *c, double **X, int *d) {
  int D = 0;
  for (int i = 0; i < c->nfeat; i++)
    D += width(c, c->feat[i]);
  double *x = mtl__calloc(c->nrow * (size_t)D + 1, sizeof *x);
  if (!x)
    return MTL_ENOMEM;
  for (size_t r = 0; r < c->nrow; r++) {
    const double *v = c->v + r * (size_t)c->m;
    double *row = x + r * (size_t)D;
    for (int i = 0, j = 0; i < c->nfeat; i++) {
      int k = c->feat[i], w = width(c, k);
      double val = v[c->slot[k]];
      if (w > 1 && !isnan(val))
        row[j + (int)val] = 1.0;
      else if (w > 1)
        row[j] = NAN; /* missing (missing = mean): filled below */
      else
        row[j] = val != 0 ? val : 0.0;
      j += w;
    }
  }
  onehot_means(c, x, D);
  *X = x;
  *d = D;
  return MTL_OK;
}

/* Target i as N labels (column-major block of Y); string targets of two
 * values become -1/+1 (the later value in sort order, or the second
 * declared ARFF value, is +1). */
static int target(mtl__cols *c, int i, double *y) {
  int k = c->lab[i], s = c->slot[k];
  for (size_t r = 0; r < c->nrow; r++)
    y[r] = c->v[r * (size_t)c->m + (size_t)s];
  if (!c->nominal[k] || c->levval[k])
    return MTL_OK;
  const mtl__tset *L = &c->lev[k];
  if (L->T != 2)
    return mtl__err(MTL_EFORMAT,
                    "%s: target column '%s' holds %d "
                    "distinct strings ('%s'%s); a target needs "
                    "numbers or exactly two values",
                    c->path, c->names[k], L->T, L->T ? L->t[0].key : "",
                    L->T > 1 ? ", ..." : "");
  int hi = c->fixed[k] ? 1 : strcmp(L->t[1].key, L->t[0].key) > 0;
  for (size_t r = 0; r < c->nrow; r++)
    y[r] = y[r] == (double)hi ? 1.0 : -1.0;
  mtl__cols_note(
      c, "%s: column '%s': labels {%s,%s} mapped to {-1,+1} ('%s' -> +1)",
      c->path, c->names[k], L->t[!hi].key, L->t[hi].key, L->t[hi].key);
  return MTL_OK;
}

/* Dense n x d rows to CSR in q (the dense block freed). */
static int to_sparse(mtl__io_task *q, int d) {
  int64_t nz = 0;
  size_t nd = (size_t)q->n * (size_t)d;
  for (size_t e = 0; e < nd; e++)
    nz += q->X[e] != 0;
  q->indptr = mtl__malloc((size_t)(q->n + 1) * sizeof *q->indptr);
  q->indices = mtl__malloc((size_t)(nz + 1) * sizeof *q->indices);
  q->values = mtl__malloc((size_t)(nz + 1) * sizeof *q->values);
  if (!q->indptr || !q->indices || !q->values)
    return MTL_ENOMEM;
  q->indptr[0] = 0;
  for (size_t e = 0, at = 0; e < nd; e++) {
    if (q->X[e] != 0) {
      q->indices[at] = (int32_t)(e % (size_t)d);
      q->values[at++] = q->X[e];
    }
    if ((e + 1) % (size_t)d == 0)
      q->indptr[(e + 1) / (size_t)d] = (int64_t)at;
  }
  free(q->X);
  q->X = NULL;
  return MTL_OK;
}

/* The rows grouped by task (task column), or one task: io tasks. */
static int by_task(mtl__cols *c, const double *X, int d, const double *y,
                   mtl__io_task **out, int *nT) {
  mtl__tacc **ord = NULL;
  int T = c->task >= 0 ? c->tasks.T : 1, rc = MTL_OK;
  if (c->task >= 0 && (rc = mtl__tset_order(&c->tasks, &ord)))
    return rc;
  int *rank = mtl__calloc((size_t)T, sizeof *rank);
  mtl__io_task *tk = mtl__calloc((size_t)T, sizeof *tk);
  if (!rank || !tk)
    rc = MTL_ENOMEM;
  for (int t = 0; t < T && !rc && ord; t++)
    rank[ord[t] - c->tasks.t] = t;
  for (size_t r = 0; r < c->nrow && !rc; r++)
    tk[ord ? rank[c->trow[r]] : 0].n++;
  for (int t = 0; t < T && !rc; t++) {
    mtl__io_task *q = &tk[t];
    q->X = mtl__malloc(((size_t)q->n * (size_t)d + 1) * sizeof *q->X);
    q->y = mtl__malloc(((size_t)q->n + 1) * sizeof *q->y);
    q->name = ord ? mtl__tacc_name(ord[t]) : mtl__strdup(c->names[c->lab[0]]);
    if (!q->X || !q->y || !q->name)
      rc = MTL_ENOMEM;
    q->n = 0;
  }
  for (size_t r = 0; r < c->nrow && !rc; r++) {
    mtl__io_task *q = &tk[ord ? rank[c->trow[r]] : 0];
    memcpy(q->X + (size_t)q->n * (size_t)d, X + r * (size_t)d,
           (size_t)d * sizeof *X);
    q->y[q->n++] = y[r];
  }
  int64_t nnz = 0;
  for (size_t e = 0; e < c->nrow * (size_t)d; e++)
    nnz += X[e] != 0;
  int sparse =
      c->p->sparse == 1 ||
      (c->p->sparse < 0 && (double)nnz < 0.25 * (double)c->nrow * (double)d);
  for (int t = 0; t < T && !rc && sparse; t++)
    rc = to_sparse(&tk[t], d);
  free(ord);
  free(rank);
  if (rc) {
    for (int t = 0; tk && t < T; t++)
      mtl__io_task_clear(&tk[t]);
    free(tk);
    return rc;
  }
  *out = tk;
  *nT = T;
  return MTL_OK;
}

/* The weight column's values (times the rows' own ARFF weights {w}) onto
 * the tasks of ds, in the row order by_task() gave them (every task the
 * same rows for several targets). */
static int set_weights(mtl__cols *c, mtl_dataset *ds) {
  mtl__tacc **ord = NULL;
  int T = ds->T, rc = MTL_OK;
  int *rank = mtl__calloc((size_t)T, sizeof *rank);
  double *w = mtl__malloc((c->nrow + 1) * sizeof *w);
  if (!rank || !w)
    rc = MTL_ENOMEM;
  if (!rc && c->task >= 0 && !(rc = mtl__tset_order(&c->tasks, &ord)))
    for (int t = 0; t < T; t++)
      rank[ord[t] - c->tasks.t] = t;
  for (int t = 0; t < T && !rc; t++) {
    size_t n = 0;
    for (size_t r = 0; r < c->nrow; r++)
      if (c->task < 0 || rank[c->trow[r]] == t)
        w[n++] = c->w[r];
    rc = mtl_dataset_set_sample_weights(ds, t, w);
    if (rc)
      mtl__err_prefix(MTL_EFORMAT, "%s: %s%s%s", c->path,
                      c->weight >= 0 ? "column '" : "instance weights {w}",
                      c->weight >= 0 ? c->names[c->weight] : "",
                      c->weight >= 0 ? "'" : "");
    rc = rc ? MTL_EFORMAT : MTL_OK;
  }
  free(ord);
  free(rank);
  free(w);
  return rc;
}

int mtl__cols_build(mtl__cols *c, mtl_dataset **out) {
  double *X = NULL, *Y = NULL;
  char **names = NULL;
  int d = 0, rc = MTL_OK;
  *out = NULL;
  if (c->dropped)
    mtl__cols_note(c, "%s: %zu row%s with a missing %s dropped (--missing %s)",
                   c->path, c->dropped, c->dropped == 1 ? "" : "s",
                   c->p->missing == MTL_MISSING_DROP ? "value"
                                                     : "label or task",
                   c->p->missing == MTL_MISSING_DROP ? "drop" : "mean");
  if (c->nrow == 0)
    return mtl__err(MTL_EFORMAT, "%s: no samples found%s", c->path,
                    c->dropped ? " (every row had a missing value)" : "");
  if (c->nrow > INT32_MAX)
    return mtl__err(MTL_EFORMAT, "%s: too many rows (%zu)", c->path, c->nrow);
  for (int i = 0; i < c->nfeat; i++) { /* strings in sort order first */
    int k = c->feat[i];
    if (c->nominal[k] && !c->levval[k] && (rc = sort_levels(c, k, width(c, k))))
      return rc;
  }
  if (c->p->missing == MTL_MISSING_MEAN && (rc = impute(c)))
    return rc;
  Y = mtl__malloc(c->nrow * (size_t)c->nlab * sizeof *Y);
  names = mtl__calloc((size_t)c->nlab, sizeof *names);
  rc = Y && names ? MTL_OK : MTL_ENOMEM;
  for (int i = 0; i < c->nlab && !rc; i++) {
    names[i] = c->names[c->lab[i]];
    rc = target(c, i, Y + (size_t)i * c->nrow);
  }
  if (!rc)
    rc = design(c, &X, &d);
  free(c->v); /* the rows are in X and Y now: one copy less at the peak */
  c->v = NULL;
  if (!rc && c->p->dim && c->p->dim != d)
    rc = mtl__err(MTL_EDIM, "%s: %d feature columns but dim = %d", c->path, d,
                  c->p->dim);
  if (!rc && c->nlab > 1) {
    rc = mtl__io_shared(c->path, d, (int)c->nrow, X, c->nlab, Y, names,
                        c->p->kind, out);
  } else if (!rc) {
    mtl__io_task *tk = NULL;
    int T = 0;
    rc = by_task(c, X, d, Y, &tk, &T);
    free(X);
    X = NULL;
    if (!rc)
      rc = mtl__io_finish(c->path, d, tk, T, c->p->kind, NULL, out);
  }
  if (c->nweighted)
    mtl__cols_note(c, "%s: %zu instance%s with a weight {w} (sample weights)",
                   c->path, c->nweighted, c->nweighted == 1 ? "" : "s");
  if (!rc && (c->weight >= 0 || c->nweighted) &&
      (rc = set_weights(c, *out))) {
    mtl_dataset_free(*out);
    *out = NULL;
  }
  if (!rc)
    add_notes(c, *out);
  free(X);
  free(Y);
  free(names);
  return rc;
}
