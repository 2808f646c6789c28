/*
 * test_solve.c -- problems and batch solvers through the public header:
 * gradients against finite differences, Gram against raw passes, FISTA
 * against closed forms, duality-gap certificates, agreement of FISTA with
 * ISTA and BCD, reproducibility across runs and thread counts,
 * cancellation, parameter validation, paths and cross-validation.
 */
#include "check.h"

static unsigned long long seed = 42;

/* T dense tasks, task t has n + t samples, y = X w_true + noise, or
 * classification labels when cls. */
static mtl_dataset *make_dense(int T, int d, int n, int cls) {
  mtl_dataset *ds = mtl_dataset_create(d);
  double *wt = malloc((size_t)d * sizeof(double));
  for (int j = 0; j < d; j++)
    wt[j] = check_rand(&seed);
  for (int t = 0; t < T; t++) {
    int nt = n + t;
    double *X = malloc((size_t)nt * d * sizeof(double));
    double *y = malloc((size_t)nt * sizeof(double));
    for (int i = 0; i < nt; i++) {
      double s = 0;
      for (int j = 0; j < d; j++) {
        X[i * d + j] = check_rand(&seed);
        s += X[i * d + j] * (wt[j] + 0.3 * check_rand(&seed) * (t % 3));
      }
      y[i] = cls ? (s + 0.3 * check_rand(&seed) > 0 ? 1 : -1)
                 : s + 0.1 * check_rand(&seed);
    }
    CHECK(mtl_dataset_add_dense(ds, nt, X, y, cls ? 1 : 0, NULL) == t);
    free(X);
    free(y);
  }
  free(wt);
  return ds;
}

/* Same data as CSR (dropping exact zeros, of which there are none, but
 * exercising the sparse code paths). */
static mtl_dataset *to_csr(const mtl_dataset *ds) {
  int d = mtl_dataset_dim(ds), T = mtl_dataset_ntasks(ds);
  mtl_dataset *o = mtl_dataset_create(d);
  double *x = malloc((size_t)d * sizeof(double));
  for (int t = 0; t < T; t++) {
    int n = mtl_dataset_task_n(ds, t);
    int64_t *ip = malloc((size_t)(n + 1) * sizeof(int64_t));
    int32_t *ix = malloc((size_t)n * d * sizeof(int32_t));
    double *v = malloc((size_t)n * d * sizeof(double));
    int64_t nnz = 0;
    ip[0] = 0;
    for (int i = 0; i < n; i++) {
      mtl_dataset_get_row(ds, t, i, x);
      for (int j = 0; j < d; j++)
        if (x[j] != 0) {
          ix[nnz] = j;
          v[nnz++] = x[j];
        }
      ip[i + 1] = nnz;
    }
    CHECK_OK(mtl_dataset_add_csr(o, n, ip, ix, v, mtl_dataset_task_y(ds, t),
                                 mtl_dataset_task_kind(ds, t), NULL));
    free(ip);
    free(ix);
    free(v);
  }
  free(x);
  return o;
}

static void rand_W(double *W, size_t n) {
  for (size_t k = 0; k < n; k++)
    W[k] = 0.5 * check_rand(&seed);
}

/* Central finite differences of the smooth part in random coordinates. */
static void check_gradient(mtl_dataset *ds, mtl_loss loss, mtl_scaling sc,
                           int gram) {
  mtl_problem_params pp;
  mtl_problem_params_init(&pp);
  pp.loss = loss;
  pp.scaling = sc;
  pp.gram = gram;
  mtl_problem *pb = NULL;
  CHECK_OK(mtl_problem_create(ds, &pp, &pb));
  if (!pb)
    return;
  int d = mtl_dataset_dim(ds), T = mtl_dataset_ntasks(ds);
  size_t dT = (size_t)d * T;
  double *W = malloc(dT * sizeof(double)), *G = malloc(dT * sizeof(double));
  rand_W(W, dT);
  double f;
  CHECK_OK(mtl_problem_loss(pb, W, &f, G));
  for (int rep = 0; rep < 12; rep++) {
    size_t k = (size_t)((check_rand(&seed) + 1) * 0.5 * dT) % dT;
    double h = 1e-6, w0 = W[k], fp, fm;
    W[k] = w0 + h;
    mtl_problem_loss(pb, W, &fp, NULL);
    W[k] = w0 - h;
    mtl_problem_loss(pb, W, &fm, NULL);
    W[k] = w0;
    double fd = (fp - fm) / (2 * h);
    CHECK_CLOSE(G[k], fd, 1e-6);
  }
  free(W);
  free(G);
  mtl_problem_free(pb);
}

