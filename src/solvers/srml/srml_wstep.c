/*
 * srml_wstep.c -- the w-step of SRML / SSML: per task, a cached Cholesky
 * solve (squared loss) or damped Newton (logistic loss), its workspaces,
 * and the public building block mtl_srml_wstep.
 */
#include "srml_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- w-step -------------------------------------------------------------- */

void mtl__srml_task_clear(mtl__srml_task *w) {
  free(w->X);
  free(w->y);
  free(w->G);
  free(w->Xty);
  free(w->F);
  memset(w, 0, sizeof *w);
}

void mtl__srml_scratch_clear(mtl__srml_scratch *s) {
  free(s->z);
  free(s->dz);
  free(s->Xs);
  free(s->g);
  free(s->step);
  free(s->wt);
}

int mtl__srml_scratch_alloc(mtl__srml_scratch *s, int max_n, int d) {
  memset(s, 0, sizeof *s);
  size_t nd = (size_t)max_n * d;
  s->z = mtl__malloc((size_t)max_n * sizeof(double));
  s->dz = mtl__malloc((size_t)max_n * sizeof(double));
  s->Xs = mtl__malloc(nd * sizeof(double));
  s->g = mtl__malloc((size_t)d * sizeof(double));
  s->step = mtl__malloc((size_t)d * sizeof(double));
  s->wt = mtl__malloc((size_t)d * sizeof(double));
  if (!s->z || !s->dz || !s->Xs || !s->g || !s->step || !s->wt) {
    mtl__srml_scratch_clear(s);
    return MTL_ENOMEM;
  }
  return MTL_OK;
}

/* Fills w from dense row-major X (n x d) and y (both borrowed for squared,
 * owned afterwards for logistic: the caller passes ownership). */
int mtl__srml_task_init(mtl__srml_task *w, int n, int d, double *X, double *y,
                        mtl_loss loss, double a, double lambda_r, double rho) {
  memset(w, 0, sizeof *w);
  w->n = n;
  w->d = d;
  w->loss = loss;
  w->a = a;
  size_t dd = (size_t)d * d;
  if (loss == MTL_LOSS_LOGISTIC) {
    w->X = X;
    w->y = y;
  }
  w->F = mtl__malloc(dd * sizeof(double));
  if (!w->F)
    return MTL_ENOMEM;
  if (loss == MTL_LOSS_LOGISTIC)
    return MTL_OK;
  w->G = mtl__malloc(dd * sizeof(double));
  w->Xty = mtl__malloc((size_t)d * sizeof(double));
  if (!w->G || !w->Xty)
    return MTL_ENOMEM;
  mtl__gram_rm(n, d, 1.0, X, d, 0.0, w->G);
  mtl__gemv_rm(1, n, d, 1.0, X, d, y, 0.0, w->Xty);
  w->yty = mtl__dot(n, y, y);
  for (size_t k = 0; k < dd; k++)
    w->F[k] = a * w->G[k];
  for (int j = 0; j < d; j++)
    w->F[(size_t)j * d + j] += 2 * lambda_r + rho;
  return mtl__potrf(d, w->F);
}

/* loss_t(w) (fitting space). */
double mtl__srml_task_loss(const mtl__srml_task *w, const double *x,
                           mtl__srml_scratch *s) {
  int d = w->d;
  if (w->loss == MTL_LOSS_LOGISTIC) {
    mtl__gemv_rm(0, w->n, d, 1.0, w->X, d, x, 0.0, s->z);
    return w->a * mtl_loss_eval(MTL_LOSS_LOGISTIC, s->z, w->y, w->n, NULL);
  }
  mtl__gemv(0, d, d, 1.0, w->G, d, x, 0.0, s->g);
  double q = mtl__dot(d, x, s->g) - 2 * mtl__dot(d, w->Xty, x) + w->yty;
  return 0.5 * w->a * (q > 0 ? q : 0);
}

