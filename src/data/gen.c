/*
 * gen.c -- synthetic multi-task data with a known ground truth W, one
 * generator per structure that the regularizers assume:
 *
 *   SPARSE     s of d rows of W nonzero, the same rows in every task, entries
 *              N(0,1) (the joint-sparsity model of Obozinski, Taskar & Jordan
 *              2010 and Argyriou et al. 2008, L2,1 / MTFL);
 *   LOWRANK    W = U V' / sqrt(r), U (d x r), V (T x r) with N(0,1) entries,
 *              so W has rank r and entries of unit variance (trace norm,
 *              Ji & Ye 2009);
 *   CLUSTERED  k centers c_1..c_k ~ N(0, I); task t belongs to cluster
 *              t mod k and w_t = c_(t mod k) + deviation * N(0, I)
 *              (clustered MTL, Jacob, Bach & Vert 2008);
 *   MEAN       w_t = w_0 + deviation * N(0, I), w_0 ~ N(0, I)
 *              (mean-regularized MTL, Evgeniou & Pontil 2004).
 *
 * Inputs are N(0,1) (for CSR, each entry is nonzero with probability
 * `density`, with an N(0,1) value); targets y = x'w_t + noise * N(0,1), or
 * the sign of that value (0 mapped to +1) for classification.  Everything
 * is drawn from one xoshiro256** stream in a fixed order (sizes, W, then X
 * and y task by task), so a seed gives the same bits on every platform with
 * IEEE doubles and the same libm.
 */
#include "data.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void mtl_gen_params_init(mtl_gen_params *p) {
  *p = (mtl_gen_params){.kind = MTL_GEN_SPARSE,
                        .T = 20,
                        .d = 50,
                        .n = 60,
                        .n_min = 0,
                        .support = 10,
                        .rank = 3,
                        .clusters = 3,
                        .noise = 0.5,
                        .deviation = 0.1,
                        .classification = 0,
                        .sparse_x = 0,
                        .density = 0.1,
                        .shared_design = 0,
                        .seed = 1};
}

/* One error per bad field, naming it, before anything is drawn. */
static int check_params(const mtl_gen_params *p) {
  if ((int)p->kind < MTL_GEN_SPARSE || (int)p->kind > MTL_GEN_MEAN)
    return mtl__err(MTL_EINVAL,
                    "gen: kind = %d is not a mtl_gen_kind "
                    "(0 sparse, 1 lowrank, 2 clustered, 3 mean)",
                    (int)p->kind);
  if (p->T < 1)
    return mtl__err(MTL_EINVAL, "gen: T = %d tasks; need T >= 1", p->T);
  if (p->d < 1)
    return mtl__err(MTL_EINVAL, "gen: d = %d features; need d >= 1", p->d);
  if (p->n < 1)
    return mtl__err(MTL_EINVAL, "gen: n = %d samples per task; need n >= 1",
                    p->n);
  if (p->n_min < 0 || p->n_min > p->n)
    return mtl__err(MTL_EINVAL,
                    "gen: n_min = %d must be 0 (all tasks have n) or in "
                    "[1, n = %d]",
                    p->n_min, p->n);
  if (p->kind == MTL_GEN_SPARSE && (p->support < 1 || p->support > p->d))
    return mtl__err(MTL_EINVAL, "gen: support = %d must be in [1, d = %d]",
                    p->support, p->d);
  if (p->kind == MTL_GEN_LOWRANK &&
      (p->rank < 1 || p->rank > (p->d < p->T ? p->d : p->T)))
    return mtl__err(MTL_EINVAL, "gen: rank = %d must be in [1, min(d, T) = %d]",
                    p->rank, p->d < p->T ? p->d : p->T);
  if (p->kind == MTL_GEN_CLUSTERED && (p->clusters < 1 || p->clusters > p->T))
    return mtl__err(MTL_EINVAL, "gen: clusters = %d must be in [1, T = %d]",
                    p->clusters, p->T);
  if (!(p->noise >= 0) || !isfinite(p->noise))
    return mtl__err(MTL_EINVAL, "gen: noise = %g must be finite and >= 0",
                    p->noise);
  if (!(p->deviation >= 0) || !isfinite(p->deviation))
    return mtl__err(MTL_EINVAL, "gen: deviation = %g must be finite and >= 0",
                    p->deviation);
  if (p->classification != 0 && p->classification != 1)
    return mtl__err(MTL_EINVAL, "gen: classification = %d must be 0 or 1",
                    p->classification);
  if (p->sparse_x != 0 && p->sparse_x != 1)
    return mtl__err(MTL_EINVAL, "gen: sparse_x = %d must be 0 or 1",
                    p->sparse_x);
  if (p->sparse_x && !(p->density > 0 && p->density <= 1))
    return mtl__err(MTL_EINVAL, "gen: density = %g must be in (0, 1]",
                    p->density);
  if (p->shared_design != 0 && p->shared_design != 1)
    return mtl__err(MTL_EINVAL, "gen: shared_design = %d must be 0 or 1",
                    p->shared_design);
  if (p->shared_design && p->sparse_x)
    return mtl__err(MTL_EUNSUPPORTED,
                    "gen: shared_design = 1 needs a dense X (sparse_x = 1 "
                    "given)");
  if (p->shared_design && p->n_min > 0)
    return mtl__err(MTL_EUNSUPPORTED,
                    "gen: shared_design = 1 needs equal task sizes (n_min = "
                    "%d given)",
                    p->n_min);
  if ((double)p->n * p->d > 1e9 || (double)p->d * p->T > 1e9)
    return mtl__err(MTL_EINVAL,
                    "gen: n x d = %d x %d or d x T = %d x %d is too large",
                    p->n, p->d, p->d, p->T);
  return MTL_OK;
}

