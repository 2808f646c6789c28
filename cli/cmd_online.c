/*
 * cmd_online.c -- `mtl online [DATA] --method M`: online multi-task learning
 * on a stream (Li et al., "Online parallel multi-task relationship learning
 * via ADMM": C-ADMM, D-ADMM and the baselines ADMM-Single, D-PSGD, OGD;
 * docs/omtl.md).  The source is a dataset replayed in a seeded random
 * interleaving or a text stream read incrementally (file or stdin).  Reports
 * the averaged cumulative error, per-task errors, timings and bytes sent;
 * writes the error curves (CSV, SVG), Omega (text, SVG heatmap) and the
 * final model.
 *
 * Every output is opened with mtl_output_open (a temporary file next to its
 * target, or a symlink's target; a device is written directly), and all of
 * them are put in place only once every one is complete, so a failing or
 * interrupted run leaves no file behind.
 */
#include "online.h"
#include "mtl_mpi.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

static const char *method_title(mtl_omtl_method m) {
  switch (m) {
  case MTL_OMTL_CADMM:
    return "C-ADMM (server + one node per task)";
  case MTL_OMTL_DADMM:
    return "D-ADMM (one node per task on a graph)";
  case MTL_OMTL_SINGLE:
    return "ADMM-Single (each task alone)";
  case MTL_OMTL_DPSGD:
    return "D-PSGD (consensus on a graph)";
  default:
    return "OGD (each task alone)";
  }
}

/* Runs a->p over s into res on the chosen transport (threads, or MPI:
 * rank 0 gets the result).  Returns the library code. */
static int online_run(const online_args *a, mtl_stream *s,
                      mtl_omtl_result *res) {
  mtl_omtl_params p = a->p;
  mtl_transport *t = NULL;
  p.checkpoint = a->checkpoint;
  p.resume = a->resume;
  if (a->checkpoint_every > 0)
    p.checkpoint_every = a->checkpoint_every;
  if (a->tr == TRANSPORT_MPI) {
    int e = mtl_transport_mpi(&t);
    if (e < 0)
      return e;
  }
  int rc = mtl_omtl_run(s, &p, t, res);
  mtl_transport_free(t);
  return rc;
}

/* Progress on a terminal: round and running averaged error (C-ADMM and the
 * sequential methods; D-ADMM / D-PSGD only know it at the end).  Ctrl-C
 * cancels the run at the next report. */
static int progress_cb(void *ctx, int round, double err, double unused1,
                       double unused2) {
  (void)unused1;
  (void)unused2;
  cli_progress *pc = ctx;
  if (pc->show) {
    double now = cli_now();
    if (now - pc->last >= 0.1) {
      pc->last = now;
      pc->drawn = 1;
      if (isnan(err))
        fprintf(stderr, "\r\033[K%s round %d", pc->label, round);
      else
        fprintf(stderr, "\r\033[K%s round %d  averaged error %.4f", pc->label,
                round, err);
      fflush(stderr);
    }
  }
  return cli_interrupted() ? 1 : 0;
}

/* ---- staged outputs ---------------------------------------------------------- */

/* An output written by a function that takes a path (library writers open
 * the path themselves): the path given to it is the temporary file of an
 * output opened with mtl_output_open (or the output itself when that is a
 * device, FIFO or stdout), put in place by stage_commit. */
typedef struct staged {
  mtl_output *out;
  const char *tmp; /* mtl_output_path(out) */
} staged;

#define NSTAGE 6

typedef struct stage {
  staged v[NSTAGE];
  int n;
} stage;

/* Opens path as an output (a new temporary file next to a regular file or
 * a symlink's target, registered for removal on a signal).  Returns the
 * staged entry or NULL after printing an error. */
static staged *stage_add(stage *st, const char *path) {
  mtl_output *out;
  if (mtl_output_open(path, "output", &out) < 0) {
    cli_error("%s", mtl_last_error());
    return NULL;
  }
  staged *e = &st->v[st->n++];
  e->out = out;
  e->tmp = mtl_output_path(out);
  return e;
}

static void stage_abort(stage *st) {
  for (int i = 0; i < st->n; i++)
    mtl_output_abort(st->v[i].out);
  st->n = 0;
}

