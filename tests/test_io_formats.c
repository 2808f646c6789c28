/*
 * test_io_formats.c -- the readers of issue 13: multi-target data (.npz,
 * .mat, CSV, ARFF) stored as one shared design, ARFF (numeric, nominal,
 * string, sparse, quoted names), CSV column selection, delimiters and
 * headers, format detection by content, a pattern of task files, the
 * two-valued label rule, missing values, and the error of each wrong
 * layout (naming file, line and format).  Every file is written by the
 * test itself.
 */
#include "check.h"
#include "io_files.h"

#include <math.h>
#include <sys/stat.h>
#include <unistd.h>

static mtl_read_params defp(void) {
  mtl_read_params p;
  mtl_read_params_init(&p);
  return p;
}

static mtl_dataset *read_ok(const char *path, const mtl_read_params *p) {
  mtl_dataset *ds = NULL;
  CHECK_OK(mtl_dataset_read(path, p, &ds));
  return ds;
}

/* Reading must fail with code and a message holding sub1 and sub2. */
static void expect_fail(const char *path, const mtl_read_params *p, int code,
                        const char *sub1, const char *sub2) {
  mtl_dataset *ds = NULL;
  CHECK_ERR(mtl_dataset_read(path, p, &ds), code);
  CHECK(ds == NULL);
  if (sub1)
    CHECK_MSG(sub1);
  if (sub2)
    CHECK_MSG(sub2);
}

static double xval(const mtl_dataset *ds, int t, int i, int j) {
  double x[64];
  CHECK_OK(mtl_dataset_get_row(ds, t, i, x));
  return x[j];
}

static int has_note(const mtl_dataset *ds, const char *s) {
  const char *n = mtl_dataset_notes(ds);
  return n && strstr(n, s) != NULL;
}

/* ---- multi-target .npz / .mat ------------------------------------------- */

