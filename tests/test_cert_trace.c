/*
 * test_cert_trace.c -- the trace norm's certified solve (issue 11): the
 * squared loss with lambda ||W||_* on badly scaled data, where FISTA alone
 * needs tens of thousands of iterations and the solver's ADMM polish
 * (problem_admm.c) finishes the job.  On a generated low-rank problem with
 * raw features (large means, a one-hot group collinear with a constant
 * column) and on School with MALSAR's settings (raw features, every
 * feature penalized, 1/2-sum least squares, lambda 10), each with and
 * without an unpenalized last (constant) feature:
 *  - the default solve (mtl_solver_params_init: FISTA, tol_gap 1e-9) and
 *    one with tol_gap 1e-6 are certified: gap <= tol_gap x objective;
 *  - the objective is within the gap of F* (a run to gap 1e-9, which
 *    the polish continues to the dual point's floor, 1e-16 to 1e-10 x F),
 *    and the gap is within 10x of F - F* or, where F - F* is at rounding
 *    level, at most 1e-9 x F;
 *  - a second solver agrees: plain FISTA without gap checks (so without
 *    the polish), run long, reaches the same objective (1e-9 relative on
 *    the generated problem, where it converges, with W within 1e-6
 *    relative; on School its own certified interval [D, F] must contain
 *    the polished objective, and after 20,000 iterations without the
 *    bias F is within 1e-6 of it; with the bias 1000 iterations, the
 *    interval only).
 */
#include "check.h"

#include <unistd.h>

/* Under AddressSanitizer (~5x slower) the long plain FISTA runs are cut
 * 10x and only checked for validity, not agreement. */
#define PLAIN_CUT (CHECK_SANITIZED ? 10 : 1)

#ifndef MTL_DATA_DIR
#define MTL_DATA_DIR "../shared/data"
#endif

static unsigned long long seed = 0x9E3779B97F4A7C15ull;

static double unif(void) { return 0.5 * (check_rand(&seed) + 1.0); }

static double gauss(void) { /* Box-Muller */
  double u = unif(), v = unif();
  return sqrt(-2 * log(u + 1e-300)) * cos(6.283185307179586 * v);
}

/* T tasks, d = 9 features as School's: a 3-level one-hot group, two raw
 * features (means 50 and 5), three standard normals, one correlated with
 * the first raw feature, and the constant last; the true W has rank 2
 * (w_t = A b_t) plus noise. */
static mtl_dataset *low_rank(int T) {
  int d = 9;
  double A[9 * 2];
  for (int k = 0; k < 9 * 2; k++)
    A[k] = gauss() * ((k % 9) == 3 ? 0.05 : 1);
  mtl_dataset *ds = mtl_dataset_create(d);
  for (int t = 0; t < T; t++) {
    int n = 20 + 9 * t;
    double *X = malloc((size_t)n * d * sizeof(double));
    double *y = malloc((size_t)n * sizeof(double));
    double b0 = gauss(), b1 = gauss(), w[9];
    for (int j = 0; j < d; j++)
      w[j] = A[j] * b0 + A[j + 9] * b1;
    for (int i = 0; i < n; i++) {
      double *x = X + (size_t)i * d;
      int lev = (int)(3 * unif());
      x[0] = lev == 0;
      x[1] = lev == 1;
      x[2] = lev == 2;
      x[3] = 50 + 10 * gauss();
      x[4] = 5 + gauss();
      x[5] = gauss();
      x[6] = gauss();
      x[7] = 0.9 * (x[3] - 50) / 10 + 0.4 * gauss();
      x[8] = 1;
      y[i] = 0.3 * gauss();
      for (int j = 0; j < d; j++)
        y[i] += x[j] * w[j];
    }
    CHECK_OK(mtl_dataset_add_dense(ds, n, X, y, MTL_TASK_REGRESSION, NULL));
    free(X);
    free(y);
  }
  return ds;
}

/* mtl_solve from W = 0; tol_gap < 0: the defaults of
 * mtl_solver_params_init; tol_gap = 0: plain FISTA (no gap checks, no
 * polish) for max_iter iterations. */
static int solve(mtl_problem *pb, double tol_gap, int max_iter, double *W,
                 size_t dT, mtl_solve_info *info) {
  mtl_solver_params sp;
  mtl_solver_params_init(&sp);
  if (tol_gap >= 0) {
    sp.tol_gap = tol_gap;
    sp.max_iter = max_iter;
  }
  if (tol_gap == 0)
    sp.tol_obj = 0;
  memset(W, 0, dT * sizeof(double));
  return mtl_solve(pb, &sp, W, info);
}

/* The checks of the top on one problem; plain_iter: the second solver's
 * iterations; converges: 1 if it is expected to converge (then W is
 * compared too). */
