/*
 * cmd_cv.c -- `mtl cv DATA`: k-fold cross-validation of a lambda grid, the
 * CV table and best lambda; with -o, a refit on all of DATA at that lambda.
 */
#include "cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int cmd_cv(int argc, char **argv) {
  cli_read rd;
  cli_fit fit;
  cli_read_init(&rd);
  cli_fit_init(&fit);
  int folds = 5, nlambda = 10, json = 0;
  double ratio = 0.01;
  uint64_t seed = 1;
  const char *lambdas_s = NULL, *model_path = NULL;

  opts o;
  opts_init(&o, "cv", "DATA [options]",
            "Cross-validates a lambda grid: each task's samples are dealt "
            "into K folds\n(seeded), the path is solved on K-1 folds and "
            "scored on the held-out one\n(task-averaged RMSE for regression, "
            "error rate for classification).  Prints\nthe table and the best "
            "lambda; with -o, refits on all of DATA at that lambda\nand saves "
            "the model.  Standardization is fitted once on all of DATA.");
  cli_read_opts(&o, &rd);
  cli_fit_opts(&o, &fit, 0);
  opts_section(&o, "Cross-validation");
  opts_int(&o, "folds", 'k', &folds, "K", 2, 1000, "number of folds");
  opts_int(&o, "nlambda", 0, &nlambda, "N", 1, 10000,
           "grid size, from lambda_max down (ridge/mean/graph: from the "
           "loss's Lipschitz bound down)");
  opts_double(&o, "lambda-ratio", 0, &ratio, "R", 0, 1,
              "smallest / largest lambda of the grid");
  opts_string(&o, "lambdas", 0, &lambdas_s, "LIST",
              "explicit grid, comma separated (instead of --nlambda)");
  opts_u64(&o, "seed", 0, &seed, "S", "seed of the fold assignment");
  opts_section(&o, "Output");
  opts_string(&o, "model", 'o', &model_path, "FILE",
              "refit at the best lambda on all of DATA and save here");
  opts_flag(&o, "json", 0, &json, 1, "print the results as JSON");
  opts_flag(&o, "quiet", 'q', &cli_quiet, 1, "no diagnostics on stderr");
  int rc = opts_parse(&o, argc, argv);
  if (rc != 0)
    return rc == OPTS_HELP ? CLI_OK : rc;
  if (o.npos == 0)
    return cli_usage("cv", "missing the DATA file");
  if (o.npos > 1)
    return cli_usage("cv", "unexpected argument '%s' (cv takes one DATA "
                           "file)",
                     o.pos[1]);
  if (!(ratio > 0 && ratio < 1))
    return cli_usage("cv", "--lambda-ratio %g must be strictly between 0 "
                           "and 1",
                     ratio);
  if (lambdas_s && opts_seen(&o, "nlambda"))
    return cli_usage("cv", "--lambdas and --nlambda are alternatives");
  if ((rc = cli_fit_check(&fit, "cv")) != CLI_OK)
    return rc;
  const char *path = o.pos[0];

  mtl_dataset *ds = NULL, *scaled = NULL;
  mtl_scaler sc;
  memset(&sc, 0, sizeof sc);
  mtl_problem *pb = NULL;
  mtl_model *model = NULL;
  double *grid = NULL, *W = NULL;
  mtl_cv_result res;
  memset(&res, 0, sizeof res);
  mtl_solve_info info;
  memset(&info, 0, sizeof info);
  int n = nlambda, r;

  if (lambdas_s &&
      (rc = cli_parse_list("cv", "lambdas", lambdas_s, &grid, &n)) != CLI_OK)
    goto done;
  if ((rc = cli_load(path, &rd, 0, &ds)) != CLI_OK)
    goto done;
  if ((rc = cli_fit_finish(&fit, "cv", mtl_dataset_ntasks(ds))) != CLI_OK)
    goto done;
  if ((rc = cli_preprocess(&fit, ds, &sc, &scaled)) != CLI_OK)
    goto done;
  rc = CLI_FAIL;
  for (int t = 0; t < mtl_dataset_ntasks(ds); t++)
    if (mtl_dataset_task_n(ds, t) < folds) {
      cli_error("task %d ('%s') of '%s' has %d samples, fewer than --folds "
                "%d",
                t + 1, mtl_dataset_task_name(ds, t), path,
                mtl_dataset_task_n(ds, t), folds);
      goto done;
    }
  if ((r = mtl_problem_create(scaled, &fit.pp, &pb)) < 0) {
    rc = cli_lib_error(r, "cannot set up the problem on '%s'", path);
    goto done;
  }
  if (!grid && !cli_reg_has_lambda_max(fit.pp.reg.type)) {
    grid = cli_grid(cli_grid_top(pb, fit.pp.reg.type), ratio, n);
    if (!grid) {
      cli_error("out of memory");
      goto done;
    }
  }
  cli_progress pc;
  cli_progress_attach(&fit.sp, &pc, "cv");
  double t0 = cli_now();
  r = mtl_cv(scaled, &fit.pp, &fit.sp, folds, seed, grid, n, ratio, &res);
  double secs = cli_now() - t0;
  cli_progress_done(&pc);
  if (r < 0) {
    rc = cli_lib_error(r, "cross-validation failed on '%s'", path);
    goto done;
  }
  double best = res.lambdas[res.best];
  int kinds = cli_kinds(ds), T = mtl_dataset_ntasks(ds);
  int st = 0;
  if (model_path) {
    int d = mtl_problem_dim(pb);
    W = calloc((size_t)d * (size_t)T, sizeof *W);
    if (!W) {
      cli_error("out of memory");
      goto done;
    }
    fit.pp.reg.lambda = best;
    if ((r = mtl_problem_set_lambda(pb, best)) < 0) {
      rc = cli_lib_error(r, "cannot set lambda %g", best);
      goto done;
    }
    cli_progress_attach(&fit.sp, &pc, "refit");
    st = mtl_solve(pb, &fit.sp, W, &info);
    cli_progress_done(&pc);
    if (st < 0) {
      rc = cli_lib_error(st, "refit at lambda %g failed", best);
      goto done;
    }
    model = cli_model_build(&fit, pb, W, &sc, "mtl cv");
    if (!model)
      goto done;
    r = cli_meta(model, "data", "%s", path);
    r = r < 0 ? r : cli_meta(model, "cv_folds", "%d", folds);
    r = r < 0 ? r : cli_meta(model, "cv_error", "%.17g",
                             res.mean_error[res.best]);
    r = r < 0 ? r : cli_meta(model, "iterations", "%d", info.iterations);
    r = r < 0 ? r : cli_meta(model, "objective", "%.17g", info.objective);
    if (r < 0) {
      rc = cli_lib_error(r, "cannot set model metadata");
      goto done;
    }
    if ((r = mtl_model_save(model, model_path)) < 0) {
      rc = cli_lib_error(r, "cannot save the model to '%s'", model_path);
      goto done;
    }
  }
  const char *ename = cli_headline_name(kinds);
  if (json) {
    printf("{\"command\": \"cv\", \"data\": ");
    cli_json_str(stdout, path);
    printf(", \"reg\": ");
    cli_json_str(stdout, fit.reg);
    printf(", \"folds\": %d, \"error\": \"%s\", \"seconds\": ", folds,
           (kinds & CLI_KIND_REG) ? "rmse" : "error_rate");
    cli_json_num(stdout, secs);
    printf(", \"table\": [");
    for (int k = 0; k < res.nlambda; k++) {
      printf("%s{\"lambda\": ", k ? ", " : "");
      cli_json_num(stdout, res.lambdas[k]);
      printf(", \"mean_error\": ");
      cli_json_num(stdout, res.mean_error[k]);
      printf(", \"std_error\": ");
      cli_json_num(stdout, res.std_error[k]);
      printf("}");
    }
    printf("], \"best\": %d, \"best_lambda\": ", res.best);
    cli_json_num(stdout, best);
    if (model_path) {
      printf(", \"refit\": {\"iterations\": %d, \"objective\": ",
             info.iterations);
      cli_json_num(stdout, info.objective);
      printf(", \"model\": ");
      cli_json_str(stdout, model_path);
      printf("}");
    }
    printf("}\n");
  } else {
    printf("data:         %s (%d tasks, %lld samples, %d features)\n", path,
           T, (long long)mtl_dataset_total_n(ds), mtl_dataset_dim(ds));
    printf("model:        %s loss (%s scaling), %s regularizer%s\n",
           fit.loss, fit.scaling, fit.reg, fit.ridge > 0 ? " + ridge" : "");
    printf("cv:           %d folds, %d lambdas, %.3f s\n\n", folds,
           res.nlambda, secs);
    printf("    %12s  %12s  %12s\n", "lambda", "mean error", "std");
    for (int k = 0; k < res.nlambda; k++)
      printf("  %c %12.6g  %12.6g  %12.6g\n", k == res.best ? '*' : ' ',
             res.lambdas[k], res.mean_error[k], res.std_error[k]);
    printf("\nbest lambda:  %.6g (mean %s %.6g +- %.3g)\n", best, ename,
           res.mean_error[res.best], res.std_error[res.best]);
    if (model_path)
      printf("refit:        %s after %d iterations, objective %.10g\n"
             "model saved:  %s\n",
             st == MTL_CONVERGED ? "converged" : "max-iter", info.iterations,
             info.objective, model_path);
  }
  rc = CLI_OK;
done:
  mtl_free(info.trace);
  mtl_model_free(model);
  mtl_cv_result_clear(&res);
  mtl_problem_free(pb);
  mtl_dataset_free(scaled);
  mtl_dataset_free(ds);
  mtl_scaler_clear(&sc);
  cli_fit_clear(&fit);
  free(grid);
  free(W);
  return rc;
}
