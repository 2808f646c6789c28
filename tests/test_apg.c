/*
 * test_apg.c -- the proximal-gradient kernel (src/problem/apg.c) on a tiny
 * separable problem with a closed-form solution,
 *     min_x sum_i h_i/2 (x_i - a_i)^2 + lam ||x||_1,
 *     x_i = sign(a_i) max(|a_i| - lam/h_i, 0),
 * by FISTA (each restart scheme) and ISTA, with and without step-size
 * adaptation; plus its stopping rules, best iterate, trace, progress and
 * interrupt.
 */
#include "../src/problem/problem.h"
#include "check.h"

#define N 7

typedef struct quad {
  double h[N], a[N], lam;
  int checks, stop_after;
} quad;

static int smooth(void *ctx, const double *x, double *f, double *g) {
  quad *q = ctx;
  double s = 0;
  for (int i = 0; i < N; i++) {
    double r = x[i] - q->a[i];
    s += 0.5 * q->h[i] * r * r;
    if (g)
      g[i] = q->h[i] * r;
  }
  *f = s;
  return MTL_OK;
}

static int prox(void *ctx, double step, const double *v, double *out,
                double *gout) {
  (void)gout;
  quad *q = ctx;
  for (int i = 0; i < N; i++)
    out[i] = mtl__soft_threshold(v[i], step * q->lam);
  return MTL_OK;
}

static double gval(void *ctx, const double *x) {
  quad *q = ctx;
  double s = 0;
  for (int i = 0; i < N; i++)
    s += fabs(x[i]);
  return q->lam * s;
}

static int check_cb(void *ctx, const double *x, int *stop) {
  quad *q = ctx;
  (void)x;
  *stop = ++q->checks >= q->stop_after;
  return MTL_OK;
}

static int cancel_at_5(void *ctx, int it, double F, double rel, double res) {
  (void)ctx, (void)F, (void)rel, (void)res;
  return it >= 5;
}

static void setup(quad *q) {
  const double h[N] = {1, 4, 0.5, 10, 2, 3, 0.25};
  const double a[N] = {1.5, -0.2, 0.1, -3, 0.05, 2, -0.7};
  for (int i = 0; i < N; i++) {
    q->h[i] = h[i];
    q->a[i] = a[i];
  }
  q->lam = 0.3;
  q->checks = 0;
  q->stop_after = 1 << 30;
}

static double objective(quad *q, const double *x) {
  double f;
  smooth(q, x, &f, NULL);
  return f + gval(q, x);
}

static void test_closed_form(void) {
  quad q;
  setup(&q);
  double xs[N];
  for (int i = 0; i < N; i++)
    xs[i] = mtl__soft_threshold(q.a[i], q.lam / q.h[i]);
  for (int acc = 0; acc <= 1; acc++)
    for (int rs = 0; rs <= 2; rs++)
      for (int sh = 0; sh <= 1; sh++) {
        /* step adaptation lets L fall below L_f where the test allows it:
         * only with mtl_solve's default scheme (FISTA, gradient restart) */
        if (sh && !(acc && rs == 2))
          continue;
        mtl__apg_opts o;
        mtl__apg_opts_init(&o);
        o.accelerate = acc;
        o.restart = rs;
        o.L0 = 0.5; /* well below L_f = 10: backtracking must raise it */
        o.shrink = sh ? 0.9 : 1.0;
        o.max_iter = 20000;
        o.tol_res = 1e-12;
        double x[N] = {0};
        mtl__apg_out out;
        int rc = mtl__apg(N, x, smooth, prox, gval, &q, &o, &out);
        CHECK(rc == MTL_CONVERGED);
        for (int i = 0; i < N; i++)
          CHECK_CLOSE(x[i], xs[i], 1e-9);
        CHECK_CLOSE(out.F, objective(&q, xs), 1e-12);
        CHECK(out.L >= 0.5 && out.L <= 2 * 10 * 1.0000001);
        CHECK(out.iterations >= 1 && out.iterations < 20000);
        if (!acc)
          CHECK(out.restarts == 0);
      }
}

