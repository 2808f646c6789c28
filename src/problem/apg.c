/*
 * apg.c -- the one accelerated proximal-gradient kernel of the library,
 * for min_x f(x) + g(x) with f smooth (value and gradient by callback) and
 * g simple (proximal map and value by callback): FISTA (Beck & Teboulle
 * 2009) or ISTA, backtracking on the quadratic upper bound with optional
 * step-size adaptation, adaptive restart (O'Donoghue & Candes 2015), and
 * the stopping rules its callers need (relative objective change over a
 * window, proximal-gradient residual, a caller-provided check such as a
 * duality gap, a zero step).  Used by mtl_solve, the bias fit of
 * mtl_problem_lambda_max, the W-step of asymmetric MTL and GO-MTL.
 *
 * One iteration at the extrapolated point Y:
 *   X+ = prox_{g/L}(Y - grad f(Y)/L), with L raised by `backtrack` until
 *   f(X+) <= f(Y) + <grad f(Y), X+ - Y> + L/2 ||X+ - Y||^2 (+ slack),
 * then (FISTA) Y = X+ + (t_k - 1)/t_{k+1} (X+ - X).  All work arrays are
 * allocated before the first iteration.
 */
#include "problem.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void mtl__apg_opts_init(mtl__apg_opts *o) {
  *o = (mtl__apg_opts){
      .accelerate = 1,
      .restart = 2,
      .L0 = 1.0,
      .backtrack = 2.0,
      .shrink = 1.0,
      .probe_backoff = 0,
      .slack = 0,
      .noise = 1e-12,
      .reject_nonfinite = 0,
      .max_iter = 1000,
      .tol_obj = 0,
      .obj_monotone = 0,
      .tol_res = 0,
      .stop_zero_step = 0,
      .check = NULL,
      .check_every = 1,
      .keep_best = 0,
      .progress = NULL,
      .progress_ctx = NULL,
      .interrupt = NULL,
      .trace = NULL,
      .who = "proximal gradient",
  };
}

#define OBJ_WINDOW 10
#define PROBE_WAIT_MAX 64

/* State of one run: the caller's x, the work arrays and the counters. */
typedef struct apg {
  size_t n;
  double *x, *y, *g, *xn, *best;
  const mtl__apg_opts *o;
  mtl__apg_smooth_fn smooth;
  mtl__apg_prox_fn prox;
  mtl__apg_value_fn gval;
  void *ctx;
  double L, F, Fbest, hist[OBJ_WINDOW];
  double tk;
  double gx;          /* g(X+) from the prox, or NAN */
  int restarts, done; /* restarts, completed iterations */
  int probe_wait, probe_gap; /* iterations until the next probe, its gap */
} apg;

/* One backtracking step from Y (gradient in a->g, f(Y) = fy): fills a->xn,
 * *fx = f(X+) and the sums <grad, X+ - Y> and ||X+ - Y||^2.  A violation of
 * the sufficient-decrease test at the level of rounding noise (`noise`
 * relative) is inconclusive: the last accepted L is then kept (never
 * shrunk), so that rounding cannot drift the step past 1/L_f. */
static int backtrack(apg *a, int it, double fy, double Lprev, double *fx,
                     double *dist2) {
  const mtl__apg_opts *o = a->o;
  size_t n = a->n;
  for (;;) {
    for (size_t k = 0; k < n; k++)
      a->xn[k] = a->y[k] - a->g[k] / a->L;
    a->gx = NAN;
    int rc = a->prox ? a->prox(a->ctx, 1.0 / a->L, a->xn, a->xn, &a->gx)
                     : MTL_OK;
    if (rc)
      return rc;
    rc = a->smooth(a->ctx, a->xn, fx, NULL);
    if (rc && !(rc == MTL_ENUMERIC && o->reject_nonfinite))
      return rc;
    double gd = 0, dd = 0;
    for (size_t k = 0; k < n; k++) {
      double dk = a->xn[k] - a->y[k];
      gd += a->g[k] * dk;
      dd += dk * dk;
    }
    *dist2 = dd;
    double q = fy + gd + 0.5 * a->L * dd;
    if (!rc && *fx <= (o->slack > 0 ? q + o->slack * fabs(fy) : q))
      return MTL_OK;
    if (!rc && *fx - q <= o->noise * (fabs(fy) + fabs(*fx))) {
      if (a->L >= Lprev)
        return MTL_OK;
      a->L = Lprev;
      continue;
    }
    a->L *= o->backtrack;
    if (!isfinite(a->L))
      return mtl__err(MTL_ENUMERIC,
                      "%s: backtracking diverged at iteration %d (objective "
                      "not smooth or not finite)",
                      o->who, it);
  }
}

/* Restart test and momentum: Y = X+ + beta (X+ - X), then X = X+. */
static void momentum(apg *a, double Fn) {
  const mtl__apg_opts *o = a->o;
  size_t n = a->n;
  int restart_now = 0;
  if (o->accelerate) {
    if (o->restart == 2) { /* gradient scheme: momentum points uphill */
      double ip = 0;
      for (size_t k = 0; k < n; k++)
        ip += (a->y[k] - a->xn[k]) * (a->xn[k] - a->x[k]);
      restart_now = ip > 0;
    } else if (o->restart == 1) { /* function scheme */
      restart_now = Fn > a->F;
    }
  }
  if (o->accelerate && !restart_now) {
    double tn = 0.5 * (1 + sqrt(1 + 4 * a->tk * a->tk));
    double beta = (a->tk - 1) / tn;
    for (size_t k = 0; k < n; k++)
      a->y[k] = a->xn[k] + beta * (a->xn[k] - a->x[k]);
    a->tk = tn;
  } else {
    if (restart_now)
      a->restarts++;
    a->tk = 1.0;
    memcpy(a->y, a->xn, n * sizeof(double));
  }
  memcpy(a->x, a->xn, n * sizeof(double));
  a->F = Fn;
  if (a->best && Fn < a->Fbest) {
    a->Fbest = Fn;
    memcpy(a->best, a->xn, n * sizeof(double));
  }
}

