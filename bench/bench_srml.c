/*
 * bench_srml.c -- experiments for SRML / SSML (Bai et al., SDM 2023).
 *
 *   bench_srml synth-reg  [seeds]      Table 3 layout, regression
 *   bench_srml synth-cls  [seeds]      Table 3 layout, classification
 *   bench_srml school DATA_DIR         Table 1: School MSE over 10 splits
 *   bench_srml scale                   Fig. 3: runtime vs n, T, d
 *   bench_srml trace OUT.csv           Fig. 2: objective / residuals
 *
 * Every method goes through the library: SRML/SSML via mtl_srml_fit and
 * mtl_srml_to_model, the baselines (Lasso, L2,1, trace, independent
 * ridge / logistic) via mtl_solve on X standardized with an unpenalized
 * bias (mtl_scaler), predictions via mtl_model_predict, metrics via
 * mtl_metrics_dataset.  Hyper-parameters are chosen on a validation split
 * of the training part (70/30), then refit on the whole training part.
 */
#include "mtl.h"
#include "solvers/solvers.h" /* method fits, batch solver (private) */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DIE(...)                                                               \
  do {                                                                         \
    fprintf(stderr, __VA_ARGS__);                                              \
    fprintf(stderr, " (%s)\n", mtl_last_error());                              \
    exit(1);                                                                   \
  } while (0)

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

enum { M_SRML, M_SSML, M_LASSO, M_L21, M_TRACE, M_INDEP, M_COUNT };
static const char *mname[M_COUNT] = {"SRML",  "SSML",  "Lasso",
                                     "L21",   "Trace", "Independent"};

/* Fits method m with hyper-parameters (h1, h2) on tr; returns a model. */
static mtl_model *fit(int m, const mtl_dataset *tr, double h1, double h2,
                      int cls) {
  int T = mtl_dataset_ntasks(tr), d = mtl_dataset_dim(tr);
  mtl_model *model = NULL;
  if (m == M_SRML || m == M_SSML) {
    mtl_srml_params p;
    mtl_srml_params_init(&p);
    p.strict = m == M_SSML;
    p.lambda = h1;
    p.c = h2;
    mtl_srml_result r;
    int rc = mtl_srml_fit(tr, &p, &r);
    if (rc < 0)
      DIE("srml fit failed: %d", rc);
    if (mtl_srml_to_model(&r, &p, tr, &model))
      DIE("srml model");
    mtl_srml_result_clear(&r);
    return model;
  }
  mtl_scaler sc;
  mtl_dataset *trs = NULL;
  if (mtl_scaler_fit(tr, 1, 1, &sc) || mtl_scaler_apply(&sc, tr, &trs))
    DIE("scaler");
  mtl_problem_params pp;
  mtl_problem_params_init(&pp);
  pp.loss = cls ? MTL_LOSS_LOGISTIC : MTL_LOSS_SQUARED;
  pp.scaling = MTL_SCALE_DOUBLE_SUM;
  pp.unpenalized_last = 1;
  pp.reg.type = m == M_LASSO ? MTL_REG_L1
                             : m == M_L21 ? MTL_REG_L21
                                          : m == M_TRACE ? MTL_REG_TRACE
                                                         : MTL_REG_RIDGE;
  mtl_problem *pb = NULL;
  if (mtl_problem_create(trs, &pp, &pb))
    DIE("problem");
  double lam = h1;
  if (m != M_INDEP) { /* h1 is a fraction of lambda_max */
    double lmax;
    if (mtl_problem_lambda_max(pb, &lmax))
      DIE("lambda_max");
    lam = h1 * lmax;
  }
  mtl_problem_set_lambda(pb, lam);
  double *W = calloc((size_t)(d + 1) * T, sizeof(double));
  mtl_solver_params sp;
  mtl_solver_params_init(&sp);
  sp.record_trace = 0;
  sp.max_iter = 3000;
  if (mtl_solve(pb, &sp, W, NULL) < 0)
    DIE("solve");
  pp.reg.lambda = lam;
  model = mtl_model_create(d + 1, T, W, &pp, &sc);
  if (!model)
    DIE("model");
  mtl_model_set_meta(model, "method", mname[m]);
  free(W);
  mtl_problem_free(pb);
  mtl_dataset_free(trs);
  mtl_scaler_clear(&sc);
  return model;
}

