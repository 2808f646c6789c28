/*
 * test_fglasso.c -- the fused group lasso (fglasso, MALSAR's FGLasso):
 *  - the 1-D total-variation prox (Condat's algorithm) meets its KKT
 *    conditions exactly on 20000 random rows, ties and constant runs
 *    included: with c_k = sum_{i<=k} (x_i - y_i), |c_k| <= lam, c_{n-1} = 0,
 *    and c_k = lam sign(x_{k+1} - x_k) wherever the row jumps;
 *  - the row prox of a ||x||_1 + b TV(x) + c ||x||_2 against brute-force
 *    minimization on 2000 tiny random rows (n = 2..6): the dual of the prox
 *    problem (over the unit balls of the three dual norms), maximized by
 *    20000 accelerated projected-gradient steps, bounds the objective from
 *    below within 1e-11 of the prox's value, so the prox is within
 *    sqrt(2e-11) of the minimizer (1-strong convexity);
 *  - the limits: lambda2 = lambda_l1 = 0 is batch L2,1, lambda = lambda2 =
 *    0 is batch L1 (mtl_solve, with their duality gaps);
 *  - FISTA vs ISTA (no stopping rule but the iteration cap) to 1e-6, and
 *    the fixed-point residual at FISTA's answer;
 *  - mtl_fit (`mtl train --method fglasso`) reports the fixed-point
 *    residual as its certificate;
 *  - planted piecewise-constant drift on a shared support: fglasso at its
 *    best (lambda, lambda2) of a grid has a held-out squared error below
 *    that of the best of L2,1, trace and Lasso on their own grids; there
 *    its rows above 0.15 are the 5 planted ones (the largest entry off
 *    them 0.026 when written) and its jumps above 0.15 between consecutive
 *    tasks are the 5 planted ones and no others (planted 1.5; the largest
 *    other 0.081); at lambda = 0.1 the rows off the support are exactly 0
 *    and the jumps are again exactly the planted ones.
 * The second solver on School: test_school_fglasso.c.
 */
#include "../src/solvers/solvers.h"
#include "heldout.h"

/* ---- the prox ------------------------------------------------------------ */

static void tv_kkt(unsigned long long *s) {
  double y[16], x[16];
  int n = 1 + (int)((check_rand(s) + 1) * 8), ties = check_rand(s) > 0;
  double lam = 0.05 + (check_rand(s) + 1) * (check_rand(s) > 0.5 ? 3 : 0.5);
  for (int i = 0; i < n; i++)
    y[i] = ties ? floor(3 * check_rand(s)) : 2 * check_rand(s);
  mtl__tv1d(y, n, lam, x);
  double c = 0, worst = 0;
  for (int k = 0; k < n; k++) {
    c += x[k] - y[k];
    double v = fabs(c) - lam; /* |c_k| <= lam */
    if (k + 1 < n && fabs(x[k + 1] - x[k]) > 1e-12)
      v = fabs(c - copysign(lam, x[k + 1] - x[k]));
    if (k == n - 1)
      v = fabs(c);
    worst = fmax(worst, v);
  }
  if (!(worst <= 1e-11))
    fprintf(stderr, "tv1d KKT violated by %g (n %d, lam %g)\n", worst, n,
            lam);
  CHECK_LE(worst, 1e-11);
}

static double prox_obj(const double *x, const double *v, int n, double a,
                       double b, double c) {
  double q = 0;
  for (int t = 0; t < n; t++)
    q += 0.5 * (x[t] - v[t]) * (x[t] - v[t]);
  return q + mtl__fused_value(x, n, 1, a, b, c);
}

/* An independent lower bound: g(x) = max over z = (u, s, w) in the unit
 * balls of the dual norms (|u_t| <= 1, |s_k| <= 1, ||w||_2 <= 1) of
 * <a u + b D's + c w, x>, so the prox has the dual max_z 1/2 ||v||^2 -
 * 1/2 ||v - K'z||^2, solved here by accelerated projected gradient.  Any
 * dual point bounds F from below; returns the best bound found. */
