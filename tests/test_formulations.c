/*
 * test_formulations.c -- the L1/L-infinity and column-L2,1 norms and the
 * decomposition models W = P + Q:
 *  - the L1-ball projection and the l1inf prox against an independent
 *    reference (the threshold found by bisection instead of sorting), the
 *    Moreau identity, and the optimality of every prox under random and
 *    coordinate perturbations (brute force on tiny random cases);
 *  - col21 against its closed form; both dual norms against "prox = 0
 *    exactly when the threshold reaches the dual norm";
 *  - on a generated problem: FISTA's duality gap -> 0 for l1inf, and a
 *    second solver (ISTA run 20000 iterations, no certificate stop) agrees
 *    on the objective to 1e-6; the same for each decomposition model (FISTA
 *    vs ISTA on (P, Q)); BCD refuses l1inf;
 *  - a decomposition whose one lambda is past its dual norm equals the
 *    single-norm problem (dirty -> l1inf alone, dirty -> l1 alone);
 *  - planted outlier tasks: robust MTL (rmtl) finds exactly them (and the
 *    planted rank 2); rmtfl finds them and the shared support of 3;
 *  - clustered MTL: water filling, joint optimality, FISTA vs ISTA, ARI.
 */
#include "../src/solvers/solvers.h"
#include "check.h"

#define MAXN 64

static void rand_mat(double *A, int n, double scale, unsigned long long *s) {
  for (int k = 0; k < n; k++)
    A[k] = scale * check_rand(s);
}

static double frob2(const double *A, int n) {
  double s = 0;
  for (int k = 0; k < n; k++)
    s += A[k] * A[k];
  return s;
}

static double maxdiff(const double *A, const double *B, int n) {
  double m = 0;
  for (int k = 0; k < n; k++)
    m = fmax(m, fabs(A[k] - B[k]));
  return m;
}

/* ---- proxes ------------------------------------------------------------- */

/* theta with sum_i max(|v_i| - theta, 0) = z, by bisection (reference). */
static double theta_bisect(const double *v, int n, double z) {
  double lo = 0, hi = 0, s = 0;
  for (int i = 0; i < n; i++) {
    hi = fmax(hi, fabs(v[i]));
    s += fabs(v[i]);
  }
  if (s <= z)
    return 0;
  for (int it = 0; it < 200; it++) {
    double mid = 0.5 * (lo + hi), f = 0;
    for (int i = 0; i < n; i++)
      f += fmax(fabs(v[i]) - mid, 0);
    if (f > z)
      lo = mid;
    else
      hi = mid;
  }
  return 0.5 * (lo + hi);
}

static void test_l1ball(void) {
  unsigned long long s = 7;
  double v[12], work[12];
  for (int rep = 0; rep < 400; rep++) {
    int n = 1 + rep % 12;
    rand_mat(v, n, 3.0, &s);
    if (rep % 7 == 0 && n > 2)
      v[1] = v[0]; /* ties */
    double z = 0.05 + 4.0 * (0.5 + 0.5 * check_rand(&s));
    double th = mtl__l1ball_theta(v, n, 1, z, work);
    CHECK_CLOSE(th, theta_bisect(v, n, z), 1e-12);
    /* the projection lies on the sphere when v is outside the ball */
    double l1v = 0, l1p = 0;
    for (int i = 0; i < n; i++) {
      l1v += fabs(v[i]);
      l1p += fmax(fabs(v[i]) - th, 0);
    }
    if (l1v > z)
      CHECK_CLOSE(l1p, z, 1e-12);
    else
      CHECK(th == 0.0);
  }
}

/* The prox objective 1/(2 step) ||U - V||^2 + lambda g(U) + ridge ||U||^2
 * does not go down by less than its strong-convexity margin along random
 * and coordinate directions from the returned U (as in test_prox.c). */
