/*
 * asym_gomtl.c -- GO-MTL (Kumar & Daume III, ICML 2012), the latent-basis
 * baseline of the AMTL paper's Table 1:
 *   min_{L, S} sum_t loss_t(L s_t) + mu ||S||_1 + lambda ||L||_F^2,
 * L d x k, S k x T (both column-major).  Alternates an accelerated proximal
 * step on S (soft thresholding) and an accelerated gradient step on L, each
 * of which does not increase the objective; starts from the top-k SVD of
 * ridge single-task models (W_stl = U s V': L = U_k s_k, S = V_k').
 */
#include "asym_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void mtl_gomtl_params_init(mtl_gomtl_params *p) {
  *p = (mtl_gomtl_params){
      .k = 3,
      .lambda = 0.1,
      .mu = 0.1,
      .ridge = 1e-2,
      .max_outer = 200,
      .tol = 1e-4,
      .inner_iter = 500,
      .progress = NULL,
      .progress_ctx = NULL,
  };
}

typedef struct gctx {
  mtl_problem *pb;
  int k;
  double lambda, mu, ridge;
  double *L, *S; /* current factors (the variable of a step aliases one) */
  double *W, *G; /* d x T scratch */
} gctx;

/* Ridge start: sum_t loss_t(w_t) + ridge ||W||_F^2. */
static int ridge_eval(void *vctx, const double *W, double *f, double *grad) {
  gctx *c = vctx;
  size_t n = (size_t)c->pb->d * c->pb->T;
  int rc = mtl_problem_loss(c->pb, W, f, grad);
  if (rc)
    return rc;
  double r = 0;
  for (size_t i = 0; i < n; i++) {
    r += W[i] * W[i];
    if (grad)
      grad[i] += 2 * c->ridge * W[i];
  }
  *f += c->ridge * r;
  return MTL_OK;
}

/* S-step smooth part: sum_t loss_t(L s_t), gradient L' G. */
static int s_eval(void *vctx, const double *S, double *f, double *grad) {
  gctx *c = vctx;
  int d = c->pb->d, T = c->pb->T, k = c->k;
  mtl__gemm(0, 0, d, T, k, 1.0, c->L, d, S, k, 0.0, c->W, d);
  int rc = mtl_problem_loss(c->pb, c->W, f, grad ? c->G : NULL);
  if (rc)
    return rc;
  if (grad)
    mtl__gemm(1, 0, k, T, d, 1.0, c->L, d, c->G, d, 0.0, grad, k);
  return MTL_OK;
}

/* S-step non-smooth part mu ||S||_1: the L1 regularizer of reg.c. */
static int s_prox(void *vctx, double step, const double *V, double *out,
                  double *gout) {
  (void)gout;
  gctx *c = vctx;
  mtl_reg r = {.type = MTL_REG_L1, .lambda = c->mu};
  return mtl_reg_prox(&r, step, V, c->k, c->pb->T, out);
}

static double s_value(void *vctx, const double *S) {
  gctx *c = vctx;
  mtl_reg r = {.type = MTL_REG_L1, .lambda = c->mu};
  return mtl_reg_value(&r, S, c->k, c->pb->T);
}

/* L-step: sum_t loss_t(L s_t) + lambda ||L||_F^2, gradient G S' + 2 lambda L. */
static int l_eval(void *vctx, const double *L, double *f, double *grad) {
  gctx *c = vctx;
  int d = c->pb->d, T = c->pb->T, k = c->k;
  mtl__gemm(0, 0, d, T, k, 1.0, L, d, c->S, k, 0.0, c->W, d);
  int rc = mtl_problem_loss(c->pb, c->W, f, grad ? c->G : NULL);
  if (rc)
    return rc;
  double r = 0;
  for (size_t i = 0; i < (size_t)d * k; i++)
    r += L[i] * L[i];
  *f += c->lambda * r;
  if (grad) {
    mtl__gemm(0, 1, d, k, T, 1.0, c->G, d, c->S, k, 0.0, grad, d);
    mtl__axpy(d * k, 2 * c->lambda, L, grad);
  }
  return MTL_OK;
}

static int check_params(const mtl_problem *pb, const mtl_gomtl_params *p) {
  int d = pb->d, T = pb->T, k = p->k, m = d < T ? d : T;
  if (k < 1 || k > m)
    return mtl__err(MTL_EINVAL, "gomtl: k = %d must be in [1, min(d, T) = %d]",
                    k, m);
  if (!(p->lambda > 0) || !isfinite(p->lambda))
    return mtl__err(MTL_EINVAL, "gomtl: lambda = %g must be > 0", p->lambda);
  if (!(p->mu >= 0) || !isfinite(p->mu))
    return mtl__err(MTL_EINVAL, "gomtl: mu = %g must be >= 0", p->mu);
  if (!(p->ridge > 0) || !isfinite(p->ridge))
    return mtl__err(MTL_EINVAL, "gomtl: ridge = %g must be > 0", p->ridge);
  if (p->max_outer < 1)
    return mtl__err(MTL_EINVAL, "gomtl: max_outer = %d must be >= 1",
                    p->max_outer);
  if (!(p->tol >= 0) || !isfinite(p->tol))
    return mtl__err(MTL_EINVAL, "gomtl: tol = %g must be >= 0", p->tol);
  if (p->inner_iter < 1)
    return mtl__err(MTL_EINVAL, "gomtl: inner_iter = %d must be >= 1",
                    p->inner_iter);
  for (int t = 0; t < T; t++)
    if (pb->task_loss[t] == MTL_LOSS_HINGE)
      return mtl__err(MTL_EUNSUPPORTED,
                      "gomtl: task %d uses the hinge loss (not smooth)",
                      t + 1);
  return MTL_OK;
}

