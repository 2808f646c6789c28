/*
 * train.h -- private to `mtl train`: its arguments and the train/test
 * parts (cmd_train.c), and the MPI runner (train_mpi.c).
 */
#ifndef MTL_CLI_TRAIN_H
#define MTL_CLI_TRAIN_H

#include "fitrun.h"
#include "mtl_mpi.h"

typedef struct train_args {
  cli_read rd;
  fitrun fr; /* method, parameters, grid */
  const char *test, *split_file, *var_train, *var_test;
  const char *model, *trace, *nodes_csv;
  double split, val;
  int json, save_anyway;
  /* --transport mpi (the distributed methods); the checkpoints and the
   * rank map are method parameters */
  const char *transport;
} train_args;

/* Train and test parts of the data, whichever way they were obtained. */
typedef struct parts {
  mtl_dataset *all, *train, *test; /* train may alias all (no split); all
                                      is freed once split, train once a
                                      fit has taken it */
  const char *how;                 /* description of the test part */
  int T, d, kinds;                 /* of all the data, kept for the report */
  int64_t N, N_train;
  int ranks;                       /* > 0: MPI, each rank read only its own
                                      tasks (how says so) */
} parts;

/* "data:" and "train/test:" lines. */
void train_print_data(FILE *f, const char *path, const parts *p);
/* One fitted model: test metrics, the save, the files, the report (text
 * or JSON) -- the same for every method and transport.  CLI_* code. */
int train_finish(train_args *a, const char *path, parts *p,
                 mtl_params *prm, mtl_model *m, const mtl_fit_info *in);

/* The MPI options and runner (train_mpi.c). */
void train_mpi_init(train_args *a);
void train_mpi_opts(opts *o, train_args *a);
/* 1 if an MPI option was given. */
int train_mpi_wanted(const opts *o, const train_args *a);
/* Checks the MPI combination and runs under mpirun.  CLI_* code. */
int train_mpi(const opts *o, train_args *a, const char *path);

#endif /* MTL_CLI_TRAIN_H */
