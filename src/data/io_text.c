/*
 * io_text.c -- the text format ("task label idx:val ...", one sample per
 * line) and its writer.
 *
 * The reader makes two passes over the file (io_lines.c).  The first reads
 * only the task, the label and the feature indices of every line, and tells
 * zero values from others without converting them (a value is converted
 * only when it has an exponent or other unusual characters).  That fixes
 * the task order, the dimension, the dense/sparse choice (params.sparse, or
 * density < 25%) and every task's size before anything is stored, so the
 * second pass parses each kept line straight into its final place: a dense
 * row or a CSR array of exactly the right size, with no growing buffers and
 * no conversion copy.  Peak memory is the dataset itself.  The same first
 * pass is what the task filter needs: a part's reader parses only its own
 * lines but orders, sizes and labels its tasks as the whole file does.
 * Numbers are converted by mtl__strtod (numparse.c).  Errors read
 * "file:line: reason (value 'token')", in the order of the file's lines.
 *
 * A sample may carry a weight (mtl_dataset_set_sample_weights) as a token
 * "w=VALUE" right after its label: "task label w=2 idx:val ..."; a task
 * with such tokens weighs its other samples 1.  Both passes skip it where
 * the features start; the second stores it.
 *
 * The writer starts the file with a comment line
 *   # mtl-dataset d=<d> T=<T> kinds=<r|c per task> storage=<d|s per task>
 * which other readers skip as a comment; ours takes the dimension, the task
 * kinds and the storage from it, so that read(write(ds)) == ds exactly
 * (values are written with %.17g, which strtod reads back bit for bit).
 */
#include "io_impl.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#define HEADER_TAG "# mtl-dataset"

/* One text read: the file, its tasks, and what the first pass fixed. */
typedef struct trd {
  const char *path;
  const mtl_read_params *p;
  mtl__lines L;
  mtl__tset s;
  mtl__tacc **ord;   /* the file's task order (after the first pass) */
  int T;             /* tasks found by the first pass */
  long hdr_d, maxidx;
  long maxline;      /* the line of maxidx */
  int64_t d;         /* the dimension */
  char *kinds, *storage;
  int store;         /* 0: the second pass only checks (an error follows) */
  int exact;         /* the first pass counted nonzero values exactly */
} trd;

static int is_end(char c) { return c == '\0' || c == '\n' || c == '\r'; }
static int is_sep(char c) { return c == ' ' || c == '\t'; }
static int is_digit(char c) { return (unsigned char)(c - '0') < 10; }

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

/* Reads "# mtl-dataset d=.. kinds=.. storage=.." written by the writer;
 * kinds and storage may be NULL (not wanted). */
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

static int is_header(const char *q) {
  return strncmp(q, HEADER_TAG " ", strlen(HEADER_TAG) + 1) == 0;
}

/* ---- first pass: tasks, sizes, labels, indices --------------------------- */

/* Skips a token; returns its end. */
static char *skip_tok(char *q) {
  while (!is_end(*q) && !is_sep(*q))
    q++;
  return q;
}

/* 1 when the value token at q is not zero as strtod reads it: decided from
 * its digits when it has only digits, '.' and signs. */
static int value_nonzero(const char *q) {
  int nzd = 0, other = 0;
  const char *v0 = q;
  for (; !is_end(*q) && !is_sep(*q); q++) {
    char c = *q;
    if (c >= '1' && c <= '9')
      nzd = 1;
    else if (c != '0' && c != '.' && c != '-' && c != '+')
      other = 1;
  }
  return other ? mtl__strtod(v0, NULL) != 0 : nzd;
}

/* What the first pass learns from the features of one line. */
typedef struct fscan {
  int64_t pairs, nz; /* "index:value" pairs; nonzero values (when exact) */
  const char *last;  /* the last ':' */
  int alpha;         /* a byte above '@' (a letter: an exponent, inf...) */
} fscan;

/* One ':' at c: a pair; when exact, its value's zeroness from its leading
 * characters (final unless the line has letters, see scan_features). */
