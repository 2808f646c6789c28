/*
 * main.c -- `mtl`, the libmtl command-line tool: dispatches to a command.
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct command {
  const char *name;
  int (*run)(int argc, char **argv);
  const char *summary;
} command;

static const command commands[] = {
    {"demo", cmd_demo,
     "single-task vs multi-task learning on generated data (no files needed)"},
    {"train", cmd_train, "train a regularized multi-task model on a dataset"},
    {"predict", cmd_predict, "write a model's predictions as CSV"},
    {"eval", cmd_eval, "per-task and mean metrics of a model on a dataset"},
    {"cv", cmd_cv, "choose lambda by k-fold cross-validation"},
    {"gen", cmd_gen, "generate a synthetic multi-task dataset"},
    {"graph", cmd_graph,
     "transfer graph B of an asymmetric model as DOT (and PNG) and CSV"},
    {"signs", cmd_signs,
     "per-feature sign pattern of a model across tasks, disagreeing pairs"},
    {"online", cmd_online,
     "online multi-task learning on a stream (C-ADMM, D-ADMM, baselines)"},
};

static void usage(FILE *f) {
  fprintf(f, "usage: mtl COMMAND [options]   (mtl COMMAND --help for its "
             "options)\n\nCommands:\n");
  for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
    fprintf(f, "  %-8s  %s\n", commands[i].name, commands[i].summary);
  fprintf(f, "\nOther:\n  mtl --version   print the version\n"
             "  mtl --help      this text\n\n"
             "Start with 'mtl demo'.  Exit status: 0 ok, 1 data or runtime "
             "error, 2 usage error.\n");
}

/* OpenBLAS picks its kernels when it is loaded, from OPENBLAS_CORETYPE;
 * Debian 12's OpenBLAS (0.3.21) does not know recent CPUs and loads its
 * generic kernels, 2-5x slower than the ones this CPU runs (README, "BLAS";
 * bench/run_blas.sh).  When libmtl says so, mtl re-executes itself once
 * with the variable set (it is then set, so there is no second time).  The
 * exec keeps the process id, arguments, open files and environment, so it
 * is safe under mpirun too (as a wrapper script's exec is), and every rank
 * runs the kernels an in-process run would.  Should the exec fail, a
 * one-line notice says what to set.  Setting OPENBLAS_CORETYPE yourself
 * (to any core) turns this off. */
static void blas_core(int argc, char **argv) {
  const char *core = mtl_blas_suggested_core();
  if (!core)
    return;
  if (setenv("OPENBLAS_CORETYPE", core, 1) == 0) {
    execv("/proc/self/exe", argv);
    unsetenv("OPENBLAS_CORETYPE"); /* the exec failed: go on as we are */
  }
  int quiet = 0;
  for (int k = 1; k < argc; k++)
    quiet |= !strcmp(argv[k], "-q") || !strcmp(argv[k], "--quiet");
  if (!quiet)
    fprintf(stderr, "mtl: note: OpenBLAS runs kernels for an older CPU on "
                    "this one; set OPENBLAS_CORETYPE=%s for 2-5x faster "
                    "linear algebra\n",
            core);
}

int main(int argc, char **argv) {
  blas_core(argc, argv);
  if (argc < 2) {
    usage(stderr);
    return CLI_USAGE;
  }
  const char *cmd = argv[1];
  if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 ||
      strcmp(cmd, "help") == 0) {
    usage(stdout);
    return CLI_OK;
  }
  if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0 ||
      strcmp(cmd, "version") == 0) {
    printf("mtl %s (libmtl %s)\nBLAS: %s\n", MTL_VERSION_STRING,
           mtl_version(), mtl_blas_name());
    return CLI_OK;
  }
  for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
    if (strcmp(cmd, commands[i].name) == 0) {
      cli_signals_install();
      return commands[i].run(argc - 2, argv + 2);
    }
  if (cmd[0] == '-')
    cli_error("unknown option '%s' (options go after the command)", cmd);
  else
    cli_error("unknown command '%s'", cmd);
  fprintf(stderr, "       (see 'mtl --help' for the commands)\n");
  return CLI_USAGE;
}