static void test_multi_npz_mat(void) {
  /* X 6 x 3 row-major; Y 6 x 2: a real target and a {0,1} one */
  double X[18], Y[12], Yt[12];
  for (int i = 0; i < 6; i++) {
    for (int j = 0; j < 3; j++)
      X[i * 3 + j] = i + 0.5 * j;
    Y[i * 2] = 1.5 * i;
    Y[i * 2 + 1] = i % 2;
  }
  member ms[2] = {{"X", "<f8", "(6, 3)", 0, X, sizeof X},
                  {"Y", "<f8", "(6, 2)", 0, Y, sizeof Y}};
  mtl_dataset *ds = read_ok(write_npz("multi.npz", ms, 2), NULL);
  if (ds) {
    CHECK(mtl_dataset_is_shared(ds));
    CHECK(mtl_dataset_ntasks(ds) == 2 && mtl_dataset_dim(ds) == 3);
    CHECK(mtl_dataset_task_n(ds, 0) == 6 && mtl_dataset_task_n(ds, 1) == 6);
    CHECK(mtl_dataset_task_kind(ds, 0) == MTL_TASK_REGRESSION);
    CHECK(mtl_dataset_task_kind(ds, 1) == MTL_TASK_CLASSIFICATION);
    CHECK_CLOSE(mtl_dataset_task_y(ds, 0)[4], 6.0, 0);
    CHECK_CLOSE(mtl_dataset_task_y(ds, 1)[0], -1.0, 0);
    CHECK_CLOSE(mtl_dataset_task_y(ds, 1)[3], 1.0, 0);
    CHECK_CLOSE(xval(ds, 1, 5, 2), 6.0, 0);
    CHECK(has_note(ds, "2 targets sharing one X"));
    mtl_dataset_free(ds);
  }
  /* the task filter keeps its targets of the shared design */
  mtl_read_params pp = defp();
  pp.part_count = 2;
  pp.part_index = 1;
  ds = read_ok(tpath("multi.npz"), &pp);
  if (ds) {
    CHECK(mtl_dataset_ntasks(ds) == 1 && mtl_dataset_global_task(ds, 0) == 1);
    CHECK(mtl_dataset_task_n(ds, 0) == 6);
    CHECK_CLOSE(mtl_dataset_task_y(ds, 0)[3], 1.0, 0);
    CHECK_CLOSE(xval(ds, 0, 5, 2), 6.0, 0);
    mtl_dataset_free(ds);
  }
  /* .mat, --y-var naming a matrix, stored T x N (transposed) */
  for (int i = 0; i < 6; i++)
    for (int t = 0; t < 2; t++)
      Yt[i * 2 + t] = Y[i * 2 + t];
  double Xc[18], Ytn[12];
  for (int i = 0; i < 6; i++)
    for (int j = 0; j < 3; j++)
      Xc[j * 6 + i] = X[i * 3 + j]; /* column-major 6 x 3 */
  for (int t = 0; t < 2; t++)
    for (int i = 0; i < 6; i++)
      Ytn[i * 2 + t] = Yt[i * 2 + t]; /* column-major 2 x 6: (t, i) */
  matvar_t *v[2] = {mdouble("design", 6, 3, Xc), mdouble("likeBuy", 2, 6, Ytn)};
  mtl_read_params p = defp();
  p.x_var = "design";
  p.y_var = "likeBuy";
  ds = read_ok(write_mat("computer.mat", v, 2), &p);
  if (ds) {
    CHECK(mtl_dataset_is_shared(ds) && mtl_dataset_ntasks(ds) == 2);
    CHECK(mtl_dataset_task_n(ds, 0) == 6 && mtl_dataset_dim(ds) == 3);
    CHECK_CLOSE(mtl_dataset_task_y(ds, 0)[5], 7.5, 0);
    CHECK_CLOSE(xval(ds, 0, 2, 1), 2.5, 0);
    mtl_dataset_free(ds);
  }
  /* one matrix whose last K columns are the targets (Sarcos) */
  double M[6 * 5];
  for (int i = 0; i < 6; i++)
    for (int j = 0; j < 5; j++)
      M[j * 6 + i] = 10 * i + j; /* column-major 6 x 5 */
  matvar_t *mv[1] = {mdouble("sarcos_inv", 6, 5, M)};
  p = defp();
  p.targets = "2";
  ds = read_ok(write_mat("sarcos.mat", mv, 1), &p);
  if (ds) {
    CHECK(mtl_dataset_is_shared(ds) && mtl_dataset_ntasks(ds) == 2);
    CHECK(mtl_dataset_dim(ds) == 3 && mtl_dataset_task_n(ds, 0) == 6);
    CHECK_CLOSE(mtl_dataset_task_y(ds, 1)[5], 54.0, 0);
    CHECK_CLOSE(xval(ds, 0, 4, 2), 42.0, 0);
    CHECK(has_note(ds, "the last 2 of 5 columns are the targets"));
    mtl_dataset_free(ds);
  }
  p.targets = "y1,y2";
  expect_fail(tpath("sarcos.mat"), &p, MTL_EINVAL, "targets is a count K",
              NULL);
  p.targets = "5";
  expect_fail(tpath("sarcos.mat"), &p, MTL_EDIM, "has 5 columns; targets = 5 "
                                                 "leaves no feature", NULL);
  /* forced layout needs a 2-D Y whose rows or columns match X */
  double Yb[14] = {0};
  member bad[2] = {{"X", "<f8", "(6, 3)", 0, X, sizeof X},
                   {"Y", "<f8", "(7, 2)", 0, Yb, sizeof Yb}};
  p = defp();
  p.layout = MTL_LAYOUT_MULTITARGET;
  expect_fail(write_npz("badmulti.npz", bad, 2), &p, MTL_EDIM,
              "variable 'X': is 6 x 3 but 'Y' (N x T = 7 x 2)",
              "[read as NPZ format, by extension");
}

/* ---- CSV ------------------------------------------------------------------ */

static const char *CSV3 = "id,x1,x2,y1,y2,note\n"
                          "1,0.5,1,10,1,a\n"
                          "2,1.5,2,20,2,b\n"
                          "3,2.5,3,30,1,a\n"
                          "4,3.5,4,40,2,b\n";