static void check_problem(const char *name, mtl_problem *pb, int d, int T,
                          int plain_iter, double agree, int converges) {
  size_t dT = (size_t)d * T;
  double *W = malloc(dT * sizeof(double)), *Wr = malloc(dT * sizeof(double));
  mtl_solve_info ref, info, plain;
  int rc = solve(pb, 1e-9, 2000, Wr, dT, &ref);
  double fstar = ref.cert.primal;
  fprintf(stderr, "%s: F* = %.15g (rc %d, %d iterations, %.3f s, gap/F "
                  "%.2e)\n",
          name, fstar, rc, ref.iterations, ref.seconds, ref.cert.gap / fstar);
  CHECK(rc == MTL_CONVERGED);
  CHECK_LE(ref.cert.gap, 1e-9 * fstar);
  double tols[2] = {-1, 1e-6};
  for (int k = 0; k < 2; k++) {
    rc = solve(pb, tols[k], 100000, W, dT, &info);
    double tol = tols[k] < 0 ? 1e-9 : tols[k], sub = info.cert.primal - fstar;
    fprintf(stderr, "  %s (tol_gap %g): rc %d, %d iterations, %.3f s, F - F* "
                    "= %.3e, gap = %.3e (gap/F %.2e)\n",
            tols[k] < 0 ? "defaults" : "tol_gap", tol, rc, info.iterations,
            info.seconds, sub, info.cert.gap,
            info.cert.gap / info.cert.primal);
    CHECK(rc == MTL_CONVERGED);
    CHECK_LE(info.cert.gap, tol * info.cert.primal);
    CHECK_LE(sub, info.cert.gap + 1e-12 * fstar);
    CHECK_LE(info.cert.dual, fstar + 1e-12 * fstar);
    /* tightness: the polish goes on after the gap passes while its CPU
     * budget lasts, which ASan's 5x slowdown can end first (seen once in 4
     * runs beside other tests); measured there, asserted in Release */
    if (!CHECK_SANITIZED)
      CHECK_LE(info.cert.gap, 10 * fabs(sub) + 1e-9 * fstar);
  }
  if (PLAIN_CUT > 1) {
    plain_iter /= PLAIN_CUT;
    agree = 0;
    converges = 0;
  }
  rc = solve(pb, 0, plain_iter, W, dT, &plain);
  double dw = 0, nw = 0;
  for (size_t k = 0; k < dT; k++) {
    dw += (W[k] - Wr[k]) * (W[k] - Wr[k]);
    nw += Wr[k] * Wr[k];
  }
  dw = sqrt(dw / nw);
  fprintf(stderr, "  plain FISTA: rc %d, %d iterations, %.2f s, F = %.15g, "
                  "(F - F*)/F* = %.2e, gap/F %.2e, |W - W*|/|W*| = %.2e\n",
          rc, plain.iterations, plain.seconds, plain.cert.primal,
          (plain.cert.primal - fstar) / fstar,
          plain.cert.gap / plain.cert.primal, dw);
  CHECK(rc >= 0);
  /* both certificates are valid: each dual objective bounds the other
   * run's objective from below */
  CHECK_LE(plain.cert.dual, fstar + 1e-12 * fstar);
  CHECK_LE(fstar - 1e-12 * fstar, plain.cert.primal);
  if (agree > 0)
    CHECK_CLOSE(plain.cert.primal, fstar, agree);
  if (converges)
    CHECK_LE(dw, 1e-6);
  free(W);
  free(Wr);
}

static mtl_problem *trace_problem(const mtl_dataset *ds, double lambda,
                                  int bias) {
  mtl_problem_params pp;
  mtl_problem_params_init(&pp);
  pp.scaling = MTL_SCALE_SUM;
  pp.reg.type = MTL_REG_TRACE;
  pp.reg.lambda = lambda;
  pp.unpenalized_last = bias;
  mtl_problem *pb = NULL;
  CHECK_OK(mtl_problem_create(ds, &pp, &pb));
  return pb;
}

static void generated(int bias) {
  mtl_dataset *ds = low_rank(12);
  int d = mtl_dataset_dim(ds), T = mtl_dataset_ntasks(ds);
  mtl_problem *pb = trace_problem(ds, 1, bias);
  double lmax;
  CHECK_OK(mtl_problem_lambda_max(pb, &lmax));
  CHECK_OK(mtl_problem_set_lambda(pb, 0.05 * lmax));
  check_problem(bias ? "low rank, bias" : "low rank", pb, d, T, 100000, 1e-9, 1);
  mtl_problem_free(pb);
  mtl_dataset_free(ds);
}

int main(void) {
  generated(0);
  generated(1);
  /* School where the data directory has it (check_data would skip the
   * generated part's result too) */
  const char *dir = getenv("MTL_DATA_DIR");
  char path[4096];
  snprintf(path, sizeof path, "%s/school.mat", dir ? dir : MTL_DATA_DIR);
  mtl_dataset *ds = NULL;
  if (access(path, R_OK) == 0)
    CHECK_OK(mtl_dataset_read(path, NULL, &ds));
  else
    fprintf(stderr, "%s not found: School part skipped\n", path);
  if (ds) {
    int d = mtl_dataset_dim(ds), T = mtl_dataset_ntasks(ds);
    for (int bias = 0; bias < 2; bias++) {
      mtl_problem *pb = trace_problem(ds, 10, bias);
      check_problem(bias ? "school trace 10, bias" : "school trace 10", pb,
                    d, T, bias ? 1000 : 20000, bias ? 0 : 1e-6, 0);
      mtl_problem_free(pb);
    }
    mtl_dataset_free(ds);
  }
  CHECK_DONE();
}
