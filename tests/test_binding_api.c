/*
 * test_binding_api.c -- the calls a binding needs beyond mtl_fit: a
 * model's text in memory (the same bytes as the file, round trip exact,
 * the loader's checks), its scaler, metadata keys and matrix names; a
 * task's X in one copy and its CSR arrays; the online methods fed round by
 * round (the bits of mtl_fit on the same rounds, whatever the split into
 * calls, D-ADMM's gossip on graphs of 8 nodes included; errors before
 * learning; cancel).
 */
#include "check.h"

#include <math.h>
#include <stdint.h>
#include <unistd.h>

/* Whole file as bytes (malloc'd), *n its length. */
static char *slurp(const char *path, size_t *n) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  char *s = malloc(1 << 20);
  *n = fread(s, 1, (1 << 20) - 1, f);
  fclose(f);
  return s;
}

static mtl_dataset *reg_data(int sparse) {
  mtl_gen_params gp;
  mtl_gen_params_init(&gp);
  gp.T = 3;
  gp.d = 5;
  gp.n = 20;
  gp.sparse_x = sparse;
  gp.density = 0.4;
  gp.support = 3;
  mtl_dataset *ds = NULL;
  CHECK_OK(mtl_generate(&gp, &ds, NULL));
  return ds;
}

static mtl_model *fit_model(mtl_dataset *ds, const char *method) {
  mtl_params *p = mtl_params_create(method);
  mtl_model *m = NULL;
  CHECK(mtl_fit(ds, p, NULL, &m, NULL) >= 0);
  mtl_params_free(p);
  return m;
}

static void test_model_mem(void) {
  mtl_dataset *ds = reg_data(0);
  mtl_model *m = fit_model(ds, "asym");
  char path[] = "/tmp/mtl_test_binding_XXXXXX";
  int fd = mkstemp(path);
  CHECK(fd >= 0);
  close(fd);
  CHECK_OK(mtl_model_save(m, path));
  size_t nf = 0, nm = 0;
  char *file = slurp(path, &nf), *mem = NULL;
  CHECK_OK(mtl_model_save_mem(m, &mem, &nm));
  /* the same bytes as the file, NUL-terminated */
  CHECK(nm == nf && nm > 0 && memcmp(mem, file, nm) == 0 && mem[nm] == 0);
  mtl_model *back = NULL;
  CHECK_OK(mtl_model_load_mem(mem, nm, &back));
  char *again = NULL;
  size_t na = 0;
  CHECK_OK(mtl_model_save_mem(back, &again, &na));
  CHECK(na == nm && memcmp(again, mem, nm) == 0); /* exact round trip */
  CHECK(memcmp(mtl_model_W(back), mtl_model_W(m),
               sizeof(double) * (size_t)mtl_model_dim(m) * 3) == 0);
  /* the loader's checks, with "<memory>:LINE" in the message */
  mtl_model *bad = NULL;
  CHECK_ERR(mtl_model_load_mem(mem, nm / 2, &bad), MTL_EFORMAT);
  CHECK_MSG("<memory>:");
  CHECK(bad == NULL);
  CHECK_ERR(mtl_model_load_mem(mem, 0, &bad), MTL_EFORMAT);
  CHECK_MSG("empty");
  CHECK_ERR(mtl_model_load_mem("mtl-model 9\n", 12, &bad), MTL_EUNSUPPORTED);
  CHECK_MSG("<memory>:1");
  mtl_free(again);
  CHECK_ERR(mtl_model_save_mem(NULL, &again, &na), MTL_EINVAL);
  CHECK(again == NULL && na == 0);
  mtl_free(mem);
  free(file);
  unlink(path);
  mtl_model_free(back);
  mtl_model_free(m);
  mtl_dataset_free(ds);
}

