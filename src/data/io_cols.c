/*
 * io_cols.c -- the columns of a CSV or ARFF file: which column is the
 * task id, which are targets, which are features (by name, index or
 * prefix), string and nominal values, missing values, and the rows turned
 * into a dataset: tasks by a task column, one task, or T targets sharing
 * one X (io_multi.c).
 *
 * The file readers (io_delim.c, io_arff.c) give the header names, then
 * every data row split into fields; a row is parsed into the stored
 * columns only (rows x m doubles, NaN = a missing feature for
 * missing = mean).  Errors read "file:line: (FORMAT) reason (value 'x')".
 */
#include "io_impl.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define BAD(code, ...)                                                         \
  do {                                                                         \
    rc = mtl__err(code, __VA_ARGS__);                                          \
    goto done;                                                                 \
  } while (0)

int mtl__cols_init(mtl__cols *c, const char *path, const char *fmt,
                   const mtl_read_params *p, int ncol) {
  memset(c, 0, sizeof *c);
  c->path = path;
  c->fmt = fmt;
  c->p = p;
  c->ncol = ncol;
  c->task = -1;
  c->weight = -1;
  c->row_w = 1.0;
  c->names = mtl__calloc((size_t)ncol, sizeof *c->names);
  c->role = mtl__calloc((size_t)ncol, sizeof *c->role);
  c->slot = mtl__calloc((size_t)ncol, sizeof *c->slot);
  c->nominal = mtl__calloc((size_t)ncol, sizeof *c->nominal);
  c->fixed = mtl__calloc((size_t)ncol, sizeof *c->fixed);
  c->lev = mtl__calloc((size_t)ncol, sizeof *c->lev);
  c->levval = mtl__calloc((size_t)ncol, sizeof *c->levval);
  c->lab = mtl__calloc((size_t)ncol, sizeof *c->lab);
  c->feat = mtl__calloc((size_t)ncol, sizeof *c->feat);
  if (!c->names || !c->role || !c->slot || !c->nominal || !c->fixed ||
      !c->lev || !c->levval || !c->lab || !c->feat)
    return MTL_ENOMEM;
  return MTL_OK;
}

void mtl__cols_free(mtl__cols *c) {
  for (int k = 0; k < c->ncol; k++) {
    if (c->names)
      free(c->names[k]);
    if (c->lev)
      mtl__tset_free(&c->lev[k]);
    if (c->levval)
      free(c->levval[k]);
  }
  free(c->names);
  free(c->role);
  free(c->slot);
  free(c->nominal);
  free(c->fixed);
  free(c->lev);
  free(c->levval);
  free(c->lab);
  free(c->feat);
  free(c->v);
  free(c->w);
  free(c->trow);
  mtl__tset_free(&c->tasks);
  memset(c, 0, sizeof *c);
}

int mtl__cols_missing(const char *s) {
  return !s[0] || strcmp(s, "?") == 0 || strcmp(s, "NA") == 0 ||
         strcasecmp(s, "nan") == 0;
}

void mtl__cols_note(mtl__cols *c, const char *fmt, ...) {
  size_t n = strlen(c->notes);
  if (n + 2 >= sizeof c->notes)
    return;
  if (n)
    c->notes[n++] = '\n';
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(c->notes + n, sizeof c->notes - n, fmt, ap);
  va_end(ap);
}

/* ---- roles ----------------------------------------------------------------
 */

/* The columns an item of a list names: an exact name, a 0-based index, or
 * "prefix*"; marks them in hit (ncol) and appends them to out (when not
 * NULL).  Returns how many, or an error naming the option. */
