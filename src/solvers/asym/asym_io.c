/*
 * asym_io.c -- outputs of asymmetric MTL: the transfer graph B in Graphviz
 * DOT (edge s -> t weighted by B_st, node size by task loss) and CSV, both
 * written atomically (temporary file + rename), and the conversion of a fit
 * result into an mtl_model.
 */
#define _POSIX_C_SOURCE 200809L
#include "asym_impl.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct graph_ctx {
  int T;
  const double *B, *loss;
  const char *const *names;
  double min_weight;
} graph_ctx;

/* DOT identifiers are quoted; quotes and backslashes are escaped. */
static void put_name(FILE *f, const graph_ctx *g, int t) {
  fputc('"', f);
  if (g->names && g->names[t]) {
    for (const char *c = g->names[t]; *c; c++) {
      if (*c == '"' || *c == '\\')
        fputc('\\', f);
      if (*c != '\n' && *c != '\r')
        fputc(*c, f);
    }
  } else {
    fprintf(f, "t%d", t + 1);
  }
  fputc('"', f);
}

static void dot_body(FILE *f, void *vctx) {
  const graph_ctx *g = vctx;
  int T = g->T;
  double lmin = INFINITY, lmax = -INFINITY, bmax = 0;
  for (int t = 0; t < T; t++)
    if (g->loss) {
      lmin = fmin(lmin, g->loss[t]);
      lmax = fmax(lmax, g->loss[t]);
    }
  for (size_t i = 0; i < (size_t)T * T; i++)
    bmax = fmax(bmax, g->B[i]);
  fputs("// transfer graph of asymmetric MTL: edge s -> t has weight B_st\n"
        "// (w_s helps reconstruct w_t); node width grows with task loss\n"
        "digraph amtl {\n  node [shape=circle, fixedsize=true];\n", f);
  for (int t = 0; t < T; t++) {
    double w = 0.6;
    fputs("  ", f);
    put_name(f, g, t);
    if (g->loss) {
      double r = lmax > lmin ? (g->loss[t] - lmin) / (lmax - lmin) : 0.5;
      w = 0.5 + r;
      fprintf(f, " [width=%.3f, tooltip=\"loss %.6g\"];\n", w, g->loss[t]);
    } else {
      fprintf(f, " [width=%.3f];\n", w);
    }
  }
  for (int t = 0; t < T; t++)
    for (int s = 0; s < T; s++) {
      double b = g->B[s + (size_t)t * T];
      if (s == t || !(b > g->min_weight))
        continue;
      fputs("  ", f);
      put_name(f, g, s);
      fputs(" -> ", f);
      put_name(f, g, t);
      fprintf(f, " [weight=%.6g, label=\"%.3g\", penwidth=%.3f];\n", b, b,
              bmax > 0 ? 0.5 + 4.5 * b / bmax : 1.0);
    }
  fputs("}\n", f);
}

static int check_B(int T, const double *B, const char *what) {
  if (T < 1 || !B)
    return mtl__err(MTL_EINVAL, "asym: %s: T = %d or B is NULL", what, T);
  for (size_t i = 0; i < (size_t)T * T; i++)
    if (!isfinite(B[i]))
      return mtl__err(MTL_EINVAL, "asym: %s: B[%d,%d] = %g is not finite",
                      what, (int)(i % (size_t)T) + 1,
                      (int)(i / (size_t)T) + 1, B[i]);
  return MTL_OK;
}

static int write_dot(FILE *f, void *ctx) {
  dot_body(f, ctx);
  return MTL_OK;
}

int mtl_asym_write_dot(int T, const double *B, const double *task_loss,
                       const char *const *names, double min_weight,
                       const char *path) {
  int rc = check_B(T, B, "DOT graph");
  if (rc)
    return rc;
  if (!(min_weight >= 0) || !isfinite(min_weight))
    return mtl__err(MTL_EINVAL, "asym: DOT graph: min_weight = %g must be >= 0",
                    min_weight);
  graph_ctx g = {.T = T, .B = B, .loss = task_loss, .names = names,
                 .min_weight = min_weight};
  return mtl__write_atomic(path, "DOT graph", write_dot, &g);
}

static void csv_body(FILE *f, void *vctx) {
  const graph_ctx *g = vctx;
  int T = g->T;
  fputs("source", f);
  for (int t = 0; t < T; t++) {
    fputc(',', f);
    if (g->names && g->names[t])
      fputs(g->names[t], f);
    else
      fprintf(f, "t%d", t + 1);
  }
  fputc('\n', f);
  for (int s = 0; s < T; s++) {
    if (g->names && g->names[s])
      fputs(g->names[s], f);
    else
      fprintf(f, "t%d", s + 1);
    for (int t = 0; t < T; t++)
      fprintf(f, ",%.17g", g->B[s + (size_t)t * T]);
    fputc('\n', f);
  }
}

