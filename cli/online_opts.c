/*
 * online_opts.c -- the options of `mtl online` and their resolution: which
 * options belong to which method, the combinations refused, the params
 * from the preset and the options given, and the transport's demands.
 */
#include "online.h"
#include "mtl_mpi.h"

#include <limits.h>
#include <math.h>
#include <string.h>

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

static opt *find_opt(opts *o, const char *name) {
  for (int i = 0; i < o->n; i++)
    if (o->v[i].type != OPT_SECTION && strcmp(o->v[i].name, name) == 0)
      return &o->v[i];
  return NULL;
}

/* The demands of --transport and of the checkpoints (the run itself is
 * mtl_omtl_run on the chosen transport, in cmd_online.c): threads need
 * nothing; mpi runs cadmm (a server and one process per task), dadmm or
 * dpsgd (one process per task), each reading its own task's stream. */
static int transport_check(const online_args *a) {
  if ((a->checkpoint || a->resume) && a->method != MTL_OMTL_CADMM &&
      a->method != MTL_OMTL_DADMM)
    return cli_usage("online", "--checkpoint/--resume are options of "
                               "cadmm and dadmm, not %s",
                     a->method_name);
  if ((a->checkpoint || a->resume) && a->p.async)
    return cli_usage("online", "--checkpoint/--resume need the "
                               "round-synchronous mode (no --async)");
  if (a->tr != TRANSPORT_MPI)
    return CLI_OK;
  if (!mtl_mpi_available())
    return cli_usage("online", "--transport mpi: this mtl was built without "
                               "MPI support (rebuild with -DMTL_WITH_MPI=ON; "
                               "use --transport inproc)");
  if (a->method != MTL_OMTL_DADMM && a->method != MTL_OMTL_CADMM &&
      a->method != MTL_OMTL_DPSGD)
    return cli_usage("online", "--transport mpi runs cadmm, dadmm and dpsgd "
                               "(one process per task; cadmm also a "
                               "server), not %s",
                     a->method_name);
  if (!a->stream || !strstr(a->stream, "%d"))
    return cli_usage("online", "--transport mpi: give each rank its own "
                               "task's stream, --stream FILE with %%d "
                               "standing for the task (0-based), e.g. "
                               "task%%d.txt; a rank reads nothing else");
  if (a->stream && a->p.max_rounds == 0)
    return cli_usage("online", "--transport mpi: give --max-rounds N, the "
                               "round count every rank runs (a stream's "
                               "length is unknown in advance)");
  return CLI_OK;
}

/* Method, transport and the MPI checkpoints. */
static void add_method_opts(opts *o, online_args *a) {
  opts_section(o, "Method");
  opts_choice(o, "method", 0, &a->method_name, METHODS,
              "cadmm = centralized ADMM (server + task nodes), dadmm = "
              "decentralized ADMM on a graph, single = the same ADMM per task "
              "alone, dpsgd = decentralized parallel SGD (consensus), ogd = "
              "online gradient descent per task");
  opts_choice(o, "transport", 0, &a->transport, TRANSPORTS,
              "inproc = threads of this process; mpi = one process per "
              "task under mpirun (cadmm: and a server, rank 0; dadmm, "
              "dpsgd; docs/mpi.md)");
  opts_string(o, "checkpoint", 0, &a->checkpoint, "FILE",
              "cadmm, dadmm (round-synchronous): rank 0 writes the run's "
              "state to FILE every --checkpoint-every rounds (mpi: and the "
              "rank-to-tasks map to FILE.ranks)");
  opts_int(o, "checkpoint-every", 0, &a->checkpoint_every, "N", 1, INT_MAX,
           "rounds between checkpoints");
  opts_string(o, "resume", 0, &a->resume, "FILE",
              "continue from this checkpoint (same streams, options and "
              "transport): the same predictions as an uninterrupted run");

}

/* The source: DATA or --stream. */
static void add_source_opts(opts *o, online_args *a) {
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
}

