/*
 * train_mpi.c -- `mtl train --transport mpi` under mpirun, for the
 * distributed methods (async, smtl, cadmm, dadmm, dpsgd): every rank reads
 * only its own tasks of DATA (the reader's task filter), and trains
 * through the one entry point, mtl_fit, with the MPI transport; rank 0
 * receives the model and reports it through the same code as every other
 * `mtl train` (train_finish).  Which rank holds which tasks is the
 * method's layout: a server (rank 0, no data) and task nodes for async,
 * smtl and cadmm; one graph node per task for dadmm and dpsgd.
 */
#include "train.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void train_mpi_init(train_args *a) { a->transport = "threads"; }

void train_mpi_opts(opts *o, train_args *a) {
  opts_choice(o, "transport", 0, &a->transport, "threads|inproc|mpi|zmq",
              "threads (inproc) = one thread per rank in this process; mpi "
              "= one process per rank under mpirun -np N, each reading only "
              "its own tasks of DATA (async, smtl, cadmm: rank 0 the "
              "server, ranks 1..N-1 the task nodes; dadmm, dpsgd: rank k "
              "task k; docs/mpi.md); zmq = the same ranks as separate "
              "processes over encrypted, authenticated TCP, a coordinator "
              "and sites (--role; docs/secure.md)");
  /* --checkpoint, --checkpoint-every, --resume and --rank-map are
   * parameters of the distributed methods: they come with the method's
   * options */
}

int train_mpi_wanted(const opts *o, const train_args *a) {
  return strcmp(a->transport, "mpi") == 0 || opts_seen(o, "rank-map");
}

/* 1 for the methods with a server at rank 0 (no data there). */
static int has_server(const char *m) {
  return !strcmp(m, "async") || !strcmp(m, "smtl") || !strcmp(m, "cadmm");
}

/* This rank's tasks: the server none; else its part of DATA.  A reading
 * error is reported here; mtl_fit's first agreement stops the others. */
int train_read_mine(const train_args *a, const char *path, int rank,
                    int size, mtl_dataset **local) {
  const char *m = mtl_method_name(a->fr.method);
  int server = has_server(m);
  *local = NULL;
  if (server && rank == 0)
    return MTL_OK;
  mtl_read_params rp;
  cli_read_params(&a->rd, &rp);
  rp.part_count = size - server;
  rp.part_index = rank - server;
  int e = mtl_dataset_read(path, &rp, local);
  if (e < 0)
    cli_lib_error(e, "rank %d: cannot read its part (%d of %d) of '%s'",
                  rank, rp.part_index + 1, rp.part_count, path);
  return e;
}

/* Checks, MPI, the rank's tasks, the fit; rank 0 saves and reports. */
static int run_mpi(train_args *a, const char *path) {
  mtl_transport *t = NULL;
  mtl_dataset *local = NULL;
  mtl_model *m = NULL;
  mtl_fit_info *in = NULL;
  int e = mtl_mpi_init(NULL, NULL);
  if (e < 0)
    return cli_lib_error(e, "--transport mpi: cannot start MPI");
  int rank = mtl_mpi_rank(), size = mtl_mpi_size(), rc = CLI_FAIL;
  if (rank != 0)
    cli_quiet = 1; /* rank 0 reports; other ranks print only errors */
  if (has_server(mtl_method_name(a->fr.method)) && size < 2) {
    cli_error("--transport mpi: %s needs at least 2 ranks (mpirun -np N, "
              "N >= 2): rank 0 is the server, ranks 1..N-1 the task nodes",
              mtl_method_name(a->fr.method));
    goto done;
  }
  if ((e = mtl_transport_mpi(&t)) < 0) {
    cli_lib_error(e, "--transport mpi");
    goto done;
  }
  if (a->trace)
    mtl_params_set(a->fr.p, "trace", "1");
  int re = train_read_mine(a, path, rank, size, &local);
  if (re < 0) { /* the others learn of it at mtl_fit's first agreement */
    mtl_dataset *none = NULL;
    mtl_fit(none, a->fr.p, t, &m, &in);
    goto done;
  }
  int st = mtl_fit(local, a->fr.p, t, &m, &in);
  cli_progress_done(&a->fr.pc);
  if (st < 0) {
    cli_lib_error(st, "rank %d: %s over MPI failed on '%s'", rank,
                  mtl_method_name(a->fr.method), path);
    goto done;
  }
  rc = CLI_OK;
  if (rank == 0) {
    parts p;
    memset(&p, 0, sizeof p);
    p.T = mtl_model_ntasks(m);
    p.d = mtl_model_input_dim(m);
    double n = mtl_fit_info_number(in, "samples"); /* online: instances */
    if (isnan(n))
      n = mtl_fit_info_number(in, "instances");
    p.N = p.N_train = (int64_t)n;
    p.ranks = size;
    p.how = has_server(mtl_method_name(a->fr.method))
                ? "MPI: a server and task ranks, each reading only its own "
                  "tasks"
                : "MPI: one rank per task, each reading only its own";
    rc = cli_meta(m, "transport", "mpi") < 0 ? CLI_FAIL
                                             : train_finish(a, path, &p,
                                                            a->fr.p, m, in);
  }
done:
  mtl_model_free(m);
  mtl_fit_info_free(in);
  mtl_dataset_free(local);
  mtl_transport_free(t);
  mtl_mpi_finalize();
  return rc;
}

int train_dist_check(const train_args *a, const char *name) {
  const char *m = mtl_method_name(a->fr.method);
  static const char *const dist[] = {"async", "smtl", "cadmm", "dadmm",
                                     "dpsgd"};
  int ok = 0;
  for (size_t i = 0; i < sizeof dist / sizeof *dist; i++)
    ok |= !strcmp(m, dist[i]);
  if (!ok)
    return cli_usage("train", "--transport %s runs the distributed methods "
                              "(async, smtl, cadmm, dadmm, dpsgd), not "
                              "--method %s",
                     name, m);
  if (a->test || a->split > 0 || a->split_file || a->val > 0 ||
      a->fr.grid_text)
    return cli_usage("train", "--transport %s trains on all of DATA (each "
                              "rank reads only its own tasks); evaluate "
                              "the saved model with 'mtl eval'", name);
  return CLI_OK;
}

int train_mpi(const opts *o, train_args *a, const char *path) {
  if (strcmp(a->transport, "mpi") != 0)
    return cli_usage("train", "--rank-map needs --transport mpi (on "
                              "threads every rank is in this process)");
  int rc = train_dist_check(a, "mpi");
  if (rc != CLI_OK)
    return rc;
  if (!mtl_mpi_available())
    return cli_usage("train", "--transport mpi: this mtl was built without "
                              "MPI (rebuild with Open MPI installed, "
                              "-DMTL_WITH_MPI=ON)");
  (void)o;
  return run_mpi(a, path);
}