static int prox_optimal(const mtl_reg *r, double st, const double *V,
                        const double *U, int d, int T,
                        unsigned long long *s) {
  int n = d * T, bad = 0;
  double D[MAXN], W[MAXN], diff[MAXN];
  for (int k = 0; k < n; k++)
    diff[k] = U[k] - V[k];
  double F0 = frob2(diff, n) / (2 * st) + mtl_reg_value(r, U, d, T);
  for (int dir = 0; dir < 60 + 2 * n; dir++) {
    if (dir < 60) {
      rand_mat(D, n, 1.0, s);
    } else {
      memset(D, 0, sizeof D);
      D[(dir - 60) / 2] = dir % 2 ? -1.0 : 1.0;
    }
    double dd = frob2(D, n);
    for (double eps = 1e-1; eps > 1e-6; eps *= 1e-2) {
      for (int k = 0; k < n; k++) {
        W[k] = U[k] + eps * D[k];
        diff[k] = W[k] - V[k];
      }
      double gain = frob2(diff, n) / (2 * st) + mtl_reg_value(r, W, d, T) -
                    F0;
      bad += !(gain >= 0.999 * eps * eps * dd / (2 * st) -
                           1e-13 * fmax(1.0, fabs(F0)));
    }
  }
  return bad == 0;
}

static void test_prox_l1inf(void) {
  unsigned long long s = 11;
  double V[MAXN], U[MAXN], R[MAXN], row[8];
  const double steps[] = {0.3, 1.0, 2.5}, lams[] = {0.0, 0.2, 1.5};
  for (int rep = 0; rep < 90; rep++) {
    int d = 1 + rep % 3, T = 1 + (rep / 3) % 4, n = d * T;
    double st = steps[rep % 3], ridge = (rep / 12) % 2 ? 0.7 : 0.0;
    mtl_reg r = {.type = MTL_REG_L1INF, .lambda = lams[(rep / 4) % 3],
                 .ridge = ridge};
    rand_mat(V, n, 2.0, &s);
    CHECK_OK(mtl_reg_prox(&r, st, V, d, T, U));
    CHECK(prox_optimal(&r, st, V, U, d, T, &s));
    /* reference: Moreau, v - Proj_{L1 ball of radius step lambda}(v) with
     * the bisection threshold, then the ridge scaling */
    for (int j = 0; j < d; j++) {
      for (int t = 0; t < T; t++)
        row[t] = V[j + t * d];
      double thr = st * r.lambda, th = theta_bisect(row, T, thr);
      double l1 = 0;
      for (int t = 0; t < T; t++)
        l1 += fabs(row[t]);
      for (int t = 0; t < T; t++) {
        double p = l1 <= thr ? row[t]
                             : copysign(fmax(fabs(row[t]) - th, 0), row[t]);
        R[j + t * d] = (row[t] - p) / (1 + 2 * st * ridge);
      }
    }
    CHECK_LE(maxdiff(U, R, n), 1e-12);
    memcpy(R, V, sizeof(double) * n); /* aliasing */
    CHECK_OK(mtl_reg_prox(&r, st, R, d, T, R));
    CHECK_LE(maxdiff(U, R, n), 0.0);
  }
  /* hand case: row (3, -1, 0.5), threshold 2: the L1 projection removes
   * theta = 1 from |3| and |-1| ((3 - 1) + (1 - 1) = 2): prox = the
   * clipping at 1, (1, -1, 0.5) */
  const double v[3] = {3, -1, 0.5};
  mtl_reg r = {.type = MTL_REG_L1INF, .lambda = 2};
  CHECK_OK(mtl_reg_prox(&r, 1.0, v, 1, 3, U));
  CHECK_CLOSE(U[0], 1.0, 1e-15);
  CHECK_CLOSE(U[1], -1.0, 1e-15);
  CHECK_CLOSE(U[2], 0.5, 1e-15);
  CHECK_CLOSE(mtl_reg_value(&r, v, 1, 3), 6.0, 1e-15);
}

static void test_prox_col21(void) {
  unsigned long long s = 13;
  double V[MAXN], U[MAXN];
  for (int rep = 0; rep < 60; rep++) {
    int d = 1 + rep % 3, T = 1 + (rep / 3) % 4, n = d * T;
    double st = 0.5 + (rep % 5) * 0.4, ridge = rep % 2 ? 0.7 : 0.0;
    mtl_reg r = {.type = MTL_REG_COL21, .lambda = 0.3 * (rep % 4),
                 .ridge = ridge};
    rand_mat(V, n, 2.0, &s);
    CHECK_OK(mtl_reg_prox(&r, st, V, d, T, U));
    CHECK(prox_optimal(&r, st, V, U, d, T, &s));
    for (int t = 0; t < T; t++) {
      double nr = sqrt(frob2(V + t * d, d));
      double f = fmax(0, 1 - st * r.lambda / nr) / (1 + 2 * st * ridge);
      for (int j = 0; j < d; j++)
        CHECK_CLOSE(U[j + t * d], V[j + t * d] * f, 1e-14);
    }
  }
}

