/*
 * test_caso.c -- convex alternating structure optimization (caso, Chen et
 * al. 2009; MALSAR's cASO) on generated data with a planted shared
 * subspace: w_t = Theta v_t + 0.02 u_t, Theta d x h orthonormal (d = 20,
 * h = 2, T = 40 tasks of N = 5 samples: fewer samples than features):
 *  - FISTA vs ISTA (no stopping rule but the iteration cap) agree to 1e-6
 *    on the objective, and FISTA's gradient norm is small;
 *  - at the best (lambda, lambda2) of a 3 x 3 grid, the held-out squared
 *    error is at most that of the best of L2,1, trace and Lasso on a
 *    12-value grid each (when written: caso 0.3268, trace 0.3273, L2,1
 *    4.14, Lasso 5.40 -- the trace norm, the other convex relaxation of a
 *    shared subspace, is nearly as good here);
 *  - the learned subspace (top h eigenvectors of M) is within 10 degrees
 *    (largest principal angle; 5.3 when written) of Theta, also through
 *    mtl_fit's model matrix "subspace" (d x h, orthonormal columns).
 */
#include "../src/solvers/solvers.h"
#include "heldout.h"

enum { T = 40, D = 20, H = 2, N = 5, NT = 40 };

static mtl_dataset *planted(double *Th, double *Xte, double *yte) {
  unsigned long long s = 21;
  for (int k = 0; k < D * H; k++)
    Th[k] = check_rand(&s);
  for (int a = 0; a < H; a++) { /* Gram-Schmidt */
    double *q = Th + a * D;
    for (int b = 0; b < a; b++) {
      double p = 0;
      for (int j = 0; j < D; j++)
        p += q[j] * Th[b * D + j];
      for (int j = 0; j < D; j++)
        q[j] -= p * Th[b * D + j];
    }
    double nq = 0;
    for (int j = 0; j < D; j++)
      nq += q[j] * q[j];
    for (int j = 0; j < D; j++)
      q[j] /= sqrt(nq);
  }
  double w[D];
  mtl_dataset *ds = mtl_dataset_create(D);
  for (int t = 0; t < T; t++) {
    double v[H];
    for (int a = 0; a < H; a++)
      v[a] = 3 * check_rand(&s);
    for (int j = 0; j < D; j++) {
      w[j] = 0.02 * check_rand(&s);
      for (int a = 0; a < H; a++)
        w[j] += Th[a * D + j] * v[a];
    }
    heldout_task(ds, t, w, D, N, NT, 0.1, Xte, yte, &s);
  }
  return ds;
}

static mtl_problem *problem(const mtl_dataset *ds, mtl_reg reg) {
  mtl_problem_params pp;
  mtl_problem_params_init(&pp);
  pp.reg = reg;
  mtl_problem *pb = NULL;
  CHECK_OK(mtl_problem_create(ds, &pp, &pb));
  return pb;
}

/* caso at (rho1, rho2) from zero: objective; W, M (D x D) filled. */
static double caso(const mtl_dataset *ds, double r1, double r2, int ista,
                   double *W, double *M, mtl_solve_info *in) {
  mtl_problem *pb = problem(ds, (mtl_reg){.type = MTL_REG_NONE});
  mtl_solver_params sp;
  mtl_solver_params_init(&sp);
  sp.tol_obj = ista ? 0 : 1e-12;
  sp.max_iter = ista ? 20000 : 100000;
  sp.solver = ista ? MTL_SOLVER_ISTA : MTL_SOLVER_FISTA;
  mtl__cmtl_params cp = {.rho1 = r1, .rho2 = r2, .k = H, .features = 1};
  memset(W, 0, sizeof(double) * D * T);
  CHECK(mtl__cmtl_solve(pb, &cp, &sp, W, M, in) >= 0);
  mtl_problem_free(pb);
  return in->objective;
}

static double test_err(const double *W, const double *Xte,
                       const double *yte) {
  return heldout_err(W, D, T, NT, Xte, yte);
}

static const double grid[] = {0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1,
                              0.2,   0.5,   1,     2,    5};
enum { NG = sizeof grid / sizeof *grid };

static double best_batch(const mtl_dataset *ds, mtl_reg_type r,
                         const double *Xte, const double *yte, double *W) {
  double best = INFINITY;
  for (int i = 0; i < NG; i++) {
    mtl_problem *pb = problem(ds, (mtl_reg){.type = r, .lambda = grid[i]});
    mtl_solver_params sp;
    mtl_solver_params_init(&sp);
    sp.tol_gap = 1e-10;
    sp.max_iter = 100000;
    mtl_solve_info in;
    memset(W, 0, sizeof(double) * D * T);
    CHECK(mtl_solve(pb, &sp, W, &in) >= 0);
    mtl_problem_free(pb);
    best = fmin(best, test_err(W, Xte, yte));
  }
  return best;
}

