/*
 * test_hostile.c -- hostile inputs to the dataset readers (issue 18, D2-D4,
 * D8, D9, D12): each reproducer is made here, byte by byte, and each read
 * must end in a clean error naming the file and the fault, without
 * allocating what the file declares.  Outside AddressSanitizer the address
 * space is capped at 100 MB above its size at start (RLIMIT_AS), so that a
 * regression fails with an out-of-memory error instead of taking the
 * machine's memory; under ASan (which reserves terabytes of address space)
 * the cap is off and ASan itself reports over-reads and oversized
 * allocations.
 */
#include "check.h"

#include <dirent.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zip.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#endif

static char tmpdir[256];

static const char *tpath(const char *name) {
  static char buf[4][512];
  static int k = 0;
  k = (k + 1) % 4;
  snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir, name);
  return buf[k];
}

/* A growing byte buffer. */
typedef struct bytes {
  unsigned char *p;
  size_t n, cap;
} bytes;

static void put(bytes *b, const void *src, size_t n) {
  if (!n)
    return;
  if (b->n + n > b->cap) {
    b->cap = 2 * (b->n + n) + 64;
    b->p = realloc(b->p, b->cap);
    if (!b->p)
      exit(1);
  }
  memcpy(b->p + b->n, src, n);
  b->n += n;
}

static void put32(bytes *b, uint32_t v) {
  unsigned char q[4] = {(unsigned char)v, (unsigned char)(v >> 8),
                        (unsigned char)(v >> 16), (unsigned char)(v >> 24)};
  put(b, q, 4);
}

static const char *write_bytes(const char *name, const bytes *b) {
  const char *p = tpath(name);
  FILE *f = fopen(p, "wb");
  if (!f || (b->n && fwrite(b->p, 1, b->n, f) != b->n) || fclose(f)) {
    perror(p);
    exit(1);
  }
  return p;
}

static void check_msg(const char *want) {
  const char *e = mtl_last_error();
  CHECK(strstr(e, want) != NULL);
  if (!strstr(e, want))
    fprintf(stderr, "  message: %s\n  wanted:  %s\n", e, want);
}

static void expect_read_fail(const char *path, const char *opts, int code,
                             const char *want) {
  mtl_dataset *ds = NULL;
  CHECK_ERR(mtl_dataset_read_opts(path, opts, &ds), code);
  CHECK(ds == NULL);
  check_msg(want);
  mtl_dataset_free(ds);
}

/* ---- MATLAB v5, by hand ------------------------------------------------- */

static void mat_header(bytes *b) {
  char h[128];
  memset(h, ' ', sizeof h);
  memcpy(h, "MATLAB 5.0 MAT-file, test_hostile", 33);
  memset(h + 116, 0, 8);
  h[124] = 0x00, h[125] = 0x01, h[126] = 'I', h[127] = 'M';
  put(b, h, sizeof h);
}

/* A miMATRIX element: class cls, dims (rank 2), a name of up to 4 chars
 * (in its tag) and body (data or cells) as given. */
static void mat_matrix(bytes *b, int cls, uint32_t r, uint32_t c,
                       const char *name, const bytes *body) {
  uint32_t nl = (uint32_t)strlen(name);
  put32(b, 14);
  put32(b, 16 + 16 + 8 + (uint32_t)body->n);
  put32(b, 6), put32(b, 8), put32(b, (uint32_t)cls), put32(b, 0);
  put32(b, 5), put32(b, 8), put32(b, r), put32(b, c);
  put32(b, nl << 16 | 1);
  char nm[4] = {0};
  memcpy(nm, name, nl);
  put(b, nm, 4);
  put(b, body->p, body->n);
}

static void mat_doubles(bytes *b, const double *v, uint32_t n) {
  put32(b, 9), put32(b, 8 * n);
  put(b, v, 8 * (size_t)n);
}

/* D2: an empty-class variable that declares 2 x 3 in a cell layout was
 * given 1 byte but read as 2 x 3 doubles (heap over-read). */