/* prox_{tau g}(V) = 0 exactly when the dual norm of V is <= tau. */
static void test_dual_norms(void) {
  const double G[6] = {0.5, -2.0, 0.1, 1.0, 0.2, -0.1}; /* 3 x 2 */
  mtl_reg r = {.type = MTL_REG_L1INF, .lambda = 1};
  double v, U[MAXN], V[MAXN];
  CHECK_OK(mtl_reg_dual_norm(&r, G, 3, 2, &v));
  CHECK_CLOSE(v, 2.2, 1e-15); /* max row L1: |-2| + 0.2 */
  r.type = MTL_REG_COL21;
  CHECK_OK(mtl_reg_dual_norm(&r, G, 3, 2, &v));
  CHECK_CLOSE(v, sqrt(4.26), 1e-15); /* column 1: 0.25 + 4 + 0.01 */
  unsigned long long s = 17;
  const mtl_reg_type norms[] = {MTL_REG_L1INF, MTL_REG_COL21};
  for (int rep = 0; rep < 20; rep++)
    for (int k = 0; k < 2; k++) {
      int d = 1 + rep % 4, T = 1 + (rep / 4) % 4, n = d * T;
      rand_mat(V, n, 3.0, &s);
      mtl_reg q = {.type = norms[k], .lambda = 1};
      double dn;
      CHECK_OK(mtl_reg_dual_norm(&q, V, d, T, &dn));
      q.lambda = dn * (1 + 1e-9);
      CHECK_OK(mtl_reg_prox(&q, 1.0, V, d, T, U));
      CHECK(frob2(U, n) == 0.0);
      q.lambda = dn * (1 - 1e-6);
      CHECK_OK(mtl_reg_prox(&q, 1.0, V, d, T, U));
      CHECK(frob2(U, n) > 0.0);
    }
  CHECK(mtl_reg_parse("l1inf") == MTL_REG_L1INF);
  CHECK(mtl_reg_parse("col21") == MTL_REG_COL21);
  CHECK(strcmp(mtl_reg_name(MTL_REG_L1INF), "l1inf") == 0);
}

/* ---- solvers on a generated problem ------------------------------------- */

static mtl_dataset *generated(uint64_t seed) {
  mtl_gen_params g;
  mtl_gen_params_init(&g);
  g.T = 8;
  g.d = 15;
  g.n = 10;
  g.support = 5;
  g.seed = seed;
  mtl_dataset *ds = NULL;
  CHECK_OK(mtl_generate(&g, &ds, NULL));
  return ds;
}

/* FISTA to a duality gap of 1e-10 x objective; the second solver is ISTA
 * run for a fixed 20000 iterations, blind to the certificate. */
static void sp_for(mtl_solver_params *sp, int ista) {
  mtl_solver_params_init(sp);
  sp->solver = ista ? MTL_SOLVER_ISTA : MTL_SOLVER_FISTA;
  sp->tol_obj = 0;
  sp->tol_gap = ista ? 0 : 1e-10;
  sp->max_iter = ista ? 20000 : 100000;
}

