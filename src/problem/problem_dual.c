/*
 * problem_dual.c -- lambda_max of the regularized MTL problem (the bias fit
 * of an unpenalized last feature by the kernel of apg.c) and the optimality
 * certificate: the duality gap where a closed-form dual exists (squared
 * loss with a norm regularizer; the logistic loss's is in
 * problem_dual_logit.c), the proximal fixed-point residual always.
 */
#include "problem.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Proximal map of an infinite penalty on the penalized rows: those rows
 * zero, the unpenalized last row copied (the bias fit of lambda_max). */
static int zero_rows_prox(void *ctx, double step, const double *V,
                          double *out, double *gout) {
  (void)gout;
  const mtl_problem *pb = ctx;
  int d = pb->d;
  (void)step;
  for (int t = 0; t < pb->T; t++) {
    double last = V[(size_t)t * d + d - 1];
    memset(out + (size_t)t * d, 0, (size_t)pb->d_pen * sizeof(double));
    out[(size_t)t * d + d - 1] = last;
  }
  return MTL_OK;
}

static int loss_cb(void *ctx, const double *W, double *f, double *grad) {
  return mtl__problem_loss_stats(ctx, W, f, grad, 0);
}

/* W (zero in) = the best fit of the unpenalized last row alone, every
 * penalized row zero as an infinite lambda forces, by the proximal-gradient
 * kernel with mtl_solve's FISTA rules and a residual stop. */
static int bias_fit(mtl_problem *pb, double *W) {
  mtl__apg_opts o;
  mtl__apg_opts_init(&o);
  o.L0 = pb->L / 16;
  o.shrink = 0.9;
  o.noise = 1e-12;
  o.max_iter = 100000;
  o.tol_res = 1e-13;
  o.who = "lambda_max: bias fit";
  int rc = mtl__apg((size_t)pb->d * pb->T, W, loss_cb, zero_rows_prox, NULL,
                    pb, &o, NULL);
  return rc < 0 ? rc : MTL_OK;
}

int mtl_problem_lambda_max(mtl_problem *pb, double *lambda_max) {
  if (!pb || !lambda_max)
    return mtl__err(MTL_EINVAL, "mtl_problem_lambda_max: NULL argument");
  size_t dT = (size_t)pb->d * pb->T;
  double *W = mtl__calloc(dT, sizeof(double));
  double *G = mtl__malloc(dT * sizeof(double));
  double f;
  int rc = MTL_ENOMEM;
  if (!W || !G)
    goto done;
  if (pb->d_pen < pb->d && mtl__reg_is_norm(pb->p.reg.type)) {
    rc = bias_fit(pb, W);
    if (rc)
      goto done;
  }
  rc = mtl__problem_loss_stats(pb, W, &f, G, 0);
  if (rc)
    goto done;
  mtl__problem_pack_rows(pb, G, W); /* W reused as packed buffer */
  rc = mtl__reg_lambda_max(&pb->p.reg, W, pb->d_pen, pb->T, lambda_max);
done:
  free(W);
  free(G);
  return rc;
}

/* ---- certificate ----------------------------------------------------------- */

int mtl__problem_squared_only(const mtl_problem *pb) {
  for (int t = 0; t < pb->T; t++)
    if (pb->task_loss[t] != MTL_LOSS_SQUARED)
      return 0;
  return 1;
}

int mtl__problem_has_dual(const mtl_problem *pb) {
  return mtl__reg_is_norm(pb->p.reg.type) &&
         (mtl__problem_squared_only(pb) || mtl__problem_logistic_only(pb));
}

/* Dual feasibility of M for the infimal convolution of the norms
 * lambda_i g_i (ridge 0): its dual norm is max_i ||M||_{i*} / lambda_i, so
 * s = min(1, min_i lambda_i / ||M||_{i*}).  One regularizer: with its
 * ridge (mtl__reg_dual_conj). */
