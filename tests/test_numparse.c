/*
 * test_numparse.c -- the readers' number parser (mtl__strtod) against the C
 * library's strtod: the same bits, the same end pointer and the same errno
 * on millions of inputs:
 *   - random doubles (random bit patterns: every binade, subnormals, the
 *     extremes) printed with %.17g, %.15g, %.6e, %.25e and %.0f;
 *   - random decimal strings: 1 to 24 digits, a point anywhere, leading
 *     zeros, signs, exponents from -400 to 400 (underflow, overflow);
 *   - hand-picked cases: halfway points, the largest and smallest doubles
 *     and their neighbours, inf, nan, hex floats, malformed input.
 * Also the text reader end to end: a file of %.17g values reads back bit
 * for bit.
 */
#include "check.h"
#include "../src/data/data.h"

#include <errno.h>
#include <stdint.h>
#include <unistd.h>

static uint64_t rng = 0x9E3779B97F4A7C15ULL;
static uint64_t next(void) { /* xorshift64* */
  rng ^= rng >> 12;
  rng ^= rng << 25;
  rng ^= rng >> 27;
  return rng * 2685821657736338717ULL;
}

static long mismatches = 0;
static char buf[512 + MTL__LINES_PAD]; /* the slack mtl__strtod may read */

/* Compares mtl__strtod with strtod on buf. */
static void compare(void) {
  char *e1, *e2;
  errno = 0;
  double a = mtl__strtod(buf, &e1);
  int err1 = errno;
  errno = 0;
  double b = strtod(buf, &e2);
  int err2 = errno;
  uint64_t ua, ub;
  memcpy(&ua, &a, 8);
  memcpy(&ub, &b, 8);
  int nan_both = a != a && b != b;
  check_count++;
  if ((ua != ub && !nan_both) || e1 != e2 || err1 != err2) {
    if (mismatches++ < 10)
      fprintf(stderr, "mismatch on '%s': fast %.17g (end +%d, errno %d), "
                      "strtod %.17g (end +%d, errno %d)\n",
              buf, a, (int)(e1 - buf), err1, b, (int)(e2 - buf), err2);
    check_failures++;
  }
}

static void one(const char *s) {
  snprintf(buf, sizeof buf - MTL__LINES_PAD, "%s", s);
  compare();
}

static void random_doubles(long n) {
  static const char *fmt[] = {"%.17g", "%.15g", "%.6e", "%.25e", "%.0f"};
  for (long i = 0; i < n; i++) {
    uint64_t bits = next();
    double v;
    memcpy(&v, &bits, 8);
    if (v != v || isinf(v))
      continue;
    for (int f = 0; f < 5; f++) {
      snprintf(buf, sizeof buf - MTL__LINES_PAD, fmt[f], v);
      compare();
    }
  }
}

/* Random decimal text: sign, leading zeros, 1..24 digits with a point
 * somewhere (or none), an exponent, sometimes trailing characters. */
static void random_strings(long n) {
  static const char *tails[] = {"", "", "", " 3:1", ",", "x", "e", "e+",
                                ":"};
  for (long i = 0; i < n; i++) {
    char *p = buf;
    uint64_t r = next();
    if (r & 1)
      *p++ = (r & 2) ? '-' : '+';
    int zeros = (int)((r >> 2) % 4);
    for (int k = 0; k < zeros; k++)
      *p++ = '0';
    int nd = 1 + (int)((r >> 4) % 24), point = (int)((r >> 9) % (nd + 2));
    for (int k = 0; k < nd; k++) {
      if (k == point)
        *p++ = '.';
      *p++ = (char)('0' + next() % 10);
    }
    if ((r >> 14) % 3)
      p += sprintf(p, "%c%d", (r >> 16) & 1 ? 'e' : 'E',
                   (int)((r >> 17) % 801) - 400);
    strcpy(p, tails[(r >> 30) % 9]);
    compare();
  }
}

