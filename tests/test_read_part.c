/*
 * test_read_part.c -- the readers' task filter (mtl_read_params.part_count
 * and part_index, read option "part=K/P"): every part of every format holds
 * exactly the corresponding tasks of the whole-file read, bit for bit
 * (values, labels, names, kinds, storage, dimension), for several part
 * counts; the parts together hold every task once; bad parts are errors;
 * errors in a part's lines carry the file's own line numbers; the global
 * task indices survive splits and scaling; CSV rows parsed in place read
 * the same as rows split into fields.
 */
#include "check.h"
#include "mtl.h"

#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[] = "/tmp/mtl_test_read_part_XXXXXX";

#define CHECK_INT(a, b)                                                        \
  do {                                                                         \
    check_count++;                                                             \
    long check_x_ = (long)(a), check_y_ = (long)(b);                           \
    if (check_x_ != check_y_) {                                                \
      check_failures++;                                                        \
      fprintf(stderr, "%s:%d: %s = %ld, expected %s = %ld\n", __FILE__,      \
              __LINE__, #a, check_x_, #b, check_y_);                           \
    }                                                                          \
  } while (0)

static const char *tpath(const char *name) {
  static char buf[8][512];
  static int k = 0;
  char *b = buf[k++ % 8];
  snprintf(b, 512, "%s/%s", dir, name);
  return b;
}

static const char *write_file(const char *name, const char *text) {
  const char *p = tpath(name);
  FILE *f = fopen(p, "w");
  fputs(text, f);
  fclose(f);
  return p;
}

/* Task k of part equals task g of whole, bit for bit. */
static int same_task(const mtl_dataset *part, int k, const mtl_dataset *whole,
                     int g) {
  int n = mtl_dataset_task_n(part, k), d = mtl_dataset_dim(part);
  if (n != mtl_dataset_task_n(whole, g) || d != mtl_dataset_dim(whole) ||
      strcmp(mtl_dataset_task_name(part, k),
             mtl_dataset_task_name(whole, g)) != 0 ||
      mtl_dataset_task_kind(part, k) != mtl_dataset_task_kind(whole, g) ||
      mtl_dataset_task_is_sparse(part, k) !=
          mtl_dataset_task_is_sparse(whole, g) ||
      memcmp(mtl_dataset_task_y(part, k), mtl_dataset_task_y(whole, g),
             (size_t)n * sizeof(double)) != 0)
    return 0;
  double *a = malloc((size_t)d * sizeof *a), *b = malloc((size_t)d * sizeof *b);
  int ok = 1;
  for (int i = 0; i < n && ok; i++) {
    mtl_dataset_get_row(part, k, i, a);
    mtl_dataset_get_row(whole, g, i, b);
    ok = memcmp(a, b, (size_t)d * sizeof *a) == 0;
  }
  free(a);
  free(b);
  return ok;
}

/* Every part of P, through the struct and through the option string,
 * against the whole read. */
static void check_parts(const char *path, const char *base, int P) {
  mtl_dataset *whole = NULL;
  char opts[256];
  snprintf(opts, sizeof opts, "%s", base);
  CHECK_OK(mtl_dataset_read_opts(path, opts, &whole));
  if (!whole)
    return;
  int T = mtl_dataset_ntasks(whole);
  if (T < 1) { /* (never: a read dataset has a task) */
    CHECK(T >= 1);
    mtl_dataset_free(whole);
    return;
  }
  CHECK(mtl_dataset_global_tasks(whole) == T);
  for (int t = 0; t < T; t++)
    CHECK(mtl_dataset_global_task(whole, t) == t);
  int *seen = calloc((size_t)T, sizeof *seen);
  for (int part = 0; part < P && part < T; part++) {
    mtl_dataset *ds = NULL;
    snprintf(opts, sizeof opts, "%s%spart=%d/%d", base, *base ? ";" : "",
             part + 1, P);
    CHECK_OK(mtl_dataset_read_opts(path, opts, &ds));
    if (!ds)
      continue;
    int K = mtl_dataset_ntasks(ds), expect = (T - part + P - 1) / P;
    CHECK_INT(K, expect);
    CHECK_INT(mtl_dataset_global_tasks(ds), T);
    for (int k = 0; k < K; k++) {
      int g = mtl_dataset_global_task(ds, k);
      CHECK_INT(g, part + k * P);
      if (g < 0 || g >= T)
        continue;
      seen[g]++;
      if (!same_task(ds, k, whole, g)) {
        check_failures++;
        fprintf(stderr, "%s (%s): local task %d differs from task %d\n",
                path, opts, k, g);
      }
    }
    CHECK(mtl_dataset_global_task(ds, K) == -1);
    mtl_dataset_free(ds);
  }
  for (int t = 0; t < T; t++)
    CHECK_INT(seen[t], P <= T || t < P ? 1 : 0);
  free(seen);
  mtl_dataset_free(whole);
}

/* A generated dataset written by the writer (header: d, kinds, storage). */
static const char *gen_text(const char *name, int T, int sparse) {
  mtl_gen_params g;
  mtl_gen_params_init(&g);
  g.T = T;
  g.d = 9;
  g.support = 4;
  g.n = 11;
  g.n_min = 3;
  g.sparse_x = sparse;
  g.density = 0.3;
  g.seed = 7;
  mtl_dataset *ds = NULL;
  CHECK_OK(mtl_generate(&g, &ds, NULL));
  const char *p = tpath(name);
  CHECK_OK(mtl_dataset_write_text(ds, p));
  mtl_dataset_free(ds);
  return p;
}

static void test_formats(void) {
  const char *dense = gen_text("gen_dense.txt", 7, 0);
  const char *sparse = gen_text("gen_sparse.txt", 6, 1);
  /* no header: names in first-appearance order, interleaved lines, explicit
   * zeros, exponents, the largest index in one task only, 0/1 labels in one
   * task and real labels in another (the file is regression) */
  const char *named = write_file(
      "named.txt",
      "# a comment\n"
      "beta 1 1:0.5 3:1e-3 10:2\n"
      "alpha 0.25 2:-0 4:0.0 5:7.5e+2\n"
      "beta 0 1:1\n"
      "gamma 1 2:3\n"
      "\n"
      "alpha 1.5e-1 1:1 2:2 3:3 4:4\n"
      "delta 0 1:1e-400 2:5\n"
      "gamma 0 1:+2 3:1\n");
  /* integer ids out of order (ordered numerically), {0,1} labels: the whole
   * file is classification, 0 -> -1 even in a part without a 0 */
  const char *ids = write_file("ids.txt", "10 1 1:1\n3 0 2:1\n7 1 1:2 2:2\n"
                                          "3 1 1:1\n10 1 2:3\n-2 1 1:1\n"
                                          "007 0 2:1\n");
  const char *csv = write_file("data.csv",
                               "task,x1,label,x2\n"
                               "b,1,0.5,0\nb,0,1,0\na,2,2,3\nc,0,1,0\n"
                               "a,1,0,1\nd,5,1,1\n");
  /* explicit zeros decide the storage: 6 pairs but 1 nonzero value in
   * 4 x 2 entries is sparse (< 25%) */
  const char *zeros = write_file("zeros.txt", "1 1 1:0 2:0\n2 1 1:0 2:5\n"
                                              "1 0 1:0.0\n2 1 2:-0.0e3\n");
  mtl_dataset *z = NULL;
  CHECK_OK(mtl_dataset_read(zeros, NULL, &z));
  CHECK(z && mtl_dataset_task_is_sparse(z, 0) && mtl_dataset_task_is_sparse(z, 1));
  mtl_dataset_free(z);
  for (int P = 1; P <= 8; P++) {
    check_parts(zeros, "", P);
    check_parts(dense, "", P);
    check_parts(sparse, "", P);
    check_parts(named, "", P);
    check_parts(named, "sparse=1", P);
    check_parts(ids, "", P);
    check_parts(ids, "kind=regression", P);
    check_parts(csv, "", P);
  }
  char p[1024];
  snprintf(p, sizeof p, "%s/school.mat", MTL_DATA_DIR);
  if (access(p, R_OK) == 0) {
    check_parts(p, "", 1);
    check_parts(p, "", 4);
    check_parts(p, "", 139);
  } else {
    printf("skipped: %s not found\n", p);
  }
  snprintf(p, sizeof p, "%s/synthetic_nc24.npz", MTL_DATA_DIR);
  if (access(p, R_OK) == 0) {
    check_parts(p, "", 3);
  } else {
    printf("skipped: %s not found\n", p);
  }
}

/* CSV rows are parsed in place unless they hold quotes; a file whose every
 * row has a quoted field (so every row is split first) reads the same. */
static void test_csv_paths(void) {
  const char *plain = write_file(
      "plain.csv", "task, x1 ,label,x2\r\n"
                   "b, 1e-3 ,0.5,\t-0\r\n"
                   "b,0x1p-3,1,7\n"
                   "a,  2.5E+2,2,3.000000000000000000001\n"
                   "c,0,1,4.9406564584124654e-324\n"
                   "# comment\n"
                   "\n"
                   "a,1,0,1\n");
  const char *quoted = write_file(
      "quoted.csv", "task, x1 ,label,x2\r\n"
                    "\"b\", 1e-3 ,0.5,\t-0\r\n"
                    "b,\"0x1p-3\",1,7\n"
                    "a,  2.5E+2,\"2\",3.000000000000000000001\n"
                    "\"c\",0,1,4.9406564584124654e-324\n"
                    "# comment\n"
                    "\n"
                    "a,1,0,\"1\"\n");
  mtl_dataset *a = NULL, *b = NULL;
  CHECK_OK(mtl_dataset_read_opts(plain, "sparse=0", &a));
  CHECK_OK(mtl_dataset_read_opts(quoted, "sparse=0", &b));
  if (a && b) {
    CHECK_INT(mtl_dataset_ntasks(a), 3);
    for (int t = 0; t < 3; t++)
      CHECK(same_task(a, t, b, t));
    double x[2];
    mtl_dataset_get_row(a, 1, 0, x); /* task a, first row */
    CHECK(x[0] == 250.0 && x[1] == strtod("3.000000000000000000001", NULL));
  }
  mtl_dataset_free(a);
  mtl_dataset_free(b);
  /* a bad row is reported by the splitting path, with its line */
  const char *bad = write_file("bad.csv", "task,label,x\na,1,2\na,1,2 3\n");
  mtl_dataset *c = NULL;
  CHECK_ERR(mtl_dataset_read(bad, NULL, &c), MTL_EFORMAT);
  CHECK(strstr(mtl_last_error(), "bad.csv:3: bad number in column 'x' "
                                 "(value '2 3')") != NULL);
}

static void expect_err(const char *path, const char *opts, int code,
                       const char *msg) {
  mtl_dataset *ds = (mtl_dataset *)1;
  CHECK_ERR(mtl_dataset_read_opts(path, opts, &ds), code);
  CHECK(ds == NULL);
  if (!strstr(mtl_last_error(), msg)) {
    check_failures++;
    fprintf(stderr, "%s (%s): message \"%s\" lacks \"%s\"\n", path, opts,
            mtl_last_error(), msg);
  }
}

static void test_errors(void) {
  const char *f = write_file("four.txt", "1 1 1:1\n2 1 1:1\n3 1 1:1\n"
                                         "4 1 1:1\n");
  expect_err(f, "part=0/4", MTL_EINVAL, "1 <= K <= P");
  expect_err(f, "part=5/4", MTL_EINVAL, "1 <= K <= P");
  expect_err(f, "part=1/0", MTL_EINVAL, "1 <= K <= P");
  expect_err(f, "part=x", MTL_EINVAL, "part = 'x'");
  expect_err(f, "part=1/2/3", MTL_EINVAL, "part = '1/2/3'");
  expect_err(f, "part=6/8", MTL_EINVAL,
             "part 6/8 (part_index 5 of part_count 8) holds no task: the "
             "file has 4 tasks");
  mtl_dataset *ds = NULL;
  CHECK_OK(mtl_dataset_read_opts(f, "part=all", &ds));
  CHECK(ds && mtl_dataset_ntasks(ds) == 4);
  mtl_dataset_free(ds);
  mtl_read_params p;
  mtl_read_params_init(&p);
  struct {
    int count, index;
  } bad[] = {{-1, 0}, {4, 4}, {4, -1}, {0, 1}};
  for (int k = 0; k < 4; k++) {
    p.part_count = bad[k].count;
    p.part_index = bad[k].index;
    ds = (mtl_dataset *)1;
    CHECK_ERR(mtl_dataset_read(f, &p, &ds), MTL_EINVAL);
    CHECK(ds == NULL);
  }
  /* an error in task 2's line 6: its part reports the file's line */
  const char *e = write_file("err.txt", "# header-less\n1 1 1:1\n2 1 1:1\n"
                                        "3 1 1:1\n\n2 0.5 1:zz\n4 1 2:1\n");
  expect_err(e, "", MTL_EFORMAT, "err.txt:6: bad feature value");
  expect_err(e, "part=2/3", MTL_EFORMAT, "err.txt:6: bad feature value");
  expect_err(e, "part=2/2", MTL_EFORMAT, "err.txt:6: bad feature value");
  CHECK_OK(mtl_dataset_read_opts(e, "part=1/2", &ds)); /* tasks 1 and 3 */
  CHECK(ds && mtl_dataset_ntasks(ds) == 2);
  mtl_dataset_free(ds);
  /* errors of the whole file stay errors of every part */
  const char *h = write_file("hdr.txt", "# mtl-dataset d=3 kinds=rr\n"
                                        "1 1 1:1\n2 1 1:1\n3 1 3:1\n");
  expect_err(h, "part=3/3", MTL_EFORMAT, "header lists 2 task kinds");
  const char *big = write_file("big.txt", "1 1 1:1 5:1\n2 1 1:1\n");
  expect_err(big, "dim=3;part=1/2", MTL_EFORMAT,
             "big.txt:1: feature index exceeds dim 3");
  const char *mix = write_file("mix.txt", "1 0 1:1\n2 -1 1:1\n3 1 1:1\n");
  expect_err(mix, "part=3/3", MTL_EFORMAT,
             "task 1 (task1) sample 1 has 0 but task 2 (task2) sample 1 "
             "has -1");
}

/* The global indices survive splits, folds, selections and scaling. */
static void test_derived(void) {
  const char *f = gen_text("derived.txt", 9, 0);
  mtl_dataset *ds = NULL, *tr = NULL, *te = NULL, *sel = NULL, *sc = NULL;
  CHECK_OK(mtl_dataset_read_opts(f, "part=2/3", &ds));
  if (!ds)
    return;
  CHECK_OK(mtl_dataset_split(ds, 0.5, 3, &tr, &te));
  int pick[2] = {2, 0};
  CHECK_OK(mtl_dataset_select_tasks(ds, pick, 2, &sel));
  mtl_scaler s;
  CHECK_OK(mtl_scaler_fit(ds, 1, 1, &s));
  CHECK_OK(mtl_scaler_apply(&s, ds, &sc));
  for (int k = 0; k < 3; k++) {
    CHECK_INT(mtl_dataset_global_task(tr, k), 1 + 3 * k);
    CHECK_INT(mtl_dataset_global_task(te, k), 1 + 3 * k);
    CHECK_INT(mtl_dataset_global_task(sc, k), 1 + 3 * k);
  }
  CHECK_INT(mtl_dataset_global_task(sel, 0), 7);
  CHECK_INT(mtl_dataset_global_task(sel, 1), 1);
  CHECK_INT(mtl_dataset_global_tasks(sel), 9);
  CHECK_INT(mtl_dataset_global_tasks(sc), 9);
  mtl_scaler_clear(&s);
  mtl_dataset *all = NULL, *sub = NULL;
  CHECK_OK(mtl_dataset_read(f, NULL, &all));
  CHECK_OK(mtl_dataset_select_tasks(all, pick, 2, &sub));
  CHECK_INT(mtl_dataset_global_task(sub, 0), 2);
  CHECK_INT(mtl_dataset_global_tasks(sub), 9);
  mtl_dataset_free(all);
  mtl_dataset_free(sub);
  mtl_dataset_free(ds);
  mtl_dataset_free(tr);
  mtl_dataset_free(te);
  mtl_dataset_free(sel);
  mtl_dataset_free(sc);
}

int main(void) {
  if (!mkdtemp(dir)) {
    perror("mkdtemp");
    return 1;
  }
  test_formats();
  test_csv_paths();
  test_errors();
  test_derived();
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0)
    fprintf(stderr, "could not remove %s\n", dir);
  CHECK_DONE();
}
