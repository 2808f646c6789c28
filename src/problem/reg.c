/*
 * reg.c -- regularizers lambda * g(W) + ridge * ||W||_F^2 on the d x T
 * column-major weight matrix W (column t = task t, row j = feature j across
 * tasks), as one table (reg_table) holding per type: the value g, the
 * exact proximal operator of the whole W, what the prox of one column needs
 * (mtl__reg_prox_col: the per-task prox of the asynchronous solver), and for
 * the norms the dual norm, the distance to the dual ball (conjugate of the
 * ridge-smoothed norm, dual feasibility scaling: mtl__reg_dual_conj) and the
 * norm that sets lambda_max.  Every method uses these operations; the L1
 * soft threshold and the L2,1 row shrinkage are mtl__soft_threshold and
 * mtl__l21_shrink.
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
#include "problem.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const reg_names[] = {
    "none", "ridge", "l1", "l21", "trace", "mean", "graph", "l1inf", "col21"};
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
               {"graph", MTL_REG_GRAPH}, {"l1inf", MTL_REG_L1INF},
               {"col21", MTL_REG_COL21}};
  if (!s) {
    mtl__err(MTL_EINVAL, "mtl_reg_parse: regularizer name is NULL");
    return -1;
  }
  for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
    if (strcasecmp(s, table[i].name) == 0)
      return (int)table[i].type;
  mtl__err(MTL_EINVAL,
           "unknown regularizer \"%s\" (expected none, ridge, l1, lasso, "
           "l21, trace, nuclear, mean, graph, l1inf or col21)",
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

/* ---- shrinkage helpers (also used by the column prox of async.c) -------- */

double mtl__soft_threshold(double x, double thr) {
  double a = fabs(x) - thr;
  return a > 0 ? copysign(a, x) : 0.0;
}

double mtl__l21_shrink(double nrm, double thr, double scale) {
  return nrm > thr ? (1.0 - thr / nrm) * scale : 0.0;
}

/* ---- the table: one set of operations per regularizer type -------------- */

static double sumsq(const double *W, size_t n) {
  double s = 0;
  for (size_t k = 0; k < n; k++)
    s += W[k] * W[k];
  return s;
}

/* Row j's squared norm across tasks. */
static double row_sumsq(const double *W, int d, int T, int j) {
  double s = 0;
  for (int t = 0; t < T; t++) {
    double w = W[j + (size_t)t * d];
    s += w * w;
  }
  return s;
}

/* g(W) of each type (lambda excluded); NaN with the error set if the SVD
 * fails. */
static double g_none(const mtl_reg *r, const double *W, int d, int T) {
  (void)r, (void)W, (void)d, (void)T;
  return 0.0;
}

static double g_ridge(const mtl_reg *r, const double *W, int d, int T) {
  (void)r;
  return sumsq(W, (size_t)d * T);
}

static double g_l1(const mtl_reg *r, const double *W, int d, int T) {
  (void)r;
  double g = 0;
  for (size_t k = 0; k < (size_t)d * T; k++)
    g += fabs(W[k]);
  return g;
}

static double g_l21(const mtl_reg *r, const double *W, int d, int T) {
  (void)r;
  double g = 0;
  for (int j = 0; j < d; j++)
    g += sqrt(row_sumsq(W, d, T, j));
  return g;
}

