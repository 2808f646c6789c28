/*
 * test_fit.c -- the one entry point: every method trained by name through
 * mtl_fit with parameters set as strings (what a binding does), saved,
 * loaded and used to predict; each model carries its method, parameters,
 * learned structure and certificate.  Parameter errors name the parameter.
 * The search (k-fold, holdout, path) is checked against the same fits made
 * by hand, and picks the right value where the answer is known.
 */
#include "check.h"

#include <sys/stat.h>

#include <stdint.h>
#include <unistd.h>

static mtl_dataset *gen(int classification, uint64_t seed) {
  mtl_gen_params g;
  mtl_gen_params_init(&g);
  g.T = 5;
  g.d = 8;
  g.n = 40;
  g.support = 4;
  g.noise = 0.3;
  g.classification = classification;
  g.seed = seed;
  mtl_dataset *ds = NULL;
  CHECK_OK(mtl_generate(&g, &ds, NULL));
  return ds;
}

static void test_registry(void) {
  CHECK(mtl_method_count() >= 15);
  for (int i = 0; i < mtl_method_count(); i++) {
    const mtl_method *m = mtl_method_at(i);
    CHECK(m && mtl_method_find(mtl_method_name(m)) == m);
    CHECK(mtl_method_summary(m) && *mtl_method_summary(m));
    for (int j = 0; j < mtl_method_nparams(m); j++) {
      CHECK(mtl_method_param_name(m, j) && mtl_method_param_help(m, j));
      CHECK(mtl_method_param_default(m, j) != NULL);
    }
  }
  CHECK(mtl_method_find("amtl") == mtl_method_find("async"));
  CHECK(mtl_method_find("nosuch") == NULL);
  CHECK_MSG("unknown method 'nosuch'");
  CHECK_MSG("asym-curriculum");
  CHECK(mtl_method_at(-1) == NULL && mtl_method_at(1000) == NULL);
}

static void test_params(void) {
  mtl_params *p = mtl_params_create("batch");
  CHECK(p != NULL);
  CHECK(!strcmp(mtl_params_get(p, "lambda"), "0.1"));
  CHECK(mtl_params_is_set(p, "lambda") == 0);
  CHECK_OK(mtl_params_set(p, "lambda", "0.5"));
  CHECK(mtl_params_is_set(p, "lambda") == 1);
  CHECK(mtl_params_get_number(p, "lambda") == 0.5);
  CHECK_ERR(mtl_params_set(p, "lambda", "abc"), MTL_EINVAL);
  CHECK_MSG("parameter 'lambda' = 'abc' is not a number");
  CHECK(mtl_params_get_number(p, "lambda") == 0.5); /* unchanged */
  CHECK_ERR(mtl_params_set(p, "lambda", "-1"), MTL_EINVAL);
  CHECK_MSG("out of range");
  CHECK_ERR(mtl_params_set(p, "lamda", "1"), MTL_EINVAL);
  CHECK_MSG("batch has no parameter 'lamda' (valid: loss, scaling, reg");
  CHECK_ERR(mtl_params_set(p, "reg", "l3"), MTL_EINVAL);
  CHECK_MSG("not one of none|ridge|l1|l21|trace");
  CHECK_OK(mtl_params_set(p, "reg", "L1"));
  CHECK(!strcmp(mtl_params_get(p, "reg"), "l1"));
  CHECK_OK(mtl_params_set(p, "max-iter", "50")); /* dash = underscore */
  CHECK(mtl_params_get_number(p, "max_iter") == 50);
  CHECK_ERR(mtl_params_set(p, "max_iter", "2.5"), MTL_EINVAL);
  CHECK_ERR(mtl_params_set(p, "standardize", "maybe"), MTL_EINVAL);
  CHECK_OK(mtl_params_set(p, "standardize", "off"));
  CHECK(!strcmp(mtl_params_get(p, "standardize"), "0"));
  CHECK(isnan(mtl_params_get_number(p, "graph_file")));
  CHECK(mtl_params_get(p, "nosuch") == NULL);
  CHECK(mtl_params_is_set(p, "nosuch") == -1);
  mtl_params *q = mtl_params_copy(p);
  CHECK(q && !strcmp(mtl_params_get(q, "reg"), "l1"));
  CHECK(q && mtl_params_is_set(q, "lambda") == 1);
  mtl_params_free(q);
  mtl_params_free(p);
  CHECK(mtl_params_create("nosuch") == NULL);
  mtl_params_free(NULL);
}