typedef struct evalr {
  double mae, mse, msle, acc, auc, sign;
  double mse_pooled; /* ||y - y_hat||^2 / m over all tasks (Bai et al.) */
  int msle_ok;
} evalr;

/* Test metrics of a model; sign recovery against W_true when given. */
static evalr evaluate(const mtl_model *model, const mtl_dataset *te,
                      const double *Wt) {
  evalr e = {0};
  int64_t N = mtl_dataset_total_n(te);
  double *pred = malloc((size_t)N * sizeof(double));
  if (mtl_model_predict(model, te, pred))
    DIE("predict");
  mtl_metrics mean, pooled;
  if (mtl_metrics_dataset(te, pred, NULL, &mean, &pooled))
    DIE("metrics");
  e.mae = mean.mae;
  e.mse = mean.mse;
  e.mse_pooled = pooled.mse;
  e.acc = mean.accuracy;
  e.auc = mean.auc;
  /* MSLE (task-averaged) when every target and prediction is > -1 and the
   * targets are non-negative */
  int T = mtl_dataset_ntasks(te), ok = 1;
  double msle = 0;
  int64_t off = 0;
  for (int t = 0; t < T; t++) {
    int n = mtl_dataset_task_n(te, t);
    const double *y = mtl_dataset_task_y(te, t);
    double s = 0;
    for (int i = 0; i < n; i++) {
      double p = pred[off + i] > 0 ? pred[off + i] : 0;
      if (y[i] < 0)
        ok = 0;
      double q = log1p(p) - log1p(y[i] > 0 ? y[i] : 0);
      s += q * q;
    }
    msle += s / n;
    off += n;
  }
  e.msle = msle / T;
  e.msle_ok = ok;
  if (Wt) {
    mtl_signs sg;
    if (mtl_model_signs(model, 0, &sg))
      DIE("signs");
    int agree = 0, tot = sg.d * sg.T;
    for (int k = 0; k < tot; k++) {
      int s = Wt[k] > 0 ? 1 : (Wt[k] < 0 ? -1 : 0);
      agree += sg.sign[k] == s;
    }
    e.sign = (double)agree / tot;
    mtl_signs_clear(&sg);
  }
  free(pred);
  return e;
}

/* Grid search on a 70/30 split of tr; returns the refit model. */
static mtl_model *tune(int m, const mtl_dataset *tr, int cls, uint64_t seed,
                       double *b1, double *b2) {
  static const double srl[] = {0.01, 0.1, 1, 10};
  static const double src[] = {0, 0.1, 1, 10, 100};
  static const double frac[] = {0.3, 0.1, 0.03, 0.01, 0.001};
  static const double rid[] = {0.01, 0.1, 1, 10, 100};
  mtl_dataset *a = NULL, *v = NULL;
  if (mtl_dataset_split(tr, 0.7, seed + 17, &a, &v))
    DIE("split");
  const double *g1 = m <= M_SSML ? srl : (m == M_INDEP ? rid : frac);
  int n1 = m <= M_SSML ? 4 : 5;
  int n2 = m == M_SRML ? 5 : 1;
  double best = INFINITY;
  for (int i = 0; i < n1; i++)
    for (int k = 0; k < n2; k++) {
      mtl_model *md = fit(m, a, g1[i], src[k], cls);
      evalr e = evaluate(md, v, NULL);
      double err = cls ? 1 - e.auc : e.mse;
      if (err < best) {
        best = err;
        *b1 = g1[i];
        *b2 = m == M_SRML ? src[k] : 0;
      }
      mtl_model_free(md);
    }
  mtl_dataset_free(a);
  mtl_dataset_free(v);
  return fit(m, tr, *b1, *b2, cls);
}

