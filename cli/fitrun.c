/*
 * fitrun.c -- the method, parameters, grid and result printing shared by
 * `mtl train` and `mtl cv` (see fitrun.h).
 */
#include "fitrun.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void fitrun_init(fitrun *f) {
  memset(f, 0, sizeof *f);
  f->method_name = "batch";
  f->ratio = 0.01;
  f->seed = 1;
}

void fitrun_method_opts(opts *o, fitrun *f) {
  opts_section(o, "Method");
  opts_string(o, "method", 0, &f->method_name, "NAME",
              "batch = proximal gradient / BCD on the regularized problem; "
              "async (alias amtl), smtl = asynchronous / synchronous "
              "distributed proximal gradient (Baytas et al.); srml, ssml = "
              "sign-regularized / sign-constrained (Bai et al.); asym, "
              "asym-curriculum, asym-noloss, asym-symmetric, "
              "curriculum-simple = asymmetric transfer graph (Lee et al.); "
              "gomtl = shared basis (Kumar & Daume); cadmm, dadmm = online "
              "relationship learning by ADMM (Li et al.), dpsgd, ogd = its "
              "baselines, on the data replayed as a stream; dirty, rmtl, "
              "rmtfl, sparse_lowrank = decompositions W = P + Q; cmtl = "
              "clustered MTL; caso = shared feature subspace; tgl, fglasso = "
              "temporal / fused group lasso; "
              "mll = multi-level Lasso (non-convex) (docs/formulations.md)");
  opts_string(o, "set", 0, &f->set, "NAME=VALUE;...",
              "set any parameter of the method by its name (the options "
              "below are the same parameters)");
}

void fitrun_grid_opts(opts *o, fitrun *f, int path_name) {
  opts_string(o, "grid", 0, &f->grid, "SPEC",
              "grid over any parameters of the method: 'lambda=0.01,0.1,1; "
              "mu=0.1,1' (lists), 'lambda=1e-3:10:20' (20 log-spaced), "
              "'lambda=path:20:0.01' (from lambda_max down)");
  opts_int(o, path_name ? "lambda-path" : "nlambda", 0, &f->path_n, "N", 0,
           10000,
           path_name ? "solve N lambdas from lambda_max down (warm starts) "
                       "and report each (0 = single --lambda)"
                     : "number of lambdas of the default grid");
  opts_double(o, "lambda-ratio", 0, &f->ratio, "R", 0, 1,
              "smallest / largest lambda of the path");
  opts_string(o, "lambdas", 0, &f->lambdas, "LIST",
              "explicit lambdas, comma separated");
  opts_flag(o, "no-extend", 0, &f->no_extend, 1,
            "keep the grid as given when its best point lies on its edge; "
            "without it, a one-parameter grid gets 3 values past the edge, "
            "continuing its spacing, up to 4 times, until the best is "
            "inside");
}

#define EXTEND_ROUNDS 4

int fitrun_extend(fitrun *f, mtl_search *s, const mtl_dataset *ds) {
  int added = 0, rc = f->no_extend
                          ? MTL_OK
                          : mtl_search_extend(s, ds, NULL, EXTEND_ROUNDS,
                                              &added);
  cli_progress_done(&f->pc);
  if (rc < 0)
    return cli_lib_error(rc, "extending the grid past its edge failed");
  f->extended = added;
  int b = mtl_search_best(s);
  if (added)
    cli_note("the best %s was on the grid's edge: %d values were added past "
             "it; best now %.6g",
             mtl_search_varied_name(s, 0), added, mtl_search_number(s, b, 0));
  for (int j = 0; j < mtl_search_nvaried(s); j++) {
    int e = mtl_search_edge(s, j);
    if (!e)
      continue;
    const char *name = mtl_search_varied_name(s, j);
    int top = e > 0 && f->grid_text &&
              strncmp(f->grid_text, "lambda=path:", 12) == 0;
    cli_note("warning: the best %s, %.6g, is the %s value tried%s; the "
             "optimum may lie past it: widen the grid%s",
             name, mtl_search_number(s, b, j),
             e < 0 ? "smallest" : "largest",
             top ? " (lambda_max: the grid cannot go higher)"
                 : added ? " after extending" : "",
             f->no_extend ? " (or drop --no-extend)" : "");
  }
  return CLI_OK;
}

