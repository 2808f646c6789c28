/*
 * asym_impl.h -- private declarations shared by asym.c (AMTL, Lee et al.
 * 2016), asym_gomtl.c (GO-MTL baseline) and asym_io.c.  Not installed.
 */
#ifndef MTL_ASYM_IMPL_H
#define MTL_ASYM_IMPL_H

#include "internal.h"

/* Smooth part: f(x) and, when grad is not NULL, its gradient (n entries). */
typedef int (*mtl__asym_eval_fn)(void *ctx, const double *x, double *f,
                                 double *grad);
/* Proximal map of the non-smooth part g: out = prox_{step g}(v) (v and out
 * may alias); returns g(out).  step = 0 must return g(v) with out = v. */
typedef double (*mtl__asym_prox_fn)(void *ctx, double step, const double *v,
                                    double *out);

/* Accelerated proximal gradient (FISTA with backtracking and gradient
 * restart) on x (n entries, warm start in, best iterate out: the returned
 * point never has a larger objective than the start).  *L is the step
 * Lipschitz estimate in and out.  Stops when |F_k - F_{k-10}| <= tol |F_k|
 * or after max_iter iterations.  interrupt may be NULL.  *iters is
 * incremented by the iterations done.  Returns MTL_CONVERGED, MTL_MAXITER
 * or an error (MTL_ECANCELLED on interrupt). */
int mtl__asym_fista(int n, double *x, mtl__asym_eval_fn eval,
                    mtl__asym_prox_fn prox, void *ctx, double *L,
                    int max_iter, double tol, atomic_int *interrupt,
                    double *F, int *iters);

#endif /* MTL_ASYM_IMPL_H */
