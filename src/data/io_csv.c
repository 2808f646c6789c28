/*
 * io_csv.c -- CSV with a header row: a task column, a label column, and
 * the features in the other columns, in order.
 *
 * One pass over the file (io_lines.c): the header fixes the dimension, so
 * every row is parsed (mtl__strtod) straight into its task's dense rows;
 * a row without quotes is parsed in place, any other row (or one with an
 * error) is split into fields first.
 * At the end, tasks are kept dense or converted to CSR one at a time
 * (params.sparse, or density < 25%), so memory peaks at the dense data
 * plus one task.  Errors read "file:line: reason (value 'token')".
 */
#include "io_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int is_end(char c) { return c == '\0' || c == '\n' || c == '\r'; }
static int is_sep(char c) { return c == ' ' || c == '\t'; }

#define BAD(code, ...)                                                         \
  do {                                                                         \
    rc = mtl__err(code, __VA_ARGS__);                                          \
    goto done;                                                                 \
  } while (0)

/* Splits a CSV line in place into fields (trimmed; "..." quoted fields may
 * hold commas and "" for a quote).  Returns the count or -1 on an
 * unterminated quote. */
static int split_csv(char *line, char ***fields, int *cap) {
  int n = 0;
  char *p = line;
  for (;;) {
    while (is_sep(*p))
      p++;
    char *start = p, *w = p;
    if (*p == '"') {
      p++;
      start = w = p;
      for (;;) {
        if (is_end(*p))
          return -1;
        if (*p == '"') {
          if (p[1] == '"') {
            *w++ = '"';
            p += 2;
            continue;
          }
          p++;
          break;
        }
        *w++ = *p++;
      }
      while (is_sep(*p))
        p++;
      if (!is_end(*p) && *p != ',')
        return -1;
    } else {
      while (!is_end(*p) && *p != ',')
        p++;
      w = p;
      while (w > start && is_sep(w[-1]))
        w--;
    }
    char c = *p;
    *w = '\0';
    if (n == *cap) {
      int nc = *cap ? 2 * *cap : 16;
      char **nf = realloc(*fields, (size_t)nc * sizeof *nf);
      if (!nf)
        return -2;
      *fields = nf;
      *cap = nc;
    }
    (*fields)[n++] = start;
    if (c != ',')
      break;
    p++;
  }
  return n;
}

/* The columns of a CSV file: names from the header, the task and label
 * columns; the others are the features, in order. */
typedef struct csv_cols {
  int ncol, tc, lc;
  char **names; /* ncol, owned */
} csv_cols;

/* Refuses a name given to two header columns, naming the first column
 * whose name was seen before and that earlier column (an empty name before
 * it is left to csv_header's message). */
static int header_dups(const char *path, long lineno, char **fld, int ncol) {
  int b = -1, c = -1, e = -1; /* the first empty name */
  for (int k = 0; k < ncol && e < 0; k++)
    if (!fld[k][0])
      e = k;
  int r = mtl__names_dup(fld, ncol, &b, &c);
  if (r < 0)
    return MTL_ENOMEM;
  if (r == 0 || (e >= 0 && e < c))
    return MTL_OK;
  return mtl__err(MTL_EFORMAT, "%s:%ld: duplicate header name (value '%s') "
                               "in columns %d and %d",
                  path, lineno, fld[c], b + 1, c + 1);
}

/* Checks the header fields (fld, ncol) and finds the task and label
 * columns (by name unless p gives them). */
