/*
 * test_metrics.c -- regression and classification metrics against hand
 * computed values, AUC with ties against a brute-force pair count, and the
 * per-task / mean / pooled aggregation of mtl_metrics_dataset.
 */
#include "check.h"

/* AUC as the fraction of (positive, negative) pairs ordered correctly,
 * ties counting 1/2: the definition the midrank formula must match. */
static double auc_brute(const double *y, const double *p, int n) {
  double good = 0, pairs = 0;
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++)
      if (y[i] > 0 && y[j] < 0) {
        pairs++;
        good += p[i] > p[j] ? 1.0 : p[i] == p[j] ? 0.5 : 0.0;
      }
  return pairs ? good / pairs : NAN;
}

static void test_regression(void) {
  const double y[4] = {1, 2, 3, 4}, p[4] = {1.5, 2, 2, 5};
  mtl_metrics m;
  CHECK_OK(mtl_metrics_compute(MTL_TASK_REGRESSION, y, p, 4, &m));
  /* r = y - p = (-0.5, 0, 1, -1); Var(y) = 1.25; SS_tot = 5; SS_res = 2.25;
   * mean r = -0.125, Var(r) = 0.5625 - 0.015625 = 0.546875. */
  CHECK(m.n == 4);
  CHECK_CLOSE(m.mse, 0.5625, 1e-15);
  CHECK_CLOSE(m.rmse, 0.75, 1e-15);
  CHECK_CLOSE(m.mae, 0.625, 1e-15);
  CHECK_CLOSE(m.r2, 0.55, 1e-15);
  CHECK_CLOSE(m.explained_variance, 1 - 0.546875 / 1.25, 1e-15);
  CHECK(isnan(m.accuracy) && isnan(m.error) && isnan(m.auc) && isnan(m.f1) &&
        isnan(m.precision) && isnan(m.recall));
  /* Perfect predictions. */
  CHECK_OK(mtl_metrics_compute(MTL_TASK_REGRESSION, y, y, 4, &m));
  CHECK(m.mse == 0 && m.mae == 0 && m.r2 == 1 && m.explained_variance == 1);
  /* Constant offset: EV = 1 (Var(y - p) = 0), r2 = 1 - 1 / 1.25 = 0.2. */
  const double q[4] = {2, 3, 4, 5};
  CHECK_OK(mtl_metrics_compute(MTL_TASK_REGRESSION, y, q, 4, &m));
  CHECK_CLOSE(m.explained_variance, 1.0, 1e-15);
  CHECK_CLOSE(m.r2, 0.2, 1e-15);
  /* Constant targets: r2 and EV undefined (NaN); errors still defined. */
  const double c[3] = {2, 2, 2}, pc[3] = {1, 2, 4};
  CHECK_OK(mtl_metrics_compute(MTL_TASK_REGRESSION, c, pc, 3, &m));
  CHECK(isnan(m.r2) && isnan(m.explained_variance));
  CHECK_CLOSE(m.mse, 5.0 / 3, 1e-15);
  CHECK_CLOSE(m.mae, 1.0, 1e-15);
}

