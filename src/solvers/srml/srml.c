/*
 * srml.c -- sign-regularized multi-task learning (SRML) and its strict
 * variant (SSML), Bai, Torres, Wang, Zhao, Abad & Vaca, "Sign-Regularized
 * Multi-Task Learning", SDM 2023.
 *
 * Objective (4.3): sum_t loss_t(w_t) + lambda sum_t Omega(w_t)
 *   + c sum_{(s,t) in E} sum_j ReLU(-u_js u_jt),  subject to W = U,
 * solved by non-convex ADMM on the augmented Lagrangian (4.4):
 *   w-step  per task: squared loss solves (a X'X + (2 lambda_r + rho) I) w
 *           = a X'y + rho u - y_dual with a Cholesky factor computed once
 *           (a = the loss scaling: 2 for the paper's ||Xw - y||^2; the
 *           paper's Section 5.3 writes 2(lambda + rho), which does not
 *           follow from (4.4)); logistic loss by damped Newton;
 *   u-step  per feature row, coupled along the sign graph: sweeps of the
 *           exact 1-D minimiser (SRML) or an exact projection on
 *           sign-consistent rows (SSML, dynamic programme on forests);
 *           an L1 Omega enters here as part of the 1-D prox;
 *   dual    y += rho (W - U).
 * The u-step is convex when rho >= c * max degree, because
 * ReLU(-xy) + (x^2 + y^2)/2 = max((x^2 + y^2)/2, (x - y)^2/2) is convex.
 * All workspaces are allocated before the first iteration.
 */
#include "internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void mtl_srml_params_init(mtl_srml_params *p) {
  *p = (mtl_srml_params){.strict = 0,
                         .loss = MTL_LOSS_AUTO,
                         .scaling = MTL_SCALE_DOUBLE_SUM,
                         .omega = MTL_REG_RIDGE,
                         .lambda = 0.1,
                         .c = 1.0,
                         .rho = 1.0,
                         .pairs = NULL,
                         .npairs = 0,
                         .standardize = 1,
                         .max_iter = 2000,
                         .tol_abs = 1e-6,
                         .tol_rel = 1e-5,
                         .u_sweeps = 200,
                         .u_tol = 1e-12,
                         .newton_iter = 50,
                         .newton_tol = 1e-10,
                         .order = 0,
                         .adapt_rho = 20,
                         .record_trace = 1,
                         .progress = NULL,
                         .progress_ctx = NULL,
                         .log = NULL,
                         .log_ctx = NULL};
}

/* ---- sign graph ---------------------------------------------------------- */

/* Adjacency (CSR) of the sign graph, its maximum degree, whether it is a
 * forest, and a BFS order with parents of a spanning forest (used by the
 * SSML dynamic programme, which is exact on forests). */
typedef struct graph {
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
} graph;

static void graph_clear(graph *g) {
  free(g->pairs);
  free(g->ptr);
  free(g->adj);
  free(g->order);
  free(g->parent);
  free(g->state);
  free(g->cost);
  memset(g, 0, sizeof *g);
}

/* Validates pairs (NULL = chain) and builds g. */
static int graph_build(int T, const int *pairs, int npairs, graph *g) {
  memset(g, 0, sizeof *g);
  if (T < 1)
    return mtl__err(MTL_EINVAL, "srml: T = %d tasks; need T >= 1", T);
  if (npairs < 0)
    return mtl__err(MTL_EINVAL, "srml: npairs = %d must be >= 0", npairs);
  if (npairs > 0 && !pairs)
    return mtl__err(MTL_EINVAL, "srml: npairs = %d but pairs is NULL",
                    npairs);
  int E = pairs ? npairs : T - 1;
  int rc = MTL_OK;
  g->T = T;
  g->E = E;
  g->pairs = mtl__malloc((size_t)(2 * E + 1) * sizeof(int));
  g->ptr = mtl__calloc((size_t)T + 1, sizeof(int));
  g->adj = mtl__malloc((size_t)(2 * E + 1) * sizeof(int));
  g->order = mtl__malloc((size_t)T * sizeof(int));
  g->parent = mtl__malloc((size_t)T * sizeof(int));
  g->state = mtl__malloc((size_t)T * sizeof(int));
  g->cost = mtl__malloc((size_t)T * 3 * sizeof(double));
  int *fill = mtl__calloc((size_t)T, sizeof(int));
  if (!g->pairs || !g->ptr || !g->adj || !g->order || !g->parent ||
      !g->state || !g->cost || !fill) {
    rc = MTL_ENOMEM;
    goto done;
  }
  for (int e = 0; e < E; e++) {
    int s = pairs ? pairs[2 * e] : e, t = pairs ? pairs[2 * e + 1] : e + 1;
    if (s < 0 || s >= T || t < 0 || t >= T) {
      rc = mtl__err(MTL_EINVAL,
                    "srml: sign graph edge %d = (%d, %d): task index out of "
                    "range [0, %d)",
                    e, s, t, T);
      goto done;
    }
    if (s == t) {
      rc = mtl__err(MTL_EINVAL,
                    "srml: sign graph edge %d = (%d, %d) is a self-loop", e,
                    s, t);
      goto done;
    }
    g->pairs[2 * e] = s;
    g->pairs[2 * e + 1] = t;
    g->ptr[s + 1]++;
    g->ptr[t + 1]++;
  }
  for (int t = 0; t < T; t++) {
    int deg = g->ptr[t + 1];
    if (deg > g->maxdeg)
      g->maxdeg = deg;
    g->ptr[t + 1] += g->ptr[t];
  }
  for (int e = 0; e < E; e++) {
    int s = g->pairs[2 * e], t = g->pairs[2 * e + 1];
    g->adj[g->ptr[s] + fill[s]++] = t;
    g->adj[g->ptr[t] + fill[t]++] = s;
  }
  /* BFS spanning forest; a graph is a forest iff E = T - components and no
   * duplicate edge (duplicates count as a 2-cycle). */
  for (int t = 0; t < T; t++)
    g->parent[t] = -2;
  int head = 0, tail = 0, comps = 0;
  for (int r = 0; r < T; r++) {
    if (g->parent[r] != -2)
      continue;
    comps++;
    g->parent[r] = -1;
    g->order[tail++] = r;
    while (head < tail) {
      int x = g->order[head++];
      for (int k = g->ptr[x]; k < g->ptr[x + 1]; k++) {
        int y = g->adj[k];
        if (g->parent[y] == -2) {
          g->parent[y] = x;
          g->order[tail++] = y;
        }
      }
    }
  }
  g->forest = (E == T - comps);
done:
  free(fill);
  if (rc)
    graph_clear(g);
  return rc;
}

