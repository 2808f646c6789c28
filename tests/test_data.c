/*
 * test_data.c -- dataset operations (split, k-fold, subset, task selection,
 * index files), the scaler and the synthetic generators, through mtl.h.
 *
 * Samples are made identifiable: in the hand-made datasets the target of
 * sample i of task t is 1000 t + i and its features are 100 t + 10 i + j,
 * so every derived dataset can be checked row by row against the source.
 */
#include "check.h"

#include <matio.h>
#include <stdint.h>
#include <unistd.h>

#define D3 3
static const int SIZES[3] = {5, 7, 4};

/* Dense dataset: 3 tasks of 5, 7, 4 samples, d = 3, names a b c, weights
 * 1 2 3, tasks 0 and 2 regression, task 1 classification (labels +-1). */
static mtl_dataset *make_dense(void) {
  mtl_dataset *ds = mtl_dataset_create(D3);
  const char *names[3] = {"a", "b", "c"};
  for (int t = 0; t < 3; t++) {
    double X[7 * D3], y[7];
    for (int i = 0; i < SIZES[t]; i++) {
      for (int j = 0; j < D3; j++)
        X[i * D3 + j] = 100 * t + 10 * i + j;
      y[i] = t == 1 ? (i % 2 ? 1.0 : -1.0) : 1000 * t + i;
    }
    int k = mtl_dataset_add_dense(
        ds, SIZES[t], X, y,
        t == 1 ? MTL_TASK_CLASSIFICATION : MTL_TASK_REGRESSION, names[t]);
    CHECK(k == t);
    CHECK_OK(mtl_dataset_set_weight(ds, t, t + 1.0));
  }
  return ds;
}

/* Source row of a derived sample, identified by its first feature. */
static int src_row(const mtl_dataset *ds, int t, int i, int task_src) {
  double x[16];
  mtl_dataset_get_row(ds, t, i, x);
  return (int)lround((x[0] - 100.0 * task_src) / 10.0);
}

/* Row i of task t of a equals row r of task s of b, features and target. */
static int same_row(const mtl_dataset *a, int t, int i, const mtl_dataset *b,
                    int s, int r) {
  double x[64], z[64];
  int d = mtl_dataset_dim(a);
  if (d != mtl_dataset_dim(b) || d > 64)
    return 0;
  if (mtl_dataset_get_row(a, t, i, x) || mtl_dataset_get_row(b, s, r, z))
    return 0;
  return !memcmp(x, z, (size_t)d * sizeof(double)) &&
         mtl_dataset_task_y(a, t)[i] == mtl_dataset_task_y(b, s)[r];
}

/* Checks that train/test of every task partition the task's source rows,
 * rows in increasing source order, metadata preserved.  Returns per-task
 * membership in mark[t][row] (1 train, 2 test). */
static void check_partition(const mtl_dataset *ds, const mtl_dataset *tr,
                            const mtl_dataset *te, int mark[3][8]) {
  CHECK(mtl_dataset_ntasks(tr) == 3 && mtl_dataset_ntasks(te) == 3);
  CHECK(mtl_dataset_dim(tr) == D3 && mtl_dataset_dim(te) == D3);
  for (int t = 0; t < 3; t++) {
    memset(mark[t], 0, sizeof mark[t]);
    for (int part = 0; part < 2; part++) {
      const mtl_dataset *p = part ? te : tr;
      CHECK(!strcmp(mtl_dataset_task_name(p, t), mtl_dataset_task_name(ds, t)));
      CHECK(mtl_dataset_task_kind(p, t) == mtl_dataset_task_kind(ds, t));
      CHECK(mtl_dataset_task_weight(p, t) == t + 1.0);
      CHECK(mtl_dataset_task_is_sparse(p, t) ==
            mtl_dataset_task_is_sparse(ds, t));
      int prev = -1;
      for (int i = 0; i < mtl_dataset_task_n(p, t); i++) {
        int r = src_row(p, t, i, t);
        CHECK(r > prev && r < SIZES[t]);
        prev = r;
        CHECK(same_row(p, t, i, ds, t, r));
        CHECK(mark[t][r] == 0);
        mark[t][r] = part + 1;
      }
    }
    for (int r = 0; r < SIZES[t]; r++)
      CHECK(mark[t][r] != 0);
  }
}

/* Same dataset as make_dense with the rows stored CSR (zeros dropped). */
static mtl_dataset *make_csr(void) {
  mtl_dataset *ds = mtl_dataset_create(D3);
  for (int t = 0; t < 3; t++) {
    int64_t ip[8];
    int32_t ix[7 * D3];
    double v[7 * D3], y[7];
    int q = 0;
    ip[0] = 0;
    for (int i = 0; i < SIZES[t]; i++) {
      for (int j = 0; j < D3; j++) {
        double x = 100 * t + 10 * i + j;
        if (x != 0) {
          ix[q] = j;
          v[q++] = x;
        }
      }
      ip[i + 1] = q;
      y[i] = t == 1 ? (i % 2 ? 1.0 : -1.0) : 1000 * t + i;
    }
    const char *names[3] = {"a", "b", "c"};
    CHECK(mtl_dataset_add_csr(ds, SIZES[t], ip, ix, v, y, -1, names[t]) == t);
    CHECK_OK(mtl_dataset_set_weight(ds, t, t + 1.0));
  }
  return ds;
}

/* Shared design: n = 6 rows, X[i][j] = 10 i + j, 2 regression tasks. */
static mtl_dataset *make_shared(void) {
  mtl_dataset *ds = mtl_dataset_create(D3);
  double X[6 * D3], Y[12];
  for (int i = 0; i < 6; i++) {
    for (int j = 0; j < D3; j++)
      X[i * D3 + j] = 10 * i + j;
    Y[i] = 0.5 + i;
    Y[6 + i] = -2.5 - i;
  }
  CHECK_OK(mtl_dataset_set_shared(ds, 6, X, 2, Y, MTL_TASK_REGRESSION));
  CHECK_OK(mtl_dataset_set_weight(ds, 1, 4.0));
  return ds;
}

/* Every task of a shared-design derived dataset has rows consistent with
 * the source: row i (X[i][0] = 10 r) carries target Y_t[r]. */
static void check_shared_rows(const mtl_dataset *p) {
  for (int t = 0; t < mtl_dataset_ntasks(p); t++)
    for (int i = 0; i < mtl_dataset_task_n(p, t); i++) {
      double x[D3];
      mtl_dataset_get_row(p, t, i, x);
      int r = (int)lround(x[0] / 10);
      double want = t == 0 ? 0.5 + r : -2.5 - r;
      CHECK(mtl_dataset_task_y(p, t)[i] == want);
      CHECK(x[1] == 10 * r + 1 && x[2] == 10 * r + 2);
    }
}

static int datasets_equal(const mtl_dataset *a, const mtl_dataset *b) {
  if (mtl_dataset_ntasks(a) != mtl_dataset_ntasks(b))
    return 0;
  for (int t = 0; t < mtl_dataset_ntasks(a); t++) {
    if (mtl_dataset_task_n(a, t) != mtl_dataset_task_n(b, t))
      return 0;
    for (int i = 0; i < mtl_dataset_task_n(a, t); i++)
      if (!same_row(a, t, i, b, t, i))
        return 0;
  }
  return 1;
}

