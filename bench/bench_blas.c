/*
 * bench_blas.c -- the Gram build of bench_core's large problem under
 * whatever BLAS the process runs on (bench/run_blas.sh runs it under each
 * candidate: OpenBLAS as it loads by default, OpenBLAS with each
 * OPENBLAS_CORETYPE, BLIS).
 *
 *   bench_blas [--reps N] [--T T]
 *
 * Data: T tasks (default 100), d = 500, n_t = 2000, uniform features (the
 * shape of bench_core's "large" problem, 0.8 GB for T = 100).  Prints the
 * BLAS (mtl_blas_name) and what libmtl suggests, then, best of N (default
 * 3): (1) the Gram matrices X_t'X_t of every task through cblas_dsyrk
 * (what libmtl's problem create calls, with its row-major layout), in
 * GFLOP/s at n d (d + 1) flops per task; (2) mtl_problem_create with gram
 * = -1 (the Gram build of the large benchmark: the syrk of every task and
 * the Lipschitz estimate on every Gram matrix).  Checked first: the syrk
 * of one task against a plain triple loop (relative error <= 1e-12).
 */
#include "mtl.h"
#include "solvers/solvers.h" /* problem, batch solver (private) */

#include <cblas.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double wall(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void fail(const char *what) {
  fprintf(stderr, "CHECK FAILED: %s\n", what);
  exit(1);
}

int main(int argc, char **argv) {
  int reps = 3, T = 100;
  const int d = 500, n = 2000;
  for (int k = 1; k + 1 < argc; k += 2) {
    if (!strcmp(argv[k], "--reps"))
      reps = atoi(argv[k + 1]);
    else if (!strcmp(argv[k], "--T"))
      T = atoi(argv[k + 1]);
  }
  if (reps < 1 || T < 1)
    fail("usage: bench_blas [--reps N] [--T T]");
  const char *sug = mtl_blas_suggested_core();
  printf("BLAS: %s; suggested OPENBLAS_CORETYPE: %s\n", mtl_blas_name(),
         sug ? sug : "none");
  mtl_dataset *ds = mtl_dataset_create(d);
  double *X = malloc((size_t)n * d * sizeof *X), *y = malloc(n * sizeof *y);
  double *G = malloc((size_t)d * d * sizeof *G);
  if (!ds || !X || !y || !G)
    fail("out of memory");
  uint64_t s = 42;
  for (int t = 0; t < T; t++) {
    for (size_t k = 0; k < (size_t)n * d; k++) {
      s = s * 6364136223846793005ULL + 1442695040888963407ULL;
      X[k] = (double)(s >> 11) / 9007199254740992.0 * 3.4641 - 1.7320;
    }
    for (int i = 0; i < n; i++)
      y[i] = X[(size_t)i * d];
    if (mtl_dataset_add_dense(ds, n, X, y, MTL_TASK_REGRESSION, NULL) < 0)
      fail(mtl_last_error());
  }
  /* check: the last task's Gram matrix (upper triangle; X still holds
   * that task) against a plain loop */
  cblas_dsyrk(CblasColMajor, CblasUpper, CblasNoTrans, d, n, 1.0, X, d, 0.0,
              G, d);
  double err = 0;
  for (int a = 0; a < d; a += 37)
    for (int b = a; b < d; b += 11) {
      double r = 0;
      for (int i = 0; i < n; i++)
        r += X[(size_t)i * d + a] * X[(size_t)i * d + b];
      err = fmax(err, fabs(G[(size_t)b * d + a] - r) / fmax(fabs(r), 1));
    }
  if (!(err <= 1e-12))
    fail("dsyrk differs from the plain loop");
  double best_syrk = INFINITY, best_create = INFINITY;
  for (int r = 0; r < reps; r++) {
    double t0 = wall();
    for (int t = 0; t < T; t++)
      cblas_dsyrk(CblasColMajor, CblasUpper, CblasNoTrans, d, n, 1.0, X, d,
                  0.0, G, d);
    best_syrk = fmin(best_syrk, wall() - t0);
  }
  mtl_problem_params pp;
  mtl_problem_params_init(&pp);
  pp.gram = -1;
  pp.threads = 1;
  for (int r = 0; r < reps; r++) {
    mtl_problem *pb = NULL;
    double t0 = wall();
    if (mtl_problem_create(ds, &pp, &pb) < 0)
      fail(mtl_last_error());
    best_create = fmin(best_create, wall() - t0);
    mtl_problem_free(pb);
  }
  double gflop = (double)T * n * d * (d + 1) / 1e9;
  printf("T=%d d=%d n_t=%d (%.2f GB of X), best of %d (checked: dsyrk vs "
         "loop, rel. err %.1e)\n",
         T, d, n, (double)T * n * d * 8 / 1e9, reps, err);
  printf("  dsyrk of every task:              %7.3f s  %6.1f GFLOP/s\n",
         best_syrk, gflop / best_syrk);
  printf("  mtl_problem_create (gram = -1):   %7.3f s\n", best_create);
  free(X);
  free(y);
  free(G);
  mtl_dataset_free(ds);
  return 0;
}
