/*
 * test_paths.c -- the default lambda paths of the structured formulations
 * (methods_lmax.c) through mtl_search_run:
 *  - "lambda=path:3:0.1" starts at the exact lambda_max where there is one
 *    (tgl and fglasso: the L2,1 threshold, any lambda2; mll: the first
 *    Lasso step's threshold): the fit there has W = 0 on the penalized
 *    rows; the next point (lambda_max / sqrt 10) does not for tgl and
 *    fglasso (the threshold is tight), the last one (lambda_max / 10)
 *    does not for mll (its L1/2 penalty still zeroes small fits below
 *    the threshold);
 *  - "lambda=path:3:0.1;lambda2=path:3:0.1" is a 3 x 3 grid for tgl,
 *    fglasso, cmtl and caso, validated on 2 folds, with a finite error at
 *    every point and lambda2 values decreasing from a positive top;
 *  - a path over lambda2 of a method without a top is refused.
 */
#include "heldout.h"

enum { T = 6, D = 8, N = 12 };

static mtl_dataset *data(void) {
  unsigned long long s = 41;
  static double Xte[T * D], yte[T];
  mtl_dataset *ds = mtl_dataset_create(D);
  for (int t = 0; t < T; t++) {
    double w[D];
    for (int j = 0; j < D; j++)
      w[j] = j < 3 ? 1 + 0.1 * t + check_rand(&s) : 0;
    heldout_task(ds, t, w, D, N, 1, 0.3, Xte, yte, &s);
  }
  return ds;
}

/* The largest |W| on the penalized rows (bias row last) of point i. */
static double wmax(const mtl_search *s, int i) {
  const mtl_model *m = mtl_search_model(s, i);
  CHECK(m != NULL);
  if (!m)
    return NAN;
  const double *W = mtl_model_W(m);
  int d = mtl_model_dim(m), T_ = mtl_model_ntasks(m);
  double v = 0;
  for (int t = 0; t < T_; t++)
    for (int j = 0; j < d - 1; j++)
      v = fmax(v, fabs(W[j + t * d]));
  return v;
}

static void exact_top(const mtl_dataset *ds, const char *method, int tight) {
  mtl_params *p = mtl_params_create(method);
  CHECK_OK(mtl_params_set(p, "tol", "1e-12"));
  mtl_search *s = NULL;
  CHECK_OK(mtl_search_run(ds, p, NULL, "lambda=path:3:0.1", 0, 0, 1, &s));
  if (s) {
    double top = mtl_search_number(s, 0, 0), w0 = wmax(s, 0),
           w1 = wmax(s, tight ? 1 : 2);
    fprintf(stderr, "%s: lambda_max %.6g, max |W| there %.3g, at "
                    "lambda_max / %s %.3g\n",
            method, top, w0, tight ? "sqrt 10" : "10", w1);
    CHECK(top > 0);
    CHECK_LE(w0, 1e-9);
    CHECK(w1 > 1e-3);
  }
  mtl_search_free(s);
  mtl_params_free(p);
}

static void grid2(const mtl_dataset *ds, const char *method) {
  mtl_params *p = mtl_params_create(method);
  CHECK_OK(mtl_params_set(p, "max_iter", "2000"));
  mtl_search *s = NULL;
  CHECK_OK(mtl_search_run(ds, p, NULL,
                          "lambda=path:3:0.1;lambda2=path:3:0.1", 2, 0, 1,
                          &s));
  if (s) {
    CHECK(mtl_search_npoints(s) == 9 && mtl_search_nvaried(s) == 2);
    for (int i = 0; i < mtl_search_npoints(s); i++)
      CHECK(isfinite(mtl_search_error(s, i)));
    double a = mtl_search_number(s, 0, 1), b = mtl_search_number(s, 2, 1);
    fprintf(stderr, "%s: 3 x 3 grid, lambda2 from %.6g to %.6g, best point "
                    "%d (error %.4g)\n",
            method, a, b, mtl_search_best(s),
            mtl_search_error(s, mtl_search_best(s)));
    CHECK(a > 0);
    CHECK_CLOSE(b, 0.1 * a, 1e-12);
  }
  mtl_search_free(s);
  mtl_params_free(p);
}

int main(void) {
  mtl_dataset *ds = data();
  exact_top(ds, "tgl", 1);
  exact_top(ds, "fglasso", 1);
  exact_top(ds, "mll", 0);
  grid2(ds, "tgl");
  grid2(ds, "fglasso");
  grid2(ds, "cmtl");
  grid2(ds, "caso");
  mtl_params *p = mtl_params_create("mll");
  mtl_search *s = NULL;
  CHECK(mtl_search_run(ds, p, NULL, "lambda2=path:3:0.1", 2, 0, 1, &s) ==
        MTL_EINVAL); /* mll has no lambda2 */
  mtl_params_free(p);
  p = mtl_params_create("dirty");
  CHECK(mtl_search_run(ds, p, NULL, "lambda2=path:3:0.1", 2, 0, 1, &s) ==
        MTL_EINVAL); /* no top */
  mtl_params_free(p);
  mtl_dataset_free(ds);
  CHECK_DONE();
}