static int spec_item(const mtl__cols *c, const char *it, size_t n,
                     const char *opt, int *out, int *nout) {
  int found = 0;
  char buf[256];
  if (n >= sizeof buf)
    n = sizeof buf - 1;
  memcpy(buf, it, n);
  buf[n] = '\0';
  int prefix = n > 0 && buf[n - 1] == '*';
  for (int k = 0; k < c->ncol; k++) {
    int hit = prefix ? strncmp(c->names[k], buf, n - 1) == 0
                     : strcmp(c->names[k], buf) == 0;
    if (hit) {
      out[(*nout)++] = k;
      found++;
      if (!prefix)
        break;
    }
  }
  if (!found && !prefix) {
    char *e;
    long k = strtol(buf, &e, 10);
    if (e != buf && !*e && k >= 0 && k < c->ncol) {
      out[(*nout)++] = (int)k;
      found = 1;
    } else if (e != buf && !*e) {
      return mtl__err(MTL_EINVAL,
                      "%s: %s: column %ld is out of range (the "
                      "header has %d columns, 0-based)",
                      c->path, opt, k, c->ncol);
    }
  }
  if (!found) {
    char have[400] = "";
    size_t h = 0;
    for (int k = 0; k < c->ncol && h + 8 < sizeof have; k++)
      h += (size_t)snprintf(have + h, sizeof have - h, "%s%s", k ? ", " : "",
                            c->names[k]);
    if (h >= sizeof have)
      memcpy(have + sizeof have - 5, "...", 4);
    return mtl__err(MTL_EINVAL,
                    "%s: %s: no column %s '%s' in the %s header "
                    "(columns: %s)",
                    c->path, opt, prefix ? "starting with" : "named", buf,
                    c->fmt, have);
  }
  return found;
}

/* The columns of a comma-separated list (into out, *nout of them). */
static int spec_list(const mtl__cols *c, const char *list, const char *opt,
                     int *out, int *nout) {
  *nout = 0;
  for (const char *q = list; *q;) {
    size_t n = strcspn(q, ",");
    while (n && (*q == ' ')) /* trim */
      q++, n--;
    size_t m = n;
    while (m && q[m - 1] == ' ')
      m--;
    if (m) {
      int *tmp = mtl__malloc((size_t)c->ncol * sizeof *tmp), nt = 0;
      if (!tmp)
        return MTL_ENOMEM;
      int rc = spec_item(c, q, m, opt, tmp, &nt);
      for (int i = 0; i < nt && rc >= 0; i++) {
        int dup = 0;
        for (int j = 0; j < *nout; j++)
          dup |= out[j] == tmp[i];
        if (!dup)
          out[(*nout)++] = tmp[i];
      }
      free(tmp);
      if (rc < 0)
        return rc;
    }
    q += n;
    if (*q == ',')
      q++;
  }
  return MTL_OK;
}

/* One column given by name/index text or an int (-1 = none). */
static int spec_one(const mtl__cols *c, const char *txt, int k, const char *opt,
                    int *col) {
  int n = 0, *tmp = mtl__malloc((size_t)c->ncol * sizeof *tmp), rc = MTL_OK;
  if (!tmp)
    return MTL_ENOMEM;
  *col = -1;
  if (txt) {
    rc = spec_list(c, txt, opt, tmp, &n);
    if (!rc && n != 1)
      rc = mtl__err(MTL_EINVAL, "%s: %s '%s' names %d columns; give one",
                    c->path, opt, txt, n);
    if (!rc)
      *col = tmp[0];
  } else if (k >= c->ncol) {
    rc = mtl__err(MTL_EINVAL,
                  "%s: %s %d is out of range (the header has %d "
                  "columns, 0-based)",
                  c->path, opt, k, c->ncol);
  } else {
    *col = k;
  }
  free(tmp);
  return rc;
}

/* The first column named one of the '|'-separated names, or -1. */
static int by_name(const mtl__cols *c, const char *names) {
  for (int k = 0; k < c->ncol; k++)
    for (const char *q = names; *q;) {
      size_t n = strcspn(q, "|");
      if (strlen(c->names[k]) == n && strncasecmp(c->names[k], q, n) == 0)
        return k;
      q += n + (q[n] == '|');
    }
  return -1;
}

/* The target columns: a count K (the last K columns that are not the task
 * or dropped), or a list. */
