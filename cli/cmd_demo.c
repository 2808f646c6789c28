/*
 * cmd_demo.c -- `mtl demo`: the case for multi-task learning in one command.
 *
 * Generates T regression tasks that share a sparse support (the same few
 * features matter in every task) with few samples each, splits every task
 * 50/50, and compares single-task learning (independent Lassos: the L1 norm
 * is separable over tasks; independent ridge) with multi-task learning
 * (L2,1 joint feature selection, Argyriou et al. 2008 / Obozinski et al.
 * 2010; trace norm, a shared low-rank subspace).  Every method gets its
 * lambda by k-fold CV on the training part only; test RMSE decides.
 */
#include "cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct method {
  const char *name;
  const char *reg;   /* the batch method's "reg" */
  const char *ratio; /* the lambda grid's lower end / its top */
  int multitask;
  const char *what;
} method;

/* The grid runs from lambda_max down to 1% of it; ridge has no lambda_max
 * and starts at the loss's Lipschitz bound, down to 0.1% of it. */
static const method methods[] = {
    {"STL-Lasso", "l1", "0.01", 0, "independent Lassos (L1, separable)"},
    {"STL-Ridge", "ridge", "0.001", 0, "independent ridge regressions"},
    {"MTL-L21", "l21", "0.01", 1, "joint feature selection (L2,1 norm)"},
    {"MTL-Trace", "trace", "0.01", 1, "shared low-rank subspace (trace norm)"},
};
#define NMETHOD (int)(sizeof methods / sizeof *methods)

typedef struct result {
  double lambda, cv_error;
  int features, true_found;
  mtl_metrics mean;
  mtl_metrics *per_task; /* T */
  mtl_model *model;
} result;

typedef struct demo_args {
  int T, d, n, support, folds, nlambda, json;
  double noise;
  uint64_t seed;
  const char *model;
} demo_args;

/* The parameters of method m: the batch method (mtl_fit) with the squared
 * loss, mean scaling, FISTA, features standardized on the data it is
 * given and an unpenalized bias.  The CV folds stop at select_tol
 * (MTL_SELECT_TOL), the refit at the certificate's duality gap (tol_gap's
 * default, 1e-9 x objective) or, without a dual (ridge), at a relative
 * objective change of 1e-8.  NULL after printing an error. */
static mtl_params *method_params(const method *m) {
  static const char *const fixed[][2] = {
      {"loss", "squared"}, {"scaling", "mean"},  {"ridge", "0"},
      {"standardize", "1"}, {"bias", "1"},       {"solver", "fista"},
      {"tol", "1e-8"},      {"max_iter", "5000"}, {"threads", "1"}};
  mtl_params *p = mtl_params_create("batch");
  if (!p) {
    cli_lib_error(MTL_ENOMEM, "%s: cannot create the parameters", m->name);
    return NULL;
  }
  int r = mtl_params_set(p, "reg", m->reg);
  for (size_t i = 0; r >= 0 && i < sizeof fixed / sizeof *fixed; i++)
    r = mtl_params_set(p, fixed[i][0], fixed[i][1]);
  if (r < 0) {
    cli_lib_error(r, "%s: cannot set the parameters", m->name);
    mtl_params_free(p);
    return NULL;
  }
  return p;
}

/* Features used by any task, and how many of them are truly relevant. */
static void count_features(const demo_args *a, const mtl_model *model,
                           const double *W_true, result *res) {
  int T = a->T, d = mtl_model_dim(model);
  const double *W = mtl_model_W(model);
  res->features = res->true_found = 0;
  for (int j = 0; j < a->d; j++) {
    int used = 0, truth = 0;
    for (int t = 0; t < T; t++) {
      used |= W[(size_t)t * (size_t)d + (size_t)j] != 0.0;
      truth |= W_true[(size_t)t * (size_t)a->d + (size_t)j] != 0.0;
    }
    res->features += used;
    res->true_found += used && truth;
  }
}

/* Lambda of method m (parameters p) by k-fold CV on the training part
 * (mtl_search_run: res->lambda, res->cv_error), then the refit there on
 * the whole training part (mtl_fit: res->model). */
