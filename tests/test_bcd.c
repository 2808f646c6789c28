/*
 * test_bcd.c -- block coordinate descent (src/solvers/batch/bcd.c) against closed forms
 * (normal equations, soft thresholds, enumeration of L1 sign patterns),
 * KKT conditions computed here from the raw data, and the FISTA solver.
 */
#include "../src/solvers/solvers.h"
#include "check.h"

#define MAXD 24
#define MAXT 6

static unsigned long long seed = 12345;

/* ---- helpers computed from the raw data, independent of the library ------ */

/* Solves A x = b (n x n row-major, destroyed) by Gaussian elimination with
 * partial pivoting; b is overwritten by x. */
static void gauss(int n, double *A, double *b) {
  for (int k = 0; k < n; k++) {
    int p = k;
    for (int i = k + 1; i < n; i++)
      if (fabs(A[i * n + k]) > fabs(A[p * n + k]))
        p = i;
    if (p != k) {
      for (int j = 0; j < n; j++) {
        double tmp = A[k * n + j];
        A[k * n + j] = A[p * n + j];
        A[p * n + j] = tmp;
      }
      double tmp = b[k];
      b[k] = b[p];
      b[p] = tmp;
    }
    for (int i = k + 1; i < n; i++) {
      double f = A[i * n + k] / A[k * n + k];
      for (int j = k; j < n; j++)
        A[i * n + j] -= f * A[k * n + j];
      b[i] -= f * b[k];
    }
  }
  for (int k = n - 1; k >= 0; k--) {
    double s = b[k];
    for (int j = k + 1; j < n; j++)
      s -= A[k * n + j] * b[j];
    b[k] = s / A[k * n + k];
  }
}

/* scale_t for the scaling rule, recomputed here. */
static double test_scale(const mtl_dataset *ds, int t, mtl_scaling s) {
  double n = mtl_dataset_task_n(ds, t), c = mtl_dataset_task_weight(ds, t);
  switch (s) {
  case MTL_SCALE_SUM:
    return c;
  case MTL_SCALE_MEAN:
    return c / n;
  case MTL_SCALE_DOUBLE_SUM:
    return 2 * c;
  case MTL_SCALE_DOUBLE_MEAN:
    return 2 * c / n;
  }
  return c;
}

/* Gram X'X (d x d row-major) and X'y of task t from the rows. */
static void test_gram(const mtl_dataset *ds, int t, double *G, double *b) {
  int d = mtl_dataset_dim(ds), n = mtl_dataset_task_n(ds, t);
  const double *y = mtl_dataset_task_y(ds, t);
  double x[MAXD];
  memset(G, 0, sizeof(double) * d * d);
  memset(b, 0, sizeof(double) * d);
  for (int i = 0; i < n; i++) {
    mtl_dataset_get_row(ds, t, i, x);
    for (int j = 0; j < d; j++) {
      b[j] += x[j] * y[i];
      for (int k = 0; k < d; k++)
        G[j * d + k] += x[j] * x[k];
    }
  }
}

/* Gradient of the smooth part, sum_t scale_t/2 ||X_t w_t - y_t||^2 +
 * mu ||W_pen||^2, from residuals: g (d x T column-major). */
static void test_grad(const mtl_dataset *ds, mtl_scaling sc, double mu,
                      int d_pen, const double *W, double *g) {
  int d = mtl_dataset_dim(ds), T = mtl_dataset_ntasks(ds);
  double x[MAXD];
  for (int t = 0; t < T; t++) {
    const double *w = W + t * d;
    const double *y = mtl_dataset_task_y(ds, t);
    double s = test_scale(ds, t, sc);
    double *gt = g + t * d;
    for (int j = 0; j < d; j++)
      gt[j] = j < d_pen ? 2 * mu * w[j] : 0.0;
    for (int i = 0; i < mtl_dataset_task_n(ds, t); i++) {
      mtl_dataset_get_row(ds, t, i, x);
      double r = -y[i];
      for (int j = 0; j < d; j++)
        r += x[j] * w[j];
      for (int j = 0; j < d; j++)
        gt[j] += s * r * x[j];
    }
  }
}

/* Objective recomputed from residuals. */
static double test_objective(const mtl_dataset *ds, mtl_scaling sc,
                             const mtl_reg *reg, int d_pen, const double *W) {
  int d = mtl_dataset_dim(ds), T = mtl_dataset_ntasks(ds);
  double x[MAXD], f = 0;
  for (int t = 0; t < T; t++) {
    const double *y = mtl_dataset_task_y(ds, t);
    double s = 0;
    for (int i = 0; i < mtl_dataset_task_n(ds, t); i++) {
      mtl_dataset_get_row(ds, t, i, x);
      double r = -y[i];
      for (int j = 0; j < d; j++)
        r += x[j] * W[t * d + j];
      s += r * r;
    }
    f += 0.5 * test_scale(ds, t, sc) * s;
  }
  double sq = 0, l1 = 0, l21 = 0;
  for (int j = 0; j < d_pen; j++) {
    double row = 0;
    for (int t = 0; t < T; t++) {
      row += W[t * d + j] * W[t * d + j];
      l1 += fabs(W[t * d + j]);
    }
    sq += row;
    l21 += sqrt(row);
  }
  double g = reg->type == MTL_REG_L1      ? l1
             : reg->type == MTL_REG_L21   ? l21
             : reg->type == MTL_REG_RIDGE ? sq
                                          : 0;
  return f + reg->lambda * g + reg->ridge * sq;
}

/* Random dense dataset: T tasks of sizes n[t], features in [-1, 1), the
 * last one optionally the constant 1 (bias), y = X w0 + noise. */
