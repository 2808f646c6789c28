/*
 * data_scaler.c -- feature standardization: the scaler fitted on pooled
 * statistics of every task (in passes shared with the MPI version) and its
 * application to a dataset (dense rows scaled, CSR kept sparse).
 */
#include "data.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- scaler ---------------------------------------------------------------
 */

/* Pooled statistics over every sample of every task (a shared X counts
 * once: repeating it T times changes neither mean nor std).  Two passes
 * (mean, then squared deviations) for accuracy.  For CSR tasks the implicit
 * zeros take part: sum (x - mu)^2 = sum_nz (x - mu)^2 + (N - nnz_j) mu^2.
 * If any task is CSR, the mean is reported as 0 (data stays sparse) but the
 * scale is still the population std around the true mean.
 *
 * Sample weights s_i (mtl_dataset_set_sample_weights) make the statistics
 * weighted: sample i counts s_i times in N, the sums and the squared
 * deviations, so that integer weights give the mean and std of the data
 * with sample i repeated s_i times, and a zero weight those of the data
 * without it (a zero-weight sample does not enter the range mn/mx either).
 * A shared X weighs its row i by the mean of the tasks' s_ti: what the T
 * copies of the row would weigh pooled. */
/* The passes of a scaler fit, shared with the MPI version (mpi_core.c),
 * which reduces the statistics over ranks between them.  Layout of a:
 * [N, any_sparse, nnz (d), sum (d), sq (d)] (N and nnz weighted); mn/mx
 * start at +-inf.  A shared-design dataset counts its one X once. */

/* The pooled weight of row i of task t (see above). */
static double row_weight(const mtl_dataset *ds, int t, int i) {
  if (!ds->shared)
    return mtl__sw(&ds->tasks[t], i);
  double s = 0;
  for (int k = 0; k < ds->T; k++)
    s += mtl__sw(&ds->tasks[k], i);
  return s / ds->T;
}

/* Adds the weighted sums of task t's dense rows. */
static void dense_sums(const mtl_dataset *ds, int t, int d, double *a,
                       double *mn, double *mx) {
  const mtl__task *tk = &ds->tasks[t];
  double *nnz = a + 2, *sum = nnz + d;
  for (int i = 0; i < tk->n; i++) {
    const double *x = tk->X + (size_t)i * d;
    double w = row_weight(ds, t, i);
    a[0] += w;
    for (int j = 0; j < d; j++)
      nnz[j] += w; /* dense rows: every entry is explicit */
    if (w == 0)
      continue;
    for (int j = 0; j < d; j++) {
      sum[j] += w * x[j];
      mn[j] = fmin(mn[j], x[j]);
      mx[j] = fmax(mx[j], x[j]);
    }
  }
}

void mtl__scaler_sums(const mtl_dataset *ds, int d, double *a, double *mn,
                      double *mx) {
  double *nnz = a + 2, *sum = nnz + d;
  int T = !ds ? 0 : ds->shared ? 1 : ds->T;
  for (int t = 0; t < T; t++) {
    const mtl__task *tk = &ds->tasks[t];
    if (tk->X) {
      dense_sums(ds, t, d, a, mn, mx);
      continue;
    }
    a[1] = 1;
    for (int i = 0; i < tk->n; i++) {
      double w = mtl__sw(tk, i);
      a[0] += w;
      if (w == 0)
        continue;
      for (int64_t p = tk->indptr[i]; p < tk->indptr[i + 1]; p++) {
        int j = tk->indices[p];
        sum[j] += w * tk->values[p];
        mn[j] = fmin(mn[j], tk->values[p]);
        mx[j] = fmax(mx[j], tk->values[p]);
        nnz[j] += w;
      }
    }
  }
}

/* Means from the (reduced) sums; implicit zeros of sparse data enter the
 * range (when they weigh more than rounding of the weighted counts).
 * a[0] (N) must be > 0. */
