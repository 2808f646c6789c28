/*
 * reg.c -- regularizers lambda * g(W) + ridge * ||W||_F^2 on the d x T
 * column-major weight matrix W (column t = task t, row j = feature j across
 * tasks): their values, exact proximal operators and dual norms.
 *
 * Proximal operator of step s:
 *   prox(V) = argmin_U 1/(2s) ||U - V||^2 + lambda g(U) + ridge ||U||^2.
 * Completing the square, the ridge term turns this into
 *   prox_{s lambda / a} g (V / a),   a = 1 + 2 s ridge,
 * and for a positively homogeneous g (L1, L21, trace norm) the substitution
 * U = U'/a gives prox_{s lambda g}(V) / a: shrink first, then scale.
 * (Parikh & Boyd, "Proximal Algorithms", 2014, sections 2.2 and 6.5.)
 *
 * L1, L21, ridge and mean proxes work in place without allocating; trace
 * (SVD workspace) and graph (T x T system) allocate a scratch block per call.
 * Every function is thread-safe; V and out may alias.
 */
#include "internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const reg_names[] = {"none",  "ridge", "l1",   "l21",
                                        "trace", "mean",  "graph"};
#define NREG ((int)(sizeof reg_names / sizeof reg_names[0]))

void mtl_reg_init(mtl_reg *r) {
  if (!r)
    return;
  *r = (mtl_reg){.type = MTL_REG_L21,
                 .lambda = 0.1,
                 .ridge = 0.0,
                 .R = NULL,
                 .R_cols = 0};
}

const char *mtl_reg_name(mtl_reg_type t) {
  if ((int)t < 0 || (int)t >= NREG)
    return "unknown";
  return reg_names[t];
}

int mtl_reg_parse(const char *s) {
  static const struct {
    const char *name;
    mtl_reg_type type;
  } table[] = {{"none", MTL_REG_NONE},   {"ridge", MTL_REG_RIDGE},
               {"l1", MTL_REG_L1},       {"lasso", MTL_REG_L1},
               {"l21", MTL_REG_L21},     {"trace", MTL_REG_TRACE},
               {"nuclear", MTL_REG_TRACE}, {"mean", MTL_REG_MEAN},
               {"graph", MTL_REG_GRAPH}};
  if (!s) {
    mtl__err(MTL_EINVAL, "mtl_reg_parse: regularizer name is NULL");
    return -1;
  }
  for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
    if (strcasecmp(s, table[i].name) == 0)
      return (int)table[i].type;
  mtl__err(MTL_EINVAL,
           "unknown regularizer \"%s\" (expected none, ridge, l1, lasso, "
           "l21, trace, nuclear, mean or graph)",
           s);
  return -1;
}

/* ---- validation ---------------------------------------------------------- */

/* Checks the regularizer's fields (type, lambda, ridge, and R for graph,
 * whose T rows must match the T of W).  fn names the caller. */
static int check_reg(const mtl_reg *r, int T, const char *fn) {
  if (!r)
    return mtl__err(MTL_EINVAL, "%s: regularizer is NULL", fn);
  if ((int)r->type < 0 || (int)r->type >= NREG)
    return mtl__err(MTL_EINVAL, "%s: invalid regularizer type %d", fn,
                    (int)r->type);
  const char *name = reg_names[r->type];
  if (!isfinite(r->lambda) || r->lambda < 0)
    return mtl__err(MTL_EINVAL,
                    "%s: %s lambda = %g; must be finite and >= 0", fn, name,
                    r->lambda);
  if (!isfinite(r->ridge) || r->ridge < 0)
    return mtl__err(MTL_EINVAL, "%s: %s ridge = %g; must be finite and >= 0",
                    fn, name, r->ridge);
  if (r->type == MTL_REG_GRAPH) {
    if (!r->R)
      return mtl__err(MTL_EINVAL,
                      "%s: graph regularizer needs R (T x E), got NULL", fn);
    if (r->R_cols < 1)
      return mtl__err(MTL_EINVAL,
                      "%s: graph regularizer R_cols = %d; must be >= 1", fn,
                      r->R_cols);
    size_t n = (size_t)T * (size_t)r->R_cols;
    for (size_t k = 0; k < n; k++)
      if (!isfinite(r->R[k]))
        return mtl__err(MTL_EINVAL,
                        "%s: graph R[task %d, edge %d] = %g is not finite",
                        fn, (int)(k % (size_t)T) + 1, (int)(k / (size_t)T) + 1,
                        r->R[k]);
  }
  return MTL_OK;
}