static void test_l1inf_solve(void) {
  mtl_dataset *ds = generated(5);
  mtl_problem_params pp;
  mtl_problem_params_init(&pp);
  pp.reg.type = MTL_REG_L1INF;
  mtl_problem *pb = NULL;
  CHECK_OK(mtl_problem_create(ds, &pp, &pb));
  double lmax;
  CHECK_OK(mtl_problem_lambda_max(pb, &lmax));
  int d = 15, T = 8;
  double *W = calloc((size_t)d * T, sizeof *W), *W2 = calloc((size_t)d * T,
                                                              sizeof *W2);
  /* at lambda_max the solution is 0, just below it is not */
  CHECK_OK(mtl_problem_set_lambda(pb, lmax * (1 + 1e-9)));
  mtl_solver_params sp;
  sp_for(&sp, 0);
  mtl_solve_info a, b;
  CHECK(mtl_solve(pb, &sp, W, &a) == MTL_CONVERGED);
  CHECK(frob2(W, d * T) == 0.0);
  for (int l = 0; l < 2; l++) {
    CHECK_OK(mtl_problem_set_lambda(pb, lmax * (l ? 0.05 : 0.3)));
    memset(W, 0, sizeof(double) * d * T);
    memset(W2, 0, sizeof(double) * d * T);
    sp_for(&sp, 0);
    CHECK(mtl_solve(pb, &sp, W, &a) == MTL_CONVERGED);
    sp_for(&sp, 1);
    int rc = mtl_solve(pb, &sp, W2, &b);
    fprintf(stderr, "generated l1inf %.2g lmax: fista %d it obj %.15g gap "
                    "%.3g; ista rc %d %d it obj %.15g gap %.3g\n",
            l ? 0.05 : 0.3, a.iterations, a.objective, a.cert.gap, rc,
            b.iterations, b.objective, b.cert.gap);
    CHECK_LE(a.cert.gap, 1e-9 * a.cert.primal);
    CHECK(a.cert.gap >= -1e-12 * a.cert.primal);
    CHECK(rc >= 0);
    CHECK_CLOSE(b.objective, a.objective, 1e-6);
    /* BCD has no l1inf: a clear refusal */
    sp.solver = MTL_SOLVER_BCD;
    CHECK_ERR(mtl_solve(pb, &sp, W2, &b), MTL_EUNSUPPORTED);
  }
  free(W);
  free(W2);
  mtl_problem_free(pb);
  mtl_dataset_free(ds);
}

/* The five models, with lambda fractions (of each part's dual norm at 0)
 * where both parts are nonzero on the generated problem. */
static const struct {
  const char *name;
  mtl_reg_type p, q;
  double fp, fq;
} forms[] = {{"dirty", MTL_REG_L1INF, MTL_REG_L1, 0.5, 0.6},
             {"dirty-l21", MTL_REG_L21, MTL_REG_L1, 0.5, 0.6},
             {"rmtl", MTL_REG_TRACE, MTL_REG_COL21, 0.5, 0.45},
             {"rmtfl", MTL_REG_L21, MTL_REG_COL21, 0.5, 0.6},
             {"sparse_lowrank", MTL_REG_L1, MTL_REG_TRACE, 0.5, 0.6}};

/* lambda_i = frac_i x the dual norm of the gradient at 0 (past it: the
 * part is 0). */
static void regs_at(mtl_problem *pb, int f, double fp, double fq,
                    mtl_reg *regs) {
  int d = mtl_problem_dim(pb), T = mtl_problem_ntasks(pb);
  double *W = calloc((size_t)d * T, sizeof *W), *G = malloc(sizeof *G * d * T);
  double fv;
  CHECK_OK(mtl_problem_loss(pb, W, &fv, G));
  regs[0] = (mtl_reg){.type = forms[f].p};
  regs[1] = (mtl_reg){.type = forms[f].q};
  double dn;
  CHECK_OK(mtl_reg_dual_norm(&regs[0], G, d, T, &dn));
  regs[0].lambda = fp * dn;
  CHECK_OK(mtl_reg_dual_norm(&regs[1], G, d, T, &dn));
  regs[1].lambda = fq * dn;
  free(W);
  free(G);
}

static void test_decomp_solve(void) {
  mtl_dataset *ds = generated(9);
  mtl_problem_params pp;
  mtl_problem_params_init(&pp);
  pp.reg.type = MTL_REG_NONE;
  mtl_problem *pb = NULL;
  CHECK_OK(mtl_problem_create(ds, &pp, &pb));
  size_t dT = 15 * 8;
  double *x = calloc(2 * dT, sizeof *x), *y = calloc(2 * dT, sizeof *y);
  for (int f = 0; f < 5; f++) {
    mtl_reg regs[2];
    regs_at(pb, f, forms[f].fp, forms[f].fq, regs);
    mtl_solver_params sp;
    mtl_solve_info a, b;
    memset(x, 0, 2 * dT * sizeof *x);
    memset(y, 0, 2 * dT * sizeof *y);
    sp_for(&sp, 0);
    CHECK(mtl__decomp_solve(pb, regs, &sp, x, &a) == MTL_CONVERGED);
    sp_for(&sp, 1);
    int rc = mtl__decomp_solve(pb, regs, &sp, y, &b);
    fprintf(stderr, "generated %s: fista %d it obj %.15g gap %.3g res %.3g; "
                    "ista rc %d %d it obj %.15g gap %.3g; |P|^2 %.3g |Q|^2 "
                    "%.3g\n",
            forms[f].name, a.iterations, a.objective, a.cert.gap,
            a.cert.residual, rc, b.iterations, b.objective, b.cert.gap,
            frob2(x, (int)dT), frob2(x + dT, (int)dT));
    CHECK_LE(a.cert.gap, 1e-9 * a.cert.primal);
    CHECK(a.cert.gap >= -1e-12 * a.cert.primal);
    CHECK(rc >= 0);
    CHECK_CLOSE(b.objective, a.objective, 1e-6);
    /* both parts are used at these lambdas */
    CHECK(frob2(x, (int)dT) > 0 && frob2(x + dT, (int)dT) > 0);
  }
  free(x);
  free(y);
  mtl_problem_free(pb);
  mtl_dataset_free(ds);
}

