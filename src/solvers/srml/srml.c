/*
 * srml.c -- sign-regularized multi-task learning (SRML) and its strict
 * variant (SSML), Bai, Torres, Wang, Zhao, Abad & Vaca, "Sign-Regularized
 * Multi-Task Learning", SDM 2023.
 *
 * Objective (4.3): sum_t loss_t(w_t) + lambda sum_t Omega(w_t)
 *   + c sum_{(s,t) in E} sum_j ReLU(-u_js u_jt),  subject to W = U,
 * solved by non-convex ADMM on the augmented Lagrangian (4.4):
 *   w-step  per task: squared loss solves (a X'X + (2 lambda_r + rho) I) w
 *           = a X'y + rho u - y_dual with a Cholesky factor computed once
 *           (a = the loss scaling: 2 for the paper's ||Xw - y||^2; the
 *           paper's Section 5.3 writes 2(lambda + rho), which does not
 *           follow from (4.4)); logistic loss by damped Newton;
 *   u-step  per feature row, coupled along the sign graph: sweeps of the
 *           exact 1-D minimiser (SRML) or an exact projection on
 *           sign-consistent rows (SSML, dynamic programme on forests);
 *           an L1 Omega enters here as part of the 1-D prox;
 *   dual    y += rho (W - U).
 * The u-step is convex when rho >= c * max degree, because
 * ReLU(-xy) + (x^2 + y^2)/2 = max((x^2 + y^2)/2, (x - y)^2/2) is convex.
 * All workspaces are allocated before the first iteration.
 *
 * Files: this one holds the parameters and their checks, the ADMM loop and
 * the model; srml_ustep.c the sign graph and the u-step, srml_wstep.c the
 * w-step, srml_signs.c the sign patterns and the sign-graph reader.
 */
#include "srml_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void mtl_srml_params_init(mtl_srml_params *p) {
  *p = (mtl_srml_params){.strict = 0,
                         .loss = MTL_LOSS_AUTO,
                         .scaling = MTL_SCALE_DOUBLE_SUM,
                         .omega = MTL_REG_RIDGE,
                         .lambda = 0.1,
                         .c = 1.0,
                         .rho = 1.0,
                         .pairs = NULL,
                         .npairs = 0,
                         .standardize = 1,
                         .max_iter = 2000,
                         .tol_abs = 1e-6,
                         .tol_rel = 1e-5,
                         .u_sweeps = 200,
                         .u_tol = 1e-12,
                         .newton_iter = 50,
                         .newton_tol = 1e-10,
                         .order = 0,
                         .adapt_rho = 20,
                         .record_trace = 1,
                         .progress = NULL,
                         .progress_ctx = NULL,
                         .log = NULL,
                         .log_ctx = NULL};
}

/* ---- the ADMM ------------------------------------------------------------ */

