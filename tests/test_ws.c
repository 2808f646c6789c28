/*
 * test_ws.c -- the working-set solve of the L1 / L2,1 problems
 * (src/solvers/batch/working_set.c) against the plain full solve
 * (working_set = 0), on generated wide problems (d = 210 > n_t,
 * correlated features from a few factors, targets far from zero, an
 * unpenalized bias column):
 *  - agreement: L1 and L2,1, lambda from 0.9 to 0.005 x lambda_max, with
 *    and without a ridge, with sample weights and task weights, dense,
 *    CSR and shared-design data, squared and logistic loss: the same objective to 3e-9
 *    relative (each solve certifies a gap <= 1e-9 x objective) and the
 *    same support;
 *  - the reported certificate is the full problem's: its primal is the
 *    full objective at the returned W, its gap passes tol_gap and is no
 *    less than F - F* bounded below by the other run's dual, and the gap
 *    recomputed by mtl_problem_certificate is below 10x tol_gap;
 *  - KKT by brute force on the full problem at the returned W: every zero
 *    row (L2,1) has ||grad_j|| <= lambda (1 + 1e-3), every zero entry (L1)
 *    |grad_jt| <= lambda (1 + 1e-3), every nonzero one
 *    grad_j = -lambda w_j / ||w_j|| - 2 ridge w_j (resp. -lambda sign w_jt
 *    - 2 ridge w_jt) to 1e-3 x lambda;
 *  - a path with warm starts (mtl_solve_path) agrees with cold solves
 *    point by point;
 *  - the trace and the iteration count of a working-set solve match.
 */
#include "check.h"

/* The data's random numbers: the library's generator (base/rng.c). */
static mtl__rng rng;

static double unif(void) { return mtl__rng_uniform(&rng); }
static double gauss(void) { return mtl__rng_normal(&rng); }

#define D 210 /* features, the last one the bias column of ones */
#define T 3
#define K 8   /* factors behind the features */

typedef struct gen {
  int csr, weights, logistic, shared;
} gen;

/* One design shared by the T tasks (dense), targets from each task's
 * weights, optional sample and task weights. */
static mtl_dataset *wide_shared(const gen *g) {
  int n = 60;
  mtl_dataset *ds = mtl_dataset_create(D);
  double *X = malloc((size_t)n * D * sizeof *X);
  double *Y = malloc((size_t)n * T * sizeof *Y), *sw = malloc(n * sizeof *sw);
  double A[K * D];
  for (int k = 0; k < K * D; k++)
    A[k] = gauss();
  for (int i = 0; i < n; i++) {
    double f[K], *x = X + (size_t)i * D;
    for (int k = 0; k < K; k++)
      f[k] = gauss();
    for (int j = 0; j < D - 1; j++) {
      x[j] = 0.3 * gauss();
      for (int k = 0; k < K; k++)
        x[j] += f[k] * A[k * D + j];
    }
    x[D - 1] = 1;
  }
  for (int t = 0; t < T; t++)
    for (int i = 0; i < n; i++) {
      double s = 0.5 * gauss();
      for (int j = 0; j < D - 1; j += 13)
        s += X[(size_t)i * D + j] * (1 + 0.3 * gauss());
      Y[i + (size_t)t * n] = g->logistic ? (s > 0 ? 1 : -1) : 50 + s;
    }
  CHECK_OK(mtl_dataset_set_shared(ds, n, X, T, Y, g->logistic));
  for (int t = 0; t < T && g->weights; t++) {
    for (int i = 0; i < n; i++)
      sw[i] = 0.25 + 2 * unif();
    CHECK_OK(mtl_dataset_set_sample_weights(ds, t, sw));
    CHECK_OK(mtl_dataset_set_weight(ds, t, 0.5 + t));
  }
  free(X);
  free(Y);
  free(sw);
  return ds;
}

/* T tasks of n_t = 40 + 10 t samples; features x = F A + 0.3 noise from K
 * factors (strongly correlated), half of them zeroed for CSR data; 12
 * true rows; targets 50 + X w + noise (regression) or their signs. */
