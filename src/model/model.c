/*
 * model.c -- fitted multi-task models: construction, key/value metadata,
 * named extra matrices and prediction with the stored scaler applied.  The
 * text format (save, load) is in model_io.c.
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

static const char *const scaling_names[] = {"sum", "mean", "double-sum",
                                            "double-mean"};

const char *mtl_scaling_name(mtl_scaling s) {
  return ((int)s >= 0 && (int)s < 4) ? scaling_names[s] : "unknown";
}
static const char *const reg_names[] = {
    "none", "ridge", "l1", "l21", "trace", "mean", "graph", "l1inf", "col21"};
#define NSCALING ((int)(sizeof scaling_names / sizeof *scaling_names))
#define NREG ((int)(sizeof reg_names / sizeof *reg_names))

/* ---- validation helpers ------------------------------------------------ */

/* Meta keys: [a-z0-9_.-]+. */
int mtl__model_key_ok(const char *k) {
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
int mtl__model_name_ok(const char *k) {
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

mtl_model *mtl__model_alloc(int d, int T, int input_dim) {
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

int mtl__model_alloc_scaler(mtl_model *m) {
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
  m = mtl__model_alloc(d, T, scaler ? scaler->d : d);
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
      rc = mtl__model_alloc_scaler(m);
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

int mtl__model_find_meta(const mtl_model *m, const char *key) {
  for (int i = 0; i < m->nmeta; i++)
    if (!strcmp(m->keys[i], key))
      return i;
  return -1;
}

int mtl_model_set_meta(mtl_model *m, const char *key, const char *value) {
  if (!m || !key || !value)
    return mtl__err(MTL_EINVAL, "mtl_model_set_meta: NULL argument");
  if (!mtl__model_key_ok(key))
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
  int i = mtl__model_find_meta(m, key);
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
  int i = mtl__model_find_meta(m, key);
  return i >= 0 ? m->values[i] : NULL;
}

int mtl__model_find_matrix(const mtl_model *m, const char *name) {
  for (int i = 0; i < m->nmat; i++)
    if (!strcmp(m->mats[i].name, name))
      return i;
  return -1;
}

/* Appends (or replaces) a named matrix, taking ownership of A. */
int mtl__model_adopt_matrix(mtl_model *m, const char *name, int rows, int cols,
                            double *A) {
  int i = mtl__model_find_matrix(m, name);
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
    mtl__model_matrix *nx = realloc(m->mats, (size_t)cap * sizeof *nx);
    if (!nx)
      goto fail;
    m->mats = nx;
    m->cap_mat = cap;
  }
  nm = mtl__strdup(name);
  if (!nm)
    goto fail;
  m->mats[m->nmat++] =
      (mtl__model_matrix){.name = nm, .rows = rows, .cols = cols, .A = A};
  return MTL_OK;
fail:
  free(A);
  return mtl__err(MTL_ENOMEM, "out of memory storing model matrix '%s'", name);
}

int mtl_model_set_matrix(mtl_model *m, const char *name, int rows, int cols,
                         const double *A) {
  if (!m || !name || !A)
    return mtl__err(MTL_EINVAL, "mtl_model_set_matrix: NULL argument");
  if (!mtl__model_name_ok(name))
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
  return mtl__model_adopt_matrix(m, name, rows, cols, c);
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
    int i = mtl__model_find_matrix(m, name);
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
