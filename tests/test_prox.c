/*
 * test_prox.c -- regularizers: values on a hand-computed matrix, every
 * proximal operator against its closed form and against the optimality of
 * the prox objective (random perturbations never beat the returned point by
 * less than the strong-convexity margin), trace prox against a matrix built
 * from known singular vectors, dual norms, aliasing and every error path.
 */
#include "../src/problem/problem.h"
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
    if (fabs(A[k] - B[k]) > m)
      m = fabs(A[k] - B[k]);
  return m;
}

/* Prox objective 1/(2 step) ||U - V||^2 + lambda g(U) + ridge ||U||^2. */
static double prox_obj(const mtl_reg *r, double step, const double *V,
                       const double *U, int d, int T) {
  double diff[MAXN];
  for (int k = 0; k < d * T; k++)
    diff[k] = U[k] - V[k];
  return frob2(diff, d * T) / (2 * step) + mtl_reg_value(r, U, d, T);
}

/* Orthonormal columns (n x k, column-major) by modified Gram-Schmidt done
 * twice, from a random start. */
static void orthonormal(double *Q, int n, int k, unsigned long long *s) {
  rand_mat(Q, n * k, 1.0, s);
  for (int pass = 0; pass < 2; pass++)
    for (int i = 0; i < k; i++) {
      double *qi = Q + i * n;
      for (int j = 0; j < i; j++) {
        double *qj = Q + j * n, dot = 0;
        for (int r = 0; r < n; r++)
          dot += qi[r] * qj[r];
        for (int r = 0; r < n; r++)
          qi[r] -= dot * qj[r];
      }
      double nr = sqrt(frob2(qi, n));
      for (int r = 0; r < n; r++)
        qi[r] /= nr;
    }
}

/* Centering matrix C = I - 11'/T: ||W C||_F^2 = sum_t ||w_t - mean||^2. */
static void centering(double *C, int T) {
  for (int i = 0; i < T; i++)
    for (int j = 0; j < T; j++)
      C[i + j * T] = (i == j) - 1.0 / T;
}

/* ---- values -------------------------------------------------------------- */

static void test_values(void) {
  /* W = [3 4; 0 -1] (rows = features), column-major. */
  const double W[4] = {3, 0, 4, -1};
  const double R[2] = {1, -1}; /* one edge: w_1 - w_2 */
  mtl_reg r;
  mtl_reg_init(&r);
  r.lambda = 1;
  r.type = MTL_REG_NONE;
  CHECK(mtl_reg_value(&r, W, 2, 2) == 0.0);
  r.type = MTL_REG_RIDGE;
  CHECK_CLOSE(mtl_reg_value(&r, W, 2, 2), 26.0, 1e-15);
  r.type = MTL_REG_L1;
  CHECK_CLOSE(mtl_reg_value(&r, W, 2, 2), 8.0, 1e-15);
  r.type = MTL_REG_L21;
  CHECK_CLOSE(mtl_reg_value(&r, W, 2, 2), 6.0, 1e-15);
  r.type = MTL_REG_TRACE; /* (s1 + s2)^2 = ||W||^2 + 2 |det W| = 32 */
  CHECK_CLOSE(mtl_reg_value(&r, W, 2, 2), sqrt(32.0), 1e-14);
  r.type = MTL_REG_MEAN; /* rows (3,4) and (0,-1): 0.5 + 0.5 */
  CHECK_CLOSE(mtl_reg_value(&r, W, 2, 2), 1.0, 1e-15);
  r.type = MTL_REG_GRAPH; /* W R = (-1, 1) */
  r.R = R;
  r.R_cols = 1;
  CHECK_CLOSE(mtl_reg_value(&r, W, 2, 2), 2.0, 1e-15);
  /* lambda and ridge scale as documented. */
  r.lambda = 0.5;
  r.ridge = 0.25;
  CHECK_CLOSE(mtl_reg_value(&r, W, 2, 2), 0.5 * 2.0 + 0.25 * 26.0, 1e-15);
  r.type = MTL_REG_L21;
  CHECK_CLOSE(mtl_reg_value(&r, W, 2, 2), 0.5 * 6.0 + 0.25 * 26.0, 1e-15);
  r.lambda = 0; /* ridge only */
  CHECK_CLOSE(mtl_reg_value(&r, W, 2, 2), 6.5, 1e-15);

  /* Mean regularizer == graph with the centering matrix, on random W. */
  unsigned long long s = 77;
  double V[4 * 5], C[25];
  rand_mat(V, 20, 2.0, &s);
  centering(C, 5);
  mtl_reg m = {.type = MTL_REG_MEAN, .lambda = 1.3, .ridge = 0.2};
  mtl_reg g = {.type = MTL_REG_GRAPH, .lambda = 1.3, .ridge = 0.2,
               .R = C, .R_cols = 5};
  CHECK_CLOSE(mtl_reg_value(&m, V, 4, 5), mtl_reg_value(&g, V, 4, 5), 1e-13);
}

