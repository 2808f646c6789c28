/*
 * omtl_gen.c -- the synthetic data set of the OMTL papers (Li, Hoi, Chang,
 * Liu, Jain 2014; Li et al. 2024, "Synthetic"): 2-D points with a cubic
 * feature expansion; task k's decision boundary is the Fourier curve
 *   h(x') = a1 sin(x' - a0) + a2 sin(2(x' - a0)) + a3 cos(x' - a0)
 *           + a4 cos(2(x' - a0))
 * in coordinates rotated by theta_k, label sign(y' - h(x')).  The task
 * parameters follow a Gaussian random walk over k (task 0: a = (0,1,1,1,1),
 * theta = 0), so neighbouring tasks are similar.
 */
#include "solvers/solvers.h"

#include <math.h>
#include <stdlib.h>

int mtl_omtl_gen_synthetic(int K, int n, double sigma, uint64_t seed,
                           mtl_dataset **out) {
  if (!out)
    return mtl__err(MTL_EINVAL, "omtl_gen_synthetic: out is NULL");
  *out = NULL;
  if (K < 1 || n < 1)
    return mtl__err(MTL_EINVAL,
                    "omtl_gen_synthetic: K = %d and n = %d must be >= 1", K,
                    n);
  if (!(sigma >= 0) || !isfinite(sigma))
    return mtl__err(MTL_EINVAL, "omtl_gen_synthetic: sigma = %g must be >= 0",
                    sigma);
  const double pi = 3.14159265358979323846;
  int d = 9;
  mtl__rng r;
  mtl__rng_seed(&r, seed);
  double a[5] = {0, 1, 1, 1, 1}, theta = 0;
  double *X = mtl__malloc((size_t)n * d * sizeof(double));
  double *y = mtl__malloc((size_t)n * sizeof(double));
  mtl_dataset *ds = mtl_dataset_create(d);
  int rc = MTL_ENOMEM;
  if (!X || !y || !ds)
    goto done;
  for (int k = 0; k < K; k++) {
    if (k > 0) {
      for (int i = 0; i < 5; i++)
        a[i] += sigma * mtl__rng_normal(&r);
      theta += sigma * pi * 0.25 * mtl__rng_normal(&r);
    }
    double c = cos(theta), s = sin(theta);
    for (int i = 0; i < n; i++) {
      double x1 = -3 + 6 * mtl__rng_uniform(&r);
      double x2 = -3 + 6 * mtl__rng_uniform(&r);
      /* row vector times [[c, s], [-s, c]] */
      double r1 = x1 * c - x2 * s, r2 = x1 * s + x2 * c;
      double e = r1 - a[0];
      double h = a[1] * sin(e) + a[2] * sin(2 * e) + a[3] * cos(e) +
                 a[4] * cos(2 * e);
      y[i] = r2 - h >= 0 ? 1.0 : -1.0;
      double *xr = X + (size_t)i * d;
      xr[0] = x1;
      xr[1] = x2;
      xr[2] = x1 * x2;
      xr[3] = x1 * x1;
      xr[4] = x2 * x2;
      xr[5] = x1 * x1 * x1;
      xr[6] = x2 * x2 * x2;
      xr[7] = x1 * x2 * x2;
      xr[8] = x1 * x1 * x2;
    }
    rc = mtl_dataset_add_dense(ds, n, X, y, MTL_TASK_CLASSIFICATION, NULL);
    if (rc < 0)
      goto done;
  }
  rc = MTL_OK;
done:
  free(X);
  free(y);
  if (rc < 0) {
    mtl_dataset_free(ds);
    return rc;
  }
  *out = ds;
  return MTL_OK;
}