static int check_params(const mtl_dataset *ds, const mtl_srml_params *p) {
  if (!ds)
    return mtl__err(MTL_EINVAL, "srml: dataset is NULL");
  if (mtl_dataset_ntasks(ds) < 1)
    return mtl__err(MTL_EINVAL, "srml: dataset has no task");
  if (p->strict != 0 && p->strict != 1)
    return mtl__err(MTL_EINVAL, "srml: strict = %d must be 0 or 1",
                    p->strict);
  if (p->loss != MTL_LOSS_AUTO && p->loss != MTL_LOSS_SQUARED &&
      p->loss != MTL_LOSS_LOGISTIC)
    return mtl__err(MTL_EUNSUPPORTED,
                    "srml: loss = %d (%s); only auto, squared and logistic",
                    (int)p->loss, mtl_loss_name(p->loss));
  if ((int)p->scaling < MTL_SCALE_SUM ||
      (int)p->scaling > MTL_SCALE_DOUBLE_MEAN)
    return mtl__err(MTL_EINVAL, "srml: scaling = %d is invalid",
                    (int)p->scaling);
  if (p->omega != MTL_REG_RIDGE && p->omega != MTL_REG_L1)
    return mtl__err(MTL_EUNSUPPORTED,
                    "srml: omega = %d (%s); only ridge and l1",
                    (int)p->omega, mtl_reg_name(p->omega));
  if (!(p->lambda >= 0) || !isfinite(p->lambda))
    return mtl__err(MTL_EINVAL, "srml: lambda = %g must be >= 0 and finite",
                    p->lambda);
  if (!(p->c >= 0) || !isfinite(p->c))
    return mtl__err(MTL_EINVAL, "srml: c = %g must be >= 0 and finite",
                    p->c);
  if (!(p->rho > 0) || !isfinite(p->rho))
    return mtl__err(MTL_EINVAL, "srml: rho = %g must be > 0 and finite",
                    p->rho);
  if (p->standardize != 0 && p->standardize != 1)
    return mtl__err(MTL_EINVAL, "srml: standardize = %d must be 0 or 1",
                    p->standardize);
  if (p->max_iter < 1)
    return mtl__err(MTL_EINVAL, "srml: max_iter = %d must be >= 1",
                    p->max_iter);
  if (!(p->tol_abs >= 0) || !isfinite(p->tol_abs))
    return mtl__err(MTL_EINVAL, "srml: tol_abs = %g must be >= 0",
                    p->tol_abs);
  if (!(p->tol_rel >= 0) || !isfinite(p->tol_rel))
    return mtl__err(MTL_EINVAL, "srml: tol_rel = %g must be >= 0",
                    p->tol_rel);
  if (p->u_sweeps < 1)
    return mtl__err(MTL_EINVAL, "srml: u_sweeps = %d must be >= 1",
                    p->u_sweeps);
  if (!(p->u_tol >= 0) || !isfinite(p->u_tol))
    return mtl__err(MTL_EINVAL, "srml: u_tol = %g must be >= 0", p->u_tol);
  if (p->newton_iter < 1)
    return mtl__err(MTL_EINVAL, "srml: newton_iter = %d must be >= 1",
                    p->newton_iter);
  if (!(p->newton_tol > 0) || !isfinite(p->newton_tol))
    return mtl__err(MTL_EINVAL, "srml: newton_tol = %g must be > 0",
                    p->newton_tol);
  if (p->adapt_rho < 0)
    return mtl__err(MTL_EINVAL, "srml: adapt_rho = %d must be >= 0",
                    p->adapt_rho);
  if (p->order != 0 && p->order != 1)
    return mtl__err(MTL_EINVAL, "srml: order = %d must be 0 or 1", p->order);
  if (p->record_trace != 0 && p->record_trace != 1)
    return mtl__err(MTL_EINVAL, "srml: record_trace = %d must be 0 or 1",
                    p->record_trace);
  return MTL_OK;
}

void mtl_srml_result_clear(mtl_srml_result *r) {
  if (!r)
    return;
  free(r->W);
  free(r->b);
  free(r->pairs);
  free(r->trace_obj);
  free(r->trace_primal);
  free(r->trace_dual);
  memset(r, 0, sizeof *r);
}

static void logf_(const mtl_srml_params *p, int level, const char *fmt,
                  double a, double b) {
  if (!p->log)
    return;
  char buf[512];
  snprintf(buf, sizeof buf, fmt, a, b);
  p->log(p->log_ctx, level, buf);
}

/* Objective (4.3) at U in the fitting space (SSML: no sign term; U is
 * feasible there). */
static double objective(mtl__srml_task *tw, const mtl__srml_graph *g,
                        const mtl_srml_params *p, const double *U, int d,
                        mtl__srml_scratch *s) {
  int T = g->T;
  double f = 0;
  for (int t = 0; t < T; t++) {
    const double *u = U + (size_t)t * d;
    f += mtl__srml_task_loss(&tw[t], u, s);
    for (int j = 0; j < d; j++)
      f += p->lambda * (p->omega == MTL_REG_L1 ? fabs(u[j]) : u[j] * u[j]);
  }
  if (!p->strict && p->c > 0)
    for (int e = 0; e < g->E; e++) {
      const double *us = U + (size_t)g->pairs[2 * e] * d;
      const double *ut = U + (size_t)g->pairs[2 * e + 1] * d;
      for (int j = 0; j < d; j++) {
        double m = -us[j] * ut[j];
        if (m > 0)
          f += p->c * m;
      }
    }
  return f;
}