static int write_csv(FILE *f, void *ctx) {
  csv_body(f, ctx);
  return MTL_OK;
}

int mtl_asym_write_csv(int T, const double *B, const char *const *names,
                       const char *path) {
  int rc = check_B(T, B, "CSV of B");
  if (rc)
    return rc;
  if (names)
    for (int t = 0; t < T; t++)
      if (names[t] && strpbrk(names[t], ",\"\n\r"))
        return mtl__err(MTL_EINVAL,
                        "asym: CSV of B: task %d name '%s' contains a comma, "
                        "quote or newline",
                        t + 1, names[t]);
  graph_ctx g = {.T = T, .B = B, .names = names};
  return mtl__write_atomic(path, "CSV of B", write_csv, &g);
}

int mtl_asym_model_write_dot(const mtl_model *m, double min_weight,
                             const char *path) {
  if (!m)
    return mtl__err(MTL_EINVAL, "asym: model is NULL");
  int r, c, rl, cl;
  const double *B = mtl_model_get_matrix(m, "B", &r, &c);
  if (!B)
    return mtl__err(MTL_ENOTFOUND,
                    "asym: the model has no transfer matrix 'B' (train it "
                    "with an asym method)");
  if (r != c || r != mtl_model_ntasks(m))
    return mtl__err(MTL_EDIM, "asym: model matrix 'B' is %d x %d, expected "
                              "%d x %d",
                    r, c, mtl_model_ntasks(m), mtl_model_ntasks(m));
  const double *loss = mtl_model_get_matrix(m, "task_loss", &rl, &cl);
  if (loss && (long)rl * cl != r)
    loss = NULL;
  return mtl_asym_write_dot(r, B, loss, NULL, min_weight, path);
}

int mtl_asym_to_model(const mtl_asym_result *res, const mtl_problem *pb,
                      const mtl_asym_params *p, const mtl_scaler *scaler,
                      mtl_model **out) {
  if (!out)
    return mtl__err(MTL_EINVAL, "asym_to_model: out is NULL");
  *out = NULL;
  if (!res || !res->W || !res->B || !pb || !p)
    return mtl__err(MTL_EINVAL, "asym_to_model: NULL or empty argument");
  if (res->d != pb->d || res->T != pb->T)
    return mtl__err(MTL_EDIM,
                    "asym_to_model: result is %d x %d but the problem is "
                    "%d x %d",
                    res->d, res->T, pb->d, pb->T);
  int T = res->T, rc;
  mtl_problem_params pp = pb->p;
  pp.task_loss = pb->task_loss;
  pp.reg.type = MTL_REG_NONE;
  pp.reg.R = NULL;
  pp.reg.R_cols = 0;
  mtl_model *m = mtl_model_create(res->d, T, res->W, &pp, scaler);
  if (!m)
    return mtl__err_prefix(MTL_ENOMEM, "asym_to_model");
  char buf[64];
  char *ord = NULL;
  rc = mtl_model_set_meta(m, "method", mtl_asym_variant_name(p->variant));
  snprintf(buf, sizeof buf, "%.17g", p->lambda);
  if (!rc)
    rc = mtl_model_set_meta(m, "lambda", buf);
  snprintf(buf, sizeof buf, "%.17g", p->mu);
  if (!rc)
    rc = mtl_model_set_meta(m, "mu", buf);
  if (!rc)
    rc = mtl_model_set_meta(m, "imbalance", p->imbalance ? "1" : "0");
  if (!rc)
    rc = mtl_model_set_matrix(m, "B", T, T, res->B);
  if (!rc && res->task_loss)
    rc = mtl_model_set_matrix(m, "task_loss", 1, T, res->task_loss);
  if (!rc && res->order) {
    ord = mtl__malloc((size_t)T * 12 + 1);
    if (!ord) {
      rc = MTL_ENOMEM;
    } else {
      size_t k = 0;
      for (int i = 0; i < T; i++)
        k += (size_t)sprintf(ord + k, i ? ",%d" : "%d", res->order[i] + 1);
      rc = mtl_model_set_meta(m, "order", ord);
    }
  }
  free(ord);
  if (rc) {
    mtl_model_free(m);
    return rc;
  }
  *out = m;
  return MTL_OK;
}
