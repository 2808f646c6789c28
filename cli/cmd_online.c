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
 * Every output is written to a temporary file next to its target and all of
 * them are renamed over their targets only once every one is complete, so a
 * failing or interrupted run leaves no file behind.
 */
#include "cli.h"
#include "mtl_mpi.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#define METHODS "cadmm|dadmm|single|dpsgd|ogd"
#define TOPOLOGIES "ring|full|star|regular"
#define TRANSPORTS "inproc|mpi"

/* Method bits, in the order of METHODS (= mtl_omtl_method). */
enum {
  B_CADMM = 1 << MTL_OMTL_CADMM,
  B_DADMM = 1 << MTL_OMTL_DADMM,
  B_SINGLE = 1 << MTL_OMTL_SINGLE,
  B_DPSGD = 1 << MTL_OMTL_DPSGD,
  B_OGD = 1 << MTL_OMTL_OGD,
  B_ADMM = B_CADMM | B_DADMM | B_SINGLE,
  B_OMEGA = B_CADMM | B_DADMM,   /* learn a K x K Omega */
  B_GRAPH = B_DADMM | B_DPSGD,   /* run on a graph */
  B_STEP = B_DPSGD | B_OGD,      /* gamma_t = step0 / sqrt(t) */
  B_WIRE = B_CADMM | B_DADMM | B_DPSGD /* talk over the transport */
};

typedef enum { TRANSPORT_INPROC = 0, TRANSPORT_MPI } transport_kind;

typedef struct online_args {
  const char *data, *stream, *method_name, *preset, *variant, *topology;
  const char *edges, *transport;
  cli_read rd;
  int tasks;
  mtl_omtl_params given; /* the options bound here; preset applied later */
  int horizon, max_rounds, every, authors;
  uint64_t seed;
  const char *csv, *plot, *model, *omega, *heatmap, *write_stream;
  int json;
  /* --transport mpi [mpi]: checkpoints, resume; this process's rank */
  const char *checkpoint, *resume;
  int checkpoint_every, rank;
  /* resolved */
  mtl_omtl_method method;
  transport_kind tr;
  mtl_omtl_params p;
} online_args;

/* Options that only some methods use; given with another method they are a
 * usage error naming both (as `mtl train`). */
static const struct {
  const char *name;
  int methods;
} option_methods[] = {
    {"preset", B_ADMM},      {"variant", B_ADMM},    {"rho", B_ADMM},
    {"lambda1", B_ADMM},     {"lambda2", B_ADMM},    {"lambda3", B_ADMM},
    {"lambda4", B_ADMM},     {"eta", B_ADMM},        {"horizon", B_ADMM},
    {"no-omega", B_OMEGA},   {"eps", B_OMEGA},       {"omega-every", B_OMEGA},
    {"omega", B_OMEGA},      {"omega-heatmap", B_OMEGA},
    {"topology", B_GRAPH},   {"degree", B_GRAPH},    {"graph-seed", B_GRAPH},
    {"edges", B_GRAPH},      {"async", B_GRAPH},     {"staleness", B_GRAPH},
    {"step0", B_STEP},
};

static const char *const method_words[] = {"cadmm", "dadmm", "single",
                                           "dpsgd", "ogd"};

static void methods_text(int mask, char *buf, size_t cap) {
  size_t len = 0;
  buf[0] = '\0';
  for (int i = 0; i < 5; i++)
    if (mask & (1 << i)) {
      int n = snprintf(buf + len, cap - len, "%s%s", len ? "|" : "",
                       method_words[i]);
      if (n < 0 || (size_t)n >= cap - len)
        break;
      len += (size_t)n;
    }
}

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

static opt *find_opt(opts *o, const char *name) {
  for (int i = 0; i < o->n; i++)
    if (o->v[i].type != OPT_SECTION && strcmp(o->v[i].name, name) == 0)
      return &o->v[i];
  return NULL;
}

/* ==== transport switch ====================================================
 * --transport names how the ranks (server and task nodes) talk.  Only the
 * in-process transport (one thread per rank, mtl_omtl_run) is wired.  The
 * MPI transport goes here: transport_check() stops refusing `mpi`, and
 * online_run() -- the one place that runs a method -- calls the MPI driver
 * instead (each rank reading its own tasks of the stream, rank 0 alone
 * printing and writing the outputs). */