static int method_fit(const method *m, const demo_args *a, mtl_params *p,
                      const mtl_dataset *train, result *res) {
  char grid[64];
  snprintf(grid, sizeof grid, "lambda=path:%d:%s", a->nlambda, m->ratio);
  cli_progress pc;
  mtl_params_set_progress(p, cli_progress_cb, &pc);
  cli_progress_start(&pc, m->name);
  mtl_search *s = NULL;
  int r = mtl_search_run(train, p, NULL, grid, a->folds, 0, a->seed, &s);
  cli_progress_done(&pc);
  if (r < 0)
    return cli_lib_error(r, "%s: cross-validation failed", m->name);
  int b = mtl_search_best(s);
  res->lambda = mtl_search_number(s, b, 0);
  res->cv_error = mtl_search_error(s, b);
  mtl_params *q = mtl_search_params(s, b);
  mtl_search_free(s);
  if (!q)
    return cli_lib_error(MTL_ENOMEM, "%s: cannot copy the parameters",
                         m->name);
  mtl_params_set_progress(q, cli_progress_cb, &pc);
  cli_progress_start(&pc, m->name);
  r = mtl_fit(train, q, NULL, &res->model, NULL);
  cli_progress_done(&pc);
  mtl_params_free(q);
  if (r < 0)
    return cli_lib_error(r, "%s: refit failed", m->name);
  return CLI_OK;
}

/* Cross-validates method m on the training part, refits at the best
 * lambda, and evaluates on the test part. */
static int run_method(const method *m, const demo_args *a,
                      const mtl_dataset *train, const mtl_dataset *test,
                      const double *W_true, result *res) {
  mtl_params *p = method_params(m);
  if (!p)
    return CLI_FAIL;
  int rc = method_fit(m, a, p, train, res);
  mtl_params_free(p);
  if (rc != CLI_OK)
    return rc;
  count_features(a, res->model, W_true, res);
  int r = cli_meta(res->model, "demo_method", "%s", m->name);
  r = r < 0 ? r : cli_meta(res->model, "cv_error", "%.17g", res->cv_error);
  if (r < 0)
    return cli_lib_error(r, "cannot set model metadata");
  res->per_task = calloc((size_t)a->T, sizeof *res->per_task);
  if (!res->per_task) {
    cli_error("out of memory");
    return CLI_FAIL;
  }
  return cli_evaluate(res->model, test, res->per_task, &res->mean, NULL);
}

static void print_table(const demo_args *a, const mtl_dataset *test,
                        const result *res) {
  printf("%-10s %4s", "test RMSE", "n");
  for (int k = 0; k < NMETHOD; k++)
    printf(" %10s", methods[k].name);
  printf("\n");
  for (int t = 0; t < a->T; t++) {
    printf("%-10s %4d", mtl_dataset_task_name(test, t),
           mtl_dataset_task_n(test, t));
    int best = 0;
    for (int k = 1; k < NMETHOD; k++)
      if (res[k].per_task[t].rmse < res[best].per_task[t].rmse)
        best = k;
    for (int k = 0; k < NMETHOD; k++)
      printf(" %9.4f%c", res[k].per_task[t].rmse, k == best ? '*' : ' ');
    printf("\n");
  }
  printf("%-10s %4s", "mean", "");
  for (int k = 0; k < NMETHOD; k++)
    printf(" %9.4f ", res[k].mean.rmse);
  printf("\n%-10s %4s", "lambda", "");
  for (int k = 0; k < NMETHOD; k++)
    printf(" %10.4g", res[k].lambda);
  printf("\n%-10s %4s", "cv RMSE", "");
  for (int k = 0; k < NMETHOD; k++)
    printf(" %9.4f ", res[k].cv_error);
  printf("\n%-10s %4s", "features", "");
  for (int k = 0; k < NMETHOD; k++)
    printf(" %10d", res[k].features);
  printf("\n%-10s %4s", "true found", "");
  for (int k = 0; k < NMETHOD; k++)
    printf(" %7d/%-2d", res[k].true_found, a->support);
  printf("\n(* = best method for the task; features = used by any task; "
         "true found = of the %d relevant)\n",
         a->support);
}

/* Everything cmd_demo builds: the data, its split and scaling, and one
 * result per method. */
typedef struct demo_state {
  mtl_dataset *ds, *train, *test;
  double *W_true;
  result res[NMETHOD];
  int bs, bm, save; /* best STL, best MTL (test RMSE), saved (CV error) */
} demo_state;

