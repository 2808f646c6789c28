/*
 * cmtl.c -- clustered MTL, the convex relaxation of Zhou, Chen & Ye (2011)
 * that MALSAR's CMTL solves:
 *   min_{W,M}  f(W) + c tr(W (eta I + M)^{-1} W'),  c = rho1 eta (1 + eta),
 *   s.t. tr M = k, 0 <= M <= I (T x T),           eta = rho2 / rho1,
 * with W the penalized rows of the weights (an unpenalized bias row is
 * left out).
 *
 * M is minimized out in closed form.  With W'W = U diag(s) U', the best M
 * shares U and takes the eigenvalues m that minimize
 *   phi(s) = sum_i s_i / (eta + m_i)  s.t. 0 <= m_i <= 1, sum_i m_i = k,
 * which are m_i = clip(sqrt(s_i / mu) - eta, 0, 1) with mu > 0 set by
 * bisection so that they sum to k (water filling; mtl__cmtl_waterfill).
 * So the problem is min_W F(W) = f(W) + h(W), h(W) = c phi(s(W)), and h is
 * convex (a partial minimum of a jointly convex function) and smooth:
 * by Danskin's theorem its gradient is 2 c W (eta I + M*(W))^{-1}, whose
 * Lipschitz constant is at most 2 c / eta.  The proximal-gradient kernel
 * (apg.c) then runs with no prox at all, and extrapolated points never
 * leave the domain, as they could with (W, M) as variables.  Certificate:
 * the gradient norm ||grad F(W)|| (the fixed-point residual of a method
 * without a prox).
 *
 * Clusters: M* approximates the normalized cluster-indicator projection
 * F (F'F)^{-1} F' of the relaxation, so tasks of one cluster have nearly
 * equal rows of M*; the assignment is k-means (k-means++ seeds, 10 starts,
 * fixed seed) on the rows of M*, labels numbered by first appearance.
 *
 * Convex alternating structure optimization (cASO; Chen, Tang, Liu & Ye,
 * ICML 2009, MALSAR's cASO) is the same problem with M on the feature
 * side: tr(W' (eta I + M)^{-1} W) with M (d_pen x d_pen), tr M = h, the
 * dimension of the shared subspace, spanned at the optimum by the top h
 * eigenvectors of M.  (Zhou, Chen & Ye, NIPS 2011, show the two
 * relaxations equivalent; here the only differences are the side of the
 * Gram matrix, W W' instead of W'W, and the range of h.)
 */
#include "solvers/solvers.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* sum_i clip(sqrt(s_i / mu) - eta, 0, 1), with m filled. */
static double fill_at(const double *s, int T, double eta, double mu,
                      double *m) {
  double sum = 0;
  for (int i = 0; i < T; i++) {
    double v = sqrt(s[i] / mu) - eta;
    m[i] = v < 0 ? 0 : v > 1 ? 1 : v;
    sum += m[i];
  }
  return sum;
}

void mtl__cmtl_waterfill(const double *s, int T, double eta, int k,
                         double *m) {
  int pos = 0;
  double smax = 0;
  for (int i = 0; i < T; i++) {
    pos += s[i] > 0;
    smax = fmax(smax, s[i]);
  }
  if (pos <= k) { /* every s_i > 0 gets 1; the rest of k spreads on the
                     zero directions, where it costs nothing */
    double rest = pos < T ? (double)(k - pos) / (T - pos) : 0;
    for (int i = 0; i < T; i++)
      m[i] = s[i] > 0 ? 1.0 : rest;
    return;
  }
  /* log mu: at hi = smax / eta^2 every m_i is 0; at lo every positive
   * s_i (>= smin) gives 1 */
  double smin = smax;
  for (int i = 0; i < T; i++)
    if (s[i] > 0)
      smin = fmin(smin, s[i]);
  double lo = log(smin) - 2 * log(1 + eta) - 1, hi = log(smax) - 2 * log(eta);
  for (int it = 0; it < 200 && hi - lo > 1e-15 * fmax(1, fabs(hi)); it++) {
    double mid = 0.5 * (lo + hi);
    if (fill_at(s, T, eta, exp(mid), m) > k)
      lo = mid;
    else
      hi = mid;
  }
  fill_at(s, T, eta, exp(0.5 * (lo + hi)), m);
}

