/*
 * test_weights_eval.c -- sample weights in the scores: integer weights give
 * the metrics (mtl_metrics_compute_weighted, mtl_metrics_dataset: per
 * task, task mean, pooled; RMSE, MAE, R^2, accuracy, F1, AUC with ties) of
 * the samples repeated, to 1e-12; non-integer weights against direct
 * sums (AUC against a weighted count of every pair); and the validation
 * errors of mtl_search_run (k folds and a holdout split) equal, fold by
 * fold, the errors of the repeated samples: the fold's training
 * part repeated and fitted, its held-out part repeated and scored
 * unweighted (BCD, run to its fixed point, so that the two fits agree to
 * rounding), to 1e-10, with the same choice of the best point.
 */
#include "check.h"

enum { D = 4, T = 3, NMAX = 40 };

/* Integer weights 1..3 with every 7th weight 0 (no fold of a task all 0). */
static double int_weight(unsigned long long *seed, int i) {
  return i % 7 == 3 ? 0.0 : floor(1.5 * (check_rand(seed) + 1.0)) + 1.0;
}

/* Every field of two metric records agree to tol (NaN to NaN). */
static void same_metrics(const mtl_metrics *a, const mtl_metrics *b, double tol,
                         const char *what) {
  const double va[] = {a->rmse, a->mse,       a->mae,   a->explained_variance,
                       a->r2,   a->accuracy,  a->error, a->auc,
                       a->f1,   a->precision, a->recall};
  const double vb[] = {b->rmse, b->mse,       b->mae,   b->explained_variance,
                       b->r2,   b->accuracy,  b->error, b->auc,
                       b->f1,   b->precision, b->recall};
  int fails = check_failures;
  for (size_t k = 0; k < sizeof va / sizeof *va; k++) {
    CHECK(isnan(va[k]) == isnan(vb[k]));
    if (!isnan(va[k]) && !isnan(vb[k]))
      CHECK_CLOSE(va[k], vb[k], tol);
  }
  if (check_failures > fails)
    fprintf(stderr, "  (metrics: %s)\n", what);
}

/* mtl_metrics_compute_weighted on integer weights = mtl_metrics_compute on
 * the repeated samples; w = NULL = the unweighted call, bit for bit;
 * non-integer weights: accuracy and AUC against direct weighted sums. */
static void test_compute(void) {
  enum { N = 31 };
  unsigned long long seed = 11;
  for (int cls = 0; cls <= 1; cls++) {
    double y[N], p[N], w[N], yr[4 * N], pr[4 * N];
    int m = 0;
    for (int i = 0; i < N; i++) {
      double z = check_rand(&seed);
      /* scores on a grid of 0.25: ties within and across the classes */
      p[i] = cls ? round(4 * (z + 0.3 * check_rand(&seed))) / 4 : 2 * z;
      y[i] = cls ? (z + 0.5 * check_rand(&seed) > 0 ? 1.0 : -1.0)
                 : 2 * z + check_rand(&seed);
      w[i] = int_weight(&seed, i);
      for (int r = 0; r < (int)w[i]; r++)
        yr[m] = y[i], pr[m++] = p[i];
    }
    mtl_task_kind kind = cls ? MTL_TASK_CLASSIFICATION : MTL_TASK_REGRESSION;
    mtl_metrics a, b, u, v;
    CHECK_OK(mtl_metrics_compute_weighted(kind, y, p, w, N, &a));
    CHECK_OK(mtl_metrics_compute(kind, yr, pr, m, &b));
    same_metrics(&a, &b, 1e-12, cls ? "classification" : "regression");
    CHECK(a.n == N);
    CHECK_OK(mtl_metrics_compute_weighted(kind, y, p, NULL, N, &u));
    CHECK_OK(mtl_metrics_compute(kind, y, p, N, &v));
    CHECK(!memcmp(&u, &v, sizeof u));
    if (!cls)
      continue;
    /* non-integer weights: the definitions, summed directly */
    double pos = 0, neg = 0, pairs = 0, right = 0, all = 0;
    for (int i = 0; i < N; i++)
      w[i] = 0.25 + check_rand(&seed) + 1.0; /* 0.25 .. 2.25 */
    for (int i = 0; i < N; i++) {
      all += w[i];
      right += ((p[i] > 0) == (y[i] > 0)) ? w[i] : 0.0;
      *(y[i] > 0 ? &pos : &neg) += w[i];
      for (int j = 0; j < N; j++)
        if (y[i] > 0 && y[j] < 0)
          pairs += w[i] * w[j] * (p[i] > p[j] ? 1.0 : p[i] == p[j] ? 0.5 : 0.0);
    }
    CHECK_OK(mtl_metrics_compute_weighted(kind, y, p, w, N, &a));
    CHECK_CLOSE(a.auc, pairs / (pos * neg), 1e-13);
    CHECK_CLOSE(a.accuracy, right / all, 1e-13);
  }
  /* every weight 0: nothing to score; a bad weight names its sample */
  double y[3] = {1, 2, 3}, p[3] = {1, 1, 1}, w[3] = {0, 0, 0};
  mtl_metrics a;
  CHECK_OK(mtl_metrics_compute_weighted(MTL_TASK_REGRESSION, y, p, w, 3, &a));
  CHECK(isnan(a.rmse) && isnan(a.r2) && a.n == 3);
  w[2] = -1;
  CHECK_ERR(mtl_metrics_compute_weighted(MTL_TASK_REGRESSION, y, p, w, 3, &a),
            MTL_EINVAL);
  CHECK_MSG("sample weight 3 is -1");
  w[2] = NAN;
  CHECK_ERR(mtl_metrics_compute_weighted(MTL_TASK_REGRESSION, y, p, w, 3, &a),
            MTL_EINVAL);
}

