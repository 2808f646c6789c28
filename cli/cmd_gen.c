/*
 * cmd_gen.c -- `mtl gen`: a synthetic multi-task dataset in the text format,
 * and optionally the true W as CSV.
 */
#include "cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define GEN_KINDS "sparse|lowrank|clustered|mean"
static const int gen_kind_val[] = {MTL_GEN_SPARSE, MTL_GEN_LOWRANK,
                                   MTL_GEN_CLUSTERED, MTL_GEN_MEAN};
static const char *const gen_kind_name[] = {"sparse", "lowrank", "clustered",
                                            "mean"};

/* Writes W (d x T column-major) as d CSV lines of T values into an open
 * output (feature j on line j, task t in column t). */
static void write_w(FILE *f, const double *W, int d, int T) {
  for (int j = 0; j < d; j++)
    for (int t = 0; t < T; t++)
      fprintf(f, "%.17g%c", W[(size_t)t * (size_t)d + (size_t)j],
              t + 1 < T ? ',' : '\n');
}

typedef struct gen_args {
  mtl_gen_params gp;
  const char *kind, *output, *w_out;
} gen_args;

/* The options of `mtl gen`, bound to a. */
static void gen_opts(opts *o, gen_args *a) {
  mtl_gen_params *gp = &a->gp;
  opts_init(o, "gen", "-o FILE [options]",
            "Generates T related tasks with a known structure and writes them "
            "in the text\nformat ('task label idx:val ...').  sparse: a "
            "support of s features shared by\nall tasks (L2,1 ground truth); "
            "lowrank: W = U V' of rank r (trace norm);\nclustered: tasks in "
            "k clusters; mean: w_t = w0 + small deviation.");
  opts_section(o, "Structure");
  opts_choice(o, "kind", 0, &a->kind, GEN_KINDS, "structure shared by tasks");
  opts_int(o, "tasks", 'T', &gp->T, "T", 1, 1e6, "number of tasks");
  opts_int(o, "dim", 'd', &gp->d, "D", 1, 1e7, "number of features");
  opts_int(o, "samples", 'n', &gp->n, "N", 1, 1e8, "samples per task");
  opts_int(o, "n-min", 0, &gp->n_min, "N", 0, 1e8,
           "if > 0, task sizes uniform in [n-min, n]");
  opts_int(o, "support", 's', &gp->support, "S", 1, 1e7,
           "sparse: nonzero features");
  opts_int(o, "rank", 'r', &gp->rank, "R", 1, 1e6, "lowrank: rank of W");
  opts_int(o, "clusters", 0, &gp->clusters, "K", 1, 1e6,
           "clustered: number of clusters");
  opts_double(o, "noise", 0, &gp->noise, "X", 0, HUGE_VAL,
              "std of the additive Gaussian noise");
  opts_double(o, "deviation", 0, &gp->deviation, "X", 0, HUGE_VAL,
              "task deviation from the shared structure");
  opts_flag(o, "classification", 0, &gp->classification, 1,
            "labels sign(x'w + noise) in -1/+1 instead of real targets");
  opts_flag(o, "sparse-x", 0, &gp->sparse_x, 1,
            "sparse features (CSR) with density --density");
  opts_double(o, "density", 0, &gp->density, "X", 0, 1,
              "--sparse-x: fraction of nonzero features");
  opts_flag(o, "shared", 0, &gp->shared_design, 1,
            "one X shared by all tasks (multi-output)");
  opts_u64(o, "seed", 0, &gp->seed, "S", "random seed");
  opts_section(o, "Output");
  opts_string(o, "output", 'o', &a->output, "FILE",
              "dataset file (text format), required; - for stdout");
  opts_string(o, "w-out", 0, &a->w_out, "FILE",
              "write the true W as CSV: D lines (features) of T values "
              "(tasks)");
  opts_flag(o, "quiet", 'q', &cli_quiet, 1, "no diagnostics on stderr");
}