static void test_csv_multi(void) {
  const char *f = write_file("multi.csv", CSV3);
  mtl_read_params p = defp();
  const char *specs[3] = {"y1,y2", "y*", "3,4"};
  for (int k = 0; k < 3; k++) {
    p.targets = specs[k];
    p.drop = "id,note";
    mtl_dataset *ds = read_ok(f, &p);
    if (!ds)
      continue;
    CHECK(mtl_dataset_is_shared(ds));
    CHECK(mtl_dataset_ntasks(ds) == 2 && mtl_dataset_dim(ds) == 2);
    CHECK(mtl_dataset_task_n(ds, 1) == 4);
    CHECK(strcmp(mtl_dataset_task_name(ds, 0), "y1") == 0);
    CHECK(mtl_dataset_task_kind(ds, 0) == MTL_TASK_REGRESSION);
    /* y2 takes the two values {1,2}: classification, 2 -> +1 */
    CHECK(mtl_dataset_task_kind(ds, 1) == MTL_TASK_CLASSIFICATION);
    CHECK_CLOSE(mtl_dataset_task_y(ds, 1)[1], 1.0, 0);
    CHECK_CLOSE(mtl_dataset_task_y(ds, 1)[2], -1.0, 0);
    CHECK(has_note(ds, "labels {1,2} mapped to {-1,+1} (2 -> +1)"));
    CHECK_CLOSE(xval(ds, 0, 3, 1), 4.0, 0);
    mtl_dataset_free(ds);
  }
  /* the last K columns (Mulan), here after dropping "note" */
  p = defp();
  p.targets = "2";
  p.drop = "note";
  p.features = "x2,x1";
  mtl_dataset *ds = read_ok(f, &p);
  if (ds) {
    CHECK(mtl_dataset_ntasks(ds) == 2 && mtl_dataset_dim(ds) == 2);
    CHECK_CLOSE(xval(ds, 0, 0, 0), 1.0, 0); /* x2 first, as listed */
    CHECK_CLOSE(xval(ds, 0, 0, 1), 0.5, 0);
    mtl_dataset_free(ds);
  }
  /* a string column that is not dropped becomes a 0/1 feature */
  p = defp();
  p.targets = "y1,y2";
  ds = read_ok(f, &p);
  if (ds) {
    CHECK(mtl_dataset_dim(ds) == 4);
    CHECK_CLOSE(xval(ds, 0, 1, 3), 1.0, 0);
    CHECK(has_note(ds, "column 'note' holds 2 strings: coded 0/1 ('a' = 0, "
                       "'b' = 1)"));
    mtl_dataset_free(ds);
  }
  /* strings are coded in sort order, whatever the order of the rows */
  ds = read_ok(write_file("zs.csv", "task,y,s\n1,1.5,z\n1,2.5,a\n"
                                    "1,0.5,m\n1,3,a\n"),
               NULL);
  if (ds) {
    CHECK(mtl_dataset_dim(ds) == 3);
    CHECK_CLOSE(xval(ds, 0, 0, 2), 1.0, 0); /* z: the third */
    CHECK_CLOSE(xval(ds, 0, 1, 0), 1.0, 0); /* a: the first */
    CHECK_CLOSE(xval(ds, 0, 2, 1), 1.0, 0);
    CHECK(has_note(ds, "one 0/1 feature per value, in sort order ('a', "
                       "'m', ...)"));
    mtl_dataset_free(ds);
  }
  /* wrong layouts */
  p = defp();
  p.targets = "y1,y9";
  expect_fail(f, &p, MTL_EINVAL, "multi.csv: --targets: no column named 'y9'",
              NULL);
  p.targets = "9";
  expect_fail(f, &p, MTL_EINVAL, "--targets 9 but only 6 columns", NULL);
  p.targets = "y1,y2";
  p.task_column = "id";
  expect_fail(f, &p, MTL_EINVAL, "several targets (--targets) and a task "
                                 "column ('id')", NULL);
  p = defp(); /* a column named task is the task column */
  p.targets = "y*";
  expect_fail(write_file("tmulti.csv", "task,x,y1,y2\n1,2,3,4\n"), &p,
              MTL_EINVAL, "and a task column ('task') together", "--drop");
  p.drop = "task";
  ds = read_ok(tpath("tmulti.csv"), &p);
  if (ds) {
    CHECK(mtl_dataset_ntasks(ds) == 2 && mtl_dataset_dim(ds) == 1);
    mtl_dataset_free(ds);
  }
  p = defp();
  p.targets = "y1";
  p.features = "y1";
  expect_fail(f, &p, MTL_EINVAL, "--features names column 'y1'", NULL);
}