/* The largest principal angle (degrees) between span(Th) and span(U), both
 * D x 2 orthonormal: acos of the smallest singular value of Th'U. */
static double angle(const double *Th, const double *U) {
  double C[4] = {0};
  for (int a = 0; a < 2; a++)
    for (int b = 0; b < 2; b++)
      for (int j = 0; j < D; j++)
        C[a + 2 * b] += Th[a * D + j] * U[b * D + j];
  double p = C[0] * C[0] + C[1] * C[1], q = C[2] * C[2] + C[3] * C[3];
  double r = C[0] * C[2] + C[1] * C[3]; /* C'C = [p r; r q] */
  double lmin = 0.5 * (p + q) - sqrt(0.25 * (p - q) * (p - q) + r * r);
  return acos(fmin(1, sqrt(fmax(0, lmin)))) * 180 / 3.14159265358979323846;
}

/* U (D x 2): the top two eigenvectors of M (D x D). */
static void top2(const double *M, double *U) {
  double E[D * D], w[D];
  memcpy(E, M, sizeof E);
  CHECK_OK(mtl__syev(D, E, w));
  memcpy(U, E + (D - 1) * D, D * sizeof *U);
  memcpy(U + D, E + (D - 2) * D, D * sizeof *U);
}

static void via_fit(const mtl_dataset *ds, double r1, double r2,
                    const double *Th) {
  mtl_params *p = mtl_params_create("caso");
  char b1[32], b2[32];
  snprintf(b1, sizeof b1, "%.17g", r1);
  snprintf(b2, sizeof b2, "%.17g", r2);
  CHECK_OK(mtl_params_set(p, "lambda", b1));
  CHECK_OK(mtl_params_set(p, "lambda2", b2));
  CHECK_OK(mtl_params_set(p, "h", "2"));
  CHECK_OK(mtl_params_set(p, "standardize", "0"));
  CHECK_OK(mtl_params_set(p, "bias", "0"));
  mtl_model *m = NULL;
  CHECK(mtl_fit(ds, p, NULL, &m, NULL) >= 0);
  int r = 0, c = 0;
  const double *U = mtl_model_get_matrix(m, "subspace", &r, &c);
  CHECK(U && r == D && c == H);
  if (U && r == D && c == H) {
    double e = 0;
    for (int a = 0; a < H; a++)
      for (int b = 0; b < H; b++) {
        double g = 0;
        for (int j = 0; j < D; j++)
          g += U[a * D + j] * U[b * D + j];
        e = fmax(e, fabs(g - (a == b)));
      }
    fprintf(stderr, "mtl_fit caso: subspace angle %.3f deg, "
                    "orthonormality error %.2g\n", angle(Th, U), e);
    CHECK_LE(e, 1e-10);
    CHECK_LE(angle(Th, U), 10);
  }
  mtl_model_free(m);
  mtl_params_free(p);
}

int main(void) {
  static double Th[D * H], Xte[T * NT * D], yte[T * NT], W[D * T], W2[D * T];
  static double M[D * D], U[D * H];
  mtl_dataset *ds = planted(Th, Xte, yte);
  mtl_solve_info in, in2;
  double a = caso(ds, 1, 0.1, 0, W, M, &in);
  double b = caso(ds, 1, 0.1, 1, W2, M, &in2);
  fprintf(stderr, "caso fista %.15g (%d iters, gradient norm %.3g), ista "
                  "%.15g (%d iters)\n",
          a, in.iterations, in.cert.residual, b, in2.iterations);
  CHECK_CLOSE(b, a, 1e-6);
  CHECK_LE(in.cert.residual, 1e-5);
  double l21 = best_batch(ds, MTL_REG_L21, Xte, yte, W);
  double tr = best_batch(ds, MTL_REG_TRACE, Xte, yte, W);
  double l1 = best_batch(ds, MTL_REG_L1, Xte, yte, W);
  double best = INFINITY, b1 = 0, b2 = 0;
  static const double g1[] = {1, 10, 100};
  static const double g2[] = {1e-4, 1e-3, 1e-2};
  for (int i = 0; i < 3; i++)
    for (int k = 0; k < 3; k++) {
      caso(ds, g1[i], g2[k], 0, W, M, &in);
      double e = test_err(W, Xte, yte);
      if (e < best) {
        best = e;
        b1 = g1[i];
        b2 = g2[k];
      }
    }
  caso(ds, b1, b2, 0, W, M, &in);
  top2(M, U);
  double ang = angle(Th, U);
  fprintf(stderr, "planted subspace: held-out MSE caso %.4f (lambda %g, "
                  "lambda2 %g), l21 %.4f, trace %.4f, lasso %.4f; largest "
                  "principal angle %.3f deg\n",
          best, b1, b2, l21, tr, l1, ang);
  CHECK_LE(best, fmin(l21, fmin(tr, l1)));
  CHECK_LE(ang, 10);
  via_fit(ds, b1, b2, Th);
  mtl_dataset_free(ds);
  CHECK_DONE();
}