/* All w-steps (tasks are independent given U and Y). */
static int wsteps(mtl__srml_task *tw, int T, int d, double lambda_r,
                  const mtl_srml_params *p, const double *U, const double *Y,
                  mtl__srml_scratch *s, double *Wk, int it) {
  for (int t = 0; t < T; t++) {
    int rc = mtl__srml_w(&tw[t], lambda_r, p->rho, U + (size_t)t * d,
                         Y + (size_t)t * d, p->newton_iter, p->newton_tol, s,
                         Wk + (size_t)t * d);
    if (rc)
      return mtl__err_prefix(rc, "srml: w-step of task %d at iteration %d",
                             t, it + 1);
  }
  return MTL_OK;
}

/* All u-steps: feature rows are independent; v = w + y / rho. */
static void usteps(mtl__srml_graph *g, const mtl_srml_params *p,
                   double lambda_u, const double *Wk, const double *Y,
                   double *vrow, double *urow, int d, double *U) {
  int T = g->T;
  for (int j = 0; j < d; j++) {
    for (int t = 0; t < T; t++) {
      size_t k = (size_t)t * d + j;
      vrow[t] = Wk[k] + Y[k] / p->rho;
      urow[t] = U[k];
    }
    if (p->strict)
      mtl__srml_ssml_row(g, vrow, p->rho, lambda_u, urow);
    else
      mtl__srml_ustep_row(g, vrow, p->rho, lambda_u, p->c, p->u_sweeps,
                          p->u_tol, urow);
    for (int t = 0; t < T; t++)
      U[(size_t)t * d + j] = urow[t];
  }
}

