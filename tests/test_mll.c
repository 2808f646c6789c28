/*
 * test_mll.c -- the multi-level Lasso (mll, non-convex) on generated data
 * with a two-level planted support: 5 of d = 20 features are used, each
 * by about 60% of the tasks (T = 10 tasks, N = 15 samples):
 *  - the objective never increases over the outer iterations (FISTA and
 *    ISTA inside, five lambdas; 3 to 6 outer iterations when written);
 *  - at the end each level is balanced, theta_j = ||gamma_j.||_1 (the
 *    first-order condition along the rescaling theta_j s, gamma_j. / s,
 *    which any stationary point meets), and the objective equals the
 *    L1/2 form f(W) + 2 lambda sum_j sqrt(||W_j.||_1);
 *  - at its best lambda of a grid the held-out squared error is below
 *    that of the best Lasso and L2,1 of the same grid, and the kept
 *    features (theta_j > 0) are the planted 5 (when written: mll 0.0186,
 *    Lasso 0.0428, L2,1 0.0375).
 * mtl_fit: the model's "theta" and the "features_kept" result.
 */
#include "../src/solvers/solvers.h"
#include "heldout.h"

enum { T = 10, D = 20, N = 15, NT = 40 };

static mtl_dataset *planted(double *Xte, double *yte) {
  unsigned long long s = 31;
  mtl_dataset *ds = mtl_dataset_create(D);
  for (int t = 0; t < T; t++) {
    double w[D] = {0};
    for (int j = 0; j < 5; j++)
      if (check_rand(&s) > -0.2) /* ~60% of the tasks use feature j */
        w[j] = (check_rand(&s) > 0 ? 1 : -1) * (1 + check_rand(&s) * 0.5);
    heldout_task(ds, t, w, D, N, NT, 0.2, Xte, yte, &s);
  }
  return ds;
}

/* mll at lam from theta = 1, Gamma = 0; W, theta, Gam filled. */
static void mll(const mtl_dataset *ds, double lam, int ista, double *W,
                double *th, double *Gm, mtl_solve_info *in) {
  mtl_problem_params pp;
  mtl_problem_params_init(&pp);
  pp.reg = (mtl_reg){.type = MTL_REG_NONE};
  mtl_problem *pb = NULL;
  CHECK_OK(mtl_problem_create(ds, &pp, &pb));
  mtl_solver_params sp;
  mtl_solver_params_init(&sp);
  sp.solver = ista ? MTL_SOLVER_ISTA : MTL_SOLVER_FISTA;
  sp.max_iter = 500;
  sp.tol_obj = 1e-12;
  sp.record_trace = 1;
  for (int j = 0; j < D; j++)
    th[j] = 1;
  memset(Gm, 0, sizeof(double) * D * T);
  CHECK(mtl__mll_solve(pb, lam, &sp, th, Gm, W, in) >= 0);
  double f;
  CHECK_OK(mtl_problem_loss(pb, W, &f, NULL));
  double half = 0, worst = 0;
  for (int j = 0; j < D; j++) {
    double g = 0;
    for (int t = 0; t < T; t++)
      g += fabs(Gm[j + t * D]);
    half += sqrt(th[j] * g);
    worst = fmax(worst, fabs(th[j] - g));
  }
  CHECK_LE(worst, 1e-4 * (1 + th[0]));
  CHECK_CLOSE(f + 2 * lam * half, in->objective, 1e-8);
  mtl_problem_free(pb);
}

static double best_batch(const mtl_dataset *ds, mtl_reg_type r,
                         const double *grid, int ng, const double *Xte,
                         const double *yte, double *W) {
  double best = INFINITY;
  for (int i = 0; i < ng; i++) {
    mtl_problem_params pp;
    mtl_problem_params_init(&pp);
    pp.reg = (mtl_reg){.type = r, .lambda = grid[i]};
    mtl_problem *pb = NULL;
    CHECK_OK(mtl_problem_create(ds, &pp, &pb));
    mtl_solver_params sp;
    mtl_solver_params_init(&sp);
    sp.tol_gap = 1e-10;
    mtl_solve_info in;
    memset(W, 0, sizeof(double) * D * T);
    CHECK(mtl_solve(pb, &sp, W, &in) >= 0);
    mtl_problem_free(pb);
    best = fmin(best, heldout_err(W, D, T, NT, Xte, yte));
  }
  return best;
}

int main(void) {
  static double Xte[T * NT * D], yte[T * NT], W[D * T], th[D], Gm[D * T];
  mtl_dataset *ds = planted(Xte, yte);
  mtl_solve_info in;
  const double lams[] = {0.01, 0.03, 0.1, 0.3, 1};
  int nonmono = 0;
  double best = INFINITY, bl = 0;
  for (int k = 0; k < 5; k++)
    for (int ista = 0; ista < 2; ista++) {
      mll(ds, lams[k], ista, W, th, Gm, &in);
      for (int i = 1; i < in.iterations; i++)
        nonmono += in.trace[i] > in.trace[i - 1] + 1e-13 * fabs(in.trace[i]);
      if (!ista && heldout_err(W, D, T, NT, Xte, yte) < best) {
        best = heldout_err(W, D, T, NT, Xte, yte);
        bl = lams[k];
      }
      fprintf(stderr, "mll lambda %g %s: %d outer iterations, objective "
                      "%.12g\n",
              lams[k], ista ? "ista" : "fista", in.iterations,
              in.objective);
      mtl_free(in.trace);
    }
  CHECK(nonmono == 0);
  double l1 = best_batch(ds, MTL_REG_L1, lams, 5, Xte, yte, W);
  double l21 = best_batch(ds, MTL_REG_L21, lams, 5, Xte, yte, W);
  mll(ds, bl, 0, W, th, Gm, &in);
  mtl_free(in.trace);
  int kept = 0, planted_kept = 0;
  for (int j = 0; j < D; j++) {
    kept += th[j] > 0;
    planted_kept += j < 5 && th[j] > 0;
  }
  fprintf(stderr, "planted two-level support: held-out MSE mll %.4f "
                  "(lambda %g), lasso %.4f, l21 %.4f; mll keeps %d "
                  "features, %d of the 5 planted\n",
          best, bl, l1, l21, kept, planted_kept);
  CHECK_LE(best, fmin(l1, l21));
  CHECK(kept == 5 && planted_kept == 5);
  /* through mtl_fit */
  mtl_params *p = mtl_params_create("mll");
  CHECK_OK(mtl_params_set(p, "lambda", "0.1"));
  mtl_model *m = NULL;
  mtl_fit_info *fi = NULL;
  CHECK(mtl_fit(ds, p, NULL, &m, &fi) >= 0);
  int r = 0, c = 0, nk = 0;
  const double *tm = mtl_model_get_matrix(m, "theta", &r, &c);
  CHECK(tm && r == D + 1 && c == 1); /* the bias level last */
  for (int j = 0; tm && j < D; j++)
    nk += tm[j] > 0;
  CHECK(mtl_fit_info_number(fi, "features_kept") == nk);
  fprintf(stderr, "mtl_fit mll: %s features kept, %s outer iterations\n",
          mtl_fit_info_get(fi, "features_kept"),
          mtl_fit_info_get(fi, "iterations"));
  mtl_model_free(m);
  mtl_fit_info_free(fi);
  mtl_params_free(p);
  mtl_dataset_free(ds);
  CHECK_DONE();
}
