/*
 * numparse.c -- decimal text to double, correctly rounded and fast: the
 * number parser of the text, CSV and matrix readers.
 *
 * mtl__strtod(s, &end) returns exactly what strtod(s, &end) returns (value
 * and end pointer) in the "C" locale.  Plain decimals -- [+-] digits [.
 * digits] [(e|E) [+-] digits] with at most 19 significant digits and a
 * normal (not subnormal, not overflowing) result -- take one of two fast
 * paths; everything else (more digits, hexadecimal, inf, nan, leading
 * blanks, subnormal or out-of-range results, and the rare cases the fast
 * path cannot decide) is handed to strtod itself.
 *
 * Digits are read 8 at a time where 8 follow (a SWAR conversion), which is
 * why the string needs readable slack after its end (data.h).
 *
 * 1. Exact operands (Clinger, "How to read floating point numbers
 *    accurately", PLDI 1990): when w <= 2^53 and |q| <= 22, both w and 10^q
 *    are doubles, and one IEEE multiplication or division rounds w * 10^q
 *    correctly.
 * 2. Otherwise the product of w (normalized to 64 bits) and a 128-bit
 *    truncation of 5^q (an idea of Eisel and Lemire, "Number parsing at a
 *    gigabyte per second", 2021; the bounds below are derived here).  With
 *    5^q = (m + delta) 2^e, 0 <= delta < 1, and W = w 2^lz (2^63 <= W <
 *    2^64), the exact scaled value Y = W (m + delta) lies in [X, X + 2^64)
 *    where X = W m is 192 bits wide.  U = floor(X / 2^64) (128 bits) thus
 *    gives Y / 2^64 in [U, U + 2).  Keeping the top 53 bits of U leaves a
 *    remainder R of s = 74 or 75 bits; the true remainder lies in
 *    [R, R + 2), so the rounding direction is certain unless R is within 2
 *    of the halfway point 2^(s-1) (then strtod decides).  A carry out of
 *    the remainder only ever joins a round-up, so it needs no special case.
 *
 * The table of m and e for q in [-342, 308] is computed once (pthread_once)
 * with exact integer arithmetic: 5^q by repeated multiplication for q >= 0;
 * floor(2^1088 / 5^-q) by repeated division (floor(floor(x/a)/b) =
 * floor(x/(ab)) for integers, so no error accumulates) for q < 0.
 */
#include "data.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define Q_MIN (-342)
#define Q_MAX 308
#define NQ (Q_MAX - Q_MIN + 1)
#define BIG_WORDS 18 /* 1152 bits: 2^1088 and 5^308 (716 bits) fit */
#define NEG_SHIFT 1088

typedef struct pow5 {
  uint64_t hi, lo; /* m = hi 2^64 + lo, 2^127 <= m < 2^128 */
  int e;           /* 5^q = (m + delta) 2^e, 0 <= delta < 1 */
} pow5;

static pow5 table[NQ];
static pthread_once_t table_once = PTHREAD_ONCE_INIT;
static atomic_int table_ready; /* 1 once the table is built (fast check) */

/* Bit length of the little-endian big number a (n words). */
static int big_bits(const uint64_t *a, int n) {
  for (int k = n - 1; k >= 0; k--)
    if (a[k])
      return 64 * k + 64 - __builtin_clzll(a[k]);
  return 0;
}

/* Bit b of a (0 beyond its words). */
static int big_bit(const uint64_t *a, int b) {
  return b >= 0 && b < 64 * BIG_WORDS ? (int)((a[b / 64] >> (b % 64)) & 1)
                                      : 0;
}

/* The top 128 bits of a (truncated; zero-filled below when a is shorter)
 * into t, and the exponent e with a = (t.hi 2^64 + t.lo + delta) 2^e. */
static void big_top(const uint64_t *a, int extra_e, pow5 *t) {
  int L = big_bits(a, BIG_WORDS), low = L - 128;
  t->hi = t->lo = 0;
  for (int b = 0; b < 128; b++) {
    int bit = big_bit(a, low + b);
    if (b < 64)
      t->lo |= (uint64_t)bit << b;
    else
      t->hi |= (uint64_t)bit << (b - 64);
  }
  t->e = low + extra_e;
}

static void table_init(void) {
  uint64_t a[BIG_WORDS];
  memset(a, 0, sizeof a);
  a[0] = 1;
  for (int q = 0; q <= Q_MAX; q++) { /* a = 5^q */
    big_top(a, 0, &table[q - Q_MIN]);
    unsigned __int128 carry = 0;
    for (int k = 0; k < BIG_WORDS; k++) {
      unsigned __int128 p = (unsigned __int128)a[k] * 5 + carry;
      a[k] = (uint64_t)p;
      carry = p >> 64;
    }
  }
  memset(a, 0, sizeof a);
  a[NEG_SHIFT / 64] = (uint64_t)1 << (NEG_SHIFT % 64);
  for (int q = -1; q >= Q_MIN; q--) { /* a = floor(2^1088 / 5^-q) */
    unsigned __int128 rem = 0;
    for (int k = BIG_WORDS - 1; k >= 0; k--) {
      unsigned __int128 cur = (rem << 64) | a[k];
      a[k] = (uint64_t)(cur / 5);
      rem = cur % 5;
    }
    big_top(a, -NEG_SHIFT, &table[q - Q_MIN]);
  }
}

static const double exact10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,
                                   1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                   1e12, 1e13, 1e14, 1e15, 1e16, 1e17,
                                   1e18, 1e19, 1e20, 1e21, 1e22};

