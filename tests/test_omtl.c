/*
 * test_omtl.c -- online multi-task relationship learning via ADMM (Li et
 * al. 2024): the EXACT u- and V-steps against a numerical minimization of
 * their subproblems, the PAPER variant against the printed formulas (12),
 * (14), Omega (18) on hand-made V, round-synchronous D-ADMM on a fully
 * connected graph = C-ADMM predictions, gossip reaching every node within
 * graph-distance rounds, determinism, baselines against hand computations,
 * streams (text parser, rounds, errors with file:line), graphs, parameter
 * validation, outputs and models.
 */
#include "check.h"
#include "solvers/omtl/omtl_impl.h" /* the ADMM steps (private) */

#include <stdint.h>

static unsigned long long seed = 12345;

static void fill(double *a, int n, double scale) {
  for (int i = 0; i < n; i++)
    a[i] = scale * check_rand(&seed);
}

/* Inverse of a small SPD matrix by Gauss-Jordan (test-side reference). */
static void inverse(int K, const double *A, double *Ai) {
  double M[16 * 32];
  for (int r = 0; r < K; r++)
    for (int c = 0; c < 2 * K; c++)
      M[r * 2 * K + c] = c < K ? A[r + c * K] : (c - K == r);
  for (int c = 0; c < K; c++) {
    double piv = M[c * 2 * K + c];
    for (int j = 0; j < 2 * K; j++)
      M[c * 2 * K + j] /= piv;
    for (int r = 0; r < K; r++)
      if (r != c) {
        double f = M[r * 2 * K + c];
        for (int j = 0; j < 2 * K; j++)
          M[r * 2 * K + j] -= f * M[c * 2 * K + j];
      }
  }
  for (int r = 0; r < K; r++)
    for (int c = 0; c < K; c++)
      Ai[r + c * K] = M[r * 2 * K + K + c];
}

/* Random SPD K x K with trace 1: B B' + 0.1 I normalized. */
static void rand_omega(int K, double *Om) {
  double B[16];
  fill(B, K * K, 1);
  double tr = 0;
  for (int a = 0; a < K; a++)
    for (int b = 0; b < K; b++) {
      double s = a == b ? 0.1 : 0;
      for (int c = 0; c < K; c++)
        s += B[a + c * K] * B[b + c * K];
      Om[a + b * K] = s;
      if (a == b)
        tr += s;
    }
  for (int i = 0; i < K * K; i++)
    Om[i] /= tr;
}

/* ---- EXACT u-step: minimizer of (13) for fixed V -------------------------- */

/* f(u) = sum_k z_k.(w_k - u - v_k) + rho/2 ||w_k - u - v_k||^2
 *        + lambda2/2 ||u||^2, minimized by gradient descent. */
static void test_ustep_exact(void) {
  enum { d = 3, K = 4 };
  mtl_omtl_params p;
  mtl_omtl_params_init(&p);
  p.rho = 0.7;
  p.lambda2 = 0.3;
  double W[d * K], Z[d * K], V[d * K], S[d * K], u[d], g[d], un[d];
  fill(W, d * K, 1);
  fill(Z, d * K, 1);
  fill(V, d * K, 1);
  for (int i = 0; i < d * K; i++)
    S[i] = Z[i] + p.rho * W[i];
  mtl_omtl_ustep(&p, d, K, S, V, u);
  for (int i = 0; i < d; i++)
    un[i] = 0;
  double L = p.lambda2 + p.rho * K;
  for (int it = 0; it < 2000; it++) {
    for (int i = 0; i < d; i++) {
      g[i] = p.lambda2 * un[i];
      for (int k = 0; k < K; k++)
        g[i] += -Z[k * d + i] - p.rho * (W[k * d + i] - un[i] - V[k * d + i]);
    }
    for (int i = 0; i < d; i++)
      un[i] -= g[i] / L;
  }
  for (int i = 0; i < d; i++)
    CHECK_CLOSE(u[i], un[i], 1e-12);
}

/* ---- EXACT V-step: minimizer of (11) for fixed u, Omega ------------------- */

/* g(V) = sum_k -z_k.v_k + rho/2 ||w_k - u - v_k||^2 + a/2 ||V||^2
 *        + lambda4/2 tr(V Omega^-1 V'), a = lambda1 + lambda3. */
static void vstep_case(double lambda4) {
  enum { d = 3, K = 4 };
  mtl_omtl_params p;
  mtl_omtl_params_init(&p);
  p.rho = 0.4;
  p.lambda1 = 0.05;
  p.lambda3 = 0.02;
  p.lambda4 = lambda4;
  double W[d * K], Z[d * K], V[d * K], S[d * K], u[d], Om[K * K], Oi[K * K];
  double Vn[d * K], Vg[d * K], G[d * K];
  fill(W, d * K, 1);
  fill(Z, d * K, 1);
  fill(V, d * K, 1);
  fill(u, d, 1);
  rand_omega(K, Om);
  inverse(K, Om, Oi);
  for (int i = 0; i < d * K; i++)
    S[i] = Z[i] + p.rho * W[i];
  CHECK_OK(mtl_omtl_vstep(&p, d, K, S, u, V, Om, Vn));
  double a = p.lambda1 + p.lambda3, lmax = 0;
  for (int i = 0; i < K * K; i++)
    lmax += fabs(Oi[i]); /* crude bound on the largest eigenvalue */
  double L = p.rho + a + lambda4 * lmax;
  memset(Vg, 0, sizeof Vg);
  for (int it = 0; it < 20000; it++) {
    for (int k = 0; k < K; k++)
      for (int i = 0; i < d; i++) {
        double gr = -Z[k * d + i] -
                    p.rho * (W[k * d + i] - u[i] - Vg[k * d + i]) +
                    a * Vg[k * d + i];
        for (int j = 0; j < K; j++)
          gr += lambda4 * Vg[j * d + i] * Oi[j + k * K];
        G[k * d + i] = gr;
      }
    for (int i = 0; i < d * K; i++)
      Vg[i] -= G[i] / L;
  }
  for (int i = 0; i < d * K; i++)
    CHECK_CLOSE(Vn[i], Vg[i], 1e-10);
}

