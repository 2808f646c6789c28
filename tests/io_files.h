/*
 * io_files.h -- small data files written by the reader tests at run time
 * (text, .npz through libzip, .mat through matio), in a temporary folder
 * the test makes (tmpdir).  Shared by test_io.c and test_io_formats.c.
 */
#ifndef MTL_TEST_IO_FILES_H
#define MTL_TEST_IO_FILES_H

#include <matio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

static char tmpdir[256];

static inline const char *tpath(const char *name) {
  static char buf[8][512];
  static int k = 0;
  k = (k + 1) % 8;
  snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir, name);
  return buf[k];
}

static inline const char *write_file(const char *name, const char *text) {
  const char *p = tpath(name);
  FILE *f = fopen(p, "wb");
  if (!f) {
    perror(p);
    exit(1);
  }
  fputs(text, f);
  fclose(f);
  return p;
}

/* Makes tmpdir, $TMPDIR/mtl_test_<tag>_XXXXXX (or under /tmp); exits 1
 * when it cannot. */
static inline void tmpdir_make(const char *tag) {
  const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
  snprintf(tmpdir, sizeof tmpdir, "%s/mtl_test_%s_XXXXXX", base, tag);
  if (!mkdtemp(tmpdir)) {
    perror("mkdtemp");
    exit(1);
  }
}

/* Removes tmpdir and everything in it. */
static inline void tmpdir_remove(void) {
  char cmd[700];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
  if (system(cmd) != 0)
    fprintf(stderr, "could not remove %s\n", tmpdir);
}

/* ---- .npy / .npz builders ------------------------------------------------ */

typedef struct member {
  const char *name;  /* without .npy */
  const char *descr; /* e.g. "<f8" */
  const char *shape; /* e.g. "(5, 2)" */
  int fortran;
  const void *data;
  size_t nbytes;
} member;

static inline unsigned char *npy_bytes(const member *m, size_t *len) {
  char hdr[256];
  int h = snprintf(hdr, sizeof hdr,
                   "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }",
                   m->descr, m->fortran ? "True" : "False", m->shape);
  int total = 10 + h + 1;
  int pad = (64 - total % 64) % 64;
  int hl = h + pad + 1;
  *len = 10 + (size_t)hl + m->nbytes;
  unsigned char *b = malloc(*len);
  memcpy(b, "\x93NUMPY\x01\x00", 8);
  b[8] = (unsigned char)(hl & 0xff);
  b[9] = (unsigned char)(hl >> 8);
  memcpy(b + 10, hdr, (size_t)h);
  memset(b + 10 + h, ' ', (size_t)pad);
  b[10 + h + pad] = '\n';
  if (m->nbytes)
    memcpy(b + 10 + hl, m->data, m->nbytes);
  return b;
}

static inline const char *write_npz(const char *name, const member *ms, int n) {
  const char *p = tpath(name);
  int err;
  zip_t *z = zip_open(p, ZIP_CREATE | ZIP_TRUNCATE, &err);
  if (!z) {
    fprintf(stderr, "zip_open %s failed\n", p);
    exit(1);
  }
  for (int k = 0; k < n; k++) {
    size_t len;
    unsigned char *b = npy_bytes(&ms[k], &len);
    char nm[128];
    snprintf(nm, sizeof nm, "%s.npy", ms[k].name);
    zip_source_t *src = zip_source_buffer(z, b, len, 1);
    if (!src || zip_file_add(z, nm, src, ZIP_FL_OVERWRITE) < 0) {
      fprintf(stderr, "zip_file_add failed\n");
      exit(1);
    }
  }
  if (zip_close(z) != 0) {
    fprintf(stderr, "zip_close failed\n");
    exit(1);
  }
  return p;
}

/* ---- .mat builders (matio) ----------------------------------------------- */

static inline matvar_t *mdouble(const char *name, size_t r, size_t c,
                         const double *data) {
  size_t dims[2] = {r, c};
  return Mat_VarCreate(name, MAT_C_DOUBLE, MAT_T_DOUBLE, 2, dims,
                       (void *)data, 0);
}

static inline matvar_t *mcell(const char *name, int n, matvar_t **cells) {
  size_t dims[2] = {1, (size_t)n};
  return Mat_VarCreate(name, MAT_C_CELL, MAT_T_CELL, 2, dims, cells, 0);
}

static inline const char *write_mat_ver(const char *name, matvar_t **vars, int n,
                                 enum mat_ft ver) {
  const char *p = tpath(name);
  mat_t *m = Mat_CreateVer(p, NULL, ver);
  if (!m) {
    fprintf(stderr, "Mat_CreateVer %s failed\n", p);
    exit(1);
  }
  for (int k = 0; k < n; k++) {
    if (Mat_VarWrite(m, vars[k], MAT_COMPRESSION_NONE) != 0) {
      fprintf(stderr, "Mat_VarWrite failed\n");
      exit(1);
    }
    Mat_VarFree(vars[k]);
  }
  Mat_Close(m);
  return p;
}

static inline const char *write_mat(const char *name, matvar_t **vars, int n) {
  return write_mat_ver(name, vars, n, MAT_FT_MAT5);
}

#endif /* MTL_TEST_IO_FILES_H */