/* ---- closed forms -------------------------------------------------------- */

/* Reference proxes written from the formulas, independently of reg.c where
 * they have a simple elementwise form. */
static void ref_prox(const mtl_reg *r, double s, const double *V, int d,
                     int T, double *U) {
  double a = 1 + 2 * s * r->ridge, th = s * r->lambda;
  for (int j = 0; j < d; j++) {
    double nrm = 0, mean = 0;
    for (int t = 0; t < T; t++) {
      nrm += V[j + t * d] * V[j + t * d];
      mean += V[j + t * d] / T;
    }
    nrm = sqrt(nrm);
    for (int t = 0; t < T; t++) {
      double v = V[j + t * d], u = 0;
      switch (r->type) {
      case MTL_REG_NONE:
        u = v / a;
        break;
      case MTL_REG_RIDGE:
        u = v / (1 + 2 * s * (r->lambda + r->ridge));
        break;
      case MTL_REG_L1:
        u = (v > th ? v - th : v < -th ? v + th : 0) / a;
        break;
      case MTL_REG_L21:
        u = nrm > th ? v * (nrm - th) / nrm / a : 0;
        break;
      case MTL_REG_MEAN:
        u = mean / a + (v - mean) / (a + 2 * s * r->lambda);
        break;
      default:
        u = NAN;
      }
      U[j + t * d] = u;
    }
  }
}

static const int shapes[][2] = {{1, 1}, {1, 3}, {3, 1}, {2, 2},
                                {2, 3}, {3, 2}, {3, 3}, {5, 4}};
static const double steps[] = {0.3, 1.0, 2.5};
static const double lambdas[] = {0.0, 0.2, 1.5};
static const double ridges[] = {0.0, 0.7};

static void test_closed_forms(void) {
  unsigned long long s = 1234;
  const mtl_reg_type types[] = {MTL_REG_NONE, MTL_REG_RIDGE, MTL_REG_L1,
                                MTL_REG_L21, MTL_REG_MEAN};
  double V[MAXN], U[MAXN], E[MAXN];
  for (size_t sh = 0; sh < sizeof shapes / sizeof shapes[0]; sh++) {
    int d = shapes[sh][0], T = shapes[sh][1], n = d * T;
    for (size_t ty = 0; ty < sizeof types / sizeof types[0]; ty++)
      for (int is = 0; is < 3; is++)
        for (int il = 0; il < 3; il++)
          for (int ir = 0; ir < 2; ir++) {
            mtl_reg r = {.type = types[ty], .lambda = lambdas[il],
                         .ridge = ridges[ir]};
            rand_mat(V, n, 2.0, &s);
            CHECK_OK(mtl_reg_prox(&r, steps[is], V, d, T, U));
            ref_prox(&r, steps[is], V, d, T, E);
            CHECK_LE(maxdiff(U, E, n), 1e-14);
          }
  }
  /* Soft thresholds really zero things: L1 entries and L21 rows. */
  const double V0[6] = {0.5, -2.0, 0.1, 1.0, 0.2, -0.1}; /* 3 x 2 */
  mtl_reg r = {.type = MTL_REG_L1, .lambda = 0.6};
  CHECK_OK(mtl_reg_prox(&r, 1.0, V0, 3, 2, U));
  const double e1[6] = {0, -1.4, 0, 0.4, 0, 0};
  CHECK_LE(maxdiff(U, e1, 6), 1e-15);
  r.type = MTL_REG_L21; /* row norms: 1.1180, 2.0100, 0.1414 */
  CHECK_OK(mtl_reg_prox(&r, 1.0, V0, 3, 2, U));
  double n0 = sqrt(1.25), n1 = sqrt(4.04);
  const double e2[6] = {0.5 * (1 - 0.6 / n0), -2.0 * (1 - 0.6 / n1), 0,
                        1.0 * (1 - 0.6 / n0), 0.2 * (1 - 0.6 / n1), 0};
  CHECK_LE(maxdiff(U, e2, 6), 1e-15);
}