static void test_vstep_exact(void) {
  vstep_case(0.3);
  vstep_case(0.0);
  vstep_case(2.0);
}

/* ---- PAPER variant: printed (12) and (14); (14) = joint minimizer when
 * lambda4 = 0 ------------------------------------------------------------- */

static void test_paper_variant(void) {
  enum { d = 2, K = 3 };
  mtl_omtl_params p;
  mtl_omtl_params_init(&p);
  p.variant = MTL_OMTL_PAPER;
  p.rho = 0.6;
  p.lambda1 = 0.03;
  p.lambda2 = 0.2;
  p.lambda3 = 0.05;
  p.lambda4 = 0.4;
  double W[d * K], Z[d * K], V[d * K], S[d * K], u[d], Om[K * K], Oi[K * K];
  double Vn[d * K];
  fill(W, d * K, 1);
  fill(Z, d * K, 1);
  fill(V, d * K, 1);
  rand_omega(K, Om);
  inverse(K, Om, Oi);
  for (int i = 0; i < d * K; i++)
    S[i] = Z[i] + p.rho * W[i];
  mtl_omtl_ustep(&p, d, K, S, V, u);
  double a = p.lambda1 + p.lambda3;
  for (int i = 0; i < d; i++) {
    double sum = 0;
    for (int k = 0; k < K; k++)
      sum += Z[k * d + i] + p.rho * W[k * d + i];
    double ref = a * sum / (a * (p.lambda2 + p.rho * K) + p.lambda2 * p.rho);
    CHECK_CLOSE(u[i], ref, 1e-14);
  }
  CHECK_OK(mtl_omtl_vstep(&p, d, K, S, u, V, Om, Vn));
  for (int k = 0; k < K; k++)
    for (int i = 0; i < d; i++) {
      double c0 = p.lambda2 /
                  (p.lambda2 * (a + p.rho) + p.rho * K * a);
      double t = 0;
      for (int j = 0; j < K; j++)
        t += V[j * d + i] * (Oi[j + k * K] + Oi[k + j * K]);
      double ref = c0 * (Z[k * d + i] + p.rho * W[k * d + i]) +
                   p.lambda4 / 2 * t;
      CHECK_CLOSE(Vn[k * d + i], ref, 1e-12);
    }
  /* (14) is the u of the joint minimizer over (u, V) when lambda4 = 0:
   * gradient descent on the joint quadratic. */
  p.lambda4 = 0;
  double ug[d] = {0}, Vg[d * K] = {0};
  double L = p.lambda2 + p.rho * (K + 1) + a + 1;
  for (int it = 0; it < 40000; it++) {
    double gu[d], gV[d * K];
    for (int i = 0; i < d; i++)
      gu[i] = p.lambda2 * ug[i];
    for (int k = 0; k < K; k++)
      for (int i = 0; i < d; i++) {
        double r = W[k * d + i] - ug[i] - Vg[k * d + i];
        gu[i] += -Z[k * d + i] - p.rho * r;
        gV[k * d + i] = -Z[k * d + i] - p.rho * r + a * Vg[k * d + i];
      }
    for (int i = 0; i < d; i++)
      ug[i] -= gu[i] / L;
    for (int i = 0; i < d * K; i++)
      Vg[i] -= gV[i] / L;
  }
  mtl_omtl_ustep(&p, d, K, S, V, u);
  for (int i = 0; i < d; i++)
    CHECK_CLOSE(u[i], ug[i], 1e-9);
}

/* ---- Omega (18) on hand-made V --------------------------------------------- */

static void test_omega(void) {
  double Om[9];
  /* V'V = diag(1, 4): Omega = diag(1, 2) / 3 */
  double V1[4] = {1, 0, 0, 2};
  CHECK_OK(mtl_omtl_omega(2, 2, V1, 0, Om));
  CHECK_CLOSE(Om[0], 1.0 / 3, 1e-14);
  CHECK_CLOSE(Om[3], 2.0 / 3, 1e-14);
  CHECK_CLOSE(Om[1], 0, 1e-14);
  /* V'V = [2 2; 2 2] = 4 e e': sqrt = [1 1; 1 1], Omega = [.5 .5; .5 .5] */
  double V2[4] = {1, 1, 1, 1};
  CHECK_OK(mtl_omtl_omega(2, 2, V2, 0, Om));
  for (int i = 0; i < 4; i++)
    CHECK_CLOSE(Om[i], 0.5, 1e-12);
  /* rank 1 V with eps: (V'V + eps I)^(1/2) = 2 e e' + sqrt(eps) (I - e e')
   * + (sqrt(4 + eps) - 2) e e' */
  double eps = 1e-4;
  CHECK_OK(mtl_omtl_omega(2, 2, V2, eps, Om));
  double l1 = sqrt(4 + eps), l2 = sqrt(eps), tr = l1 + l2;
  CHECK_CLOSE(Om[0], (l1 + l2) / 2 / tr, 1e-12);
  CHECK_CLOSE(Om[2], (l1 - l2) / 2 / tr, 1e-12);
  /* V = 0: I / K */
  double V0[6] = {0};
  CHECK_OK(mtl_omtl_omega(2, 3, V0, 0, Om));
  CHECK_CLOSE(Om[0], 1.0 / 3, 1e-15);
  CHECK_CLOSE(Om[4], 1.0 / 3, 1e-15);
  CHECK_CLOSE(Om[1], 0, 1e-15);
  /* random V (d = 4, K = 3): (tr S Omega)^2 = V'V + eps I, trace 1 */
  double V3[12];
  fill(V3, 12, 1);
  CHECK_OK(mtl_omtl_omega(4, 3, V3, 1e-3, Om));
  double S[9], t = 0;
  for (int k = 0; k < 3; k++)
    t += Om[k * 4];
  CHECK_CLOSE(t, 1, 1e-14);
  /* scale: Omega^2 * c^2 = A with c = tr((A)^(1/2)); find c from traces */
  double A[9];
  for (int a = 0; a < 3; a++)
    for (int b = 0; b < 3; b++) {
      double s = a == b ? 1e-3 : 0;
      for (int i = 0; i < 4; i++)
        s += V3[a * 4 + i] * V3[b * 4 + i];
      A[a + 3 * b] = s;
    }
  for (int a = 0; a < 3; a++)
    for (int b = 0; b < 3; b++) {
      double s = 0;
      for (int c = 0; c < 3; c++)
        s += Om[a + 3 * c] * Om[c + 3 * b];
      S[a + 3 * b] = s;
    }
  double ratio = A[0] / S[0];
  for (int i = 0; i < 9; i++)
    CHECK_CLOSE(S[i] * ratio, A[i], 1e-10);
  CHECK_ERR(mtl_omtl_omega(2, 2, V1, -1, Om), MTL_EINVAL);
}