/* ---- u-step building blocks ---------------------------------------------- */

/* rho/2 (x - v)^2 + lambda |x| + P max(0, -x) + N max(0, x) is convex with
 * one kink at 0; on x > 0 its minimiser is v - (lambda + N)/rho, on x < 0
 * it is v + (lambda + P)/rho; if neither lies in its half-line, 0. */
double mtl_srml_prox1d(double v, double rho, double lambda, double P,
                       double N) {
  double hi = v - (lambda + N) / rho;
  if (hi > 0)
    return hi;
  double lo = v + (lambda + P) / rho;
  if (lo < 0)
    return lo;
  return 0.0;
}

/* One SRML u-step row: Gauss-Seidel sweeps of the exact 1-D minimiser
 * (Bai et al. Section 5.3 "minima for a univariate piecewise quadratic").
 * For entry t, ReLU(-u_t u_s) = u_s max(0, -u_t) when u_s > 0 and
 * |u_s| max(0, u_t) when u_s < 0, so the neighbours give P and N. */
static int ustep_row(const graph *g, const double *v, double rho,
                     double lambda, double c, int max_sweeps, double tol,
                     double *u) {
  int T = g->T, sweep = 0;
  while (sweep < max_sweeps) {
    sweep++;
    double change = 0, size = 1;
    for (int t = 0; t < T; t++) {
      double P = 0, N = 0;
      for (int k = g->ptr[t]; k < g->ptr[t + 1]; k++) {
        double a = u[g->adj[k]];
        if (a > 0)
          P += a;
        else
          N -= a;
      }
      double x = mtl_srml_prox1d(v[t], rho, lambda, c * P, c * N);
      double dx = fabs(x - u[t]);
      if (dx > change)
        change = dx;
      if (fabs(x) > size)
        size = fabs(x);
      u[t] = x;
    }
    if (change <= tol * size || g->E == 0)
      break;
  }
  return sweep;
}

int mtl_srml_ustep(int T, const double *v, double rho, double lambda,
                   double c, const int *pairs, int npairs, int max_sweeps,
                   double tol, double *u) {
  if (!v || !u)
    return mtl__err(MTL_EINVAL, "srml ustep: v or u is NULL");
  if (!(rho > 0) || !isfinite(rho))
    return mtl__err(MTL_EINVAL, "srml ustep: rho = %g must be > 0", rho);
  if (!(lambda >= 0) || !isfinite(lambda))
    return mtl__err(MTL_EINVAL, "srml ustep: lambda = %g must be >= 0",
                    lambda);
  if (!(c >= 0) || !isfinite(c))
    return mtl__err(MTL_EINVAL, "srml ustep: c = %g must be >= 0", c);
  if (max_sweeps < 1)
    return mtl__err(MTL_EINVAL, "srml ustep: max_sweeps = %d must be >= 1",
                    max_sweeps);
  if (!(tol >= 0))
    return mtl__err(MTL_EINVAL, "srml ustep: tol = %g must be >= 0", tol);
  graph g;
  int rc = graph_build(T, pairs, npairs, &g);
  if (rc)
    return rc;
  rc = ustep_row(&g, v, rho, lambda, c, max_sweeps, tol, u);
  graph_clear(&g);
  return rc;
}

/* SSML: states 0 = '+' (x >= 0), 1 = '0', 2 = '-' (x <= 0); neighbours
 * may not be '+' and '-'.  Taking the closed half-lines for '+' and '-'
 * keeps the minimum exact: a '+' node whose best value is 0 is as good as
 * state '0' and compatible with everything. */
static void node_costs(double v, double rho, double lambda, double *cst,
                       double *xs) {
  double xp = v - lambda / rho > 0 ? v - lambda / rho : 0;
  double xn = v + lambda / rho < 0 ? v + lambda / rho : 0;
  xs[0] = xp;
  xs[1] = 0;
  xs[2] = xn;
  cst[0] = 0.5 * rho * (xp - v) * (xp - v) + lambda * xp;
  cst[1] = 0.5 * rho * v * v;
  cst[2] = 0.5 * rho * (xn - v) * (xn - v) - lambda * xn;
}

static int compatible(int a, int b) { return !((a == 0 && b == 2) ||
                                               (a == 2 && b == 0)); }

/* Exact on the spanning forest (dynamic programme, leaves to roots, then
 * assignment roots to leaves); on graphs with cycles the forest labelling
 * is repaired on non-tree edges (the endpoint cheaper to zero goes to
 * '0') and improved by conditional-mode sweeps, which keep feasibility.
 * Returns 0 (exact) or 1 (feasible, not certified). */
static int ssml_row(graph *g, const double *v, double rho, double lambda,
                    double *u) {
  int T = g->T;
  double *sub = g->cost; /* 3T subtree costs */
  double xs[3], cst[3];
  for (int t = 0; t < T; t++) {
    node_costs(v[t], rho, lambda, cst, xs);
    for (int k = 0; k < 3; k++)
      sub[3 * t + k] = cst[k];
  }
  for (int i = T - 1; i >= 0; i--) {
    int x = g->order[i], p = g->parent[x];
    if (p < 0)
      continue;
    for (int a = 0; a < 3; a++) {
      double best = INFINITY;
      for (int b = 0; b < 3; b++)
        if (compatible(a, b) && sub[3 * x + b] < best)
          best = sub[3 * x + b];
      sub[3 * p + a] += best;
    }
  }
  for (int i = 0; i < T; i++) {
    int x = g->order[i], p = g->parent[x];
    int best = 1;
    for (int b = 0; b < 3; b++)
      if ((p < 0 || compatible(g->state[p], b)) &&
          sub[3 * x + b] < sub[3 * x + best])
        best = b;
    g->state[x] = best;
  }
  int exact = g->forest;
  if (!exact) {
    for (int e = 0; e < g->E; e++) {
      int s = g->pairs[2 * e], t = g->pairs[2 * e + 1];
      if (compatible(g->state[s], g->state[t]))
        continue;
      double cs[3], ct[3];
      node_costs(v[s], rho, lambda, cs, xs);
      node_costs(v[t], rho, lambda, ct, xs);
      if (cs[1] - cs[g->state[s]] <= ct[1] - ct[g->state[t]])
        g->state[s] = 1;
      else
        g->state[t] = 1;
    }
    for (int sweep = 0; sweep < 100; sweep++) {
      int moved = 0;
      for (int t = 0; t < T; t++) {
        node_costs(v[t], rho, lambda, cst, xs);
        int best = g->state[t];
        for (int b = 0; b < 3; b++) {
          int ok = 1;
          for (int k = g->ptr[t]; k < g->ptr[t + 1] && ok; k++)
            ok = compatible(b, g->state[g->adj[k]]);
          if (ok && cst[b] < cst[best] - 1e-15 * (1 + fabs(cst[best])))
            best = b;
        }
        if (best != g->state[t]) {
          g->state[t] = best;
          moved = 1;
        }
      }
      if (!moved)
        break;
    }
  }
  for (int t = 0; t < T; t++) {
    node_costs(v[t], rho, lambda, cst, xs);
    u[t] = xs[g->state[t]];
  }
  return exact ? 0 : 1;
}

