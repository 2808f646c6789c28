/*
 * bench_async.c -- the experiments of Baytas et al. (ICDM 2016) for AMTL
 * vs SMTL on this machine, delays scaled from seconds to milliseconds.
 *
 *   bench_async [DATA_DIR] [--quick]
 *
 * prints Markdown tables (bench/async/RESULTS.md quotes them): Table I
 * (time for a fixed number of iterations, 5/10/15 tasks, offsets 5/10/30
 * ms) plus time to a target objective; Fig. 3 (tasks, samples, dimension);
 * Fig. 4 (objective vs iterations, CSV); Tables IV-VI (dynamic vs constant
 * step after a fixed budget); Table III (School, Kang MNIST one-vs-rest);
 * the straggler study.  Problem: squared loss ||X_t w_t - y_t||^2 (eq.
 * IV.1: MTL_SCALE_DOUBLE_SUM) + lambda ||W||_*, lambda = 0.1 lambda_max.
 * Injected delay per node send: offset + U(0, offset/2) ms.  Every result
 * is checked (objective finite, updates = iterations x T, the final
 * objective recomputed with mtl_problem_objective) before it is printed.
 * Only the public header is used.
 */
#include "mtl.h"
#include "solvers/solvers.h" /* method fits, batch solver (private) */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int quick = 0;

static void die(const char *what) {
  fprintf(stderr, "CHECK FAILED: %s: %s\n", what, mtl_last_error());
  exit(1);
}

static mtl_dataset *synth(int T, int n, int d, uint64_t seed) {
  mtl_gen_params g;
  mtl_gen_params_init(&g);
  g.kind = MTL_GEN_LOWRANK;
  g.T = T;
  g.n = n;
  g.d = d;
  g.rank = 3;
  g.noise = 0.5;
  g.seed = seed;
  mtl_dataset *ds = NULL;
  if (mtl_generate(&g, &ds, NULL))
    die("generate");
  return ds;
}

/* Squared loss (eq. IV.1) or auto for classification, trace norm with
 * lambda = frac * lambda_max. */
static void problem(const mtl_dataset *ds, double frac,
                    mtl_problem_params *pp) {
  mtl_problem_params_init(pp);
  pp->scaling = MTL_SCALE_DOUBLE_SUM;
  pp->reg.type = MTL_REG_TRACE;
  mtl_problem *pb = NULL;
  double lmax;
  if (mtl_problem_create(ds, pp, &pb) || mtl_problem_lambda_max(pb, &lmax))
    die("problem");
  pp->reg.lambda = frac * lmax;
  mtl_problem_free(pb);
}

static double fista(const mtl_dataset *ds, const mtl_problem_params *pp) {
  mtl_problem *pb = NULL;
  if (mtl_problem_create(ds, pp, &pb))
    die("problem");
  mtl_solver_params sp;
  mtl_solver_params_init(&sp);
  sp.tol_gap = 1e-10;
  sp.record_trace = 0;
  int d = mtl_dataset_dim(ds), T = mtl_dataset_ntasks(ds);
  double *W = calloc((size_t)d * T, sizeof(double));
  mtl_solve_info info;
  if (mtl_solve(pb, &sp, W, &info) < 0)
    die("fista");
  free(W);
  mtl_problem_free(pb);
  return info.objective;
}

typedef struct cfg {
  int smtl, iters, dynamic, stragglers;
  double offset, tol;
  int record_every;
} cfg;

/* One run; checks the result and returns info (caller clears). */
static void run(const mtl_dataset *ds, const mtl_problem_params *pp,
                const cfg *c, mtl_async_info *info) {
  int d = mtl_dataset_dim(ds), T = mtl_dataset_ntasks(ds);
  mtl_async_params ap;
  mtl_async_params_init(&ap);
  ap.mode = c->smtl ? MTL_ASYNC_SMTL : MTL_ASYNC_AMTL;
  ap.max_iter = c->iters;
  ap.tol = c->tol;
  ap.delay_ms = c->offset;
  ap.jitter_ms = c->offset / 2;
  ap.dynamic = c->dynamic;
  ap.stragglers = c->stragglers;
  ap.straggle = 10;
  ap.record_every = c->record_every;
  ap.max_records = 4000;
  double *W = calloc((size_t)d * T, sizeof(double));
  int rc = mtl_async_fit(ds, pp, &ap, W, info);
  if (rc < 0)
    die("mtl_async_fit");
  mtl_problem *pb = NULL;
  double f;
  if (mtl_problem_create(ds, pp, &pb) || mtl_problem_objective(pb, W, &f))
    die("objective");
  if (!(fabs(f - info->objective) <= 1e-9 * fabs(f)) || !isfinite(f))
    die("node-summed objective differs from mtl_problem_objective");
  if (c->tol == 0 && info->updates != (int64_t)c->iters * T)
    die("update count");
  mtl_problem_free(pb);
  free(W);
}

