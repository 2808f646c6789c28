/*
 * io_text.c -- the text format ("task label idx:val ...", one sample per
 * line), CSV with a header row, and the text writer.
 *
 * Both readers stream the file line by line (getline) and parse numbers
 * with strtod/strtol in place, accumulating each task as CSR; at the end
 * tasks are kept sparse or made dense (params.sparse, or density < 25%).
 * Errors read "file:line: reason (value 'token')".
 *
 * The writer starts the file with a comment line
 *   # mtl-dataset d=<d> T=<T> kinds=<r|c per task> storage=<d|s per task>
 * which other readers skip as a comment; ours takes the dimension, the task
 * kinds and the storage from it, so that read(write(ds)) == ds exactly
 * (values are written with %.17g, which strtod reads back bit for bit).
 */
#include "data.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define HEADER_TAG "# mtl-dataset"

/* ---- per-task accumulators ----------------------------------------------- */

typedef struct tacc {
  char *key;        /* canonical task token */
  int is_int;
  long long id;
  int n, cap_n;
  double *y;
  int64_t *ip;      /* n + 1 */
  int64_t nnz, cap_nz;
  int32_t *ix;
  double *v;
} tacc;

typedef struct tset {
  tacc *t;
  int T, cap;
  int *slot;        /* open addressing: task index + 1, 0 = empty */
  size_t nslot;
  int all_int;
} tset;

static uint64_t hash_str(const char *s, size_t n) {
  uint64_t h = 1469598103934665603ULL;
  for (size_t k = 0; k < n; k++)
    h = (h ^ (unsigned char)s[k]) * 1099511628211ULL;
  return h;
}

static void tset_free(tset *s) {
  for (int k = 0; k < s->T; k++) {
    free(s->t[k].key);
    free(s->t[k].y);
    free(s->t[k].ip);
    free(s->t[k].ix);
    free(s->t[k].v);
  }
  free(s->t);
  free(s->slot);
  memset(s, 0, sizeof *s);
}

static int rehash(tset *s, size_t nslot) {
  int *sl = calloc(nslot, sizeof *sl);
  if (!sl)
    return mtl__err(MTL_ENOMEM, "out of memory (task table)");
  for (int k = 0; k < s->T; k++) {
    size_t h = hash_str(s->t[k].key, strlen(s->t[k].key)) & (nslot - 1);
    while (sl[h])
      h = (h + 1) & (nslot - 1);
    sl[h] = k + 1;
  }
  free(s->slot);
  s->slot = sl;
  s->nslot = nslot;
  return MTL_OK;
}

/* Integer task tokens ("7", "+7", "007") share the canonical key "7". */
static int int_token(const char *s, size_t n, long long *v) {
  size_t k = 0;
  if (n && (s[0] == '-' || s[0] == '+'))
    k = 1;
  if (k == n || n - k > 18)
    return 0;
  for (size_t q = k; q < n; q++)
    if (!isdigit((unsigned char)s[q]))
      return 0;
  long long x = 0;
  for (size_t q = k; q < n; q++)
    x = x * 10 + (s[q] - '0');
  *v = s[0] == '-' ? -x : x;
  return 1;
}

/* Finds or creates the task of token s[0..n-1]; returns its index. */
static int tset_get(tset *s, const char *tok, size_t n) {
  char canon[32];
  long long id = 0;
  int is_int = int_token(tok, n, &id);
  if (is_int) {
    n = (size_t)snprintf(canon, sizeof canon, "%lld", id);
    tok = canon;
  }
  if (!s->slot && rehash(s, 64))
    return MTL_ENOMEM;
  size_t h = hash_str(tok, n) & (s->nslot - 1);
  while (s->slot[h]) {
    tacc *a = &s->t[s->slot[h] - 1];
    if (strlen(a->key) == n && memcmp(a->key, tok, n) == 0)
      return s->slot[h] - 1;
    h = (h + 1) & (s->nslot - 1);
  }
  if (s->T == INT32_MAX - 1)
    return mtl__err(MTL_EFORMAT, "too many tasks");
  if (s->T == s->cap) {
    int cap = s->cap ? 2 * s->cap : 16;
    tacc *nt = realloc(s->t, (size_t)cap * sizeof *nt);
    if (!nt)
      return mtl__err(MTL_ENOMEM, "out of memory (tasks)");
    s->t = nt;
    s->cap = cap;
  }
  tacc *a = &s->t[s->T];
  memset(a, 0, sizeof *a);
  a->key = mtl__malloc(n + 1);
  a->ip = mtl__malloc(16 * sizeof *a->ip);
  if (!a->key || !a->ip) {
    free(a->key);
    free(a->ip);
    return MTL_ENOMEM;
  }
  memcpy(a->key, tok, n);
  a->key[n] = '\0';
  a->ip[0] = 0;
  a->cap_n = 15;
  a->is_int = is_int;
  a->id = id;
  if (s->T == 0)
    s->all_int = 1;
  s->all_int &= is_int;
  s->slot[h] = ++s->T;
  if ((size_t)s->T * 2 > s->nslot && rehash(s, s->nslot * 2))
    return MTL_ENOMEM;
  return s->T - 1;
}

