/*
 * search_grid.c -- the grid of a search (search.c): "NAME=VALUES;..." with
 * VALUES a list, a range or path:N:R (from lambda_max down to R times it),
 * expanded into the points of the product of the parameters' values.
 */
#include "api.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- the grid ------------------------------------------------------------- */

/* One parameter's values as text (malloc'd array of malloc'd strings). */
typedef struct axis {
  char *name;
  int n, path; /* path: from "path:" (its top is lambda_max) */
  char **v;
} axis;

static void axis_clear(axis *a) {
  for (int i = 0; i < a->n; i++)
    free(a->v[i]);
  free(a->v);
  free(a->name);
  memset(a, 0, sizeof *a);
}

static int axis_push(axis *a, const char *text) {
  char **nv = realloc(a->v, (size_t)(a->n + 1) * sizeof *nv);
  if (!nv)
    return mtl__err(MTL_ENOMEM, "out of memory (grid)");
  a->v = nv;
  if (!(a->v[a->n] = mtl__strdup(text)))
    return MTL_ENOMEM;
  a->n++;
  return MTL_OK;
}

static int axis_push_num(axis *a, double x) {
  char buf[40];
  snprintf(buf, sizeof buf, "%.17g", x);
  return axis_push(a, buf);
}

static char *trim(char *s) {
  while (isspace((unsigned char)*s))
    s++;
  char *e = s + strlen(s);
  while (e > s && isspace((unsigned char)e[-1]))
    *--e = '\0';
  return s;
}

static int num(const char *s, double *x) {
  char *end;
  errno = 0;
  *x = strtod(s, &end);
  return end != s && *trim(end) == '\0' && errno != ERANGE && isfinite(*x);
}

/* "path:N:RATIO": N values from lambda_max down to RATIO lambda_max. */
static int axis_path(const mtl__fit_ctx *c, axis *a, char *spec) {
  const mtl_method *m = c->p->m;
  double n = 0, ratio = 0, lmax = 0;
  char *r = strchr(spec, ':');
  if (!r)
    return mtl__err(MTL_EINVAL, "grid: '%s=path:%s' must be path:N:RATIO",
                    a->name, spec);
  *r++ = '\0';
  if (!num(spec, &n) || n < 1 || n != floor(n) || n > 1e6 ||
      !num(r, &ratio) || !(ratio > 0 && ratio < 1))
    return mtl__err(MTL_EINVAL, "grid: path:N:RATIO needs N >= 1 and 0 < "
                                "RATIO < 1 (parameter '%s')",
                    a->name);
  int two = strcmp(a->name, "lambda2") == 0;
  if (two ? !m->lambda2_max : strcmp(a->name, "lambda") != 0 || !m->lambda_max)
    return mtl__err(MTL_EINVAL, "grid: path: is for lambda (or lambda2) of "
                                "a method with a path top (batch, async, "
                                "smtl, tgl, fglasso, cmtl, caso, mll), not "
                                "'%s' of %s",
                    a->name, m->name);
  int rc = two ? m->lambda2_max(c, &lmax) : m->lambda_max(c, &lmax);
  if (rc < 0)
    return rc;
  if (!(lmax > 0) || !isfinite(lmax))
    return mtl__err(MTL_EINVAL, "grid: %s top = %g: %s has none (give "
                                "the values)", a->name, lmax,
                    mtl__p_text(c->p, "reg") ? mtl__p_text(c->p, "reg")
                                             : m->name);
  for (int i = 0; i < (int)n && rc >= 0; i++)
    rc = axis_push_num(a, n == 1 ? lmax
                                 : lmax * pow(ratio, (double)i / (n - 1)));
  return rc;
}

/* "LO:HI:N": N values from LO to HI, log-spaced when both are > 0. */
static int axis_range(axis *a, char *spec) {
  char *b = strchr(spec, ':'), *r = b ? strchr(b + 1, ':') : NULL;
  double lo, hi, n;
  if (!r)
    return mtl__err(MTL_EINVAL, "grid: '%s=%s' must be LO:HI:N", a->name,
                    spec);
  *b++ = '\0';
  *r++ = '\0';
  if (!num(spec, &lo) || !num(b, &hi) || !num(r, &n) || n < 1 ||
      n != floor(n) || n > 1e6)
    return mtl__err(MTL_EINVAL, "grid: '%s': LO:HI:N needs two numbers and "
                                "N >= 1",
                    a->name);
  int lg = lo > 0 && hi > 0, rc = MTL_OK;
  for (int i = 0; i < (int)n && rc >= 0; i++) {
    double f = n == 1 ? 0 : (double)i / (n - 1);
    rc = axis_push_num(a, lg ? lo * pow(hi / lo, f) : lo + (hi - lo) * f);
  }
  return rc;
}