static void test_rules(void) {
  quad q;
  setup(&q);
  mtl__apg_opts o;
  mtl__apg_opts_init(&o);
  o.L0 = 1;
  o.max_iter = 30;
  double trace[30], x[N] = {0};
  o.trace = trace;
  mtl__apg_out out;
  /* no stopping rule: exactly max_iter iterations, traced */
  CHECK(mtl__apg(N, x, smooth, prox, gval, &q, &o, &out) == MTL_MAXITER);
  CHECK(out.iterations == 30);
  CHECK_CLOSE(trace[29], out.F, 0);
  CHECK_CLOSE(out.F, objective(&q, x), 1e-15);
  /* the caller's check stops the run on its 3rd call (every 2 iterations) */
  memset(x, 0, sizeof x);
  o.trace = NULL;
  o.check = check_cb;
  o.check_every = 2;
  q.stop_after = 3;
  CHECK(mtl__apg(N, x, smooth, prox, gval, &q, &o, &out) == MTL_CONVERGED);
  CHECK(out.iterations == 6 && q.checks == 3);
  o.check = NULL;
  /* keep_best never returns a worse point than the start */
  double x0[N];
  for (int i = 0; i < N; i++)
    x0[i] = x[i] = mtl__soft_threshold(q.a[i], q.lam / q.h[i]);
  o.keep_best = 1;
  o.max_iter = 3;
  o.L0 = 1e-3; /* huge first steps */
  CHECK_OK(mtl__apg(N, x, smooth, prox, gval, &q, &o, &out));
  CHECK_LE(out.F, objective(&q, x0));
  CHECK_CLOSE(out.F, objective(&q, x), 1e-15);
  /* zero step: at the solution 0 (lam large) X+ = Y at once */
  for (int i = 0; i < N; i++)
    x0[i] = 0;
  q.lam = 100;
  o.keep_best = 0;
  o.L0 = 100;
  o.max_iter = 100;
  o.stop_zero_step = 1;
  o.accelerate = 0;
  memcpy(x, x0, sizeof x);
  CHECK(mtl__apg(N, x, smooth, prox, gval, &q, &o, &out) == MTL_CONVERGED);
  CHECK(out.iterations == 1);
  /* progress cancel after iteration 5; interrupt before the first */
  q.lam = 0.3;
  o.stop_zero_step = 0;
  o.progress = cancel_at_5;
  memset(x, 0, sizeof x);
  CHECK_ERR(mtl__apg(N, x, smooth, prox, gval, &q, &o, &out),
            MTL_ECANCELLED);
  CHECK(out.iterations == 5);
  o.progress = NULL;
  atomic_int flag;
  atomic_init(&flag, 1);
  o.interrupt = &flag;
  CHECK_ERR(mtl__apg(N, x, smooth, prox, gval, &q, &o, &out),
            MTL_ECANCELLED);
  CHECK(out.iterations == 0);
  CHECK_MSG("interrupted");
}

/* FISTA and ISTA agree at convergence; FISTA needs fewer iterations on an
 * ill-conditioned problem. */
static void test_fista_vs_ista(void) {
  quad q;
  setup(&q);
  q.h[6] = 1e-2;
  q.lam = 1e-4;
  double xf[N] = {0}, xi[N] = {0};
  mtl__apg_opts o;
  mtl__apg_opts_init(&o);
  o.max_iter = 200000;
  o.tol_res = 1e-11;
  o.L0 = 10;
  mtl__apg_out of, oi;
  CHECK(mtl__apg(N, xf, smooth, prox, gval, &q, &o, &of) == MTL_CONVERGED);
  o.accelerate = 0;
  CHECK(mtl__apg(N, xi, smooth, prox, gval, &q, &o, &oi) == MTL_CONVERGED);
  for (int i = 0; i < N; i++)
    CHECK_CLOSE(xf[i], xi[i], 1e-8);
  CHECK(of.iterations < oi.iterations);
}

int main(void) {
  test_closed_form();
  test_rules();
  test_fista_vs_ista();
  CHECK_DONE();
}
