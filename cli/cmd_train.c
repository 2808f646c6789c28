/*
 * cmd_train.c -- `mtl train DATA`: read, hold out a test part, standardize,
 * solve (one lambda or a path), report the certificate and test metrics,
 * save the model.
 */
#include "cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct train_args {
  cli_read rd;
  cli_fit fit;
  const char *test, *split_file, *var_train, *var_test;
  const char *model, *trace, *lambdas;
  double split, ratio;
  uint64_t seed;
  int path_n, json;
  double *grid; /* --lambdas, parsed */
  int ngrid;
} train_args;

/* Train and test parts of the data, whichever way they were obtained. */
typedef struct parts {
  mtl_dataset *all, *train, *test; /* train/test may alias all (no split) */
  const char *how;                 /* description of the test part */
} parts;

static void parts_free(parts *p) {
  if (p->train != p->all)
    mtl_dataset_free(p->train);
  mtl_dataset_free(p->test);
  mtl_dataset_free(p->all);
}

/* Number of features (rows of W except the bias row) used by any task. */
static int used_features(const double *W, int d, int T, int d_in) {
  int k = 0;
  for (int j = 0; j < d_in && j < d; j++)
    for (int t = 0; t < T; t++)
      if (W[(size_t)t * (size_t)d + (size_t)j] != 0.0) {
        k++;
        break;
      }
  return k;
}

static const char *status_name(int st) {
  return st == MTL_CONVERGED ? "converged" : "max-iter";
}

/* Reads the School-style index file's train and test vectors and subsets. */
static int split_by_file(const train_args *a, parts *p) {
  int64_t *idx = NULL, m = 0;
  int rc = mtl_read_index_file(a->split_file, a->var_train, &idx, &m);
  if (rc < 0)
    return cli_lib_error(rc, "cannot read the training indices '%s' from '%s'",
                         a->var_train, a->split_file);
  rc = mtl_dataset_subset(p->all, idx, m, &p->train);
  mtl_free(idx);
  if (rc < 0)
    return cli_lib_error(rc, "bad training indices in '%s'", a->split_file);
  idx = NULL;
  rc = mtl_read_index_file(a->split_file, a->var_test, &idx, &m);
  if (rc < 0)
    return cli_lib_error(rc, "cannot read the test indices '%s' from '%s'",
                         a->var_test, a->split_file);
  rc = mtl_dataset_subset(p->all, idx, m, &p->test);
  mtl_free(idx);
  if (rc < 0)
    return cli_lib_error(rc, "bad test indices in '%s'", a->split_file);
  return CLI_OK;
}

static int make_parts(const train_args *a, const char *path, parts *p) {
  memset(p, 0, sizeof *p);
  int rc = cli_load(path, &a->rd, 0, &p->all);
  if (rc != CLI_OK)
    return rc;
  p->train = p->all;
  if (a->split_file) {
    p->train = NULL;
    p->how = a->split_file;
    return split_by_file(a, p);
  }
  if (a->split > 0) {
    p->train = NULL;
    p->how = "random split";
    rc = mtl_dataset_split(p->all, a->split, a->seed, &p->train, &p->test);
    if (rc < 0)
      return cli_lib_error(rc, "cannot split '%s'", path);
    return CLI_OK;
  }
  if (a->test) {
    p->how = a->test;
    rc = cli_load(a->test, &a->rd, mtl_dataset_dim(p->all), &p->test);
    if (rc != CLI_OK)
      return rc;
    if (mtl_dataset_ntasks(p->test) != mtl_dataset_ntasks(p->all)) {
      cli_error("test data '%s' has %d tasks but '%s' has %d (tasks are "
                "matched by position)",
                a->test, mtl_dataset_ntasks(p->test), path,
                mtl_dataset_ntasks(p->all));
      return CLI_FAIL;
    }
    if (mtl_dataset_dim(p->test) != mtl_dataset_dim(p->all)) {
      cli_error("test data '%s' has %d features but '%s' has %d", a->test,
                mtl_dataset_dim(p->test), path, mtl_dataset_dim(p->all));
      return CLI_FAIL;
    }
  }
  return CLI_OK;
}