static int csv_header(const char *path, long lineno, const mtl_read_params *p,
                      char **fld, csv_cols *cc) {
  int ncol = cc->ncol, tc = p->task_col, lc = p->label_col, rc = MTL_OK;
  if ((rc = header_dups(path, lineno, fld, ncol)))
    return rc;
  cc->names = mtl__calloc((size_t)ncol, sizeof *cc->names);
  if (!cc->names)
    return MTL_ENOMEM;
  for (int c = 0; c < ncol; c++) {
    if (!fld[c][0])
      BAD(MTL_EFORMAT, "%s:%ld: header column %d has an empty name", path,
          lineno, c + 1);
    if (!(cc->names[c] = mtl__strdup(fld[c])))
      return MTL_ENOMEM;
    if (p->task_col < 0 && tc < 0 && strcasecmp(fld[c], "task") == 0)
      tc = c;
    if (p->label_col < 0 && lc < 0 &&
        (strcasecmp(fld[c], "label") == 0 || strcasecmp(fld[c], "y") == 0))
      lc = c;
  }
  if (tc >= ncol || lc >= ncol)
    BAD(MTL_EINVAL, "%s:%ld: %s = %d but the header has %d columns", path,
        lineno, tc >= ncol ? "task_col" : "label_col",
        tc >= ncol ? tc : lc, ncol);
  if (tc < 0)
    BAD(MTL_EFORMAT, "%s:%ld: no column named 'task' in the header (set "
                     "task_col)", path, lineno);
  if (lc < 0)
    BAD(MTL_EFORMAT, "%s:%ld: no column named 'label' or 'y' in the header "
                     "(set label_col)", path, lineno);
  if (tc == lc)
    BAD(MTL_EINVAL, "%s:%ld: the task and label columns are both column %d",
        path, lineno, tc + 1);
  int d = ncol - 2;
  if (d < 1)
    BAD(MTL_EFORMAT, "%s:%ld: no feature columns (header has %d columns)",
        path, lineno, ncol);
  if (p->dim && p->dim != d)
    BAD(MTL_EDIM, "%s:%ld: header has %d feature columns but dim = %d",
        path, lineno, d, p->dim);
  cc->tc = tc;
  cc->lc = lc;
done:
  return rc;
}

/* Room for one more row of d values in task a (grown by doubling; large
 * blocks grow in place, by mremap, without copying). */
static int grow_rows(mtl__tacc *a, int d) {
  if (a->n == INT32_MAX - 1)
    return mtl__err(MTL_EFORMAT, "task '%s' has too many samples", a->key);
  if (a->n < a->cap)
    return MTL_OK;
  int64_t cap = a->cap ? 2 * (int64_t)a->cap : 16;
  if (cap > INT32_MAX - 1)
    cap = INT32_MAX - 1;
  double *ny = realloc(a->y, (size_t)cap * sizeof *ny);
  if (ny)
    a->y = ny;
  double *nx = realloc(a->X, (size_t)cap * (size_t)d * sizeof *nx);
  if (nx)
    a->X = nx;
  if (!ny || !nx)
    return mtl__err(MTL_ENOMEM, "out of memory reading samples");
  a->cap = (int)cap;
  return MTL_OK;
}

/* One data row (fields fld, n of them) into s; *nnz counts its nonzero
 * features. */
static int csv_row(const char *path, long lineno, const csv_cols *cc,
                   char **fld, int n, mtl__tset *s, int64_t *nnz) {
  int ncol = cc->ncol, tc = cc->tc, lc = cc->lc, rc = MTL_OK;
  char **names = cc->names, *e;
  if (n != ncol)
    BAD(MTL_EFORMAT, "%s:%ld: wrong column count: %d columns, header has "
                     "%d",
        path, lineno, n, ncol);
  if (!fld[tc][0])
    BAD(MTL_EFORMAT, "%s:%ld: empty task in column '%s'", path, lineno,
        names[tc]);
  int ti = mtl__tset_get(s, fld[tc], strlen(fld[tc]));
  if (ti < 0)
    return ti;
  const char *lf = fld[lc];
  double y = mtl__strtod(lf, &e);
  if (!lf[0])
    BAD(MTL_EFORMAT, "%s:%ld: missing label in column '%s'", path, lineno,
        names[lc]);
  if (e == lf || *e)
    BAD(MTL_EFORMAT, "%s:%ld: bad label in column '%s': not a number "
                     "(value '%s')", path, lineno, names[lc], lf);
  if (!isfinite(y))
    BAD(MTL_EFORMAT, "%s:%ld: label in column '%s' is not finite (value "
                     "'%s')", path, lineno, names[lc], lf);
  int d = ncol - 2;
  mtl__tacc *a = &s->t[ti];
  if ((rc = grow_rows(a, d)))
    goto done;
  double *x = a->X + (size_t)a->n * (size_t)d;
  a->y[a->n] = y;
  int32_t j = 0;
  for (int c = 0; c < ncol; c++) {
    if (c == tc || c == lc)
      continue;
    const char *f = fld[c];
    double v = mtl__strtod(f, &e);
    if (!f[0])
      BAD(MTL_EFORMAT, "%s:%ld: empty value in column '%s'", path, lineno,
          names[c]);
    if (e == f || *e)
      BAD(MTL_EFORMAT, "%s:%ld: bad number in column '%s' (value '%s')",
          path, lineno, names[c], f);
    if (!isfinite(v))
      BAD(MTL_EFORMAT, "%s:%ld: value in column '%s' is not finite "
                       "(value '%s')", path, lineno, names[c], f);
    x[j++] = v != 0 ? v : 0.0; /* -0 is not stored, as in CSR */
    *nnz += v != 0;
  }
  a->n++;
  a->i = (int)a->n;
done:
  return rc;
}