static void test_gradients(void) {
  mtl_dataset *reg = make_dense(4, 6, 10, 0);
  mtl_dataset *cls = make_dense(3, 5, 12, 1);
  mtl_dataset *creg = to_csr(reg), *ccls = to_csr(cls);
  for (int sc = MTL_SCALE_SUM; sc <= MTL_SCALE_DOUBLE_MEAN; sc++) {
    check_gradient(reg, MTL_LOSS_SQUARED, (mtl_scaling)sc, 0);
    check_gradient(reg, MTL_LOSS_SQUARED, (mtl_scaling)sc, 1);
    check_gradient(creg, MTL_LOSS_SQUARED, (mtl_scaling)sc, 1);
    check_gradient(creg, MTL_LOSS_SQUARED, (mtl_scaling)sc, 0);
    check_gradient(cls, MTL_LOSS_LOGISTIC, (mtl_scaling)sc, -1);
    check_gradient(cls, MTL_LOSS_SQHINGE, (mtl_scaling)sc, -1);
    check_gradient(ccls, MTL_LOSS_LOGISTIC, (mtl_scaling)sc, -1);
  }
  /* task weights enter linearly */
  mtl_dataset_set_weight(reg, 1, 3.5);
  check_gradient(reg, MTL_LOSS_SQUARED, MTL_SCALE_MEAN, 0);
  mtl_dataset_free(reg);
  mtl_dataset_free(cls);
  mtl_dataset_free(creg);
  mtl_dataset_free(ccls);
}

/* The Gram path (O(d^2)) and the raw streaming pass give the same value,
 * gradient and certificate. */
static void test_gram_vs_raw(void) {
  mtl_dataset *ds = make_dense(5, 7, 600, 0); /* n > block size */
  int d = 7, T = 5;
  size_t dT = (size_t)d * T;
  double *W = malloc(dT * sizeof(double));
  double *G1 = malloc(dT * sizeof(double)), *G2 = malloc(dT * sizeof(double));
  rand_W(W, dT);
  mtl_problem_params pp;
  mtl_problem_params_init(&pp);
  pp.loss = MTL_LOSS_SQUARED;
  pp.reg.type = MTL_REG_L21;
  pp.reg.lambda = 0.05;
  mtl_problem *a = NULL, *b = NULL;
  pp.gram = 1;
  CHECK_OK(mtl_problem_create(ds, &pp, &a));
  pp.gram = 0;
  CHECK_OK(mtl_problem_create(ds, &pp, &b));
  double fa, fb;
  CHECK_OK(mtl_problem_loss(a, W, &fa, G1));
  CHECK_OK(mtl_problem_loss(b, W, &fb, G2));
  CHECK_CLOSE(fa, fb, 1e-11);
  for (size_t k = 0; k < dT; k++)
    CHECK_CLOSE(G1[k], G2[k], 1e-10);
  mtl_certificate ca, cb;
  CHECK_OK(mtl_problem_certificate(a, W, &ca));
  CHECK_OK(mtl_problem_certificate(b, W, &cb));
  CHECK_CLOSE(ca.gap, cb.gap, 1e-9);
  CHECK_CLOSE(ca.dual, cb.dual, 1e-9);
  CHECK(ca.gap >= -1e-9 * fabs(ca.primal));
  free(W);
  free(G1);
  free(G2);
  mtl_problem_free(a);
  mtl_problem_free(b);
  mtl_dataset_free(ds);
}

/* Solves (A) x = b by Gaussian elimination with partial pivoting. */
static void gauss(int n, double *A, double *b) {
  for (int c = 0; c < n; c++) {
    int p = c;
    for (int r = c + 1; r < n; r++)
      if (fabs(A[r * n + c]) > fabs(A[p * n + c]))
        p = r;
    for (int k = 0; k < n; k++) {
      double tmp = A[c * n + k];
      A[c * n + k] = A[p * n + k];
      A[p * n + k] = tmp;
    }
    double tmp = b[c];
    b[c] = b[p];
    b[p] = tmp;
    for (int r = c + 1; r < n; r++) {
      double m = A[r * n + c] / A[c * n + c];
      for (int k = c; k < n; k++)
        A[r * n + k] -= m * A[c * n + k];
      b[r] -= m * b[c];
    }
  }
  for (int c = n - 1; c >= 0; c--) {
    for (int k = c + 1; k < n; k++)
      b[c] -= A[c * n + k] * b[k];
    b[c] /= A[c * n + c];
  }
}