static int write_trace(const char *path, const double *trace, int n) {
  cli_out out;
  if (cli_out_open(&out, path) != CLI_OK)
    return CLI_FAIL;
  fprintf(out.f, "iter,objective\n");
  for (int i = 0; i < n; i++)
    fprintf(out.f, "%d,%.17g\n", i + 1, trace[i]);
  return cli_out_commit(&out);
}

static void print_header(FILE *f, const char *path, const parts *p,
                         const cli_fit *fit, int path_mode) {
  const mtl_dataset *ds = p->all;
  int kinds = cli_kinds(ds);
  fprintf(f, "data:         %s (%d tasks, %lld samples, %d features, %s)\n",
          path, mtl_dataset_ntasks(ds), (long long)mtl_dataset_total_n(ds),
          mtl_dataset_dim(ds),
          kinds == (CLI_KIND_REG | CLI_KIND_CLS)
              ? "mixed"
              : (kinds & CLI_KIND_CLS ? "classification" : "regression"));
  if (p->test)
    fprintf(f, "train/test:   %lld / %lld samples (%s)\n",
            (long long)mtl_dataset_total_n(p->train),
            (long long)mtl_dataset_total_n(p->test), p->how);
  char desc[256];
  cli_fit_describe(fit, !path_mode, desc, sizeof desc);
  fprintf(f, "model:        %s; %s, %s\n", desc,
          fit->no_standardize ? "raw features" : "standardized",
          fit->no_bias ? "no bias" : "bias");
}

static void print_cert(FILE *f, const mtl_certificate *c) {
  if (isfinite(c->gap))
    fprintf(f,
            "certificate:  duality gap %.3e (relative %.3e), residual %.3e\n",
            c->gap, c->primal != 0 ? c->gap / fabs(c->primal) : c->gap,
            c->residual);
  else
    fprintf(f, "certificate:  residual %.3e (no closed-form dual for this "
               "loss/regularizer)\n",
            c->residual);
}