int mtl_ssml_project(int T, const double *v, double rho, double lambda,
                     const int *pairs, int npairs, double *u) {
  if (!v || !u)
    return mtl__err(MTL_EINVAL, "ssml project: v or u is NULL");
  if (!(rho > 0) || !isfinite(rho))
    return mtl__err(MTL_EINVAL, "ssml project: rho = %g must be > 0", rho);
  if (!(lambda >= 0) || !isfinite(lambda))
    return mtl__err(MTL_EINVAL, "ssml project: lambda = %g must be >= 0",
                    lambda);
  graph g;
  int rc = graph_build(T, pairs, npairs, &g);
  if (rc)
    return rc;
  rc = ssml_row(&g, v, rho, lambda, u);
  graph_clear(&g);
  return rc;
}

/* ---- w-step -------------------------------------------------------------- */


/* One task in the fitting space.  loss_t(w) = a * sum_i l(x_i'w, y_i).
 * Squared: keeps X'X, X'y, y'y and the Cholesky factor of
 * a X'X + (2 lambda_r + rho) I (the system matrix never changes).
 * Logistic: keeps the dense X and y and a Hessian buffer. */
typedef struct task_ws {
  int n, d;
  mtl_loss loss;
  double a;     /* loss scale c_t s(n_t) */
  double *X;    /* n x d row-major (logistic only) */
  double *y;    /* n (logistic only) */
  double *G;    /* X'X, d x d (squared only) */
  double *Xty;  /* d (squared only) */
  double yty;
  double *F;    /* d x d Cholesky factor (squared) / Hessian (logistic) */
} task_ws;

static void task_ws_clear(task_ws *w) {
  free(w->X);
  free(w->y);
  free(w->G);
  free(w->Xty);
  free(w->F);
  memset(w, 0, sizeof *w);
}

/* Scratch shared by the w-steps (largest task). */
typedef struct wscratch {
  double *z, *dz, *Xs; /* max_n, max_n, max_n x d */
  double *g, *step, *wt; /* d each */
} wscratch;

static void wscratch_clear(wscratch *s) {
  free(s->z);
  free(s->dz);
  free(s->Xs);
  free(s->g);
  free(s->step);
  free(s->wt);
}

static int wscratch_alloc(wscratch *s, int max_n, int d) {
  memset(s, 0, sizeof *s);
  size_t nd = (size_t)max_n * d;
  s->z = mtl__malloc((size_t)max_n * sizeof(double));
  s->dz = mtl__malloc((size_t)max_n * sizeof(double));
  s->Xs = mtl__malloc(nd * sizeof(double));
  s->g = mtl__malloc((size_t)d * sizeof(double));
  s->step = mtl__malloc((size_t)d * sizeof(double));
  s->wt = mtl__malloc((size_t)d * sizeof(double));
  if (!s->z || !s->dz || !s->Xs || !s->g || !s->step || !s->wt) {
    wscratch_clear(s);
    return MTL_ENOMEM;
  }
  return MTL_OK;
}

/* Fills w from dense row-major X (n x d) and y (both borrowed for squared,
 * owned afterwards for logistic: the caller passes ownership). */
static int task_ws_init(task_ws *w, int n, int d, double *X, double *y,
                        mtl_loss loss, double a, double lambda_r, double rho) {
  memset(w, 0, sizeof *w);
  w->n = n;
  w->d = d;
  w->loss = loss;
  w->a = a;
  size_t dd = (size_t)d * d;
  if (loss == MTL_LOSS_LOGISTIC) {
    w->X = X;
    w->y = y;
  }
  w->F = mtl__malloc(dd * sizeof(double));
  if (!w->F)
    return MTL_ENOMEM;
  if (loss == MTL_LOSS_LOGISTIC)
    return MTL_OK;
  w->G = mtl__malloc(dd * sizeof(double));
  w->Xty = mtl__malloc((size_t)d * sizeof(double));
  if (!w->G || !w->Xty)
    return MTL_ENOMEM;
  mtl__gram_rm(n, d, 1.0, X, d, 0.0, w->G);
  mtl__gemv_rm(1, n, d, 1.0, X, d, y, 0.0, w->Xty);
  w->yty = mtl__dot(n, y, y);
  for (size_t k = 0; k < dd; k++)
    w->F[k] = a * w->G[k];
  for (int j = 0; j < d; j++)
    w->F[(size_t)j * d + j] += 2 * lambda_r + rho;
  return mtl__potrf(d, w->F);
}

/* loss_t(w) (fitting space). */
static double task_loss(const task_ws *w, const double *x, wscratch *s) {
  int d = w->d;
  if (w->loss == MTL_LOSS_LOGISTIC) {
    mtl__gemv_rm(0, w->n, d, 1.0, w->X, d, x, 0.0, s->z);
    return w->a * mtl_loss_eval(MTL_LOSS_LOGISTIC, s->z, w->y, w->n, NULL);
  }
  mtl__gemv(0, d, d, 1.0, w->G, d, x, 0.0, s->g);
  double q = mtl__dot(d, x, s->g) - 2 * mtl__dot(d, w->Xty, x) + w->yty;
  return 0.5 * w->a * (q > 0 ? q : 0);
}

/* phi(x) = loss(x) + lambda_r ||x||^2 + yd'x + rho/2 ||x - u||^2. */
static double wphi(const task_ws *w, const double *x, double lambda_r,
                   double rho, const double *u, const double *yd,
                   wscratch *s) {
  double f = task_loss(w, x, s);
  for (int j = 0; j < w->d; j++)
    f += lambda_r * x[j] * x[j] + yd[j] * x[j] +
         0.5 * rho * (x[j] - u[j]) * (x[j] - u[j]);
  return f;
}

