/*
 * bench_async_policy.c -- does asynchronous MTL pay with its default step?
 * (issue 12).  10 tasks on 10 node threads, d = 50, squared loss, trace
 * norm; every node's send is delayed by offset + U(0, offset/2) ms (or,
 * heavy-tailed, offset + an exponential of mean offset/2), a straggler's
 * (the first 1 or 3 nodes) by 10x that.  For each setting and each of
 * `reps` paired runs (the same seed per run for every method), the time at
 * which the objective trace first reaches F* (1 + 1e-4) (F*: FISTA to a
 * certified gap of 1e-13), for SMTL and for AMTL with the default step
 * policy (auto), a fixed KM step of 1, and Theorem 1 (the paper's rule);
 * printed as the median over the runs of the ratio async / SMTL.  Every
 * run's final objective is checked against F* before its time is used.
 *
 * Last, the cost of checkpoints, at the default interval (by wall time,
 * one every 30 s) and every 100 units: the same fixed budget (400 updates
 * per task, no injected delay: the worst case) through mtl_fit with and
 * without checkpoints, median over the runs of the time ratio, and the
 * time one checkpoint costs.
 *
 *   bench_async_policy [reps] [offset_ms]      (defaults 5 and 0.5)
 */
#include "mtl.h"
#include "solvers/solvers.h" /* method fits, batch solver (private) */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void die(const char *what) {
  fprintf(stderr, "CHECK FAILED: %s: %s\n", what, mtl_last_error());
  exit(1);
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, cmp);
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* Seconds to reach target along the trace (NaN if never). */
static double time_to(const mtl_async_info *in, double target) {
  for (int i = 0; i < in->nrecords; i++)
    if (in->rec_obj[i] <= target)
      return in->rec_time[i];
  return NAN;
}

enum { SMTL, AUTO, KM1, THM1, NCONF };
static const char *const conf_name[NCONF] = {"SMTL", "async, default (auto)",
                                             "async, KM step 1",
                                             "async, Theorem 1"};

/* The delay settings: stragglers (10x slower), exponential jitter. */
typedef struct setting {
  const char *name;
  int stragglers, heavy;
} setting;
static const setting settings[] = {
    {"uniform, no straggler", 0, 0},
    {"uniform, one 10x straggler", 1, 0},
    {"uniform, three 10x stragglers", 3, 0},
    {"heavy-tailed (exponential), no straggler", 0, 1},
};
#define NSET (int)(sizeof settings / sizeof *settings)

static double run(const mtl_dataset *ds, const mtl_problem_params *pp,
                  int conf, double off, const setting *st, uint64_t seed,
                  double target, double fopt) {
  int d = mtl_dataset_dim(ds), T = mtl_dataset_ntasks(ds);
  double *W = calloc((size_t)d * T, sizeof(double));
  mtl_async_params ap;
  mtl_async_params_init(&ap);
  ap.mode = conf == SMTL ? MTL_ASYNC_SMTL : MTL_ASYNC_AMTL;
  ap.km_step = conf == KM1 ? 1.0 : 0;
  ap.step = conf == THM1 ? MTL_ASYNC_STEP_THEOREM1 : MTL_ASYNC_STEP_AUTO;
  ap.max_iter = 3000;
  ap.tol = 1e-9;
  ap.delay_ms = off;
  ap.jitter_ms = off / 2;
  ap.stragglers = st->stragglers;
  ap.straggle = 10;
  ap.jitter_exp = st->heavy;
  ap.seed = seed;
  ap.record_every = T / 2;
  mtl_async_info in;
  if (mtl_async_fit(ds, pp, &ap, W, &in) < 0 || !W)
    die(conf_name[conf]);
  double t = time_to(&in, target);
  if (!(in.objective >= fopt * (1 - 1e-9)))
    die("an objective below the certified optimum");
  mtl_async_info_clear(&in);
  free(W);
  return t;
}

/* Seconds of one fit by name (400 updates per task), with a checkpoint
 * file (every: checkpoint_every; 0 = the default, by wall time) or none;
 * *written: the checkpoints written. */
static double timed_fit(const mtl_dataset *ds, const char *method,
                        const char *ckpt, const char *every,
                        double *written) {
  mtl_params *p = mtl_params_create(method);
  if (!p || mtl_params_set(p, "reg", "trace") ||
      mtl_params_set(p, "lambda", "0.1") ||
      mtl_params_set(p, "ridge", "0.01") ||
      mtl_params_set(p, "max_iter", "400") || mtl_params_set(p, "tol", "0") ||
      mtl_params_set(p, "checkpoint", ckpt ? ckpt : "") ||
      mtl_params_set(p, "checkpoint_every", every))
    die("parameters");
  mtl_model *m = NULL;
  mtl_fit_info *in = NULL;
  if (mtl_fit(ds, p, NULL, &m, &in) < 0)
    die(method);
  double sec = mtl_fit_info_number(in, "seconds");
  *written = ckpt ? mtl_fit_info_number(in, "checkpoints_written") : 0;
  mtl_model_free(m);
  mtl_fit_info_free(in);
  mtl_params_free(p);
  return sec;
}

