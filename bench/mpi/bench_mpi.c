/*
 * bench_mpi.c -- AMTL vs SMTL as MPI programs (mtl_fit on the MPI
 * transport) next to the same methods on threads (mtl_fit, NULL
 * transport), time to a target objective.  Built and run by
 * bench/mpi/run.sh (mpicc against libmtl-mpi.a), on the loopback or with
 * the task ranks behind netlab's delayed link.
 *
 *   mpirun -np P+1 bench_mpi [T d n straggler_ms label]
 *
 * Every rank generates the same synthetic low-rank problem (seeded) and
 * keeps only the tasks it owns (rank r: t % P == r - 1), as if it had read
 * its own part of the file; rank 0 holds no data.  Rank 0 computes the
 * certified optimum f* first (the batch method), then for SMTL and AMTL:
 * the time at which the objective trace first reaches f* (1 + 1e-4) (the
 * trace is the server's snapshots of V, evaluated afterwards by the
 * nodes: the check runs before any time is reported), updates per second
 * per node, and the payload bytes per update (one COL message down,
 * 4 + 2d doubles, one UPD up, 6 + d doubles).  The threads runs (rank 0
 * alone, P node threads) are measured in the same job before the MPI
 * runs.  straggler_ms > 0 delays every send of node 1 by that much
 * (parameter node_delay_ms).
 */
#include "mtl_mpi.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The first time (column 0) at which the trace's objective (column 2)
 * is <= target; NaN when never. */
static double time_to(const mtl_fit_info *in, double target) {
  int rows = 0, cols = 0;
  const char *h = NULL;
  const double *t = NULL;
  if (mtl_fit_info_trace(in, &rows, &cols, &h, &t) < 0 || cols != 3)
    return NAN;
  for (int i = 0; i < rows; i++)
    if (t[i * 3 + 2] <= target)
      return t[i * 3];
  return NAN;
}

static void report(const char *label, const char *where, const char *mode,
                   const mtl_model *m, const mtl_fit_info *in, double fopt,
                   int d) {
  double target = fopt * (1 + 1e-4), sec = mtl_fit_info_number(in, "seconds");
  double tt = time_to(in, target);
  int r = 0, K = 0;
  const double *nu = mtl_model_get_matrix(m, "node_updates", &r, &K);
  double per_node = 0, minu = 1e300, maxu = 0;
  for (int k = 0; nu && k < K; k++) {
    per_node += nu[k] / K;
    double u = nu[k] / sec;
    minu = u < minu ? u : minu;
    maxu = u > maxu ? u : maxu;
  }
  double f = mtl_fit_info_number(in, "objective");
  printf("| %s | %s | %s | %.4f | %s%.3f | %.0f | %.1f (%.1f-%.1f) | %d | "
         "%.2e |\n",
         label, where, mode, sec, isnan(tt) ? "not reached, " : "",
         isnan(tt) ? sec : tt, mtl_fit_info_number(in, "updates"),
         sec > 0 ? per_node / sec : 0, minu, maxu, (10 + 3 * d) * 8,
         (f - fopt) / fabs(fopt));
  fflush(stdout);
}

/* The parameters of one run: trace norm 0.2, ridge 0.01, no scaling. */
static mtl_params *params(const char *method, const char *more) {
  mtl_params *p = mtl_params_create(method);
  const char *sets[][2] = {{"reg", "trace"}, {"lambda", "0.2"},
                           {"ridge", "0.01"}, {"standardize", "0"},
                           {"bias", "0"}};
  for (int i = 0; p && i < 5; i++)
    if (mtl_params_set(p, sets[i][0], sets[i][1]) < 0)
      return NULL;
  char buf[512], *save = NULL;
  snprintf(buf, sizeof buf, "%s", more);
  for (char *kv = strtok_r(buf, ";", &save); p && kv;
       kv = strtok_r(NULL, ";", &save)) {
    char *eq = strchr(kv, '=');
    if (!eq)
      return NULL;
    *eq = 0;
    if (mtl_params_set(p, kv, eq + 1) < 0)
      return NULL;
  }
  return p;
}