static mtl_dataset *wide(const gen *g) {
  if (g->shared)
    return wide_shared(g);
  mtl_dataset *ds = mtl_dataset_create(D);
  double *A = malloc((size_t)K * D * sizeof *A), wt[D];
  for (int k = 0; k < K * D; k++)
    A[k] = gauss();
  for (int t = 0; t < T; t++) {
    int n = 40 + 10 * t;
    double *X = calloc((size_t)n * D, sizeof *X), *y = malloc(n * sizeof *y);
    double *sw = malloc((size_t)n * sizeof *sw);
    for (int j = 0; j < D; j++)
      wt[j] = j % 13 == 0 ? 1 + 0.3 * gauss() : 0;
    for (int i = 0; i < n; i++) {
      double f[K], *x = X + (size_t)i * D, s = 0;
      for (int k = 0; k < K; k++)
        f[k] = gauss();
      for (int j = 0; j < D - 1; j++) {
        for (int k = 0; k < K; k++)
          x[j] += f[k] * A[k * D + j];
        x[j] += 0.3 * gauss();
        if (g->csr && unif() < 0.5)
          x[j] = 0;
        s += x[j] * wt[j];
      }
      x[D - 1] = 1;
      s += 0.5 * gauss();
      y[i] = g->logistic ? (s > 0 ? 1 : -1) : 50 + s;
      sw[i] = 0.25 + 2 * unif();
    }
    if (g->csr) {
      int64_t *ip = malloc((size_t)(n + 1) * sizeof *ip), nnz = 0;
      int32_t *ix = malloc((size_t)n * D * sizeof *ix);
      double *v = malloc((size_t)n * D * sizeof *v);
      ip[0] = 0;
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < D; j++)
          if (X[(size_t)i * D + j] != 0) {
            ix[nnz] = j;
            v[nnz++] = X[(size_t)i * D + j];
          }
        ip[i + 1] = nnz;
      }
      CHECK_OK(mtl_dataset_add_csr(ds, n, ip, ix, v, y, g->logistic, NULL));
      free(ip);
      free(ix);
      free(v);
    } else {
      CHECK_OK(mtl_dataset_add_dense(ds, n, X, y, g->logistic, NULL));
    }
    if (g->weights) {
      CHECK_OK(mtl_dataset_set_sample_weights(ds, t, sw));
      CHECK_OK(mtl_dataset_set_weight(ds, t, 0.5 + t));
    }
    free(X);
    free(y);
    free(sw);
  }
  free(A);
  return ds;
}

static mtl_problem *problem(const mtl_dataset *ds, mtl_reg_type r,
                            double ridge, int logistic) {
  mtl_problem_params pp;
  mtl_problem_params_init(&pp);
  pp.reg.type = r;
  pp.reg.ridge = ridge;
  pp.loss = logistic ? MTL_LOSS_LOGISTIC : MTL_LOSS_SQUARED;
  pp.unpenalized_last = 1;
  mtl_problem *pb = NULL;
  CHECK_OK(mtl_problem_create(ds, &pp, &pb));
  return pb;
}

static int solve(mtl_problem *pb, int ws, double *W, mtl_solve_info *in) {
  mtl_solver_params sp;
  mtl_solver_params_init(&sp);
  sp.working_set = ws;
  sp.max_iter = 100000;
  memset(W, 0, (size_t)D * T * sizeof *W);
  int rc = mtl_solve(pb, &sp, W, in);
  if (rc != MTL_CONVERGED)
    fprintf(stderr, "working_set %d: status %d after %d iterations, "
                    "relative gap %.3g\n",
            ws, rc, in->iterations, in->cert.gap / in->cert.primal);
  CHECK(rc == MTL_CONVERGED);
  return rc;
}

static double row_norm(const double *W, int j) {
  double s = 0;
  for (int t = 0; t < T; t++)
    s += W[j + (size_t)t * D] * W[j + (size_t)t * D];
  return sqrt(s);
}

/* The optimality conditions of the full problem at W, by brute force. */
static void check_kkt(mtl_problem *pb, const double *W, mtl_reg_type r,
                      double lam, double ridge) {
  double G[D * T], f, worst = 0;
  CHECK_OK(mtl_problem_loss(pb, W, &f, G));
  for (int j = 0; j < D - 1; j++) {
    double nj = row_norm(W, j), gj = row_norm(G, j);
    if (r == MTL_REG_L21 && nj == 0) {
      worst = fmax(worst, gj / lam - 1);
      continue;
    }
    for (int t = 0; t < T; t++) {
      size_t k = j + (size_t)t * D;
      double g = G[k], w = W[k], e;
      if (r == MTL_REG_L1)
        e = w == 0 ? fabs(g) / lam - 1
                   : fabs(g + lam * (w > 0 ? 1 : -1) + 2 * ridge * w) / lam;
      else
        e = fabs(g + lam * w / nj + 2 * ridge * w) / lam;
      worst = fmax(worst, e);
    }
  }
  if (!(worst <= 1e-3))
    fprintf(stderr, "KKT violation %.3g (lambda %g)\n", worst, lam);
  CHECK(worst <= 1e-3);
}

/* Nonzero penalized rows (L2,1) or entries (L1) that differ. */
static int support_diff(const double *A, const double *B) {
  int diff = 0;
  for (int j = 0; j < D - 1; j++)
    for (int t = 0; t < T; t++)
      diff += (A[j + (size_t)t * D] != 0) != (B[j + (size_t)t * D] != 0);
  return diff;
}

