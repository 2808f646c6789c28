/*
 * bench_core.c -- benchmarks of libmtl's core: the problem layer (loss and
 * gradient passes) and the batch solvers (FISTA, BCD), measured against the
 * machine's memory bandwidth and, through bench/sklearn_multitask.py,
 * against scikit-learn's MultiTaskLasso.
 *
 *   bench_core membw [--mb N]            read (sum) and triad bandwidth, GB/s
 *   bench_core school PATH               School: FISTA / BCD time to a
 *                                        certified gap <= 1e-6 x objective
 *   bench_core large [--quick]           T=100, d=500, n_t=2000 dense:
 *                                        gradient pass GB/s vs membw, FISTA
 *                                        raw vs Gram to gap <= 1e-6
 *   bench_core sklearn-peer X.bin Y.bin n d T alpha rtol OUTDIR
 *                                        libmtl side of the sklearn peer
 *   common options: --json FILE (flat JSON object of every number),
 *                   --reps N (best of N, default 5 for passes, 3 for solves)
 *
 * Every timing is checked before it is reported (checksums, closed forms,
 * duality gaps, agreement between independent computations); a failed check
 * prints "CHECK FAILED" and exits with status 1.  Only the public header is
 * used, as a user would.  BLAS threading is whatever OpenBLAS is told by the
 * environment (OPENBLAS_NUM_THREADS, printed in every report).
 */
#include "mtl.h"
#include "solvers/solvers.h" /* problem, batch solver (private) */

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_THREADS 16

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---- reporting --------------------------------------------------------- */

static FILE *json_fp;
static int json_count;
static int reps_pass = 5, reps_solve = 3;

/* One "key": number entry of the flat JSON object (NaN/Inf -> null). */
static void jnum(const char *key, double v) {
  if (!json_fp)
    return;
  fprintf(json_fp, "%s\n  \"%s\": ", json_count++ ? "," : "{", key);
  if (isfinite(v))
    fprintf(json_fp, "%.17g", v);
  else
    fprintf(json_fp, "null");
}

static void jstr(const char *key, const char *s) {
  if (!json_fp)
    return;
  fprintf(json_fp, "%s\n  \"%s\": \"%s\"", json_count++ ? "," : "{", key, s);
}

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "bench_core: CHECK FAILED: ");
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n");
  va_end(ap);
  exit(1);
}

/* Aborts the benchmark on a library error (negative code). */
static int ok(int rc, const char *what) {
  if (rc < 0) {
    fprintf(stderr, "bench_core: %s: %s: %s\n", what, mtl_errname(rc),
            mtl_last_error());
    exit(1);
  }
  return rc;
}

static void *xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p) {
    fprintf(stderr, "bench_core: out of memory (%zu bytes)\n", n);
    exit(1);
  }
  return p;
}

/* As the mtl tool does (README, "BLAS"): when OpenBLAS loaded kernels for
 * an older CPU than this one, run again with OPENBLAS_CORETYPE set to the
 * best core libmtl knows for it (the variable is then set: no loop). */
static void blas_core(char **argv) {
  const char *core = mtl_blas_suggested_core();
  if (core && setenv("OPENBLAS_CORETYPE", core, 1) == 0) {
    setenv("MTL_BENCH_REEXEC", core, 1);
    execv("/proc/self/exe", argv);
    unsetenv("OPENBLAS_CORETYPE");
    unsetenv("MTL_BENCH_REEXEC");
  }
}

static void print_env(void) {
  const char *v = getenv("OPENBLAS_NUM_THREADS");
  const char *c = getenv("OPENBLAS_CORETYPE");
  const char *re = getenv("MTL_BENCH_REEXEC");
  printf("# libmtl %s, OPENBLAS_NUM_THREADS=%s, OPENBLAS_CORETYPE=%s%s\n"
         "# BLAS: %s\n",
         mtl_version(), v ? v : "(unset)", c ? c : "(unset)",
         re ? " (set by bench_core itself, as mtl does: OpenBLAS had loaded "
              "kernels for an older CPU)"
            : "",
         mtl_blas_name());
  jstr("openblas_num_threads", v ? v : "unset");
  jstr("blas", mtl_blas_name());
}

/* ---- random data (splitmix64; independent of the library's rng) -------- */

