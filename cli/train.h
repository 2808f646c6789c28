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
  struct { /* --transport zmq (train_zmq.c) */
    const char *role, *bind, *connect, *key, *server_key, *sites;
    const char *on_loss;
    double wait, absent, replay_cap_mb;
  } zq;
} train_args;

/* Train and test parts of the data, whichever way they were obtained. */
typedef struct parts {
  mtl_dataset *all, *train, *test; /* train may alias all (no split); all
                                      is freed once split, train once a
                                      fit has taken it */
  const char *how;                 /* description of the test part */
  int T, d, kinds;                 /* of all the data, kept for the report */
  int shared_n;                    /* > 0: one design of shared_n rows */
  int64_t N, N_train;
  int ranks;                       /* > 0: MPI, each rank read only its own
                                      tasks (how says so) */
  const char *transport;           /* with ranks: "zmq" (NULL: "mpi") */
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
/* What every process transport needs: a distributed method, no test
 * part.  CLI_OK or a usage error naming --transport NAME. */
int train_dist_check(const train_args *a, const char *name);
/* This rank's tasks of DATA (the method's layout); NULL for a server. */
int train_read_mine(const train_args *a, const char *path, int rank,
                    int size, mtl_dataset **local);

/* The ZeroMQ options and runner (train_zmq.c). */
void train_zmq_opts(opts *o, train_args *a);
int train_zmq_wanted(const train_args *a);
int train_zmq(train_args *a, const char *path);

#endif /* MTL_CLI_TRAIN_H */
