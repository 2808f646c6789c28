/*
 * cmd_cv.c -- `mtl cv DATA --method M`: k-fold cross-validation of a grid
 * over any of the method's parameters (mtl_search_run), the table and the
 * best point; with -o, a refit on all of DATA at that point (mtl_fit).
 */
#include "fitrun.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct cv_args {
  cli_read rd;
  fitrun fr;
  int folds, json;
  const char *model;
} cv_args;

static void add_options(opts *o, cv_args *a) {
  opts_init(o, "cv", "DATA [options]",
            "Cross-validates a grid over the parameters of --method: each "
            "task's samples\nare dealt into K folds (seeded); every grid "
            "point is fitted on K-1 folds\n(features standardized on them) "
            "and scored on the held-out one (mean over\ntasks of the RMSE "
            "for regression, the error rate for classification).\nPrints "
            "the table and the best point; with -o, refits on all of DATA "
            "there\nand saves the model.  The default grid is --nlambda "
            "lambdas from lambda_max\ndown (batch, async, smtl, mll), times "
            "as many lambda2s from the top of\nits path for the methods with "
            "two (tgl, fglasso, cmtl, caso).");
  fitrun_method_opts(o, &a->fr);
  cli_read_opts(o, &a->rd);
  opts_section(o, "Cross-validation");
  opts_int(o, "folds", 'k', &a->folds, "K", 2, 1000, "number of folds");
  a->fr.path_n = 10;
  fitrun_grid_opts(o, &a->fr, 0);
  opts_u64(o, "seed", 0, &a->fr.seed, "S", "seed of the fold assignment");
  opts_section(o, "Output");
  opts_string(o, "model", 'o', &a->model, "FILE",
              "refit at the best point on all of DATA and save here");
  opts_flag(o, "json", 0, &a->json, 1, "print the results as JSON");
  opts_flag(o, "quiet", 'q', &cli_quiet, 1, "no diagnostics on stderr");
  fitrun_param_opts(o, &a->fr);
}

static void print_text(const cv_args *a, const char *path,
                       const mtl_dataset *ds, const mtl_search *s,
                       double secs, const mtl_fit_info *refit) {
  int b = mtl_search_best(s);
  int T = mtl_dataset_ntasks(ds);
  if (mtl_dataset_is_shared(ds) && T > 0)
    printf("data:         %s (%d task%s on one design of %d samples, %d "
           "features)\n",
           path, T, CLI_S(T), mtl_dataset_task_n(ds, 0), mtl_dataset_dim(ds));
  else
    printf("data:         %s (%d task%s, %lld samples, %d features)\n", path,
           T, CLI_S(T), (long long)mtl_dataset_total_n(ds),
           mtl_dataset_dim(ds));
  printf("method:       %s\nparameters:   ", mtl_method_name(a->fr.method));
  fitrun_print_params(stdout, a->fr.p);
  printf("cv:           %d folds, %d points of %s", a->folds,
         mtl_search_npoints(s), a->fr.grid_text);
  if (a->fr.extended)
    printf(" (%d added past its edge)", a->fr.extended);
  printf(", %.3f s\n\n", secs);
  fitrun_print_table(stdout, s, b, NULL, NULL, 1);
  printf("\n");
  for (int j = 0; j < mtl_search_nvaried(s); j++) {
    char key[64];
    snprintf(key, sizeof key, "best %s:", mtl_search_varied_name(s, j));
    double x = mtl_search_number(s, b, j);
    if (isnan(x))
      printf("%-14s%s", key, mtl_search_value(s, b, j));
    else
      printf("%-14s%.6g", key, x);
    printf(j == mtl_search_nvaried(s) - 1 ? " (mean %s %.6g +- %.3g)\n"
                                          : "\n",
           mtl_search_metric(s), mtl_search_error(s, b),
           mtl_search_error_std(s, b));
  }
  if (refit)
    printf("refit:        %s after %s iterations, objective %.10g\n"
           "model saved:  %s\n",
           mtl_fit_info_get(refit, "status"),
           mtl_fit_info_get(refit, "iterations"),
           mtl_fit_info_number(refit, "objective"), a->model);
}

static void print_json(const cv_args *a, const char *path,
                       const mtl_search *s, double secs,
                       const mtl_fit_info *refit) {
  printf("{\"command\": \"cv\", \"method\": ");
  cli_json_str(stdout, mtl_method_name(a->fr.method));
  printf(", \"data\": ");
  cli_json_str(stdout, path);
  printf(", \"parameters\": ");
  fitrun_json_params(stdout, a->fr.p);
  printf(", \"grid\": ");
  cli_json_str(stdout, a->fr.grid_text);
  printf(", \"folds\": %d, \"extended\": %d, \"edge\": {", a->folds,
         a->fr.extended);
  for (int j = 0; j < mtl_search_nvaried(s); j++) {
    printf("%s", j ? ", " : "");
    cli_json_str(stdout, mtl_search_varied_name(s, j));
    printf(": %d", mtl_search_edge(s, j));
  }
  printf("}, \"error\": ");
  cli_json_str(stdout, mtl_search_metric(s));
  printf(", \"seconds\": ");
  cli_json_num(stdout, secs);
  printf(", \"table\": ");
  fitrun_json_table(stdout, s, NULL, 1);
  int b = mtl_search_best(s);
  printf(", \"best\": %d, \"best_parameters\": {", b);
  for (int j = 0; j < mtl_search_nvaried(s); j++) {
    printf("%s", j ? ", " : "");
    cli_json_str(stdout, mtl_search_varied_name(s, j));
    printf(": ");
    cli_json_str(stdout, mtl_search_value(s, b, j));
  }
  printf("}");
  if (refit) {
    printf(", \"refit\": {\"model\": ");
    cli_json_str(stdout, a->model);
    fitrun_json_info(stdout, refit);
    printf("}");
  }
  printf("}\n");
}