static int check_shape(const double *A, const char *aname, int d, int T,
                       const char *fn) {
  if (d < 1)
    return mtl__err(MTL_EINVAL, "%s: d = %d; must be >= 1", fn, d);
  if (T < 1)
    return mtl__err(MTL_EINVAL, "%s: T = %d; must be >= 1", fn, T);
  if (!A)
    return mtl__err(MTL_EINVAL, "%s: %s is NULL", fn, aname);
  return MTL_OK;
}

/* NaN/Inf entries would make LAPACK fail obscurely or spread silently. */
static int check_finite(const double *A, const char *aname, int d, int T,
                        const char *fn) {
  size_t n = (size_t)d * T;
  for (size_t k = 0; k < n; k++)
    if (!isfinite(A[k]))
      return mtl__err(MTL_ENUMERIC,
                      "%s: %s[feature %d, task %d] = %g is not finite", fn,
                      aname, (int)(k % (size_t)d) + 1,
                      (int)(k / (size_t)d) + 1, A[k]);
  return MTL_OK;
}

/* ---- values -------------------------------------------------------------- */

static double sumsq(const double *W, size_t n) {
  double s = 0;
  for (size_t k = 0; k < n; k++)
    s += W[k] * W[k];
  return s;
}

/* g(W) for the given type; NaN (with the error set) if the SVD fails. */
static double reg_g(const mtl_reg *r, const double *W, int d, int T) {
  size_t n = (size_t)d * T;
  double g = 0;
  switch (r->type) {
  case MTL_REG_NONE:
    return 0.0;
  case MTL_REG_RIDGE:
    return sumsq(W, n);
  case MTL_REG_L1:
    for (size_t k = 0; k < n; k++)
      g += fabs(W[k]);
    return g;
  case MTL_REG_L21:
    for (int j = 0; j < d; j++) {
      double s = 0;
      for (int t = 0; t < T; t++) {
        double w = W[j + (size_t)t * d];
        s += w * w;
      }
      g += sqrt(s);
    }
    return g;
  case MTL_REG_TRACE: {
    int k = d < T ? d : T;
    double *s = mtl__malloc((size_t)k * sizeof(double));
    if (!s)
      return NAN;
    if (mtl__svd_values(d, T, W, s) == MTL_OK)
      for (int i = 0; i < k; i++)
        g += s[i];
    else
      g = NAN;
    free(s);
    return g;
  }
  case MTL_REG_MEAN:
    for (int j = 0; j < d; j++) {
      double m = 0;
      for (int t = 0; t < T; t++)
        m += W[j + (size_t)t * d];
      m /= T;
      for (int t = 0; t < T; t++) {
        double e = W[j + (size_t)t * d] - m;
        g += e * e;
      }
    }
    return g;
  case MTL_REG_GRAPH:
    /* ||W R||_F^2 = sum_j sum_e (W_j. R_.e)^2, without a d x E buffer. */
    for (int e = 0; e < r->R_cols; e++) {
      const double *Re = r->R + (size_t)e * T;
      for (int j = 0; j < d; j++) {
        double s = 0;
        for (int t = 0; t < T; t++)
          s += W[j + (size_t)t * d] * Re[t];
        g += s * s;
      }
    }
    return g;
  }
  return NAN;
}

double mtl_reg_value(const mtl_reg *r, const double *W, int d, int T) {
  const char *fn = "mtl_reg_value";
  if (check_shape(W, "W", d, T, fn) || check_reg(r, T, fn))
    return NAN;
  double v = 0;
  if (r->lambda != 0) {
    double g = reg_g(r, W, d, T);
    if (isnan(g)) {
      mtl__err_prefix(MTL_ELINALG, "%s: %s", fn, reg_names[r->type]);
      return NAN;
    }
    v = r->lambda * g;
  }
  if (r->ridge != 0)
    v += r->ridge * sumsq(W, (size_t)d * T);
  return v;
}

/* ---- proximal operators -------------------------------------------------- */