static void test_split(void) {
  mtl_dataset *ds = make_dense(), *tr, *te, *tr2, *te2;
  int mark[3][8];
  CHECK_OK(mtl_dataset_split(ds, 0.7, 42, &tr, &te));
  /* round(0.7 n): 3.5 -> 4, 4.9 -> 5, 2.8 -> 3 */
  CHECK(mtl_dataset_task_n(tr, 0) == 4 && mtl_dataset_task_n(te, 0) == 1);
  CHECK(mtl_dataset_task_n(tr, 1) == 5 && mtl_dataset_task_n(te, 1) == 2);
  CHECK(mtl_dataset_task_n(tr, 2) == 3 && mtl_dataset_task_n(te, 2) == 1);
  check_partition(ds, tr, te, mark);
  CHECK(!mtl_dataset_is_shared(tr));
  /* Same seed: same split; another seed: a different one somewhere. */
  CHECK_OK(mtl_dataset_split(ds, 0.7, 42, &tr2, &te2));
  CHECK(datasets_equal(tr, tr2) && datasets_equal(te, te2));
  mtl_dataset_free(tr2);
  mtl_dataset_free(te2);
  int differs = 0;
  for (uint64_t s = 1; s <= 5; s++) {
    CHECK_OK(mtl_dataset_split(ds, 0.7, s, &tr2, &te2));
    differs += !datasets_equal(tr, tr2);
    mtl_dataset_free(tr2);
    mtl_dataset_free(te2);
  }
  CHECK(differs >= 4);
  mtl_dataset_free(tr);
  mtl_dataset_free(te);

  /* Extreme ratios still leave one sample in each part. */
  CHECK_OK(mtl_dataset_split(ds, 0.01, 7, &tr, &te));
  for (int t = 0; t < 3; t++)
    CHECK(mtl_dataset_task_n(tr, t) == 1 &&
          mtl_dataset_task_n(te, t) == SIZES[t] - 1);
  check_partition(ds, tr, te, mark);
  mtl_dataset_free(tr);
  mtl_dataset_free(te);
  CHECK_OK(mtl_dataset_split(ds, 0.99, 7, &tr, &te));
  for (int t = 0; t < 3; t++)
    CHECK(mtl_dataset_task_n(te, t) == 1);
  mtl_dataset_free(tr);
  mtl_dataset_free(te);

  /* CSR stays CSR with the same rows. */
  mtl_dataset *cs = make_csr();
  CHECK_OK(mtl_dataset_split(cs, 0.5, 3, &tr, &te));
  for (int t = 0; t < 3; t++)
    CHECK(mtl_dataset_task_is_sparse(tr, t) &&
          mtl_dataset_task_is_sparse(te, t));
  check_partition(cs, tr, te, mark);
  /* Per-task streams: a task's split does not depend on the storage. */
  CHECK_OK(mtl_dataset_split(ds, 0.5, 3, &tr2, &te2));
  CHECK(datasets_equal(tr, tr2) && datasets_equal(te, te2));
  mtl_dataset_free(tr2);
  mtl_dataset_free(te2);
  mtl_dataset_free(tr);
  mtl_dataset_free(te);
  mtl_dataset_free(cs);

  /* Shared design: one split of the common rows, still shared. */
  mtl_dataset *sh = make_shared();
  CHECK_OK(mtl_dataset_split(sh, 0.5, 9, &tr, &te));
  CHECK(mtl_dataset_is_shared(tr) && mtl_dataset_is_shared(te));
  CHECK(mtl_dataset_task_n(tr, 0) == 3 && mtl_dataset_task_n(te, 1) == 3);
  CHECK(mtl_dataset_task_weight(tr, 1) == 4.0);
  check_shared_rows(tr);
  check_shared_rows(te);
  int seen[6] = {0};
  for (int part = 0; part < 2; part++)
    for (int i = 0; i < 3; i++) {
      double x[D3];
      mtl_dataset_get_row(part ? te : tr, 0, i, x);
      seen[(int)lround(x[0] / 10)]++;
    }
  for (int r = 0; r < 6; r++)
    CHECK(seen[r] == 1);
  mtl_dataset_free(tr);
  mtl_dataset_free(te);
  mtl_dataset_free(sh);

  /* Errors. */
  double bad[] = {0.0, 1.0, -0.5, 1.5, NAN};
  for (int k = 0; k < 5; k++) {
    tr = te = (mtl_dataset *)1;
    CHECK_ERR(mtl_dataset_split(ds, bad[k], 1, &tr, &te), MTL_EINVAL);
    CHECK_MSG("ratio");
    CHECK(tr == NULL && te == NULL);
  }
  double X1[D3] = {1, 2, 3}, y1 = 1;
  mtl_dataset *one = make_dense();
  CHECK(mtl_dataset_add_dense(one, 1, X1, &y1, 0, "single") == 3);
  CHECK_ERR(mtl_dataset_split(one, 0.5, 1, &tr, &te), MTL_EINVAL);
  CHECK_MSG("task 4 (single) has 1 sample");
  mtl_dataset_free(one);
  mtl_dataset *empty = mtl_dataset_create(2);
  CHECK_ERR(mtl_dataset_split(empty, 0.5, 1, &tr, &te), MTL_EINVAL);
  CHECK_MSG("no tasks");
  CHECK_ERR(mtl_dataset_split(NULL, 0.5, 1, &tr, &te), MTL_EINVAL);
  CHECK_ERR(mtl_dataset_split(ds, 0.5, 1, NULL, &te), MTL_EINVAL);
  mtl_dataset_free(empty);
  mtl_dataset_free(ds);
}

static void test_kfold(void) {
  mtl_dataset *ds = make_dense(), *tr, *te;
  int mark[3][8], in_test[3][8] = {{0}};
  const int k = 3;
  for (int f = 0; f < k; f++) {
    CHECK_OK(mtl_dataset_kfold(ds, k, f, 11, &tr, &te));
    check_partition(ds, tr, te, mark);
    for (int t = 0; t < 3; t++) {
      /* fold f holds the shuffled positions p = f (mod k) */
      int want = SIZES[t] / k + (f < SIZES[t] % k);
      CHECK(mtl_dataset_task_n(te, t) == want);
      for (int r = 0; r < SIZES[t]; r++)
        in_test[t][r] += mark[t][r] == 2;
    }
    mtl_dataset_free(tr);
    mtl_dataset_free(te);
  }
  /* Every sample is in exactly one test fold. */
  for (int t = 0; t < 3; t++)
    for (int r = 0; r < SIZES[t]; r++)
      CHECK(in_test[t][r] == 1);

  /* k = n: leave-one-out on the smallest task. */
  CHECK_OK(mtl_dataset_kfold(ds, 4, 3, 5, &tr, &te));
  CHECK(mtl_dataset_task_n(te, 2) == 1 && mtl_dataset_task_n(tr, 2) == 3);
  mtl_dataset_free(tr);
  mtl_dataset_free(te);

  /* Shared design folds stay shared and cover the rows once. */
  mtl_dataset *sh = make_shared();
  int seen[6] = {0};
  for (int f = 0; f < 3; f++) {
    CHECK_OK(mtl_dataset_kfold(sh, 3, f, 2, &tr, &te));
    CHECK(mtl_dataset_is_shared(te) && mtl_dataset_task_n(te, 1) == 2);
    check_shared_rows(te);
    check_shared_rows(tr);
    for (int i = 0; i < 2; i++) {
      double x[D3];
      mtl_dataset_get_row(te, 0, i, x);
      seen[(int)lround(x[0] / 10)]++;
    }
    mtl_dataset_free(tr);
    mtl_dataset_free(te);
  }
  for (int r = 0; r < 6; r++)
    CHECK(seen[r] == 1);
  mtl_dataset_free(sh);

  /* Errors. */
  CHECK_ERR(mtl_dataset_kfold(ds, 1, 0, 1, &tr, &te), MTL_EINVAL);
  CHECK_MSG("k = 1");
  CHECK_ERR(mtl_dataset_kfold(ds, 0, 0, 1, &tr, &te), MTL_EINVAL);
  CHECK_MSG("k >= 2");
  CHECK_ERR(mtl_dataset_kfold(ds, 3, 3, 1, &tr, &te), MTL_EINVAL);
  CHECK_MSG("fold = 3 out of range [0, 3)");
  CHECK_ERR(mtl_dataset_kfold(ds, 3, -1, 1, &tr, &te), MTL_EINVAL);
  CHECK_MSG("fold = -1");
  CHECK_ERR(mtl_dataset_kfold(ds, 5, 0, 1, &tr, &te), MTL_EINVAL);
  CHECK_MSG("task 3 (c) has 4 samples, fewer than k = 5");
  CHECK(tr == NULL && te == NULL);
  mtl_dataset_free(ds);
}