/* The refit at the best point, saved. */
static int refit(cv_args *a, const char *path, const mtl_dataset *ds,
                 const mtl_search *s, mtl_fit_info **in) {
  mtl_params *p = mtl_search_params(s, mtl_search_best(s));
  mtl_model *m = NULL;
  int rc = p ? MTL_OK : MTL_ENOMEM;
  if (p) {
    mtl_params_set_progress(p, cli_progress_cb, &a->fr.pc);
    cli_progress_start(&a->fr.pc, "refit");
    rc = mtl_fit(ds, p, NULL, &m, in);
    cli_progress_done(&a->fr.pc);
  }
  int r = rc < 0 ? rc : cli_meta(m, "data", "%s", path);
  r = r < 0 ? r : cli_meta(m, "cv_folds", "%d", a->folds);
  r = r < 0 ? r : cli_meta(m, "cv_error", "%.17g",
                          mtl_search_error(s, mtl_search_best(s)));
  if (r < 0)
    rc = cli_lib_error(r, "refit failed");
  else if ((r = mtl_model_save(m, a->model)) < 0)
    rc = cli_lib_error(r, "cannot save the model to '%s'", a->model);
  else
    rc = CLI_OK;
  mtl_model_free(m);
  mtl_params_free(p);
  return rc;
}

static int run(cv_args *a, const char *path) {
  mtl_dataset *ds = NULL;
  mtl_search *s = NULL;
  mtl_fit_info *in = NULL;
  int rc = cli_load(path, &a->rd, 0, &ds);
  if (rc != CLI_OK)
    return rc;
  for (int t = 0; t < mtl_dataset_ntasks(ds); t++)
    if (mtl_dataset_task_n(ds, t) < a->folds) {
      cli_error("task %d ('%s') of '%s' has %d samples, fewer than --folds "
                "%d",
                t + 1, mtl_dataset_task_name(ds, t), path,
                mtl_dataset_task_n(ds, t), a->folds);
      mtl_dataset_free(ds);
      return CLI_FAIL;
    }
  double t0 = cli_now();
  int r = mtl_search_run(ds, a->fr.p, NULL, a->fr.grid_text, a->folds, 0,
                         a->fr.seed, &s);
  double secs = cli_now() - t0;
  cli_progress_done(&a->fr.pc);
  if (r < 0)
    rc = cli_lib_error(r, "cross-validation failed on '%s'", path);
  else
    rc = fitrun_extend(&a->fr, s, ds);
  secs = cli_now() - t0;
  if (rc == CLI_OK && a->model)
    rc = refit(a, path, ds, s, &in);
  if (rc == CLI_OK && a->json)
    print_json(a, path, s, secs, in);
  else if (rc == CLI_OK)
    print_text(a, path, ds, s, secs, in);
  mtl_fit_info_free(in);
  mtl_search_free(s);
  mtl_dataset_free(ds);
  return rc;
}

int cmd_cv(int argc, char **argv) {
  cv_args a;
  memset(&a, 0, sizeof a);
  cli_read_init(&a.rd);
  fitrun_init(&a.fr);
  a.folds = 5;
  opts o;
  add_options(&o, &a);
  int rc = opts_parse(&o, argc, argv);
  if (rc != 0) {
    fitrun_clear(&a.fr);
    return rc == OPTS_HELP ? CLI_OK : rc;
  }
  if (o.npos == 0)
    rc = cli_usage("cv", "missing the DATA file");
  else if (o.npos > 1)
    rc = cli_usage("cv", "unexpected argument '%s' (cv takes one DATA file)",
                   o.pos[1]);
  if (rc == CLI_OK)
    rc = fitrun_params(&a.fr, &o, "cv");
  if (rc == CLI_OK)
    rc = fitrun_grid(&a.fr, &o, "cv", 10);
  if (rc == CLI_OK && opts_seen(&o, "lambda") &&
      strncmp(a.fr.grid_text, "lambda", 6) == 0)
    rc = cli_usage("cv", "--lambda is a single value; cv chooses it from "
                         "the grid");
  if (rc == CLI_OK)
    rc = run(&a, o.pos[0]);
  fitrun_clear(&a.fr);
  return rc;
}
