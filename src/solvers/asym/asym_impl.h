/*
 * asym_impl.h -- private declarations shared by asym.c (AMTL, Lee et al.
 * 2016), asym_gomtl.c (GO-MTL baseline) and asym_io.c.  Not installed.
 */
#ifndef MTL_ASYM_IMPL_H
#define MTL_ASYM_IMPL_H

#include "solvers/solvers.h"

/* The kernel of apg.c (problem.h) with the rules of the AMTL and GO-MTL
 * inner solves: FISTA from *L (1 if not > 0) with backtracking (factor 2,
 * slack 1e-14 |f|, a non-finite trial point rejected), gradient restart,
 * the best iterate returned (never a larger objective than the start);
 * stops when |F_k - F_{k-10}| <= tol |F_k|, on a zero step, or after
 * max_iter iterations.  *L (in and out: the last estimate) and *F (the
 * objective at the returned x) are always set; *iters is incremented by
 * the iterations done.  interrupt may be NULL. */
int mtl__asym_apg(int n, double *x, mtl__apg_smooth_fn eval,
                  mtl__apg_prox_fn prox, mtl__apg_value_fn gval, void *ctx,
                  double *L, int max_iter, double tol, atomic_int *interrupt,
                  double *F, int *iters);

/* The symmetric variant's B-step (asym_bstep.c): B = B' >= 0 with zero
 * diagonal by coordinate descent over the pairs s < t, G = W'W (T x T),
 * cost the loss costs, M (T x T) scratch.  MTL_CONVERGED when the KKT
 * violation is <= tol (scaled), else MTL_MAXITER (B then stays feasible
 * and does not increase (1)). */
int mtl__asym_bstep_symmetric(int T, const double *G, const double *cost,
                              double lambda, double mu, double tol,
                              int max_sweeps, double *B, double *M);

#endif /* MTL_ASYM_IMPL_H */