static uint64_t sm_next(uint64_t *s) {
  uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static double sm_uniform(uint64_t *s) { /* [0, 1) */
  return (double)(sm_next(s) >> 11) * 0x1.0p-53;
}

static double sm_normal(uint64_t *s) { /* Box-Muller, one value per call */
  double u = sm_uniform(s), v = sm_uniform(s);
  return sqrt(-2.0 * log(1.0 - u)) * cos(6.283185307179586 * v);
}

/* ======================================================================== */
/* membw: sum-reduce and triad with 1 and 2 pthreads                         */
/* ======================================================================== */

typedef struct {
  int op; /* 0 init, 1 sum, 2 triad */
  double *a;
  const double *b, *c;
  size_t lo, hi;
  double q, sum;
} bw_job;

static void *bw_run(void *arg) {
  bw_job *j = arg;
  size_t i = j->lo, hi = j->hi;
  if (j->op == 0) {
    for (; i < hi; i++)
      j->a[i] = (double)(i & 1023);
  } else if (j->op == 1) {
    /* 8 independent accumulators: the loop is load-bound, not add-latency
     * bound (one chain would cap it at ~1 add per 4 cycles). */
    const double *a = j->a;
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
    for (; i + 8 <= hi; i += 8) {
      s0 += a[i];
      s1 += a[i + 1];
      s2 += a[i + 2];
      s3 += a[i + 3];
      s4 += a[i + 4];
      s5 += a[i + 5];
      s6 += a[i + 6];
      s7 += a[i + 7];
    }
    for (; i < hi; i++)
      s0 += a[i];
    j->sum = ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
  } else {
    double *a = j->a, q = j->q;
    const double *b = j->b, *c = j->c;
    for (; i < hi; i++)
      a[i] = b[i] + q * c[i];
  }
  return NULL;
}

/* Runs op over [0, n) split into `threads` contiguous chunks; returns the
 * wall time and (op 1) the sum in *sum, combined in a fixed order. */
static double bw_par(int op, int threads, double *a, const double *b,
                     const double *c, size_t n, double q, double *sum) {
  pthread_t th[MAX_THREADS];
  bw_job jobs[MAX_THREADS];
  for (int w = 0; w < threads; w++)
    jobs[w] = (bw_job){.op = op, .a = a, .b = b, .c = c, .q = q,
                       .lo = n * (size_t)w / (size_t)threads,
                       .hi = n * (size_t)(w + 1) / (size_t)threads};
  double t0 = now();
  for (int w = 1; w < threads; w++)
    if (pthread_create(&th[w], NULL, bw_run, &jobs[w])) {
      fprintf(stderr, "bench_core: pthread_create failed\n");
      exit(1);
    }
  bw_run(&jobs[0]);
  for (int w = 1; w < threads; w++)
    pthread_join(th[w], NULL);
  double dt = now() - t0;
  if (sum) {
    double s = 0;
    for (int w = 0; w < threads; w++)
      s += jobs[w].sum;
    *sum = s;
  }
  return dt;
}

/* Sum of (i & 1023) for i in [0, n): exact in double (all partial sums are
 * integers below 2^53). */
static double init_sum(size_t n) {
  double full = (double)(n / 1024) * (1023.0 * 1024.0 / 2.0);
  size_t r = n % 1024;
  return full + (double)r * (double)(r - 1) / 2.0 * (r > 0);
}

typedef struct {
  double read[3];  /* GB/s with 1 and 2 threads (index = threads) */
  double triad[3];
} membw_result;

static membw_result measure_membw(size_t mb, int verbose) {
  membw_result res = {{0}, {0}};
  size_t n = mb * 1024 * 1024 / sizeof(double);
  double *a = xmalloc(n * sizeof(double));
  bw_par(0, 2, a, NULL, NULL, n, 0, NULL); /* first touch, both threads */
  double want = init_sum(n);
  for (int th = 1; th <= 2; th++) {
    double best = INFINITY, s = 0;
    for (int r = 0; r < reps_pass; r++) {
      double dt = bw_par(1, th, a, NULL, NULL, n, 0, &s);
      if (s != want)
        fail("membw sum with %d threads = %.17g, expected %.17g", th, s,
             want);
      if (dt < best)
        best = dt;
    }
    res.read[th] = (double)n * sizeof(double) / best / 1e9;
  }
  /* triad on three thirds of the same buffer: A = B + 3 C */
  size_t m = n / 3;
  double *A = a, *B = a + m, *C = a + 2 * m;
  for (int th = 1; th <= 2; th++) {
    double best = INFINITY;
    for (int r = 0; r < reps_pass; r++) {
      double dt = bw_par(2, th, A, B, C, m, 3.0, NULL);
      if (dt < best)
        best = dt;
    }
    for (size_t i = 0; i < m; i++) /* B, C still hold (k & 1023) */
      if (A[i] != (double)((m + i) & 1023) + 3.0 * (double)((2 * m + i) & 1023))
        fail("triad result wrong at %zu: %g", i, A[i]);
    res.triad[th] = 3.0 * (double)m * sizeof(double) / best / 1e9;
    bw_par(0, 2, a, NULL, NULL, m, 0, NULL); /* restore A for the next run */
  }
  free(a);
  if (verbose) {
    printf("membw: %zu MiB array, best of %d, checksums verified\n", mb,
           reps_pass);
    printf("  read (sum)   1 thread : %7.2f GB/s\n", res.read[1]);
    printf("  read (sum)   2 threads: %7.2f GB/s\n", res.read[2]);
    printf("  triad        1 thread : %7.2f GB/s  (24 B/elem counted; "
           "write-allocate adds 8 more)\n", res.triad[1]);
    printf("  triad        2 threads: %7.2f GB/s\n", res.triad[2]);
  }
  jnum("membw.mib", (double)mb);
  jnum("membw.read_1t_gbs", res.read[1]);
  jnum("membw.read_2t_gbs", res.read[2]);
  jnum("membw.triad_1t_gbs", res.triad[1]);
  jnum("membw.triad_2t_gbs", res.triad[2]);
  return res;
}

/* ======================================================================== */
/* helpers shared by the solver benchmarks                                   */
/* ======================================================================== */

/* Best-of wall time of one loss+gradient evaluation at W (repeats until at
 * least min_s seconds were spent, at most `reps` times if reps > 0). */
static double time_grad(mtl_problem *pb, const double *W, double *G,
                        int reps, double min_s) {
  double best = INFINITY, spent = 0, f;
  for (int r = 0; (reps > 0 && r < reps) || (reps <= 0 && spent < min_s);
       r++) {
    double t0 = now();
    ok(mtl_problem_loss(pb, W, &f, G), "mtl_problem_loss");
    double dt = now() - t0;
    spent += dt;
    if (dt < best)
      best = dt;
  }
  return best;
}

typedef struct {
  double seconds;
  int iterations, restarts, status;
  double objective, gap, primal;
} solve_run;

/* Solves from W = 0, best of `reps` wall times; checks every run reaches a
 * certified gap <= rgap x primal when rgap > 0. */
static solve_run timed_solve(mtl_problem *pb, const mtl_solver_params *sp,
                             double *W, size_t dT, int reps, double rgap,
                             const char *label) {
  solve_run best = {.seconds = INFINITY};
  for (int r = 0; r < reps; r++) {
    memset(W, 0, dT * sizeof(double));
    mtl_solve_info info;
    double t0 = now();
    int rc = ok(mtl_solve(pb, sp, W, &info), label);
    double dt = now() - t0;
    mtl_free(info.trace);
    if (rgap > 0 && !(info.cert.gap <= rgap * info.cert.primal))
      fail("%s: gap %.3g > %.1g x primal %.12g after %d iterations (rc %d)",
           label, info.cert.gap, rgap, info.cert.primal, info.iterations,
           rc);
    if (rgap > 0 && info.cert.gap < -1e-9 * fabs(info.cert.primal))
      fail("%s: negative gap %.3g (dual above primal)", label,
           info.cert.gap);
    if (dt < best.seconds)
      best = (solve_run){.seconds = dt, .iterations = info.iterations,
                         .restarts = info.restarts, .status = rc,
                         .objective = info.objective, .gap = info.cert.gap,
                         .primal = info.cert.primal};
  }
  return best;
}

/* BCD has no gap-based stop: find the fewest passes whose result has a
 * certified gap <= rgap x primal (doubling, then bisection), and time that
 * run (best of --reps wall times). */
static solve_run bcd_to_gap(mtl_problem *pb, double *W, size_t dT,
                            double rgap, const char *label) {
  mtl_solver_params sp;
  mtl_solver_params_init(&sp);
  sp.solver = MTL_SOLVER_BCD;
  sp.tol_obj = 0;
  sp.record_trace = 0;
  int lo = 0, hi = 1; /* lo fails (0 = not tried), hi to be tested */
  for (;;) {
    sp.max_iter = hi;
    solve_run r = timed_solve(pb, &sp, W, dT, 1, 0, label);
    if (r.gap <= rgap * r.primal)
      break;
    if (r.status == MTL_CONVERGED)
      fail("%s: stopped (fixed point) at %d passes with gap %.3g > %.1g x "
           "%.12g", label, r.iterations, r.gap, rgap, r.primal);
    lo = hi;
    hi *= 2;
    if (hi > 1 << 20)
      fail("%s: no certified gap within %d passes", label, hi);
  }
  while (hi - lo > 1) {
    int mid = lo + (hi - lo) / 2;
    sp.max_iter = mid;
    solve_run r = timed_solve(pb, &sp, W, dT, 1, 0, label);
    if (r.gap <= rgap * r.primal)
      hi = mid;
    else
      lo = mid;
  }
  sp.max_iter = hi;
  return timed_solve(pb, &sp, W, dT, reps_solve, rgap, label);
}

/* ======================================================================== */
/* school                                                                    */
/* ======================================================================== */

static void bench_school(const char *path) {
  mtl_dataset *ds = NULL;
  double t0 = now();
  ok(mtl_dataset_read(path, NULL, &ds), "mtl_dataset_read");
  double t_read = now() - t0;
  int T = mtl_dataset_ntasks(ds), d = mtl_dataset_dim(ds);
  if (T != 139 || d != 28)
    fail("School: expected 139 tasks x 28 features, read %d x %d", T, d);
  size_t dT = (size_t)d * T;
  double *W = xmalloc(dT * sizeof(double)), *G = xmalloc(dT * sizeof(double));
  const mtl_reg_type regs[3] = {MTL_REG_L21, MTL_REG_TRACE, MTL_REG_L1};
  const double fracs[2] = {0.1, 0.01};
  const double rgap = 1e-6;
  printf("school: %s (T=%d, d=%d, N=%lld, read in %.3f s), raw features, "
         "MTL_SCALE_SUM, threads 1\n", path, T, d,
         (long long)mtl_dataset_total_n(ds), t_read);
  printf("  stop: duality gap <= %.0e x objective (FISTA: tol_gap, gap "
         "checked every 5 iterations; BCD: fewest passes whose certificate "
         "passes), best of %d wall times\n", rgap, reps_solve);
  jnum("school.T", T);
  jnum("school.d", d);
  for (int r = 0; r < 3; r++) {
    mtl_problem_params pp;
    mtl_problem_params_init(&pp);
    pp.scaling = MTL_SCALE_SUM;
    pp.threads = 1;
    pp.reg.type = regs[r];
    mtl_problem *pb = NULL;
    ok(mtl_problem_create(ds, &pp, &pb), "mtl_problem_create");
    double lmax;
    ok(mtl_problem_lambda_max(pb, &lmax), "mtl_problem_lambda_max");
    memset(W, 0, dT * sizeof(double));
    double tg = time_grad(pb, W, G, 0, 0.2);
    if (r == 0) {
      /* Gram mode for tasks with n_t > d: 2 d^2 flops per task and call */
      double flops = 2.0 * d * d * T;
      printf("  one loss+gradient evaluation: %.1f us (%.2f GFLOP/s at 2 "
             "d^2 T flops: %d small gemv calls of %dx%d)\n", tg * 1e6,
             flops / tg / 1e9, T, d, d);
      jnum("school.grad_us", tg * 1e6);
      jnum("school.grad_gflops", flops / tg / 1e9);
      printf("  (iter/grad = time per iteration / time of one loss+gradient "
             "evaluation)\n");
      printf("  %-6s %-5s %-10s %-5s %8s %9s %10s %9s %10s %10s\n", "reg",
             "frac", "lambda", "solv", "iters", "time_ms", "iter/s", "iter/grad",
             "objective", "gap/obj");
    }
    for (int l = 0; l < 2; l++) {
      double lam = fracs[l] * lmax;
      ok(mtl_problem_set_lambda(pb, lam), "mtl_problem_set_lambda");
      mtl_solver_params sp;
      mtl_solver_params_init(&sp);
      sp.tol_obj = 0;
      sp.tol_gap = rgap;
      sp.gap_every = 5;
      sp.max_iter = 1000000;
      sp.record_trace = 0;
      char label[96];
      snprintf(label, sizeof label, "school %s %.2g lmax fista",
               mtl_reg_name(regs[r]), fracs[l]);
      solve_run f = timed_solve(pb, &sp, W, dT, reps_solve, rgap, label);
      if (f.status != MTL_CONVERGED)
        fail("%s: status %d, not converged", label, f.status);
      printf("  %-6s %-5.2g %-10.4g %-5s %8d %9.2f %10.0f %9.2f %10.6g "
             "%10.2e\n", mtl_reg_name(regs[r]), fracs[l], lam, "fista",
             f.iterations, f.seconds * 1e3, f.iterations / f.seconds,
             f.seconds / f.iterations / tg, f.objective, f.gap / f.primal);
      char key[96];
      const char *rn = mtl_reg_name(regs[r]);
      snprintf(key, sizeof key, "school.%s.%g.lambda", rn, fracs[l]);
      jnum(key, lam);
      snprintf(key, sizeof key, "school.%s.%g.fista.seconds", rn, fracs[l]);
      jnum(key, f.seconds);
      snprintf(key, sizeof key, "school.%s.%g.fista.iters", rn, fracs[l]);
      jnum(key, f.iterations);
      snprintf(key, sizeof key, "school.%s.%g.fista.objective", rn, fracs[l]);
      jnum(key, f.objective);
      snprintf(key, sizeof key, "school.%s.%g.fista.relgap", rn, fracs[l]);
      jnum(key, f.gap / f.primal);
      if (regs[r] == MTL_REG_TRACE)
        continue;
      snprintf(label, sizeof label, "school %s %.2g lmax bcd",
               mtl_reg_name(regs[r]), fracs[l]);
      solve_run b = bcd_to_gap(pb, W, dT, rgap, label);
      /* both within gap of the optimum: objectives agree to ~2 x rgap */
      if (fabs(b.objective - f.objective) > 2 * rgap * f.objective)
        fail("%s: objective %.12g vs FISTA %.12g", label, b.objective,
             f.objective);
      printf("  %-6s %-5.2g %-10.4g %-5s %8d %9.2f %10.0f %9s %10.6g "
             "%10.2e\n", mtl_reg_name(regs[r]), fracs[l], lam, "bcd",
             b.iterations, b.seconds * 1e3, b.iterations / b.seconds, "-",
             b.objective, b.gap / b.primal);
      printf("  %-6s %-5s %-10s %-5s  BCD/FISTA time ratio %.2f\n", "", "",
             "", "", b.seconds / f.seconds);
      snprintf(key, sizeof key, "school.%s.%g.bcd.seconds", rn, fracs[l]);
      jnum(key, b.seconds);
      snprintf(key, sizeof key, "school.%s.%g.bcd.passes", rn, fracs[l]);
      jnum(key, b.iterations);
      snprintf(key, sizeof key, "school.%s.%g.bcd.relgap", rn, fracs[l]);
      jnum(key, b.gap / b.primal);
    }
    mtl_problem_free(pb);
  }
  free(W);
  free(G);
  mtl_dataset_free(ds);
}

/* ======================================================================== */
/* large: T=100, d=500, n_t=2000 dense                                       */
/* ======================================================================== */

/* Builds the dataset: X_t entries uniform on [-sqrt 3, sqrt 3] (unit
 * variance), w_t nonzero (N(0,1)) on a shared support of s features,
 * y_t = X_t w_t + 0.5 N(0,1).  Per-task seeds make it deterministic. */
static mtl_dataset *make_large(int T, int d, int n, int s, double **Wtrue) {
  mtl_dataset *ds = mtl_dataset_create(d);
  if (!ds)
    ok(MTL_ENOMEM, "mtl_dataset_create");
  double *X = xmalloc((size_t)n * d * sizeof(double));
  double *y = xmalloc((size_t)n * sizeof(double));
  double *Wt = calloc((size_t)d * T, sizeof(double));
  int *perm = xmalloc((size_t)d * sizeof(int));
  if (!Wt)
    fail("out of memory");
  uint64_t st = 20240601;
  for (int j = 0; j < d; j++)
    perm[j] = j;
  for (int j = d - 1; j > 0; j--) { /* Fisher-Yates: support = perm[0..s) */
    int k = (int)(sm_next(&st) % (uint64_t)(j + 1));
    int tmp = perm[j];
    perm[j] = perm[k];
    perm[k] = tmp;
  }
  for (int t = 0; t < T; t++)
    for (int k = 0; k < s; k++)
      Wt[(size_t)t * d + perm[k]] = sm_normal(&st);
  for (int t = 0; t < T; t++) {
    uint64_t sx = 1000003ull * (uint64_t)(t + 1);
    const double *w = Wt + (size_t)t * d;
    for (int i = 0; i < n; i++) {
      double *x = X + (size_t)i * d, z = 0;
      for (int j = 0; j < d; j++)
        x[j] = (2.0 * sm_uniform(&sx) - 1.0) * 1.7320508075688772;
      for (int k = 0; k < s; k++)
        z += x[perm[k]] * w[perm[k]];
      y[i] = z + 0.5 * sm_normal(&sx);
    }
    ok(mtl_dataset_add_dense(ds, n, X, y, MTL_TASK_REGRESSION, NULL),
       "mtl_dataset_add_dense");
  }
  free(X);
  free(y);
  free(perm);
  *Wtrue = Wt;
  return ds;
}

/* Independent loss and gradient of task t (MTL_SCALE_MEAN squared loss):
 * f = 1/(2n) ||X w - y||^2, g = X'(X w - y)/n, rows fetched one by one. */
static void ref_task_grad(const mtl_dataset *ds, int t, const double *w,
                          double *f, double *g) {
  int d = mtl_dataset_dim(ds), n = mtl_dataset_task_n(ds, t);
  const double *y = mtl_dataset_task_y(ds, t);
  double *x = xmalloc((size_t)d * sizeof(double));
  double ff = 0;
  memset(g, 0, (size_t)d * sizeof(double));
  for (int i = 0; i < n; i++) {
    ok(mtl_dataset_get_row(ds, t, i, x), "mtl_dataset_get_row");
    double z = 0;
    for (int j = 0; j < d; j++)
      z += x[j] * w[j];
    double r = z - y[i];
    ff += r * r;
    for (int j = 0; j < d; j++)
      g[j] += r * x[j];
  }
  for (int j = 0; j < d; j++)
    g[j] /= n;
  *f = ff / (2.0 * n);
  free(x);
}

static double max_rel_diff(const double *a, const double *b, size_t n) {
  double num = 0, den = 0;
  for (size_t k = 0; k < n; k++) {
    double e = fabs(a[k] - b[k]);
    if (e > num)
      num = e;
    if (fabs(b[k]) > den)
      den = fabs(b[k]);
  }
  return den > 0 ? num / den : num;
}

static void bench_large(int quick) {
  int T = quick ? 20 : 100, d = 500, n = 2000, s = 50;
  size_t dT = (size_t)d * T;
  double xbytes = (double)T * n * d * sizeof(double);
  const double rgap = 1e-6;
  membw_result bw = measure_membw(quick ? 256 : 1024, 0);
  printf("large: T=%d, d=%d, n_t=%d, support %d, X = %.3f GB, squared "
         "loss (MTL_SCALE_MEAN), L21\n", T, d, n, s, xbytes / 1e9);
  printf("  membw (same run): read %.2f GB/s (1 thread), %.2f GB/s (2 "
         "threads)\n", bw.read[1], bw.read[2]);
  double t0 = now();
  double *Wtrue = NULL;
  mtl_dataset *ds = make_large(T, d, n, s, &Wtrue);
  printf("  data generated in %.2f s\n", now() - t0);
  jnum("large.T", T);
  jnum("large.x_gb", xbytes / 1e9);
  jnum("large.membw_read_1t_gbs", bw.read[1]);
  jnum("large.membw_read_2t_gbs", bw.read[2]);

  /* (a) one loss+gradient pass over raw X, checked against an independent
   * row-by-row computation on the first and last task */
  double *W = xmalloc(dT * sizeof(double));
  double *G1 = xmalloc(dT * sizeof(double)), *G2 = xmalloc(dT * sizeof(double));
  double *gref = xmalloc((size_t)d * sizeof(double));
  for (size_t k = 0; k < dT; k++) /* W = W_true perturbed: nonzero residual */
    W[k] = Wtrue[k] + 0.01 * (double)((k * 7919) % 13) - 0.06;
  double fraw[3] = {0}, tcraw[3] = {0};
  mtl_problem *pbr[3] = {NULL, NULL, NULL};
  printf("  (a) one loss+gradient pass over raw X (gram = 0), best of %d\n",
         reps_pass);
  for (int th = 1; th <= 2; th++) {
    mtl_problem_params pp;
    mtl_problem_params_init(&pp);
    pp.loss = MTL_LOSS_SQUARED;
    pp.reg.type = MTL_REG_L21;
    pp.gram = 0;
    pp.threads = th;
    mtl_problem *pb = NULL;
    t0 = now();
    ok(mtl_problem_create(ds, &pp, &pb), "mtl_problem_create raw");
    double tc = now() - t0;
    pbr[th] = pb;
    tcraw[th] = tc;
    double *G = th == 1 ? G1 : G2;
    double tg = time_grad(pb, W, G, reps_pass, 0);
    ok(mtl_problem_loss(pb, W, &fraw[th], G), "mtl_problem_loss");
    if (th == 1) {
      double fsum = 0, ft;
      for (int t = 0; t < T; t++) { /* pooled in task order, like the lib */
        ref_task_grad(ds, t, W + (size_t)t * d, &ft, gref);
        fsum += ft;
        double e = max_rel_diff(G + (size_t)t * d, gref, (size_t)d);
        if (e > 1e-10)
          fail("raw gradient of task %d differs from the reference by "
               "%.3g (relative)", t + 1, e);
      }
      if (fabs(fsum - fraw[1]) > 1e-10 * fabs(fsum))
        fail("raw loss %.17g differs from the reference %.17g", fraw[1],
             fsum);
    } else if (fraw[2] != fraw[1] || memcmp(G1, G2, dT * sizeof(double)))
      fail("raw loss/gradient differ between 1 and 2 threads (%.17g vs "
           "%.17g)", fraw[1], fraw[2]);
    double gbs = xbytes / tg / 1e9;
    printf("      threads %d: %8.1f ms  %6.2f GB/s  = %5.1f%% of measured "
           "read bandwidth (%d thread%s); create %.2f s (power iterations "
           "on raw X)\n", th, tg * 1e3, gbs, 100 * gbs / bw.read[th], th,
           th > 1 ? "s" : "", tc);
    char key[64];
    snprintf(key, sizeof key, "large.raw_grad_%dt_ms", th);
    jnum(key, tg * 1e3);
    snprintf(key, sizeof key, "large.raw_grad_%dt_gbs", th);
    jnum(key, gbs);
    snprintf(key, sizeof key, "large.raw_grad_%dt_pct_membw", th);
    jnum(key, 100 * gbs / bw.read[th]);
    snprintf(key, sizeof key, "large.raw_create_%dt_s", th);
    jnum(key, tc);
  }
  printf("      checked: loss and every task's gradient match a row-by-row "
         "reference (<= 1e-10 rel); 1 and 2 threads bitwise identical\n");

  /* Gram problem: creation = X_t'X_t for every task */
  mtl_problem_params pg;
  mtl_problem_params_init(&pg);
  pg.loss = MTL_LOSS_SQUARED;
  pg.reg.type = MTL_REG_L21;
  pg.gram = -1;
  pg.threads = 1;
  mtl_problem *pbg = NULL;
  t0 = now();
  ok(mtl_problem_create(ds, &pg, &pbg), "mtl_problem_create gram");
  double tcg = now() - t0;
  double gflop = (double)T * n * d * (d + 1) / 1e9; /* syrk: n d (d+1) */
  double tgg = time_grad(pbg, W, G2, reps_pass, 0);
  double fg;
  ok(mtl_problem_loss(pbg, W, &fg, G2), "mtl_problem_loss");
  double eg = max_rel_diff(G2, G1, dT);
  if (eg > 1e-8 || fabs(fg - fraw[1]) > 1e-8 * fabs(fraw[1]))
    fail("Gram gradient differs from raw: grad %.3g rel, loss %.17g vs "
         "%.17g", eg, fg, fraw[1]);
  double gbytes = (double)T * d * d * sizeof(double);
  printf("  Gram mode (gram = -1 -> X_t'X_t, %.2f GB of Gram matrices): "
         "create %.2f s (%.1f GFLOP/s in syrk), gradient pass %.1f ms "
         "(%.2f GB/s of Gram data, %.1f%% of 1-thread read bw); matches raw "
         "gradient to %.1e\n", gbytes / 1e9, tcg, gflop / tcg, tgg * 1e3,
         gbytes / tgg / 1e9, 100 * gbytes / tgg / 1e9 / bw.read[1], eg);
  jnum("large.gram_create_s", tcg);
  jnum("large.gram_syrk_gflops", gflop / tcg);
  jnum("large.gram_grad_ms", tgg * 1e3);
  jnum("large.gram_grad_gbs", gbytes / tgg / 1e9);

  /* (b) FISTA to gap <= 1e-6 x objective, raw vs Gram */
  double lmax;
  ok(mtl_problem_lambda_max(pbg, &lmax), "mtl_problem_lambda_max");
  double lam = 0.1 * lmax;
  ok(mtl_problem_set_lambda(pbg, lam), "mtl_problem_set_lambda");
  mtl_solver_params sp;
  mtl_solver_params_init(&sp);
  sp.tol_obj = 0;
  sp.tol_gap = rgap;
  sp.gap_every = 5;
  sp.max_iter = 100000;
  sp.record_trace = 0;
  printf("  (b) FISTA, lambda = 0.1 x lambda_max = %.6g, stop at gap <= "
         "%.0e x objective (checked every %d iterations), from W = 0\n",
         lam, rgap, sp.gap_every);
  int rs = quick ? 1 : reps_solve < 2 ? reps_solve : 2;
  solve_run fgm = timed_solve(pbg, &sp, W, dT, rs, rgap, "large gram fista");
  int nnz = 0;
  for (int j = 0; j < d; j++) {
    double r2 = 0;
    for (int t = 0; t < T; t++)
      r2 += W[(size_t)t * d + j] * W[(size_t)t * d + j];
    nnz += r2 > 0;
  }
  printf("      gram   threads 1: %5d iters  %8.3f s solve  %8.1f iter/s  "
         "+ create %.2f s = %.2f s total; obj %.10g gap/obj %.1e; %d "
         "nonzero rows (true support %d)\n", fgm.iterations, fgm.seconds,
         fgm.iterations / fgm.seconds, tcg, tcg + fgm.seconds, fgm.objective,
         fgm.gap / fgm.primal, nnz, s);
  jnum("large.lambda", lam);
  jnum("large.gram.iters", fgm.iterations);
  jnum("large.gram.solve_s", fgm.seconds);
  jnum("large.gram.total_s", tcg + fgm.seconds);
  jnum("large.gram.objective", fgm.objective);
  jnum("large.nonzero_rows", nnz);
  mtl_problem_free(pbg);
  double best_raw_total = INFINITY;
  for (int th = 1; th <= 2; th++) {
    mtl_problem *pb = pbr[th];
    double tc = tcraw[th];
    ok(mtl_problem_set_lambda(pb, lam), "mtl_problem_set_lambda");
    solve_run fr = timed_solve(pb, &sp, W, dT, 1, rgap, "large raw fista");
    if (fabs(fr.objective - fgm.objective) > 2 * rgap * fgm.objective)
      fail("raw FISTA objective %.12g vs Gram %.12g", fr.objective,
           fgm.objective);
    printf("      raw    threads %d: %5d iters  %8.3f s solve  %8.1f iter/s  "
           "+ create %.2f s = %.2f s total; obj %.10g gap/obj %.1e\n", th,
           fr.iterations, fr.seconds, fr.iterations / fr.seconds, tc,
           tc + fr.seconds, fr.objective, fr.gap / fr.primal);
    char key[64];
    snprintf(key, sizeof key, "large.raw_%dt.iters", th);
    jnum(key, fr.iterations);
    snprintf(key, sizeof key, "large.raw_%dt.solve_s", th);
    jnum(key, fr.seconds);
    snprintf(key, sizeof key, "large.raw_%dt.total_s", th);
    jnum(key, tc + fr.seconds);
    if (tc + fr.seconds < best_raw_total)
      best_raw_total = tc + fr.seconds;
    mtl_problem_free(pb);
  }
  printf("      time to gap, raw (best thread count) / Gram, both including "
         "problem create: %.2f; objectives agree to 2e-6\n",
         best_raw_total / (tcg + fgm.seconds));
  jnum("large.raw_over_gram", best_raw_total / (tcg + fgm.seconds));
  free(W);
  free(G1);
  free(G2);
  free(gref);
  free(Wtrue);
  mtl_dataset_free(ds);
}

/* ======================================================================== */
/* sklearn-peer: libmtl side of bench/sklearn_multitask.py                   */
/* ======================================================================== */

static double *read_f64(const char *path, size_t count) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "bench_core: cannot open %s\n", path);
    exit(1);
  }
  double *a = xmalloc(count * sizeof(double));
  size_t got = fread(a, sizeof(double), count, f);
  int extra = fgetc(f) != EOF;
  fclose(f);
  if (got != count || extra) {
    fprintf(stderr, "bench_core: %s: expected exactly %zu float64 values "
                    "(%s)\n", path, count, got != count ? "file too short"
                                                        : "file too long");
    exit(1);
  }
  return a;
}