static void test_classification(void) {
  /* Predicted +1 when p > 0 (0 -> -1): TP = 2 (0,1), FP = 1 (2), FN = 1 (4),
   * TN = 2 (3,5).  AUC pairs (pos vs neg): 0.9 beats 3; 0.2 ties 0.2 and
   * beats -0.5 and 0.0 -> 2.5; -0.1 beats -0.5 -> 1; 6.5 / 9. */
  const double y[6] = {1, 1, -1, -1, 1, -1};
  const double p[6] = {0.9, 0.2, 0.2, -0.5, -0.1, 0.0};
  mtl_metrics m;
  CHECK_OK(mtl_metrics_compute(MTL_TASK_CLASSIFICATION, y, p, 6, &m));
  CHECK(m.n == 6);
  CHECK_CLOSE(m.accuracy, 4.0 / 6, 1e-15);
  CHECK_CLOSE(m.error, 2.0 / 6, 1e-15);
  CHECK_CLOSE(m.precision, 2.0 / 3, 1e-15);
  CHECK_CLOSE(m.recall, 2.0 / 3, 1e-15);
  CHECK_CLOSE(m.f1, 2.0 / 3, 1e-15);
  CHECK_CLOSE(m.auc, 6.5 / 9, 1e-15);
  CHECK_CLOSE(m.auc, auc_brute(y, p, 6), 1e-15);
  CHECK(isnan(m.mse) && isnan(m.rmse) && isnan(m.mae) && isnan(m.r2) &&
        isnan(m.explained_variance));

  /* Asymmetric precision / recall: TP = 1, FP = 2, FN = 0 -> P = 1/3, R = 1,
   * F1 = 2/4 = 0.5. */
  const double y2[4] = {1, -1, -1, -1}, p2[4] = {3, 2, 1, -1};
  CHECK_OK(mtl_metrics_compute(MTL_TASK_CLASSIFICATION, y2, p2, 4, &m));
  CHECK_CLOSE(m.precision, 1.0 / 3, 1e-15);
  CHECK_CLOSE(m.recall, 1.0, 1e-15);
  CHECK_CLOSE(m.f1, 0.5, 1e-15);
  CHECK_CLOSE(m.auc, 1.0, 1e-15);
  CHECK_CLOSE(m.accuracy, 0.5, 1e-15);

  /* One class absent: AUC NaN; undefined precision / recall / F1 are 0. */
  const double yn[3] = {-1, -1, -1}, pn[3] = {-1, -2, -0.5};
  CHECK_OK(mtl_metrics_compute(MTL_TASK_CLASSIFICATION, yn, pn, 3, &m));
  CHECK(isnan(m.auc));
  CHECK(m.accuracy == 1 && m.error == 0);
  CHECK(m.precision == 0 && m.recall == 0 && m.f1 == 0);
  /* All scores tied: AUC = 1/2. */
  const double pt[6] = {0, 0, 0, 0, 0, 0};
  CHECK_OK(mtl_metrics_compute(MTL_TASK_CLASSIFICATION, y, pt, 6, &m));
  CHECK_CLOSE(m.auc, 0.5, 1e-15);
  CHECK(m.precision == 0 && m.recall == 0 && m.f1 == 0);
  CHECK_CLOSE(m.accuracy, 0.5, 1e-15);

  /* Many ties (scores on a 0.2 grid): midranks vs brute force. */
  unsigned long long s = 7;
  enum { N = 301 };
  double yr[N], pr[N];
  for (int trial = 0; trial < 5; trial++) {
    for (int i = 0; i < N; i++) {
      yr[i] = check_rand(&s) > 0.2 * trial - 0.3 ? 1 : -1;
      pr[i] = round(check_rand(&s) * 5) / 5 + (yr[i] > 0 ? 0.2 : 0);
    }
    CHECK_OK(mtl_metrics_compute(MTL_TASK_CLASSIFICATION, yr, pr, N, &m));
    CHECK_CLOSE(m.auc, auc_brute(yr, pr, N), 1e-13);
    CHECK(m.auc > 0.5 && m.auc < 1);
  }
}

static void test_errors(void) {
  const double y[3] = {1, -1, 1}, p[3] = {1, 2, 3};
  mtl_metrics m;
  CHECK_ERR(mtl_metrics_compute(MTL_TASK_REGRESSION, y, p, 0, &m), MTL_EINVAL);
  CHECK_MSG("n = 0");
  CHECK_ERR(mtl_metrics_compute(MTL_TASK_REGRESSION, NULL, p, 3, &m),
            MTL_EINVAL);
  CHECK_ERR(mtl_metrics_compute((mtl_task_kind)5, y, p, 3, &m), MTL_EINVAL);
  CHECK_MSG("kind 5");
  const double yb[3] = {1, 0.5, -1};
  CHECK_ERR(mtl_metrics_compute(MTL_TASK_CLASSIFICATION, yb, p, 3, &m),
            MTL_EINVAL);
  CHECK_MSG("label 2 is 0.5");
  const double pn[3] = {1, 2, NAN};
  CHECK_ERR(mtl_metrics_compute(MTL_TASK_REGRESSION, y, pn, 3, &m),
            MTL_ENUMERIC);
  CHECK_MSG("prediction 3 is nan");
  const double yi[3] = {1, INFINITY, 2};
  CHECK_ERR(mtl_metrics_compute(MTL_TASK_REGRESSION, yi, p, 3, &m),
            MTL_ENUMERIC);
  CHECK_MSG("target 2 is inf");
}