static void agree(const gen *g, mtl_reg_type r, double ridge) {
  mtl_dataset *ds = wide(g);
  mtl_problem *pb = problem(ds, r, ridge, g->logistic);
  double lmax, fr[] = {0.9, 0.3, 0.05, 0.005};
  double *Ww = malloc((size_t)D * T * sizeof *Ww);
  double *Wf = malloc((size_t)D * T * sizeof *Wf);
  CHECK_OK(mtl_problem_lambda_max(pb, &lmax));
  for (int k = 0; k < 4; k++) {
    double lam = fr[k] * lmax;
    mtl_solve_info iw, ifl;
    mtl_certificate c;
    mtl_problem_set_lambda(pb, lam);
    int rw = solve(pb, 1, Ww, &iw), rf = solve(pb, 0, Wf, &ifl);
    if (rw != MTL_CONVERGED || rf != MTL_CONVERGED)
      fprintf(stderr, "  (csr %d weights %d logistic %d shared %d reg %d "
                      "ridge %g lambda %g = %g lambda_max)\n",
              g->csr, g->weights, g->logistic, g->shared, (int)r, ridge, lam,
              fr[k]);
    double F = ifl.objective;
    CHECK_CLOSE(iw.objective, F, 3e-9);
    /* the reported certificate: the full problem's at the returned W */
    CHECK_OK(mtl_problem_certificate(pb, Ww, &c));
    CHECK_CLOSE(iw.cert.primal, c.primal, 1e-13);
    CHECK(iw.cert.gap <= 1e-9 * fabs(iw.cert.primal));
    CHECK(c.gap <= 1e-8 * fabs(c.primal));
    CHECK(iw.cert.dual <= ifl.cert.primal + 1e-12 * fabs(F));
    CHECK(ifl.cert.dual <= iw.cert.primal + 1e-12 * fabs(F));
    int sd = support_diff(Ww, Wf);
    if (sd)
      fprintf(stderr, "csr %d w %d logit %d reg %d ridge %g lambda %g: "
                      "supports differ in %d entries\n",
              g->csr, g->weights, g->logistic, (int)r, ridge, lam, sd);
    CHECK(sd == 0);
    check_kkt(pb, Ww, r, lam, ridge);
  }
  free(Ww);
  free(Wf);
  mtl_problem_free(pb);
  mtl_dataset_free(ds);
}

/* Warm starts along a path (working set on) against cold solves. */
static void path_vs_cold(void) {
  gen g = {0, 1, 0, 0};
  mtl_dataset *ds = wide(&g);
  mtl_problem *pb = problem(ds, MTL_REG_L21, 0, 0);
  double lmax, lams[8];
  CHECK_OK(mtl_problem_lambda_max(pb, &lmax));
  for (int k = 0; k < 8; k++)
    lams[k] = lmax * pow(0.005, k / 7.0);
  mtl_solver_params sp;
  mtl_solver_params_init(&sp);
  sp.max_iter = 100000;
  mtl_path path;
  CHECK_OK(mtl_solve_path(pb, &sp, lams, 8, 0, &path));
  double *W = malloc((size_t)D * T * sizeof *W);
  for (int k = 0; k < 8; k++) {
    mtl_solve_info in;
    mtl_problem_set_lambda(pb, lams[k]);
    solve(pb, 1, W, &in);
    CHECK_CLOSE(path.objective[k], in.objective, 3e-9);
    CHECK(support_diff(path.W + (size_t)k * D * T, W) == 0);
  }
  mtl_path_clear(&path);
  free(W);
  mtl_problem_free(pb);
  mtl_dataset_free(ds);
}

/* The trace of a working-set solve: one objective per iteration, the
 * last one the returned objective. */
static void trace(void) {
  gen g = {0, 0, 0, 0};
  mtl_dataset *ds = wide(&g);
  mtl_problem *pb = problem(ds, MTL_REG_L21, 0, 0);
  double lmax, *W = malloc((size_t)D * T * sizeof *W);
  CHECK_OK(mtl_problem_lambda_max(pb, &lmax));
  mtl_problem_set_lambda(pb, 0.05 * lmax);
  mtl_solver_params sp;
  mtl_solver_params_init(&sp);
  sp.record_trace = 1;
  memset(W, 0, (size_t)D * T * sizeof *W);
  mtl_solve_info in;
  CHECK(mtl_solve(pb, &sp, W, &in) == MTL_CONVERGED);
  CHECK(in.iterations > 0 && in.trace);
  if (in.iterations > 0 && in.trace) {
    CHECK_CLOSE(in.trace[in.iterations - 1], in.objective, 1e-9);
    for (int i = 0; i < in.iterations; i++)
      CHECK(isfinite(in.trace[i]) && in.trace[i] <= in.trace[0] * 1.5);
  }
  mtl_free(in.trace);
  free(W);
  mtl_problem_free(pb);
  mtl_dataset_free(ds);
}

int main(void) {
  mtl__rng_seed(&rng, 20261204);
  for (int csr = 0; csr < 2; csr++)
    for (int w = 0; w < 2; w++) {
      gen g = {csr, w, 0, 0};
      agree(&g, MTL_REG_L21, 0);
      agree(&g, MTL_REG_L1, 0);
      agree(&g, MTL_REG_L21, 0.01);
    }
  gen g = {0, 1, 1, 0};
  agree(&g, MTL_REG_L1, 0.01);
  agree(&g, MTL_REG_L21, 0);
  for (int w = 0; w < 2; w++) { /* one X shared by the tasks */
    gen gs = {0, w, 0, 1};
    agree(&gs, MTL_REG_L21, 0);
    agree(&gs, MTL_REG_L1, 0.01);
  }
  path_vs_cold();
  trace();
  CHECK_DONE();
}
