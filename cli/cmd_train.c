/*
 * cmd_train.c -- `mtl train DATA`: read, hold out a test part, fit any
 * method through mtl_fit (or a grid through mtl_search_run: a path, or a
 * choice by a validation split), report the fit results and test metrics,
 * save the model.  One code path for every method.
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

/* The same test as the library's reader: a .mat index file holds named
 * train and test vectors, any other file one list of indices. */
static int is_mat_file(const char *path) {
  size_t n = strlen(path);
  return n >= 4 &&
         (!strcmp(path + n - 4, ".mat") || !strcmp(path + n - 4, ".MAT"));
}

/* The test set of a text split file, which lists only indices (its
 * variable names mean nothing): every sample of DATA not in the training
 * indices idx[0..m-1] (0-based), in order.  Issue 18 D5: the text file
 * used to give the same indices to both sets. */
static int complement(const parts *p, const int64_t *idx, int64_t m,
                      int64_t **out, int64_t *k) {
  int64_t n = mtl_dataset_total_n(p->all);
  char *in = calloc((size_t)n + 1, 1);
  *out = malloc(((size_t)n + 1) * sizeof **out);
  if (!in || !*out) {
    free(in);
    free(*out);
    *out = NULL;
    cli_error("out of memory");
    return CLI_FAIL;
  }
  for (int64_t i = 0; i < m; i++)
    if (idx[i] >= 0 && idx[i] < n)
      in[idx[i]] = 1;
  *k = 0;
  for (int64_t i = 0; i < n; i++)
    if (!in[i])
      (*out)[(*k)++] = i;
  free(in);
  return CLI_OK;
}

/* Test set from a text split file: the complement of the training set
 * idx[0..m-1]. */
static int test_by_complement(const train_args *a, parts *p,
                              const int64_t *idx, int64_t m) {
  int64_t *rest = NULL, k = 0;
  int rc = complement(p, idx, m, &rest, &k);
  if (rc != CLI_OK)
    return rc;
  if (k == 0) {
    free(rest);
    cli_error("'%s' lists every sample of the data: a text split file "
              "holds the training indices and the test set is the rest, "
              "which is empty", a->split_file);
    return CLI_FAIL;
  }
  rc = mtl_dataset_subset(p->all, rest, k, &p->test);
  free(rest);
  if (rc < 0)
    return cli_lib_error(rc, "the samples not listed in '%s' (the test "
                         "set)", a->split_file);
  return CLI_OK;
}

/* Reads the School-style index file's train and test vectors and subsets.
 * A .mat file holds both (variables --split-var-train/-test); a text file
 * holds the training indices and the test set is every other sample. */