/* Ridge per task has the closed form (a X'X + 2 lambda I) w = a X'y. */
static void test_ridge_closed_form(void) {
  int T = 3, d = 5;
  mtl_dataset *ds = make_dense(T, d, 8, 0);
  for (int solver = MTL_SOLVER_FISTA; solver <= MTL_SOLVER_BCD; solver++) {
    mtl_problem_params pp;
    mtl_problem_params_init(&pp);
    pp.scaling = MTL_SCALE_SUM;
    pp.reg.type = MTL_REG_RIDGE;
    pp.reg.lambda = 0.3;
    mtl_problem *pb = NULL;
    CHECK_OK(mtl_problem_create(ds, &pp, &pb));
    double W[15] = {0};
    mtl_solver_params sp;
    mtl_solver_params_init(&sp);
    sp.solver = (mtl_solver_kind)solver;
    sp.tol_obj = 0;
    sp.tol_res = 1e-13;
    sp.max_iter = 100000;
    mtl_solve_info info;
    int rc = mtl_solve(pb, &sp, W, &info);
    if (rc != MTL_CONVERGED)
      fprintf(stderr, "solver %d: rc %d after %d iterations\n", solver, rc,
              info.iterations);
    CHECK(rc == MTL_CONVERGED);
    for (int t = 0; t < T; t++) {
      int n = mtl_dataset_task_n(ds, t);
      double A[25] = {0}, b[5] = {0}, x[5];
      const double *y = mtl_dataset_task_y(ds, t);
      for (int i = 0; i < n; i++) {
        mtl_dataset_get_row(ds, t, i, x);
        for (int j = 0; j < d; j++) {
          b[j] += x[j] * y[i];
          for (int k = 0; k < d; k++)
            A[j * d + k] += x[j] * x[k];
        }
      }
      for (int j = 0; j < d; j++)
        A[j * d + j] += 2 * 0.3;
      gauss(d, A, b);
      for (int j = 0; j < d; j++)
        CHECK_CLOSE(W[t * d + j], b[j], 1e-9);
    }
    free(info.trace);
    mtl_problem_free(pb);
  }
  mtl_dataset_free(ds);
}

/* Norm regularizers: FISTA to a duality gap of 1e-10 relative; the gap is
 * non-negative at arbitrary points; ISTA and BCD agree on the objective. */
static void test_norms_certified(void) {
  mtl_dataset *ds = make_dense(6, 8, 12, 0);
  int d = 8, T = 6;
  size_t dT = (size_t)d * T;
  mtl_reg_type types[3] = {MTL_REG_L1, MTL_REG_L21, MTL_REG_TRACE};
  for (int r = 0; r < 3; r++) {
    for (int ridge = 0; ridge < 2; ridge++) {
      mtl_problem_params pp;
      mtl_problem_params_init(&pp);
      pp.scaling = MTL_SCALE_SUM;
      pp.reg.type = types[r];
      mtl_problem *pb = NULL;
      CHECK_OK(mtl_problem_create(ds, &pp, &pb));
      double lmax;
      CHECK_OK(mtl_problem_lambda_max(pb, &lmax));
      CHECK(lmax > 0);
      mtl_problem_set_lambda(pb, 0.2 * lmax);
      pp.reg.lambda = 0.2 * lmax;
      pp.reg.ridge = ridge ? 0.05 : 0;
      mtl_problem_free(pb);
      CHECK_OK(mtl_problem_create(ds, &pp, &pb));
      /* weak duality at a random point */
      double *W = calloc(dT, sizeof(double));
      rand_W(W, dT);
      mtl_certificate c;
      CHECK_OK(mtl_problem_certificate(pb, W, &c));
      CHECK(c.gap >= -1e-12 * fabs(c.primal));
      memset(W, 0, dT * sizeof(double));
      mtl_solver_params sp;
      mtl_solver_params_init(&sp);
      sp.record_trace = 1;
      sp.tol_obj = 0;
      sp.tol_gap = 1e-11;
      sp.gap_every = 5;
      sp.max_iter = 50000;
      mtl_solve_info info;
      CHECK(mtl_solve(pb, &sp, W, &info) == MTL_CONVERGED);
      CHECK(isfinite(info.cert.gap));
      CHECK_LE(info.cert.gap, 1e-10 * info.cert.primal);
      CHECK(info.cert.gap >= -1e-12 * info.cert.primal);
      CHECK_LE(info.cert.residual, 1e-4);
      /* trace is recorded */
      CHECK(info.trace != NULL && info.iterations > 0);
      if (info.trace)
        CHECK_CLOSE(info.trace[info.iterations - 1], info.objective, 1e-14);
      free(info.trace);
      /* ISTA from zero reaches the same objective */
      double *W2 = calloc(dT, sizeof(double));
      sp.solver = MTL_SOLVER_ISTA;
      sp.max_iter = 200000;
      mtl_solve_info info2;
      CHECK(mtl_solve(pb, &sp, W2, &info2) >= 0);
      CHECK_CLOSE(info2.objective, info.objective, 1e-9);
      free(info2.trace);
      if (types[r] != MTL_REG_TRACE) {
        memset(W2, 0, dT * sizeof(double));
        sp.solver = MTL_SOLVER_BCD;
        sp.tol_obj = 1e-15;
        sp.tol_gap = 0;
        sp.max_iter = 100000;
        CHECK(mtl_solve(pb, &sp, W2, &info2) >= 0);
        CHECK_CLOSE(info2.objective, info.objective, 1e-9);
        double diff = 0, nw = 0;
        for (size_t k = 0; k < dT; k++) {
          diff += (W2[k] - W[k]) * (W2[k] - W[k]);
          nw += W[k] * W[k];
        }
        CHECK_LE(sqrt(diff), 1e-5 * sqrt(nw));
        free(info2.trace);
      }
      free(W);
      free(W2);
      mtl_problem_free(pb);
    }
  }
  mtl_dataset_free(ds);
}