/* ADMM parameters; the graph. */
static void add_admm_opts(opts *o, online_args *a) {
  mtl_omtl_params *g = &a->given;
  opts_section(o, "ADMM: --method cadmm|dadmm|single");
  opts_choice(o, "preset", 0, &a->preset, "paper|code|authors",
              "parameter set: paper = rho 0.1, lambda2 0.1, lambda1,3,4 "
              "0.01, eta sqrt(T); code = the authors' C-ADMM script's "
              "values rho 0.5, eta 240, lambda2 20, lambda1,3,4 0.1; "
              "authors = code and the script's whole protocol: --variant "
              "paper --no-normalize --authors --seed 0 (add --eps 0 for "
              "its pseudo-inverse of Omega); the options below override "
              "it");
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
              "cadmm/dadmm: Omega = (V'V + eps I)^(1/2) / tr(.); "
              "paper variant: 0 = Omega's pseudo-inverse");
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
}

/* Baselines, all methods, outputs. */
static void add_output_opts(opts *o, online_args *a) {
  mtl_omtl_params *g = &a->given;
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

static void add_opts(opts *o, online_args *a) {
  add_method_opts(o, a);
  add_source_opts(o, a);
  add_admm_opts(o, a);
  add_output_opts(o, a);
}

/* Option combinations that need no data.  CLI_OK or CLI_USAGE. */
static int check_combinations(const opts *o, online_args *a) {
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
  return CLI_OK;
}

/* The params: init, preset, then every option given on the command line.
 * CLI_OK or CLI_USAGE. */
static int resolve_params(const opts *o, online_args *a) {
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
  if (opts_seen(o, "variant"))
    p->variant = strcmp(a->variant, "paper") == 0 ? MTL_OMTL_PAPER
                                                  : MTL_OMTL_EXACT;
  /* The authors' script replays the stored order. */
  if (strcmp(a->preset, "authors") == 0 && !opts_seen(o, "seed"))
    a->seed = 0;
  p->topology = (mtl_graph_kind)mtl_graph_kind_parse(a->topology);
  p->horizon = a->horizon;
  p->max_rounds = a->max_rounds;
  if (a->authors)
    p->zero_positive = p->mistake_driven = 1;
  return CLI_OK;
}

/* The params' values and what a stream needs; then the transport. */
static int check_params(online_args *a) {
  mtl_omtl_params *p = &a->p;
  int bit = 1 << a->method;
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

/* Checks option combinations (no data needed) and resolves the params:
 * init, preset, then the options given.  CLI_OK or CLI_USAGE. */
static int resolve(const opts *o, online_args *a) {
  int rc = check_combinations(o, a);
  if (rc == CLI_OK)
    rc = resolve_params(o, a);
  return rc == CLI_OK ? check_params(a) : rc;
}

int online_parse(online_args *a, int argc, char **argv, int *stop) {
  *stop = 1;
  memset(a, 0, sizeof *a);
  cli_read_init(&a->rd);
  mtl_omtl_params_init(&a->given);
  a->method_name = "cadmm";
  a->transport = "inproc";
  a->preset = "paper";
  a->variant = a->given.variant == MTL_OMTL_PAPER ? "paper" : "exact";
  a->topology = "ring";
  a->horizon = (int)a->given.horizon;
  a->max_rounds = (int)a->given.max_rounds;
  a->every = 1;
  a->seed = 1;

  opts o;
  opts_init(&o, "online", "[DATA] --method M [options]",
            "Online multi-task learning of binary tasks (Li et al., ADMM): "
            "round t brings the\nt-th instance of every task; the learner "
            "predicts sign(w_k'x), sees the label\nand updates.  Reports the "
            "cumulative error rate (mistakes / instances so far),\naveraged "
            "over the tasks, per round.  The source is DATA (replayed in a "
            "seeded\nrandom interleaving) or --stream.  docs/omtl.md.");
  add_opts(&o, a);
  int rc = opts_parse(&o, argc, argv);
  if (rc != 0)
    return rc == OPTS_HELP ? CLI_OK : rc;
  if (o.npos > 1)
    return cli_usage("online", "unexpected argument '%s' (online takes one "
                               "DATA file)",
                     o.pos[1]);
  if (o.npos == 1) {
    if (a->data)
      return cli_usage("online", "DATA given twice ('%s' and --data '%s')",
                       o.pos[0], a->data);
    a->data = o.pos[0];
  }
  if ((rc = resolve(&o, a)) != CLI_OK)
    return rc;
  *stop = 0;
  return CLI_OK;
}