/* The cost of checkpoints: at the default interval (by wall time, 30 s)
 * and every 100 units, with the cost of one checkpoint. */
static void checkpoint_cost(const mtl_dataset *ds, int reps) {
  const char *ck = "/tmp/bench_async_policy.ckpt";
  printf("\n| method | interval | checkpoints | median seconds, none | "
         "with | median ratio | ms per checkpoint |\n"
         "|---|---|---|---|---|---|---|\n");
  for (int m = 0; m < 2; m++)
    for (int e = 0; e < 2; e++) {
      const char *method = m ? "async" : "smtl", *every = e ? "100" : "0";
      double a[64], b[64], r[64], per[64], w = 0;
      int n = reps < 64 ? reps : 64;
      for (int i = 0; i < n; i++) {
        double w0;
        a[i] = timed_fit(ds, method, NULL, every, &w0);
        b[i] = timed_fit(ds, method, ck, every, &w);
        r[i] = b[i] / a[i];
        per[i] = w > 0 ? 1e3 * (b[i] - a[i]) / w : 0;
      }
      printf("| %s | %s | %.0f | %.3f | %.3f | %.3f | %.2f |\n", method,
             e ? "100 units" : "default (30 s)", w, median(a, n),
             median(b, n), median(r, n), median(per, n));
    }
  remove(ck);
}

int main(int argc, char **argv) {
  int reps = argc > 1 ? atoi(argv[1]) : 5;
  double off = argc > 2 ? atof(argv[2]) : 0.5;
  mtl_gen_params g;
  mtl_gen_params_init(&g);
  g.kind = MTL_GEN_LOWRANK;
  g.T = 10;
  g.d = 50;
  g.n = 100;
  g.rank = 3;
  g.noise = 0.5;
  g.seed = 12;
  mtl_dataset *ds = NULL;
  if (mtl_generate(&g, &ds, NULL))
    die("generate");
  mtl_problem_params pp;
  mtl_problem_params_init(&pp);
  pp.reg.type = MTL_REG_TRACE;
  pp.reg.lambda = 0.1;
  pp.reg.ridge = 0.01;
  mtl_problem *pb = NULL;
  if (mtl_problem_create(ds, &pp, &pb))
    die("problem");
  mtl_solver_params sp;
  mtl_solver_params_init(&sp);
  sp.max_iter = 100000;
  sp.tol_obj = 0;
  sp.tol_gap = 1e-13;
  double *W = calloc((size_t)50 * 10, sizeof(double));
  mtl_solve_info si;
  if (mtl_solve(pb, &sp, W, &si) != MTL_CONVERGED)
    die("FISTA");
  double fopt = si.objective, target = fopt * (1 + 1e-4);
  printf("# 10 tasks, 10 nodes, d = 50, n = 100, trace norm; delays %.2f + "
         "U(0, %.2f) ms per send; F* = %.12g (certified); %d paired runs; "
         "time to F*(1+1e-4)\n\n",
         off, off / 2, fopt, reps);
  printf("| setting | method | median seconds | median ratio to SMTL |\n"
         "|---|---|---|---|\n");
  for (int k = 0; k < NSET; k++) {
    double t[NCONF][64], ratio[NCONF][64];
    for (int r = 0; r < reps && r < 64; r++)
      for (int c = 0; c < NCONF; c++) {
        t[c][r] = run(ds, &pp, c, off, &settings[k], 100 + (uint64_t)r,
                      target, fopt);
        ratio[c][r] = t[c][r] / t[SMTL][r];
      }
    for (int c = 0; c < NCONF; c++) {
      int n = reps < 64 ? reps : 64, miss = 0;
      for (int r = 0; r < n; r++) /* not reached: last in the order */
        if (isnan(t[c][r])) {
          t[c][r] = ratio[c][r] = INFINITY;
          miss++;
        }
      double ms = median(t[c], n), mr = median(ratio[c], n);
      if (isinf(ms))
        printf("| %s | %s | not reached in %d of %d runs | - |\n",
               settings[k].name, conf_name[c], miss, n);
      else
        printf("| %s | %s | %.3f | %.2f |\n", settings[k].name,
               conf_name[c], ms, mr);
    }
  }
  checkpoint_cost(ds, reps);
  free(W);
  mtl_problem_free(pb);
  mtl_dataset_free(ds);
  return 0;
}