static void test_csv_columns(void) {
  /* Parkinson's-like: subject as task, a leak column to drop */
  const char *f = write_file("pk.data", "subject#,age,motor,total,jit\n"
                                        "1,72,28.5,34,0.1\n"
                                        "1,72,28.0,35,0.2\n"
                                        "2,58,20.0,25,0.3\n"
                                        "2,58,21.5,26,0.4\n"
                                        "2,58,22.5,27,0.5\n");
  mtl_read_params p = defp();
  p.task_column = "subject#";
  p.label_column = "motor";
  p.drop = "total";
  mtl_dataset *ds = read_ok(f, &p); /* .data: CSV found by content */
  if (ds) {
    CHECK(mtl_dataset_ntasks(ds) == 2 && mtl_dataset_dim(ds) == 2);
    CHECK(mtl_dataset_task_n(ds, 1) == 3);
    CHECK(strcmp(mtl_dataset_task_name(ds, 0), "task1") == 0);
    CHECK_CLOSE(mtl_dataset_task_y(ds, 1)[2], 22.5, 0);
    CHECK_CLOSE(xval(ds, 1, 2, 1), 0.5, 0);
    mtl_dataset_free(ds);
  }
  /* the same by index (0-based) */
  p = defp();
  p.task_column = "0";
  p.label_column = "2";
  p.features = "1,4";
  ds = read_ok(f, &p);
  if (ds) {
    CHECK(mtl_dataset_dim(ds) == 2);
    CHECK_CLOSE(xval(ds, 0, 1, 1), 0.2, 0);
    mtl_dataset_free(ds);
  }
  p.task_column = "subject";
  expect_fail(f, &p, MTL_EINVAL, "pk.data: --task-col: no column named "
                                 "'subject'", "subject#");
  p.task_column = "7";
  expect_fail(f, &p, MTL_EINVAL, "--task-col: column 7 is out of range",
              NULL);
  /* no task column: one task named after its label column */
  p = defp();
  p.label_column = "motor";
  ds = read_ok(f, &p);
  if (ds) {
    CHECK(mtl_dataset_ntasks(ds) == 1 && mtl_dataset_dim(ds) == 4);
    CHECK(strcmp(mtl_dataset_task_name(ds, 0), "motor") == 0);
    mtl_dataset_free(ds);
  }
}

static void test_csv_delimiters(void) {
  const char *semi = write_file("semi.csv", "task;label;a;b\n"
                                            "1;0.5;1,5;2\n"
                                            "2;1.5;3;4\n");
  /* "1,5" is not a number with ';' between columns */
  expect_fail(semi, NULL, MTL_EFORMAT, "semi.csv:2: bad number in column 'a'",
              "(value '1,5'); the column holds numbers (line 3)");
  semi = write_file("semi2.csv", "task;label;a;b\n1;0.5;1.5;2\n2;1.5;3;4\n"
                                 "2;2.5;3;5\n");
  mtl_dataset *ds = read_ok(semi, NULL);
  if (ds) {
    CHECK(mtl_dataset_ntasks(ds) == 2 && mtl_dataset_dim(ds) == 2);
    CHECK_CLOSE(xval(ds, 0, 0, 0), 1.5, 0);
    CHECK(has_note(ds, "columns separated by semicolons (detected"));
    mtl_dataset_free(ds);
  }
  const char *tab = write_file("t.tsv", "task\ty\tf1\tf2\n"
                                        "a\t0.5\t1\t2\n"
                                        "b\t1.5\t3\t4\n"
                                        "b\t2.5\t3\t5\n");
  ds = read_ok(tab, NULL);
  if (ds) {
    CHECK(mtl_dataset_ntasks(ds) == 2 && mtl_dataset_dim(ds) == 2);
    CHECK_CLOSE(xval(ds, 1, 1, 1), 5.0, 0);
    CHECK(has_note(ds, "columns separated by tabs"));
    mtl_dataset_free(ds);
  }
  /* a forced delimiter wins over detection */
  mtl_read_params p = defp();
  p.delimiter = ',';
  expect_fail(semi, &p, MTL_EFORMAT, "semi2.csv: no column named 'label'",
              NULL);
  p.delimiter = 'x';
  expect_fail(semi, &p, MTL_EINVAL, "delimiter = 120", NULL);
  /* a file without a header row: columns col0..; the label is the last */
  const char *nh = write_file("nohead.csv", "1,2,3.5\n4,5,6.5\n7,8,9.5\n");
  ds = read_ok(nh, NULL);
  if (ds) {
    CHECK(mtl_dataset_ntasks(ds) == 1 && mtl_dataset_dim(ds) == 2);
    CHECK(strcmp(mtl_dataset_task_name(ds, 0), "col2") == 0);
    CHECK_CLOSE(mtl_dataset_task_y(ds, 0)[2], 9.5, 0);
    CHECK(has_note(ds, "no header row"));
    mtl_dataset_free(ds);
  }
}