/* ---- runs ---------------------------------------------------------------- */

/* Synthetic tasks of different lengths (task k keeps n - 7k samples), so
 * that tasks stop appearing at different rounds. */
static mtl_dataset *uneven(int K, int n) {
  mtl_dataset *full = NULL, *ds = mtl_dataset_create(9);
  CHECK_OK(mtl_omtl_gen_synthetic(K, n, 0.1, 7, &full));
  double *X = malloc((size_t)n * 9 * sizeof(double)), *y = malloc(n * 8);
  for (int k = 0; k < K; k++) {
    int nk = n - 7 * k;
    const double *yy = mtl_dataset_task_y(full, k);
    for (int i = 0; i < nk; i++) {
      mtl_dataset_get_row(full, k, i, X + (size_t)i * 9);
      y[i] = yy[i];
    }
    CHECK_OK(mtl_dataset_add_dense(ds, nk, X, y, MTL_TASK_CLASSIFICATION,
                                   NULL));
  }
  free(X);
  free(y);
  mtl_dataset_free(full);
  return ds;
}

static int run(const mtl_dataset *ds, uint64_t sseed, mtl_omtl_params *p,
               mtl_omtl_result *r) {
  mtl_stream *s = NULL;
  int rc = mtl_stream_from_dataset(ds, sseed, &s);
  if (rc)
    return rc;
  rc = mtl_omtl_run(s, p, NULL, r);
  mtl_stream_free(s);
  return rc;
}

static void test_dadmm_full_equals_cadmm(void) {
  mtl_dataset *ds = uneven(5, 120);
  for (int variant = 0; variant < 2; variant++)
    for (int learn = 0; learn < 2; learn++) {
      mtl_omtl_params p;
      mtl_omtl_params_init(&p);
      p.variant = variant;
      p.learn_omega = learn;
      p.omega_every = 1 + 2 * variant; /* also Omega every 3 rounds */
      p.eps = 1e-6;
      p.record_predictions = 1;
      mtl_omtl_result rc_ = {0}, rd = {0};
      p.method = MTL_OMTL_CADMM;
      CHECK_OK(run(ds, 5, &p, &rc_));
      p.method = MTL_OMTL_DADMM;
      p.topology = MTL_GRAPH_FULL;
      CHECK_OK(run(ds, 5, &p, &rd));
      CHECK(rc_.rounds == 120 && rd.rounds == 120);
      if (rc_.pred && rd.pred) {
        CHECK(memcmp(rc_.pred, rd.pred, (size_t)rc_.rounds * 5) == 0);
        /* tasks stop appearing: task 4 (n = 92) has no instance at 100 */
        CHECK(rc_.pred[100 * 5 + 4] == 0 && rc_.pred[100 * 5 + 0] != 0);
      }
      double dmax = 0;
      for (int i = 0; rc_.W && rd.W && i < 9 * 5; i++)
        dmax = fmax(dmax, fabs(rc_.W[i] - rd.W[i]));
      CHECK_LE(dmax, 1e-12);
      for (int k = 0; k < 5; k++)
        CHECK(rc_.mistakes && rd.mistakes &&
              rc_.mistakes[k] == rd.mistakes[k]);
      /* the relationship was learned: Omega off-diagonal non-zero */
      if (learn && rc_.Omega)
        CHECK(fabs(rc_.Omega[1]) > 1e-6);
      mtl_omtl_result_clear(&rc_);
      mtl_omtl_result_clear(&rd);
    }
  mtl_dataset_free(ds);
}

/* Round-synchronous D-ADMM: node i holds node j's entry first at the end of
 * round dist(i, j) - 1 (one hop per round), so within the diameter. */