void mtl__scaler_means(mtl_scaler *s, const double *a, double *mn,
                       double *mx) {
  int d = s->d;
  const double *nnz = a + 2, *sum = nnz + d;
  for (int j = 0; j < d; j++) {
    s->mean[j] = sum[j] / a[0];
    if (a[0] - nnz[j] > 1e-12 * a[0]) {
      mn[j] = fmin(mn[j], 0.0);
      mx[j] = fmax(mx[j], 0.0);
    }
  }
}

/* Weighted sums of squared deviations from s->mean into a's sq block
 * (explicit entries only; the implicit zeros are added in
 * mtl__scaler_scales). */
void mtl__scaler_sqdev(const mtl_dataset *ds, const mtl_scaler *s,
                       double *a) {
  int d = s->d;
  double *sq = a + 2 + 2 * d;
  int T = !ds ? 0 : ds->shared ? 1 : ds->T;
  for (int t = 0; t < T; t++) {
    const mtl__task *tk = &ds->tasks[t];
    for (int i = 0; i < tk->n; i++) {
      double w = row_weight(ds, t, i);
      if (w == 0)
        continue;
      if (tk->X) {
        const double *x = tk->X + (size_t)i * d;
        for (int j = 0; j < d; j++)
          sq[j] += w * (x[j] - s->mean[j]) * (x[j] - s->mean[j]);
        continue;
      }
      for (int64_t p = tk->indptr[i]; p < tk->indptr[i + 1]; p++) {
        int j = tk->indices[p];
        double e = tk->values[p] - s->mean[j];
        sq[j] += w * e * e;
      }
    }
  }
}

/* Population standard deviations from the (reduced) statistics; constant
 * features (exactly, or up to rounding) keep scale 1; sparse data is not
 * centered (mean 0) so that it stays sparse. */
void mtl__scaler_scales(mtl_scaler *s, const double *a, const double *mn,
                        const double *mx) {
  int d = s->d;
  double N = a[0];
  const double *nnz = a + 2, *sq = a + 2 + 2 * d;
  for (int j = 0; j < d; j++) {
    double mu = s->mean[j];
    double zeros = N - nnz[j] > 1e-12 * N ? N - nnz[j] : 0.0;
    double sd = sqrt((sq[j] + zeros * mu * mu) / N);
    if (mx[j] == mn[j] || !(sd > 1e-12 * fmax(fabs(mx[j]), fabs(mn[j]))))
      sd = 1.0;
    s->scale[j] = sd;
    if (a[1] > 0)
      s->mean[j] = 0.0;
  }
}

int mtl_scaler_fit(const mtl_dataset *ds, int standardize, int bias,
                   mtl_scaler *s) {
  int rc;
  double *a = NULL, *mn = NULL, *mx = NULL;
  if (!s)
    return mtl__err(MTL_EINVAL, "mtl_scaler_fit: scaler is NULL");
  memset(s, 0, sizeof *s);
  if ((rc = mtl__dataset_check(ds, "mtl_scaler_fit")))
    return rc;
  if (standardize != 0 && standardize != 1)
    return mtl__err(MTL_EINVAL, "scaler: standardize = %d must be 0 or 1",
                    standardize);
  if (bias != 0 && bias != 1)
    return mtl__err(MTL_EINVAL, "scaler: bias = %d must be 0 or 1", bias);
  int d = ds->d;
  s->mean = mtl__calloc((size_t)d, sizeof(double));
  s->scale = mtl__malloc((size_t)d * sizeof(double));
  if (!s->mean || !s->scale) {
    rc = MTL_ENOMEM;
    goto cleanup;
  }
  s->d = d;
  s->standardize = standardize;
  s->bias = bias;
  for (int j = 0; j < d; j++)
    s->scale[j] = 1.0;
  if (!standardize)
    goto cleanup;
  a = mtl__calloc((size_t)(2 + 3 * d), sizeof *a);
  mn = mtl__malloc((size_t)d * sizeof *mn);
  mx = mtl__malloc((size_t)d * sizeof *mx);
  if (!a || !mn || !mx) {
    rc = MTL_ENOMEM;
    goto cleanup;
  }
  for (int j = 0; j < d; j++) {
    mn[j] = INFINITY;
    mx[j] = -INFINITY;
  }
  mtl__scaler_sums(ds, d, a, mn, mx);
  mtl__scaler_means(s, a, mn, mx);
  mtl__scaler_sqdev(ds, s, a);
  mtl__scaler_scales(s, a, mn, mx);
cleanup:
  free(a);
  free(mn);
  free(mx);
  if (rc)
    mtl_scaler_clear(s);
  return rc;
}