/* One lambda past its part's dual norm at every iterate's gradient: the
 * part stays 0 and the model is the single-norm problem of the other. */
static void test_decomp_limits(void) {
  mtl_dataset *ds = generated(21);
  int d = 15, T = 8;
  size_t dT = (size_t)d * T;
  double *x = calloc(2 * dT, sizeof *x), *W = calloc(dT, sizeof *W);
  for (int side = 0; side < 2; side++) {
    mtl_problem_params pp;
    mtl_problem_params_init(&pp);
    mtl_problem *pb = NULL, *single = NULL;
    pp.reg.type = MTL_REG_NONE;
    CHECK_OK(mtl_problem_create(ds, &pp, &pb));
    mtl_reg regs[2];
    regs_at(pb, 0, side ? 1e3 : 0.2, side ? 0.2 : 1e3, regs);
    pp.reg = regs[side];
    CHECK_OK(mtl_problem_create(ds, &pp, &single));
    mtl_solver_params sp;
    mtl_solve_info a, b;
    sp_for(&sp, 0);
    memset(x, 0, 2 * dT * sizeof *x);
    memset(W, 0, dT * sizeof *W);
    CHECK(mtl__decomp_solve(pb, regs, &sp, x, &a) == MTL_CONVERGED);
    CHECK(mtl_solve(single, &sp, W, &b) == MTL_CONVERGED);
    fprintf(stderr, "limit %s alone: decomposition %.15g, single %.15g\n",
            mtl_reg_name(regs[side].type), a.objective, b.objective);
    CHECK(frob2(x + (side ? 0 : dT), (int)dT) == 0.0);
    CHECK_CLOSE(a.objective, b.objective, 1e-8);
    mtl_problem_free(pb);
    mtl_problem_free(single);
  }
  free(x);
  free(W);
  mtl_dataset_free(ds);
}

/* ---- planted outlier tasks ------------------------------------------------ */

/* T = 20 tasks, d = 12: w_t = U v_t of rank 2 (sparse = 0) or any w_t on
 * the first 3 features (sparse = 1), except tasks 4, 11 and 17 (1-based),
 * whose weights are unrelated (all 12 features) and larger; n = 50 per
 * task. */
static mtl_dataset *planted_outliers(int *is_out, int sparse) {
  enum { D = 12, TT = 20, N = 50 };
  unsigned long long s = 99;
  double U[D * 2], X[N * D], y[N], w[D];
  rand_mat(U, D * 2, 1.0, &s);
  mtl_dataset *ds = mtl_dataset_create(D);
  for (int t = 0; t < TT; t++) {
    is_out[t] = t == 3 || t == 10 || t == 16;
    double v0 = check_rand(&s), v1 = check_rand(&s);
    for (int j = 0; j < D; j++)
      w[j] = is_out[t]  ? 3 * check_rand(&s)
             : !sparse ? U[j] * v0 + U[D + j] * v1
             : j < 3   ? 2 * check_rand(&s)
                       : 0;
    rand_mat(X, N * D, 1.7, &s);
    for (int i = 0; i < N; i++) {
      y[i] = 0.1 * check_rand(&s);
      for (int j = 0; j < D; j++)
        y[i] += X[i * D + j] * w[j];
    }
    char name[16];
    snprintf(name, sizeof name, "t%d", t + 1);
    CHECK(mtl_dataset_add_dense(ds, N, X, y, MTL_TASK_REGRESSION, name) ==
          t);
  }
  return ds;
}

