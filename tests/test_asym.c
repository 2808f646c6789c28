/*
 * test_asym.c -- asymmetric MTL (Lee et al. 2016): objective and W-step
 * gradient against the closed form and finite differences, the B-step
 * against a brute-force active-set solution (KKT to 1e-8), Algorithm 1's
 * monotone trace and constraints for every variant, the STL start against
 * the ridge closed form, the curriculum edge formula against a numerical
 * minimization and rule (5) against brute force, outputs (DOT, CSV, model),
 * GO-MTL, parameter errors and cancellation.
 */
#include "check.h"
#include "solvers/methods.h" /* the method-specific fits (private) */

#include <stdint.h>
#include <unistd.h>

#define D 5
#define T 4
#define N 20

static double X[T][N * D], Y[T][N];
static int ns[T] = {20, 12, 16, 9};

/* Tasks share a mean: w_t = w0 + dev; task 3 is noisier. */
static mtl_dataset *make_data(unsigned long long seed, int classification) {
  unsigned long long s = seed;
  double w0[D];
  for (int j = 0; j < D; j++)
    w0[j] = 2 * check_rand(&s);
  mtl_dataset *ds = mtl_dataset_create(D);
  for (int t = 0; t < T; t++) {
    double w[D];
    for (int j = 0; j < D; j++)
      w[j] = w0[j] + 0.3 * check_rand(&s);
    for (int i = 0; i < ns[t]; i++) {
      double z = 0;
      for (int j = 0; j < D; j++) {
        X[t][i * D + j] = check_rand(&s);
        z += X[t][i * D + j] * w[j];
      }
      z += (t == 3 ? 1.0 : 0.1) * check_rand(&s);
      Y[t][i] = classification ? (z > 0 ? 1.0 : -1.0) : z;
    }
    mtl_dataset_add_dense(ds, ns[t], X[t], Y[t],
                          classification ? MTL_TASK_CLASSIFICATION
                                         : MTL_TASK_REGRESSION,
                          NULL);
  }
  return ds;
}

static mtl_problem *make_problem(mtl_dataset *ds, mtl_scaling sc, int unpen) {
  mtl_problem_params pp;
  mtl_problem_params_init(&pp);
  pp.scaling = sc;
  pp.unpenalized_last = unpen;
  mtl_problem *pb = NULL;
  CHECK_OK(mtl_problem_create(ds, &pp, &pb));
  return pb;
}

/* Closed form of (1) for squared loss with (1/n)||y - Xw||^2 (paper). */
static double objective_by_hand(const double *W, const double *B, double lam,
                                double mu, int noloss, int imbalance) {
  double F = 0;
  for (int t = 0; t < T; t++) {
    double l = 0, out = 0;
    for (int i = 0; i < ns[t]; i++) {
      double z = 0;
      for (int j = 0; j < D; j++)
        z += X[t][i * D + j] * W[t * D + j];
      l += (z - Y[t][i]) * (z - Y[t][i]);
    }
    l /= ns[t];
    if (imbalance)
      l /= sqrt((double)ns[t]);
    for (int s = 0; s < T; s++)
      out += B[t + s * T];
    F += noloss ? l + mu * out : (1 + mu * out) * l;
    for (int j = 0; j < D; j++) {
      double r = W[t * D + j];
      for (int s = 0; s < T; s++)
        r -= B[s + t * T] * W[s * D + j];
      F += lam * r * r;
    }
  }
  return F;
}