static int stage_commit(stage *st) {
  int rc = CLI_OK;
  for (int i = 0; i < st->n; i++) {
    if (rc != CLI_OK) {
      mtl_output_abort(st->v[i].out);
    } else if (mtl_output_commit(st->v[i].out) < 0) {
      cli_error("%s", mtl_last_error());
      rc = CLI_FAIL;
    }
  }
  st->n = 0;
  return rc;
}

/* Omega as text: K rows of K numbers (full precision). */
static int write_omega(const char *path, const double *Om, int K) {
  FILE *f = fopen(path, "w");
  if (!f) {
    cli_error("cannot write '%s': %s", path, strerror(errno));
    return CLI_FAIL;
  }
  for (int a = 0; a < K; a++)
    for (int b = 0; b < K; b++)
      fprintf(f, "%.17g%c", Om[(size_t)a + (size_t)b * (size_t)K],
              b + 1 < K ? ' ' : '\n');
  int bad = ferror(f) != 0;
  if (fclose(f) != 0)
    bad = 1;
  if (bad) {
    cli_error("cannot write '%s': %s", path, strerror(errno));
    return CLI_FAIL;
  }
  return CLI_OK;
}


/* ---- report ------------------------------------------------------------------------- */

typedef struct summary {
  int64_t instances;
  double round_us, per_sec;
  const char *source;
} summary;

static void summarize(const online_args *a, const mtl_omtl_result *r,
                      summary *s) {
  s->instances = 0;
  for (int k = 0; k < r->K; k++)
    s->instances += r->n_seen[k];
  double tot = 0;
  for (int64_t t = 0; t < r->rounds; t++)
    tot += r->round_sec[t];
  s->round_us = r->rounds ? 1e6 * tot / (double)r->rounds : NAN;
  s->per_sec = r->seconds > 0 ? (double)s->instances / r->seconds : NAN;
  s->source = a->data ? a->data : a->stream;
}

static double final_error(const mtl_omtl_result *r) {
  return r->rounds ? r->err_avg[r->rounds - 1] : NAN;
}

static void print_json(const online_args *a, const mtl_omtl_result *r,
                       const summary *s) {
  printf("{\"command\": \"online\", \"method\": ");
  cli_json_str(stdout, a->method_name);
  printf(", \"source\": ");
  cli_json_str(stdout, s->source);
  printf(", \"source_kind\": \"%s\"", a->data ? "data" : "stream");
  if (a->data)
    printf(", \"seed\": %llu", (unsigned long long)a->seed);
  printf(", \"tasks\": %d, \"dim\": %d, \"rounds\": %lld, \"instances\": "
         "%lld",
         r->K, r->d, (long long)r->rounds, (long long)s->instances);
  int bit = 1 << a->method;
  if (bit & B_ADMM) {
    printf(", \"variant\": \"%s\", \"rho\": ",
           a->p.variant == MTL_OMTL_PAPER ? "paper" : "exact");
    cli_json_num(stdout, a->p.rho);
    printf(", \"lambda\": [");
    cli_json_num(stdout, a->p.lambda1);
    printf(", ");
    cli_json_num(stdout, a->p.lambda2);
    printf(", ");
    cli_json_num(stdout, a->p.lambda3);
    printf(", ");
    cli_json_num(stdout, a->p.lambda4);
    printf("], \"eta\": ");
    cli_json_num(stdout, r->eta);
  } else {
    printf(", \"step0\": ");
    cli_json_num(stdout, a->p.step0);
  }
  printf(", \"error\": ");
  cli_json_num(stdout, final_error(r));
  printf(", \"task_errors\": [");
  for (int k = 0; k < r->K; k++) {
    printf("%s{\"task\": %d, \"instances\": %lld, \"mistakes\": %lld, "
           "\"error\": ",
           k ? ", " : "", k + 1, (long long)r->n_seen[k],
           (long long)r->mistakes[k]);
    cli_json_num(stdout, r->n_seen[k] ? (double)r->mistakes[k] /
                                            (double)r->n_seen[k]
                                      : NAN);
    printf("}");
  }
  printf("], \"seconds\": ");
  cli_json_num(stdout, r->seconds);
  printf(", \"round_us\": ");
  cli_json_num(stdout, s->round_us);
  printf(", \"instances_per_s\": ");
  cli_json_num(stdout, s->per_sec);
  printf(", \"bytes_sent\": %llu", (unsigned long long)r->bytes_sent);
  if (r->Omega)
    printf(", \"omega\": [%d, %d]", r->K, r->K);
  else
    printf(", \"omega\": null");
  const char *keys[] = {"csv", "plot", "model", "omega_file", "omega_heatmap",
                        "stream_file"};
  const char *vals[] = {a->csv, a->plot, a->model, a->omega, a->heatmap,
                        a->write_stream};
  for (int i = 0; i < 6; i++)
    if (vals[i]) {
      printf(", \"%s\": ", keys[i]);
      cli_json_str(stdout, vals[i]);
    }
  printf("}\n");
}