static void test_mat_empty_overread(void) {
  bytes f = {0}, x = {0}, y = {0}, inner = {0}, none = {0}, yv = {0};
  const double lab[2] = {1, -1};
  mat_header(&f);
  mat_matrix(&inner, 0, 2, 3, "", &none); /* class 0: "empty", 2 x 3 */
  mat_matrix(&x, 1, 1, 1, "X", &inner);
  mat_doubles(&yv, lab, 2);
  bytes yin = {0};
  mat_matrix(&yin, 6, 2, 1, "", &yv);
  mat_matrix(&y, 1, 1, 1, "Y", &yin);
  put(&f, x.p, x.n);
  put(&f, y.p, y.n);
  const char *p = write_bytes("empty.mat", &f);
  mtl_dataset *ds = NULL;
  int rc = mtl_dataset_read(p, NULL, &ds);
  CHECK(rc != MTL_OK && ds == NULL);
  check_msg("empty.mat: variable 'X'");
  mtl_dataset_free(ds);
  free(f.p), free(x.p), free(y.p), free(inner.p), free(yv.p), free(yin.p);
}

/* D3: 503 bytes that declare a cell array of 51,904,530 cells. */
static void test_mat_cell_bomb(void) {
  bytes f = {0}, x = {0}, cells = {0};
  mat_header(&f);
  for (int k = 0; k < 40; k++) /* a few empty cells (tag, 0 bytes) */
    put32(&cells, 14), put32(&cells, 0);
  mat_matrix(&x, 1, 51904530, 1, "X", &cells);
  put(&f, x.p, x.n);
  const char *p = write_bytes("cellbomb.mat", &f);
  CHECK(f.n < 1000);
  expect_read_fail(p, NULL, MTL_EFORMAT,
                   "cellbomb.mat: not a valid MATLAB file: variable 1: "
                   "51904530 cells or fields in 320 bytes");
  free(f.p), free(x.p), free(cells.p);
}

/* D12: 30-byte v4 files that declare 2^30 x 2^30 doubles, negative
 * dimensions, or a 2 GB name; read as datasets and as split files. */
static void test_mat_v4_bombs(void) {
  static const int32_t recs[][5] = {
      {0, 1 << 30, 1 << 30, 0, 2}, {0, -1, 8, 0, 2}, {0, 1, 1, 1, 0x7fffffff}};
  static const char *want[] = {"needs 9223372036854775808 bytes",
                               "negative dimension -1 x 8",
                               "and its name 2147483647"};
  for (int k = 0; k < 3; k++) {
    bytes f = {0};
    for (int j = 0; j < 5; j++)
      put32(&f, (uint32_t)recs[k][j]);
    put(&f, "X\0abcdefa", 10);
    CHECK(f.n == 30);
    const char *p = write_bytes("v4.mat", &f);
    expect_read_fail(p, NULL, MTL_EFORMAT, want[k]);
    int64_t *idx = NULL, m = 0;
    CHECK_ERR(mtl_read_index_file(p, "X", &idx, &m), MTL_EFORMAT);
    check_msg("v4.mat: not a valid MATLAB file: variable 1");
    CHECK(idx == NULL);
    free(f.p);
  }
}

/* fuzz_mat: a sparse variable whose jc and values are missing (its element
 * ends after ir); matio read the next variable's bytes as jc's tag and
 * asked for 3.2 GB. */
static void test_mat_sparse_missing_jc(void) {
  bytes f = {0}, x = {0}, ir = {0}, y = {0}, yv = {0};
  const double big[2] = {1, -1}; /* -1's high word reads as 0xbff00000 */
  mat_header(&f);
  put32(&ir, 5), put32(&ir, 8), put32(&ir, 0), put32(&ir, 1);
  mat_matrix(&x, 5, 2, 2, "X", &ir);
  mat_doubles(&yv, big, 2);
  mat_matrix(&y, 6, 2, 1, "Y", &yv);
  put(&f, x.p, x.n);
  put(&f, y.p, y.n);
  const char *p = write_bytes("sparse_nojc.mat", &f);
  expect_read_fail(p, NULL, MTL_EFORMAT,
                   "sparse_nojc.mat: not a valid MATLAB file: variable 1: 1 "
                   "of the 3 data elements of a sparse matrix present");
  free(f.p), free(x.p), free(ir.p), free(y.p), free(yv.p);
}

