/*
 * train.h -- private to `mtl train`: its arguments, the train/test parts,
 * the methods (--method) and the report shared by their runners
 * (cmd_train.c parses and runs the batch core, train_methods.c the others).
 */
#ifndef MTL_CLI_TRAIN_H
#define MTL_CLI_TRAIN_H

#include "cli.h"
#include "mtl_mpi.h"

/* --method values.  Each method is one bit so that an option can list the
 * methods it belongs to (see cmd_train.c's option_methods). */
typedef enum {
  M_BATCH = 1 << 0,
  M_ASYNC = 1 << 1,
  M_SMTL = 1 << 2,
  M_SRML = 1 << 3,
  M_SSML = 1 << 4,
  M_ASYM = 1 << 5,
  M_ASYM_CURRICULUM = 1 << 6,
  M_ASYM_NOLOSS = 1 << 7,
  M_ASYM_SYMMETRIC = 1 << 8,
  M_CURRICULUM_SIMPLE = 1 << 9,
  M_GOMTL = 1 << 10
} train_method;

#define M_ASYNCS (M_ASYNC | M_SMTL)
#define M_SRMLS (M_SRML | M_SSML)
#define M_ASYMS                                                                \
  (M_ASYM | M_ASYM_CURRICULUM | M_ASYM_NOLOSS | M_ASYM_SYMMETRIC |           \
   M_CURRICULUM_SIMPLE)
#define M_ALL 0x7ff

typedef struct train_args {
  cli_read rd;
  cli_fit fit;
  const char *method_name; /* as given (amtl kept for messages) */
  train_method method;
  const char *test, *split_file, *var_train, *var_test;
  const char *model, *trace, *lambdas, *nodes_csv;
  double split, ratio;
  uint64_t seed;
  int path_n, json;
  int scaling_seen; /* --scaling given (else a method-dependent default) */
  double *grid; /* --lambdas, parsed */
  int ngrid;
  /* method options (defaults filled per method after parsing) */
  mtl_async_params ap;
  mtl_srml_params sp;
  const char *sign_graph, *omega;
  double c;
  mtl_asym_params asp;
  mtl_gomtl_params gp;
  /* --transport mpi (async/smtl): MPI run, checkpoints, resume [mpi] */
  const char *transport, *checkpoint, *resume, *rank_map;
  int checkpoint_every;
} train_args;

/* Train and test parts of the data, whichever way they were obtained. */
typedef struct parts {
  mtl_dataset *all, *train, *test; /* train/test may alias all (no split) */
  const char *how;                 /* description of the test part */
} parts;

/* The method-specific part of a report, filled by a runner: text lines for
 * the human report and `, "key": value` JSON members (both memory streams). */
typedef struct report {
  FILE *text, *json;
  char *tbuf, *jbuf;
  size_t tlen, jlen;
} report;

/* --method NAME (canonical) of a method bit. */
const char *train_method_name(train_method m);

/* "data:" and "train/test:" lines. */
void train_print_data(FILE *f, const char *path, const parts *p);
/* Number of rows 0..d_in-1 of W (d x T) with a non-zero entry. */
int train_used_features(const double *W, int d, int T, int d_in);

/* Runners of the non-batch methods: fit on p->train, build and save the
 * model, print the report.  CLI_OK, CLI_FAIL or CLI_INTERRUPTED. */
int train_async(train_args *a, const char *path, parts *p);
/* --method async|smtl --transport mpi, under mpirun: every rank reads only
 * its own tasks of path (rank 0, the server, none); rank 0 saves the model
 * and prints the report. */
int train_async_mpi(train_args *a, const char *path);
int train_srml(train_args *a, const char *path, parts *p);
int train_asym(train_args *a, const char *path, parts *p);
int train_gomtl(train_args *a, const char *path, parts *p);

#endif /* MTL_CLI_TRAIN_H */