static void print_text(const online_args *a, const mtl_omtl_result *r,
                       const summary *s) {
  int bit = 1 << a->method;
  if (a->data)
    printf("data:         %s (%d tasks, %d features; replayed, seed %llu)\n",
           a->data, r->K, r->d, (unsigned long long)a->seed);
  else
    printf("stream:       %s (%d tasks, %d features)\n",
           strcmp(a->stream, "-") == 0 ? "<stdin>" : a->stream, r->K, r->d);
  printf("method:       %s, %s", a->method_name, method_title(a->method));
  if (bit & B_GRAPH)
    printf(", %s graph%s", a->edges ? a->edges : a->topology,
           a->p.async ? ", asynchronous" : ", round-synchronous");
  printf("\n");
  if (bit & B_ADMM)
    printf("params:       variant %s, rho %g, lambda1..4 %g %g %g %g, eta "
           "%g%s\n",
           a->p.variant == MTL_OMTL_PAPER ? "paper" : "exact", a->p.rho,
           a->p.lambda1, a->p.lambda2, a->p.lambda3, a->p.lambda4, r->eta,
           a->p.eta > 0 ? "" : " (sqrt(T))");
  else
    printf("params:       step0 %g (gamma_t = step0 / sqrt(t))\n",
           a->p.step0);
  printf("rounds:       %lld (%lld instances)\n", (long long)r->rounds,
         (long long)s->instances);
  printf("error:        %.6g (averaged cumulative error rate, last round)\n",
         final_error(r));
  printf("time:         %.6g s; %.4g us per round; %.4g instances/s\n",
         r->seconds, s->round_us, s->per_sec);
  if (bit & B_WIRE)
    printf("sent:         %llu bytes (payload over the %s transport)\n",
           (unsigned long long)r->bytes_sent, a->transport);
  else
    printf("sent:         none (no communication)\n");
  if (r->Omega)
    printf("Omega:        %d x %d (%s)\n", r->K, r->K,
           a->method == MTL_OMTL_SINGLE ? "1 per task"
           : a->p.learn_omega         ? "learned"
                                      : "fixed I/K");
  else
    printf("Omega:        none (%s has no task relationship)\n",
           a->method_name);
  printf("\n  task  instances  mistakes     error\n");
  for (int k = 0; k < r->K; k++)
    printf("  %4d  %9lld  %8lld  %8.6f\n", k + 1, (long long)r->n_seen[k],
           (long long)r->mistakes[k],
           r->n_seen[k] ? (double)r->mistakes[k] / (double)r->n_seen[k]
                        : NAN);
  const char *what[] = {"error curves (CSV)", "error plot (SVG)", "model",
                        "Omega (text)", "Omega heatmap (SVG)",
                        "replayed stream (text)"};
  const char *files[] = {a->csv, a->plot, a->model, a->omega, a->heatmap,
                         a->write_stream};
  int first = 1;
  for (int i = 0; i < 6; i++)
    if (files[i]) {
      printf("%swrote:        %s: %s\n", first ? "\n" : "", files[i],
             what[i]);
      first = 0;
    }
}

/* ---- outputs ---------------------------------------------------------------------- */

/* Writes every requested output to its temporary file; the caller commits.
 * ds: the replayed dataset (for --write-stream), else NULL. */