/* Single lambda: solve, save, report. */
static int train_one(train_args *a, const char *path, parts *p,
                     mtl_problem *pb, const mtl_scaler *sc) {
  int rc = CLI_FAIL, T = mtl_problem_ntasks(pb), d = mtl_problem_dim(pb);
  mtl_model *model = NULL;
  mtl_solve_info info;
  memset(&info, 0, sizeof info);
  double *W = calloc((size_t)d * (size_t)T, sizeof *W);
  if (!W) {
    cli_error("out of memory (W is %d x %d)", d, T);
    goto done;
  }
  cli_progress pc;
  cli_progress_attach(&a->fit.sp, &pc, "solve");
  a->fit.sp.record_trace = a->trace ? 1 : 0;
  int st = mtl_solve(pb, &a->fit.sp, W, &info);
  cli_progress_done(&pc);
  if (st < 0) {
    rc = cli_lib_error(st, "solver failed on '%s'", path);
    goto done;
  }
  model = cli_model_build(&a->fit, pb, W, sc, "mtl train");
  if (!model)
    goto done;
  int mr = cli_meta(model, "data", "%s", path);
  mr = mr < 0 ? mr : cli_meta(model, "iterations", "%d", info.iterations);
  mr = mr < 0 ? mr : cli_meta(model, "objective", "%.17g", info.objective);
  mr = mr < 0 ? mr : cli_meta(model, "status", "%s", status_name(st));
  if (mr < 0) {
    rc = cli_lib_error(mr, "cannot set model metadata");
    goto done;
  }
  mtl_metrics mean, pooled;
  int kinds = p->test ? cli_kinds(p->test) : 0;
  if (p->test && cli_evaluate(model, p->test, NULL, &mean, &pooled) != CLI_OK)
    goto done;
  int sr = mtl_model_save(model, a->model);
  if (sr < 0) {
    rc = cli_lib_error(sr, "cannot save the model to '%s'", a->model);
    goto done;
  }
  if (a->trace && write_trace(a->trace, info.trace, info.iterations) != CLI_OK)
    goto done;
  int used = used_features(W, d, T, mtl_dataset_dim(p->all));
  if (a->json) {
    printf("{\"command\": \"train\", \"data\": ");
    cli_json_str(stdout, path);
    printf(", \"tasks\": %d, \"samples\": %lld, \"train_samples\": %lld, "
           "\"features\": %d, \"loss\": ",
           T, (long long)mtl_dataset_total_n(p->all),
           (long long)mtl_dataset_total_n(p->train), mtl_dataset_dim(p->all));
    cli_json_str(stdout, a->fit.loss);
    printf(", \"reg\": ");
    cli_json_str(stdout, a->fit.reg);
    printf(", \"lambda\": ");
    cli_json_num(stdout, a->fit.pp.reg.lambda);
    printf(", \"solver\": ");
    cli_json_str(stdout, a->fit.solver);
    printf(", \"status\": \"%s\", \"iterations\": %d, \"objective\": ",
           status_name(st), info.iterations);
    cli_json_num(stdout, info.objective);
    printf(", \"gap\": ");
    cli_json_num(stdout, info.cert.gap);
    printf(", \"residual\": ");
    cli_json_num(stdout, info.cert.residual);
    printf(", \"seconds\": ");
    cli_json_num(stdout, info.seconds);
    printf(", \"features_used\": %d, \"model\": ", used);
    cli_json_str(stdout, a->model);
    if (p->test) {
      printf(", \"test\": {\"samples\": %lld, \"mean\": ",
             (long long)mtl_dataset_total_n(p->test));
      cli_metrics_json(stdout, &mean, kinds);
      printf(", \"pooled\": ");
      cli_metrics_json(stdout, &pooled, kinds);
      printf("}");
    }
    printf("}\n");
  } else {
    print_header(stdout, path, p, &a->fit, 0);
    printf("solver:       %s, %s after %d iterations (%.3f s)\n",
           a->fit.solver, status_name(st), info.iterations, info.seconds);
    printf("objective:    %.10g\n", info.objective);
    print_cert(stdout, &info.cert);
    printf("features:     %d of %d used\n", used, mtl_dataset_dim(p->all));
    if (p->test) {
      printf("test mean:    ");
      cli_metrics_text(stdout, &mean, kinds);
      printf("   (mean over tasks)\ntest pooled:  ");
      cli_metrics_text(stdout, &pooled, kinds);
      printf("\n");
    }
    printf("model saved:  %s\n", a->model);
  }
  if (st == MTL_MAXITER)
    cli_note("warning: stopped at --max-iter %d before the tolerance was met",
             a->fit.max_iter);
  rc = CLI_OK;
done:
  mtl_free(info.trace);
  mtl_model_free(model);
  free(W);
  return rc;
}

/* Regularization path: solve every lambda (warm starts), report each, save
 * the model of the best test error (or the smallest lambda without a test
 * part). */