/* Parses the options into a; *stop when cmd_demo returns the result. */
static int demo_options(demo_args *a, int argc, char **argv, int *stop) {
  opts o;
  *stop = 1;
  opts_init(&o, "demo", "[options]",
            "Why multi-task learning?  Generates related regression tasks "
            "that share a sparse\nsupport and have few samples each, splits "
            "every task 50/50 into train/test,\nstandardizes on the training "
            "part, and compares single-task learning (STL:\nindependent "
            "Lassos, independent ridge) with multi-task learning (MTL: L2,1\n"
            "joint feature selection, trace norm), each with lambda chosen by "
            "k-fold CV on\nthe training part.  Prints per-task test RMSE and "
            "a verdict, and saves the MTL\nmodel with the lower CV error.  "
            "No files needed.");
  opts_section(&o, "Problem");
  opts_int(&o, "tasks", 'T', &a->T, "T", 2, 1000, "number of tasks");
  opts_int(&o, "dim", 'd', &a->d, "D", 2, 100000, "number of features");
  opts_int(&o, "samples", 'n', &a->n, "N", 4, 1000000,
           "samples per task (half for training)");
  opts_int(&o, "support", 's', &a->support, "S", 1, 100000,
           "features that matter (the same in every task)");
  opts_double(&o, "noise", 0, &a->noise, "X", 0, HUGE_VAL,
              "std of the target noise");
  opts_u64(&o, "seed", 0, &a->seed, "S", "seed of data, split and folds");
  opts_section(&o, "Model selection");
  opts_int(&o, "folds", 'k', &a->folds, "K", 2, 100, "CV folds");
  opts_int(&o, "nlambda", 0, &a->nlambda, "N", 1, 1000,
           "lambdas per method (grid from lambda_max down to 1% of it)");
  opts_section(&o, "Output");
  opts_string(&o, "model", 'o', &a->model, "FILE",
              "where to save the chosen MTL model");
  opts_flag(&o, "json", 0, &a->json, 1, "print the results as JSON");
  opts_flag(&o, "quiet", 'q', &cli_quiet, 1, "no diagnostics on stderr");
  int rc = opts_parse(&o, argc, argv);
  if (rc != 0)
    return rc == OPTS_HELP ? CLI_OK : rc;
  if (o.npos > 0)
    return cli_usage("demo", "unexpected argument '%s'", o.pos[0]);
  if (a->support > a->d)
    return cli_usage("demo", "--support %d exceeds --dim %d", a->support,
                     a->d);
  if (a->n / 2 < a->folds)
    return cli_usage("demo", "--samples %d leaves %d training samples per "
                             "task, fewer than --folds %d",
                     a->n, a->n / 2, a->folds);
  *stop = 0;
  return CLI_OK;
}

/* The demo data: generated and split 50/50 (each fit standardizes the
 * part it is trained on: the CV's folds their training folds, the refit
 * the training part). */
static int demo_data(const demo_args *a, demo_state *st) {
  mtl_gen_params gp;
  mtl_gen_params_init(&gp);
  gp.kind = MTL_GEN_SPARSE;
  gp.T = a->T;
  gp.d = a->d;
  gp.n = a->n;
  gp.support = a->support;
  gp.noise = a->noise;
  gp.seed = a->seed;
  int r = mtl_generate(&gp, &st->ds, &st->W_true);
  if (r < 0)
    return cli_lib_error(r, "cannot generate the demo data");
  if ((r = mtl_dataset_split(st->ds, 0.5, a->seed, &st->train, &st->test)) <
      0)
    return cli_lib_error(r, "cannot split the demo data");
  if (!a->json && !cli_quiet)
    fprintf(stderr,
            "mtl demo: %d regression tasks, %d features of which the same %d "
            "matter in every task,\n"
            "          %lld training / %lld test samples in all (about %d "
            "per task each), noise std %g.\n"
            "          lambda of each method by %d-fold CV on the training "
            "part...\n",
            a->T, a->d, a->support, (long long)mtl_dataset_total_n(st->train),
            (long long)mtl_dataset_total_n(st->test), a->n / 2, a->noise,
            a->folds);
  return CLI_OK;
}

/* Every method in turn, with its time as a note. */
static int demo_methods(const demo_args *a, demo_state *st) {
  for (int k = 0; k < NMETHOD; k++) {
    double tk = cli_now();
    int rc = run_method(&methods[k], a, st->train, st->test, st->W_true,
                        &st->res[k]);
    if (rc != CLI_OK)
      return rc;
    if (!a->json)
      cli_note("  %-10s %-40s %.2f s", methods[k].name, methods[k].what,
               cli_now() - tk);
  }
  return CLI_OK;
}

/* Best STL and best MTL by test RMSE for the verdict; the saved MTL model
 * is chosen by CV error, which never saw the test part. */
static void demo_choose(demo_state *st) {
  const result *res = st->res;
  int bs = -1, bm = -1, save = -1;
  for (int k = 0; k < NMETHOD; k++) {
    int *b = methods[k].multitask ? &bm : &bs;
    if (*b < 0 || res[k].mean.rmse < res[*b].mean.rmse)
      *b = k;
    if (methods[k].multitask &&
        (save < 0 || res[k].cv_error < res[save].cv_error))
      save = k;
  }
  st->bs = bs;
  st->bm = bm;
  st->save = save;
}

