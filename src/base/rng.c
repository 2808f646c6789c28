/*
 * rng.c -- xoshiro256** seeded through splitmix64 (Blackman & Vigna).  One
 * generator per caller: no global state, reproducible for a seed.
 */
#include "base.h"

#include <math.h>
#include <time.h>

static uint64_t splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

void mtl__rng_seed(mtl__rng *r, uint64_t seed) {
  uint64_t x = seed;
  for (int i = 0; i < 4; i++)
    r->s[i] = splitmix64(&x);
  r->has_gauss = 0;
  r->gauss = 0;
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t mtl__rng_u64(mtl__rng *r) {
  uint64_t *s = r->s;
  uint64_t result = rotl(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

double mtl__rng_uniform(mtl__rng *r) {
  return (double)(mtl__rng_u64(r) >> 11) * 0x1.0p-53;
}

/* Marsaglia polar method; caches the second variate. */
double mtl__rng_normal(mtl__rng *r) {
  if (r->has_gauss) {
    r->has_gauss = 0;
    return r->gauss;
  }
  double u, v, s;
  do {
    u = 2.0 * mtl__rng_uniform(r) - 1.0;
    v = 2.0 * mtl__rng_uniform(r) - 1.0;
    s = u * u + v * v;
  } while (s >= 1.0 || s == 0.0);
  double f = sqrt(-2.0 * log(s) / s);
  r->gauss = v * f;
  r->has_gauss = 1;
  return u * f;
}

/* Lemire-free simple rejection: unbiased uniform integer below n. */
uint64_t mtl__rng_below(mtl__rng *r, uint64_t n) {
  if (n <= 1)
    return 0;
  uint64_t lim = UINT64_MAX - UINT64_MAX % n;
  uint64_t x;
  do
    x = mtl__rng_u64(r);
  while (x >= lim);
  return x % n;
}

void mtl__rng_shuffle_int(mtl__rng *r, int *a, int n) {
  for (int i = n - 1; i > 0; i--) {
    int j = (int)mtl__rng_below(r, (uint64_t)i + 1);
    int t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
}

double mtl__now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}