/* Exact recovery at lambda2 = 0.7 lambda over a 10x range of lambda (a
 * sweep found it for lambda2 / lambda in [0.6, 0.8] at lambda = 0.3, 1, 3;
 * below 0.5 inlier tasks join Q). */
static void test_outliers(void) {
  int is_out[20];
  mtl_dataset *ds = planted_outliers(is_out, 0);
  const double lams[] = {0.3, 1, 3};
  for (int l = 0; l < 3; l++) {
    mtl_params *p = mtl_params_create("rmtl");
    CHECK_OK(mtl_params_set_number(p, "lambda", lams[l]));
    CHECK_OK(mtl_params_set_number(p, "lambda2", 0.7 * lams[l]));
    mtl_model *m = NULL;
    mtl_fit_info *in = NULL;
    CHECK(mtl_fit(ds, p, NULL, &m, &in) == MTL_CONVERGED);
    int r = 0, c = 0, hit = 0, wrong = 0;
    const double *Q = m ? mtl_model_get_matrix(m, "Q", &r, &c) : NULL;
    CHECK(Q && c == 20);
    for (int t = 0; Q && t < c; t++) {
      int nz = frob2(Q + (size_t)t * r, r) > 0;
      hit += nz && is_out[t];
      wrong += nz != is_out[t];
    }
    fprintf(stderr, "planted outliers, lambda %g lambda2 %g: %d of 3 found, "
                    "%d wrong; outlier_names %s, p_rank %s, relative_gap "
                    "%s\n",
            lams[l], 0.7 * lams[l], hit, wrong,
            mtl_fit_info_get(in, "outlier_names"),
            mtl_fit_info_get(in, "p_rank"),
            mtl_fit_info_get(in, "relative_gap"));
    CHECK(hit == 3 && wrong == 0);
    CHECK(strcmp(mtl_fit_info_get(in, "outlier_names"), "t4 t11 t17") == 0);
    CHECK(mtl_fit_info_number(in, "p_rank") == 2); /* the planted rank */
    CHECK(mtl_model_get_matrix(m, "P", &r, &c) != NULL);
    mtl_model_free(m);
    mtl_fit_info_free(in);
    mtl_params_free(p);
  }
  mtl_dataset_free(ds);
}

/* rmtfl on a shared support of 3 features plus the same 3 outlier tasks:
 * the outliers in Q and exactly the support in P, at (lambda, lambda2) =
 * (1, 0.7) and (0.3, 0.3) (at lambda2 >= lambda the outliers are missed). */
static void test_outliers_rmtfl(void) {
  int is_out[20];
  mtl_dataset *ds = planted_outliers(is_out, 1);
  const double lam[2][2] = {{1, 0.7}, {0.3, 0.3}};
  for (int l = 0; l < 2; l++) {
    mtl_params *p = mtl_params_create("rmtfl");
    CHECK_OK(mtl_params_set_number(p, "lambda", lam[l][0]));
    CHECK_OK(mtl_params_set_number(p, "lambda2", lam[l][1]));
    mtl_model *m = NULL;
    mtl_fit_info *in = NULL;
    CHECK(mtl_fit(ds, p, NULL, &m, &in) == MTL_CONVERGED);
    fprintf(stderr, "rmtfl planted, lambda %g lambda2 %g: outlier_names %s, "
                    "p_features %s, relative_gap %s\n",
            lam[l][0], lam[l][1], mtl_fit_info_get(in, "outlier_names"),
            mtl_fit_info_get(in, "p_features"),
            mtl_fit_info_get(in, "relative_gap"));
    CHECK(strcmp(mtl_fit_info_get(in, "outlier_names"), "t4 t11 t17") == 0);
    CHECK(mtl_fit_info_number(in, "p_features") == 3);
    mtl_model_free(m);
    mtl_fit_info_free(in);
    mtl_params_free(p);
  }
  mtl_dataset_free(ds);
}

/* ---- clustered MTL ---------------------------------------------------- */

/* Water filling: sum k, bounds, and the KKT conditions of
 * min sum s_i / (eta + m_i): the gain s_i / (eta + m_i)^2 of any m_i that
 * can grow is at most that of any m_j that can shrink; and no feasible
 * exchange m_i + e, m_j - e does better. */