static double g_trace(const mtl_reg *r, const double *W, int d, int T) {
  (void)r;
  int k = d < T ? d : T;
  double g = 0, *s = mtl__malloc((size_t)k * sizeof(double));
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

static double g_mean(const mtl_reg *r, const double *W, int d, int T) {
  (void)r;
  double g = 0;
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
}

/* ||W R||_F^2 = sum_j sum_e (W_j. R_.e)^2, without a d x E buffer. */
static double g_graph(const mtl_reg *r, const double *W, int d, int T) {
  double g = 0;
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

/* Proximal operators of step s for lambda > 0 (lambda = 0 and "none" are
 * the ridge shrinkage alone, in mtl_reg_prox).  thr = s lambda is the
 * threshold of s lambda g, scale = 1 / (1 + 2 s ridge) the ridge
 * shrinkage. */
static int prox_ridge(const mtl_reg *r, double step, const double *V, int d,
                      int T, double *out) {
  double c = 1.0 / (1.0 + 2.0 * step * (r->lambda + r->ridge));
  for (size_t k = 0; k < (size_t)d * T; k++)
    out[k] = V[k] * c;
  return MTL_OK;
}

static int prox_l1(const mtl_reg *r, double step, const double *V, int d,
                   int T, double *out) {
  double thr = step * r->lambda;
  double scale = 1.0 / (1.0 + 2.0 * step * r->ridge);
  for (size_t k = 0; k < (size_t)d * T; k++)
    out[k] = mtl__soft_threshold(V[k], thr) * scale;
  return MTL_OK;
}

/* Row-wise group soft threshold: row j scaled by max(0, 1 - thr/||V_j||). */
static int prox_l21(const mtl_reg *r, double step, const double *V, int d,
                    int T, double *out) {
  double thr = step * r->lambda;
  double scale = 1.0 / (1.0 + 2.0 * step * r->ridge);
  for (int j = 0; j < d; j++) {
    double f = mtl__l21_shrink(sqrt(row_sumsq(V, d, T, j)), thr, scale);
    for (int t = 0; t < T; t++)
      out[j + (size_t)t * d] = V[j + (size_t)t * d] * f;
  }
  return MTL_OK;
}

/* Trace norm: the prox shrinks the singular values of V,
 *   out = sum_i max(s_i - thr, 0) scale u_i v_i',
 * and the value of the penalty at out is known on the way: *gval (when
 * not NULL) = lambda ||out||_* + ridge ||out||_F^2 from the shrunk values,
 * so that the caller needs no second SVD for the objective.
 *
 * Two routes.  Gram: the eigendecomposition of the k x k Gram matrix of V
 * on its small side (k = min(d, T)), M = V'V = Q diag(s^2) Q' (or V V'),
 * then out = V Q_r diag(f) Q_r' (or Q_r diag(f) Q_r' V) with
 * f_i = max(1 - thr / s_i, 0) scale over the r kept components: a k x k
 * symmetric eigenproblem instead of the SVD of d x T.  Squaring the
 * spectrum costs accuracy: forming and decomposing M has a backward error
 * of about (d + T) eps s_max^2 in the eigenvalues s_i^2.  Near the
 * threshold, where f changes fastest (|df/d(s^2)| <= 1 / (2 thr^2)), that
 * moves f_i by (d + T) eps s_max^2 / (2 thr^2) on a component of size
 * s_i ~ thr, and the eigenvector mixing between components obeys the same
 * divided differences (Daleckii-Krein), so the result's error relative to
 * ||V|| = s_max is about (d + T) eps kappa / 2 with kappa = s_max / thr
 * (for the SVD: about eps).  The route is taken only when that estimate is
 * at most TRACE_GRAM_TOL; otherwise (a spectrum ill-conditioned relative
 * to the threshold) the thin SVD of V.  Both allocate their workspace per
 * call. */
#define TRACE_GRAM_TOL 1e-11

/* lambda sum_i t_i + ridge sum_i t_i^2 over the n shrunk values t_i. */
static double trace_value(const mtl_reg *r, const double *t, int n) {
  double a = 0, b = 0;
  for (int i = 0; i < n; i++) {
    a += t[i];
    b += t[i] * t[i];
  }
  return r->lambda * a + r->ridge * b;
}

/* The Gram route; *done = 0 (nothing written) when the accuracy guard or a
 * failed eigensolver sends the caller to the SVD. */
static int prox_trace_gram(const mtl_reg *r, double step, const double *V,
                           int d, int T, double *out, double *gval,
                           int *done) {
  double thr = step * r->lambda;
  double scale = 1.0 / (1.0 + 2.0 * step * r->ridge);
  int tall = T <= d, k = tall ? T : d;
  size_t kk = (size_t)k * k, dT = (size_t)d * T;
  double *M = mtl__malloc((kk + 3 * (size_t)k + dT) * sizeof(double));
  if (!M)
    return MTL_ENOMEM;
  double *w = M + kk, *f = w + k, *t = f + k, *B = t + k;
  *done = 0;
  mtl__syrk_upper(tall, k, tall ? d : T, V, d, M);
  if (mtl__syev(k, M, w) != MTL_OK) /* eigenvalues ascending */
    goto done;
  double smax = sqrt(w[k - 1] > 0 ? w[k - 1] : 0), kap = smax / thr;
  if (smax > thr && 0.5 * (d + T) * DBL_EPSILON * kap > TRACE_GRAM_TOL)
    goto done;
  int nr = 0; /* kept components: the last nr columns of M, Q_r */
  while (nr < k && sqrt(w[k - 1 - nr] > 0 ? w[k - 1 - nr] : 0) > thr)
    nr++;
  double *Q = M + (size_t)(k - nr) * k;
  for (int i = 0; i < nr; i++) {
    double si = sqrt(w[k - nr + i]);
    f[i] = (1.0 - thr / si) * scale;
    t[i] = (si - thr) * scale;
  }
  if (nr == 0) {
    memset(out, 0, dT * sizeof(double));
  } else if (tall) { /* B = V Q_r diag(f) (d x r), out = B Q_r' */
    mtl__gemm(0, 0, d, nr, T, 1.0, V, d, Q, k, 0.0, B, d);
    for (int i = 0; i < nr; i++)
      mtl__scal(d, f[i], B + (size_t)i * d);
    mtl__gemm(0, 1, d, T, nr, 1.0, B, d, Q, k, 0.0, out, d);
  } else { /* B = Q_r' V (r x T), out = Q_r diag(f) B */
    mtl__gemm(1, 0, nr, T, d, 1.0, Q, k, V, d, 0.0, B, nr);
    for (int i = 0; i < nr; i++)
      mtl__scal(d, f[i], Q + (size_t)i * k);
    mtl__gemm(0, 0, d, T, nr, 1.0, Q, k, B, nr, 0.0, out, d);
  }
  if (gval)
    *gval = trace_value(r, t, nr);
  *done = 1;
done:
  free(M);
  return MTL_OK;
}

/* The SVD route: V = U diag(s) Vt (thin), out rebuilt from the leading
 * components whose shrunk value is positive (s sorted decreasing). */
static int prox_trace_svd(const mtl_reg *r, double step, const double *V,
                          int d, int T, double *out, double *gval) {
  double thr = step * r->lambda;
  double scale = 1.0 / (1.0 + 2.0 * step * r->ridge);
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
    s[rank++] = si;
  }
  /* V was copied: writing out (which may alias V) is safe from here on. */
  if (rank == 0)
    memset(out, 0, dT * sizeof(double));
  else
    mtl__gemm(0, 0, d, T, rank, 1.0, U, d, Vt, k, 0.0, out, d);
  if (gval)
    *gval = trace_value(r, s, rank);
done:
  free(A);
  return rc;
}

/* Gram route when it is accurate enough, else the SVD; force_svd = 1 takes
 * the SVD always (the reference of the tests). */
static int prox_trace_val(const mtl_reg *r, double step, const double *V,
                          int d, int T, double *out, double *gval,
                          int force_svd) {
  int done = 0;
  if (!force_svd) {
    int rc = prox_trace_gram(r, step, V, d, T, out, gval, &done);
    if (rc || done)
      return rc;
  }
  return prox_trace_svd(r, step, V, d, T, out, gval);
}

static int prox_trace(const mtl_reg *r, double step, const double *V, int d,
                      int T, double *out) {
  return prox_trace_val(r, step, V, d, T, out, NULL, 0);
}

/* Write U = u 1' + D with D 1 = 0.  Both ||U - V||^2 and ||U||^2 split
 * orthogonally into a mean part (T ||.||^2) and a deviation part, and
 * g(U) = ||D||^2, so the problem separates:
 *   mean:       u = vbar / (1 + 2 s ridge)
 *   deviations: D = (V - vbar 1') / (1 + 2 s (lambda + ridge)). */
static int prox_mean(const mtl_reg *r, double step, const double *V, int d,
                     int T, double *out) {
  double scale = 1.0 / (1.0 + 2.0 * step * r->ridge);
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

/* Dual norms of the norms (L1: max |.|, L2,1: max_j ||row_j||_2, trace:
 * spectral norm), and the squared distance of M to the dual-norm ball of
 * radius lam, ||M - Proj(M)||^2, for the conjugate of lam g + ridge. */
static int dual_l1(const double *G, int d, int T, double *out) {
  double m = 0;
  for (size_t k = 0; k < (size_t)d * T; k++)
    if (fabs(G[k]) > m)
      m = fabs(G[k]);
  *out = m;
  return MTL_OK;
}

static int dual_l21(const double *G, int d, int T, double *out) {
  double m = 0;
  for (int j = 0; j < d; j++) {
    double s = row_sumsq(G, d, T, j);
    if (s > m)
      m = s;
  }
  *out = sqrt(m);
  return MTL_OK;
}

static int dual_trace(const double *G, int d, int T, double *out) {
  return mtl__spectral_norm(d, T, G, out);
}

static int excess_l1(const double *M, int d, int T, double lam,
                     double *out) {
  double excess = 0;
  for (size_t k = 0; k < (size_t)d * T; k++) {
    double e = fabs(M[k]) - lam;
    if (e > 0)
      excess += e * e;
  }
  *out = excess;
  return MTL_OK;
}

static int excess_l21(const double *M, int d, int T, double lam,
                      double *out) {
  double excess = 0;
  for (int j = 0; j < d; j++) {
    double e = sqrt(row_sumsq(M, d, T, j)) - lam;
    if (e > 0)
      excess += e * e;
  }
  *out = excess;
  return MTL_OK;
}

static int excess_trace(const double *M, int d, int T, double lam,
                        double *out) {
  int k = d < T ? d : T;
  double excess = 0, *sv = mtl__malloc((size_t)k * sizeof(double));
  if (!sv)
    return MTL_ENOMEM;
  int rc = mtl__svd_values(d, T, M, sv);
  if (!rc)
    for (int i = 0; i < k; i++)
      if (sv[i] > lam)
        excess += (sv[i] - lam) * (sv[i] - lam);
  free(sv);
  *out = excess;
  return rc;
}

typedef struct reg_ops {
  double (*g)(const mtl_reg *r, const double *W, int d, int T);
  int (*prox)(const mtl_reg *r, double step, const double *V, int d, int T,
              double *out);
  mtl__reg_col col; /* what the prox of one column needs (lambda > 0) */
  /* norms only (NULL otherwise): */
  int (*dual_norm)(const double *G, int d, int T, double *out);
  int (*excess)(const double *M, int d, int T, double lam, double *out);
  /* the dual norm whose value at the gradient scales lambda_max */
  int (*lmax)(const double *G, int d, int T, double *out);
} reg_ops;

/* Indexed by mtl_reg_type, in the order of reg_names. */
static const reg_ops reg_table[] = {
    {g_none, NULL, MTL__COL_SEPARABLE, NULL, NULL, dual_l1},
    {g_ridge, prox_ridge, MTL__COL_SEPARABLE, NULL, NULL, dual_l1},
    {g_l1, prox_l1, MTL__COL_SEPARABLE, dual_l1, excess_l1, dual_l1},
    {g_l21, prox_l21, MTL__COL_ROWS, dual_l21, excess_l21, dual_l21},
    {g_trace, prox_trace, MTL__COL_SPECTRAL, dual_trace, excess_trace,
     dual_trace},
    {g_mean, prox_mean, MTL__COL_COUPLED, NULL, NULL, dual_l1},
    {g_graph, prox_graph, MTL__COL_COUPLED, NULL, NULL, dual_l1},
    /* l1inf: the prox of a column needs its rows' other entries */
    {mtl__g_l1inf, mtl__prox_l1inf, MTL__COL_COUPLED, mtl__dual_l1inf,
     mtl__excess_l1inf, mtl__dual_l1inf},
    /* col21: each column shrinks alone */
    {mtl__g_col21, mtl__prox_col21, MTL__COL_SEPARABLE, mtl__dual_col21,
     mtl__excess_col21, mtl__dual_col21},
};
_Static_assert(sizeof reg_table / sizeof reg_table[0] == NREG,
               "one table entry per regularizer type");

/* ---- values -------------------------------------------------------------- */

double mtl_reg_value(const mtl_reg *r, const double *W, int d, int T) {
  const char *fn = "mtl_reg_value";
  if (check_shape(W, "W", d, T, fn) || check_reg(r, T, fn))
    return NAN;
  double v = 0;
  if (r->lambda != 0) {
    double g = reg_table[r->type].g(r, W, d, T);
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

int mtl_reg_prox(const mtl_reg *r, double step, const double *V, int d,
                 int T, double *out) {
  return mtl__reg_prox_val(r, step, V, d, T, out, NULL, 0);
}

int mtl__reg_prox_val(const mtl_reg *r, double step, const double *V, int d,
                      int T, double *out, double *gval, int force_svd) {
  const char *fn = "mtl_reg_prox";
  if (gval)
    *gval = NAN;
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
  if (r->lambda == 0 || r->type == MTL_REG_NONE) {
    double scale = 1.0 / (1.0 + 2.0 * step * r->ridge); /* ridge alone */
    for (size_t k = 0; k < (size_t)d * T; k++)
      out[k] = V[k] * scale;
    return MTL_OK;
  }
  if (r->type == MTL_REG_TRACE)
    return prox_trace_val(r, step, V, d, T, out, gval, force_svd);
  return reg_table[r->type].prox(r, step, V, d, T, out);
}

mtl__reg_col mtl__reg_col_kind(const mtl_reg *r) {
  return r->lambda == 0 ? MTL__COL_SEPARABLE : reg_table[r->type].col;
}

int mtl__reg_prox_col(const mtl_reg *r, double step, const double *v, int d,
                      const double *rowsq, double *out) {
  switch (mtl__reg_col_kind(r)) {
  case MTL__COL_SEPARABLE:
    return mtl_reg_prox(r, step, v, d, 1, out);
  case MTL__COL_ROWS: {
    double thr = step * r->lambda;
    double scale = 1.0 / (1.0 + 2.0 * step * r->ridge);
    for (int j = 0; j < d; j++)
      out[j] = v[j] * mtl__l21_shrink(sqrt(rowsq[j] > 0 ? rowsq[j] : 0),
                                      thr, scale);
    return MTL_OK;
  }
  default:
    return mtl__err(MTL_EUNSUPPORTED,
                    "mtl__reg_prox_col: the %s prox of one column needs the "
                    "whole matrix",
                    reg_names[r->type]);
  }
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
  if (!reg_table[r->type].dual_norm)
    return mtl__err(MTL_EUNSUPPORTED,
                    "%s: regularizer \"%s\" is not a norm; a dual norm "
                    "exists only for l1, l21, trace, l1inf and col21",
                    fn, reg_names[r->type]);
  int rc = check_shape(G, "G", d, T, fn);
  if (!rc)
    rc = check_finite(G, "G", d, T, fn);
  if (rc)
    return rc;
  rc = reg_table[r->type].dual_norm(G, d, T, out);
  if (rc)
    return mtl__err_prefix(rc, "%s: %s", fn, reg_names[r->type]);
  return MTL_OK;
}

int mtl__reg_is_norm(mtl_reg_type t) {
  return (int)t >= 0 && (int)t < NREG && reg_table[t].dual_norm != NULL;
}

int mtl__reg_lambda_max(const mtl_reg *r, const double *G, int d, int T,
                        double *out) {
  mtl_reg q = *r;
  if (!mtl__reg_is_norm(q.type))
    q.type = MTL_REG_L1; /* max |gradient| as a scale for other penalties */
  return mtl_reg_dual_norm(&q, G, d, T, out);
}

int mtl__reg_dual_conj(const mtl_reg *r, const double *M, int d, int T,
                       double *s, double *hstar) {
  double lam = r->lambda;
  *s = 1.0;
  *hstar = 0.0;
  if (r->ridge == 0) {
    double dn;
    int rc = mtl_reg_dual_norm(r, M, d, T, &dn);
    if (rc)
      return rc;
    *s = dn > lam ? lam / dn : 1.0;
    return MTL_OK;
  }
  double excess;
  int rc = reg_table[r->type].excess(M, d, T, lam, &excess);
  if (rc)
    return rc;
  *hstar = excess / (4 * r->ridge);
  return MTL_OK;
}
