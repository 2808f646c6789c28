/*
 * srml_ustep.c -- the u-step of SRML / SSML (Bai et al. SDM 2023): the
 * sign graph (adjacency, spanning forest), the exact 1-D minimiser swept
 * Gauss-Seidel along the graph (SRML) and the exact projection on
 * sign-consistent rows by dynamic programme on forests (SSML), and the
 * public building blocks over them.
 */
#include "srml_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- sign graph ---------------------------------------------------------- */

void mtl__srml_graph_clear(mtl__srml_graph *g) {
  free(g->pairs);
  free(g->ptr);
  free(g->adj);
  free(g->order);
  free(g->parent);
  free(g->state);
  free(g->cost);
  memset(g, 0, sizeof *g);
}

/* BFS spanning forest (order, parent); a graph is a forest iff E = T -
 * components and no duplicate edge (duplicates count as a 2-cycle). */
static void spanning_forest(mtl__srml_graph *g) {
  int T = g->T, E = g->E;
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
}

/* Validates pairs (NULL = chain) and builds g. */
int mtl__srml_graph_build(int T, const int *pairs, int npairs,
                          mtl__srml_graph *g) {
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
  spanning_forest(g);
done:
  free(fill);
  if (rc)
    mtl__srml_graph_clear(g);
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
int mtl__srml_ustep_row(const mtl__srml_graph *g, const double *v, double rho,
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
  mtl__srml_graph g;
  int rc = mtl__srml_graph_build(T, pairs, npairs, &g);
  if (rc)
    return rc;
  rc = mtl__srml_ustep_row(&g, v, rho, lambda, c, max_sweeps, tol, u);
  mtl__srml_graph_clear(&g);
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
int mtl__srml_ssml_row(mtl__srml_graph *g, const double *v, double rho,
                       double lambda, double *u) {
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
  mtl__srml_graph g;
  int rc = mtl__srml_graph_build(T, pairs, npairs, &g);
  if (rc)
    return rc;
  rc = mtl__srml_ssml_row(&g, v, rho, lambda, u);
  mtl__srml_graph_clear(&g);
  return rc;
}