static void gossip_case(mtl_graph_kind kind, int K, int degree) {
  mtl_dataset *ds = NULL;
  CHECK_OK(mtl_omtl_gen_synthetic(K, 12, 0.1, 3, &ds));
  mtl_graph *g = NULL;
  CHECK_OK(mtl_graph_create(kind, K, degree, 4, &g));
  mtl_omtl_params p;
  mtl_omtl_params_init(&p);
  p.method = MTL_OMTL_DADMM;
  p.graph = g;
  mtl_omtl_result r = {0};
  CHECK_OK(run(ds, 1, &p, &r));
  int diam = mtl_graph_diameter(g), bad = 0, worst = 0;
  for (int i = 0; r.gossip_first && i < K; i++)
    for (int j = 0; j < K; j++) {
      int want = i == j ? 0 : mtl_graph_distance(g, i, j) - 1;
      int got = r.gossip_first[i * K + j];
      bad += got != want;
      if (got > worst)
        worst = got;
    }
  CHECK(r.gossip_first != NULL);
  CHECK(bad == 0);
  CHECK_LE(worst + 1, diam);
  mtl_omtl_result_clear(&r);
  mtl_graph_free(g);
  mtl_dataset_free(ds);
}

static void test_gossip(void) {
  gossip_case(MTL_GRAPH_RING, 7, 0);   /* diameter 3 */
  gossip_case(MTL_GRAPH_STAR, 6, 0);   /* diameter 2 */
  gossip_case(MTL_GRAPH_REGULAR, 10, 3);
  gossip_case(MTL_GRAPH_FULL, 4, 0);   /* diameter 1 */
}

/* Same stream and seed: identical predictions and W, bit for bit; the
 * asynchronous mode runs and stays close in error. */
static void test_determinism(void) {
  mtl_dataset *ds = uneven(6, 150);
  mtl_omtl_params p;
  mtl_omtl_params_init(&p);
  p.method = MTL_OMTL_DADMM;
  p.topology = MTL_GRAPH_RING;
  p.record_predictions = 1;
  mtl_omtl_result a = {0}, b = {0}, c = {0};
  CHECK_OK(run(ds, 9, &p, &a));
  CHECK_OK(run(ds, 9, &p, &b));
  CHECK(a.pred && b.pred &&
        memcmp(a.pred, b.pred, (size_t)a.rounds * 6) == 0);
  CHECK(a.W && b.W && memcmp(a.W, b.W, 9 * 6 * sizeof(double)) == 0);
  p.async = 1;
  p.staleness = 2;
  CHECK_OK(run(ds, 9, &p, &c));
  CHECK(c.rounds == 150);
  CHECK_LE(c.err_avg[c.rounds - 1], a.err_avg[a.rounds - 1] + 0.1);
  CHECK(c.gossip_first == NULL);
  /* asynchronous D-PSGD on the ring also completes and learns */
  mtl_omtl_result_clear(&c);
  p.method = MTL_OMTL_DPSGD;
  CHECK_OK(run(ds, 9, &p, &c));
  CHECK(c.rounds == 150);
  if (c.err_avg)
    CHECK_LE(c.err_avg[c.rounds - 1], 0.3);
  mtl_omtl_result_clear(&a);
  mtl_omtl_result_clear(&b);
  mtl_omtl_result_clear(&c);
  mtl_dataset_free(ds);
}

/* ADMM-Single on a one-task stream is C-ADMM with K = 1. */
static void test_single_is_cadmm_k1(void) {
  mtl_dataset *ds = NULL;
  CHECK_OK(mtl_omtl_gen_synthetic(1, 80, 0.1, 11, &ds));
  for (int variant = 0; variant < 2; variant++) {
    mtl_omtl_params p;
    mtl_omtl_params_init(&p);
    p.variant = variant;
    p.record_predictions = 1;
    mtl_omtl_result a = {0}, b = {0};
    p.method = MTL_OMTL_SINGLE;
    CHECK_OK(run(ds, 2, &p, &a));
    p.method = MTL_OMTL_CADMM;
    CHECK_OK(run(ds, 2, &p, &b));
    CHECK(a.pred && b.pred && memcmp(a.pred, b.pred, 80) == 0);
    for (int i = 0; a.W && b.W && i < 9; i++)
      CHECK_CLOSE(a.W[i], b.W[i], 1e-12);
    mtl_omtl_result_clear(&a);
    mtl_omtl_result_clear(&b);
  }
  mtl_dataset_free(ds);
}

static const char *tmpfile_with(const char *name, const char *text) {
  static char path[4][256];
  static int slot = 0;
  char *pth = path[slot++ % 4];
  snprintf(pth, 256, "omtl_test_%s", name);
  FILE *f = fopen(pth, "w");
  fputs(text, f);
  fclose(f);
  return pth;
}

/* Hand-computed first steps: OGD, and the C-ADMM w-step (10) at round 0
 * (w = y x / (rho + eta) from zero state), plus text-stream rounds. */
