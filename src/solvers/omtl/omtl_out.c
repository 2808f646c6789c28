/*
 * omtl_out.c -- outputs of an online run: the per-round CSV, the SVG plot
 * of the averaged cumulative error, the Omega heatmap, and the model.
 */
#include "omtl_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- outputs ---------------------------------------------------------------- */

typedef struct csv_ctx {
  const mtl_omtl_result *r;
  int every;
} csv_ctx;

static int csv_body(FILE *f, void *vctx) {
  const csv_ctx *c = vctx;
  const mtl_omtl_result *r = c->r;
  int every = c->every;
  fprintf(f, "round,avg,round_us");
  for (int k = 0; k < r->K; k++)
    fprintf(f, ",task%d", k + 1);
  fputc('\n', f);
  for (int64_t t = 0; t < r->rounds; t++) {
    if ((t + 1) % every != 0 && t != r->rounds - 1)
      continue;
    fprintf(f, "%lld,%.6g,%.3f", (long long)(t + 1), r->err_avg[t],
            r->round_sec ? 1e6 * r->round_sec[t] : 0.0);
    for (int k = 0; k < r->K; k++)
      fprintf(f, ",%.6g", r->err_task[t * r->K + k]);
    fputc('\n', f);
  }
  return MTL_OK;
}

int mtl_omtl_write_csv(const mtl_omtl_result *r, const char *path,
                       int every) {
  if (!r || !path || !r->err_avg)
    return mtl__err(MTL_EINVAL, "omtl_write_csv: empty result or NULL path");
  csv_ctx c = {r, every < 1 ? 1 : every};
  return mtl__write_atomic(path, "error curves (CSV)", csv_body, &c);
}

static const char *palette[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e",
                                "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                                "#bcbd22", "#17becf"};

typedef struct svg_ctx {
  const mtl_omtl_result *const *res;
  const char *const *labels;
  int n;
  const char *title;
  int64_t R;
  double ymax;
} svg_ctx;

static int svg_body(FILE *f, void *vctx);

int mtl_omtl_write_svg(const mtl_omtl_result *const *res,
                       const char *const *labels, int n, const char *title,
                       const char *path) {
  if (!res || n < 1 || !path)
    return mtl__err(MTL_EINVAL, "omtl_write_svg: no result or NULL path");
  int64_t R = 1;
  double ymax = 0;
  for (int i = 0; i < n; i++) {
    if (!res[i] || !res[i]->err_avg)
      return mtl__err(MTL_EINVAL, "omtl_write_svg: result %d is empty", i);
    if (res[i]->rounds > R)
      R = res[i]->rounds;
    for (int64_t t = res[i]->rounds / 20; t < res[i]->rounds; t++)
      if (res[i]->err_avg[t] > ymax)
        ymax = res[i]->err_avg[t];
  }
  ymax = ymax > 0 ? ceil(ymax * 10 + 0.5) / 10 : 1;
  if (ymax > 1)
    ymax = 1;
  svg_ctx c = {res, labels, n, title, R, ymax};
  return mtl__write_atomic(path, "plot (SVG)", svg_body, &c);
}

static int svg_body(FILE *f, void *vctx) {
  const svg_ctx *c = vctx;
  const mtl_omtl_result *const *res = c->res;
  const char *const *labels = c->labels;
  const char *title = c->title;
  int n = c->n;
  int64_t R = c->R;
  double ymax = c->ymax;
  const double W = 640, H = 400, L = 60, Rm = 170, Tm = 40, B = 50;
  fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%g\" "
             "height=\"%g\" font-family=\"sans-serif\" font-size=\"12\">\n",
          W, H);
  fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
  fprintf(f, "<text x=\"%g\" y=\"20\" text-anchor=\"middle\" "
             "font-size=\"14\">%s</text>\n",
          (W - Rm + L) / 2, title ? title : "cumulative error rate");
  double pw = W - L - Rm, ph = H - Tm - B;
  fprintf(f, "<rect x=\"%g\" y=\"%g\" width=\"%g\" height=\"%g\" "
             "fill=\"none\" stroke=\"black\"/>\n",
          L, Tm, pw, ph);
  for (int i = 0; i <= 5; i++) {
    double yv = ymax * i / 5, yy = Tm + ph - ph * i / 5;
    fprintf(f, "<text x=\"%g\" y=\"%g\" text-anchor=\"end\">%.2f</text>\n",
            L - 5, yy + 4, yv);
    double xv = (double)R * i / 5, xx = L + pw * i / 5;
    fprintf(f, "<text x=\"%g\" y=\"%g\" text-anchor=\"middle\">%.0f</text>\n",
            xx, Tm + ph + 18, xv);
  }
  fprintf(f, "<text x=\"%g\" y=\"%g\" text-anchor=\"middle\">round</text>\n",
          L + pw / 2, H - 10);
  fprintf(f, "<text x=\"15\" y=\"%g\" transform=\"rotate(-90 15 %g)\" "
             "text-anchor=\"middle\">averaged cumulative error</text>\n",
          Tm + ph / 2, Tm + ph / 2);
  for (int i = 0; i < n; i++) {
    const mtl_omtl_result *r = res[i];
    const char *col = palette[i % 10];
    fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" "
               "points=\"",
            col);
    int64_t step = r->rounds / 300 + 1;
    for (int64_t t = 0; t < r->rounds; t += step) {
      double e = r->err_avg[t];
      if (!isfinite(e))
        continue;
      if (e > ymax)
        e = ymax;
      fprintf(f, "%.1f,%.1f ", L + pw * (double)(t + 1) / (double)R,
              Tm + ph - ph * e / ymax);
    }
    fprintf(f, "\"/>\n");
    fprintf(f, "<line x1=\"%g\" y1=\"%g\" x2=\"%g\" y2=\"%g\" stroke=\"%s\" "
               "stroke-width=\"2\"/>\n",
            W - Rm + 10, Tm + 15 + 18.0 * i, W - Rm + 30, Tm + 15 + 18.0 * i,
            col);
    fprintf(f, "<text x=\"%g\" y=\"%g\">%s (%.3f)</text>\n", W - Rm + 35,
            Tm + 19 + 18.0 * i, labels && labels[i] ? labels[i] : "?",
            r->rounds ? r->err_avg[r->rounds - 1] : NAN);
  }
  fprintf(f, "</svg>\n");
  return MTL_OK;
}