static int write_f64(const char *path, const double *a, size_t count) {
  FILE *f = fopen(path, "wb");
  if (!f)
    return -1;
  size_t put = fwrite(a, sizeof(double), count, f);
  return fclose(f) == 0 && put == count ? 0 : -1;
}

typedef struct {
  double target;
  int hit_iter;
} oracle_ctx;

/* Cancels the solve at the first iterate with F <= target. */
static int oracle_stop(void *ctx, int iter, double obj, double rel_change,
                       double residual) {
  oracle_ctx *o = ctx;
  if (obj <= o->target) {
    o->hit_iter = iter;
    return 1;
  }
  return 0;
}

typedef struct {
  const char *name;
  int gram;
  mtl_solver_kind solver;
  int certified; /* 1: stop by tol_gap = rtol (self-certified) */
} peer_variant;

static void bench_sklearn_peer(char **av) {
  const char *xpath = av[0], *ypath = av[1], *outdir = av[7];
  int n = atoi(av[2]), d = atoi(av[3]), T = atoi(av[4]);
  double alpha = strtod(av[5], NULL), rtol = strtod(av[6], NULL);
  if (n < 1 || d < 1 || T < 1 || !(alpha > 0) || !(rtol > 0))
    fail("sklearn-peer: bad arguments n=%d d=%d T=%d alpha=%g rtol=%g", n, d,
         T, alpha, rtol);
  double *X = read_f64(xpath, (size_t)n * d);
  double *Y = read_f64(ypath, (size_t)n * T);
  size_t dT = (size_t)d * T;
  double *W = xmalloc(dT * sizeof(double));
  mtl_problem_params pp;
  mtl_problem_params_init(&pp);
  pp.loss = MTL_LOSS_SQUARED;
  pp.scaling = MTL_SCALE_MEAN; /* 1/(2n)||Y - XW||_F^2 summed over tasks */
  pp.reg.type = MTL_REG_L21;
  pp.reg.lambda = alpha;
  pp.threads = 1;
  printf("sklearn-peer (libmtl side): n=%d, d=%d, T=%d shared design, "
         "alpha=%.6g, target F <= F* (1 + %.0e)\n", n, d, T, alpha, rtol);

  /* reference optimum F* to a certified gap of 1e-10 relative */
  mtl_dataset *ds = mtl_dataset_create(d);
  if (!ds)
    ok(MTL_ENOMEM, "mtl_dataset_create");
  ok(mtl_dataset_set_shared(ds, n, X, T, Y, MTL_TASK_REGRESSION),
     "mtl_dataset_set_shared");
  mtl_problem *pb = NULL;
  ok(mtl_problem_create(ds, &pp, &pb), "mtl_problem_create");
  mtl_solver_params sp;
  mtl_solver_params_init(&sp);
  sp.tol_obj = 0;
  sp.tol_gap = 1e-10;
  sp.gap_every = 10;
  sp.max_iter = 200000;
  sp.record_trace = 0;
  memset(W, 0, dT * sizeof(double));
  mtl_solve_info info;
  ok(mtl_solve(pb, &sp, W, &info), "reference solve");
  if (!(info.cert.gap <= 1e-10 * info.cert.primal))
    fail("reference: gap %.3g > 1e-10 x %.15g after %d iterations",
         info.cert.gap, info.cert.primal, info.iterations);
  double Fstar = info.cert.primal, target = Fstar * (1 + rtol);
  printf("  reference: FISTA %d iterations, F* = %.15g, certified gap %.2e "
         "(%.1e relative)\n", info.iterations, Fstar, info.cert.gap,
         info.cert.gap / Fstar);
  char path[4096];
  snprintf(path, sizeof path, "%s/W_mtl.bin", outdir);
  if (write_f64(path, W, dT))
    fail("cannot write %s", path);
  jnum("peer.n", n);
  jnum("peer.d", d);
  jnum("peer.T", T);
  jnum("peer.alpha", alpha);
  jnum("peer.rtol", rtol);
  jnum("peer.fstar", Fstar);
  jnum("peer.fstar_gap", info.cert.gap);
  jnum("peer.target", target);
  mtl_problem_free(pb);

  /* timed: dataset (copy of X) + problem (Gram) + solve, from W = 0 */
  const peer_variant vs[] = {
      {"fista", -1, MTL_SOLVER_FISTA, 0},
      {"fista_certified", -1, MTL_SOLVER_FISTA, 1},
      {"bcd", -1, MTL_SOLVER_BCD, 0},
      {"fista_raw", 0, MTL_SOLVER_FISTA, 0},
  };
  printf("  timed from scratch (copy X into a dataset + problem create + "
         "solve), threads 1, best of %d:\n", reps_solve);
  for (size_t v = 0; v < sizeof vs / sizeof vs[0]; v++) {
    double best = INFINITY, bestF = 0, bestcreate = 0;
    int bestit = 0;
    for (int r = 0; r < reps_solve; r++) {
      oracle_ctx oc = {.target = target, .hit_iter = 0};
      mtl_problem_params p2 = pp;
      p2.gram = vs[v].gram;
      mtl_solver_params s2;
      mtl_solver_params_init(&s2);
      s2.solver = vs[v].solver;
      s2.record_trace = 0;
      s2.max_iter = 1000000;
      s2.tol_obj = 0;
      if (vs[v].certified) {
        s2.tol_gap = rtol;
        s2.gap_every = 5;
      } else {
        s2.progress = oracle_stop;
        s2.progress_ctx = &oc;
      }
      memset(W, 0, dT * sizeof(double));
      double t0 = now();
      mtl_dataset *d2 = mtl_dataset_create(d);
      if (!d2)
        ok(MTL_ENOMEM, "mtl_dataset_create");
      ok(mtl_dataset_set_shared(d2, n, X, T, Y, MTL_TASK_REGRESSION),
         "mtl_dataset_set_shared");
      mtl_problem *p = NULL;
      ok(mtl_problem_create(d2, &p2, &p), "mtl_problem_create");
      double tcreate = now() - t0;
      int rc = mtl_solve(p, &s2, W, NULL);
      double dt = now() - t0;
      if (rc < 0 && !(rc == MTL_ECANCELLED && oc.hit_iter > 0))
        ok(rc, vs[v].name);
      int iters = oc.hit_iter;
      /* check outside the timing: F(W) recomputed on the reference data */
      double F;
      ok(mtl_problem_objective(p, W, &F), "mtl_problem_objective");
      if (!(F <= target))
        fail("libmtl %s: F = %.15g > target %.15g (rc %d)", vs[v].name, F,
             target, rc);
      if (vs[v].certified) {
        mtl_certificate c;
        ok(mtl_problem_certificate(p, W, &c), "mtl_problem_certificate");
        if (!(c.gap <= rtol * c.primal))
          fail("libmtl %s: gap %.3g > %.0e x %.15g", vs[v].name, c.gap,
               rtol, c.primal);
        iters = -1;
      }
      mtl_problem_free(p);
      mtl_dataset_free(d2);
      if (dt < best) {
        best = dt;
        bestF = F;
        bestit = iters;
        bestcreate = tcreate;
      }
    }
    char its[32];
    if (bestit >= 0)
      snprintf(its, sizeof its, "%d", bestit);
    else
      snprintf(its, sizeof its, "(tol_gap)");
    printf("    %-16s %9.4f s (setup %.4f s), %9s %s, F = %.15g "
           "(F/F* - 1 = %.2e) <= target\n", vs[v].name, best, bestcreate,
           its, vs[v].solver == MTL_SOLVER_BCD ? "passes" : "iters", bestF,
           bestF / Fstar - 1);
    char key[64];
    snprintf(key, sizeof key, "peer.mtl.%s.seconds", vs[v].name);
    jnum(key, best);
    snprintf(key, sizeof key, "peer.mtl.%s.setup_seconds", vs[v].name);
    jnum(key, bestcreate);
    snprintf(key, sizeof key, "peer.mtl.%s.objective", vs[v].name);
    jnum(key, bestF);
    snprintf(key, sizeof key, "peer.mtl.%s.iters", vs[v].name);
    jnum(key, bestit);
  }
  /* Where the setup goes: the same X with ONE task (the Gram build and the
   * Lipschitz estimate are done once for a shared X in both cases). */
  double t1best = INFINITY;
  for (int r = 0; r < reps_solve; r++) {
    double t0 = now();
    mtl_dataset *d1 = mtl_dataset_create(d);
    if (!d1)
      ok(MTL_ENOMEM, "mtl_dataset_create");
    ok(mtl_dataset_set_shared(d1, n, X, 1, Y, MTL_TASK_REGRESSION),
       "mtl_dataset_set_shared");
    mtl_problem *p1 = NULL;
    ok(mtl_problem_create(d1, &pp, &p1), "mtl_problem_create");
    double dt = now() - t0;
    if (dt < t1best)
      t1best = dt;
    mtl_problem_free(p1);
    mtl_dataset_free(d1);
  }
  printf("  setup (dataset + problem create, Gram) with T = 1 on the same X: "
         "%.4f s (T = %d shares the Gram matrix and the Lipschitz estimate)\n",
         t1best, T);
  jnum("peer.mtl.setup_T1_seconds", t1best);
  mtl_dataset_free(ds);
  free(X);
  free(Y);
  free(W);
}