static void test_objective_and_gradient(void) {
  unsigned long long s = 7;
  mtl_dataset *dc = make_data(12, 1), *ds = make_data(11, 0); /* X, Y: ds */
  mtl_problem *pb = make_problem(ds, MTL_SCALE_DOUBLE_MEAN, 0);
  mtl_problem *pu = make_problem(ds, MTL_SCALE_DOUBLE_MEAN, 1);
  mtl_problem *pc = make_problem(dc, MTL_SCALE_MEAN, 0);
  double W[D * T], B[T * T], G[D * T], Wp[D * T];
  for (int i = 0; i < D * T; i++)
    W[i] = check_rand(&s);
  for (int t = 0; t < T; t++)
    for (int u = 0; u < T; u++)
      B[u + t * T] = u == t ? 0 : fabs(check_rand(&s));
  mtl_asym_params p;
  mtl_asym_params_init(&p);
  p.lambda = 0.7;
  p.mu = 0.3;
  for (int variant = 0; variant < 3; variant++) {
    p.variant = variant == 1 ? MTL_ASYM_NOLOSS : MTL_ASYM_ALTERNATING;
    p.imbalance = variant == 2;
    double F;
    CHECK_OK(mtl_asym_objective(pb, &p, W, B, &F, NULL));
    CHECK_CLOSE(F, objective_by_hand(W, B, 0.7, 0.3, variant == 1,
                                     variant == 2),
                1e-12);
  }
  p.variant = MTL_ASYM_ALTERNATING;
  p.imbalance = 0;
  /* gradient against central differences, three problems */
  mtl_problem *pbs[3] = {pb, pu, pc};
  for (int k = 0; k < 3; k++) {
    double F;
    CHECK_OK(mtl_asym_objective(pbs[k], &p, W, B, &F, G));
    double maxerr = 0, gmax = 0;
    for (int i = 0; i < D * T; i++) {
      double h = 1e-6, fp, fm;
      memcpy(Wp, W, sizeof W);
      Wp[i] += h;
      mtl_asym_objective(pbs[k], &p, Wp, B, &fp, NULL);
      Wp[i] -= 2 * h;
      mtl_asym_objective(pbs[k], &p, Wp, B, &fm, NULL);
      maxerr = fmax(maxerr, fabs((fp - fm) / (2 * h) - G[i]));
      gmax = fmax(gmax, fabs(G[i]));
    }
    CHECK_LE(maxerr, 1e-6 * fmax(1, gmax));
  }
  /* B with a nonzero diagonal or a negative entry is rejected */
  double F;
  B[0] = 0.5;
  CHECK_ERR(mtl_asym_objective(pb, &p, W, B, &F, NULL), MTL_EINVAL);
  CHECK_MSG("B[1,1]");
  B[0] = 0;
  B[1] = -1;
  CHECK_ERR(mtl_asym_objective(pb, &p, W, B, &F, NULL), MTL_EINVAL);
  CHECK_MSG("B[2,1]");
  mtl_problem_free(pb);
  mtl_problem_free(pu);
  mtl_problem_free(pc);
  mtl_dataset_free(ds);
  mtl_dataset_free(dc);
}

/* The separate ridge lambda_0 ||W||_F^2 (issue 14, not in the paper):
 * objective = (1) + ridge ||W||^2 (no bias: every row penalized), its
 * gradient against central differences, a fit shrinks W, and a negative
 * ridge is refused naming it. */
static void test_ridge(void) {
  unsigned long long s = 11;
  mtl_dataset *ds = make_data(11, 0);
  mtl_problem *pb = make_problem(ds, MTL_SCALE_DOUBLE_MEAN, 0);
  double W[D * T], B[T * T], G[D * T], Wp[D * T], w2 = 0;
  for (int i = 0; i < D * T; i++) {
    W[i] = check_rand(&s);
    w2 += W[i] * W[i];
  }
  for (int t = 0; t < T; t++)
    for (int u = 0; u < T; u++)
      B[u + t * T] = u == t ? 0 : fabs(check_rand(&s));
  mtl_asym_params p;
  mtl_asym_params_init(&p);
  CHECK(p.ridge == 0);
  p.lambda = 0.7;
  p.mu = 0.3;
  p.ridge = 0.4;
  double F;
  CHECK_OK(mtl_asym_objective(pb, &p, W, B, &F, G));
  CHECK_CLOSE(F, objective_by_hand(W, B, 0.7, 0.3, 0, 0) + 0.4 * w2, 1e-12);
  double maxerr = 0, gmax = 0;
  for (int i = 0; i < D * T; i++) {
    double h = 1e-6, fp, fm;
    memcpy(Wp, W, sizeof W);
    Wp[i] += h;
    mtl_asym_objective(pb, &p, Wp, B, &fp, NULL);
    Wp[i] -= 2 * h;
    mtl_asym_objective(pb, &p, Wp, B, &fm, NULL);
    maxerr = fmax(maxerr, fabs((fp - fm) / (2 * h) - G[i]));
    gmax = fmax(gmax, fabs(G[i]));
  }
  CHECK_LE(maxerr, 1e-6 * fmax(1, gmax));
  /* a fit: a large ridge shrinks W below the fit without it */
  double norm[2] = {0, 0};
  for (int k = 0; k < 2; k++) {
    p.ridge = k ? 10 : 0;
    mtl_asym_result r;
    CHECK(mtl_asym_fit(pb, &p, &r) >= 0);
    for (int i = 0; r.W && i < D * T; i++)
      norm[k] += r.W[i] * r.W[i];
    mtl_asym_result_clear(&r);
  }
  CHECK(norm[1] > 0 && norm[1] < 0.5 * norm[0]);
  p.ridge = -1;
  CHECK_ERR(mtl_asym_objective(pb, &p, W, B, &F, NULL), MTL_EINVAL);
  CHECK_MSG("ridge");
  mtl_problem_free(pb);
  mtl_dataset_free(ds);
}