static int split_by_file(const train_args *a, parts *p) {
  int64_t *idx = NULL, m = 0;
  int rc = mtl_read_index_file(a->split_file, a->var_train, &idx, &m);
  if (rc < 0)
    return cli_lib_error(rc, "cannot read the training indices '%s' from '%s'",
                         a->var_train, a->split_file);
  rc = mtl_dataset_subset(p->all, idx, m, &p->train);
  if (rc >= 0 && !is_mat_file(a->split_file)) {
    rc = test_by_complement(a, p, idx, m);
    mtl_free(idx);
    return rc;
  }
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

static int load_test(const train_args *a, const char *path, parts *p) {
  p->how = a->test;
  int rc = cli_load(a->test, &a->rd, mtl_dataset_dim(p->all), &p->test);
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
  return CLI_OK;
}

static int split_parts(const train_args *a, const char *path, parts *p);

/* The parts and their summary; all is freed when the training part is a
 * copy (memory: the data is then held once). */
static int make_parts(const train_args *a, const char *path, parts *p) {
  memset(p, 0, sizeof *p);
  int rc = cli_load(path, &a->rd, 0, &p->all);
  if (rc != CLI_OK)
    return rc;
  p->T = mtl_dataset_ntasks(p->all);
  p->d = mtl_dataset_dim(p->all);
  p->N = mtl_dataset_total_n(p->all);
  p->kinds = cli_kinds(p->all);
  p->shared_n = mtl_dataset_is_shared(p->all) && p->T > 0
                    ? mtl_dataset_task_n(p->all, 0)
                    : 0;
  rc = split_parts(a, path, p);
  if (rc == CLI_OK)
    p->N_train = mtl_dataset_total_n(p->train);
  if (rc == CLI_OK && p->train != p->all) {
    mtl_dataset_free(p->all);
    p->all = NULL;
  }
  return rc;
}

static int split_parts(const train_args *a, const char *path, parts *p) {
  int rc;
  p->train = p->all;
  if (a->split_file) {
    p->train = NULL;
    p->how = a->split_file;
    return split_by_file(a, p);
  }
  if (a->split > 0) {
    p->train = NULL;
    p->how = "random split";
    rc = mtl_dataset_split(p->all, a->split, a->fr.seed, &p->train,
                           &p->test);
    return rc < 0 ? cli_lib_error(rc, "cannot split '%s'", path) : CLI_OK;
  }
  return a->test ? load_test(a, path, p) : CLI_OK;
}

void train_print_data(FILE *f, const char *path, const parts *p) {
  if (p->ranks > 0) { /* MPI: every rank read only its own tasks */
    fprintf(f, "data:         %s (%d task%s, %lld samples, %d features; %s)\n",
            path, p->T, CLI_S(p->T), (long long)p->N, p->d, p->how);
    return;
  }
  int kinds = p->kinds;
  const char *kind = kinds == (CLI_KIND_REG | CLI_KIND_CLS) ? "mixed"
                     : kinds & CLI_KIND_CLS                  ? "classification"
                                                             : "regression";
  if (p->shared_n > 0) /* the samples of one design, not per task */
    fprintf(f, "data:         %s (%d task%s on one design of %d samples, "
               "%d features, %s)\n",
            path, p->T, CLI_S(p->T), p->shared_n, p->d, kind);
  else
    fprintf(f, "data:         %s (%d task%s, %lld samples, %d features, %s)\n",
            path, p->T, CLI_S(p->T), (long long)p->N, p->d, kind);
  if (p->test)
    fprintf(f, "train/test:   %lld / %lld samples (%s)\n",
            (long long)p->N_train, (long long)mtl_dataset_total_n(p->test),
            p->how);
}

/* ---- one fitted model: evaluate, save, report ------------------------------- */

typedef struct evald {
  mtl_metrics mean, pooled;
  int kinds;
} evald;

static void print_text(const char *saved, const char *path,
                       const parts *p, const mtl_params *prm,
                       const mtl_fit_info *in, const evald *ev) {
  train_print_data(stdout, path, p);
  printf("method:       %s\nparameters:   ",
         mtl_method_name(mtl_params_method(prm)));
  fitrun_print_params(stdout, prm);
  fitrun_print_info(stdout, in);
  if (p->test) {
    printf("test mean:    ");
    cli_metrics_text(stdout, &ev->mean, ev->kinds);
    printf("   (mean over tasks)\ntest pooled:  ");
    cli_metrics_text(stdout, &ev->pooled, ev->kinds);
    printf("\n");
  }
  if (saved)
    printf("model saved:  %s\n", saved);
  else
    printf("model:        not saved (--save-anyway saves it)\n");
}

static void print_json(const char *saved, const char *path,
                       const parts *p, const mtl_params *prm,
                       const mtl_fit_info *in, const evald *ev) {
  printf("{\"command\": \"train\", \"method\": ");
  cli_json_str(stdout, mtl_method_name(mtl_params_method(prm)));
  printf(", \"data\": ");
  cli_json_str(stdout, path);
  if (p->ranks > 0)
    printf(", \"tasks\": %d, \"samples\": %lld, \"train_samples\": %lld, "
           "\"features\": %d, \"transport\": \"%s\", \"ranks\": %d, "
           "\"parameters\": ",
           p->T, (long long)p->N, (long long)p->N_train, p->d,
           p->transport ? p->transport : "mpi", p->ranks);
  else
    printf(", \"tasks\": %d, \"samples\": %lld, \"train_samples\": %lld, "
           "\"features\": %d, \"parameters\": ",
           p->T, (long long)p->N, (long long)p->N_train, p->d);
  fitrun_json_params(stdout, prm);
  fitrun_json_info(stdout, in);
  printf(", \"model\": ");
  cli_json_str(stdout, saved);
  if (p->test) {
    printf(", \"test\": {\"samples\": %lld, \"mean\": ",
           (long long)mtl_dataset_total_n(p->test));
    cli_metrics_json(stdout, &ev->mean, ev->kinds);
    printf(", \"pooled\": ");
    cli_metrics_json(stdout, &ev->pooled, ev->kinds);
    printf("}");
  }
  printf("}\n");
}

/* Per-node statistics of async/smtl, from the model's matrices. */
static int write_nodes_csv(const char *path, const mtl_model *m) {
  int r, K = 0;
  const double *nu = mtl_model_get_matrix(m, "node_updates", &r, &K);
  const double *dm = mtl_model_get_matrix(m, "node_delay_ms", &r, &K);
  const double *im = mtl_model_get_matrix(m, "node_inject_ms", &r, &K);
  const double *mu = mtl_model_get_matrix(m, "node_multiplier", &r, &K);
  if (!nu || !dm || !im || !mu) {
    cli_error("--nodes-csv: the model has no per-node statistics");
    return CLI_FAIL;
  }
  cli_out out;
  if (cli_out_open(&out, path) != CLI_OK)
    return CLI_FAIL;
  fprintf(out.f, "node,updates,mean_delay_ms,injected_ms,multiplier\n");
  for (int k = 0; k < K; k++)
    fprintf(out.f, "%d,%.0f,%.9g,%.9g,%.9g\n", k + 1, nu[k], dm[k], im[k],
            mu[k]);
  return cli_out_commit(&out);
}

/* "--max-iter" (or the method's other iteration limit) and its value. */
static const char *limit_option(const mtl_params *prm, char *buf,
                                size_t cap) {
  static const char *const names[] = {"max_iter", "max_outer", "max_rounds"};
  for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
    const char *v = mtl_params_get(prm, names[i]);
    if (!v)
      continue;
    snprintf(buf, cap, "--%s %s", names[i], v);
    for (char *c = buf; *c && *c != ' '; c++)
      *c = *c == '_' ? '-' : *c;
    return buf;
  }
  snprintf(buf, cap, "its iteration limit");
  return buf;
}