/* Above lambda_max the solution is exactly zero (L21, L1, trace). */
static void test_lambda_max(void) {
  mtl_dataset *ds = make_dense(4, 6, 10, 0);
  mtl_reg_type types[3] = {MTL_REG_L1, MTL_REG_L21, MTL_REG_TRACE};
  for (int r = 0; r < 3; r++) {
    mtl_problem_params pp;
    mtl_problem_params_init(&pp);
    pp.reg.type = types[r];
    mtl_problem *pb = NULL;
    CHECK_OK(mtl_problem_create(ds, &pp, &pb));
    double lmax, W[24];
    CHECK_OK(mtl_problem_lambda_max(pb, &lmax));
    mtl_problem_set_lambda(pb, lmax * 1.0001);
    rand_W(W, 24);
    mtl_solver_params sp;
    mtl_solver_params_init(&sp);
    sp.record_trace = 0;
    sp.tol_obj = 0;
    sp.tol_res = 1e-12;
    CHECK(mtl_solve(pb, &sp, W, NULL) >= 0);
    double mx = 0;
    for (int k = 0; k < 24; k++)
      mx = fmax(mx, fabs(W[k]));
    CHECK_LE(mx, 1e-10);
    mtl_problem_set_lambda(pb, lmax * 0.9);
    CHECK(mtl_solve(pb, &sp, W, NULL) >= 0);
    mx = 0;
    for (int k = 0; k < 24; k++)
      mx = fmax(mx, fabs(W[k]));
    CHECK(mx > 1e-6);
    mtl_problem_free(pb);
  }
  mtl_dataset_free(ds);
}

/* Logistic + every smooth/prox regularizer: converges to a small
 * fixed-point residual (and a duality gap for the norms). */
static void test_logistic_all_regs(void) {
  mtl_dataset *ds = make_dense(4, 5, 30, 1);
  int T = 4, d = 5;
  double R[4 * 3] = {1, -1, 0, 0, 0, 1, -1, 0, 0, 0, 1, -1}; /* chain */
  for (int r = MTL_REG_NONE; r <= MTL_REG_GRAPH; r++) {
    mtl_problem_params pp;
    mtl_problem_params_init(&pp);
    pp.reg.type = (mtl_reg_type)r;
    pp.reg.lambda = 0.05;
    pp.reg.ridge = r == MTL_REG_NONE ? 0.01 : 0; /* separable data */
    pp.reg.R = R;
    pp.reg.R_cols = 3;
    mtl_problem *pb = NULL;
    CHECK_OK(mtl_problem_create(ds, &pp, &pb));
    if (!pb)
      continue;
    CHECK(mtl_problem_task_loss(pb, 0) == MTL_LOSS_LOGISTIC);
    double W[20] = {0};
    mtl_solver_params sp;
    mtl_solver_params_init(&sp);
    sp.tol_obj = 0;
    sp.tol_res = 1e-10;
    mtl_solve_info info;
    int rc = mtl_solve(pb, &sp, W, &info);
    CHECK(rc == MTL_CONVERGED);
    CHECK_LE(info.cert.residual, 1e-8);
    if (r == MTL_REG_L1 || r == MTL_REG_L21 || r == MTL_REG_TRACE) {
      /* the logistic dual (problem_dual_logit.c): certified to tol_gap */
      CHECK(info.cert.gap >= 0);
      CHECK_LE(info.cert.gap, 1.01e-9 * fabs(info.cert.primal));
    } else {
      CHECK(isnan(info.cert.gap)); /* no closed-form dual */
    }
    free(info.trace);
    (void)T;
    (void)d;
    mtl_problem_free(pb);
  }
  mtl_dataset_free(ds);
}

/* The unpenalized last row: with a huge lambda every other row is zero
 * and the last row is each task's least-squares intercept, the mean of y
 * when the last feature is constant 1. */
