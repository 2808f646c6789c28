/*
 * prox_fused.c -- the row prox of the fused group lasso (Zhou, Liu,
 * Narayan & Ye, KDD 2012; MALSAR's FGLasso) for tasks ordered in time:
 *
 *   g(x) = a ||x||_1 + b sum_{t<T} |x_{t+1} - x_t| + c ||x||_2
 *
 * on one feature row x (T entries, one per task).  Its prox is a
 * composition of three simple maps:
 *   1. the 1-D total-variation prox (fused lasso signal approximator with
 *      no L1 part), computed exactly by Condat's direct algorithm (IEEE SPL
 *      2013, "A direct algorithm for 1-D total variation denoising");
 *   2. the soft threshold by a: prox_{a|.|_1 + b TV} = soft_a o prox_{b TV}
 *      (Friedman, Hastie, Hoefling & Tibshirani 2007, Prop. 1);
 *   3. the group shrink x max(0, 1 - c / ||x||_2): prox_{f + h} = prox_h o
 *      prox_f for h = c ||.||_2 whenever the subdifferential of f at x is
 *      contained in that at every positive multiple of x (Yu, NIPS 2013,
 *      Thm. 1), which holds for any norm f such as a ||.||_1 + b TV; this is
 *      the composition used by Zhou et al. 2012 (Sec. 3.2).
 */
#include "problem.h"

#include <math.h>
#include <string.h>

/* Condat's algorithm, written for this file: one left-to-right scan that
 * keeps, for the segment that starts at k0, the interval [lo, hi] its
 * value can still take and the running residual sums ulo, uhi (at the two
 * ends of the interval) that tell when the segment must close with a
 * downward jump (value lo, up to kmin) or an upward one (value hi, up to
 * kmax).  Exact, O(n) typical. */
void mtl__tv1d(const double *y, int n, double lam, double *x) {
  if (n <= 0)
    return;
  if (!(lam > 0)) {
    memmove(x, y, (size_t)n * sizeof *x);
    return;
  }
  int k = 0, k0 = 0, kmin = 0, kmax = 0;
  double lo = y[0] - lam, hi = y[0] + lam, ulo = lam, uhi = -lam;
  for (;;) {
    if (k == n - 1) { /* last sample: close what the residuals force */
      if (ulo < 0) {
        while (k0 <= kmin)
          x[k0++] = lo;
        k = kmin = k0;
        lo = y[k];
        ulo = lam;
        uhi = y[k] + lam - hi;
      } else if (uhi > 0) {
        while (k0 <= kmax)
          x[k0++] = hi;
        k = kmax = k0;
        hi = y[k];
        uhi = -lam;
        ulo = y[k] - lam - lo;
      } else {
        double v = lo + ulo / (k - k0 + 1);
        while (k0 <= k)
          x[k0++] = v;
        return;
      }
      continue;
    }
    ulo += y[k + 1] - lo;
    if (ulo < -lam) { /* a downward jump after kmin */
      while (k0 <= kmin)
        x[k0++] = lo;
      k = kmin = kmax = k0;
      lo = y[k];
      hi = y[k] + 2 * lam;
      ulo = lam;
      uhi = -lam;
      continue;
    }
    uhi += y[k + 1] - hi;
    if (uhi > lam) { /* an upward jump after kmax */
      while (k0 <= kmax)
        x[k0++] = hi;
      k = kmin = kmax = k0;
      hi = y[k];
      lo = y[k] - 2 * lam;
      ulo = lam;
      uhi = -lam;
      continue;
    }
    k++;
    if (ulo >= lam) {
      kmin = k;
      lo += (ulo - lam) / (k - k0 + 1);
      ulo = lam;
    }
    if (uhi <= -lam) {
      kmax = k;
      hi += (uhi + lam) / (k - k0 + 1);
      uhi = -lam;
    }
  }
}

void mtl__prox_fused_row(double *x, int n, size_t stride, double a, double b,
                         double c, double *work) {
  for (int t = 0; t < n; t++)
    work[t] = x[(size_t)t * stride];
  mtl__tv1d(work, n, b, work);
  double s = 0;
  for (int t = 0; t < n; t++) {
    double v = fabs(work[t]) - a;
    work[t] = v > 0 ? copysign(v, work[t]) : 0;
    s += work[t] * work[t];
  }
  s = sqrt(s);
  double f = s > c ? 1 - c / s : 0;
  for (int t = 0; t < n; t++)
    x[(size_t)t * stride] = f * work[t];
}

double mtl__fused_value(const double *x, int n, size_t stride, double a,
                        double b, double c) {
  double l1 = 0, tv = 0, l2 = 0;
  for (int t = 0; t < n; t++) {
    double v = x[(size_t)t * stride];
    l1 += fabs(v);
    l2 += v * v;
    if (t + 1 < n)
      tv += fabs(x[(size_t)(t + 1) * stride] - v);
  }
  return a * l1 + b * tv + c * sqrt(l2);
}
