/*
 * bench_asym.c -- experiments of Lee, Yang & Hwang (ICML 2016), Tables 1-2
 * and Fig. 1, with libmtl's AMTL and baselines.  Uses only mtl.h.
 *
 *   bench_asym synth   [reps]       synthetic regression (Table 1, Fig. 1)
 *   bench_asym imbal   [reps]       imbalanced synthetic (Table 2)
 *   bench_asym school  DATA [splits] School, first splits of Argyriou's 10
 *   bench_asym digits  DATA mnist|usps   one-vs-rest, split 1
 *   bench_asym runtime [reps]       alternating vs curriculum wall time
 *
 * lambda and mu (and k for GO-MTL) are chosen on a validation split, as in
 * the paper; every number printed is measured in this run.  Output is
 * Markdown on stdout; progress on stderr.
 */
#include "mtl.h"
#include "solvers/solvers.h" /* method fits, batch solver (private) */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { M_STL, M_MTFL, M_GOMTL, M_CSIMPLE, M_SMTL, M_NOLOSS, M_AMTL, M_CURR,
       M_IMBAL, NM };
static const char *mname[NM] = {"STL",  "MTFL", "GO-MTL", "Curriculum-simple",
                                "SMTL (B=B'>=0)", "AMTL-noLoss", "AMTL",
                                "AMTL-Curriculum", "AMTL-imbalance"};

static const double LGRID_FULL[] = {0.01, 0.1, 1, 10, 100};
static const double MGRID_FULL[] = {1e-4, 1e-3, 0.01, 0.1, 1};
/* School (139 tasks): a coarser grid and at most 10 outer iterations */
static const double LGRID_SCHOOL[] = {0.1, 1, 10};
static const double MGRID_SCHOOL[] = {1e-3, 0.01, 0.1};
static const double *LGRID = LGRID_FULL, *MGRID = MGRID_FULL;
static int NL = 5, NMU = 5, max_outer = 30;