void fitrun_param_opts(opts *o, fitrun *f) {
  mopts_add(o, &f->mo, "seed|trace");
}

static void log_note(void *ctx, int level, const char *msg) {
  (void)ctx;
  cli_note("%s%s", level > 0 ? "warning: " : "", msg);
}

int fitrun_params(fitrun *f, const opts *o, const char *cmd) {
  int rc = mopts_method(cmd, f->method_name, &f->method);
  if (rc != CLI_OK)
    return rc;
  f->p = mtl_params_create(mtl_method_name(f->method));
  if (!f->p)
    return cli_lib_error(MTL_ENOMEM, "cannot create the parameters");
  if ((rc = mopts_apply(o, &f->mo, cmd, f->p)) != CLI_OK)
    return rc;
  if (f->set && (rc = mopts_set_pairs(cmd, f->set, f->p)) != CLI_OK)
    return rc;
  if (mtl_params_get(f->p, "seed")) {
    char s[32];
    snprintf(s, sizeof s, "%llu", (unsigned long long)f->seed);
    if (mtl_params_set(f->p, "seed", s) < 0)
      return cli_usage(cmd, "--seed: %s", mtl_last_error());
  }
  if (mtl_params_check(f->p) < 0)
    return cli_usage(cmd, "%s", mtl_last_error());
  cli_progress_start(&f->pc, mtl_method_name(f->method));
  mtl_params_set_progress(f->p, cli_progress_cb, &f->pc);
  mtl_params_set_log(f->p, log_note, NULL);
  return CLI_OK;
}

int fitrun_grid(fitrun *f, const opts *o, const char *cmd,
                int path_default) {
  const char *pn = path_default ? "nlambda" : "lambda-path";
  int given = (f->grid != NULL) + (f->lambdas != NULL) + opts_seen(o, pn);
  if (given > 1)
    return cli_usage(cmd, "--grid, --lambdas and --%s are alternatives", pn);
  if (!(f->ratio > 0 && f->ratio < 1))
    return cli_usage(cmd, "--lambda-ratio %g must be strictly between 0 "
                          "and 1",
                     f->ratio);
  char buf[128];
  if (!f->grid && !mtl_params_get(f->p, "lambda")) {
    const char *mn = mtl_method_name(f->method);
    if (f->lambdas || opts_seen(o, pn))
      return cli_usage(cmd, "--%s is an option of the methods with a "
                            "parameter lambda, not of --method %s",
                       f->lambdas ? "lambdas" : pn, mn);
    if (path_default > 0)
      return cli_usage(cmd, "--method %s has no parameter lambda for the "
                            "default grid: give --grid NAME=VALUES",
                       mn);
  }
  if (f->grid) {
    f->grid_text = strdup(f->grid);
  } else if (f->lambdas) {
    double *v = NULL;
    int n = 0, rc = cli_parse_list(cmd, "lambdas", f->lambdas, &v, &n);
    free(v);
    if (rc != CLI_OK)
      return rc;
    f->grid_text = malloc(strlen(f->lambdas) + 8);
    if (f->grid_text)
      sprintf(f->grid_text, "lambda=%s", f->lambdas);
  } else if (f->path_n > 0 || path_default > 0) {
    int n = f->path_n > 0 ? f->path_n : path_default, k;
    k = snprintf(buf, sizeof buf, "lambda=path:%d:%.17g", n, f->ratio);
    if (path_default > 0 && mtl_params_get(f->p, "lambda2")) /* 2-D */
      snprintf(buf + k, sizeof buf - (size_t)k, ";lambda2=path:%d:%.17g", n,
               f->ratio);
    f->grid_text = strdup(buf);
  } else {
    return CLI_OK;
  }
  if (!f->grid_text) {
    cli_error("out of memory");
    return CLI_FAIL;
  }
  return CLI_OK;
}