/* The common case of a data row, parsed in place without splitting it:
 * no quotes, every field a plain token.  Returns 1 when the row was
 * stored, 0 when it needs csv_row (quotes, or anything csv_row reports as
 * an error: csv_row then parses it again from the start and names the
 * problem), or an error code. */
static int csv_row_fast(const csv_cols *cc, const char *q, size_t len,
                        mtl__tset *s, int64_t *nnz) {
  int ncol = cc->ncol, d = ncol - 2, rc;
  if (memchr(q, '"', len))
    return 0;
  const char *tk = q;
  for (int c = 0; c < cc->tc; c++) { /* the task column's token */
    tk = memchr(tk, ',', len - (size_t)(tk - q));
    if (!tk)
      return 0;
    tk++;
  }
  while (is_sep(*tk))
    tk++;
  const char *te = tk;
  while (!is_end(*te) && *te != ',')
    te++;
  while (te > tk && is_sep(te[-1]))
    te--;
  if (te == tk)
    return 0;
  int ti = mtl__tset_get(s, tk, (size_t)(te - tk));
  if (ti < 0)
    return ti;
  mtl__tacc *a = &s->t[ti];
  if ((rc = grow_rows(a, d)))
    return rc;
  double *x = a->X + (size_t)a->n * (size_t)d, y = 0;
  int64_t nz = 0;
  int32_t j = 0;
  for (int c = 0; c < ncol; c++) {
    char *e;
    while (is_sep(*q))
      q++;
    if (c == cc->tc) {
      while (!is_end(*q) && *q != ',')
        q++;
    } else {
      double v = mtl__strtod(q, &e);
      if (e == q || !isfinite(v))
        return 0;
      for (q = e; is_sep(*q);)
        q++;
      if (c == cc->lc) {
        y = v;
      } else {
        x[j++] = v != 0 ? v : 0.0;
        nz += v != 0;
      }
    }
    if (c < ncol - 1 ? *q != ',' : !is_end(*q))
      return 0;
    q++;
  }
  a->y[a->n++] = y;
  a->i = (int)a->n;
  *nnz += nz;
  return 1;
}

/* Task a's dense rows (n x d) as CSR, the dense block freed. */
static int to_csr(mtl__tacc *a, int d) {
  int n = a->i;
  int64_t nz = 0;
  const double *X = a->X;
  for (size_t k = 0; k < (size_t)n * (size_t)d; k++)
    nz += X[k] != 0;
  a->ip = mtl__malloc((size_t)(n + 1) * sizeof *a->ip);
  a->ix = mtl__malloc((size_t)(nz ? nz : 1) * sizeof *a->ix);
  a->v = mtl__malloc((size_t)(nz ? nz : 1) * sizeof *a->v);
  if (!a->ip || !a->ix || !a->v)
    return MTL_ENOMEM;
  int64_t q = 0;
  a->ip[0] = 0;
  for (int i = 0; i < n; i++) {
    const double *x = X + (size_t)i * (size_t)d;
    for (int j = 0; j < d; j++)
      if (x[j] != 0) {
        a->ix[q] = j;
        a->v[q++] = x[j];
      }
    a->ip[i + 1] = q;
  }
  free(a->X);
  a->X = NULL;
  return MTL_OK;
}

