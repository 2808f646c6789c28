/*
 * main.c -- `mtl`, the libmtl command-line tool: dispatches to a command.
 */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct command {
  const char *name;
  int (*run)(int argc, char **argv);
  const char *summary;
  int graceful; /* a first Ctrl-C stops the solver and the command goes on */
} command;

static const command commands[] = {
    {"demo", cmd_demo,
     "single-task vs multi-task learning on generated data (no files needed)",
     1},
    {"train", cmd_train, "train a regularized multi-task model on a dataset",
     1},
    {"predict", cmd_predict, "write a model's predictions as CSV", 0},
    {"eval", cmd_eval, "per-task and mean metrics of a model on a dataset", 0},
    {"cv", cmd_cv, "choose lambda by k-fold cross-validation", 1},
    {"gen", cmd_gen, "generate a synthetic multi-task dataset", 0},
    {"graph", cmd_graph,
     "transfer graph B of an asymmetric model as DOT (and PNG) and CSV", 0},
    {"signs", cmd_signs,
     "per-feature sign pattern of a model across tasks, disagreeing pairs", 0},
    {"online", cmd_online,
     "online multi-task learning on a stream (C-ADMM, D-ADMM, baselines)", 1},
    {"keygen", cmd_keygen, "write a CURVE key pair for --transport zmq", 0},
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

/* Runs the command line; main() then checks that standard output took it. */
static int run(int argc, char **argv) {
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
      cli_signals_install(commands[i].graceful);
      return commands[i].run(argc - 2, argv + 2);
    }
  if (cmd[0] == '-')
    cli_error("unknown option '%s' (options go after the command)", cmd);
  else
    cli_error("unknown command '%s'", cmd);
  fprintf(stderr, "       (see 'mtl --help' for the commands)\n");
  return CLI_USAGE;
}

/* Every result goes to stdout: a write that failed there (a full disk,
 * /dev/full, a closed pipe) fails the command, which would otherwise exit 0
 * with its results lost.  An error already reported keeps its status. */
static int check_stdout(int rc) {
  errno = 0;
  int bad = fflush(stdout) != 0 || ferror(stdout);
  if (!bad || rc != CLI_OK)
    return rc;
  cli_error("cannot write to standard output: %s",
            errno ? strerror(errno) : "a write failed");
  return CLI_FAIL;
}

int main(int argc, char **argv) {
  blas_core(argc, argv);
  return check_stdout(run(argc, argv));
}