/* Trace norm: V = U diag(s) Vt (thin SVD), out = U diag(max(s - thr, 0))
 * Vt * scale, rebuilt from the leading components whose shrunk value is
 * positive only (singular values come sorted in decreasing order).
 * Allocates the SVD workspace: the copy of V, U (d x k), s (k), Vt (k x T). */
static int prox_trace(int d, int T, double thr, double scale,
                      const double *V, double *out) {
  int k = d < T ? d : T;
  size_t dT = (size_t)d * T, dk = (size_t)d * k, kT = (size_t)k * T;
  double *A = mtl__malloc((dT + dk + (size_t)k + kT) * sizeof(double));
  if (!A)
    return MTL_ENOMEM;
  double *U = A + dT, *s = U + dk, *Vt = s + k;
  memcpy(A, V, dT * sizeof(double));
  int rc = mtl__svd(d, T, A, U, s, Vt);
  if (rc) {
    mtl__err_prefix(rc, "mtl_reg_prox: trace norm of a %d x %d matrix", d,
                    T);
    goto done;
  }
  int rank = 0;
  for (int i = 0; i < k; i++) {
    double si = (s[i] - thr) * scale;
    if (!(si > 0))
      break;
    mtl__scal(d, si, U + (size_t)i * d);
    rank++;
  }
  /* V was copied: writing out (which may alias V) is safe from here on. */
  if (rank == 0)
    memset(out, 0, dT * sizeof(double));
  else
    mtl__gemm(0, 0, d, T, rank, 1.0, U, d, Vt, k, 0.0, out, d);
done:
  free(A);
  return rc;
}

/* Graph: the optimality condition (U - V)/s + 2 lambda U R R' + 2 ridge U = 0
 * reads U A = V with A = (1 + 2 s ridge) I + 2 s lambda R R' (T x T, SPD),
 * solved as A U' = V' by Cholesky.  Allocates A (T x T) and U' (T x d). */
static int prox_graph(const mtl_reg *r, double step, const double *V, int d,
                      int T, double *out) {
  size_t TT = (size_t)T * T, dT = (size_t)d * T;
  double *A = mtl__malloc((TT + dT) * sizeof(double));
  if (!A)
    return MTL_ENOMEM;
  double *B = A + TT;
  mtl__gemm(0, 1, T, T, r->R_cols, 2.0 * step * r->lambda, r->R, T, r->R, T,
            0.0, A, T);
  for (int t = 0; t < T; t++)
    A[t + (size_t)t * T] += 1.0 + 2.0 * step * r->ridge;
  int rc = mtl__potrf(T, A);
  if (rc) {
    mtl__err_prefix(rc, "mtl_reg_prox: graph system of %d tasks", T);
    goto done;
  }
  for (int t = 0; t < T; t++)
    for (int j = 0; j < d; j++)
      B[t + (size_t)j * T] = V[j + (size_t)t * d];
  rc = mtl__potrs(T, d, A, B, T);
  if (rc) {
    mtl__err_prefix(rc, "mtl_reg_prox: graph system of %d tasks", T);
    goto done;
  }
  for (int t = 0; t < T; t++)
    for (int j = 0; j < d; j++)
      out[j + (size_t)t * d] = B[t + (size_t)j * T];
done:
  free(A);
  return rc;
}