/* ======================================================================== */

static void usage(void) {
  fprintf(stderr,
          "usage: bench_core [--json FILE] [--reps N] COMMAND ...\n"
          "  membw [--mb N]           read/triad bandwidth (default 1024 "
          "MiB)\n"
          "  school PATH              School (school.mat) solver benchmark\n"
          "  large [--quick]          T=100 d=500 n_t=2000 problem\n"
          "  sklearn-peer X.bin Y.bin n d T alpha rtol OUTDIR\n");
  exit(2);
}

int main(int argc, char **argv) {
  blas_core(argv);
  const char *json = NULL;
  int mb = 1024, quick = 0;
  char *pos[16];
  int np = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--json") && i + 1 < argc) {
      json = argv[++i];
    } else if (!strcmp(argv[i], "--reps") && i + 1 < argc) {
      reps_pass = reps_solve = atoi(argv[++i]);
      if (reps_pass < 1)
        usage();
    } else if (!strcmp(argv[i], "--mb") && i + 1 < argc) {
      mb = atoi(argv[++i]);
      if (mb < 64)
        usage();
    } else if (!strcmp(argv[i], "--quick")) {
      quick = 1;
    } else if (argv[i][0] == '-' && argv[i][1] == '-') {
      usage();
    } else if (np < 16) {
      pos[np++] = argv[i];
    } else {
      usage();
    }
  }
  if (np < 1)
    usage();
  if (json) {
    json_fp = fopen(json, "w");
    if (!json_fp) {
      fprintf(stderr, "bench_core: cannot write %s\n", json);
      return 1;
    }
  }
  print_env();
  if (!strcmp(pos[0], "membw") && np == 1)
    measure_membw((size_t)mb, 1);
  else if (!strcmp(pos[0], "school") && np == 2)
    bench_school(pos[1]);
  else if (!strcmp(pos[0], "large") && np == 1)
    bench_large(quick);
  else if (!strcmp(pos[0], "sklearn-peer") && np == 9)
    bench_sklearn_peer(pos + 1);
  else
    usage();
  if (json_fp) {
    fprintf(json_fp, "%s}\n", json_count ? "\n" : "{");
    fclose(json_fp);
  }
  return 0;
}
