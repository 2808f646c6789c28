/*
 * train_mpi.c -- `mtl train --method async|smtl --transport mpi`, under
 * mpirun: every rank reads only its own tasks of DATA (rank 0, the
 * server, none), the scaler is fitted from per-feature sums reduced over
 * the ranks, the parameters are the method's (mtl_params_to_async), and
 * rank 0 assembles, saves and reports the model.  This runner stays
 * separate from mtl_fit until the MPI transport is a parameter of it.
 */
#include "train.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void train_mpi_init(train_args *a) { a->transport = "inproc"; }

void train_mpi_opts(opts *o, train_args *a) {
  opts_choice(o, "transport", 0, &a->transport, "inproc|mpi",
              "inproc = one thread per node in this process; mpi = one "
              "process per rank under mpirun -np N (rank 0 the server, "
              "ranks 1..N-1 the task nodes, each reading only its own tasks "
              "of DATA; docs/mpi.md)");
  opts_string(o, "rank-map", 0, &a->rank_map, "FILE",
              "mpi: where to write the rank-to-tasks map")
      ->def = "FILE.ranks of --checkpoint, else none";
  /* --checkpoint, --checkpoint-every and --resume are parameters of
   * async/smtl (on threads too): their options come with the method's */
}

int train_mpi_wanted(const opts *o, const train_args *a) {
  (void)o;
  return strcmp(a->transport, "mpi") == 0 || a->rank_map;
}

/* A text parameter, NULL when empty. */
static const char *param_text(const mtl_params *p, const char *name) {
  const char *v = mtl_params_get(p, name);
  return v && *v ? v : NULL;
}

static const char *status_word(int st) {
  return st == MTL_CONVERGED ? "converged" : "max-iter";
}

/* Rows 0..d_in-1 of W (d x T) with a non-zero entry. */
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

/* Checks, then the MPI run. */
static int run_mpi(train_args *a, const char *path);

int train_mpi(const opts *o, train_args *a, const char *path) {
  const char *m = mtl_method_name(a->fr.method);
  if (strcmp(a->transport, "mpi") != 0)
    return cli_usage("train", "--rank-map needs --transport mpi");
  if (strcmp(m, "async") != 0 && strcmp(m, "smtl") != 0)
    return cli_usage("train", "--transport is an option of --method "
                              "async|smtl, not of --method %s",
                     m);
  if (a->test || a->split > 0 || a->split_file || a->val > 0 ||
      a->fr.grid_text)
    return cli_usage("train", "--transport mpi trains on all of DATA (each "
                              "rank reads only its own tasks); evaluate "
                              "the saved model with 'mtl eval'");
  if (a->trace || a->nodes_csv)
    return cli_usage("train", "--trace and --nodes-csv are not available "
                              "with --transport mpi");
  if (!mtl_mpi_available())
    return cli_usage("train", "--transport mpi: this mtl was built without "
                              "MPI (rebuild with Open MPI installed, "
                              "-DMTL_WITH_MPI=ON)");
  (void)o;
  return run_mpi(a, path);
}

/* mtl_read_params of the --format/--layout/... options (the order of the
 * choice lists of common.c is the order of the library's enums). */
static void mpi_read_params(const cli_read *r, mtl_read_params *p) {
  static const int storage_val[] = {-1, 1, 0};
  static const int kind_val[] = {-1, MTL_TASK_REGRESSION,
                                 MTL_TASK_CLASSIFICATION};
  mtl_read_params_init(p);
  p->format = (mtl_format)opts_choice_index("auto|mat|npz|text|csv",
                                            r->format);
  p->layout = (mtl_layout)opts_choice_index(
      "auto|cell|task-start|task-id|onevsrest|stacked", r->layout);
  p->x_var = r->x_var;
  p->y_var = r->y_var;
  p->task_var = r->task_var;
  p->samples_in_columns = r->orient;
  p->task_col = r->task_col;
  p->label_col = r->label_col;
  p->sparse = storage_val[opts_choice_index("auto|sparse|dense", r->storage)];
  p->kind = kind_val[opts_choice_index("auto|regression|classification",
                                       r->kind)];
  p->dim = r->dim;
}

