/*
 * test_osvd.c -- the online SVD of the async server (src/linalg/osvd.c): after
 * 10^4 random column replacements (refresh period 100, and never) its
 * singular values and its trace-norm prox match a full SVD / mtl_reg_prox
 * to 1e-9 relative; the rank stays min(d, T) through rank-deficient
 * stretches (zero and rank-one matrices); errors are reported.  Internal
 * API: includes the private header.
 */
#include "../src/linalg/linalg.h"
#include "check.h"

static double max_abs(const double *a, size_t n) {
  double m = 0;
  for (size_t i = 0; i < n; i++)
    if (fabs(a[i]) > m)
      m = fabs(a[i]);
  return m;
}

/* Compares o against a full SVD of its matrix; returns the worst relative
 * errors of the singular values and of the prox (relative to s_max). */
static void compare(const mtl__osvd *o, double *err_s, double *err_p) {
  int d = o->d, T = o->T, k = o->k;
  double *s = calloc((size_t)k, sizeof(double));
  double *P1 = calloc((size_t)d * T, sizeof(double));
  double *P2 = calloc((size_t)d * T, sizeof(double));
  CHECK_OK(mtl__svd_values(d, T, o->A, s));
  double top = s[0] > 0 ? s[0] : 1;
  *err_s = 0;
  for (int i = 0; i < k; i++)
    if (fabs(o->s[i] - s[i]) / top > *err_s)
      *err_s = fabs(o->s[i] - s[i]) / top;
  /* prox with a threshold cutting about half of the spectrum, step 1 */
  mtl_reg r;
  mtl_reg_init(&r);
  r.type = MTL_REG_TRACE;
  r.lambda = s[k / 2];
  r.ridge = 0.05;
  double scale = 1.0 / (1.0 + 2.0 * r.ridge);
  CHECK_OK(mtl_reg_prox(&r, 1.0, o->A, d, T, P1));
  mtl__osvd_prox(o, r.lambda, scale, P2);
  for (size_t i = 0; i < (size_t)d * T; i++)
    P2[i] -= P1[i];
  *err_p = max_abs(P2, (size_t)d * T) / top;
  free(s);
  free(P1);
  free(P2);
}

/* 10^4 replacements on a d x T matrix starting from zero: random columns,
 * with stretches of zero columns and of columns from a rank-one subspace,
 * so that the matrix is often rank deficient. */
static void run(int d, int T, int refresh, unsigned long long seed,
                double tol) {
  mtl__osvd o;
  CHECK_OK(mtl__osvd_init(&o, d, T, NULL, refresh));
  CHECK(o.k == (d < T ? d : T));
  unsigned long long x = seed;
  double *c = calloc((size_t)d, sizeof(double));
  double *u = calloc((size_t)d, sizeof(double));
  for (int j = 0; j < d; j++)
    u[j] = check_rand(&x);
  double worst_s = 0, worst_p = 0;
  int nrep = 10000;
  for (int it = 1; it <= nrep; it++) {
    int t = (int)((check_rand(&x) + 1) * 0.5 * T) % T;
    int phase = (it / 700) % 4; /* 0,1: random; 2: rank one; 3: zeros */
    double a = 2 * check_rand(&x);
    for (int j = 0; j < d; j++)
      c[j] = phase < 2 ? check_rand(&x) * (1 + j % 3)
             : phase == 2 ? a * u[j]
                          : 0.0;
    CHECK_OK(mtl__osvd_replace(&o, t, c));
    CHECK(o.k == (d < T ? d : T)); /* never truncated */
    if (it % 1000 == 0 || it == nrep) {
      double es, ep;
      compare(&o, &es, &ep);
      if (es > worst_s)
        worst_s = es;
      if (ep > worst_p)
        worst_p = ep;
    }
  }
  printf("osvd %dx%d refresh %d: worst sv err %.2e, prox err %.2e, drift "
         "%.2e, refreshes %ld\n",
         d, T, refresh, worst_s, worst_p, o.drift, o.refreshes);
  CHECK_LE(worst_s, tol);
  CHECK_LE(worst_p, tol);
  CHECK_LE(o.drift, 1e-11);
  /* the prox of one column equals the column of the whole prox */
  double *P = calloc((size_t)d * T, sizeof(double));
  double *pc = calloc((size_t)d, sizeof(double));
  mtl__osvd_prox(&o, 0.1, 0.9, P);
  mtl__osvd_prox_col(&o, 0.1, 0.9, T - 1, pc);
  for (int j = 0; j < d; j++)
    CHECK_CLOSE(pc[j], P[(size_t)(T - 1) * d + j], 1e-14);
  free(P);
  free(pc);
  free(c);
  free(u);
  mtl__osvd_clear(&o);
}

/* A rank-two matrix built column by column from zero: exactly two nonzero
 * singular values, the others exactly representable zeros (|s| < 1e-12). */
static void test_low_rank(void) {
  int d = 6, T = 4;
  mtl__osvd o;
  CHECK_OK(mtl__osvd_init(&o, d, T, NULL, 0));
  for (int i = 0; i < d * T; i++) /* NULL start = the zero matrix */
    CHECK(o.A[i] == 0);
  for (int i = 0; i < 4; i++)
    CHECK(o.s[i] == 0);
  double c[6];
  for (int t = 0; t < T; t++) {
    for (int j = 0; j < d; j++)
      c[j] = (t + 1) * (j + 1) + (t % 2) * (j == 0);
    CHECK_OK(mtl__osvd_replace(&o, t, c));
  }
  double s[4];
  CHECK_OK(mtl__svd_values(d, T, o.A, s));
  for (int i = 0; i < 4; i++)
    CHECK_CLOSE(o.s[i], s[i], 1e-12);
  CHECK(s[1] > 0.1 && s[2] < 1e-10);
  CHECK(o.k == 4);
  mtl__osvd_clear(&o);
}

static void test_errors(void) {
  mtl__osvd o;
  CHECK_ERR(mtl__osvd_init(&o, 0, 3, NULL, 10), MTL_EINVAL);
  CHECK_MSG("bad shape 0 x 3");
  CHECK_ERR(mtl__osvd_init(&o, 3, 3, NULL, -1), MTL_EINVAL);
  CHECK_MSG("refresh = -1");
  CHECK_OK(mtl__osvd_init(&o, 3, 2, NULL, 10));
  double c[3] = {1, 2, 3};
  CHECK_ERR(mtl__osvd_replace(&o, 2, c), MTL_EINVAL);
  CHECK_MSG("column 2 out of [0, 2)");
  mtl__osvd_clear(&o);
  mtl__osvd_clear(NULL);
}

int main(void) {
  run(12, 7, 100, 1, 1e-9);  /* d > T: Q square, U extended */
  run(5, 9, 100, 2, 1e-9);   /* d < T: U square, Q extended */
  run(6, 6, 100, 3, 1e-9);   /* square */
  run(12, 7, 0, 4, 1e-9);    /* never refreshed: drift stays tiny */
  run(5, 9, 0, 5, 1e-9);
  run(27, 139, 100, 6, 1e-9); /* School shape */
  test_low_rank();
  test_errors();
  CHECK_DONE();
}