static void test_hand_computed(void) {
  const char *path = tmpfile_with("a.txt", "# two tasks\n"
                                           "1 1 1:1\n"
                                           "2 -1 2:2\n"
                                           "1 -1 2:2\n"
                                           "\n"
                                           "1 1 1:3 2:1\n");
  mtl_stream *s = NULL;
  mtl_omtl_params p;
  mtl_omtl_params_init(&p);
  p.method = MTL_OMTL_OGD;
  p.normalize = 0;
  p.horizon = 4;
  p.record_predictions = 1;
  mtl_omtl_result r = {0};
  CHECK_OK(mtl_stream_open_text(path, 2, 2, &s));
  CHECK(mtl_stream_rounds(s) == -1);
  CHECK_OK(mtl_omtl_run(s, &p, NULL, &r));
  mtl_stream_free(s);
  /* task 1: x=(1,0) y=+1: score 0 -> -1 (mistake), w = (1, 0);
   * x=(0,2) y=-1: score 0 -> -1 ok, margin 0 < 1: w -= 1/sqrt(2) (0, 2);
   * x=(3,1) y=+1: score 3 - sqrt 2 > 0 ok, margin 1.59 >= 1: no step. */
  CHECK(r.rounds == 3);
  if (r.W) {
    CHECK_CLOSE(r.W[0], 1, 1e-15);
    CHECK_CLOSE(r.W[1], -sqrt(2.0), 1e-15);
    CHECK_CLOSE(r.W[3], -2, 1e-15); /* task 2: w = -(0, 2) */
  }
  if (r.pred) {
    CHECK(r.pred[0] == -1 && r.pred[1] == -1);
    CHECK(r.pred[2] == -1 && r.pred[3] == 0); /* task 2 absent round 1 */
    CHECK(r.pred[4] == 1 && r.pred[5] == 0);
  }
  CHECK(r.mistakes && r.mistakes[0] == 1 && r.mistakes[1] == 0);
  CHECK_CLOSE(r.err_avg[0], 0.5, 1e-15);      /* (1 + 0) / 2 */
  CHECK_CLOSE(r.err_avg[2], (1.0 / 3) / 2, 1e-15);
  mtl_omtl_result_clear(&r);
  /* C-ADMM, one round, eta = 3, rho = 0.5: w_k = y_k x_k / 3.5 */
  CHECK_OK(mtl_stream_open_text(path, 2, 2, &s));
  p.method = MTL_OMTL_CADMM;
  p.eta = 3;
  p.rho = 0.5;
  p.max_rounds = 1;
  CHECK_OK(mtl_omtl_run(s, &p, NULL, &r));
  mtl_stream_free(s);
  CHECK(r.rounds == 1);
  if (r.W) {
    CHECK_CLOSE(r.W[0], 1 / 3.5, 1e-15);
    CHECK_CLOSE(r.W[1], 0, 1e-15);
    CHECK_CLOSE(r.W[3], -2 * -1 / -3.5, 1e-15);
  }
  CHECK_CLOSE(r.eta, 3, 0);
  mtl_omtl_result_clear(&r);
  /* the authors' protocol: score 0 predicts +1, perceptron-style step on
   * mistakes only (OGD, step 1/sqrt(n_k)):
   * task 1: (1,0)+1: +1 ok, no step; (0,2)-1: +1 wrong, w = -(0,2)/sqrt 2;
   * (3,1)+1: score -sqrt 2 -> -1 wrong, w += (3,1)/sqrt 3.
   * task 2: (0,2)-1: +1 wrong, w = -(0,2). */
  CHECK_OK(mtl_stream_open_text(path, 2, 2, &s));
  p.method = MTL_OMTL_OGD;
  p.max_rounds = 0;
  p.zero_positive = 1;
  p.mistake_driven = 1;
  CHECK_OK(mtl_omtl_run(s, &p, NULL, &r));
  mtl_stream_free(s);
  if (r.W) {
    CHECK_CLOSE(r.W[0], sqrt(3.0), 1e-15);
    CHECK_CLOSE(r.W[1], -sqrt(2.0) + 1 / sqrt(3.0), 1e-15);
    CHECK_CLOSE(r.W[3], -2, 1e-15);
  }
  CHECK(r.mistakes && r.mistakes[0] == 2 && r.mistakes[1] == 1);
  CHECK(r.pred && r.pred[0] == 1 && r.pred[2] == 1 && r.pred[4] == -1);
  mtl_omtl_result_clear(&r);
  p.zero_positive = p.mistake_driven = 0;
  /* OGD does not use eta: an open stream needs no horizon */
  CHECK_OK(mtl_stream_open_text(path, 2, 2, &s));
  p.eta = 0;
  p.horizon = 0;
  CHECK_OK(mtl_omtl_run(s, &p, NULL, &r));
  CHECK(r.rounds == 3);
  mtl_omtl_result_clear(&r);
  mtl_stream_free(s);
  /* eta = sqrt(T) of the ADMM methods on an open stream needs a horizon */
  CHECK_OK(mtl_stream_open_text(path, 2, 2, &s));
  p.method = MTL_OMTL_CADMM;
  CHECK_ERR(mtl_omtl_run(s, &p, NULL, &r), MTL_EINVAL);
  CHECK_MSG("horizon");
  mtl_omtl_result_clear(&r);
  mtl_stream_free(s);
}

/* Malformed lines: the error names file:line and the reason; the run
 * stops with it (C-ADMM with its threads, no hang). */
static void test_stream_errors(void) {
  struct {
    const char *text, *msg;
  } cases[] = {
      {"1 1 1:1\n0 1 1:1\n", ":2: task id 0 out of range"},
      {"1 1 1:1\nx 1 1:1\n", ":2: task id must be an integer"},
      {"1 2 1:1\n", ":1: task 1: label 2 is not"},
      {"1 1 3:1\n", ":1: task 1: feature index 3 out of range"},
      {"1 1 2:1 1:1\n", "not increasing"},
      {"1 1 1:x\n", "bad value for feature 1"},
      {"1 1 1-1\n", "expected idx:val"},
  };
  for (int i = 0; i < 7; i++) {
    const char *path = tmpfile_with("bad.txt", cases[i].text);
    mtl_stream *s = NULL;
    CHECK_OK(mtl_stream_open_text(path, 2, 2, &s));
    mtl_omtl_params p;
    mtl_omtl_params_init(&p);
    p.horizon = 10;
    mtl_omtl_result r;
    int rc = mtl_omtl_run(s, &p, NULL, &r);
    CHECK(rc == MTL_EFORMAT);
    CHECK_MSG(cases[i].msg);
    CHECK_MSG(path);
    CHECK(r.W == NULL);
    mtl_stream_free(s);
  }
  mtl_stream *s = NULL;
  CHECK_ERR(mtl_stream_open_text("/nonexistent/omtl.txt", 2, 2, &s),
            MTL_EIO);
  CHECK_MSG("/nonexistent/omtl.txt");
  CHECK_ERR(mtl_stream_open_text("x", 0, 2, &s), MTL_EINVAL);
  /* a regression dataset cannot be replayed */
  mtl_dataset *ds = mtl_dataset_create(1);
  double x[2] = {1, 2}, y[2] = {0.5, 1.5};
  mtl_dataset_add_dense(ds, 2, x, y, MTL_TASK_REGRESSION, NULL);
  CHECK_ERR(mtl_stream_from_dataset(ds, 1, &s), MTL_EINVAL);
  CHECK_MSG("not a classification task");
  mtl_dataset_free(ds);
}