/* Graph: the output satisfies U ((1 + 2 s ridge) I + 2 s lambda R R') = V;
 * with R = centering matrix it equals the mean prox (a different code
 * path: closed form vs Cholesky solve). */
static void test_graph(void) {
  unsigned long long s = 99;
  double V[MAXN], U[MAXN], M[MAXN], R[4 * 6];
  for (size_t sh = 0; sh < sizeof shapes / sizeof shapes[0]; sh++) {
    int d = shapes[sh][0], T = shapes[sh][1], n = d * T;
    for (int E = 1; E <= 6; E += 5)
      for (int is = 0; is < 3; is++)
        for (int ir = 0; ir < 2; ir++) {
          double st = steps[is], rd = ridges[ir], lam = 0.8;
          rand_mat(V, n, 2.0, &s);
          rand_mat(R, T * E, 1.0, &s);
          mtl_reg r = {.type = MTL_REG_GRAPH, .lambda = lam, .ridge = rd,
                       .R = R, .R_cols = E};
          CHECK_OK(mtl_reg_prox(&r, st, V, d, T, U));
          double worst = 0;
          for (int j = 0; j < d; j++)
            for (int t = 0; t < T; t++) {
              double acc = (1 + 2 * st * rd) * U[j + t * d];
              for (int u = 0; u < T; u++) {
                double rr = 0; /* (R R')_{u t} */
                for (int e = 0; e < E; e++)
                  rr += R[u + e * T] * R[t + e * T];
                acc += 2 * st * lam * rr * U[j + u * d];
              }
              if (fabs(acc - V[j + t * d]) > worst)
                worst = fabs(acc - V[j + t * d]);
            }
          CHECK_LE(worst, 1e-13);
          double C[16];
          centering(C, T);
          mtl_reg g = {.type = MTL_REG_GRAPH, .lambda = lam, .ridge = rd,
                       .R = C, .R_cols = T};
          mtl_reg m = {.type = MTL_REG_MEAN, .lambda = lam, .ridge = rd};
          if (T <= 4) {
            CHECK_OK(mtl_reg_prox(&g, st, V, d, T, U));
            CHECK_OK(mtl_reg_prox(&m, st, V, d, T, M));
            CHECK_LE(maxdiff(U, M, n), 1e-14);
          }
        }
  }
}

/* Trace norm: V = P diag(sv) Q' with known orthonormal P, Q; the prox must be
 * P diag(max(sv - step lambda, 0) / (1 + 2 step ridge)) Q' (same singular
 * vectors, shrunk values, lower rank when values hit zero). */
