/*
 * cmd_train.c -- `mtl train DATA`: read, hold out a test part, standardize,
 * solve (one lambda or a path), report the certificate and test metrics,
 * save the model.
 */
#include "train.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void parts_free(parts *p) {
  if (p->train != p->all)
    mtl_dataset_free(p->train);
  mtl_dataset_free(p->test);
  mtl_dataset_free(p->all);
}

/* Number of features (rows of W except the bias row) used by any task. */
int train_used_features(const double *W, int d, int T, int d_in) {
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

void train_print_data(FILE *f, const char *path, const parts *p) {
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
}

static void print_header(FILE *f, const char *path, const parts *p,
                         const cli_fit *fit, int path_mode) {
  train_print_data(f, path, p);
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
  int used = train_used_features(W, d, T, mtl_dataset_dim(p->all));
  if (a->json) {
    printf("{\"command\": \"train\", \"method\": \"batch\", \"data\": ");
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
    used[k] = train_used_features(Wk, d, T, mtl_dataset_dim(p->all));
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
    printf("{\"command\": \"train\", \"method\": \"batch\", \"data\": ");
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

/* ---- --method and the options that belong to some methods only ------------ */

#define METHODS                                                                \
  "batch|async|amtl|smtl|srml|ssml|asym|asym-curriculum|asym-noloss|"          \
  "asym-symmetric|curriculum-simple|gomtl"
/* The method of each word of METHODS (amtl is async's alias). */
static const train_method method_val[] = {
    M_BATCH, M_ASYNC,          M_ASYNC,       M_SMTL,
    M_SRML,  M_SSML,           M_ASYM,        M_ASYM_CURRICULUM,
    M_ASYM_NOLOSS, M_ASYM_SYMMETRIC, M_CURRICULUM_SIMPLE, M_GOMTL};
/* Canonical names, by bit. */
static const char *const method_names[] = {
    "batch", "async", "smtl", "srml", "ssml", "asym", "asym-curriculum",
    "asym-noloss", "asym-symmetric", "curriculum-simple", "gomtl"};

const char *train_method_name(train_method m) {
  for (int i = 0; i < 11; i++)
    if ((int)m == 1 << i)
      return method_names[i];
  return "?";
}

/* Options that only some methods use.  An option given with another
 * --method is a usage error naming both. */
static const struct {
  const char *name;
  int methods;
} option_methods[] = {
    {"reg", M_BATCH | M_ASYNCS},
    {"graph-file", M_BATCH | M_ASYNCS},
    {"ridge", M_BATCH | M_ASYNCS},
    {"solver", M_BATCH},
    {"tol-gap", M_BATCH},
    {"lambda-path", M_BATCH},
    {"lambda-ratio", M_BATCH},
    {"lambdas", M_BATCH},
    {"threads", M_BATCH | M_ASYMS | M_GOMTL},
    {"max-iter", M_BATCH | M_ASYNCS | M_SRMLS},
    {"tol", M_BATCH | M_ASYNCS | M_ASYMS | M_GOMTL},
    {"nodes", M_ASYNCS},
    {"eta", M_ASYNCS},
    {"eta-factor", M_ASYNCS},
    {"km-step", M_ASYNCS},
    {"eta-min", M_ASYNCS},
    {"tau-guess", M_ASYNCS},
    {"tau-adapt", M_ASYNCS},
    {"dynamic", M_ASYNCS},
    {"dyn-window", M_ASYNCS},
    {"dyn-floor-ms", M_ASYNCS},
    {"dyn-cap", M_ASYNCS},
    {"delay-ms", M_ASYNCS},
    {"jitter-ms", M_ASYNCS},
    {"jitter-exp", M_ASYNCS},
    {"stragglers", M_ASYNCS},
    {"straggle", M_ASYNCS},
    {"osvd-refresh", M_ASYNCS},
    {"record-every", M_ASYNCS},
    {"nodes-csv", M_ASYNCS},
    {"transport", M_ASYNCS},
    {"checkpoint", M_ASYNCS},
    {"checkpoint-every", M_ASYNCS},
    {"resume", M_ASYNCS},
    {"rank-map", M_ASYNCS},
    {"c", M_ASYNCS | M_SRML},
    {"sign-graph", M_SRMLS},
    {"rho", M_SRMLS},
    {"omega", M_SRMLS},
    {"tol-abs", M_SRMLS},
    {"tol-rel", M_SRMLS},
    {"adapt-rho", M_SRMLS},
    {"mu", M_ASYMS | M_GOMTL},
    {"max-outer", M_ASYMS | M_GOMTL},
    {"imbalance", M_ASYMS},
    {"w-max-iter", M_ASYMS},
    {"w-tol", M_ASYMS},
    {"b-max-sweeps", M_ASYMS},
    {"b-tol", M_ASYMS},
    {"k", M_GOMTL},
    {"inner-iter", M_GOMTL},
};

/* "async|smtl" for a set of methods. */
static void methods_text(int mask, char *buf, size_t cap) {
  size_t len = 0;
  buf[0] = '\0';
  for (int i = 0; i < 11; i++)
    if (mask & (1 << i)) {
      int n = snprintf(buf + len, cap - len, "%s%s", len ? "|" : "",
                       method_names[i]);
      if (n < 0 || (size_t)n >= cap - len)
        break;
      len += (size_t)n;
    }
}

static int check_method_options(const opts *o, const train_args *a) {
  for (size_t i = 0; i < sizeof option_methods / sizeof *option_methods; i++)
    if (opts_seen(o, option_methods[i].name) &&
        !(option_methods[i].methods & (int)a->method)) {
      char ms[256];
      methods_text(option_methods[i].methods, ms, sizeof ms);
      return cli_usage("train",
                       "--%s is an option of --method %s, not of --method %s",
                       option_methods[i].name, ms, a->method_name);
    }
  if (a->method & M_SRMLS) {
    if (strcmp(a->fit.loss, "sqhinge") == 0)
      return cli_usage("train", "--method %s supports --loss "
                                "auto|squared|logistic, not sqhinge",
                       a->method_name);
    if (a->fit.no_bias && !a->fit.no_standardize)
      return cli_usage("train",
                       "--method %s standardizes with per-task intercepts; "
                       "--no-bias needs --no-standardize (which drops both)",
                       a->method_name);
  }
  return CLI_OK;
}

/* The entry of option `name` (to show a method-dependent default). */
static opt *find_opt(opts *o, const char *name) {
  for (int i = 0; i < o->n; i++)
    if (o->v[i].type != OPT_SECTION && strcmp(o->v[i].name, name) == 0)
      return &o->v[i];
  return NULL;
}

static void set_def(opts *o, const char *name, const char *def) {
  opt *p = find_opt(o, name);
  if (p)
    p->def = def;
}

/* Method sections of --help: every option bound to the method's params,
 * which already hold the library defaults. */
static void method_opts(opts *o, train_args *a) {
  mtl_async_params *ap = &a->ap;
  opts_section(o, "Asynchronous: --method async|smtl (also --max-iter, "
                  "--tol, --seed, --c)");
  opts_int(o, "nodes", 0, &ap->nodes, "N", 0, 1e6,
           "task nodes (threads; task t on node t % N + 1); 0 = one per task");
  opts_double(o, "eta", 0, &ap->eta, "X", 0, HUGE_VAL,
              "forward step in (0, 2/L); 0 = --eta-factor / L");
  opts_double(o, "eta-factor", 0, &ap->eta_factor, "X", 0, 2,
              "forward step eta = X / L when --eta is 0, X in (0, 2)");
  opts_double(o, "km-step", 0, &ap->km_step, "X", 0, 2,
              "fixed KM step eta_k in (0, 2); 0 = Theorem 1's rule (async), "
              "1 (smtl)");
  opts_double(o, "eta-min", 0, &ap->eta_min, "X", 0, HUGE_VAL,
              "lower bound of Theorem 1's step eta_k (> 0)");
  opts_int(o, "tau-guess", 0, &ap->tau_guess, "N", -1, 1e9,
           "delay tau assumed before larger ones are seen; -1 = nodes - 1");
  opts_int(o, "tau-adapt", 0, &ap->tau_adapt, "0|1", 0, 1,
           "1 = tau_k = max(--tau-guess, largest delay seen); 0 = "
           "--tau-guess only");
  opts_flag(o, "dynamic", 0, &ap->dynamic, 1,
            "dynamic step c_tk = ln(mean measured delay in ms) (III.5-6)");
  opts_int(o, "dyn-window", 0, &ap->dyn_window, "K", 0, 1e6,
           "dynamic step: mean of the last K + 1 delays");
  opts_double(o, "dyn-floor-ms", 0, &ap->dyn_floor_ms, "MS", 0, HUGE_VAL,
              "dynamic step: floor of the mean delay, ms (> 0)");
  opts_double(o, "dyn-cap", 0, &ap->dyn_cap, "X", 0, HUGE_VAL,
              "dynamic step: cap of c_tk eta_k (0 = none)");
  opts_double(o, "delay-ms", 0, &ap->delay_ms, "MS", 0, HUGE_VAL,
              "injected delay before each node's send, ms");
  opts_double(o, "jitter-ms", 0, &ap->jitter_ms, "MS", 0, HUGE_VAL,
              "plus MS times X, X ~ U(0,1) (or Exp(1) with --jitter-exp)");
  opts_flag(o, "jitter-exp", 0, &ap->jitter_exp, 1,
            "exponential jitter instead of uniform");
  opts_int(o, "stragglers", 0, &ap->stragglers, "N", 0, 1e6,
           "the first N nodes are stragglers (delay and jitter times "
           "--straggle)");
  opts_double(o, "straggle", 0, &ap->straggle, "X", 1, HUGE_VAL,
              "delay multiplier of the stragglers");
  opts_int(o, "osvd-refresh", 0, &ap->osvd_refresh, "N", 0, 1e9,
           "trace norm: full SVD every N online SVD updates (0 = never)");
  opts_int(o, "record-every", 0, &ap->record_every, "N", 0, 1e9,
           "objective trace: snapshot every N server updates (0 = T)");
  opts_string(o, "nodes-csv", 0, &a->nodes_csv, "FILE",
              "write per-node statistics as CSV: node, updates, "
              "mean_delay_ms, injected_ms, multiplier");
  opts_choice(o, "transport", 0, &a->transport, "inproc|mpi",
              "inproc = one thread per node in this process; mpi = one "
              "process per rank under mpirun -np N (rank 0 the server, "
              "ranks 1..N-1 the task nodes, each reading only its own tasks "
              "of DATA; docs/mpi.md)");
  opts_string(o, "checkpoint", 0, &a->checkpoint, "FILE",
              "mpi: rank 0 writes the run's state to FILE every "
              "--checkpoint-every units, and the rank-to-tasks map to "
              "FILE.ranks at start-up");
  opts_int(o, "checkpoint-every", 0, &a->checkpoint_every, "N", 1, 1e9,
           "mpi: server updates (async) or iterations (smtl) between "
           "checkpoints");
  opts_string(o, "resume", 0, &a->resume, "FILE",
              "mpi: continue from this checkpoint (same DATA, options and "
              "-np); smtl then ends exactly as an uninterrupted run");
  opts_string(o, "rank-map", 0, &a->rank_map, "FILE",
              "mpi: where to write the rank-to-tasks map")
      ->def = "FILE.ranks of --checkpoint, else none";

  mtl_srml_params *sp = &a->sp;
  opts_section(o, "Sign-regularized: --method srml|ssml (also --max-iter; "
                  "they standardize\nand fit per-task intercepts "
                  "themselves)");
  opts_string(o, "sign-graph", 0, &a->sign_graph, "chain|FILE",
              "task pairs whose signs should agree: chain (t, t+1) or a file "
              "of 's t' lines (1-based)");
  opts_double(o, "c", 0, &a->c, "X", 0, HUGE_VAL,
              "srml: weight of the sign penalty c sum ReLU(-W_js W_jt); "
              "async/smtl: Theorem 1's constant c in (0, 1)")
      ->def = "1 for srml, 0.9 for async/smtl";
  opts_double(o, "rho", 0, &sp->rho, "X", 0, HUGE_VAL, "ADMM penalty (> 0)");
  opts_choice(o, "omega", 0, &a->omega, "ridge|l1",
              "per-task penalty: ridge = lambda ||w_t||^2, l1 = lambda "
              "||w_t||_1");
  opts_double(o, "tol-abs", 0, &sp->tol_abs, "X", 0, HUGE_VAL,
              "ADMM absolute residual tolerance (per entry)");
  opts_double(o, "tol-rel", 0, &sp->tol_rel, "X", 0, HUGE_VAL,
              "ADMM relative residual tolerance (both 0 = run --max-iter)");
  opts_int(o, "adapt-rho", 0, &sp->adapt_rho, "N", 0, 1e6,
           "double rho when ||W - U|| stalls, at most N times (0 = fixed)");

  mtl_asym_params *asp = &a->asp;
  opts_section(o, "Asymmetric: --method asym|asym-curriculum|asym-noloss|"
                  "asym-symmetric|\ncurriculum-simple (also --lambda, --tol)");
  opts_double(o, "mu", 0, &asp->mu, "X", 0, HUGE_VAL,
              "asym: weight of the outgoing edges' loss term; gomtl: "
              "||S||_1 weight");
  opts_flag(o, "imbalance", 0, &asp->imbalance, 1,
            "AMTL-imbalance: task losses weighted by 1/sqrt(n_t)");
  opts_int(o, "max-outer", 0, &asp->max_outer, "N", 1, 1e9,
           "outer (W, B) iterations (asym), (S, L) iterations (gomtl)");
  opts_int(o, "w-max-iter", 0, &asp->w_max_iter, "N", 1, 1e9,
           "W-step iterations per solve");
  opts_double(o, "w-tol", 0, &asp->w_tol, "X", 0, HUGE_VAL,
              "W-step relative objective change over 10 iterations");
  opts_int(o, "b-max-sweeps", 0, &asp->b_max_sweeps, "N", 1, 1e9,
           "B-step coordinate sweeps per column");
  opts_double(o, "b-tol", 0, &asp->b_tol, "X", 0, HUGE_VAL,
              "B-step relative KKT violation (> 0)");

  mtl_gomtl_params *gp = &a->gp;
  opts_section(o, "GO-MTL: --method gomtl (also --lambda, --mu, --max-outer, "
                  "--tol)");
  opts_int(o, "k", 0, &gp->k, "K", 1, 1e6,
           "size of the shared basis L, at most min(features, tasks)");
  opts_int(o, "inner-iter", 0, &gp->inner_iter, "N", 1, 1e9,
           "iterations of each S and L step");
}

/* After parsing: the method's defaults where the shared option was not
 * given, and the shared options copied into the method's params. */
static void method_defaults(const opts *o, train_args *a) {
  int seen_max = opts_seen(o, "max-iter"), seen_tol = opts_seen(o, "tol");
  int seen_lambda = opts_seen(o, "lambda"), seen_c = opts_seen(o, "c");
  a->scaling_seen = opts_seen(o, "scaling");
  if (a->method & M_ASYNCS) {
    a->ap.mode = a->method == M_SMTL ? MTL_ASYNC_SMTL : MTL_ASYNC_AMTL;
    if (seen_max)
      a->ap.max_iter = a->fit.max_iter;
    if (seen_tol)
      a->ap.tol = a->fit.tol;
    if (seen_c)
      a->ap.c = a->c;
    a->ap.seed = a->seed;
  } else if (a->method & M_SRMLS) {
    a->sp.strict = a->method == M_SSML;
    if (seen_max)
      a->sp.max_iter = a->fit.max_iter;
    if (seen_c)
      a->sp.c = a->c;
    a->sp.lambda = a->fit.lambda;
    a->sp.omega = strcmp(a->omega, "l1") == 0 ? MTL_REG_L1 : MTL_REG_RIDGE;
    a->sp.standardize = a->fit.no_standardize ? 0 : 1;
    if (!opts_seen(o, "scaling"))
      a->fit.scaling = "double-sum";
  } else if (a->method & M_ASYMS) {
    if (seen_tol)
      a->asp.tol = a->fit.tol;
    if (seen_lambda)
      a->asp.lambda = a->fit.lambda;
    /* the scaling default depends on the losses: see train_asym */
  } else if (a->method == M_GOMTL) {
    if (seen_tol)
      a->gp.tol = a->fit.tol;
    if (seen_lambda)
      a->gp.lambda = a->fit.lambda;
    a->gp.mu = a->asp.mu;
    a->gp.max_outer = a->asp.max_outer;
  }
}

int cmd_train(int argc, char **argv) {
  train_args a;
  memset(&a, 0, sizeof a);
  cli_read_init(&a.rd);
  cli_fit_init(&a.fit);
  a.method_name = "batch";
  a.var_train = "tr";
  a.var_test = "tst";
  a.model = "model.mtl";
  a.ratio = 0.01;
  a.seed = 1;
  a.sign_graph = "chain";
  a.omega = "ridge";
  mtl_async_params_init(&a.ap);
  mtl_srml_params_init(&a.sp);
  mtl_asym_params_init(&a.asp);
  mtl_gomtl_params_init(&a.gp);
  a.c = a.sp.c;
  a.transport = "inproc";
  a.checkpoint_every = 100;

  opts o;
  opts_init(&o, "train", "DATA [options]",
            "Learns W = [w_1 .. w_T] minimizing sum_t loss_t(w_t) + lambda "
            "g(W) on DATA (any\nformat mtl reads), reports the optimality "
            "certificate and, with a test part,\ntest metrics, and saves the "
            "model.  --method picks another formulation or\nsolver; its "
            "options are in the method sections at the end.");
  opts_section(&o, "Method");
  opts_choice(&o, "method", 0, &a.method_name, METHODS,
              "batch = proximal gradient / BCD on the regularized problem; "
              "async (alias amtl), smtl = asynchronous / synchronous "
              "distributed proximal gradient (Baytas et al.); srml, ssml = "
              "sign-regularized / sign-constrained (Bai et al.); asym, "
              "asym-curriculum, asym-noloss, asym-symmetric, "
              "curriculum-simple = asymmetric transfer graph (Lee et al.); "
              "gomtl = shared basis (Kumar & Daume)")
      ->meta = "NAME";
  cli_read_opts(&o, &a.rd);
  cli_fit_opts(&o, &a.fit, 1);
  find_opt(&o, "lambda")->help = "penalty weight (asym*: 1)";
  set_def(&o, "scaling",
          "mean; srml/ssml: double-sum; asym*: double-mean for squared "
          "loss, else mean");
  set_def(&o, "max-iter", "10000; async/smtl: 1000 updates per task; "
                          "srml/ssml: 2000 ADMM iterations");
  set_def(&o, "tol", "1e-10; asym*/gomtl: 1e-6 between outer iterations");
  opts_section(&o, "Test part");
  opts_string(&o, "test", 0, &a.test, "FILE",
              "evaluate on this dataset (same tasks, in order)");
  opts_double(&o, "split", 0, &a.split, "RATIO", 0, 1,
              "hold out 1-RATIO of each task of DATA for testing")
      ->def = "off";
  opts_u64(&o, "seed", 0, &a.seed, "S",
           "seed of --split (and of async's injected delays)");
  opts_string(&o, "split-file", 0, &a.split_file, "FILE",
              "index file (.mat or text, 1-based, School style) of the "
              "train/test split");
  opts_string(&o, "split-var-train", 0, &a.var_train, "NAME",
              "variable of the training indices in --split-file");
  opts_string(&o, "split-var-test", 0, &a.var_test, "NAME",
              "variable of the test indices in --split-file");
  opts_section(&o, "Regularization path (--method batch)");
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
              "write the objective per iteration as CSV: iter,objective "
              "(batch, asym*, gomtl), time_s,updates,objective (async/smtl), "
              "iter,objective,primal,dual (srml/ssml)");
  opts_flag(&o, "json", 0, &a.json, 1, "print the results as JSON");
  opts_flag(&o, "quiet", 'q', &cli_quiet, 1, "no diagnostics on stderr");
  method_opts(&o, &a);

  int rc = opts_parse(&o, argc, argv);
  if (rc != 0)
    return rc == OPTS_HELP ? CLI_OK : rc;
  a.method = method_val[opts_choice_index(METHODS, a.method_name)];
  if (o.npos == 0)
    return cli_usage("train", "missing the DATA file");
  if (o.npos > 1)
    return cli_usage("train", "unexpected argument '%s' (train takes one "
                              "DATA file)",
                     o.pos[1]);
  const char *path = o.pos[0];
  if ((rc = check_method_options(&o, &a)) != CLI_OK)
    return rc;
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
  if (a.method == M_GOMTL && !(a.fit.lambda > 0) && opts_seen(&o, "lambda"))
    return cli_usage("train", "--method gomtl needs --lambda > 0 (the "
                              "weight of ||L||_F^2)");
  if ((rc = cli_fit_check(&a.fit, "train")) != CLI_OK)
    return rc;
  method_defaults(&o, &a);
  if (a.lambdas) {
    rc = cli_parse_list("train", "lambdas", a.lambdas, &a.grid, &a.ngrid);
    if (rc != CLI_OK)
      return rc;
    a.path_n = a.ngrid;
  }

  if (strcmp(a.transport, "mpi") == 0) { /* [mpi] */
    if (a.test || a.split > 0 || a.split_file)
      return cli_usage("train", "--transport mpi trains on all of DATA (each "
                                "rank reads only its own tasks); evaluate "
                                "the saved model with 'mtl eval'");
    if (a.trace || a.nodes_csv)
      return cli_usage("train", "--trace and --nodes-csv are not available "
                                "with --transport mpi");
    if (!mtl_mpi_available())
      return cli_usage("train", "--transport mpi: this mtl was built without "
                                "MPI (rebuild with Open MPI installed, "
                                "-DMTL_WITH_MPI=ON)");
    rc = train_async_mpi(&a, path);
    cli_fit_clear(&a.fit);
    return rc;
  }
  if (a.checkpoint || a.resume || a.rank_map ||
      opts_seen(&o, "checkpoint-every"))
    return cli_usage("train", "--checkpoint, --checkpoint-every, --resume "
                              "and --rank-map need --transport mpi");

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
  if (a.method != M_BATCH) {
    if (a.method & M_ASYNCS)
      rc = train_async(&a, path, &p);
    else if (a.method & M_SRMLS)
      rc = train_srml(&a, path, &p);
    else if (a.method & M_ASYMS)
      rc = train_asym(&a, path, &p);
    else
      rc = train_gomtl(&a, path, &p);
    goto done;
  }
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