static void test_unpenalized_bias(void) {
  int d = 3, T = 2, n = 20;
  mtl_dataset *ds = mtl_dataset_create(d);
  double X[60], y[20];
  for (int t = 0; t < T; t++) {
    double mean = 0;
    for (int i = 0; i < n; i++) {
      X[i * d] = check_rand(&seed);
      X[i * d + 1] = check_rand(&seed);
      X[i * d + 2] = 1.0;
      y[i] = 3.0 * (t + 1) + X[i * d];
      mean += y[i] / n;
    }
    mtl_dataset_add_dense(ds, n, X, y, 0, NULL);
    mtl_problem_params pp;
    mtl_problem_params_init(&pp);
    pp.unpenalized_last = 1;
    pp.reg.type = MTL_REG_L21;
    pp.reg.lambda = 1e6;
    mtl_problem *pb = NULL;
    CHECK_OK(mtl_problem_create(ds, &pp, &pb));
    double W[6] = {0};
    mtl_solver_params sp;
    mtl_solver_params_init(&sp);
    sp.tol_obj = 0;
    sp.tol_gap = 0; /* W to 1e-9 needs more than a 1e-9 relative gap */
    sp.tol_res = 1e-12;
    sp.record_trace = 0;
    CHECK(mtl_solve(pb, &sp, W, NULL) == MTL_CONVERGED);
    CHECK_CLOSE(W[t * d + 0], 0.0, 1e-12);
    CHECK_CLOSE(W[t * d + 2], mean, 1e-9);
    mtl_problem_free(pb);
  }
  mtl_dataset_free(ds);
}

/* With an unpenalized bias feature: the duality gap is available (the
 * dual point is projected to satisfy the bias row's equality), is
 * non-negative at arbitrary points and closes at the solution; lambda_max
 * accounts for the fitted bias (all penalized rows vanish just above it,
 * not just below). */
static void test_bias_certificate(void) {
  int d = 6, T = 5, n = 25;
  mtl_dataset *ds = mtl_dataset_create(d);
  double X[150], y[25];
  for (int t = 0; t < T; t++) {
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < d - 1; j++)
        X[i * d + j] = check_rand(&seed);
      X[i * d + d - 1] = 1.0;
      y[i] = 2.0 + t + X[i * d] - 0.5 * X[i * d + 1] + 0.2 * check_rand(&seed);
    }
    mtl_dataset_add_dense(ds, n, X, y, 0, NULL);
  }
  mtl_reg_type types[3] = {MTL_REG_L1, MTL_REG_L21, MTL_REG_TRACE};
  for (int r = 0; r < 3; r++) {
    mtl_problem_params pp;
    mtl_problem_params_init(&pp);
    pp.unpenalized_last = 1;
    pp.reg.type = types[r];
    mtl_problem *pb = NULL;
    CHECK_OK(mtl_problem_create(ds, &pp, &pb));
    double lmax, W[30];
    CHECK_OK(mtl_problem_lambda_max(pb, &lmax));
    mtl_solver_params sp;
    mtl_solver_params_init(&sp);
    sp.record_trace = 0;
    sp.tol_obj = 0;
    sp.tol_gap = 0;
    sp.tol_res = 1e-12;
    for (int side = 0; side < 2; side++) {
      mtl_problem_set_lambda(pb, lmax * (side ? 0.95 : 1.0001));
      memset(W, 0, sizeof W);
      CHECK(mtl_solve(pb, &sp, W, NULL) == MTL_CONVERGED);
      double mx = 0;
      for (int t = 0; t < T; t++)
        for (int j = 0; j < d - 1; j++)
          mx = fmax(mx, fabs(W[t * d + j]));
      if (side)
        CHECK(mx > 1e-8);
      else
        CHECK_LE(mx, 1e-10);
    }
    mtl_problem_set_lambda(pb, 0.2 * lmax);
    rand_W(W, 30);
    mtl_certificate c;
    CHECK_OK(mtl_problem_certificate(pb, W, &c));
    CHECK(isfinite(c.gap));
    CHECK(c.gap >= -1e-12 * fabs(c.primal));
    memset(W, 0, sizeof W);
    mtl_solver_params_init(&sp);
    sp.record_trace = 0;
    sp.tol_obj = 0;
    sp.tol_gap = 1e-11;
    mtl_solve_info info;
    CHECK(mtl_solve(pb, &sp, W, &info) == MTL_CONVERGED);
    CHECK_LE(info.cert.gap, 1e-11 * info.cert.primal);
    CHECK(info.cert.gap >= -1e-12 * info.cert.primal);
    mtl_problem_free(pb);
  }
  mtl_dataset_free(ds);
}

/* Shared design (one X for all tasks) equals the same data stored per
 * task, and uses one Gram matrix product. */