static void one_colon(fscan *f, const char *c, int exact) {
  f->pairs++;
  f->last = c;
  if (!exact)
    return;
  const char *v = c + 1;
  v += *v == '-' || *v == '+';
  while (*v == '0' || *v == '.')
    v++;
  if (*v >= '1' && *v <= '9')
    f->nz++;
  else if (!is_end(*v) && !is_sep(*v))
    f->nz += value_nonzero(c + 1); /* unusual: convert it */
}

/* The pairs of the features part [q, end) of a line, 16 bytes at a time
 * where SSE2 is there.  exact: count the nonzero values too; a line with
 * letters (exponents) has its values checked one by one. */
static void scan_features(const char *q, const char *end, int exact,
                          fscan *f) {
  const char *p = q;
  memset(f, 0, sizeof *f);
#if defined(__SSE2__)
  const __m128i colon = _mm_set1_epi8(':'), at = _mm_set1_epi8('@');
  for (; p + 16 <= end; p += 16) {
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
    unsigned m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, colon));
    f->alpha |= _mm_movemask_epi8(_mm_cmpgt_epi8(v, at));
    for (; m; m &= m - 1)
      one_colon(f, p + __builtin_ctz(m), exact);
  }
#endif
  for (; p < end; p++) {
    f->alpha |= (signed char)*p > '@';
    if (*p == ':')
      one_colon(f, p, exact);
  }
  if (exact && f->alpha) { /* exponents: every value checked */
    f->nz = 0;
    for (const char *c = q; (c = memchr(c, ':', (size_t)(end - c))); c++)
      f->nz += value_nonzero(c + 1);
  }
}

/* Past an optional "w=VALUE" token at q (blanks before it skipped). */
static char *skip_weight(char *q) {
  char *s = q;
  while (is_sep(*s))
    s++;
  return s[0] == 'w' && s[1] == '=' ? skip_tok(s) : q;
}

/* One sample line (q at its task, end past its last byte) as the first
 * pass sees it: its task, its label (labels: for the file's label kind),
 * its pairs and its last index.  Lines the second pass will refuse are
 * counted as far as they go. */
static int scan_sample(trd *r, char *q, const char *end, int labels,
                       int exact) {
  char *tk = q, *e;
  q = skip_tok(q);
  int ti = mtl__tset_get(&r->s, tk, (size_t)(q - tk));
  if (ti < 0)
    return ti;
  mtl__tacc *a = &r->s.t[ti];
  int64_t i = a->n++;
  while (is_sep(*q))
    q++;
  if (labels) {
    double y = mtl__strtod(q, &e);
    if (e != q && (is_end(*e) || is_sep(*e)) && isfinite(y) &&
        i < INT32_MAX)
      mtl__label_sum_add(&a->ls, (int)i, y);
  }
  q = skip_weight(skip_tok(q));
  fscan f;
  scan_features(q, end, exact, &f);
  a->nnz += exact ? f.nz : f.pairs;
  if (f.last) { /* the last index is the largest on a valid line */
    const char *b = f.last;
    long idx = 0;
    while (b > q && is_digit(b[-1]))
      b--;
    for (; b < f.last && idx < (1L << 40); b++)
      idx = idx * 10 + (*b - '0');
    if (idx > r->maxidx) {
      r->maxidx = idx;
      r->maxline = r->L.lineno;
    }
  }
  return MTL_OK;
}

static int scan_pass(trd *r) {
  char *line;
  size_t n;
  int got, rc;
  int labels = r->p->part_count > 0;
  while ((got = mtl__lines_next(&r->L, &line, &n)) > 0) {
    char *q = line;
    while (is_sep(*q))
      q++;
    if (is_end(*q))
      continue;
    if (*q == '#') {
      if (is_header(q) &&
          (rc = parse_header_line(q, &r->hdr_d, &r->kinds, &r->storage)))
        return rc;
      continue;
    }
    /* exact counts decide dense or sparse, unless the header does */
    int exact = r->p->sparse < 0 && !r->storage;
    r->exact |= exact;
    if ((rc = scan_sample(r, q, line + n, labels, exact)))
      return rc;
  }
  return got;
}

/* ---- between the passes: order, dimension, storage ----------------------- */