static void test_subset(void) {
  mtl_dataset *ds = make_dense(), *out;
  /* offsets 0, 5, 12; total 16 */
  int64_t idx[] = {15, 0, 5, 6, 12, 2};
  CHECK_OK(mtl_dataset_subset(ds, idx, 6, &out));
  CHECK(mtl_dataset_ntasks(out) == 3 && mtl_dataset_total_n(out) == 6);
  const int want[3][2] = {{0, 2}, {0, 1}, {3, 0}}; /* order of idx kept */
  for (int t = 0; t < 3; t++) {
    CHECK(mtl_dataset_task_n(out, t) == 2);
    for (int i = 0; i < 2; i++)
      CHECK(same_row(out, t, i, ds, t, want[t][i]));
    CHECK(mtl_dataset_task_weight(out, t) == t + 1.0);
    CHECK(!strcmp(mtl_dataset_task_name(out, t), mtl_dataset_task_name(ds, t)));
  }
  CHECK(mtl_dataset_task_kind(out, 1) == MTL_TASK_CLASSIFICATION);
  mtl_dataset_free(out);

  /* CSR. */
  mtl_dataset *cs = make_csr();
  CHECK_OK(mtl_dataset_subset(cs, idx, 6, &out));
  for (int t = 0; t < 3; t++) {
    CHECK(mtl_dataset_task_is_sparse(out, t));
    for (int i = 0; i < 2; i++)
      CHECK(same_row(out, t, i, ds, t, want[t][i]));
  }
  mtl_dataset_free(out);
  mtl_dataset_free(cs);

  /* Shared: the same local rows in every task keep the design shared;
   * different rows give per-task copies. */
  mtl_dataset *sh = make_shared();
  int64_t same[] = {1, 4, 7, 10}, diff[] = {0, 1, 11};
  CHECK_OK(mtl_dataset_subset(sh, same, 4, &out));
  CHECK(mtl_dataset_is_shared(out) && mtl_dataset_task_n(out, 1) == 2);
  check_shared_rows(out);
  CHECK(mtl_dataset_task_weight(out, 1) == 4.0);
  mtl_dataset_free(out);
  CHECK_OK(mtl_dataset_subset(sh, diff, 3, &out));
  CHECK(!mtl_dataset_is_shared(out));
  CHECK(mtl_dataset_task_n(out, 0) == 2 && mtl_dataset_task_n(out, 1) == 1);
  check_shared_rows(out);
  double x[D3];
  mtl_dataset_get_row(out, 1, 0, x);
  CHECK(x[0] == 50 && mtl_dataset_task_y(out, 1)[0] == -7.5);
  mtl_dataset_free(out);
  mtl_dataset_free(sh);

  /* Errors. */
  int64_t oob[] = {0, 5, 16, 12};
  out = (mtl_dataset *)1;
  CHECK_ERR(mtl_dataset_subset(ds, oob, 4, &out), MTL_EINVAL);
  CHECK_MSG("position 2 is 16, out of range [0, 16)");
  CHECK(out == NULL);
  int64_t neg[] = {-1};
  CHECK_ERR(mtl_dataset_subset(ds, neg, 1, &out), MTL_EINVAL);
  CHECK_MSG("position 0 is -1");
  int64_t miss[] = {0, 1, 12};
  CHECK_ERR(mtl_dataset_subset(ds, miss, 3, &out), MTL_EINVAL);
  CHECK_MSG("task 2 (b) is left with no samples");
  CHECK_ERR(mtl_dataset_subset(ds, idx, 0, &out), MTL_EINVAL);
  mtl_dataset_free(ds);
}

static void test_select_tasks(void) {
  mtl_dataset *ds = make_dense(), *out;
  int sel[] = {2, 0, 2};
  CHECK_OK(mtl_dataset_select_tasks(ds, sel, 3, &out));
  CHECK(mtl_dataset_ntasks(out) == 3);
  for (int k = 0; k < 3; k++) {
    int t = sel[k];
    CHECK(mtl_dataset_task_n(out, k) == SIZES[t]);
    CHECK(!strcmp(mtl_dataset_task_name(out, k), mtl_dataset_task_name(ds, t)));
    CHECK(mtl_dataset_task_weight(out, k) == t + 1.0);
    for (int i = 0; i < SIZES[t]; i++)
      CHECK(same_row(out, k, i, ds, t, i));
  }
  mtl_dataset_free(out);
  mtl_dataset *sh = make_shared();
  int one[] = {1};
  CHECK_OK(mtl_dataset_select_tasks(sh, one, 1, &out));
  CHECK(mtl_dataset_is_shared(out) && mtl_dataset_ntasks(out) == 1);
  CHECK(mtl_dataset_task_y(out, 0)[5] == -7.5);
  CHECK(mtl_dataset_task_weight(out, 0) == 4.0);
  mtl_dataset_free(out);
  mtl_dataset_free(sh);
  int bad[] = {0, 3};
  CHECK_ERR(mtl_dataset_select_tasks(ds, bad, 2, &out), MTL_EINVAL);
  CHECK_MSG("entry 1 is task index 3, out of range [0, 3)");
  CHECK_ERR(mtl_dataset_select_tasks(ds, bad, 0, &out), MTL_EINVAL);
  mtl_dataset_free(ds);
}

/* ---- index files --------------------------------------------------------- */

static char tmpdir[256];

static const char *tmp_path(const char *name) {
  static char buf[512];
  snprintf(buf, sizeof buf, "%s/%s", tmpdir, name);
  return buf;
}

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  fputs(text, f);
  fclose(f);
}

static void mat_add(mat_t *mat, const char *name, enum matio_classes c,
                    enum matio_types ty, size_t r, size_t cl, void *data) {
  size_t dims[2] = {r, cl};
  matvar_t *mv = Mat_VarCreate(name, c, ty, 2, dims, data, 0);
  Mat_VarWrite(mat, mv, MAT_COMPRESSION_NONE);
  Mat_VarFree(mv);
}

static void test_index_text(void) {
  int64_t *idx, m;
  const char *p = tmp_path("idx.txt");
  write_file(p, "1 2 3\n# comment\n\n4,5 # five\n  10\r\n3.0e0#x\n");
  CHECK_OK(mtl_read_index_file(p, NULL, &idx, &m));
  int64_t want[] = {0, 1, 2, 3, 4, 9, 2};
  CHECK(m == 7);
  for (int k = 0; k < 7 && k < m; k++)
    CHECK(idx[k] == want[k]);
  mtl_free(idx);

  write_file(p, "1 2\n3 x7\n");
  CHECK_ERR(mtl_read_index_file(p, NULL, &idx, &m), MTL_EFORMAT);
  CHECK_MSG("idx.txt:2: 'x7' is not a number");
  CHECK(idx == NULL && m == 0);
  write_file(p, "1\n\n2.5\n");
  CHECK_ERR(mtl_read_index_file(p, NULL, &idx, &m), MTL_EFORMAT);
  CHECK_MSG("idx.txt:3: index 2.5 is not an integer");
  write_file(p, "4 0\n");
  CHECK_ERR(mtl_read_index_file(p, NULL, &idx, &m), MTL_EFORMAT);
  CHECK_MSG("idx.txt:1: index 0 is < 1");
  write_file(p, "7 -3\n");
  CHECK_ERR(mtl_read_index_file(p, NULL, &idx, &m), MTL_EFORMAT);
  CHECK_MSG("index -3 is < 1");
  write_file(p, "12abc\n");
  CHECK_ERR(mtl_read_index_file(p, NULL, &idx, &m), MTL_EFORMAT);
  CHECK_MSG("'12abc'");
  write_file(p, "# nothing\n\n");
  CHECK_ERR(mtl_read_index_file(p, NULL, &idx, &m), MTL_EFORMAT);
  CHECK_MSG("no indices");
  CHECK_ERR(mtl_read_index_file(tmp_path("missing.txt"), NULL, &idx, &m),
            MTL_EIO);
  CHECK_MSG("missing.txt");
  CHECK_ERR(mtl_read_index_file(p, NULL, NULL, &m), MTL_EINVAL);
  unlink(p);
}