static int write_outputs(const online_args *a, const mtl_omtl_result *r,
                         const mtl_dataset *ds, stage *st) {
  staged *e;
  int lr;
  if (a->csv) {
    if (!(e = stage_add(st, a->csv)))
      return CLI_FAIL;
    if ((lr = mtl_omtl_write_csv(r, e->tmp, a->every)) < 0)
      return cli_lib_error(lr, "cannot write '%s'", a->csv);
  }
  if (a->plot) {
    if (!(e = stage_add(st, a->plot)))
      return CLI_FAIL;
    const mtl_omtl_result *rs[1] = {r};
    const char *labels[1] = {a->method_name};
    char title[128];
    snprintf(title, sizeof title, "averaged cumulative error, %d tasks",
             r->K);
    if ((lr = mtl_omtl_write_svg(rs, labels, 1, title, e->tmp)) < 0)
      return cli_lib_error(lr, "cannot write '%s'", a->plot);
  }
  if (a->model) {
    if (!(e = stage_add(st, a->model)))
      return CLI_FAIL;
    mtl_model *m = NULL;
    if ((lr = mtl_omtl_to_model(r, &a->p, &m)) < 0)
      return cli_lib_error(lr, "cannot build the model");
    lr = cli_meta(m, "tool", "mtl online (mtl %s)", mtl_version());
    lr = lr < 0 ? lr : cli_meta(m, "data", "%s", a->data ? a->data
                                                         : a->stream);
    lr = lr < 0 ? lr : cli_meta(m, "rounds", "%lld", (long long)r->rounds);
    lr = lr < 0 ? lr : cli_meta(m, "online_error", "%.17g", final_error(r));
    lr = lr < 0 ? lr : cli_meta(m, "predicts", "%s",
                               "raw score w_k'x, sign = final online "
                               "classifier");
    if (lr < 0) {
      mtl_model_free(m);
      return cli_lib_error(lr, "cannot set model metadata");
    }
    lr = mtl_model_save(m, e->tmp);
    mtl_model_free(m);
    if (lr < 0)
      return cli_lib_error(lr, "cannot save the model to '%s'", a->model);
  }
  if (a->omega) {
    if (!(e = stage_add(st, a->omega)))
      return CLI_FAIL;
    if (write_omega(e->tmp, r->Omega, r->K) != CLI_OK)
      return CLI_FAIL;
  }
  if (a->heatmap) {
    if (!(e = stage_add(st, a->heatmap)))
      return CLI_FAIL;
    char title[128];
    snprintf(title, sizeof title, "Omega (%s)", a->method_name);
    if ((lr = mtl_omtl_write_heatmap(r->Omega, r->K, title, e->tmp)) < 0)
      return cli_lib_error(lr, "cannot write '%s'", a->heatmap);
  }
  if (a->write_stream) {
    /* A second replay with the same seed: the same arrival order. */
    mtl_stream *s2 = NULL;
    if (!(e = stage_add(st, a->write_stream)))
      return CLI_FAIL;
    if ((lr = mtl_stream_from_dataset(ds, a->seed, &s2)) >= 0)
      lr = mtl_stream_write_text(s2, e->tmp);
    mtl_stream_free(s2);
    if (lr < 0)
      return cli_lib_error(lr, "cannot write '%s'", a->write_stream);
  }
  return CLI_OK;
}


/* ---- the command ------------------------------------------------------------------ */

/* What cmd_online opens, runs and writes. */
typedef struct online_run_state {
  mtl_dataset *ds;
  mtl_stream *s;
  mtl_graph *g;
  mtl_omtl_result res;
  stage st;
  int mpi_started;
} online_run_state;

/* The source: DATA replayed as a stream, or a text stream ([mpi] this
 * rank's own). */