static double normal_nonzero(mtl__rng *r) {
  double x;
  do
    x = mtl__rng_normal(r);
  while (x == 0.0);
  return x;
}

/* Fills W (d x T, column-major) with the ground truth of p->kind. */
static int draw_W(const mtl_gen_params *p, mtl__rng *r, double *W) {
  int d = p->d, T = p->T;
  size_t dT = (size_t)d * T;
  switch (p->kind) {
  case MTL_GEN_SPARSE: {
    int *perm = mtl__malloc((size_t)d * sizeof *perm);
    if (!perm)
      return MTL_ENOMEM;
    for (int j = 0; j < d; j++)
      perm[j] = j;
    mtl__rng_shuffle_int(r, perm, d);
    memset(W, 0, dT * sizeof *W);
    /* The first `support` entries of a random permutation are the support;
     * its rows are then drawn in feature order. */
    char *in = mtl__calloc((size_t)d, 1);
    if (!in) {
      free(perm);
      return MTL_ENOMEM;
    }
    for (int k = 0; k < p->support; k++)
      in[perm[k]] = 1;
    for (int j = 0; j < d; j++)
      if (in[j])
        for (int t = 0; t < T; t++)
          W[(size_t)t * d + j] = normal_nonzero(r);
    free(in);
    free(perm);
    return MTL_OK;
  }
  case MTL_GEN_LOWRANK: {
    int rk = p->rank;
    double *U = mtl__malloc((size_t)d * rk * sizeof *U);
    double *V = mtl__malloc((size_t)T * rk * sizeof *V);
    if (!U || !V) {
      free(U);
      free(V);
      return MTL_ENOMEM;
    }
    for (size_t k = 0; k < (size_t)d * rk; k++)
      U[k] = mtl__rng_normal(r);
    for (size_t k = 0; k < (size_t)T * rk; k++)
      V[k] = mtl__rng_normal(r);
    /* W = U V' / sqrt(r); U is d x r, V is T x r, both column-major. */
    mtl__gemm(0, 1, d, T, rk, 1.0 / sqrt((double)rk), U, d, V, T, 0.0, W, d);
    free(U);
    free(V);
    return MTL_OK;
  }
  case MTL_GEN_CLUSTERED: {
    int k = p->clusters;
    double *C = mtl__malloc((size_t)d * k * sizeof *C);
    if (!C)
      return MTL_ENOMEM;
    for (size_t q = 0; q < (size_t)d * k; q++)
      C[q] = mtl__rng_normal(r);
    for (int t = 0; t < T; t++) {
      const double *c = C + (size_t)(t % k) * d;
      for (int j = 0; j < d; j++)
        W[(size_t)t * d + j] = c[j] + p->deviation * mtl__rng_normal(r);
    }
    free(C);
    return MTL_OK;
  }
  case MTL_GEN_MEAN: {
    double *w0 = mtl__malloc((size_t)d * sizeof *w0);
    if (!w0)
      return MTL_ENOMEM;
    for (int j = 0; j < d; j++)
      w0[j] = mtl__rng_normal(r);
    for (int t = 0; t < T; t++)
      for (int j = 0; j < d; j++)
        W[(size_t)t * d + j] = w0[j] + p->deviation * mtl__rng_normal(r);
    free(w0);
    return MTL_OK;
  }
  }
  return mtl__err(MTL_EINVAL, "gen: kind = %d is not a mtl_gen_kind",
                  (int)p->kind);
}