/* Replay: every sample once per task, round by round; the text written
 * from a replay reads back into the same stream. */
static void test_replay(void) {
  mtl_dataset *ds = uneven(3, 20);
  mtl_stream *s = NULL;
  CHECK_OK(mtl_stream_from_dataset(ds, 4, &s));
  CHECK(mtl_stream_rounds(s) == 20);
  int count[3] = {0}, k, n = 0, rounds_ok = 1;
  double x[9], y;
  int seen_in_round = 0;
  while (mtl_stream_next(s, &k, x, &y) == 1) {
    /* within the first 6 rounds every round holds all 3 tasks */
    if (n < 18) {
      if (seen_in_round & (1 << k))
        rounds_ok = 0;
      seen_in_round |= 1 << k;
      if (seen_in_round == 7)
        seen_in_round = 0;
    }
    count[k]++;
    n++;
  }
  CHECK(rounds_ok);
  CHECK(count[0] == 20 && count[1] == 13 && count[2] == 6);
  mtl_stream_free(s);
  /* text round trip gives the same C-ADMM predictions */
  CHECK_OK(mtl_stream_from_dataset(ds, 4, &s));
  const char *path = "omtl_test_replay.txt";
  CHECK_OK(mtl_stream_write_text(s, path));
  mtl_stream_free(s);
  mtl_omtl_params p;
  mtl_omtl_params_init(&p);
  p.record_predictions = 1;
  p.horizon = 20;
  mtl_omtl_result a = {0}, b = {0};
  CHECK_OK(run(ds, 4, &p, &a));
  CHECK_OK(mtl_stream_open_text(path, 3, 9, &s));
  CHECK_OK(mtl_omtl_run(s, &p, NULL, &b));
  mtl_stream_free(s);
  CHECK(a.rounds == b.rounds);
  CHECK(a.pred && b.pred && memcmp(a.pred, b.pred, 60) == 0);
  mtl_omtl_result_clear(&a);
  mtl_omtl_result_clear(&b);
  remove(path);
  mtl_dataset_free(ds);
}

static void test_graphs(void) {
  mtl_graph *g = NULL;
  CHECK_OK(mtl_graph_create(MTL_GRAPH_RING, 8, 0, 0, &g));
  CHECK(mtl_graph_diameter(g) == 4);
  const int *nb;
  CHECK(mtl_graph_neighbors(g, 0, &nb) == 2 && nb[0] == 1 && nb[1] == 7);
  mtl_graph_free(g);
  CHECK_OK(mtl_graph_create(MTL_GRAPH_REGULAR, 12, 4, 9, &g));
  for (int k = 0; k < 12; k++)
    CHECK(mtl_graph_neighbors(g, k, NULL) == 4);
  mtl_graph_free(g);
  CHECK_ERR(mtl_graph_create(MTL_GRAPH_REGULAR, 5, 3, 1, &g), MTL_EINVAL);
  CHECK_MSG("K * degree even");
  int dis[4] = {0, 1, 2, 3};
  CHECK_ERR(mtl_graph_from_edges(5, dis, 2, &g), MTL_EINVAL);
  CHECK_MSG("not connected");
  int dup[4] = {0, 1, 1, 0};
  CHECK_ERR(mtl_graph_from_edges(2, dup, 2, &g), MTL_EINVAL);
  CHECK_MSG("duplicate edge");
  int self[2] = {1, 1};
  CHECK_ERR(mtl_graph_from_edges(2, self, 1, &g), MTL_EINVAL);
  CHECK_MSG("self loop");
  const char *path = tmpfile_with("g.txt", "# path\n1 2\n2 3\n3 9\n");
  CHECK_ERR(mtl_graph_read_edges(path, 3, &g), MTL_EFORMAT);
  CHECK_MSG(":4: node 9 out of range");
  path = tmpfile_with("g2.txt", "1 2\n2 3\n");
  CHECK_OK(mtl_graph_read_edges(path, 3, &g));
  CHECK(mtl_graph_distance(g, 0, 2) == 2);
  /* D-PSGD over an edge-list graph runs; a graph with the wrong size is an
   * error naming both sizes */
  mtl_dataset *ds = NULL;
  CHECK_OK(mtl_omtl_gen_synthetic(4, 30, 0.1, 3, &ds));
  mtl_omtl_params p;
  mtl_omtl_params_init(&p);
  p.method = MTL_OMTL_DPSGD;
  p.graph = g;
  mtl_omtl_result r = {0};
  CHECK_ERR(run(ds, 1, &p, &r), MTL_EINVAL);
  CHECK_MSG("graph has 3 nodes, stream has 4 tasks");
  mtl_graph_free(g);
  p.graph = NULL;
  p.topology = MTL_GRAPH_FULL;
  CHECK_OK(run(ds, 1, &p, &r));
  CHECK(r.rounds == 30 && r.V == NULL);
  /* D-PSGD on a full graph with uniform weights keeps all w_k equal up to
   * each node's own gradient step: consensus distance is small */
  mtl_omtl_result_clear(&r);
  mtl_dataset_free(ds);
  CHECK(mtl_graph_kind_parse("regular") == MTL_GRAPH_REGULAR);
  CHECK(mtl_graph_kind_parse("tree") == -1);
  CHECK(mtl_omtl_method_parse("dpsgd") == MTL_OMTL_DPSGD);
  CHECK(mtl_omtl_method_parse("x") == -1);
}

