/*
 * test_io.c -- dataset readers and writer.
 *
 * 1. The real benchmark files (../shared/data) are read with default
 *    parameters and checked against values printed by scipy/numpy
 *    (scipy.io.loadmat, numpy.load): T, d, n_t, exact feature values,
 *    labels and their {0,1} -> {-1,+1} / one-vs-rest mapping.
 * 2. Layouts built here with matio's and libzip's write APIs: TASK_ID,
 *    sparse TASK_START, STACKED in Fortran order, CSV, text.
 * 3. write_text / read round trips, bit for bit (dense, CSR, mixed kinds),
 *    and a failed write leaving the target intact.
 * 4. A corpus of malformed inputs, each rejected with its code, the
 *    file:line or variable/cell and the reason, and *out == NULL.
 * Files that need ../shared/data skip (exit 77) only at the end, so the
 * self-made cases always run.
 */
#include "check.h"

#include <dirent.h>
#include <math.h>
#include <matio.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#include "io_files.h"

/* ---- helpers ------------------------------------------------------------- */

static mtl_read_params defp(void) {
  mtl_read_params p;
  mtl_read_params_init(&p);
  return p;
}

/* Reading path must fail with code, and the message must hold both
 * substrings; *out must stay NULL. */
static void expect_fail(const char *path, const mtl_read_params *p, int code,
                        const char *sub1, const char *sub2) {
  mtl_dataset *ds = (mtl_dataset *)&ds; /* poison: must become NULL */
  CHECK_ERR(mtl_dataset_read(path, p, &ds), code);
  CHECK(ds == NULL);
  if (ds && ds != (mtl_dataset *)&ds)
    mtl_dataset_free(ds);
  if (sub1)
    CHECK_MSG(sub1);
  if (sub2)
    CHECK_MSG(sub2);
  if (getenv("MTL_CHECK_VERBOSE"))
    fprintf(stderr, "  rejected: %s\n", mtl_last_error());
}

/* Every task, row, label, kind and name of a and b are identical. */
static void check_same(const mtl_dataset *a, const mtl_dataset *b,
                       int same_storage) {
  CHECK(mtl_dataset_ntasks(a) == mtl_dataset_ntasks(b));
  CHECK(mtl_dataset_dim(a) == mtl_dataset_dim(b));
  if (mtl_dataset_ntasks(a) != mtl_dataset_ntasks(b) ||
      mtl_dataset_dim(a) != mtl_dataset_dim(b))
    return;
  int d = mtl_dataset_dim(a), bad = 0;
  double *x = malloc((size_t)d * sizeof *x), *z = malloc((size_t)d * sizeof *z);
  for (int t = 0; t < mtl_dataset_ntasks(a); t++) {
    int n = mtl_dataset_task_n(a, t);
    CHECK(n == mtl_dataset_task_n(b, t));
    CHECK(mtl_dataset_task_kind(a, t) == mtl_dataset_task_kind(b, t));
    CHECK(strcmp(mtl_dataset_task_name(a, t), mtl_dataset_task_name(b, t)) ==
          0);
    if (same_storage)
      CHECK(mtl_dataset_task_is_sparse(a, t) ==
            mtl_dataset_task_is_sparse(b, t));
    if (n != mtl_dataset_task_n(b, t))
      continue;
    const double *ya = mtl_dataset_task_y(a, t), *yb = mtl_dataset_task_y(b, t);
    for (int i = 0; i < n; i++) {
      bad += memcmp(&ya[i], &yb[i], sizeof(double)) != 0;
      mtl_dataset_get_row(a, t, i, x);
      mtl_dataset_get_row(b, t, i, z);
      bad += memcmp(x, z, (size_t)d * sizeof(double)) != 0;
    }
  }
  CHECK(bad == 0);
  if (bad)
    fprintf(stderr, "  %d rows/labels differ\n", bad);
  free(x);
  free(z);
}

static double row_val(const mtl_dataset *ds, int t, int i, int j) {
  double x[128];
  if (mtl_dataset_dim(ds) > 128 || mtl_dataset_get_row(ds, t, i, x))
    return NAN;
  return x[j];
}

static int count_pos(const mtl_dataset *ds, int t) {
  int c = 0;
  const double *y = mtl_dataset_task_y(ds, t);
  for (int i = 0; i < mtl_dataset_task_n(ds, t); i++)
    c += y[i] == 1.0;
  return c;
}

/* ---- 2. layouts built here ----------------------------------------------- */

static void test_task_id_mat(void) {
  /* X 6 x 2 (samples in rows), y, task ids 3,1,3,2,1,3 */
  double X[12] = {1, 2, 3, 4, 5, 6, /* column 1 */ 10, 20, 30, 40, 50, 60};
  double y[6] = {0.5, 1.5, 2.5, 3.5, 4.5, 5.5};
  double tid[6] = {3, 1, 3, 2, 1, 3};
  matvar_t *v[3] = {mdouble("X", 6, 2, X), mdouble("y", 6, 1, y),
                    mdouble("task", 1, 6, tid)};
  const char *p = write_mat("taskid.mat", v, 3);
  mtl_dataset *ds = NULL;
  CHECK_OK(mtl_dataset_read(p, NULL, &ds));
  if (!ds)
    return;
  CHECK(mtl_dataset_ntasks(ds) == 3);
  CHECK(mtl_dataset_dim(ds) == 2);
  CHECK(mtl_dataset_task_n(ds, 0) == 2 && mtl_dataset_task_n(ds, 1) == 1 &&
        mtl_dataset_task_n(ds, 2) == 3);
  CHECK(strcmp(mtl_dataset_task_name(ds, 0), "task1") == 0);
  CHECK(strcmp(mtl_dataset_task_name(ds, 2), "task3") == 0);
  /* task id 1 = samples 2 and 5 (1-based), in file order */
  CHECK_CLOSE(row_val(ds, 0, 0, 0), 2, 0);
  CHECK_CLOSE(row_val(ds, 0, 1, 1), 50, 0);
  CHECK_CLOSE(mtl_dataset_task_y(ds, 0)[1], 4.5, 0);
  CHECK_CLOSE(row_val(ds, 2, 2, 1), 60, 0);
  CHECK(mtl_dataset_task_kind(ds, 0) == MTL_TASK_REGRESSION);
  mtl_dataset_free(ds);

  /* forcing TASK_START on the same vector: values not increasing */
  mtl_read_params pr = defp();
  pr.layout = MTL_LAYOUT_TASK_START;
  expect_fail(p, &pr, MTL_EFORMAT, "variable 'task': entry 1",
              "first task must start at row 1");
}