static void test_dataset(void) {
  /* Two regression tasks. */
  mtl_dataset *ds = mtl_dataset_create(1);
  const double x4[4] = {0, 0, 0, 0};
  const double y0[4] = {1, 2, 3, 4}, y1[2] = {0, 2};
  CHECK(mtl_dataset_add_dense(ds, 4, x4, y0, MTL_TASK_REGRESSION, "a") == 0);
  CHECK(mtl_dataset_add_dense(ds, 2, x4, y1, MTL_TASK_REGRESSION, "b") == 1);
  const double pred[6] = {1.5, 2, 2, 5, 1, 1};
  mtl_metrics pt[2], mean, pooled;
  CHECK_OK(mtl_metrics_dataset(ds, pred, pt, &mean, &pooled));
  /* task b: r = (-1, 1): mse 1, mae 1, Var(y) = 1 -> r2 0, EV 0. */
  CHECK_CLOSE(pt[0].mse, 0.5625, 1e-15);
  CHECK_CLOSE(pt[1].mse, 1.0, 1e-15);
  CHECK_CLOSE(pt[1].r2, 0.0, 1e-15);
  CHECK_CLOSE(pt[1].explained_variance, 0.0, 1e-15);
  CHECK(pt[0].n == 4 && pt[1].n == 2 && mean.n == 6 && pooled.n == 6);
  CHECK_CLOSE(mean.mse, (0.5625 + 1) / 2, 1e-15);
  CHECK_CLOSE(mean.rmse, (0.75 + 1) / 2, 1e-15);
  CHECK_CLOSE(mean.mae, (0.625 + 1) / 2, 1e-15);
  CHECK_CLOSE(mean.r2, 0.55 / 2, 1e-15);
  CHECK_CLOSE(mean.explained_variance, 0.5625 / 2, 1e-15);
  CHECK(isnan(mean.auc) && isnan(mean.accuracy));
  /* pooled: r = (-.5, 0, 1, -1, -1, 1); SS_res 4.25; mean y 2, SS_tot 10;
   * mean r = -0.5 / 6. */
  CHECK_CLOSE(pooled.mse, 4.25 / 6, 1e-15);
  CHECK_CLOSE(pooled.rmse, sqrt(4.25 / 6), 1e-15);
  CHECK_CLOSE(pooled.mae, 0.75, 1e-15);
  CHECK_CLOSE(pooled.r2, 1 - 4.25 / 10, 1e-15);
  double vr = 4.25 / 6 - (0.5 / 6) * (0.5 / 6);
  CHECK_CLOSE(pooled.explained_variance, 1 - vr / (10.0 / 6), 1e-14);
  CHECK(isnan(pooled.auc));
  /* per_task and pooled may be NULL. */
  mtl_metrics mean2;
  CHECK_OK(mtl_metrics_dataset(ds, pred, NULL, &mean2, NULL));
  CHECK(mean2.mse == mean.mse && mean2.r2 == mean.r2);
  /* A bad prediction names the task. */
  const double badp[6] = {1, 2, 3, 4, NAN, 0};
  CHECK_ERR(mtl_metrics_dataset(ds, badp, pt, &mean, &pooled), MTL_ENUMERIC);
  CHECK_MSG("task 2 (b)");
  CHECK_ERR(mtl_metrics_dataset(NULL, pred, pt, &mean, &pooled), MTL_EINVAL);
  mtl_dataset_free(ds);

  /* Classification tasks; task d has only positives (AUC NaN, skipped by
   * the mean).  Task c: y (1,-1,1,-1), p (2,1,-1,-2): acc 0.5, AUC 3/4,
   * P = R = F1 = 0.5.  Task d: y (1,1), p (1,-1): acc 0.5, P 1, R 0.5,
   * F1 2/3. */
  ds = mtl_dataset_create(1);
  const double yc[4] = {1, -1, 1, -1}, yd[2] = {1, 1};
  CHECK(mtl_dataset_add_dense(ds, 4, x4, yc, MTL_TASK_CLASSIFICATION, "c") ==
        0);
  CHECK(mtl_dataset_add_dense(ds, 2, x4, yd, MTL_TASK_CLASSIFICATION, "d") ==
        1);
  const double pc[6] = {2, 1, -1, -2, 1, -1};
  CHECK_OK(mtl_metrics_dataset(ds, pc, pt, &mean, &pooled));
  CHECK_CLOSE(pt[0].auc, 0.75, 1e-15);
  CHECK(isnan(pt[1].auc));
  CHECK_CLOSE(mean.auc, 0.75, 1e-15); /* NaN of task d skipped */
  CHECK_CLOSE(mean.accuracy, 0.5, 1e-15);
  CHECK_CLOSE(mean.precision, (0.5 + 1) / 2, 1e-15);
  CHECK_CLOSE(mean.recall, (0.5 + 0.5) / 2, 1e-15);
  CHECK_CLOSE(mean.f1, (0.5 + 2.0 / 3) / 2, 1e-15);
  CHECK(isnan(mean.mse));
  /* pooled: y (1,-1,1,-1,1,1), p (2,1,-1,-2,1,-1): TP 2, FP 1, FN 2, TN 1;
   * acc 0.5, P 2/3, R 1/2, F1 4/7; AUC by brute force. */
  const double ycat[6] = {1, -1, 1, -1, 1, 1};
  CHECK_CLOSE(pooled.accuracy, 0.5, 1e-15);
  CHECK_CLOSE(pooled.precision, 2.0 / 3, 1e-15);
  CHECK_CLOSE(pooled.recall, 0.5, 1e-15);
  CHECK_CLOSE(pooled.f1, 4.0 / 7, 1e-15);
  CHECK_CLOSE(pooled.auc, auc_brute(ycat, pc, 6), 1e-15);
  CHECK_CLOSE(pooled.auc, 5.5 / 8, 1e-15);
  mtl_dataset_free(ds);

  /* Mixed kinds: the mean takes each field from the tasks defining it;
   * pooled is all NaN. */
  ds = mtl_dataset_create(1);
  CHECK(mtl_dataset_add_dense(ds, 4, x4, y0, MTL_TASK_REGRESSION, "r") == 0);
  CHECK(mtl_dataset_add_dense(ds, 4, x4, yc, MTL_TASK_CLASSIFICATION, "k") ==
        1);
  const double pm[8] = {1.5, 2, 2, 5, 2, 1, -1, -2};
  CHECK_OK(mtl_metrics_dataset(ds, pm, pt, &mean, &pooled));
  CHECK_CLOSE(mean.mse, 0.5625, 1e-15);
  CHECK_CLOSE(mean.r2, 0.55, 1e-15);
  CHECK_CLOSE(mean.accuracy, 0.5, 1e-15);
  CHECK_CLOSE(mean.auc, 0.75, 1e-15);
  CHECK(pooled.n == 8);
  CHECK(isnan(pooled.mse) && isnan(pooled.r2) && isnan(pooled.accuracy) &&
        isnan(pooled.auc) && isnan(pooled.f1));
  mtl_dataset_free(ds);
}

