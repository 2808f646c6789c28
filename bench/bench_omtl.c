/*
 * bench_omtl.c -- experiments for online multi-task relationship learning
 * via ADMM (Li et al. 2024), bench/omtl/RESULTS.md.
 *
 *   bench_omtl table NAME DATA OUTDIR [--preset paper|code|authors] [--eps X]
 *         [--variant exact|paper] [--target ACC] [--seed S] [--rounds R]
 *         [--no-normalize] [--authors]  (flags last, after the pairs;
 *         --authors: score 0 predicts +1 and the loss step is taken on
 *         mistakes only, as the authors' code)
 *       DATA: a dataset file (.npz/.mat), "gen" (the paper's generator,
 *       K = 5, n = 10000), or "kang:PATH" (Kang et al. one-vs-rest, train
 *       split).  Runs every method on the same seeded replay and prints the
 *       Table 2 (final averaged cumulative error), Table 3 (rounds from which
 *       the cumulative accuracy stays >= ACC, mean ms per round) and Table 4
 *       (with / without relationship learning) rows; writes OUTDIR/
 *       NAME_avg.csv (every method's averaged curve, ~200 rows),
 *       NAME_cadmm_tasks.csv (C-ADMM per task, ~100 rows), NAME_curves.svg,
 *       NAME_omega.svg and NAME_cadmm.model.
 *   bench_omtl speed [--rounds R]
 *       per-round time of C-ADMM for K = 5, d = 512 (microseconds) and
 *       instances/second for K = 5, 29, 100 (d = 512) for C-ADMM, D-ADMM
 *       (full graph for K <= 29, ring), ADMM-Single and OGD as the peer.
 *
 * Every run is checked before it is reported: the learner must beat chance
 * on the speed streams (linearly separable up to 5% label noise), and
 * D-ADMM on the full graph must make C-ADMM's predictions.  Only mtl.h is
 * used.
 */
#include "mtl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(const char *what) {
  fprintf(stderr, "bench_omtl: %s: %s\n", what, mtl_last_error());
  return 1;
}

typedef struct {
  const char *label;
  mtl_omtl_method method;
  mtl_graph_kind topo;
  int learn;
  int async;
} job;

static const job jobs[] = {
    {"ADMM-Single", MTL_OMTL_SINGLE, MTL_GRAPH_RING, 1, 0},
    {"OGD (per task)", MTL_OMTL_OGD, MTL_GRAPH_RING, 1, 0},
    {"D-PSGD (Ring)", MTL_OMTL_DPSGD, MTL_GRAPH_RING, 1, 0},
    {"D-PSGD (Full-Conn)", MTL_OMTL_DPSGD, MTL_GRAPH_FULL, 1, 0},
    {"C-ADMM", MTL_OMTL_CADMM, MTL_GRAPH_RING, 1, 0},
    {"D-ADMM (Ring)", MTL_OMTL_DADMM, MTL_GRAPH_RING, 1, 0},
    {"D-ADMM (Full-Conn)", MTL_OMTL_DADMM, MTL_GRAPH_FULL, 1, 0},
    {"C-ADMM W/O RL", MTL_OMTL_CADMM, MTL_GRAPH_RING, 0, 0},
    {"D-ADMM (Ring) W/O RL", MTL_OMTL_DADMM, MTL_GRAPH_RING, 0, 0},
    {"D-ADMM (Full-Conn) W/O RL", MTL_OMTL_DADMM, MTL_GRAPH_FULL, 0, 0},
    {"D-ADMM (Ring) async", MTL_OMTL_DADMM, MTL_GRAPH_RING, 1, 1},
    {"D-ADMM (Full-Conn) async", MTL_OMTL_DADMM, MTL_GRAPH_FULL, 1, 1},
};
#define NJOBS (int)(sizeof jobs / sizeof jobs[0])

/* First round from which 1 - err_avg stays >= target to the end (-1 if
 * never), 1-based. */
static long rounds_to(const mtl_omtl_result *r, double target) {
  long first = -1;
  for (int64_t t = r->rounds - 1; t >= 0; t--) {
    if (1 - r->err_avg[t] >= target)
      first = (long)t + 1;
    else
      break;
  }
  return first;
}