/* What the fit's status asks of the save (docs/cli.md, "Status"): 1 to
 * save; 0 for a fit far from a solution without --save-anyway.  Warns
 * when a fit stopped at its iteration limit. */
static int status_verdict(const train_args *a, const mtl_params *prm,
                          const mtl_fit_info *in) {
  const char *st = mtl_fit_info_get(in, "status");
  char lim[64], why[96];
  int far = st && strcmp(st, "far from a solution") == 0;
  if (!st || (!far && strcmp(st, "not converged") != 0))
    return 1;
  const char *name = mtl_method_name(mtl_params_method(prm));
  limit_option(prm, lim, sizeof lim);
  fitrun_status_detail(in, why, sizeof why);
  if (far && !a->save_anyway)
    return 0;
  cli_note("warning: %s stopped at %s %s%s%s; raise %.*s%s", name, lim,
           far ? "far from a solution" : "before its tolerance was met",
           *why ? ": " : "", why, (int)strcspn(lim, " "), lim,
           far ? " (saved: --save-anyway)" : "");
  return 1;
}

/* Test metrics of the model as it will be saved, the save, the files. */
int train_finish(train_args *a, const char *path, parts *p,
                 mtl_params *prm, mtl_model *m, const mtl_fit_info *in) {
  evald ev;
  memset(&ev, 0, sizeof ev);
  int rc = cli_meta(m, "data", "%s", path);
  if (rc < 0)
    return cli_lib_error(rc, "cannot set model metadata");
  if (p->test) {
    ev.kinds = cli_kinds(p->test);
    if (cli_evaluate(m, p->test, NULL, &ev.mean, &ev.pooled) != CLI_OK)
      return CLI_FAIL;
  }
  int save = status_verdict(a, prm, in);
  if (save && (rc = mtl_model_save(m, a->model)) < 0)
    return cli_lib_error(rc, "cannot save the model to '%s'", a->model);
  if (a->trace && fitrun_write_trace(a->trace, in) != CLI_OK)
    return CLI_FAIL;
  if (save && a->nodes_csv && write_nodes_csv(a->nodes_csv, m) != CLI_OK)
    return CLI_FAIL;
  const char *saved = save ? a->model : NULL;
  if (a->json)
    print_json(saved, path, p, prm, in, &ev);
  else
    print_text(saved, path, p, prm, in, &ev);
  if (save)
    return CLI_OK;
  char lim[64], why[96];
  limit_option(prm, lim, sizeof lim);
  fitrun_status_detail(in, why, sizeof why);
  cli_error("the model was not saved: %s stopped at %s far from a solution "
            "(%s); raise %.*s, or pass "
            "--save-anyway to save it as it is",
            mtl_method_name(mtl_params_method(prm)), lim, why,
            (int)strcspn(lim, " "), lim);
  return CLI_FAIL;
}