int mtl_srml_fit(const mtl_dataset *ds, const mtl_srml_params *pin,
                 mtl_srml_result *res) {
  if (!res)
    return mtl__err(MTL_EINVAL, "srml: result is NULL");
  memset(res, 0, sizeof *res);
  mtl_srml_params p;
  if (pin)
    p = *pin;
  else
    mtl_srml_params_init(&p);
  int rc = check_params(ds, &p);
  if (rc)
    return rc;
  double t0 = mtl__now();
  int T = mtl_dataset_ntasks(ds), d = mtl_dataset_dim(ds);
  size_t dT = (size_t)d * T;
  mtl__srml_graph g;
  memset(&g, 0, sizeof g);
  rc = mtl__srml_graph_build(T, p.pairs, p.npairs, &g);
  if (rc)
    return rc;
  double *xmean = NULL, *xscale = NULL;
  mtl__srml_task *tw = mtl__calloc((size_t)T, sizeof(mtl__srml_task));
  mtl_loss *losses = mtl__malloc((size_t)T * sizeof(mtl_loss));
  double *ymean = mtl__calloc((size_t)T, sizeof(double));
  double *ysc = mtl__malloc((size_t)T * sizeof(double));
  double *Wk = mtl__calloc(dT, sizeof(double));
  double *U = mtl__calloc(dT, sizeof(double));
  double *Uold = mtl__malloc(dT * sizeof(double));
  double *Y = mtl__calloc(dT, sizeof(double));
  double *vrow = mtl__malloc((size_t)T * sizeof(double));
  double *urow = mtl__malloc((size_t)T * sizeof(double));
  mtl__srml_scratch s;
  memset(&s, 0, sizeof s);
  if (!tw || !losses || !ymean || !ysc || !Wk || !U || !Uold || !Y || !vrow ||
      !urow) {
    rc = MTL_ENOMEM;
    goto done;
  }
  int max_n = 1;
  for (int t = 0; t < T; t++) {
    rc = mtl__srml_resolve_loss(ds, t, p.loss, &losses[t]);
    if (rc)
      goto done;
    int n = mtl_dataset_task_n(ds, t);
    if (n > max_n)
      max_n = n;
  }
  if (p.standardize) {
    /* Per-task centering of X and y is exactly an unpenalized per-task
     * intercept for least squares; one pooled scale per feature (the
     * within-task std) keeps the penalties comparable across features. */
    xmean = mtl__calloc(dT, sizeof(double));
    xscale = mtl__calloc((size_t)d, sizeof(double));
    double *row = mtl__malloc((size_t)d * sizeof(double));
    if (!xmean || !xscale || !row) {
      free(row);
      rc = MTL_ENOMEM;
      goto done;
    }
    long long ntot = 0;
    for (int t = 0; t < T; t++) {
      int n = mtl_dataset_task_n(ds, t);
      double *mu = xmean + (size_t)t * d;
      for (int i = 0; i < n; i++) {
        mtl_dataset_get_row(ds, t, i, row);
        for (int j = 0; j < d; j++)
          mu[j] += row[j];
      }
      for (int j = 0; j < d; j++)
        mu[j] /= n;
      for (int i = 0; i < n; i++) {
        mtl_dataset_get_row(ds, t, i, row);
        for (int j = 0; j < d; j++)
          xscale[j] += (row[j] - mu[j]) * (row[j] - mu[j]);
      }
      ntot += n;
    }
    free(row);
    for (int j = 0; j < d; j++) {
      xscale[j] = sqrt(xscale[j] / (double)ntot);
      if (!(xscale[j] > 1e-12 * (1 + fabs(xmean[j]))))
        xscale[j] = 1; /* constant within every task */
    }
  }
  /* Targets: per-task mean removed, pooled std of the centered targets. */
  double ss = 0;
  long long nreg = 0;
  for (int t = 0; t < T; t++) {
    ysc[t] = 1;
    if (!p.standardize || losses[t] == MTL_LOSS_LOGISTIC ||
        mtl_dataset_task_kind(ds, t) == MTL_TASK_CLASSIFICATION)
      continue;
    int n = mtl_dataset_task_n(ds, t);
    const double *y = mtl_dataset_task_y(ds, t);
    double m = 0;
    for (int i = 0; i < n; i++)
      m += y[i];
    m /= n;
    ymean[t] = m;
    for (int i = 0; i < n; i++)
      ss += (y[i] - m) * (y[i] - m);
    nreg += n;
  }
  double sy = nreg > 0 && ss > 0 ? sqrt(ss / (double)nreg) : 1;
  for (int t = 0; t < T; t++)
    if (p.standardize && mtl_dataset_task_kind(ds, t) != MTL_TASK_CLASSIFICATION
        && losses[t] != MTL_LOSS_LOGISTIC)
      ysc[t] = sy;
  double lambda_r = p.omega == MTL_REG_RIDGE ? p.lambda : 0;
  double lambda_u = p.omega == MTL_REG_L1 ? p.lambda : 0;
  double H = 0;
  for (int t = 0; t < T; t++) {
    int n = mtl_dataset_task_n(ds, t);
    double *X = NULL, *y = mtl__malloc((size_t)n * sizeof(double));
    if (!y) {
      rc = MTL_ENOMEM;
      goto done;
    }
    const double *y0 = mtl_dataset_task_y(ds, t);
    for (int i = 0; i < n; i++)
      y[i] = (y0[i] - ymean[t]) / ysc[t];
    rc = mtl__srml_task_dense(
        ds, t, p.standardize ? xmean + (size_t)t * d : NULL, xscale, &X);
    if (rc) {
      free(y);
      goto done;
    }
    double a = mtl_dataset_task_weight(ds, t) * mtl__scaling_factor(p.scaling, n);
    rc = mtl__srml_task_init(&tw[t], n, d, X, y, losses[t], a, lambda_r, p.rho);
    double Ht = 0;
    if (!rc) {
      /* ||X'X||_2 from the Gram (squared) or from X (logistic). */
      if (losses[t] == MTL_LOSS_LOGISTIC) {
        double *Gt = mtl__malloc((size_t)d * d * sizeof(double));
        if (!Gt)
          rc = MTL_ENOMEM;
        else {
          mtl__gram_rm(n, d, 1.0, X, d, 0.0, Gt);
          rc = mtl__spectral_norm(d, d, Gt, &Ht);
          free(Gt);
        }
        Ht *= 0.25 * a;
      } else {
        rc = mtl__spectral_norm(d, d, tw[t].G, &Ht);
        Ht *= a;
      }
    }
    if (losses[t] != MTL_LOSS_LOGISTIC) {
      free(X);
      free(y);
    }
    if (rc) {
      if (rc == MTL_ENUMERIC)
        rc = mtl__err(MTL_ENUMERIC, "srml: task %d: the w-step matrix is "
                      "not positive definite", t);
      goto done;
    }
    if (Ht > H)
      H = Ht;
  }
  rc = mtl__srml_scratch_alloc(&s, max_n, d);
  if (rc)
    goto done;
  res->d = d;
  res->T = T;
  res->H = H;
  res->npairs = g.E;
  res->pairs = mtl__malloc((size_t)(2 * g.E + 1) * sizeof(int));
  res->W = mtl__malloc(dT * sizeof(double));
  res->b = mtl__calloc((size_t)T, sizeof(double));
  if (p.record_trace) {
    res->trace_obj = mtl__malloc((size_t)p.max_iter * sizeof(double));
    res->trace_primal = mtl__malloc((size_t)p.max_iter * sizeof(double));
    res->trace_dual = mtl__malloc((size_t)p.max_iter * sizeof(double));
  }
  if (!res->pairs || !res->W || !res->b ||
      (p.record_trace &&
       (!res->trace_obj || !res->trace_primal || !res->trace_dual))) {
    rc = MTL_ENOMEM;
    goto done;
  }
  memcpy(res->pairs, g.pairs, (size_t)(2 * g.E) * sizeof(int));
  res->u_convex = p.strict ? g.forest : (p.rho >= p.c * g.maxdeg);
  if (p.rho <= 2 * H)
    logf_(&p, 1,
          "srml: rho = %g is below 2H = %g (Theorem 5.2's sufficient "
          "condition); kept as given",
          p.rho, 2 * H);
  if (!p.strict && !res->u_convex)
    logf_(&p, 1,
          "srml: rho = %g < c * max degree = %g: the u-step is non-convex; "
          "its sweeps return a coordinate-wise minimum",
          p.rho, p.c * g.maxdeg);
  if (p.strict && !g.forest)
    logf_(&p, 1,
          "ssml: the sign graph has a cycle (%g edges, %g tasks): the "
          "projection is feasible but not certified exact",
          (double)g.E, (double)T);

  /* ADMM (Boyd et al. 2011, Section 3.3 stopping rule). */
  double prev_obj = NAN;
  int nadapt = 0;
  double r_mark = INFINITY;
  int status = MTL_MAXITER, it;
  double r = 0, sd = 0, obj = 0;
  for (it = 0; it < p.max_iter; it++) {
    /* Uold keeps the block updated second, for the dual residual. */
    if (p.order == 0) {
      rc = wsteps(tw, T, d, lambda_r, &p, U, Y, &s, Wk, it);
      if (rc)
        goto done;
      memcpy(Uold, U, dT * sizeof(double));
      usteps(&g, &p, lambda_u, Wk, Y, vrow, urow, d, U);
    } else {
      usteps(&g, &p, lambda_u, Wk, Y, vrow, urow, d, U);
      memcpy(Uold, Wk, dT * sizeof(double));
      rc = wsteps(tw, T, d, lambda_r, &p, U, Y, &s, Wk, it);
      if (rc)
        goto done;
    }
    const double *second = p.order == 0 ? U : Wk;
    double nw = 0, nu = 0, ny = 0, r2 = 0, s2 = 0;
    for (size_t k = 0; k < dT; k++) {
      double dr = Wk[k] - U[k], du = second[k] - Uold[k];
      Y[k] += p.rho * dr;
      r2 += dr * dr;
      s2 += du * du;
      nw += Wk[k] * Wk[k];
      nu += U[k] * U[k];
      ny += Y[k] * Y[k];
    }
    r = sqrt(r2);
    sd = p.rho * sqrt(s2);
    obj = objective(tw, &g, &p, U, d, &s);
    if (!isfinite(obj) || !isfinite(r)) {
      rc = mtl__err(MTL_ENUMERIC,
                    "srml: objective %g / primal residual %g not finite at "
                    "iteration %d (rho = %g)",
                    obj, r, it + 1, p.rho);
      goto done;
    }
    if (p.record_trace) {
      res->trace_obj[it] = obj;
      res->trace_primal[it] = r;
      res->trace_dual[it] = sd;
    }
    double rel = isnan(prev_obj) ? 1
                                 : fabs(obj - prev_obj) /
                                       (fabs(obj) > 1 ? fabs(obj) : 1);
    prev_obj = obj;
    res->iterations = it + 1;
    if (p.progress && p.progress(p.progress_ctx, it + 1, obj, rel, r)) {
      rc = mtl__err(MTL_ECANCELLED, "srml: cancelled by the progress "
                    "callback at iteration %d", it + 1);
      break;
    }
    double sq = sqrt((double)dT);
    double eps_pri = sq * p.tol_abs + p.tol_rel * (nw > nu ? sqrt(nw)
                                                           : sqrt(nu));
    double eps_dual = sq * p.tol_abs + p.tol_rel * sqrt(ny);
    if ((p.tol_abs > 0 || p.tol_rel > 0) && r <= eps_pri && sd <= eps_dual) {
      status = MTL_CONVERGED;
      break;
    }
    /* Continuation: when ||W - U|| has not halved over 50 iterations, rho
     * doubles (at most adapt_rho times).  Y is the unscaled dual, so it
     * needs no rescaling; only the squared-loss factors depend on rho. */
    int stalled = 0;
    if ((it + 1) % 50 == 0) {
      stalled = r > eps_pri && r > 0.5 * r_mark;
      r_mark = r;
    }
    if (p.adapt_rho && nadapt < p.adapt_rho && stalled) {
      p.rho *= 2;
      nadapt++;
      for (int t = 0; t < T && !rc; t++)
        if (tw[t].G) {
          size_t dd = (size_t)d * d;
          for (size_t k = 0; k < dd; k++)
            tw[t].F[k] = tw[t].a * tw[t].G[k];
          for (int j = 0; j < d; j++)
            tw[t].F[(size_t)j * d + j] += 2 * lambda_r + p.rho;
          rc = mtl__potrf(d, tw[t].F);
        }
      if (rc)
        goto done;
    }
  }
  res->status = status;
  res->rho = p.rho;
  if (!p.strict)
    res->u_convex = p.rho >= p.c * g.maxdeg;
  res->objective = obj;
  res->primal_res = r;
  res->dual_res = sd;
  /* Back to raw features: W_raw = ysc U / scale, b = ymean - mean'W_raw. */
  for (int t = 0; t < T; t++) {
    double bt = ymean[t];
    for (int j = 0; j < d; j++) {
      size_t k = (size_t)t * d + j;
      double w = U[k] * ysc[t];
      if (p.standardize) {
        w /= xscale[j];
        bt -= xmean[(size_t)t * d + j] * w;
      }
      res->W[k] = w;
    }
    res->b[t] = bt;
  }
  int viol = 0;
  for (int e = 0; e < g.E; e++)
    for (int j = 0; j < d; j++)
      if (res->W[(size_t)g.pairs[2 * e] * d + j] *
              res->W[(size_t)g.pairs[2 * e + 1] * d + j] <
          0)
        viol++;
  res->sign_violations = viol;
  res->seconds = mtl__now() - t0;
  if (rc == MTL_OK)
    rc = status;
done:
  if (rc < 0 && rc != MTL_ECANCELLED)
    mtl_srml_result_clear(res);
  if (tw)
    for (int t = 0; t < T; t++)
      mtl__srml_task_clear(&tw[t]);
  free(tw);
  free(losses);
  free(ymean);
  free(ysc);
  free(Wk);
  free(U);
  free(Uold);
  free(Y);
  free(vrow);
  free(urow);
  mtl__srml_scratch_clear(&s);
  free(xmean);
  free(xscale);
  mtl__srml_graph_clear(&g);
  return rc;
}