/* One "name=spec" clause; every value is checked on a copy of p. */
static int parse_axis(const mtl__fit_ctx *c, char *clause, axis *a) {
  char *eq = strchr(clause, '=');
  if (!eq)
    return mtl__err(MTL_EINVAL, "grid: '%s' is not NAME=VALUES", clause);
  *eq = '\0';
  char *name = trim(clause), *spec = trim(eq + 1);
  int i = mtl__p_index(c->p, name);
  if (i < 0)
    return mtl__p_unknown(c->p, name);
  if (!(a->name = mtl__strdup(c->p->m->params[i].name)))
    return MTL_ENOMEM;
  int rc;
  if (strncmp(spec, "path:", 5) == 0) {
    rc = axis_path(c, a, spec + 5);
    a->path = 1;
  }
  else if (strchr(spec, ':'))
    rc = axis_range(a, spec);
  else {
    rc = MTL_OK;
    char *save = NULL;
    for (char *tok = strtok_r(spec, ",", &save); tok && rc >= 0;
         tok = strtok_r(NULL, ",", &save))
      rc = axis_push(a, trim(tok));
  }
  if (rc >= 0 && a->n == 0)
    rc = mtl__err(MTL_EINVAL, "grid: no value for '%s'", a->name);
  mtl_params *chk = mtl_params_copy(c->p);
  for (int k = 0; rc >= 0 && k < a->n; k++)
    rc = chk ? mtl_params_set(chk, a->name, a->v[k]) : MTL_ENOMEM;
  mtl_params_free(chk);
  return rc;
}

/* The grid: the product of its axes, the last varying fastest. */
int mtl__search_build_grid(mtl_search *s, const mtl__fit_ctx *c,
                           const char *grid) {
  char *text = mtl__strdup(grid ? grid : "");
  axis ax[16];
  int nax = 0, rc = text ? MTL_OK : MTL_ENOMEM;
  memset(ax, 0, sizeof ax);
  char *save = NULL;
  for (char *cl = text ? strtok_r(text, ";", &save) : NULL; cl && rc >= 0;
       cl = strtok_r(NULL, ";", &save)) {
    if (!*trim(cl))
      continue;
    if (nax == 16) {
      rc = mtl__err(MTL_EINVAL, "grid: at most 16 parameters");
      break;
    }
    rc = parse_axis(c, cl, &ax[nax++]);
  }
  if (rc >= 0 && nax == 0)
    rc = mtl__err(MTL_EINVAL, "grid: empty (give NAME=VALUES, e.g. "
                              "lambda=0.01,0.1,1)");
  long long np = 1;
  for (int j = 0; j < nax; j++)
    np *= ax[j].n;
  if (rc >= 0 && np > 100000)
    rc = mtl__err(MTL_EINVAL, "grid: %lld points (at most 100000)", np);
  if (rc >= 0) {
    s->nvar = nax;
    s->npoints = (int)np;
    s->names = mtl__calloc((size_t)nax, sizeof *s->names);
    s->values = mtl__calloc((size_t)np * (size_t)nax, sizeof *s->values);
    rc = s->names && s->values ? MTL_OK : MTL_ENOMEM;
  }
  for (int j = 0; rc >= 0 && j < nax; j++) {
    s->names[j] = ax[j].name;
    ax[j].name = NULL;
  }
  s->path_top = nax == 1 && ax[0].path;
  for (long long i = 0; rc >= 0 && i < np; i++) {
    long long r = i;
    for (int j = nax - 1; j >= 0 && rc >= 0; j--) {
      s->values[i * nax + j] = mtl__strdup(ax[j].v[r % ax[j].n]);
      rc = s->values[i * nax + j] ? MTL_OK : MTL_ENOMEM;
      r /= ax[j].n;
    }
  }
  for (int j = 0; j < nax; j++)
    axis_clear(&ax[j]);
  free(text);
  return rc;
}