static void test_waterfill(void) {
  unsigned long long sd = 41;
  double s[8], m[8];
  for (int rep = 0; rep < 300; rep++) {
    int T = 1 + rep % 8, k = 1 + (rep / 8) % T;
    double eta = 0.05 + (rep % 5) * 0.5;
    for (int i = 0; i < T; i++) {
      double u = check_rand(&sd);
      s[i] = rep % 3 == 0 && i % 2 ? 0 : 4 * u * u;
    }
    mtl__cmtl_waterfill(s, T, eta, k, m);
    double sum = 0, obj = 0, mu_lo = 0, mu_hi = INFINITY;
    for (int i = 0; i < T; i++) {
      CHECK(m[i] >= 0 && m[i] <= 1);
      sum += m[i];
      obj += s[i] / (eta + m[i]);
      double g = s[i] / ((eta + m[i]) * (eta + m[i]));
      if (m[i] < 1) /* could go up: its gain is at most any other's */
        mu_lo = fmax(mu_lo, g * (1 - 1e-9));
      if (m[i] > 0) /* could go down */
        mu_hi = fmin(mu_hi, g * (1 + 1e-9));
    }
    CHECK_CLOSE(sum, k, 1e-12);
    CHECK(mu_lo <= mu_hi); /* marginal gains: every move up costs */
    for (int i = 0; i < T; i++)
      for (int j = 0; j < T; j++) {
        double e = fmin(1e-4, fmin(1 - m[i], m[j]));
        if (i == j || !(e > 0))
          continue;
        double o2 = obj - s[i] / (eta + m[i]) - s[j] / (eta + m[j]) +
                    s[i] / (eta + m[i] + e) + s[j] / (eta + m[j] - e);
        CHECK(o2 >= obj - 1e-12 * fmax(1, obj));
      }
  }
}

/* (eta I + M)^{-1} by Gauss-Jordan (T small), the test's own. */
static void inverse_shift(const double *M, int T, double eta, double *Ai) {
  double a[16 * 32];
  for (int i = 0; i < T; i++)
    for (int j = 0; j < 2 * T; j++)
      a[i * 2 * T + j] = j < T ? M[i + j * T] + (i == j) * eta
                               : (j - T == i);
  for (int c = 0; c < T; c++) {
    int p = c;
    for (int r = c + 1; r < T; r++)
      if (fabs(a[r * 2 * T + c]) > fabs(a[p * 2 * T + c]))
        p = r;
    for (int j = 0; j < 2 * T; j++) {
      double t = a[c * 2 * T + j];
      a[c * 2 * T + j] = a[p * 2 * T + j];
      a[p * 2 * T + j] = t;
    }
    double piv = a[c * 2 * T + c];
    for (int j = 0; j < 2 * T; j++)
      a[c * 2 * T + j] /= piv;
    for (int r = 0; r < T; r++) {
      double f = a[r * 2 * T + c];
      for (int j = 0; r != c && j < 2 * T; j++)
        a[r * 2 * T + j] -= f * a[c * 2 * T + j];
    }
  }
  for (int i = 0; i < T; i++)
    for (int j = 0; j < T; j++)
      Ai[i + j * T] = a[i * 2 * T + T + j];
}

/* Adjusted Rand index of two labelings (0..k-1) of n points. */
static double ari(const int *a, const int *b, int n, int k) {
  double tab[8][8] = {{0}}, ra[8] = {0}, rb[8] = {0}, sij = 0, sa = 0,
         sb = 0;
  for (int i = 0; i < n; i++) {
    tab[a[i]][b[i]]++;
    ra[a[i]]++;
    rb[b[i]]++;
  }
  for (int i = 0; i < k; i++) {
    sa += ra[i] * (ra[i] - 1) / 2;
    sb += rb[i] * (rb[i] - 1) / 2;
    for (int j = 0; j < k; j++)
      sij += tab[i][j] * (tab[i][j] - 1) / 2;
  }
  double e = sa * sb / (n * (n - 1) / 2.0), mx = (sa + sb) / 2;
  return (sij - e) / (mx - e);
}

/* On generated clustered data (T = 15 tasks in 3 clusters, t mod 3): the
 * joint optimality of (W, M) checked here on its own terms, FISTA vs
 * ISTA, and the assignment (ARI against the planted one). */
