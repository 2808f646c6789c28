/*
 * problem_loss.c -- the smooth part of the regularized MTL problem (see
 * problem.c): the per-task losses and their gradient, computed in parallel
 * per task (through a Gram matrix, streaming the raw rows once, or as two
 * matrix products for a shared design), each sample weighted by its sample
 * weight s_i where the dataset has them (the Gram data is then X'SX), and
 * the regularizer's value and proximal step on the penalized rows.
 */
#include "problem.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- smooth part ---------------------------------------------------------- */

typedef struct {
  mtl_problem *pb;
  const double *W;
  double *grad; /* may be NULL */
  int stats;    /* also fill task_rr / task_yr (squared loss) */
} loss_job;

/* One task through its Gram matrix: O(d^2). */
static void task_loss_gram(mtl_problem *pb, int t, const double *w,
                           double *g, double *q, int stats) {
  int d = pb->d;
  mtl__gemv(0, d, d, 1.0, pb->G[t], d, w, 0.0, q);
  double wq = mtl__dot(d, w, q), bw = mtl__dot(d, pb->b[t], w);
  double rr = wq - 2 * bw + pb->yy[t];
  if (rr < 0)
    rr = 0; /* rounding */
  pb->task_f[t] = pb->scale[t] * 0.5 * rr;
  if (stats) {
    pb->task_rr[t] = rr;
    pb->task_yr[t] = pb->yy[t] - bw;
  }
  if (g) {
    for (int j = 0; j < d; j++)
      g[j] = pb->scale[t] * (q[j] - pb->b[t][j]);
  }
}

/* The certificate's residual statistics of n samples, r = y - z: *rr +=
 * sum s_i r_i^2 and *yr += sum s_i y_i r_i (s NULL: all 1). */
static void residual_stats(const double *z, const double *y, const double *s,
                           int n, double *rr, double *yr) {
  for (int i = 0; i < n; i++) {
    double r = y[i] - z[i], w = s ? s[i] : 1.0;
    *rr += w * r * r;
    *yr += w * y[i] * r;
  }
}

/* One task from raw data, streaming X_t once in row blocks: z = X_b w,
 * dz = l'(z), g += X_b' dz while the block is still in cache. */
static void task_loss_raw(mtl_problem *pb, int t, const double *w, double *g,
                          int worker, int stats) {
  const mtl_dataset *ds = pb->ds;
  const mtl__task *tk = &ds->tasks[t];
  int d = pb->d;
  double *z = pb->zbuf[worker], *dz = pb->dzbuf[worker];
  mtl_loss l = (mtl_loss)pb->task_loss[t];
  double f = 0, rr = 0, yr = 0;
  if (g)
    memset(g, 0, (size_t)d * sizeof(double));
  for (int i0 = 0; i0 < tk->n; i0 += MTL__BLOCK_ROWS) {
    int nb = tk->n - i0 < MTL__BLOCK_ROWS ? tk->n - i0 : MTL__BLOCK_ROWS;
    const double *yb = tk->y + i0, *sb = tk->sw ? tk->sw + i0 : NULL;
    if (tk->X) {
      mtl__gemv_rm(0, nb, d, 1.0, tk->X + (size_t)i0 * d, d, w, 0.0, z);
    } else {
      for (int i = 0; i < nb; i++) {
        double s = 0;
        for (int64_t p = tk->indptr[i0 + i]; p < tk->indptr[i0 + i + 1]; p++)
          s += tk->values[p] * w[tk->indices[p]];
        z[i] = s;
      }
    }
    if (stats)
      residual_stats(z, yb, sb, nb, &rr, &yr);
    f += mtl__loss_eval_w(l, z, yb, sb, nb, g ? dz : NULL);
    if (!g)
      continue;
    if (tk->X) {
      mtl__gemv_rm(1, nb, d, 1.0, tk->X + (size_t)i0 * d, d, dz, 1.0, g);
    } else {
      for (int i = 0; i < nb; i++)
        for (int64_t p = tk->indptr[i0 + i]; p < tk->indptr[i0 + i + 1]; p++)
          g[tk->indices[p]] += dz[i] * tk->values[p];
    }
  }
  pb->task_f[t] = pb->scale[t] * f;
  if (stats) {
    pb->task_rr[t] = rr;
    pb->task_yr[t] = yr;
  }
  if (g)
    mtl__scal(d, pb->scale[t], g);
}

static void loss_range(void *ctx, int lo, int hi, int worker) {
  loss_job *j = ctx;
  mtl_problem *pb = j->pb;
  int d = pb->d;
  for (int t = lo; t < hi; t++) {
    const double *w = j->W + (size_t)t * d;
    double *g = j->grad ? j->grad + (size_t)t * d : NULL;
    if (pb->use_gram[t])
      task_loss_gram(pb, t, w, g, pb->zbuf[worker], j->stats);
    else
      task_loss_raw(pb, t, w, g, worker, j->stats);
  }
}

/* Shared design with one Gram matrix: Q = G W as one matrix product. */
static void shared_gram_loss(mtl_problem *pb, const double *W, double *grad,
                             int stats) {
  int d = pb->d, T = pb->T;
  double *Q = pb->scratch; /* d x T */
  mtl__gemm(0, 0, d, T, d, 1.0, pb->G[0], d, W, d, 0.0, Q, d);
  for (int t = 0; t < T; t++) {
    const double *w = W + (size_t)t * d, *q = Q + (size_t)t * d;
    double wq = mtl__dot(d, w, q), bw = mtl__dot(d, pb->b[t], w);
    double rr = wq - 2 * bw + pb->yy[t];
    if (rr < 0)
      rr = 0;
    pb->task_f[t] = pb->scale[t] * 0.5 * rr;
    if (stats) {
      pb->task_rr[t] = rr;
      pb->task_yr[t] = pb->yy[t] - bw;
    }
    if (grad) {
      double *g = grad + (size_t)t * d;
      for (int k = 0; k < d; k++)
        g[k] = pb->scale[t] * (q[k] - pb->b[t][k]);
    }
  }
}