/* Appends a sample (label y) to task a; its features follow with push_nz. */
static int tacc_row(tacc *a, double y) {
  if (a->n == INT32_MAX - 1)
    return mtl__err(MTL_EFORMAT, "task '%s' has too many samples", a->key);
  if (a->n == a->cap_n) {
    int cap = a->cap_n * 2 + 1;
    double *ny = realloc(a->y, (size_t)cap * sizeof *ny);
    if (ny)
      a->y = ny;
    int64_t *np = realloc(a->ip, (size_t)(cap + 1) * sizeof *np);
    if (np)
      a->ip = np;
    if (!ny || !np)
      return mtl__err(MTL_ENOMEM, "out of memory reading samples");
    a->cap_n = cap;
  }
  if (!a->y) {
    a->y = malloc((size_t)a->cap_n * sizeof *a->y);
    if (!a->y)
      return mtl__err(MTL_ENOMEM, "out of memory reading samples");
  }
  a->y[a->n++] = y;
  a->ip[a->n] = a->nnz;
  return MTL_OK;
}

static int tacc_nz(tacc *a, int32_t j, double v) {
  if (a->nnz == a->cap_nz) {
    int64_t cap = a->cap_nz ? 2 * a->cap_nz : 64;
    int32_t *nx = realloc(a->ix, (size_t)cap * sizeof *nx);
    if (nx)
      a->ix = nx;
    double *nv = realloc(a->v, (size_t)cap * sizeof *nv);
    if (nv)
      a->v = nv;
    if (!nx || !nv)
      return mtl__err(MTL_ENOMEM, "out of memory reading features");
    a->cap_nz = cap;
  }
  a->ix[a->nnz] = j;
  a->v[a->nnz++] = v;
  a->ip[a->n] = a->nnz;
  return MTL_OK;
}

static int cmp_tacc_id(const void *x, const void *y) {
  const tacc *a = *(const tacc *const *)x, *b = *(const tacc *const *)y;
  return (a->id > b->id) - (a->id < b->id);
}

/* The rows of a into task q: a dense copy, or its CSR arrays (moved). */
static int tacc_store(tacc *a, int d, int dense, mtl__io_task *q) {
  if (dense) {
    q->X = mtl__calloc((size_t)a->n * (size_t)d, sizeof *q->X);
    if (!q->X)
      return MTL_ENOMEM;
    for (int i = 0; i < a->n; i++)
      for (int64_t p = a->ip[i]; p < a->ip[i + 1]; p++)
        q->X[(size_t)i * (size_t)d + (size_t)a->ix[p]] = a->v[p];
    return MTL_OK;
  }
  q->indptr = a->ip;
  q->indices = a->ix ? a->ix : mtl__malloc(sizeof *q->indices);
  q->values = a->v ? a->v : mtl__malloc(sizeof *q->values);
  a->ip = NULL;
  a->ix = NULL;
  a->v = NULL;
  return q->indices && q->values ? MTL_OK : MTL_ENOMEM;
}

/* Turns the accumulated tasks into a dataset: integer task ids ordered
 * numerically (else first appearance), storage from `storage` (per task
 * 'd'/'s') or the sparse rule, kinds from `kinds` when given. */