static int dual_scale(const mtl_reg *regs, int nreg, const double *M, int d,
                      int T, double *s, double *hstar) {
  if (nreg == 1)
    return mtl__reg_dual_conj(&regs[0], M, d, T, s, hstar);
  *s = 1.0;
  *hstar = 0.0;
  for (int i = 0; i < nreg; i++) {
    double dn;
    if (regs[i].ridge != 0)
      return mtl__err(MTL_EUNSUPPORTED, "duality gap: a sum of %d norms "
                                        "with a ridge term",
                      nreg);
    int rc = mtl_reg_dual_norm(&regs[i], M, d, T, &dn);
    if (rc)
      return rc;
    if (dn > regs[i].lambda)
      *s = fmin(*s, regs[i].lambda / dn);
  }
  return MTL_OK;
}

int mtl__problem_dual_scale(const mtl_reg *regs, int nreg, const double *M,
                            int d, int T, double *s, double *hstar) {
  return dual_scale(regs, nreg, M, d, T, s, hstar);
}

int mtl__problem_dual(mtl_problem *pb, const double *G, const mtl_reg *regs,
                      int nreg, double *D) {
  /* Dual point theta_t = s a_t (r_t - alpha_t z_t), r_t = y_t - X_t w_t,
   * where alpha_t = z_t'r_t / z_t'z_t projects out the unpenalized last
   * feature z_t (alpha = 0 when every row is penalized).  Then
   * X_t'theta_t = s (-grad_t - a_t alpha_t X_t'z_t), whose last entry is
   * 0 as the unpenalized row's conjugate demands, and
   *   theta'y = s a (y'r - alpha z'y),
   *   ||theta||^2 = s^2 a^2 (r'r - alpha z'r). */
  int d = pb->d, dp = pb->d_pen;
  double *P = mtl__malloc((size_t)d * pb->T * sizeof(double));
  if (!P)
    return MTL_ENOMEM;
  double *alpha = pb->task_f; /* reused: per-task scratch */
  for (int t = 0; t < pb->T; t++) {
    double a = pb->scale[t], al = 0;
    const double *g = G + (size_t)t * d;
    if (dp < d && pb->zz[t] > 0)
      al = (-g[d - 1] / a) / pb->zz[t];
    alpha[t] = al;
    for (int j = 0; j < d; j++)
      P[j + (size_t)t * d] =
          -g[j] - (dp < d ? a * al * pb->gz[j + (size_t)t * d] : 0.0);
  }
  mtl__problem_pack_rows(pb, P, P); /* penalized rows, in place (forward copy) */
  double s, hstar;
  int rc = dual_scale(regs, nreg, P, dp, pb->T, &s, &hstar);
  free(P);
  if (rc)
    return rc;
  double v = -hstar;
  for (int t = 0; t < pb->T; t++) {
    double a = pb->scale[t], al = alpha[t];
    double zr = dp < d ? -G[(size_t)t * d + d - 1] / a : 0.0;
    double ty_ = pb->task_yr[t] - (dp < d ? al * pb->zy[t] : 0.0);
    double tt = pb->task_rr[t] - al * zr;
    v += a * s * ty_ - 0.5 * a * s * s * tt;
  }
  *D = v;
  return MTL_OK;
}

/* ---- the Newton dual point ------------------------------------------------ */

/* Limits of the per-task pseudo-inverse cache: d at most NEWTON_MAX_D, the
 * blocks at most NEWTON_MAX_DOUBLES doubles (64 MB), their d^3 work at most
 * NEWTON_MAX_GRADS gradient evaluations. */
#define NEWTON_MAX_D 256
#define NEWTON_MAX_DOUBLES ((size_t)1 << 23)
#define NEWTON_MAX_GRADS 50.0

/* 1 if task t's X_t'X_t is the previous task's (a shared Gram matrix or a
 * shared design with the same sample weights). */