/* The w-step.  Squared: one triangular solve pair with the cached factor.
 * Logistic: damped Newton (Hessian a X'DX + (2 lambda_r + rho) I, Armijo
 * backtracking) from the current x until ||grad|| <= tol max(1, a n). */
static int wstep(task_ws *w, double lambda_r, double rho, const double *u,
                 const double *yd, int newton_iter, double tol, wscratch *s,
                 double *x) {
  int d = w->d, n = w->n;
  if (w->loss != MTL_LOSS_LOGISTIC) {
    for (int j = 0; j < d; j++)
      x[j] = w->a * w->Xty[j] + rho * u[j] - yd[j];
    return mtl__potrs(d, 1, w->F, x, d);
  }
  double gscale = tol * (w->a * n > 1 ? w->a * n : 1);
  for (int it = 0; it < newton_iter; it++) {
    mtl__gemv_rm(0, n, d, 1.0, w->X, d, x, 0.0, s->z);
    double f0 = w->a * mtl_loss_eval(MTL_LOSS_LOGISTIC, s->z, w->y, n, s->dz);
    for (int j = 0; j < d; j++) {
      f0 += lambda_r * x[j] * x[j] + yd[j] * x[j] +
            0.5 * rho * (x[j] - u[j]) * (x[j] - u[j]);
      s->g[j] = 2 * lambda_r * x[j] + yd[j] + rho * (x[j] - u[j]);
    }
    mtl__gemv_rm(1, n, d, w->a, w->X, d, s->dz, 1.0, s->g);
    if (mtl__nrm2(d, s->g) <= gscale)
      return MTL_OK;
    /* Hessian weights l''(z) = p (1 - p), p = sigmoid(y z); rows scaled by
     * sqrt(a l'') so that X_s'X_s = a X'DX. */
    for (int i = 0; i < n; i++) {
      double m = w->y[i] * s->z[i];
      double p = m >= 0 ? 1 / (1 + exp(-m)) : exp(m) / (1 + exp(m));
      double r = sqrt(w->a * p * (1 - p));
      for (int j = 0; j < d; j++)
        s->Xs[(size_t)i * d + j] = r * w->X[(size_t)i * d + j];
    }
    mtl__gram_rm(n, d, 1.0, s->Xs, d, 0.0, w->F);
    for (int j = 0; j < d; j++)
      w->F[(size_t)j * d + j] += 2 * lambda_r + rho;
    int rc = mtl__potrf(d, w->F);
    if (rc)
      return rc;
    for (int j = 0; j < d; j++)
      s->step[j] = -s->g[j];
    rc = mtl__potrs(d, 1, w->F, s->step, d);
    if (rc)
      return rc;
    double slope = mtl__dot(d, s->g, s->step), t = 1;
    if (!(slope < 0))
      return MTL_OK; /* Newton decrement at rounding level */
    int accepted = 0;
    for (int ls = 0; ls < 40; ls++) {
      for (int j = 0; j < d; j++)
        s->wt[j] = x[j] + t * s->step[j];
      double f1 = wphi(w, s->wt, lambda_r, rho, u, yd, s);
      if (f1 <= f0 + 1e-4 * t * slope) {
        accepted = 1;
        break;
      }
      t *= 0.5;
    }
    if (!accepted)
      return MTL_OK; /* no decrease representable: at the minimum */
    memcpy(x, s->wt, (size_t)d * sizeof(double));
  }
  return MTL_OK;
}

/* Dense copy of task t of ds (standardized with mean/scale when given). */
static int task_dense(const mtl_dataset *ds, int t, const double *mean,
                      const double *scale, double **Xo) {
  int n = mtl_dataset_task_n(ds, t), d = mtl_dataset_dim(ds);
  double *X = mtl__malloc((size_t)n * d * sizeof(double));
  if (!X)
    return MTL_ENOMEM;
  for (int i = 0; i < n; i++) {
    double *row = X + (size_t)i * d;
    int rc = mtl_dataset_get_row(ds, t, i, row);
    if (rc) {
      free(X);
      return rc;
    }
    if (mean)
      for (int j = 0; j < d; j++)
        row[j] = (row[j] - mean[j]) / scale[j];
  }
  *Xo = X;
  return MTL_OK;
}

static int resolve_loss(const mtl_dataset *ds, int t, mtl_loss want,
                        mtl_loss *out) {
  mtl_task_kind k = mtl_dataset_task_kind(ds, t);
  if (want == MTL_LOSS_AUTO)
    *out = k == MTL_TASK_CLASSIFICATION ? MTL_LOSS_LOGISTIC : MTL_LOSS_SQUARED;
  else
    *out = want;
  if (*out == MTL_LOSS_LOGISTIC && k != MTL_TASK_CLASSIFICATION)
    return mtl__err(MTL_EINVAL,
                    "srml: loss logistic needs labels in {-1,+1} but task %d "
                    "(%s) is a regression task",
                    t, mtl_dataset_task_name(ds, t));
  return MTL_OK;
}

int mtl_srml_wstep(const mtl_dataset *ds, int t, mtl_loss loss,
                   mtl_scaling scaling, double lambda_ridge, double rho,
                   const double *u, const double *ydual, double *w) {
  if (!ds || !u || !ydual || !w)
    return mtl__err(MTL_EINVAL, "srml wstep: NULL argument");
  if (t < 0 || t >= mtl_dataset_ntasks(ds))
    return mtl__err(MTL_EINVAL, "srml wstep: task %d out of range [0, %d)",
                    t, mtl_dataset_ntasks(ds));
  if (loss != MTL_LOSS_AUTO && loss != MTL_LOSS_SQUARED &&
      loss != MTL_LOSS_LOGISTIC)
    return mtl__err(MTL_EUNSUPPORTED,
                    "srml wstep: loss %d; only squared and logistic",
                    (int)loss);
  if ((int)scaling < MTL_SCALE_SUM || (int)scaling > MTL_SCALE_DOUBLE_MEAN)
    return mtl__err(MTL_EINVAL, "srml wstep: scaling = %d is invalid",
                    (int)scaling);
  if (!(rho > 0) || !isfinite(rho))
    return mtl__err(MTL_EINVAL, "srml wstep: rho = %g must be > 0", rho);
  if (!(lambda_ridge >= 0) || !isfinite(lambda_ridge))
    return mtl__err(MTL_EINVAL, "srml wstep: lambda_ridge = %g must be >= 0",
                    lambda_ridge);
  mtl_loss l;
  int rc = resolve_loss(ds, t, loss, &l);
  if (rc)
    return rc;
  int n = mtl_dataset_task_n(ds, t), d = mtl_dataset_dim(ds);
  double *X = NULL, *y = mtl__malloc((size_t)n * sizeof(double));
  task_ws w_ws;
  wscratch s;
  memset(&w_ws, 0, sizeof w_ws);
  memset(&s, 0, sizeof s);
  if (!y)
    return MTL_ENOMEM;
  memcpy(y, mtl_dataset_task_y(ds, t), (size_t)n * sizeof(double));
  rc = task_dense(ds, t, NULL, NULL, &X);
  if (rc)
    goto done;
  double a = mtl_dataset_task_weight(ds, t) * mtl__scaling_factor(scaling, n);
  rc = task_ws_init(&w_ws, n, d, X, y, l, a, lambda_ridge, rho);
  if (l == MTL_LOSS_LOGISTIC)
    X = y = NULL; /* owned by w_ws now */
  if (rc)
    goto done;
  rc = wscratch_alloc(&s, n, d);
  if (rc)
    goto done;
  rc = wstep(&w_ws, lambda_ridge, rho, u, ydual, 100, 1e-12, &s, w);
done:
  free(X);
  free(y);
  task_ws_clear(&w_ws);
  wscratch_clear(&s);
  return rc;
}