static mtl_dataset *random_dataset(int d, int T, const int *n, int bias) {
  mtl_dataset *ds = mtl_dataset_create(d);
  double w0[MAXD];
  for (int j = 0; j < d; j++)
    w0[j] = j % 3 == 0 ? 0.1 * check_rand(&seed) : 2 * check_rand(&seed);
  for (int t = 0; t < T; t++) {
    double *X = malloc(sizeof(double) * n[t] * d);
    double *y = malloc(sizeof(double) * n[t]);
    for (int i = 0; i < n[t]; i++) {
      y[i] = 0.3 * check_rand(&seed);
      for (int j = 0; j < d; j++) {
        double v = (bias && j == d - 1) ? 1.0 : check_rand(&seed);
        X[i * d + j] = v;
        y[i] += v * (w0[j] + 0.5 * check_rand(&seed));
      }
    }
    CHECK(mtl_dataset_add_dense(ds, n[t], X, y, MTL_TASK_REGRESSION, NULL) ==
          t);
    free(X);
    free(y);
  }
  return ds;
}

static mtl_problem *make_problem(const mtl_dataset *ds, mtl_reg_type type,
                                 double lambda, double ridge, int unpen,
                                 mtl_scaling sc, int gram) {
  mtl_problem_params pp;
  mtl_problem_params_init(&pp);
  pp.loss = MTL_LOSS_SQUARED;
  pp.reg.type = type;
  pp.reg.lambda = lambda;
  pp.reg.ridge = ridge;
  pp.unpenalized_last = unpen;
  pp.scaling = sc;
  pp.gram = gram;
  mtl_problem *pb = NULL;
  CHECK_OK(mtl_problem_create(ds, &pp, &pb));
  return pb;
}

static void tight(mtl_solver_params *sp) {
  mtl_solver_params_init(sp);
  sp->solver = MTL_SOLVER_BCD;
  sp->max_iter = 200000;
  sp->tol_obj = 0; /* stop only at the coordinate fixed point */
  sp->tol_gap = 0;
  sp->record_trace = 1;
}

/* Solves with BCD from W = 0 (or the given warm start) and checks the
 * reported objective against the library's and the test's. */
static int bcd(mtl_problem *pb, const mtl_dataset *ds, const mtl_reg *reg,
               mtl_scaling sc, int d_pen, double *W, mtl_solve_info *info) {
  mtl_solver_params sp;
  tight(&sp);
  int rc = mtl__bcd_solve(pb, &sp, W, info);
  CHECK(rc == MTL_CONVERGED);
  double obj = 0;
  CHECK_OK(mtl_problem_objective(pb, W, &obj));
  CHECK_CLOSE(info->objective, obj, 1e-12);
  CHECK_CLOSE(info->objective, test_objective(ds, sc, reg, d_pen, W), 1e-12);
  CHECK(info->iterations >= 1);
  CHECK(info->trace != NULL);
  if (info->trace) {
    /* descent method: the trace does not increase (beyond rounding) */
    for (int k = 1; k < info->iterations; k++)
      CHECK_LE(info->trace[k], info->trace[k - 1] * (1 + 1e-13) + 1e-300);
    CHECK_CLOSE(info->trace[info->iterations - 1], info->objective, 1e-10);
  }
  return rc;
}

/* ---- (1) ridge / none: normal equations ---------------------------------- */

static void check_normal_equations(const mtl_dataset *ds, mtl_scaling sc,
                                   double mu, int d_pen, const double *W) {
  int d = mtl_dataset_dim(ds), T = mtl_dataset_ntasks(ds);
  double G[MAXD * MAXD], b[MAXD];
  for (int t = 0; t < T; t++) {
    double s = test_scale(ds, t, sc);
    test_gram(ds, t, G, b);
    for (int j = 0; j < d; j++) {
      b[j] *= s;
      for (int k = 0; k < d; k++)
        G[j * d + k] *= s;
      if (j < d_pen)
        G[j * d + j] += 2 * mu;
    }
    gauss(d, G, b);
    for (int j = 0; j < d; j++)
      CHECK_CLOSE(W[t * d + j], b[j], 1e-10);
  }
}

static void test_ridge_none(void) {
  const int n[3] = {20, 31, 12};
  int d = 6, T = 3;
  mtl_dataset *ds = random_dataset(d, T, n, 0);
  CHECK_OK(mtl_dataset_set_weight(ds, 1, 2.5));
  CHECK_OK(mtl_dataset_set_weight(ds, 2, 0.4));
  struct {
    mtl_reg_type type;
    double lambda, ridge;
    int unpen;
    mtl_scaling sc;
  } cases[] = {
      {MTL_REG_NONE, 0.0, 0.0, 0, MTL_SCALE_MEAN},
      {MTL_REG_NONE, 0.0, 0.0, 0, MTL_SCALE_SUM},
      {MTL_REG_RIDGE, 0.3, 0.0, 0, MTL_SCALE_MEAN},
      {MTL_REG_RIDGE, 0.3, 0.1, 1, MTL_SCALE_DOUBLE_MEAN},
      {MTL_REG_NONE, 0.7, 0.2, 0, MTL_SCALE_DOUBLE_SUM},
      /* lambda of L1 / L21 at 0: the plain least squares */
      {MTL_REG_L1, 0.0, 0.05, 1, MTL_SCALE_MEAN},
      {MTL_REG_L21, 0.0, 0.05, 0, MTL_SCALE_MEAN},
  };
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    for (int gram = 0; gram <= 1; gram++) {
      mtl_problem *pb =
          make_problem(ds, cases[k].type, cases[k].lambda, cases[k].ridge,
                       cases[k].unpen, cases[k].sc, gram);
      if (!pb)
        continue;
      double W[MAXD * MAXT] = {0};
      mtl_solve_info info;
      mtl_reg reg;
      mtl_reg_init(&reg);
      reg.type = cases[k].type;
      reg.lambda = cases[k].lambda;
      reg.ridge = cases[k].ridge;
      int d_pen = cases[k].unpen ? d - 1 : d;
      bcd(pb, ds, &reg, cases[k].sc, d_pen, W, &info);
      double mu = cases[k].ridge +
                  (cases[k].type == MTL_REG_RIDGE ? cases[k].lambda : 0.0);
      check_normal_equations(ds, cases[k].sc, mu, d_pen, W);
      mtl_free(info.trace);
      mtl_problem_free(pb);
    }
  }
  mtl_dataset_free(ds);
}