typedef struct cm_ctx {
  mtl_problem *pb;
  double eta, c;
  int k, n, features; /* n = T (cmtl) or d_pen (features = 1: cASO) */
  double *E, *s, *m, *A, *B; /* n x n eigenvectors, n, n, n x n, n x n */
  const char *who;
} cm_ctx;

/* out = E diag(f(m)) E' with f = 1 / (eta + m) (inv = 1) or m. */
static void eig_rebuild(cm_ctx *c, int inv, double *out) {
  int T = c->n;
  for (int i = 0; i < T; i++) {
    double f = inv ? 1.0 / (c->eta + c->m[i]) : c->m[i];
    for (int a = 0; a < T; a++)
      c->B[a + (size_t)i * T] = f * c->E[a + (size_t)i * T];
  }
  mtl__gemm(0, 1, T, T, T, 1.0, c->B, T, c->E, T, 0.0, out, T);
}

/* E, s, m and A = E diag(1 / (eta + m)) E' at W; *h = c phi. */
static int cm_spectral(cm_ctx *c, const double *W, double *h) {
  int d = c->pb->d, dp = c->pb->d_pen, T = c->n;
  if (c->features)
    mtl__syrk_upper(0, dp, c->pb->T, W, d, c->E);
  else
    mtl__syrk_upper(1, T, dp, W, d, c->E);
  int rc = mtl__syev(T, c->E, c->s);
  if (rc)
    return mtl__err_prefix(rc, "%s: eigenvalues of %s (%d x %d)", c->who,
                           c->features ? "WW'" : "W'W", T, T);
  for (int i = 0; i < T; i++)
    c->s[i] = c->s[i] > 0 ? c->s[i] : 0;
  mtl__cmtl_waterfill(c->s, T, c->eta, c->k, c->m);
  double v = 0;
  for (int i = 0; i < T; i++)
    v += c->s[i] / (c->eta + c->m[i]);
  *h = c->c * v;
  eig_rebuild(c, 1, c->A);
  return MTL_OK;
}

static int cm_smooth(void *ctx, const double *W, double *f, double *grad) {
  cm_ctx *c = ctx;
  double h = 0;
  int rc = mtl_problem_loss(c->pb, W, f, grad);
  rc = rc ? rc : cm_spectral(c, W, &h);
  if (rc)
    return rc;
  *f += h;
  if (grad && c->features) /* penalized rows: += 2 c A W */
    mtl__gemm(0, 0, c->n, c->pb->T, c->n, 2 * c->c, c->A, c->n, W, c->pb->d,
              1.0, grad, c->pb->d);
  else if (grad) /* penalized rows: += 2 c W A */
    mtl__gemm(0, 0, c->pb->d_pen, c->pb->T, c->pb->T, 2 * c->c, W,
              c->pb->d, c->A, c->pb->T, 1.0, grad, c->pb->d);
  return MTL_OK;
}

static int cm_init(cm_ctx *c, mtl_problem *pb, const mtl__cmtl_params *cp) {
  int T = cp->features ? pb->d_pen : pb->T;
  memset(c, 0, sizeof *c);
  c->who = cp->features ? "caso" : "cmtl";
  if (!(cp->rho1 > 0) || !isfinite(cp->rho1) || !(cp->rho2 > 0) ||
      !isfinite(cp->rho2))
    return mtl__err(MTL_EINVAL, "%s: lambda = %g and lambda2 = %g must "
                                "be finite and > 0",
                    c->who, cp->rho1, cp->rho2);
  if (cp->k < 1 || cp->k > T)
    return mtl__err(MTL_EINVAL, cp->features
                                    ? "caso: h = %d must be in [1, %d "
                                      "penalized features]"
                                    : "cmtl: k = %d clusters must be in "
                                      "[1, T = %d]",
                    cp->k, T);
  c->pb = pb;
  c->n = T;
  c->features = cp->features;
  c->eta = cp->rho2 / cp->rho1;
  c->c = cp->rho1 * c->eta * (1 + c->eta);
  c->k = cp->k;
  c->E = mtl__malloc(((size_t)3 * T * T + 2 * (size_t)T) * sizeof(double));
  if (!c->E)
    return MTL_ENOMEM;
  c->A = c->E + (size_t)T * T;
  c->B = c->A + (size_t)T * T;
  c->s = c->B + (size_t)T * T;
  c->m = c->s + T;
  return MTL_OK;
}