/* Solves A x = b (n x n column-major, small) by Gaussian elimination with
 * partial pivoting; returns 0 if singular. */
static int gauss(int n, double *A, double *b) {
  for (int c = 0; c < n; c++) {
    int piv = c;
    for (int r = c + 1; r < n; r++)
      if (fabs(A[r + c * n]) > fabs(A[piv + c * n]))
        piv = r;
    if (fabs(A[piv + c * n]) < 1e-13)
      return 0;
    for (int k = 0; k < n; k++) {
      double tmp = A[c + k * n];
      A[c + k * n] = A[piv + k * n];
      A[piv + k * n] = tmp;
    }
    double tmp = b[c];
    b[c] = b[piv];
    b[piv] = tmp;
    for (int r = c + 1; r < n; r++) {
      double f = A[r + c * n] / A[c + c * n];
      for (int k = c; k < n; k++)
        A[r + k * n] -= f * A[c + k * n];
      b[r] -= f * b[c];
    }
  }
  for (int c = n - 1; c >= 0; c--) {
    for (int k = c + 1; k < n; k++)
      b[c] -= A[c + k * n] * b[k];
    b[c] /= A[c + c * n];
  }
  return 1;
}

#define TB 6
#define DB 5
/* Brute force over active sets: on a support S, b_S = G_SS^{-1}(h_S -
 * mu c_S / (2 lambda)); feasible if b_S >= 0 and the gradient is >= 0 off
 * S.  The convex problem's minimizer is the feasible one of least value. */
static double brute_column(const double *G, const double *c, double lam,
                           double mu, int t, double *best) {
  double fbest = INFINITY;
  for (int mask = 0; mask < (1 << TB); mask++) {
    if (mask & (1 << t))
      continue;
    int idx[TB], k = 0;
    for (int s = 0; s < TB; s++)
      if (mask & (1 << s))
        idx[k++] = s;
    double A[TB * TB], r[TB], b[TB] = {0};
    for (int i = 0; i < k; i++) {
      r[i] = G[idx[i] + t * TB] - mu * c[idx[i]] / (2 * lam);
      for (int j = 0; j < k; j++)
        A[i + j * k] = G[idx[i] + idx[j] * TB];
    }
    if (k && !gauss(k, A, r))
      continue;
    int ok = 1;
    for (int i = 0; i < k; i++) {
      if (r[i] < 0)
        ok = 0;
      b[idx[i]] = r[i];
    }
    if (!ok)
      continue;
    double f = 0;
    for (int u = 0; u < TB; u++) {
      double Gb = 0;
      for (int v = 0; v < TB; v++)
        Gb += G[u + v * TB] * b[v];
      f += lam * (b[u] * Gb - 2 * G[u + t * TB] * b[u]) + mu * c[u] * b[u];
      if (!(mask & (1 << u)) && u != t &&
          2 * lam * (Gb - G[u + t * TB]) + mu * c[u] < -1e-9)
        ok = 0;
    }
    if (ok && f < fbest) {
      fbest = f;
      memcpy(best, b, sizeof b);
    }
  }
  return fbest;
}

