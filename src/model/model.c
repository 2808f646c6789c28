/*
 * model.c -- fitted multi-task models: construction, key/value metadata,
 * named extra matrices, the versioned text format described in
 * docs/model-format.md (save is atomic: temporary file + rename; load
 * validates every line and reports "file:line: reason") and prediction with
 * the stored scaler applied.
 */
#include "internal.h"

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

/* Longest key or matrix name accepted (keeps messages readable). */
#define NAME_MAX_LEN 128

typedef struct matrix {
  char *name;
  int rows, cols;
  double *A; /* rows x cols, column-major */
} matrix;

struct mtl_model {
  int d;           /* rows of W (scaler output dimension) */
  int T;           /* tasks */
  int input_dim;   /* raw features: d - bias */
  double *W;       /* d x T column-major */
  int *loss;       /* T mtl_loss values (MTL_LOSS_AUTO allowed) */
  int standardize; /* scaler: x' = (x - mean) / scale */
  int bias;        /* scaler: 1 appended */
  double *mean;    /* input_dim, or NULL when !standardize */
  double *scale;   /* input_dim, or NULL when !standardize */
  int nmeta, cap_meta;
  char **keys; /* in insertion order (kept by save/load) */
  char **values;
  int nmat, cap_mat;
  matrix *mats; /* extra matrices, W excluded, in insertion order */
};

/* Names used in the file; index = enum value + 1 for losses (AUTO = -1). */
static const char *const loss_names[] = {"auto", "squared", "logistic",
                                         "sqhinge", "hinge"};
static const char *const scaling_names[] = {"sum", "mean", "double-sum",
                                            "double-mean"};

const char *mtl_scaling_name(mtl_scaling s) {
  return ((int)s >= 0 && (int)s < 4) ? scaling_names[s] : "unknown";
}
static const char *const reg_names[] = {"none",  "ridge", "l1",   "l21",
                                        "trace", "mean",  "graph"};
#define NLOSS ((int)(sizeof loss_names / sizeof *loss_names))
#define NSCALING ((int)(sizeof scaling_names / sizeof *scaling_names))
#define NREG ((int)(sizeof reg_names / sizeof *reg_names))

/* ---- validation helpers ------------------------------------------------ */

/* Meta keys: [a-z0-9_.-]+. */
static int key_ok(const char *k) {
  size_t n = strlen(k);
  if (n == 0 || n > NAME_MAX_LEN)
    return 0;
  for (size_t i = 0; i < n; i++) {
    char c = k[i];
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
          c == '.' || c == '-'))
      return 0;
  }
  return 1;
}