/* ---- (2) L1 closed forms with one task ------------------------------------
 */

static double soft(double x, double l) {
  return x > l ? x - l : x < -l ? x + l : 0.0;
}

/* d = 1: w = soft(s b, lambda) / (s G + 2 ridge); L21 with T = 1 is the
 * same problem. */
static void test_l1_scalar(void) {
  double X[7] = {0.5, -1.2, 2.0, 0.3, 1.1, -0.7, 0.9};
  double y[7] = {1.0, -2.0, 3.5, 0.1, 2.2, -1.0, 1.5};
  mtl_dataset *ds = mtl_dataset_create(1);
  CHECK_OK(mtl_dataset_add_dense(ds, 7, X, y, MTL_TASK_REGRESSION, NULL));
  double G = 0, b = 0;
  for (int i = 0; i < 7; i++) {
    G += X[i] * X[i];
    b += X[i] * y[i];
  }
  double s = 1.0 / 7; /* MTL_SCALE_MEAN */
  double lambdas[3] = {0.1, 0.9 * s * b, 1.1 * s * b};
  for (int type = 0; type < 2; type++)
    for (int k = 0; k < 3; k++)
      for (int r = 0; r < 2; r++) {
        double ridge = r ? 0.25 : 0.0;
        mtl_reg_type rt = type ? MTL_REG_L21 : MTL_REG_L1;
        mtl_problem *pb =
            make_problem(ds, rt, lambdas[k], ridge, 0, MTL_SCALE_MEAN, -1);
        double W[1] = {-3.0}; /* warm start on the wrong side */
        mtl_solve_info info;
        mtl_solver_params sp;
        tight(&sp);
        CHECK(mtl__bcd_solve(pb, &sp, W, &info) == MTL_CONVERGED);
        double want = soft(s * b, lambdas[k]) / (s * G + 2 * ridge);
        CHECK_CLOSE(W[0], want, 1e-14);
        if (k == 2)
          CHECK(W[0] == 0.0);
        /* one coordinate: exact after a single pass, fixed point on the
         * second */
        CHECK(info.iterations <= 2);
        mtl_free(info.trace);
        mtl_problem_free(pb);
      }
  mtl_dataset_free(ds);
}

/* d = 2, correlated columns: the minimizer of s/2 ||Xw - y||^2 + lambda
 * |w|_1 found by enumerating the 9 support/sign patterns, solving the
 * 2 x 2 (or 1 x 1) stationarity system of each and keeping the consistent
 * pattern of least objective. */
static void test_l1_pairs(void) {
  enum { N = 9 };
  double X[2 * N], y[N];
  for (int i = 0; i < N; i++) {
    double a = check_rand(&seed), e = check_rand(&seed);
    X[2 * i] = a;
    X[2 * i + 1] = 0.8 * a + 0.6 * e; /* correlation ~0.8 */
    y[i] = 1.5 * a - 0.7 * X[2 * i + 1] + 0.2 * check_rand(&seed);
  }
  mtl_dataset *ds = mtl_dataset_create(2);
  CHECK_OK(mtl_dataset_add_dense(ds, N, X, y, MTL_TASK_REGRESSION, NULL));
  double G[4], b[2];
  test_gram(ds, 0, G, b);
  double s = 1.0; /* MTL_SCALE_SUM */
  mtl_reg reg;
  mtl_reg_init(&reg);
  reg.type = MTL_REG_L1;
  int nonzero_seen[3] = {0, 0, 0};
  for (int k = 0; k < 12; k++) {
    double lambda = 0.05 + 0.35 * k;
    reg.lambda = lambda;
    /* enumerate */
    double best[2] = {0, 0}, bestf = INFINITY;
    for (int s0 = -1; s0 <= 1; s0++)
      for (int s1 = -1; s1 <= 1; s1++) {
        double w[2] = {0, 0};
        if (s0 && s1) {
          double A[4] = {s * G[0], s * G[1], s * G[2], s * G[3]};
          double r[2] = {s * b[0] - lambda * s0, s * b[1] - lambda * s1};
          gauss(2, A, r);
          w[0] = r[0];
          w[1] = r[1];
        } else if (s0) {
          w[0] = (s * b[0] - lambda * s0) / (s * G[0]);
        } else if (s1) {
          w[1] = (s * b[1] - lambda * s1) / (s * G[3]);
        }
        if ((s0 && (w[0] > 0) != (s0 > 0)) || (s1 && (w[1] > 0) != (s1 > 0)))
          continue; /* inconsistent signs */
        double f = test_objective(ds, MTL_SCALE_SUM, &reg, 2, w);
        if (f < bestf) {
          bestf = f;
          best[0] = w[0];
          best[1] = w[1];
        }
      }
    mtl_problem *pb =
        make_problem(ds, MTL_REG_L1, lambda, 0.0, 0, MTL_SCALE_SUM, -1);
    double W[2] = {0, 0};
    mtl_solve_info info;
    bcd(pb, ds, &reg, MTL_SCALE_SUM, 2, W, &info);
    CHECK_CLOSE(W[0], best[0], 1e-10);
    CHECK_CLOSE(W[1], best[1], 1e-10);
    CHECK((W[0] == 0) == (best[0] == 0) && (W[1] == 0) == (best[1] == 0));
    nonzero_seen[(W[0] != 0) + (W[1] != 0)]++;
    mtl_free(info.trace);
    mtl_problem_free(pb);
  }
  /* the grid covers full, one-feature and empty supports */
  CHECK(nonzero_seen[0] > 0 && nonzero_seen[1] > 0 && nonzero_seen[2] > 0);
  mtl_dataset_free(ds);
}