static void test_trace(void) {
  static const int tshapes[][2] = {{5, 3}, {3, 5}, {4, 4}, {1, 4},
                                   {6, 1}, {2, 7}, {1, 1}};
  const double sv[] = {3.0, 1.6, 1.1, 0.4};
  unsigned long long s = 4242;
  double P[MAXN], Q[MAXN], V[MAXN], U[MAXN], E[MAXN], G[MAXN];
  for (size_t sh = 0; sh < sizeof tshapes / sizeof tshapes[0]; sh++) {
    int d = tshapes[sh][0], T = tshapes[sh][1], n = d * T;
    int k = d < T ? d : T;
    for (int is = 0; is < 3; is++)
      for (int il = 0; il < 3; il++)
        for (int ir = 0; ir < 2; ir++) {
          double st = steps[is], lam = lambdas[il], rd = ridges[ir];
          orthonormal(P, d, k, &s);
          orthonormal(Q, T, k, &s);
          double shr[4], sum_shr = 0, max_shr = 0;
          for (int i = 0; i < k; i++) {
            shr[i] = fmax(sv[i] - st * lam, 0) / (1 + 2 * st * rd);
            sum_shr += shr[i];
            max_shr = fmax(max_shr, shr[i]);
          }
          for (int j = 0; j < d; j++)
            for (int t = 0; t < T; t++) {
              double v = 0, e = 0;
              for (int i = 0; i < k; i++) {
                v += P[j + i * d] * sv[i] * Q[t + i * T];
                e += P[j + i * d] * shr[i] * Q[t + i * T];
              }
              V[j + t * d] = v;
              E[j + t * d] = e;
            }
          mtl_reg r = {.type = MTL_REG_TRACE, .lambda = lam, .ridge = rd};
          CHECK_OK(mtl_reg_prox(&r, st, V, d, T, U));
          CHECK_LE(maxdiff(U, E, n), 1e-13);
          /* Sum and largest of the output's singular values. */
          mtl_reg tn = {.type = MTL_REG_TRACE, .lambda = 1.0};
          CHECK_CLOSE(mtl_reg_value(&tn, U, d, T), sum_shr, 1e-13);
          double spec = -1;
          CHECK_OK(mtl_reg_dual_norm(&tn, U, d, T, &spec));
          CHECK_CLOSE(spec, max_shr, 1e-13);
          /* Aliasing: in place gives the same result. */
          memcpy(G, V, sizeof(double) * n);
          CHECK_OK(mtl_reg_prox(&r, st, G, d, T, G));
          CHECK_LE(maxdiff(G, U, n), 0.0);
        }
  }
}

/* The trace prox's Gram route (eigendecomposition of the small side's Gram
 * matrix) against the SVD route, on random matrices: full rank and rank
 * deficient, T > d, T < d and square, thresholds from most of the spectrum
 * kept to all of it cut, and a small threshold where the accuracy guard
 * must fall back to the SVD.  Also the penalty value the prox returns
 * against mtl_reg_value of its output. */