/* Target of one sample from its noiseless score z. */
static double target(const mtl_gen_params *p, mtl__rng *r, double z) {
  double v = z + p->noise * mtl__rng_normal(r);
  if (p->classification)
    return v < 0 ? -1.0 : 1.0;
  return v;
}

/* Appends one dense task of n samples with weights w. */
static int dense_task(const mtl_gen_params *p, mtl__rng *r, const double *w,
                      int n, mtl_dataset *ds) {
  int d = p->d;
  double *X = mtl__malloc((size_t)n * d * sizeof *X);
  double *y = mtl__malloc((size_t)n * sizeof *y);
  if (!X || !y) {
    free(X);
    free(y);
    return MTL_ENOMEM;
  }
  for (int i = 0; i < n; i++) {
    double *x = X + (size_t)i * d, z = 0;
    for (int j = 0; j < d; j++) {
      x[j] = mtl__rng_normal(r);
      z += x[j] * w[j];
    }
    y[i] = target(p, r, z);
  }
  int rc = mtl__dataset_adopt_dense(
      ds, n, X, y,
      p->classification ? MTL_TASK_CLASSIFICATION : MTL_TASK_REGRESSION, NULL);
  return rc < 0 ? rc : MTL_OK;
}

/* Grows the CSR arrays to hold at least need entries. */
static int csr_grow(int32_t **ix, double **v, int64_t *cap, int64_t need) {
  if (need <= *cap)
    return MTL_OK;
  int64_t c = *cap;
  while (c < need)
    c *= 2;
  int32_t *ix2 = realloc(*ix, (size_t)c * sizeof *ix2);
  if (ix2)
    *ix = ix2;
  double *v2 = realloc(*v, (size_t)c * sizeof *v2);
  if (v2)
    *v = v2;
  if (!ix2 || !v2)
    return mtl__err(MTL_ENOMEM, "gen: out of memory for %lld CSR entries",
                    (long long)c);
  *cap = c;
  return MTL_OK;
}