/* phi(x) = loss(x) + lambda_r ||x||^2 + yd'x + rho/2 ||x - u||^2. */
static double wphi(const mtl__srml_task *w, const double *x, double lambda_r,
                   double rho, const double *u, const double *yd,
                   mtl__srml_scratch *s) {
  double f = mtl__srml_task_loss(w, x, s);
  for (int j = 0; j < w->d; j++)
    f += lambda_r * x[j] * x[j] + yd[j] * x[j] +
         0.5 * rho * (x[j] - u[j]) * (x[j] - u[j]);
  return f;
}

/* The w-step.  Squared: one triangular solve pair with the cached factor.
 * Logistic: damped Newton (Hessian a X'DX + (2 lambda_r + rho) I, Armijo
 * backtracking) from the current x until ||grad|| <= tol max(1, a n). */
int mtl__srml_w(mtl__srml_task *w, double lambda_r, double rho, const double *u,
                const double *yd, int newton_iter, double tol,
                mtl__srml_scratch *s, double *x) {
  int d = w->d, n = w->n;
  if (w->loss != MTL_LOSS_LOGISTIC) {
    for (int j = 0; j < d; j++)
      x[j] = w->a * w->Xty[j] + rho * u[j] - yd[j];
    return mtl__potrs(d, 1, w->F, x, d);
  }
  double gscale = tol * (w->a * n > 1 ? w->a * n : 1);
  for (int it = 0; it < newton_iter; it++) {
    mtl__gemv_rm(0, n, d, 1.0, w->X, d, x, 0.0, s->z);
    double f0 = w->a * mtl_loss_eval(MTL_LOSS_LOGISTIC, s->z, w->y, n, s->dz);
    for (int j = 0; j < d; j++) {
      f0 += lambda_r * x[j] * x[j] + yd[j] * x[j] +
            0.5 * rho * (x[j] - u[j]) * (x[j] - u[j]);
      s->g[j] = 2 * lambda_r * x[j] + yd[j] + rho * (x[j] - u[j]);
    }
    mtl__gemv_rm(1, n, d, w->a, w->X, d, s->dz, 1.0, s->g);
    if (mtl__nrm2(d, s->g) <= gscale)
      return MTL_OK;
    /* Hessian weights l''(z) = p (1 - p), p = sigmoid(y z); rows scaled by
     * sqrt(a l'') so that X_s'X_s = a X'DX. */
    for (int i = 0; i < n; i++) {
      double m = w->y[i] * s->z[i];
      double p = m >= 0 ? 1 / (1 + exp(-m)) : exp(m) / (1 + exp(m));
      double r = sqrt(w->a * p * (1 - p));
      for (int j = 0; j < d; j++)
        s->Xs[(size_t)i * d + j] = r * w->X[(size_t)i * d + j];
    }
    mtl__gram_rm(n, d, 1.0, s->Xs, d, 0.0, w->F);
    for (int j = 0; j < d; j++)
      w->F[(size_t)j * d + j] += 2 * lambda_r + rho;
    int rc = mtl__potrf(d, w->F);
    if (rc)
      return rc;
    for (int j = 0; j < d; j++)
      s->step[j] = -s->g[j];
    rc = mtl__potrs(d, 1, w->F, s->step, d);
    if (rc)
      return rc;
    double slope = mtl__dot(d, s->g, s->step), t = 1;
    if (!(slope < 0))
      return MTL_OK; /* Newton decrement at rounding level */
    int accepted = 0;
    for (int ls = 0; ls < 40; ls++) {
      for (int j = 0; j < d; j++)
        s->wt[j] = x[j] + t * s->step[j];
      double f1 = wphi(w, s->wt, lambda_r, rho, u, yd, s);
      if (f1 <= f0 + 1e-4 * t * slope) {
        accepted = 1;
        break;
      }
      t *= 0.5;
    }
    if (!accepted)
      return MTL_OK; /* no decrease representable: at the minimum */
    memcpy(x, s->wt, (size_t)d * sizeof(double));
  }
  return MTL_OK;
}