static void test_shared_design(void) {
  int n = 40, d = 6, T = 4;
  double *X = malloc((size_t)n * d * sizeof(double));
  double *Y = malloc((size_t)n * T * sizeof(double));
  for (int k = 0; k < n * d; k++)
    X[k] = check_rand(&seed);
  for (int k = 0; k < n * T; k++)
    Y[k] = check_rand(&seed);
  mtl_dataset *sh = mtl_dataset_create(d), *per = mtl_dataset_create(d);
  CHECK_OK(mtl_dataset_set_shared(sh, n, X, T, Y, 0));
  for (int t = 0; t < T; t++)
    CHECK_OK(mtl_dataset_add_dense(per, n, X, Y + t * n, 0, NULL));
  CHECK(mtl_dataset_is_shared(sh));
  double W1[24] = {0}, W2[24] = {0};
  mtl_problem_params pp;
  mtl_problem_params_init(&pp);
  pp.reg.type = MTL_REG_L21;
  pp.reg.lambda = 0.05;
  mtl_problem *a = NULL, *b = NULL;
  CHECK_OK(mtl_problem_create(sh, &pp, &a));
  CHECK_OK(mtl_problem_create(per, &pp, &b));
  mtl_solver_params sp;
  mtl_solver_params_init(&sp);
  sp.record_trace = 0;
  sp.tol_obj = 0;
  sp.tol_gap = 1e-12;
  mtl_solve_info ia, ib;
  CHECK(mtl_solve(a, &sp, W1, &ia) == MTL_CONVERGED);
  CHECK(mtl_solve(b, &sp, W2, &ib) == MTL_CONVERGED);
  CHECK_CLOSE(ia.objective, ib.objective, 1e-11);
  for (int k = 0; k < 24; k++)
    CHECK_CLOSE(W1[k], W2[k], 1e-6);
  mtl_problem_free(a);
  mtl_problem_free(b);
  /* raw shared passes (two matrix products) = per-task passes: value,
   * gradient and certificate, for squared and logistic losses */
  for (int cls = 0; cls < 2; cls++) {
    if (cls) {
      for (int k = 0; k < n * T; k++)
        Y[k] = Y[k] > 0 ? 1 : -1;
      mtl_dataset_free(sh);
      mtl_dataset_free(per);
      sh = mtl_dataset_create(d);
      per = mtl_dataset_create(d);
      CHECK_OK(mtl_dataset_set_shared(sh, n, X, T, Y, 1));
      for (int t = 0; t < T; t++)
        CHECK_OK(mtl_dataset_add_dense(per, n, X, Y + t * n, 1, NULL));
    }
    pp.gram = 0;
    CHECK_OK(mtl_problem_create(sh, &pp, &a));
    CHECK_OK(mtl_problem_create(per, &pp, &b));
    double G1[24], G2[24], fa, fb;
    rand_W(W1, 24);
    CHECK_OK(mtl_problem_loss(a, W1, &fa, G1));
    CHECK_OK(mtl_problem_loss(b, W1, &fb, G2));
    CHECK_CLOSE(fa, fb, 1e-13);
    for (int k = 0; k < 24; k++)
      CHECK_CLOSE(G1[k], G2[k], 1e-13);
    mtl_certificate ca, cb;
    CHECK_OK(mtl_problem_certificate(a, W1, &ca));
    CHECK_OK(mtl_problem_certificate(b, W1, &cb));
    CHECK_CLOSE(ca.primal, cb.primal, 1e-13);
    /* the residual scales with the Lipschitz estimate, a power iteration
     * done once for the shared X and per task otherwise: close, not equal */
    CHECK_CLOSE(ca.residual, cb.residual, 2e-2);
    if (!cls)
      CHECK_CLOSE(ca.gap, cb.gap, 1e-11);
    mtl_problem_free(a);
    mtl_problem_free(b);
    check_gradient(sh, cls ? MTL_LOSS_LOGISTIC : MTL_LOSS_SQUARED,
                   MTL_SCALE_MEAN, 0);
  }
  mtl_dataset_free(sh);
  mtl_dataset_free(per);
  free(X);
  free(Y);
}

/* Same seed and thread count give the same bits; the static task
 * partition makes 1 and 3 threads agree bitwise too. */
