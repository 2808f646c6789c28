/*
 * problem_dual.c -- lambda_max of the regularized MTL problem (the bias fit
 * of an unpenalized last feature by the kernel of apg.c) and the optimality
 * certificate: the duality gap where a closed-form dual exists (squared
 * loss with a norm regularizer), the proximal fixed-point residual always.
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
  return mtl__reg_is_norm(pb->p.reg.type) && mtl__problem_squared_only(pb);
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

int mtl_problem_certificate(mtl_problem *pb, const double *W,
                            mtl_certificate *cert) {
  if (!pb || !W || !cert)
    return mtl__err(MTL_EINVAL, "mtl_problem_certificate: NULL argument");
  size_t dT = (size_t)pb->d * pb->T;
  double *G = mtl__malloc(dT * sizeof(double));
  double *P = mtl__malloc(dT * sizeof(double));
  double f;
  int rc = MTL_ENOMEM;
  if (!G || !P)
    goto done;
  rc = mtl__problem_loss_stats(pb, W, &f, G, 1);
  if (rc)
    goto done;
  cert->primal = f + mtl__problem_reg_value(pb, W);
  /* residual: L ||W - prox_{1/L}(W - G/L)|| */
  double L = pb->L;
  for (size_t k = 0; k < dT; k++)
    P[k] = W[k] - G[k] / L;
  rc = mtl__problem_prox(pb, 1.0 / L, P, P);
  if (rc)
    goto done;
  double res = 0;
  for (size_t k = 0; k < dT; k++)
    res += (W[k] - P[k]) * (W[k] - P[k]);
  cert->residual = L * sqrt(res);
  cert->dual = NAN;
  cert->gap = NAN;
  if (mtl__problem_has_dual(pb)) {
    rc = mtl__problem_dual(pb, G, &pb->p.reg, 1, &cert->dual);
    if (rc)
      goto done;
    cert->gap = cert->primal - cert->dual;
  }
  rc = MTL_OK;
done:
  free(G);
  free(P);
  return rc;
}