/* ---- model --------------------------------------------------------------- */

int mtl_srml_to_model(const mtl_srml_result *res, const mtl_srml_params *p,
                      const mtl_dataset *ds, mtl_model **out) {
  if (!res || !res->W || !res->b || !ds || !out)
    return mtl__err(MTL_EINVAL, "srml model: NULL or empty argument");
  *out = NULL;
  mtl_srml_params dp;
  if (!p) {
    mtl_srml_params_init(&dp);
    p = &dp;
  }
  int d = res->d, T = res->T;
  if (mtl_dataset_ntasks(ds) != T || mtl_dataset_dim(ds) != d)
    return mtl__err(MTL_EDIM,
                    "srml model: dataset has %d tasks, %d features; result "
                    "has %d, %d",
                    mtl_dataset_ntasks(ds), mtl_dataset_dim(ds), T, d);
  int rc = MTL_OK;
  double *Wm = mtl__malloc((size_t)(d + 1) * T * sizeof(double));
  int *tl = mtl__malloc((size_t)T * sizeof(int));
  double *Gm = mtl__malloc((size_t)(2 * res->npairs + 1) * sizeof(double));
  mtl_model *m = NULL;
  if (!Wm || !tl || !Gm) {
    rc = MTL_ENOMEM;
    goto done;
  }
  for (int t = 0; t < T; t++) {
    memcpy(Wm + (size_t)t * (d + 1), res->W + (size_t)t * d,
           (size_t)d * sizeof(double));
    Wm[(size_t)t * (d + 1) + d] = res->b[t];
    mtl_loss l;
    rc = mtl__srml_resolve_loss(ds, t, p->loss, &l);
    if (rc)
      goto done;
    tl[t] = l;
  }
  mtl_problem_params pp;
  mtl_problem_params_init(&pp);
  pp.task_loss = tl;
  pp.loss = (mtl_loss)tl[0];
  pp.scaling = p->scaling;
  pp.reg.type = p->omega;
  pp.reg.lambda = p->lambda;
  pp.unpenalized_last = 1;
  mtl_scaler sc = {.d = d, .standardize = 0, .bias = 1, .mean = NULL,
                   .scale = NULL};
  m = mtl_model_create(d + 1, T, Wm, &pp, &sc);
  if (!m) {
    rc = MTL_ENOMEM;
    goto done;
  }
  char buf[64];
  rc = mtl_model_set_meta(m, "method", p->strict ? "ssml" : "srml");
  if (!rc)
    rc = mtl_model_set_meta(m, "omega", mtl_reg_name(p->omega));
  snprintf(buf, sizeof buf, "%.17g", p->lambda);
  if (!rc)
    rc = mtl_model_set_meta(m, "lambda", buf);
  snprintf(buf, sizeof buf, "%.17g", p->c);
  if (!rc && !p->strict)
    rc = mtl_model_set_meta(m, "c", buf);
  snprintf(buf, sizeof buf, "%.17g", p->rho);
  if (!rc)
    rc = mtl_model_set_meta(m, "rho", buf);
  if (!rc)
    rc = mtl_model_set_meta(m, "scaling", mtl_scaling_name(p->scaling));
  if (!rc)
    rc = mtl_model_set_meta(m, "sign_graph", p->pairs ? "pairs" : "chain");
  for (int e = 0; e < 2 * res->npairs; e++)
    Gm[e] = res->pairs[e];
  if (!rc && res->npairs > 0)
    rc = mtl_model_set_matrix(m, "sign_graph", 2, res->npairs, Gm);
done:
  free(Wm);
  free(tl);
  free(Gm);
  if (rc && m) {
    mtl_model_free(m);
    m = NULL;
  }
  *out = m;
  return rc;
}