/* Storage for task a: dense rows or CSR sized by the first pass. */
static int alloc_task(trd *r, mtl__tacc *a, int dense) {
  size_t n = (size_t)a->n;
  a->y = mtl__malloc(n * sizeof *a->y);
  if (dense) {
    a->X = mtl__calloc(n * (size_t)r->d, sizeof *a->X);
  } else {
    a->ip = mtl__malloc((n + 1) * sizeof *a->ip);
    a->cap_nz = a->nnz > 0 ? a->nnz : 1;
    a->ix = mtl__malloc((size_t)a->cap_nz * sizeof *a->ix);
    a->v = mtl__malloc((size_t)a->cap_nz * sizeof *a->v);
    if (a->ip)
      a->ip[0] = 0;
  }
  if (!a->y || (dense ? !a->X : !a->ip || !a->ix || !a->v))
    return mtl__err(MTL_ENOMEM, "%s: out of memory for task '%s' (%lld "
                                "samples)",
                    r->path, a->key, (long long)a->n);
  return MTL_OK;
}

/* The largest dimension a text file sets without params.dim: beyond it an
 * index is more likely a corrupt or hostile file than a real feature (the
 * one line "1 1 2000000000:1" made every d-sized vector downstream 16 GB,
 * issue 18); params.dim lifts the bound. */
#define TEXT_MAX_INFERRED_DIM (1L << 24)

static int inferred_dim_ok(const trd *r) {
  if (r->maxidx > TEXT_MAX_INFERRED_DIM)
    return mtl__err(MTL_EFORMAT,
                    "%s:%ld: feature index %ld is above %ld, the largest "
                    "dimension read without dim (set dim, --dim, if the "
                    "data has that many features)",
                    r->path, r->maxline, r->maxidx, TEXT_MAX_INFERRED_DIM);
  if (r->hdr_d > TEXT_MAX_INFERRED_DIM)
    return mtl__err(MTL_EFORMAT,
                    "%s: header dimension d=%ld is above %ld, the largest "
                    "dimension read without dim (set dim, --dim, if the "
                    "data has that many features)",
                    r->path, r->hdr_d, TEXT_MAX_INFERRED_DIM);
  return MTL_OK;
}

/* The writer's storage hint 'd' is followed only while the dense matrix
 * stays within 64 MB or 64x the entries the file gives the task: a header
 * may not turn a few sparse lines into gigabytes of zeros (fuzz_text: 15
 * lines with one index of 9.5M asked for 1.1 GB).  Past it the task is read
 * as CSR, with the same values. */
static int hint_dense_ok(const trd *r, const mtl__tacc *a) {
  double cells = (double)a->n * (double)r->d;
  return cells <= (double)(1L << 23) ||
         cells <= 64.0 * ((double)a->nnz + (double)a->n);
}

/* Fixes the order, the dimension and each kept task's storage. */
static int decide(trd *r) {
  const mtl_read_params *p = r->p;
  int T = r->T = r->s.T, P = p->part_count, rc;
  if (T == 0)
    return MTL_OK; /* "no samples" after the second pass */
  if (P > 0 && p->part_index >= T)
    return mtl__part_empty(r->path, p, T);
  if ((rc = mtl__tset_order(&r->s, &r->ord)))
    return rc;
  if (!p->dim && (rc = inferred_dim_ok(r)))
    return rc;
  r->d = p->dim ? p->dim : (r->hdr_d > r->maxidx ? r->hdr_d : r->maxidx);
  int64_t nnz = 0, N = 0;
  r->store = r->d >= 1 && r->d <= INT32_MAX && r->hdr_d >= 0 &&
             r->hdr_d <= INT32_MAX;
  for (int t = 0; t < T; t++) {
    nnz += r->ord[t]->nnz;
    N += r->ord[t]->n;
    r->store &= r->ord[t]->n < INT32_MAX - 1;
  }
  int dense_all = p->sparse == 0 ||
                  (p->sparse < 0 && (double)nnz >= 0.25 * (double)N * r->d);
  const char *st = p->sparse < 0 && r->storage &&
                           strlen(r->storage) == (size_t)T
                       ? r->storage
                       : NULL;
  for (int t = 0; t < T; t++) {
    mtl__tacc *a = r->ord[t];
    a->keep = P == 0 || t % P == p->part_index;
    if (a->keep && r->store &&
        (rc = alloc_task(r, a,
                         st ? st[t] == 'd' && hint_dense_ok(r, a) : dense_all)))
      return rc;
  }
  return MTL_OK;
}