static void test_reproducible(void) {
  mtl_dataset *ds = make_dense(7, 9, 30, 1);
  size_t dT = 63;
  double W[3][63];
  int threads[3] = {1, 1, 3};
  for (int r = 0; r < 3; r++) {
    memset(W[r], 0, sizeof W[r]);
    mtl_problem_params pp;
    mtl_problem_params_init(&pp);
    pp.threads = threads[r];
    pp.reg.type = MTL_REG_TRACE;
    pp.reg.lambda = 0.02;
    mtl_problem *pb = NULL;
    CHECK_OK(mtl_problem_create(ds, &pp, &pb));
    mtl_solver_params sp;
    mtl_solver_params_init(&sp);
    sp.max_iter = 300;
    sp.record_trace = 0;
    CHECK(mtl_solve(pb, &sp, W[r], NULL) >= 0);
    mtl_problem_free(pb);
  }
  CHECK(memcmp(W[0], W[1], dT * sizeof(double)) == 0);
  CHECK(memcmp(W[0], W[2], dT * sizeof(double)) == 0);
  mtl_dataset_free(ds);
}

static int cancel_at_5(void *ctx, int iter, double obj, double rel,
                       double res) {
  (void)obj;
  (void)rel;
  (void)res;
  *(int *)ctx = iter;
  return iter >= 5;
}

/* mtl_problem_interrupt (here from the progress callback, as a signal
 * handler or another thread would) stops the solver at its next iteration;
 * a new solve clears a stale flag. */
static int interrupt_at_3(void *ctx, int iter, double obj, double rel,
                          double res) {
  (void)obj;
  (void)rel;
  (void)res;
  if (iter == 3)
    mtl_problem_interrupt((mtl_problem *)ctx);
  return 0;
}

static void test_interrupt(void) {
  mtl_dataset *ds = make_dense(3, 4, 10, 0);
  mtl_problem *pb = NULL;
  CHECK_OK(mtl_problem_create(ds, NULL, &pb));
  double W[12] = {0};
  mtl_solver_params sp;
  mtl_solver_params_init(&sp);
  sp.tol_obj = 0;
  sp.tol_gap = 0;
  sp.progress = interrupt_at_3;
  sp.progress_ctx = pb;
  mtl_solve_info info;
  CHECK_ERR(mtl_solve(pb, &sp, W, &info), MTL_ECANCELLED);
  CHECK_MSG("interrupted at iteration 3");
  mtl_problem_interrupt(pb); /* stale flag from before the next solve */
  mtl_solver_params_init(&sp);
  CHECK(mtl_solve(pb, &sp, W, NULL) >= 0);
  mtl_problem_free(pb);
  mtl_dataset_free(ds);
}

static void test_cancel_and_errors(void) {
  mtl_dataset *ds = make_dense(3, 4, 10, 0);
  mtl_problem_params pp;
  mtl_problem_params_init(&pp);
  mtl_problem *pb = NULL;
  CHECK_OK(mtl_problem_create(ds, &pp, &pb));
  double W[12] = {0};
  mtl_solver_params sp;
  mtl_solver_params_init(&sp);
  int last = 0;
  sp.progress = cancel_at_5;
  sp.progress_ctx = &last;
  sp.tol_obj = 0;
  CHECK_ERR(mtl_solve(pb, &sp, W, NULL), MTL_ECANCELLED);
  CHECK(last == 5);
  CHECK_MSG("iteration 5");
  /* solver parameter validation: one message per bad field */
  mtl_solver_params_init(&sp);
  sp.max_iter = 0;
  CHECK_ERR(mtl_solve(pb, &sp, W, NULL), MTL_EINVAL);
  CHECK_MSG("max_iter");
  mtl_solver_params_init(&sp);
  sp.tol_gap = -1;
  CHECK_ERR(mtl_solve(pb, &sp, W, NULL), MTL_EINVAL);
  CHECK_MSG("tol_gap");
  mtl_solver_params_init(&sp);
  sp.backtrack = 1.0;
  CHECK_ERR(mtl_solve(pb, &sp, W, NULL), MTL_EINVAL);
  CHECK_MSG("backtrack");
  mtl_solver_params_init(&sp);
  W[3] = NAN;
  CHECK_ERR(mtl_solve(pb, &sp, W, NULL), MTL_EINVAL);
  CHECK_MSG("not finite");
  W[3] = 0;
  CHECK_ERR(mtl_problem_set_lambda(pb, -1), MTL_EINVAL);
  mtl_problem_free(pb);
  /* problem parameter validation */
  mtl_problem_params_init(&pp);
  pp.reg.lambda = -0.5;
  CHECK_ERR(mtl_problem_create(ds, &pp, &pb), MTL_EINVAL);
  CHECK_MSG("reg.lambda");
  mtl_problem_params_init(&pp);
  pp.reg.type = MTL_REG_GRAPH;
  CHECK_ERR(mtl_problem_create(ds, &pp, &pb), MTL_EINVAL);
  CHECK_MSG("graph");
  mtl_problem_params_init(&pp);
  pp.loss = MTL_LOSS_LOGISTIC; /* real targets */
  CHECK_ERR(mtl_problem_create(ds, &pp, &pb), MTL_EINVAL);
  CHECK_MSG("task 1");
  mtl_problem_params_init(&pp);
  pp.threads = -3;
  CHECK_ERR(mtl_problem_create(ds, &pp, &pb), MTL_EINVAL);
  CHECK_MSG("threads");
  mtl_problem_params_init(&pp);
  pp.scaling = (mtl_scaling)9;
  CHECK_ERR(mtl_problem_create(ds, &pp, &pb), MTL_EINVAL);
  CHECK_MSG("scaling");
  CHECK_ERR(mtl_problem_create(NULL, &pp, &pb), MTL_EINVAL);
  /* hinge cannot be solved by proximal gradient */
  mtl_dataset *cls = make_dense(2, 3, 10, 1);
  mtl_problem_params_init(&pp);
  pp.loss = MTL_LOSS_HINGE;
  CHECK_OK(mtl_problem_create(cls, &pp, &pb));
  mtl_solver_params_init(&sp);
  CHECK_ERR(mtl_solve(pb, &sp, W, NULL), MTL_EUNSUPPORTED);
  CHECK_MSG("hinge");
  mtl_problem_free(pb);
  mtl_dataset_free(cls);
  mtl_dataset_free(ds);
}