static double dual_bound(const double *v, int n, double a, double b,
                         double c) {
  double z[3][8] = {{0}}, y[3][8] = {{0}}, zo[3][8], x[8], best = -INFINITY;
  double L = a * a + 4 * b * b + c * c, tk = 1;
  for (int it = 0; it < 20000; it++) {
    for (int t = 0; t < n; t++) /* x = v - K'y */
      x[t] = v[t] - a * y[0][t] - c * y[2][t] -
             b * ((t > 0 ? y[1][t - 1] : 0) - (t + 1 < n ? y[1][t] : 0));
    memcpy(zo, z, sizeof z);
    double nw = 0; /* ascent step on y, then project */
    for (int t = 0; t < n; t++) {
      z[0][t] = fmax(-1, fmin(1, y[0][t] + a * x[t] / L));
      z[1][t] = t + 1 < n ? fmax(-1, fmin(1, y[1][t] + b * (x[t + 1] - x[t]) /
                                                  L))
                          : 0;
      z[2][t] = y[2][t] + c * x[t] / L;
      nw += z[2][t] * z[2][t];
    }
    for (int t = 0; nw > 1 && t < n; t++)
      z[2][t] /= sqrt(nw);
    double q = 0, vv = 0;
    for (int t = 0; t < n; t++) {
      double xt = v[t] - a * z[0][t] - c * z[2][t] -
                  b * ((t > 0 ? z[1][t - 1] : 0) - (t + 1 < n ? z[1][t] : 0));
      q += xt * xt;
      vv += v[t] * v[t];
    }
    best = fmax(best, 0.5 * vv - 0.5 * q);
    double tn = (1 + sqrt(1 + 4 * tk * tk)) / 2;
    for (int i = 0; i < 3; i++)
      for (int t = 0; t < n; t++)
        y[i][t] = z[i][t] + (tk - 1) / tn * (z[i][t] - zo[i][t]);
    tk = tn;
  }
  return best;
}

static void prox_brute(unsigned long long *s) {
  double v[8] = {0}, x[8], w[8];
  int n = 2 + (int)((check_rand(s) + 1) * 2.5);
  double a = 0.3 * (check_rand(s) + 1), b = 0.5 * (check_rand(s) + 1);
  double c = 0.6 * (check_rand(s) + 1);
  for (int t = 0; t < n; t++)
    v[t] = check_rand(s) > 0.6 ? 0.5 : 2 * check_rand(s);
  memcpy(x, v, sizeof v);
  mtl__prox_fused_row(x, n, 1, a, b, c, w);
  double fx = prox_obj(x, v, n, a, b, c), lb = dual_bound(v, n, a, b, c);
  /* F(x) - F* <= F(x) - lb, and ||x - x*||^2 / 2 <= F(x) - F* */
  if (!(fx - lb <= 1e-11))
    fprintf(stderr, "fused prox: F %.17g above the dual bound %.17g (n %d, "
                    "a %g, b %g, c %g)\n", fx, lb, n, a, b, c);
  CHECK_LE(fx - lb, 1e-11);
}

/* ---- the solver on a generated problem ----------------------------------- */

enum { T = 12, D = 16, N = 10, NT = 40 };

/* y = X w_t + 0.2 noise; w_t piecewise constant in t on the first 5
 * features (one change point per feature), 0 elsewhere.  Xte, yte: NT
 * held-out samples per task. */
static mtl_dataset *planted(double *Wt, int cp[5], double *Xte,
                            double *yte) {
  unsigned long long s = 11;
  double lvl[5][2];
  for (int j = 0; j < 5; j++) {
    lvl[j][0] = 2 * check_rand(&s);
    lvl[j][1] = lvl[j][0] + (check_rand(&s) > 0 ? 1.5 : -1.5);
    cp[j] = 2 + (int)((check_rand(&s) + 1) * 4);
  }
  mtl_dataset *ds = mtl_dataset_create(D);
  for (int t = 0; t < T; t++) {
    double *w = Wt + t * D;
    for (int j = 0; j < D; j++)
      w[j] = j < 5 ? lvl[j][t >= cp[j]] : 0;
    heldout_task(ds, t, w, D, N, NT, 0.2, Xte, yte, &s);
  }
  return ds;
}

/* loose: the grid fits, which only score a point */
static void sp_tight(mtl_solver_params *sp, int loose) {
  mtl_solver_params_init(sp);
  sp->tol_obj = loose ? 1e-10 : 1e-15;
  sp->tol_gap = loose ? 1e-9 : 1e-13;
  sp->max_iter = 200000;
}

/* fglasso at lam = {l1, tv, l21, ridge} from zero (ista: 0 FISTA, 1 ISTA
 * for 30000 steps, 2 FISTA to a looser tolerance): objective; W in W. */
