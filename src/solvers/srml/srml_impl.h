/*
 * srml_impl.h -- private pieces shared by the SRML modules (srml.c, the
 * ADMM; srml_ustep.c; srml_wstep.c).  Not installed.
 */
#ifndef MTL_SRML_IMPL_H
#define MTL_SRML_IMPL_H

#include "solvers/solvers.h"

/* ---- sign graph and u-step (srml_ustep.c) -------------------------------- */

/* Adjacency (CSR) of the sign graph, its maximum degree, whether it is a
 * forest, and a BFS order with parents of a spanning forest (used by the
 * SSML dynamic programme, which is exact on forests). */
typedef struct mtl__srml_graph {
  int T, E;
  int *pairs;   /* 2E, owned */
  int *ptr;     /* T + 1 */
  int *adj;     /* 2E neighbour task ids */
  int maxdeg;
  int forest;   /* 1 if no cycle */
  int *order;   /* T: BFS order, roots first in their component */
  int *parent;  /* T: parent in the spanning forest, -1 for roots */
  int *state;   /* T: SSML scratch labels */
  double *cost; /* 3T: SSML scratch (node / subtree costs) */
} mtl__srml_graph;

void mtl__srml_graph_clear(mtl__srml_graph *g);
/* Validates pairs (NULL = chain) and builds g. */
int mtl__srml_graph_build(int T, const int *pairs, int npairs,
                          mtl__srml_graph *g);
/* One SRML u-step row (Gauss-Seidel sweeps of the exact 1-D minimiser). */
int mtl__srml_ustep_row(const mtl__srml_graph *g, const double *v, double rho,
                        double lambda, double c, int max_sweeps, double tol,
                        double *u);
/* One SSML row: exact projection on forests; returns 0 (exact) or 1
 * (feasible, not certified). */
int mtl__srml_ssml_row(mtl__srml_graph *g, const double *v, double rho,
                       double lambda, double *u);

/* ---- w-step (srml_wstep.c) ----------------------------------------------- */

/* One task in the fitting space.  loss_t(w) = a * sum_i l(x_i'w, y_i).
 * Squared: keeps X'X, X'y, y'y and the Cholesky factor of
 * a X'X + (2 lambda_r + rho) I (the system matrix never changes).
 * Logistic: keeps the dense X and y and a Hessian buffer. */
typedef struct mtl__srml_task {
  int n, d;
  mtl_loss loss;
  double a;     /* loss scale c_t s(n_t) */
  double *X;    /* n x d row-major (logistic only) */
  double *y;    /* n (logistic only) */
  double *G;    /* X'X, d x d (squared only) */
  double *Xty;  /* d (squared only) */
  double yty;
  double *F;    /* d x d Cholesky factor (squared) / Hessian (logistic) */
} mtl__srml_task;

/* Scratch shared by the w-steps (largest task). */
typedef struct mtl__srml_scratch {
  double *z, *dz, *Xs; /* max_n, max_n, max_n x d */
  double *g, *step, *wt; /* d each */
} mtl__srml_scratch;

void mtl__srml_task_clear(mtl__srml_task *w);
void mtl__srml_scratch_clear(mtl__srml_scratch *s);
int mtl__srml_scratch_alloc(mtl__srml_scratch *s, int max_n, int d);
/* Fills w from dense row-major X (n x d) and y (both borrowed for squared,
 * owned afterwards for logistic: the caller passes ownership). */
int mtl__srml_task_init(mtl__srml_task *w, int n, int d, double *X, double *y,
                        mtl_loss loss, double a, double lambda_r, double rho);
/* loss_t(w) (fitting space). */
double mtl__srml_task_loss(const mtl__srml_task *w, const double *x,
                           mtl__srml_scratch *s);
/* The w-step from the current x (squared: cached factor; logistic: damped
 * Newton). */
int mtl__srml_w(mtl__srml_task *w, double lambda_r, double rho, const double *u,
                const double *yd, int newton_iter, double tol,
                mtl__srml_scratch *s, double *x);
/* Dense copy of task t of ds (standardized with mean/scale when given). */
int mtl__srml_task_dense(const mtl_dataset *ds, int t, const double *mean,
                         const double *scale, double **Xo);
int mtl__srml_resolve_loss(const mtl_dataset *ds, int t, mtl_loss want,
                           mtl_loss *out);

#endif /* MTL_SRML_IMPL_H */
