/*
 * metrics.c -- evaluation metrics for regression and +-1 classification,
 * per task, averaged over tasks and pooled over samples.
 *
 * Conventions (also stated in docs/model-format.md, section "Metrics"):
 *  - Regression: mse = mean (y - p)^2, rmse = sqrt(mse), mae = mean |y - p|,
 *    explained_variance = 1 - Var(y - p) / Var(y), r2 = 1 - SS_res / SS_tot
 *    (population variances).  Both ratios are NaN when Var(y) = 0.
 *  - Classification: the predicted class is +1 when p > 0, else -1.
 *    accuracy, error = 1 - accuracy; precision, recall and F1 of class +1,
 *    each 0 when its denominator is 0 (no predicted / no true positives; F1
 *    = 2TP / (2TP + FP + FN) is 0 when TP = FP = FN = 0).  AUC is the
 *    Mann-Whitney statistic with midranks for tied scores, i.e. the fraction
 *    of (positive, negative) pairs ranked correctly, ties counting 1/2; NaN
 *    when a class is absent.
 *  - Fields of the other kind are NaN.
 */
#include "model.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

typedef struct scored {
  double p;
  int pos; /* 1 if label +1 */
} scored;

static int cmp_scored(const void *a, const void *b) {
  double x = ((const scored *)a)->p, y = ((const scored *)b)->p;
  return (x > y) - (x < y);
}

static void set_all_nan(mtl_metrics *m, int n) {
  double nan = NAN;
  *m = (mtl_metrics){.n = n,
                     .rmse = nan,
                     .mse = nan,
                     .mae = nan,
                     .explained_variance = nan,
                     .r2 = nan,
                     .accuracy = nan,
                     .error = nan,
                     .auc = nan,
                     .f1 = nan,
                     .precision = nan,
                     .recall = nan};
}

static void regression(const double *y, const double *p, int n,
                       mtl_metrics *m) {
  double ym = 0, rm = 0, mse = 0, mae = 0;
  for (int i = 0; i < n; i++) {
    double r = y[i] - p[i];
    ym += y[i];
    rm += r;
    mse += r * r;
    mae += fabs(r);
  }
  ym /= n;
  rm /= n;
  mse /= n;
  mae /= n;
  /* Second pass for centered sums (numerically stable variances). */
  double vy = 0, vr = 0;
  for (int i = 0; i < n; i++) {
    double a = y[i] - ym, r = (y[i] - p[i]) - rm;
    vy += a * a;
    vr += r * r;
  }
  vy /= n;
  vr /= n;
  m->mse = mse;
  m->rmse = sqrt(mse);
  m->mae = mae;
  m->explained_variance = vy > 0 ? 1.0 - vr / vy : NAN;
  m->r2 = vy > 0 ? 1.0 - mse / vy : NAN;
}

/* AUC by midranks: sort by score, give each run of ties the average of its
 * ranks, then AUC = (sum of positive ranks - P (P + 1) / 2) / (P N). */
static int auc_midrank(const double *y, const double *p, int n, double *auc) {
  scored *s = mtl__malloc((size_t)n * sizeof *s);
  if (!s)
    return MTL_ENOMEM;
  double npos = 0;
  for (int i = 0; i < n; i++) {
    s[i].p = p[i];
    s[i].pos = y[i] > 0;
    npos += s[i].pos;
  }
  double nneg = n - npos;
  if (npos == 0 || nneg == 0) {
    free(s);
    *auc = NAN;
    return MTL_OK;
  }
  qsort(s, (size_t)n, sizeof *s, cmp_scored);
  double rank_sum = 0;
  for (int i = 0; i < n;) {
    int j = i;
    double pos_in_run = 0;
    while (j < n && s[j].p == s[i].p)
      pos_in_run += s[j++].pos;
    /* ranks i+1 .. j (1-based); their mean */
    rank_sum += pos_in_run * 0.5 * ((double)(i + 1) + (double)j);
    i = j;
  }
  free(s);
  *auc = (rank_sum - npos * (npos + 1) / 2) / (npos * nneg);
  return MTL_OK;
}

static int classification(const double *y, const double *p, int n,
                          mtl_metrics *m) {
  double tp = 0, fp = 0, fn = 0, tn = 0;
  for (int i = 0; i < n; i++) {
    int pred = p[i] > 0;
    int pos = y[i] > 0;
    tp += pred && pos;
    fp += pred && !pos;
    fn += !pred && pos;
    tn += !pred && !pos;
  }
  m->accuracy = (tp + tn) / n;
  m->error = 1.0 - m->accuracy;
  m->precision = tp + fp > 0 ? tp / (tp + fp) : 0.0;
  m->recall = tp + fn > 0 ? tp / (tp + fn) : 0.0;
  m->f1 = 2 * tp + fp + fn > 0 ? 2 * tp / (2 * tp + fp + fn) : 0.0;
  return auc_midrank(y, p, n, &m->auc);
}