/* T dense tasks of n_t = 15 + 4t rows (the weighted data, weights w) or
 * the same rows repeated w_i times (rep). */
typedef struct gen_data {
  int n[T];
  double X[T][NMAX * D], y[T][NMAX], w[T][NMAX];
} gen_data;

static void gen(gen_data *g, int cls, unsigned long long seed) {
  for (int t = 0; t < T; t++) {
    g->n[t] = 15 + 4 * t;
    for (int i = 0; i < g->n[t]; i++) {
      double z = 0;
      for (int j = 0; j < D; j++) {
        double v = check_rand(&seed) + (j == 1 ? 2.0 : 0.0);
        g->X[t][i * D + j] = v;
        z += v * (0.6 - 0.3 * j + 0.2 * t);
      }
      z += 0.7 * check_rand(&seed);
      g->y[t][i] = cls ? (z > 0.9 ? 1.0 : -1.0) : z;
      g->w[t][i] = int_weight(&seed, i);
    }
  }
}

static mtl_dataset *build(const gen_data *g, int cls, int rep) {
  mtl_dataset *ds = mtl_dataset_create(D);
  for (int t = 0; t < T; t++) {
    double X[4 * NMAX * D], y[4 * NMAX];
    int m = 0;
    for (int i = 0; i < g->n[t]; i++)
      for (int r = 0; r < (rep ? (int)g->w[t][i] : 1); r++) {
        memcpy(X + m * D, g->X[t] + i * D, D * sizeof(double));
        y[m++] = g->y[t][i];
      }
    CHECK_OK(mtl_dataset_add_dense(
        ds, m, X, y, cls ? MTL_TASK_CLASSIFICATION : MTL_TASK_REGRESSION,
        NULL));
    if (!rep)
      CHECK_OK(mtl_dataset_set_sample_weights(ds, t, g->w[t]));
  }
  return ds;
}

/* ds with each sample repeated by its (integer) weight, unweighted. */
static mtl_dataset *repeated(const mtl_dataset *ds) {
  int64_t idx[4 * T * NMAX], m = 0, off = 0;
  for (int t = 0; t < mtl_dataset_ntasks(ds); t++) {
    const double *w = mtl_dataset_task_sample_weights(ds, t);
    for (int i = 0; i < mtl_dataset_task_n(ds, t); i++)
      for (int r = 0; r < (w ? (int)w[i] : 1); r++)
        idx[m++] = off + i;
    off += mtl_dataset_task_n(ds, t);
  }
  mtl_dataset *out = NULL;
  CHECK_OK(mtl_dataset_subset(ds, idx, (int)m, &out));
  for (int t = 0; out && t < mtl_dataset_ntasks(out); t++)
    CHECK_OK(mtl_dataset_set_sample_weights(out, t, NULL));
  return out;
}

/* mtl_metrics_dataset on the weighted data = on the repeated data (per
 * task, the mean over tasks, pooled), predictions repeated alike. */
