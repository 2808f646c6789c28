/*
 * test_io_weights.c -- sample weights read from files: a CSV/ARFF weight
 * column (by name and index, interleaved task ids, a dropped row, several
 * targets), .npz/.mat weight variables (task ids out of order, task start
 * rows, multitarget, the default name sample_weight), and the errors:
 * negative, non-finite and non-numeric weights named by file, line and
 * column (or variable and entry), a wrong length, a layout that cannot
 * take weights, a task left with zero total weight; ARFF's instance
 * weights {w} (dense and sparse rows, times a weight column's, bad ones
 * named by file and line, a fit equal to the repeated rows').  Every file
 * is written
 * by the test itself.
 */
#include "check.h"
#include "io_files.h"

#include <unistd.h>

static mtl_read_params defp(void) {
  mtl_read_params p;
  mtl_read_params_init(&p);
  return p;
}

/* Task t's weights equal want[0..n-1]. */
static void check_w(const mtl_dataset *ds, int t, const double *want, int n) {
  const double *w = mtl_dataset_task_sample_weights(ds, t);
  CHECK(mtl_dataset_task_n(ds, t) == n);
  CHECK(w != NULL);
  for (int i = 0; w && i < n; i++)
    CHECK_CLOSE(w[i], want[i], 0);
}

static void expect_fail(const char *path, const mtl_read_params *p, int code,
                        const char *sub) {
  mtl_dataset *ds = NULL;
  CHECK_ERR(mtl_dataset_read(path, p, &ds), code);
  CHECK(ds == NULL);
  CHECK_MSG(sub);
}

static void test_csv(void) {
  const char *f = write_file("w.csv", "task,x,wt,y\n"
                                      "2,1,0.5,1\n"
                                      "1,2,2,2\n"
                                      "2,3,,3\n"
                                      "1,4,3,4\n"
                                      "2,5,1.5,5\n");
  mtl_read_params p = defp();
  p.weight_column = "wt";
  p.missing = MTL_MISSING_DROP; /* the row with no weight goes */
  mtl_dataset *ds = NULL;
  CHECK_OK(mtl_dataset_read(f, &p, &ds));
  if (ds) {
    CHECK(mtl_dataset_dim(ds) == 1); /* wt is not a feature */
    const double w1[] = {2, 3}, w2[] = {0.5, 1.5};
    check_w(ds, 0, w1, 2);
    check_w(ds, 1, w2, 2);
    double x[1];
    CHECK_OK(mtl_dataset_get_row(ds, 1, 1, x));
    CHECK(x[0] == 5);
  }
  mtl_dataset_free(ds);
  p.weight_column = "2"; /* by index; a missing weight is an error */
  p.missing = MTL_MISSING_ERROR;
  expect_fail(f, &p, MTL_EFORMAT, "w.csv:4: missing value in column 'wt'");
  /* several targets share the weights */
  f = write_file("wm.csv", "a,w,y1,y2\n1,1,1,2\n2,2,2,3\n3,0,3,4\n");
  p = defp();
  p.weight_column = "w";
  p.targets = "y1,y2";
  CHECK_OK(mtl_dataset_read(f, &p, &ds));
  if (ds) {
    const double w[] = {1, 2, 0};
    CHECK(mtl_dataset_is_shared(ds) && mtl_dataset_ntasks(ds) == 2);
    check_w(ds, 0, w, 3);
    check_w(ds, 1, w, 3);
  }
  mtl_dataset_free(ds);
  /* errors name file:line and the column */
  p = defp();
  p.weight_column = "wt";
  expect_fail(write_file("n.csv", "task,x,wt,y\n1,1,1,1\n1,2,-3,2\n"), &p,
              MTL_EFORMAT, "n.csv:3: sample weight in column 'wt' is "
                           "negative (value '-3')");
  expect_fail(write_file("s.csv", "task,x,wt,y\n1,1,1,1\n1,2,abc,2\n"), &p,
              MTL_EFORMAT, "s.csv:3: bad sample weight in column 'wt' "
                           "(value 'abc')");
  expect_fail(write_file("i.csv", "task,x,wt,y\n1,1,inf,1\n"), &p,
              MTL_EFORMAT, "i.csv:2: sample weight in column 'wt' is not "
                           "finite (value 'inf')");
  expect_fail(write_file("z.csv", "task,x,wt,y\n1,1,0,1\n2,1,1,2\n"), &p,
              MTL_EFORMAT, "z.csv: column 'wt': task 1 (task1): every "
                           "sample weight is 0");
  p.weight_column = "task";
  expect_fail(tpath("z.csv"), &p, MTL_EINVAL,
              "--weight-col names column 'task', which is the task column");
  p.weight_column = "y";
  p.label_column = "y";
  expect_fail(tpath("z.csv"), &p, MTL_EINVAL, "column 'y' is a target and "
                                              "the weight column");
}