/* ---- the ADMM ------------------------------------------------------------ */

static int check_params(const mtl_dataset *ds, const mtl_srml_params *p) {
  if (!ds)
    return mtl__err(MTL_EINVAL, "srml: dataset is NULL");
  if (mtl_dataset_ntasks(ds) < 1)
    return mtl__err(MTL_EINVAL, "srml: dataset has no task");
  if (p->strict != 0 && p->strict != 1)
    return mtl__err(MTL_EINVAL, "srml: strict = %d must be 0 or 1",
                    p->strict);
  if (p->loss != MTL_LOSS_AUTO && p->loss != MTL_LOSS_SQUARED &&
      p->loss != MTL_LOSS_LOGISTIC)
    return mtl__err(MTL_EUNSUPPORTED,
                    "srml: loss = %d (%s); only auto, squared and logistic",
                    (int)p->loss, mtl_loss_name(p->loss));
  if ((int)p->scaling < MTL_SCALE_SUM ||
      (int)p->scaling > MTL_SCALE_DOUBLE_MEAN)
    return mtl__err(MTL_EINVAL, "srml: scaling = %d is invalid",
                    (int)p->scaling);
  if (p->omega != MTL_REG_RIDGE && p->omega != MTL_REG_L1)
    return mtl__err(MTL_EUNSUPPORTED,
                    "srml: omega = %d (%s); only ridge and l1",
                    (int)p->omega, mtl_reg_name(p->omega));
  if (!(p->lambda >= 0) || !isfinite(p->lambda))
    return mtl__err(MTL_EINVAL, "srml: lambda = %g must be >= 0 and finite",
                    p->lambda);
  if (!(p->c >= 0) || !isfinite(p->c))
    return mtl__err(MTL_EINVAL, "srml: c = %g must be >= 0 and finite",
                    p->c);
  if (!(p->rho > 0) || !isfinite(p->rho))
    return mtl__err(MTL_EINVAL, "srml: rho = %g must be > 0 and finite",
                    p->rho);
  if (p->standardize != 0 && p->standardize != 1)
    return mtl__err(MTL_EINVAL, "srml: standardize = %d must be 0 or 1",
                    p->standardize);
  if (p->max_iter < 1)
    return mtl__err(MTL_EINVAL, "srml: max_iter = %d must be >= 1",
                    p->max_iter);
  if (!(p->tol_abs >= 0) || !isfinite(p->tol_abs))
    return mtl__err(MTL_EINVAL, "srml: tol_abs = %g must be >= 0",
                    p->tol_abs);
  if (!(p->tol_rel >= 0) || !isfinite(p->tol_rel))
    return mtl__err(MTL_EINVAL, "srml: tol_rel = %g must be >= 0",
                    p->tol_rel);
  if (p->u_sweeps < 1)
    return mtl__err(MTL_EINVAL, "srml: u_sweeps = %d must be >= 1",
                    p->u_sweeps);
  if (!(p->u_tol >= 0) || !isfinite(p->u_tol))
    return mtl__err(MTL_EINVAL, "srml: u_tol = %g must be >= 0", p->u_tol);
  if (p->newton_iter < 1)
    return mtl__err(MTL_EINVAL, "srml: newton_iter = %d must be >= 1",
                    p->newton_iter);
  if (!(p->newton_tol > 0) || !isfinite(p->newton_tol))
    return mtl__err(MTL_EINVAL, "srml: newton_tol = %g must be > 0",
                    p->newton_tol);
  if (p->adapt_rho < 0)
    return mtl__err(MTL_EINVAL, "srml: adapt_rho = %d must be >= 0",
                    p->adapt_rho);
  if (p->order != 0 && p->order != 1)
    return mtl__err(MTL_EINVAL, "srml: order = %d must be 0 or 1", p->order);
  if (p->record_trace != 0 && p->record_trace != 1)
    return mtl__err(MTL_EINVAL, "srml: record_trace = %d must be 0 or 1",
                    p->record_trace);
  return MTL_OK;
}

void mtl_srml_result_clear(mtl_srml_result *r) {
  if (!r)
    return;
  free(r->W);
  free(r->b);
  free(r->pairs);
  free(r->trace_obj);
  free(r->trace_primal);
  free(r->trace_dual);
  memset(r, 0, sizeof *r);
}

static void logf_(const mtl_srml_params *p, int level, const char *fmt,
                  double a, double b) {
  if (!p->log)
    return;
  char buf[512];
  snprintf(buf, sizeof buf, fmt, a, b);
  p->log(p->log_ctx, level, buf);
}

/* Objective (4.3) at U in the fitting space (SSML: no sign term; U is
 * feasible there). */
static double objective(task_ws *tw, const graph *g, const mtl_srml_params *p,
                        const double *U, int d, wscratch *s) {
  int T = g->T;
  double f = 0;
  for (int t = 0; t < T; t++) {
    const double *u = U + (size_t)t * d;
    f += task_loss(&tw[t], u, s);
    for (int j = 0; j < d; j++)
      f += p->lambda * (p->omega == MTL_REG_L1 ? fabs(u[j]) : u[j] * u[j]);
  }
  if (!p->strict && p->c > 0)
    for (int e = 0; e < g->E; e++) {
      const double *us = U + (size_t)g->pairs[2 * e] * d;
      const double *ut = U + (size_t)g->pairs[2 * e + 1] * d;
      for (int j = 0; j < d; j++) {
        double m = -us[j] * ut[j];
        if (m > 0)
          f += p->c * m;
      }
    }
  return f;
}