/* The matrix every method stores as its learned structure. */
static const char *structure_of(const char *method) {
  if (!strcmp(method, "asym") || !strncmp(method, "asym-", 5) ||
      !strcmp(method, "curriculum-simple"))
    return "B";
  if (!strcmp(method, "gomtl"))
    return "L";
  if (!strcmp(method, "srml") || !strcmp(method, "ssml"))
    return "sign_graph";
  if (!strcmp(method, "async") || !strcmp(method, "smtl"))
    return "node_updates";
  if (!strcmp(method, "cadmm") || !strcmp(method, "dadmm"))
    return "Omega";
  if (!strcmp(method, "dirty") || !strcmp(method, "rmtl") ||
      !strcmp(method, "rmtfl") || !strcmp(method, "sparse_lowrank"))
    return "Q";
  if (!strcmp(method, "cmtl"))
    return "clusters";
  return NULL;
}

static int is_online(const char *m) {
  return !strcmp(m, "cadmm") || !strcmp(m, "dadmm") || !strcmp(m, "dpsgd") ||
         !strcmp(m, "ogd");
}

/* Trains method by name with a few string parameters, checks the model,
 * saves, loads and predicts the same. */
static void fit_one(const char *method, const mtl_dataset *ds) {
  mtl_params *p = mtl_params_create(method);
  CHECK(p != NULL);
  if (!p)
    return;
  /* a short run is enough here; convergence is tested per method */
  if (mtl_params_get(p, "max_iter"))
    CHECK_OK(mtl_params_set(p, "max_iter", "300"));
  if (mtl_params_get(p, "max_outer"))
    CHECK_OK(mtl_params_set(p, "max_outer", "5"));
  if (mtl_params_get(p, "k"))
    CHECK_OK(mtl_params_set(p, "k", "2"));
  if (mtl_params_get(p, "trace"))
    CHECK_OK(mtl_params_set(p, "trace", "1"));
  mtl_model *m = NULL;
  mtl_fit_info *in = NULL;
  int st = mtl_fit(ds, p, NULL, &m, &in);
  CHECK(st == MTL_CONVERGED || st == MTL_MAXITER);
  if (st < 0) {
    fprintf(stderr, "  %s: %s\n", method, mtl_last_error());
    mtl_params_free(p);
    return;
  }
  CHECK(!strcmp(mtl_model_get_meta(m, "method"), method));
  CHECK(!strcmp(mtl_fit_info_get(in, "method"), method));
  CHECK(mtl_model_get_meta(m, "status") != NULL);
  CHECK(mtl_model_get_meta(m, "certificate") != NULL);
  CHECK(mtl_fit_info_get(in, "certificate") != NULL);
  CHECK(mtl_model_get_meta(m, "iterations") != NULL);
  CHECK(mtl_model_get_meta(m, "tool") != NULL);
  /* every parameter is in the model */
  const mtl_method *me = mtl_params_method(p);
  for (int j = 0; j < mtl_method_nparams(me); j++) {
    char key[128];
    snprintf(key, sizeof key, "param.%s", mtl_method_param_name(me, j));
    const char *v = mtl_model_get_meta(m, key);
    CHECK(v && !strcmp(v, mtl_params_get(p, mtl_method_param_name(me, j))));
  }
  const char *sname = structure_of(method);
  if (sname) {
    int r = 0, c = 0;
    CHECK(mtl_model_get_matrix(m, sname, &r, &c) != NULL);
  }
  int rows = 0, cols = 0;
  const char *hdr = NULL;
  const double *tr = NULL;
  CHECK_OK(mtl_fit_info_trace(in, &rows, &cols, &hdr, &tr));
  CHECK(rows >= 1 && cols >= 2 && hdr && tr);
  /* certificates: a duality gap where the problem has one */
  if (!strcmp(method, "batch") || !strcmp(method, "smtl"))
    CHECK(!strcmp(mtl_fit_info_get(in, "certificate"), "duality gap") &&
          mtl_fit_info_number(in, "gap") >= -1e-12);
  /* save, load, predict the same */
  char path[64];
  snprintf(path, sizeof path, "test_fit_%s.mtl", method);
  CHECK_OK(mtl_model_save(m, path));
  mtl_model *l = NULL;
  CHECK_OK(mtl_model_load(path, &l));
  int64_t N = mtl_dataset_total_n(ds);
  double *a = calloc((size_t)N, sizeof *a), *b = calloc((size_t)N, sizeof *b);
  CHECK_OK(mtl_model_predict(m, ds, a));
  if (l) {
    CHECK_OK(mtl_model_predict(l, ds, b));
    CHECK(memcmp(a, b, (size_t)N * sizeof *a) == 0);
    CHECK(!strcmp(mtl_model_get_meta(l, "method"), method));
  }
  unlink(path);
  free(a);
  free(b);
  mtl_model_free(l);
  mtl_model_free(m);
  mtl_fit_info_free(in);
  mtl_params_free(p);
}