static int transport_check(const online_args *a) {
  if (a->tr != TRANSPORT_MPI) {
    if (a->checkpoint || a->resume)
      return cli_usage("online", "--checkpoint and --resume need --transport "
                                 "mpi");
    return CLI_OK;
  }
  if (!mtl_mpi_available())
    return cli_usage("online", "--transport mpi: this mtl was built without "
                               "MPI support (rebuild with -DMTL_WITH_MPI=ON; "
                               "use --transport inproc)");
  if (a->method != MTL_OMTL_DADMM)
    return cli_usage("online", "--transport mpi runs --method dadmm (one "
                               "process per task on the graph), not %s",
                     a->method_name);
  if (!a->stream || !strstr(a->stream, "%d"))
    return cli_usage("online", "--transport mpi: give each rank its own "
                               "task's stream, --stream FILE with %%d "
                               "standing for the rank (0-based), e.g. "
                               "task%%d.txt; a rank reads nothing else");
  if ((a->checkpoint || a->resume) && a->p.async)
    return cli_usage("online", "--checkpoint/--resume need the "
                               "round-synchronous mode (no --async)");
  if (a->stream && a->p.max_rounds == 0)
    return cli_usage("online", "--transport mpi: give --max-rounds N, the "
                               "round count every rank runs (a stream's "
                               "length is unknown in advance)");
  return CLI_OK;
}

/* Runs a->p over s into res through the chosen transport.  Returns the
 * library code. */
static int online_run(const online_args *a, mtl_stream *s,
                      mtl_omtl_result *res) {
  switch (a->tr) {
  case TRANSPORT_INPROC:
    return mtl_omtl_run(s, &a->p, res);
  case TRANSPORT_MPI: { /* [mpi] rank 0 gets the result */
    mtl_mpi_params mp;
    mtl_mpi_params_init(&mp);
    mp.checkpoint = a->checkpoint;
    if (a->checkpoint_every > 0)
      mp.checkpoint_every = a->checkpoint_every;
    mp.resume = a->resume;
    return mtl_omtl_run_mpi(s, &a->p, &mp, res);
  }
  default:
    return MTL_EINVAL;
  }
}
/* ==== end of the transport switch ========================================= */

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

/* An output written by a function to a temporary path (library writers open
 * the path themselves), renamed over `path` by stage_commit. */
typedef struct staged {
  const char *path;
  char *tmp;
} staged;

#define NSTAGE 6

typedef struct stage {
  staged v[NSTAGE];
  int n;
} stage;

/* A fresh temporary name next to path (created empty, mode 0666 & ~umask).
 * Returns the staged entry or NULL after printing an error. */
static staged *stage_add(stage *st, const char *path) {
  int fd;
  char *tmp = cli_temp_next_to(path, &fd);
  if (!tmp)
    return NULL;
  close(fd);
  staged *e = &st->v[st->n++];
  e->path = path;
  e->tmp = tmp;
  return e;
}

static void stage_abort(stage *st) {
  for (int i = 0; i < st->n; i++) {
    unlink(st->v[i].tmp);
    free(st->v[i].tmp);
  }
  st->n = 0;
}