static void test_model_lists(void) {
  mtl_dataset *ds = reg_data(0);
  mtl_model *m = fit_model(ds, "asym");
  /* the scaler: standardize and bias by default, mean/scale of the data */
  int st = -1, bias = -1;
  const double *mean = NULL, *scale = NULL;
  CHECK_OK(mtl_model_scaler(m, &st, &bias, &mean, &scale));
  CHECK(st == 1 && bias == 1 && mean && scale);
  mtl_scaler sc;
  CHECK_OK(mtl_scaler_fit(ds, 1, 1, &sc));
  for (int j = 0; j < 5; j++) {
    CHECK(mean[j] == sc.mean[j]);
    CHECK(scale[j] == sc.scale[j]);
  }
  mtl_scaler_clear(&sc);
  CHECK_OK(mtl_model_scaler(m, NULL, NULL, NULL, NULL));
  CHECK_ERR(mtl_model_scaler(NULL, &st, NULL, NULL, NULL), MTL_EINVAL);
  /* every key listed once, in order, each with its value */
  int nk = mtl_model_meta_count(m);
  CHECK(nk > 5);
  CHECK(!strcmp(mtl_model_meta_key(m, 0), "method") ||
        mtl_model_get_meta(m, "method") != NULL);
  int found_method = 0;
  for (int i = 0; i < nk; i++) {
    const char *k = mtl_model_meta_key(m, i);
    CHECK(k && mtl_model_get_meta(m, k));
    found_method += !strcmp(k, "method");
  }
  CHECK(found_method == 1);
  CHECK(mtl_model_meta_key(m, nk) == NULL && mtl_model_meta_key(m, -1) == NULL);
  /* matrices: B (T x T) is among them, W is not */
  int nmat = mtl_model_matrix_count(m), hasB = 0;
  for (int i = 0; i < nmat; i++) {
    const char *name = mtl_model_matrix_name(m, i);
    int r, c;
    CHECK(strcmp(name, "W") != 0);
    CHECK(mtl_model_get_matrix(m, name, &r, &c) != NULL);
    if (!strcmp(name, "B")) {
      hasB = 1;
      CHECK(r == 3 && c == 3);
    }
  }
  CHECK(hasB);
  CHECK(mtl_model_matrix_name(m, nmat) == NULL);
  /* no standardization: NULL arrays */
  mtl_params *p = mtl_params_create("batch");
  CHECK_OK(mtl_params_set(p, "standardize", "0"));
  mtl_model *m2 = NULL;
  CHECK(mtl_fit(ds, p, NULL, &m2, NULL) >= 0);
  CHECK_OK(mtl_model_scaler(m2, &st, &bias, &mean, &scale));
  CHECK(st == 0 && bias == 1 && mean == NULL && scale == NULL);
  mtl_params_free(p);
  mtl_model_free(m2);
  mtl_model_free(m);
  mtl_dataset_free(ds);
}

static void test_task_X(void) {
  for (int sparse = 0; sparse <= 1; sparse++) {
    mtl_dataset *ds = reg_data(sparse);
    int d = mtl_dataset_dim(ds);
    for (int t = 0; t < mtl_dataset_ntasks(ds); t++) {
      int n = mtl_dataset_task_n(ds, t);
      double *X = malloc(sizeof(double) * (size_t)n * d), *row =
          malloc(sizeof(double) * d);
      CHECK_OK(mtl_dataset_get_task_X(ds, t, X));
      for (int i = 0; i < n; i++) {
        CHECK_OK(mtl_dataset_get_row(ds, t, i, row));
        CHECK(memcmp(row, X + (size_t)i * d, sizeof(double) * d) == 0);
      }
      const int64_t *ip;
      const int32_t *ix;
      const double *v;
      int64_t nnz;
      if (sparse) {
        CHECK_OK(mtl_dataset_get_task_csr(ds, t, &ip, &ix, &v, &nnz));
        CHECK(ip[0] == 0 && ip[n] == nnz);
        int64_t nz = 0;
        for (int i = 0; i < n * d; i++)
          nz += X[i] != 0;
        CHECK(nz == nnz);
        for (int i = 0; i < n; i++)
          for (int64_t q = ip[i]; q < ip[i + 1]; q++)
            CHECK(X[(size_t)i * d + ix[q]] == v[q]);
      } else {
        CHECK_ERR(mtl_dataset_get_task_csr(ds, t, &ip, &ix, &v, &nnz),
                  MTL_EINVAL);
        CHECK_MSG("stored dense");
      }
      free(X);
      free(row);
    }
    double x;
    CHECK_ERR(mtl_dataset_get_task_X(ds, 7, &x), MTL_EINVAL);
    CHECK_MSG("task index 7 out of range");
    CHECK_ERR(mtl_dataset_get_task_X(ds, 0, NULL), MTL_EINVAL);
    mtl_dataset_free(ds);
  }
}

/* ---- online, round by round ---------------------------------------------- */

/* K tasks of unequal length (10, 14, 12 samples, then 9 + 3t: tasks that
 * end early), d = 4. */