static void test_params(void) {
  mtl_dataset *ds = NULL;
  CHECK_OK(mtl_omtl_gen_synthetic(2, 10, 0.1, 3, &ds));
  struct {
    const char *field;
    int what;
  } cases[] = {{"rho", 0},      {"lambda2", 1},  {"lambda1", 2},
               {"omega_every", 3}, {"eps", 4},   {"staleness", 5},
               {"step0", 6},    {"method", 7},   {"lambda1 + lambda3", 8},
               {"eta", 9},      {"max_rounds", 10}, {"variant", 11},
               {"zero_positive", 12}, {"mistake_driven", 13},
               {"normalize", 14}, {"async", 15}};
  for (int i = 0; i < 16; i++) {
    mtl_omtl_params p;
    mtl_omtl_params_init(&p);
    switch (cases[i].what) {
    case 0: p.rho = 0; break;
    case 1: p.lambda2 = -1; break;
    case 2: p.lambda1 = NAN; break;
    case 3: p.omega_every = 0; break;
    case 4: p.eps = -1e-3; break;
    case 5: p.staleness = -1; break;
    case 6: p.step0 = 0; break;
    case 7: p.method = (mtl_omtl_method)9; break;
    case 8: p.variant = MTL_OMTL_PAPER; p.lambda1 = p.lambda3 = 0; break;
    case 9: p.eta = -1; break;
    case 10: p.max_rounds = -2; break;
    case 11: p.variant = (mtl_omtl_variant)5; break;
    case 12: p.zero_positive = 2; break;
    case 13: p.mistake_driven = -1; break;
    case 14: p.normalize = 3; break;
    case 15: p.async = 2; break;
    }
    mtl_omtl_result r;
    CHECK_ERR(run(ds, 1, &p, &r), MTL_EINVAL);
    CHECK_MSG(cases[i].field);
  }
  mtl_omtl_params p;
  mtl_omtl_params_init(&p);
  CHECK_OK(mtl_omtl_params_preset(&p, "code"));
  CHECK(p.rho == 0.5 && p.eta == 240 && p.lambda2 == 20);
  CHECK(p.lambda1 == 0.1 && p.lambda3 == 0.1 && p.lambda4 == 0.1);
  CHECK_OK(mtl_omtl_params_preset(&p, "paper"));
  CHECK(p.rho == 0.1 && p.eta == 0 && p.lambda2 == 0.1 && p.lambda4 == 0.01);
  CHECK_ERR(mtl_omtl_params_preset(&p, "fast"), MTL_EINVAL);
  CHECK_MSG("fast");
  mtl_omtl_params_init(&p);
  CHECK_OK(mtl_omtl_params_preset(&p, "authors"));
  CHECK(p.rho == 0.5 && p.eta == 240 && p.lambda2 == 20 &&
        p.lambda1 == 0.1 && p.lambda4 == 0.1 && p.variant == MTL_OMTL_PAPER &&
        p.normalize == 0 && p.zero_positive == 1 && p.mistake_driven == 1 &&
        p.eps == 1e-8);
  /* paper variant with eps = 0 and rank V < K: Omega singular, the
   * pseudo-inverse (the authors' pinv) runs */
  mtl_dataset *big = NULL;
  CHECK_OK(mtl_omtl_gen_synthetic(12, 20, 0.1, 3, &big)); /* d = 9 < 12 */
  p.eps = 0;
  mtl_omtl_result r = {0};
  CHECK_OK(run(big, 1, &p, &r));
  CHECK(r.rounds == 20);
  mtl_omtl_result_clear(&r);
  mtl_dataset_free(big);
  mtl_dataset_free(ds);
}

/* The paper V-step (12) with eps = 0 uses the pseudo-inverse of Omega:
 * Omega = [.25 .25 0; .25 .25 0; 0 0 .5] (rank 2) has pinv
 * [1 1 0; 1 1 0; 0 0 2], so Vnew_k = c0 s_k + lambda4 (V pinv)_k. */
static void test_vstep_pinv(void) {
  mtl_omtl_params p;
  mtl_omtl_params_init(&p);
  p.variant = MTL_OMTL_PAPER;
  p.eps = 0;
  p.lambda1 = 0.1, p.lambda2 = 2, p.lambda3 = 0.2, p.lambda4 = 0.3;
  p.rho = 0.5;
  const int d = 2, K = 3;
  const double Om[9] = {.25, .25, 0, .25, .25, 0, 0, 0, .5};
  const double Pi[9] = {1, 1, 0, 1, 1, 0, 0, 0, 2};
  const double S[6] = {1, -2, 0.5, 3, -1, 0.25};
  const double V[6] = {0.3, 0.1, -0.2, 0.4, 0.7, -0.5};
  double u[2] = {0, 0}, Vn[6];
  CHECK_OK(mtl_omtl_vstep(&p, d, K, S, u, V, Om, Vn));
  double a = p.lambda1 + p.lambda3;
  double c0 = p.lambda2 / (p.lambda2 * (a + p.rho) + p.rho * K * a);
  for (int k = 0; k < K; k++)
    for (int i = 0; i < d; i++) {
      double vp = 0;
      for (int j = 0; j < K; j++)
        vp += V[i + j * d] * Pi[j + k * K];
      CHECK_CLOSE(Vn[i + k * d], c0 * S[i + k * d] + p.lambda4 * vp, 1e-13);
    }
  /* eps > 0: a Cholesky solve, which a singular Omega fails, naming the
   * way out */
  p.eps = 1e-8;
  CHECK_ERR(mtl_omtl_vstep(&p, d, K, S, u, V, Om, Vn), MTL_ENUMERIC);
  CHECK_MSG("eps 0 for its pseudo-inverse");
}

