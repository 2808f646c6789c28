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

/* Everything one fit holds, in the fitting space (standardized features
 * and targets). */
typedef struct fit {
  mtl_srml_params p;         /* copy; p.rho grows with adapt_rho */
  const mtl_dataset *ds;
  int T, d, max_n;
  size_t dT;
  mtl__srml_graph g;
  mtl__srml_task *tw;        /* T */
  mtl_loss *losses;          /* T, resolved */
  double *xmean, *xscale;    /* d x T and d (standardize only) */
  double *ymean, *ysc;       /* T */
  double *Wk, *U, *Uold, *Y; /* d x T each */
  double *vrow, *urow;       /* T */
  mtl__srml_scratch s;
  double lambda_r, lambda_u; /* ridge (w-step) and L1 (u-step) weights */
  double H;                  /* largest curvature bound of a task loss */
} fit;

static void fit_clear(fit *f) {
  if (f->tw)
    for (int t = 0; t < f->T; t++)
      mtl__srml_task_clear(&f->tw[t]);
  free(f->tw);
  free(f->losses);
  free(f->ymean);
  free(f->ysc);
  free(f->Wk);
  free(f->U);
  free(f->Uold);
  free(f->Y);
  free(f->vrow);
  free(f->urow);
  mtl__srml_scratch_clear(&f->s);
  free(f->xmean);
  free(f->xscale);
  mtl__srml_graph_clear(&f->g);
}

/* Allocates the iterates and resolves every task's loss. */
static int fit_alloc(fit *f) {
  int T = f->T;
  size_t dT = f->dT;
  f->tw = mtl__calloc((size_t)T, sizeof(mtl__srml_task));
  f->losses = mtl__malloc((size_t)T * sizeof(mtl_loss));
  f->ymean = mtl__calloc((size_t)T, sizeof(double));
  f->ysc = mtl__malloc((size_t)T * sizeof(double));
  f->Wk = mtl__calloc(dT, sizeof(double));
  f->U = mtl__calloc(dT, sizeof(double));
  f->Uold = mtl__malloc(dT * sizeof(double));
  f->Y = mtl__calloc(dT, sizeof(double));
  f->vrow = mtl__malloc((size_t)T * sizeof(double));
  f->urow = mtl__malloc((size_t)T * sizeof(double));
  if (!f->tw || !f->losses || !f->ymean || !f->ysc || !f->Wk || !f->U ||
      !f->Uold || !f->Y || !f->vrow || !f->urow)
    return MTL_ENOMEM;
  f->max_n = 1;
  for (int t = 0; t < T; t++) {
    int rc = mtl__srml_resolve_loss(f->ds, t, f->p.loss, &f->losses[t]);
    if (rc)
      return rc;
    int n = mtl_dataset_task_n(f->ds, t);
    if (n > f->max_n)
      f->max_n = n;
  }
  return MTL_OK;
}

/* Per-task centering of X and y is exactly an unpenalized per-task
 * intercept for least squares; one pooled scale per feature (the
 * within-task std) keeps the penalties comparable across features. */
