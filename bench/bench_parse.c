/*
 * bench_parse.c -- the text and CSV readers' speed (bench/run_parse.sh).
 *
 *   bench_parse FILE [--reps N] [--csv CSVFILE]
 *
 * Reads FILE (text format) with mtl_dataset_read, best of N (default 3),
 * and prints MB/s of wall and CPU time.  The peer, measured in the same
 * run: a plain getline + strtod pass over the same file that converts
 * every number and stores nothing (the floor of the reader this one
 * replaced, which was bound by strtod).  Before any time is printed, the
 * dataset is checked against that pass: the sum of all labels and feature
 * values, taken in file order by both, must be equal bit for bit, and so
 * must the counts.  With --csv, the dataset is also written as CSV to
 * CSVFILE and read back through the CSV reader (timed the same way,
 * checked equal to the text read bit for bit).
 */
#include "mtl.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static double wall(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double cpu(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void fail(const char *what) {
  fprintf(stderr, "CHECK FAILED: %s\n", what);
  exit(1);
}

/* The peer pass: every number of every sample line through strtod, summed
 * per line in file order (labels, then values); lines counted. */
static void strtod_pass(const char *path, double *sum, long *lines,
                        long *values) {
  FILE *f = fopen(path, "r");
  if (!f)
    fail("cannot open the data file");
  char *line = NULL, *e;
  size_t cap = 0;
  *sum = 0;
  *lines = *values = 0;
  while (getline(&line, &cap, f) != -1) {
    char *q = line;
    if (*q == '#' || *q == '\n')
      continue;
    q = strchr(q, ' '); /* past the task */
    if (!q)
      continue;
    *sum += strtod(q, &e); /* the label */
    (*lines)++;
    for (q = e; (q = strchr(q, ':')); q = e) {
      *sum += strtod(q + 1, &e);
      (*values)++;
    }
  }
  free(line);
  fclose(f);
}

/* The same sum over a dataset: per task in order, per sample the label
 * then the nonzero features in index order (= file order for files the
 * writer made, whose lines are grouped by task). */
static double dataset_sum(const mtl_dataset *ds, long *values) {
  int d = mtl_dataset_dim(ds);
  double *x = malloc((size_t)d * sizeof *x), s = 0;
  *values = 0;
  for (int t = 0; t < mtl_dataset_ntasks(ds); t++) {
    const double *y = mtl_dataset_task_y(ds, t);
    for (int i = 0; i < mtl_dataset_task_n(ds, t); i++) {
      s += y[i];
      mtl_dataset_get_row(ds, t, i, x);
      for (int j = 0; j < d; j++)
        if (x[j] != 0) {
          s += x[j];
          (*values)++;
        }
    }
  }
  free(x);
  return s;
}

/* Best-of-reps read of path; returns the dataset of the last read. */
static mtl_dataset *timed_read(const char *path, const char *opts, int reps,
                               double *best_wall, double *best_cpu) {
  mtl_dataset *ds = NULL;
  *best_wall = *best_cpu = INFINITY;
  for (int r = 0; r < reps; r++) {
    mtl_dataset_free(ds);
    ds = NULL;
    double w0 = wall(), c0 = cpu();
    if (mtl_dataset_read_opts(path, opts, &ds) < 0) {
      fprintf(stderr, "%s\n", mtl_last_error());
      fail("read failed");
    }
    double w = wall() - w0, c = cpu() - c0;
    *best_wall = w < *best_wall ? w : *best_wall;
    *best_cpu = c < *best_cpu ? c : *best_cpu;
  }
  return ds;
}

static void write_csv(const mtl_dataset *ds, const char *path) {
  FILE *f = fopen(path, "w");
  int d = mtl_dataset_dim(ds);
  double *x = malloc((size_t)d * sizeof *x);
  if (!f || !x)
    fail("cannot write the CSV file");
  fprintf(f, "task,label");
  for (int j = 0; j < d; j++)
    fprintf(f, ",x%d", j + 1);
  fputc('\n', f);
  for (int t = 0; t < mtl_dataset_ntasks(ds); t++)
    for (int i = 0; i < mtl_dataset_task_n(ds, t); i++) {
      mtl_dataset_get_row(ds, t, i, x);
      fprintf(f, "%d,%.17g", t + 1, mtl_dataset_task_y(ds, t)[i]);
      for (int j = 0; j < d; j++)
        fprintf(f, x[j] != 0 ? ",%.17g" : ",0", x[j]);
      fputc('\n', f);
    }
  free(x);
  if (fclose(f) != 0)
    fail("cannot write the CSV file");
}

static double file_mb(const char *path) {
  struct stat st;
  if (stat(path, &st) != 0)
    fail("cannot stat a data file");
  return (double)st.st_size / 1e6;
}

int main(int argc, char **argv) {
  const char *path = NULL, *csv = NULL;
  int reps = 3;
  for (int k = 1; k < argc; k++) {
    if (!strcmp(argv[k], "--reps") && k + 1 < argc)
      reps = atoi(argv[++k]);
    else if (!strcmp(argv[k], "--csv") && k + 1 < argc)
      csv = argv[++k];
    else
      path = argv[k];
  }
  if (!path || reps < 1) {
    fprintf(stderr, "usage: bench_parse FILE [--reps N] [--csv CSVFILE]\n");
    return 2;
  }
  double mb = file_mb(path), w, c, ref, pw, pc;
  long lines, values, got;
  double w0 = wall(), c0 = cpu();
  strtod_pass(path, &ref, &lines, &values);
  pw = wall() - w0;
  pc = cpu() - c0;
  mtl_dataset *ds = timed_read(path, "", reps, &w, &c);
  double s = dataset_sum(ds, &got);
  if (mtl_dataset_total_n(ds) != lines || got != values)
    fail("the dataset's counts differ from the strtod pass");
  if (memcmp(&s, &ref, sizeof s) != 0)
    fail("the dataset's values differ from strtod's (checksum)");
  long long N = mtl_dataset_total_n(ds);
  int d = mtl_dataset_dim(ds);
  printf("file: %s, %.1f MB, T=%d, N=%lld, d=%d, %ld values; values "
         "checked equal to strtod's (checksum %.17g)\n",
         path, mb, mtl_dataset_ntasks(ds), N, d, values, s);
  printf("  text reader (mtl_dataset_read), best of %d: %7.3f s wall "
         "%7.1f MB/s | %7.3f s CPU %7.1f MB/s\n",
         reps, w, mb / w, c, mb / c);
  printf("  peer: getline + strtod, no storage:   %7.3f s wall %7.1f MB/s "
         "| %7.3f s CPU %7.1f MB/s  (reader / peer CPU time %.2f)\n",
         pw, mb / pw, pc, mb / pc, c / pc);
  if (csv) {
    write_csv(ds, csv);
    double cmb = file_mb(csv);
    mtl_dataset *dc = timed_read(csv, "", reps, &w, &c);
    long cv;
    double cs = dataset_sum(dc, &cv);
    if (memcmp(&cs, &s, sizeof s) != 0 || cv != got)
      fail("the CSV read differs from the text read");
    printf("  CSV reader, %.1f MB, best of %d:      %7.3f s wall %7.1f "
           "MB/s | %7.3f s CPU %7.1f MB/s (values equal to the text "
           "read)\n",
           cmb, reps, w, cmb / w, c, cmb / c);
    mtl_dataset_free(dc);
  }
  mtl_dataset_free(ds);
  return 0;
}
