/*
 * heldout.h -- generated regression tasks with a held-out part, for the
 * tests of planted structure (test_fglasso.c, test_caso.c, test_mll.c).
 */
#ifndef MTL_TEST_HELDOUT_H
#define MTL_TEST_HELDOUT_H

#include "check.h"

/* Task t of ds: n training samples y = x'w + noise U(-1, 1), x = 1.7
 * U(-1, 1)^d, added to ds, then nt held-out samples into Xte + t nt d and
 * yte + t nt (the training samples first, each noise before its x). */
static inline void heldout_task(mtl_dataset *ds, int t, const double *w, int d,
                                int n, int nt, double noise, double *Xte,
                                double *yte, unsigned long long *s) {
  double *X = malloc(sizeof(double) * (size_t)(n * d + n)), *y = X + n * d;
  for (int i = 0; i < n + nt; i++) {
    double *xi = i < n ? X + i * d : Xte + ((size_t)t * nt + i - n) * d;
    double yi = noise * check_rand(s);
    for (int j = 0; j < d; j++) {
      xi[j] = check_rand(s) * 1.7;
      yi += xi[j] * w[j];
    }
    if (i < n)
      y[i] = yi;
    else
      yte[t * nt + i - n] = yi;
  }
  CHECK(mtl_dataset_add_dense(ds, n, X, y, MTL_TASK_REGRESSION, NULL) == t);
  free(X);
}

/* Mean squared error of W (d x T) on the held-out samples lo..hi-1 of each
 * task (nt held out per task). */
static inline double heldout_err_part(const double *W, int d, int T, int nt,
                                      int lo, int hi, const double *Xte,
                                      const double *yte) {
  double e = 0;
  for (int t = 0; t < T; t++)
    for (int i = lo; i < hi; i++) {
      const double *xi = Xte + ((size_t)t * nt + i) * d;
      double r = -yte[t * nt + i];
      for (int j = 0; j < d; j++)
        r += xi[j] * W[j + t * d];
      e += r * r;
    }
  return e / (T * (hi - lo));
}

/* Mean held-out squared error of W (d x T). */
static inline double heldout_err(const double *W, int d, int T, int nt,
                                 const double *Xte, const double *yte) {
  return heldout_err_part(W, d, T, nt, 0, nt, Xte, yte);
}

#endif
