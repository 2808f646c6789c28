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

void train_mpi_init(train_args *a) {
  a->transport = "inproc";
  a->checkpoint_every = 100;
}

void train_mpi_opts(opts *o, train_args *a) {
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
}

int train_mpi_wanted(const opts *o, const train_args *a) {
  return strcmp(a->transport, "mpi") == 0 || a->checkpoint || a->resume ||
         a->rank_map || opts_seen(o, "checkpoint-every");
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
    return cli_usage("train", "--checkpoint, --checkpoint-every, --resume "
                              "and --rank-map need --transport mpi");
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

/* The MPI run: rank r >= 1 reads part r - 1 of DATA (its tasks only), the
 * scaler is fitted from per-feature sums reduced over the ranks, the
 * solver runs as an MPI program, and rank 0 assembles and saves the model
 * (with the task losses gathered from the nodes) and prints the report.
 * There is no certificate: no rank holds all the data. */
static int run_mpi(train_args *a, const char *path) {
  const mtl_params *prm = a->fr.p;
  int rc = CLI_FAIL, smtl = strcmp(mtl_method_name(a->fr.method), "smtl") == 0;
  int stdz = mtl_params_get_number(prm, "standardize") != 0;
  int bias = mtl_params_get_number(prm, "bias") != 0;
  mtl_problem_params fpp;
  mtl_async_params ap;
  double *R = NULL;
  const char *mname = smtl ? "smtl" : "async";
  mtl_scaler sc;
  memset(&sc, 0, sizeof sc);
  mtl_dataset *local = NULL, *scaled = NULL;
  mtl_model *m = NULL;
  int *ids = NULL, *tl = NULL;
  double *W = NULL, *nu = NULL;
  mtl_async_info info;
  memset(&info, 0, sizeof info);
  int e = mtl_mpi_init(NULL, NULL);
  if (e < 0)
    return cli_lib_error(e, "--transport mpi: cannot start MPI");
  int rank = mtl_mpi_rank(), size = mtl_mpi_size();
  if (rank != 0)
    cli_quiet = 1; /* rank 0 reports; other ranks print only errors */
  if (size < 2) {
    cli_error("--transport mpi needs at least 2 ranks (mpirun -np N, N >= "
              "2): rank 0 is the server, ranks 1..N-1 the task nodes");
    goto done;
  }
  int P = size - 1, T = 0;
  mtl_read_params rp;
  mpi_read_params(&a->rd, &rp);
  if (rank > 0)
    e = mtl_dataset_read_part(path, &rp, P, rank - 1, &local, &ids, &T);
  else
    e = MTL_OK;
  /* agree: any rank failing to read stops all; T, d, samples */
  double agg[4] = {e < 0 ? 1 : 0, T, local ? mtl_dataset_dim(local) : 0,
                   local ? (double)mtl_dataset_total_n(local) : 0};
  double big[3] = {agg[0], agg[1], agg[2]};
  int e2 = mtl_mpi_allreduce(big, 3, 1);
  int e3 = mtl_mpi_allreduce(agg + 3, 1, 0);
  if (e < 0) {
    cli_lib_error(e, "rank %d: cannot read its part of '%s'", rank, path);
    goto done;
  }
  if (e2 < 0 || e3 < 0) {
    cli_lib_error(e2 < 0 ? e2 : e3, "rank %d: MPI reduction failed", rank);
    goto done;
  }
  if (big[0] > 0) {
    cli_error("rank %d: another rank could not read its part of '%s' (see "
              "its message)",
              rank, path);
    goto done;
  }
  T = (int)big[1];
  int d_in = (int)big[2];
  if ((e = mtl_params_to_async(prm, T, &fpp, &ap, &R)) < 0) {
    cli_lib_error(e, "rank %d: bad parameters", rank);
    goto done;
  }
  e = mtl_scaler_fit_mpi(local, d_in, stdz, bias, &sc);
  if (e < 0) {
    cli_lib_error(e, "rank %d: cannot fit the feature scaler", rank);
    goto done;
  }
  if (local && (e = mtl_scaler_apply(&sc, local, &scaled)) < 0) {
    /* the library agrees on errors at its next collective call */
    cli_lib_error(e, "rank %d: cannot standardize its data", rank);
  }
  int d = d_in + bias;
  if (rank == 0) {
    W = calloc((size_t)d * (size_t)T, sizeof *W);
    tl = malloc((size_t)T * sizeof *tl);
    if (!W || !tl) {
      cli_error("out of memory (W is %d x %d)", d, T);
      goto done;
    }
  }
  mtl_mpi_params mp;
  mtl_mpi_params_init(&mp);
  mp.checkpoint = a->checkpoint;
  mp.checkpoint_every = a->checkpoint_every;
  mp.resume = a->resume;
  mp.rank_map = a->rank_map;
  cli_progress pc;
  if (rank == 0) {
    cli_progress_start(&pc, mname);
    ap.progress = cli_progress_cb;
    ap.progress_ctx = &pc;
  }
  int st = mtl_async_fit_mpi(local ? scaled : NULL, ids, T, &fpp,
                             &ap, &mp, W, rank == 0 ? &info : NULL);
  if (rank == 0)
    cli_progress_done(&pc);
  if (st < 0) {
    cli_lib_error(st, "rank %d: %s over MPI failed on '%s'", rank,
                  mname, path);
    goto done;
  }
  e = mtl_mpi_task_losses(scaled, ids, T, &fpp, tl);
  if (e < 0) {
    cli_lib_error(e, "rank %d: cannot gather the task losses", rank);
    goto done;
  }
  if (rank != 0) {
    rc = CLI_OK;
    goto done;
  }
  /* rank 0: the model, as mtl train --method async saves it */
  mtl_problem_params pp = fpp;
  pp.task_loss = tl;
  m = mtl_model_create(d, T, W, &pp, &sc);
  nu = malloc((size_t)(info.nodes > 0 ? info.nodes : 1) * sizeof *nu);
  if (!m || !nu) {
    cli_error("out of memory building the model");
    goto done;
  }
  for (int k = 0; k < info.nodes; k++)
    nu[k] = (double)info.node_updates[k];
  int mr = cli_meta(m, "tool", "mtl train --method %s --transport mpi (mtl "
                               "%s)",
                    mname, mtl_version());
    mr = mr < 0 ? mr : cli_meta(m, "scaling", "%s", mtl_params_get(prm, "scaling"));
  mr = mr < 0 ? mr : cli_meta(m, "method", "%s", mname);
  mr = mr < 0 ? mr : cli_meta(m, "transport", "mpi");
  mr = mr < 0 ? mr : cli_meta(m, "reg", "%s", mtl_reg_name(pp.reg.type));
  mr = mr < 0 ? mr : cli_meta(m, "lambda", "%.17g", pp.reg.lambda);
  mr = mr < 0 ? mr : cli_meta(m, "eta", "%.17g", info.eta);
  mr = mr < 0 ? mr : cli_meta(m, "nodes", "%d", info.nodes);
  mr = mr < 0 ? mr : cli_meta(m, "updates", "%lld", (long long)info.updates);
  mr = mr < 0 ? mr : mtl_model_set_matrix(m, "node_updates", 1, info.nodes, nu);
  mr = mr < 0 ? mr : cli_meta(m, "data", "%s", path);
  mr = mr < 0 ? mr : cli_meta(m, "iterations", "%lld",
                              (long long)(info.updates / (T > 0 ? T : 1)));
  mr = mr < 0 ? mr : cli_meta(m, "objective", "%.17g", info.objective);
  mr = mr < 0 ? mr : cli_meta(m, "status", "%s", (st == MTL_CONVERGED ? "converged" : "max-iter"));
  if (mr < 0) {
    cli_lib_error(mr, "cannot set model metadata");
    goto done;
  }
  e = mtl_model_save(m, a->model);
  if (e < 0) {
    cli_lib_error(e, "cannot save the model to '%s'", a->model);
    goto done;
  }
  int used = used_features(W, d, T, d_in);
  if (a->json) {
    printf("{\"command\": \"train\", \"method\": \"%s\", \"transport\": "
           "\"mpi\", \"data\": ",
           mname);
    cli_json_str(stdout, path);
    printf(", \"tasks\": %d, \"samples\": %lld, \"features\": %d, \"ranks\": "
           "%d, \"status\": \"%s\", \"updates\": %lld, \"seconds\": %.17g, "
           "\"tau_max\": %d, \"tau_mean\": %.17g, \"eta\": %.17g, "
           "\"objective\": %.17g, \"features_used\": %d, \"model\": ",
           T, (long long)agg[3], d_in, size, (st == MTL_CONVERGED ? "converged" : "max-iter"),
           (long long)info.updates, info.seconds, info.tau_max,
           info.tau_mean, info.eta, info.objective, used);
    cli_json_str(stdout, a->model);
    printf("}\n");
  } else {
    printf("%-14s%s: %d tasks, %lld samples, %d features (MPI: %d task "
           "ranks, each reading only its own tasks)\n",
           "data:", path, T, (long long)agg[3], d_in, P);
    printf("%-14s%s, %s regularizer, lambda %g%s; %s\n", "model:",
           mtl_params_get(prm, "loss"), mtl_params_get(prm, "reg"),
           pp.reg.lambda, pp.reg.ridge > 0 ? " + ridge" : "",
           stdz ? (bias ? "standardized, bias" : "standardized, no bias")
                : (bias ? "raw features, bias" : "raw features, no bias"));
    printf("%-14s%s over MPI, %d nodes, %s after %lld updates (%.3f s)%s\n",
           smtl ? "smtl:" : "async:",
           smtl ? "synchronous (SMTL)" : "asynchronous (AMTL)", info.nodes,
           (st == MTL_CONVERGED ? "converged" : "max-iter"), (long long)info.updates, info.seconds,
           a->resume ? ", resumed" : "");
    printf("%-14stau max %d, mean %.3g\n", "delays:", info.tau_max,
           info.tau_mean);
    printf("%-14s%.10g (losses summed by the nodes; no certificate: no "
           "rank holds all the data)\n",
           "objective:", info.objective);
    printf("%-14s%d of %d used\n", "features:", used, d_in);
    if (a->checkpoint)
      printf("%-14s%s (every %d %s; rank map %s.ranks)\n", "checkpoint:",
             a->checkpoint, a->checkpoint_every,
             smtl ? "iterations" : "updates", a->checkpoint);
    printf("model saved:  %s\n", a->model);
  }
  if (st == MTL_MAXITER)
    cli_note("warning: stopped at --max-iter %d updates per task before "
             "--tol was met",
             ap.max_iter);
  rc = CLI_OK;
done:
  mtl_async_info_clear(&info);
  mtl_model_free(m);
  mtl_dataset_free(scaled);
  mtl_dataset_free(local);
  mtl_scaler_clear(&sc);
  mtl_free(ids);
  free(tl);
  free(W);
  free(nu);
  mtl_free(R);
  mtl_mpi_finalize();
  return rc;
}