static void test_bstep(void) {
  unsigned long long s = 99;
  int ninst = 0;
  for (int inst = 0; inst < 12; inst++) {
    double W[DB * TB], G[TB * TB], c[TB];
    /* correlated columns so that supports are non-trivial */
    for (int j = 0; j < DB; j++) {
      double base = check_rand(&s);
      for (int u = 0; u < TB; u++)
        W[u * DB + j] = base + 0.7 * check_rand(&s);
    }
    for (int u = 0; u < TB; u++) {
      c[u] = 0.1 + fabs(check_rand(&s));
      for (int v = 0; v < TB; v++) {
        double g = 0;
        for (int j = 0; j < DB; j++)
          g += W[u * DB + j] * W[v * DB + j];
        G[u + v * TB] = g;
      }
    }
    double lam = 0.5 + fabs(check_rand(&s));
    double mu = inst == 0 ? 0.0 : (inst == 1 ? 100.0 : 0.4 * inst / 12.0);
    for (int t = 0; t < TB; t++) {
      double b[TB] = {0}, bb[TB] = {0};
      if (t % 2)
        for (int u = 0; u < TB; u++)
          b[u] = fabs(check_rand(&s)); /* warm start, incl. b[t] != 0 */
      CHECK(mtl_asym_solve_column(TB, G, c, lam, mu, t, 1e-12, 100000, b) ==
            MTL_CONVERGED);
      double fb = brute_column(G, c, lam, mu, t, bb);
      CHECK(isfinite(fb));
      double maxdiff = 0, kkt = 0;
      int nnz = 0;
      for (int u = 0; u < TB; u++) {
        maxdiff = fmax(maxdiff, fabs(b[u] - bb[u]));
        double Gb = 0;
        for (int v = 0; v < TB; v++)
          Gb += G[u + v * TB] * b[v];
        double g = 2 * lam * (Gb - G[u + t * TB]) + mu * c[u];
        if (u == t)
          continue;
        CHECK(b[u] >= 0);
        kkt = fmax(kkt, b[u] > 0 ? fabs(g) : fmax(0, -g));
        nnz += b[u] > 0;
      }
      CHECK(b[t] == 0);
      CHECK_LE(kkt, 1e-8);
      CHECK_LE(maxdiff, 1e-8);
      if (nnz > 0 && nnz < TB - 1)
        ninst++;
      if (mu == 100.0)
        CHECK(nnz == 0);
    }
  }
  CHECK(ninst >= 10); /* the instances exercised partial supports */
  fprintf(stderr, "bstep: %d columns with partial support\n", ninst);
  double G[4] = {1, 0, 0, 1}, c[2] = {1, 1}, b[2] = {0, 0};
  CHECK_ERR(mtl_asym_solve_column(2, G, c, 0.0, 0.1, 0, 1e-10, 10, b),
            MTL_EINVAL);
  CHECK_MSG("lambda = 0");
  CHECK_ERR(mtl_asym_solve_column(2, G, c, 1.0, 0.1, 2, 1e-10, 10, b),
            MTL_EINVAL);
  CHECK_MSG("t = 2");
  c[1] = -1;
  CHECK_ERR(mtl_asym_solve_column(2, G, c, 1.0, 0.1, 0, 1e-10, 10, b),
            MTL_EINVAL);
  CHECK_MSG("cost[1]");
}

static void check_constraints(const mtl_asym_result *r, int symmetric) {
  double asym = 0;
  for (int t = 0; t < T; t++)
    for (int u = 0; u < T; u++) {
      CHECK(r->B[u + t * T] >= 0);
      if (u == t)
        CHECK(r->B[u + t * T] == 0);
      asym = fmax(asym, fabs(r->B[u + t * T] - r->B[t + u * T]));
    }
  if (symmetric)
    CHECK(asym == 0);
}

/* Ridge closed form of the STL start: (2/n X'X + 2 lam I) w = 2/n X'y. */
static void check_stl(const mtl_asym_result *r, double lam) {
  double maxd = 0;
  for (int t = 0; t < T; t++) {
    double A[D * D], b[D];
    for (int j = 0; j < D; j++) {
      b[j] = 0;
      for (int k = 0; k < D; k++)
        A[j + k * D] = j == k ? 2 * lam : 0;
      for (int i = 0; i < ns[t]; i++) {
        b[j] += 2.0 / ns[t] * X[t][i * D + j] * Y[t][i];
        for (int k = 0; k < D; k++)
          A[j + k * D] += 2.0 / ns[t] * X[t][i * D + j] * X[t][i * D + k];
      }
    }
    gauss(D, A, b);
    for (int j = 0; j < D; j++)
      maxd = fmax(maxd, fabs(b[j] - r->W_stl[t * D + j]));
  }
  CHECK_LE(maxd, 1e-6);
}

static int cancel_at_2(void *ctx, int iter, double obj, double rel,
                       double res) {
  (void)ctx, (void)obj, (void)rel, (void)res;
  return iter >= 2;
}