static int targets_of(mtl__cols *c, const char *t) {
  char *e;
  long K = strtol(t, &e, 10);
  if (e == t || *e)
    return spec_list(c, t, "--targets", c->lab, &c->nlab);
  if (K < 1)
    return mtl__err(MTL_EINVAL, "%s: --targets %ld: the count must be >= 1",
                    c->path, K);
  c->nlab = 0;
  for (int k = c->ncol - 1; k >= 0 && c->nlab < K; k--)
    if (c->role[k] == MTL__COL_FEAT)
      c->lab[c->nlab++] = k;
  if (c->nlab < K)
    return mtl__err(MTL_EINVAL,
                    "%s: --targets %ld but only %d columns are "
                    "left",
                    c->path, K, c->nlab);
  for (int i = 0; i < c->nlab / 2; i++) { /* file order */
    int s = c->lab[i];
    c->lab[i] = c->lab[c->nlab - 1 - i];
    c->lab[c->nlab - 1 - i] = s;
  }
  return MTL_OK;
}

/* The label column(s) when --targets is not given: label_column, label_col,
 * a column named label or y, or (label_last: ARFF) the last column left. */
static int labels_default(mtl__cols *c, int label_last) {
  const mtl_read_params *p = c->p;
  int col = -1, rc = MTL_OK;
  if (p->label_column || p->label_col >= 0)
    rc = spec_one(c, p->label_column, p->label_col, "--label-col", &col);
  else if ((col = by_name(c, "label|y")) >= 0 && c->role[col])
    col = -1;
  for (int k = c->ncol - 1; !rc && col < 0 && label_last && k >= 0; k--)
    if (c->role[k] == MTL__COL_FEAT) {
      col = k;
      mtl__cols_note(c,
                     "%s: the label is the last column, '%s' (choose "
                     "with --label-col, or --targets K for the last K "
                     "columns as targets)",
                     c->path, c->names[k]);
    }
  if (rc)
    return rc;
  if (col < 0)
    return mtl__err(MTL_EFORMAT,
                    "%s: no column named 'label' or 'y' in the "
                    "%s header (pass --label-col NAME|K, or "
                    "--targets for several target columns)",
                    c->path, c->fmt);
  c->lab[0] = col;
  c->nlab = 1;
  return MTL_OK;
}

int mtl__cols_roles(mtl__cols *c, int label_last) {
  const mtl_read_params *p = c->p;
  int rc = MTL_OK, n = 0, *tmp = mtl__malloc((size_t)c->ncol * sizeof *tmp);
  if (!tmp)
    return MTL_ENOMEM;
  if (p->drop && !(rc = spec_list(c, p->drop, "--drop", tmp, &n)))
    for (int i = 0; i < n; i++)
      c->role[tmp[i]] = MTL__COL_SKIP;
  if (!rc && (p->task_column || p->task_col >= 0))
    rc = spec_one(c, p->task_column, p->task_col, "--task-col", &c->task);
  else if (!rc && (c->task = by_name(c, "task")) >= 0 && c->role[c->task])
    c->task = -1;
  if (!rc && c->task >= 0)
    c->role[c->task] = MTL__COL_TASK;
  if (!rc && p->weight_column &&
      !(rc = spec_one(c, p->weight_column, -1, "--weight-col", &c->weight))) {
    if (c->role[c->weight] != MTL__COL_FEAT)
      BAD(MTL_EINVAL, "%s: --weight-col names column '%s', which is %s",
          c->path, c->names[c->weight],
          c->role[c->weight] == MTL__COL_TASK ? "the task column"
                                              : "dropped (--drop)");
    c->role[c->weight] = MTL__COL_WEIGHT;
  }
  if (!rc)
    rc = p->targets ? targets_of(c, p->targets) : labels_default(c, label_last);
  for (int i = 0; !rc && i < c->nlab; i++) {
    int k = c->lab[i];
    if (c->role[k] != MTL__COL_FEAT)
      BAD(MTL_EINVAL, "%s: column '%s' is a target and %s", c->path,
          c->names[k],
          c->role[k] == MTL__COL_TASK     ? "the task column"
          : c->role[k] == MTL__COL_WEIGHT ? "the weight column"
                                          : "dropped (--drop)");
    c->role[k] = MTL__COL_LABEL;
  }
  if (!rc && c->nlab > 1 && c->task >= 0)
    BAD(MTL_EINVAL,
        "%s: several targets (--targets) and a task column "
        "('%s') together are not supported (ignore it with "
        "--drop, or give one target)",
        c->path, c->names[c->task]);
  if (!rc && p->features) {
    rc = spec_list(c, p->features, "--features", tmp, &n);
    for (int i = 0; !rc && i < n; i++)
      if (c->role[tmp[i]] != MTL__COL_FEAT)
        BAD(MTL_EINVAL,
            "%s: --features names column '%s', which is the "
            "task, a target, the weight or dropped",
            c->path, c->names[tmp[i]]);
    for (int k = 0; !rc && k < c->ncol; k++)
      if (c->role[k] == MTL__COL_FEAT)
        c->role[k] = MTL__COL_SKIP;
    for (int i = 0; !rc && i < n; i++)
      c->role[c->feat[c->nfeat++] = tmp[i]] = MTL__COL_FEAT;
  } else {
    for (int k = 0; !rc && k < c->ncol; k++)
      if (c->role[k] == MTL__COL_FEAT)
        c->feat[c->nfeat++] = k;
  }
  if (!rc && c->nfeat < 1)
    BAD(MTL_EFORMAT,
        "%s: no feature columns left (%d columns in the %s "
        "header)",
        c->path, c->ncol, c->fmt);
  c->m = 0;
  for (int k = 0; k < c->ncol; k++)
    c->slot[k] = c->role[k] == MTL__COL_FEAT || c->role[k] == MTL__COL_LABEL
                     ? c->m++
                     : -1;
done:
  free(tmp);
  return rc;
}