static int open_source(online_args *a, online_run_state *rs) {
  int rc, lr;
  if (a->data) {
    if ((rc = cli_load(a->data, &a->rd, 0, &rs->ds)) != CLI_OK)
      return rc;
    if ((lr = mtl_stream_from_dataset(rs->ds, a->seed, &rs->s)) < 0)
      return cli_lib_error(lr, "cannot replay '%s' as a stream", a->data);
  } else {
    const char *spath = a->stream;
    char rpath[4096];
    if (a->tr == TRANSPORT_MPI) { /* [mpi] this rank's own stream */
      if ((lr = mtl_mpi_init(NULL, NULL)) < 0)
        return cli_lib_error(lr, "--transport mpi: cannot start MPI");
      rs->mpi_started = 1;
      a->rank = mtl_mpi_rank();
      if (a->rank != 0)
        cli_quiet = 1;
      /* C-ADMM: rank 0 is the server (no stream), rank k + 1 task k */
      int task = a->method == MTL_OMTL_CADMM ? a->rank - 1 : a->rank;
      if (task < 0)
        return CLI_OK;
      const char *pc = strstr(a->stream, "%d");
      snprintf(rpath, sizeof rpath, "%.*s%d%s", (int)(pc - a->stream),
               a->stream, task, pc + 2);
      spath = rpath;
    }
    if ((lr = mtl_stream_open_text(spath, a->tasks, a->rd.dim, &rs->s)) < 0)
      return cli_lib_error(lr, "cannot open the stream '%s'", spath);
  }
  if (a->edges) {
    if ((lr = mtl_graph_read_edges(a->edges, mtl_stream_ntasks(rs->s),
                                   &rs->g)) < 0)
      return cli_lib_error(lr, "cannot read the graph '%s'", a->edges);
    a->p.graph = rs->g;
  }
  return CLI_OK;
}

/* The run, with progress on a terminal; Ctrl-C and failures reported. */
static int run_method(online_args *a, online_run_state *rs) {
  cli_progress pc;
  cli_progress_start(&pc, "online");
  a->p.progress = progress_cb;
  a->p.progress_ctx = &pc;
  int lr = online_run(a, rs->s, &rs->res);
  cli_progress_done(&pc);
  a->p.progress = NULL;
  a->p.progress_ctx = NULL;
  if (lr < 0 && cli_interrupted()) {
    /* Ctrl-C: the progress callback cancelled the run, or the signal broke
     * a blocking read of the stream (EINTR, reported as a read error). */
    cli_error("interrupted; nothing was written");
    return CLI_INTERRUPTED;
  }
  if (lr < 0)
    return cli_lib_error(lr, "%s on '%s' failed", a->method_name,
                         a->data ? a->data
                         : strcmp(a->stream, "-") == 0 ? "<stdin>"
                                                       : a->stream);
  return CLI_OK;
}

/* Rank 0's outputs, committed together, then the report. */
static int report(const online_args *a, online_run_state *rs) {
  int rc;
  if (rs->res.rounds == 0) {
    cli_error("'%s' holds no instance", a->data ? a->data : a->stream);
    return CLI_FAIL;
  }
  if ((rc = write_outputs(a, &rs->res, rs->ds, &rs->st)) != CLI_OK)
    return rc;
  if ((rc = stage_commit(&rs->st)) != CLI_OK)
    return rc;
  summary sm;
  summarize(a, &rs->res, &sm);
  if (a->json)
    print_json(a, &rs->res, &sm);
  else
    print_text(a, &rs->res, &sm);
  if (fflush(stdout) != 0) {
    cli_error("cannot write to standard output: %s", strerror(errno));
    return CLI_FAIL;
  }
  return CLI_OK;
}

int cmd_online(int argc, char **argv) {
  online_args a;
  int stop;
  int rc = online_parse(&a, argc, argv, &stop);
  if (stop)
    return rc;
  online_run_state rs;
  memset(&rs, 0, sizeof rs);
  if ((rc = open_source(&a, &rs)) == CLI_OK &&
      (rc = run_method(&a, &rs)) == CLI_OK &&
      a.rank == 0) /* [mpi] rank 0 alone reports and writes */
    rc = report(&a, &rs);
  stage_abort(&rs.st);
  mtl_omtl_result_clear(&rs.res);
  mtl_stream_free(rs.s);
  mtl_graph_free(rs.g);
  mtl_dataset_free(rs.ds);
  if (rs.mpi_started)
    mtl_mpi_finalize();
  return rc;
}