static void test_every_method(void) {
  mtl_dataset *reg = gen(0, 3), *cls = gen(1, 4);
  for (int i = 0; i < mtl_method_count(); i++) {
    const char *name = mtl_method_name(mtl_method_at(i));
    fit_one(name, is_online(name) ? cls : reg);
  }
  mtl_dataset_free(reg);
  mtl_dataset_free(cls);
}

/* mtl_fit of batch = the problem solved by hand on the scaled data. */
static void test_batch_equals_solve(void) {
  mtl_dataset *ds = gen(0, 5), *scaled = NULL;
  mtl_params *p = mtl_params_create("batch");
  CHECK_OK(mtl_params_set(p, "lambda", "0.05"));
  mtl_model *m = NULL;
  CHECK_OK(mtl_fit(ds, p, NULL, &m, NULL));
  mtl_scaler sc;
  CHECK_OK(mtl_scaler_fit(ds, 1, 1, &sc));
  CHECK_OK(mtl_scaler_apply(&sc, ds, &scaled));
  mtl_problem_params pp;
  mtl_problem_params_init(&pp);
  pp.reg.lambda = 0.05;
  pp.unpenalized_last = 1;
  mtl_problem *pb = NULL;
  CHECK_OK(mtl_problem_create(scaled, &pp, &pb));
  int d = mtl_problem_dim(pb), T = mtl_problem_ntasks(pb);
  double *W = calloc((size_t)d * T, sizeof *W);
  mtl_solver_params sp;
  mtl_solver_params_init(&sp);
  sp.record_trace = 0;
  CHECK_OK(mtl_solve(pb, &sp, W, NULL));
  CHECK(m && mtl_model_dim(m) == d);
  if (m)
    CHECK(memcmp(mtl_model_W(m), W, (size_t)d * T * sizeof *W) == 0);
  free(W);
  mtl_problem_free(pb);
  mtl_scaler_clear(&sc);
  mtl_dataset_free(scaled);
  mtl_model_free(m);
  mtl_params_free(p);
  mtl_dataset_free(ds);
}

static int cancel_at_3(void *ctx, int iter, double obj, double rel,
                       double res) {
  (void)ctx, (void)obj, (void)rel, (void)res;
  return iter >= 3;
}

static void test_errors(void) {
  mtl_dataset *ds = gen(0, 6);
  mtl_params *p = mtl_params_create("batch");
  mtl_model *m = (mtl_model *)1;
  CHECK_OK(mtl_params_set(p, "reg", "graph"));
  CHECK_ERR(mtl_fit(ds, p, NULL, &m, NULL), MTL_EINVAL);
  CHECK_MSG("graph_file");
  CHECK(m == NULL);
  CHECK_OK(mtl_params_set(p, "reg", "l21"));
  mtl_params_set_progress(p, cancel_at_3, NULL);
  CHECK_ERR(mtl_fit(ds, p, NULL, &m, NULL), MTL_ECANCELLED);
  CHECK(m == NULL);
  mtl_params_free(p);
  /* gomtl: k above min(d + 1, T) */
  p = mtl_params_create("gomtl");
  CHECK_OK(mtl_params_set(p, "k", "9"));
  CHECK_ERR(mtl_fit(ds, p, NULL, &m, NULL), MTL_EINVAL);
  CHECK_MSG("k = 9 exceeds");
  mtl_params_free(p);
  /* online methods need classification tasks */
  p = mtl_params_create("cadmm");
  CHECK_ERR(mtl_fit(ds, p, NULL, &m, NULL), MTL_EINVAL);
  CHECK_MSG("regression task");
  mtl_params_free(p);
  mtl_dataset_free(ds);
}

/* The validation error of params p on the folds, computed by hand. */
static double by_hand(const mtl_dataset *ds, const mtl_params *p, int folds,
                      double holdout, uint64_t seed) {
  int parts = folds >= 2 ? folds : 1;
  double sum = 0;
  for (int f = 0; f < parts; f++) {
    mtl_dataset *tr = NULL, *va = NULL;
    if (folds >= 2)
      CHECK_OK(mtl_dataset_kfold(ds, folds, f, seed, &tr, &va));
    else
      CHECK_OK(mtl_dataset_split(ds, 1 - holdout, seed, &tr, &va));
    mtl_model *m = NULL;
    CHECK_OK(mtl_fit(tr, p, NULL, &m, NULL));
    int64_t N = mtl_dataset_total_n(va);
    double *pred = calloc((size_t)N, sizeof *pred);
    CHECK_OK(mtl_model_predict(m, va, pred));
    mtl_metrics mean;
    CHECK_OK(mtl_metrics_dataset(va, pred, NULL, &mean, NULL));
    sum += mtl_dataset_task_kind(va, 0) == MTL_TASK_CLASSIFICATION
               ? mean.error
               : mean.rmse;
    free(pred);
    mtl_model_free(m);
    mtl_dataset_free(tr);
    mtl_dataset_free(va);
  }
  return sum / parts;
}