/* Parses and checks the options into a; *stop when cmd_gen returns the
 * result. */
static int gen_options(gen_args *a, int argc, char **argv, int *stop) {
  mtl_gen_params *gp = &a->gp;
  opts o;
  *stop = 1;
  gen_opts(&o, a);
  int rc = opts_parse(&o, argc, argv);
  if (rc != 0)
    return rc == OPTS_HELP ? CLI_OK : rc;
  if (o.npos > 0)
    return cli_usage("gen", "unexpected argument '%s'", o.pos[0]);
  if (!a->output)
    return cli_usage("gen", "missing -o FILE (where to write the dataset)");
  gp->kind =
      (mtl_gen_kind)gen_kind_val[opts_choice_index(GEN_KINDS, a->kind)];
  if (gp->support > gp->d && !opts_seen(&o, "support"))
    gp->support = gp->d; /* the default support does not fit a small d */
  if (gp->kind == MTL_GEN_SPARSE && gp->support > gp->d)
    return cli_usage("gen", "--support %d exceeds --dim %d", gp->support,
                     gp->d);
  if (gp->n_min > gp->n)
    return cli_usage("gen", "--n-min %d exceeds --samples %d", gp->n_min,
                     gp->n);
  if (opts_seen(&o, "density") && !gp->sparse_x)
    return cli_usage("gen", "--density needs --sparse-x");
  if (gp->sparse_x && !(gp->density > 0))
    return cli_usage("gen", "--density must be > 0");
  *stop = 0;
  return CLI_OK;
}

int cmd_gen(int argc, char **argv) {
  gen_args a = {.output = NULL, .w_out = NULL};
  mtl_gen_params *gp = &a.gp;
  mtl_gen_params_init(gp);
  a.kind = gen_kind_name[0];
  for (int i = 0; i < 4; i++)
    if (gen_kind_val[i] == (int)gp->kind)
      a.kind = gen_kind_name[i];
  int stop;
  int rc = gen_options(&a, argc, argv, &stop);
  if (stop)
    return rc;
  const char *output = a.output, *w_out = a.w_out;

  mtl_dataset *ds = NULL;
  double *W = NULL;
  cli_out wout;
  memset(&wout, 0, sizeof wout);
  rc = CLI_FAIL;
  int r = mtl_generate(gp, &ds, w_out ? &W : NULL);
  if (r < 0) {
    rc = cli_lib_error(r, "cannot generate the dataset");
    goto done;
  }
  /* W goes to a temporary file first, renamed only once the dataset is
   * written, so that a failure leaves neither file half-done. */
  if (w_out) {
    if (cli_out_open(&wout, w_out) != CLI_OK)
      goto done;
    write_w(wout.f, W, gp->d, gp->T);
  }
  r = mtl_dataset_write_text(ds, output);
  if (r < 0) {
    rc = cli_lib_error(r, "cannot write '%s'", output);
    goto done;
  }
  if (w_out && cli_out_commit(&wout) != CLI_OK)
    goto done;
  /* With -o - the dataset is on stdout: the summary goes to stderr. */
  int on_stdout = !strcmp(output, "-") || !strcmp(output, "/dev/stdout") ||
                  !strcmp(output, "/dev/fd/1");
  FILE *say = on_stdout ? stderr : stdout;
  if (say == stdout || !cli_quiet) {
    fprintf(say, "wrote %s: %s, %d task%s, %lld samples, %d features, %s\n",
            output, a.kind, mtl_dataset_ntasks(ds),
            CLI_S(mtl_dataset_ntasks(ds)),
            (long long)mtl_dataset_total_n(ds), mtl_dataset_dim(ds),
            gp->classification ? "classification" : "regression");
    if (w_out)
      fprintf(say, "wrote %s: true W, %d x %d\n", w_out, gp->d, gp->T);
  }
  rc = CLI_OK;
done:
  cli_out_abort(&wout);
  mtl_free(W);
  mtl_dataset_free(ds);
  return rc;
}