/* w * 10^q for w != 0 by the 128-bit product; 0 when the result is not a
 * certain normal double (the caller then asks strtod). */
static int mul_pow5(uint64_t w, int q, double *out) {
  if (q < Q_MIN || q > Q_MAX)
    return 0;
  const pow5 *t = &table[q - Q_MIN];
  int lz = __builtin_clzll(w);
  uint64_t W = w << lz;
  unsigned __int128 a = (unsigned __int128)W * t->hi;
  unsigned __int128 b = (unsigned __int128)W * t->lo;
  uint64_t ulo = (uint64_t)a + (uint64_t)(b >> 64);
  uint64_t uhi = (uint64_t)(a >> 64) + (ulo < (uint64_t)a);
  int sh = (int)(uhi >> 63) ? 11 : 10; /* s = 64 + sh remainder bits */
  uint64_t half = (uint64_t)1 << (sh - 1), rhi = uhi & ((half << 1) - 1);
  int up;
  if (rhi < half - 1 || (rhi == half - 1 && ulo < UINT64_MAX))
    up = 0; /* R + 2 <= half */
  else if (rhi > half || (rhi == half && ulo > 0))
    up = 1; /* R > half */
  else
    return 0;
  uint64_t m = (uhi >> sh) + (uint64_t)up;
  int s = 64 + sh;
  if (m >> 53) { /* rounded up to 2^53 */
    m >>= 1;
    s++;
  }
  int E = s + 64 + t->e + q - lz; /* value = m 2^E, 2^52 <= m < 2^53 */
  int biased = E + 52 + 1023;
  if (biased < 1 || biased > 2046)
    return 0;
  uint64_t bits = ((uint64_t)biased << 52) | (m & (((uint64_t)1 << 52) - 1));
  memcpy(out, &bits, sizeof bits);
  return 1;
}

static int is_digit(char c) { return (unsigned char)(c - '0') < 10; }

/* The 8 bytes at p, first byte lowest (p may be unaligned). */
static uint64_t load8(const char *p) {
  uint64_t v;
  memcpy(&v, p, sizeof v);
  return v;
}

/* 1 when all 8 bytes of v are ASCII digits: each byte is 0x30..0x39, i.e.
 * its high nibble is 3 and adding 6 does not carry out of the low one. */
static int all_digits8(uint64_t v) {
  const uint64_t hi = 0xF0F0F0F0F0F0F0F0ULL, three = 0x3030303030303030ULL;
  return (v & hi) == three && ((v + 0x0606060606060606ULL) & hi) == three;
}

/* The value of 8 ASCII digits (first digit most significant) in three
 * multiplications: adjacent digits are combined into 2-digit lanes, then
 * 4-digit lanes, then the result. */
static uint32_t value8(uint64_t v) {
  v -= 0x3030303030303030ULL;                 /* bytes d0 (low) .. d7 */
  v = (v * 10 + (v >> 8)) & 0x00FF00FF00FF00FFULL; /* 10 d0 + d1 ... */
  v = (v * 100 + (v >> 16)) & 0x0000FFFF0000FFFFULL; /* 4-digit lanes */
  return (uint32_t)((v & 0xFFFF) * 10000 + (v >> 32));
}

/* Appends the digits at *pp to w (nd counts them), 8 at a time when it
 * can: digits beyond the 19th make the caller give up, so w may wrap. */
static inline __attribute__((always_inline)) void
digits(const char **pp, uint64_t *w, int *nd) {
  const char *p = *pp;
  uint64_t x = *w;
  int n = *nd;
  for (uint64_t v; all_digits8(v = load8(p)); p += 8, n += 8)
    x = x * 100000000 + value8(v);
  for (; is_digit(*p); p++, n++)
    x = x * 10 + (uint64_t)(*p - '0');
  *pp = p;
  *w = x;
  *nd = n;
}

double mtl__strtod(const char *s, char **end) {
  const char *p = s;
  int neg = *p == '-';
  p += neg || *p == '+';
  if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
    return strtod(s, end);
  uint64_t w = 0;
  int nd = 0, any = 0;
  long e = 0;
  while (*p == '0')
    p++, any = 1;
  const char *q = p;
  digits(&p, &w, &nd);
  any |= p != q;
  if (*p == '.') {
    p++;
    if (nd == 0)
      for (; *p == '0'; p++, any = 1)
        e--;
    q = p;
    digits(&p, &w, &nd);
    any |= p != q;
    e -= p - q;
  }
  if (!any || nd > 19)
    return strtod(s, end);
  if (*p == 'e' || *p == 'E') {
    const char *x = p + 1;
    int eneg = *x == '-';
    x += eneg || *x == '+';
    if (is_digit(*x)) {
      long ex = 0;
      for (; is_digit(*x); x++)
        if (ex < 100000)
          ex = ex * 10 + (*x - '0');
      e += eneg ? -ex : ex;
      p = x;
    }
  }
  double v;
  if (nd == 0) {
    v = 0.0;
  } else if (w <= ((uint64_t)1 << 53) && e >= -22 && e <= 22) {
    v = (double)w;
    v = e < 0 ? v / exact10[-e] : v * exact10[e];
  } else {
    if (!atomic_load_explicit(&table_ready, memory_order_acquire)) {
      pthread_once(&table_once, table_init);
      atomic_store_explicit(&table_ready, 1, memory_order_release);
    }
    if (!mul_pow5(w, (int)e, &v))
      return strtod(s, end);
  }
  if (end)
    *end = (char *)p;
  return neg ? -v : v;
}