/* The tasks of s, in the file's order, as a dataset of dimension d. */
static int csv_finish(const char *path, mtl__tset *s, int d, int64_t nnz,
                      const mtl_read_params *p, mtl_dataset **out) {
  mtl__tacc **ord = NULL;
  int T = s->T, rc = mtl__tset_order(s, &ord);
  mtl__io_task *tk = rc ? NULL : mtl__calloc((size_t)T, sizeof *tk);
  if (!rc && !tk)
    rc = MTL_ENOMEM;
  int64_t N = 0;
  for (int t = 0; t < T && !rc; t++)
    N += ord[t]->n;
  int sparse = p->sparse == 1 ||
               (p->sparse < 0 && (double)nnz < 0.25 * (double)N * d);
  for (int t = 0; t < T && !rc; t++) {
    if (sparse)
      rc = to_csr(ord[t], d);
    if (!rc)
      rc = mtl__tacc_move(ord[t], &tk[t]);
  }
  free(ord);
  if (rc) {
    for (int t = 0; tk && t < T; t++)
      mtl__io_task_clear(&tk[t]);
    free(tk);
    return rc;
  }
  return mtl__io_finish(path, d, tk, T, p->kind, NULL, out);
}

int mtl__read_csv(const char *path, const mtl_read_params *p,
                  mtl_dataset **out) {
  mtl__tset s = {0};
  mtl__lines L;
  csv_cols cc = {0, -1, -1, NULL};
  char *line = NULL, **fld = NULL;
  size_t len;
  int fcap = 0, rc, got = 0;
  int64_t nnz = 0;
  *out = NULL;
  if ((rc = mtl__lines_open(&L, path)))
    goto done;
  /* header: the first line that is not empty */
  while (!got && (got = mtl__lines_next(&L, &line, &len)) > 0)
    got = !is_end(line[strspn(line, " \t")]);
  if (got < 0) {
    rc = got;
    goto done;
  }
  if (!got)
    BAD(MTL_EFORMAT, "%s: empty file (no header row)", path);
  cc.ncol = split_csv(line, &fld, &fcap);
  if (cc.ncol == -2)
    BAD(MTL_ENOMEM, "out of memory");
  if (cc.ncol < 0)
    BAD(MTL_EFORMAT, "%s:%ld: unterminated quote in the header", path,
        L.lineno);
  if ((rc = csv_header(path, L.lineno, p, fld, &cc)))
    goto done;
  while ((got = mtl__lines_next(&L, &line, &len)) > 0) {
    char *q = line;
    while (is_sep(*q))
      q++;
    if (is_end(*q) || *q == '#')
      continue;
    if ((rc = csv_row_fast(&cc, line, len, &s, &nnz)) < 0)
      goto done;
    if (rc == 1) {
      rc = MTL_OK;
      continue;
    }
    int n = split_csv(line, &fld, &fcap);
    if (n == -2)
      BAD(MTL_ENOMEM, "out of memory");
    if (n < 0)
      BAD(MTL_EFORMAT, "%s:%ld: unterminated quote", path, L.lineno);
    if ((rc = csv_row(path, L.lineno, &cc, fld, n, &s, &nnz)))
      goto done;
  }
  if ((rc = got))
    goto done;
  if (s.T == 0)
    BAD(MTL_EFORMAT, "%s: no samples found after the header", path);
  mtl__lines_close(&L);
  rc = csv_finish(path, &s, cc.ncol - 2, nnz, p, out);
done:
  mtl__lines_close(&L);
  for (int c = 0; cc.names && c < cc.ncol; c++)
    free(cc.names[c]);
  free(cc.names);
  free(fld);
  mtl__tset_free(&s);
  return rc;
}