/* End to end with a model: predictions feed the metrics. */
static void test_with_model(void) {
  /* y = 2 x + 1 exactly for task 0; task 1 labels sign(x - 0.5). */
  mtl_dataset *ds = mtl_dataset_create(1);
  const double x[4] = {0, 1, 2, 3}, y0[4] = {1, 3, 5, 7}, y1[4] = {-1, 1, 1, 1};
  mtl_dataset_add_dense(ds, 4, x, y0, MTL_TASK_REGRESSION, NULL);
  mtl_dataset_add_dense(ds, 4, x, y1, MTL_TASK_CLASSIFICATION, NULL);
  const double W[4] = {2, 1, 1, -0.5}; /* (w, b) per task */
  mtl_scaler s = {.d = 1, .standardize = 0, .bias = 1};
  mtl_model *m = mtl_model_create(2, 2, W, NULL, &s);
  double pred[8];
  CHECK_OK(mtl_model_predict(m, ds, pred));
  mtl_metrics pt[2], mean;
  CHECK_OK(mtl_metrics_dataset(ds, pred, pt, &mean, NULL));
  CHECK_CLOSE(pt[0].rmse, 0.0, 1e-15);
  CHECK_CLOSE(pt[0].r2, 1.0, 1e-15);
  CHECK_CLOSE(pt[1].accuracy, 1.0, 1e-15);
  CHECK_CLOSE(pt[1].auc, 1.0, 1e-15);
  CHECK_CLOSE(pt[1].f1, 1.0, 1e-15);
  mtl_model_free(m);
  mtl_dataset_free(ds);
}

int main(void) {
  test_regression();
  test_classification();
  test_errors();
  test_dataset();
  test_with_model();
  CHECK_DONE();
}