/* ---- second pass: parse and store ---------------------------------------- */

/* A feature index as strtol reads it (fast for plain digits); *range = 1
 * on overflow. */
static long parse_index(char *q, char **e, int *range) {
  *range = 0;
  if (is_digit(*q)) {
    long x = 0;
    char *s = q;
    while (is_digit(*s) && s - q < 18)
      x = x * 10 + (*s++ - '0');
    if (!is_digit(*s)) {
      *e = s;
      return x;
    }
  }
  errno = 0;
  long x = strtol(q, e, 10);
  *range = errno == ERANGE;
  return x;
}

/* Stores feature idx (1-based) = v of the sample being filled in a. */
static int store_nz(trd *r, mtl__tacc *a, long idx, double v) {
  if (a->X) {
    a->X[(size_t)a->i * (size_t)r->d + (size_t)(idx - 1)] = v;
    return MTL_OK;
  }
  if (a->nz == a->cap_nz) { /* only if the file changed between passes */
    int64_t cap = 2 * a->cap_nz;
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
  a->ix[a->nz] = (int32_t)(idx - 1);
  a->v[a->nz++] = v;
  return MTL_OK;
}

/* The "index:value" pairs of one sample (q just after its label) into
 * task a; lim: the largest index allowed (0: any int32). */
static int parse_features(trd *r, long lineno, char *q, long lim,
                          mtl__tacc *a) {
  const char *path = r->path;
  char tb[56], *e;
  int rc = MTL_OK, range;
  long prev = 0, dmax = r->store ? (long)r->d : INT32_MAX;
  for (;;) {
    while (is_sep(*q))
      q++;
    if (is_end(*q))
      break;
    char *pair = q;
    long idx = parse_index(q, &e, &range);
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
    if (range || idx > INT32_MAX || (lim && idx > lim))
      BAD(MTL_EFORMAT, "%s:%ld: feature index exceeds dim %ld (value '%s')",
          path, lineno, lim ? lim : (long)INT32_MAX,
          tok_at(pair, tb, sizeof tb));
    q = e + 1;
    double v = mtl__strtod(q, &e);
    if (e == q || !(is_end(*e) || is_sep(*e)))
      BAD(MTL_EFORMAT, "%s:%ld: bad feature value: not a number (value "
                       "'%s')",
          path, lineno, tok_at(pair, tb, sizeof tb));
    if (!isfinite(v))
      BAD(MTL_EFORMAT, "%s:%ld: feature value is not finite (value '%s')",
          path, lineno, tok_at(pair, tb, sizeof tb));
    /* idx > dmax: past the first pass's last index of this line, so
     * its indices do not increase: an error follows on this line */
    if (v != 0 && r->store && idx <= dmax && (rc = store_nz(r, a, idx, v)))
      goto done;
    prev = idx;
    q = e;
  }
done:
  return rc;
}

/* An optional "w=VALUE" token at *q (after the label): the sample's
 * weight, >= 0 and finite; *q moves past it.  The task's first weight
 * makes its weight array, every sample 1 until given. */
static int parse_weight(trd *r, long lineno, char **q, mtl__tacc *a) {
  char tb[56], *s = *q, *e;
  while (is_sep(*s))
    s++;
  if (s[0] != 'w' || s[1] != '=')
    return MTL_OK;
  double w = mtl__strtod(s + 2, &e);
  if (e == s + 2 || !(is_end(*e) || is_sep(*e)))
    return mtl__err(MTL_EFORMAT, "%s:%ld: bad sample weight: not a number "
                                 "(value '%s')",
                    r->path, lineno, tok_at(s, tb, sizeof tb));
  if (!(w >= 0) || !isfinite(w))
    return mtl__err(MTL_EFORMAT, "%s:%ld: sample weight is %s (value '%s'); "
                                 "a weight must be >= 0 and finite",
                    r->path, lineno, w < 0 ? "negative" : "not finite",
                    tok_at(s, tb, sizeof tb));
  *q = e;
  if (!r->store)
    return MTL_OK;
  if (!a->sw) {
    a->sw = mtl__malloc((size_t)(a->n > 0 ? a->n : 1) * sizeof *a->sw);
    if (!a->sw)
      return MTL_ENOMEM;
    for (int64_t i = 0; i < a->n; i++)
      a->sw[i] = 1.0;
  }
  a->sw[a->i] = w;
  return MTL_OK;
}

/* One sample line of task a (tk: its task token, q just after it). */
static int parse_sample(trd *r, long lineno, char *tk, char *q, long lim,
                        mtl__tacc *a) {
  const char *path = r->path;
  char tb[56], *e;
  int rc = MTL_OK;
  while (is_sep(*q))
    q++;
  if (is_end(*q))
    BAD(MTL_EFORMAT, "%s:%ld: missing label after the task (value '%s')",
        path, lineno, tok_at(tk, tb, sizeof tb));
  double y = mtl__strtod(q, &e);
  if (e == q || !(is_end(*e) || is_sep(*e)))
    BAD(MTL_EFORMAT, "%s:%ld: %s (value '%s')", path, lineno,
        *e == ':' ? "missing label before the features"
                  : "bad label: not a number",
        tok_at(q, tb, sizeof tb));
  if (!isfinite(y))
    BAD(MTL_EFORMAT, "%s:%ld: label is not finite (value '%s')", path,
        lineno, tok_at(q, tb, sizeof tb));
  if (a->i == INT32_MAX - 1)
    BAD(MTL_EFORMAT, "task '%s' has too many samples", a->key);
  if (r->store && a->i >= a->n)
    BAD(MTL_EIO, "%s:%ld: the file changed while it was read", path,
        lineno);
  if (r->store)
    a->y[a->i] = y;
  if ((rc = parse_weight(r, lineno, &e, a)))
    goto done;
  if ((rc = parse_features(r, lineno, e, lim, a)))
    goto done;
  a->i++;
  if (r->store && a->ip)
    a->ip[a->i] = a->nz;
done:
  return rc;
}

static int parse_pass(trd *r) {
  const char *path = r->path;
  long hdr_d = 0;
  char *line, tb[56];
  size_t n;
  int got, rc = MTL_OK;
  if ((rc = mtl__lines_rewind(&r->L)))
    return rc;
  while ((got = mtl__lines_next(&r->L, &line, &n)) > 0) {
    char *q = line, *tk;
    long lineno = r->L.lineno;
    while (is_sep(*q))
      q++;
    if (is_end(*q))
      continue;
    if (*q == '#') {
      if (is_header(q))
        parse_header_line(q, &hdr_d, NULL, NULL);
      if (hdr_d < 0 || hdr_d > INT32_MAX)
        BAD(MTL_EFORMAT, "%s:%ld: bad dimension in header (value 'd=%ld')",
            path, lineno, hdr_d);
      continue;
    }
    q = skip_tok(tk = q);
    int ti = mtl__tset_find(&r->s, tk, (size_t)(q - tk));
    if (ti < 0 || !r->ord)
      BAD(MTL_EIO, "%s:%ld: the file changed while it was read (value "
                   "'%s')", path, lineno, tok_at(tk, tb, sizeof tb));
    if (!r->s.t[ti].keep)
      continue; /* another part's task */
    long lim = r->p->dim ? r->p->dim : hdr_d;
    if ((rc = parse_sample(r, lineno, tk, q, lim, &r->s.t[ti])))
      return rc;
  }
  rc = got;
done:
  return rc;
}

/* ---- the dataset ---------------------------------------------------------- */

/* The kept tasks, in the file's order, into a dataset. */
static int build(trd *r, mtl_dataset **out) {
  const mtl_read_params *p = r->p;
  int T = r->T, K = 0, rc = MTL_OK, k = p->kind;
  mtl__label_map map0 = {0, 0.0, 0.0};
  const char *kinds = p->kind == -1 ? r->kinds : NULL;
  mtl__io_task *tk = mtl__calloc((size_t)T, sizeof *tk);
  int *tkinds = kinds ? mtl__malloc((size_t)T * sizeof *tkinds) : NULL;
  int *gl = mtl__malloc((size_t)T * sizeof *gl);
  if (!tk || !gl || (kinds && !tkinds)) {
    free(tk);
    free(tkinds);
    free(gl);
    return MTL_ENOMEM;
  }
  for (int t = 0; t < T && !rc; t++) {
    mtl__tacc *a = r->ord[t];
    if (!a->keep)
      continue;
    if (tkinds)
      tkinds[K] = kinds[t] == 'c' ? MTL_TASK_CLASSIFICATION
                                  : MTL_TASK_REGRESSION;
    gl[K] = t;
    rc = mtl__tacc_move(a, &tk[K++]);
  }
  if (!rc && p->part_count > 0 && !kinds) { /* the whole file's label kind */
    mtl__label_sum *ls = mtl__malloc((size_t)T * sizeof *ls);
    char **names = mtl__calloc((size_t)T, sizeof *names);
    rc = ls && names ? MTL_OK : MTL_ENOMEM;
    for (int t = 0; t < T && !rc; t++) {
      ls[t] = r->ord[t]->ls;
      if (!(names[t] = mtl__tacc_name(r->ord[t])))
        rc = MTL_ENOMEM;
    }
    if (!rc && (k = mtl__labels_pooled(r->path, ls, (const char *const *)names,
                                       T, p->kind, &map0)) < 0)
      rc = k;
    for (int t = 0; names && t < T; t++)
      free(names[t]);
    free(names);
    free(ls);
  }
  if (rc) {
    for (int t = 0; t < K; t++)
      mtl__io_task_clear(&tk[t]);
    free(tk);
  } else if (p->part_count > 0 && !kinds) {
    rc = mtl__io_finish_kind(r->path, (int)r->d, tk, K, k, map0, out);
  } else {
    rc = mtl__io_finish(r->path, (int)r->d, tk, K, p->kind, tkinds, out);
  }
  if (!rc && p->part_count > 0) {
    (*out)->global_task = gl;
    (*out)->global_T = T;
    gl = NULL;
  }
  free(gl);
  free(tkinds);
  return rc;
}

/* The checks of the end of the file, in the order of the one-pass reader
 * this replaces (its error messages are kept). */
static int end_checks(trd *r) {
  const char *path = r->path;
  const mtl_read_params *p = r->p;
  int T = r->T;
  if (T == 0)
    return mtl__err(MTL_EFORMAT, "%s: no samples found (%ld lines)", path,
                    r->L.lineno);
  if (r->d < 1)
    return mtl__err(MTL_EFORMAT, "%s: no feature index found and no dim "
                                 "given (set dim)", path);
  if (p->kind == -1 && r->kinds && (int)strlen(r->kinds) != T)
    return mtl__err(MTL_EFORMAT, "%s: header lists %zu task kinds (value "
                                 "'%s') but the file has %d tasks",
                    path, strlen(r->kinds), r->kinds, T);
  if (p->sparse < 0 && r->storage && (int)strlen(r->storage) != T)
    return mtl__err(MTL_EFORMAT, "%s: header lists %zu task storages but "
                                 "the file has %d tasks",
                    path, strlen(r->storage), T);
  if (!r->store) /* cannot happen: the second pass has failed */
    return mtl__err(MTL_EFORMAT, "%s: dimension %lld out of range", path,
                    (long long)r->d);
  return MTL_OK;
}

int mtl__read_text(const char *path, const mtl_read_params *p,
                   mtl_dataset **out) {
  trd r;
  memset(&r, 0, sizeof r);
  r.path = path;
  r.p = p;
  *out = NULL;
  int rc = mtl__lines_open(&r.L, path);
  if (!rc && !(rc = scan_pass(&r)) && !(rc = decide(&r)) &&
      !(rc = parse_pass(&r)) && !(rc = end_checks(&r))) {
    mtl__lines_close(&r.L); /* the file's buffer goes before the dataset */
    rc = build(&r, out);
  }
  mtl__lines_close(&r.L);
  mtl__tset_free(&r.s);
  free(r.ord);
  free(r.kinds);
  free(r.storage);
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
      if (tk->sw)
        fprintf(f, " w=%.17g", tk->sw[i]);
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