static int train_path(train_args *a, const char *path, parts *p,
                      mtl_problem *pb, const mtl_scaler *sc) {
  int rc = CLI_FAIL, T = mtl_problem_ntasks(pb), d = mtl_problem_dim(pb);
  double *grid = NULL;
  int n = a->path_n;
  mtl_path res;
  memset(&res, 0, sizeof res);
  mtl_model *best_model = NULL;
  double *gap = NULL, *err = NULL;
  int *used = NULL;
  mtl_metrics *means = NULL;
  int kinds = p->test ? cli_kinds(p->test) : 0;

  if (a->grid) {
    n = a->ngrid;
    grid = malloc((size_t)n * sizeof *grid);
    if (!grid) {
      cli_error("out of memory");
      goto done;
    }
    memcpy(grid, a->grid, (size_t)n * sizeof *grid);
  } else if (!cli_reg_has_lambda_max(a->fit.pp.reg.type)) {
    /* No lambda_max for this regularizer: start at the loss's curvature. */
    grid = cli_grid(cli_grid_top(pb, a->fit.pp.reg.type), a->ratio, n);
    if (!grid) {
      cli_error("out of memory");
      goto done;
    }
  }
  cli_progress pc;
  cli_progress_attach(&a->fit.sp, &pc, "path");
  double t0 = cli_now();
  int st = mtl_solve_path(pb, &a->fit.sp, grid, n, a->ratio, &res);
  double secs = cli_now() - t0;
  cli_progress_done(&pc);
  if (st < 0) {
    rc = cli_lib_error(st, "regularization path failed on '%s'", path);
    goto done;
  }
  gap = malloc((size_t)res.nlambda * sizeof *gap);
  err = malloc((size_t)res.nlambda * sizeof *err);
  used = malloc((size_t)res.nlambda * sizeof *used);
  means = calloc((size_t)res.nlambda, sizeof *means);
  if (!gap || !err || !used || !means) {
    cli_error("out of memory");
    goto done;
  }
  int best = p->test ? -1 : res.nlambda - 1;
  for (int k = 0; k < res.nlambda; k++) {
    const double *Wk = res.W + (size_t)k * (size_t)d * (size_t)T;
    mtl_certificate cert;
    int r = mtl_problem_set_lambda(pb, res.lambdas[k]);
    if (r >= 0)
      r = mtl_problem_certificate(pb, Wk, &cert);
    if (r < 0) {
      rc = cli_lib_error(r, "certificate at lambda %g", res.lambdas[k]);
      goto done;
    }
    gap[k] = cert.gap;
    used[k] = used_features(Wk, d, T, mtl_dataset_dim(p->all));
    err[k] = NAN;
    if (p->test) {
      a->fit.pp.reg.lambda = res.lambdas[k];
      mtl_model *m = cli_model_build(&a->fit, pb, Wk, sc, "mtl train");
      if (!m)
        goto done;
      int er = cli_evaluate(m, p->test, NULL, &means[k], NULL);
      mtl_model_free(m);
      if (er != CLI_OK)
        goto done;
      err[k] = cli_headline(&means[k], kinds);
      if (best < 0 || err[k] < err[best] || (isnan(err[best]) && !isnan(err[k])))
        best = k;
    }
  }
  if (best < 0)
    best = res.nlambda - 1;
  a->fit.pp.reg.lambda = res.lambdas[best];
  best_model = cli_model_build(
      &a->fit, pb, res.W + (size_t)best * (size_t)d * (size_t)T, sc,
      "mtl train --lambda-path");
  if (!best_model)
    goto done;
  int mr = cli_meta(best_model, "data", "%s", path);
  mr = mr < 0 ? mr
              : cli_meta(best_model, "iterations", "%d", res.iterations[best]);
  mr = mr < 0 ? mr
              : cli_meta(best_model, "objective", "%.17g",
                         res.objective[best]);
  if (mr < 0) {
    rc = cli_lib_error(mr, "cannot set model metadata");
    goto done;
  }
  int sr = mtl_model_save(best_model, a->model);
  if (sr < 0) {
    rc = cli_lib_error(sr, "cannot save the model to '%s'", a->model);
    goto done;
  }
  const char *why = p->test ? "best test" : "smallest lambda";
  if (a->json) {
    printf("{\"command\": \"train\", \"data\": ");
    cli_json_str(stdout, path);
    printf(", \"tasks\": %d, \"features\": %d, \"reg\": ", T,
           mtl_dataset_dim(p->all));
    cli_json_str(stdout, a->fit.reg);
    printf(", \"seconds\": ");
    cli_json_num(stdout, secs);
    printf(", \"path\": [");
    for (int k = 0; k < res.nlambda; k++) {
      printf("%s{\"lambda\": ", k ? ", " : "");
      cli_json_num(stdout, res.lambdas[k]);
      printf(", \"iterations\": %d, \"objective\": ", res.iterations[k]);
      cli_json_num(stdout, res.objective[k]);
      printf(", \"gap\": ");
      cli_json_num(stdout, gap[k]);
      printf(", \"features_used\": %d", used[k]);
      if (p->test) {
        printf(", \"test_mean\": ");
        cli_metrics_json(stdout, &means[k], kinds);
      }
      printf("}");
    }
    printf("], \"selected\": %d, \"selected_by\": \"%s\", \"model\": ", best,
           why);
    cli_json_str(stdout, a->model);
    printf("}\n");
  } else {
    print_header(stdout, path, p, &a->fit, 1);
    printf("path:         %d lambdas, %s, %.3f s\n\n", res.nlambda,
           a->fit.solver, secs);
    printf("    %12s %7s %16s %10s %9s", "lambda", "iters", "objective",
           "gap", "features");
    if (p->test)
      printf("  test %s", cli_headline_name(kinds));
    printf("\n");
    for (int k = 0; k < res.nlambda; k++) {
      char g[32] = "n/a";
      if (isfinite(gap[k]))
        snprintf(g, sizeof g, "%.3e", gap[k]);
      printf("  %c %12.6g %7d %16.10g %10s %9d", k == best ? '*' : ' ',
             res.lambdas[k], res.iterations[k], res.objective[k], g, used[k]);
      if (p->test)
        printf("  %.6g", err[k]);
      printf("\n");
    }
    printf("\nmodel saved:  %s (lambda %.6g, %s)\n", a->model,
           res.lambdas[best], why);
  }
  rc = CLI_OK;
done:
  mtl_model_free(best_model);
  mtl_path_clear(&res);
  free(grid);
  free(gap);
  free(err);
  free(used);
  free(means);
  return rc;
}