/* All w-steps (tasks are independent given U and Y). */
static int wsteps(task_ws *tw, int T, int d, double lambda_r,
                  const mtl_srml_params *p, const double *U, const double *Y,
                  wscratch *s, double *Wk, int it) {
  for (int t = 0; t < T; t++) {
    int rc = wstep(&tw[t], lambda_r, p->rho, U + (size_t)t * d,
                   Y + (size_t)t * d, p->newton_iter, p->newton_tol, s,
                   Wk + (size_t)t * d);
    if (rc)
      return mtl__err_prefix(rc, "srml: w-step of task %d at iteration %d",
                             t, it + 1);
  }
  return MTL_OK;
}

/* All u-steps: feature rows are independent; v = w + y / rho. */
static void usteps(graph *g, const mtl_srml_params *p, double lambda_u,
                   const double *Wk, const double *Y, double *vrow,
                   double *urow, int d, double *U) {
  int T = g->T;
  for (int j = 0; j < d; j++) {
    for (int t = 0; t < T; t++) {
      size_t k = (size_t)t * d + j;
      vrow[t] = Wk[k] + Y[k] / p->rho;
      urow[t] = U[k];
    }
    if (p->strict)
      ssml_row(g, vrow, p->rho, lambda_u, urow);
    else
      ustep_row(g, vrow, p->rho, lambda_u, p->c, p->u_sweeps, p->u_tol,
                urow);
    for (int t = 0; t < T; t++)
      U[(size_t)t * d + j] = urow[t];
  }
}