/* ---- labels and missing values ------------------------------------------ */

static void test_labels(void) {
  const char *f = write_file("l12.csv", "task,label,a\n1,1,0.5\n1,2,1\n"
                                        "2,2,3\n2,1,4\n");
  mtl_dataset *ds = read_ok(f, NULL);
  if (ds) {
    CHECK(mtl_dataset_task_kind(ds, 0) == MTL_TASK_CLASSIFICATION);
    CHECK_CLOSE(mtl_dataset_task_y(ds, 0)[0], -1.0, 0);
    CHECK_CLOSE(mtl_dataset_task_y(ds, 1)[0], 1.0, 0);
    CHECK(has_note(ds, "labels {1,2} mapped to {-1,+1} (2 -> +1)"));
    mtl_dataset_free(ds);
  }
  mtl_read_params p = defp();
  p.kind = MTL_TASK_REGRESSION;
  ds = read_ok(f, &p);
  if (ds) {
    CHECK(mtl_dataset_task_kind(ds, 0) == MTL_TASK_REGRESSION);
    CHECK_CLOSE(mtl_dataset_task_y(ds, 1)[0], 2.0, 0);
    mtl_dataset_free(ds);
  }
  /* strings {a,b}: the later in sort order is +1 */
  f = write_file("lab.csv", "task,label,a\nx,b,1\nx,a,2\ny,a,3\ny,b,4\n");
  ds = read_ok(f, NULL);
  if (ds) {
    CHECK(mtl_dataset_task_kind(ds, 1) == MTL_TASK_CLASSIFICATION);
    CHECK_CLOSE(mtl_dataset_task_y(ds, 0)[0], 1.0, 0);
    CHECK_CLOSE(mtl_dataset_task_y(ds, 0)[1], -1.0, 0);
    CHECK(has_note(ds, "labels {a,b} mapped to {-1,+1} ('b' -> +1)"));
    mtl_dataset_free(ds);
  }
  f = write_file("lab3.csv", "task,label,a\nx,b,1\nx,a,2\ny,c,3\n");
  expect_fail(f, NULL, MTL_EFORMAT, "target column 'label' holds 3 distinct "
                                    "strings", NULL);
  /* the same rule in the text format, and {-1,+1} left as it is */
  f = write_file("l57.txt", "a 5 1:1\na 7 1:2\nb 7 1:3\n");
  ds = read_ok(f, NULL);
  if (ds) {
    CHECK(mtl_dataset_task_kind(ds, 0) == MTL_TASK_CLASSIFICATION);
    CHECK_CLOSE(mtl_dataset_task_y(ds, 1)[0], 1.0, 0);
    CHECK(has_note(ds, "labels {5,7} mapped to {-1,+1} (7 -> +1)"));
    mtl_dataset_free(ds);
  }
  /* 0 and -1 among other values are real targets, not a mixed label set */
  f = write_file("lreg.txt", "a -1 1:1\na 0 1:2\nb 1 1:3\nb 5 1:1\n");
  ds = read_ok(f, NULL);
  if (ds) {
    CHECK(mtl_dataset_task_kind(ds, 0) == MTL_TASK_REGRESSION);
    CHECK_CLOSE(mtl_dataset_task_y(ds, 0)[0], -1.0, 0);
    mtl_dataset_free(ds);
  }
  f = write_file("lmix.txt", "a -1 1:1\na 0 1:2\nb 1 1:3\n");
  expect_fail(f, NULL, MTL_EFORMAT, "mixed label sets", NULL);
  f = write_file("lpm.txt", "a -1 1:1\na 1 1:2\n");
  ds = read_ok(f, NULL);
  if (ds) {
    CHECK(mtl_dataset_task_kind(ds, 0) == MTL_TASK_CLASSIFICATION);
    CHECK(!has_note(ds, "mapped"));
    mtl_dataset_free(ds);
  }
}