/* Search: errors equal the hand-made folds; the best is the argmin and, on
 * a problem with a clear answer, the right value.  select: the batch
 * method's select_tol ("0": the fits of a search stop where mtl_fit's do,
 * so the hand-made folds give the same errors to tol; NULL: the default,
 * the accuracy of model selection, within tol of the certified fits). */
static void check_search_sel(const char *method, const char *grid, int folds,
                             double holdout, double tol, int want_best,
                             const char *select) {
  mtl_dataset *ds = gen(0, 7);
  mtl_params *p = mtl_params_create(method);
  if (mtl_params_get(p, "max_outer"))
    CHECK_OK(mtl_params_set(p, "max_outer", "10"));
  if (select)
    CHECK_OK(mtl_params_set(p, "select_tol", select));
  mtl_search *s = NULL;
  CHECK_OK(mtl_search_run(ds, p, NULL, grid, folds, holdout, 11, &s));
  if (!s) {
    mtl_params_free(p);
    mtl_dataset_free(ds);
    return;
  }
  int best = mtl_search_best(s);
  CHECK(!strcmp(mtl_search_metric(s), "rmse"));
  for (int i = 0; i < mtl_search_npoints(s); i++) {
    mtl_params *q = mtl_search_params(s, i);
    double e = by_hand(ds, q, folds, holdout, 11);
    CHECK_CLOSE(mtl_search_error(s, i), e, tol);
    CHECK_LE(mtl_search_error(s, best), mtl_search_error(s, i));
    mtl_params_free(q);
  }
  CHECK(best == want_best);
  mtl_search_free(s);
  mtl_params_free(p);
  mtl_dataset_free(ds);
}

static void check_search(const char *method, const char *grid, int folds,
                         double holdout, double tol, int want_best) {
  check_search_sel(method, grid, folds, holdout, tol, want_best, NULL);
}

static void test_search(void) {
  /* lambda 1e3 zeroes every weight: far worse than a small lambda (the
   * generated tasks share 4 informative features, noise 0.3) */
  check_search_sel("batch", "lambda=1e3,0.05,1e-3", 4, 0, 1e-9, 1, "0");
  check_search_sel("batch", "lambda=1e3,0.05", 0, 0.25, 1e-9, 1, "0");
  /* the default select_tol (1e-5 relative gap): the CV errors move by far
   * less than their standard error (here ~1e-2), the choice not at all */
  check_search("batch", "lambda=1e3,0.05,1e-3", 4, 0, 1e-5, 1);
  check_search("batch", "lambda=1e3,0.05", 0, 0.25, 1e-5, 1);
  /* generic fits, two parameters: the reconstruction weight of asym */
  check_search("asym", "lambda=1e-2,1e4; mu=0.1", 3, 0, 1e-12, 0);
  check_search("gomtl", "lambda=1e-2,1e4", 3, 0, 1e-12, 0);
  /* a path without validation keeps each model */
  mtl_dataset *ds = gen(0, 8);
  mtl_params *p = mtl_params_create("batch");
  mtl_search *s = NULL;
  CHECK_OK(mtl_search_run(ds, p, NULL, "lambda=path:5:0.01", 0, 0, 1, &s));
  CHECK(s && mtl_search_npoints(s) == 5);
  for (int i = 0; s && i < 5; i++) {
    const mtl_model *m = mtl_search_model(s, i);
    CHECK(m != NULL);
    CHECK(isnan(mtl_search_error(s, i)));
    if (i > 0)
      CHECK(mtl_search_number(s, i, 0) < mtl_search_number(s, i - 1, 0));
  }
  /* at lambda_max every weight but the bias is 0 (up to rounding: the
   * most correlated feature sits at the threshold: FISTA approaches its
   * zero to the solver tolerance) */
  if (s) {
    const mtl_model *m0 = mtl_search_model(s, 0);
    int d = mtl_model_dim(m0), T = mtl_model_ntasks(m0);
    double big = 0;
    for (int t = 0; t < T; t++)
      for (int j = 0; j < d - 1; j++)
        big = fmax(big, fabs(mtl_model_W(m0)[(size_t)t * d + j]));
    CHECK_LE(big, 1e-6);
  }
  mtl_search_free(s);
  /* grid errors name the parameter */
  CHECK_ERR(mtl_search_run(ds, p, NULL, "lamda=1", 3, 0, 1, &s),
            MTL_EINVAL);
  CHECK_MSG("no parameter 'lamda'");
  CHECK_ERR(mtl_search_run(ds, p, NULL, "lambda=1,x", 3, 0, 1, &s),
            MTL_EINVAL);
  CHECK_MSG("'lambda' = 'x'");
  CHECK_ERR(mtl_search_run(ds, p, NULL, "lambda=1", 1, 0, 1, &s),
            MTL_EINVAL);
  mtl_params_free(p);
  mtl_dataset_free(ds);
}