static void test_index_mat(void) {
  int64_t *idx, m;
  const char *p = tmp_path("idx.mat");
  mat_t *mat = Mat_CreateVer(p, NULL, MAT_FT_MAT5);
  CHECK(mat != NULL);
  int32_t i32[4] = {3, 1, 2, 40};
  uint16_t u16[3] = {7, 8, 65535};
  double dbl[2] = {5, 6};
  float sgl[2] = {9, 1};
  double frac[3] = {1, 2.5, 3};
  int8_t zero[2] = {2, 0};
  double mtx[4] = {1, 2, 3, 4};
  uint64_t u64[1] = {123456789012ULL};
  mat_add(mat, "tr", MAT_C_INT32, MAT_T_INT32, 4, 1, i32);
  mat_add(mat, "u", MAT_C_UINT16, MAT_T_UINT16, 1, 3, u16);
  mat_add(mat, "dcol", MAT_C_DOUBLE, MAT_T_DOUBLE, 2, 1, dbl);
  mat_add(mat, "s", MAT_C_SINGLE, MAT_T_SINGLE, 1, 2, sgl);
  mat_add(mat, "frac", MAT_C_DOUBLE, MAT_T_DOUBLE, 3, 1, frac);
  mat_add(mat, "zero", MAT_C_INT8, MAT_T_INT8, 2, 1, zero);
  mat_add(mat, "mtx", MAT_C_DOUBLE, MAT_T_DOUBLE, 2, 2, mtx);
  mat_add(mat, "big", MAT_C_UINT64, MAT_T_UINT64, 1, 1, u64);
  Mat_Close(mat);

  CHECK_OK(mtl_read_index_file(p, "tr", &idx, &m));
  CHECK(m == 4 && idx[0] == 2 && idx[1] == 0 && idx[2] == 1 && idx[3] == 39);
  mtl_free(idx);
  CHECK_OK(mtl_read_index_file(p, "u", &idx, &m));
  CHECK(m == 3 && idx[0] == 6 && idx[1] == 7 && idx[2] == 65534);
  mtl_free(idx);
  CHECK_OK(mtl_read_index_file(p, "dcol", &idx, &m));
  CHECK(m == 2 && idx[0] == 4 && idx[1] == 5);
  mtl_free(idx);
  CHECK_OK(mtl_read_index_file(p, "s", &idx, &m));
  CHECK(m == 2 && idx[0] == 8 && idx[1] == 0);
  mtl_free(idx);
  CHECK_OK(mtl_read_index_file(p, "big", &idx, &m));
  CHECK(m == 1 && idx[0] == 123456789011LL);
  mtl_free(idx);

  CHECK_ERR(mtl_read_index_file(p, "frac", &idx, &m), MTL_EFORMAT);
  CHECK_MSG("idx.mat:frac: entry 2: index 2.5 is not an integer");
  CHECK_ERR(mtl_read_index_file(p, "zero", &idx, &m), MTL_EFORMAT);
  CHECK_MSG("idx.mat:zero: entry 2: index 0 is < 1");
  CHECK_ERR(mtl_read_index_file(p, "mtx", &idx, &m), MTL_EFORMAT);
  CHECK_MSG("mtx: is 2 x 2, not a vector");
  CHECK_ERR(mtl_read_index_file(p, "nope", &idx, &m), MTL_ENOTFOUND);
  CHECK_MSG("no variable 'nope'");
  CHECK_ERR(mtl_read_index_file(p, NULL, &idx, &m), MTL_EINVAL);
  CHECK_MSG("several variables");
  CHECK(idx == NULL && m == 0);

  /* A file with a single variable needs no name. */
  const char *p1 = tmp_path("one.mat");
  mat = Mat_CreateVer(p1, NULL, MAT_FT_MAT5);
  mat_add(mat, "tst", MAT_C_UINT16, MAT_T_UINT16, 3, 1, u16);
  Mat_Close(mat);
  CHECK_OK(mtl_read_index_file(p1, NULL, &idx, &m));
  CHECK(m == 3 && idx[2] == 65534);
  mtl_free(idx);

  /* A cell is not an index vector. */
  mat = Mat_CreateVer(p1, NULL, MAT_FT_MAT5);
  size_t dims[2] = {1, 1};
  matvar_t *cell = Mat_VarCreate("c", MAT_C_CELL, MAT_T_CELL, 2, dims, NULL, 0);
  size_t d1[2] = {1, 1};
  Mat_VarSetCell(
      cell, 0, Mat_VarCreate(NULL, MAT_C_DOUBLE, MAT_T_DOUBLE, 2, d1, dbl, 0));
  Mat_VarWrite(mat, cell, MAT_COMPRESSION_NONE);
  Mat_VarFree(cell);
  Mat_Close(mat);
  CHECK_ERR(mtl_read_index_file(p1, "c", &idx, &m), MTL_EFORMAT);
  CHECK_MSG("one.mat:c: not a real numeric array");

  write_file(p1, "not a mat file");
  CHECK_ERR(mtl_read_index_file(p1, "tr", &idx, &m), MTL_EIO);
  CHECK_MSG("one.mat");
  unlink(p);
  unlink(p1);
}

/* A synthetic dataset subset by the indices of a text index file. */
static void test_index_subset(void) {
  mtl_gen_params gp;
  mtl_gen_params_init(&gp);
  gp.T = 3;
  gp.n = 10;
  gp.d = 4;
  gp.support = 2;
  mtl_dataset *ds, *out;
  CHECK_OK(mtl_generate(&gp, &ds, NULL));
  const char *p = tmp_path("odd.txt");
  write_file(p, "1 3 5 7 9\n11 13 15 17 19\n21 23 25 27 29\n");
  int64_t *idx, m;
  CHECK_OK(mtl_read_index_file(p, NULL, &idx, &m));
  CHECK(m == 15);
  CHECK_OK(mtl_dataset_subset(ds, idx, m, &out));
  for (int t = 0; t < 3; t++) {
    CHECK(mtl_dataset_task_n(out, t) == 5);
    for (int i = 0; i < 5; i++)
      CHECK(same_row(out, t, i, ds, t, 2 * i));
  }
  mtl_dataset_free(out);
  mtl_free(idx);
  unlink(p);
  mtl_dataset_free(ds);
}

/* The published School splits: tr and tst partition the 15362 samples,
 * and subsetting a dataset with School's task sizes leaves every school
 * with training and test samples. */