static int tset_finish(const char *path, tset *s, int d, int sparse,
                       const char *storage, const char *kinds, int kind,
                       mtl_dataset **out) {
  int T = s->T, rc = MTL_OK;
  tacc **ord = mtl__malloc((size_t)(T ? T : 1) * sizeof *ord);
  mtl__io_task *tk = mtl__calloc((size_t)(T ? T : 1), sizeof *tk);
  int *tkinds = kinds ? mtl__malloc((size_t)(T ? T : 1) * sizeof *tkinds)
                      : NULL;
  if (!ord || !tk || (kinds && !tkinds)) {
    free(ord);
    free(tk);
    free(tkinds);
    return MTL_ENOMEM;
  }
  for (int t = 0; t < T; t++)
    ord[t] = &s->t[t];
  if (s->all_int)
    qsort(ord, (size_t)T, sizeof *ord, cmp_tacc_id);
  int64_t nnz = 0, N = 0;
  for (int t = 0; t < T; t++) {
    nnz += ord[t]->nnz;
    N += ord[t]->n;
  }
  int dense_all = sparse == 0 ||
                  (sparse < 0 && (double)nnz >= 0.25 * (double)N * d);
  for (int t = 0; t < T && !rc; t++) {
    tacc *a = ord[t];
    mtl__io_task *q = &tk[t];
    int dense = storage ? storage[t] == 'd' : dense_all;
    char buf[64];
    q->n = a->n;
    q->y = a->y;
    a->y = NULL;
    if (a->is_int) {
      snprintf(buf, sizeof buf, "task%lld", a->id);
      q->name = mtl__strdup(buf);
    } else {
      q->name = mtl__strdup(a->key);
    }
    if (!q->name) {
      rc = MTL_ENOMEM;
      break;
    }
    if (tkinds)
      tkinds[t] = kinds[t] == 'c' ? MTL_TASK_CLASSIFICATION
                                  : MTL_TASK_REGRESSION;
    rc = tacc_store(a, d, dense, q);
  }
  free(ord);
  tset_free(s);
  if (rc) {
    for (int t = 0; t < T; t++) {
      free(tk[t].X);
      free(tk[t].indptr);
      free(tk[t].indices);
      free(tk[t].values);
      free(tk[t].y);
      free(tk[t].name);
    }
    free(tk);
    free(tkinds);
    return rc;
  }
  rc = mtl__io_finish(path, d, tk, T, kind, tkinds, out);
  free(tkinds);
  return rc;
}

/* ---- text reader --------------------------------------------------------- */

static int is_end(char c) { return c == '\0' || c == '\n' || c == '\r'; }
static int is_sep(char c) { return c == ' ' || c == '\t'; }

/* Copies the whitespace-delimited token at p (at most 48 chars) for an
 * error message. */
static const char *tok_at(const char *p, char *buf, size_t cap) {
  size_t n = 0;
  while (!is_end(p[n]) && !is_sep(p[n]) && n + 1 < cap)
    n++;
  memcpy(buf, p, n);
  buf[n] = '\0';
  return buf;
}

#define BAD(code, ...)                                                         \
  do {                                                                         \
    rc = mtl__err(code, __VA_ARGS__);                                          \
    goto done;                                                                 \
  } while (0)

/* Reads "# mtl-dataset d=.. kinds=.. storage=.." written by the writer. */
static int parse_header_line(const char *line, long *d, char **kinds,
                             char **storage) {
  const char *p = line + strlen(HEADER_TAG);
  while (!is_end(*p)) {
    while (is_sep(*p))
      p++;
    const char *s = p;
    while (!is_end(*p) && !is_sep(*p))
      p++;
    size_t n = (size_t)(p - s);
    char **dst = NULL;
    if (n > 2 && strncmp(s, "d=", 2) == 0)
      *d = strtol(s + 2, NULL, 10);
    else if (n > 6 && strncmp(s, "kinds=", 6) == 0)
      dst = kinds, s += 6, n -= 6;
    else if (n > 8 && strncmp(s, "storage=", 8) == 0)
      dst = storage, s += 8, n -= 8;
    if (dst) {
      free(*dst);
      *dst = mtl__malloc(n + 1);
      if (!*dst)
        return MTL_ENOMEM;
      memcpy(*dst, s, n);
      (*dst)[n] = '\0';
    }
  }
  return MTL_OK;
}

/* The "index:value" pairs of one sample (q just after its label) into
 * task a; lim: the largest index allowed (0: any int32); *maxidx grows. */