static void test_arff(void) {
  const char *f = write_file("w.arff", "@relation r\n"
                                       "@attribute x numeric\n"
                                       "@attribute wt numeric\n"
                                       "@attribute y numeric\n"
                                       "@data\n1,2,3\n2,0.25,4\n");
  mtl_read_params p = defp();
  p.weight_column = "wt";
  mtl_dataset *ds = NULL;
  CHECK_OK(mtl_dataset_read(f, &p, &ds));
  if (ds) {
    const double w[] = {2, 0.25};
    CHECK(mtl_dataset_dim(ds) == 1);
    check_w(ds, 0, w, 2);
  }
  mtl_dataset_free(ds);
}

/* ARFF instance weights "{w}" after a dense or a sparse instance: the
 * sample weights (1 where absent; times a weight column's); a file without
 * them has none; a bad one is an error naming file and line. */
static void test_arff_instance(void) {
  const char *hdr = "@relation r\n@attribute x numeric\n"
                    "@attribute s {'a}b',c}\n@attribute y numeric\n@data\n";
  char text[512];
  snprintf(text, sizeof text,
           "%s1,'a}b',3,{2}\n2,c,4\n{0 3, 1 c, 2 5}, {0.5}\n"
           "{0 4,2 1},{ 3 }\n%% a comment\n5 , c , 6 , { 0 }\n",
           hdr);
  const char *f = write_file("i.arff", text);
  mtl_read_params p = defp();
  mtl_dataset *ds = NULL;
  CHECK_OK(mtl_dataset_read(f, &p, &ds));
  if (ds) {
    const double w[] = {2, 1, 0.5, 3, 0};
    check_w(ds, 0, w, 5);
    double x[2];
    CHECK_OK(mtl_dataset_get_row(ds, 0, 2, x)); /* {0 3, 1 c, 2 5} */
    CHECK(x[0] == 3 && mtl_dataset_task_y(ds, 0)[2] == 5);
  }
  mtl_dataset_free(ds);
  /* times the weight column's */
  snprintf(text, sizeof text,
           "@relation r\n@attribute x numeric\n@attribute wt numeric\n"
           "@attribute y numeric\n@data\n1,2,3,{1.5}\n2,3,4\n{0 1,1 4},{2}\n");
  f = write_file("iw.arff", text);
  p.weight_column = "wt";
  CHECK_OK(mtl_dataset_read(f, &p, &ds));
  if (ds) {
    const double w[] = {3, 3, 8};
    check_w(ds, 0, w, 3);
  }
  mtl_dataset_free(ds);
  /* no {w}: no weights */
  snprintf(text, sizeof text, "%s1,c,3\n{0 2}\n", hdr);
  p = defp();
  CHECK_OK(mtl_dataset_read(write_file("n.arff", text), &p, &ds));
  if (ds)
    CHECK(mtl_dataset_task_sample_weights(ds, 0) == NULL);
  mtl_dataset_free(ds);
  static const struct {
    const char *rows, *msg;
  } bad[] = {
      {"1,c,3\n2,c,4,{-1}\n", "i2.arff:7: instance weight is negative"},
      {"1,c,3,{nan}\n", "i2.arff:6: instance weight is not finite"},
      {"1,c,3,{inf}\n", "i2.arff:6: instance weight is not finite"},
      {"1,c,3,{x}\n", "i2.arff:6: bad instance weight (need {number})"},
      {"1,c,3,{}\n", "i2.arff:6: bad instance weight"},
      {"1,c,3,{2\n", "i2.arff:6: instance weight without a closing '}'"},
      {"{0 1}, 3\n", "i2.arff:6: after a sparse instance: expected its "
                     "weight {w}"},
      {"{0 1} {2}\n", "i2.arff:6: text after the sparse instance"},
      {"{0 1}, {-2}\n", "i2.arff:6: instance weight is negative"},
      {"1,c,3,{0}\n{0 1},{0}\n", "instance weights {w}: task 1 (y): "
                                 "every sample weight is 0"},
  };
  for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
    snprintf(text, sizeof text, "%s%s", hdr, bad[k].rows);
    expect_fail(write_file("i2.arff", text), &p, MTL_EFORMAT, bad[k].msg);
  }
}