static int stage_commit(stage *st) {
  int rc = CLI_OK;
  for (int i = 0; i < st->n; i++) {
    if (rc == CLI_OK && rename(st->v[i].tmp, st->v[i].path) != 0) {
      cli_error("cannot write '%s': %s", st->v[i].path, strerror(errno));
      rc = CLI_FAIL;
    }
    if (rc != CLI_OK)
      unlink(st->v[i].tmp);
    free(st->v[i].tmp);
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

/* ---- options ------------------------------------------------------------------- */

static void add_opts(opts *o, online_args *a) {
  mtl_omtl_params *g = &a->given;
  opts_section(o, "Method");
  opts_choice(o, "method", 0, &a->method_name, METHODS,
              "cadmm = centralized ADMM (server + task nodes), dadmm = "
              "decentralized ADMM on a graph, single = the same ADMM per task "
              "alone, dpsgd = decentralized parallel SGD (consensus), ogd = "
              "online gradient descent per task");
  opts_choice(o, "transport", 0, &a->transport, TRANSPORTS,
              "inproc = threads of this process; mpi = one process per "
              "task under mpirun (dadmm; docs/mpi.md)");
  opts_string(o, "checkpoint", 0, &a->checkpoint, "FILE",
              "mpi: rank 0 gathers every rank's state and writes it to FILE "
              "every --checkpoint-every rounds (round-synchronous only), and "
              "the rank-to-tasks map to FILE.ranks");
  opts_int(o, "checkpoint-every", 0, &a->checkpoint_every, "N", 1, INT_MAX,
           "mpi: rounds between checkpoints");
  opts_string(o, "resume", 0, &a->resume, "FILE",
              "mpi: continue from this checkpoint (same streams, options and "
              "-np): the same predictions as an uninterrupted run");

  opts_section(o, "Source (DATA or --stream)");
  opts_string(o, "data", 0, &a->data, "FILE",
              "the dataset (same as the DATA argument), any format mtl "
              "reads; classification tasks, replayed one instance per task "
              "per round");
  opts_u64(o, "seed", 0, &a->seed, "S",
           "DATA: seed of the replay order (each task's samples and the "
           "task order within a round; 0 = stored order)");
  opts_string(o, "stream", 0, &a->stream, "FILE|-",
              "read the text stream 'task label idx:val ...' incrementally "
              "(- = standard input); needs --tasks and --dim");
  opts_int(o, "tasks", 0, &a->tasks, "K", 0, 1e6,
           "--stream: number of tasks (ids 1..K)");
  opts_int(o, "max-rounds", 0, &a->max_rounds, "N", 0, INT_MAX,
           "stop after N rounds (0 = the whole stream)");
  cli_read_opts(o, &a->rd);
  opt *dim = find_opt(o, "dim");
  dim->help = "text DATA: feature dimension (0 = largest index seen); "
              "--stream: the dimension d (required)";

  opts_section(o, "ADMM: --method cadmm|dadmm|single");
  opts_choice(o, "preset", 0, &a->preset, "paper|code",
              "parameter set: paper = rho 0.1, lambda2 0.1, lambda1,3,4 "
              "0.01, eta sqrt(T); code = the authors' released values rho "
              "0.5, eta 240, lambda2 20, lambda1,3,4 0.01; the options below "
              "override it");
  opts_choice(o, "variant", 0, &a->variant, "exact|paper",
              "u- and V-steps: exact = block minimizers of the augmented "
              "Lagrangian, paper = eqs. (14) and (12) as printed");
  opts_double(o, "rho", 0, &g->rho, "X", 0, HUGE_VAL, "ADMM penalty (> 0)");
  opts_double(o, "lambda1", 0, &g->lambda1, "X", 0, HUGE_VAL,
              "weight of ||v_k||^2");
  opts_double(o, "lambda2", 0, &g->lambda2, "X", 0, HUGE_VAL,
              "weight of ||u||^2 (> 0)");
  opts_double(o, "lambda3", 0, &g->lambda3, "X", 0, HUGE_VAL,
              "weight of tr(V V')");
  opts_double(o, "lambda4", 0, &g->lambda4, "X", 0, HUGE_VAL,
              "weight of tr(V Omega^-1 V')");
  opts_double(o, "eta", 0, &g->eta, "X", 0, HUGE_VAL,
              "step control of the w-step (10); 0 = sqrt(T)");
  opts_int(o, "horizon", 0, &a->horizon, "T", 0, INT_MAX,
           "T of eta = sqrt(T); 0 = the stream's rounds capped by "
           "--max-rounds (--stream: --max-rounds; one of them or --eta is "
           "needed)");
  opts_flag(o, "no-omega", 0, &g->learn_omega, 0,
            "cadmm/dadmm: keep Omega = I/K (the W/O RL ablation)");
  opts_double(o, "eps", 0, &g->eps, "X", 0, HUGE_VAL,
              "cadmm/dadmm: Omega = (V'V + eps I)^(1/2) / tr(.)");
  opts_int(o, "omega-every", 0, &g->omega_every, "M", 1, INT_MAX,
           "cadmm/dadmm: recompute Omega every M rounds");

  opts_section(o, "Graph: --method dadmm|dpsgd");
  opts_choice(o, "topology", 0, &a->topology, TOPOLOGIES,
              "communication graph of the task nodes (regular = random "
              "--degree-regular, connected)");
  opts_int(o, "degree", 0, &g->degree, "D", 2, 1e6,
           "--topology regular: degree (< K, K * D even)");
  opts_u64(o, "graph-seed", 0, &g->graph_seed, "S",
           "--topology regular: seed of the random graph");
  opts_string(o, "edges", 0, &a->edges, "FILE",
              "the graph as 's t' lines (1-based nodes, '#' comments) "
              "instead of --topology");
  opts_flag(o, "async", 0, &g->async, 1,
            "asynchronous nodes: use the newest messages that have arrived "
            "(not deterministic)");
  opts_int(o, "staleness", 0, &g->staleness, "N", 0, INT_MAX,
           "--async: wait while a neighbour's newest message is more than N "
           "rounds old");

  opts_section(o, "Baselines: --method dpsgd|ogd");
  opts_double(o, "step0", 0, &g->step0, "X", 0, HUGE_VAL,
              "step gamma_t = X / sqrt(t) (> 0)");

  opts_section(o, "All methods");
  opts_flag(o, "no-normalize", 0, &g->normalize, 0,
            "do not scale every instance to unit 2-norm");
  opts_flag(o, "authors", 0, &a->authors, 1,
            "as the authors' code: predict +1 at score 0 and take a loss "
            "step only on mistakes (perceptron step)");

  opts_section(o, "Output");
  opts_string(o, "csv", 0, &a->csv, "FILE",
              "cumulative error rate per round: round,avg,round_us,task1.."
              "taskK");
  opts_int(o, "every", 0, &a->every, "N", 1, INT_MAX,
           "--csv: every N-th round (and the last)");
  opts_string(o, "plot", 0, &a->plot, "FILE.svg",
              "SVG plot of the averaged cumulative error per round");
  opts_string(o, "model", 'o', &a->model, "FILE",
              "save the final W as a model (raw scores w_k'x; mtl "
              "predict/eval)");
  opts_string(o, "omega", 0, &a->omega, "FILE",
              "cadmm/dadmm: final Omega as text, K rows of K numbers");
  opts_string(o, "omega-heatmap", 0, &a->heatmap, "FILE.svg",
              "cadmm/dadmm: SVG heatmap of the final Omega");
  opts_string(o, "write-stream", 0, &a->write_stream, "FILE",
              "DATA: also write the replayed stream as text (the --stream "
              "format, arrival order)");
  opts_flag(o, "json", 0, &a->json, 1, "print the results as JSON");
  opts_flag(o, "quiet", 'q', &cli_quiet, 1, "no diagnostics on stderr");
}

/* Checks option combinations (no data needed) and resolves the params:
 * init, preset, then the options given.  CLI_OK or CLI_USAGE. */
static int resolve(const opts *o, online_args *a) {
  a->method = (mtl_omtl_method)opts_choice_index(METHODS, a->method_name);
  a->tr = (transport_kind)opts_choice_index(TRANSPORTS, a->transport);
  int bit = 1 << a->method;
  for (size_t i = 0; i < sizeof option_methods / sizeof *option_methods; i++)
    if (opts_seen(o, option_methods[i].name) &&
        !(option_methods[i].methods & bit)) {
      char ms[64];
      methods_text(option_methods[i].methods, ms, sizeof ms);
      return cli_usage("online",
                       "--%s is an option of --method %s, not of --method %s",
                       option_methods[i].name, ms, a->method_name);
    }
  if (!a->data && !a->stream)
    return cli_usage("online", "missing the source: give DATA (a dataset) "
                               "or --stream FILE|-");
  if (a->data && a->stream)
    return cli_usage("online", "DATA and --stream are alternatives; give "
                               "one");
  if (a->stream) {
    if (a->tasks < 1 || a->rd.dim < 1)
      return cli_usage("online", "--stream needs --tasks K and --dim d (the "
                                 "stream is read as it comes, so its size is "
                                 "not known in advance)");
    if (a->write_stream)
      return cli_usage("online", "--write-stream writes a replayed DATA; "
                                 "with --stream it would copy the input");
  } else if (opts_seen(o, "tasks")) {
    return cli_usage("online", "--tasks is for --stream (DATA knows its "
                               "tasks)");
  }
  if (a->stream && opts_seen(o, "seed"))
    return cli_usage("online", "--seed orders the replay of DATA; a "
                               "--stream is read in its own order");
  if (a->edges && opts_seen(o, "topology"))
    return cli_usage("online", "--edges and --topology are alternatives");
  if ((opts_seen(o, "degree") || opts_seen(o, "graph-seed")) &&
      strcmp(a->topology, "regular") != 0)
    return cli_usage("online", "--degree and --graph-seed are for "
                               "--topology regular");
  if (opts_seen(o, "staleness") && !a->given.async)
    return cli_usage("online", "--staleness is for --async");
  if (opts_seen(o, "every") && !a->csv)
    return cli_usage("online", "--every is the stride of --csv");
  const char *outs[] = {a->csv, a->plot, a->model, a->omega, a->heatmap,
                        a->write_stream};
  for (size_t i = 0; i < sizeof outs / sizeof *outs; i++)
    if (outs[i] && strcmp(outs[i], "-") == 0)
      return cli_usage("online", "output files need a name ('-' is not "
                                 "supported: results go to standard output "
                                 "already)");

  /* init, preset, then every option given on the command line */
  mtl_omtl_params *p = &a->p, *g = &a->given;
  mtl_omtl_params_init(p);
  if (mtl_omtl_params_preset(p, a->preset) < 0)
    return cli_usage("online", "unknown --preset '%s'", a->preset);
  p->method = a->method;
#define TAKE(name, field)                                                      \
  if (opts_seen(o, name))                                                      \
  p->field = g->field
  TAKE("rho", rho);
  TAKE("lambda1", lambda1);
  TAKE("lambda2", lambda2);
  TAKE("lambda3", lambda3);
  TAKE("lambda4", lambda4);
  TAKE("eta", eta);
  TAKE("no-omega", learn_omega);
  TAKE("eps", eps);
  TAKE("omega-every", omega_every);
  TAKE("degree", degree);
  TAKE("graph-seed", graph_seed);
  TAKE("async", async);
  TAKE("staleness", staleness);
  TAKE("step0", step0);
  TAKE("no-normalize", normalize);
#undef TAKE
  p->variant = strcmp(a->variant, "paper") == 0 ? MTL_OMTL_PAPER
                                                : MTL_OMTL_EXACT;
  p->topology = (mtl_graph_kind)mtl_graph_kind_parse(a->topology);
  p->horizon = a->horizon;
  p->max_rounds = a->max_rounds;
  if (a->authors)
    p->zero_positive = p->mistake_driven = 1;
  if (!(p->rho > 0))
    return cli_usage("online", "--rho must be > 0");
  if (!(p->lambda2 > 0))
    return cli_usage("online", "--lambda2 must be > 0 (the u-step divides "
                               "by lambda2 + rho K)");
  if (!(p->step0 > 0))
    return cli_usage("online", "--step0 must be > 0");
  if (p->variant == MTL_OMTL_PAPER && !(p->lambda1 + p->lambda3 > 0))
    return cli_usage("online", "--variant paper needs lambda1 + lambda3 > 0 "
                               "(eq. (14) divides by it)");
  /* A stream's length is unknown: --max-rounds bounds it, as for DATA. */
  if (a->stream && p->horizon == 0 && p->max_rounds > 0)
    p->horizon = p->max_rounds;
  if (a->stream && (bit & B_ADMM) && p->eta == 0 && p->horizon == 0)
    return cli_usage("online", "--stream: eta = sqrt(T) needs the number of "
                               "rounds T, unknown for a stream; give "
                               "--horizon T, --max-rounds T or --eta X");
  /* The library derives eta even for the methods that do not use it (OGD
   * and D-PSGD step by step0); a stream of unknown length needs a value. */
  if (a->stream && (bit & B_STEP) && p->eta == 0 && p->horizon == 0)
    p->eta = 1;
  return transport_check(a);
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

int cmd_online(int argc, char **argv) {
  online_args a;
  memset(&a, 0, sizeof a);
  cli_read_init(&a.rd);
  mtl_omtl_params_init(&a.given);
  a.method_name = "cadmm";
  a.transport = "inproc";
  a.preset = "paper";
  a.variant = a.given.variant == MTL_OMTL_PAPER ? "paper" : "exact";
  a.topology = "ring";
  a.horizon = (int)a.given.horizon;
  a.max_rounds = (int)a.given.max_rounds;
  a.every = 1;
  a.seed = 1;

  opts o;
  opts_init(&o, "online", "[DATA] --method M [options]",
            "Online multi-task learning of binary tasks (Li et al., ADMM): "
            "round t brings the\nt-th instance of every task; the learner "
            "predicts sign(w_k'x), sees the label\nand updates.  Reports the "
            "cumulative error rate (mistakes / instances so far),\naveraged "
            "over the tasks, per round.  The source is DATA (replayed in a "
            "seeded\nrandom interleaving) or --stream.  docs/omtl.md.");
  add_opts(&o, &a);
  int rc = opts_parse(&o, argc, argv);
  if (rc != 0)
    return rc == OPTS_HELP ? CLI_OK : rc;
  if (o.npos > 1)
    return cli_usage("online", "unexpected argument '%s' (online takes one "
                               "DATA file)",
                     o.pos[1]);
  if (o.npos == 1) {
    if (a.data)
      return cli_usage("online", "DATA given twice ('%s' and --data '%s')",
                       o.pos[0], a.data);
    a.data = o.pos[0];
  }
  if ((rc = resolve(&o, &a)) != CLI_OK)
    return rc;

  mtl_dataset *ds = NULL;
  mtl_stream *s = NULL;
  mtl_graph *g = NULL;
  mtl_omtl_result res;
  memset(&res, 0, sizeof res);
  stage st;
  memset(&st, 0, sizeof st);
  int lr, mpi_started = 0;
  if (a.data) {
    if ((rc = cli_load(a.data, &a.rd, 0, &ds)) != CLI_OK)
      goto done;
    if ((lr = mtl_stream_from_dataset(ds, a.seed, &s)) < 0) {
      rc = cli_lib_error(lr, "cannot replay '%s' as a stream", a.data);
      goto done;
    }
  } else {
    const char *spath = a.stream;
    char rpath[4096];
    if (a.tr == TRANSPORT_MPI) { /* [mpi] this rank's own stream */
      if ((lr = mtl_mpi_init(NULL, NULL)) < 0) {
        rc = cli_lib_error(lr, "--transport mpi: cannot start MPI");
        goto done;
      }
      mpi_started = 1;
      a.rank = mtl_mpi_rank();
      if (a.rank != 0)
        cli_quiet = 1;
      const char *pc = strstr(a.stream, "%d");
      snprintf(rpath, sizeof rpath, "%.*s%d%s", (int)(pc - a.stream),
               a.stream, a.rank, pc + 2);
      spath = rpath;
    }
    if ((lr = mtl_stream_open_text(spath, a.tasks, a.rd.dim, &s)) < 0) {
      rc = cli_lib_error(lr, "cannot open the stream '%s'", spath);
      goto done;
    }
  }
  if (a.edges) {
    if ((lr = mtl_graph_read_edges(a.edges, mtl_stream_ntasks(s), &g)) < 0) {
      rc = cli_lib_error(lr, "cannot read the graph '%s'", a.edges);
      goto done;
    }
    a.p.graph = g;
  }
  cli_progress pc;
  cli_progress_start(&pc, "online");
  a.p.progress = progress_cb;
  a.p.progress_ctx = &pc;
  lr = online_run(&a, s, &res);
  cli_progress_done(&pc);
  a.p.progress = NULL;
  a.p.progress_ctx = NULL;
  if (lr < 0 && cli_interrupted()) {
    /* Ctrl-C: the progress callback cancelled the run, or the signal broke
     * a blocking read of the stream (EINTR, reported as a read error). */
    cli_error("interrupted; nothing was written");
    rc = CLI_INTERRUPTED;
    goto done;
  }
  if (lr < 0) {
    rc = cli_lib_error(lr, "%s on '%s' failed", a.method_name,
                       a.data ? a.data
                       : strcmp(a.stream, "-") == 0 ? "<stdin>"
                                                    : a.stream);
    goto done;
  }
  if (a.rank != 0) { /* [mpi] rank 0 alone reports and writes */
    rc = CLI_OK;
    goto done;
  }
  if (res.rounds == 0) {
    rc = CLI_FAIL;
    cli_error("'%s' holds no instance", a.data ? a.data : a.stream);
    goto done;
  }
  if ((rc = write_outputs(&a, &res, ds, &st)) != CLI_OK)
    goto done;
  if ((rc = stage_commit(&st)) != CLI_OK)
    goto done;
  summary sm;
  summarize(&a, &res, &sm);
  if (a.json)
    print_json(&a, &res, &sm);
  else
    print_text(&a, &res, &sm);
  if (fflush(stdout) != 0) {
    cli_error("cannot write to standard output: %s", strerror(errno));
    rc = CLI_FAIL;
    goto done;
  }
  rc = CLI_OK;
done:
  stage_abort(&st);
  mtl_omtl_result_clear(&res);
  mtl_stream_free(s);
  mtl_graph_free(g);
  mtl_dataset_free(ds);
  if (mpi_started)
    mtl_mpi_finalize();
  return rc;
}