/* A grid whose best point lies on its edge is extended past it: the
 * best ends inside, the new points sit in the grid's order, and every
 * point scores as in a search of the whole grid given at once (a grid
 * over the ridge: a fit per point, no warm start, so the same bits). */
static void test_search_extend(void) {
  mtl_dataset *ds = gen(0, 8);
  mtl_params *p = mtl_params_create("batch");
  mtl_search *s = NULL, *all = NULL;
  int added = -1;
  CHECK_OK(mtl_params_set(p, "reg", "none"));
  /* a ridge of 100 or 10: far too strong (noise 0.3) */
  CHECK_OK(mtl_search_run(ds, p, NULL, "ridge=100,10", 3, 0, 1, &s));
  CHECK(s && mtl_search_edge(s, 0) == -1);
  CHECK_OK(mtl_search_extend(s, ds, NULL, 6, &added));
  CHECK(added > 0 && added % 3 == 0);
  CHECK(mtl_search_edge(s, 0) == 0);
  int n = mtl_search_npoints(s);
  CHECK(n == 2 + added);
  char grid[1024] = "ridge=";
  for (int i = 0; i < n; i++) {
    if (i > 0)
      CHECK(mtl_search_number(s, i, 0) < mtl_search_number(s, i - 1, 0));
    snprintf(grid + strlen(grid), sizeof grid - strlen(grid), "%s%s",
             i ? "," : "", mtl_search_value(s, i, 0));
  }
  CHECK_OK(mtl_search_run(ds, p, NULL, grid, 3, 0, 1, &all));
  CHECK(mtl_search_npoints(all) == n);
  for (int i = 0; i < n && all; i++)
    CHECK(mtl_search_error(all, i) == mtl_search_error(s, i));
  CHECK(mtl_search_best(all) == mtl_search_best(s));
  /* no validation, or an interior best: nothing to do */
  int again = -1;
  CHECK_OK(mtl_search_extend(s, ds, NULL, 4, &again));
  CHECK(again == 0);
  mtl_search_free(all);
  mtl_search_free(s);
  s = NULL;
  CHECK_OK(mtl_search_run(ds, p, NULL, "ridge=100,10", 0, 0, 1, &s));
  CHECK_OK(mtl_search_extend(s, ds, NULL, 4, &again));
  CHECK(again == 0 && mtl_search_edge(s, 0) == 0);
  mtl_search_free(s);
  /* the top of a path (lambda_max) is not extended */
  mtl_params *b = mtl_params_create("batch");
  CHECK_OK(mtl_params_set(b, "lambda", "1"));
  s = NULL;
  CHECK_OK(mtl_search_run(ds, b, NULL, "lambda=path:3:0.9", 3, 0, 1, &s));
  if (mtl_search_edge(s, 0) > 0) {
    CHECK_OK(mtl_search_extend(s, ds, NULL, 4, &again));
    CHECK(again == 0);
  }
  mtl_search_free(s);
  mtl_params_free(b);
  mtl_params_free(p);
  mtl_dataset_free(ds);
}

/* Cancels the fit once `ctx` updates have been applied. */
static int cancel_after(void *ctx, int iter, double obj, double rel,
                        double res) {
  (void)obj, (void)rel, (void)res;
  return iter >= *(int *)ctx;
}

/* Checkpoints on threads: an SMTL run stopped after its first checkpoint
 * and resumed from it ends with the bits of the uninterrupted run; AMTL
 * resumes too (its columns in flight are lost, so only the optimum is
 * the same). */