/* A fit on an ARFF file with integer instance weights = on the file with
 * the rows repeated (objective to 1e-10). */
static void test_arff_fit(void) {
  char wtext[2048], rtext[4096];
  const char *hdr = "@relation r\n@attribute x1 numeric\n"
                    "@attribute x2 numeric\n@attribute y numeric\n@data\n";
  int a = snprintf(wtext, sizeof wtext, "%s", hdr);
  int b = snprintf(rtext, sizeof rtext, "%s", hdr);
  unsigned long long seed = 5;
  for (int i = 0; i < 20; i++) {
    double x1 = check_rand(&seed), x2 = check_rand(&seed);
    double y = 1.5 * x1 - x2 + 0.3 * check_rand(&seed);
    int w = i % 5 == 2 ? 0 : 1 + i % 3;
    a += snprintf(wtext + a, sizeof wtext - (size_t)a,
                  i % 2 ? "%.17g,%.17g,%.17g,{%d}\n"
                        : "{0 %.17g,1 %.17g,2 %.17g}, {%d}\n",
                  x1, x2, y, w);
    for (int r = 0; r < w; r++)
      b += snprintf(rtext + b, sizeof rtext - (size_t)b, "%.17g,%.17g,%.17g\n",
                    x1, x2, y);
  }
  mtl_read_params p = defp();
  double obj[2] = {NAN, NAN};
  for (int k = 0; k < 2; k++) {
    mtl_dataset *ds = NULL;
    CHECK_OK(mtl_dataset_read(write_file(k ? "fr.arff" : "fw.arff",
                                         k ? rtext : wtext),
                              &p, &ds));
    mtl_params *q = mtl_params_create("batch");
    CHECK_OK(mtl_params_set(q, "reg", "l1"));
    CHECK_OK(mtl_params_set(q, "lambda", "0.01"));
    CHECK_OK(mtl_params_set(q, "ridge", "0.1"));
    mtl_model *m = NULL;
    mtl_fit_info *info = NULL;
    if (ds)
      CHECK_OK(mtl_fit(ds, q, NULL, &m, &info));
    obj[k] = info ? mtl_fit_info_number(info, "objective") : NAN;
    mtl_fit_info_free(info);
    mtl_model_free(m);
    mtl_params_free(q);
    mtl_dataset_free(ds);
  }
  CHECK_CLOSE(obj[0], obj[1], 1e-10);
}

