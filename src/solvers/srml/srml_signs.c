/*
 * srml_signs.c -- per-feature sign patterns across tasks and the pairs of
 * the sign graph that disagree (for `mtl signs MODEL`), and the reader of
 * sign-graph files ("s t" per line, 1-based tasks), a wrapper over the
 * library's one edge-list reader (data/graph.c).
 */
#include "solvers/solvers.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void mtl_signs_clear(mtl_signs *s) {
  if (!s)
    return;
  free(s->sign);
  free(s->pairs);
  free(s->disagree);
  free(s->feature_ok);
  memset(s, 0, sizeof *s);
}

int mtl_signs_compute(const double *W, int d, int T, const int *pairs,
                      int npairs, double tol, mtl_signs *out) {
  if (!out)
    return mtl__err(MTL_EINVAL, "signs: out is NULL");
  memset(out, 0, sizeof *out);
  if (!W || d < 1 || T < 1)
    return mtl__err(MTL_EINVAL, "signs: W is NULL or d = %d, T = %d < 1", d,
                    T);
  if (!(tol >= 0))
    return mtl__err(MTL_EINVAL, "signs: tol = %g must be >= 0", tol);
  if (npairs < 0 || (npairs > 0 && !pairs))
    return mtl__err(MTL_EINVAL, "signs: npairs = %d with pairs %s", npairs,
                    pairs ? "given" : "NULL");
  int E = pairs ? npairs : T - 1;
  for (int e = 0; pairs && e < E; e++)
    if (pairs[2 * e] < 0 || pairs[2 * e] >= T || pairs[2 * e + 1] < 0 ||
        pairs[2 * e + 1] >= T || pairs[2 * e] == pairs[2 * e + 1])
      return mtl__err(MTL_EINVAL,
                      "signs: edge %d = (%d, %d) is not a pair of distinct "
                      "tasks in [0, %d)",
                      e, pairs[2 * e], pairs[2 * e + 1], T);
  size_t dT = (size_t)d * T;
  out->d = d;
  out->T = T;
  out->npairs = E;
  out->sign = mtl__malloc(dT * sizeof(int));
  out->pairs = mtl__malloc((size_t)(2 * E + 1) * sizeof(int));
  out->feature_ok = mtl__malloc((size_t)d * sizeof(int));
  if (!out->sign || !out->pairs || !out->feature_ok) {
    mtl_signs_clear(out);
    return MTL_ENOMEM;
  }
  for (int e = 0; e < E; e++) {
    out->pairs[2 * e] = pairs ? pairs[2 * e] : e;
    out->pairs[2 * e + 1] = pairs ? pairs[2 * e + 1] : e + 1;
  }
  for (size_t k = 0; k < dT; k++) {
    if (!isfinite(W[k])) {
      int j = (int)(k % (size_t)d), t = (int)(k / (size_t)d);
      mtl_signs_clear(out);
      return mtl__err(MTL_ENUMERIC, "signs: W[%d, task %d] = %g", j, t,
                      W[k]);
    }
    out->sign[k] = W[k] > tol ? 1 : (W[k] < -tol ? -1 : 0);
  }
  int nd = 0;
  for (int pass = 0; pass < 2; pass++) {
    nd = 0;
    for (int j = 0; j < d; j++) {
      out->feature_ok[j] = 1;
      for (int e = 0; e < E; e++) {
        int s = out->pairs[2 * e], t = out->pairs[2 * e + 1];
        if (out->sign[(size_t)s * d + j] * out->sign[(size_t)t * d + j] < 0) {
          if (pass == 1) {
            out->disagree[3 * nd] = j;
            out->disagree[3 * nd + 1] = s;
            out->disagree[3 * nd + 2] = t;
          }
          nd++;
          out->feature_ok[j] = 0;
        }
      }
    }
    if (pass == 0) {
      out->disagree = mtl__malloc((size_t)(3 * nd + 1) * sizeof(int));
      if (!out->disagree) {
        mtl_signs_clear(out);
        return MTL_ENOMEM;
      }
    }
  }
  out->ndisagree = nd;
  return MTL_OK;
}

int mtl_model_signs(const mtl_model *m, double tol, mtl_signs *out) {
  if (!m || !out)
    return mtl__err(MTL_EINVAL, "signs: model or out is NULL");
  int dm = mtl_model_dim(m), T = mtl_model_ntasks(m);
  int d = mtl_model_input_dim(m) < dm ? dm - 1 : dm; /* drop the bias row */
  const double *W = mtl_model_W(m);
  int rows = 0, cols = 0;
  const double *G = mtl_model_get_matrix(m, "sign_graph", &rows, &cols);
  const char *kind = mtl_model_get_meta(m, "sign_graph");
  int *pairs = NULL, np = 0, rc;
  double *Wd = mtl__malloc((size_t)d * T * sizeof(double) + 1);
  if (!Wd)
    return MTL_ENOMEM;
  for (int t = 0; t < T; t++)
    memcpy(Wd + (size_t)t * d, W + (size_t)t * dm, (size_t)d * sizeof(double));
  if (G) {
    if (rows != 2) {
      free(Wd);
      return mtl__err(MTL_EFORMAT, "signs: model matrix sign_graph is %d x %d"
                      "; expected 2 x E", rows, cols);
    }
    pairs = mtl__malloc((size_t)(2 * cols + 1) * sizeof(int));
    if (!pairs) {
      free(Wd);
      return MTL_ENOMEM;
    }
    for (int k = 0; k < 2 * cols; k++) {
      double v = G[k];
      if (!(v >= 0 && v < T && v == floor(v))) {
        free(pairs);
        free(Wd);
        return mtl__err(MTL_EFORMAT,
                        "signs: model sign_graph edge %d holds %g, not a "
                        "task index in [0, %d)",
                        k / 2, v, T);
      }
      pairs[k] = (int)v;
    }
    np = cols;
  } else if (kind && !strcmp(kind, "pairs")) {
    pairs = mtl__malloc(sizeof(int)); /* an explicit empty graph */
    if (!pairs) {
      free(Wd);
      return MTL_ENOMEM;
    }
    np = 0;
  }
  rc = mtl_signs_compute(Wd, d, T, pairs, np, tol, out);
  free(pairs);
  free(Wd);
  return rc;
}

int mtl_srml_read_graph(const char *path, int T, int **pairs, int *npairs) {
  if (!path || !pairs || !npairs)
    return mtl__err(MTL_EINVAL, "sign graph: NULL argument");
  *pairs = NULL;
  *npairs = 0;
  if (T < 2)
    return mtl__err(MTL_EINVAL, "sign graph %s: T = %d; need >= 2 tasks",
                    path, T);
  mtl_graph *g = NULL;
  int rc = mtl__graph_read(path, T, "task", 0, &g);
  if (rc)
    return mtl__err_prefix(rc, "sign graph");
  const int *e;
  int E = mtl__graph_edges(g, &e);
  if (E == 0) {
    mtl_graph_free(g);
    return mtl__err(MTL_EFORMAT, "sign graph %s: no edge", path);
  }
  int *P = mtl__malloc((size_t)E * 2 * sizeof(int));
  if (P) {
    memcpy(P, e, (size_t)E * 2 * sizeof(int));
    *pairs = P;
    *npairs = E;
  }
  mtl_graph_free(g);
  return P ? MTL_OK : MTL_ENOMEM;
}