static void test_checkpoint_resume(void) {
  mtl_dataset *ds = gen(0, 9);
  const char *ck = "test_fit_smtl.ckpt";
  mtl_params *p = mtl_params_create("smtl");
  CHECK_OK(mtl_params_set(p, "max_iter", "60"));
  CHECK_OK(mtl_params_set(p, "tol", "0"));
  CHECK_OK(mtl_params_set(p, "nodes", "3"));
  mtl_model *full = NULL, *resumed = NULL, *none = NULL;
  CHECK_OK(mtl_fit(ds, p, NULL, &full, NULL));
  /* stopped after iteration 20's checkpoint (record_every T: the progress
   * callback sees the update count) */
  CHECK_OK(mtl_params_set(p, "checkpoint", ck));
  CHECK_OK(mtl_params_set(p, "checkpoint_every", "20"));
  int stop = 25 * 5;
  mtl_params_set_progress(p, cancel_after, &stop);
  CHECK_ERR(mtl_fit(ds, p, NULL, &none, NULL), MTL_ECANCELLED);
  CHECK(none == NULL);
  CHECK(access(ck, F_OK) == 0);
  mtl_params_set_progress(p, NULL, NULL);
  CHECK_OK(mtl_params_set(p, "checkpoint", ""));
  CHECK_OK(mtl_params_set(p, "resume", ck));
  mtl_fit_info *in = NULL;
  CHECK_OK(mtl_fit(ds, p, NULL, &resumed, &in));
  if (full && resumed) {
    int n = mtl_model_dim(full) * mtl_model_ntasks(full);
    CHECK(memcmp(mtl_model_W(full), mtl_model_W(resumed),
                 (size_t)n * sizeof(double)) == 0);
  }
  CHECK(!strcmp(mtl_model_get_meta(resumed, "param.resume"), ck));
  /* a checkpoint is O(d T): the one written after 20 iterations and the
   * one after 60 (30 and 90 trace snapshots) have about the same size */
  {
    struct stat st20, st60;
    const char *c2 = "test_fit_size.ckpt";
    mtl_params *q = mtl_params_copy(p);
    mtl_model *mq = NULL;
    CHECK_OK(mtl_params_set(q, "resume", ""));
    CHECK_OK(mtl_params_set(q, "checkpoint", c2));
    CHECK_OK(mtl_params_set(q, "checkpoint_every", "20"));
    CHECK_OK(mtl_params_set(q, "record_every", "3"));
    CHECK_OK(mtl_params_set(q, "max_iter", "20"));
    CHECK(mtl_fit(ds, q, NULL, &mq, NULL) >= 0);
    CHECK(stat(c2, &st20) == 0);
    mtl_model_free(mq);
    mq = NULL;
    CHECK_OK(mtl_params_set(q, "max_iter", "60"));
    CHECK(mtl_fit(ds, q, NULL, &mq, NULL) >= 0);
    CHECK(stat(c2, &st60) == 0);
    printf("checkpoint after 20 iterations: %lld bytes, after 60: %lld\n",
           (long long)st20.st_size, (long long)st60.st_size);
    CHECK_LE((double)st60.st_size, 1.1 * (double)st20.st_size);
    mtl_model_free(mq);
    mtl_params_free(q);
    unlink(c2);
    char m2[64];
    snprintf(m2, sizeof m2, "%s.ranks", c2);
    unlink(m2);
  }
  /* the default interval is by wall time (checkpoint_every 0): none in a
   * fast run at 30 s; one per iteration after the first at 1 ns */
  {
    const char *c3 = "test_fit_time.ckpt";
    mtl_params *q = mtl_params_create("smtl");
    mtl_model *mq = NULL;
    mtl_fit_info *iq = NULL;
    CHECK(!strcmp(mtl_params_get(q, "checkpoint_every"), "0"));
    CHECK_OK(mtl_params_set(q, "checkpoint", c3));
    CHECK_OK(mtl_params_set(q, "max_iter", "10"));
    CHECK_OK(mtl_params_set(q, "tol", "0"));
    CHECK(mtl_fit(ds, q, NULL, &mq, &iq) >= 0);
    CHECK(mtl_fit_info_number(iq, "checkpoints_written") == 0);
    mtl_model_free(mq);
    mtl_fit_info_free(iq);
    CHECK_OK(mtl_params_set(q, "checkpoint_seconds", "1e-9"));
    CHECK(mtl_fit(ds, q, NULL, &mq, &iq) >= 0);
    CHECK(mtl_fit_info_number(iq, "checkpoints_written") == 9);
    CHECK(access(c3, F_OK) == 0);
    mtl_model_free(mq);
    mtl_fit_info_free(iq);
    mtl_params_free(q);
    unlink(c3);
  }
  /* a checkpoint of another problem (lambda, then the regularizer) is
   * refused, naming what differs */
  mtl_model *other = NULL;
  CHECK_OK(mtl_params_set(p, "lambda", "0.3"));
  CHECK_ERR(mtl_fit(ds, p, NULL, &other, NULL), MTL_EINVAL);
  CHECK_MSG("its lambda is 0.10000000000000001, this run's 0.29999999999");
  CHECK_OK(mtl_params_set(p, "lambda", "0.1"));
  CHECK_OK(mtl_params_set(p, "reg", "l1")); /* the default is l21 */
  CHECK_ERR(mtl_fit(ds, p, NULL, &other, NULL), MTL_EINVAL);
  CHECK_MSG("regularizer");
  CHECK(other == NULL);
  mtl_model_free(other);
  /* ... and one of other data: the same X (so the same step), one label
   * of the last task changed */
  CHECK_OK(mtl_params_set(p, "reg", "l21"));
  int dd = mtl_dataset_dim(ds), TT = mtl_dataset_ntasks(ds);
  mtl_dataset *ds2 = mtl_dataset_create(dd);
  for (int t = 0; t < TT; t++) {
    int nt = mtl_dataset_task_n(ds, t);
    double *X = malloc((size_t)nt * (size_t)dd * sizeof(double));
    double *y = malloc((size_t)nt * sizeof(double));
    CHECK_OK(mtl_dataset_get_task_X(ds, t, X));
    memcpy(y, mtl_dataset_task_y(ds, t), (size_t)nt * sizeof(double));
    if (t == TT - 1)
      y[0] += 1;
    CHECK(mtl_dataset_add_dense(ds2, nt, X, y, -1, NULL) == t);
    free(X);
    free(y);
  }
  CHECK_ERR(mtl_fit(ds2, p, NULL, &other, NULL), MTL_EINVAL);
  CHECK_MSG("belongs to other data: task 5's samples differ");
  mtl_dataset_free(ds2);
  /* a checkpoint of another method is refused, naming the file */
  mtl_params *a = mtl_params_create("async");
  CHECK_OK(mtl_params_set(a, "nodes", "3"));
  CHECK_OK(mtl_params_set(a, "resume", ck));
  mtl_model *m = NULL;
  CHECK_ERR(mtl_fit(ds, a, NULL, &m, NULL), MTL_EINVAL);
  CHECK_MSG(ck);
  CHECK_OK(mtl_params_set(a, "resume", "no_such.ckpt"));
  CHECK(mtl_fit(ds, a, NULL, &m, NULL) < 0);
  CHECK_MSG("no_such.ckpt");
  unlink(ck);
  mtl_params_free(a);
  mtl_fit_info_free(in);
  mtl_model_free(full);
  mtl_model_free(resumed);
  mtl_params_free(p);
  mtl_dataset_free(ds);
}