static void test_school_split(void) {
  const char *dir = getenv("MTL_DATA_DIR");
#ifdef MTL_DATA_DIR
  if (!dir)
    dir = MTL_DATA_DIR;
#endif
  char pi[4096], pb[4096];
  snprintf(pi, sizeof pi, "%s/school_argyriou/school_1_indexes.mat",
           dir ? dir : "../shared/data");
  snprintf(pb, sizeof pb, "%s/school_argyriou/school_b.mat",
           dir ? dir : "../shared/data");
  if (access(pi, R_OK) || access(pb, R_OK)) {
    fprintf(stderr, "skip: School split files not found (%s)\n", pi);
    return;
  }
  int64_t *tr, *te, mtr, mte;
  CHECK_OK(mtl_read_index_file(pi, "tr", &tr, &mtr));
  CHECK_OK(mtl_read_index_file(pi, "tst", &te, &mte));
  CHECK(mtr == 11472 && mte == 3890);
  const int N = 15362;
  char *seen = calloc(N, 1);
  for (int64_t k = 0; k < mtr; k++) {
    CHECK(tr[k] >= 0 && tr[k] < N);
    if (tr[k] >= 0 && tr[k] < N)
      seen[tr[k]] |= 1;
  }
  for (int64_t k = 0; k < mte; k++) {
    CHECK(te[k] >= 0 && te[k] < N);
    if (te[k] >= 0 && te[k] < N)
      seen[te[k]] |= 2;
  }
  int cover = 0, both = 0;
  for (int i = 0; i < N; i++) {
    cover += seen[i] != 0;
    both += seen[i] == 3;
  }
  CHECK(cover == N && both == 0);
  free(seen);

  /* Task sizes from school_b.mat's 1-based start rows. */
  mat_t *mat = Mat_Open(pb, MAT_ACC_RDONLY);
  matvar_t *mv = mat ? Mat_VarRead(mat, "task_indexes") : NULL;
  CHECK(mv != NULL);
  if (mv) {
    size_t T = mv->dims[0] * mv->dims[1];
    CHECK(T == 139);
    mtl_dataset *ds = mtl_dataset_create(1);
    for (size_t t = 0; t < T; t++) {
      double s0 = 0, s1 = N + 1;
      /* task_indexes may be stored as double or an integer class */
      if (mv->class_type == MAT_C_DOUBLE) {
        s0 = ((double *)mv->data)[t];
        s1 = t + 1 < T ? ((double *)mv->data)[t + 1] : N + 1;
      } else if (mv->class_type == MAT_C_UINT16) {
        s0 = ((uint16_t *)mv->data)[t];
        s1 = t + 1 < T ? ((uint16_t *)mv->data)[t + 1] : N + 1;
      }
      int n = (int)(s1 - s0);
      double *X = malloc(n * sizeof *X), *y = malloc(n * sizeof *y);
      for (int i = 0; i < n; i++)
        X[i] = y[i] = s0 - 1 + i; /* the global 0-based index */
      CHECK(mtl_dataset_add_dense(ds, n, X, y, 0, NULL) == (int)t);
      free(X);
      free(y);
    }
    CHECK(mtl_dataset_total_n(ds) == N);
    mtl_dataset *dtr, *dte;
    CHECK_OK(mtl_dataset_subset(ds, tr, mtr, &dtr));
    CHECK_OK(mtl_dataset_subset(ds, te, mte, &dte));
    if (dtr && dte) {
      CHECK(mtl_dataset_total_n(dtr) == mtr && mtl_dataset_total_n(dte) == mte);
      int64_t q = 0, qe = 0;
      for (int t = 0; t < (int)T; t++) {
        int ntr = mtl_dataset_task_n(dtr, t), nte = mtl_dataset_task_n(dte, t);
        /* about 75/25 within each school */
        CHECK(ntr >= 1 && nte >= 1);
        CHECK_CLOSE((double)ntr / (ntr + nte), 0.75, 0.1);
        const double *y = mtl_dataset_task_y(dtr, t);
        for (int i = 0; i < ntr; i++, q++)
          CHECK(y[i] == (double)tr[q]);
        qe += nte;
      }
      CHECK(q == mtr && qe == mte);
    }
    mtl_dataset_free(dtr);
    mtl_dataset_free(dte);
    mtl_dataset_free(ds);
  }
  Mat_VarFree(mv);
  if (mat)
    Mat_Close(mat);
  mtl_free(tr);
  mtl_free(te);
}

/* ---- scaler ----------------------------------------------------------------
 */

static void test_scaler_dense(void) {
  /* Pooled over both tasks: f0 = 1 3 5 (mean 3, var 8/3), f1 = 2 4 9
   * (mean 5, var 26/3), f2 = 0.1 constant (scale 1). */
  mtl_dataset *ds = mtl_dataset_create(3), *out;
  double X0[] = {1, 2, 0.1, 3, 4, 0.1}, y0[] = {1, 2};
  double X1[] = {5, 9, 0.1}, y1[] = {-1};
  CHECK(mtl_dataset_add_dense(ds, 2, X0, y0, 0, "p") == 0);
  CHECK(mtl_dataset_add_dense(ds, 1, X1, y1, 1, "q") == 1);
  CHECK_OK(mtl_dataset_set_weight(ds, 1, 2.5));
  mtl_scaler s;
  CHECK_OK(mtl_scaler_fit(ds, 1, 1, &s));
  CHECK(s.d == 3 && s.standardize == 1 && s.bias == 1);
  CHECK_CLOSE(s.mean[0], 3.0, 1e-15);
  CHECK_CLOSE(s.mean[1], 5.0, 1e-15);
  CHECK_CLOSE(s.mean[2], 0.1, 1e-15);
  CHECK_CLOSE(s.scale[0], sqrt(8.0 / 3), 1e-15);
  CHECK_CLOSE(s.scale[1], sqrt(26.0 / 3), 1e-15);
  CHECK(s.scale[2] == 1.0);
  CHECK_OK(mtl_scaler_apply(&s, ds, &out));
  CHECK(mtl_dataset_dim(out) == 4 && mtl_dataset_ntasks(out) == 2);
  double x[4];
  CHECK_OK(mtl_dataset_get_row(out, 0, 1, x));
  CHECK_CLOSE(x[0], 0.0, 1e-15);
  CHECK_CLOSE(x[1], -1.0 / sqrt(26.0 / 3), 1e-15);
  CHECK_CLOSE(x[2], 0.0, 1e-15);
  CHECK(x[3] == 1.0);
  CHECK_OK(mtl_dataset_get_row(out, 1, 0, x));
  CHECK_CLOSE(x[0], 2.0 / sqrt(8.0 / 3), 1e-15);
  CHECK_CLOSE(x[1], 4.0 / sqrt(26.0 / 3), 1e-15);
  CHECK(x[3] == 1.0);
  /* Standardized columns: mean 0, population variance 1 (f0, f1). */
  for (int j = 0; j < 2; j++) {
    double m1 = 0, m2 = 0;
    for (int t = 0; t < 2; t++)
      for (int i = 0; i < mtl_dataset_task_n(out, t); i++) {
        mtl_dataset_get_row(out, t, i, x);
        m1 += x[j];
        m2 += x[j] * x[j];
      }
    CHECK_CLOSE(m1 / 3, 0.0, 1e-14);
    CHECK_CLOSE(m2 / 3, 1.0, 1e-14);
  }
  CHECK(mtl_dataset_task_y(out, 1)[0] == -1.0);
  CHECK(mtl_dataset_task_kind(out, 1) == MTL_TASK_CLASSIFICATION);
  CHECK(mtl_dataset_task_weight(out, 1) == 2.5);
  CHECK(!strcmp(mtl_dataset_task_name(out, 1), "q"));
  CHECK(!mtl_dataset_task_is_sparse(out, 0));
  mtl_dataset_free(out);

  /* Dimension mismatch. */
  mtl_dataset *d2 = mtl_dataset_create(2);
  double X2[] = {1, 2};
  mtl_dataset_add_dense(d2, 1, X2, y0, 0, NULL);
  CHECK_ERR(mtl_scaler_apply(&s, d2, &out), MTL_EDIM);
  CHECK_MSG("fitted on 3 features but the dataset has 2");
  CHECK(out == NULL);
  mtl_dataset_free(d2);
  mtl_scaler_clear(&s);
  mtl_scaler_clear(&s); /* idempotent */
  CHECK(s.mean == NULL && s.scale == NULL);
  CHECK_ERR(mtl_scaler_apply(&s, ds, &out), MTL_EINVAL);
  CHECK_MSG("not fitted");

  /* Bias only: identity plus a column of ones. */
  CHECK_OK(mtl_scaler_fit(ds, 0, 1, &s));
  CHECK(s.mean[1] == 0 && s.scale[1] == 1);
  CHECK_OK(mtl_scaler_apply(&s, ds, &out));
  CHECK_OK(mtl_dataset_get_row(out, 0, 1, x));
  CHECK(x[0] == 3 && x[1] == 4 && x[2] == 0.1 && x[3] == 1);
  mtl_dataset_free(out);
  mtl_scaler_clear(&s);
  /* Standardize without bias keeps the dimension. */
  CHECK_OK(mtl_scaler_fit(ds, 1, 0, &s));
  CHECK_OK(mtl_scaler_apply(&s, ds, &out));
  CHECK(mtl_dataset_dim(out) == 3);
  mtl_dataset_free(out);

  /* A dense-fitted (centering) scaler applied to CSR data densifies it. */
  int64_t ip[] = {0, 1};
  int32_t ix[] = {1};
  double v[] = {9}, yy[] = {3};
  mtl_dataset *sp = mtl_dataset_create(3);
  CHECK(mtl_dataset_add_csr(sp, 1, ip, ix, v, yy, 0, NULL) == 0);
  CHECK_OK(mtl_scaler_apply(&s, sp, &out));
  CHECK(!mtl_dataset_task_is_sparse(out, 0));
  CHECK_OK(mtl_dataset_get_row(out, 0, 0, x));
  CHECK_CLOSE(x[0], -3.0 / sqrt(8.0 / 3), 1e-15);
  CHECK_CLOSE(x[1], 4.0 / sqrt(26.0 / 3), 1e-15);
  CHECK_CLOSE(x[2], -0.1, 1e-15);
  mtl_dataset_free(out);
  mtl_dataset_free(sp);
  /* A corrupted scaler is rejected. */
  s.scale[2] = 0;
  CHECK_ERR(mtl_scaler_apply(&s, ds, &out), MTL_EINVAL);
  CHECK_MSG("feature 3");
  mtl_scaler_clear(&s);

  CHECK_ERR(mtl_scaler_fit(ds, 2, 0, &s), MTL_EINVAL);
  CHECK_MSG("standardize = 2");
  CHECK_ERR(mtl_scaler_fit(ds, 1, -1, &s), MTL_EINVAL);
  CHECK_MSG("bias = -1");
  CHECK(s.mean == NULL);
  CHECK_ERR(mtl_scaler_fit(NULL, 1, 0, &s), MTL_EINVAL);
  mtl_dataset_free(ds);
}