/* The start: ridge single-task models W_stl (in A, d x T, overwritten),
 * then L = U_k s_k, S = V_k' from its SVD (U d x m, sv m, Vt m x T). */
static int start(gctx *c, double *A, double *U, double *sv, double *Vt,
                 int *iters) {
  mtl_problem *pb = c->pb;
  int d = pb->d, T = pb->T, k = c->k, m = d < T ? d : T;
  double F, Ls = (pb->L + 2 * c->ridge) / 8;
  memset(A, 0, (size_t)d * T * sizeof(double));
  int rc = mtl__asym_apg(d * T, A, ridge_eval, NULL, NULL, c, &Ls, 5000,
                         1e-12, &pb->interrupt, &F, iters);
  if (rc < 0)
    return rc;
  if ((rc = mtl__svd(d, T, A, U, sv, Vt)))
    return rc;
  for (int j = 0; j < k; j++) {
    for (int i = 0; i < d; i++)
      c->L[i + (size_t)j * d] = U[i + (size_t)j * d] * sv[j];
    for (int t = 0; t < T; t++)
      c->S[j + (size_t)t * k] = Vt[j + (size_t)t * m];
  }
  return MTL_OK;
}

static double sumsq(const double *x, size_t n) {
  double r = 0;
  for (size_t i = 0; i < n; i++)
    r += x[i] * x[i];
  return r;
}

/* One outer iteration: the S-step, then the L-step; *F = the objective.
 * *LsS carries the S-step's Lipschitz estimate from one step to the next. */
static int outer_step(gctx *c, const mtl_gomtl_params *p, double *LsS,
                      double itol, int *iters, double *F) {
  mtl_problem *pb = c->pb;
  int d = pb->d, T = pb->T, k = c->k;
  if (!(*LsS > 0))
    *LsS = pb->L * fmax(sumsq(c->L, (size_t)d * k), 1e-12) / 8;
  double Fs, Fl;
  int e = mtl__asym_apg(k * T, c->S, s_eval, s_prox, s_value, c, LsS,
                        p->inner_iter, itol, &pb->interrupt, &Fs, iters);
  if (e < 0)
    return e;
  double LsL =
      (pb->L * fmax(sumsq(c->S, (size_t)k * T), 1e-12) + 2 * p->lambda) / 8;
  e = mtl__asym_apg(d * k, c->L, l_eval, NULL, NULL, c, &LsL, p->inner_iter,
                    itol, &pb->interrupt, &Fl, iters);
  if (e < 0)
    return e;
  *F = Fl + s_value(c, c->S);
  return MTL_OK;
}

int mtl_gomtl_fit(mtl_problem *pb, const mtl_gomtl_params *p, double *W,
                  double *Lout, double *Sout, double *trace, int *ntrace) {
  if (!pb || !p || !W)
    return mtl__err(MTL_EINVAL, "gomtl: NULL problem, params or W");
  int rc = check_params(pb, p);
  if (rc)
    return rc;
  int d = pb->d, T = pb->T, k = p->k, m = d < T ? d : T;
  size_t dT = (size_t)d * T;
  double *buf = mtl__calloc(3 * dT + (size_t)d * k + (size_t)k * T +
                                (size_t)d * m + (size_t)m + (size_t)m * T,
                            sizeof(double));
  if (!buf)
    return MTL_ENOMEM;
  gctx c = {.pb = pb, .k = k, .lambda = p->lambda, .mu = p->mu,
            .ridge = p->ridge};
  double *A = buf;
  c.W = A + dT;
  c.G = c.W + dT;
  c.L = c.G + dT;
  c.S = c.L + (size_t)d * k;
  double *U = c.S + (size_t)k * T, *sv = U + (size_t)d * m, *Vt = sv + m;
  int iters = 0, nt = 0;
  double F, f;
  atomic_store(&pb->interrupt, 0);
  if ((rc = start(&c, A, U, sv, Vt, &iters)) || (rc = s_eval(&c, c.S, &f, NULL)))
    goto done;
  F = f + s_value(&c, c.S) + p->lambda * sumsq(c.L, (size_t)d * k);
  double Fprev = F, LsS = 0;
  if (trace)
    trace[nt] = F;
  nt++;
  double itol = fmax(1e-12, 1e-3 * p->tol); /* inner steps: finer than outer */
  rc = MTL_MAXITER;
  for (int it = 1; it <= p->max_outer; it++) {
    int e = outer_step(&c, p, &LsS, itol, &iters, &F);
    if (e < 0) {
      rc = e;
      goto done;
    }
    if (trace)
      trace[nt] = F;
    nt++;
    double rel = (Fprev - F) / fmax(fabs(F), 1e-300);
    if (p->progress && p->progress(p->progress_ctx, it, F, rel, 0.0)) {
      rc = mtl__err(MTL_ECANCELLED,
                    "gomtl: cancelled by progress callback at iteration %d",
                    it);
      goto done;
    }
    Fprev = F;
    if (rel <= p->tol) {
      rc = MTL_CONVERGED;
      break;
    }
  }
done:
  if (rc >= 0) {
    mtl__gemm(0, 0, d, T, k, 1.0, c.L, d, c.S, k, 0.0, W, d);
    if (Lout)
      memcpy(Lout, c.L, (size_t)d * k * sizeof(double));
    if (Sout)
      memcpy(Sout, c.S, (size_t)k * T * sizeof(double));
    if (ntrace)
      *ntrace = nt;
  }
  free(buf);
  return rc;
}