static void test_missing(void) {
  const char *f = write_file("miss.csv", "task,label,a,b\n"
                                         "1,1.5,?,2\n"
                                         "1,2.5,4,NA\n"
                                         "1,3.5,6,8\n"
                                         "2,,1,1\n"
                                         "2,4.5,2,nan\n"
                                         "2,5.5,,3\n");
  expect_fail(f, NULL, MTL_EFORMAT, "miss.csv:2: missing value in column 'a' "
                                    "(value '?')", "--missing drop or mean");
  mtl_read_params p = defp();
  p.missing = MTL_MISSING_DROP;
  mtl_dataset *ds = read_ok(f, &p);
  if (ds) {
    CHECK(mtl_dataset_ntasks(ds) == 1); /* task 2 lost every row */
    CHECK(mtl_dataset_task_n(ds, 0) == 1);
    CHECK_CLOSE(mtl_dataset_task_y(ds, 0)[0], 3.5, 0);
    CHECK(has_note(ds, "5 rows with a missing value dropped"));
    mtl_dataset_free(ds);
  }
  p.missing = MTL_MISSING_MEAN;
  ds = read_ok(f, &p);
  if (ds) {
    /* the row without a label goes; a = mean(4,6,2) = 4 over rows kept,
     * b = mean(2,8,3) = 13/3 */
    CHECK(mtl_dataset_ntasks(ds) == 2);
    CHECK(mtl_dataset_task_n(ds, 0) == 3 && mtl_dataset_task_n(ds, 1) == 2);
    CHECK_CLOSE(xval(ds, 0, 0, 0), 4.0, 1e-15);
    CHECK_CLOSE(xval(ds, 0, 1, 1), 13.0 / 3.0, 1e-15);
    CHECK_CLOSE(xval(ds, 1, 0, 1), 13.0 / 3.0, 1e-15);
    CHECK_CLOSE(xval(ds, 1, 1, 0), 4.0, 1e-15);
    CHECK(has_note(ds, "4 missing feature values replaced by their column's "
                       "mean"));
    CHECK(has_note(ds, "1 row with a missing label or task dropped"));
    mtl_dataset_free(ds);
  }
  /* a missing string of one 0/1 feature per value: the share of each */
  f = write_file("misss.csv", "task,label,s,b\n1,1,u,1\n1,2,v,2\n1,3,v,3\n"
                              "1,4,w,4\n1,5,,5\n2,6,?,6\n");
  ds = read_ok(f, &p);
  if (ds) {
    CHECK(mtl_dataset_dim(ds) == 4);
    CHECK_CLOSE(xval(ds, 0, 4, 0), 0.25, 0);
    CHECK_CLOSE(xval(ds, 0, 4, 1), 0.5, 0);
    CHECK_CLOSE(xval(ds, 1, 0, 2), 0.25, 0);
    CHECK_CLOSE(xval(ds, 0, 3, 2), 1.0, 0);
    CHECK_CLOSE(xval(ds, 0, 3, 1), 0.0, 0);
    CHECK(has_note(ds, "2 missing feature values replaced"));
    mtl_dataset_free(ds);
  }
  f = write_file("nolab.csv", "task,label,a\n1,?,1\n");
  expect_fail(f, NULL, MTL_EFORMAT, "nolab.csv:2: missing label in column "
                                    "'label'", NULL);
  p.missing = MTL_MISSING_DROP;
  expect_fail(f, &p, MTL_EFORMAT, "nolab.csv: no samples found",
              "every row had a missing value");
}

/* ---- ARFF ------------------------------------------------------------------ */

static const char *ENB =
    "% Mulan-style multi-target set\n"
    "@RELATION 'enb: -C -2'\n"
    "\n"
    "@attribute X1 numeric\n"
    "@attribute 'X 2' real\n"
    "@attribute orient {north,south,'east side'}\n"
    "@attribute flag {0,1}\n"
    "@attribute Y1 numeric\n"
    "@attribute Y2 NUMERIC\n"
    "@data\n"
    "1.0,2,north,0,3.5,10\n"
    "% a comment between instances\n"
    "2.0,1,'east side',1,4.5,11\n"
    "3.0,0,south,1,5.5,12.5\n"
    "{0 4, 1 1, 3 1, 4 6.5, 5 13}\n"
    "5.0,?,north,0,7.5,14\n";