static void test_npz(void) {
  /* X 6 x 2, task ids 2,1,2,1,1,2: task "1" = rows 1,3,4, "2" = 0,2,5 */
  double X[12], y[6], id[6] = {2, 1, 2, 1, 1, 2}, w[6] = {1, 2, 3, 0, 5, 6};
  for (int i = 0; i < 6; i++) {
    X[2 * i] = i;
    X[2 * i + 1] = 1;
    y[i] = 0.5 * i;
  }
  member ms[4] = {{"X", "<f8", "(6, 2)", 0, X, sizeof X},
                  {"y", "<f8", "(6,)", 0, y, sizeof y},
                  {"task", "<f8", "(6,)", 0, id, sizeof id},
                  {"sample_weight", "<f8", "(6,)", 0, w, sizeof w}};
  mtl_read_params p = defp();
  p.layout = MTL_LAYOUT_TASK_ID;
  mtl_dataset *ds = NULL;
  CHECK_OK(mtl_dataset_read(write_npz("w.npz", ms, 4), &p, &ds));
  if (ds) {
    const double w1[] = {2, 0, 5}, w2[] = {1, 3, 6};
    check_w(ds, 0, w1, 3);
    check_w(ds, 1, w2, 3);
    CHECK(strstr(mtl_dataset_notes(ds), "per-sample weights") != NULL);
  }
  mtl_dataset_free(ds);
  /* task start rows, weights named */
  double st[2] = {1, 4};
  member m2[4] = {{"X", "<f8", "(6, 2)", 0, X, sizeof X},
                  {"y", "<f8", "(6,)", 0, y, sizeof y},
                  {"task_indexes", "<f8", "(2,)", 0, st, sizeof st},
                  {"wts", "<f8", "(6,)", 0, w, sizeof w}};
  p = defp();
  p.weight_column = "wts";
  CHECK_OK(mtl_dataset_read(write_npz("s.npz", m2, 4), &p, &ds));
  if (ds) {
    check_w(ds, 0, w, 3);
    check_w(ds, 1, w + 3, 3);
  }
  mtl_dataset_free(ds);
  /* multitarget: every target the same weights */
  double Y[12];
  for (int k = 0; k < 12; k++)
    Y[k] = k % 5;
  member m3[3] = {{"X", "<f8", "(6, 2)", 0, X, sizeof X},
                  {"Y", "<f8", "(6, 2)", 0, Y, sizeof Y},
                  {"sample_weight", "<f8", "(6,)", 0, w, sizeof w}};
  CHECK_OK(mtl_dataset_read(write_npz("m.npz", m3, 3), NULL, &ds));
  if (ds) {
    CHECK(mtl_dataset_is_shared(ds));
    check_w(ds, 0, w, 6);
    check_w(ds, 1, w, 6);
  }
  mtl_dataset_free(ds);
  /* errors: the entry, the length, the name, the layout */
  double wb[6] = {1, 2, 3, -4, 5, 6};
  ms[3].data = wb;
  p = defp();
  p.layout = MTL_LAYOUT_TASK_ID;
  expect_fail(write_npz("b.npz", ms, 4), &p, MTL_EFORMAT,
              "variable 'sample_weight': entry 4: sample weight -4 is "
              "negative");
  ms[3].shape = "(5,)";
  ms[3].nbytes = 5 * sizeof(double);
  expect_fail(write_npz("l.npz", ms, 4), &p, MTL_EDIM,
              "5 sample weights for 6 samples");
  p.weight_column = "nope";
  expect_fail(tpath("w.npz"), &p, MTL_ENOTFOUND,
              "variable 'nope' (sample weights) not found");
  p = defp();
  p.layout = MTL_LAYOUT_ONEVSREST;
  expect_fail(tpath("w.npz"), &p, MTL_EUNSUPPORTED,
              "not this one (onevsrest)");
}

int main(void) {
  tmpdir_make("iow");
  test_csv();
  test_arff();
  test_arff_instance();
  test_arff_fit();
  test_npz();
  tmpdir_remove();
  CHECK_DONE();
}