/* fuzz_text: the writer's header may say a task is dense ("storage=d"),
 * but not turn a few sparse lines into gigabytes of zeros: past 64 MB and
 * 64x the entries given, the task is read as CSR with the same values (it
 * asked for 1.1 GB; here 2 x 9M doubles = 144 MB, above the cap). */
static void test_text_storage_hint(void) {
  const char *p = tpath("hint.txt");
  FILE *f = fopen(p, "w");
  fputs("# mtl-dataset d=9000000 T=1 kinds=r storage=d\n"
        "1 1 9000000:2.5\n1 -1 1:1\n", f);
  fclose(f);
  mtl_dataset *ds = NULL;
  CHECK_OK(mtl_dataset_read(p, NULL, &ds));
  CHECK(ds && mtl_dataset_dim(ds) == 9000000);
  CHECK(ds && mtl_dataset_task_is_sparse(ds, 0) == 1);
  mtl_dataset_free(ds);
  /* a small dense task keeps its storage */
  f = fopen(p, "w");
  fputs("# mtl-dataset d=3 T=1 kinds=r storage=d\n1 1 3:2.5\n", f);
  fclose(f);
  CHECK_OK(mtl_dataset_read(p, NULL, &ds));
  CHECK(ds && mtl_dataset_task_is_sparse(ds, 0) == 0);
  mtl_dataset_free(ds);
}

/* fuzz_mat: v4 sparse records, whose last row gives the dimensions that
 * matio allocates by: one of 0 columns (it asked for 8 GB), one whose
 * last row declares 1e15 columns; a valid one is read. */
static void test_mat_v4_sparse(void) {
  static const double dims[3][3] = {{2, 1, 1}, {3, 1e15, 0}, {3, 2, 0}};
  static const char *want[] = {"sparse record of 2030043136 x 0",
                               "sparse record declares dimension 1e+15", NULL};
  for (int k = 0; k < 3; k++) {
    bytes f = {0};
    const double y[3] = {1, -1, 1};
    put32(&f, 0), put32(&f, 3), put32(&f, 1), put32(&f, 0), put32(&f, 2);
    put(&f, "y", 2), put(&f, y, sizeof y);
    if (k == 0) {
      put32(&f, 2), put32(&f, 2030043136u), put32(&f, 0), put32(&f, 0);
    } else {
      put32(&f, 2), put32(&f, 2), put32(&f, 3), put32(&f, 0);
    }
    put32(&f, 2), put(&f, "X", 2);
    if (k > 0) { /* rows (1, dims[k][0]) x cols (1, dims[k][1]), values */
      const double v[6] = {1, dims[k][0], 1, dims[k][1], 2.5, dims[k][2]};
      put(&f, v, sizeof v);
    }
    const char *p = write_bytes("v4sparse.mat", &f);
    mtl_dataset *ds = NULL;
    int rc = mtl_dataset_read_opts(p, "format=mat", &ds);
    if (want[k]) {
      CHECK(rc == MTL_EFORMAT && ds == NULL);
      check_msg(want[k]);
    } else { /* X is 3 x 2 with one entry */
      CHECK_OK(rc);
      CHECK(ds && mtl_dataset_dim(ds) == 2);
    }
    mtl_dataset_free(ds);
    free(f.p);
  }
}

/* ---- D4: a dimension inferred from one huge sparse index ---------------- */

static void test_text_huge_index(void) {
  const char *p = tpath("hugeidx.txt");
  FILE *f = fopen(p, "w");
  fputs("# a comment\n1 1 3:1\n1 -1 2000000000:1\n", f);
  fclose(f);
  expect_read_fail(p, NULL, MTL_EFORMAT,
                   "hugeidx.txt:3: feature index 2000000000 is above "
                   "16777216, the largest dimension read without dim");
  /* an explicit dim lifts the bound (the data are sparse: 2 entries) */
  mtl_dataset *ds = NULL;
  CHECK_OK(mtl_dataset_read_opts(p, "dim=2000000000;sparse=1", &ds));
  CHECK(ds && mtl_dataset_dim(ds) == 2000000000);
  mtl_dataset_free(ds);
}