/* The state of one MPI run, on every rank. */
typedef struct mpi_run {
  int rank, size, T, d_in, d, stdz, bias, smtl, st;
  double samples;           /* over all ranks */
  mtl_dataset *local, *scaled;
  int *ids, *tl;
  mtl_scaler sc;
  mtl_problem_params pp;
  mtl_async_params ap;
  double *R, *W;
  mtl_async_info info;
} mpi_run;

static void mpi_run_clear(mpi_run *r) {
  mtl_async_info_clear(&r->info);
  mtl_dataset_free(r->scaled);
  mtl_dataset_free(r->local);
  mtl_scaler_clear(&r->sc);
  mtl_free(r->ids);
  mtl_free(r->R);
  free(r->tl);
  free(r->W);
}

/* Rank r >= 1 reads part r - 1 of path (its tasks only); every rank
 * agrees on failure, T, d and the sample count. */
static int read_parts(const train_args *a, const char *path, mpi_run *r) {
  mtl_read_params rp;
  mpi_read_params(&a->rd, &rp);
  int e = MTL_OK;
  if (r->rank > 0)
    e = mtl_dataset_read_part(path, &rp, r->size - 1, r->rank - 1, &r->local,
                              &r->ids, &r->T);
  double agg[4] = {e < 0 ? 1 : 0, r->T,
                   r->local ? mtl_dataset_dim(r->local) : 0,
                   r->local ? (double)mtl_dataset_total_n(r->local) : 0};
  int e2 = mtl_mpi_allreduce(agg, 3, 1);
  int e3 = mtl_mpi_allreduce(agg + 3, 1, 0);
  if (e < 0)
    return cli_lib_error(e, "rank %d: cannot read its part of '%s'", r->rank,
                         path);
  if (e2 < 0 || e3 < 0)
    return cli_lib_error(e2 < 0 ? e2 : e3, "rank %d: MPI reduction failed",
                         r->rank);
  if (agg[0] > 0) {
    cli_error("rank %d: another rank could not read its part of '%s' (see "
              "its message)",
              r->rank, path);
    return CLI_FAIL;
  }
  r->T = (int)agg[1];
  r->d_in = (int)agg[2];
  r->samples = agg[3];
  return CLI_OK;
}

/* The distributed scaler, the parameters, the fit, the task losses. */
static int fit_parts(const train_args *a, const char *path, mpi_run *r) {
  int e = mtl_params_to_async(a->fr.p, r->T, &r->pp, &r->ap, &r->R);
  if (e < 0)
    return cli_lib_error(e, "rank %d: bad parameters", r->rank);
  if ((e = mtl_scaler_fit_mpi(r->local, r->d_in, r->stdz, r->bias,
                              &r->sc)) < 0)
    return cli_lib_error(e, "rank %d: cannot fit the feature scaler",
                         r->rank);
  if (r->local && (e = mtl_scaler_apply(&r->sc, r->local, &r->scaled)) < 0)
    /* the library agrees on errors at its next collective call */
    cli_lib_error(e, "rank %d: cannot standardize its data", r->rank);
  r->d = r->d_in + r->bias;
  if (r->rank == 0) {
    r->W = calloc((size_t)r->d * (size_t)r->T, sizeof *r->W);
    r->tl = malloc((size_t)r->T * sizeof *r->tl);
    if (!r->W || !r->tl) {
      cli_error("out of memory (W is %d x %d)", r->d, r->T);
      return CLI_FAIL;
    }
  }
  mtl_mpi_params mp;
  mtl_mpi_params_init(&mp);
  mp.checkpoint = param_text(a->fr.p, "checkpoint");
  mp.checkpoint_every = (int)mtl_params_get_number(a->fr.p, "checkpoint_every");
  mp.resume = param_text(a->fr.p, "resume");
  mp.rank_map = a->rank_map;
  cli_progress pc;
  const char *mname = r->smtl ? "smtl" : "async";
  if (r->rank == 0) {
    cli_progress_start(&pc, mname);
    r->ap.progress = cli_progress_cb;
    r->ap.progress_ctx = &pc;
  }
  r->st = mtl_async_fit_mpi(r->local ? r->scaled : NULL, r->ids, r->T, &r->pp,
                            &r->ap, &mp, r->W, r->rank == 0 ? &r->info : NULL);
  if (r->rank == 0)
    cli_progress_done(&pc);
  if (r->st < 0)
    return cli_lib_error(r->st, "rank %d: %s over MPI failed on '%s'",
                         r->rank, mname, path);
  if ((e = mtl_mpi_task_losses(r->scaled, r->ids, r->T, &r->pp, r->tl)) < 0)
    return cli_lib_error(e, "rank %d: cannot gather the task losses",
                         r->rank);
  return CLI_OK;
}