typedef struct heat_ctx {
  const double *A;
  int K;
  const char *title;
  double amax;
} heat_ctx;

static int heat_body(FILE *f, void *vctx);

int mtl_omtl_write_heatmap(const double *A, int K, const char *title,
                           const char *path) {
  if (!A || K < 1 || !path)
    return mtl__err(MTL_EINVAL, "omtl_write_heatmap: bad argument");
  double amax = 0;
  for (size_t i = 0; i < (size_t)K * K; i++)
    if (fabs(A[i]) > amax)
      amax = fabs(A[i]);
  if (amax == 0)
    amax = 1;
  heat_ctx c = {A, K, title, amax};
  return mtl__write_atomic(path, "heatmap (SVG)", heat_body, &c);
}

static int heat_body(FILE *f, void *vctx) {
  const heat_ctx *c = vctx;
  const double *A = c->A;
  int K = c->K;
  const char *title = c->title;
  double amax = c->amax;
  double cell = K <= 10 ? 40 : 400.0 / K, off = 40;
  fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%g\" "
             "height=\"%g\" font-family=\"sans-serif\" font-size=\"11\">\n",
          off + cell * K + 20, off + cell * K + 20);
  fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
  fprintf(f, "<text x=\"%g\" y=\"20\">%s (max |entry| %.3g; red +, blue "
             "-)</text>\n",
          off, title ? title : "Omega", amax);
  for (int a = 0; a < K; a++)
    for (int b = 0; b < K; b++) {
      double v = A[a + (size_t)b * K] / amax;
      int lev = (int)(255 * (1 - fabs(v)));
      fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                 "fill=\"rgb(%d,%d,%d)\"><title>%d,%d: %.4g</title></rect>\n",
              off + cell * b, off + cell * a, cell, cell, v >= 0 ? 255 : lev,
              lev, v >= 0 ? lev : 255, a + 1, b + 1, A[a + (size_t)b * K]);
    }
  fprintf(f, "</svg>\n");
  return MTL_OK;
}

int mtl_omtl_to_model(const mtl_omtl_result *r, const mtl_omtl_params *p,
                      mtl_model **out) {
  if (!out)
    return mtl__err(MTL_EINVAL, "omtl_to_model: out is NULL");
  *out = NULL;
  if (!r || !r->W || !p)
    return mtl__err(MTL_EINVAL, "omtl_to_model: empty result or NULL params");
  mtl_problem_params pp;
  mtl_problem_params_init(&pp);
  pp.loss = MTL_LOSS_HINGE;
  pp.reg.type = MTL_REG_NONE;
  pp.reg.lambda = 0;
  mtl_model *m = mtl_model_create(r->d, r->K, r->W, &pp, NULL);
  if (!m)
    return mtl__err_prefix(MTL_ENOMEM, "omtl_to_model");
  char buf[64];
  int rc = mtl_model_set_meta(m, "method", mtl__omtl_method_name(p->method));
  if (!rc)
    rc = mtl_model_set_meta(m, "variant", p->variant == MTL_OMTL_EXACT
                                              ? "exact"
                                              : "paper");
  const char *keys[] = {"rho", "lambda1", "lambda2", "lambda3", "lambda4",
                        "eta", "eps"};
  double vals[] = {p->rho, p->lambda1, p->lambda2, p->lambda3, p->lambda4,
                   r->eta, p->eps};
  for (int i = 0; i < 7 && !rc; i++) {
    snprintf(buf, sizeof buf, "%.17g", vals[i]);
    rc = mtl_model_set_meta(m, keys[i], buf);
  }
  if (!rc)
    rc = mtl_model_set_meta(m, "learn_omega", p->learn_omega ? "1" : "0");
  if (!rc)
    rc = mtl_model_set_meta(m, "normalize", p->normalize ? "1" : "0");
  if (!rc && r->Omega)
    rc = mtl_model_set_matrix(m, "Omega", r->K, r->K, r->Omega);
  if (!rc && r->V)
    rc = mtl_model_set_matrix(m, "V", r->d, r->K, r->V);
  if (!rc && r->u)
    rc = mtl_model_set_matrix(m, "u", r->d, 1, r->u);
  if (rc) {
    mtl_model_free(m);
    return rc;
  }
  *out = m;
  return MTL_OK;
}