static mtl_dataset *clf_data(int K) {
  mtl_dataset *ds = mtl_dataset_create(4);
  uint64_t st = 7;
  for (int t = 0; t < K; t++) {
    int n = t == 0 ? 10 : t == 1 ? 14 : t == 2 ? 12 : 9 + 3 * t;
    double X[40 * 4], y[40];
    for (int i = 0; i < n; i++) {
      double s = 0;
      for (int j = 0; j < 4; j++) {
        st = st * 6364136223846793005ULL + 1442695040888963407ULL;
        X[i * 4 + j] = (double)(st >> 11) / 9007199254740992.0 - 0.5;
        s += X[i * 4 + j] * (j + 1 - t);
      }
      y[i] = s >= 0 ? 1 : -1;
    }
    CHECK(mtl_dataset_add_dense(ds, n, X, y, MTL_TASK_CLASSIFICATION,
                                NULL) == t);
  }
  return ds;
}

/* The dataset as rounds: X (R x K x d), y (R x K, 0 absent). */
static int rounds_of(const mtl_dataset *ds, double **X, double **y) {
  int K = mtl_dataset_ntasks(ds), d = mtl_dataset_dim(ds), R = 0;
  for (int k = 0; k < K; k++)
    if (mtl_dataset_task_n(ds, k) > R)
      R = mtl_dataset_task_n(ds, k);
  *X = calloc((size_t)R * K * d, sizeof(double));
  *y = calloc((size_t)R * K, sizeof(double));
  for (int k = 0; k < K; k++)
    for (int r = 0; r < mtl_dataset_task_n(ds, k); r++) {
      mtl_dataset_get_row(ds, k, r, *X + ((size_t)r * K + k) * d);
      (*y)[r * K + k] = mtl_dataset_task_y(ds, k)[r];
    }
  return R;
}

static int cancel_after(void *ctx, int iter, double err, double a, double b) {
  (void)err, (void)a, (void)b;
  return iter >= *(int *)ctx;
}

/* mtl_fit (seed 0; D-ADMM: its threads, round-synchronous) against the
 * rounds fed in calls of 1, 5 and the rest, on K tasks, parameters kv
 * (name, value pairs, NULL-terminated): the same bits of W, Omega, V, u,
 * the same mistakes.  With K = 8, D-ADMM's ring, 3-regular graph and star
 * pass entries on over several hops (gossip). */
static void compare_online(int K, const char *method,
                           const char *const *kv) {
  mtl_dataset *ds = clf_data(K);
  mtl_params *p = mtl_params_create(method);
  CHECK_OK(mtl_params_set(p, "seed", "0"));
  for (int i = 0; kv[i]; i += 2)
    CHECK_OK(mtl_params_set(p, kv[i], kv[i + 1]));
  mtl_model *ref = NULL;
  CHECK(mtl_fit(ds, p, NULL, &ref, NULL) >= 0);
  double *X, *y;
  int R = rounds_of(ds, &X, &y), d = 4;
  mtl_online *h = NULL;
  CHECK_OK(mtl_online_create(p, K, d, &h));
  double *pred = calloc((size_t)R * K, sizeof(double));
  /* calls of 1, 5 and the remaining rounds */
  CHECK_OK(mtl_online_update(h, 1, X, y, pred));
  CHECK_OK(mtl_online_update(h, 5, X + K * d, y + K, pred + K));
  CHECK_OK(mtl_online_update(h, R - 6, X + 6 * K * d, y + 6 * K,
                             pred + 6 * K));
  CHECK(mtl_online_rounds(h) == R);
  mtl_model *m = NULL;
  CHECK_OK(mtl_online_model(h, &m));
  if (!m || !ref)
    return;
  if (memcmp(mtl_model_W(m), mtl_model_W(ref), sizeof(double) * d * K)) {
    fprintf(stderr, "%s (K = %d, %s %s): W differs from mtl_fit's\n",
            method, K, kv[0] ? kv[0] : "", kv[0] ? kv[1] : "");
    CHECK(0);
  }
  const char *mats[] = {"Omega", "V", "u"};
  for (int i = 0; i < 3; i++) {
    int r1 = 0, c1 = 0, r2 = 0, c2 = 0;
    const double *A = mtl_model_get_matrix(m, mats[i], &r1, &c1);
    const double *B = mtl_model_get_matrix(ref, mats[i], &r2, &c2);
    CHECK((A == NULL) == (B == NULL));
    CHECK(A != NULL || (strcmp(method, "cadmm") && strcmp(method, "dadmm")));
    if (A && B)
      CHECK(r1 == r2 && c1 == c2 &&
            !memcmp(A, B, sizeof(double) * (size_t)r1 * c1));
  }
  const char *keys[] = {"mistakes", "instances", "rounds", "cumulative_error",
                        "method", "param.seed"};
  for (int i = 0; i < 6; i++) {
    const char *a = mtl_model_get_meta(m, keys[i]);
    const char *b = mtl_model_get_meta(ref, keys[i]);
    CHECK(a && b && !strcmp(a, b));
    if (a && b && strcmp(a, b))
      fprintf(stderr, "%s: meta %s: %s vs %s\n", method, keys[i], a, b);
  }
  /* the predictions: -1/+1 where the task had an instance, 0 elsewhere */
  int mistakes = 0;
  for (int i = 0; i < R * K; i++) {
    CHECK((pred[i] == 0) == (y[i] == 0));
    mistakes += pred[i] != 0 && pred[i] != y[i];
  }
  CHECK(mistakes == atoi(mtl_model_get_meta(ref, "mistakes")));
  mtl_model_free(m);
  mtl_model_free(ref);
  mtl_online_free(h);
  mtl_params_free(p);
  free(X);
  free(y);
  free(pred);
  mtl_dataset_free(ds);
}