/* ---- (3) KKT conditions on random problems --------------------------------
 */

/* Checks the optimality conditions of W for L1 / L21 plus ridge mu on the
 * first d_pen rows, from the test's own gradient.  Returns the number of
 * zero penalized rows (L21) or entries (L1). */
static int check_kkt(const mtl_dataset *ds, mtl_scaling sc, mtl_reg_type type,
                     double lambda, double mu, int d_pen, const double *W) {
  int d = mtl_dataset_dim(ds), T = mtl_dataset_ntasks(ds);
  double g[MAXD * MAXT];
  test_grad(ds, sc, mu, d_pen, W, g);
  double tol = 1e-8 * (lambda > 1 ? lambda : 1);
  int zeros = 0;
  for (int j = 0; j < d; j++) {
    if (j >= d_pen) { /* unpenalized: plain stationarity */
      for (int t = 0; t < T; t++)
        CHECK_CLOSE(g[t * d + j], 0.0, tol);
      continue;
    }
    if (type == MTL_REG_L1) {
      for (int t = 0; t < T; t++) {
        double w = W[t * d + j], gj = g[t * d + j];
        if (w != 0) {
          CHECK_CLOSE(gj + lambda * (w > 0 ? 1 : -1), 0.0, tol);
        } else {
          zeros++;
          CHECK_LE(fabs(gj), lambda + tol);
        }
      }
    } else {
      double wn = 0, gn = 0;
      for (int t = 0; t < T; t++) {
        wn += W[t * d + j] * W[t * d + j];
        gn += g[t * d + j] * g[t * d + j];
      }
      wn = sqrt(wn);
      gn = sqrt(gn);
      if (wn != 0) {
        for (int t = 0; t < T; t++)
          CHECK_CLOSE(g[t * d + j] + lambda * W[t * d + j] / wn, 0.0, tol);
      } else {
        zeros++;
        CHECK_LE(gn, lambda + tol);
      }
    }
  }
  return zeros;
}

/* lambda_max from the test's gradient at 0 (max |g| or max row norm). */
static double test_lambda_max(const mtl_dataset *ds, mtl_scaling sc,
                              mtl_reg_type type, int d_pen) {
  int d = mtl_dataset_dim(ds), T = mtl_dataset_ntasks(ds);
  double W[MAXD * MAXT] = {0}, g[MAXD * MAXT], m = 0;
  test_grad(ds, sc, 0, d_pen, W, g);
  for (int j = 0; j < d_pen; j++) {
    double rn = 0;
    for (int t = 0; t < T; t++) {
      double a = fabs(g[t * d + j]);
      rn += a * a;
      if (type == MTL_REG_L1 && a > m)
        m = a;
    }
    if (type == MTL_REG_L21 && sqrt(rn) > m)
      m = sqrt(rn);
  }
  return m;
}

static void test_kkt_random(void) {
  const int n[4] = {15, 40, 22, 9}; /* task 4 has n < d: no problem Gram */
  int d = 12, T = 4;
  mtl_dataset *ds = random_dataset(d, T, n, 0);
  CHECK_OK(mtl_dataset_set_weight(ds, 0, 3.0));
  for (int type = 0; type < 2; type++) {
    mtl_reg_type rt = type ? MTL_REG_L21 : MTL_REG_L1;
    double lmax = test_lambda_max(ds, MTL_SCALE_MEAN, rt, d);
    double lm_lib = 0;
    mtl_problem *pb0 = make_problem(ds, rt, 1.0, 0, 0, MTL_SCALE_MEAN, -1);
    CHECK_OK(mtl_problem_lambda_max(pb0, &lm_lib));
    CHECK_CLOSE(lm_lib, lmax, 1e-12);
    mtl_problem_free(pb0);
    double fracs[3] = {0.02, 0.3, 0.7};
    for (int k = 0; k < 3; k++)
      for (int r = 0; r < 2; r++) {
        double ridge = r ? 0.05 : 0.0, lambda = fracs[k] * lmax;
        mtl_problem *pb =
            make_problem(ds, rt, lambda, ridge, 0, MTL_SCALE_MEAN, -1);
        double W[MAXD * MAXT] = {0};
        mtl_solve_info info;
        mtl_reg reg;
        mtl_reg_init(&reg);
        reg.type = rt;
        reg.lambda = lambda;
        reg.ridge = ridge;
        bcd(pb, ds, &reg, MTL_SCALE_MEAN, d, W, &info);
        int zeros = check_kkt(ds, MTL_SCALE_MEAN, rt, lambda, ridge, d, W);
        int total = rt == MTL_REG_L1 ? d * T : d;
        if (k == 1) /* the middle lambda keeps some, drops some */
          CHECK(zeros > 0 && zeros < total);
        if (k == 2)
          CHECK(zeros > 0);
        mtl_free(info.trace);
        mtl_problem_free(pb);
      }
    /* lambda slightly above lambda_max: W = 0 from a non-zero warm start */
    mtl_problem *pb =
        make_problem(ds, rt, 1.0001 * lmax, 0, 0, MTL_SCALE_MEAN, -1);
    double W[MAXD * MAXT];
    for (int k = 0; k < d * T; k++)
      W[k] = check_rand(&seed);
    mtl_solve_info info;
    mtl_solver_params sp;
    tight(&sp);
    CHECK(mtl__bcd_solve(pb, &sp, W, &info) == MTL_CONVERGED);
    double wmax = 0;
    for (int k = 0; k < d * T; k++)
      wmax = fmax(wmax, fabs(W[k]));
    CHECK(wmax == 0.0);
    mtl_free(info.trace);
    mtl_problem_free(pb);
  }
  mtl_dataset_free(ds);
}