/* ---- rows -----------------------------------------------------------------
 */

/* 1 when s is a whole finite or infinite number. */
int mtl__cols_is_number(const char *s) {
  char *e;
  mtl__strtod(s, &e);
  return e != s && !*e;
}

/* A missing value in column k at lineno: an error (missing = error), or
 * 1 to drop the row (a task or a target, or missing = drop), or 0 to keep
 * NaN (a feature with missing = mean). */
static int missing_at(mtl__cols *c, long lineno, int k, const char *tok) {
  int pol = c->p->missing;
  if (pol == MTL_MISSING_ERROR)
    return mtl__err(MTL_EFORMAT,
                    "%s:%ld: %s in column '%s'%s (value "
                    "'%s'); a missing value: pass --missing "
                    "drop or mean",
                    c->path, lineno,
                    c->role[k] == MTL__COL_LABEL  ? "missing label"
                    : c->role[k] == MTL__COL_TASK ? "missing task"
                    : strcasecmp(tok, "nan") == 0 ? "value"
                                                  : "missing value",
                    c->names[k],
                    strcasecmp(tok, "nan") == 0 ? " is not finite" : "", tok);
  return pol == MTL_MISSING_DROP || c->role[k] != MTL__COL_FEAT;
}

/* The value of token tok in column k (numeric, or a level's code/value). */
static int cell_value(mtl__cols *c, long lineno, int k, const char *tok,
                      double *x) {
  char *e;
  if (!c->nominal[k]) {
    *x = mtl__strtod(tok, &e);
    if (e == tok || *e)
      return mtl__err(MTL_EFORMAT,
                      "%s:%ld: bad number in column '%s' "
                      "(value '%s')",
                      c->path, lineno, c->names[k], tok);
    if (!isfinite(*x))
      return mtl__err(MTL_EFORMAT,
                      "%s:%ld: value in column '%s' is not "
                      "finite (value '%s')",
                      c->path, lineno, c->names[k], tok);
    return MTL_OK;
  }
  int l = c->fixed[k] ? mtl__tset_find(&c->lev[k], tok, strlen(tok))
                      : mtl__tset_get(&c->lev[k], tok, strlen(tok));
  if (l == -1)
    return mtl__err(MTL_EFORMAT,
                    "%s:%ld: value '%s' of column '%s' is "
                    "not one of its declared values",
                    c->path, lineno, tok, c->names[k]);
  if (l < 0)
    return l;
  *x = c->levval[k] ? c->levval[k][l] : (double)l;
  return MTL_OK;
}

