/*
 * bench_mpi.c -- AMTL vs SMTL as MPI programs (mtl_async_fit_mpi) next to
 * the in-process runs (mtl_async_fit), time to a target objective.  Built
 * and run by bench/mpi/run.sh (mpicc against libmtl-mpi.a), on the loopback
 * or with the task ranks behind netlab's delayed link.
 *
 *   mpirun -np P+1 bench_mpi [T d n straggler_ms label]
 *
 * Every rank generates the same synthetic low-rank problem (seeded) and
 * keeps only the tasks it owns (rank r: t % P == r - 1), as if it had read
 * its own files; rank 0 holds no data.  Rank 0 computes the FISTA optimum
 * f* first, then for SMTL and AMTL: the time at which the objective trace
 * first reaches f* (1 + 1e-4) (the trace is the server's snapshots of V,
 * evaluated afterwards by the nodes: the check runs before any time is
 * reported), updates per second per node, and the payload bytes per update
 * (one COL message down, 4 + 2d doubles, one UPD up, 6 + d doubles).  The
 * in-process runs (rank 0 alone, P node threads) are measured in the same
 * job before the MPI runs.  straggler_ms > 0 delays every send of rank 1
 * by that much (application-level straggler).
 */
#include "mtl_mpi.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double time_to(const mtl_async_info *in, double target) {
  for (int i = 0; i < in->nrecords; i++)
    if (in->rec_obj[i] <= target)
      return in->rec_time[i];
  return NAN;
}

static void report(const char *label, const char *where, const char *mode,
                   const mtl_async_info *in, double fopt, int d) {
  double target = fopt * (1 + 1e-4);
  double tt = time_to(in, target);
  double per_node = 0;
  for (int r = 0; r < in->nodes; r++)
    per_node += (double)in->node_updates[r];
  per_node /= in->nodes > 0 ? in->nodes : 1;
  double ups = in->seconds > 0 ? per_node / in->seconds : 0;
  double minu = 1e300, maxu = 0;
  for (int r = 0; r < in->nodes; r++) {
    double u = (double)in->node_updates[r] / in->seconds;
    if (u < minu)
      minu = u;
    if (u > maxu)
      maxu = u;
  }
  printf("| %s | %s | %s | %.4f | %s%.3f | %lld | %.1f (%.1f-%.1f) | %d | "
         "%.2e |\n",
         label, where, mode, in->seconds, isnan(tt) ? "not reached, " : "",
         isnan(tt) ? in->seconds : tt, (long long)in->updates, ups, minu,
         maxu, (10 + 3 * d) * 8, (in->objective - fopt) / fabs(fopt));
  fflush(stdout);
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
  mtl_problem_params pp;
  mtl_problem_params_init(&pp);
  pp.reg.type = MTL_REG_TRACE;
  pp.reg.lambda = 0.2;
  pp.reg.ridge = 0.01;
  double *W = calloc((size_t)d * T, sizeof(double));
  double *nd = calloc((size_t)P, sizeof(double));
  nd[0] = strag;
  double fopt = 0;
  mtl_async_params ap;
  mtl_async_info info;
  if (rank == 0) {
    mtl_problem *pb = NULL;
    mtl_problem_create(ds, &pp, &pb);
    mtl_solver_params sp;
    mtl_solver_params_init(&sp);
    sp.max_iter = 50000;
    sp.tol_obj = 0;
    sp.tol_gap = 1e-14;
    sp.tol_res = 1e-11;
    mtl_solve_info si;
    mtl_solve(pb, &sp, W, &si);
    fopt = si.objective;
    mtl_problem_free(pb);
    printf("# T = %d, d = %d, n = %d, P = %d task ranks, straggler %.0f ms, "
           "f* = %.12g (FISTA)\n",
           T, d, n, P, strag, fopt);
    printf("| setting | transport | method | seconds | time to f*(1+1e-4) "
           "| updates | updates/s per node (min-max) | bytes/update | final "
           "rel. gap |\n|---|---|---|---|---|---|---|---|---|\n");
    for (int mode = 0; mode < 2; mode++) {
      mtl_async_params_init(&ap);
      ap.mode = mode ? MTL_ASYNC_AMTL : MTL_ASYNC_SMTL;
      ap.nodes = P;
      /* AMTL: fast nodes keep working while a straggler lags */
      ap.max_iter = mode ? 200000 : 3000;
      ap.tol = 1e-8;
      ap.tau_adapt = 0;
      ap.record_every = T;
      ap.node_delay_ms = nd;
      if (mtl_async_fit(ds, &pp, &ap, W, &info) < 0) {
        fprintf(stderr, "in-process: %s\n", mtl_last_error());
        return 1;
      }
      report(label, "in-process", mode ? "AMTL" : "SMTL", &info, fopt, d);
      mtl_async_info_clear(&info);
    }
  }
  for (int mode = 0; mode < 2; mode++) {
    mtl_async_params_init(&ap);
    ap.mode = mode ? MTL_ASYNC_AMTL : MTL_ASYNC_SMTL;
    ap.max_iter = mode ? 200000 : 3000;
    ap.tol = 1e-8;
    ap.tau_adapt = 0;
    ap.record_every = T;
    ap.node_delay_ms = nd;
    int st = mtl_async_fit_mpi(local, rank ? ids : NULL, T, &pp, &ap, NULL,
                               rank ? NULL : W, rank ? NULL : &info);
    if (st < 0) {
      fprintf(stderr, "rank %d: %s\n", rank, mtl_last_error());
      return 1;
    }
    if (rank == 0) {
      report(label, "MPI", mode ? "AMTL" : "SMTL", &info, fopt, d);
      mtl_async_info_clear(&info);
    }
  }
  free(W);
  free(nd);
  free(ids);
  mtl_dataset_free(local);
  mtl_dataset_free(ds);
  mtl_mpi_finalize();
  return 0;
}
