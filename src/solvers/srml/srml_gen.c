/*
 * srml_gen.c -- the synthetic sets of Bai et al. (SDM 2023), rebuilt from
 * the authors' published notebooks (their appendix is not available):
 * per feature a sign s_j = +-1; w_tj = s_j |N(0,1)| alpha_w with each sign
 * flipped independently with probability `flip` (polarity noise);
 * X_t = alpha N(0,1) (+ a per-task offset for regression); y = X w +
 * noise N(0,1) (regression) or 1[sigmoid(X w + noise N(0,1)) > 0.5] mapped
 * to {-1,+1} (classification).  One xoshiro256** stream, drawn in a fixed
 * order (signs, W, then X, y task by task).
 */
#include "solvers/solvers.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void mtl_srml_gen_params_init(mtl_srml_gen_params *p) {
  *p = (mtl_srml_gen_params){.T = 20,
                             .n = 100,
                             .d = 25,
                             .classification = 0,
                             .alpha = 1.0,
                             .alpha_w = 1.0,
                             .flip = 0.1,
                             .offset = 1.0,
                             .noise = 0.1,
                             .seed = 1};
}

/* MTL_EINVAL naming the first bad parameter, else MTL_OK. */
static int gen_check(const mtl_srml_gen_params *p) {
  if (p->T < 1 || p->n < 1 || p->d < 1)
    return mtl__err(MTL_EINVAL, "srml gen: T = %d, n = %d, d = %d must be "
                    ">= 1", p->T, p->n, p->d);
  if (p->classification != 0 && p->classification != 1)
    return mtl__err(MTL_EINVAL, "srml gen: classification = %d must be 0 or "
                    "1", p->classification);
  if (!(p->alpha > 0) || !isfinite(p->alpha))
    return mtl__err(MTL_EINVAL, "srml gen: alpha = %g must be > 0", p->alpha);
  if (!(p->alpha_w > 0) || !isfinite(p->alpha_w))
    return mtl__err(MTL_EINVAL, "srml gen: alpha_w = %g must be > 0",
                    p->alpha_w);
  if (!(p->flip >= 0 && p->flip <= 1))
    return mtl__err(MTL_EINVAL, "srml gen: flip = %g must be in [0, 1]",
                    p->flip);
  if (!(p->offset >= 0) || !isfinite(p->offset))
    return mtl__err(MTL_EINVAL, "srml gen: offset = %g must be >= 0",
                    p->offset);
  if (!(p->noise >= 0) || !isfinite(p->noise))
    return mtl__err(MTL_EINVAL, "srml gen: noise = %g must be >= 0",
                    p->noise);
  return MTL_OK;
}

int mtl_srml_generate(const mtl_srml_gen_params *p, mtl_dataset **out,
                      double **W_true, int **s_out) {
  if (!p || !out)
    return mtl__err(MTL_EINVAL, "srml gen: NULL argument");
  *out = NULL;
  if (W_true)
    *W_true = NULL;
  if (s_out)
    *s_out = NULL;
  int rc = gen_check(p);
  if (rc)
    return rc;
  int T = p->T, n = p->n, d = p->d;
  mtl__rng r;
  mtl__rng_seed(&r, p->seed);
  int *s = mtl__malloc((size_t)d * sizeof(int));
  double *W = mtl__malloc((size_t)d * T * sizeof(double));
  double *X = NULL, *y = NULL;
  mtl_dataset *ds = mtl_dataset_create(d);
  if (!s || !W || !ds) {
    rc = MTL_ENOMEM;
    goto done;
  }
  for (int j = 0; j < d; j++)
    s[j] = mtl__rng_uniform(&r) < 0.5 ? -1 : 1;
  for (int t = 0; t < T; t++)
    for (int j = 0; j < d; j++) {
      double w = s[j] * fabs(mtl__rng_normal(&r)) * p->alpha_w;
      if (mtl__rng_uniform(&r) < p->flip)
        w = -w;
      W[(size_t)t * d + j] = w;
    }
  X = mtl__malloc((size_t)n * d * sizeof(double));
  y = mtl__malloc((size_t)n * sizeof(double));
  if (!X || !y) {
    rc = MTL_ENOMEM;
    goto done;
  }
  for (int t = 0; t < T; t++) {
    double off = p->classification ? 0 : p->offset * mtl__rng_normal(&r);
    const double *w = W + (size_t)t * d;
    for (int i = 0; i < n; i++) {
      double z = 0;
      for (int j = 0; j < d; j++) {
        double x = p->alpha * mtl__rng_normal(&r) + off;
        X[(size_t)i * d + j] = x;
        z += x * w[j];
      }
      z += p->noise * mtl__rng_normal(&r);
      /* sigmoid(z) > 0.5 exactly when z > 0 */
      y[i] = p->classification ? (z > 0 ? 1.0 : -1.0) : z;
    }
    int k = mtl_dataset_add_dense(
        ds, n, X, y,
        p->classification ? MTL_TASK_CLASSIFICATION : MTL_TASK_REGRESSION,
        NULL);
    if (k < 0) {
      rc = k;
      goto done;
    }
  }
done:
  free(X);
  free(y);
  if (rc) {
    mtl_dataset_free(ds);
    free(W);
    free(s);
    return rc;
  }
  *out = ds;
  if (W_true)
    *W_true = W;
  else
    free(W);
  if (s_out)
    *s_out = s;
  else
    free(s);
  return MTL_OK;
}