static void test_arff(void) {
  const char *f = write_file("enb.arff", ENB);
  mtl_read_params p = defp();
  p.targets = "2";
  expect_fail(f, &p, MTL_EFORMAT, "enb.arff:16: missing value in column "
                                  "'X 2' (value '?')",
              "[read as ARFF format, by extension");
  p.missing = MTL_MISSING_MEAN;
  mtl_dataset *ds = read_ok(f, &p);
  if (ds) {
    CHECK(mtl_dataset_is_shared(ds) && mtl_dataset_ntasks(ds) == 2);
    /* X1, X 2, orient one-hot (3), flag */
    CHECK(mtl_dataset_dim(ds) == 6 && mtl_dataset_task_n(ds, 0) == 5);
    CHECK(strcmp(mtl_dataset_task_name(ds, 1), "Y2") == 0);
    CHECK_CLOSE(xval(ds, 0, 1, 4), 1.0, 0); /* 'east side' */
    CHECK_CLOSE(xval(ds, 0, 1, 2), 0.0, 0);
    CHECK_CLOSE(xval(ds, 0, 3, 0), 4.0, 0); /* sparse row */
    CHECK_CLOSE(xval(ds, 0, 3, 2), 1.0, 0); /* nominal absent = 1st value */
    CHECK_CLOSE(xval(ds, 0, 3, 5), 1.0, 0);
    CHECK_CLOSE(xval(ds, 0, 4, 1), 1.0, 1e-15); /* mean(2,1,0,1) */
    CHECK_CLOSE(mtl_dataset_task_y(ds, 1)[3], 13.0, 0);
    mtl_dataset_free(ds);
  }
  /* by names; the default target is the last attribute */
  p = defp();
  p.targets = "Y1";
  p.drop = "X 2";
  ds = read_ok(f, &p);
  if (ds) {
    CHECK(mtl_dataset_ntasks(ds) == 1 && mtl_dataset_dim(ds) == 6);
    CHECK_CLOSE(mtl_dataset_task_y(ds, 0)[4], 7.5, 0);
    mtl_dataset_free(ds);
  }
  /* found by content under another extension; string targets {neg,pos}
   * are classification with the second declared value as +1 */
  f = write_file("ml.dat", "@relation ml\n"
                           "@attribute a numeric\n"
                           "@attribute \"b c\" numeric\n"
                           "@attribute cls {pos,neg}\n"
                           "@data\n1,2,pos\n3,4,neg\n5,6,neg\n");
  ds = read_ok(f, NULL);
  if (ds) {
    CHECK(mtl_dataset_ntasks(ds) == 1 && mtl_dataset_dim(ds) == 2);
    CHECK(mtl_dataset_task_kind(ds, 0) == MTL_TASK_CLASSIFICATION);
    CHECK_CLOSE(mtl_dataset_task_y(ds, 0)[0], -1.0, 0);
    CHECK(has_note(ds, "labels {pos,neg} mapped to {-1,+1} ('neg' -> +1)"));
    mtl_dataset_free(ds);
  }
  /* errors name file, line and format */
  f = write_file("bad1.arff", "@relation r\n@attribute a numeric\n"
                              "@attribute c {x,y}\n@data\n1,x\n2,z\n");
  expect_fail(f, NULL, MTL_EFORMAT, "bad1.arff:6: value 'z' of column 'c' "
                                    "is not one of its declared values",
              "[read as ARFF format");
  f = write_file("bad2.arff", "@relation r\n@attribute a date\n@data\n");
  expect_fail(f, NULL, MTL_EFORMAT, "bad2.arff:2: unsupported attribute type",
              NULL);
  f = write_file("bad3.arff", "@relation r\n@attribute a numeric\n"
                              "@attribute b numeric\n@data\n1,2\n1,2,3\n");
  expect_fail(f, NULL, MTL_EFORMAT, "bad3.arff:6: wrong column count", NULL);
  f = write_file("bad4.arff", "@relation r\n@attribute a numeric\n"
                              "@attribute b numeric\n@data\n{0 1, 5 2}\n");
  expect_fail(f, NULL, MTL_EFORMAT, "bad4.arff:5: bad sparse entry", NULL);
  f = write_file("bad6.arff", "@relation r\n@attribute a numeric\n"
                              "@attribute b numeric\n@data\n{1 1, 0 2}\n");
  expect_fail(f, NULL, MTL_EFORMAT, "bad6.arff:5: sparse indices must "
                                    "increase (value '0 2')", NULL);
  /* a UTF-8 byte order mark before the header */
  ds = read_ok(write_file("bom.dat", "\xEF\xBB\xBF@relation r\n"
                                     "@attribute a numeric\n@attribute b "
                                     "numeric\n@data\n1,2\n3,4.5\n5,6\n"),
               NULL);
  if (ds) {
    CHECK(mtl_dataset_ntasks(ds) == 1 && mtl_dataset_dim(ds) == 1);
    CHECK(strcmp(mtl_dataset_task_name(ds, 0), "b") == 0);
    mtl_dataset_free(ds);
  }
  ds = read_ok(write_file("bom.csv", "\xEF\xBB\xBFtask;label;a\n1;1.5;2\n"
                                     "2;2.5;3\n2;0.5;1\n"),
               NULL);
  if (ds) {
    CHECK(mtl_dataset_ntasks(ds) == 2 && mtl_dataset_dim(ds) == 1);
    mtl_dataset_free(ds);
  }
  f = write_file("bad5.arff", "@relation r\n@attribute a numeric\n");
  expect_fail(f, NULL, MTL_EFORMAT, "bad5.arff: no @data line", NULL);
  /* an ARFF file read as the text format says so */
  p = defp();
  p.format = MTL_FMT_TEXT;
  expect_fail(write_file("enb2.arff", ENB), &p, MTL_EFORMAT, "enb2.arff:1:",
              "[read as text format, format option");
}

