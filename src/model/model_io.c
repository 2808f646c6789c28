/*
 * model_io.c -- the versioned text format of fitted models described in
 * docs/model-format.md: save (atomic: temporary file + rename) and load
 * (validates every line and reports "file:line: reason").
 */
#include "model_impl.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FORMAT_MAGIC "mtl-model"
#define FORMAT_VERSION 1

const char *const mtl__model_loss_names[NLOSS] = {
    "auto", "squared", "logistic", "sqhinge", "hinge"};

/* ---- save -------------------------------------------------------------- */

static void write_matrix(FILE *f, const char *name, int rows, int cols,
                         const double *A) {
  fprintf(f, "matrix %s %d %d\n", name, rows, cols);
  for (int i = 0; i < rows; i++) {
    for (int j = 0; j < cols; j++)
      fprintf(f, j ? " %.17g" : "%.17g",
              A[(size_t)i + (size_t)j * (size_t)rows]);
    fputc('\n', f);
  }
}

static void write_vector(FILE *f, const char *tag, int n, const double *a) {
  fputs(tag, f);
  for (int j = 0; j < n; j++)
    fprintf(f, " %.17g", a[j]);
  fputc('\n', f);
}

/* Writes the canonical text of m; the caller checks ferror. */
static void write_model(FILE *f, const mtl_model *m) {
  fprintf(f, "%s %d\n", FORMAT_MAGIC, FORMAT_VERSION);
  fprintf(f, "dims %d %d %d\n", m->d, m->T, m->input_dim);
  for (int i = 0; i < m->nmeta; i++)
    fprintf(f, "meta %s %s\n", m->keys[i], m->values[i]);
  fputs("losses", f);
  for (int t = 0; t < m->T; t++)
    fprintf(f, " %s", mtl__model_loss_names[m->loss[t] + 1]);
  fputc('\n', f);
  fprintf(f, "scaler %d %d\n", m->standardize, m->bias);
  if (m->standardize) {
    write_vector(f, "mean", m->input_dim, m->mean);
    write_vector(f, "scale", m->input_dim, m->scale);
  }
  write_matrix(f, "W", m->d, m->T, m->W);
  for (int i = 0; i < m->nmat; i++)
    write_matrix(f, m->mats[i].name, m->mats[i].rows, m->mats[i].cols,
                 m->mats[i].A);
  fputs("end\n", f);
}

static int model_writer(FILE *f, void *ctx) {
  write_model(f, ctx);
  return MTL_OK;
}

int mtl_model_save(const mtl_model *m, const char *path) {
  if (!m || !path || !*path)
    return mtl__err(MTL_EINVAL, "mtl_model_save: NULL model or empty path");
  return mtl__write_atomic(path, "model", model_writer, (void *)m);
}

/* ---- load -------------------------------------------------------------- */

typedef struct reader {
  const char *path;
  FILE *f;
  char *line; /* current line, trailing CR/LF removed */
  size_t cap;
  long lineno;    /* 1-based number of the current line */
  long long size; /* file size in bytes (-1 if unknown) */
  int partial;    /* 1 if the current line had no newline (end of file) */
} reader;