static void test_scaler_sparse(void) {
  /* N = 4 samples over 2 CSR tasks; d = 4.
   *   f0: 2 0 0 -2  -> mean 0,    var 2        -> scale sqrt(2)
   *   f1: 0 4 0 0   -> mean 1,    var 3        -> scale sqrt(3)
   *   f2: 0 1 0 0   -> mean 0.25, var 0.1875   -> scale sqrt(0.1875)
   *   f3: all zero                             -> scale 1
   * Reported means are 0 (no centering). */
  mtl_dataset *ds = mtl_dataset_create(4), *out;
  int64_t ip0[] = {0, 1, 3};
  int32_t ix0[] = {0, 1, 2};
  double v0[] = {2, 4, 1}, y0[] = {1, 2};
  int64_t ip1[] = {0, 0, 1};
  int32_t ix1[] = {0};
  double v1[] = {-2}, y1[] = {3, 4};
  CHECK(mtl_dataset_add_csr(ds, 2, ip0, ix0, v0, y0, 0, NULL) == 0);
  CHECK(mtl_dataset_add_csr(ds, 2, ip1, ix1, v1, y1, 0, NULL) == 1);
  mtl_scaler s;
  CHECK_OK(mtl_scaler_fit(ds, 1, 1, &s));
  for (int j = 0; j < 4; j++)
    CHECK(s.mean[j] == 0.0);
  CHECK_CLOSE(s.scale[0], sqrt(2.0), 1e-15);
  CHECK_CLOSE(s.scale[1], sqrt(3.0), 1e-15);
  CHECK_CLOSE(s.scale[2], sqrt(0.1875), 1e-15);
  CHECK(s.scale[3] == 1.0);
  CHECK_OK(mtl_scaler_apply(&s, ds, &out));
  CHECK(mtl_dataset_dim(out) == 5);
  CHECK(mtl_dataset_task_is_sparse(out, 0) &&
        mtl_dataset_task_is_sparse(out, 1));
  double x[5];
  CHECK_OK(mtl_dataset_get_row(out, 0, 1, x));
  CHECK(x[0] == 0 && x[3] == 0 && x[4] == 1);
  CHECK_CLOSE(x[1], 4 / sqrt(3.0), 1e-15);
  CHECK_CLOSE(x[2], 1 / sqrt(0.1875), 1e-15);
  CHECK_OK(mtl_dataset_get_row(out, 1, 0, x)); /* empty row: bias only */
  CHECK(x[0] == 0 && x[1] == 0 && x[2] == 0 && x[3] == 0 && x[4] == 1);
  CHECK_OK(mtl_dataset_get_row(out, 1, 1, x));
  CHECK_CLOSE(x[0], -2 / sqrt(2.0), 1e-15);
  CHECK(x[4] == 1);
  mtl_dataset_free(out);
  mtl_scaler_clear(&s);
  mtl_dataset_free(ds);
}

static void test_scaler_shared(void) {
  mtl_dataset *sh = make_shared(), *out;
  mtl_scaler s;
  /* rows 10 i + j, i = 0..5: mean 25 + j, var = 100 * 35/12 */
  CHECK_OK(mtl_scaler_fit(sh, 1, 1, &s));
  for (int j = 0; j < D3; j++) {
    CHECK_CLOSE(s.mean[j], 25.0 + j, 1e-14);
    CHECK_CLOSE(s.scale[j], 10 * sqrt(35.0 / 12), 1e-14);
  }
  CHECK_OK(mtl_scaler_apply(&s, sh, &out));
  CHECK(mtl_dataset_is_shared(out) && mtl_dataset_ntasks(out) == 2);
  CHECK(mtl_dataset_task_weight(out, 1) == 4.0);
  double x[4];
  CHECK_OK(mtl_dataset_get_row(out, 1, 5, x));
  CHECK_CLOSE(x[0], 25 / (10 * sqrt(35.0 / 12)), 1e-14);
  CHECK(x[3] == 1.0 && mtl_dataset_task_y(out, 1)[5] == -7.5);
  mtl_dataset_free(out);
  mtl_scaler_clear(&s);
  mtl_dataset_free(sh);
}

/* ---- generators ------------------------------------------------------------
 */

/* Numerical rank of A (m x n, column-major, copied) by Gaussian elimination
 * with complete pivoting; pivots below tol * the largest entry count 0. */
static int num_rank(const double *A, int m, int n, double tol) {
  double *B = malloc((size_t)m * n * sizeof *B);
  memcpy(B, A, (size_t)m * n * sizeof *B);
  double amax = 0;
  for (int k = 0; k < m * n; k++)
    amax = fmax(amax, fabs(B[k]));
  int r = 0;
  for (; r < m && r < n; r++) {
    int pi = r, pj = r;
    double best = 0;
    for (int j = r; j < n; j++)
      for (int i = r; i < m; i++)
        if (fabs(B[j * m + i]) > best) {
          best = fabs(B[j * m + i]);
          pi = i;
          pj = j;
        }
    if (best <= tol * amax)
      break;
    for (int j = 0; j < n; j++) { /* swap rows r, pi */
      double t = B[j * m + r];
      B[j * m + r] = B[j * m + pi];
      B[j * m + pi] = t;
    }
    for (int i = 0; i < m; i++) { /* swap columns r, pj */
      double t = B[r * m + i];
      B[r * m + i] = B[pj * m + i];
      B[pj * m + i] = t;
    }
    for (int i = r + 1; i < m; i++) {
      double f = B[r * m + i] / B[r * m + r];
      for (int j = r; j < n; j++)
        B[j * m + i] -= f * B[j * m + r];
    }
  }
  free(B);
  return r;
}