static int load(const char *data, mtl_dataset **ds) {
  if (strcmp(data, "gen") == 0)
    return mtl_omtl_gen_synthetic(5, 10000, 0.1, 2024, ds);
  mtl_read_params rp;
  mtl_read_params_init(&rp);
  if (strncmp(data, "kang:", 5) == 0) {
    rp.layout = MTL_LAYOUT_ONEVSREST;
    rp.x_var = "digit_trainx";
    rp.y_var = "digit_trainy";
    data += 5;
  }
  return mtl_dataset_read(data, &rp, ds);
}

static int cmd_table(int argc, char **argv) {
  if (argc < 5)
    return fprintf(stderr, "usage: bench_omtl table NAME DATA OUTDIR ...\n"),
           2;
  const char *name = argv[2], *data = argv[3], *out = argv[4];
  const char *preset = "paper";
  int variant = MTL_OMTL_EXACT;
  double target = 0.7;
  uint64_t seed = 1;
  long rounds = 0;
  double eps = 1e-8;
  int normalize = 1, authors = 0;
  for (int i = 5; i < argc; i++) {
    if (!strcmp(argv[i], "--no-normalize"))
      normalize = 0;
    if (!strcmp(argv[i], "--authors"))
      authors = 1;
  }
  for (int i = 5; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--preset"))
      preset = argv[i + 1];
    else if (!strcmp(argv[i], "--variant"))
      variant = !strcmp(argv[i + 1], "paper") ? MTL_OMTL_PAPER : MTL_OMTL_EXACT;
    else if (!strcmp(argv[i], "--target"))
      target = atof(argv[i + 1]);
    else if (!strcmp(argv[i], "--seed"))
      seed = strtoull(argv[i + 1], NULL, 10);
    else if (!strcmp(argv[i], "--rounds"))
      rounds = atol(argv[i + 1]);
    else if (!strcmp(argv[i], "--eps"))
      eps = atof(argv[i + 1]);
  }
  mtl_dataset *ds = NULL;
  if (load(data, &ds))
    return fail(data);
  int K = mtl_dataset_ntasks(ds);
  printf("## %s: K = %d, d = %d, %lld samples, preset %s, variant %s, "
         "replay seed %llu, normalize %d, authors' protocol %d\n\n",
         name, K, mtl_dataset_dim(ds), (long long)mtl_dataset_total_n(ds),
         preset, variant == MTL_OMTL_EXACT ? "exact" : "paper",
         (unsigned long long)seed, normalize, authors);
  printf("| method | final avg cumulative error | rounds to acc >= %.2f | "
         "mean ms/round | total s |\n|---|---|---|---|---|\n",
         target);
  mtl_omtl_result res[NJOBS];
  memset(res, 0, sizeof res);
  int rc = 0;
  for (int j = 0; j < NJOBS; j++) {
    mtl_omtl_params p;
    mtl_omtl_params_init(&p);
    if (mtl_omtl_params_preset(&p, preset))
      return fail("preset");
    p.method = jobs[j].method;
    p.topology = jobs[j].topo;
    p.learn_omega = jobs[j].learn;
    p.async = jobs[j].async;
    p.variant = variant;
    p.eps = eps;
    p.normalize = normalize;
    p.zero_positive = p.mistake_driven = authors;
    p.max_rounds = rounds;
    p.record_predictions = 1;
    mtl_stream *s = NULL;
    if (mtl_stream_from_dataset(ds, seed, &s) ||
        mtl_omtl_run(s, &p, NULL, &res[j])) {
      rc = fail(jobs[j].label);
      mtl_stream_free(s);
      break;
    }
    mtl_stream_free(s);
    const mtl_omtl_result *r = &res[j];
    double ms = 0;
    for (int64_t t = 0; t < r->rounds; t++)
      ms += r->round_sec[t];
    ms = 1e3 * ms / (double)r->rounds;
    long rt = rounds_to(r, target);
    char rts[32];
    snprintf(rts, sizeof rts, rt < 0 ? "never" : "%ld", rt);
    printf("| %s | %.3f | %s | %.3f | %.2f |\n", jobs[j].label,
           r->err_avg[r->rounds - 1], rts, ms, r->seconds);
  }
  if (!rc) {
    /* curves: all methods' averaged error (about 200 rows), and C-ADMM's
     * per-task curves (about 100 rows) */
    char path[512];
    snprintf(path, sizeof path, "%s/%s_avg.csv", out, name);
    FILE *f = fopen(path, "w");
    if (!f)
      return fail(path);
    fprintf(f, "round");
    for (int j = 0; j < NJOBS; j++)
      fprintf(f, ",%s", jobs[j].label);
    fprintf(f, "\n");
    int64_t R = res[0].rounds, stride = R / 200 > 0 ? R / 200 : 1;
    for (int64_t t = 0; t < R; t++) {
      if ((t + 1) % stride && t != R - 1)
        continue;
      fprintf(f, "%lld", (long long)(t + 1));
      for (int j = 0; j < NJOBS; j++)
        fprintf(f, ",%.5f", t < res[j].rounds ? res[j].err_avg[t] : NAN);
      fprintf(f, "\n");
    }
    fclose(f);
    snprintf(path, sizeof path, "%s/%s_cadmm_tasks.csv", out, name);
    if (mtl_omtl_write_csv(&res[4], path, (int)(R / 100 > 0 ? R / 100 : 1)))
      return fail(path);
  }
  if (!rc) {
    /* check: D-ADMM (Full-Conn) makes C-ADMM's predictions */
    size_t n = (size_t)res[4].rounds * K;
    int same = res[4].rounds == res[6].rounds &&
               !memcmp(res[4].pred, res[6].pred, n);
    int same2 = res[7].rounds == res[9].rounds &&
                !memcmp(res[7].pred, res[9].pred, n);
    printf("\ncheck: D-ADMM (Full-Conn) predictions identical to C-ADMM: "
           "%s (with RL), %s (W/O RL)\n",
           same ? "yes" : "NO", same2 ? "yes" : "NO");
    if (!same || !same2)
      rc = 1;
    const mtl_omtl_result *pl[7];
    const char *lb[7];
    for (int j = 0; j < 7; j++) {
      pl[j] = &res[j];
      lb[j] = jobs[j].label;
    }
    char path[512], title[256];
    snprintf(path, sizeof path, "%s/%s_curves.svg", out, name);
    snprintf(title, sizeof title, "%s: averaged cumulative error", name);
    if (mtl_omtl_write_svg(pl, lb, 7, title, path))
      rc = fail(path);
    snprintf(path, sizeof path, "%s/%s_omega.svg", out, name);
    snprintf(title, sizeof title, "%s: C-ADMM final Omega", name);
    if (mtl_omtl_write_heatmap(res[4].Omega, K, title, path))
      rc = fail(path);
    snprintf(path, sizeof path, "%s/%s_cadmm.model", out, name);
    mtl_omtl_params p;
    mtl_omtl_params_init(&p);
    mtl_omtl_params_preset(&p, preset);
    p.variant = variant;
    mtl_model *m = NULL;
    if (mtl_omtl_to_model(&res[4], &p, &m) || mtl_model_save(m, path))
      rc = fail(path);
    mtl_model_free(m);
  }
  for (int j = 0; j < NJOBS; j++)
    mtl_omtl_result_clear(&res[j]);
  mtl_dataset_free(ds);
  printf("\n");
  return rc;
}