/* L21 with task curvatures h_t spread over 6 orders of magnitude (task
 * weights 1e3 .. 1e-3): the row equation in r is far from linear. */
static void test_l21_spread(void) {
  const int n[4] = {25, 25, 30, 20};
  int d = 7, T = 4;
  mtl_dataset *ds = random_dataset(d, T, n, 0);
  const double c[4] = {1e3, 1.0, 1e-3, 30.0};
  for (int t = 0; t < T; t++)
    CHECK_OK(mtl_dataset_set_weight(ds, t, c[t]));
  double lmax = test_lambda_max(ds, MTL_SCALE_MEAN, MTL_REG_L21, d);
  const double fracs[3] = {1e-4, 0.05, 0.5};
  for (int k = 0; k < 3; k++) {
    double lambda = fracs[k] * lmax;
    mtl_problem *pb =
        make_problem(ds, MTL_REG_L21, lambda, 0, 0, MTL_SCALE_MEAN, -1);
    double W[MAXD * MAXT] = {0};
    mtl_solve_info info;
    mtl_reg reg;
    mtl_reg_init(&reg);
    reg.type = MTL_REG_L21;
    reg.lambda = lambda;
    bcd(pb, ds, &reg, MTL_SCALE_MEAN, d, W, &info);
    check_kkt(ds, MTL_SCALE_MEAN, MTL_REG_L21, lambda, 0, d, W);
    mtl_free(info.trace);
    mtl_problem_free(pb);
  }
  mtl_dataset_free(ds);
}

/* ---- (4) mixed sizes, unpenalized bias, shared design, CSR, zero feature --
 */

static void test_bias_and_sizes(void) {
  const int n[5] = {30, 7, 18, 44, 11};
  int d = 8, T = 5;
  mtl_dataset *ds = random_dataset(d, T, n, 1); /* last feature = 1 */
  CHECK_OK(mtl_dataset_set_weight(ds, 3, 0.3));
  for (int type = 0; type < 2; type++) {
    mtl_reg_type rt = type ? MTL_REG_L21 : MTL_REG_L1;
    double lambda = 0.4 * test_lambda_max(ds, MTL_SCALE_MEAN, rt, d - 1);
    double Wg[2][MAXD * MAXT];
    for (int gram = 0; gram <= 1; gram++) {
      mtl_problem *pb =
          make_problem(ds, rt, lambda, 0.02, 1, MTL_SCALE_MEAN, gram);
      double *W = Wg[gram];
      memset(W, 0, sizeof Wg[0]);
      mtl_solve_info info;
      mtl_reg reg;
      mtl_reg_init(&reg);
      reg.type = rt;
      reg.lambda = lambda;
      reg.ridge = 0.02;
      bcd(pb, ds, &reg, MTL_SCALE_MEAN, d - 1, W, &info);
      int zeros = check_kkt(ds, MTL_SCALE_MEAN, rt, lambda, 0.02, d - 1, W);
      CHECK(zeros > 0);
      /* the bias row is not shrunk: non-zero in every task */
      for (int t = 0; t < T; t++)
        CHECK(W[t * d + d - 1] != 0);
      mtl_free(info.trace);
      mtl_problem_free(pb);
    }
    /* the problem's Gram and the solver's own give the same point */
    for (int k = 0; k < d * T; k++)
      CHECK_CLOSE(Wg[0][k], Wg[1][k], 1e-11);
  }
  mtl_dataset_free(ds);
}

static void test_shared_design(void) {
  int n = 25, d = 7, T = 4;
  double X[25 * 7], Y[25 * 4];
  for (int i = 0; i < n; i++)
    for (int j = 0; j < d; j++)
      X[i * d + j] = j == d - 1 ? 1.0 : check_rand(&seed);
  for (int t = 0; t < T; t++)
    for (int i = 0; i < n; i++) {
      double v = 0.2 * check_rand(&seed) + 0.5 * t;
      for (int j = 0; j < 3; j++)
        v += (1.0 + 0.1 * t) * (j + 1) * X[i * d + j];
      Y[t * n + i] = v;
    }
  mtl_dataset *ds = mtl_dataset_create(d);
  CHECK_OK(mtl_dataset_set_shared(ds, n, X, T, Y, MTL_TASK_REGRESSION));
  CHECK(mtl_dataset_is_shared(ds));
  CHECK_OK(mtl_dataset_set_weight(ds, 2, 1.7));
  /* ridge with a bias: normal equations */
  for (int gram = 0; gram <= 1; gram++) {
    mtl_problem *pb =
        make_problem(ds, MTL_REG_RIDGE, 0.15, 0, 1, MTL_SCALE_MEAN, gram);
    double W[MAXD * MAXT] = {0};
    mtl_solve_info info;
    mtl_reg reg;
    mtl_reg_init(&reg);
    reg.type = MTL_REG_RIDGE;
    reg.lambda = 0.15;
    reg.ridge = 0;
    bcd(pb, ds, &reg, MTL_SCALE_MEAN, d - 1, W, &info);
    check_normal_equations(ds, MTL_SCALE_MEAN, 0.15, d - 1, W);
    mtl_free(info.trace);
    mtl_problem_free(pb);
  }
  /* L21: the true support (features 1..3) is selected, KKT holds */
  double lambda = 0.2 * test_lambda_max(ds, MTL_SCALE_MEAN, MTL_REG_L21, d - 1);
  for (int gram = 0; gram <= 1; gram++) {
    mtl_problem *pb =
        make_problem(ds, MTL_REG_L21, lambda, 0, 1, MTL_SCALE_MEAN, gram);
    double W[MAXD * MAXT] = {0};
    mtl_solve_info info;
    mtl_reg reg;
    mtl_reg_init(&reg);
    reg.type = MTL_REG_L21;
    reg.lambda = lambda;
    bcd(pb, ds, &reg, MTL_SCALE_MEAN, d - 1, W, &info);
    check_kkt(ds, MTL_SCALE_MEAN, MTL_REG_L21, lambda, 0, d - 1, W);
    for (int j = 0; j < 3; j++)
      CHECK(W[j] != 0 && W[d + j] != 0);
    mtl_free(info.trace);
    mtl_problem_free(pb);
  }
  mtl_dataset_free(ds);
}