/* Appends one CSR task: each entry is nonzero with probability density. */
static int csr_task(const mtl_gen_params *p, mtl__rng *r, const double *w,
                    int n, mtl_dataset *ds) {
  int d = p->d, rc = MTL_OK;
  int64_t cap = (int64_t)(1.25 * p->density * n * d) + d + 16, nnz = 0;
  int64_t *ip = mtl__malloc((size_t)(n + 1) * sizeof *ip);
  int32_t *ix = mtl__malloc((size_t)cap * sizeof *ix);
  double *v = mtl__malloc((size_t)cap * sizeof *v);
  double *y = mtl__malloc((size_t)n * sizeof *y);
  if (!ip || !ix || !v || !y) {
    rc = MTL_ENOMEM;
    goto cleanup;
  }
  ip[0] = 0;
  for (int i = 0; i < n; i++) {
    double z = 0;
    if ((rc = csr_grow(&ix, &v, &cap, nnz + d)))
      goto cleanup;
    for (int j = 0; j < d; j++)
      if (mtl__rng_uniform(r) < p->density) {
        ix[nnz] = j;
        v[nnz] = normal_nonzero(r);
        z += v[nnz++] * w[j];
      }
    ip[i + 1] = nnz;
    y[i] = target(p, r, z);
  }
  rc = mtl__dataset_adopt_csr(
      ds, n, ip, ix, v, y,
      p->classification ? MTL_TASK_CLASSIFICATION : MTL_TASK_REGRESSION, NULL);
  return rc < 0 ? rc : MTL_OK; /* adopted, or freed on failure */
cleanup:
  free(ip);
  free(ix);
  free(v);
  free(y);
  return rc;
}

/* Shared design: one X (n x d) for all tasks, Y column-major n x T. */
static int shared_tasks(const mtl_gen_params *p, mtl__rng *r, const double *W,
                        mtl_dataset *ds) {
  int n = p->n, d = p->d, T = p->T;
  double *X = mtl__malloc((size_t)n * d * sizeof *X);
  double *Y = mtl__malloc((size_t)n * T * sizeof *Y);
  int rc = MTL_OK;
  if (!X || !Y) {
    rc = MTL_ENOMEM;
    goto cleanup;
  }
  for (size_t k = 0; k < (size_t)n * d; k++)
    X[k] = mtl__rng_normal(r);
  for (int t = 0; t < T; t++) {
    const double *w = W + (size_t)t * d;
    for (int i = 0; i < n; i++) {
      const double *x = X + (size_t)i * d;
      double z = 0;
      for (int j = 0; j < d; j++)
        z += x[j] * w[j];
      Y[(size_t)t * n + i] = target(p, r, z);
    }
  }
  rc = mtl_dataset_set_shared(ds, n, X, T, Y,
                              p->classification ? MTL_TASK_CLASSIFICATION
                                                : MTL_TASK_REGRESSION);
cleanup:
  free(X);
  free(Y);
  return rc;
}

int mtl_generate(const mtl_gen_params *p, mtl_dataset **out, double **W_true) {
  int rc;
  int *sizes = NULL;
  double *W = NULL;
  mtl_dataset *ds = NULL;
  mtl__rng r;
  if (W_true)
    *W_true = NULL;
  if (!out)
    return mtl__err(MTL_EINVAL, "mtl_generate: NULL output argument");
  *out = NULL;
  if (!p)
    return mtl__err(MTL_EINVAL, "mtl_generate: params are NULL");
  if ((rc = check_params(p)))
    return rc;
  mtl__rng_seed(&r, p->seed);
  int T = p->T, d = p->d;
  sizes = mtl__malloc((size_t)T * sizeof *sizes);
  W = mtl__malloc((size_t)d * T * sizeof *W);
  ds = mtl_dataset_create(d);
  if (!sizes || !W || !ds) {
    rc = MTL_ENOMEM;
    goto cleanup;
  }
  for (int t = 0; t < T; t++)
    sizes[t] = p->n_min > 0
                   ? p->n_min + (int)mtl__rng_below(
                                    &r, (uint64_t)(p->n - p->n_min) + 1)
                   : p->n;
  if ((rc = draw_W(p, &r, W)))
    goto cleanup;
  if (p->shared_design) {
    rc = shared_tasks(p, &r, W, ds);
  } else {
    for (int t = 0; t < T && !rc; t++)
      rc = p->sparse_x ? csr_task(p, &r, W + (size_t)t * d, sizes[t], ds)
                       : dense_task(p, &r, W + (size_t)t * d, sizes[t], ds);
  }
  if (rc)
    goto cleanup;
  *out = ds;
  ds = NULL;
  if (W_true) {
    *W_true = W;
    W = NULL;
  }
cleanup:
  mtl_dataset_free(ds);
  free(W);
  free(sizes);
  return rc;
}