static void test_alternating(void) {
  mtl_dataset *ds = make_data(21, 0);
  mtl_problem *pb = make_problem(ds, MTL_SCALE_DOUBLE_MEAN, 0);
  mtl_asym_params p;
  mtl_asym_params_init(&p);
  p.lambda = 0.5;
  p.mu = 0.05;
  p.tol = 1e-10;
  mtl_asym_variant vs[3] = {MTL_ASYM_ALTERNATING, MTL_ASYM_NOLOSS,
                            MTL_ASYM_SYMMETRIC};
  for (int k = 0; k < 3; k++) {
    p.variant = vs[k];
    mtl_asym_result r;
    int rc = mtl_asym_fit(pb, &p, &r);
    CHECK(rc == MTL_CONVERGED || rc == MTL_MAXITER);
    CHECK(r.ntrace == r.iterations + 1);
    for (int i = 1; i < r.ntrace; i++)
      CHECK_LE(r.trace[i], r.trace[i - 1] * (1 + 1e-12));
    CHECK_LE(r.objective, r.trace[0]);
    CHECK_CLOSE(r.objective, r.trace[r.ntrace - 1], 1e-12);
    check_constraints(&r, vs[k] == MTL_ASYM_SYMMETRIC);
    check_stl(&r, p.lambda);
    double nb = 0;
    for (int i = 0; i < T * T; i++)
      nb += r.B[i];
    CHECK(nb > 0); /* related tasks: some transfer is learned */
    double F;
    CHECK_OK(mtl_asym_objective(pb, &p, r.W, r.B, &F, NULL));
    CHECK_CLOSE(F, r.objective, 1e-12);
    if (vs[k] == MTL_ASYM_ALTERNATING) {
      /* at the returned W every column of B solves (3) */
      CHECK_CLOSE(F, objective_by_hand(r.W, r.B, p.lambda, p.mu, 0, 0),
                  1e-12);
      double G[T * T];
      for (int u = 0; u < T; u++)
        for (int v = 0; v < T; v++) {
          double g = 0;
          for (int j = 0; j < D; j++)
            g += r.W[u * D + j] * r.W[v * D + j];
          G[u + v * T] = g;
        }
      double maxkkt = 0;
      for (int t = 0; t < T; t++)
        for (int u = 0; u < T; u++) {
          if (u == t)
            continue;
          double Gb = 0;
          for (int v = 0; v < T; v++)
            Gb += G[u + v * T] * r.B[v + t * T];
          double g = 2 * p.lambda * (Gb - G[u + t * T]) +
                     p.mu * r.task_loss[u];
          maxkkt = fmax(maxkkt, r.B[u + t * T] > 0 ? fabs(g) : fmax(0, -g));
        }
      CHECK_LE(maxkkt, 1e-8);
      fprintf(stderr, "alternating: %d outer iterations, F %.10g -> %.10g, "
                      "B-KKT at the end %.2g\n",
              r.iterations, r.trace[0], r.objective, maxkkt);
    }
    mtl_asym_result_clear(&r);
  }
  /* cancellation by the progress callback keeps the iterate */
  p.variant = MTL_ASYM_ALTERNATING;
  p.progress = cancel_at_2;
  mtl_asym_result r;
  CHECK_ERR(mtl_asym_fit(pb, &p, &r), MTL_ECANCELLED);
  CHECK_MSG("cancelled");
  CHECK(r.W != NULL && r.iterations == 2);
  mtl_asym_result_clear(&r);
  p.progress = NULL;
  /* parameter errors, one message per field */
  p.lambda = 0;
  CHECK_ERR(mtl_asym_fit(pb, &p, &r), MTL_EINVAL);
  CHECK_MSG("lambda = 0");
  CHECK(r.W == NULL);
  p.lambda = 1;
  p.mu = -1;
  CHECK_ERR(mtl_asym_fit(pb, &p, &r), MTL_EINVAL);
  CHECK_MSG("mu = -1");
  p.mu = 0.1;
  p.max_outer = 0;
  CHECK_ERR(mtl_asym_fit(pb, &p, &r), MTL_EINVAL);
  CHECK_MSG("max_outer");
  p.max_outer = 10;
  p.b_tol = 0;
  CHECK_ERR(mtl_asym_fit(pb, &p, &r), MTL_EINVAL);
  CHECK_MSG("b_tol");
  p.b_tol = 1e-10;
  p.variant = (mtl_asym_variant)9;
  CHECK_ERR(mtl_asym_fit(pb, &p, &r), MTL_EINVAL);
  CHECK_MSG("variant = 9");
  p.variant = MTL_ASYM_ALTERNATING;
  p.imbalance = 2;
  CHECK_ERR(mtl_asym_fit(pb, &p, &r), MTL_EINVAL);
  CHECK_MSG("imbalance");
  CHECK_ERR(mtl_asym_fit(NULL, &p, &r), MTL_EINVAL);
  CHECK(mtl_asym_variant_parse("asym-curriculum") == MTL_ASYM_CURRICULUM);
  CHECK(mtl_asym_variant_parse("asym-symmetric") == MTL_ASYM_SYMMETRIC);
  CHECK(mtl_asym_variant_parse("symmetric") == MTL_ASYM_SYMMETRIC);
  /* the async method's names are not asym variants */
  CHECK(mtl_asym_variant_parse("smtl") == -1);
  CHECK(mtl_asym_variant_parse("amtl") == -1);
  CHECK(mtl_asym_variant_parse("bogus") == -1);
  CHECK(strcmp(mtl_asym_variant_name(MTL_ASYM_NOLOSS), "asym-noloss") == 0);
  mtl_problem_free(pb);
  mtl_dataset_free(ds);
  /* hinge loss is rejected */
  mtl_dataset *dc = make_data(5, 1);
  mtl_problem_params pp;
  mtl_problem_params_init(&pp);
  pp.loss = MTL_LOSS_HINGE;
  mtl_problem *ph = NULL;
  CHECK_OK(mtl_problem_create(dc, &pp, &ph));
  mtl_asym_params_init(&p);
  CHECK_ERR(mtl_asym_fit(ph, &p, &r), MTL_EUNSUPPORTED);
  CHECK_MSG("hinge");
  mtl_problem_free(ph);
  mtl_dataset_free(dc);
}