/* Rank 0: the model, as mtl train --method async saves it. */
static int save_model(const train_args *a, const char *path,
                      const mpi_run *r) {
  const char *mname = r->smtl ? "smtl" : "async";
  mtl_problem_params pp = r->pp;
  pp.task_loss = r->tl;
  mtl_model *m = mtl_model_create(r->d, r->T, r->W, &pp, &r->sc);
  int K = r->info.nodes;
  double *nu = malloc((size_t)(K > 0 ? K : 1) * sizeof *nu);
  if (!m || !nu) {
    cli_error("out of memory building the model");
    free(nu);
    mtl_model_free(m);
    return CLI_FAIL;
  }
  for (int k = 0; k < K; k++)
    nu[k] = (double)r->info.node_updates[k];
  int mr = cli_meta(m, "tool", "mtl train --method %s --transport mpi (mtl "
                               "%s)",
                    mname, mtl_version());
  mr = mr < 0 ? mr : cli_meta(m, "scaling", "%s",
                              mtl_params_get(a->fr.p, "scaling"));
  mr = mr < 0 ? mr : cli_meta(m, "method", "%s", mname);
  mr = mr < 0 ? mr : cli_meta(m, "transport", "mpi");
  mr = mr < 0 ? mr : cli_meta(m, "eta", "%.17g", r->info.eta);
  mr = mr < 0 ? mr : cli_meta(m, "nodes", "%d", K);
  mr = mr < 0 ? mr : cli_meta(m, "updates", "%lld",
                              (long long)r->info.updates);
  mr = mr < 0 ? mr : mtl_model_set_matrix(m, "node_updates", 1, K, nu);
  mr = mr < 0 ? mr : cli_meta(m, "data", "%s", path);
  mr = mr < 0 ? mr : cli_meta(m, "iterations", "%lld",
                              (long long)(r->info.updates / r->T));
  mr = mr < 0 ? mr : cli_meta(m, "objective", "%.17g", r->info.objective);
  mr = mr < 0 ? mr : cli_meta(m, "status", "%s", status_word(r->st));
  int rc = CLI_OK;
  if (mr < 0)
    rc = cli_lib_error(mr, "cannot set model metadata");
  else if ((mr = mtl_model_save(m, a->model)) < 0)
    rc = cli_lib_error(mr, "cannot save the model to '%s'", a->model);
  free(nu);
  mtl_model_free(m);
  return rc;
}

static void report_json(const train_args *a, const char *path,
                        const mpi_run *r, int used) {
  printf("{\"command\": \"train\", \"method\": \"%s\", \"transport\": "
         "\"mpi\", \"data\": ",
         r->smtl ? "smtl" : "async");
  cli_json_str(stdout, path);
  printf(", \"tasks\": %d, \"samples\": %lld, \"features\": %d, \"ranks\": "
         "%d, \"status\": \"%s\", \"updates\": %lld, \"seconds\": %.17g, "
         "\"tau_max\": %d, \"tau_mean\": %.17g, \"eta\": %.17g, "
         "\"objective\": %.17g, \"features_used\": %d, \"model\": ",
         r->T, (long long)r->samples, r->d_in, r->size, status_word(r->st),
         (long long)r->info.updates, r->info.seconds, r->info.tau_max,
         r->info.tau_mean, r->info.eta, r->info.objective, used);
  cli_json_str(stdout, a->model);
  printf("}\n");
}