static void synth(int cls, int seeds) {
  /* alpha, alpha_w, n, noise */
  double cfg[3][4] = {{1, 1, 100, 0.1}, {10, 1, 100, 0.1}, {1, 1, 30, 1}};
  int ncfg = cls ? 1 : 3;
  for (int c = 0; c < ncfg; c++) {
    evalr acc[M_COUNT];
    memset(acc, 0, sizeof acc);
    double h1s[M_COUNT] = {0}, h2s[M_COUNT] = {0}, secs[M_COUNT] = {0};
    int msle_ok = 1;
    for (int s = 0; s < seeds; s++) {
      mtl_srml_gen_params gp;
      mtl_srml_gen_params_init(&gp);
      if (cls) {
        gp.classification = 1;
        gp.T = 5;
        gp.flip = 0.05;
        gp.alpha = 1;
        gp.alpha_w = 0.9;
      } else {
        gp.alpha = cfg[c][0];
        gp.alpha_w = cfg[c][1];
        gp.n = (int)cfg[c][2];
        gp.noise = cfg[c][3];
      }
      gp.seed = 100 + s;
      mtl_dataset *ds = NULL, *tr = NULL, *te = NULL;
      double *Wt = NULL;
      if (mtl_srml_generate(&gp, &ds, &Wt, NULL))
        DIE("generate");
      if (mtl_dataset_split(ds, 0.5, gp.seed, &tr, &te))
        DIE("split");
      for (int m = 0; m < M_COUNT; m++) {
        double b1 = 0, b2 = 0, t0 = now();
        mtl_model *md = tune(m, tr, cls, gp.seed, &b1, &b2);
        secs[m] += now() - t0;
        evalr e = evaluate(md, te, Wt);
        acc[m].mae += e.mae / seeds;
        acc[m].mse += e.mse / seeds;
        acc[m].msle += e.msle / seeds;
        acc[m].acc += e.acc / seeds;
        acc[m].auc += e.auc / seeds;
        acc[m].sign += e.sign / seeds;
        msle_ok &= e.msle_ok;
        h1s[m] += b1 / seeds;
        h2s[m] += b2 / seeds;
        mtl_model_free(md);
      }
      free(Wt);
      mtl_dataset_free(ds);
      mtl_dataset_free(tr);
      mtl_dataset_free(te);
    }
    if (cls)
      printf("\n### Synthetic classification (T=5, n=100 (50 train), d=25, "
             "flip 0.05, alpha 1, alpha_w 0.9), mean of %d seeds\n\n"
             "| Model | sign recovery | ACC | AUC | mean lambda | mean c | "
             "tune+fit s |\n|---|---|---|---|---|---|---|\n",
             seeds);
    else
      printf("\n### Synthetic regression (T=20, n=%g (half for training), "
             "d=25, flip 0.1, alpha %g, alpha_w %g, offset 1, noise %g), "
             "mean of %d seeds\n\n| Model | sign recovery | MAE | MSE | "
             "MSLE | mean lambda | mean c | tune+fit s |\n|---|---|---|---|"
             "---|---|---|---|\n",
             cfg[c][2], cfg[c][0], cfg[c][1], cfg[c][3], seeds);
    for (int m = 0; m < M_COUNT; m++) {
      if (cls)
        printf("| %s | %.3f | %.4f | %.4f | %.3g | %.3g | %.2f |\n",
               mname[m], acc[m].sign, acc[m].acc, acc[m].auc, h1s[m], h2s[m],
               secs[m]);
      else if (msle_ok)
        printf("| %s | %.3f | %.4g | %.4g | %.4g | %.3g | %.3g | %.2f |\n",
               mname[m], acc[m].sign, acc[m].mae, acc[m].mse, acc[m].msle,
               h1s[m], h2s[m], secs[m]);
      else
        printf("| %s | %.3f | %.4g | %.4g | n/a | %.3g | %.3g | %.2f |\n",
               mname[m], acc[m].sign, acc[m].mae, acc[m].mse, h1s[m], h2s[m],
               secs[m]);
    }
    fflush(stdout);
  }
}