void mtl_scaler_clear(mtl_scaler *s) {
  if (!s)
    return;
  free(s->mean);
  free(s->scale);
  memset(s, 0, sizeof *s);
}

/* Dense transformed copy of n rows: x' = (x - mean) / scale (+ bias 1).
 * src is dense (X != NULL) or the CSR arrays of task tk. */
static double *scale_dense(const mtl_scaler *s, const mtl__task *tk,
                           const double *X, int n) {
  int d = s->d, dout = d + s->bias;
  double *Z = mtl__malloc((size_t)n * (size_t)dout * sizeof *Z);
  if (!Z)
    return NULL;
  for (int i = 0; i < n; i++) {
    double *z = Z + (size_t)i * dout;
    if (X) {
      const double *x = X + (size_t)i * d;
      for (int j = 0; j < d; j++)
        z[j] = (x[j] - s->mean[j]) / s->scale[j];
    } else {
      for (int j = 0; j < d; j++)
        z[j] = -s->mean[j] / s->scale[j];
      for (int64_t p = tk->indptr[i]; p < tk->indptr[i + 1]; p++) {
        int j = tk->indices[p];
        z[j] = (tk->values[p] - s->mean[j]) / s->scale[j];
      }
    }
    if (s->bias)
      z[d] = 1.0;
  }
  return Z;
}

/* Appends the scaled copy of task tk to out. */
static int scale_task(const mtl_scaler *s, const mtl__task *tk, int centered,
                      mtl_dataset *out) {
  int n = tk->n, idx;
  double *y = mtl__malloc((size_t)n * sizeof *y);
  if (!y)
    return MTL_ENOMEM;
  memcpy(y, tk->y, (size_t)n * sizeof *y);
  if (tk->X || centered) {
    /* Centering a CSR task would fill it in: it becomes dense. */
    double *Z = scale_dense(s, tk, tk->X, n);
    if (!Z) {
      free(y);
      return MTL_ENOMEM;
    }
    idx = mtl__dataset_adopt_dense(out, n, Z, y, tk->kind, tk->name);
  } else {
    int64_t nnz = tk->indptr[n] + (int64_t)s->bias * n;
    int64_t *ip = mtl__malloc((size_t)(n + 1) * sizeof *ip);
    int32_t *ix = mtl__malloc((size_t)nnz * sizeof *ix);
    double *v = mtl__malloc((size_t)nnz * sizeof *v);
    if (!ip || !ix || !v) {
      free(ip);
      free(ix);
      free(v);
      free(y);
      return MTL_ENOMEM;
    }
    int64_t q = 0;
    ip[0] = 0;
    for (int i = 0; i < n; i++) {
      for (int64_t p = tk->indptr[i]; p < tk->indptr[i + 1]; p++) {
        ix[q] = tk->indices[p];
        v[q++] = tk->values[p] / s->scale[tk->indices[p]];
      }
      if (s->bias) { /* column d is past every column: order is kept */
        ix[q] = s->d;
        v[q++] = 1.0;
      }
      ip[i + 1] = q;
    }
    idx = mtl__dataset_adopt_csr(out, n, ip, ix, v, y, tk->kind, tk->name);
  }
  if (idx < 0)
    return idx;
  out->tasks[idx].weight = tk->weight;
  return mtl__task_copy_sw(tk, NULL, n, &out->tasks[idx]);
}