/* Golden-section minimization of f(b) = mu l b + lam ||r - b w||^2 on
 * [0, hi]. */
static double golden(const double *w, const double *r, int n, double l,
                     double lam, double mu, double hi) {
  double a = 0, b = hi, g = (sqrt(5.0) - 1) / 2;
  for (int it = 0; it < 200; it++) {
    double c = b - g * (b - a), dd = a + g * (b - a), fc = mu * l * c,
           fd = mu * l * dd;
    for (int j = 0; j < n; j++) {
      fc += lam * (r[j] - c * w[j]) * (r[j] - c * w[j]);
      fd += lam * (r[j] - dd * w[j]) * (r[j] - dd * w[j]);
    }
    if (fc < fd)
      b = dd;
    else
      a = c;
  }
  return 0.5 * (a + b);
}

static double task_loss_dm(int t, const double *w) {
  double l = 0;
  for (int i = 0; i < ns[t]; i++) {
    double z = 0;
    for (int j = 0; j < D; j++)
      z += X[t][i * D + j] * w[j];
    l += (z - Y[t][i]) * (z - Y[t][i]);
  }
  return l / ns[t];
}

static void test_curriculum(void) {
  /* the edge formula against numerical minimization */
  unsigned long long s = 3;
  for (int k = 0; k < 20; k++) {
    double w[D], r[D];
    for (int j = 0; j < D; j++) {
      w[j] = check_rand(&s);
      r[j] = 0.8 * w[j] + 0.5 * check_rand(&s);
    }
    double l = fabs(check_rand(&s)), lam = 0.2 + fabs(check_rand(&s)),
           mu = k % 4 == 0 ? 5.0 : 0.3 * fabs(check_rand(&s));
    double e = mtl_asym_edge(D, w, r, l, lam, mu);
    CHECK_CLOSE(e, golden(w, r, D, l, lam, mu, 10.0), 1e-7);
  }
  double z[D] = {0}, one[D] = {1, 1, 1, 1, 1};
  CHECK(mtl_asym_edge(D, z, one, 1, 1, 1) == 0);

  mtl_dataset *ds = make_data(31, 0);
  mtl_problem *pb = make_problem(ds, MTL_SCALE_DOUBLE_MEAN, 0);
  mtl_asym_params p;
  mtl_asym_params_init(&p);
  p.variant = MTL_ASYM_CURRICULUM;
  p.lambda = 0.5;
  p.mu = 0.2;
  mtl_asym_result r;
  CHECK(mtl_asym_fit(pb, &p, &r) == MTL_CONVERGED);
  CHECK(r.order != NULL && r.ntrace == T + 1);
  check_constraints(&r, 0);
  check_stl(&r, p.lambda);
  /* rule (5) by brute force at the STL start: the chosen first task has
   * the least cost, and its edges equal the closed form */
  double lstl[T], cost[T];
  for (int t = 0; t < T; t++)
    lstl[t] = task_loss_dm(t, r.W_stl + t * D);
  int argmin = 0;
  for (int t = 0; t < T; t++) {
    cost[t] = lstl[t];
    for (int u = 0; u < T; u++) {
      if (u == t)
        continue;
      const double *wt = r.W_stl + t * D, *ru = r.W_stl + u * D;
      double b = golden(wt, ru, D, lstl[t], p.lambda, p.mu, 10.0);
      cost[t] += p.mu * lstl[t] * b;
      for (int j = 0; j < D; j++)
        cost[t] += p.lambda * (ru[j] - b * wt[j]) * (ru[j] - b * wt[j]);
      if (t == r.order[0])
        CHECK_CLOSE(r.B[t + u * T],
                    mtl_asym_edge(D, wt, ru, lstl[t], p.lambda, p.mu), 1e-12);
    }
    if (cost[t] < cost[argmin])
      argmin = t;
  }
  CHECK(r.order[0] == argmin);
  /* the graph is acyclic in the chosen order: s -> t only if s first */
  int pos[T], seen[T] = {0};
  for (int i = 0; i < T; i++) {
    pos[r.order[i]] = i;
    seen[r.order[i]]++;
  }
  for (int t = 0; t < T; t++) {
    CHECK(seen[t] == 1);
    for (int u = 0; u < T; u++)
      if (r.B[u + t * T] > 0)
        CHECK(pos[u] < pos[t]);
  }
  /* (6) for the last task: the gradient of its objective vanishes */
  {
    int t = r.order[T - 1];
    double out = 0, v[D] = {0}, g[D] = {0};
    for (int u = 0; u < T; u++) {
      out += r.B[t + u * T];
      for (int j = 0; j < D; j++)
        v[j] += r.B[u + t * T] * r.W[u * D + j];
    }
    CHECK(out == 0);
    const double *w = r.W + t * D;
    for (int i = 0; i < ns[t]; i++) {
      double zz = -Y[t][i];
      for (int j = 0; j < D; j++)
        zz += X[t][i * D + j] * w[j];
      for (int j = 0; j < D; j++)
        g[j] += 2.0 / ns[t] * zz * X[t][i * D + j];
    }
    double gm = 0;
    for (int j = 0; j < D; j++)
      gm = fmax(gm, fabs(g[j] + 2 * p.lambda * (w[j] - v[j])));
    CHECK_LE(gm, 1e-6);
  }
  mtl_asym_result_clear(&r);
  /* Curriculum-simple: a chain with unit weights */
  p.variant = MTL_ASYM_CURRICULUM_SIMPLE;
  CHECK(mtl_asym_fit(pb, &p, &r) == MTL_CONVERGED);
  double nb = 0;
  for (int i = 1; i < T; i++)
    CHECK(r.B[r.order[i - 1] + r.order[i] * T] == 1.0);
  for (int i = 0; i < T * T; i++)
    nb += r.B[i];
  CHECK(nb == T - 1);
  check_constraints(&r, 0);
  mtl_asym_result_clear(&r);
  mtl_problem_free(pb);
  mtl_dataset_free(ds);
}