/* Cells T x 1 of integer and single classes, labels uint8 {0,1}, in every
 * MAT version this matio can write (v7.3 needs HDF5 support). */
static void test_cell_variants(void) {
  static const enum mat_ft vers[2] = {MAT_FT_MAT5, MAT_FT_MAT73};
  for (int k = 0; k < 2; k++) {
    int16_t x1[6] = {1, -2, 3, 4, 5, -6}; /* 3 x 2 column-major */
    float x2[4] = {0.5f, 1.5f, 2.5f, 3.5f}; /* 2 x 2 */
    uint8_t y1[3] = {0, 1, 1}, y2[2] = {1, 0};
    size_t d32[2] = {3, 2}, d22[2] = {2, 2}, d31[2] = {3, 1}, d21[2] = {2, 1};
    matvar_t *xc[2] = {
        Mat_VarCreate(NULL, MAT_C_INT16, MAT_T_INT16, 2, d32, x1, 0),
        Mat_VarCreate(NULL, MAT_C_SINGLE, MAT_T_SINGLE, 2, d22, x2, 0)};
    matvar_t *yc[2] = {
        Mat_VarCreate(NULL, MAT_C_UINT8, MAT_T_UINT8, 2, d31, y1, 0),
        Mat_VarCreate(NULL, MAT_C_UINT8, MAT_T_UINT8, 2, d21, y2, 0)};
    size_t cd[2] = {2, 1};
    matvar_t *v[2] = {
        Mat_VarCreate("X", MAT_C_CELL, MAT_T_CELL, 2, cd, xc, 0),
        Mat_VarCreate("Y", MAT_C_CELL, MAT_T_CELL, 2, cd, yc, 0)};
    char name[32];
    snprintf(name, sizeof name, "cells_v%d.mat", k);
    const char *p = tpath(name);
    mat_t *m = Mat_CreateVer(p, NULL, vers[k]);
    if (!m) { /* this matio cannot write the version: skip it */
      Mat_VarFree(v[0]);
      Mat_VarFree(v[1]);
      fprintf(stderr, "note: matio cannot write MAT version %d\n", k);
      continue;
    }
    int ok = Mat_VarWrite(m, v[0], MAT_COMPRESSION_NONE) == 0 &&
             Mat_VarWrite(m, v[1], MAT_COMPRESSION_NONE) == 0;
    Mat_VarFree(v[0]);
    Mat_VarFree(v[1]);
    Mat_Close(m);
    if (!ok) {
      fprintf(stderr, "note: matio cannot write cells in version %d\n", k);
      continue;
    }
    mtl_dataset *ds = NULL;
    CHECK_OK(mtl_dataset_read(p, NULL, &ds));
    if (!ds)
      continue;
    CHECK(mtl_dataset_ntasks(ds) == 2 && mtl_dataset_dim(ds) == 2);
    CHECK(mtl_dataset_task_n(ds, 0) == 3 && mtl_dataset_task_n(ds, 1) == 2);
    CHECK(row_val(ds, 0, 1, 0) == -2 && row_val(ds, 0, 2, 1) == -6);
    CHECK(row_val(ds, 1, 1, 1) == 3.5);
    CHECK(mtl_dataset_task_kind(ds, 1) == MTL_TASK_CLASSIFICATION);
    const double *y = mtl_dataset_task_y(ds, 0);
    CHECK(y[0] == -1 && y[1] == 1 && mtl_dataset_task_y(ds, 1)[1] == -1);
    mtl_dataset_free(ds);
  }
}

static void test_sparse_mat(void) {
  /* X 5 x 4 sparse, column-compressed:
   *   row0: (0,1)=1.5          row1: (1,0)=-2, (1,3)=7
   *   row2: empty              row3: (3,2)=0.25   row4: (4,3)=9 */
  mat_uint32_t jc[5] = {0, 1, 2, 3, 5};
  mat_uint32_t ir[5] = {1, 0, 3, 1, 4};
  double vals[5] = {-2, 1.5, 0.25, 7, 9};
  mat_sparse_t sp = {.nzmax = 5, .ir = ir, .nir = 5, .jc = jc, .njc = 5,
                     .ndata = 5, .data = vals};
  size_t dims[2] = {5, 4};
  double y[5] = {1, 2, 3, 4, 5}, st[2] = {1, 3};
  matvar_t *v[3] = {Mat_VarCreate("X", MAT_C_SPARSE, MAT_T_DOUBLE, 2, dims,
                                  &sp, MAT_F_DONT_COPY_DATA),
                    mdouble("y", 5, 1, y), mdouble("task_indexes", 2, 1, st)};
  const char *p = write_mat("sparse.mat", v, 3);
  mtl_dataset *ds = NULL;
  CHECK_OK(mtl_dataset_read(p, NULL, &ds));
  if (!ds)
    return;
  CHECK(mtl_dataset_ntasks(ds) == 2);
  CHECK(mtl_dataset_dim(ds) == 4);
  CHECK(mtl_dataset_task_n(ds, 0) == 2 && mtl_dataset_task_n(ds, 1) == 3);
  CHECK(mtl_dataset_task_is_sparse(ds, 0) && mtl_dataset_task_is_sparse(ds, 1));
  double x[4];
  mtl_dataset_get_row(ds, 0, 1, x);
  CHECK(x[0] == -2 && x[1] == 0 && x[2] == 0 && x[3] == 7);
  mtl_dataset_get_row(ds, 1, 0, x);
  CHECK(x[0] == 0 && x[1] == 0 && x[2] == 0 && x[3] == 0);
  CHECK_CLOSE(row_val(ds, 1, 1, 2), 0.25, 0);
  CHECK_CLOSE(row_val(ds, 1, 2, 3), 9, 0);
  CHECK_CLOSE(row_val(ds, 0, 0, 1), 1.5, 0);
  mtl_dataset_free(ds);
}