static int same_design(const mtl_problem *pb, int t) {
  if (t == 0 || pb->dual_idx[t - 1] < 0)
    return 0;
  if (pb->use_gram[t])
    return pb->use_gram[t - 1] && pb->G[t] == pb->G[t - 1];
  const mtl__task *a = &pb->ds->tasks[t], *b = &pb->ds->tasks[t - 1];
  if (pb->use_gram[t - 1] || a->X != b->X || a->n != b->n)
    return 0;
  if (!a->sw || !b->sw) /* X'SX: the same sample weights too */
    return !a->sw && !b->sw;
  return a->sw == b->sw ||
         memcmp(a->sw, b->sw, (size_t)a->n * sizeof(double)) == 0;
}

/* Builds pb->dual_idx / dual_blk once: for each squared-loss task with a
 * Gram matrix or a dense X, H = X_t'X_t and its pseudo-inverse (relative
 * cutoff 1e-12), one block per distinct design.  1 if available. */
int mtl__problem_newton_cache(mtl_problem *pb) {
  if (pb->dual_state)
    return pb->dual_state > 0;
  pb->dual_state = -1;
  int d = pb->d, T = pb->T, nb = 0;
  size_t dd = (size_t)d * d;
  if (d > NEWTON_MAX_D || !(pb->dual_idx = mtl__malloc((size_t)T *
                                                       sizeof(int))))
    return 0;
  for (int t = 0; t < T; t++) {
    pb->dual_idx[t] = -1;
    if (pb->task_loss[t] != MTL_LOSS_SQUARED ||
        (!pb->use_gram[t] && !pb->ds->tasks[t].X))
      continue;
    pb->dual_idx[t] = same_design(pb, t) ? pb->dual_idx[t - 1] : nb++;
  }
  /* the blocks' factorizations (and each Newton step, of the same order)
   * must cost at most NEWTON_MAX_GRADS loss+gradient evaluations: worth it
   * where first-order methods need thousands of iterations (School: d =
   * 28, about 4 evaluations), not on wide data (d = 100, n_t = 40: ~300) */
  double grad = 0;
  for (int t = 0; t < T; t++)
    grad += pb->use_gram[t] ? (double)dd : (double)pb->ds->tasks[t].n * d;
  if ((double)nb * dd * d > NEWTON_MAX_GRADS * grad)
    return 0;
  if (nb == 0 || (size_t)nb * 2 * dd > NEWTON_MAX_DOUBLES ||
      !(pb->dual_blk = mtl__malloc((size_t)nb * 2 * dd * sizeof(double))))
    return 0;
  for (int t = 0, done = 0; t < T; t++) {
    int k = pb->dual_idx[t];
    if (k < done)
      continue;
    double *P = pb->dual_blk + (size_t)k * 2 * dd, *H = P + dd;
    const mtl__task *tk = &pb->ds->tasks[t];
    if (pb->use_gram[t]) {
      memcpy(H, pb->G[t], dd * sizeof(double));
    } else if (tk->sw) { /* X'SX: the rows scaled by sqrt(s_i) */
      double *Xs = mtl__malloc((size_t)tk->n * d * sizeof(double));
      if (!Xs)
        return 0;
      for (int i = 0; i < tk->n; i++)
        for (int j = 0; j < d; j++)
          Xs[(size_t)i * d + j] = sqrt(tk->sw[i]) * tk->X[(size_t)i * d + j];
      mtl__gram_rm(tk->n, d, 1.0, Xs, d, 0.0, H);
      free(Xs);
    } else {
      mtl__gram_rm(tk->n, d, 1.0, tk->X, d, 0.0, H);
    }
    if (mtl__pinv_sym(d, H, 1e-12, P))
      return 0;
    done = k + 1;
  }
  pb->dual_state = 1;
  return 1;
}

/* Statistics of theta_t = r_t + X_t u_t - alpha_t z_t for one task:
 * *ty = theta'y, *tt = theta'theta, M = a X_t'theta (d).  H, b: X_t'X_t
 * (NULL: u = 0) and X_t'y_t; g: the loss gradient of the task. */