static int parse_features(const char *path, long lineno, char *q, long lim,
                          tacc *a, long *maxidx) {
  char tb[56], *e;
  int rc = MTL_OK;
  long prev = 0;
  for (;;) {
    while (is_sep(*q))
      q++;
    if (is_end(*q))
      break;
    char *pair = q;
    errno = 0;
    long idx = strtol(q, &e, 10);
    if (e == q || *e != ':')
      BAD(MTL_EFORMAT,
          "%s:%ld: bad feature: expected index:value (value '%s')", path,
          lineno, tok_at(pair, tb, sizeof tb));
    if (idx <= 0)
      BAD(MTL_EFORMAT, "%s:%ld: feature index must be >= 1 (value '%s')",
          path, lineno, tok_at(pair, tb, sizeof tb));
    if (idx <= prev)
      BAD(MTL_EFORMAT,
          "%s:%ld: feature indices not increasing: %ld after %ld (value "
          "'%s')",
          path, lineno, idx, prev, tok_at(pair, tb, sizeof tb));
    if (errno == ERANGE || idx > INT32_MAX || (lim && idx > lim))
      BAD(MTL_EFORMAT, "%s:%ld: feature index exceeds dim %ld (value '%s')",
          path, lineno, lim ? lim : (long)INT32_MAX,
          tok_at(pair, tb, sizeof tb));
    q = e + 1;
    double v = strtod(q, &e);
    if (e == q || !(is_end(*e) || is_sep(*e)))
      BAD(MTL_EFORMAT, "%s:%ld: bad feature value: not a number (value "
                       "'%s')",
          path, lineno, tok_at(pair, tb, sizeof tb));
    if (!isfinite(v))
      BAD(MTL_EFORMAT, "%s:%ld: feature value is not finite (value '%s')",
          path, lineno, tok_at(pair, tb, sizeof tb));
    if (v != 0 && (rc = tacc_nz(a, (int32_t)(idx - 1), v)))
      goto done;
    prev = idx;
    if (idx > *maxidx)
      *maxidx = idx;
    q = e;
  }
done:
  return rc;
}

/* One sample line "task label index:value ..." (q at its first
 * character) into s. */
static int parse_sample(const char *path, long lineno, char *q, long lim,
                        tset *s, long *maxidx) {
  char tb[56], *e;
  int rc = MTL_OK;
  /* task */
  char *tk = q;
  while (!is_end(*q) && !is_sep(*q))
    q++;
  int ti = tset_get(s, tk, (size_t)(q - tk));
  if (ti < 0)
    return ti;
  while (is_sep(*q))
    q++;
  if (is_end(*q))
    BAD(MTL_EFORMAT, "%s:%ld: missing label after the task (value '%s')",
        path, lineno, tok_at(tk, tb, sizeof tb));
  /* label */
  double y = strtod(q, &e);
  if (e == q || !(is_end(*e) || is_sep(*e)))
    BAD(MTL_EFORMAT, "%s:%ld: %s (value '%s')", path, lineno,
        *e == ':' ? "missing label before the features"
                  : "bad label: not a number",
        tok_at(q, tb, sizeof tb));
  if (!isfinite(y))
    BAD(MTL_EFORMAT, "%s:%ld: label is not finite (value '%s')", path,
        lineno, tok_at(q, tb, sizeof tb));
  tacc *a = &s->t[ti];
  if ((rc = tacc_row(a, y)))
    goto done;
  rc = parse_features(path, lineno, e, lim, a, maxidx);
done:
  return rc;
}

int mtl__read_text(const char *path, const mtl_read_params *p,
                   mtl_dataset **out) {
  tset s = {0};
  char *line = NULL;
  size_t cap = 0;
  long lineno = 0, hdr_d = 0, maxidx = 0;
  char *kinds = NULL, *storage = NULL;
  int rc = MTL_OK;
  FILE *f = fopen(path, "rb");
  *out = NULL;
  if (!f)
    return mtl__err(MTL_EIO, "%s: cannot open: %s", path, strerror(errno));
  errno = 0;
  while (getline(&line, &cap, f) != -1) {
    char *q = line;
    lineno++;
    while (is_sep(*q))
      q++;
    if (is_end(*q))
      continue;
    if (*q == '#') {
      if (strncmp(q, HEADER_TAG " ", strlen(HEADER_TAG) + 1) == 0 &&
          (rc = parse_header_line(q, &hdr_d, &kinds, &storage)))
        goto done;
      if (hdr_d < 0 || hdr_d > INT32_MAX)
        BAD(MTL_EFORMAT, "%s:%ld: bad dimension in header (value 'd=%ld')",
            path, lineno, hdr_d);
      continue;
    }
    long lim = p->dim ? p->dim : hdr_d;
    if ((rc = parse_sample(path, lineno, q, lim, &s, &maxidx)))
      goto done;
  }
  if (ferror(f))
    BAD(MTL_EIO, "%s:%ld: read error: %s", path, lineno + 1,
        strerror(errno));
  if (s.T == 0)
    BAD(MTL_EFORMAT, "%s: no samples found (%ld lines)", path, lineno);
  long d = p->dim ? p->dim : (hdr_d > maxidx ? hdr_d : maxidx);
  if (d < 1)
    BAD(MTL_EFORMAT, "%s: no feature index found and no dim given (set "
                     "dim)", path);
  if (p->kind == -1 && kinds && (int)strlen(kinds) != s.T)
    BAD(MTL_EFORMAT, "%s: header lists %zu task kinds (value '%s') but the "
                     "file has %d tasks",
        path, strlen(kinds), kinds, s.T);
  if (p->sparse < 0 && storage && (int)strlen(storage) != s.T)
    BAD(MTL_EFORMAT, "%s: header lists %zu task storages but the file has "
                     "%d tasks", path, strlen(storage), s.T);
  fclose(f);
  f = NULL;
  free(line);
  line = NULL;
  rc = tset_finish(path, &s, (int)d, p->sparse,
                   p->sparse < 0 ? storage : NULL,
                   p->kind == -1 ? kinds : NULL, p->kind, out);
done:
  if (f)
    fclose(f);
  free(line);
  free(kinds);
  free(storage);
  tset_free(&s);
  return rc;
}