static int cancel_at_30(void *ctx, int round, double err, double a,
                        double b) {
  (void)a;
  (void)b;
  int *calls = ctx;
  (*calls)++;
  CHECK(round % 10 == 0);
  CHECK(isfinite(err) || isnan(err));
  return round >= 30;
}

static void test_cancel_outputs_model(void) {
  mtl_dataset *ds = NULL;
  CHECK_OK(mtl_omtl_gen_synthetic(3, 60, 0.1, 5, &ds));
  for (int m = 0; m < 5; m++) {
    mtl_omtl_params p;
    mtl_omtl_params_init(&p);
    p.method = m;
    int calls = 0;
    p.progress = cancel_at_30;
    p.progress_ctx = &calls;
    p.progress_every = 10;
    mtl_omtl_result r;
    CHECK_ERR(run(ds, 1, &p, &r), MTL_ECANCELLED);
    CHECK(calls == 3);
    CHECK(r.err_avg == NULL);
  }
  mtl_omtl_params p;
  mtl_omtl_params_init(&p);
  mtl_omtl_result r = {0};
  CHECK_OK(run(ds, 1, &p, &r));
  CHECK_OK(mtl_omtl_write_csv(&r, "omtl_test.csv", 10));
  FILE *f = fopen("omtl_test.csv", "r");
  char line[512];
  int lines = 0;
  CHECK(f && fgets(line, sizeof line, f));
  CHECK(strncmp(line, "round,avg,round_us,task1,task2,task3", 36) == 0);
  while (f && fgets(line, sizeof line, f))
    lines++;
  if (f)
    fclose(f);
  CHECK(lines == 6);
  const mtl_omtl_result *rs[1] = {&r};
  const char *labels[1] = {"C-ADMM"};
  CHECK_OK(mtl_omtl_write_svg(rs, labels, 1, "test", "omtl_test.svg"));
  CHECK_OK(mtl_omtl_write_heatmap(r.Omega, 3, "Omega", "omtl_test_om.svg"));
  CHECK_ERR(mtl_omtl_write_csv(&r, "/nonexistent/x.csv", 1), MTL_EIO);
  mtl_model *m = NULL;
  CHECK_OK(mtl_omtl_to_model(&r, &p, &m));
  CHECK_OK(mtl_model_save(m, "omtl_test.model"));
  mtl_model_free(m);
  m = NULL;
  CHECK_OK(mtl_model_load("omtl_test.model", &m));
  int rows, cols;
  const double *Om = m ? mtl_model_get_matrix(m, "Omega", &rows, &cols) : NULL;
  CHECK(Om && rows == 3 && cols == 3);
  for (int i = 0; Om && i < 9; i++)
    CHECK_CLOSE(Om[i], r.Omega[i], 1e-15);
  CHECK(m && strcmp(mtl_model_get_meta(m, "method"), "cadmm") == 0);
  /* predict: sign of the model's score = sign of w_k . x */
  double *pred = malloc(180 * sizeof(double));
  CHECK_OK(mtl_model_predict(m, ds, pred));
  int agree = 0;
  for (int k = 0; k < 3; k++)
    for (int i = 0; i < 60; i++) {
      double x[9], s = 0;
      mtl_dataset_get_row(ds, k, i, x);
      for (int j = 0; j < 9; j++)
        s += r.W[k * 9 + j] * x[j];
      agree += (s > 0) == (pred[k * 60 + i] > 0);
    }
  CHECK(agree == 180);
  free(pred);
  mtl_model_free(m);
  remove("omtl_test.csv");
  remove("omtl_test.svg");
  remove("omtl_test_om.svg");
  remove("omtl_test.model");
  mtl_omtl_result_clear(&r);
  mtl_dataset_free(ds);
}

/* Real data: the released synthetic set, 2000 rounds; every method learns
 * (error well below 0.5) and C-ADMM's final Omega has trace 1. */
static void test_nc24(void) {
  const char *path = check_data("synthetic_nc24.npz");
  mtl_dataset *ds = NULL;
  CHECK_OK(mtl_dataset_read(path, NULL, &ds));
  if (!ds)
    return;
  CHECK(mtl_dataset_ntasks(ds) == 5 && mtl_dataset_dim(ds) == 9);
  for (int m = 0; m < 5; m++) {
    mtl_omtl_params p;
    mtl_omtl_params_init(&p);
    p.method = m;
    p.max_rounds = 2000;
    mtl_omtl_result r = {0};
    CHECK_OK(run(ds, 1, &p, &r));
    CHECK(r.rounds == 2000);
    if (r.err_avg)
      CHECK_LE(r.err_avg[1999], 0.25);
    if (m == MTL_OMTL_CADMM && r.Omega) {
      double tr = 0;
      for (int k = 0; k < 5; k++)
        tr += r.Omega[k * 6];
      CHECK_CLOSE(tr, 1, 1e-12);
    }
    mtl_omtl_result_clear(&r);
  }
  mtl_dataset_free(ds);
}

int main(void) {
  test_ustep_exact();
  test_vstep_exact();
  test_vstep_pinv();
  test_paper_variant();
  test_omega();
  test_dadmm_full_equals_cadmm();
  test_gossip();
  test_determinism();
  test_single_is_cadmm_k1();
  test_hand_computed();
  test_stream_errors();
  test_replay();
  test_graphs();
  test_params();
  test_cancel_outputs_model();
  test_nc24();
  remove("omtl_test_a.txt");
  remove("omtl_test_bad.txt");
  remove("omtl_test_g.txt");
  remove("omtl_test_g2.txt");
  CHECK_DONE();
}