static void test_trace_gram(void) {
  static const int gshapes[][3] = {/* d, T, rank (0 = full) */
                                  {100, 30, 0}, {30, 100, 0}, {50, 50, 0},
                                  {101, 30, 5}, {30, 101, 5}, {40, 40, 3},
                                  {7, 3, 0},    {3, 7, 2},    {1, 9, 0}};
  static const double cut[] = {0.9, 0.5, 0.2, 0.05, 1e-4, 2.0};
  unsigned long long s = 777;
  int n = 101 * 30;
  double *A = malloc(sizeof(double) * n), *B = malloc(sizeof(double) * n);
  double *V = malloc(sizeof(double) * n), *U1 = malloc(sizeof(double) * n);
  double *U2 = malloc(sizeof(double) * n);
  for (size_t sh = 0; sh < sizeof gshapes / sizeof gshapes[0]; sh++) {
    int d = gshapes[sh][0], T = gshapes[sh][1], r = gshapes[sh][2];
    if (r == 0) {
      rand_mat(V, d * T, 1.0, &s);
    } else { /* V = A B, A d x r, B r x T */
      rand_mat(A, d * r, 1.0, &s);
      rand_mat(B, r * T, 1.0, &s);
      for (int j = 0; j < d; j++)
        for (int t = 0; t < T; t++) {
          double v = 0;
          for (int i = 0; i < r; i++)
            v += A[j + i * d] * B[i + t * r];
          V[j + t * d] = v;
        }
    }
    mtl_reg tn = {.type = MTL_REG_TRACE, .lambda = 1.0};
    double smax = 0, vmax = 0;
    CHECK_OK(mtl_reg_dual_norm(&tn, V, d, T, &smax));
    for (int k = 0; k < d * T; k++)
      vmax = fmax(vmax, fabs(V[k]));
    for (size_t c = 0; c < sizeof cut / sizeof cut[0]; c++)
      for (int ir = 0; ir < 2; ir++) {
        mtl_reg reg = {.type = MTL_REG_TRACE, .lambda = cut[c] * smax / 0.5,
                       .ridge = ir ? 0.3 : 0.0};
        double g1 = NAN, g2 = NAN;
        CHECK_OK(mtl__reg_prox_val(&reg, 0.5, V, d, T, U1, &g1, 0));
        CHECK_OK(mtl__reg_prox_val(&reg, 0.5, V, d, T, U2, &g2, 1));
        CHECK_LE(maxdiff(U1, U2, d * T), 1e-10 * vmax);
        double gv = mtl_reg_value(&reg, U2, d, T);
        CHECK_CLOSE(g1, gv, 1e-10);
        CHECK_CLOSE(g2, gv, 1e-10);
        /* in place, as the solver calls it */
        memcpy(U2, V, sizeof(double) * d * T);
        CHECK_OK(mtl__reg_prox_val(&reg, 0.5, U2, d, T, U2, NULL, 0));
        CHECK_LE(maxdiff(U1, U2, d * T), 0.0);
      }
  }
  /* An ill-conditioned spectrum: singular values 1 and just around the
   * threshold 1e-4, where the Gram route loses (s_max / thr)^2 eps and the
   * guard must send the prox to the SVD. */
  const double sv[] = {1.0, 1.001e-4, 0.999e-4, 1e-5, 0.0};
  int d = 40, T = 5;
  orthonormal(A, d, 5, &s);
  orthonormal(B, T, 5, &s);
  for (int j = 0; j < d; j++)
    for (int t = 0; t < T; t++) {
      double v = 0;
      for (int i = 0; i < 5; i++)
        v += A[j + i * d] * sv[i] * B[t + i * T];
      V[j + t * d] = v;
    }
  mtl_reg reg = {.type = MTL_REG_TRACE, .lambda = 2e-4};
  double g1, want = 0.5 * (1.0 - 1e-4) + 0.5 * 0.001e-4;
  CHECK_OK(mtl__reg_prox_val(&reg, 0.5, V, d, T, U1, &g1, 0));
  CHECK_OK(mtl__reg_prox_val(&reg, 0.5, V, d, T, U2, NULL, 1));
  CHECK_LE(maxdiff(U1, U2, d * T), 1e-14);
  CHECK_CLOSE(g1, 2e-4 * want / 0.5, 1e-14);
  free(A);
  free(B);
  free(V);
  free(U1);
  free(U2);
}

/* ---- optimality of every prox -------------------------------------------- */

/* F is (1/step)-strongly convex and U minimizes it, so for any direction D
 *   F(U + eps D) - F(U) >= eps^2 ||D||^2 / (2 step)
 * (the directional derivative at a minimizer is >= 0).  Checked for random
 * directions, coordinate directions and +-U itself, at three scales; a prox
 * off by delta fails for directions pointing back to the true minimizer. */