/* The stopping rules after iteration it (0-based): 1 = converged. */
static int converged(apg *a, int it, double Fn, double Fprev, double rel,
                     double res, double dist2, int *rc) {
  const mtl__apg_opts *o = a->o;
  *rc = MTL_OK;
  if (o->tol_obj > 0 && rel <= o->tol_obj && (!o->obj_monotone || Fn <= Fprev))
    return 1;
  if (o->tol_res > 0) {
    double gn = 0;
    for (size_t k = 0; k < a->n; k++)
      gn += a->g[k] * a->g[k];
    gn = sqrt(gn);
    if (res <= o->tol_res * (gn > 1 ? gn : 1))
      return 1;
  }
  if (o->stop_zero_step && dist2 == 0)
    return 1;
  if (o->check && (it + 1) % o->check_every == 0) {
    int stop = 0;
    *rc = o->check(a->ctx, a->x, &stop);
    return *rc ? 0 : stop;
  }
  return 0;
}

/* One iteration; returns MTL_OK to go on, MTL_CONVERGED, or an error. */
static int iterate(apg *a, int it) {
  const mtl__apg_opts *o = a->o;
  double fy, fx, dist2;
  if (o->interrupt && atomic_load(o->interrupt))
    return mtl__err(MTL_ECANCELLED, "%s: interrupted at iteration %d",
                    o->who, it);
  int rc = a->smooth(a->ctx, a->y, &fy, a->g);
  if (rc)
    return rc;
  double Lprev = a->L;
  int probe = o->shrink < 1 && a->probe_wait == 0;
  if (probe)
    a->L *= o->shrink; /* probe a longer step; backtracking corrects it */
  else
    a->probe_wait--;
  if ((rc = backtrack(a, it, fy, Lprev, &fx, &dist2)))
    return rc;
  if (probe && o->probe_backoff) {
    int failed = a->L > Lprev * o->shrink;
    a->probe_gap = !failed ? 0
                   : a->probe_gap ? (2 * a->probe_gap < PROBE_WAIT_MAX
                                         ? 2 * a->probe_gap
                                         : PROBE_WAIT_MAX)
                                  : 1;
    a->probe_wait = a->probe_gap;
  }
  double gx = a->gx;
  double Fn = fx + (!a->gval ? 0.0 : isnan(gx) ? a->gval(a->ctx, a->xn) : gx);
  if (o->trace)
    o->trace[it] = Fn;
  /* relative change over a window of OBJ_WINDOW iterations: FISTA is not
   * monotone, and a single small step says little about convergence */
  double Fback = it >= OBJ_WINDOW ? a->hist[it % OBJ_WINDOW] : HUGE_VAL;
  a->hist[it % OBJ_WINDOW] = Fn;
  double rel = fabs(Fback - Fn) / (fabs(Fn) > 1e-300 ? fabs(Fn) : 1e-300);
  double res = a->L * sqrt(dist2); /* gradient mapping at Y */
  double Fprev = a->F;
  momentum(a, Fn);
  a->done++;
  if (o->progress &&
      o->progress(o->progress_ctx, it + 1, a->F, rel, res))
    return mtl__err(MTL_ECANCELLED,
                    "%s: cancelled by progress callback at iteration %d",
                    o->who, it + 1);
  if (converged(a, it, Fn, Fprev, rel, res, dist2, &rc))
    return MTL_CONVERGED;
  return rc;
}

int mtl__apg(size_t n, double *x, mtl__apg_smooth_fn smooth,
             mtl__apg_prox_fn prox, mtl__apg_value_fn gval, void *ctx,
             const mtl__apg_opts *o, mtl__apg_out *out) {
  apg a = {.n = n, .x = x, .o = o, .smooth = smooth, .prox = prox,
           .gval = gval, .ctx = ctx, .L = o->L0, .tk = 1.0};
  int nb = o->keep_best ? 4 : 3, status = MTL_MAXITER;
  double *buf = mtl__malloc((size_t)nb * n * sizeof(double));
  if (!buf)
    return MTL_ENOMEM;
  a.y = buf;
  a.g = buf + n;
  a.xn = buf + 2 * n;
  a.best = o->keep_best ? buf + 3 * n : NULL;
  double f;
  int rc = smooth(ctx, x, &f, NULL);
  if (rc)
    goto done;
  a.F = f + (gval ? gval(ctx, x) : 0.0);
  a.Fbest = a.F;
  memcpy(a.y, x, n * sizeof(double));
  if (a.best)
    memcpy(a.best, x, n * sizeof(double));
  for (int it = 0; it < o->max_iter; it++) {
    rc = iterate(&a, it);
    if (rc == MTL_CONVERGED) {
      status = MTL_CONVERGED;
      break;
    }
    if (rc)
      goto done;
  }
  rc = status;
done:
  if (a.best && (rc >= 0 || rc == MTL_ECANCELLED))
    memcpy(x, a.best, n * sizeof(double));
  if (out) {
    out->iterations = a.done;
    out->restarts = a.restarts;
    out->F = a.best ? a.Fbest : a.F;
    out->L = a.L;
  }
  free(buf);
  return rc;
}
