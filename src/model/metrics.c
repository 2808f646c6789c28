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
 *  - Sample weights w_i >= 0 (mtl_metrics_compute_weighted, and the
 *    dataset's sample weights in mtl_metrics_dataset) as scikit-learn's
 *    sample_weight: every mean, variance and count above weighted, AUC
 *    over pairs weighted w_i w_j; so integer weights score as repeated
 *    samples.  Without weights the same arithmetic with w_i = 1 (exact).
 */
#include "model.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

typedef struct scored {
  double p, w; /* score, sample weight */
  int pos;     /* 1 if label +1 */
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

/* Weight of sample i (1 without weights). */
static inline double wt(const double *w, int i) { return w ? w[i] : 1.0; }

/* Weighted regression metrics; W = sum_i w_i > 0.  With w = NULL every
 * product by 1.0 and the division by W = n are exact: the unweighted
 * values, bit for bit. */
static void regression(const double *y, const double *p, const double *w,
                       int n, double W, mtl_metrics *m) {
  double ym = 0, rm = 0, mse = 0, mae = 0;
  for (int i = 0; i < n; i++) {
    double r = y[i] - p[i], s = wt(w, i);
    ym += s * y[i];
    rm += s * r;
    mse += s * (r * r);
    mae += s * fabs(r);
  }
  ym /= W;
  rm /= W;
  mse /= W;
  mae /= W;
  /* Second pass for centered sums (numerically stable variances). */
  double vy = 0, vr = 0;
  for (int i = 0; i < n; i++) {
    double a = y[i] - ym, r = (y[i] - p[i]) - rm, s = wt(w, i);
    vy += s * (a * a);
    vr += s * (r * r);
  }
  vy /= W;
  vr /= W;
  m->mse = mse;
  m->rmse = sqrt(mse);
  m->mae = mae;
  m->explained_variance = vy > 0 ? 1.0 - vr / vy : NAN;
  m->r2 = vy > 0 ? 1.0 - mse / vy : NAN;
}

/* AUC as the weighted fraction of (positive, negative) pairs ranked
 * correctly, ties counting 1/2 (the Mann-Whitney statistic; scikit-learn's
 * roc_auc_score with sample_weight): sort by score, and for each run of
 * tied scores with positive weight P_g and negative weight N_g, count
 * P_g (N below the run) + P_g N_g / 2.  Unweighted, every sum is an
 * integer or a half, so the result is the midrank formula's. */
static int auc_pairs(const double *y, const double *p, const double *w,
                     int n, double *auc) {
  scored *s = mtl__malloc((size_t)n * sizeof *s);
  if (!s)
    return MTL_ENOMEM;
  double wpos = 0, wneg = 0;
  for (int i = 0; i < n; i++) {
    s[i] = (scored){.p = p[i], .pos = y[i] > 0, .w = wt(w, i)};
    if (s[i].pos)
      wpos += s[i].w;
    else
      wneg += s[i].w;
  }
  if (!(wpos > 0) || !(wneg > 0)) {
    free(s);
    *auc = NAN;
    return MTL_OK;
  }
  qsort(s, (size_t)n, sizeof *s, cmp_scored);
  double below = 0, num = 0;
  for (int i = 0; i < n;) {
    double pg = 0, ng = 0;
    int j = i;
    for (; j < n && s[j].p == s[i].p; j++)
      if (s[j].pos)
        pg += s[j].w;
      else
        ng += s[j].w;
    num += pg * below + 0.5 * pg * ng;
    below += ng;
    i = j;
  }
  free(s);
  *auc = num / (wpos * wneg);
  return MTL_OK;
}

static int classification(const double *y, const double *p, const double *w,
                          int n, double W, mtl_metrics *m) {
  double tp = 0, fp = 0, fn = 0, tn = 0;
  for (int i = 0; i < n; i++) {
    int pred = p[i] > 0;
    int pos = y[i] > 0;
    double s = wt(w, i);
    tp += pred && pos ? s : 0.0;
    fp += pred && !pos ? s : 0.0;
    fn += !pred && pos ? s : 0.0;
    tn += !pred && !pos ? s : 0.0;
  }
  m->accuracy = (tp + tn) / W;
  m->error = 1.0 - m->accuracy;
  m->precision = tp + fp > 0 ? tp / (tp + fp) : 0.0;
  m->recall = tp + fn > 0 ? tp / (tp + fn) : 0.0;
  m->f1 = 2 * tp + fp + fn > 0 ? 2 * tp / (2 * tp + fp + fn) : 0.0;
  return auc_pairs(y, p, w, n, &m->auc);
}

/* The arguments' checks; *W = the sum of the weights (n without). */
static int check_inputs(mtl_task_kind kind, const double *y, const double *p,
                        const double *w, int n, double *W) {
  if (n < 1)
    return mtl__err(MTL_EINVAL, "metrics: n = %d samples, need >= 1", n);
  if (kind != MTL_TASK_REGRESSION && kind != MTL_TASK_CLASSIFICATION)
    return mtl__err(MTL_EINVAL, "metrics: invalid task kind %d", (int)kind);
  *W = 0;
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
    if (w && !(w[i] >= 0 && isfinite(w[i])))
      return mtl__err(MTL_EINVAL,
                      "metrics: sample weight %d is %g; weights must be "
                      ">= 0 and finite",
                      i + 1, w[i]);
    *W += wt(w, i);
  }
  return MTL_OK;
}

int mtl_metrics_compute_weighted(mtl_task_kind kind, const double *y,
                                 const double *p, const double *w, int n,
                                 mtl_metrics *out) {
  if (!y || !p || !out)
    return mtl__err(MTL_EINVAL, "mtl_metrics_compute: NULL argument");
  double W = 0;
  int rc = check_inputs(kind, y, p, w, n, &W);
  if (rc)
    return rc;
  mtl_metrics m;
  set_all_nan(&m, n);
  if (!(W > 0)) { /* every weight 0: no sample counts */
    *out = m;
    return MTL_OK;
  }
  if (kind == MTL_TASK_REGRESSION)
    regression(y, p, w, n, W, &m);
  else if ((rc = classification(y, p, w, n, W, &m)))
    return rc;
  *out = m;
  return MTL_OK;
}

int mtl_metrics_compute(mtl_task_kind kind, const double *y, const double *p,
                        int n, mtl_metrics *out) {
  return mtl_metrics_compute_weighted(kind, y, p, NULL, n, out);
}

double mtl__task_error(mtl_task_kind kind, const double *y, const double *p,
                       const double *w, int n) {
  double e = 0, W = 0;
  for (int i = 0; i < n; i++) {
    double s = wt(w, i);
    W += s;
    if (kind == MTL_TASK_CLASSIFICATION)
      e += (p[i] > 0 ? 1.0 : -1.0) != y[i] ? s : 0.0;
    else
      e += s * ((p[i] - y[i]) * (p[i] - y[i]));
  }
  if (!(W > 0))
    return NAN;
  return kind == MTL_TASK_CLASSIFICATION ? e / W : sqrt(e / W);
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

/* The metrics of every sample of ds at once (tasks of one kind), each
 * weighing its sample weight (1 in a task without them). */
static int pooled_metrics(const mtl_dataset *ds, const double *pred,
                          int64_t total, mtl_metrics *pooled) {
  int weighted = mtl_dataset_has_sample_weights(ds);
  double *ycat = mtl__malloc((size_t)total * sizeof(double));
  double *wcat =
      weighted ? mtl__malloc((size_t)total * sizeof(double)) : NULL;
  if (!ycat || (weighted && !wcat)) {
    free(ycat);
    free(wcat);
    return MTL_ENOMEM;
  }
  size_t off = 0;
  for (int t = 0; t < ds->T; t++) {
    const mtl__task *tk = &ds->tasks[t];
    memcpy(ycat + off, tk->y, (size_t)tk->n * sizeof(double));
    for (int i = 0; weighted && i < tk->n; i++)
      wcat[off + (size_t)i] = mtl__sw(tk, i);
    off += (size_t)tk->n;
  }
  int rc = mtl_metrics_compute_weighted(ds->tasks[0].kind, ycat, pred, wcat,
                                        (int)total, pooled);
  if (rc)
    mtl__err_prefix(rc, "pooled metrics");
  free(ycat);
  free(wcat);
  return rc;
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
  if (!pt) {
    pt = mtl__malloc((size_t)ds->T * sizeof *pt);
    if (!pt)
      return MTL_ENOMEM;
  }
  size_t off = 0;
  int kinds = 0; /* bit k set if a task of kind k is present */
  for (int t = 0; t < ds->T; t++) {
    const mtl__task *tk = &ds->tasks[t];
    rc = mtl_metrics_compute_weighted(tk->kind, tk->y, pred + off, tk->sw,
                                      tk->n, &pt[t]);
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
    rc = pooled_metrics(ds, pred, total, pooled);
  }
done:
  if (pt != per_task)
    free(pt);
  return rc;
}