static void test_path_and_cv(void) {
  mtl_dataset *ds = make_dense(5, 10, 30, 0);
  mtl_problem_params pp;
  mtl_problem_params_init(&pp);
  pp.reg.type = MTL_REG_L21;
  mtl_problem *pb = NULL;
  CHECK_OK(mtl_problem_create(ds, &pp, &pb));
  mtl_solver_params sp;
  mtl_solver_params_init(&sp);
  sp.tol_obj = 0;
  sp.tol_gap = 1e-9;
  mtl_path path;
  CHECK_OK(mtl_solve_path(pb, &sp, NULL, 8, 0.01, &path));
  CHECK(path.nlambda == 8);
  double lmax;
  mtl_problem_lambda_max(pb, &lmax);
  CHECK_CLOSE(path.lambdas[0], lmax, 1e-15);
  CHECK_CLOSE(path.lambdas[7], 0.01 * lmax, 1e-12);
  for (int i = 1; i < 8; i++) {
    CHECK(path.lambdas[i] < path.lambdas[i - 1]);
    /* objective decreases with lambda */
    CHECK_LE(path.objective[i], path.objective[i - 1] * (1 + 1e-12));
  }
  /* every path point is certified: re-solving cold gives the same value */
  mtl_problem_set_lambda(pb, path.lambdas[4]);
  double W[50] = {0}, F;
  CHECK(mtl_solve(pb, &sp, W, NULL) >= 0);
  CHECK_OK(mtl_problem_objective(pb, W, &F));
  CHECK_CLOSE(F, path.objective[4], 1e-8);
  mtl_path_clear(&path);
  mtl_path_clear(&path); /* idempotent */
  mtl_problem_free(pb);

  /* the same problem's CV through the search (mtl_search_run, the batch
   * method with pp's formulation, no scaling) */
  mtl_params *p = mtl_params_create("batch");
  CHECK(p != NULL);
  CHECK_OK(mtl_params_set(p, "reg", "l21"));
  CHECK_OK(mtl_params_set(p, "standardize", "0"));
  CHECK_OK(mtl_params_set(p, "bias", "0"));
  mtl_search *s = NULL;
  CHECK_OK(mtl_search_run(ds, p, NULL, "lambda=path:6:0.01", 3, 0, 7, &s));
  int np = s ? mtl_search_npoints(s) : 0, best = s ? mtl_search_best(s) : 0;
  CHECK(np == 6);
  for (int i = 0; i < np; i++) {
    CHECK(isfinite(mtl_search_error(s, i)) && mtl_search_error(s, i) > 0);
    CHECK(mtl_search_error(s, best) <= mtl_search_error(s, i));
  }
  /* the largest lambda gives W = 0: error is worse than the best one */
  if (np > 0)
    CHECK(mtl_search_error(s, 0) > mtl_search_error(s, best));
  mtl_search_free(s);
  s = NULL;
  CHECK_ERR(mtl_search_run(ds, p, NULL, "lambda=path:6:0.01", 1, 0, 7, &s),
            MTL_EINVAL);
  CHECK_MSG("folds");
  mtl_params_free(p);
  mtl_dataset_free(ds);
}

int main(void) {
  test_gradients();
  test_gram_vs_raw();
  test_ridge_closed_form();
  test_norms_certified();
  test_lambda_max();
  test_logistic_all_regs();
  test_unpenalized_bias();
  test_bias_certificate();
  test_shared_design();
  test_reproducible();
  test_cancel_and_errors();
  test_interrupt();
  test_path_and_cv();
  CHECK_DONE();
}