static void test_cmtl(void) {
  enum { T = 15, D = 20 };
  mtl_gen_params g;
  mtl_gen_params_init(&g);
  g.kind = MTL_GEN_CLUSTERED;
  g.T = T;
  g.d = D;
  g.n = 15;
  g.clusters = 3;
  g.deviation = 0.3;
  g.seed = 4;
  mtl_dataset *ds = NULL;
  CHECK_OK(mtl_generate(&g, &ds, NULL));
  mtl_problem_params pp;
  mtl_problem_params_init(&pp);
  pp.reg.type = MTL_REG_NONE;
  mtl_problem *pb = NULL;
  CHECK_OK(mtl_problem_create(ds, &pp, &pb));
  mtl__cmtl_params cp = {.rho1 = 0.5, .rho2 = 0.2, .k = 3};
  double eta = cp.rho2 / cp.rho1, c = cp.rho1 * eta * (1 + eta);
  double *W = calloc(D * T, sizeof *W), *W2 = calloc(D * T, sizeof *W2);
  double M[T * T], Ai[T * T], G[D * T], f;
  mtl_solver_params sp;
  mtl_solve_info a, b;
  mtl_solver_params_init(&sp);
  sp.tol_obj = 0;
  sp.tol_res = 1e-10;
  sp.max_iter = 100000;
  CHECK(mtl__cmtl_solve(pb, &cp, &sp, W, M, &a) == MTL_CONVERGED);
  sp.solver = MTL_SOLVER_ISTA;
  sp.tol_res = 0;
  sp.max_iter = 20000;
  CHECK(mtl__cmtl_solve(pb, &cp, &sp, W2, NULL, &b) >= 0);
  fprintf(stderr, "cmtl generated: fista %d it obj %.15g residual %.3g; "
                  "ista %d it obj %.15g residual %.3g\n",
          a.iterations, a.objective, a.cert.residual, b.iterations,
          b.objective, b.cert.residual);
  CHECK_CLOSE(b.objective, a.objective, 1e-6);
  CHECK_LE(a.cert.residual, 1e-8);
  /* M feasible: symmetric, trace k (eigenvalues in [0, 1]: water filling) */
  double tr = 0;
  for (int i = 0; i < T; i++) {
    tr += M[i + i * T];
    for (int j = 0; j < T; j++)
      CHECK_LE(fabs(M[i + j * T] - M[j + i * T]), 1e-12);
  }
  CHECK_CLOSE(tr, 3, 1e-10);
  /* the joint objective at (W, M) and the W-gradient there:
   * grad f(W) + 2 c W (eta I + M)^{-1} = 0 */
  inverse_shift(M, T, eta, Ai);
  CHECK_OK(mtl_problem_loss(pb, W, &f, G));
  double pen = 0, gn = 0;
  for (int j = 0; j < D; j++)
    for (int t = 0; t < T; t++) {
      double wa = 0;
      for (int u = 0; u < T; u++)
        wa += W[j + u * D] * Ai[u + t * T];
      pen += W[j + t * D] * wa;
      double gg = G[j + t * D] + 2 * c * wa;
      gn += gg * gg;
    }
  CHECK_CLOSE(f + c * pen, a.objective, 1e-10);
  CHECK_LE(sqrt(gn), 1e-7);
  /* clusters from the rows of M: the planted t mod 3 */
  int lab[T], truth[T];
  CHECK_OK(mtl__kmeans(M, T, T, 3, 1, 10, lab));
  for (int t = 0; t < T; t++)
    truth[t] = t % 3;
  double r = ari(lab, truth, T, 3);
  fprintf(stderr, "cmtl planted clusters: ARI %.4f\n", r);
  CHECK(r == 1.0);
  CHECK(ari(truth, truth, T, 3) == 1.0);
  free(W);
  free(W2);
  mtl_problem_free(pb);
  mtl_dataset_free(ds);
}

int main(void) {
  test_l1ball();
  test_prox_l1inf();
  test_prox_col21();
  test_dual_norms();
  test_l1inf_solve();
  test_decomp_solve();
  test_decomp_limits();
  test_outliers();
  test_outliers_rmtfl();
  test_waterfill();
  test_cmtl();
  CHECK_DONE();
}