/* Mean and sample standard deviation of 10 values. */
static void mean_std10(const double *x, double *m, double *sd) {
  double a = 0, v = 0;
  for (int s = 0; s < 10; s++)
    a += x[s] / 10;
  for (int s = 0; s < 10; s++)
    v += (x[s] - a) * (x[s] - a) / 9;
  *m = a;
  *sd = sqrt(v);
}

static void school(const char *dir) {
  char path[4096];
  snprintf(path, sizeof path, "%s/school_argyriou/school_b.mat", dir);
  mtl_dataset *ds = NULL;
  if (mtl_dataset_read(path, NULL, &ds))
    DIE("read %s", path);
  int methods[5] = {M_SRML, M_SSML, M_LASSO, M_L21, M_INDEP};
  double mse[5][10], msp[5][10], h1[5], h2[5], secs[5] = {0};
  for (int sp = 1; sp <= 10; sp++) {
    snprintf(path, sizeof path, "%s/school_argyriou/school_%d_indexes.mat",
             dir, sp);
    int64_t *itr = NULL, *ite = NULL, ntr, nte;
    if (mtl_read_index_file(path, "tr", &itr, &ntr) ||
        mtl_read_index_file(path, "tst", &ite, &nte))
      DIE("index %s", path);
    mtl_dataset *tr = NULL, *te = NULL;
    if (mtl_dataset_subset(ds, itr, ntr, &tr) ||
        mtl_dataset_subset(ds, ite, nte, &te))
      DIE("subset");
    for (int k = 0; k < 5; k++) {
      double t0 = now();
      mtl_model *md;
      if (sp == 1)
        md = tune(methods[k], tr, 0, 1, &h1[k], &h2[k]);
      else
        md = fit(methods[k], tr, h1[k], h2[k], 0);
      secs[k] += now() - t0;
      evalr e = evaluate(md, te, NULL);
      mse[k][sp - 1] = e.mse;
      msp[k][sp - 1] = e.mse_pooled;
      mtl_model_free(md);
    }
    mtl_free(itr);
    mtl_free(ite);
    mtl_dataset_free(tr);
    mtl_dataset_free(te);
    fprintf(stderr, "school split %d done\n", sp);
  }
  printf("\n### School (139 tasks, 10 Argyriou splits, test MSE "
         "task-averaged and pooled (||y - y_hat||^2 / m, the authors'); "
         "hyper-parameters tuned on split 1's training part)\n\n"
         "| Model | MSE mean | std | pooled MSE mean | std | lambda | c | "
         "total s |\n|---|---|---|---|---|---|---|---|\n");
  for (int k = 0; k < 5; k++) {
    double m, v, mp, vp;
    mean_std10(mse[k], &m, &v);
    mean_std10(msp[k], &mp, &vp);
    printf("| %s | %.2f | %.2f | %.2f | %.2f | %.3g | %.3g | %.1f |\n",
           mname[methods[k]], m, v, mp, vp, h1[k], h2[k], secs[k]);
  }
  mtl_dataset_free(ds);
}

/* Setup (factorisation) and per-iteration cost, separated by fitting with
 * max_iter = 1 and max_iter = 1 + K with tolerances off. */
static void scale_one(int T, int n, int d, double *setup, double *per_it) {
  mtl_srml_gen_params gp;
  mtl_srml_gen_params_init(&gp);
  gp.T = T;
  gp.n = n;
  gp.d = d;
  mtl_dataset *ds = NULL;
  if (mtl_srml_generate(&gp, &ds, NULL, NULL))
    DIE("generate");
  mtl_srml_params p;
  mtl_srml_params_init(&p);
  p.tol_abs = p.tol_rel = 0;
  p.adapt_rho = 0;
  p.rho = 10;
  p.record_trace = 0;
  double t[2];
  int K = 100;
  for (int q = 0; q < 2; q++) {
    p.max_iter = q ? 1 + K : 1;
    mtl_srml_result r;
    double best = INFINITY;
    for (int rep = 0; rep < 3; rep++) {
      if (mtl_srml_fit(ds, &p, &r) < 0)
        DIE("fit");
      if (r.iterations != p.max_iter || !isfinite(r.objective))
        DIE("bad run");
      best = fmin(best, r.seconds);
      mtl_srml_result_clear(&r);
    }
    t[q] = best;
  }
  *setup = t[0];
  *per_it = (t[1] - t[0]) / K;
  mtl_dataset_free(ds);
}