static int rerr(const reader *r, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Error "path:line: message". */
static int rerr(const reader *r, int code, const char *fmt, ...) {
  char msg[768];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return mtl__err(code, "%s:%ld: %s%s", r->path, r->lineno, msg,
                  r->partial ? " (the file ends mid-line: truncated?)" : "");
}

/* Reads the next line that is neither blank nor a '#' comment.  Returns 1
 * with r->line set, 0 at end of file, or an error code. */
static int next_line(reader *r) {
  for (;;) {
    errno = 0;
    ssize_t len = getline(&r->line, &r->cap, r->f);
    if (len < 0) {
      if (ferror(r->f))
        return mtl__err(MTL_EIO, "%s:%ld: read error: %s", r->path,
                        r->lineno + 1, strerror(errno ? errno : EIO));
      if (errno == ENOMEM)
        return mtl__err(MTL_ENOMEM, "%s:%ld: out of memory reading a line",
                        r->path, r->lineno + 1);
      return 0;
    }
    r->lineno++;
    r->partial = len > 0 && r->line[len - 1] != '\n';
    while (len > 0 && (r->line[len - 1] == '\n' || r->line[len - 1] == '\r'))
      r->line[--len] = '\0';
    if ((size_t)len != strlen(r->line))
      return rerr(r, MTL_EFORMAT, "line contains a NUL byte");
    const char *s = r->line + strspn(r->line, " \t");
    if (*s && *s != '#')
      return 1;
  }
}

/* Next whitespace-separated token of *cur (NUL-terminated in place), or
 * NULL at the end of the line. */
static char *token(char **cur) {
  char *s = *cur + strspn(*cur, " \t");
  if (!*s) {
    *cur = s;
    return NULL;
  }
  char *e = s + strcspn(s, " \t");
  if (*e)
    *e++ = '\0';
  *cur = e;
  return s;
}

static int expect_eol(const reader *r, char **cur, const char *what) {
  char *tok = token(cur);
  if (tok)
    return rerr(r, MTL_EFORMAT, "unexpected '%.32s' after %s", tok, what);
  return MTL_OK;
}

static int parse_int(const reader *r, char **cur, const char *what, int lo,
                     int hi, int *out) {
  char *tok = token(cur);
  if (!tok)
    return rerr(r, MTL_EFORMAT, "missing %s", what);
  char *end;
  errno = 0;
  long v = strtol(tok, &end, 10);
  if (*end || end == tok || errno)
    return rerr(r, MTL_EFORMAT, "%s '%.32s' is not an integer", what, tok);
  if (v < lo || v > hi)
    return rerr(r, MTL_EFORMAT, "%s = %ld is out of range [%d, %d]", what, v,
                lo, hi);
  *out = (int)v;
  return MTL_OK;
}

/* Parses exactly n finite numbers from cur into out (stride between
 * consecutive values); `what` names them ("row 2 of matrix W"). */
static int parse_values(const reader *r, char *cur, int n, double *out,
                        size_t stride, const char *what) {
  for (int k = 0; k < n; k++) {
    char *tok = token(&cur);
    if (!tok)
      return rerr(r, MTL_EFORMAT, "%s: expected %d values, found %d", what, n,
                  k);
    char *end;
    double v = strtod(tok, &end);
    if (*end || end == tok)
      return rerr(r, MTL_EFORMAT, "%s: value %d '%.32s' is not a number", what,
                  k + 1, tok);
    if (!isfinite(v))
      return rerr(r, MTL_ENUMERIC,
                  "%s: value %d is %.32s (NaN/Inf not "
                  "allowed)",
                  what, k + 1, tok);
    out[(size_t)k * stride] = v;
  }
  if (token(&cur))
    return rerr(r, MTL_EFORMAT, "%s: expected %d values, found more", what, n);
  return MTL_OK;
}

/* Rejects a declared count of numbers that the file cannot hold (each takes
 * at least 2 bytes), before allocating for it. */
static int check_fits(const reader *r, double count, const char *what) {
  if (r->size >= 0 && 2.0 * count > (double)r->size)
    return rerr(r, MTL_EFORMAT,
                "%s declares %.0f values but the file has only %lld bytes "
                "(truncated?)",
                what, count, r->size);
  return MTL_OK;
}

/* State of the load beyond the model itself: which sections were seen. */
typedef struct seen {
  int losses, scaler, mean, scale, W;
} seen;

/* "meta <key> <value>": the value is the rest of the line after the one
 * separator following the key (so leading spaces of a value survive). */
static int load_meta(reader *r, char *rest, mtl_model *m) {
  char *key = rest + strspn(rest, " \t");
  char *sp = key + strcspn(key, " \t");
  char *value = sp;
  if (*sp) {
    *sp = '\0';
    value = sp + 1;
  }
  if (!mtl__model_key_ok(key))
    return rerr(r, MTL_EFORMAT,
                "meta key '%.32s' is invalid (use "
                "[a-z0-9_.-])",
                key);
  if (mtl__model_find_meta(m, key) >= 0)
    return rerr(r, MTL_EFORMAT, "duplicate meta key '%s'", key);
  int rc = mtl_model_set_meta(m, key, value);
  if (rc)
    return rerr(r, rc == MTL_ENOMEM ? rc : MTL_EFORMAT, "%s", mtl_last_error());
  return MTL_OK;
}

static int load_losses(reader *r, char *cur, mtl_model *m, seen *sn) {
  if (sn->losses)
    return rerr(r, MTL_EFORMAT, "duplicate 'losses' line");
  for (int t = 0; t < m->T; t++) {
    char *tok = token(&cur);
    if (!tok)
      return rerr(r, MTL_EFORMAT,
                  "losses: expected %d names (one per task), "
                  "found %d",
                  m->T, t);
    int l = -2;
    for (int k = 0; k < NLOSS; k++)
      if (!strcmp(tok, mtl__model_loss_names[k]))
        l = k - 1;
    if (l == -2)
      return rerr(r, MTL_EFORMAT,
                  "unknown loss '%.32s' for task %d (expected squared, "
                  "logistic, sqhinge, hinge or auto)",
                  tok, t + 1);
    m->loss[t] = l;
  }
  if (token(&cur))
    return rerr(r, MTL_EFORMAT,
                "losses: expected %d names (one per task), "
                "found more",
                m->T);
  sn->losses = 1;
  return MTL_OK;
}

static int load_scaler(reader *r, char *cur, mtl_model *m, seen *sn) {
  int st, bias;
  if (sn->scaler)
    return rerr(r, MTL_EFORMAT, "duplicate 'scaler' line");
  int rc = parse_int(r, &cur, "scaler standardize flag", 0, 1, &st);
  if (!rc)
    rc = parse_int(r, &cur, "scaler bias flag", 0, 1, &bias);
  if (!rc)
    rc = expect_eol(r, &cur, "scaler flags");
  if (rc)
    return rc;
  if (m->input_dim + bias != m->d)
    return rerr(r, MTL_EDIM,
                "dims inconsistent with the scaler: d = %d but input_dim %d "
                "+ bias %d = %d",
                m->d, m->input_dim, bias, m->input_dim + bias);
  m->standardize = st;
  m->bias = bias;
  sn->scaler = 1;
  if (st)
    return mtl__model_alloc_scaler(m);
  return MTL_OK;
}

static int load_vector(reader *r, char *cur, mtl_model *m, seen *sn,
                       int is_mean) {
  const char *tag = is_mean ? "mean" : "scale";
  int *flag = is_mean ? &sn->mean : &sn->scale;
  if (!sn->scaler)
    return rerr(r, MTL_EFORMAT, "'%s' before the 'scaler' line", tag);
  if (!m->standardize)
    return rerr(r, MTL_EFORMAT, "'%s' given but the scaler has standardize 0",
                tag);
  if (*flag)
    return rerr(r, MTL_EFORMAT, "duplicate '%s' line", tag);
  double *a = is_mean ? m->mean : m->scale;
  int rc = parse_values(r, cur, m->input_dim, a, 1, tag);
  if (rc)
    return rc;
  if (!is_mean)
    for (int j = 0; j < m->input_dim; j++)
      if (!(a[j] > 0))
        return rerr(r, MTL_EFORMAT,
                    "scale: value %d is %.17g; scales must be > 0", j + 1,
                    a[j]);
  *flag = 1;
  return MTL_OK;
}

/* "matrix <name> <rows> <cols>" followed by rows lines of cols values. */
static int load_matrix(reader *r, char *cur, mtl_model *m, seen *sn) {
  char *tok = token(&cur);
  if (!tok)
    return rerr(r, MTL_EFORMAT, "matrix: missing name");
  char name[NAME_MAX_LEN + 1];
  if (!mtl__model_name_ok(tok))
    return rerr(r, MTL_EFORMAT,
                "matrix name '%.32s' is invalid (use "
                "[A-Za-z0-9_.-])",
                tok);
  snprintf(name, sizeof name, "%s", tok);
  int is_W = !strcmp(name, "W");
  if (is_W ? sn->W : mtl__model_find_matrix(m, name) >= 0)
    return rerr(r, MTL_EFORMAT, "duplicate matrix '%s'", name);
  int rows, cols;
  int rc = parse_int(r, &cur, "matrix rows", 1, INT_MAX, &rows);
  if (!rc)
    rc = parse_int(r, &cur, "matrix cols", 1, INT_MAX, &cols);
  if (!rc)
    rc = expect_eol(r, &cur, "matrix size");
  if (rc)
    return rc;
  if (is_W && (rows != m->d || cols != m->T))
    return rerr(r, MTL_EDIM, "matrix W is %d x %d but dims say d = %d, T = %d",
                rows, cols, m->d, m->T);
  char what[NAME_MAX_LEN + 48];
  snprintf(what, sizeof what, "matrix %s", name);
  rc = check_fits(r, (double)rows * (double)cols, what);
  if (rc)
    return rc;
  double *A =
      is_W ? m->W : mtl__malloc((size_t)rows * (size_t)cols * sizeof(double));
  if (!A)
    return rerr(r, MTL_ENOMEM, "out of memory for %s (%d x %d)", what, rows,
                cols);
  for (int i = 0; i < rows && !rc; i++) {
    rc = next_line(r);
    if (rc == 0)
      rc = rerr(r, MTL_EFORMAT, "truncated file: %s ends after %d of %d rows",
                what, i, rows);
    else if (rc == 1) {
      char row[NAME_MAX_LEN + 64];
      snprintf(row, sizeof row, "row %d of matrix %s", i + 1, name);
      rc = parse_values(r, r->line, cols, A + i, (size_t)rows, row);
    }
  }
  if (is_W) {
    sn->W = rc == MTL_OK;
    return rc;
  }
  if (rc) {
    free(A);
    return rc;
  }
  return mtl__model_adopt_matrix(m, name, rows, cols, A);
}

/* Header lines 1-2 ("mtl-model 1", "dims d T input_dim"): allocates *out. */
static int load_header(reader *r, mtl_model **out) {
  int rc = next_line(r);
  if (rc <= 0)
    return rc < 0 ? rc
                  : mtl__err(MTL_EFORMAT,
                             "%s:1: empty file, not a libmtl "
                             "model (bad magic)",
                             r->path);
  char *cur = r->line;
  char *tok = token(&cur);
  if (!tok || strcmp(tok, FORMAT_MAGIC))
    return rerr(r, MTL_EFORMAT,
                "bad magic '%.32s': not a libmtl model file "
                "(expected '%s %d')",
                tok ? tok : "", FORMAT_MAGIC, FORMAT_VERSION);
  int version;
  rc = parse_int(r, &cur, "format version", 0, INT_MAX, &version);
  if (rc)
    return rc;
  if (version != FORMAT_VERSION)
    return rerr(r, MTL_EUNSUPPORTED,
                "unsupported model format version %d (this libmtl reads "
                "version %d)",
                version, FORMAT_VERSION);
  rc = expect_eol(r, &cur, "the version");
  if (rc)
    return rc;
  rc = next_line(r);
  if (rc <= 0)
    return rc < 0 ? rc
                  : rerr(r, MTL_EFORMAT,
                         "truncated file: missing 'dims' line "
                         "and 'end'");
  cur = r->line;
  tok = token(&cur);
  if (!tok || strcmp(tok, "dims"))
    return rerr(r, MTL_EFORMAT,
                "expected 'dims <d> <T> <input_dim>', found "
                "'%.32s'",
                tok ? tok : "");
  int d, T, in;
  rc = parse_int(r, &cur, "dims d", 1, INT_MAX, &d);
  if (!rc)
    rc = parse_int(r, &cur, "dims T", 1, INT_MAX, &T);
  if (!rc)
    rc = parse_int(r, &cur, "dims input_dim", 1, INT_MAX, &in);
  if (!rc)
    rc = expect_eol(r, &cur, "dims");
  if (!rc && in != d && (long long)in + 1 != d)
    rc = rerr(r, MTL_EDIM,
              "dims: input_dim %d must be d = %d or d - 1 (with "
              "a bias)",
              in, d);
  if (!rc)
    rc = check_fits(r, (double)d * (double)T, "dims (matrix W)");
  if (rc)
    return rc;
  *out = mtl__model_alloc(d, T, in);
  return *out ? MTL_OK : MTL_ENOMEM;
}

/* Reads the body after the header up to and including 'end', then checks
 * that every required section was present. */
static int load_body(reader *r, mtl_model *m) {
  seen sn = {0};
  char *cur;
  int rc;
  for (;;) {
    rc = next_line(r);
    if (rc < 0)
      return rc;
    if (rc == 0)
      return rerr(r, MTL_EFORMAT, "missing 'end' (file truncated?)");
    cur = r->line + strspn(r->line, " \t");
    if (!strncmp(cur, "meta", 4) &&
        (cur[4] == ' ' || cur[4] == '\t' || !cur[4])) {
      rc = load_meta(r, cur + 4, m);
      if (rc)
        return rc;
      continue;
    }
    char *kw = token(&cur);
    if (!strcmp(kw, "losses"))
      rc = load_losses(r, cur, m, &sn);
    else if (!strcmp(kw, "scaler"))
      rc = load_scaler(r, cur, m, &sn);
    else if (!strcmp(kw, "mean") || !strcmp(kw, "scale"))
      rc = load_vector(r, cur, m, &sn, kw[1] == 'e');
    else if (!strcmp(kw, "matrix"))
      rc = load_matrix(r, cur, m, &sn);
    else if (!strcmp(kw, "end"))
      break;
    else
      rc = rerr(r, MTL_EFORMAT, "unknown keyword '%.32s'", kw);
    if (rc)
      return rc;
  }
  rc = expect_eol(r, &cur, "'end'");
  if (rc)
    return rc;
  if (!sn.losses)
    return rerr(r, MTL_EFORMAT, "missing 'losses' line");
  if (!sn.scaler)
    return rerr(r, MTL_EFORMAT, "missing 'scaler' line");
  if (m->standardize && (!sn.mean || !sn.scale))
    return rerr(r, MTL_EFORMAT,
                "scaler standardizes but the '%s' line is "
                "missing",
                sn.mean ? "scale" : "mean");
  if (!sn.W)
    return rerr(r, MTL_EFORMAT, "missing matrix W");
  long end_line = r->lineno;
  rc = next_line(r);
  if (rc == 1)
    return rerr(r, MTL_EFORMAT, "content after 'end' (line %ld)", end_line);
  return rc;
}

/* Reads a model from an open stream f (named `name` in messages; size in
 * bytes or -1); does not close f. */
int mtl__model_read(FILE *f, const char *name, long long size,
                    mtl_model **out) {
  mtl_model *m = NULL;
  reader r = {.path = name, .f = f, .size = size};
  int rc = load_header(&r, &m);
  if (!rc)
    rc = load_body(&r, m);
  free(r.line);
  if (rc) {
    mtl_model_free(m);
    return rc;
  }
  *out = m;
  return MTL_OK;
}

void mtl__model_write(FILE *f, const mtl_model *m) { write_model(f, m); }

int mtl_model_load(const char *path, mtl_model **out) {
  if (!out)
    return mtl__err(MTL_EINVAL, "mtl_model_load: NULL output pointer");
  *out = NULL;
  if (!path || !*path)
    return mtl__err(MTL_EINVAL, "mtl_model_load: NULL or empty path");
  FILE *f = fopen(path, "r");
  if (!f)
    return mtl__err(MTL_EIO, "cannot open model '%s': %s", path,
                    strerror(errno));
  long long size = -1;
  struct stat st;
  if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode))
    size = (long long)st.st_size;
  int rc = mtl__model_read(f, path, size, out);
  fclose(f);
  return rc;
}