void fitrun_clear(fitrun *f) {
  mtl_params_free(f->p);
  free(f->grid_text);
  mopts_clear(&f->mo);
  f->p = NULL;
  f->grid_text = NULL;
}

/* ---- printing ---------------------------------------------------------------- */

void fitrun_status_detail(const mtl_fit_info *in, char *buf, size_t cap) {
  static const char *const keys[][2] = {
      {"relative_gap", "relative gap"},
      {"relative_change", "objective change"},
      {"primal_residual", "primal residual"}};
  *buf = '\0';
  for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) {
    double v = mtl_fit_info_number(in, keys[k][0]);
    if (!isnan(v)) {
      snprintf(buf, cap, "%s %.2g", keys[k][1], v);
      return;
    }
  }
}

void fitrun_print_info(FILE *out, const mtl_fit_info *in) {
  for (int i = 0; i < mtl_fit_info_count(in); i++) {
    char key[64], why[96];
    if (strcmp(mtl_fit_info_key(in, i), "method") == 0)
      continue; /* printed above the parameters */
    if (strcmp(mtl_fit_info_key(in, i), "status") == 0) {
      fitrun_status_detail(in, why, sizeof why);
      fprintf(out, "%-14s%s%s%s%s\n", "status:", mtl_fit_info_text(in, i),
              *why ? " (" : "", why, *why ? ")" : "");
      continue;
    }
    snprintf(key, sizeof key, "%s:%s", mtl_fit_info_key(in, i),
             strlen(mtl_fit_info_key(in, i)) >= 13 ? " " : "");
    if (mtl_fit_info_is_number(in, i))
      fprintf(out, "%-14s%.10g\n", key, mtl_fit_info_value(in, i));
    else
      fprintf(out, "%-14s%s\n", key, mtl_fit_info_text(in, i));
  }
}

void fitrun_json_info(FILE *out, const mtl_fit_info *in) {
  for (int i = 0; i < mtl_fit_info_count(in); i++) {
    const char *k = mtl_fit_info_key(in, i);
    if (strcmp(k, "method") == 0)
      continue;
    fprintf(out, ", ");
    cli_json_str(out, k);
    fprintf(out, ": ");
    if (mtl_fit_info_is_number(in, i))
      cli_json_num(out, mtl_fit_info_value(in, i));
    else
      cli_json_str(out, mtl_fit_info_text(in, i));
  }
}

void fitrun_print_params(FILE *out, const mtl_params *p) {
  const mtl_method *m = mtl_params_method(p);
  int any = 0;
  for (int j = 0; j < mtl_method_nparams(m); j++) {
    const char *name = mtl_method_param_name(m, j);
    if (mtl_params_is_set(p, name) == 1) {
      fprintf(out, "%s%s=%s", any ? " " : "", name, mtl_params_get(p, name));
      any = 1;
    }
  }
  fprintf(out, "%s\n", any ? " (others at their defaults)" : "defaults");
}

void fitrun_json_params(FILE *out, const mtl_params *p) {
  const mtl_method *m = mtl_params_method(p);
  fprintf(out, "{");
  for (int j = 0; j < mtl_method_nparams(m); j++) {
    const char *name = mtl_method_param_name(m, j);
    fprintf(out, "%s", j ? ", " : "");
    cli_json_str(out, name);
    fprintf(out, ": ");
    cli_json_str(out, mtl_params_get(p, name));
  }
  fprintf(out, "}");
}

int fitrun_write_trace(const char *path, const mtl_fit_info *in) {
  int rows = 0, cols = 0;
  const char *hdr = NULL;
  const double *t = NULL;
  if (mtl_fit_info_trace(in, &rows, &cols, &hdr, &t) < 0)
    return cli_lib_error(MTL_ENOTFOUND, "no trace for '%s'", path);
  cli_out out;
  if (cli_out_open(&out, path) != CLI_OK)
    return CLI_FAIL;
  fprintf(out.f, "%s\n", hdr);
  for (int i = 0; i < rows; i++)
    for (int j = 0; j < cols; j++) {
      double v = t[(size_t)i * (size_t)cols + (size_t)j];
      if (j == 0 && v == floor(v) && fabs(v) < 1e15)
        fprintf(out.f, "%.0f", v);
      else
        fprintf(out.f, "%s%.17g", j ? "," : "", v);
      if (j == cols - 1)
        fputc('\n', out.f);
    }
  return cli_out_commit(&out);
}