static void test_online_errors(void) {
  mtl_params *p = mtl_params_create("cadmm");
  mtl_online *h = NULL;
  CHECK_ERR(mtl_online_create(p, 3, 4, &h), MTL_EINVAL);
  CHECK_MSG("set eta > 0");
  CHECK_OK(mtl_params_set(p, "eta", "2"));
  CHECK_OK(mtl_online_create(p, 3, 4, &h));
  double X[2 * 3 * 4] = {0}, y[6] = {1, -1, 0, 1, 2, 1};
  CHECK_ERR(mtl_online_update(h, 2, X, y, NULL), MTL_EINVAL);
  CHECK_MSG("round 2 of this update, task 2: label 2");
  CHECK(mtl_online_rounds(h) == 0); /* nothing learned */
  y[4] = -1;
  X[5] = NAN;
  CHECK_ERR(mtl_online_update(h, 2, X, y, NULL), MTL_EFORMAT);
  CHECK_MSG("task 2: x[2] is nan");
  X[5] = 0;
  int stop = 1;
  mtl_params_set_progress(p, cancel_after, &stop);
  mtl_online *h2 = NULL;
  CHECK_OK(mtl_online_create(p, 3, 4, &h2));
  CHECK_ERR(mtl_online_update(h2, 2, X, y, NULL), MTL_ECANCELLED);
  CHECK(mtl_online_rounds(h2) == 1); /* the round done is kept */
  mtl_online_free(h2);
  mtl_online_free(h);
  mtl_params_free(p);
  p = mtl_params_create("dadmm");
  CHECK_ERR(mtl_online_create(p, 3, 4, &h), MTL_EINVAL);
  CHECK_MSG("set eta > 0");
  CHECK_OK(mtl_params_set(p, "eta", "1"));
  CHECK_OK(mtl_params_set(p, "async", "1"));
  CHECK_ERR(mtl_online_create(p, 3, 4, &h), MTL_EUNSUPPORTED);
  CHECK_MSG("round-synchronous only");
  mtl_params_free(p);
  p = mtl_params_create("batch");
  CHECK_ERR(mtl_online_create(p, 3, 4, &h), MTL_EINVAL);
  CHECK_MSG("not an online method");
  mtl_params_free(p);
  p = mtl_params_create("dpsgd");
  CHECK_OK(mtl_params_set(p, "async", "1"));
  CHECK_ERR(mtl_online_create(p, 3, 4, &h), MTL_EUNSUPPORTED);
  mtl_params_free(p);
}

int main(void) {
  test_model_mem();
  test_model_lists();
  test_task_X();
  typedef const char *const kv[];
  compare_online(3, "cadmm", (kv){"eta", "3.5", NULL});
  compare_online(3, "cadmm", (kv){"eta", "3.5", "omega_every", "3", NULL});
  compare_online(3, "cadmm", (kv){"eta", "3.5", "variant", "paper", NULL});
  compare_online(3, "ogd", (kv){NULL});
  compare_online(3, "dpsgd", (kv){NULL});
  compare_online(3, "dpsgd", (kv){"topology", "full", NULL});
  compare_online(8, "dadmm", (kv){"eta", "2.5", NULL}); /* ring */
  compare_online(8, "dadmm", (kv){"eta", "2.5", "topology", "regular",
                                  "degree", "3", NULL});
  compare_online(8, "dadmm", (kv){"eta", "2.5", "topology", "star",
                                  "omega_every", "3", NULL});
  compare_online(8, "dadmm", (kv){"eta", "2.5", "topology", "full", NULL});
  compare_online(8, "dadmm", (kv){"eta", "2.5", "learn_omega", "0", NULL});
  compare_online(8, "dadmm", (kv){"eta", "2.5", "variant", "paper",
                                  "topology", "regular", "degree", "3",
                                  NULL});
  test_online_errors();
  CHECK_DONE();
}