static void newton_task(const mtl_problem *pb, int t, const double *u,
                        const double *H, const double *b, const double *g,
                        double *ty, double *tt, double *M) {
  int d = pb->d;
  double a = pb->scale[t], ug = 0;
  if (H) /* M = H u (u = 0 without H) */
    mtl__gemv(0, d, d, 1.0, H, d, u, 0.0, M);
  else
    memset(M, 0, (size_t)d * sizeof(double));
  for (int j = 0; j < d; j++)
    ug += u[j] * g[j];
  *ty = pb->task_yr[t] + mtl__dot(d, u, b);
  *tt = pb->task_rr[t] - 2 * ug / a + mtl__dot(d, u, M);
  for (int j = 0; j < d; j++)
    M[j] = a * M[j] - g[j];
  if (pb->d_pen < d && pb->zz[t] > 0) {
    const double *gz = pb->gz + (size_t)t * d;
    double zt = -g[d - 1] / a + mtl__dot(d, gz, u), al = zt / pb->zz[t];
    *ty -= al * pb->zy[t];
    *tt -= al * zt;
    for (int j = 0; j < d; j++)
      M[j] -= a * al * gz[j];
  }
}

/* b = X_t'S_t y_t (S_t the sample weights, 1 without) */
static int task_xty(const mtl_problem *pb, int t, double *b) {
  const mtl__task *tk = &pb->ds->tasks[t];
  if (!tk->sw) {
    mtl__task_matvec_t(pb->ds, t, 1.0, tk->y, b);
    return MTL_OK;
  }
  double *sy = mtl__malloc((size_t)tk->n * sizeof(double));
  if (!sy)
    return MTL_ENOMEM;
  for (int i = 0; i < tk->n; i++)
    sy[i] = tk->sw[i] * tk->y[i];
  mtl__task_matvec_t(pb->ds, t, 1.0, sy, b);
  free(sy);
  return MTL_OK;
}

/* The dual objective at theta_t = r_t + X_t u_t (bias projected as in
 * mtl__problem_dual) with u_t = pinv(X_t'X_t) (Q_t + g_t) / a_t, Q = a
 * subgradient of the penalty at W (mtl__reg_subgrad, 0 on the
 * unpenalized row), then scaled to feasibility.  Then a_t X_t'theta_t =
 * Q_t wherever the solve is exact: theta is the residual at the Newton
 * point W + U of the loss with the subgradient frozen, and the gap is the
 * suboptimality of W up to second-order terms, where the rescaled residual
 * of W alone is off by the (large, on badly scaled data) gradient error.
 * -INFINITY where unavailable (no cache, a penalty without subgradient). */