/* The sample weight of the row at lineno (token tok): a number >= 0. */
static int weight_value(mtl__cols *c, long lineno, const char *tok) {
  char *e;
  double w = mtl__strtod(tok, &e);
  if (e == tok || *e)
    return mtl__err(MTL_EFORMAT,
                    "%s:%ld: bad sample weight in column '%s' (value '%s'): "
                    "a weight is a number >= 0",
                    c->path, lineno, c->names[c->weight], tok);
  if (!(w >= 0) || !isfinite(w))
    return mtl__err(MTL_EFORMAT,
                    "%s:%ld: sample weight in column '%s' is %s (value "
                    "'%s'): a weight must be >= 0 and finite",
                    c->path, lineno, c->names[c->weight],
                    w < 0 ? "negative" : "not finite", tok);
  c->w[c->nrow] *= w; /* times the row's own weight (ARFF {w}) */
  return MTL_OK;
}

/* Room for one more row. */
static int grow(mtl__cols *c) {
  if (c->nrow < c->cap)
    return MTL_OK;
  size_t cap = c->cap ? 2 * c->cap : 256;
  double *v = realloc(c->v, cap * (size_t)(c->m ? c->m : 1) * sizeof *v);
  if (v)
    c->v = v;
  int *tr = realloc(c->trow, cap * sizeof *tr);
  if (tr)
    c->trow = tr;
  int weighted = c->weight >= 0 || c->inst_w;
  double *w = weighted ? realloc(c->w, cap * sizeof *w) : NULL;
  if (w)
    c->w = w;
  if (!v || !tr || (weighted && !w))
    return mtl__err(MTL_ENOMEM, "%s: out of memory reading rows", c->path);
  c->cap = cap;
  return MTL_OK;
}

int mtl__cols_row(mtl__cols *c, long lineno, char **fld, int n) {
  int rc = MTL_OK, drop = 0;
  if (n != c->ncol)
    return mtl__err(MTL_EFORMAT,
                    "%s:%ld: wrong column count: %d "
                    "columns, header has %d",
                    c->path, lineno, n, c->ncol);
  if ((rc = grow(c)))
    return rc;
  if (c->w)
    c->w[c->nrow] = c->row_w;
  double *x = c->v + c->nrow * (size_t)c->m;
  for (int k = 0; k < c->ncol && !drop; k++) {
    const char *tok = fld[k];
    if (c->role[k] == MTL__COL_SKIP)
      continue;
    if (mtl__cols_missing(tok)) {
      if ((rc = missing_at(c, lineno, k, tok)) < 0)
        return rc;
      drop = rc;
      if (c->slot[k] >= 0)
        x[c->slot[k]] = NAN;
      continue;
    }
    if (k == c->weight) {
      if ((rc = weight_value(c, lineno, tok)))
        return rc;
      continue;
    }
    if (k != c->task && (rc = cell_value(c, lineno, k, tok, &x[c->slot[k]])))
      return rc;
  }
  if (drop) {
    c->dropped++;
    return MTL_OK;
  }
  if (c->task >= 0) { /* a task seen only in dropped rows does not exist */
    int t = mtl__tset_get(&c->tasks, fld[c->task], strlen(fld[c->task]));
    if (t < 0)
      return t;
    c->trow[c->nrow] = t;
  }
  c->nrow++;
  return MTL_OK;
}

typedef struct named_col {
  const char *name;
  int col;
} named_col;

static int named_cmp(const void *a, const void *b) {
  const named_col *x = a, *y = b;
  int c = strcmp(x->name, y->name);
  return c ? c : (x->col > y->col) - (x->col < y->col);
}

int mtl__names_dup(char *const *names, int n, int *first, int *second) {
  named_col *o = mtl__malloc((size_t)(n > 0 ? n : 1) * sizeof *o);
  if (!o)
    return -1;
  for (int k = 0; k < n; k++)
    o[k] = (named_col){names[k], k};
  qsort(o, (size_t)n, sizeof *o, named_cmp);
  *first = *second = -1;
  for (int k = 1, g = 0; k < n; k++) {
    if (strcmp(o[k].name, o[g].name) != 0)
      g = k; /* o[g]: the first column of this name */
    else if (k == g + 1 && (*second < 0 || o[k].col < *second))
      *first = o[g].col, *second = o[k].col;
  }
  free(o);
  return *second >= 0;
}