/* Dense copy of task t of ds (standardized with mean/scale when given). */
int mtl__srml_task_dense(const mtl_dataset *ds, int t, const double *mean,
                         const double *scale, double **Xo) {
  int n = mtl_dataset_task_n(ds, t), d = mtl_dataset_dim(ds);
  double *X = mtl__malloc((size_t)n * d * sizeof(double));
  if (!X)
    return MTL_ENOMEM;
  for (int i = 0; i < n; i++) {
    double *row = X + (size_t)i * d;
    int rc = mtl_dataset_get_row(ds, t, i, row);
    if (rc) {
      free(X);
      return rc;
    }
    if (mean)
      for (int j = 0; j < d; j++)
        row[j] = (row[j] - mean[j]) / scale[j];
  }
  *Xo = X;
  return MTL_OK;
}

int mtl__srml_resolve_loss(const mtl_dataset *ds, int t, mtl_loss want,
                           mtl_loss *out) {
  mtl_task_kind k = mtl_dataset_task_kind(ds, t);
  *out = (mtl_loss)mtl__loss_resolve(want, k);
  if (*out == MTL_LOSS_LOGISTIC && k != MTL_TASK_CLASSIFICATION)
    return mtl__err(MTL_EINVAL,
                    "srml: loss logistic needs labels in {-1,+1} but task %d "
                    "(%s) is a regression task",
                    t, mtl_dataset_task_name(ds, t));
  return MTL_OK;
}

int mtl_srml_wstep(const mtl_dataset *ds, int t, mtl_loss loss,
                   mtl_scaling scaling, double lambda_ridge, double rho,
                   const double *u, const double *ydual, double *w) {
  if (!ds || !u || !ydual || !w)
    return mtl__err(MTL_EINVAL, "srml wstep: NULL argument");
  if (t < 0 || t >= mtl_dataset_ntasks(ds))
    return mtl__err(MTL_EINVAL, "srml wstep: task %d out of range [0, %d)",
                    t, mtl_dataset_ntasks(ds));
  if (loss != MTL_LOSS_AUTO && loss != MTL_LOSS_SQUARED &&
      loss != MTL_LOSS_LOGISTIC)
    return mtl__err(MTL_EUNSUPPORTED,
                    "srml wstep: loss %d; only squared and logistic",
                    (int)loss);
  if ((int)scaling < MTL_SCALE_SUM || (int)scaling > MTL_SCALE_DOUBLE_MEAN)
    return mtl__err(MTL_EINVAL, "srml wstep: scaling = %d is invalid",
                    (int)scaling);
  if (!(rho > 0) || !isfinite(rho))
    return mtl__err(MTL_EINVAL, "srml wstep: rho = %g must be > 0", rho);
  if (!(lambda_ridge >= 0) || !isfinite(lambda_ridge))
    return mtl__err(MTL_EINVAL, "srml wstep: lambda_ridge = %g must be >= 0",
                    lambda_ridge);
  mtl_loss l;
  int rc = mtl__srml_resolve_loss(ds, t, loss, &l);
  if (rc)
    return rc;
  int n = mtl_dataset_task_n(ds, t), d = mtl_dataset_dim(ds);
  double *X = NULL, *y = mtl__malloc((size_t)n * sizeof(double));
  mtl__srml_task w_ws;
  mtl__srml_scratch s;
  memset(&w_ws, 0, sizeof w_ws);
  memset(&s, 0, sizeof s);
  if (!y)
    return MTL_ENOMEM;
  memcpy(y, mtl_dataset_task_y(ds, t), (size_t)n * sizeof(double));
  rc = mtl__srml_task_dense(ds, t, NULL, NULL, &X);
  if (rc)
    goto done;
  double a = mtl_dataset_task_weight(ds, t) * mtl__scaling_factor(scaling, n);
  rc = mtl__srml_task_init(&w_ws, n, d, X, y, l, a, lambda_ridge, rho);
  if (l == MTL_LOSS_LOGISTIC)
    X = y = NULL; /* owned by w_ws now */
  if (rc)
    goto done;
  rc = mtl__srml_scratch_alloc(&s, n, d);
  if (rc)
    goto done;
  rc = mtl__srml_w(&w_ws, lambda_ridge, rho, u, ydual, 100, 1e-12, &s, w);
done:
  free(X);
  free(y);
  mtl__srml_task_clear(&w_ws);
  mtl__srml_scratch_clear(&s);
  return rc;
}