static void die(const char *what, int rc) {
  fprintf(stderr, "bench_asym: %s: %s (%s)\n", what, mtl_errname(rc),
          mtl_last_error());
  exit(1);
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---- simple deterministic Gaussian generator ---------------------------- */
static unsigned long long rs;
static double urand(void) {
  rs = rs * 6364136223846793005ULL + 1442695040888963407ULL;
  return ((double)(rs >> 11) + 0.5) * 0x1.0p-53;
}
static double nrand(void) {
  return sqrt(-2 * log(urand())) * cos(6.283185307179586 * urand());
}

/* ---- fitting one method ------------------------------------------------- */

typedef struct setup {
  mtl_scaling scaling;
  int unpen;              /* bias feature appended by the scaler */
  const mtl_scaler *sc;   /* NULL: data used as is */
  int multiclass;         /* error = argmax error over tasks (%) */
  int pooled;             /* regression: pooled RMSE instead of task mean */
} setup;

typedef struct fitted {
  mtl_model *m;
  mtl_asym_result r; /* asym variants only */
} fitted;

static int fit(int meth, const setup *su, const mtl_dataset *tr, double lam,
               double mu, int k, fitted *out) {
  mtl_problem_params pp;
  mtl_problem_params_init(&pp);
  pp.scaling = su->scaling;
  pp.unpenalized_last = su->unpen;
  pp.reg.type = MTL_REG_NONE;
  pp.reg.lambda = lam;
  if (meth == M_STL)
    pp.reg.type = MTL_REG_RIDGE;
  if (meth == M_MTFL)
    pp.reg.type = MTL_REG_L21;
  mtl_problem *pb = NULL;
  int rc = mtl_problem_create(tr, &pp, &pb);
  if (rc)
    return rc;
  int d = mtl_problem_dim(pb), T = mtl_problem_ntasks(pb);
  memset(out, 0, sizeof *out);
  double *W = calloc((size_t)d * T, sizeof(double));
  int *loss = malloc(sizeof(int) * (size_t)T);
  for (int t = 0; t < T; t++)
    loss[t] = mtl_problem_task_loss(pb, t);
  pp.task_loss = loss;
  if (meth == M_STL || meth == M_MTFL) {
    mtl_solver_params sp;
    mtl_solver_params_init(&sp);
    sp.max_iter = 5000;
    sp.record_trace = 0;
    rc = mtl_solve(pb, &sp, W, NULL);
    if (rc >= 0)
      out->m = mtl_model_create(d, T, W, &pp, su->sc);
  } else if (meth == M_GOMTL) {
    mtl_gomtl_params gp;
    mtl_gomtl_params_init(&gp);
    gp.k = k;
    gp.lambda = lam;
    gp.mu = mu;
    gp.max_outer = 20;
    gp.inner_iter = 100;
    rc = mtl_gomtl_fit(pb, &gp, W, NULL, NULL, NULL, NULL);
    if (rc >= 0)
      out->m = mtl_model_create(d, T, W, &pp, su->sc);
  } else {
    mtl_asym_params p;
    mtl_asym_params_init(&p);
    p.variant = meth == M_CURR      ? MTL_ASYM_CURRICULUM
                : meth == M_CSIMPLE ? MTL_ASYM_CURRICULUM_SIMPLE
                : meth == M_SMTL    ? MTL_ASYM_SYMMETRIC
                : meth == M_NOLOSS  ? MTL_ASYM_NOLOSS
                                    : MTL_ASYM_ALTERNATING;
    p.imbalance = meth == M_IMBAL;
    p.lambda = lam;
    p.mu = mu;
    p.max_outer = max_outer;
    p.tol = 1e-5;
    p.w_tol = 1e-9;
    p.w_max_iter = 1000;
    rc = mtl_asym_fit(pb, &p, &out->r);
    if (rc >= 0)
      rc = mtl_asym_to_model(&out->r, pb, &p, su->sc, &out->m);
  }
  if (rc >= 0 && !out->m)
    rc = MTL_ENOMEM;
  free(W);
  free(loss);
  mtl_problem_free(pb);
  return rc < 0 ? rc : 0;
}

static void fitted_clear(fitted *f) {
  mtl_model_free(f->m);
  mtl_asym_result_clear(&f->r);
  memset(f, 0, sizeof *f);
}

/* Error of a model on ds; per_task (T) may be NULL. */
static double evaluate(const mtl_model *m, const setup *su,
                       const mtl_dataset *ds, double *per_task) {
  int T = mtl_dataset_ntasks(ds);
  int64_t N = mtl_dataset_total_n(ds);
  double *pred = malloc(sizeof(double) * (size_t)N);
  int rc = mtl_model_predict(m, ds, pred);
  if (rc)
    die("predict", rc);
  double err;
  if (su->multiclass) {
    int n = mtl_dataset_task_n(ds, 0), wrong = 0;
    for (int i = 0; i < n; i++) {
      int best = 0, truth = -1;
      for (int t = 0; t < T; t++) {
        if (pred[(size_t)t * n + i] > pred[(size_t)best * n + i])
          best = t;
        if (mtl_dataset_task_y(ds, t)[i] > 0)
          truth = t;
      }
      wrong += best != truth;
    }
    err = 100.0 * wrong / n;
  } else {
    mtl_metrics *pt = malloc(sizeof(mtl_metrics) * (size_t)T), mean, pooled;
    rc = mtl_metrics_dataset(ds, pred, pt, &mean, &pooled);
    if (rc)
      die("metrics", rc);
    if (per_task)
      for (int t = 0; t < T; t++)
        per_task[t] = pt[t].rmse;
    err = su->pooled ? pooled.rmse : mean.rmse;
    free(pt);
  }
  free(pred);
  return err;
}

/* Chooses (lambda, mu, k) on (tr, va), refits on fit_set, evaluates on te.
 * Returns the test error; *sel receives the chosen values. */
static double run_method(int meth, const setup *su, const mtl_dataset *tr,
                         const mtl_dataset *va, const mtl_dataset *fit_set,
                         const mtl_dataset *te, double *per_task, double sel[3],
                         fitted *keep) {
  int ks[2] = {2, 5};
  int nl = NL, nmu = (meth == M_STL || meth == M_MTFL || meth == M_CSIMPLE)
                         ? 1
                         : NMU;
  int nk = meth == M_GOMTL ? 2 : 1;
  int T = mtl_dataset_ntasks(tr), d = mtl_dataset_dim(tr);
  double best = INFINITY;
  if (sel[0] > 0) /* preselected (School splits 2..): no search */
    nl = 0;
  for (int a = 0; a < nl; a++)
    for (int b = 0; b < nmu; b++)
      for (int c = 0; c < nk; c++) {
        if (meth == M_GOMTL && (ks[c] > T || ks[c] > d ||
                                (NMU == 5 && b != 1 && b != 3)))
          continue; /* GO-MTL grid: mu in {1e-3, 0.1}, k in {2, 5} */
        fitted f;
        int rc = fit(meth, su, tr, LGRID[a], MGRID[b], ks[c], &f);
        if (rc) {
          fprintf(stderr, "  %s lambda %g mu %g: %s\n", mname[meth], LGRID[a],
                  MGRID[b], mtl_last_error());
          continue;
        }
        double e = evaluate(f.m, su, va, NULL);
        if (e < best) {
          best = e;
          sel[0] = LGRID[a];
          sel[1] = MGRID[b];
          sel[2] = ks[c];
        }
        fitted_clear(&f);
      }
  fitted f;
  int rc = fit(meth, su, fit_set, sel[0], sel[1], (int)sel[2], &f);
  if (rc)
    die(mname[meth], rc);
  double e = evaluate(f.m, su, te, per_task);
  if (keep)
    *keep = f;
  else
    fitted_clear(&f);
  return e;
}

/* ---- synthetic data (Sec. 4.1) ------------------------------------------ */

#define SD 15  /* features: the paper does not state d */
#define ST 12

/* 12 tasks in two groups of 6; in a group w_t = m_g + N(0, 1) with m_g ~
 * N(0, 2^2) per entry, tasks 1-3 / 7-9 have noise sd 5, the others 25
 * (noise_all > 0 overrides it).  x ~ N(0, I). */
static void make_synth(unsigned long long seed, const int *ntr, int nva,
                       int nte, double noise_all, mtl_dataset **tr,
                       mtl_dataset **va, mtl_dataset **te) {
  rs = seed;
  double m[2][SD], W[ST][SD];
  for (int g = 0; g < 2; g++)
    for (int j = 0; j < SD; j++)
      m[g][j] = 2 * nrand();
  for (int t = 0; t < ST; t++)
    for (int j = 0; j < SD; j++)
      W[t][j] = m[t / 6][j] + nrand();
  mtl_dataset **out[3] = {tr, va, te};
  for (int part = 0; part < 3; part++) {
    *out[part] = mtl_dataset_create(SD);
    for (int t = 0; t < ST; t++) {
      int n = part == 0 ? ntr[t] : (part == 1 ? nva : nte);
      double sig = noise_all > 0 ? noise_all : ((t % 6) < 3 ? 5.0 : 25.0);
      double *X = malloc(sizeof(double) * (size_t)n * SD),
             *y = malloc(sizeof(double) * (size_t)n);
      for (int i = 0; i < n; i++) {
        double z = 0;
        for (int j = 0; j < SD; j++) {
          X[i * SD + j] = nrand();
          z += X[i * SD + j] * W[t][j];
        }
        y[i] = z + sig * nrand();
      }
      char name[16];
      snprintf(name, sizeof name, "t%d", t + 1);
      int rc = mtl_dataset_add_dense(*out[part], n, X, y, MTL_TASK_REGRESSION,
                                     name);
      if (rc < 0)
        die("synthetic", rc);
      free(X);
      free(y);
    }
  }
}

static void mean_sd(const double *v, int n, double *m, double *ci) {
  double s = 0, q = 0;
  for (int i = 0; i < n; i++)
    s += v[i];
  *m = s / n;
  for (int i = 0; i < n; i++)
    q += (v[i] - *m) * (v[i] - *m);
  /* 95% half-width of the mean's normal interval, as the paper's +- */
  *ci = n > 1 ? 1.96 * sqrt(q / (n - 1)) / sqrt((double)n) : 0;
}

static void synth(int reps, int imbalanced) {
  int ntr[ST];
  for (int t = 0; t < ST; t++)
    ntr[t] = imbalanced ? ((t % 6) < 3 ? 500 : 5) : 30;
  int nva = imbalanced ? 50 : 30, nte = imbalanced ? 50 : 30;
  double noise = imbalanced ? 50 : 0;
  int ms_t1[] = {M_STL, M_MTFL, M_GOMTL, M_CSIMPLE, M_SMTL, M_NOLOSS, M_AMTL,
                 M_CURR};
  int ms_t2[] = {M_STL, M_MTFL, M_GOMTL, M_CSIMPLE, M_SMTL, M_NOLOSS, M_AMTL,
                 M_IMBAL};
  int *ms = imbalanced ? ms_t2 : ms_t1, nm = 8;
  double err[NM][16], pt[NM][ST], sel[NM][3];
  double easy_out = 0, hard_out = 0, easy_in = 0, hard_in = 0;
  memset(pt, 0, sizeof pt);
  const setup su = {.scaling = MTL_SCALE_DOUBLE_MEAN};
  for (int r = 0; r < reps; r++) {
    mtl_dataset *tr, *va, *te;
    make_synth(1000 + (unsigned long long)r, ntr, nva, nte, noise, &tr, &va,
               &te);
    for (int i = 0; i < nm; i++) {
      int m = ms[i];
      double ptask[ST];
      fitted keep;
      fprintf(stderr, "%s rep %d %s\n", imbalanced ? "imbal" : "synth", r,
              mname[m]);
      sel[m][0] = 0; /* search the grid in every draw */
      err[m][r] = run_method(m, &su, tr, va, tr, te, ptask, sel[m], &keep);
      for (int t = 0; t < ST; t++)
        pt[m][t] += ptask[t] / reps;
      if (m == M_AMTL && keep.r.B) {
        for (int s = 0; s < ST; s++)
          for (int t = 0; t < ST; t++) {
            double b = keep.r.B[s + t * ST];
            if ((s % 6) < 3)
              easy_out += b;
            else
              hard_out += b;
            if ((t % 6) < 3)
              easy_in += b;
            else
              hard_in += b;
          }
        if (r == 0 && !imbalanced) {
          mtl_asym_write_csv(ST, keep.r.B, NULL, "bench/asym/synth_B.csv");
          mtl_asym_write_dot(ST, keep.r.B, keep.r.task_loss, NULL, 1e-3,
                             "bench/asym/synth_graph.dot");
        }
      }
      if (m == M_CURR && r == 0 && keep.r.order) {
        printf("\nAMTL-Curriculum order (rep 0): ");
        for (int t = 0; t < ST; t++)
          printf("%d ", keep.r.order[t] + 1);
        printf("\n");
        mtl_asym_write_dot(ST, keep.r.B, keep.r.task_loss, NULL, 1e-3,
                           "bench/asym/synth_curriculum_graph.dot");
      }
      fitted_clear(&keep);
    }
    mtl_dataset_free(tr);
    mtl_dataset_free(va);
    mtl_dataset_free(te);
  }
  printf("\n### %s synthetic: mean task RMSE over %d draws (+-95%% CI)\n\n",
         imbalanced ? "Imbalanced" : "Balanced", reps);
  printf("| method | RMSE | lambda, mu (, k) chosen in the last draw |\n"
         "|---|---|---|\n");
  for (int i = 0; i < nm; i++) {
    int m = ms[i];
    double mm, ci;
    mean_sd(err[m], reps, &mm, &ci);
    printf("| %s | %.2f +- %.2f | %g, %g%s |\n", mname[m], mm, ci, sel[m][0],
           sel[m][1],
           m == M_GOMTL ? (sel[m][2] == 2 ? ", 2" : ", 5")
                        : "");
  }
  if (!imbalanced) {
    printf("\nAMTL edge mass (sum of B, all draws): out of easy tasks %.3f, "
           "out of hard tasks %.3f; into easy %.3f, into hard %.3f\n",
           easy_out, hard_out, easy_in, hard_in);
    printf("\nPer-task RMSE improvement over STL (STL - method, mean over "
           "draws; Fig. 1d):\n\n| task | noise | GO-MTL | AMTL | "
           "AMTL-Curriculum |\n|---|---|---|---|---|\n");
    for (int t = 0; t < ST; t++)
      printf("| %d | %s | %+.2f | %+.2f | %+.2f |\n", t + 1,
             (t % 6) < 3 ? "5" : "25", pt[M_STL][t] - pt[M_GOMTL][t],
             pt[M_STL][t] - pt[M_AMTL][t], pt[M_STL][t] - pt[M_CURR][t]);
  }
  fflush(stdout);
}

/* ---- runtime of the two AMTL algorithms --------------------------------- */

static void runtime(int reps) {
  int ntr[ST];
  for (int t = 0; t < ST; t++)
    ntr[t] = 30;
  double ta[16], tc[16], fa[16], fc[16];
  for (int r = 0; r < reps; r++) {
    mtl_dataset *tr, *va, *te;
    make_synth(1000 + (unsigned long long)r, ntr, 30, 30, 0, &tr, &va, &te);
    mtl_problem_params pp;
    mtl_problem_params_init(&pp);
    pp.scaling = MTL_SCALE_DOUBLE_MEAN;
    pp.reg.type = MTL_REG_NONE;
    mtl_problem *pb;
    int rc = mtl_problem_create(tr, &pp, &pb);
    if (rc)
      die("problem", rc);
    mtl_asym_params p;
    mtl_asym_params_init(&p);
    p.lambda = 1;
    p.mu = 0.1;
    p.max_outer = 200;
    p.tol = 1e-8; /* run Algorithm 1 to a tight stop, as a reference */
    mtl_asym_result ra, rc2;
    double t0 = now();
    if ((rc = mtl_asym_fit(pb, &p, &ra)) < 0)
      die("asym", rc);
    ta[r] = now() - t0;
    p.variant = MTL_ASYM_CURRICULUM;
    t0 = now();
    if ((rc = mtl_asym_fit(pb, &p, &rc2)) < 0)
      die("curriculum", rc);
    tc[r] = now() - t0;
    fa[r] = ra.objective;
    fc[r] = rc2.objective;
    /* check before reporting: Algorithm 1 reaches the lower objective */
    if (!(ra.objective <= rc2.objective * (1 + 1e-9)))
      fprintf(stderr, "note: curriculum objective %.6g < alternating %.6g\n",
              rc2.objective, ra.objective);
    fprintf(stderr, "runtime rep %d: alt %.3fs (%d outer) curr %.3fs\n", r,
            ta[r], ra.iterations, tc[r]);
    mtl_asym_result_clear(&ra);
    mtl_asym_result_clear(&rc2);
    mtl_problem_free(pb);
    mtl_dataset_free(tr);
    mtl_dataset_free(va);
    mtl_dataset_free(te);
  }
  double ma, ca, mc, cc, mfa, cfa, mfc, cfc;
  mean_sd(ta, reps, &ma, &ca);
  mean_sd(tc, reps, &mc, &cc);
  mean_sd(fa, reps, &mfa, &cfa);
  mean_sd(fc, reps, &mfc, &cfc);
  printf("\n### Runtime on the synthetic set (lambda 1, mu 0.1, %d draws)\n\n"
         "| algorithm | seconds | objective (1) |\n|---|---|---|\n"
         "| AMTL (Algorithm 1, tol 1e-8) | %.4f +- %.4f | %.4f |\n"
         "| AMTL-Curriculum (Algorithm 2) | %.4f +- %.4f | %.4f |\n"
         "| ratio alternating / curriculum | %.1f | |\n",
         reps, ma, ca, mfa, mc, cc, mfc, ma / mc);
}

/* ---- School ------------------------------------------------------------- */

static void school(const char *dir, int splits) {
  char path[1024];
  snprintf(path, sizeof path, "%s/school_argyriou/school_b.mat", dir);
  mtl_dataset *all = NULL;
  int rc = mtl_dataset_read(path, NULL, &all);
  if (rc)
    die(path, rc);
  int ms[] = {M_STL, M_MTFL, M_GOMTL, M_CSIMPLE, M_SMTL, M_NOLOSS, M_AMTL,
              M_CURR};
  double err[NM][10], sel[NM][3];
  memset(sel, 0, sizeof sel);
  LGRID = LGRID_SCHOOL;
  MGRID = MGRID_SCHOOL;
  NL = NMU = 3;
  max_outer = 10;
  for (int sp = 1; sp <= splits; sp++) {
    int64_t *tri, *tei, ntr, nte;
    snprintf(path, sizeof path, "%s/school_argyriou/school_%d_indexes.mat",
             dir, sp);
    if ((rc = mtl_read_index_file(path, "tr", &tri, &ntr)) ||
        (rc = mtl_read_index_file(path, "tst", &tei, &nte)))
      die(path, rc);
    mtl_dataset *trall, *te, *tr, *va;
    if ((rc = mtl_dataset_subset(all, tri, ntr, &trall)) ||
        (rc = mtl_dataset_subset(all, tei, nte, &te)) ||
        (rc = mtl_dataset_split(trall, 0.8, (uint64_t)sp, &tr, &va)))
      die("school split", rc);
    mtl_scaler sc;
    mtl_dataset *trs, *trall_s;
    /* scaler fitted on the fitting set; models hold it for prediction */
    if ((rc = mtl_scaler_fit(trall, 1, 1, &sc)) ||
        (rc = mtl_scaler_apply(&sc, tr, &trs)) ||
        (rc = mtl_scaler_apply(&sc, trall, &trall_s)))
      die("scaler", rc);
    setup su = {.scaling = MTL_SCALE_DOUBLE_MEAN, .unpen = 1, .sc = &sc,
                .pooled = 1};
    for (int i = 0; i < 8; i++) {
      fprintf(stderr, "school split %d %s\n", sp, mname[ms[i]]);
      double t0 = now();
      err[ms[i]][sp - 1] =
          run_method(ms[i], &su, trs, va, trall_s, te, NULL, sel[ms[i]], NULL);
      fprintf(stderr, "  %.2f (%.1fs)\n", err[ms[i]][sp - 1], now() - t0);
    }
    mtl_scaler_clear(&sc);
    mtl_free(tri);
    mtl_free(tei);
    mtl_dataset_free(trall);
    mtl_dataset_free(te);
    mtl_dataset_free(tr);
    mtl_dataset_free(va);
    mtl_dataset_free(trs);
    mtl_dataset_free(trall_s);
  }
  printf("\n### School: pooled test RMSE over the first %d splits\n\n"
         "| method | RMSE | lambda, mu, k (chosen on split 1) | per split |\n"
         "|---|---|---|---|\n",
         splits);
  for (int i = 0; i < 8; i++) {
    double m, ci;
    mean_sd(err[ms[i]], splits, &m, &ci);
    printf("| %s | %.2f +- %.2f | %g, %g, %g |", mname[ms[i]], m, ci,
           sel[ms[i]][0], sel[ms[i]][1], sel[ms[i]][2]);
    for (int sp = 0; sp < splits; sp++)
      printf(" %.2f", err[ms[i]][sp]);
    printf(" |\n");
  }
  mtl_dataset_free(all);
  fflush(stdout);
}

/* ---- MNIST / USPS ------------------------------------------------------- */

static mtl_dataset *read_digits(const char *path, const char *part) {
  mtl_read_params rp;
  mtl_read_params_init(&rp);
  char xv[32], yv[32];
  snprintf(xv, sizeof xv, "digit_%sx", part);
  snprintf(yv, sizeof yv, "digit_%sy", part);
  rp.layout = MTL_LAYOUT_ONEVSREST;
  rp.x_var = xv;
  rp.y_var = yv;
  rp.samples_in_columns = 0;
  mtl_dataset *ds = NULL;
  int rc = mtl_dataset_read(path, &rp, &ds);
  if (rc)
    die(path, rc);
  return ds;
}

static void digits(const char *dir, const char *which) {
  char path[1024];
  snprintf(path, sizeof path, "%s/mnist_usps_kang/split1_%s_1000train.mat",
           dir, which);
  mtl_dataset *tr = read_digits(path, "train"), *va = read_digits(path, "valid"),
              *te = read_digits(path, "test");
  mtl_scaler sc;
  mtl_dataset *trs;
  int rc;
  if ((rc = mtl_scaler_fit(tr, 1, 1, &sc)) ||
      (rc = mtl_scaler_apply(&sc, tr, &trs)))
    die("scaler", rc);
  setup su = {.scaling = MTL_SCALE_MEAN, .unpen = 1, .sc = &sc,
              .multiclass = 1};
  int ms[] = {M_STL, M_MTFL, M_GOMTL, M_CSIMPLE, M_SMTL, M_NOLOSS, M_AMTL,
              M_CURR};
  printf("\n### %s (split 1, d = %d, %d tasks): 10-class argmax test error "
         "(%%)\n\n| method | error | lambda, mu, k |\n|---|---|---|\n",
         which, mtl_dataset_dim(tr), mtl_dataset_ntasks(tr));
  for (int i = 0; i < 8; i++) {
    double sel[3] = {0, 0, 0};
    fitted keep;
    double t0 = now();
    double e = run_method(ms[i], &su, trs, va, trs, te, NULL, sel, &keep);
    fprintf(stderr, "%s %s %.2f (%.1fs)\n", which, mname[ms[i]], e,
            now() - t0);
    printf("| %s | %.2f | %g, %g, %g |\n", mname[ms[i]], e, sel[0], sel[1],
           sel[2]);
    if (ms[i] == M_AMTL || ms[i] == M_CURR) {
      char out[256];
      snprintf(out, sizeof out, "bench/asym/%s_%s_graph.dot", which,
               ms[i] == M_AMTL ? "amtl" : "curriculum");
      const char *names[10] = {"0", "1", "2", "3", "4",
                               "5", "6", "7", "8", "9"};
      mtl_asym_write_dot(10, keep.r.B, keep.r.task_loss, names, 1e-3, out);
    }
    fitted_clear(&keep);
    fflush(stdout);
  }
  mtl_scaler_clear(&sc);
  mtl_dataset_free(tr);
  mtl_dataset_free(va);
  mtl_dataset_free(te);
  mtl_dataset_free(trs);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: bench_asym synth|imbal|runtime [reps] | school "
                    "DATA [splits] | digits DATA mnist|usps\n");
    return 2;
  }
  const char *cmd = argv[1];
  if (!strcmp(cmd, "synth") || !strcmp(cmd, "imbal") ||
      !strcmp(cmd, "runtime")) {
    int reps = argc > 2 ? atoi(argv[2]) : 5;
    if (reps < 1 || reps > 16)
      reps = 5;
    if (!strcmp(cmd, "runtime"))
      runtime(reps);
    else
      synth(reps, !strcmp(cmd, "imbal"));
  } else if (!strcmp(cmd, "school") && argc > 2) {
    int sp = argc > 3 ? atoi(argv[3]) : 5;
    school(argv[2], sp < 1 || sp > 10 ? 5 : sp);
  } else if (!strcmp(cmd, "digits") && argc > 3) {
    digits(argv[2], argv[3]);
  } else {
    fprintf(stderr, "bench_asym: unknown command\n");
    return 2;
  }
  return 0;
}