int mtl_metrics_compute(mtl_task_kind kind, const double *y, const double *p,
                        int n, mtl_metrics *out) {
  if (!y || !p || !out)
    return mtl__err(MTL_EINVAL, "mtl_metrics_compute: NULL argument");
  if (n < 1)
    return mtl__err(MTL_EINVAL, "metrics: n = %d samples, need >= 1", n);
  if (kind != MTL_TASK_REGRESSION && kind != MTL_TASK_CLASSIFICATION)
    return mtl__err(MTL_EINVAL, "metrics: invalid task kind %d", (int)kind);
  for (int i = 0; i < n; i++) {
    if (!isfinite(y[i]))
      return mtl__err(MTL_ENUMERIC, "metrics: target %d is %g", i + 1, y[i]);
    if (!isfinite(p[i]))
      return mtl__err(MTL_ENUMERIC, "metrics: prediction %d is %g", i + 1,
                      p[i]);
    if (kind == MTL_TASK_CLASSIFICATION && y[i] != 1.0 && y[i] != -1.0)
      return mtl__err(MTL_EINVAL,
                      "metrics: label %d is %g; classification labels must "
                      "be -1 or +1",
                      i + 1, y[i]);
  }
  mtl_metrics m;
  set_all_nan(&m, n);
  if (kind == MTL_TASK_REGRESSION) {
    regression(y, p, n, &m);
  } else {
    int rc = classification(y, p, n, &m);
    if (rc)
      return rc;
  }
  *out = m;
  return MTL_OK;
}

/* Offsets of the double fields of mtl_metrics. */
static const size_t metric_fields[] = {
    offsetof(mtl_metrics, rmse),  offsetof(mtl_metrics, mse),
    offsetof(mtl_metrics, mae),   offsetof(mtl_metrics, explained_variance),
    offsetof(mtl_metrics, r2),    offsetof(mtl_metrics, accuracy),
    offsetof(mtl_metrics, error), offsetof(mtl_metrics, auc),
    offsetof(mtl_metrics, f1),    offsetof(mtl_metrics, precision),
    offsetof(mtl_metrics, recall)};

static double field(const mtl_metrics *m, size_t off) {
  double v;
  memcpy(&v, (const char *)m + off, sizeof v);
  return v;
}

/* Field-wise mean over k metric records, skipping NaN entries (a field NaN
 * in every record stays NaN). */
static void mean_skip_nan(const mtl_metrics *a, int k, mtl_metrics *out) {
  for (size_t f = 0; f < sizeof metric_fields / sizeof *metric_fields; f++) {
    double s = 0, v;
    int c = 0;
    for (int t = 0; t < k; t++)
      if (!isnan(v = field(&a[t], metric_fields[f]))) {
        s += v;
        c++;
      }
    v = c ? s / c : NAN;
    memcpy((char *)out + metric_fields[f], &v, sizeof v);
  }
}

int mtl_metrics_dataset(const mtl_dataset *ds, const double *pred,
                        mtl_metrics *per_task, mtl_metrics *mean,
                        mtl_metrics *pooled) {
  if (!ds || !pred)
    return mtl__err(MTL_EINVAL, "mtl_metrics_dataset: NULL argument");
  if (ds->T < 1)
    return mtl__err(MTL_EINVAL, "metrics: dataset has no tasks");
  int rc = MTL_OK;
  int64_t total = mtl_dataset_total_n(ds);
  mtl_metrics *pt = per_task;
  double *ycat = NULL;
  if (!pt) {
    pt = mtl__malloc((size_t)ds->T * sizeof *pt);
    if (!pt)
      return MTL_ENOMEM;
  }
  size_t off = 0;
  int kinds = 0; /* bit k set if a task of kind k is present */
  for (int t = 0; t < ds->T; t++) {
    const mtl__task *tk = &ds->tasks[t];
    rc = mtl_metrics_compute(tk->kind, tk->y, pred + off, tk->n, &pt[t]);
    if (rc) {
      mtl__err_prefix(rc, "task %d (%s)", t + 1, tk->name);
      goto done;
    }
    off += (size_t)tk->n;
    kinds |= 1 << tk->kind;
  }
  if (mean) {
    mean_skip_nan(pt, ds->T, mean);
    mean->n = total > INT32_MAX ? INT32_MAX : (int)total;
  }
  if (pooled) {
    if (kinds != 1 && kinds != 2) {
      /* Mixed kinds: no single pooled metric makes sense. */
      set_all_nan(pooled, total > INT32_MAX ? INT32_MAX : (int)total);
      goto done;
    }
    if (total > INT32_MAX) {
      rc = mtl__err(MTL_EUNSUPPORTED,
                    "metrics: pooled over %lld samples exceeds 2^31 - 1",
                    (long long)total);
      goto done;
    }
    ycat = mtl__malloc((size_t)total * sizeof(double));
    if (!ycat) {
      rc = MTL_ENOMEM;
      goto done;
    }
    off = 0;
    for (int t = 0; t < ds->T; t++) {
      memcpy(ycat + off, ds->tasks[t].y,
             (size_t)ds->tasks[t].n * sizeof(double));
      off += (size_t)ds->tasks[t].n;
    }
    rc = mtl_metrics_compute(ds->tasks[0].kind, ycat, pred, (int)total, pooled);
    if (rc)
      mtl__err_prefix(rc, "pooled metrics");
  }
done:
  free(ycat);
  if (pt != per_task)
    free(pt);
  return rc;
}