int mtl_srml_fit(const mtl_dataset *ds, const mtl_srml_params *pin,
                 mtl_srml_result *res) {
  if (!res)
    return mtl__err(MTL_EINVAL, "srml: result is NULL");
  memset(res, 0, sizeof *res);
  mtl_srml_params p;
  if (pin)
    p = *pin;
  else
    mtl_srml_params_init(&p);
  int rc = check_params(ds, &p);
  if (rc)
    return rc;
  double t0 = mtl__now();
  int T = mtl_dataset_ntasks(ds), d = mtl_dataset_dim(ds);
  size_t dT = (size_t)d * T;
  graph g;
  memset(&g, 0, sizeof g);
  rc = graph_build(T, p.pairs, p.npairs, &g);
  if (rc)
    return rc;
  double *xmean = NULL, *xscale = NULL;
  task_ws *tw = mtl__calloc((size_t)T, sizeof(task_ws));
  mtl_loss *losses = mtl__malloc((size_t)T * sizeof(mtl_loss));
  double *ymean = mtl__calloc((size_t)T, sizeof(double));
  double *ysc = mtl__malloc((size_t)T * sizeof(double));
  double *Wk = mtl__calloc(dT, sizeof(double));
  double *U = mtl__calloc(dT, sizeof(double));
  double *Uold = mtl__malloc(dT * sizeof(double));
  double *Y = mtl__calloc(dT, sizeof(double));
  double *vrow = mtl__malloc((size_t)T * sizeof(double));
  double *urow = mtl__malloc((size_t)T * sizeof(double));
  wscratch s;
  memset(&s, 0, sizeof s);
  if (!tw || !losses || !ymean || !ysc || !Wk || !U || !Uold || !Y || !vrow ||
      !urow) {
    rc = MTL_ENOMEM;
    goto done;
  }
  int max_n = 1;
  for (int t = 0; t < T; t++) {
    rc = resolve_loss(ds, t, p.loss, &losses[t]);
    if (rc)
      goto done;
    int n = mtl_dataset_task_n(ds, t);
    if (n > max_n)
      max_n = n;
  }
  if (p.standardize) {
    /* Per-task centering of X and y is exactly an unpenalized per-task
     * intercept for least squares; one pooled scale per feature (the
     * within-task std) keeps the penalties comparable across features. */
    xmean = mtl__calloc(dT, sizeof(double));
    xscale = mtl__calloc((size_t)d, sizeof(double));
    double *row = mtl__malloc((size_t)d * sizeof(double));
    if (!xmean || !xscale || !row) {
      free(row);
      rc = MTL_ENOMEM;
      goto done;
    }
    long long ntot = 0;
    for (int t = 0; t < T; t++) {
      int n = mtl_dataset_task_n(ds, t);
      double *mu = xmean + (size_t)t * d;
      for (int i = 0; i < n; i++) {
        mtl_dataset_get_row(ds, t, i, row);
        for (int j = 0; j < d; j++)
          mu[j] += row[j];
      }
      for (int j = 0; j < d; j++)
        mu[j] /= n;
      for (int i = 0; i < n; i++) {
        mtl_dataset_get_row(ds, t, i, row);
        for (int j = 0; j < d; j++)
          xscale[j] += (row[j] - mu[j]) * (row[j] - mu[j]);
      }
      ntot += n;
    }
    free(row);
    for (int j = 0; j < d; j++) {
      xscale[j] = sqrt(xscale[j] / (double)ntot);
      if (!(xscale[j] > 1e-12 * (1 + fabs(xmean[j]))))
        xscale[j] = 1; /* constant within every task */
    }
  }
  /* Targets: per-task mean removed, pooled std of the centered targets. */
  double ss = 0;
  long long nreg = 0;
  for (int t = 0; t < T; t++) {
    ysc[t] = 1;
    if (!p.standardize || losses[t] == MTL_LOSS_LOGISTIC ||
        mtl_dataset_task_kind(ds, t) == MTL_TASK_CLASSIFICATION)
      continue;
    int n = mtl_dataset_task_n(ds, t);
    const double *y = mtl_dataset_task_y(ds, t);
    double m = 0;
    for (int i = 0; i < n; i++)
      m += y[i];
    m /= n;
    ymean[t] = m;
    for (int i = 0; i < n; i++)
      ss += (y[i] - m) * (y[i] - m);
    nreg += n;
  }
  double sy = nreg > 0 && ss > 0 ? sqrt(ss / (double)nreg) : 1;
  for (int t = 0; t < T; t++)
    if (p.standardize && mtl_dataset_task_kind(ds, t) != MTL_TASK_CLASSIFICATION
        && losses[t] != MTL_LOSS_LOGISTIC)
      ysc[t] = sy;
  double lambda_r = p.omega == MTL_REG_RIDGE ? p.lambda : 0;
  double lambda_u = p.omega == MTL_REG_L1 ? p.lambda : 0;
  double H = 0;
  for (int t = 0; t < T; t++) {
    int n = mtl_dataset_task_n(ds, t);
    double *X = NULL, *y = mtl__malloc((size_t)n * sizeof(double));
    if (!y) {
      rc = MTL_ENOMEM;
      goto done;
    }
    const double *y0 = mtl_dataset_task_y(ds, t);
    for (int i = 0; i < n; i++)
      y[i] = (y0[i] - ymean[t]) / ysc[t];
    rc = task_dense(ds, t, p.standardize ? xmean + (size_t)t * d : NULL,
                    xscale, &X);
    if (rc) {
      free(y);
      goto done;
    }
    double a = mtl_dataset_task_weight(ds, t) * mtl__scaling_factor(p.scaling, n);
    rc = task_ws_init(&tw[t], n, d, X, y, losses[t], a, lambda_r, p.rho);
    double Ht = 0;
    if (!rc) {
      /* ||X'X||_2 from the Gram (squared) or from X (logistic). */
      if (losses[t] == MTL_LOSS_LOGISTIC) {
        double *Gt = mtl__malloc((size_t)d * d * sizeof(double));
        if (!Gt)
          rc = MTL_ENOMEM;
        else {
          mtl__gram_rm(n, d, 1.0, X, d, 0.0, Gt);
          rc = mtl__spectral_norm(d, d, Gt, &Ht);
          free(Gt);
        }
        Ht *= 0.25 * a;
      } else {
        rc = mtl__spectral_norm(d, d, tw[t].G, &Ht);
        Ht *= a;
      }
    }
    if (losses[t] != MTL_LOSS_LOGISTIC) {
      free(X);
      free(y);
    }
    if (rc) {
      if (rc == MTL_ENUMERIC)
        rc = mtl__err(MTL_ENUMERIC, "srml: task %d: the w-step matrix is "
                      "not positive definite", t);
      goto done;
    }
    if (Ht > H)
      H = Ht;
  }
  rc = wscratch_alloc(&s, max_n, d);
  if (rc)
    goto done;
  res->d = d;
  res->T = T;
  res->H = H;
  res->npairs = g.E;
  res->pairs = mtl__malloc((size_t)(2 * g.E + 1) * sizeof(int));
  res->W = mtl__malloc(dT * sizeof(double));
  res->b = mtl__calloc((size_t)T, sizeof(double));
  if (p.record_trace) {
    res->trace_obj = mtl__malloc((size_t)p.max_iter * sizeof(double));
    res->trace_primal = mtl__malloc((size_t)p.max_iter * sizeof(double));
    res->trace_dual = mtl__malloc((size_t)p.max_iter * sizeof(double));
  }
  if (!res->pairs || !res->W || !res->b ||
      (p.record_trace &&
       (!res->trace_obj || !res->trace_primal || !res->trace_dual))) {
    rc = MTL_ENOMEM;
    goto done;
  }
  memcpy(res->pairs, g.pairs, (size_t)(2 * g.E) * sizeof(int));
  res->u_convex = p.strict ? g.forest : (p.rho >= p.c * g.maxdeg);
  if (p.rho <= 2 * H)
    logf_(&p, 1,
          "srml: rho = %g is below 2H = %g (Theorem 5.2's sufficient "
          "condition); kept as given",
          p.rho, 2 * H);
  if (!p.strict && !res->u_convex)
    logf_(&p, 1,
          "srml: rho = %g < c * max degree = %g: the u-step is non-convex; "
          "its sweeps return a coordinate-wise minimum",
          p.rho, p.c * g.maxdeg);
  if (p.strict && !g.forest)
    logf_(&p, 1,
          "ssml: the sign graph has a cycle (%g edges, %g tasks): the "
          "projection is feasible but not certified exact",
          (double)g.E, (double)T);

  /* ADMM (Boyd et al. 2011, Section 3.3 stopping rule). */
  double prev_obj = NAN;
  int nadapt = 0;
  double r_mark = INFINITY;
  int status = MTL_MAXITER, it;
  double r = 0, sd = 0, obj = 0;
  for (it = 0; it < p.max_iter; it++) {
    /* Uold keeps the block updated second, for the dual residual. */
    if (p.order == 0) {
      rc = wsteps(tw, T, d, lambda_r, &p, U, Y, &s, Wk, it);
      if (rc)
        goto done;
      memcpy(Uold, U, dT * sizeof(double));
      usteps(&g, &p, lambda_u, Wk, Y, vrow, urow, d, U);
    } else {
      usteps(&g, &p, lambda_u, Wk, Y, vrow, urow, d, U);
      memcpy(Uold, Wk, dT * sizeof(double));
      rc = wsteps(tw, T, d, lambda_r, &p, U, Y, &s, Wk, it);
      if (rc)
        goto done;
    }
    const double *second = p.order == 0 ? U : Wk;
    double nw = 0, nu = 0, ny = 0, r2 = 0, s2 = 0;
    for (size_t k = 0; k < dT; k++) {
      double dr = Wk[k] - U[k], du = second[k] - Uold[k];
      Y[k] += p.rho * dr;
      r2 += dr * dr;
      s2 += du * du;
      nw += Wk[k] * Wk[k];
      nu += U[k] * U[k];
      ny += Y[k] * Y[k];
    }
    r = sqrt(r2);
    sd = p.rho * sqrt(s2);
    obj = objective(tw, &g, &p, U, d, &s);
    if (!isfinite(obj) || !isfinite(r)) {
      rc = mtl__err(MTL_ENUMERIC,
                    "srml: objective %g / primal residual %g not finite at "
                    "iteration %d (rho = %g)",
                    obj, r, it + 1, p.rho);
      goto done;
    }
    if (p.record_trace) {
      res->trace_obj[it] = obj;
      res->trace_primal[it] = r;
      res->trace_dual[it] = sd;
    }
    double rel = isnan(prev_obj) ? 1
                                 : fabs(obj - prev_obj) /
                                       (fabs(obj) > 1 ? fabs(obj) : 1);
    prev_obj = obj;
    res->iterations = it + 1;
    if (p.progress && p.progress(p.progress_ctx, it + 1, obj, rel, r)) {
      rc = mtl__err(MTL_ECANCELLED, "srml: cancelled by the progress "
                    "callback at iteration %d", it + 1);
      break;
    }
    double sq = sqrt((double)dT);
    double eps_pri = sq * p.tol_abs + p.tol_rel * (nw > nu ? sqrt(nw)
                                                           : sqrt(nu));
    double eps_dual = sq * p.tol_abs + p.tol_rel * sqrt(ny);
    if ((p.tol_abs > 0 || p.tol_rel > 0) && r <= eps_pri && sd <= eps_dual) {
      status = MTL_CONVERGED;
      break;
    }
    /* Continuation: when ||W - U|| has not halved over 50 iterations, rho
     * doubles (at most adapt_rho times).  Y is the unscaled dual, so it
     * needs no rescaling; only the squared-loss factors depend on rho. */
    int stalled = 0;
    if ((it + 1) % 50 == 0) {
      stalled = r > eps_pri && r > 0.5 * r_mark;
      r_mark = r;
    }
    if (p.adapt_rho && nadapt < p.adapt_rho && stalled) {
      p.rho *= 2;
      nadapt++;
      for (int t = 0; t < T && !rc; t++)
        if (tw[t].G) {
          size_t dd = (size_t)d * d;
          for (size_t k = 0; k < dd; k++)
            tw[t].F[k] = tw[t].a * tw[t].G[k];
          for (int j = 0; j < d; j++)
            tw[t].F[(size_t)j * d + j] += 2 * lambda_r + p.rho;
          rc = mtl__potrf(d, tw[t].F);
        }
      if (rc)
        goto done;
    }
  }
  res->status = status;
  res->rho = p.rho;
  if (!p.strict)
    res->u_convex = p.rho >= p.c * g.maxdeg;
  res->objective = obj;
  res->primal_res = r;
  res->dual_res = sd;
  /* Back to raw features: W_raw = ysc U / scale, b = ymean - mean'W_raw. */
  for (int t = 0; t < T; t++) {
    double bt = ymean[t];
    for (int j = 0; j < d; j++) {
      size_t k = (size_t)t * d + j;
      double w = U[k] * ysc[t];
      if (p.standardize) {
        w /= xscale[j];
        bt -= xmean[(size_t)t * d + j] * w;
      }
      res->W[k] = w;
    }
    res->b[t] = bt;
  }
  int viol = 0;
  for (int e = 0; e < g.E; e++)
    for (int j = 0; j < d; j++)
      if (res->W[(size_t)g.pairs[2 * e] * d + j] *
              res->W[(size_t)g.pairs[2 * e + 1] * d + j] <
          0)
        viol++;
  res->sign_violations = viol;
  res->seconds = mtl__now() - t0;
  if (rc == MTL_OK)
    rc = status;
done:
  if (rc < 0 && rc != MTL_ECANCELLED)
    mtl_srml_result_clear(res);
  if (tw)
    for (int t = 0; t < T; t++)
      task_ws_clear(&tw[t]);
  free(tw);
  free(losses);
  free(ymean);
  free(ysc);
  free(Wk);
  free(U);
  free(Uold);
  free(Y);
  free(vrow);
  free(urow);
  wscratch_clear(&s);
  free(xmean);
  free(xscale);
  graph_clear(&g);
  return rc;
}