/* ---- CSV reader ---------------------------------------------------------- */

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

/* Checks the header fields (fld, ncol) and finds the task and label
 * columns (by name unless p gives them). */
static int csv_header(const char *path, long lineno, const mtl_read_params *p,
                      char **fld, csv_cols *cc) {
  int ncol = cc->ncol, tc = p->task_col, lc = p->label_col, rc = MTL_OK;
  cc->names = mtl__calloc((size_t)ncol, sizeof *cc->names);
  if (!cc->names)
    return MTL_ENOMEM;
  for (int c = 0; c < ncol; c++) {
    if (!fld[c][0])
      BAD(MTL_EFORMAT, "%s:%ld: header column %d has an empty name", path,
          lineno, c + 1);
    for (int b = 0; b < c; b++)
      if (strcmp(cc->names[b], fld[c]) == 0)
        BAD(MTL_EFORMAT,
            "%s:%ld: duplicate header name (value '%s') in columns %d and %d",
            path, lineno, fld[c], b + 1, c + 1);
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

/* One data row (fields fld, n of them) into s. */
static int csv_row(const char *path, long lineno, const csv_cols *cc,
                   char **fld, int n, tset *s) {
  int ncol = cc->ncol, tc = cc->tc, lc = cc->lc, rc = MTL_OK;
  char **names = cc->names, *e;
  if (n != ncol)
    BAD(MTL_EFORMAT, "%s:%ld: wrong column count: %d columns, header has "
                     "%d",
        path, lineno, n, ncol);
  if (!fld[tc][0])
    BAD(MTL_EFORMAT, "%s:%ld: empty task in column '%s'", path, lineno,
        names[tc]);
  int ti = tset_get(s, fld[tc], strlen(fld[tc]));
  if (ti < 0)
    return ti;
  const char *lf = fld[lc];
  double y = strtod(lf, &e);
  if (!lf[0])
    BAD(MTL_EFORMAT, "%s:%ld: missing label in column '%s'", path, lineno,
        names[lc]);
  if (e == lf || *e)
    BAD(MTL_EFORMAT, "%s:%ld: bad label in column '%s': not a number "
                     "(value '%s')", path, lineno, names[lc], lf);
  if (!isfinite(y))
    BAD(MTL_EFORMAT, "%s:%ld: label in column '%s' is not finite (value "
                     "'%s')", path, lineno, names[lc], lf);
  tacc *a = &s->t[ti];
  if ((rc = tacc_row(a, y)))
    goto done;
  int32_t j = 0;
  for (int c = 0; c < ncol; c++) {
    if (c == tc || c == lc)
      continue;
    const char *x = fld[c];
    double v = strtod(x, &e);
    if (!x[0])
      BAD(MTL_EFORMAT, "%s:%ld: empty value in column '%s'", path, lineno,
          names[c]);
    if (e == x || *e)
      BAD(MTL_EFORMAT, "%s:%ld: bad number in column '%s' (value '%s')",
          path, lineno, names[c], x);
    if (!isfinite(v))
      BAD(MTL_EFORMAT, "%s:%ld: value in column '%s' is not finite "
                       "(value '%s')", path, lineno, names[c], x);
    if (v != 0 && (rc = tacc_nz(a, j, v)))
      goto done;
    j++;
  }
done:
  return rc;
}

int mtl__read_csv(const char *path, const mtl_read_params *p,
                  mtl_dataset **out) {
  tset s = {0};
  csv_cols cc = {0, -1, -1, NULL};
  char *line = NULL, **fld = NULL;
  int fcap = 0;
  size_t cap = 0;
  long lineno = 0;
  int rc = MTL_OK;
  FILE *f = fopen(path, "rb");
  *out = NULL;
  if (!f)
    return mtl__err(MTL_EIO, "%s: cannot open: %s", path, strerror(errno));
  /* header: the first line that is not empty */
  int have_header = 0;
  while (!have_header && getline(&line, &cap, f) != -1) {
    lineno++;
    have_header = !is_end(line[strspn(line, " \t")]);
  }
  if (!have_header)
    BAD(MTL_EFORMAT, "%s: empty file (no header row)", path);
  cc.ncol = split_csv(line, &fld, &fcap);
  if (cc.ncol == -2)
    BAD(MTL_ENOMEM, "out of memory");
  if (cc.ncol < 0)
    BAD(MTL_EFORMAT, "%s:%ld: unterminated quote in the header", path,
        lineno);
  if ((rc = csv_header(path, lineno, p, fld, &cc)))
    goto done;
  while (getline(&line, &cap, f) != -1) {
    lineno++;
    char *q = line;
    while (is_sep(*q))
      q++;
    if (is_end(*q) || *q == '#')
      continue;
    int n = split_csv(line, &fld, &fcap);
    if (n == -2)
      BAD(MTL_ENOMEM, "out of memory");
    if (n < 0)
      BAD(MTL_EFORMAT, "%s:%ld: unterminated quote", path, lineno);
    if ((rc = csv_row(path, lineno, &cc, fld, n, &s)))
      goto done;
  }
  if (ferror(f))
    BAD(MTL_EIO, "%s:%ld: read error: %s", path, lineno + 1,
        strerror(errno));
  if (s.T == 0)
    BAD(MTL_EFORMAT, "%s: no samples found after the header", path);
  fclose(f);
  f = NULL;
  rc = tset_finish(path, &s, cc.ncol - 2, p->sparse, NULL, NULL, p->kind,
                   out);
done:
  if (f)
    fclose(f);
  for (int c = 0; cc.names && c < cc.ncol; c++)
    free(cc.names[c]);
  free(cc.names);
  free(fld);
  free(line);
  tset_free(&s);
  return rc;
}

/* ---- writer -------------------------------------------------------------- */

static int write_all(const mtl_dataset *ds, FILE *f) {
  int d = ds->d, T = ds->T;
  fprintf(f, HEADER_TAG " d=%d T=%d kinds=", d, T);
  for (int t = 0; t < T; t++)
    fputc(ds->tasks[t].kind == MTL_TASK_CLASSIFICATION ? 'c' : 'r', f);
  fputs(" storage=", f);
  for (int t = 0; t < T; t++)
    fputc(ds->tasks[t].X ? 'd' : 's', f);
  fputc('\n', f);
  for (int t = 0; t < T; t++) {
    const mtl__task *tk = &ds->tasks[t];
    for (int i = 0; i < tk->n; i++) {
      fprintf(f, "%d %.17g", t + 1, tk->y[i]);
      if (tk->X) {
        const double *x = tk->X + (size_t)i * (size_t)d;
        for (int j = 0; j < d; j++)
          if (x[j] != 0)
            fprintf(f, " %d:%.17g", j + 1, x[j]);
      } else {
        for (int64_t p = tk->indptr[i]; p < tk->indptr[i + 1]; p++)
          if (tk->values[p] != 0)
            fprintf(f, " %d:%.17g", tk->indices[p] + 1, tk->values[p]);
      }
      if (fputc('\n', f) == EOF)
        return -1;
    }
  }
  return ferror(f) ? -1 : 0;
}

static int text_writer(FILE *f, void *ctx) {
  return write_all(ctx, f) != 0 ? mtl__err(MTL_EIO, "write failed") : MTL_OK;
}

int mtl_dataset_write_text(const mtl_dataset *ds, const char *path) {
  if (!ds || !path)
    return mtl__err(MTL_EINVAL, "mtl_dataset_write_text: NULL argument");
  if (ds->T < 1)
    return mtl__err(MTL_EINVAL, "%s: dataset has no tasks to write", path);
  return mtl__write_atomic(path, "dataset", text_writer, (void *)ds);
}