static double fgl(const mtl_dataset *ds, const double lam[4], int ista,
                  double *W, mtl_solve_info *in) {
  mtl_problem_params pp;
  mtl_problem_params_init(&pp);
  pp.reg = (mtl_reg){.type = MTL_REG_NONE};
  mtl_problem *pb = NULL;
  CHECK_OK(mtl_problem_create(ds, &pp, &pb));
  mtl_solver_params sp;
  sp_tight(&sp, ista == 2);
  if (ista == 1) {
    sp.solver = MTL_SOLVER_ISTA;
    sp.tol_obj = 0;
    sp.max_iter = 30000;
  }
  memset(W, 0, sizeof(double) * D * T);
  CHECK(mtl__fglasso_solve(pb, lam, &sp, W, in) >= 0);
  mtl_problem_free(pb);
  return in->objective;
}

static double batch(const mtl_dataset *ds, mtl_reg reg, int loose,
                    double *W) {
  mtl_problem_params pp;
  mtl_problem_params_init(&pp);
  pp.reg = reg;
  mtl_problem *pb = NULL;
  CHECK_OK(mtl_problem_create(ds, &pp, &pb));
  mtl_solver_params sp;
  sp_tight(&sp, loose);
  mtl_solve_info in;
  memset(W, 0, sizeof(double) * D * T);
  CHECK(mtl_solve(pb, &sp, W, &in) >= 0);
  mtl_problem_free(pb);
  return in.objective;
}

/* Mean held-out squared error of W. */
static double test_err(const double *W, const double *Xte,
                       const double *yte) {
  return heldout_err(W, D, T, NT, Xte, yte);
}

static const double grid[] = {0.003, 0.01, 0.03, 0.1, 0.3, 1};
enum { NG = sizeof grid / sizeof *grid };

/* The best held-out error of batch reg over the lambda grid. */
static double best_batch(const mtl_dataset *ds, mtl_reg_type r,
                         const double *Xte, const double *yte, double *W) {
  double best = INFINITY;
  for (int i = 0; i < NG; i++) {
    batch(ds, (mtl_reg){.type = r, .lambda = grid[i]}, 1, W);
    best = fmin(best, test_err(W, Xte, yte));
  }
  return best;
}

/* Recovery at lambda: the rows of W with an entry above ROW (support) are
 * the planted ones, features 0..4 (exact: ROW = 1e-8 at a larger lambda;
 * at the best one for the held-out error, a tenth of the planted jump);
 * on them, the jumps |w_{t+1} - w_t| > JUMP are exactly the planted change
 * points (between tasks cp - 1 and cp): every one found, none elsewhere.
 * Prints them, the largest entry off the support and the largest jump not
 * counted. */
#define JUMP 0.15
#define LAM_EXACT 0.1
static void recovery(const double *W, const double *Wt, const int cp[5],
                     double row) {
  int extra = 0, missed = 0, wrong_rows = 0;
  double small = 0, off = 0;
  for (int j = 0; j < D; j++) {
    double mx = 0;
    for (int t = 0; t < T; t++)
      mx = fmax(mx, fabs(W[j + t * D]));
    wrong_rows += (mx > row) != (j < 5);
    if (j >= 5) {
      off = fmax(off, mx);
      continue;
    }
    fprintf(stderr, "feature %d: planted jump at task %d (%+.2f), found:", j,
            cp[j] + 1, Wt[j + cp[j] * D] - Wt[j + (cp[j] - 1) * D]);
    for (int t = 0; t + 1 < T; t++) {
      double dj = W[j + (t + 1) * D] - W[j + t * D];
      int big = fabs(dj) > JUMP, at = t + 1 == cp[j];
      if (big)
        fprintf(stderr, " task %d (%+.2f)", t + 2, dj);
      else
        small = fmax(small, fabs(dj));
      extra += big && !at;
      missed += !big && at;
    }
    fprintf(stderr, "\n");
  }
  fprintf(stderr, "support above %g: %d rows differ from the planted 5 "
                  "(largest entry off it %.3g); %d planted jumps missed, %d "
                  "found elsewhere (the largest other difference %.3g)\n",
          row, wrong_rows, off, missed, extra, small);
  CHECK(wrong_rows == 0);
  CHECK(missed == 0);
  CHECK(extra == 0);
}