/* ---- D8: duplicate names in a header of 100k columns --------------------- */

static void test_csv_wide_header(void) {
  const int ncol = 100000;
  const char *p = tpath("wide.csv");
  FILE *f = fopen(p, "w");
  fputs("task,label", f);
  for (int c = 3; c <= ncol; c++)
    fprintf(f, ",f%d", c == ncol ? 50000 : c); /* f50000 twice */
  fputs("\n1,1", f);
  for (int c = 3; c <= ncol; c++)
    fputs(",0", f);
  fputs("\n", f);
  fclose(f);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  expect_read_fail(p, NULL, MTL_EFORMAT,
                   "wide.csv:1: duplicate header name (value 'f50000') in "
                   "columns 50000 and 100000");
  clock_gettime(CLOCK_MONOTONIC, &t1);
  /* reported, not asserted (timings are not unit-tested): 39 s before the
   * sort, about 0.1 s after */
  printf("csv header of %d columns with a duplicate: %.3f s\n", ncol,
         (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (t1.tv_nsec - t0.tv_nsec));
  /* the earliest second occurrence is the one named */
  f = fopen(p, "w");
  fputs("task,label,a,b,b,a\n1,1,0,0,0,0\n", f);
  fclose(f);
  expect_read_fail(p, NULL, MTL_EFORMAT,
                   "duplicate header name (value 'b') in columns 4 and 5");
}

/* ---- D9: an .npz member that lies about its size ------------------------- */

/* Sets the uncompressed size of every member in the zip's local headers
 * and central directory to size. */
static void zip_set_size(bytes *z, uint32_t size) {
  for (size_t k = 0; k + 46 <= z->n; k++) {
    unsigned char *q = z->p + k;
    size_t off = 0;
    if (!memcmp(q, "PK\3\4", 4))
      off = 22;
    else if (!memcmp(q, "PK\1\2", 4))
      off = 24;
    if (off)
      for (int j = 0; j < 4; j++)
        q[off + j] = (unsigned char)(size >> (8 * j));
  }
}

static void test_npz_lying_size(void) {
  static const char npy[] =
      "\x93NUMPY\x01\x00\x3a\x00{'descr': '<f8', 'fortran_order': False, "
      "'shape': (2,), }\n";
  for (int method = 0; method < 2; method++) {
    const char *p = tpath("lying.npz");
    int err;
    zip_t *z = zip_open(p, ZIP_CREATE | ZIP_TRUNCATE, &err);
    double v[2] = {1, -1};
    for (int k = 0; k < 2; k++) {
      bytes m = {0};
      put(&m, npy, sizeof npy - 1);
      put(&m, v, sizeof v);
      zip_source_t *src = zip_source_buffer(z, m.p, m.n, 1);
      zip_int64_t i = zip_file_add(z, k ? "y.npy" : "X.npy", src, 0);
      CHECK(i >= 0);
      zip_set_file_compression(z, (zip_uint64_t)i,
                               method ? ZIP_CM_DEFLATE : ZIP_CM_STORE, 0);
    }
    CHECK(zip_close(z) == 0);
    FILE *f = fopen(p, "rb");
    bytes b = {0};
    unsigned char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
      put(&b, buf, n);
    fclose(f);
    zip_set_size(&b, 4100000000u); /* 4.1 GB from a few hundred bytes */
    p = write_bytes("lying.npz", &b);
    expect_read_fail(p, NULL, MTL_EFORMAT,
                     method ? "declares 4100000000 bytes from"
                            : "declares 4100000000 bytes from");
    check_msg(method ? "largest ratio" : "stored sizes must be equal");
    CHECK(!strstr(mtl_last_error(), "No error"));
    free(b.p);
  }
}

/* ---- the regression corpus of fuzz/ ----------------------------------- */

/* Every input of fuzz/corpus/<reader>/ (each found a defect) read by its
 * reader: a clean error naming the file, nothing returned. */
static void test_fuzz_corpus(void) {
  static const char *const dirs[] = {"mat", "npz",   "text",
                                     "csv", "arff", "index"};
  static const char *const opts[] = {"format=mat", "format=npz",
                                     "format=text", "format=csv",
                                     "format=arff", NULL};
  char dir[1024], path[1400];
  int seen = 0;
  for (int k = 0; k < 6; k++) {
    snprintf(dir, sizeof dir, "%s/fuzz/corpus/%s", MTL_SOURCE_DIR, dirs[k]);
    DIR *dh = opendir(dir);
    struct dirent *e;
    while (dh && (e = readdir(dh)) != NULL) {
      if (e->d_name[0] == '.')
        continue;
      snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
      mtl_dataset *ds = NULL;
      int64_t *idx = NULL, m = 0;
      int rc = opts[k] ? mtl_dataset_read_opts(path, opts[k], &ds)
                       : mtl_read_index_file(path, "tr", &idx, &m);
      CHECK(rc != MTL_OK && ds == NULL && idx == NULL);
      CHECK(strstr(mtl_last_error(), e->d_name) != NULL);
      if (rc == MTL_OK || !strstr(mtl_last_error(), e->d_name))
        fprintf(stderr, "  %s: %s\n", path, mtl_last_error());
      mtl_dataset_free(ds);
      mtl_free(idx);
      seen++;
    }
    if (dh)
      closedir(dh);
  }
  CHECK(seen >= 10);
  printf("fuzz corpus: %d inputs, each a clean error\n", seen);
}

/* ---- the memory cap ----------------------------------------------------- */

static void cap_memory(void) {
#ifndef UNDER_ASAN
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  long kb = -1;
  while (f && fgets(line, sizeof line, f))
    if (sscanf(line, "VmSize: %ld kB", &kb) == 1)
      break;
  if (f)
    fclose(f);
  if (kb > 0) {
    struct rlimit r;
    r.rlim_cur = r.rlim_max = (rlim_t)kb * 1024 + ((rlim_t)100 << 20);
    if (setrlimit(RLIMIT_AS, &r) == 0)
      printf("address space capped at %ld MB (100 MB above start)\n",
             (long)(r.rlim_cur >> 20));
  }
#else
  printf("under AddressSanitizer: no address-space cap\n");
#endif
}

/* The reads run in a child process that caps its own address space and
 * ends with _exit: OpenBLAS's worker threads, started when the library is
 * loaded, were seen spinning and then hanging at exit once the cap was
 * set in the process that had them (fork copies only the calling thread). */
int main(void) {
  const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
  snprintf(tmpdir, sizeof tmpdir, "%s/mtl_test_hostile_XXXXXX", base);
  if (!mkdtemp(tmpdir)) {
    perror("mkdtemp");
    return 1;
  }
  fflush(NULL);
  pid_t pid = fork();
  if (pid == 0) {
    cap_memory();
    test_mat_empty_overread();
    test_mat_cell_bomb();
    test_mat_v4_bombs();
    test_mat_sparse_missing_jc();
    test_mat_v4_sparse();
    test_text_huge_index();
    test_text_storage_hint();
    test_csv_wide_header();
    test_npz_lying_size();
    test_fuzz_corpus();
    fprintf(stderr, "%s: %d checks, %d failed\n", __FILE__, check_count,
            check_failures);
    fflush(NULL);
    _exit(check_failures ? 1 : 0);
  }
  int st = 0;
  if (pid < 0 || waitpid(pid, &st, 0) != pid) {
    perror("fork/waitpid");
    st = 1 << 8;
  }
  const char *names[] = {"empty.mat",   "cellbomb.mat", "v4.mat",
                         "hugeidx.txt", "wide.csv",     "lying.npz"};
  for (size_t k = 0; k < sizeof names / sizeof *names; k++)
    unlink(tpath(names[k]));
  rmdir(tmpdir);
  if (WIFSIGNALED(st))
    fprintf(stderr, "test_hostile: the reads died of signal %d\n",
            WTERMSIG(st));
  return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}