/* More features than samples in every task (d >> n, separate tasks and a
 * shared design): BCD's residual mode (no problem Gram) and its Gram mode
 * (gram = 1) reach the same point, which satisfies the KKT conditions. */
static void test_wide(void) {
  const int n[3] = {8, 15, 11};
  int d = 20, T = 3;
  mtl_dataset *sep = random_dataset(d, T, n, 1);
  int ns = 9;
  double X[9 * 20], Y[9 * 3];
  for (int i = 0; i < ns * d; i++)
    X[i] = (i % d) == d - 1 ? 1.0 : check_rand(&seed);
  for (int i = 0; i < ns * T; i++)
    Y[i] = check_rand(&seed);
  mtl_dataset *sh = mtl_dataset_create(d);
  CHECK_OK(mtl_dataset_set_shared(sh, ns, X, T, Y, MTL_TASK_REGRESSION));
  mtl_dataset *sets[2] = {sep, sh};
  for (int k = 0; k < 2; k++)
    for (int type = 0; type < 2; type++) {
      mtl_reg_type rt = type ? MTL_REG_L21 : MTL_REG_L1;
      double lambda =
          0.2 * test_lambda_max(sets[k], MTL_SCALE_MEAN, rt, d - 1);
      double Wg[2][MAXD * MAXT];
      for (int gram = 0; gram <= 1; gram++) {
        mtl_problem *pb = make_problem(sets[k], rt, lambda, 0.01, 1,
                                       MTL_SCALE_MEAN, gram);
        double *W = Wg[gram];
        memset(W, 0, sizeof Wg[0]);
        mtl_solve_info info;
        mtl_reg reg;
        mtl_reg_init(&reg);
        reg.type = rt;
        reg.lambda = lambda;
        reg.ridge = 0.01;
        bcd(pb, sets[k], &reg, MTL_SCALE_MEAN, d - 1, W, &info);
        check_kkt(sets[k], MTL_SCALE_MEAN, rt, lambda, 0.01, d - 1, W);
        mtl_free(info.trace);
        mtl_problem_free(pb);
      }
      for (int q = 0; q < d * T; q++)
        CHECK_CLOSE(Wg[0][q], Wg[1][q], 1e-10);
    }
  mtl_dataset_free(sep);
  mtl_dataset_free(sh);
}

/* CSR tasks, one feature that is zero in every sample. */
static void test_csr_zero_feature(void) {
  int d = 6, T = 3;
  const int n[3] = {14, 20, 5};
  mtl_dataset *ds = mtl_dataset_create(d);
  for (int t = 0; t < T; t++) {
    int64_t indptr[21];
    int32_t idx[20 * 6];
    double val[20 * 6], y[20];
    int64_t nnz = 0;
    indptr[0] = 0;
    for (int i = 0; i < n[t]; i++) {
      y[i] = 0.1 * check_rand(&seed);
      for (int j = 0; j < d; j++) {
        if (j == 2) /* feature 3 never appears */
          continue;
        double u = check_rand(&seed);
        if (fabs(u) < 0.4 && j != 0)
          continue; /* sparse */
        idx[nnz] = j;
        val[nnz++] = u;
        y[i] += (j % 2 ? 1.5 : -0.8) * u;
      }
      indptr[i + 1] = nnz;
    }
    CHECK(mtl_dataset_add_csr(ds, n[t], indptr, idx, val, y,
                              MTL_TASK_REGRESSION, NULL) == t);
  }
  CHECK(mtl_dataset_task_is_sparse(ds, 0));
  for (int type = 0; type < 3; type++) {
    mtl_reg_type rt = type == 0   ? MTL_REG_L1
                      : type == 1 ? MTL_REG_L21
                                  : MTL_REG_NONE;
    double lambda = rt == MTL_REG_NONE
                        ? 0
                        : 0.1 * test_lambda_max(ds, MTL_SCALE_MEAN, rt, d);
    for (int gram = 0; gram <= 1; gram++) {
      mtl_problem *pb =
          make_problem(ds, rt, lambda, rt == MTL_REG_NONE ? 0.01 : 0, 0,
                       MTL_SCALE_MEAN, gram);
      double W[MAXD * MAXT];
      for (int k = 0; k < d * T; k++) /* warm start, zero feature included */
        W[k] = check_rand(&seed);
      mtl_solve_info info;
      mtl_reg reg;
      mtl_reg_init(&reg);
      reg.type = rt;
      reg.lambda = lambda;
      reg.ridge = rt == MTL_REG_NONE ? 0.01 : 0;
      bcd(pb, ds, &reg, MTL_SCALE_MEAN, d, W, &info);
      for (int t = 0; t < T; t++)
        CHECK(W[t * d + 2] == 0.0);
      if (rt == MTL_REG_NONE) /* X'X singular (zero feature): ridge 0.01 */
        check_normal_equations(ds, MTL_SCALE_MEAN, 0.01, d, W);
      else
        check_kkt(ds, MTL_SCALE_MEAN, rt, lambda, 0, d, W);
      mtl_free(info.trace);
      mtl_problem_free(pb);
    }
  }
  mtl_dataset_free(ds);
}

/* ---- agreement with FISTA through mtl_solve --------------------------------
 */