/* First snapshot time with objective <= target, or NaN. */
static double time_to(const mtl_async_info *in, double target) {
  for (int i = 0; i < in->nrecords; i++)
    if (in->rec_obj[i] <= target)
      return in->rec_time[i];
  return NAN;
}

static double upd_to(const mtl_async_info *in, double target) {
  for (int i = 0; i < in->nrecords; i++)
    if (in->rec_obj[i] <= target)
      return in->rec_updates[i];
  return NAN;
}

static void table1(void) {
  int Ts[3] = {5, 10, 15};
  double offs[3] = {5, 10, 30};
  int iters = quick ? 5 : 20;
  printf("\n### Table I: time (s) for %d iterations (d = 50, n = 100), "
         "offset + U(0, offset/2) ms\n\n",
         iters);
  printf("| offset ms | T | AMTL s | SMTL s | AMTL/SMTL | AMTL obj | SMTL obj "
         "| tau max (mean) |\n|---|---|---|---|---|---|---|---|\n");
  for (int o = 0; o < 3; o++)
    for (int i = 0; i < 3; i++) {
      mtl_dataset *ds = synth(Ts[i], 100, 50, 100 + Ts[i]);
      mtl_problem_params pp;
      problem(ds, 0.1, &pp);
      mtl_async_info a, s;
      cfg c = {.smtl = 0, .iters = iters, .offset = offs[o]};
      run(ds, &pp, &c, &a);
      c.smtl = 1;
      run(ds, &pp, &c, &s);
      printf("| %g | %d | %.3f | %.3f | %.2f | %.5g | %.5g | %d (%.1f) |\n",
             offs[o], Ts[i], a.seconds, s.seconds, a.seconds / s.seconds,
             a.objective, s.objective, a.tau_max, a.tau_mean);
      mtl_async_info_clear(&a);
      mtl_async_info_clear(&s);
      mtl_dataset_free(ds);
    }
}

static void time_to_target(void) {
  int Ts[3] = {5, 10, 15};
  double offs[2] = {5, 10};
  printf("\n### Time to a target objective F <= F* (1 + 1e-3), F* from "
         "FISTA (d = 50, n = 100)\n\n");
  printf("| offset ms | T | AMTL s (updates) | AMTL dyn s (updates) | SMTL s "
         "(updates) | AMTL/SMTL | AMTL-dyn/SMTL |\n"
         "|---|---|---|---|---|---|---|\n");
  for (int o = 0; o < (quick ? 1 : 2); o++)
    for (int i = 0; i < 3; i++) {
      mtl_dataset *ds = synth(Ts[i], 100, 50, 100 + Ts[i]);
      mtl_problem_params pp;
      problem(ds, 0.1, &pp);
      double target = fista(ds, &pp) * (1 + 1e-3);
      mtl_async_info a, ad, s;
      cfg c = {.smtl = 0, .iters = 400, .offset = offs[o], .tol = 1e-7,
               .record_every = 1};
      c.iters = quick ? 150 : 400;
      run(ds, &pp, &c, &a);
      c.dynamic = 1;
      run(ds, &pp, &c, &ad);
      c.dynamic = 0;
      c.smtl = 1;
      run(ds, &pp, &c, &s);
      double ta = time_to(&a, target), tad = time_to(&ad, target),
             ts = time_to(&s, target);
      printf("| %g | %d | %.3f (%.0f) | %.3f (%.0f) | %.3f (%.0f) | %.2f | "
             "%.2f |\n",
             offs[o], Ts[i], ta, upd_to(&a, target), tad, upd_to(&ad, target),
             ts, upd_to(&s, target), ta / ts, tad / ts);
      mtl_async_info_clear(&a);
      mtl_async_info_clear(&ad);
      mtl_async_info_clear(&s);
      mtl_dataset_free(ds);
    }
}