/* Matrix names: [A-Za-z0-9_.-]+ (Omega, B, ...). */
static int name_ok(const char *k) {
  size_t n = strlen(k);
  if (n == 0 || n > NAME_MAX_LEN)
    return 0;
  for (size_t i = 0; i < n; i++) {
    char c = k[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
          (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'))
      return 0;
  }
  return 1;
}

/* Values: one line of text (no CR, LF). */
static int value_ok(const char *v) { return !strpbrk(v, "\r\n"); }

/* Index of the first non-finite entry of a (n), or -1. */
static long long first_nonfinite(const double *a, size_t n) {
  for (size_t k = 0; k < n; k++)
    if (!isfinite(a[k]))
      return (long long)k;
  return -1;
}

/* ---- construction ------------------------------------------------------ */

static mtl_model *model_alloc(int d, int T, int input_dim) {
  mtl_model *m = mtl__calloc(1, sizeof *m);
  if (!m)
    return NULL;
  m->d = d;
  m->T = T;
  m->input_dim = input_dim;
  m->W = mtl__malloc((size_t)d * (size_t)T * sizeof(double));
  m->loss = mtl__malloc((size_t)T * sizeof(int));
  if (!m->W || !m->loss) {
    mtl_model_free(m);
    return NULL;
  }
  return m;
}

static int alloc_scaler(mtl_model *m) {
  m->mean = mtl__malloc((size_t)m->input_dim * sizeof(double));
  m->scale = mtl__malloc((size_t)m->input_dim * sizeof(double));
  return (m->mean && m->scale) ? MTL_OK : MTL_ENOMEM;
}

void mtl_model_free(mtl_model *m) {
  if (!m)
    return;
  free(m->W);
  free(m->loss);
  free(m->mean);
  free(m->scale);
  for (int i = 0; i < m->nmeta; i++) {
    free(m->keys[i]);
    free(m->values[i]);
  }
  free(m->keys);
  free(m->values);
  for (int i = 0; i < m->nmat; i++) {
    free(m->mats[i].name);
    free(m->mats[i].A);
  }
  free(m->mats);
  free(m);
}

/* Checks the formulation in pp against T; fills loss[T]. */
static int check_params(const mtl_problem_params *pp, int T, int *loss) {
  for (int t = 0; t < T; t++) {
    int l = pp ? (pp->task_loss ? pp->task_loss[t] : (int)pp->loss)
               : (int)MTL_LOSS_SQUARED;
    if (l < -1 || l >= NLOSS - 1)
      return mtl__err(MTL_EINVAL,
                      "model: task %d: loss %d is not a valid mtl_loss", t + 1,
                      l);
    loss[t] = l;
  }
  if (!pp)
    return MTL_OK;
  if ((int)pp->scaling < 0 || (int)pp->scaling >= NSCALING)
    return mtl__err(MTL_EINVAL, "model: scaling %d is not a valid mtl_scaling",
                    (int)pp->scaling);
  if ((int)pp->reg.type < 0 || (int)pp->reg.type >= NREG)
    return mtl__err(MTL_EINVAL,
                    "model: reg.type %d is not a valid mtl_reg_type",
                    (int)pp->reg.type);
  if (!isfinite(pp->reg.lambda) || !isfinite(pp->reg.ridge))
    return mtl__err(MTL_EINVAL,
                    "model: reg.lambda = %g, reg.ridge = %g must "
                    "be finite",
                    pp->reg.lambda, pp->reg.ridge);
  if (pp->reg.type == MTL_REG_GRAPH && pp->reg.R && pp->reg.R_cols < 0)
    return mtl__err(MTL_EINVAL, "model: reg.R_cols = %d must be >= 0",
                    pp->reg.R_cols);
  return MTL_OK;
}

static int check_scaler(const mtl_scaler *s, int d) {
  if ((s->standardize != 0 && s->standardize != 1) ||
      (s->bias != 0 && s->bias != 1))
    return mtl__err(MTL_EINVAL,
                    "model: scaler standardize = %d, bias = %d must be 0 or 1",
                    s->standardize, s->bias);
  if (s->d < 1 || s->d + s->bias != d)
    return mtl__err(MTL_EDIM,
                    "model: W has %d rows but the scaler maps %d input "
                    "features to %d (bias %d)",
                    d, s->d, s->d + s->bias, s->bias);
  if (!s->standardize)
    return MTL_OK;
  if (!s->mean || !s->scale)
    return mtl__err(MTL_EINVAL, "model: scaler standardizes but mean or "
                                "scale is NULL");
  for (int j = 0; j < s->d; j++)
    if (!isfinite(s->mean[j]) || !(s->scale[j] > 0) || !isfinite(s->scale[j]))
      return mtl__err(MTL_EINVAL,
                      "model: scaler feature %d: mean %g, scale %g (mean must "
                      "be finite, scale finite and > 0)",
                      j + 1, s->mean[j], s->scale[j]);
  return MTL_OK;
}

static int set_meta_fmt(mtl_model *m, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int set_meta_fmt(mtl_model *m, const char *key, const char *fmt, ...) {
  char buf[64];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  return mtl_model_set_meta(m, key, buf);
}

/* Records the formulation of pp as meta keys (and the graph R matrix). */
static int record_params(mtl_model *m, const mtl_problem_params *pp) {
  int rc = mtl_model_set_meta(m, "scaling", scaling_names[pp->scaling]);
  if (!rc)
    rc = mtl_model_set_meta(m, "reg", reg_names[pp->reg.type]);
  if (!rc)
    rc = set_meta_fmt(m, "lambda", "%.17g", pp->reg.lambda);
  if (!rc)
    rc = set_meta_fmt(m, "ridge", "%.17g", pp->reg.ridge);
  if (!rc)
    rc =
        set_meta_fmt(m, "unpenalized_last", "%d", pp->unpenalized_last ? 1 : 0);
  if (!rc && pp->reg.type == MTL_REG_GRAPH && pp->reg.R && pp->reg.R_cols > 0)
    rc = mtl_model_set_matrix(m, "R", m->T, pp->reg.R_cols, pp->reg.R);
  return rc;
}

mtl_model *mtl_model_create(int d, int T, const double *W,
                            const mtl_problem_params *pp,
                            const mtl_scaler *scaler) {
  mtl_model *m = NULL;
  int *loss = NULL;
  int rc = MTL_OK;
  if (d < 1 || T < 1 || !W) {
    mtl__err(MTL_EINVAL, "model: d = %d, T = %d must be >= 1 and W non-NULL", d,
             T);
    return NULL;
  }
  long long bad = first_nonfinite(W, (size_t)d * (size_t)T);
  if (bad >= 0) {
    mtl__err(MTL_ENUMERIC, "model: W[%lld][%lld] (feature, task) is %g",
             bad % d + 1, bad / d + 1, W[bad]);
    return NULL;
  }
  if (scaler && check_scaler(scaler, d))
    return NULL;
  loss = mtl__malloc((size_t)T * sizeof(int));
  if (!loss)
    return NULL;
  rc = check_params(pp, T, loss);
  if (rc)
    goto done;
  m = model_alloc(d, T, scaler ? scaler->d : d);
  if (!m) {
    rc = MTL_ENOMEM;
    goto done;
  }
  memcpy(m->W, W, (size_t)d * (size_t)T * sizeof(double));
  memcpy(m->loss, loss, (size_t)T * sizeof(int));
  if (scaler) {
    m->bias = scaler->bias;
    m->standardize = scaler->standardize;
    if (m->standardize) {
      rc = alloc_scaler(m);
      if (rc)
        goto done;
      memcpy(m->mean, scaler->mean, (size_t)m->input_dim * sizeof(double));
      memcpy(m->scale, scaler->scale, (size_t)m->input_dim * sizeof(double));
    }
  }
  if (pp)
    rc = record_params(m, pp);
done:
  free(loss);
  if (rc) {
    mtl_model_free(m);
    return NULL;
  }
  return m;
}

/* ---- accessors --------------------------------------------------------- */

int mtl_model_dim(const mtl_model *m) { return m ? m->d : 0; }
int mtl_model_input_dim(const mtl_model *m) { return m ? m->input_dim : 0; }
int mtl_model_ntasks(const mtl_model *m) { return m ? m->T : 0; }
const double *mtl_model_W(const mtl_model *m) { return m ? m->W : NULL; }

mtl_loss mtl_model_task_loss(const mtl_model *m, int t) {
  if (!m || t < 0 || t >= m->T)
    return MTL_LOSS_AUTO;
  return (mtl_loss)m->loss[t];
}

static int find_meta(const mtl_model *m, const char *key) {
  for (int i = 0; i < m->nmeta; i++)
    if (!strcmp(m->keys[i], key))
      return i;
  return -1;
}

int mtl_model_set_meta(mtl_model *m, const char *key, const char *value) {
  if (!m || !key || !value)
    return mtl__err(MTL_EINVAL, "mtl_model_set_meta: NULL argument");
  if (!key_ok(key))
    return mtl__err(MTL_EINVAL,
                    "model meta key '%.64s' is invalid: use 1 to %d "
                    "characters of [a-z0-9_.-]",
                    key, NAME_MAX_LEN);
  if (!value_ok(value))
    return mtl__err(MTL_EINVAL,
                    "model meta '%s': value must be one line (no CR/LF)", key);
  char *v = mtl__strdup(value);
  if (!v)
    return MTL_ENOMEM;
  int i = find_meta(m, key);
  if (i >= 0) {
    free(m->values[i]);
    m->values[i] = v;
    return MTL_OK;
  }
  if (m->nmeta == m->cap_meta) {
    int cap = m->cap_meta ? 2 * m->cap_meta : 8;
    char **nk = realloc(m->keys, (size_t)cap * sizeof *nk);
    if (nk)
      m->keys = nk;
    char **nv = nk ? realloc(m->values, (size_t)cap * sizeof *nv) : NULL;
    if (nv)
      m->values = nv;
    if (!nk || !nv) {
      free(v);
      return mtl__err(MTL_ENOMEM, "out of memory setting model meta '%s'", key);
    }
    m->cap_meta = cap;
  }
  char *k = mtl__strdup(key);
  if (!k) {
    free(v);
    return MTL_ENOMEM;
  }
  m->keys[m->nmeta] = k;
  m->values[m->nmeta] = v;
  m->nmeta++;
  return MTL_OK;
}

const char *mtl_model_get_meta(const mtl_model *m, const char *key) {
  if (!m || !key)
    return NULL;
  int i = find_meta(m, key);
  return i >= 0 ? m->values[i] : NULL;
}

static int find_matrix(const mtl_model *m, const char *name) {
  for (int i = 0; i < m->nmat; i++)
    if (!strcmp(m->mats[i].name, name))
      return i;
  return -1;
}

/* Appends (or replaces) a named matrix, taking ownership of A. */
static int adopt_matrix(mtl_model *m, const char *name, int rows, int cols,
                        double *A) {
  int i = find_matrix(m, name);
  if (i >= 0) {
    free(m->mats[i].A);
    m->mats[i].A = A;
    m->mats[i].rows = rows;
    m->mats[i].cols = cols;
    return MTL_OK;
  }
  char *nm = NULL;
  if (m->nmat == m->cap_mat) {
    int cap = m->cap_mat ? 2 * m->cap_mat : 4;
    matrix *nx = realloc(m->mats, (size_t)cap * sizeof *nx);
    if (!nx)
      goto fail;
    m->mats = nx;
    m->cap_mat = cap;
  }
  nm = mtl__strdup(name);
  if (!nm)
    goto fail;
  m->mats[m->nmat++] = (matrix){.name = nm, .rows = rows, .cols = cols, .A = A};
  return MTL_OK;
fail:
  free(A);
  return mtl__err(MTL_ENOMEM, "out of memory storing model matrix '%s'", name);
}

int mtl_model_set_matrix(mtl_model *m, const char *name, int rows, int cols,
                         const double *A) {
  if (!m || !name || !A)
    return mtl__err(MTL_EINVAL, "mtl_model_set_matrix: NULL argument");
  if (!name_ok(name))
    return mtl__err(MTL_EINVAL,
                    "model matrix name '%.64s' is invalid: use 1 to %d "
                    "characters of [A-Za-z0-9_.-]",
                    name, NAME_MAX_LEN);
  if (!strcmp(name, "W"))
    return mtl__err(MTL_EINVAL, "model matrix name 'W' is reserved for the "
                                "weights (set at mtl_model_create)");
  if (rows < 1 || cols < 1)
    return mtl__err(MTL_EINVAL,
                    "model matrix '%s': size %d x %d must be at "
                    "least 1 x 1",
                    name, rows, cols);
  size_t n = (size_t)rows * (size_t)cols;
  long long bad = first_nonfinite(A, n);
  if (bad >= 0)
    return mtl__err(MTL_ENUMERIC, "model matrix '%s': entry (%lld, %lld) is %g",
                    name, bad % rows + 1, bad / rows + 1, A[bad]);
  double *c = mtl__malloc(n * sizeof(double));
  if (!c)
    return MTL_ENOMEM;
  memcpy(c, A, n * sizeof(double));
  return adopt_matrix(m, name, rows, cols, c);
}

const double *mtl_model_get_matrix(const mtl_model *m, const char *name,
                                   int *rows, int *cols) {
  if (!m || !name)
    return NULL;
  const double *A = NULL;
  int r = 0, c = 0;
  if (!strcmp(name, "W")) {
    A = m->W;
    r = m->d;
    c = m->T;
  } else {
    int i = find_matrix(m, name);
    if (i < 0)
      return NULL;
    A = m->mats[i].A;
    r = m->mats[i].rows;
    c = m->mats[i].cols;
  }
  if (rows)
    *rows = r;
  if (cols)
    *cols = c;
  return A;
}

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
    fprintf(f, " %s", loss_names[m->loss[t] + 1]);
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
  if (!key_ok(key))
    return rerr(r, MTL_EFORMAT,
                "meta key '%.32s' is invalid (use "
                "[a-z0-9_.-])",
                key);
  if (find_meta(m, key) >= 0)
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
      if (!strcmp(tok, loss_names[k]))
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
    return alloc_scaler(m);
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
  if (!name_ok(tok))
    return rerr(r, MTL_EFORMAT,
                "matrix name '%.32s' is invalid (use "
                "[A-Za-z0-9_.-])",
                tok);
  snprintf(name, sizeof name, "%s", tok);
  int is_W = !strcmp(name, "W");
  if (is_W ? sn->W : find_matrix(m, name) >= 0)
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
  return adopt_matrix(m, name, rows, cols, A);
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
  *out = model_alloc(d, T, in);
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

int mtl_model_load(const char *path, mtl_model **out) {
  if (!out)
    return mtl__err(MTL_EINVAL, "mtl_model_load: NULL output pointer");
  *out = NULL;
  if (!path || !*path)
    return mtl__err(MTL_EINVAL, "mtl_model_load: NULL or empty path");
  mtl_model *m = NULL;
  reader r = {.path = path, .size = -1};
  int rc = MTL_OK;
  r.f = fopen(path, "r");
  if (!r.f) {
    rc = mtl__err(MTL_EIO, "cannot open model '%s': %s", path, strerror(errno));
    goto done;
  }
  struct stat st;
  if (fstat(fileno(r.f), &st) == 0 && S_ISREG(st.st_mode))
    r.size = (long long)st.st_size;
  rc = load_header(&r, &m);
  if (!rc)
    rc = load_body(&r, m);
done:
  if (r.f)
    fclose(r.f);
  free(r.line);
  if (rc) {
    mtl_model_free(m);
    return rc;
  }
  *out = m;
  return MTL_OK;
}

/* ---- predict ----------------------------------------------------------- */

/* Scores of task t: out_i = x_i'.w with x' = (x - mean) / scale (when
 * standardizing) and a trailing 1 (bias).  Without standardization the
 * product goes straight to BLAS / the CSR kernel.  With it, dense rows are
 * transformed on the fly; CSR rows start from the score of the all-zero row
 * c0 = sum_j (-mean_j / scale_j) w_j (centering makes them dense) and each
 * stored entry replaces its zero term, so the cost stays O(nnz + d). */
static void predict_task(const mtl_model *m, const mtl_dataset *ds, int t,
                         double *out) {
  const mtl__task *tk = &ds->tasks[t];
  const double *w = m->W + (size_t)t * (size_t)m->d;
  const int D = m->input_dim;
  const double b = m->bias ? w[D] : 0.0;
  if (!m->standardize) {
    mtl__task_matvec(ds, t, w, out);
    if (m->bias)
      for (int i = 0; i < tk->n; i++)
        out[i] += b;
    return;
  }
  const double *mu = m->mean, *sc = m->scale;
  if (tk->X) {
    for (int i = 0; i < tk->n; i++) {
      const double *x = tk->X + (size_t)i * (size_t)D;
      double s = 0;
      for (int j = 0; j < D; j++)
        s += (x[j] - mu[j]) / sc[j] * w[j];
      out[i] = s + b;
    }
    return;
  }
  double c0 = 0;
  for (int j = 0; j < D; j++)
    c0 += (-mu[j]) / sc[j] * w[j];
  for (int i = 0; i < tk->n; i++) {
    double s = c0;
    for (int64_t p = tk->indptr[i]; p < tk->indptr[i + 1]; p++) {
      int j = tk->indices[p];
      s += (tk->values[p] - mu[j]) / sc[j] * w[j] - (-mu[j]) / sc[j] * w[j];
    }
    out[i] = s + b;
  }
}

int mtl_model_predict(const mtl_model *m, const mtl_dataset *ds, double *out) {
  if (!m || !ds || !out)
    return mtl__err(MTL_EINVAL, "mtl_model_predict: NULL argument");
  if (ds->d != m->input_dim)
    return mtl__err(MTL_EDIM,
                    "predict: dataset has %d features but the model expects "
                    "input dimension %d",
                    ds->d, m->input_dim);
  if (ds->T != m->T)
    return mtl__err(MTL_EDIM,
                    "predict: dataset has %d tasks but the model has %d", ds->T,
                    m->T);
  size_t off = 0;
  for (int t = 0; t < ds->T; t++) {
    predict_task(m, ds, t, out + off);
    off += (size_t)ds->tasks[t].n;
  }
  return MTL_OK;
}