/* One fit of mode 0 (SMTL) / 1 (AMTL) on transport t; rank 0 reports. */
static int run(const mtl_dataset *data, const mtl_transport *t, int mode,
               int P, double strag, const char *label, const char *where,
               double fopt, int d, int T) {
  char more[600], nd[300] = "";
  if (strag > 0) { /* node 1 a straggler, the others undelayed */
    int n = snprintf(nd, sizeof nd, ";node_delay_ms=%g", strag);
    for (int r = 1; r < P && n < (int)sizeof nd - 3; r++)
      n += snprintf(nd + n, sizeof nd - (size_t)n, ",0");
  }
  snprintf(more, sizeof more,
           "max_iter=%d;tol=1e-8;tau_adapt=0;record_every=%d;trace=1;"
           "nodes=%d%s",
           mode ? 200000 : 3000, T, P, nd);
  mtl_params *p = params(mode ? "async" : "smtl", more);
  mtl_model *m = NULL;
  mtl_fit_info *in = NULL;
  int st = p ? mtl_fit(data, p, t, &m, &in) : MTL_EINVAL;
  if (st < 0) {
    fprintf(stderr, "%s %s: %s\n", where, mode ? "AMTL" : "SMTL",
            mtl_last_error());
  } else if (m) {
    report(label, where, mode ? "AMTL" : "SMTL", m, in, fopt, d);
  }
  mtl_model_free(m);
  mtl_fit_info_free(in);
  mtl_params_free(p);
  return st < 0 ? 1 : 0;
}

int main(int argc, char **argv) {
  if (mtl_mpi_init(&argc, &argv) < 0) {
    fprintf(stderr, "bench_mpi: %s\n", mtl_last_error());
    return 1;
  }
  int rank = mtl_mpi_rank(), size = mtl_mpi_size(), P = size - 1;
  int T = argc > 1 ? atoi(argv[1]) : 8, d = argc > 2 ? atoi(argv[2]) : 20;
  int n = argc > 3 ? atoi(argv[3]) : 50;
  double strag = argc > 4 ? atof(argv[4]) : 0;
  const char *label = argc > 5 ? argv[5] : "loopback";
  mtl_gen_params g;
  mtl_gen_params_init(&g);
  g.kind = MTL_GEN_LOWRANK;
  g.T = T;
  g.d = d;
  g.n = n;
  g.rank = 3;
  g.noise = 0.3;
  g.seed = 5;
  mtl_dataset *ds = NULL, *local = NULL;
  if (mtl_generate(&g, &ds, NULL) < 0)
    return 1;
  int *ids = malloc((size_t)T * sizeof(int)), K = 0;
  if (rank > 0) {
    for (int t = rank - 1; t < T; t += P)
      ids[K++] = t;
    mtl_dataset_select_tasks(ds, ids, K, &local);
  }
  free(ids);
  double fopt = 0;
  if (rank == 0) { /* the certified optimum of the same problem */
    mtl_params *p = params("batch", "tol_gap=1e-13;max_iter=100000");
    mtl_model *m = NULL;
    mtl_fit_info *in = NULL;
    if (!p || mtl_fit(ds, p, NULL, &m, &in) < 0) {
      fprintf(stderr, "batch: %s\n", mtl_last_error());
      return 1;
    }
    fopt = mtl_fit_info_number(in, "objective");
    mtl_model_free(m);
    mtl_fit_info_free(in);
    mtl_params_free(p);
    printf("# T = %d, d = %d, n = %d, P = %d task ranks, straggler %.0f ms, "
           "f* = %.12g (batch, certified)\n",
           T, d, n, P, strag, fopt);
    printf("| setting | transport | method | seconds | time to f*(1+1e-4) "
           "| updates | updates/s per node (min-max) | bytes/update | final "
           "rel. gap |\n|---|---|---|---|---|---|---|---|---|\n");
    for (int mode = 0; mode < 2; mode++)
      if (run(ds, NULL, mode, P, strag, label, "threads", fopt, d, T))
        return 1;
  }
  mtl_transport *tr = NULL;
  if (mtl_transport_mpi(&tr) < 0) {
    fprintf(stderr, "rank %d: %s\n", rank, mtl_last_error());
    return 1;
  }
  for (int mode = 0; mode < 2; mode++)
    if (run(local, tr, mode, P, strag, label, "MPI", fopt, d, T))
      return 1;
  mtl_transport_free(tr);
  mtl_dataset_free(local);
  mtl_dataset_free(ds);
  mtl_mpi_finalize();
  return 0;
}
