/*
 * fuzz_common.h -- what every harness of fuzz/ shares: the input written to
 * a file in a private temporary directory (the readers take paths), removed
 * after each run; the directory itself is removed at exit.  Nothing is
 * written outside it.
 */
#ifndef MTL_FUZZ_COMMON_H
#define MTL_FUZZ_COMMON_H

#include <mtl.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char fz_dir[512];

static inline void fz_rmdir(void) {
  if (fz_dir[0])
    rmdir(fz_dir);
}

/* The path of `name` in the private directory (made on first use). */
static inline const char *fz_path(const char *name) {
  static char path[600];
  if (!fz_dir[0]) {
    const char *t = getenv("TMPDIR");
    snprintf(fz_dir, sizeof fz_dir, "%s/mtl-fuzz-XXXXXX", t && *t ? t : "/tmp");
    if (!mkdtemp(fz_dir)) {
      perror("mtl fuzz: mkdtemp");
      abort();
    }
    atexit(fz_rmdir);
  }
  snprintf(path, sizeof path, "%s/%s", fz_dir, name);
  return path;
}

/* Writes len bytes to `name` in the private directory; returns its path
 * (valid until the next call). */
static inline const char *fz_write(const char *name, const void *data,
                                   size_t len) {
  const char *p = fz_path(name);
  FILE *f = fopen(p, "wb");
  if (!f || (len && fwrite(data, 1, len, f) != len) || fclose(f) != 0) {
    perror("mtl fuzz: cannot write the input file");
    abort();
  }
  return p;
}

static inline void fz_fail(const char *what, int t) {
  fprintf(stderr, "mtl fuzz: task %d: %s\n", t + 1, what);
  abort();
}

/* The invariants of a dataset a reader returns: tasks with samples, finite
 * labels, CSR arrays that are consistent and inside the dimension, and
 * every row readable (ASan sees any buffer too short). */
static inline void fz_check_dataset(const mtl_dataset *ds) {
  int T = mtl_dataset_ntasks(ds), d = mtl_dataset_dim(ds);
  if (T < 1 || d < 1)
    fz_fail("dataset without tasks or features", -1);
  double *x = d <= 1 << 16 ? malloc((size_t)d * sizeof *x) : NULL;
  for (int t = 0; t < T; t++) {
    int n = mtl_dataset_task_n(ds, t);
    const double *y = mtl_dataset_task_y(ds, t);
    if (n < 1 || !y)
      fz_fail("no samples", t);
    for (int i = 0; i < n; i++)
      if (!(y[i] - y[i] == 0))
        fz_fail("label not finite", t);
    const int64_t *ip;
    const int32_t *ix;
    const double *v;
    int64_t nnz;
    if (mtl_dataset_task_is_sparse(ds, t) &&
        mtl_dataset_get_task_csr(ds, t, &ip, &ix, &v, &nnz) == MTL_OK) {
      if (ip[0] != 0 || ip[n] != nnz)
        fz_fail("CSR row pointers do not span the entries", t);
      for (int i = 0; i < n; i++)
        if (ip[i + 1] < ip[i])
          fz_fail("CSR row pointers decrease", t);
      for (int64_t k = 0; k < nnz; k++)
        if (ix[k] < 0 || ix[k] >= d || !(v[k] - v[k] == 0))
          fz_fail("CSR entry out of range or not finite", t);
    }
    for (int i = 0; x && i < n; i++)
      if (mtl_dataset_get_row(ds, t, i, x) != MTL_OK)
        fz_fail("row cannot be read", t);
  }
  free(x);
}

/* Reads path as a dataset with the options string opts, checks and frees
 * it. */
static inline void fz_read_dataset(const char *path, const char *opts) {
  mtl_dataset *ds = NULL;
  if (mtl_dataset_read_opts(path, opts, &ds) == MTL_OK)
    fz_check_dataset(ds);
  else if (ds)
    fz_fail("error with a dataset returned", -1);
  mtl_dataset_free(ds);
}

#endif