/* max_i |y_i - x_i'w_t| over all tasks (noiseless data) and label checks. */
static double max_residual(const mtl_dataset *ds, const double *W,
                           int classification) {
  int d = mtl_dataset_dim(ds);
  double worst = 0, *x = malloc((size_t)d * sizeof *x);
  for (int t = 0; t < mtl_dataset_ntasks(ds); t++) {
    const double *y = mtl_dataset_task_y(ds, t);
    for (int i = 0; i < mtl_dataset_task_n(ds, t); i++) {
      mtl_dataset_get_row(ds, t, i, x);
      double z = 0;
      for (int j = 0; j < d; j++)
        z += x[j] * W[(size_t)t * d + j];
      if (classification)
        worst = fmax(worst, y[i] == (z < 0 ? -1.0 : 1.0) ? 0 : 1);
      else
        worst = fmax(worst, fabs(y[i] - z));
    }
  }
  free(x);
  return worst;
}

static double col_dist(const double *W, int d, int a, int b) {
  double s = 0;
  for (int j = 0; j < d; j++) {
    double e = W[(size_t)a * d + j] - W[(size_t)b * d + j];
    s += e * e;
  }
  return sqrt(s);
}

static void test_gen_defaults_and_sparse(void) {
  mtl_gen_params p;
  mtl_gen_params_init(&p);
  CHECK(p.kind == MTL_GEN_SPARSE && p.T == 20 && p.d == 50 && p.n == 60);
  CHECK(p.n_min == 0 && p.support == 10 && p.rank == 3 && p.clusters == 3);
  CHECK(p.noise == 0.5 && p.deviation == 0.1 && p.classification == 0);
  CHECK(p.sparse_x == 0 && p.density == 0.1 && p.shared_design == 0);
  CHECK(p.seed == 1);

  mtl_dataset *ds, *ds2;
  double *W, *W2;
  CHECK_OK(mtl_generate(&p, &ds, &W));
  CHECK(mtl_dataset_ntasks(ds) == 20 && mtl_dataset_dim(ds) == 50);
  CHECK(mtl_dataset_total_n(ds) == 20 * 60);
  for (int t = 0; t < 20; t++) {
    CHECK(mtl_dataset_task_n(ds, t) == 60);
    CHECK(mtl_dataset_task_kind(ds, t) == MTL_TASK_REGRESSION);
    CHECK(!mtl_dataset_task_is_sparse(ds, t));
  }
  /* Exactly 10 rows nonzero, nonzero in every task. */
  int rows = 0;
  for (int j = 0; j < 50; j++) {
    int nz = 0;
    for (int t = 0; t < 20; t++)
      nz += W[t * 50 + j] != 0;
    CHECK(nz == 0 || nz == 20);
    rows += nz == 20;
  }
  CHECK(rows == 10);
  /* Noise std 0.5: residual variance over 1200 samples near 0.25. */
  double ss = 0, x[50];
  for (int t = 0; t < 20; t++)
    for (int i = 0; i < 60; i++) {
      mtl_dataset_get_row(ds, t, i, x);
      double z = 0;
      for (int j = 0; j < 50; j++)
        z += x[j] * W[t * 50 + j];
      ss += pow(mtl_dataset_task_y(ds, t)[i] - z, 2);
    }
  CHECK_CLOSE(ss / 1200, 0.25, 0.03);
  /* Same seed: same bits. */
  CHECK_OK(mtl_generate(&p, &ds2, &W2));
  CHECK(!memcmp(W, W2, 50 * 20 * sizeof *W));
  CHECK(datasets_equal(ds, ds2));
  mtl_dataset_free(ds2);
  mtl_free(W2);
  p.seed = 2;
  CHECK_OK(mtl_generate(&p, &ds2, &W2));
  CHECK(memcmp(W, W2, 50 * 20 * sizeof *W) != 0);
  mtl_dataset_free(ds2);
  mtl_free(W2);
  mtl_dataset_free(ds);
  mtl_free(W);

  /* Noiseless: y = X w exactly (same summation order). */
  p.noise = 0;
  p.T = 4;
  p.support = 50; /* the full support is allowed */
  CHECK_OK(mtl_generate(&p, &ds, &W));
  CHECK_LE(max_residual(ds, W, 0), 1e-12);
  for (int k = 0; k < 50 * 4; k++)
    CHECK(W[k] != 0);
  mtl_dataset_free(ds);
  mtl_free(W);
  CHECK_OK(mtl_generate(&p, &ds, NULL)); /* W_true optional */
  mtl_dataset_free(ds);
}

static void test_gen_structures(void) {
  mtl_gen_params p;
  mtl_dataset *ds;
  double *W;

  /* Low rank: rank exactly r. */
  mtl_gen_params_init(&p);
  p.kind = MTL_GEN_LOWRANK;
  p.d = 30;
  p.T = 12;
  p.rank = 3;
  p.n = 10;
  CHECK_OK(mtl_generate(&p, &ds, &W));
  CHECK(num_rank(W, 30, 12, 1e-10) == 3);
  double fro = 0;
  for (int k = 0; k < 360; k++)
    fro += W[k] * W[k];
  CHECK_CLOSE(fro / 360, 1.0, 0.4); /* entries of unit variance */
  mtl_dataset_free(ds);
  mtl_free(W);
  p.rank = 12;
  CHECK_OK(mtl_generate(&p, &ds, &W));
  CHECK(num_rank(W, 30, 12, 1e-10) == 12);
  mtl_dataset_free(ds);
  mtl_free(W);

  /* Clustered: task t in cluster t mod 3; within-cluster distances ~
   * 0.01 sqrt(2 d) = 0.1, across ~ sqrt(2 d) = 10. */
  mtl_gen_params_init(&p);
  p.kind = MTL_GEN_CLUSTERED;
  p.T = 9;
  p.deviation = 0.01;
  CHECK_OK(mtl_generate(&p, &ds, &W));
  double within = 0, across = INFINITY;
  for (int a = 0; a < 9; a++)
    for (int b = a + 1; b < 9; b++) {
      double dd = col_dist(W, 50, a, b);
      if (a % 3 == b % 3)
        within = fmax(within, dd);
      else
        across = fmin(across, dd);
    }
  CHECK_LE(within, 0.3);
  CHECK_LE(3.0, across);
  mtl_dataset_free(ds);
  mtl_free(W);

  /* Mean: w_t = w0 + 0.05 N(0, I): pairwise distances ~ 0.05 sqrt(100),
   * norms ~ sqrt(50). */
  mtl_gen_params_init(&p);
  p.kind = MTL_GEN_MEAN;
  p.T = 6;
  p.deviation = 0.05;
  CHECK_OK(mtl_generate(&p, &ds, &W));
  double far = 0;
  for (int a = 0; a < 6; a++)
    for (int b = a + 1; b < 6; b++)
      far = fmax(far, col_dist(W, 50, a, b));
  CHECK_LE(far, 1.5);
  double nrm = 0;
  for (int j = 0; j < 50; j++)
    nrm += W[j] * W[j];
  CHECK_LE(3.0, sqrt(nrm));
  mtl_dataset_free(ds);
  mtl_free(W);
  /* deviation 0: all tasks identical */
  p.deviation = 0;
  CHECK_OK(mtl_generate(&p, &ds, &W));
  CHECK(!memcmp(W, W + 50, 50 * sizeof *W));
  mtl_dataset_free(ds);
  mtl_free(W);
}