static void cm_opts(const mtl_problem *pb, const cm_ctx *c,
                    const mtl_solver_params *sp, mtl__apg_opts *o) {
  mtl__apg_opts_init(o);
  o->accelerate = sp->solver != MTL_SOLVER_ISTA;
  o->restart = sp->restart;
  o->L0 = sp->L0 > 0 ? sp->L0 : (pb->L + 2 * c->c / c->eta) / 16;
  o->backtrack = sp->backtrack;
  o->shrink = 0.9;
  o->noise = 1e-12;
  o->max_iter = sp->max_iter;
  o->tol_obj = sp->tol_obj;
  o->obj_monotone = 1;
  o->tol_res = sp->tol_res;
  o->progress = sp->progress;
  o->progress_ctx = sp->progress_ctx;
  o->who = c->who;
}

/* cert: primal F(W), residual ||grad F(W)||, no dual; M (n x n) = M*(W)
 * when not NULL. */
static int cm_finish(cm_ctx *c, const double *W, mtl_certificate *cert,
                     double *M) {
  size_t dT = (size_t)c->pb->d * c->pb->T;
  double *G = mtl__malloc(dT * sizeof(double)), f, r = 0;
  if (!G)
    return MTL_ENOMEM;
  int rc = cm_smooth(c, W, &f, G);
  for (size_t i = 0; !rc && i < dT; i++)
    r += G[i] * G[i];
  free(G);
  if (rc)
    return rc;
  cert->primal = f;
  cert->dual = NAN;
  cert->gap = NAN;
  cert->residual = sqrt(r);
  if (M)
    eig_rebuild(c, 0, M);
  return MTL_OK;
}

int mtl__cmtl_solve(mtl_problem *pb, const mtl__cmtl_params *cp,
                    const mtl_solver_params *sp, double *W, double *M,
                    mtl_solve_info *info) {
  if (info)
    memset(info, 0, sizeof *info);
  if (sp->solver == MTL_SOLVER_BCD)
    return mtl__err(MTL_EUNSUPPORTED, "%s: solver bcd is not available "
                                      "(fista or ista)",
                    cp->features ? "caso" : "cmtl");
  for (int t = 0; t < pb->T; t++)
    if (pb->task_loss[t] == MTL_LOSS_HINGE)
      return mtl__err(MTL_EUNSUPPORTED, "task %d: the hinge loss is not "
                                        "differentiable; use squared, "
                                        "logistic or sqhinge", t + 1);
  cm_ctx c;
  int rc = cm_init(&c, pb, cp);
  double *trace = NULL;
  if (!rc && sp->record_trace &&
      !(trace = mtl__malloc((size_t)sp->max_iter * sizeof(double))))
    rc = MTL_ENOMEM;
  if (rc) {
    free(c.E);
    return rc;
  }
  mtl__apg_opts o;
  cm_opts(pb, &c, sp, &o);
  o.trace = trace;
  o.interrupt = &pb->interrupt;
  atomic_store(&pb->interrupt, 0);
  double t0 = mtl__now();
  mtl__apg_out out;
  rc = mtl__apg((size_t)pb->d * pb->T, W, cm_smooth, NULL, NULL, &c, &o,
                &out);
  if (rc >= 0 && info) {
    mtl__apg_info(info, rc, &out, t0, &trace);
  }
  if (rc >= 0) {
    mtl_certificate cert;
    int e = cm_finish(&c, W, info ? &info->cert : &cert, M);
    if (e)
      rc = e;
  }
  free(trace);
  free(c.E);
  return rc;
}