static void test_outputs(void) {
  mtl_dataset *ds = make_data(41, 0);
  mtl_problem *pb = make_problem(ds, MTL_SCALE_DOUBLE_MEAN, 0);
  mtl_asym_params p;
  mtl_asym_params_init(&p);
  p.variant = MTL_ASYM_CURRICULUM;
  p.lambda = 0.5;
  p.mu = 0.05;
  mtl_asym_result r;
  CHECK_OK(mtl_asym_fit(pb, &p, &r));
  mtl_model *m = NULL;
  CHECK_OK(mtl_asym_to_model(&r, pb, &p, NULL, &m));
  int rows, cols;
  const double *B = mtl_model_get_matrix(m, "B", &rows, &cols);
  CHECK(B && rows == T && cols == T && memcmp(B, r.B, sizeof(double) * T * T) == 0);
  CHECK(strcmp(mtl_model_get_meta(m, "method"), "asym-curriculum") == 0);
  CHECK(mtl_model_get_meta(m, "order") != NULL);
  char path[256], path2[256];
  snprintf(path, sizeof path, "test_asym_%ld.model", (long)getpid());
  snprintf(path2, sizeof path2, "test_asym_%ld.dot", (long)getpid());
  CHECK_OK(mtl_model_save(m, path));
  mtl_model *m2 = NULL;
  CHECK_OK(mtl_model_load(path, &m2));
  CHECK_OK(mtl_asym_model_write_dot(m2, 0.0, path2));
  int nedges = 0;
  for (int i = 0; i < T * T; i++)
    nedges += r.B[i] > 0;
  CHECK(nedges > 0);
  FILE *f = fopen(path2, "r");
  char line[512];
  int ne = 0, nn = 0, header = 0;
  while (f && fgets(line, sizeof line, f)) {
    if (strstr(line, "digraph amtl"))
      header = 1;
    if (strstr(line, "->") && line[0] != '/') {
      int a, b;
      double w;
      const char *q = strstr(line, "weight=");
      int ok = q && sscanf(line, " \"t%d\" -> \"t%d\"", &a, &b) == 2 &&
               sscanf(q, "weight=%lf", &w) == 1 && a >= 1 && a <= T &&
               b >= 1 && b <= T;
      CHECK(ok);
      if (!ok)
        fprintf(stderr, "bad DOT line: %s", line);
      else
        CHECK_CLOSE(w, r.B[(a - 1) + (b - 1) * T], 1e-5);
      ne++;
    } else if (strstr(line, "width=")) {
      nn++;
    }
  }
  if (f)
    fclose(f);
  CHECK(header && ne == nedges && nn == T);
  /* CSV with names, read back exactly */
  const char *names[T] = {"a", "b", "c", "d"};
  CHECK_OK(mtl_asym_write_csv(T, r.B, names, path2));
  f = fopen(path2, "r");
  CHECK(f && fgets(line, sizeof line, f) && strcmp(line, "source,a,b,c,d\n") == 0);
  for (int u = 0; f && u < T; u++) {
    CHECK(fgets(line, sizeof line, f) != NULL);
    char *q = strchr(line, ',');
    for (int t = 0; q && t < T; t++) {
      double v = strtod(q + 1, &q);
      CHECK(v == r.B[u + t * T]);
    }
  }
  if (f)
    fclose(f);
  names[1] = "b,x";
  CHECK_ERR(mtl_asym_write_csv(T, r.B, names, path2), MTL_EINVAL);
  CHECK_MSG("task 2");
  CHECK_ERR(mtl_asym_write_dot(T, r.B, NULL, NULL, 0, "/nonexistent/dir/g.dot"),
            MTL_EIO);
  CHECK_MSG("/nonexistent/dir/g.dot");
  remove(path);
  remove(path2);
  /* a model without B */
  mtl_model *m3 = mtl_model_create(D, T, r.W, NULL, NULL);
  CHECK_ERR(mtl_asym_model_write_dot(m3, 0, path2), MTL_ENOTFOUND);
  mtl_model_free(m3);
  mtl_model_free(m);
  mtl_model_free(m2);
  mtl_asym_result_clear(&r);
  mtl_problem_free(pb);
  mtl_dataset_free(ds);
}