/* ---- a pattern of files, one task each -------------------------------- */

static void test_glob(void) {
  char dir[600];
  snprintf(dir, sizeof dir, "%s/tasks", tmpdir);
  CHECK(mkdir(dir, 0700) == 0);
  write_file("tasks/b.txt", "1 0.5 1:1 3:2\n1 1.5 2:1\n");
  write_file("tasks/a.txt", "x 2.5 1:1\nx 3.5 5:1\nx 4.5 2:2\n");
  write_file("tasks/c.txt", "7 1.25 4:1\n");
  mtl_dataset *ds = read_ok(tpath("tasks/*.txt"), NULL);
  if (ds) {
    CHECK(mtl_dataset_ntasks(ds) == 3 && mtl_dataset_dim(ds) == 5);
    CHECK(strcmp(mtl_dataset_task_name(ds, 0), "a") == 0);
    CHECK(strcmp(mtl_dataset_task_name(ds, 2), "c") == 0);
    CHECK(mtl_dataset_task_n(ds, 0) == 3 && mtl_dataset_task_n(ds, 1) == 2);
    CHECK_CLOSE(xval(ds, 1, 0, 2), 2.0, 0);
    CHECK_CLOSE(mtl_dataset_task_y(ds, 2)[0], 1.25, 0);
    CHECK(has_note(ds, "3 files, read one by one: 3 tasks"));
    mtl_dataset_free(ds);
  }
  /* the task filter applies to the whole */
  mtl_read_params p = defp();
  p.part_count = 2;
  p.part_index = 1;
  ds = read_ok(tpath("tasks/*.txt"), &p);
  if (ds) {
    CHECK(mtl_dataset_ntasks(ds) == 1 && mtl_dataset_global_task(ds, 0) == 1);
    mtl_dataset_free(ds);
  }
  expect_fail(tpath("tasks/*.csv"), NULL, MTL_EIO, "no file matches", NULL);
  write_file("tasks/d.txt", "1 0.5 1:x\n");
  expect_fail(tpath("tasks/*.txt"), NULL, MTL_EFORMAT, "d.txt:1:", NULL);
}

/* ---- options as text ------------------------------------------------------ */

static void test_read_opts(void) {
  const char *f = write_file("opts.csv", "id;x1;x2;y1;y2;note\n"
                                         "1;0.5;1;10;1;a\n2;1.5;2;20;2;b\n"
                                         "3;2.5;;30;1;a\n");
  mtl_dataset *ds = NULL;
  CHECK_OK(mtl_dataset_read_opts(f, "targets=y1,y2;drop=id,note;"
                                    "delimiter=semicolon;missing=mean",
                                 &ds));
  if (ds) {
    CHECK(mtl_dataset_ntasks(ds) == 2 && mtl_dataset_dim(ds) == 2);
    CHECK_CLOSE(xval(ds, 0, 2, 1), 1.5, 0);
    mtl_dataset_free(ds);
  }
  CHECK_ERR(mtl_dataset_read_opts(f, "missing=zero", &ds), MTL_EINVAL);
  CHECK_MSG("expected one of error|drop|mean");
}

int main(void) {
  tmpdir_make("iof");
  test_multi_npz_mat();
  test_csv_multi();
  test_csv_columns();
  test_csv_delimiters();
  test_labels();
  test_missing();
  test_arff();
  test_glob();
  test_read_opts();
  tmpdir_remove();
  CHECK_DONE();
}