/* C-ADMM and D-ADMM on threads: a run stopped after round 20 (its last
 * checkpoint) and resumed ends with the bits of the uninterrupted run. */
static void check_online_resume(const char *method) {
  mtl_dataset *ds = gen(1, 10);
  const char *ck = "test_fit_online.ckpt";
  mtl_params *p = mtl_params_create(method);
  CHECK_OK(mtl_params_set(p, "eta", "5")); /* not sqrt(rounds): the same in
                                               both runs */
  mtl_model *full = NULL, *part = NULL, *resumed = NULL;
  mtl_fit_info *fin = NULL, *in = NULL, *rin = NULL;
  CHECK_OK(mtl_fit(ds, p, NULL, &full, &fin));
  CHECK_OK(mtl_params_set(p, "checkpoint", ck));
  CHECK_OK(mtl_params_set(p, "checkpoint_every", "10"));
  CHECK_OK(mtl_params_set(p, "max_rounds", "20"));
  CHECK_OK(mtl_fit(ds, p, NULL, &part, &in));
  CHECK(mtl_fit_info_number(in, "rounds") == 20);
  CHECK_OK(mtl_params_set(p, "checkpoint", ""));
  CHECK_OK(mtl_params_set(p, "max_rounds", "0"));
  CHECK_OK(mtl_params_set(p, "resume", ck));
  CHECK_OK(mtl_fit(ds, p, NULL, &resumed, &rin));
  if (full && resumed) {
    int n = mtl_model_dim(full) * mtl_model_ntasks(full);
    CHECK(memcmp(mtl_model_W(full), mtl_model_W(resumed),
                 (size_t)n * sizeof(double)) == 0);
    CHECK(memcmp(mtl_model_W(full), mtl_model_W(part),
                 (size_t)n * sizeof(double)) != 0);
    int r = 0, c = 0;
    const double *O1 = mtl_model_get_matrix(full, "Omega", &r, &c);
    const double *O2 = mtl_model_get_matrix(resumed, "Omega", &r, &c);
    CHECK(O1 && O2 && memcmp(O1, O2, (size_t)r * c * sizeof(double)) == 0);
    /* the cumulative error over the whole stream, rounds before the
     * checkpoint included */
    CHECK(mtl_fit_info_number(fin, "mistakes") ==
          mtl_fit_info_number(rin, "mistakes"));
    CHECK(mtl_fit_info_number(fin, "cumulative_error") ==
          mtl_fit_info_number(rin, "cumulative_error"));
  }
  /* a checkpoint of the other method is refused, naming the file */
  mtl_params *o = mtl_params_create(strcmp(method, "cadmm") ? "cadmm"
                                                            : "dadmm");
  CHECK_OK(mtl_params_set(o, "eta", "5"));
  CHECK_OK(mtl_params_set(o, "resume", ck));
  mtl_model *m = NULL;
  CHECK_ERR(mtl_fit(ds, o, NULL, &m, NULL), MTL_EINVAL);
  CHECK_MSG(ck);
  unlink(ck);
  mtl_params_free(o);
  mtl_fit_info_free(fin);
  mtl_fit_info_free(in);
  mtl_fit_info_free(rin);
  mtl_model_free(full);
  mtl_model_free(part);
  mtl_model_free(resumed);
  mtl_params_free(p);
  mtl_dataset_free(ds);
}

