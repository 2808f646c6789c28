/*
 * test_temporal.c -- the temporal group lasso (tgl):
 *  - lambda = 0: the same objective as batch with reg graph, R the T x (T-1)
 *    difference matrix (an independent prox: the T x T Cholesky solve);
 *  - lambda2 = 0: the same objective as batch with reg l21 (+ ridge);
 *  - FISTA vs ISTA (20000 iterations, no stopping rule) to 1e-6;
 *  - planted temporal drift (w_t moves linearly in t on a shared support):
 *    the error ||W - W_true|| of tgl at its best (lambda, lambda2) of a grid
 *    is below 0.8 x that of L2,1 alone at its best lambda of the same grid
 *    (T = 10 tasks, d = 12, n = 8 per task: 0.69 vs 1.20 when written).
 */
#include "../src/solvers/solvers.h"
#include "check.h"

enum { T = 10, D = 12, N = 8 };

/* y = X w_t + 0.1 noise, w_t = a + (t / (T - 1)) b on the first 4
 * features, 0 elsewhere. */
static mtl_dataset *drift(double *Wtrue) {
  unsigned long long s = 5;
  double a[4], b[4], X[N * D], y[N];
  for (int j = 0; j < 4; j++) {
    a[j] = 2 * check_rand(&s);
    b[j] = 2 * check_rand(&s);
  }
  mtl_dataset *ds = mtl_dataset_create(D);
  for (int t = 0; t < T; t++) {
    double *w = Wtrue + t * D;
    for (int j = 0; j < D; j++)
      w[j] = j < 4 ? a[j] + (double)t / (T - 1) * b[j] : 0;
    for (int k = 0; k < N * D; k++)
      X[k] = check_rand(&s) * 1.7;
    for (int i = 0; i < N; i++) {
      y[i] = 0.3 * check_rand(&s);
      for (int j = 0; j < D; j++)
        y[i] += X[i * D + j] * w[j];
    }
    CHECK(mtl_dataset_add_dense(ds, N, X, y, MTL_TASK_REGRESSION, NULL) ==
          t);
  }
  return ds;
}

static void sp_tight(mtl_solver_params *sp) {
  mtl_solver_params_init(sp);
  sp->tol_obj = 1e-15;
  sp->tol_gap = 1e-13;
  sp->max_iter = 200000;
}

/* tgl at (lambda, lambda2, ridge) from zero: objective, W in W. */
static double tgl(const mtl_dataset *ds, double lam, double lam2,
                  double ridge, int ista, double *W) {
  mtl_problem_params pp;
  mtl_problem_params_init(&pp);
  pp.reg = (mtl_reg){.type = MTL_REG_L21, .lambda = lam, .ridge = ridge};
  mtl_problem *pb = NULL;
  CHECK_OK(mtl_problem_create(ds, &pp, &pb));
  mtl_solver_params sp;
  sp_tight(&sp);
  if (ista) {
    sp.solver = MTL_SOLVER_ISTA;
    sp.tol_obj = 0;
    sp.max_iter = 20000;
  }
  mtl_solve_info in;
  memset(W, 0, sizeof(double) * D * T);
  CHECK(mtl__tgl_solve(pb, lam2, &sp, W, &in) >= 0);
  mtl_problem_free(pb);
  return in.objective;
}

static double batch(const mtl_dataset *ds, mtl_reg reg, double *W) {
  mtl_problem_params pp;
  mtl_problem_params_init(&pp);
  pp.reg = reg;
  mtl_problem *pb = NULL;
  CHECK_OK(mtl_problem_create(ds, &pp, &pb));
  mtl_solver_params sp;
  sp_tight(&sp);
  mtl_solve_info in;
  memset(W, 0, sizeof(double) * D * T);
  CHECK(mtl_solve(pb, &sp, W, &in) >= 0);
  mtl_problem_free(pb);
  return in.objective;
}

static double err(const double *W, const double *Wt) {
  double e = 0;
  for (int k = 0; k < D * T; k++)
    e += (W[k] - Wt[k]) * (W[k] - Wt[k]);
  return sqrt(e);
}

int main(void) {
  double Wt[D * T], W[D * T], W2[D * T], R[T * (T - 1)];
  mtl_dataset *ds = drift(Wt);
  memset(R, 0, sizeof R); /* column e: w_{e+1} - w_e */
  for (int e = 0; e < T - 1; e++) {
    R[e + e * T] = -1;
    R[e + 1 + e * T] = 1;
  }
  /* the two limits */
  double a = tgl(ds, 0, 0.7, 0.05, 0, W);
  double b = batch(ds, (mtl_reg){.type = MTL_REG_GRAPH, .lambda = 0.7,
                                 .ridge = 0.05, .R = R, .R_cols = T - 1},
                   W2);
  fprintf(stderr, "tgl lambda 0: %.15g, batch graph: %.15g\n", a, b);
  CHECK_CLOSE(a, b, 1e-9);
  a = tgl(ds, 0.3, 0, 0.05, 0, W);
  b = batch(ds, (mtl_reg){.type = MTL_REG_L21, .lambda = 0.3, .ridge = 0.05},
            W2);
  fprintf(stderr, "tgl lambda2 0: %.15g, batch l21: %.15g\n", a, b);
  CHECK_CLOSE(a, b, 1e-9);
  /* a second solver */
  a = tgl(ds, 0.3, 0.7, 0.01, 0, W);
  b = tgl(ds, 0.3, 0.7, 0.01, 1, W2);
  fprintf(stderr, "tgl fista %.15g, ista %.15g\n", a, b);
  CHECK_CLOSE(b, a, 1e-6);
  /* planted drift: best error over one grid */
  const double lams[] = {0.01, 0.03, 0.1, 0.3, 1};
  const double lam2s[] = {0, 0.1, 0.3, 1, 3, 10};
  double best_l21 = INFINITY, best_tgl = INFINITY;
  for (int i = 0; i < 5; i++)
    for (int j = 0; j < 6; j++) {
      tgl(ds, lams[i], lam2s[j], 0, 0, W);
      double e = err(W, Wt);
      if (j == 0)
        best_l21 = fmin(best_l21, e);
      best_tgl = fmin(best_tgl, e);
    }
  fprintf(stderr, "planted drift: best ||W - W_true|| l21 alone %.4f, tgl "
                  "%.4f (||W_true|| %.4f)\n",
          best_l21, best_tgl, err(Wt, (double[D * T]){0}));
  CHECK(best_tgl < 0.8 * best_l21);
  mtl_dataset_free(ds);
  CHECK_DONE();
}