static int newton_dual(mtl_problem *pb, const double *W, const double *G,
                       double *D) {
  *D = -INFINITY;
  int d = pb->d, dp = pb->d_pen, T = pb->T;
  mtl_reg_type rt = pb->p.reg.type;
  if ((rt != MTL_REG_L1 && rt != MTL_REG_L21 && rt != MTL_REG_TRACE) ||
      !mtl__problem_newton_cache(pb))
    return MTL_OK;
  size_t dT = (size_t)d * T;
  double *Q = mtl__malloc((3 * dT + 2 * (size_t)d + (size_t)T) *
                          sizeof(double));
  if (!Q)
    return MTL_ENOMEM;
  double *M = Q + dT, *A = M + dT, *u = A + dT, *b = u + d, *tt = b + d;
  double *ty = pb->task_f; /* per-task scratch (as mtl__problem_dual) */
  for (size_t k = 0; k < dT; k++)
    M[k] = -G[k];
  mtl__problem_pack_rows(pb, W, A);
  mtl__problem_pack_rows(pb, M, M);
  int rc = mtl__reg_subgrad(&pb->p.reg, A, M, dp, T, Q);
  if (rc)
    goto done;
  for (int t = T - 1; t >= 0; t--) /* unpack Q (backward), last rows 0 */
    for (int j = d - 1; j >= 0; j--)
      Q[j + (size_t)t * d] = j < dp ? Q[j + (size_t)t * dp] : 0.0;
  for (int t = 0; t < T; t++) {
    const double *g = G + (size_t)t * d, *H = NULL;
    double a = pb->scale[t];
    int k = pb->dual_idx[t];
    memset(u, 0, (size_t)d * sizeof(double));
    memset(b, 0, (size_t)d * sizeof(double));
    if (k >= 0) {
      const double *P = pb->dual_blk + (size_t)k * 2 * d * d;
      H = P + (size_t)d * d;
      for (int j = 0; j < d; j++)
        A[j] = (Q[j + (size_t)t * d] + g[j]) / a;
      mtl__gemv(0, d, d, 1.0, P, d, A, 0.0, u);
      if (pb->use_gram[t])
        memcpy(b, pb->b[t], (size_t)d * sizeof(double));
      else if ((rc = task_xty(pb, t, b)))
        goto done;
    }
    newton_task(pb, t, u, H, b, g, &ty[t], &tt[t], M + (size_t)t * d);
  }
  mtl__problem_pack_rows(pb, M, M);
  double s, hstar;
  rc = dual_scale(&pb->p.reg, 1, M, dp, T, &s, &hstar);
  if (rc)
    goto done;
  double v = -hstar;
  for (int t = 0; t < T; t++)
    v += pb->scale[t] * (s * ty[t] - 0.5 * s * s * tt[t]);
  *D = v;
done:
  free(Q);
  return rc;
}

int mtl_problem_certificate(mtl_problem *pb, const double *W,
                            mtl_certificate *cert) {
  if (!pb || !W || !cert)
    return mtl__err(MTL_EINVAL, "mtl_problem_certificate: NULL argument");
  size_t dT = (size_t)pb->d * pb->T;
  double *G = mtl__malloc(dT * sizeof(double));
  double *P = mtl__malloc(dT * sizeof(double));
  int rc = G && P ? mtl__problem_certificate_buf(pb, W, cert, G, P)
                  : MTL_ENOMEM;
  free(G);
  free(P);
  return rc;
}

int mtl__problem_certificate_buf(mtl_problem *pb, const double *W,
                                 mtl_certificate *cert, double *G,
                                 double *P) {
  size_t dT = (size_t)pb->d * pb->T;
  double f;
  int rc = mtl__problem_loss_stats(pb, W, &f, G, 1);
  if (rc)
    return rc;
  cert->primal = f + mtl__problem_reg_value(pb, W);
  /* residual: L ||W - prox_{1/L}(W - G/L)|| */
  double L = pb->L;
  for (size_t k = 0; k < dT; k++)
    P[k] = W[k] - G[k] / L;
  rc = mtl__problem_prox(pb, 1.0 / L, P, P);
  if (rc)
    return rc;
  double res = 0;
  for (size_t k = 0; k < dT; k++)
    res += (W[k] - P[k]) * (W[k] - P[k]);
  cert->residual = L * sqrt(res);
  cert->dual = NAN;
  cert->gap = NAN;
  if (mtl__problem_has_dual(pb) && !mtl__problem_squared_only(pb)) {
    rc = mtl__problem_dual_logit(pb, W, &pb->p.reg, 1, &cert->dual);
    if (rc)
      return rc;
    cert->dual = fmin(cert->dual, cert->primal); /* rounding, as below */
    cert->gap = cert->primal - cert->dual;
  } else if (mtl__problem_has_dual(pb)) {
    rc = mtl__problem_dual(pb, G, &pb->p.reg, 1, &cert->dual);
    double dn;
    if (!rc)
      rc = newton_dual(pb, W, G, &dn);
    if (rc)
      return rc;
    if (dn > cert->dual)
      cert->dual = dn;
    /* a dual objective above the primal is rounding (F* lies between) */
    if (cert->dual > cert->primal)
      cert->dual = cert->primal;
    cert->gap = cert->primal - cert->dual;
  }
  return MTL_OK;
}
