/*
 * kmeans.c -- k-means (Lloyd's iterations from k-means++ seeds, Arthur &
 * Vassilvitskii 2007) with several starts, deterministic for a seed: the
 * cluster assignment of clustered MTL.
 */
#include "solvers/solvers.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static double dist2(const double *a, const double *b, int p) {
  double s = 0;
  for (int j = 0; j < p; j++)
    s += (a[j] - b[j]) * (a[j] - b[j]);
  return s;
}

/* k-means++ seeds: the first uniform, each next with probability
 * proportional to the squared distance to the nearest seed so far. */
static void seeds(const double *X, int n, int p, int k, mtl__rng *r,
                  double *C, double *dmin) {
  int first = (int)mtl__rng_below(r, (uint64_t)n);
  memcpy(C, X + (size_t)first * p, (size_t)p * sizeof(double));
  for (int i = 0; i < n; i++)
    dmin[i] = dist2(X + (size_t)i * p, C, p);
  for (int c = 1; c < k; c++) {
    double tot = 0;
    for (int i = 0; i < n; i++)
      tot += dmin[i];
    int pick = n - 1;
    double u = mtl__rng_uniform(r) * tot, acc = 0;
    for (int i = 0; i < n && tot > 0; i++)
      if ((acc += dmin[i]) > u) {
        pick = i;
        break;
      }
    if (!(tot > 0)) /* fewer distinct points than k */
      pick = c % n;
    memcpy(C + (size_t)c * p, X + (size_t)pick * p, (size_t)p * sizeof(double));
    for (int i = 0; i < n; i++)
      dmin[i] = fmin(dmin[i], dist2(X + (size_t)i * p, C + (size_t)c * p, p));
  }
}

/* Lloyd's iterations from C; returns the inertia, labels in lab. */
static double lloyd(const double *X, int n, int p, int k, double *C,
                    int *lab, int *cnt) {
  double inertia = 0;
  for (int it = 0; it < 300; it++) {
    int moved = 0;
    inertia = 0;
    for (int i = 0; i < n; i++) {
      int best = 0;
      double bd = DBL_MAX;
      for (int c = 0; c < k; c++) {
        double dd = dist2(X + (size_t)i * p, C + (size_t)c * p, p);
        if (dd < bd) {
          bd = dd;
          best = c;
        }
      }
      moved += it == 0 || lab[i] != best;
      lab[i] = best;
      inertia += bd;
    }
    if (!moved)
      break;
    memset(C, 0, (size_t)k * p * sizeof(double));
    memset(cnt, 0, (size_t)k * sizeof(int));
    for (int i = 0; i < n; i++) {
      cnt[lab[i]]++;
      for (int j = 0; j < p; j++)
        C[(size_t)lab[i] * p + j] += X[(size_t)i * p + j];
    }
    for (int c = 0; c < k; c++) /* an empty cluster keeps a zero center */
      for (int j = 0; j < p && cnt[c]; j++)
        C[(size_t)c * p + j] /= cnt[c];
  }
  return inertia;
}

int mtl__kmeans(const double *X, int n, int p, int k, uint64_t seed,
                int starts, int *labels) {
  if (k < 1 || k > n || p < 1)
    return mtl__err(MTL_EINVAL, "kmeans: k = %d for %d points of dimension "
                                "%d",
                    k, n, p);
  double *C = mtl__malloc(((size_t)k * p + n) * sizeof(double));
  int *lab = mtl__malloc((size_t)(n + k + k) * sizeof(int));
  if (!C || !lab) {
    free(C);
    free(lab);
    return MTL_ENOMEM;
  }
  int *cnt = lab + n, *map = cnt + k;
  mtl__rng r;
  mtl__rng_seed(&r, seed);
  double best = DBL_MAX;
  for (int s = 0; s < starts; s++) {
    seeds(X, n, p, k, &r, C, C + (size_t)k * p);
    double in = lloyd(X, n, p, k, C, lab, cnt);
    if (in < best) {
      best = in;
      memcpy(labels, lab, (size_t)n * sizeof(int));
    }
  }
  /* number the clusters by first appearance */
  for (int c = 0; c < k; c++)
    map[c] = -1;
  int next = 0;
  for (int i = 0; i < n; i++) {
    if (map[labels[i]] < 0)
      map[labels[i]] = next++;
    labels[i] = map[labels[i]];
  }
  free(C);
  free(lab);
  return MTL_OK;
}