static void test_dataset_metrics(void) {
  for (int cls = 0; cls <= 1; cls++) {
    gen_data g;
    gen(&g, cls, 5 + cls);
    mtl_dataset *dw = build(&g, cls, 0), *dr = build(&g, cls, 1);
    double pw[T * NMAX], pr[4 * T * NMAX];
    unsigned long long seed = 3;
    int a = 0, b = 0;
    for (int t = 0; t < T; t++)
      for (int i = 0; i < g.n[t]; i++) {
        pw[a] = g.y[t][i] + 0.8 * check_rand(&seed);
        for (int r = 0; r < (int)g.w[t][i]; r++)
          pr[b++] = pw[a];
        a++;
      }
    mtl_metrics tw[T], tr[T], mw, mr, ow, orr;
    CHECK_OK(mtl_metrics_dataset(dw, pw, tw, &mw, &ow));
    CHECK_OK(mtl_metrics_dataset(dr, pr, tr, &mr, &orr));
    for (int t = 0; t < T; t++)
      same_metrics(&tw[t], &tr[t], 1e-12, "per task");
    same_metrics(&mw, &mr, 1e-12, "task mean");
    same_metrics(&ow, &orr, 1e-12, "pooled");
    mtl_dataset_free(dw);
    mtl_dataset_free(dr);
  }
}

/* Unweighted task-averaged error of m on ds (RMSE or error rate). */
static double avg_error(const mtl_model *m, const mtl_dataset *ds, int cls) {
  double pred[4 * T * NMAX];
  mtl_metrics per[T];
  CHECK_OK(mtl_model_predict(m, ds, pred));
  CHECK_OK(mtl_metrics_dataset(ds, pred, per, NULL, NULL));
  double s = 0;
  for (int t = 0; t < T; t++)
    s += cls ? per[t].error : per[t].rmse;
  return s / T;
}

/* mtl_search_run on the weighted data, BCD to its fixed point: the error
 * of every point and part equals that of the part's training samples
 * repeated, fitted, and scored on its held-out samples repeated. */
static void test_search(int cls, int folds, double holdout) {
  gen_data g;
  gen(&g, cls, 21 + cls);
  mtl_dataset *dw = build(&g, cls, 0);
  mtl_params *p = mtl_params_create("batch");
  CHECK_OK(mtl_params_set(p, "solver", "bcd"));
  CHECK_OK(mtl_params_set(p, "select_tol", "0"));
  CHECK_OK(mtl_params_set(p, "tol_gap", "1e-15"));
  CHECK_OK(mtl_params_set(p, "tol", "0"));
  CHECK_OK(mtl_params_set(p, "max_iter", "100000"));
  CHECK_OK(mtl_params_set(p, "ridge", "0.05"));
  if (cls) /* BCD takes the squared loss: +-1 targets */
    CHECK_OK(mtl_params_set(p, "loss", "squared"));
  const char *grid = "lambda=0.003,0.03,0.3; reg=l21,l1";
  mtl_search *s = NULL;
  CHECK_OK(mtl_search_run(dw, p, NULL, grid, folds, holdout, 9, &s));
  int np = s ? mtl_search_npoints(s) : 0, parts = folds ? folds : 1;
  double hand[6] = {0}, best = INFINITY;
  int ibest = -1;
  for (int f = 0; f < parts; f++) {
    mtl_dataset *tr = NULL, *va = NULL;
    if (folds)
      CHECK_OK(mtl_dataset_kfold(dw, folds, f, 9, &tr, &va));
    else
      CHECK_OK(mtl_dataset_split(dw, 1.0 - holdout, 9, &tr, &va));
    mtl_dataset *trr = repeated(tr), *var = repeated(va);
    for (int i = 0; i < np && trr && var; i++) {
      mtl_params *q = mtl_search_params(s, i);
      mtl_model *m = NULL;
      CHECK_OK(mtl_fit(trr, q, NULL, &m, NULL));
      if (m)
        hand[i] += avg_error(m, var, cls) / parts;
      mtl_model_free(m);
      mtl_params_free(q);
    }
    mtl_dataset_free(tr);
    mtl_dataset_free(va);
    mtl_dataset_free(trr);
    mtl_dataset_free(var);
  }
  int fails = check_failures;
  for (int i = 0; i < np; i++) {
    CHECK_CLOSE(mtl_search_error(s, i), hand[i], 1e-10);
    if (hand[i] < best)
      best = hand[i], ibest = i;
  }
  /* the same choice (error rates can tie: the same error then) */
  CHECK(np == 6 && ibest >= 0);
  if (np == 6 && ibest >= 0)
    CHECK_CLOSE(hand[mtl_search_best(s)], best, 1e-12);
  if (check_failures > fails)
    fprintf(stderr, "  (search: %s, folds %d, holdout %g)\n",
            cls ? "classification" : "regression", folds, holdout);
  mtl_search_free(s);
  mtl_params_free(p);
  mtl_dataset_free(dw);
}

int main(void) {
  test_compute();
  test_dataset_metrics();
  for (int cls = 0; cls <= 1; cls++) {
    test_search(cls, 3, 0);
    test_search(cls, 0, 0.3);
  }
  CHECK_DONE();
}