static void test_vs_fista(void) {
  const int n[4] = {35, 20, 50, 16};
  int d = 10, T = 4;
  mtl_dataset *ds = random_dataset(d, T, n, 1);
  for (int type = 0; type < 3; type++) {
    mtl_reg_type rt = type == 0   ? MTL_REG_L1
                      : type == 1 ? MTL_REG_L21
                                  : MTL_REG_RIDGE;
    double lambda = rt == MTL_REG_RIDGE
                        ? 0.05
                        : 0.25 * test_lambda_max(ds, MTL_SCALE_MEAN, rt, d - 1);
    mtl_problem *pb = make_problem(ds, rt, lambda, 0.01, 1, MTL_SCALE_MEAN, -1);
    double Wf[MAXD * MAXT] = {0}, Wb[MAXD * MAXT] = {0};
    mtl_solver_params sp;
    mtl_solver_params_init(&sp);
    sp.max_iter = 100000;
    sp.tol_obj = 1e-15;
    sp.tol_gap = 1e-15; /* W to 1e-5 needs a far smaller gap than 1e-9 */
    mtl_solve_info fi, bi;
    CHECK_OK(mtl_solve(pb, &sp, Wf, &fi));
    tight(&sp);
    CHECK(mtl_solve(pb, &sp, Wb, &bi) == MTL_CONVERGED);
    CHECK_CLOSE(bi.objective, fi.objective, 1e-8 * fabs(fi.objective));
    CHECK_LE(bi.objective, fi.objective * (1 + 1e-12)); /* BCD is exact */
    for (int k = 0; k < d * T; k++)
      CHECK_CLOSE(Wb[k], Wf[k], 1e-5);
    /* the lead's certificate on the BCD point: duality gap ~ 0 */
    if (rt != MTL_REG_RIDGE && isfinite(bi.cert.gap))
      CHECK_LE(fabs(bi.cert.gap), 1e-9 * bi.objective);
    CHECK_LE(bi.cert.residual, 1e-8);
    mtl_free(fi.trace);
    mtl_free(bi.trace);
    mtl_problem_free(pb);
  }
  mtl_dataset_free(ds);
}

/* ---- (5) errors, cancellation, status -------------------------------------
 */

static int cancel_cb(void *ctx, int iter, double obj, double rel, double res) {
  (void)obj;
  (void)rel;
  (void)res;
  int *calls = ctx;
  (*calls)++;
  return iter >= 3;
}

static mtl_problem *interrupt_pb;
static int interrupt_cb(void *ctx, int iter, double obj, double rel,
                        double res) {
  (void)ctx;
  (void)obj;
  (void)rel;
  (void)res;
  if (iter == 2)
    mtl_problem_interrupt(interrupt_pb);
  return 0;
}

static void test_errors(void) {
  const int n[2] = {12, 15};
  int d = 5, T = 2;
  mtl_dataset *ds = random_dataset(d, T, n, 0);
  mtl_solver_params sp;
  tight(&sp);
  double W[MAXD * MAXT] = {0};
  mtl_solve_info info;

  /* unsupported regularizers */
  mtl_reg_type bad[2] = {MTL_REG_TRACE, MTL_REG_MEAN};
  const char *names[2] = {"trace", "mean"};
  for (int k = 0; k < 2; k++) {
    mtl_problem *pb = make_problem(ds, bad[k], 0.1, 0, 0, MTL_SCALE_MEAN, -1);
    CHECK_ERR(mtl__bcd_solve(pb, &sp, W, &info), MTL_EUNSUPPORTED);
    CHECK_MSG(names[k]);
    CHECK_MSG("fista");
    CHECK_ERR(mtl_solve(pb, &sp, W, &info), MTL_EUNSUPPORTED);
    CHECK(info.trace == NULL);
    mtl_problem_free(pb);
  }

  /* a classification task: the AUTO loss is logistic */
  double Xc[8] = {1, 0, 0, 1, 1, 1, -1, 0.5};
  double yc[4] = {1, -1, 1, -1};
  mtl_dataset *dc = mtl_dataset_create(2);
  CHECK_OK(mtl_dataset_add_dense(dc, 4, Xc, yc, -1, "clf"));
  mtl_problem_params pp;
  mtl_problem_params_init(&pp);
  pp.reg.type = MTL_REG_L21;
  mtl_problem *pc = NULL;
  CHECK_OK(mtl_problem_create(dc, &pp, &pc));
  if (pc) {
    CHECK_ERR(mtl__bcd_solve(pc, &sp, W, &info), MTL_EUNSUPPORTED);
    CHECK_MSG("task 1 (clf)");
    CHECK_MSG("logistic");
    CHECK_MSG("fista");
    mtl_problem_free(pc);
  }
  mtl_dataset_free(dc);

  mtl_problem *pb =
      make_problem(ds, MTL_REG_L1, 0.01, 0, 0, MTL_SCALE_MEAN, -1);
  /* invalid arguments */
  CHECK_ERR(mtl__bcd_solve(pb, &sp, NULL, &info), MTL_EINVAL);
  CHECK_MSG("W");
  CHECK_ERR(mtl__bcd_solve(pb, NULL, W, &info), MTL_EINVAL);
  CHECK_ERR(mtl__bcd_solve(NULL, &sp, W, &info), MTL_EINVAL);
  sp.max_iter = 0;
  CHECK_ERR(mtl__bcd_solve(pb, &sp, W, &info), MTL_EINVAL);
  CHECK_MSG("max_iter = 0");
  tight(&sp);
  sp.tol_obj = -1;
  CHECK_ERR(mtl__bcd_solve(pb, &sp, W, &info), MTL_EINVAL);
  CHECK_MSG("tol_obj");
  tight(&sp);
  W[1 * d + 3] = NAN;
  CHECK_ERR(mtl__bcd_solve(pb, &sp, W, &info), MTL_EINVAL);
  CHECK_MSG("feature 4, task 2");
  W[1 * d + 3] = 0;

  /* cancellation by the progress callback: stops after iteration 3 */
  int calls = 0;
  sp.progress = cancel_cb;
  sp.progress_ctx = &calls;
  sp.max_iter = 1000;
  CHECK_ERR(mtl__bcd_solve(pb, &sp, W, &info), MTL_ECANCELLED);
  CHECK_MSG("progress");
  CHECK(calls == 3);
  CHECK(info.iterations == 3);
  CHECK(info.trace == NULL);
  CHECK(isfinite(info.objective));

  /* interrupt flag raised during the solve: cancelled at the next pass */
  memset(W, 0, sizeof W);
  interrupt_pb = pb;
  sp.progress = interrupt_cb;
  sp.progress_ctx = NULL;
  CHECK_ERR(mtl__bcd_solve(pb, &sp, W, &info), MTL_ECANCELLED);
  CHECK_MSG("interrupt");
  CHECK(info.iterations == 2);
  /* the flag is cleared when a solve starts */
  mtl_problem_interrupt(pb);
  sp.progress = NULL;
  CHECK(mtl__bcd_solve(pb, &sp, W, &info) == MTL_CONVERGED);
  mtl_free(info.trace);

  /* max_iter reached: status MTL_MAXITER, trace of max_iter entries */
  memset(W, 0, sizeof W);
  tight(&sp);
  sp.max_iter = 2;
  CHECK(mtl__bcd_solve(pb, &sp, W, &info) == MTL_MAXITER);
  CHECK(info.status == MTL_MAXITER && info.iterations == 2);
  CHECK(info.trace && info.trace[1] <= info.trace[0]);
  mtl_free(info.trace);
  /* no trace when not asked; default tol_obj stops early */
  tight(&sp);
  sp.record_trace = 0;
  sp.tol_obj = 1e-10;
  memset(W, 0, sizeof W);
  CHECK(mtl__bcd_solve(pb, &sp, W, &info) == MTL_CONVERGED);
  CHECK(info.status == MTL_CONVERGED && info.trace == NULL);
  CHECK(info.seconds >= 0);
  /* info may be NULL */
  CHECK(mtl__bcd_solve(pb, &sp, W, NULL) == MTL_CONVERGED);
  /* the default rule is the duality gap's: converged means certified */
  mtl_solver_params_init(&sp);
  sp.solver = MTL_SOLVER_BCD;
  memset(W, 0, sizeof W);
  CHECK(mtl_solve(pb, &sp, W, &info) == MTL_CONVERGED);
  CHECK(info.cert.gap <= sp.tol_gap * fabs(info.cert.primal));
  mtl_problem_free(pb);
  mtl_dataset_free(ds);
}