/* One fit of prm on the training part. */
static int train_one(train_args *a, const char *path, parts *p,
                     mtl_params *prm) {
  mtl_model *m = NULL;
  mtl_fit_info *in = NULL;
  if (a->trace)
    mtl_params_set(prm, "trace", "1");
  /* the fit takes the training part: it needs the data once, not twice */
  if (p->train == p->all)
    p->all = NULL;
  int st = mtl_fit_take(&p->train, prm, NULL, &m, &in);
  cli_progress_done(&a->fr.pc);
  int rc = st < 0 ? cli_lib_error(st, "%s failed on '%s'",
                                  mtl_method_name(mtl_params_method(prm)),
                                  path)
                  : train_finish(a, path, p, prm, m, in);
  mtl_model_free(m);
  mtl_fit_info_free(in);
  return rc;
}

/* ---- grids: a path (the best on the test part) or a validation choice --- */

/* Test error of every model of a path (NaN without a test part). */
static int path_errors(const mtl_search *s, const parts *p, double *err,
                       int *best) {
  int n = mtl_search_npoints(s), kinds = p->test ? cli_kinds(p->test) : 0;
  *best = n - 1;
  for (int i = 0; i < n; i++) {
    err[i] = NAN;
    if (!p->test)
      continue;
    mtl_metrics mean;
    if (cli_evaluate(mtl_search_model(s, i), p->test, NULL, &mean, NULL) !=
        CLI_OK)
      return CLI_FAIL;
    err[i] = cli_headline(&mean, kinds);
    if (i == 0 || err[i] < err[*best] || (isnan(err[*best]) && !isnan(err[i])))
      *best = i;
  }
  return CLI_OK;
}

static void print_path(const train_args *a, const char *path, const parts *p,
                       const mtl_search *s, int best, const double *err,
                       double secs) {
  const char *why = p->test ? "best test" : "last point";
  int kinds = p->test ? cli_kinds(p->test) : 0;
  if (a->json) {
    printf("{\"command\": \"train\", \"method\": ");
    cli_json_str(stdout, mtl_method_name(mtl_params_method(a->fr.p)));
    printf(", \"data\": ");
    cli_json_str(stdout, path);
    printf(", \"tasks\": %d, \"features\": %d, \"grid\": ",
           p->T, p->d);
    cli_json_str(stdout, a->fr.grid_text);
    printf(", \"seconds\": ");
    cli_json_num(stdout, secs);
    printf(", \"path\": ");
    fitrun_json_table(stdout, s, p->test ? err : NULL, 0);
    printf(", \"selected\": %d, \"selected_by\": \"%s\", \"model\": ", best,
           why);
    cli_json_str(stdout, a->model);
    printf("}\n");
    return;
  }
  train_print_data(stdout, path, p);
  printf("method:       %s\nparameters:   ",
         mtl_method_name(mtl_params_method(a->fr.p)));
  fitrun_print_params(stdout, a->fr.p);
  printf("path:         %d points of %s, %.3f s\n\n", mtl_search_npoints(s),
         a->fr.grid_text, secs);
  fitrun_print_table(stdout, s, best, cli_headline_name(kinds),
                     p->test ? err : NULL, 0);
  printf("\nmodel saved:  %s (point %d, %s)\n", a->model, best + 1, why);
}

static int train_path(train_args *a, const char *path, parts *p) {
  mtl_search *s = NULL;
  double *err = NULL;
  double t0 = cli_now();
  int rc = mtl_search_run(p->train, a->fr.p, NULL, a->fr.grid_text, 0, 0,
                          a->fr.seed, &s);
  double secs = cli_now() - t0;
  cli_progress_done(&a->fr.pc);
  if (rc < 0)
    return cli_lib_error(rc, "the path failed on '%s'", path);
  int best = 0, n = mtl_search_npoints(s);
  rc = CLI_FAIL;
  if (!(err = calloc((size_t)n, sizeof *err))) {
    cli_error("out of memory");
    goto done;
  }
  if (path_errors(s, p, err, &best) != CLI_OK)
    goto done;
  mtl_model *m = (mtl_model *)mtl_search_model(s, best);
  int r = cli_meta(m, "data", "%s", path);
  r = r < 0 ? r : mtl_model_save(m, a->model);
  if (r < 0) {
    rc = cli_lib_error(r, "cannot save the model to '%s'", a->model);
    goto done;
  }
  print_path(a, path, p, s, best, err, secs);
  rc = CLI_OK;
done:
  free(err);
  mtl_search_free(s);
  return rc;
}