int cmd_train(int argc, char **argv) {
  train_args a;
  memset(&a, 0, sizeof a);
  cli_read_init(&a.rd);
  cli_fit_init(&a.fit);
  a.var_train = "tr";
  a.var_test = "tst";
  a.model = "model.mtl";
  a.ratio = 0.01;
  a.seed = 1;

  opts o;
  opts_init(&o, "train", "DATA [options]",
            "Learns W = [w_1 .. w_T] minimizing sum_t loss_t(w_t) + lambda "
            "g(W) on DATA (any\nformat mtl reads), reports the optimality "
            "certificate and, with a test part,\ntest metrics, and saves the "
            "model.");
  cli_read_opts(&o, &a.rd);
  cli_fit_opts(&o, &a.fit, 1);
  opts_section(&o, "Test part");
  opts_string(&o, "test", 0, &a.test, "FILE",
              "evaluate on this dataset (same tasks, in order)");
  opts_double(&o, "split", 0, &a.split, "RATIO", 0, 1,
              "hold out 1-RATIO of each task of DATA for testing")
      ->def = "off";
  opts_u64(&o, "seed", 0, &a.seed, "S", "seed of --split");
  opts_string(&o, "split-file", 0, &a.split_file, "FILE",
              "index file (.mat or text, 1-based, School style) of the "
              "train/test split");
  opts_string(&o, "split-var-train", 0, &a.var_train, "NAME",
              "variable of the training indices in --split-file");
  opts_string(&o, "split-var-test", 0, &a.var_test, "NAME",
              "variable of the test indices in --split-file");
  opts_section(&o, "Regularization path");
  opts_int(&o, "lambda-path", 0, &a.path_n, "N", 0, 10000,
           "solve N lambdas from lambda_max down (warm starts) and report "
           "each; saves the best on the test part (0 = single --lambda)");
  opts_double(&o, "lambda-ratio", 0, &a.ratio, "R", 0, 1,
              "smallest / largest lambda of the path");
  opts_string(&o, "lambdas", 0, &a.lambdas, "LIST",
              "explicit path, comma separated (implies path mode)");
  opts_section(&o, "Output");
  opts_string(&o, "model", 'o', &a.model, "FILE", "where to save the model");
  opts_string(&o, "trace", 0, &a.trace, "FILE",
              "write the objective per iteration as CSV (iter,objective)");
  opts_flag(&o, "json", 0, &a.json, 1, "print the results as JSON");
  opts_flag(&o, "quiet", 'q', &cli_quiet, 1, "no diagnostics on stderr");

  int rc = opts_parse(&o, argc, argv);
  if (rc != 0)
    return rc == OPTS_HELP ? CLI_OK : rc;
  if (o.npos == 0)
    return cli_usage("train", "missing the DATA file");
  if (o.npos > 1)
    return cli_usage("train", "unexpected argument '%s' (train takes one "
                              "DATA file)",
                     o.pos[1]);
  const char *path = o.pos[0];
  if (opts_seen(&o, "split") && !(a.split > 0 && a.split < 1))
    return cli_usage("train", "--split %g must be strictly between 0 and 1",
                     a.split);
  if (!(a.ratio > 0 && a.ratio < 1))
    return cli_usage("train", "--lambda-ratio %g must be strictly between 0 "
                              "and 1",
                     a.ratio);
  if ((a.test != NULL) + (a.split > 0) + (a.split_file != NULL) > 1)
    return cli_usage("train", "--test, --split and --split-file are "
                              "alternatives; give one");
  if (a.lambdas && opts_seen(&o, "lambda-path"))
    return cli_usage("train", "--lambdas and --lambda-path are alternatives");
  int path_mode = a.path_n > 0 || a.lambdas;
  if (path_mode && opts_seen(&o, "lambda"))
    return cli_usage("train", "--lambda is a single value; a path (%s) "
                              "chooses its own lambdas",
                     a.lambdas ? "--lambdas" : "--lambda-path");
  if (path_mode && a.trace)
    return cli_usage("train", "--trace records a single solve; it cannot be "
                              "used with a path");
  if ((opts_seen(&o, "split-var-train") || opts_seen(&o, "split-var-test")) &&
      !a.split_file)
    return cli_usage("train", "--split-var-train/--split-var-test need "
                              "--split-file");

  if ((rc = cli_fit_check(&a.fit, "train")) != CLI_OK)
    return rc;
  if (a.lambdas) {
    rc = cli_parse_list("train", "lambdas", a.lambdas, &a.grid, &a.ngrid);
    if (rc != CLI_OK)
      return rc;
    a.path_n = a.ngrid;
  }

  parts p;
  mtl_scaler sc;
  memset(&sc, 0, sizeof sc);
  mtl_dataset *scaled = NULL;
  mtl_problem *pb = NULL;
  rc = make_parts(&a, path, &p);
  if (rc != CLI_OK)
    goto done;
  rc = cli_fit_finish(&a.fit, "train", mtl_dataset_ntasks(p.all));
  if (rc != CLI_OK)
    goto done;
  rc = cli_preprocess(&a.fit, p.train, &sc, &scaled);
  if (rc != CLI_OK)
    goto done;
  int pr = mtl_problem_create(scaled, &a.fit.pp, &pb);
  if (pr < 0) {
    rc = cli_lib_error(pr, "cannot set up the problem on '%s'", path);
    goto done;
  }
  rc = a.path_n > 0 ? train_path(&a, path, &p, pb, &sc)
                    : train_one(&a, path, &p, pb, &sc);
done:
  mtl_problem_free(pb);
  mtl_dataset_free(scaled);
  mtl_scaler_clear(&sc);
  parts_free(&p);
  cli_fit_clear(&a.fit);
  free(a.grid);
  return rc;
}