static void test_online_resume(void) {
  check_online_resume("cadmm");
  check_online_resume("dadmm");
  /* asynchronous D-ADMM writes no checkpoint: refused, not ignored */
  mtl_dataset *ds = gen(1, 10);
  mtl_params *q = mtl_params_create("dadmm");
  CHECK_OK(mtl_params_set(q, "async", "1"));
  CHECK_OK(mtl_params_set(q, "checkpoint", "x.ckpt"));
  mtl_model *m = NULL;
  CHECK_ERR(mtl_fit(ds, q, NULL, &m, NULL), MTL_EUNSUPPORTED);
  CHECK_MSG("C-ADMM and round-synchronous D-ADMM only");
  mtl_params_free(q);
  mtl_dataset_free(ds);
}

/* The reader with its options as text: no struct (what a binding uses). */
static void test_read_opts(void) {
  mtl_dataset *ds = gen(0, 12), *a = NULL, *b = NULL;
  const char *path = "test_fit_read.txt";
  CHECK_OK(mtl_dataset_write_text(ds, path));
  mtl_read_params rp;
  mtl_read_params_init(&rp);
  rp.format = MTL_FMT_TEXT;
  rp.sparse = 0;
  rp.dim = 9;
  CHECK_OK(mtl_dataset_read(path, &rp, &a));
  CHECK_OK(mtl_dataset_read_opts(path, "format=text; sparse=0;dim=9", &b));
  CHECK(a && b && mtl_dataset_dim(b) == 9 && mtl_dataset_ntasks(b) == 5);
  for (int t = 0; a && b && t < 5; t++) {
    CHECK(mtl_dataset_task_n(a, t) == mtl_dataset_task_n(b, t));
    CHECK(!mtl_dataset_task_is_sparse(b, t));
    CHECK(memcmp(mtl_dataset_task_y(a, t), mtl_dataset_task_y(b, t),
                 (size_t)mtl_dataset_task_n(a, t) * sizeof(double)) == 0);
  }
  mtl_dataset *c = (mtl_dataset *)1;
  CHECK_ERR(mtl_dataset_read_opts(path, "fromat=text", &c), MTL_EINVAL);
  CHECK_MSG("unknown read option 'fromat'");
  CHECK(c == NULL);
  CHECK_ERR(mtl_dataset_read_opts(path, "format=xml", &c), MTL_EINVAL);
  CHECK_MSG("format = 'xml': expected one of auto|mat|npz|text|csv");
  CHECK_ERR(mtl_dataset_read_opts(path, "dim=-2", &c), MTL_EINVAL);
  CHECK_ERR(mtl_dataset_read_opts(path, "kind", &c), MTL_EINVAL);
  CHECK_MSG("not NAME=VALUE");
  CHECK(mtl_dataset_read_opts("no_such_file.txt", "", &c) < 0);
  CHECK_MSG("no_such_file.txt");
  unlink(path);
  mtl_dataset_free(a);
  mtl_dataset_free(b);
  mtl_dataset_free(ds);
}

int main(void) {
  test_registry();
  test_params();
  test_every_method();
  test_batch_equals_solve();
  test_errors();
  test_search();
  test_search_extend();
  test_checkpoint_resume();
  test_online_resume();
  test_read_opts();
  CHECK_DONE();
}