static void scale(void) {
  int ns[] = {100, 200, 400, 800, 1600}, Ts[] = {10, 20, 40, 80, 160},
      ds_[] = {25, 50, 100, 200, 400};
  printf("\n### Runtime (Fig. 3): setup = data pass + Gram + Cholesky, "
         "per-iteration = w-, u-, dual steps; best of 3\n\n"
         "| vary | T | n | d | setup ms | per-iteration ms |\n"
         "|---|---|---|---|---|---|\n");
  for (int k = 0; k < 5; k++) {
    double s, it;
    scale_one(20, ns[k], 25, &s, &it);
    printf("| n | 20 | %d | 25 | %.3f | %.4f |\n", ns[k], 1e3 * s, 1e3 * it);
  }
  for (int k = 0; k < 5; k++) {
    double s, it;
    scale_one(Ts[k], 100, 25, &s, &it);
    printf("| T | %d | 100 | 25 | %.3f | %.4f |\n", Ts[k], 1e3 * s, 1e3 * it);
  }
  for (int k = 0; k < 5; k++) {
    double s, it;
    scale_one(20, 100, ds_[k], &s, &it);
    printf("| d | 20 | 100 | %d | %.3f | %.4f |\n", ds_[k], 1e3 * s,
           1e3 * it);
  }
}

static void trace(const char *out) {
  mtl_srml_gen_params gp;
  mtl_srml_gen_params_init(&gp);
  mtl_dataset *ds = NULL;
  if (mtl_srml_generate(&gp, &ds, NULL, NULL))
    DIE("generate");
  FILE *f = fopen(out, "w");
  if (!f)
    DIE("open %s", out);
  fprintf(f, "rho0,iter,objective,primal,dual\n");
  double rhos[3] = {0.1, 1, 10};
  for (int k = 0; k < 3; k++) {
    mtl_srml_params p;
    mtl_srml_params_init(&p);
    p.rho = rhos[k];
    p.c = 10;
    mtl_srml_result r;
    int rc = mtl_srml_fit(ds, &p, &r);
    printf("trace rho0=%g: rc %d, %d iterations, final rho %g, objective "
           "%.8g, primal %.3g, dual %.3g, H %.4g\n",
           rhos[k], rc, r.iterations, r.rho, r.objective, r.primal_res,
           r.dual_res, r.H);
    for (int i = 0; i < r.iterations; i++)
      fprintf(f, "%g,%d,%.10g,%.6g,%.6g\n", rhos[k], i + 1, r.trace_obj[i],
              r.trace_primal[i], r.trace_dual[i]);
    mtl_srml_result_clear(&r);
  }
  fclose(f);
  mtl_dataset_free(ds);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: bench_srml synth-reg|synth-cls [seeds] | school "
                    "DATA_DIR | scale | trace OUT.csv\n");
    return 2;
  }
  if (!strcmp(argv[1], "synth-reg"))
    synth(0, argc > 2 ? atoi(argv[2]) : 5);
  else if (!strcmp(argv[1], "synth-cls"))
    synth(1, argc > 2 ? atoi(argv[2]) : 5);
  else if (!strcmp(argv[1], "school") && argc > 2)
    school(argv[2]);
  else if (!strcmp(argv[1], "scale"))
    scale();
  else if (!strcmp(argv[1], "trace") && argc > 2)
    trace(argv[2]);
  else {
    fprintf(stderr, "bench_srml: unknown command %s\n", argv[1]);
    return 2;
  }
  return 0;
}