static void special_cases(void) {
  static const char *cases[] = {
      "0", "-0", "+0", "0.0", "00000", "0e999999", "-0.0e-5", ".5", "-.5",
      "5.", "1e", "1e+", "1e-", "1.5e3x", ".", "-", "+", "", " 1", "e5",
      "inf", "-inf", "Infinity", "nan", "NAN(123)", "0x1p-1074", "0X1.8p1",
      "1e-400", "1e400", "-1e400", "4.9406564584124654e-324",
      "2.4703282292062327e-324", "2.4703282292062328e-324",
      "2.2250738585072011e-308", "2.2250738585072012e-308",
      "2.2250738585072014e-308", "1.7976931348623157e308",
      "1.7976931348623158e308", "1.7976931348623159e308",
      "9007199254740992", "9007199254740993", "9007199254740994",
      "9007199254740995", "18014398509481985", "1e22", "1e23", "8.5e-5",
      "123456789012345678", "1234567890123456789", "12345678901234567890",
      "0.1", "0.2", "0.3", "1.00000000000000011102230246251565404236316680908203125",
      "1.00000000000000011102230246251565404236316680908203124",
      "7.2057594037927933e16", "3.0517578125e-05", "179769313486231570000000",
      "0.000000000000000000000000000000000000000000001", "1e-342", "1e-343",
      "1e308", "1e309", "99999999999999999999e-20", "4:2", "1:", "1.5:3"};
  for (size_t k = 0; k < sizeof cases / sizeof *cases; k++)
    one(cases[k]);
  /* every power of ten the table holds, and its neighbours */
  for (int q = -345; q <= 310; q++) {
    snprintf(buf, sizeof buf - MTL__LINES_PAD, "1e%d", q);
    compare();
    snprintf(buf, sizeof buf - MTL__LINES_PAD, "9999999999999999999e%d", q);
    compare();
    snprintf(buf, sizeof buf - MTL__LINES_PAD, "4611686018427387904e%d", q);
    compare();
  }
}

/* The text reader reads %.17g values back bit for bit. */
static void reader_round_trip(void) {
  char path[] = "/tmp/mtl_test_numparse_XXXXXX";
  int fd = mkstemp(path);
  CHECK(fd >= 0);
  FILE *f = fdopen(fd, "w");
  enum { T = 3, N = 400, D = 7 };
  static double X[T][N][D], Y[T][N];
  for (int t = 0; t < T; t++)
    for (int i = 0; i < N; i++) {
      uint64_t b = next();
      memcpy(&Y[t][i], &b, 8);
      if (!isfinite(Y[t][i]))
        Y[t][i] = 0.5;
      fprintf(f, "%d %.17g", t + 1, Y[t][i]);
      for (int j = 0; j < D; j++) {
        b = next() >> (next() % 3 ? 0 : 2); /* some small exponents */
        memcpy(&X[t][i][j], &b, 8);
        if (!isfinite(X[t][i][j]) || X[t][i][j] == 0)
          X[t][i][j] = -1.25e-300;
        fprintf(f, " %d:%.17g", j + 1, X[t][i][j]);
      }
      fputc('\n', f);
    }
  fclose(f);
  mtl_dataset *ds = NULL;
  CHECK_OK(mtl_dataset_read_opts(path, "kind=regression", &ds));
  double x[D];
  long bad = 0;
  for (int t = 0; ds && t < T; t++)
    for (int i = 0; i < N; i++) {
      mtl_dataset_get_row(ds, t, i, x);
      bad += memcmp(x, X[t][i], sizeof x) != 0;
      bad += memcmp(&mtl_dataset_task_y(ds, t)[i], &Y[t][i], 8) != 0;
    }
  CHECK(bad == 0);
  mtl_dataset_free(ds);
  unlink(path);
}

int main(void) {
  long n = getenv("MTL_NUMPARSE_N") ? atol(getenv("MTL_NUMPARSE_N"))
                                    : 600000;
  special_cases();
  random_doubles(n);
  random_strings(n);
  reader_round_trip();
  printf("%ld inputs compared with strtod, %ld mismatches\n",
         (long)check_count, mismatches);
  CHECK_DONE();
}