static void test_gomtl(void) {
  mtl_dataset *ds = make_data(51, 0);
  mtl_problem *pb = make_problem(ds, MTL_SCALE_DOUBLE_MEAN, 0);
  mtl_gomtl_params gp;
  mtl_gomtl_params_init(&gp);
  gp.k = 2;
  gp.max_outer = 30;
  double W[D * T], L[D * 2], S[2 * T], tr[31];
  int nt = 0;
  int rc = mtl_gomtl_fit(pb, &gp, W, L, S, tr, &nt);
  CHECK(rc == MTL_CONVERGED || rc == MTL_MAXITER);
  CHECK(nt >= 2);
  for (int i = 1; i < nt; i++)
    CHECK_LE(tr[i], tr[i - 1] * (1 + 1e-12));
  double maxd = 0;
  for (int t = 0; t < T; t++)
    for (int j = 0; j < D; j++)
      maxd = fmax(maxd, fabs(W[t * D + j] - (L[j] * S[t * 2] +
                                               L[D + j] * S[t * 2 + 1])));
  CHECK_LE(maxd, 1e-12);
  /* objective value by hand at the returned factors */
  double F = 0;
  for (int t = 0; t < T; t++)
    F += task_loss_dm(t, W + t * D) + gp.mu * (fabs(S[2 * t]) + fabs(S[2 * t + 1]));
  for (int i = 0; i < 2 * D; i++)
    F += gp.lambda * L[i] * L[i];
  CHECK_CLOSE(F, tr[nt - 1], 1e-10);
  gp.k = 9;
  CHECK_ERR(mtl_gomtl_fit(pb, &gp, W, L, S, tr, &nt), MTL_EINVAL);
  CHECK_MSG("k = 9");
  mtl_problem_free(pb);
  mtl_dataset_free(ds);
}

int main(void) {
  test_ridge();
  test_objective_and_gradient();
  test_bstep();
  test_alternating();
  test_curriculum();
  test_outputs();
  test_gomtl();
  CHECK_DONE();
}