static void print_json(const demo_args *a, const demo_state *st,
                       double gain) {
  const result *res = st->res;
  printf("{\"command\": \"demo\", \"tasks\": %d, \"features\": %d, "
         "\"support\": %d, \"samples_per_task\": %d, \"noise\": ",
         a->T, a->d, a->support, a->n);
  cli_json_num(stdout, a->noise);
  printf(", \"methods\": [");
  for (int k = 0; k < NMETHOD; k++) {
    printf("%s{\"name\": ", k ? ", " : "");
    cli_json_str(stdout, methods[k].name);
    printf(", \"multitask\": %s, \"lambda\": ",
           methods[k].multitask ? "true" : "false");
    cli_json_num(stdout, res[k].lambda);
    printf(", \"cv_rmse\": ");
    cli_json_num(stdout, res[k].cv_error);
    printf(", \"test_rmse\": ");
    cli_json_num(stdout, res[k].mean.rmse);
    printf(", \"features_used\": %d, \"true_found\": %d, "
           "\"task_rmse\": [",
           res[k].features, res[k].true_found);
    for (int t = 0; t < a->T; t++) {
      printf("%s", t ? ", " : "");
      cli_json_num(stdout, res[k].per_task[t].rmse);
    }
    printf("]}");
  }
  printf("], \"best_stl\": ");
  cli_json_str(stdout, methods[st->bs].name);
  printf(", \"best_mtl\": ");
  cli_json_str(stdout, methods[st->bm].name);
  printf(", \"improvement_percent\": ");
  cli_json_num(stdout, gain);
  printf(", \"model\": ");
  cli_json_str(stdout, a->model);
  printf(", \"saved_method\": ");
  cli_json_str(stdout, methods[st->save].name);
  printf("}\n");
}

static void print_text(const demo_args *a, const demo_state *st,
                       double gain) {
  const result *res = st->res;
  int bs = st->bs, bm = st->bm, save = st->save;
  double s = res[bs].mean.rmse, m = res[bm].mean.rmse;
  int wins = 0;
  for (int t = 0; t < a->T; t++)
    wins += res[bm].per_task[t].rmse < res[bs].per_task[t].rmse;
  printf("\n");
  print_table(a, st->test, res);
  printf("\n");
  if (m < s)
    printf("verdict: MTL wins: %s has a %.1f%% lower mean test RMSE than "
           "the best STL method, %s (%.4f vs %.4f), and is better on %d "
           "of %d tasks.\n",
           methods[bm].name, gain, methods[bs].name, m, s, wins, a->T);
  else
    printf("verdict: no gain from MTL here: the best STL method, %s, has "
           "mean test RMSE %.4f vs %.4f for %s (try fewer --samples).\n",
           methods[bs].name, s, m, methods[bm].name);
  printf("model saved: %s (%s, lambda %.4g, the MTL method with the "
         "lower CV error)\n",
         a->model, methods[save].name, res[save].lambda);
  printf("try next: mtl gen -T %d -d %d -n %d --noise %g -o data.txt && "
         "mtl train data.txt --reg l21 --split 0.5\n",
         a->T, a->d, a->n, a->noise);
}

static void demo_clear(demo_state *st) {
  for (int k = 0; k < NMETHOD; k++) {
    free(st->res[k].per_task);
    mtl_model_free(st->res[k].model);
  }
  mtl_dataset_free(st->train);
  mtl_dataset_free(st->test);
  mtl_dataset_free(st->ds);
  mtl_free(st->W_true);
}

int cmd_demo(int argc, char **argv) {
  demo_args a = {.T = 30,
                 .d = 100,
                 .n = 40,
                 .support = 10,
                 .folds = 5,
                 .nlambda = 8,
                 .noise = 1.0,
                 .seed = 1,
                 .model = "mtl-demo.model"};
  int stop, r;
  int rc = demo_options(&a, argc, argv, &stop);
  if (stop)
    return rc;
  demo_state st;
  memset(&st, 0, sizeof st);
  double t0 = cli_now();
  if ((rc = demo_data(&a, &st)) != CLI_OK ||
      (rc = demo_methods(&a, &st)) != CLI_OK)
    goto done;
  demo_choose(&st);
  const result *res = st.res;
  if ((r = mtl_model_save(res[st.save].model, a.model)) < 0) {
    rc = cli_lib_error(r, "cannot save the model to '%s'", a.model);
    goto done;
  }
  double s = res[st.bs].mean.rmse, m = res[st.bm].mean.rmse;
  double gain = 100.0 * (s - m) / s;
  if (a.json)
    print_json(&a, &st, gain);
  else
    print_text(&a, &st, gain);
  cli_note("demo took %.1f s", cli_now() - t0);
  rc = CLI_OK;
done:
  demo_clear(&st);
  return rc;
}