/* ---- model --------------------------------------------------------------- */

int mtl_srml_to_model(const mtl_srml_result *res, const mtl_srml_params *p,
                      const mtl_dataset *ds, mtl_model **out) {
  if (!res || !res->W || !res->b || !ds || !out)
    return mtl__err(MTL_EINVAL, "srml model: NULL or empty argument");
  *out = NULL;
  mtl_srml_params dp;
  if (!p) {
    mtl_srml_params_init(&dp);
    p = &dp;
  }
  int d = res->d, T = res->T;
  if (mtl_dataset_ntasks(ds) != T || mtl_dataset_dim(ds) != d)
    return mtl__err(MTL_EDIM,
                    "srml model: dataset has %d tasks, %d features; result "
                    "has %d, %d",
                    mtl_dataset_ntasks(ds), mtl_dataset_dim(ds), T, d);
  int rc = MTL_OK;
  double *Wm = mtl__malloc((size_t)(d + 1) * T * sizeof(double));
  int *tl = mtl__malloc((size_t)T * sizeof(int));
  double *Gm = mtl__malloc((size_t)(2 * res->npairs + 1) * sizeof(double));
  mtl_model *m = NULL;
  if (!Wm || !tl || !Gm) {
    rc = MTL_ENOMEM;
    goto done;
  }
  for (int t = 0; t < T; t++) {
    memcpy(Wm + (size_t)t * (d + 1), res->W + (size_t)t * d,
           (size_t)d * sizeof(double));
    Wm[(size_t)t * (d + 1) + d] = res->b[t];
    mtl_loss l;
    rc = resolve_loss(ds, t, p->loss, &l);
    if (rc)
      goto done;
    tl[t] = l;
  }
  mtl_problem_params pp;
  mtl_problem_params_init(&pp);
  pp.task_loss = tl;
  pp.loss = (mtl_loss)tl[0];
  pp.scaling = p->scaling;
  pp.reg.type = p->omega;
  pp.reg.lambda = p->lambda;
  pp.unpenalized_last = 1;
  mtl_scaler sc = {.d = d, .standardize = 0, .bias = 1, .mean = NULL,
                   .scale = NULL};
  m = mtl_model_create(d + 1, T, Wm, &pp, &sc);
  if (!m) {
    rc = MTL_ENOMEM;
    goto done;
  }
  char buf[64];
  rc = mtl_model_set_meta(m, "method", p->strict ? "ssml" : "srml");
  if (!rc)
    rc = mtl_model_set_meta(m, "omega", mtl_reg_name(p->omega));
  snprintf(buf, sizeof buf, "%.17g", p->lambda);
  if (!rc)
    rc = mtl_model_set_meta(m, "lambda", buf);
  snprintf(buf, sizeof buf, "%.17g", p->c);
  if (!rc && !p->strict)
    rc = mtl_model_set_meta(m, "c", buf);
  snprintf(buf, sizeof buf, "%.17g", p->rho);
  if (!rc)
    rc = mtl_model_set_meta(m, "rho", buf);
  if (!rc)
    rc = mtl_model_set_meta(m, "scaling", mtl_scaling_name(p->scaling));
  if (!rc)
    rc = mtl_model_set_meta(m, "sign_graph", p->pairs ? "pairs" : "chain");
  for (int e = 0; e < 2 * res->npairs; e++)
    Gm[e] = res->pairs[e];
  if (!rc && res->npairs > 0)
    rc = mtl_model_set_matrix(m, "sign_graph", 2, res->npairs, Gm);
done:
  free(Wm);
  free(tl);
  free(Gm);
  if (rc && m) {
    mtl_model_free(m);
    m = NULL;
  }
  *out = m;
  return rc;
}
