/*
 * online.h -- private to `mtl online`: its arguments, method bits and
 * transports; the options and their resolution (online_opts.c) used by the
 * command, which runs and reports (cmd_online.c).
 */
#ifndef MTL_CLI_ONLINE_H
#define MTL_CLI_ONLINE_H

#include "cli.h"

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

/* Parses the command line into a (defaults, options, DATA argument) and
 * resolves the params: init, preset, then the options given.  Sets *stop
 * when the command ends here with the returned code (help, usage error). */
int online_parse(online_args *a, int argc, char **argv, int *stop);

#endif /* MTL_CLI_ONLINE_H */