/* The working set (rows nonzero after a pass over every row): from a warm
 * start on the wrong support (rows 0..5 nonzero, the signal in rows
 * 18..23, a shared design with n < d, so the residual mode), the passes
 * over the working set must hand back to passes over every row that let
 * the right rows in and drop the wrong ones; the end is the KKT point, the
 * same as from W = 0 (1e-10), and the objective trace never increases. */
static void test_working_set(void) {
  int d = MAXD, T = 4, ns = 14;
  double X[14 * MAXD], Y[14 * 4];
  for (int i = 0; i < ns * d; i++)
    X[i] = check_rand(&seed);
  for (int t = 0; t < T; t++)
    for (int i = 0; i < ns; i++) {
      double s = 0;
      for (int j = 18; j < d; j++)
        s += X[i * d + j] * (1.0 + 0.3 * t - 0.1 * j);
      Y[t * ns + i] = s + 0.05 * check_rand(&seed);
    }
  mtl_dataset *ds = mtl_dataset_create(d);
  CHECK_OK(mtl_dataset_set_shared(ds, ns, X, T, Y, MTL_TASK_REGRESSION));
  for (int type = 0; type < 2; type++) {
    mtl_reg_type rt = type ? MTL_REG_L21 : MTL_REG_L1;
    double lambda = 0.15 * test_lambda_max(ds, MTL_SCALE_MEAN, rt, d);
    mtl_reg reg;
    mtl_reg_init(&reg);
    reg.type = rt;
    reg.lambda = lambda;
    double W0[MAXD * MAXT] = {0}, W[MAXD * MAXT] = {0};
    for (int t = 0; t < T; t++)
      for (int j = 0; j < 6; j++)
        W[t * d + j] = 2.0 - 0.5 * j + t;
    for (int k = 0; k < 2; k++) {
      double *Wk = k ? W : W0;
      mtl_problem *pb = make_problem(ds, rt, lambda, 0, 0, MTL_SCALE_MEAN, -1);
      mtl_solve_info info;
      bcd(pb, ds, &reg, MTL_SCALE_MEAN, d, Wk, &info);
      check_kkt(ds, MTL_SCALE_MEAN, rt, lambda, 0, d, Wk);
      int late = 0;
      for (int t = 0; t < T; t++)
        for (int j = 18; j < d; j++)
          late += Wk[t * d + j] != 0;
      CHECK(late > 0); /* rows outside the first working set entered */
      mtl_free(info.trace);
      mtl_problem_free(pb);
    }
    for (int q = 0; q < d * T; q++)
      CHECK_CLOSE(W[q], W0[q], 1e-10);
  }
  mtl_dataset_free(ds);
}

int main(void) {
  test_ridge_none();
  test_l1_scalar();
  test_l1_pairs();
  test_kkt_random();
  test_l21_spread();
  test_bias_and_sizes();
  test_shared_design();
  test_wide();
  test_working_set();
  test_csr_zero_feature();
  test_vs_fista();
  test_errors();
  CHECK_DONE();
}