static void test_npz_layouts(void) {
  /* STACKED in Fortran order: xs (2, 3, 2), element (t,i,j) = 100t+10i+j,
   * stored with the first index fastest; ys (2, 3) as int64 {0,1}. */
  double xs[12];
  for (int t = 0; t < 2; t++)
    for (int i = 0; i < 3; i++)
      for (int j = 0; j < 2; j++)
        xs[t + 2 * (i + 3 * j)] = 100 * t + 10 * i + j + 0.5;
  int64_t ys[6] = {0, 1, 1, 0, 0, 1}; /* C order: ys[t][i] */
  member m[2] = {{"xs", "<f8", "(2, 3, 2)", 1, xs, sizeof xs},
                 {"ys", "<i8", "(2, 3)", 0, ys, sizeof ys}};
  const char *p = write_npz("stacked.npz", m, 2);
  mtl_dataset *ds = NULL;
  CHECK_OK(mtl_dataset_read(p, NULL, &ds));
  if (ds) {
    CHECK(mtl_dataset_ntasks(ds) == 2 && mtl_dataset_dim(ds) == 2);
    CHECK(mtl_dataset_task_n(ds, 1) == 3);
    CHECK_CLOSE(row_val(ds, 1, 2, 1), 121.5, 0);
    CHECK_CLOSE(row_val(ds, 0, 1, 0), 10.5, 0);
    CHECK(mtl_dataset_task_kind(ds, 0) == MTL_TASK_CLASSIFICATION);
    CHECK(mtl_dataset_task_y(ds, 0)[0] == -1 &&
          mtl_dataset_task_y(ds, 0)[1] == 1 &&
          mtl_dataset_task_y(ds, 1)[0] == -1);
    CHECK(strstr(mtl_dataset_notes(ds), "mapped to {-1,+1}") != NULL);
    mtl_dataset_free(ds);
  }

  /* TASK_ID in npz: X (5, 2) float32, y uint8 {1..3} regression, task int32 */
  float X[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  uint8_t y[5] = {3, 2, 3, 5, 7};
  int32_t task[5] = {7, -2, 7, 7, -2};
  member m2[3] = {{"X", "<f4", "(5, 2)", 0, X, sizeof X},
                  {"y", "|u1", "(5,)", 0, y, sizeof y},
                  {"task", "<i4", "(5,)", 0, task, sizeof task}};
  p = write_npz("taskid.npz", m2, 3);
  CHECK_OK(mtl_dataset_read(p, NULL, &ds));
  if (ds) {
    CHECK(mtl_dataset_ntasks(ds) == 2);
    CHECK(strcmp(mtl_dataset_task_name(ds, 0), "task-2") == 0);
    CHECK(strcmp(mtl_dataset_task_name(ds, 1), "task7") == 0);
    CHECK(mtl_dataset_task_n(ds, 0) == 2 && mtl_dataset_task_n(ds, 1) == 3);
    CHECK_CLOSE(row_val(ds, 0, 1, 1), 10, 0);
    CHECK_CLOSE(row_val(ds, 1, 2, 0), 7, 0);
    CHECK_CLOSE(mtl_dataset_task_y(ds, 1)[2], 5, 0);
    CHECK(mtl_dataset_task_kind(ds, 1) == MTL_TASK_REGRESSION);
    mtl_dataset_free(ds);
  }
}

static void test_text_csv(void) {
  /* text: named tasks in first-appearance order, comments, CRLF */
  const char *p = write_file("named.txt",
                             "# comment\n"
                             "school_b 2.5 1:1 3:-0.5\r\n"
                             "\n"
                             "school_a -1e3 2:4\n"
                             "school_b 7\t1:2\t2:3\n");
  mtl_dataset *ds = NULL;
  mtl_read_params pr = defp();
  pr.sparse = 0;
  CHECK_OK(mtl_dataset_read(p, &pr, &ds));
  if (ds) {
    CHECK(mtl_dataset_ntasks(ds) == 2 && mtl_dataset_dim(ds) == 3);
    CHECK(strcmp(mtl_dataset_task_name(ds, 0), "school_b") == 0);
    CHECK(mtl_dataset_task_n(ds, 0) == 2 && mtl_dataset_task_n(ds, 1) == 1);
    CHECK(!mtl_dataset_task_is_sparse(ds, 0));
    CHECK_CLOSE(row_val(ds, 0, 0, 2), -0.5, 0);
    CHECK_CLOSE(row_val(ds, 0, 1, 1), 3, 0);
    CHECK_CLOSE(mtl_dataset_task_y(ds, 1)[0], -1000, 0);
    mtl_dataset_free(ds);
  }
  /* integer ids are ordered numerically; dim extends the dimension;
   * density 3/(4*10) < 25% -> CSR */
  p = write_file("ids.txt", "10 1 1:1\n2 -1 4:2\n10 -1 2:3\n2 1\n");
  pr = defp();
  pr.dim = 10;
  CHECK_OK(mtl_dataset_read(p, &pr, &ds));
  if (ds) {
    CHECK(mtl_dataset_ntasks(ds) == 2 && mtl_dataset_dim(ds) == 10);
    CHECK(strcmp(mtl_dataset_task_name(ds, 0), "task2") == 0);
    CHECK(strcmp(mtl_dataset_task_name(ds, 1), "task10") == 0);
    CHECK(mtl_dataset_task_is_sparse(ds, 0));
    CHECK(mtl_dataset_task_kind(ds, 0) == MTL_TASK_CLASSIFICATION);
    CHECK_CLOSE(row_val(ds, 0, 0, 3), 2, 0);
    CHECK_CLOSE(row_val(ds, 1, 1, 1), 3, 0);
    mtl_dataset_free(ds);
  }
  /* CSV: label column "y" first, task column last, quoted header */
  p = write_file("ok.csv", "y,\"f,1\",f2,task\n"
                           "1.5, 2, 3, A\n"
                           "-2,0,4.25,B\n"
                           "0.5,1e-3,-1,A\n");
  CHECK_OK(mtl_dataset_read(p, NULL, &ds));
  if (ds) {
    CHECK(mtl_dataset_ntasks(ds) == 2 && mtl_dataset_dim(ds) == 2);
    CHECK(strcmp(mtl_dataset_task_name(ds, 1), "B") == 0);
    CHECK(!mtl_dataset_task_is_sparse(ds, 0));
    CHECK_CLOSE(row_val(ds, 0, 1, 0), 1e-3, 0);
    CHECK_CLOSE(row_val(ds, 1, 0, 1), 4.25, 0);
    CHECK_CLOSE(mtl_dataset_task_y(ds, 0)[1], 0.5, 0);
    mtl_dataset_free(ds);
  }
  /* explicit columns, forced .csv format on another extension */
  p = write_file("cols.dat", "a,b,c,d\n1,5,6,7\n2,8,9,10\n1,1,2,3\n");
  pr = defp();
  pr.format = MTL_FMT_CSV;
  pr.task_col = 0;
  pr.label_col = 3;
  CHECK_OK(mtl_dataset_read(p, &pr, &ds));
  if (ds) {
    CHECK(mtl_dataset_ntasks(ds) == 2 && mtl_dataset_dim(ds) == 2);
    CHECK_CLOSE(mtl_dataset_task_y(ds, 1)[0], 10, 0);
    CHECK_CLOSE(row_val(ds, 1, 0, 1), 9, 0);
    mtl_dataset_free(ds);
  }
}

/* ---- 3. round trips ------------------------------------------------------ */

static void test_roundtrip_csr(void) {
  unsigned long long s = 12345;
  int d = 40;
  mtl_dataset *ds = mtl_dataset_create(d);
  for (int t = 0; t < 3; t++) {
    int n = 7 + 5 * t;
    int64_t ip[32];
    int32_t ix[32 * 40];
    double v[32 * 40], y[32];
    ip[0] = 0;
    for (int i = 0; i < n; i++) {
      int64_t q = ip[i];
      for (int j = 0; j < d; j++)
        if (check_rand(&s) > 0.6)
          ix[q] = j, v[q++] = check_rand(&s) * 1e-3 + 1e5 * (j == 7);
      ip[i + 1] = q;
      y[i] = t == 1 ? (check_rand(&s) > 0 ? 1 : -1) : check_rand(&s) * 3;
    }
    CHECK(mtl_dataset_add_csr(ds, n, ip, ix, v, y, -1, NULL) == t);
  }
  CHECK(mtl_dataset_task_kind(ds, 1) == MTL_TASK_CLASSIFICATION);
  CHECK(mtl_dataset_task_kind(ds, 0) == MTL_TASK_REGRESSION);
  const char *p = tpath("rt_csr.txt");
  CHECK_OK(mtl_dataset_write_text(ds, p));
  mtl_dataset *back = NULL;
  CHECK_OK(mtl_dataset_read(p, NULL, &back));
  if (back) {
    check_same(ds, back, 1);
    mtl_dataset_free(back);
  }
  /* forcing dense storage changes only the storage */
  mtl_read_params pr = defp();
  pr.sparse = 0;
  CHECK_OK(mtl_dataset_read(p, &pr, &back));
  if (back) {
    CHECK(!mtl_dataset_task_is_sparse(back, 0));
    check_same(ds, back, 0);
    mtl_dataset_free(back);
  }
  /* a failed write leaves the target intact and no temporary behind:
   * the target is a directory, so the final rename fails */
  const char *dir = tpath("adir");
  mkdir(dir, 0755);
  CHECK_ERR(mtl_dataset_write_text(ds, dir), MTL_EIO);
  CHECK_MSG("adir");
  struct stat st;
  CHECK(stat(dir, &st) == 0 && S_ISDIR(st.st_mode));
  int leftovers = 0;
  DIR *dh = opendir(tmpdir);
  struct dirent *e;
  while (dh && (e = readdir(dh)) != NULL)
    leftovers += strstr(e->d_name, ".tmp.") != NULL;
  if (dh)
    closedir(dh);
  CHECK(leftovers == 0);
  rmdir(dir);
  CHECK_ERR(mtl_dataset_write_text(ds, tpath("no/such/dir/x.txt")), MTL_EIO);
  CHECK_MSG("No such file or directory");
  mtl_dataset_free(ds);
}

/* ---- 4. malformed inputs ------------------------------------------------- */

static void test_malformed_text(void) {
  mtl_read_params pr = defp();
  const char *p;
  p = write_file("bad_label.txt", "1 2 1:1\n1 abc 1:2\n");
  expect_fail(p, NULL, MTL_EFORMAT, "bad_label.txt:2: bad label",
              "(value 'abc')");
  p = write_file("idx0.txt", "1 1 0:1.5\n");
  expect_fail(p, NULL, MTL_EFORMAT, "idx0.txt:1: feature index must be >= 1",
              "(value '0:1.5')");
  p = write_file("order.txt", "# c\n1 1 1:1\n1 1 3:1 2:1\n");
  expect_fail(p, NULL, MTL_EFORMAT, "order.txt:3: feature indices not "
                                    "increasing: 2 after 3",
              "(value '2:1')");
  p = write_file("dup.txt", "1 1 3:1 3:1\n");
  expect_fail(p, NULL, MTL_EFORMAT, "dup.txt:1: feature indices not "
                                    "increasing", "(value '3:1')");
  p = write_file("nan.txt", "1 1 1:1\n\n1 0 2:nan\n");
  expect_fail(p, NULL, MTL_EFORMAT, "nan.txt:3: feature value is not finite",
              "(value '2:nan')");
  p = write_file("inf.txt", "1 -inf 1:1\n");
  expect_fail(p, NULL, MTL_EFORMAT, "inf.txt:1: label is not finite",
              "(value '-inf')");
  p = write_file("nolabel.txt", "1 1 1:1\nt2\n");
  expect_fail(p, NULL, MTL_EFORMAT, "nolabel.txt:2: missing label",
              "(value 't2')");
  p = write_file("nolabel2.txt", "a 3:1.5\n");
  expect_fail(p, NULL, MTL_EFORMAT, "nolabel2.txt:1: missing label",
              "(value '3:1.5')");
  p = write_file("colon.txt", "1 1 3=2\n");
  expect_fail(p, NULL, MTL_EFORMAT, "colon.txt:1: bad feature: expected "
                                    "index:value", "(value '3=2')");
  p = write_file("val.txt", "1 1 2:1.5x\n");
  expect_fail(p, NULL, MTL_EFORMAT, "val.txt:1: bad feature value",
              "(value '2:1.5x')");
  p = write_file("dim.txt", "1 1 2:1\n1 1 4:1\n");
  pr.dim = 3;
  expect_fail(p, &pr, MTL_EFORMAT, "dim.txt:2: feature index exceeds dim 3",
              "(value '4:1')");
  p = write_file("empty.txt", "# only a comment\n\n");
  expect_fail(p, NULL, MTL_EFORMAT, "empty.txt: no samples found", NULL);
  p = write_file("mixed.txt", "a 0 1:1\nb -1 1:1\nb 1 1:2\n");
  expect_fail(p, NULL, MTL_EFORMAT, "mixed.txt: mixed label sets",
              "task 1 (a) sample 1 has 0");
  pr = defp();
  pr.kind = MTL_TASK_CLASSIFICATION;
  p = write_file("cls.txt", "a 1 1:1\na 2 1:1\na 3 1:1\n");
  expect_fail(p, &pr, MTL_EFORMAT, "cls.txt: task 1 (a) sample 2: label 2",
              "not a class label");
  expect_fail(tpath("does_not_exist.txt"), NULL, MTL_EIO,
              "does_not_exist.txt: cannot open", "No such file or directory");
  expect_fail(tmpdir, NULL, MTL_EIO, "is a directory", NULL);
}

static void test_malformed_csv(void) {
  const char *p;
  p = write_file("dup.csv", "task,label,a,b,a\n1,1,1,2,3\n");
  expect_fail(p, NULL, MTL_EFORMAT, "dup.csv:1: duplicate header name",
              "(value 'a') in columns 3 and 5");
  p = write_file("cols.csv", "task,label,a,b\n1,1,1,2\n1,2,3\n");
  expect_fail(p, NULL, MTL_EFORMAT, "cols.csv:3: wrong column count",
              "3 columns, header has 4");
  p = write_file("nolabel.csv", "id,value,a\n1,1,1\n");
  expect_fail(p, NULL, MTL_EFORMAT, "nolabel.csv: no column named 'label'",
              "--label-col");
  p = write_file("num.csv", "task,y,a,b\n1,1,1,2\n1,2,3,x1\n");
  expect_fail(p, NULL, MTL_EFORMAT, "num.csv:3: bad number in column 'b'",
              "(value 'x1')");
  p = write_file("quote.csv", "task,y,\"a\n1,1,1\n");
  expect_fail(p, NULL, MTL_EFORMAT, "quote.csv:1: unterminated quote", NULL);
  p = write_file("nolab.csv", "task,label,a\n1,,1\n");
  expect_fail(p, NULL, MTL_EFORMAT, "nolab.csv:2: missing label", NULL);
  p = write_file("nanv.csv", "task,label,a\n1,1,NaN\n");
  expect_fail(p, NULL, MTL_EFORMAT, "nanv.csv:2: value in column 'a' is not "
                                    "finite", "(value 'NaN')");
}

static void test_malformed_npz(void) {
  double x4[4] = {1, 2, 3, 4}, y2[2] = {1, 2};
  double xbe[4];
  const char *p;
  /* big-endian data */
  for (int k = 0; k < 4; k++) {
    unsigned char *b = (unsigned char *)&xbe[k], *a = (unsigned char *)&x4[k];
    for (int q = 0; q < 8; q++)
      b[q] = a[7 - q];
  }
  member be[2] = {{"X", ">f8", "(2, 2)", 0, xbe, sizeof xbe},
                  {"y", "<f8", "(2,)", 0, y2, sizeof y2}};
  p = write_npz("be.npz", be, 2);
  expect_fail(p, NULL, MTL_EUNSUPPORTED, "be.npz: variable 'X'",
              "big-endian dtype '>f8'");
  /* object array (pickled payload) */
  member ob[2] = {{"X", "|O", "(2, 2)", 0, x4, 32},
                  {"y", "<f8", "(2,)", 0, y2, sizeof y2}};
  p = write_npz("obj.npz", ob, 2);
  expect_fail(p, NULL, MTL_EUNSUPPORTED, "obj.npz: variable 'X'",
              "object dtype '|O'");
  /* ragged: X has 2 rows and 2 columns, y has 3 entries */
  double y3[3] = {1, 2, 3};
  member rg[2] = {{"X", "<f8", "(2, 2)", 0, x4, sizeof x4},
                  {"y", "<f8", "(3,)", 0, y3, sizeof y3}};
  p = write_npz("ragged.npz", rg, 2);
  expect_fail(p, NULL, MTL_EDIM, "ragged.npz: variable 'X': is 2 x 2 but 'y' "
                                 "has 3 entries", "neither dimension");
  /* missing y, with the list of variables present */
  member my[2] = {{"xs", "<f8", "(2, 2)", 0, x4, sizeof x4},
                  {"other", "<f8", "(2,)", 0, y2, sizeof y2}};
  p = write_npz("noy.npz", my, 2);
  expect_fail(p, NULL, MTL_ENOTFOUND, "noy.npz: no y variable found (tried Y, "
                                      "y, label, ys)",
              "variables present: xs, other");
  /* truncated data: shape says 3 x 2 but 4 values stored */
  member tr[2] = {{"X", "<f8", "(3, 2)", 0, x4, sizeof x4},
                  {"y", "<f8", "(3,)", 0, y3, sizeof y3}};
  p = write_npz("trunc.npz", tr, 2);
  expect_fail(p, NULL, MTL_EFORMAT, "trunc.npz: variable 'X': truncated data",
              "needs 48 bytes, 32 present");
  /* NaN inside a stacked array */
  double xs[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  xs[2] = NAN;
  double ys[4] = {1, -1, 1, 1};
  member st[2] = {{"xs", "<f8", "(2, 2, 2)", 0, xs, sizeof xs},
                  {"ys", "<f8", "(2, 2)", 0, ys, sizeof ys}};
  p = write_npz("nan.npz", st, 2);
  expect_fail(p, NULL, MTL_EFORMAT, "nan.npz: variable 'xs': task 1, sample 2, "
                                    "feature 1", "not finite");
  /* stacked ys of the wrong shape */
  member st2[2] = {{"xs", "<f8", "(2, 2, 2)", 0, x4, 0},
                   {"ys", "<f8", "(2, 3)", 0, ys, 0}};
  st2[0].shape = "(1, 2, 2)";
  st2[0].nbytes = sizeof x4;
  st2[1].shape = "(1, 3)";
  st2[1].data = y3;
  st2[1].nbytes = sizeof y3;
  p = write_npz("stshape.npz", st2, 2);
  expect_fail(p, NULL, MTL_EDIM, "stshape.npz: variable 'ys': is 1 x 3",
              "need T x n = 1 x 2");
  /* corrupt header */
  member hd[2] = {{"X", "<f8", "[2, 2]", 0, x4, sizeof x4},
                  {"y", "<f8", "(2,)", 0, y2, sizeof y2}};
  p = write_npz("hdr.npz", hd, 2);
  expect_fail(p, NULL, MTL_EFORMAT, "hdr.npz: variable 'X'",
              "bad .npy header: bad 'shape' value");
  /* a lone .npy */
  size_t len;
  unsigned char *b = npy_bytes(&rg[0], &len);
  p = tpath("lone.npy");
  FILE *f = fopen(p, "wb");
  fwrite(b, 1, len, f);
  fclose(f);
  free(b);
  expect_fail(p, NULL, MTL_EUNSUPPORTED, "lone.npy: a lone .npy file", NULL);
  /* not a zip at all */
  p = write_file("fake.npz", "this is not a zip archive\n");
  expect_fail(p, NULL, MTL_EFORMAT, "fake.npz: not a readable .npz", NULL);
}

static void test_malformed_mat(void) {
  const char *p;
  double a6[6] = {1, 2, 3, 4, 5, 6}, y2[2] = {1, 2}, y3[3] = {1, 2, 3};
  double bad[6] = {1, 2, 3, NAN, 5, 6};
  /* ragged features between cells: 3 x 2 then 2 x 3 */
  matvar_t *xc[2] = {mdouble(NULL, 3, 2, a6), mdouble(NULL, 2, 3, a6)};
  matvar_t *yc[2] = {mdouble(NULL, 3, 1, y3), mdouble(NULL, 2, 1, y2)};
  matvar_t *v[2] = {mcell("X", 2, xc), mcell("Y", 2, yc)};
  p = write_mat("ragged.mat", v, 2);
  expect_fail(p, NULL, MTL_EDIM, "ragged.mat: variable 'X' cell 2: has 3 "
                                 "features but cell 1 has 2", NULL);
  /* X cell rows vs Y cell length */
  matvar_t *xc2[1] = {mdouble(NULL, 3, 2, a6)};
  double y4c[4] = {1, 2, 3, 4};
  matvar_t *yc2[1] = {mdouble(NULL, 1, 4, y4c)};
  matvar_t *v2[2] = {mcell("X", 1, xc2), mcell("Y", 1, yc2)};
  p = write_mat("rows.mat", v2, 2);
  expect_fail(p, NULL, MTL_EDIM, "rows.mat: variable 'X' cell 1: is 3 x 2 but "
                                 "'Y' cell 1 has 4 entries",
              "neither dimension matches");
  /* NaN in cell 2 */
  matvar_t *xc3[2] = {mdouble(NULL, 3, 2, a6), mdouble(NULL, 3, 2, bad)};
  matvar_t *yc3[2] = {mdouble(NULL, 3, 1, y3), mdouble(NULL, 3, 1, y3)};
  matvar_t *v3[2] = {mcell("X", 2, xc3), mcell("Y", 2, yc3)};
  p = write_mat("nan.mat", v3, 2);
  expect_fail(p, NULL, MTL_EFORMAT, "nan.mat: variable 'X' cell 2: sample 1, "
                                    "feature 2", "not finite");
  /* empty task */
  matvar_t *xc4[2] = {mdouble(NULL, 3, 2, a6), mdouble(NULL, 0, 2, NULL)};
  matvar_t *yc4[2] = {mdouble(NULL, 3, 1, y3), mdouble(NULL, 0, 1, NULL)};
  matvar_t *v4[2] = {mcell("X", 2, xc4), mcell("Y", 2, yc4)};
  p = write_mat("empty.mat", v4, 2);
  expect_fail(p, NULL, MTL_EFORMAT, "empty.mat: variable 'Y' cell 2: empty "
                                    "task", NULL);
  /* mixed label sets {0,1} and {-1,+1} */
  double l01[3] = {0, 1, 0}, lpm[3] = {1, -1, 1};
  matvar_t *xc5[2] = {mdouble(NULL, 3, 2, a6), mdouble(NULL, 3, 2, a6)};
  matvar_t *yc5[2] = {mdouble(NULL, 3, 1, l01), mdouble(NULL, 3, 1, lpm)};
  matvar_t *v5[2] = {mcell("X", 2, xc5), mcell("Y", 2, yc5)};
  p = write_mat("mixed.mat", v5, 2);
  expect_fail(p, NULL, MTL_EFORMAT, "mixed.mat: mixed label sets",
              "task 2 sample 2 has -1");
  /* unsupported class in a cell */
  size_t cd[2] = {1, 3};
  matvar_t *xc6[2] = {mdouble(NULL, 3, 2, a6),
                      Mat_VarCreate(NULL, MAT_C_CHAR, MAT_T_UINT8, 2, cd,
                                    "abc", 0)};
  matvar_t *yc6[2] = {mdouble(NULL, 3, 1, y3), mdouble(NULL, 3, 1, y3)};
  matvar_t *v6[2] = {mcell("X", 2, xc6), mcell("Y", 2, yc6)};
  p = write_mat("char.mat", v6, 2);
  expect_fail(p, NULL, MTL_EUNSUPPORTED, "char.mat: variable 'X' cell 2",
              "unsupported class char");
  /* missing variable named by the caller */
  mtl_read_params pr = defp();
  pr.x_var = "foo";
  expect_fail(p, &pr, MTL_ENOTFOUND, "variable 'foo' (X) not found",
              "variables present: X, Y");
  /* task start rows not increasing */
  double X[8] = {1, 2, 3, 4, 5, 6, 7, 8}, y4[4] = {1, 2, 3, 4};
  double st[3] = {1, 3, 3};
  matvar_t *v7[3] = {mdouble("X", 4, 2, X), mdouble("y", 4, 1, y4),
                     mdouble("task_indexes", 3, 1, st)};
  p = write_mat("starts.mat", v7, 3);
  expect_fail(p, NULL, MTL_EFORMAT, "starts.mat: variable 'task_indexes': "
                                    "entry 3: start row 3 is not greater",
              "task 2 would be empty");
  /* a struct where X should be */
  const char *fields[1] = {"a"};
  size_t sd[2] = {1, 1};
  matvar_t *sv = Mat_VarCreateStruct("X", 2, sd, fields, 1);
  Mat_VarSetStructFieldByName(sv, "a", 0, mdouble(NULL, 1, 1, y2));
  matvar_t *v8[2] = {sv, mdouble("y", 4, 1, y4)};
  p = write_mat("struct.mat", v8, 2);
  expect_fail(p, NULL, MTL_EUNSUPPORTED, "struct.mat: variable 'X': "
                                         "unsupported class struct", NULL);
  /* garbage with a .mat name */
  p = write_file("garbage.mat", "not a MATLAB file at all, just text\n");
  expect_fail(p, NULL, MTL_EFORMAT, "garbage.mat: not a readable MATLAB file",
              NULL);
  /* invalid parameters */
  pr = defp();
  pr.layout = (mtl_layout)42;
  expect_fail(p, &pr, MTL_EINVAL, "layout = 42", NULL);
  pr = defp();
  pr.samples_in_columns = 2;
  expect_fail(p, &pr, MTL_EINVAL, "samples_in_columns = 2", NULL);
  CHECK_ERR(mtl_dataset_read(p, NULL, NULL), MTL_EINVAL);
}

/* ---- 1. the real benchmark files ----------------------------------------- */

static int have(const char *rel) {
  char buf[4096];
  const char *dir = getenv("MTL_DATA_DIR");
#ifdef MTL_DATA_DIR
  if (!dir)
    dir = MTL_DATA_DIR;
#endif
  if (!dir)
    dir = "../shared/data";
  snprintf(buf, sizeof buf, "%s/%s", dir, rel);
  return access(buf, R_OK) == 0;
}

static void test_school(void) {
  mtl_dataset *a = NULL, *b = NULL;
  CHECK_OK(mtl_dataset_read(check_data("school.mat"), NULL, &a));
  if (!a)
    return;
  CHECK(mtl_dataset_ntasks(a) == 139);
  CHECK(mtl_dataset_dim(a) == 28);
  CHECK(mtl_dataset_total_n(a) == 15362);
  CHECK(mtl_dataset_task_n(a, 0) == 200 && mtl_dataset_task_n(a, 1) == 91 &&
        mtl_dataset_task_n(a, 2) == 95 && mtl_dataset_task_n(a, 138) == 23);
  CHECK(mtl_dataset_task_kind(a, 0) == MTL_TASK_REGRESSION);
  static const double r0[28] = {1, 0, 0, 24, 18, 0, 1, 0, 0, 1, 1, 0, 0, 0,
                                0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 1};
  double x[28];
  mtl_dataset_get_row(a, 0, 0, x);
  CHECK(memcmp(x, r0, sizeof x) == 0);
  CHECK_CLOSE(mtl_dataset_task_y(a, 0)[0], 17, 0);
  CHECK_CLOSE(mtl_dataset_task_y(a, 0)[2], 16, 0);
  CHECK_CLOSE(row_val(a, 50, 3, 3), 45, 0);
  CHECK_CLOSE(row_val(a, 50, 3, 4), 15, 0);
  CHECK_CLOSE(mtl_dataset_task_y(a, 50)[3], 13, 0);
  CHECK_CLOSE(row_val(a, 138, 22, 3), 38, 0);
  CHECK_CLOSE(mtl_dataset_task_y(a, 138)[22], 18, 0);

  /* Argyriou's copy: x is 28 x 15362 (samples in columns, guessed) with
   * 1-based task start rows; identical numbers */
  CHECK_OK(mtl_dataset_read(check_data("school_argyriou/school_b.mat"), NULL,
                            &b));
  if (b) {
    check_same(a, b, 1);
    mtl_dataset_free(b);
  }
  /* forcing samples in rows on it is a dimension error */
  mtl_read_params pr = defp();
  pr.samples_in_columns = 0;
  expect_fail(check_data("school_argyriou/school_b.mat"), &pr, MTL_EDIM,
              "variable 'x': is 28 x 15362 but 'y' has 15362 entries",
              "rows must match");

  /* dense round trip through the text format, bit for bit */
  const char *p = tpath("school.txt");
  CHECK_OK(mtl_dataset_write_text(a, p));
  CHECK_OK(mtl_dataset_read(p, NULL, &b));
  if (b) {
    check_same(a, b, 1);
    mtl_dataset_free(b);
  }
  mtl_dataset_free(a);
}

static void test_landmine(void) {
  mtl_dataset *ds = NULL;
  CHECK_OK(mtl_dataset_read(check_data("LandmineData.mat"), NULL, &ds));
  if (!ds)
    return;
  static const int n[29] = {690, 690, 689, 508, 509, 509, 510, 511, 508, 509,
                            689, 688, 508, 510, 507, 445, 449, 448, 449, 449,
                            451, 454, 447, 449, 445, 448, 448, 454, 449};
  CHECK(mtl_dataset_ntasks(ds) == 29 && mtl_dataset_dim(ds) == 9);
  int badn = 0;
  for (int t = 0; t < 29; t++)
    badn += mtl_dataset_task_n(ds, t) != n[t];
  CHECK(badn == 0);
  CHECK(mtl_dataset_total_n(ds) == 14820);
  static const double r0[9] = {
      1.368307903528228,  15.566270915867184, 7.3633586573424,
      9.13054501078134,   9.381931662919317,  -0.6646101737593724,
      14.342445504916492, 15.566288902279215, 15.359813533726102};
  static const double rl[9] = {
      -0.6629323756166536,  -0.2740661428233885,  0.30800310452969604,
      0.3459401095517625,   0.2128982812039734,   -0.16824922497620146,
      -0.16196643845365238, -0.003532762769312418, 0.03426092936370545};
  double x[9];
  mtl_dataset_get_row(ds, 0, 0, x);
  CHECK(memcmp(x, r0, sizeof x) == 0);
  mtl_dataset_get_row(ds, 28, 448, x);
  CHECK(memcmp(x, rl, sizeof x) == 0);
  /* uint8 {0,1} -> {-1,+1}: positives per task as numpy counts them */
  CHECK(mtl_dataset_task_kind(ds, 0) == MTL_TASK_CLASSIFICATION);
  CHECK(count_pos(ds, 0) == 40 && count_pos(ds, 14) == 17 &&
        count_pos(ds, 28) == 42);
  CHECK(count_pos(ds, 0) + (690 - 40) == 690);
  CHECK(mtl_dataset_task_y(ds, 0)[0] == -1);
  CHECK(strstr(mtl_dataset_notes(ds), "labels {0,1} mapped to {-1,+1}"));
  mtl_dataset_free(ds);
}

static void test_kang(void) {
  mtl_dataset *ds = NULL;
  const char *mn = check_data("mnist_usps_kang/split1_mnist_1000train.mat");
  CHECK_OK(mtl_dataset_read(mn, NULL, &ds));
  if (ds) {
    CHECK(mtl_dataset_ntasks(ds) == 10 && mtl_dataset_dim(ds) == 87);
    CHECK(mtl_dataset_is_shared(ds));
    CHECK(mtl_dataset_task_n(ds, 9) == 1000);
    CHECK(strcmp(mtl_dataset_task_name(ds, 0), "class1") == 0);
    CHECK(strcmp(mtl_dataset_task_name(ds, 9), "class10") == 0);
    CHECK(row_val(ds, 0, 0, 0) == -1.6189873258275134);
    CHECK(row_val(ds, 0, 0, 2) == -4.020985892990653);
    CHECK(row_val(ds, 5, 999, 86) == 0.057271354398236426);
    /* digit_trainy starts 4 1 10 4 10 */
    CHECK(mtl_dataset_task_y(ds, 3)[0] == 1 && mtl_dataset_task_y(ds, 0)[0] == -1);
    CHECK(mtl_dataset_task_y(ds, 0)[1] == 1 && mtl_dataset_task_y(ds, 9)[2] == 1);
    CHECK(count_pos(ds, 0) == 111 && count_pos(ds, 4) == 78 &&
          count_pos(ds, 9) == 95);
    CHECK(mtl_dataset_task_kind(ds, 2) == MTL_TASK_CLASSIFICATION);
    CHECK(strstr(mtl_dataset_notes(ds), "training split 'digit_trainx'"));
    mtl_dataset_free(ds);
  }
  /* the test split by x_var only: y is its partner digit_testy */
  mtl_read_params pr = defp();
  pr.x_var = "digit_testx";
  CHECK_OK(mtl_dataset_read(mn, &pr, &ds));
  if (ds) {
    CHECK(mtl_dataset_ntasks(ds) == 10 && mtl_dataset_task_n(ds, 0) == 500);
    CHECK(row_val(ds, 0, 0, 1) == -1.208246298518851);
    CHECK(mtl_dataset_task_y(ds, 9)[0] == 1 && mtl_dataset_task_y(ds, 2)[1] == 1);
    CHECK(count_pos(ds, 0) == 48 && count_pos(ds, 9) == 42);
    mtl_dataset_free(ds);
  }
  pr = defp();
  pr.layout = MTL_LAYOUT_ONEVSREST;
  pr.x_var = "digit_trainx";
  pr.y_var = "digit_trainy";
  CHECK_OK(mtl_dataset_read(
      check_data("mnist_usps_kang/split1_usps_1000train.mat"), &pr, &ds));
  if (ds) {
    CHECK(mtl_dataset_ntasks(ds) == 10 && mtl_dataset_dim(ds) == 64);
    CHECK(row_val(ds, 0, 0, 1) == 2.2305848618802933);
    CHECK(row_val(ds, 0, 500, 63) == 0.4133673485404465);
    CHECK(mtl_dataset_task_y(ds, 6)[500] == 1);
    mtl_dataset_free(ds);
  }
}

static void test_nc24(void) {
  mtl_dataset *ds = NULL;
  CHECK_OK(mtl_dataset_read(check_data("synthetic_nc24.npz"), NULL, &ds));
  if (!ds)
    return;
  CHECK(mtl_dataset_ntasks(ds) == 5 && mtl_dataset_dim(ds) == 9);
  CHECK(mtl_dataset_task_n(ds, 0) == 10000 && mtl_dataset_task_n(ds, 4) == 10000);
  static const double r0[9] = {
      -2.2489356716760263, 1.823755126059302,  -4.1015079593967725,
      5.0577116553369,     3.32608275982758,   -11.374468158738756,
      6.065960482933019,   -7.48014616552289,  9.224027557550547};
  double x[9];
  mtl_dataset_get_row(ds, 0, 0, x);
  CHECK(memcmp(x, r0, sizeof x) == 0);
  CHECK(row_val(ds, 2, 1234, 5) == 5.316619106325252);
  CHECK(row_val(ds, 4, 9999, 8) == -4.186595192777016);
  CHECK(mtl_dataset_task_y(ds, 2)[1234] == -1);
  CHECK(mtl_dataset_task_kind(ds, 0) == MTL_TASK_CLASSIFICATION);
  CHECK(count_pos(ds, 0) == 4942 && count_pos(ds, 4) == 4952);
  const double *y0 = mtl_dataset_task_y(ds, 0);
  CHECK(y0[0] == 1 && y0[1] == 1 && y0[2] == -1 && y0[3] == 1);
  mtl_dataset_free(ds);
}

static void cleanup(void) {
  DIR *dh = opendir(tmpdir);
  struct dirent *e;
  char p[1024];
  while (dh && (e = readdir(dh)) != NULL) {
    if (e->d_name[0] == '.')
      continue;
    snprintf(p, sizeof p, "%s/%s", tmpdir, e->d_name);
    unlink(p);
  }
  if (dh)
    closedir(dh);
  rmdir(tmpdir);
}

int main(void) {
  const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
  snprintf(tmpdir, sizeof tmpdir, "%s/mtl_test_io_XXXXXX", base);
  if (!mkdtemp(tmpdir)) {
    perror("mkdtemp");
    return 1;
  }
  test_task_id_mat();
  test_sparse_mat();
  test_cell_variants();
  test_npz_layouts();
  test_text_csv();
  test_roundtrip_csr();
  test_malformed_text();
  test_malformed_csv();
  test_malformed_npz();
  test_malformed_mat();
  int all = have("school.mat") && have("school_argyriou/school_b.mat") &&
            have("LandmineData.mat") &&
            have("mnist_usps_kang/split1_mnist_1000train.mat") &&
            have("mnist_usps_kang/split1_usps_1000train.mat") &&
            have("synthetic_nc24.npz");
  if (all) {
    test_school();
    test_landmine();
    test_kang();
    test_nc24();
  }
  cleanup();
  if (!all) {
    fprintf(stderr, "skip: shared data files not found (%d checks run)\n",
            check_count);
    if (check_failures)
      CHECK_DONE();
    return 77;
  }
  CHECK_DONE();
}
