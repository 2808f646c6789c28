/*
 * test_school_fglasso.c -- the fused group lasso on School (139 tasks in
 * the file's order, 28 standardized features, mean scaling, bias), through
 * mtl_fit: FISTA (relative objective change 1e-13) and ISTA (its iteration
 * cap, no other stopping rule) agree on the objective to 1e-6 relative, and
 * FISTA's fixed-point residual is small.  Tasks of School are schools, not
 * time points: this checks the solvers, not the model.
 */
#include "check.h"

static double fit(const mtl_dataset *ds, int ista, double *res) {
  mtl_params *p = mtl_params_create("fglasso");
  CHECK_OK(mtl_params_set(p, "lambda", "0.05"));
  CHECK_OK(mtl_params_set(p, "lambda2", "0.02"));
  CHECK_OK(mtl_params_set(p, "lambda_l1", "0.01"));
  CHECK_OK(mtl_params_set(p, "tol", ista ? "0" : "1e-13"));
  CHECK_OK(mtl_params_set(p, "max_iter", ista ? "60000" : "30000"));
  CHECK_OK(mtl_params_set(p, "solver", ista ? "ista" : "fista"));
  mtl_model *m = NULL;
  mtl_fit_info *in = NULL;
  int rc = mtl_fit(ds, p, NULL, &m, &in);
  double obj = mtl_fit_info_number(in, "objective");
  *res = mtl_fit_info_number(in, "residual");
  fprintf(stderr, "school fglasso %s: rc %d, %s iters, %s s, obj %.12g, "
                  "residual %.3g\n",
          ista ? "ista" : "fista", rc, mtl_fit_info_get(in, "iterations"),
          mtl_fit_info_get(in, "seconds"), obj, *res);
  CHECK(rc >= 0);
  if (!ista)
    CHECK(rc == MTL_CONVERGED);
  mtl_model_free(m);
  mtl_fit_info_free(in);
  mtl_params_free(p);
  return obj;
}

int main(void) {
  const char *path = check_data("school.mat");
  mtl_dataset *ds = NULL;
  CHECK_OK(mtl_dataset_read(path, NULL, &ds));
  double r0, r1;
  double a = fit(ds, 0, &r0), b = fit(ds, 1, &r1);
  CHECK_CLOSE(b, a, 1e-6);
  CHECK_LE(r0, 1e-6 * a); /* residual relative to the objective */
  mtl_dataset_free(ds);
  CHECK_DONE();
}