/* Random linearly separable stream: w* ~ N(0, I) shared + 0.5 N(0, I) per
 * task, x ~ N(0, I), y = sign(w_k* . x), 5% labels flipped. */
static mtl_dataset *speed_data(int K, int d, int n, uint64_t seed) {
  mtl_gen_params gp;
  mtl_gen_params_init(&gp);
  gp.kind = MTL_GEN_MEAN;
  gp.T = K;
  gp.d = d;
  gp.n = n;
  gp.classification = 1;
  gp.noise = 0.1;
  gp.deviation = 0.5;
  gp.seed = seed;
  mtl_dataset *ds = NULL;
  if (mtl_generate(&gp, &ds, NULL))
    return NULL;
  return ds;
}

static int cmd_speed(int argc, char **argv) {
  long rounds = 400;
  for (int i = 2; i + 1 < argc; i += 2)
    if (!strcmp(argv[i], "--rounds"))
      rounds = atol(argv[i + 1]);
  const char *env = getenv("OPENBLAS_NUM_THREADS");
  printf("## speed (d = 512, %ld rounds, OPENBLAS_NUM_THREADS=%s)\n\n",
         rounds, env ? env : "(unset)");
  printf("| K | method | mean us/round | median us/round | instances/s | "
         "final error |\n|---|---|---|---|---|---|\n");
  int Ks[3] = {5, 29, 100};
  int rc = 0;
  for (int ki = 0; ki < 3 && !rc; ki++) {
    int K = Ks[ki];
    mtl_dataset *ds = speed_data(K, 512, (int)rounds, 7);
    if (!ds)
      return fail("speed data");
    struct {
      const char *label;
      mtl_omtl_method m;
      mtl_graph_kind g;
    } ms[] = {{"C-ADMM", MTL_OMTL_CADMM, MTL_GRAPH_RING},
              {"D-ADMM (Full-Conn)", MTL_OMTL_DADMM, MTL_GRAPH_FULL},
              {"D-ADMM (Ring)", MTL_OMTL_DADMM, MTL_GRAPH_RING},
              {"ADMM-Single", MTL_OMTL_SINGLE, MTL_GRAPH_RING},
              {"OGD (peer)", MTL_OMTL_OGD, MTL_GRAPH_RING}};
    for (int j = 0; j < 5; j++) {
      if (ms[j].m == MTL_OMTL_DADMM && K > 29)
        continue; /* every node forms its own K x K Omega: see RESULTS */
      mtl_omtl_params p;
      mtl_omtl_params_init(&p);
      p.method = ms[j].m;
      p.topology = ms[j].g;
      mtl_stream *s = NULL;
      mtl_omtl_result r;
      if (mtl_stream_from_dataset(ds, 1, &s) || mtl_omtl_run(s, &p, NULL, &r)) {
        rc = fail(ms[j].label);
        mtl_stream_free(s);
        break;
      }
      mtl_stream_free(s);
      double e = r.err_avg[r.rounds - 1];
      if (!(e < 0.45)) {
        fprintf(stderr, "CHECK FAILED: %s K=%d error %.3f not below 0.45\n",
                ms[j].label, K, e);
        rc = 1;
      }
      /* skip the first 10% (warm-up: page faults, thread start) */
      int64_t t0 = r.rounds / 10, n = r.rounds - t0;
      double sum = 0;
      double *v = malloc((size_t)n * sizeof(double));
      for (int64_t t = t0; t < r.rounds; t++) {
        sum += r.round_sec[t];
        v[t - t0] = r.round_sec[t];
      }
      for (int64_t a = 1; a < n; a++) /* insertion sort, n small */
        for (int64_t b = a; b > 0 && v[b] < v[b - 1]; b--) {
          double tmp = v[b];
          v[b] = v[b - 1];
          v[b - 1] = tmp;
        }
      double mean = sum / (double)n, med = v[n / 2];
      free(v);
      printf("| %d | %s | %.1f | %.1f | %.0f | %.3f |\n", K, ms[j].label,
             1e6 * mean, 1e6 * med, (double)K / mean, e);
      mtl_omtl_result_clear(&r);
    }
    mtl_dataset_free(ds);
  }
  printf("\n");
  return rc;
}

int main(int argc, char **argv) {
  if (argc >= 2 && !strcmp(argv[1], "table"))
    return cmd_table(argc, argv);
  if (argc >= 2 && !strcmp(argv[1], "speed"))
    return cmd_speed(argc, argv);
  fprintf(stderr, "usage: bench_omtl table NAME DATA OUTDIR [opts] | speed "
                  "[--rounds R]\n");
  return 2;
}