static void test_gen_variants(void) {
  mtl_gen_params p;
  mtl_dataset *ds, *ds2;
  double *W;

  /* Classification labels: +-1 only, both present, noiseless = sign. */
  mtl_gen_params_init(&p);
  p.classification = 1;
  p.noise = 0;
  p.T = 5;
  CHECK_OK(mtl_generate(&p, &ds, &W));
  for (int t = 0; t < 5; t++) {
    int pos = 0, neg = 0;
    CHECK(mtl_dataset_task_kind(ds, t) == MTL_TASK_CLASSIFICATION);
    const double *y = mtl_dataset_task_y(ds, t);
    for (int i = 0; i < mtl_dataset_task_n(ds, t); i++) {
      CHECK(y[i] == 1.0 || y[i] == -1.0);
      pos += y[i] == 1.0;
      neg += y[i] == -1.0;
    }
    CHECK(pos > 0 && neg > 0);
  }
  CHECK(max_residual(ds, W, 1) == 0);
  mtl_dataset_free(ds);
  mtl_free(W);

  /* CSR inputs of density 0.2 (12000 entries: std of the rate 0.004). */
  mtl_gen_params_init(&p);
  p.sparse_x = 1;
  p.density = 0.2;
  p.T = 3;
  p.d = 40;
  p.n = 100;
  p.noise = 0;
  CHECK_OK(mtl_generate(&p, &ds, &W));
  long nz = 0;
  double x[40];
  for (int t = 0; t < 3; t++) {
    CHECK(mtl_dataset_task_is_sparse(ds, t));
    for (int i = 0; i < 100; i++) {
      mtl_dataset_get_row(ds, t, i, x);
      for (int j = 0; j < 40; j++)
        nz += x[j] != 0;
    }
  }
  CHECK_CLOSE(nz / 12000.0, 0.2, 0.03);
  CHECK_LE(max_residual(ds, W, 0), 1e-12);
  CHECK_OK(mtl_generate(&p, &ds2, NULL));
  CHECK(datasets_equal(ds, ds2));
  mtl_dataset_free(ds2);
  mtl_dataset_free(ds);
  mtl_free(W);

  /* Shared design. */
  mtl_gen_params_init(&p);
  p.shared_design = 1;
  p.T = 4;
  p.n = 30;
  p.noise = 0;
  CHECK_OK(mtl_generate(&p, &ds, &W));
  CHECK(mtl_dataset_is_shared(ds) && mtl_dataset_ntasks(ds) == 4);
  CHECK(mtl_dataset_task_n(ds, 3) == 30);
  CHECK_LE(max_residual(ds, W, 0), 1e-12);
  double a[50], b[50];
  mtl_dataset_get_row(ds, 0, 7, a);
  mtl_dataset_get_row(ds, 3, 7, b);
  CHECK(!memcmp(a, b, sizeof a));
  mtl_dataset_free(ds);
  mtl_free(W);

  /* Variable sizes in [n_min, n]. */
  mtl_gen_params_init(&p);
  p.T = 30;
  p.n_min = 10;
  p.n = 20;
  CHECK_OK(mtl_generate(&p, &ds, NULL));
  int lo = 1000, hi = 0;
  long tot = 0;
  for (int t = 0; t < 30; t++) {
    int n = mtl_dataset_task_n(ds, t);
    lo = n < lo ? n : lo;
    hi = n > hi ? n : hi;
    tot += n;
  }
  CHECK(lo >= 10 && hi <= 20 && lo < hi);
  CHECK(mtl_dataset_total_n(ds) == tot);
  mtl_dataset_free(ds);
  p.n_min = 20; /* n_min = n: all equal */
  CHECK_OK(mtl_generate(&p, &ds, NULL));
  CHECK(mtl_dataset_total_n(ds) == 600);
  mtl_dataset_free(ds);
}

/* Each bad field gives its own error naming the field. */
static void test_gen_errors(void) {
  struct {
    const char *field;
    int code;
  } cases[] = {
      {"kind = 7", MTL_EINVAL},
      {"T = 0", MTL_EINVAL},
      {"d = 0", MTL_EINVAL},
      {"n = 0", MTL_EINVAL},
      {"n_min = -1", MTL_EINVAL},
      {"n_min = 61", MTL_EINVAL},
      {"support = 0", MTL_EINVAL},
      {"support = 51", MTL_EINVAL},
      {"rank = 21", MTL_EINVAL},
      {"clusters = 0", MTL_EINVAL},
      {"noise = -1", MTL_EINVAL},
      {"noise = nan", MTL_EINVAL},
      {"deviation = -0.5", MTL_EINVAL},
      {"classification = 2", MTL_EINVAL},
      {"sparse_x = 3", MTL_EINVAL},
      {"density = 0", MTL_EINVAL},
      {"density = 1.5", MTL_EINVAL},
      {"shared_design = 2", MTL_EINVAL},
      {"sparse_x = 1 given", MTL_EUNSUPPORTED},
      {"n_min = 5 given", MTL_EUNSUPPORTED},
  };
  int nc = (int)(sizeof cases / sizeof cases[0]);
  for (int c = 0; c < nc; c++) {
    mtl_gen_params p;
    mtl_gen_params_init(&p);
    switch (c) {
    case 0:
      p.kind = (mtl_gen_kind)7;
      break;
    case 1:
      p.T = 0;
      break;
    case 2:
      p.d = 0;
      break;
    case 3:
      p.n = 0;
      break;
    case 4:
      p.n_min = -1;
      break;
    case 5:
      p.n_min = 61;
      break;
    case 6:
      p.support = 0;
      break;
    case 7:
      p.support = 51;
      break;
    case 8:
      p.kind = MTL_GEN_LOWRANK;
      p.rank = 21;
      break;
    case 9:
      p.kind = MTL_GEN_CLUSTERED;
      p.clusters = 0;
      break;
    case 10:
      p.noise = -1;
      break;
    case 11:
      p.noise = NAN;
      break;
    case 12:
      p.deviation = -0.5;
      break;
    case 13:
      p.classification = 2;
      break;
    case 14:
      p.sparse_x = 3;
      break;
    case 15:
      p.sparse_x = 1;
      p.density = 0;
      break;
    case 16:
      p.sparse_x = 1;
      p.density = 1.5;
      break;
    case 17:
      p.shared_design = 2;
      break;
    case 18:
      p.shared_design = 1;
      p.sparse_x = 1;
      break;
    case 19:
      p.shared_design = 1;
      p.n_min = 5;
      break;
    }
    mtl_dataset *ds = (mtl_dataset *)1;
    double *W = (double *)1;
    CHECK_ERR(mtl_generate(&p, &ds, &W), cases[c].code);
    CHECK_MSG(cases[c].field);
    CHECK(ds == NULL && W == NULL);
  }
  /* Fields of other kinds are not checked. */
  mtl_gen_params p;
  mtl_gen_params_init(&p);
  p.kind = MTL_GEN_MEAN;
  p.support = 0;
  p.rank = 0;
  p.clusters = 0;
  p.T = 2;
  mtl_dataset *ds;
  CHECK_OK(mtl_generate(&p, &ds, NULL));
  mtl_dataset_free(ds);
  CHECK_ERR(mtl_generate(NULL, &ds, NULL), MTL_EINVAL);
  CHECK_ERR(mtl_generate(&p, NULL, NULL), MTL_EINVAL);
}

int main(void) {
  snprintf(tmpdir, sizeof tmpdir, "/tmp/mtl_test_data_XXXXXX");
  if (!mkdtemp(tmpdir)) {
    perror("mkdtemp");
    return 1;
  }
  test_split();
  test_kfold();
  test_subset();
  test_select_tasks();
  test_index_text();
  test_index_mat();
  test_index_subset();
  test_school_split();
  test_scaler_dense();
  test_scaler_sparse();
  test_scaler_shared();
  test_gen_defaults_and_sparse();
  test_gen_structures();
  test_gen_variants();
  test_gen_errors();
  rmdir(tmpdir);
  CHECK_DONE();
}