/* A model's meta as a number (NaN if absent). */
static double meta_num(const mtl_model *m, const char *key) {
  const char *v = m ? mtl_model_get_meta(m, key) : NULL;
  return v ? strtod(v, NULL) : NAN;
}

void fitrun_print_table(FILE *out, const mtl_search *s, int best,
                        const char *err_name, const double *err, int cv) {
  int nv = mtl_search_nvaried(s);
  fprintf(out, "   ");
  for (int j = 0; j < nv; j++)
    fprintf(out, " %12s", mtl_search_varied_name(s, j));
  if (cv)
    fprintf(out, "  %12s  %12s\n", "mean error", "std");
  else
    fprintf(out, " %7s %16s %10s %9s%s%s\n", "iters", "objective", "gap",
            "features", err ? "  test " : "", err ? err_name : "");
  for (int i = 0; i < mtl_search_npoints(s); i++) {
    fprintf(out, "  %c", i == best ? '*' : ' ');
    for (int j = 0; j < nv; j++) {
      double x = mtl_search_number(s, i, j);
      if (isnan(x))
        fprintf(out, " %12s", mtl_search_value(s, i, j));
      else
        fprintf(out, " %12.6g", x);
    }
    if (cv) {
      fprintf(out, "  %12.6g  %12.6g\n", mtl_search_error(s, i),
              mtl_search_error_std(s, i));
      continue;
    }
    const mtl_model *m = mtl_search_model(s, i);
    char g[32] = "n/a";
    double gap = meta_num(m, "gap");
    if (isfinite(gap))
      snprintf(g, sizeof g, "%.3e", gap);
    fprintf(out, " %7.0f %16.10g %10s %9.0f", mtl_search_iterations(s, i),
            mtl_search_objective(s, i), g, meta_num(m, "features_used"));
    if (err)
      fprintf(out, "  %.6g", err[i]);
    fprintf(out, "\n");
  }
}

void fitrun_json_table(FILE *out, const mtl_search *s, const double *err,
                       int cv) {
  fprintf(out, "[");
  for (int i = 0; i < mtl_search_npoints(s); i++) {
    fprintf(out, "%s{", i ? ", " : "");
    for (int j = 0; j < mtl_search_nvaried(s); j++) {
      fprintf(out, "%s", j ? ", " : "");
      cli_json_str(out, mtl_search_varied_name(s, j));
      fprintf(out, ": ");
      double x = mtl_search_number(s, i, j);
      if (isnan(x))
        cli_json_str(out, mtl_search_value(s, i, j));
      else
        cli_json_num(out, x);
    }
    if (cv) {
      fprintf(out, ", \"mean_error\": ");
      cli_json_num(out, mtl_search_error(s, i));
      fprintf(out, ", \"std_error\": ");
      cli_json_num(out, mtl_search_error_std(s, i));
    }
    fprintf(out, ", \"iterations\": ");
    cli_json_num(out, mtl_search_iterations(s, i));
    fprintf(out, ", \"objective\": ");
    cli_json_num(out, mtl_search_objective(s, i));
    fprintf(out, ", \"status\": \"%s\"",
            mtl_search_status(s, i) == MTL_MAXITER ? "max-iter"
                                                   : "converged");
    const mtl_model *m = mtl_search_model(s, i);
    if (m) {
      fprintf(out, ", \"gap\": ");
      cli_json_num(out, meta_num(m, "gap"));
      fprintf(out, ", \"features_used\": ");
      cli_json_num(out, meta_num(m, "features_used"));
    }
    if (err) {
      fprintf(out, ", \"test_error\": ");
      cli_json_num(out, err[i]);
    }
    fprintf(out, "}");
  }
  fprintf(out, "]");
}
