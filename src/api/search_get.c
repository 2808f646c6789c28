/*
 * search_get.c -- what a parameter search found: the grid, the scores,
 * the best point and whether it lies on the grid's edge.
 */
#include "api.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int point_ok(const mtl_search *s, int i) {
  return s && i >= 0 && i < s->npoints;
}

int mtl_search_npoints(const mtl_search *s) { return s ? s->npoints : 0; }
int mtl_search_nvaried(const mtl_search *s) { return s ? s->nvar : 0; }

const char *mtl_search_varied_name(const mtl_search *s, int j) {
  return s && j >= 0 && j < s->nvar ? s->names[j] : NULL;
}

const char *mtl_search_value(const mtl_search *s, int i, int j) {
  return point_ok(s, i) && j >= 0 && j < s->nvar ? s->values[i * s->nvar + j]
                                                 : NULL;
}

double mtl_search_number(const mtl_search *s, int i, int j) {
  const char *v = mtl_search_value(s, i, j);
  int k = s ? mtl__p_index(s->base, mtl_search_varied_name(s, j)) : -1;
  if (!v || k < 0)
    return NAN;
  mtl_params *tmp = mtl_params_copy(s->base);
  double x = NAN;
  if (tmp && mtl_params_set(tmp, s->names[j], v) == MTL_OK)
    x = mtl_params_get_number(tmp, s->names[j]);
  mtl_params_free(tmp);
  return x;
}

double mtl_search_error(const mtl_search *s, int i) {
  return point_ok(s, i) ? s->err[i] : NAN;
}
double mtl_search_error_std(const mtl_search *s, int i) {
  return point_ok(s, i) ? s->err_sd[i] : NAN;
}
double mtl_search_objective(const mtl_search *s, int i) {
  return point_ok(s, i) ? s->obj[i] : NAN;
}
double mtl_search_iterations(const mtl_search *s, int i) {
  return point_ok(s, i) ? s->iters[i] : NAN;
}
double mtl_search_seconds(const mtl_search *s, int i) {
  return point_ok(s, i) ? s->secs[i] : NAN;
}
int mtl_search_status(const mtl_search *s, int i) {
  return point_ok(s, i) ? s->status[i] : MTL_EINVAL;
}
const char *mtl_search_metric(const mtl_search *s) {
  return s ? s->metric : NULL;
}
int mtl_search_best(const mtl_search *s) { return s ? s->best : -1; }

const mtl_model *mtl_search_model(const mtl_search *s, int i) {
  return point_ok(s, i) && s->models ? s->models[i] : NULL;
}

/* Value i of the one-parameter grid of s as a number (NaN: not numeric). */
double mtl__search_x(const mtl_search *s, int i, int j) {
  const char *v = s->values[i * s->nvar + j];
  char *end;
  double x = strtod(v, &end);
  return end != v && *end == '\0' && isfinite(x) ? x : NAN;
}

/* The point with value u of parameter j and the other values of point b
 * (-1: none). */
static int neighbour(const mtl_search *s, int b, int j, double u) {
  for (int i = 0; i < s->npoints; i++) {
    int same = mtl__search_x(s, i, j) == u;
    for (int k = 0; same && k < s->nvar; k++)
      same = k == j || strcmp(s->values[i * s->nvar + k],
                              s->values[b * s->nvar + k]) == 0;
    if (same)
      return i;
  }
  return -1;
}

int mtl_search_edge(const mtl_search *s, int j) {
  if (!s || j < 0 || j >= s->nvar || !s->validated || !point_ok(s, s->best))
    return 0;
  int b = s->best;
  double lo = INFINITY, hi = -INFINITY, x = mtl__search_x(s, b, j);
  for (int i = 0; i < s->npoints; i++) {
    double v = mtl__search_x(s, i, j);
    if (isnan(v))
      return 0;
    lo = fmin(lo, v);
    hi = fmax(hi, v);
  }
  if (!(lo < hi) || (x != lo && x != hi))
    return 0;
  /* the nearest other value, and whether the error still falls there */
  double u = NAN;
  for (int i = 0; i < s->npoints; i++) {
    double v = mtl__search_x(s, i, j);
    if (v != x && (isnan(u) || fabs(v - x) < fabs(u - x)))
      u = v;
  }
  int k = neighbour(s, b, j, u);
  if (k >= 0 && !(s->err[k] - s->err[b] > MTL__EDGE_FLAT * s->err[b]))
    return 0; /* flat there: past the edge cannot do much better */
  return x == lo ? -1 : 1;
}