/* Releases the feature arrays of task t of ds (taken by the scaling). */
static void release_features(mtl_dataset *ds, int t) {
  mtl__task *tk = &ds->tasks[t];
  if (tk->owns_X) {
    free(tk->X);
    free(tk->indptr);
    free(tk->indices);
    free(tk->values);
  }
  tk->X = tk->values = NULL;
  tk->indptr = NULL;
  tk->indices = NULL;
  tk->owns_X = 0;
}

static int apply(const mtl_scaler *s, const mtl_dataset *ds,
                 mtl_dataset *take, mtl_dataset **out);

int mtl_scaler_apply(const mtl_scaler *s, const mtl_dataset *ds,
                     mtl_dataset **out) {
  return apply(s, ds, NULL, out);
}

int mtl__scaler_apply_take(const mtl_scaler *s, mtl_dataset *ds,
                           mtl_dataset **out) {
  return apply(s, ds, ds, out);
}

/* The scaled copy of ds; with take (== ds), each task's raw features are
 * released as soon as its copy is made. */
static int apply(const mtl_scaler *s, const mtl_dataset *ds,
                 mtl_dataset *take, mtl_dataset **out) {
  int rc;
  if (!out)
    return mtl__err(MTL_EINVAL, "mtl_scaler_apply: NULL output argument");
  *out = NULL;
  if (!s || !s->mean || !s->scale)
    return mtl__err(MTL_EINVAL, "mtl_scaler_apply: scaler is not fitted");
  if ((rc = mtl__dataset_check(ds, "mtl_scaler_apply")))
    return rc;
  if (s->bias != 0 && s->bias != 1)
    return mtl__err(MTL_EINVAL, "scaler: bias = %d must be 0 or 1", s->bias);
  if (s->d != ds->d)
    return mtl__err(MTL_EDIM,
                    "scaler was fitted on %d features but the dataset has %d",
                    s->d, ds->d);
  int centered = 0;
  for (int j = 0; j < s->d; j++) {
    if (!isfinite(s->mean[j]) || !isfinite(s->scale[j]) || !(s->scale[j] != 0))
      return mtl__err(MTL_EINVAL,
                      "scaler: feature %d has mean %g and scale %g; need "
                      "finite values and a non-zero scale",
                      j + 1, s->mean[j], s->scale[j]);
    centered |= s->mean[j] != 0;
  }
  mtl_dataset *o = mtl_dataset_create(ds->d + s->bias);
  if (!o)
    return MTL_ENOMEM;
  mtl__dataset_copy_notes(ds, o);
  if (ds->shared) {
    int n = ds->tasks[0].n;
    double *Z = scale_dense(s, NULL, ds->shared_X, n);
    if (!Z) {
      rc = MTL_ENOMEM;
      goto cleanup;
    }
    o->shared_X = Z;
    o->shared = 1;
    if (take) {
      free(take->shared_X);
      take->shared_X = NULL;
      for (int t = 0; t < take->T; t++)
        take->tasks[t].X = NULL;
    }
    for (int t = 0; t < ds->T && !rc; t++) {
      const mtl__task *tk = &ds->tasks[t];
      double *y = mtl__malloc((size_t)n * sizeof *y);
      if (!y) {
        rc = MTL_ENOMEM;
        break;
      }
      memcpy(y, tk->y, (size_t)n * sizeof *y);
      int idx = mtl__dataset_adopt_dense(o, n, NULL, y, tk->kind, tk->name);
      if (idx < 0) {
        rc = idx;
        break;
      }
      o->tasks[idx].X = Z;
      o->tasks[idx].owns_X = 0;
      o->tasks[idx].weight = tk->weight;
      rc = mtl__task_copy_sw(tk, NULL, n, &o->tasks[idx]);
    }
  } else {
    for (int t = 0; t < ds->T && !rc; t++) {
      rc = scale_task(s, &ds->tasks[t], centered, o);
      if (!rc && take)
        release_features(take, t);
    }
  }
  if (!rc)
    rc = mtl__dataset_copy_global(ds, NULL, o);
cleanup:
  if (rc) {
    mtl_dataset_free(o);
    o = NULL;
  }
  *out = o;
  return rc;
}