/* --val: the grid point with the lowest validation error, refitted on
 * the whole training part. */
static int train_val(train_args *a, const char *path, parts *p) {
  mtl_search *s = NULL;
  mtl_params *best = NULL;
  int rc = mtl_search_run(p->train, a->fr.p, NULL, a->fr.grid_text, 0,
                          a->val, a->fr.seed, &s);
  cli_progress_done(&a->fr.pc);
  if (rc < 0)
    return cli_lib_error(rc, "the validation search failed on '%s'", path);
  if (fitrun_extend(&a->fr, s, p->train) != CLI_OK) {
    mtl_search_free(s);
    return CLI_FAIL;
  }
  int b = mtl_search_best(s);
  if (!a->json) {
    printf("validation:   %.3g of each task held out, %d points, %s\n\n",
           a->val, mtl_search_npoints(s), mtl_search_metric(s));
    fitrun_print_table(stdout, s, b, NULL, NULL, 1);
    printf("\n");
  }
  rc = CLI_FAIL;
  if (!(best = mtl_search_params(s, b)))
    goto done;
  if (a->json)
    cli_note("validation: best point %d of %d (mean %s %.6g)", b + 1,
             mtl_search_npoints(s), mtl_search_metric(s),
             mtl_search_error(s, b));
  cli_progress_start(&a->fr.pc, "refit");
  rc = train_one(a, path, p, best);
done:
  mtl_params_free(best);
  mtl_search_free(s);
  return rc;
}

/* ---- options ------------------------------------------------------------------- */

static void add_options(opts *o, train_args *a) {
  opts_init(o, "train", "DATA [options]",
            "Fits a multi-task model on DATA (any format mtl reads) with "
            "--method (batch\nby default: the regularized problem with a "
            "duality-gap certificate), reports\nthe fit's results and, with "
            "a test part, test metrics, and saves the model.\nEvery "
            "parameter of every method is an option; the sections at the "
            "end say\nwhich methods have it.");
  fitrun_method_opts(o, &a->fr);
  cli_read_opts(o, &a->rd);
  opts_section(o, "Test part");
  opts_string(o, "test", 0, &a->test, "FILE",
              "evaluate on this dataset (same tasks, in order)");
  opts_double(o, "split", 0, &a->split, "RATIO", 0, 1,
              "hold out 1-RATIO of each task of DATA for testing")
      ->def = "off";
  opts_u64(o, "seed", 0, &a->fr.seed, "S",
           "seed of --split and --val (and of async's injected delays, the "
           "online methods' replay order)");
  opts_string(o, "split-file", 0, &a->split_file, "FILE",
              "index file (1-based, School style) of the train/test split: "
              "a .mat holds both sets; a text file lists the training "
              "samples, the test set is the rest");
  opts_string(o, "split-var-train", 0, &a->var_train, "NAME",
              "variable of the training indices in --split-file");
  opts_string(o, "split-var-test", 0, &a->var_test, "NAME",
              "variable of the test indices in --split-file");
  opts_section(o, "Grids: a path, or the choice of a validation split");
  fitrun_grid_opts(o, &a->fr, 1);
  opts_double(o, "val", 0, &a->val, "RATIO", 0, 1,
              "hold out RATIO of each task of the training part, choose the "
              "grid point of lowest validation error, refit on the whole "
              "training part")
      ->def = "off";
  opts_section(o, "Output");
  opts_string(o, "model", 'o', &a->model, "FILE", "where to save the model");
  opts_string(o, "trace", 0, &a->trace, "FILE",
              "write the method's trace as CSV (iter,objective for most; "
              "time_s,updates,objective for async/smtl; "
              "iter,objective,primal,dual for srml/ssml)");
  opts_string(o, "nodes-csv", 0, &a->nodes_csv, "FILE",
              "async/smtl: per-node statistics as CSV: node, updates, "
              "mean_delay_ms, injected_ms, multiplier");
  opts_flag(o, "save-anyway", 0, &a->save_anyway, 1,
            "save the model even when the fit stopped far from a solution "
            "(status 'far from a solution'; not saved otherwise)");
  opts_flag(o, "json", 0, &a->json, 1, "print the results as JSON");
  opts_flag(o, "quiet", 'q', &cli_quiet, 1, "no diagnostics on stderr");
  opts_section(o, "Several machines (--method async|smtl|cadmm|dadmm|dpsgd)");
  train_mpi_opts(o, a);
  train_zmq_opts(o, a);
  fitrun_param_opts(o, &a->fr);
}

