/*
 * cv.c -- k-fold cross-validation of the regularization path.  Folds are
 * per task (every task appears in every fold), the path is warm-started
 * from the largest lambda, and the error is averaged over tasks first (each
 * task counts once, whatever its size), then over folds.
 */
#include "api.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Task-averaged validation error of W on ds: RMSE for regression tasks,
 * misclassification rate for classification tasks, each weighted by the
 * sample weights (mtl__task_error); tasks whose weights are all 0 are left
 * out. */
static int task_avg_error(const mtl_dataset *ds, const double *W,
                          double *err) {
  int d = ds->d;
  int64_t maxn = 0;
  for (int t = 0; t < ds->T; t++)
    if (ds->tasks[t].n > maxn)
      maxn = ds->tasks[t].n;
  double *z = mtl__malloc((size_t)maxn * sizeof(double));
  if (!z)
    return MTL_ENOMEM;
  double s = 0;
  int m = 0;
  for (int t = 0; t < ds->T; t++) {
    const mtl__task *tk = &ds->tasks[t];
    mtl__task_matvec(ds, t, W + (size_t)t * d, z);
    double e = mtl__task_error(tk->kind, tk->y, z, tk->sw, tk->n);
    if (!isnan(e))
      s += e, m++;
  }
  free(z);
  *err = m ? s / m : NAN;
  return MTL_OK;
}

/* The arguments' checks (no allocation). */
static int cv_check(const mtl_dataset *ds, int k, int nlambda) {
  if (k < 2)
    return mtl__err(MTL_EINVAL, "cv: folds = %d must be >= 2", k);
  if (nlambda < 1)
    return mtl__err(MTL_EINVAL, "cv: nlambda = %d must be >= 1", nlambda);
  for (int t = 0; t < ds->T; t++)
    if (ds->tasks[t].n < k)
      return mtl__err(MTL_EINVAL,
                      "cv: task %d (%s) has %d samples, fewer than %d folds",
                      t + 1, ds->tasks[t].name, ds->tasks[t].n, k);
  return MTL_OK;
}

/* The lambda grid of res: the given lambdas, or nlambda values from the
 * full training data's lambda_max down to ratio times it. */
static int cv_grid(const mtl_dataset *ds, const mtl_problem_params *pp,
                   const double *lambdas, int nlambda, double ratio,
                   mtl_cv_result *res) {
  if (lambdas) {
    memcpy(res->lambdas, lambdas, (size_t)nlambda * sizeof(double));
    return MTL_OK;
  }
  mtl_problem *full = NULL;
  double lmax;
  if (!(ratio > 0 && ratio < 1))
    return mtl__err(MTL_EINVAL, "cv: ratio = %g must be in (0, 1)", ratio);
  int rc = mtl_problem_create(ds, pp, &full);
  if (rc)
    return rc;
  rc = mtl_problem_lambda_max(full, &lmax);
  mtl_problem_free(full);
  if (rc)
    return rc;
  if (!(lmax > 0))
    lmax = 1.0;
  for (int i = 0; i < nlambda; i++)
    res->lambdas[i] = nlambda == 1
                          ? lmax
                          : lmax * pow(ratio, (double)i / (nlambda - 1));
  return MTL_OK;
}

/* Fold f of k: the path on the training part, the validation error of
 * every lambda into errs[i * k + f]. */
static int cv_fold(const mtl_dataset *ds, const mtl_problem_params *pp,
                   const mtl_solver_params *sp, int k, int f, uint64_t seed,
                   double ratio, const mtl_cv_result *res, double *errs) {
  int nlambda = res->nlambda;
  mtl_dataset *tr = NULL, *te = NULL;
  mtl_problem *pb = NULL;
  mtl_path path;
  memset(&path, 0, sizeof path);
  int rc = mtl_dataset_kfold(ds, k, f, seed, &tr, &te);
  if (!rc)
    rc = mtl_problem_create(tr, pp, &pb);
  if (!rc)
    rc = mtl_solve_path(pb, sp, res->lambdas, nlambda, ratio, &path);
  for (int i = 0; !rc && i < nlambda; i++)
    rc = task_avg_error(te, path.W + (size_t)i * ds->d * ds->T,
                        &errs[(size_t)i * k + f]);
  mtl_path_clear(&path);
  mtl_problem_free(pb);
  mtl_dataset_free(tr);
  mtl_dataset_free(te);
  if (rc)
    mtl__err_prefix(rc, "cv fold %d of %d", f + 1, k);
  return rc;
}

/* Mean and standard error over the folds; the best lambda. */
static void cv_summarize(const double *errs, int k, mtl_cv_result *res) {
  res->best = 0;
  for (int i = 0; i < res->nlambda; i++) {
    double m = 0, v = 0;
    for (int f = 0; f < k; f++)
      m += errs[(size_t)i * k + f];
    m /= k;
    for (int f = 0; f < k; f++)
      v += (errs[(size_t)i * k + f] - m) * (errs[(size_t)i * k + f] - m);
    res->mean_error[i] = m;
    res->std_error[i] = sqrt(v / (k - 1));
    /* strict <: ties go to the earlier (larger, simpler) lambda */
    if (m < res->mean_error[res->best])
      res->best = i;
  }
}

int mtl_cv(const mtl_dataset *ds, const mtl_problem_params *pp,
           const mtl_solver_params *sp, int k, uint64_t seed,
           const double *lambdas, int nlambda, double ratio,
           mtl_cv_result *res) {
  if (!ds || !pp || !res)
    return mtl__err(MTL_EINVAL, "mtl_cv: NULL argument");
  memset(res, 0, sizeof *res);
  int rc = cv_check(ds, k, nlambda);
  if (rc)
    return rc;
  mtl_solver_params sdef;
  if (!sp) { /* the accuracy model selection needs (mtl.h) */
    mtl_solver_params_init(&sdef);
    sdef.tol_gap = MTL_SELECT_TOL;
    sdef.tol_obj = MTL_SELECT_TOL / 100;
    sp = &sdef;
  }
  rc = MTL_ENOMEM;
  double *errs = NULL;
  res->nlambda = nlambda;
  res->lambdas = mtl__malloc((size_t)nlambda * sizeof(double));
  res->mean_error = mtl__calloc((size_t)nlambda, sizeof(double));
  res->std_error = mtl__calloc((size_t)nlambda, sizeof(double));
  errs = mtl__malloc((size_t)nlambda * k * sizeof(double));
  if (!res->lambdas || !res->mean_error || !res->std_error || !errs)
    goto fail;
  if ((rc = cv_grid(ds, pp, lambdas, nlambda, ratio, res)))
    goto fail;
  int bt = mtl__blas_serial_begin(); /* many small fits (search.c) */
  for (int f = 0; f < k && !rc; f++)
    rc = cv_fold(ds, pp, sp, k, f, seed, ratio, res, errs);
  mtl__blas_serial_end(bt);
  if (rc)
    goto fail;
  cv_summarize(errs, k, res);
  free(errs);
  return MTL_OK;
fail:
  free(errs);
  mtl_cv_result_clear(res);
  return rc;
}

void mtl_cv_result_clear(mtl_cv_result *res) {
  if (!res)
    return;
  free(res->lambdas);
  free(res->mean_error);
  free(res->std_error);
  memset(res, 0, sizeof *res);
}