int mtl_reg_prox(const mtl_reg *r, double step, const double *V, int d,
                 int T, double *out) {
  const char *fn = "mtl_reg_prox";
  int rc = check_shape(V, "V", d, T, fn);
  if (!rc)
    rc = check_shape(out, "out", d, T, fn);
  if (!rc)
    rc = check_reg(r, T, fn);
  if (rc)
    return rc;
  if (!isfinite(step) || !(step > 0))
    return mtl__err(MTL_EINVAL, "%s: step = %g; must be finite and > 0", fn,
                    step);
  rc = check_finite(V, "V", d, T, fn);
  if (rc)
    return rc;

  size_t n = (size_t)d * T;
  double thr = step * r->lambda;             /* threshold of s lambda g */
  double scale = 1.0 / (1.0 + 2.0 * step * r->ridge); /* ridge shrinkage */
  if (r->lambda == 0 || r->type == MTL_REG_NONE) {
    for (size_t k = 0; k < n; k++)
      out[k] = V[k] * scale;
    return MTL_OK;
  }
  switch (r->type) {
  case MTL_REG_RIDGE: {
    double c = 1.0 / (1.0 + 2.0 * step * (r->lambda + r->ridge));
    for (size_t k = 0; k < n; k++)
      out[k] = V[k] * c;
    return MTL_OK;
  }
  case MTL_REG_L1:
    for (size_t k = 0; k < n; k++) {
      double a = fabs(V[k]) - thr;
      out[k] = a > 0 ? copysign(a * scale, V[k]) : 0.0;
    }
    return MTL_OK;
  case MTL_REG_L21:
    /* Row-wise group soft threshold: row j scaled by max(0, 1 - thr/||V_j||). */
    for (int j = 0; j < d; j++) {
      double s = 0;
      for (int t = 0; t < T; t++) {
        double v = V[j + (size_t)t * d];
        s += v * v;
      }
      double nrm = sqrt(s);
      double f = nrm > thr ? (1.0 - thr / nrm) * scale : 0.0;
      for (int t = 0; t < T; t++)
        out[j + (size_t)t * d] = V[j + (size_t)t * d] * f;
    }
    return MTL_OK;
  case MTL_REG_TRACE:
    return prox_trace(d, T, thr, scale, V, out);
  case MTL_REG_MEAN: {
    /* Write U = u 1' + D with D 1 = 0.  Both ||U - V||^2 and ||U||^2 split
     * orthogonally into a mean part (T ||.||^2) and a deviation part, and
     * g(U) = ||D||^2, so the problem separates:
     *   mean:       u = vbar / (1 + 2 s ridge)
     *   deviations: D = (V - vbar 1') / (1 + 2 s (lambda + ridge)). */
    double cdev = 1.0 / (1.0 + 2.0 * step * (r->lambda + r->ridge));
    for (int j = 0; j < d; j++) {
      double m = 0;
      for (int t = 0; t < T; t++)
        m += V[j + (size_t)t * d];
      m /= T;
      for (int t = 0; t < T; t++) {
        size_t k = j + (size_t)t * d;
        out[k] = m * scale + (V[k] - m) * cdev;
      }
    }
    return MTL_OK;
  }
  case MTL_REG_GRAPH:
    return prox_graph(r, step, V, d, T, out);
  case MTL_REG_NONE:
    break;
  }
  return MTL_OK;
}

/* ---- dual norms ---------------------------------------------------------- */

int mtl_reg_dual_norm(const mtl_reg *r, const double *G, int d, int T,
                      double *out) {
  const char *fn = "mtl_reg_dual_norm";
  if (!r)
    return mtl__err(MTL_EINVAL, "%s: regularizer is NULL", fn);
  if (!out)
    return mtl__err(MTL_EINVAL, "%s: out is NULL", fn);
  if ((int)r->type < 0 || (int)r->type >= NREG)
    return mtl__err(MTL_EINVAL, "%s: invalid regularizer type %d", fn,
                    (int)r->type);
  if (r->type != MTL_REG_L1 && r->type != MTL_REG_L21 &&
      r->type != MTL_REG_TRACE)
    return mtl__err(MTL_EUNSUPPORTED,
                    "%s: regularizer \"%s\" is not a norm; a dual norm "
                    "exists only for l1, l21 and trace",
                    fn, reg_names[r->type]);
  int rc = check_shape(G, "G", d, T, fn);
  if (!rc)
    rc = check_finite(G, "G", d, T, fn);
  if (rc)
    return rc;
  size_t n = (size_t)d * T;
  double m = 0;
  switch (r->type) {
  case MTL_REG_L1: /* dual of sum |.| is max |.| */
    for (size_t k = 0; k < n; k++)
      if (fabs(G[k]) > m)
        m = fabs(G[k]);
    break;
  case MTL_REG_L21: /* dual of sum_j ||row_j||_2 is max_j ||row_j||_2 */
    for (int j = 0; j < d; j++) {
      double s = 0;
      for (int t = 0; t < T; t++) {
        double g = G[j + (size_t)t * d];
        s += g * g;
      }
      if (s > m)
        m = s;
    }
    m = sqrt(m);
    break;
  default: /* trace norm: dual is the spectral norm */
    rc = mtl__spectral_norm(d, T, G, &m);
    if (rc)
      return mtl__err_prefix(rc, "%s: trace", fn);
    break;
  }
  *out = m;
  return MTL_OK;
}