static void fig3(void) {
  int iters = quick ? 5 : 10;
  printf("\n### Fig. 3: time (s) for %d iterations, offset 5 ms\n\n", iters);
  printf("| varied | T | n | d | AMTL s | SMTL s | AMTL/SMTL |\n"
         "|---|---|---|---|---|---|---|\n");
  int sets[12][3] = {{5, 100, 50},  {10, 100, 50}, {20, 100, 50},
                     {40, 100, 50}, {5, 50, 50},   {5, 200, 50},
                     {5, 400, 50},  {5, 800, 50},  {5, 100, 25},
                     {5, 100, 100}, {5, 100, 200}, {5, 100, 400}};
  const char *what[12] = {"T", "T", "T", "T", "n", "n",
                          "n", "n", "d", "d", "d", "d"};
  for (int k = 0; k < 12; k++) {
    mtl_dataset *ds = synth(sets[k][0], sets[k][1], sets[k][2], 200 + k);
    mtl_problem_params pp;
    problem(ds, 0.1, &pp);
    mtl_async_info a, s;
    cfg c = {.smtl = 0, .iters = iters, .offset = 5};
    run(ds, &pp, &c, &a);
    c.smtl = 1;
    run(ds, &pp, &c, &s);
    printf("| %s | %d | %d | %d | %.3f | %.3f | %.2f |\n", what[k],
           sets[k][0], sets[k][1], sets[k][2], a.seconds, s.seconds,
           a.seconds / s.seconds);
    mtl_async_info_clear(&a);
    mtl_async_info_clear(&s);
    mtl_dataset_free(ds);
  }
}

static void fig4(void) {
  printf("\n### Fig. 4: objective vs iterations (updates / T), offset 5 ms "
         "(CSV: T,iteration,AMTL,AMTL-dyn,SMTL)\n\n```\n");
  int Ts[2] = {5, 10};
  for (int i = 0; i < 2; i++) {
    mtl_dataset *ds = synth(Ts[i], 100, 50, 100 + Ts[i]);
    mtl_problem_params pp;
    problem(ds, 0.1, &pp);
    mtl_async_info a, ad, s;
    cfg c = {.smtl = 0, .iters = 30, .offset = 5, .record_every = Ts[i]};
    run(ds, &pp, &c, &a);
    c.dynamic = 1;
    run(ds, &pp, &c, &ad);
    c.dynamic = 0;
    c.smtl = 1;
    run(ds, &pp, &c, &s);
    for (int r = 0; r < s.nrecords; r += 3)
      printf("%d,%.0f,%.6g,%.6g,%.6g\n", Ts[i], s.rec_updates[r] / Ts[i],
             r < a.nrecords ? a.rec_obj[r] : NAN,
             r < ad.nrecords ? ad.rec_obj[r] : NAN, s.rec_obj[r]);
    mtl_async_info_clear(&a);
    mtl_async_info_clear(&ad);
    mtl_async_info_clear(&s);
    mtl_dataset_free(ds);
  }
  printf("```\n");
}

static void tables456(void) {
  int Ts[3] = {5, 10, 15};
  double offs[4] = {5, 10, 15, 20};
  int iters = 10;
  printf("\n### Tables IV-VI: objective after %d updates per task (d = 50, "
         "n = 100), constant (Theorem 1) vs dynamic step; cap = 1 on "
         "c_tk eta_k\n\n",
         iters);
  printf("| T | offset ms | constant | dynamic | F* (FISTA) | mean c_tk | "
         "capped |\n|---|---|---|---|---|---|---|\n");
  for (int i = 0; i < 3; i++) {
    mtl_dataset *ds = synth(Ts[i], 100, 50, 100 + Ts[i]);
    mtl_problem_params pp;
    problem(ds, 0.1, &pp);
    double fs = fista(ds, &pp);
    for (int o = 0; o < (quick ? 2 : 4); o++) {
      mtl_async_info a, ad;
      cfg c = {.smtl = 0, .iters = iters, .offset = offs[o]};
      run(ds, &pp, &c, &a);
      c.dynamic = 1;
      run(ds, &pp, &c, &ad);
      double m = 0;
      for (int r = 0; r < ad.nodes; r++)
        m += ad.node_mult[r] / ad.nodes;
      printf("| %d | %g | %.6g | %.6g | %.6g | %.2f | %lld |\n", Ts[i],
             offs[o], a.objective, ad.objective, fs, m, (long long)ad.capped);
      mtl_async_info_clear(&a);
      mtl_async_info_clear(&ad);
    }
    mtl_dataset_free(ds);
  }
}