/* Combinations that need no data.  CLI_OK or CLI_USAGE. */
static int check_options(const opts *o, const train_args *a) {
  if (opts_seen(o, "split") && !(a->split > 0 && a->split < 1))
    return cli_usage("train", "--split %g must be strictly between 0 and 1",
                     a->split);
  if (opts_seen(o, "val") && !(a->val > 0 && a->val < 1))
    return cli_usage("train", "--val %g must be strictly between 0 and 1",
                     a->val);
  if ((a->test != NULL) + (a->split > 0) + (a->split_file != NULL) > 1)
    return cli_usage("train", "--test, --split and --split-file are "
                              "alternatives; give one");
  if ((opts_seen(o, "split-var-train") || opts_seen(o, "split-var-test")) &&
      !a->split_file)
    return cli_usage("train", "--split-var-train/--split-var-test need "
                              "--split-file");
  int grid = a->fr.grid_text != NULL;
  if (grid && opts_seen(o, "lambda"))
    return cli_usage("train", "--lambda is a single value; a grid (%s) "
                              "chooses its own lambdas",
                     a->fr.grid ? "--grid" : a->fr.lambdas ? "--lambdas"
                                                           : "--lambda-path");
  if (grid && a->trace && !a->val)
    return cli_usage("train", "--trace records a single fit; it cannot be "
                              "used with a path");
  if (a->val && !grid)
    return cli_usage("train", "--val chooses among grid points: give --grid, "
                              "--lambdas or --lambda-path");
  if (a->nodes_csv && !mtl_params_get(a->fr.p, "nodes"))
    return cli_usage("train", "--nodes-csv is an option of --method "
                              "async|smtl");
  return CLI_OK;
}

/* The output files can be written: a typo fails before the fit. */
static int check_outputs(const train_args *a) {
  int rc = cli_out_check(a->model, "--model");
  rc = rc == CLI_OK ? cli_out_check(a->trace, "--trace") : rc;
  return rc == CLI_OK ? cli_out_check(a->nodes_csv, "--nodes-csv") : rc;
}

int cmd_train(int argc, char **argv) {
  train_args a;
  memset(&a, 0, sizeof a);
  cli_read_init(&a.rd);
  fitrun_init(&a.fr);
  a.var_train = "tr";
  a.var_test = "tst";
  a.model = "model.mtl";
  train_mpi_init(&a);
  opts o;
  add_options(&o, &a);
  int rc = opts_parse(&o, argc, argv);
  if (rc != 0) {
    fitrun_clear(&a.fr);
    return rc == OPTS_HELP ? CLI_OK : rc;
  }
  parts p;
  memset(&p, 0, sizeof p);
  if (o.npos == 0)
    rc = cli_usage("train", "missing the DATA file");
  else if (o.npos > 1)
    rc = cli_usage("train", "unexpected argument '%s' (train takes one DATA "
                            "file)",
                   o.pos[1]);
  if (rc == CLI_OK)
    rc = fitrun_params(&a.fr, &o, "train");
  if (rc == CLI_OK)
    rc = fitrun_grid(&a.fr, &o, "train", 0);
  if (rc == CLI_OK)
    rc = check_options(&o, &a);
  if (rc == CLI_OK)
    rc = check_outputs(&a);
  if (rc == CLI_OK && train_zmq_wanted(&a)) {
    rc = train_zmq(&a, o.pos[0]);
    goto done;
  }
  if (rc == CLI_OK && train_mpi_wanted(&o, &a)) {
    rc = train_mpi(&o, &a, o.pos[0]);
    goto done;
  }
  if (rc == CLI_OK)
    rc = make_parts(&a, o.pos[0], &p);
  if (rc != CLI_OK)
    goto done;
  if (a.val > 0)
    rc = train_val(&a, o.pos[0], &p);
  else if (a.fr.grid_text)
    rc = train_path(&a, o.pos[0], &p);
  else
    rc = train_one(&a, o.pos[0], &p, a.fr.p);
done:
  parts_free(&p);
  fitrun_clear(&a.fr);
  return rc;
}