static void planted_test(const mtl_dataset *ds, const double *Wt,
                         const int cp[5], const double *Xte,
                         const double *yte) {
  static double W[D * T];
  mtl_solve_info in;
  double l21 = best_batch(ds, MTL_REG_L21, Xte, yte, W);
  double tr = best_batch(ds, MTL_REG_TRACE, Xte, yte, W);
  double l1 = best_batch(ds, MTL_REG_L1, Xte, yte, W);
  double best = INFINITY, bl = 0, bl2 = 0;
  for (int i = 0; i < NG; i++)
    for (int k = 0; k < NG; k++) {
      fgl(ds, (double[4]){0, grid[k], grid[i], 0}, 2, W, &in);
      double e = test_err(W, Xte, yte);
      if (e < best) {
        best = e;
        bl = grid[i];
        bl2 = grid[k];
      }
    }
  fprintf(stderr, "planted fused drift: held-out MSE fglasso %.4f (lambda "
                  "%g, lambda2 %g), l21 %.4f, trace %.4f, lasso %.4f "
                  "(noise %.4f)\n",
          best, bl, bl2, l21, tr, l1, 0.04 / 3);
  CHECK_LE(best, fmin(l21, fmin(tr, l1)));
  fgl(ds, (double[4]){0, bl2, bl, 0}, 2, W, &in);
  recovery(W, Wt, cp, JUMP);
  fgl(ds, (double[4]){0, bl2, LAM_EXACT, 0}, 2, W, &in);
  fprintf(stderr, "at lambda %g, lambda2 %g:\n", LAM_EXACT, bl2);
  recovery(W, Wt, cp, 1e-8);
}

/* mtl_fit (what `mtl train --method fglasso` prints) reports the
 * fixed-point residual as its certificate, small at convergence. */
static void fit_cert(const mtl_dataset *ds) {
  mtl_params *p = mtl_params_create("fglasso");
  CHECK_OK(mtl_params_set(p, "lambda", "0.1"));
  CHECK_OK(mtl_params_set(p, "lambda2", "0.05"));
  mtl_model *m = NULL;
  mtl_fit_info *in = NULL;
  CHECK(mtl_fit(ds, p, NULL, &m, &in) == MTL_CONVERGED);
  const char *c = mtl_fit_info_get(in, "certificate");
  double r = mtl_fit_info_number(in, "residual");
  fprintf(stderr, "mtl_fit fglasso: certificate %s, residual %.3g\n",
          c ? c : "(none)", r);
  CHECK(c && strcmp(c, "fixed-point residual") == 0);
  CHECK_LE(r, 1e-4);
  mtl_model_free(m);
  mtl_fit_info_free(in);
  mtl_params_free(p);
}

int main(void) {
  unsigned long long s = 3;
  for (int k = 0; k < 20000; k++)
    tv_kkt(&s);
  for (int k = 0; k < 2000; k++)
    prox_brute(&s);
  static double Wt[D * T], W[D * T], W2[D * T], Xte[T * NT * D], yte[T * NT];
  int cp[5];
  mtl_dataset *ds = planted(Wt, cp, Xte, yte);
  mtl_solve_info in, in2;
  double a = fgl(ds, (double[4]){0, 0, 0.3, 0.02}, 0, W, &in);
  double b = batch(ds, (mtl_reg){.type = MTL_REG_L21, .lambda = 0.3,
                                 .ridge = 0.02},
                   0, W2);
  fprintf(stderr, "fglasso lambda2 = lambda_l1 = 0: %.15g, batch l21: "
                  "%.15g\n", a, b);
  CHECK_CLOSE(a, b, 1e-9);
  a = fgl(ds, (double[4]){0.2, 0, 0, 0}, 0, W, &in);
  b = batch(ds, (mtl_reg){.type = MTL_REG_L1, .lambda = 0.2}, 0, W2);
  fprintf(stderr, "fglasso lambda = lambda2 = 0: %.15g, batch l1: %.15g\n",
          a, b);
  CHECK_CLOSE(a, b, 1e-9);
  a = fgl(ds, (double[4]){0.05, 0.3, 0.2, 0.01}, 0, W, &in);
  b = fgl(ds, (double[4]){0.05, 0.3, 0.2, 0.01}, 1, W2, &in2);
  fprintf(stderr, "fglasso fista %.15g (%d iters, residual %.3g), ista "
                  "%.15g (%d iters)\n",
          a, in.iterations, in.cert.residual, b, in2.iterations);
  CHECK_CLOSE(b, a, 1e-6);
  CHECK_LE(in.cert.residual, 1e-6);
  CHECK_CLOSE(in.cert.primal, a, 1e-12);
  fit_cert(ds);
  planted_test(ds, Wt, cp, Xte, yte);
  mtl_dataset_free(ds);
  CHECK_DONE();
}