static void table3(const char *dir) {
  char path[4096];
  const char *names[2] = {"school.mat",
                          "mnist_usps_kang/split1_mnist_1000train.mat"};
  const char *label[2] = {"School (139 tasks, d 28)",
                          "Kang MNIST 1-vs-rest (10 tasks, d 87)"};
  int iters = quick ? 5 : 20;
  printf("\n### Table III: time (s) for %d iterations on real data, offset "
         "1/2/3 ms\n\n",
         iters);
  printf("| data | offset ms | AMTL s | SMTL s | AMTL/SMTL | AMTL obj | SMTL "
         "obj |\n|---|---|---|---|---|---|---|\n");
  for (int k = 0; k < 2; k++) {
    snprintf(path, sizeof path, "%s/%s", dir, names[k]);
    mtl_dataset *ds = NULL;
    if (mtl_dataset_read(path, NULL, &ds)) {
      printf("| %s | - | skipped: %s |\n", label[k], mtl_last_error());
      continue;
    }
    mtl_problem_params pp;
    problem(ds, 0.1, &pp);
    if (k == 0)
      pp.unpenalized_last = 1; /* feature 28 is School's bias column */
    for (int o = 1; o <= 3; o++) {
      mtl_async_info a, s;
      cfg c = {.smtl = 0, .iters = iters, .offset = o};
      run(ds, &pp, &c, &a);
      c.smtl = 1;
      run(ds, &pp, &c, &s);
      printf("| %s | %d | %.3f | %.3f | %.2f | %.6g | %.6g |\n", label[k], o,
             a.seconds, s.seconds, a.seconds / s.seconds, a.objective,
             s.objective);
      mtl_async_info_clear(&a);
      mtl_async_info_clear(&s);
    }
    mtl_dataset_free(ds);
  }
}

static void straggler(void) {
  int T = 10;
  printf("\n### Straggler: T = %d, d = 50, n = 100, offset 5 ms, node 1 at "
         "10x (50 ms + U(0, 25))\n\n",
         T);
  mtl_dataset *ds = synth(T, 100, 50, 300);
  mtl_problem_params pp;
  problem(ds, 0.1, &pp);
  double fs = fista(ds, &pp);
  mtl_async_info s, a, ad;
  cfg c = {.smtl = 1, .iters = quick ? 10 : 30, .offset = 5, .stragglers = 1,
           .record_every = 1};
  run(ds, &pp, &c, &s);
  double target = s.objective;
  c.smtl = 0;
  c.iters = quick ? 60 : 200;
  c.tol = 0;
  run(ds, &pp, &c, &a);
  c.dynamic = 1;
  run(ds, &pp, &c, &ad);
  printf("SMTL: %d rounds in %.3f s, objective %.6g (F* %.6g, rel gap "
         "%.2e)\n\n",
         c.smtl ? 0 : (quick ? 10 : 30), s.seconds, target, fs,
         (target - fs) / fs);
  printf("| method | time to SMTL's final objective s | updates then | "
         "straggler activations (whole run) | others' mean | tau max |\n"
         "|---|---|---|---|---|---|\n");
  const mtl_async_info *runs[3] = {&s, &a, &ad};
  const char *nm[3] = {"SMTL", "AMTL", "AMTL dynamic"};
  for (int k = 0; k < 3; k++) {
    const mtl_async_info *in = runs[k];
    double others = 0;
    for (int r = 1; r < in->nodes; r++)
      others += (double)in->node_updates[r] / (in->nodes - 1);
    printf("| %s | %.3f | %.0f | %lld | %.1f | %d |\n", nm[k],
           time_to(in, target * (1 + 1e-12)), upd_to(in, target * (1 + 1e-12)),
           (long long)in->node_updates[0], others, in->tau_max);
  }
  mtl_async_info_clear(&s);
  mtl_async_info_clear(&a);
  mtl_async_info_clear(&ad);
  mtl_dataset_free(ds);
}

int main(int argc, char **argv) {
  const char *dir = "../shared/data";
  const char *only = NULL;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--quick"))
      quick = 1;
    else if (!strncmp(argv[i], "--only=", 7))
      only = argv[i] + 7;
    else
      dir = argv[i];
  }
  printf("# bench_async (%s)\n", quick ? "quick" : "full");
#define PART(name, call)                                                       \
  if (!only || strstr(only, name)) {                                           \
    call;                                                                      \
    fflush(stdout);                                                            \
  }
  PART("table1", table1())
  PART("target", time_to_target())
  PART("fig3", fig3())
  PART("fig4", fig4())
  PART("t456", tables456())
  PART("table3", table3(dir))
  PART("straggler", straggler())
  return 0;
}