static int fit_scale_x(fit *f) {
  const mtl_dataset *ds = f->ds;
  int T = f->T, d = f->d;
  f->xmean = mtl__calloc(f->dT, sizeof(double));
  f->xscale = mtl__calloc((size_t)d, sizeof(double));
  double *row = mtl__malloc((size_t)d * sizeof(double));
  double *xmean = f->xmean, *xscale = f->xscale;
  if (!xmean || !xscale || !row) {
    free(row);
    return MTL_ENOMEM;
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
  return MTL_OK;
}

/* Targets: per-task mean removed, pooled std of the centered targets. */
static void fit_scale_y(fit *f) {
  const mtl_dataset *ds = f->ds;
  int T = f->T, standardize = f->p.standardize;
  double ss = 0;
  long long nreg = 0;
  for (int t = 0; t < T; t++) {
    f->ysc[t] = 1;
    if (!standardize || f->losses[t] == MTL_LOSS_LOGISTIC ||
        mtl_dataset_task_kind(ds, t) == MTL_TASK_CLASSIFICATION)
      continue;
    int n = mtl_dataset_task_n(ds, t);
    const double *y = mtl_dataset_task_y(ds, t);
    double m = 0;
    for (int i = 0; i < n; i++)
      m += y[i];
    m /= n;
    f->ymean[t] = m;
    for (int i = 0; i < n; i++)
      ss += (y[i] - m) * (y[i] - m);
    nreg += n;
  }
  double sy = nreg > 0 && ss > 0 ? sqrt(ss / (double)nreg) : 1;
  for (int t = 0; t < T; t++)
    if (standardize && mtl_dataset_task_kind(ds, t) != MTL_TASK_CLASSIFICATION
        && f->losses[t] != MTL_LOSS_LOGISTIC)
      f->ysc[t] = sy;
}

/* Curvature bound of task t's loss: a ||X'X||_2 from the Gram (squared)
 * or a ||X'X||_2 / 4 from X (logistic). */
static int task_curvature(const fit *f, int t, const double *X, int n,
                          double a, double *Ht) {
  int d = f->d, rc;
  if (f->losses[t] == MTL_LOSS_LOGISTIC) {
    double *Gt = mtl__malloc((size_t)d * d * sizeof(double));
    if (!Gt)
      rc = MTL_ENOMEM;
    else {
      mtl__gram_rm(n, d, 1.0, X, d, 0.0, Gt);
      rc = mtl__spectral_norm(d, d, Gt, Ht);
      free(Gt);
    }
    *Ht *= 0.25 * a;
  } else {
    rc = mtl__spectral_norm(d, d, f->tw[t].G, Ht);
    *Ht *= a;
  }
  return rc;
}

/* Builds task t's workspace from its standardized data; *Ht: its
 * curvature bound. */
static int fit_task(fit *f, int t, double *Ht) {
  const mtl_dataset *ds = f->ds;
  int d = f->d, n = mtl_dataset_task_n(ds, t);
  double *X = NULL, *y = mtl__malloc((size_t)n * sizeof(double));
  *Ht = 0;
  if (!y)
    return MTL_ENOMEM;
  const double *y0 = mtl_dataset_task_y(ds, t);
  for (int i = 0; i < n; i++)
    y[i] = (y0[i] - f->ymean[t]) / f->ysc[t];
  int rc = mtl__srml_task_dense(
      ds, t, f->p.standardize ? f->xmean + (size_t)t * d : NULL, f->xscale,
      &X);
  if (rc) {
    free(y);
    return rc;
  }
  double a =
      mtl_dataset_task_weight(ds, t) * mtl__scaling_factor(f->p.scaling, n);
  rc = mtl__srml_task_init(&f->tw[t], n, d, X, y, f->losses[t], a,
                           f->lambda_r, f->p.rho);
  if (!rc)
    rc = task_curvature(f, t, X, n, a, Ht);
  if (f->losses[t] != MTL_LOSS_LOGISTIC) {
    free(X);
    free(y);
  }
  if (rc == MTL_ENUMERIC)
    rc = mtl__err(MTL_ENUMERIC, "srml: task %d: the w-step matrix is "
                  "not positive definite", t);
  return rc;
}

/* Allocates the result and says what the parameters guarantee. */
static int fit_result(const fit *f, mtl_srml_result *res) {
  const mtl_srml_params *p = &f->p;
  const mtl__srml_graph *g = &f->g;
  res->d = f->d;
  res->T = f->T;
  res->H = f->H;
  res->npairs = g->E;
  res->pairs = mtl__malloc((size_t)(2 * g->E + 1) * sizeof(int));
  res->W = mtl__malloc(f->dT * sizeof(double));
  res->b = mtl__calloc((size_t)f->T, sizeof(double));
  if (p->record_trace) {
    res->trace_obj = mtl__malloc((size_t)p->max_iter * sizeof(double));
    res->trace_primal = mtl__malloc((size_t)p->max_iter * sizeof(double));
    res->trace_dual = mtl__malloc((size_t)p->max_iter * sizeof(double));
  }
  if (!res->pairs || !res->W || !res->b ||
      (p->record_trace &&
       (!res->trace_obj || !res->trace_primal || !res->trace_dual)))
    return MTL_ENOMEM;
  memcpy(res->pairs, g->pairs, (size_t)(2 * g->E) * sizeof(int));
  /* u_convex and its warning come from the final rho (fit_finish):
   * adapt_rho may raise it; rho <= 2H (Theorem 5.2) is by design, not
   * a fault (docs/srml.md), so it is in the result (H), not a warning */
  res->u_convex = p->strict ? g->forest : (p->rho >= p->c * g->maxdeg);
  if (p->strict && !g->forest)
    logf_(p, 1,
          "ssml: the sign graph has a cycle (%g edges, %g tasks): the "
          "projection is feasible but not certified exact",
          (double)g->E, (double)f->T);
  return MTL_OK;
}

/* The two block updates of one iteration in the configured order; Uold
 * keeps the block updated second, for the dual residual. */
static int block_steps(fit *f, int it) {
  if (f->p.order == 0) {
    int rc = wsteps(f->tw, f->T, f->d, f->lambda_r, &f->p, f->U, f->Y, &f->s,
                    f->Wk, it);
    if (rc)
      return rc;
    memcpy(f->Uold, f->U, f->dT * sizeof(double));
    usteps(&f->g, &f->p, f->lambda_u, f->Wk, f->Y, f->vrow, f->urow, f->d,
           f->U);
    return MTL_OK;
  }
  usteps(&f->g, &f->p, f->lambda_u, f->Wk, f->Y, f->vrow, f->urow, f->d,
         f->U);
  memcpy(f->Uold, f->Wk, f->dT * sizeof(double));
  return wsteps(f->tw, f->T, f->d, f->lambda_r, &f->p, f->U, f->Y, &f->s,
                f->Wk, it);
}

/* Dual step Y += rho (W - U) with the squared norms of the stopping rule:
 * nrm = ||W||^2, ||U||^2, ||Y||^2, ||W - U||^2 and ||second - old||^2. */
static void dual_step(fit *f, double nrm[5]) {
  const double *second = f->p.order == 0 ? f->U : f->Wk;
  const double *Wk = f->Wk, *U = f->U, *Uold = f->Uold;
  double *Y = f->Y, rho = f->p.rho;
  double nw = 0, nu = 0, ny = 0, r2 = 0, s2 = 0;
  for (size_t k = 0; k < f->dT; k++) {
    double dr = Wk[k] - U[k], du = second[k] - Uold[k];
    Y[k] += rho * dr;
    r2 += dr * dr;
    s2 += du * du;
    nw += Wk[k] * Wk[k];
    nu += U[k] * U[k];
    ny += Y[k] * Y[k];
  }
  nrm[0] = nw;
  nrm[1] = nu;
  nrm[2] = ny;
  nrm[3] = r2;
  nrm[4] = s2;
}

/* After rho changed: the squared-loss factors of a X'X + (2 lambda_r +
 * rho) I.  Y is the unscaled dual, so it needs no rescaling. */
static int refactor(fit *f) {
  int d = f->d, rc = MTL_OK;
  for (int t = 0; t < f->T && !rc; t++) {
    mtl__srml_task *w = &f->tw[t];
    if (w->G) {
      size_t dd = (size_t)d * d;
      for (size_t k = 0; k < dd; k++)
        w->F[k] = w->a * w->G[k];
      for (int j = 0; j < d; j++)
        w->F[(size_t)j * d + j] += 2 * f->lambda_r + f->p.rho;
      rc = mtl__potrf(d, w->F);
    }
  }
  return rc;
}

/* ADMM (Boyd et al. 2011, Section 3.3 stopping rule): MTL_CONVERGED,
 * MTL_MAXITER or an error (MTL_ECANCELLED keeps the iterate).  Fills the
 * iteration count, the traces, the last objective and residuals. */
static int admm(fit *f, mtl_srml_result *res) {
  mtl_srml_params *p = &f->p;
  double prev_obj = NAN, r_mark = INFINITY, sq = sqrt((double)f->dT);
  int nadapt = 0, rc;
  for (int it = 0; it < p->max_iter; it++) {
    if ((rc = block_steps(f, it)))
      return rc;
    double nrm[5];
    dual_step(f, nrm);
    double r = sqrt(nrm[3]), sd = p->rho * sqrt(nrm[4]);
    double obj = objective(f->tw, &f->g, p, f->U, f->d, &f->s);
    if (!isfinite(obj) || !isfinite(r))
      return mtl__err(MTL_ENUMERIC,
                      "srml: objective %g / primal residual %g not finite at "
                      "iteration %d (rho = %g)",
                      obj, r, it + 1, p->rho);
    if (p->record_trace) {
      res->trace_obj[it] = obj;
      res->trace_primal[it] = r;
      res->trace_dual[it] = sd;
    }
    double rel = isnan(prev_obj) ? 1
                                 : fabs(obj - prev_obj) /
                                       (fabs(obj) > 1 ? fabs(obj) : 1);
    prev_obj = obj;
    res->iterations = it + 1;
    res->objective = obj;
    res->primal_res = r;
    res->dual_res = sd;
    if (p->progress && p->progress(p->progress_ctx, it + 1, obj, rel, r))
      return mtl__err(MTL_ECANCELLED, "srml: cancelled by the progress "
                      "callback at iteration %d", it + 1);
    double nw = nrm[0], nu = nrm[1];
    double eps_pri = sq * p->tol_abs + p->tol_rel * (nw > nu ? sqrt(nw)
                                                             : sqrt(nu));
    double eps_dual = sq * p->tol_abs + p->tol_rel * sqrt(nrm[2]);
    if ((p->tol_abs > 0 || p->tol_rel > 0) && r <= eps_pri && sd <= eps_dual)
      return MTL_CONVERGED;
    /* Continuation: when ||W - U|| has not halved over 50 iterations, rho
     * doubles (at most adapt_rho times). */
    int stalled = 0;
    if ((it + 1) % 50 == 0) {
      stalled = r > eps_pri && r > 0.5 * r_mark;
      r_mark = r;
    }
    if (p->adapt_rho && nadapt < p->adapt_rho && stalled) {
      p->rho *= 2;
      nadapt++;
      if ((rc = refactor(f)))
        return rc;
    }
  }
  return MTL_MAXITER;
}

/* Back to raw features: W_raw = ysc U / scale, b = ymean - mean'W_raw;
 * counts the sign violations along the graph. */
static void fit_finish(const fit *f, mtl_srml_result *res) {
  const mtl_srml_params *p = &f->p;
  int d = f->d;
  res->rho = p->rho;
  if (!p->strict) {
    res->u_convex = p->rho >= p->c * f->g.maxdeg;
    if (!res->u_convex)
      logf_(p, 1,
            "srml: the final rho = %g < c * max degree = %g: the u-step is "
            "non-convex; its sweeps return a coordinate-wise minimum (raise "
            "rho or adapt_rho)",
            p->rho, p->c * f->g.maxdeg);
  }
  for (int t = 0; t < f->T; t++) {
    double bt = f->ymean[t];
    for (int j = 0; j < d; j++) {
      size_t k = (size_t)t * d + j;
      double w = f->U[k] * f->ysc[t];
      if (p->standardize) {
        w /= f->xscale[j];
        bt -= f->xmean[(size_t)t * d + j] * w;
      }
      res->W[k] = w;
    }
    res->b[t] = bt;
  }
  int viol = 0;
  const int *pairs = f->g.pairs;
  for (int e = 0; e < f->g.E; e++)
    for (int j = 0; j < d; j++)
      if (res->W[(size_t)pairs[2 * e] * d + j] *
              res->W[(size_t)pairs[2 * e + 1] * d + j] <
          0)
        viol++;
  res->sign_violations = viol;
}

int mtl_srml_fit(const mtl_dataset *ds, const mtl_srml_params *pin,
                 mtl_srml_result *res) {
  if (!res)
    return mtl__err(MTL_EINVAL, "srml: result is NULL");
  memset(res, 0, sizeof *res);
  fit f;
  memset(&f, 0, sizeof f);
  if (pin)
    f.p = *pin;
  else
    mtl_srml_params_init(&f.p);
  int rc = check_params(ds, &f.p);
  if (rc)
    return rc;
  double t0 = mtl__now();
  f.ds = ds;
  f.T = mtl_dataset_ntasks(ds);
  f.d = mtl_dataset_dim(ds);
  f.dT = (size_t)f.d * f.T;
  rc = mtl__srml_graph_build(f.T, f.p.pairs, f.p.npairs, &f.g);
  if (rc)
    return rc;
  if ((rc = fit_alloc(&f)) || (f.p.standardize && (rc = fit_scale_x(&f))))
    goto done;
  fit_scale_y(&f);
  f.lambda_r = f.p.omega == MTL_REG_RIDGE ? f.p.lambda : 0;
  f.lambda_u = f.p.omega == MTL_REG_L1 ? f.p.lambda : 0;
  for (int t = 0; t < f.T; t++) {
    double Ht;
    if ((rc = fit_task(&f, t, &Ht)))
      goto done;
    if (Ht > f.H)
      f.H = Ht;
  }
  if ((rc = mtl__srml_scratch_alloc(&f.s, f.max_n, f.d)) ||
      (rc = fit_result(&f, res)))
    goto done;
  rc = admm(&f, res);
  if (rc < 0 && rc != MTL_ECANCELLED)
    goto done;
  res->status = rc == MTL_ECANCELLED ? MTL_MAXITER : rc;
  fit_finish(&f, res);
  res->seconds = mtl__now() - t0;
done:
  if (rc < 0 && rc != MTL_ECANCELLED)
    mtl_srml_result_clear(res);
  fit_clear(&f);
  return rc;
}

/* ---- model --------------------------------------------------------------- */

/* The metadata of an SRML / SSML model and its sign graph (Gm: scratch
 * of 2 x npairs doubles). */
static int model_meta(mtl_model *m, const mtl_srml_params *p,
                      const mtl_srml_result *res, double *Gm) {
  char buf[64];
  int rc = mtl_model_set_meta(m, "method", p->strict ? "ssml" : "srml");
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
  return rc;
}

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
  rc = model_meta(m, p, res, Gm);
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
