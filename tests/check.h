/*
 * check.h -- minimal test assertions.  Each failing check prints the
 * expression, both values and the tolerance, plus mtl_last_error(); the test
 * keeps going and exits non-zero at the end (CHECK_DONE).
 */
#ifndef MTL_CHECK_H
#define MTL_CHECK_H

#include "mtl.h"
#include "api/api.h" /* the internal interfaces the tests check (problem, solver, cv) */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* CHECK_SANITIZED: 1 in an AddressSanitizer build (gcc or clang), where
 * tests cut their long reference runs (about 5x slower). */
#if defined(__SANITIZE_ADDRESS__)
#define CHECK_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CHECK_SANITIZED 1
#endif
#endif
#ifndef CHECK_SANITIZED
#define CHECK_SANITIZED 0
#endif

static int check_failures = 0;
static int check_count = 0;

#define CHECK(cond)                                                            \
  do {                                                                         \
    check_count++;                                                             \
    if (!(cond)) {                                                             \
      check_failures++;                                                        \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
    }                                                                          \
  } while (0)

/* rc must be >= 0 (MTL_OK or a state). */
#define CHECK_OK(expr)                                                         \
  do {                                                                         \
    check_count++;                                                             \
    int check_rc_ = (expr);                                                    \
    if (check_rc_ < 0) {                                                       \
      check_failures++;                                                        \
      fprintf(stderr, "%s:%d: %s returned %s: %s\n", __FILE__, __LINE__,       \
              #expr, mtl_errname(check_rc_), mtl_last_error());                \
    }                                                                          \
  } while (0)

/* rc must equal the given error code; prints the message either way when
 * MTL_CHECK_VERBOSE is set. */
#define CHECK_ERR(expr, code)                                                  \
  do {                                                                         \
    check_count++;                                                             \
    int check_rc_ = (expr);                                                    \
    if (check_rc_ != (code)) {                                                 \
      check_failures++;                                                        \
      fprintf(stderr, "%s:%d: %s returned %s, expected %s (%s)\n", __FILE__,   \
              __LINE__, #expr, mtl_errname(check_rc_), mtl_errname(code),      \
              mtl_last_error());                                               \
    }                                                                          \
  } while (0)

/* |a - b| <= tol * max(1, |b|)   (relative for large values) */
#define CHECK_CLOSE(a, b, tol)                                                 \
  do {                                                                         \
    check_count++;                                                             \
    double check_a_ = (a), check_b_ = (b), check_t_ = (tol);                   \
    double check_s_ = fabs(check_b_) > 1 ? fabs(check_b_) : 1;                 \
    if (!(fabs(check_a_ - check_b_) <= check_t_ * check_s_)) {                 \
      check_failures++;                                                        \
      fprintf(stderr,                                                          \
              "%s:%d: CHECK_CLOSE failed: %s = %.17g, %s = %.17g, "            \
              "|diff| = %.3g > tol %.3g (x %.3g)\n",                           \
              __FILE__, __LINE__, #a, check_a_, #b, check_b_,                  \
              fabs(check_a_ - check_b_), check_t_, check_s_);                  \
    }                                                                          \
  } while (0)

/* a <= b */
#define CHECK_LE(a, b)                                                         \
  do {                                                                         \
    check_count++;                                                             \
    double check_a_ = (a), check_b_ = (b);                                     \
    if (!(check_a_ <= check_b_)) {                                             \
      check_failures++;                                                        \
      fprintf(stderr, "%s:%d: CHECK_LE failed: %s = %.17g > %s = %.17g\n",     \
              __FILE__, __LINE__, #a, check_a_, #b, check_b_);                 \
    }                                                                          \
  } while (0)

/* Message of the last error must contain the substring. */
#define CHECK_MSG(sub)                                                         \
  do {                                                                         \
    check_count++;                                                             \
    if (!strstr(mtl_last_error(), (sub))) {                                    \
      check_failures++;                                                        \
      fprintf(stderr, "%s:%d: error message \"%s\" lacks \"%s\"\n", __FILE__,  \
              __LINE__, mtl_last_error(), (sub));                              \
    }                                                                          \
  } while (0)

#define CHECK_DONE()                                                           \
  do {                                                                         \
    fprintf(stderr, "%s: %d checks, %d failed\n", __FILE__, check_count,       \
            check_failures);                                                   \
    return check_failures ? 1 : 0;                                             \
  } while (0)

/* Path of a file in the shared data directory; exits 77 (skip) if absent. */
static inline const char *check_data(const char *rel) {
  static char buf[4096];
  const char *dir = getenv("MTL_DATA_DIR");
#ifdef MTL_DATA_DIR
  if (!dir)
    dir = MTL_DATA_DIR;
#endif
  if (!dir)
    dir = "../shared/data";
  snprintf(buf, sizeof buf, "%s/%s", dir, rel);
  FILE *f = fopen(buf, "rb");
  if (!f) {
    fprintf(stderr, "skip: data file %s not found\n", buf);
    exit(77);
  }
  fclose(f);
  return buf;
}

/* Deterministic uniform in [-1, 1) for test data. */
static inline double check_rand(unsigned long long *s) {
  *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
  return (double)(*s >> 11) * 0x1.0p-52 - 1.0;
}

#endif