static int optimal(const mtl_reg *r, double st, const double *V,
                   const double *U, int d, int T, unsigned long long *s) {
  int n = d * T, bad = 0;
  double F0 = prox_obj(r, st, V, U, d, T), D[MAXN], W[MAXN];
  const double eps[] = {1e-1, 1e-3, 1e-5};
  for (int dir = 0; dir < 60 + 2 * n + 2; dir++) {
    if (dir < 60) {
      rand_mat(D, n, 1.0, s);
    } else if (dir < 60 + 2 * n) {
      memset(D, 0, sizeof D);
      D[(dir - 60) / 2] = (dir % 2) ? -1.0 : 1.0;
    } else {
      for (int k = 0; k < n; k++)
        D[k] = dir % 2 ? -U[k] : U[k];
    }
    double dd = frob2(D, n);
    if (dd == 0)
      continue;
    for (int e = 0; e < 3; e++) {
      for (int k = 0; k < n; k++)
        W[k] = U[k] + eps[e] * D[k];
      double gain = prox_obj(r, st, V, W, d, T) - F0;
      double need = 0.999 * eps[e] * eps[e] * dd / (2 * st) -
                    1e-13 * fmax(1.0, fabs(F0));
      if (!(gain >= need)) {
        if (bad++ < 3)
          fprintf(stderr,
                  "  %s step %g lambda %g ridge %g (%dx%d): eps %g gain "
                  "%.3g < %.3g\n",
                  mtl_reg_name(r->type), st, r->lambda, r->ridge, d, T,
                  eps[e], gain, need);
      }
    }
  }
  return bad == 0;
}

static void test_optimality(void) {
  unsigned long long s = 2024;
  double V[MAXN], U[MAXN], G[MAXN], R[3 * 4];
  for (int type = MTL_REG_NONE; type <= MTL_REG_GRAPH; type++)
    for (size_t sh = 0; sh < 7; sh++) { /* d, T <= 3 */
      int d = shapes[sh][0], T = shapes[sh][1], n = d * T;
      for (int is = 0; is < 3; is++)
        for (int il = 0; il < 3; il++)
          for (int ir = 0; ir < 2; ir++) {
            rand_mat(R, T * 2, 1.0, &s);
            mtl_reg r = {.type = (mtl_reg_type)type, .lambda = lambdas[il],
                         .ridge = ridges[ir], .R = R, .R_cols = 2};
            rand_mat(V, n, 2.0, &s);
            CHECK_OK(mtl_reg_prox(&r, steps[is], V, d, T, U));
            CHECK(optimal(&r, steps[is], V, U, d, T, &s));
            /* out may alias V */
            memcpy(G, V, sizeof(double) * n);
            CHECK_OK(mtl_reg_prox(&r, steps[is], G, d, T, G));
            CHECK_LE(maxdiff(G, U, n), 0.0);
            /* lambda = 0 leaves only the ridge shrinkage */
            if (lambdas[il] == 0) {
              double a = 1 + 2 * steps[is] * ridges[ir];
              for (int k = 0; k < n; k++)
                G[k] = V[k] / a;
              CHECK_LE(maxdiff(U, G, n), 1e-15);
            }
          }
    }
}

/* ---- dual norms ---------------------------------------------------------- */

/* For a norm g, prox_{t g}(V) = 0 exactly when g*(V) <= t: thresholds just
 * above the dual norm give 0, just below do not. */