static void report_text(const train_args *a, const char *path,
                        const mpi_run *r, int used) {
  const mtl_params *prm = a->fr.p;
  printf("%-14s%s: %d tasks, %lld samples, %d features (MPI: %d task "
         "ranks, each reading only its own tasks)\n",
         "data:", path, r->T, (long long)r->samples, r->d_in, r->size - 1);
  printf("%-14s%s\nparameters:   ", "method:", r->smtl ? "smtl" : "async");
  fitrun_print_params(stdout, prm);
  printf("%-14s%s over MPI, %d nodes, %s after %lld updates (%.3f s)%s\n",
         r->smtl ? "smtl:" : "async:",
         r->smtl ? "synchronous (SMTL)" : "asynchronous (AMTL)",
         r->info.nodes, status_word(r->st), (long long)r->info.updates,
         r->info.seconds, param_text(a->fr.p, "resume") ? ", resumed" : "");
  printf("%-14stau max %d, mean %.3g\n", "delays:", r->info.tau_max,
         r->info.tau_mean);
  printf("%-14s%.10g (losses summed by the nodes; no certificate: no "
         "rank holds all the data)\n",
         "objective:", r->info.objective);
  printf("%-14s%d of %d used\n", "features:", used, r->d_in);
  const char *ckp = param_text(prm, "checkpoint");
  if (ckp)
    printf("%-14s%s (every %.0f %s; rank map %s.ranks)\n", "checkpoint:",
           ckp, mtl_params_get_number(prm, "checkpoint_every"),
           r->smtl ? "iterations" : "updates", ckp);
  printf("model saved:  %s\n", a->model);
}

/* The MPI run: rank r >= 1 reads part r - 1 of DATA (its tasks only), the
 * scaler is fitted from per-feature sums reduced over the ranks, the
 * solver runs as an MPI program, and rank 0 assembles and saves the model
 * (with the task losses gathered from the nodes) and prints the report.
 * There is no certificate: no rank holds all the data. */
static int run_mpi(train_args *a, const char *path) {
  mpi_run r;
  memset(&r, 0, sizeof r);
  r.smtl = strcmp(mtl_method_name(a->fr.method), "smtl") == 0;
  r.stdz = mtl_params_get_number(a->fr.p, "standardize") != 0;
  r.bias = mtl_params_get_number(a->fr.p, "bias") != 0;
  int e = mtl_mpi_init(NULL, NULL);
  if (e < 0)
    return cli_lib_error(e, "--transport mpi: cannot start MPI");
  r.rank = mtl_mpi_rank();
  r.size = mtl_mpi_size();
  if (r.rank != 0)
    cli_quiet = 1; /* rank 0 reports; other ranks print only errors */
  int rc = CLI_FAIL;
  if (r.size < 2)
    cli_error("--transport mpi needs at least 2 ranks (mpirun -np N, N >= "
              "2): rank 0 is the server, ranks 1..N-1 the task nodes");
  else if (read_parts(a, path, &r) == CLI_OK && fit_parts(a, path, &r) == CLI_OK)
    rc = r.rank == 0 ? save_model(a, path, &r) : CLI_OK;
  if (rc == CLI_OK && r.rank == 0) {
    int used = used_features(r.W, r.d, r.T, r.d_in);
    if (a->json)
      report_json(a, path, &r, used);
    else
      report_text(a, path, &r, used);
    if (r.st == MTL_MAXITER)
      cli_note("warning: stopped at --max-iter %d updates per task before "
               "--tol was met",
               r.ap.max_iter);
  }
  mpi_run_clear(&r);
  mtl_mpi_finalize();
  return rc;
}