/* Shared design from raw data: Z = X W and grad = X' D as two matrix
 * products, reading X twice per evaluation whatever T is (per-task passes
 * would read it 2T times).  X is row-major n x d, i.e. column-major d x n. */
static void shared_raw_loss(mtl_problem *pb, const double *W, double *grad,
                            int stats) {
  const mtl_dataset *ds = pb->ds;
  int d = pb->d, T = pb->T, n = ds->tasks[0].n;
  double *Z = pb->Zs, *D = pb->DZs;
  mtl__gemm(1, 0, n, T, d, 1.0, ds->shared_X, d, W, d, 0.0, Z, n);
  for (int t = 0; t < T; t++) {
    const double *z = Z + (size_t)t * n, *y = ds->tasks[t].y;
    const double *sw = ds->tasks[t].sw;
    double *dz = D + (size_t)t * n;
    pb->task_f[t] =
        pb->scale[t] * mtl__loss_eval_w((mtl_loss)pb->task_loss[t], z, y, sw,
                                        n, grad ? dz : NULL);
    if (grad)
      mtl__scal(n, pb->scale[t], dz);
    if (stats) {
      double rr = 0, yr = 0;
      residual_stats(z, y, sw, n, &rr, &yr);
      pb->task_rr[t] = rr;
      pb->task_yr[t] = yr;
    }
  }
  if (grad)
    mtl__gemm(0, 0, d, T, n, 1.0, ds->shared_X, d, D, n, 0.0, grad, d);
}

int mtl__problem_loss_stats(mtl_problem *pb, const double *W, double *f,
                            double *grad, int stats) {
  if (pb->shared_gram) {
    shared_gram_loss(pb, W, grad, stats);
  } else if (pb->Zs) {
    shared_raw_loss(pb, W, grad, stats);
  } else {
    loss_job job = {.pb = pb, .W = W, .grad = grad, .stats = stats};
    mtl__pool_run(pb->pool, pb->T, loss_range, &job);
  }
  double s = 0;
  for (int t = 0; t < pb->T; t++) /* fixed order: reproducible */
    s += pb->task_f[t];
  if (!isfinite(s))
    return mtl__err(MTL_ENUMERIC, "loss is not finite (%g): diverging "
                                  "iterate or extreme data", s);
  *f = s;
  return MTL_OK;
}

int mtl_problem_loss(mtl_problem *pb, const double *W, double *f,
                     double *grad) {
  if (!pb || !W || !f)
    return mtl__err(MTL_EINVAL, "mtl_problem_loss: NULL argument");
  return mtl__problem_loss_stats(pb, W, f, grad, 0);
}

/* ---- regularizer on the penalized rows ------------------------------------ */

/* Copies rows [0, d_pen) of W (d x T) into dst (d_pen x T); dst may be W
 * (columns move towards the front, so memmove in task order is safe). */
void mtl__problem_pack_rows(const mtl_problem *pb, const double *W,
                            double *dst) {
  for (int t = 0; t < pb->T; t++)
    memmove(dst + (size_t)t * pb->d_pen, W + (size_t)t * pb->d,
            (size_t)pb->d_pen * sizeof(double));
}

double mtl__problem_reg_value(const mtl_problem *pb, const double *W) {
  if (pb->d_pen == pb->d)
    return mtl_reg_value(&pb->p.reg, W, pb->d, pb->T);
  mtl__problem_pack_rows(pb, W, pb->scratch);
  return mtl_reg_value(&pb->p.reg, pb->scratch, pb->d_pen, pb->T);
}

int mtl__problem_prox(mtl_problem *pb, double step, const double *V,
                      double *out) {
  return mtl__problem_prox_val(pb, step, V, out, NULL);
}

int mtl__problem_prox_val(mtl_problem *pb, double step, const double *V,
                          double *out, double *gval) {
  if (pb->d_pen == pb->d)
    return mtl__reg_prox_val(&pb->p.reg, step, V, pb->d, pb->T, out, gval,
                             0);
  int d = pb->d, T = pb->T;
  mtl__problem_pack_rows(pb, V, pb->scratch);
  int rc = mtl__reg_prox_val(&pb->p.reg, step, pb->scratch, pb->d_pen, T,
                             pb->scratch, gval, 0);
  if (rc)
    return rc;
  for (int t = 0; t < T; t++) {
    double last = V[(size_t)t * d + d - 1];
    memcpy(out + (size_t)t * d, pb->scratch + (size_t)t * pb->d_pen,
           (size_t)pb->d_pen * sizeof(double));
    out[(size_t)t * d + d - 1] = last;
  }
  return MTL_OK;
}

int mtl_problem_objective(mtl_problem *pb, const double *W, double *obj) {
  double f;
  if (!pb || !W || !obj)
    return mtl__err(MTL_EINVAL, "mtl_problem_objective: NULL argument");
  int rc = mtl__problem_loss_stats(pb, W, &f, NULL, 0);
  if (rc)
    return rc;
  *obj = f + mtl__problem_reg_value(pb, W);
  return MTL_OK;
}