static void test_dual(void) {
  const double G[6] = {0.5, -2.0, 0.1, 1.0, 0.2, -0.1}; /* 3 x 2 */
  mtl_reg r = {.type = MTL_REG_L1, .lambda = 1};
  double v = -1, U[MAXN], V[MAXN];
  CHECK_OK(mtl_reg_dual_norm(&r, G, 3, 2, &v));
  CHECK(v == 2.0);
  r.type = MTL_REG_L21;
  CHECK_OK(mtl_reg_dual_norm(&r, G, 3, 2, &v));
  CHECK_CLOSE(v, sqrt(4.04), 1e-15);
  r.type = MTL_REG_TRACE; /* spectral norm of [3 4; 0 -1]: s1 s2 = 3,
                             s1^2 + s2^2 = 26 -> s1^2 = 13 + sqrt(160) */
  const double W[4] = {3, 0, 4, -1};
  CHECK_OK(mtl_reg_dual_norm(&r, W, 2, 2, &v));
  CHECK_CLOSE(v, sqrt(13 + sqrt(160.0)), 1e-14);

  unsigned long long s = 31;
  const mtl_reg_type norms[] = {MTL_REG_L1, MTL_REG_L21, MTL_REG_TRACE};
  for (int rep = 0; rep < 20; rep++)
    for (int k = 0; k < 3; k++) {
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
}

/* ---- names, defaults, errors --------------------------------------------- */

static void test_names(void) {
  mtl_reg r;
  memset(&r, 0x55, sizeof r);
  mtl_reg_init(&r);
  CHECK(r.type == MTL_REG_L21 && r.lambda == 0.1 && r.ridge == 0.0 &&
        r.R == NULL && r.R_cols == 0);
  mtl_reg_init(NULL); /* no-op */
  const char *names[] = {"none", "ridge", "l1", "l21", "trace", "mean",
                         "graph"};
  for (int t = 0; t < 7; t++) {
    CHECK(strcmp(mtl_reg_name((mtl_reg_type)t), names[t]) == 0);
    CHECK(mtl_reg_parse(names[t]) == t);
  }
  CHECK(mtl_reg_parse("lasso") == MTL_REG_L1);
  CHECK(mtl_reg_parse("nuclear") == MTL_REG_TRACE);
  CHECK(mtl_reg_parse("L21") == MTL_REG_L21);
  CHECK(mtl_reg_parse("l2") == -1);
  CHECK_MSG("unknown regularizer \"l2\"");
  CHECK(mtl_reg_parse(NULL) == -1);
  CHECK_MSG("NULL");
  CHECK(strcmp(mtl_reg_name((mtl_reg_type)(MTL_REG_COL21 + 1)), "unknown") == 0);
  CHECK(strcmp(mtl_reg_name((mtl_reg_type)-1), "unknown") == 0);
}

static void test_errors(void) {
  double V[6] = {1, 2, 3, 4, 5, 6}, U[6], v;
  double R[2] = {1, -1};
  mtl_reg r;
  mtl_reg_init(&r);
  CHECK_ERR(mtl_reg_prox(NULL, 1.0, V, 3, 2, U), MTL_EINVAL);
  CHECK_MSG("regularizer is NULL");
  CHECK_ERR(mtl_reg_prox(&r, 1.0, NULL, 3, 2, U), MTL_EINVAL);
  CHECK_MSG("V is NULL");
  CHECK_ERR(mtl_reg_prox(&r, 1.0, V, 3, 2, NULL), MTL_EINVAL);
  CHECK_MSG("out is NULL");
  CHECK_ERR(mtl_reg_prox(&r, 1.0, V, 0, 2, U), MTL_EINVAL);
  CHECK_MSG("d = 0");
  CHECK_ERR(mtl_reg_prox(&r, 1.0, V, 3, -1, U), MTL_EINVAL);
  CHECK_MSG("T = -1");
  CHECK_ERR(mtl_reg_prox(&r, 0.0, V, 3, 2, U), MTL_EINVAL);
  CHECK_MSG("step = 0");
  CHECK_ERR(mtl_reg_prox(&r, -1.0, V, 3, 2, U), MTL_EINVAL);
  CHECK_MSG("step = -1");
  CHECK_ERR(mtl_reg_prox(&r, NAN, V, 3, 2, U), MTL_EINVAL);
  CHECK_MSG("step = nan");
  CHECK_ERR(mtl_reg_prox(&r, INFINITY, V, 3, 2, U), MTL_EINVAL);
  CHECK_MSG("step = inf");
  r.lambda = -0.5;
  CHECK_ERR(mtl_reg_prox(&r, 1.0, V, 3, 2, U), MTL_EINVAL);
  CHECK_MSG("l21 lambda = -0.5");
  CHECK(isnan(mtl_reg_value(&r, V, 3, 2)));
  CHECK_MSG("lambda = -0.5");
  r.lambda = NAN;
  CHECK_ERR(mtl_reg_prox(&r, 1.0, V, 3, 2, U), MTL_EINVAL);
  CHECK_MSG("lambda = nan");
  r.lambda = 0.1;
  r.ridge = -2;
  CHECK_ERR(mtl_reg_prox(&r, 1.0, V, 3, 2, U), MTL_EINVAL);
  CHECK_MSG("ridge = -2");
  r.ridge = INFINITY;
  CHECK_ERR(mtl_reg_prox(&r, 1.0, V, 3, 2, U), MTL_EINVAL);
  CHECK_MSG("ridge = inf");
  r.ridge = 0;
  r.type = (mtl_reg_type)42;
  CHECK_ERR(mtl_reg_prox(&r, 1.0, V, 3, 2, U), MTL_EINVAL);
  CHECK_MSG("invalid regularizer type 42");
  CHECK(isnan(mtl_reg_value(&r, V, 3, 2)));
  CHECK_ERR(mtl_reg_dual_norm(&r, V, 3, 2, &v), MTL_EINVAL);
  CHECK_MSG("invalid regularizer type 42");
  r.type = MTL_REG_GRAPH;
  CHECK_ERR(mtl_reg_prox(&r, 1.0, V, 3, 2, U), MTL_EINVAL);
  CHECK_MSG("needs R");
  CHECK(isnan(mtl_reg_value(&r, V, 3, 2)));
  CHECK_MSG("needs R");
  r.R = R;
  CHECK_ERR(mtl_reg_prox(&r, 1.0, V, 3, 2, U), MTL_EINVAL);
  CHECK_MSG("R_cols = 0");
  r.R_cols = 1;
  R[1] = NAN;
  CHECK_ERR(mtl_reg_prox(&r, 1.0, V, 3, 2, U), MTL_EINVAL);
  CHECK_MSG("R[task 2, edge 1] = nan");
  R[1] = -1;
  CHECK_OK(mtl_reg_prox(&r, 1.0, V, 3, 2, U));
  /* Non-finite V: numeric error naming the entry, for every type. */
  V[4] = INFINITY;
  for (int t = 0; t <= MTL_REG_GRAPH; t++) {
    r.type = (mtl_reg_type)t;
    CHECK_ERR(mtl_reg_prox(&r, 1.0, V, 3, 2, U), MTL_ENUMERIC);
    CHECK_MSG("V[feature 2, task 2] = inf");
  }
  r.type = MTL_REG_TRACE;
  CHECK_ERR(mtl_reg_dual_norm(&r, V, 3, 2, &v), MTL_ENUMERIC);
  CHECK_MSG("G[feature 2, task 2]");
  V[4] = 5;
  CHECK(isnan(mtl_reg_value(NULL, V, 3, 2)));
  CHECK_MSG("regularizer is NULL");
  CHECK(isnan(mtl_reg_value(&r, NULL, 3, 2)));
  CHECK_MSG("W is NULL");
  CHECK(isnan(mtl_reg_value(&r, V, 3, 0)));
  CHECK_MSG("T = 0");
  /* Dual norms exist for the norms only. */
  const mtl_reg_type nonorms[] = {MTL_REG_NONE, MTL_REG_RIDGE, MTL_REG_MEAN,
                                  MTL_REG_GRAPH};
  for (int k = 0; k < 4; k++) {
    r.type = nonorms[k];
    v = 123;
    CHECK_ERR(mtl_reg_dual_norm(&r, V, 3, 2, &v), MTL_EUNSUPPORTED);
    CHECK_MSG(mtl_reg_name(nonorms[k]));
    CHECK_MSG("is not a norm");
    CHECK(v == 123);
  }
  r.type = MTL_REG_L1;
  CHECK_ERR(mtl_reg_dual_norm(NULL, V, 3, 2, &v), MTL_EINVAL);
  CHECK_ERR(mtl_reg_dual_norm(&r, V, 3, 2, NULL), MTL_EINVAL);
  CHECK_MSG("out is NULL");
  CHECK_ERR(mtl_reg_dual_norm(&r, NULL, 3, 2, &v), MTL_EINVAL);
  CHECK_MSG("G is NULL");
  CHECK_ERR(mtl_reg_dual_norm(&r, V, -3, 2, &v), MTL_EINVAL);
  CHECK_MSG("d = -3");
}

int main(void) {
  test_values();
  test_closed_forms();
  test_graph();
  test_trace();
  test_trace_gram();
  test_optimality();
  test_dual();
  test_names();
  test_errors();
  CHECK_DONE();
}
