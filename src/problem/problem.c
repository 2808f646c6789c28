/*
 * problem.c -- the regularized multi-task problem
 *
 *     F(W) = sum_t c_t s(n_t) sum_i l_t(x_ti' w_t, y_ti) + lambda g(W)
 *            + ridge ||W||_F^2
 *
 * on a dataset: validation, precomputation (Gram matrices, Lipschitz
 * estimates), the smooth part's value and gradient computed per task in
 * parallel, the proximal step on the penalized rows, and the optimality
 * certificate (duality gap where a closed-form dual exists, proximal
 * fixed-point residual always).
 */
#include "internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void mtl_problem_params_init(mtl_problem_params *p) {
  *p = (mtl_problem_params){
      .loss = MTL_LOSS_AUTO,
      .task_loss = NULL,
      .scaling = MTL_SCALE_MEAN,
      .unpenalized_last = 0,
      .gram = -1,
      .threads = 1,
  };
  mtl_reg_init(&p->reg);
}

double mtl__scaling_factor(mtl_scaling s, int n) {
  switch (s) {
  case MTL_SCALE_SUM:
    return 1.0;
  case MTL_SCALE_MEAN:
    return 1.0 / n;
  case MTL_SCALE_DOUBLE_SUM:
    return 2.0;
  case MTL_SCALE_DOUBLE_MEAN:
    return 2.0 / n;
  }
  return 1.0;
}

static int valid_loss(int l) {
  return l >= MTL_LOSS_SQUARED && l <= MTL_LOSS_HINGE;
}

/* Validates every field, reporting the first bad one by name. */
static int check_params(const mtl_dataset *ds, const mtl_problem_params *p) {
  if (!ds)
    return mtl__err(MTL_EINVAL, "problem: dataset is NULL");
  if (ds->T < 1)
    return mtl__err(MTL_EINVAL, "problem: dataset has no tasks");
  if (p->loss != MTL_LOSS_AUTO && !valid_loss(p->loss))
    return mtl__err(MTL_EINVAL, "problem: loss = %d is not a valid loss",
                    (int)p->loss);
  if (p->task_loss)
    for (int t = 0; t < ds->T; t++)
      if (p->task_loss[t] != MTL_LOSS_AUTO && !valid_loss(p->task_loss[t]))
        return mtl__err(MTL_EINVAL, "problem: task_loss[%d] = %d is invalid",
                        t, p->task_loss[t]);
  if ((int)p->scaling < MTL_SCALE_SUM || p->scaling > MTL_SCALE_DOUBLE_MEAN)
    return mtl__err(MTL_EINVAL, "problem: scaling = %d is invalid",
                    (int)p->scaling);
  if ((int)p->reg.type < MTL_REG_NONE || p->reg.type > MTL_REG_GRAPH)
    return mtl__err(MTL_EINVAL, "problem: reg.type = %d is invalid",
                    (int)p->reg.type);
  if (!(p->reg.lambda >= 0) || !isfinite(p->reg.lambda))
    return mtl__err(MTL_EINVAL, "problem: reg.lambda = %g must be >= 0",
                    p->reg.lambda);
  if (!(p->reg.ridge >= 0) || !isfinite(p->reg.ridge))
    return mtl__err(MTL_EINVAL, "problem: reg.ridge = %g must be >= 0",
                    p->reg.ridge);
  if (p->reg.type == MTL_REG_GRAPH && (!p->reg.R || p->reg.R_cols < 1))
    return mtl__err(MTL_EINVAL,
                    "problem: reg graph needs R (T x E) with R_cols >= 1");
  if (p->unpenalized_last && ds->d < 2)
    return mtl__err(MTL_EINVAL,
                    "problem: unpenalized_last needs d >= 2 (d = %d)", ds->d);
  if (p->gram < -1 || p->gram > 1)
    return mtl__err(MTL_EINVAL, "problem: gram = %d must be -1, 0 or 1",
                    p->gram);
  if (p->threads < 0 || p->threads > 1024)
    return mtl__err(MTL_EINVAL, "problem: threads = %d must be in [0, 1024]",
                    p->threads);
  for (int t = 0; t < ds->T; t++)
    if (ds->tasks[t].n < 1)
      return mtl__err(MTL_EINVAL, "problem: task %d (%s) has no samples",
                      t + 1, ds->tasks[t].name);
  return MTL_OK;
}

/* Estimate of ||X_t||_2^2, the largest eigenvalue of X_t'X_t, by power
 * iteration: on the Gram matrix when there is one (O(d^2) a step), else
 * through two passes over X_t a step (so fewer steps).  It only starts the
 * backtracking line search and scales the fixed-point residual, both of
 * which accept any positive value, so an estimate inflated by 5% suffices
 * and a full eigendecomposition (O(d^3) per task) is not worth its cost.
 * Tasks sharing one X (shared design) are estimated once by the caller. */
static int task_sqnorm(mtl_problem *pb, int t, double *out) {
  int d = pb->d, gram = pb->G && pb->G[t];
  int n = pb->ds->tasks[t].n, steps = gram ? 30 : 8;
  double *v = mtl__malloc((size_t)d * sizeof(double));
  double *u = mtl__malloc((size_t)d * sizeof(double));
  double *z = gram ? NULL : mtl__malloc((size_t)n * sizeof(double));
  if (!v || !u || (!gram && !z)) {
    free(v);
    free(u);
    free(z);
    return MTL_ENOMEM;
  }
  mtl__rng r;
  mtl__rng_seed(&r, 12345u + (uint64_t)t);
  for (int j = 0; j < d; j++)
    v[j] = mtl__rng_normal(&r);
  double lam = 0;
  for (int it = 0; it < steps; it++) {
    double nv = mtl__nrm2(d, v);
    if (nv == 0)
      break;
    mtl__scal(d, 1.0 / nv, v);
    if (gram) {
      mtl__gemv(0, d, d, 1.0, pb->G[t], d, v, 0.0, u);
    } else {
      mtl__task_matvec(pb->ds, t, v, z);
      memset(u, 0, (size_t)d * sizeof(double));
      mtl__task_matvec_t(pb->ds, t, 1.0, z, u);
    }
    lam = mtl__dot(d, u, v);
    memcpy(v, u, (size_t)d * sizeof(double));
  }
  *out = lam * 1.05;
  free(v);
  free(u);
  free(z);
  return MTL_OK;
}

static int build_gram(mtl_problem *pb) {
  const mtl_dataset *ds = pb->ds;
  int d = pb->d, T = pb->T;
  pb->use_gram = mtl__calloc((size_t)T, sizeof(int));
  pb->G = mtl__calloc((size_t)T, sizeof(double *));
  pb->b = mtl__calloc((size_t)T, sizeof(double *));
  pb->yy = mtl__calloc((size_t)T, sizeof(double));
  if (!pb->use_gram || !pb->G || !pb->b || !pb->yy)
    return MTL_ENOMEM;
  int any = 0;
  for (int t = 0; t < T; t++) {
    const mtl__task *tk = &ds->tasks[t];
    int want = pb->task_loss[t] == MTL_LOSS_SQUARED &&
               (pb->p.gram == 1 || (pb->p.gram == -1 && tk->X && tk->n > d));
    pb->use_gram[t] = want;
    any |= want;
  }
  if (!any)
    return MTL_OK;
  size_t dd = (size_t)d * d;
  double *shared = NULL;
  int all_shared = ds->shared;
  for (int t = 0; t < T && all_shared; t++)
    all_shared = pb->use_gram[t];
  for (int t = 0; t < T; t++) {
    if (!pb->use_gram[t])
      continue;
    const mtl__task *tk = &ds->tasks[t];
    pb->b[t] = mtl__calloc((size_t)d, sizeof(double));
    if (!pb->b[t])
      return MTL_ENOMEM;
    mtl__task_matvec_t(ds, t, 1.0, tk->y, pb->b[t]);
    pb->yy[t] = mtl__dot(tk->n, tk->y, tk->y);
    if (all_shared && shared) {
      pb->G[t] = shared;
      continue;
    }
    double *G = mtl__calloc(dd, sizeof(double));
    if (!G)
      return MTL_ENOMEM;
    if (tk->X) {
      mtl__gram_rm(tk->n, d, 1.0, tk->X, d, 0.0, G);
    } else {
      for (int i = 0; i < tk->n; i++)
        for (int64_t p = tk->indptr[i]; p < tk->indptr[i + 1]; p++)
          for (int64_t q = tk->indptr[i]; q < tk->indptr[i + 1]; q++)
            G[tk->indices[p] + (size_t)tk->indices[q] * d] +=
                tk->values[p] * tk->values[q];
    }
    pb->G[t] = G;
    if (all_shared)
      shared = G;
  }
  pb->shared_gram = all_shared;
  return MTL_OK;
}

/* For an unpenalized last feature z_t = X_t e_{d-1}: X_t'z_t, z_t'z_t and
 * z_t'y_t per task, used to make the dual point satisfy the equality
 * constraint z_t'theta_t = 0 that the unpenalized row imposes. */
static int build_bias_stats(mtl_problem *pb) {
  int d = pb->d, T = pb->T;
  pb->gz = mtl__calloc((size_t)d * T, sizeof(double));
  pb->zz = mtl__calloc((size_t)T, sizeof(double));
  pb->zy = mtl__calloc((size_t)T, sizeof(double));
  double *e = mtl__calloc((size_t)d, sizeof(double));
  double *z = mtl__malloc((size_t)pb->max_n * sizeof(double));
  int rc = MTL_ENOMEM;
  if (!pb->gz || !pb->zz || !pb->zy || !e || !z)
    goto done;
  e[d - 1] = 1.0;
  for (int t = 0; t < T; t++) {
    const mtl__task *tk = &pb->ds->tasks[t];
    mtl__task_matvec(pb->ds, t, e, z);
    mtl__task_matvec_t(pb->ds, t, 1.0, z, pb->gz + (size_t)t * d);
    pb->zz[t] = mtl__dot(tk->n, z, z);
    pb->zy[t] = mtl__dot(tk->n, z, tk->y);
  }
  rc = MTL_OK;
done:
  free(e);
  free(z);
  return rc;
}

int mtl_problem_create(const mtl_dataset *ds, const mtl_problem_params *p,
                       mtl_problem **out) {
  mtl_problem_params defaults;
  if (!out)
    return mtl__err(MTL_EINVAL, "mtl_problem_create: out is NULL");
  *out = NULL;
  if (!p) {
    mtl_problem_params_init(&defaults);
    p = &defaults;
  }
  int rc = check_params(ds, p);
  if (rc)
    return rc;
  int T = ds->T, d = ds->d;
  if (p->reg.type == MTL_REG_GRAPH && p->reg.R_cols < 1)
    return mtl__err(MTL_EINVAL, "problem: graph R has no columns");
  mtl_problem *pb = mtl__calloc(1, sizeof *pb);
  if (!pb)
    return MTL_ENOMEM;
  pb->ds = ds;
  pb->d = d;
  pb->T = T;
  pb->p = *p;
  pb->p.task_loss = NULL;
  pb->d_pen = p->unpenalized_last ? d - 1 : d;
  atomic_init(&pb->interrupt, 0);
  rc = MTL_ENOMEM;
  pb->task_loss = mtl__calloc((size_t)T, sizeof(int));
  pb->scale = mtl__calloc((size_t)T, sizeof(double));
  pb->Lt = mtl__calloc((size_t)T, sizeof(double));
  pb->task_f = mtl__calloc((size_t)T, sizeof(double));
  pb->task_rr = mtl__calloc((size_t)T, sizeof(double));
  pb->task_yr = mtl__calloc((size_t)T, sizeof(double));
  pb->scratch = mtl__calloc((size_t)d * T, sizeof(double));
  if (!pb->task_loss || !pb->scale || !pb->Lt || !pb->task_f ||
      !pb->task_rr || !pb->task_yr || !pb->scratch)
    goto fail;
  if (p->reg.type == MTL_REG_GRAPH) {
    size_t nR = (size_t)T * p->reg.R_cols;
    pb->R = mtl__malloc(nR * sizeof(double));
    if (!pb->R)
      goto fail;
    memcpy(pb->R, p->reg.R, nR * sizeof(double));
    for (size_t k = 0; k < nR; k++)
      if (!isfinite(pb->R[k])) {
        rc = mtl__err(MTL_EINVAL, "problem: graph R entry %zu is not finite",
                      k);
        goto fail;
      }
    pb->p.reg.R = pb->R;
  } else {
    pb->p.reg.R = NULL;
    pb->p.reg.R_cols = 0;
  }
  for (int t = 0; t < T; t++) {
    int l = mtl__loss_resolve(p->task_loss ? p->task_loss[t] : p->loss,
                              ds->tasks[t].kind);
    if (l != MTL_LOSS_SQUARED &&
        ds->tasks[t].kind != MTL_TASK_CLASSIFICATION) {
      rc = mtl__err(MTL_EINVAL,
                    "problem: task %d (%s) has real-valued targets but loss "
                    "%s needs labels in {-1,+1}",
                    t + 1, ds->tasks[t].name, mtl_loss_name((mtl_loss)l));
      goto fail;
    }
    pb->task_loss[t] = l;
    pb->scale[t] =
        ds->tasks[t].weight * mtl__scaling_factor(p->scaling, ds->tasks[t].n);
    if (ds->tasks[t].n > pb->max_n)
      pb->max_n = ds->tasks[t].n;
  }
  rc = build_gram(pb);
  if (rc)
    goto fail;
  if (pb->d_pen < d) {
    rc = build_bias_stats(pb);
    if (rc)
      goto fail;
  }
  if (ds->shared && !pb->shared_gram) {
    int any_gram = 0;
    for (int t = 0; t < T; t++)
      any_gram |= pb->use_gram[t];
    if (!any_gram) {
      size_t nT = (size_t)ds->tasks[0].n * T;
      pb->Zs = mtl__malloc(nT * sizeof(double));
      pb->DZs = mtl__malloc(nT * sizeof(double));
      if (!pb->Zs || !pb->DZs) {
        rc = MTL_ENOMEM;
        goto fail;
      }
    }
  }
  rc = mtl__pool_create(p->threads, &pb->pool);
  if (rc)
    goto fail;
  int P = mtl__pool_size(pb->pool);
  int blk = pb->max_n < MTL__BLOCK_ROWS ? pb->max_n : MTL__BLOCK_ROWS;
  rc = MTL_ENOMEM;
  pb->zbuf = mtl__calloc((size_t)P, sizeof(double *));
  pb->dzbuf = mtl__calloc((size_t)P, sizeof(double *));
  pb->zbuf_all = mtl__calloc((size_t)P * (blk + d), sizeof(double));
  pb->dzbuf_all = mtl__calloc((size_t)P * blk, sizeof(double));
  if (!pb->zbuf || !pb->dzbuf || !pb->zbuf_all || !pb->dzbuf_all)
    goto fail;
  for (int w = 0; w < P; w++) {
    pb->zbuf[w] = pb->zbuf_all + (size_t)w * (blk + d);
    pb->dzbuf[w] = pb->dzbuf_all + (size_t)w * blk;
  }
  pb->L = 0;
  double s2 = 0;
  for (int t = 0; t < T; t++) {
    if (t == 0 || !ds->shared) { /* shared design: one X, one estimate */
      rc = task_sqnorm(pb, t, &s2);
      if (rc)
        goto fail;
    }
    double Ll = pb->task_loss[t] == MTL_LOSS_HINGE
                    ? 1.0
                    : mtl_loss_lipschitz((mtl_loss)pb->task_loss[t]);
    pb->Lt[t] = pb->scale[t] * Ll * s2;
    if (pb->Lt[t] > pb->L)
      pb->L = pb->Lt[t];
  }
  if (!(pb->L > 0))
    pb->L = 1.0; /* all-zero data: any step works */
  *out = pb;
  return MTL_OK;
fail:
  mtl_problem_free(pb);
  return rc ? rc : MTL_ENOMEM;
}

void mtl_problem_free(mtl_problem *pb) {
  if (!pb)
    return;
  mtl__pool_free(pb->pool);
  if (pb->G) {
    for (int t = 0; t < pb->T; t++) {
      if (pb->shared_gram && t > 0)
        break;
      free(pb->G[t]);
    }
  }
  if (pb->b)
    for (int t = 0; t < pb->T; t++)
      free(pb->b[t]);
  free(pb->G);
  free(pb->b);
  free(pb->yy);
  free(pb->use_gram);
  free(pb->task_loss);
  free(pb->R);
  free(pb->scale);
  free(pb->Lt);
  free(pb->task_f);
  free(pb->task_rr);
  free(pb->task_yr);
  free(pb->scratch);
  free(pb->gz);
  free(pb->Zs);
  free(pb->DZs);
  free(pb->zz);
  free(pb->zy);
  free(pb->zbuf);
  free(pb->dzbuf);
  free(pb->zbuf_all);
  free(pb->dzbuf_all);
  free(pb);
}

int mtl_problem_dim(const mtl_problem *pb) { return pb ? pb->d : 0; }
int mtl_problem_ntasks(const mtl_problem *pb) { return pb ? pb->T : 0; }

mtl_loss mtl_problem_task_loss(const mtl_problem *pb, int t) {
  if (!pb || t < 0 || t >= pb->T)
    return MTL_LOSS_AUTO;
  return (mtl_loss)pb->task_loss[t];
}

double mtl_problem_lipschitz(const mtl_problem *pb) { return pb ? pb->L : 0; }

void mtl_problem_interrupt(mtl_problem *pb) {
  if (pb)
    atomic_store(&pb->interrupt, 1);
}

int mtl_problem_set_lambda(mtl_problem *pb, double lambda) {
  if (!pb)
    return mtl__err(MTL_EINVAL, "mtl_problem_set_lambda: NULL problem");
  if (!(lambda >= 0) || !isfinite(lambda))
    return mtl__err(MTL_EINVAL, "lambda = %g must be >= 0 and finite",
                    lambda);
  pb->p.reg.lambda = lambda;
  return MTL_OK;
}

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
    const double *yb = tk->y + i0;
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
      for (int i = 0; i < nb; i++) {
        double r = yb[i] - z[i];
        rr += r * r;
        yr += yb[i] * r;
      }
    f += mtl_loss_eval(l, z, yb, nb, g ? dz : NULL);
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
    double *dz = D + (size_t)t * n;
    pb->task_f[t] = pb->scale[t] * mtl_loss_eval((mtl_loss)pb->task_loss[t],
                                                 z, y, n, grad ? dz : NULL);
    if (grad)
      mtl__scal(n, pb->scale[t], dz);
    if (stats) {
      double rr = 0, yr = 0;
      for (int i = 0; i < n; i++) {
        double r = y[i] - z[i];
        rr += r * r;
        yr += y[i] * r;
      }
      pb->task_rr[t] = rr;
      pb->task_yr[t] = yr;
    }
  }
  if (grad)
    mtl__gemm(0, 0, d, T, n, 1.0, ds->shared_X, d, D, n, 0.0, grad, d);
}

static int loss_impl(mtl_problem *pb, const double *W, double *f,
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
  return loss_impl(pb, W, f, grad, 0);
}

/* ---- regularizer on the penalized rows ------------------------------------ */

/* Copies rows [0, d_pen) of W (d x T) into dst (d_pen x T); dst may be W
 * (columns move towards the front, so memmove in task order is safe). */
static void pack_rows(const mtl_problem *pb, const double *W, double *dst) {
  for (int t = 0; t < pb->T; t++)
    memmove(dst + (size_t)t * pb->d_pen, W + (size_t)t * pb->d,
            (size_t)pb->d_pen * sizeof(double));
}

double mtl__problem_reg_value(const mtl_problem *pb, const double *W) {
  if (pb->d_pen == pb->d)
    return mtl_reg_value(&pb->p.reg, W, pb->d, pb->T);
  pack_rows(pb, W, pb->scratch);
  return mtl_reg_value(&pb->p.reg, pb->scratch, pb->d_pen, pb->T);
}

int mtl__problem_prox(mtl_problem *pb, double step, const double *V,
                      double *out) {
  if (pb->d_pen == pb->d)
    return mtl_reg_prox(&pb->p.reg, step, V, pb->d, pb->T, out);
  int d = pb->d, T = pb->T;
  pack_rows(pb, V, pb->scratch);
  int rc = mtl_reg_prox(&pb->p.reg, step, pb->scratch, pb->d_pen, T,
                        pb->scratch);
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
  int rc = loss_impl(pb, W, &f, NULL, 0);
  if (rc)
    return rc;
  *obj = f + mtl__problem_reg_value(pb, W);
  return MTL_OK;
}

/* Proximal map of an infinite penalty on the penalized rows: those rows
 * zero, the unpenalized last row copied (the bias fit of lambda_max). */
static int zero_rows_prox(void *ctx, double step, const double *V,
                          double *out) {
  const mtl_problem *pb = ctx;
  int d = pb->d;
  (void)step;
  for (int t = 0; t < pb->T; t++) {
    double last = V[(size_t)t * d + d - 1];
    memset(out + (size_t)t * d, 0, (size_t)pb->d_pen * sizeof(double));
    out[(size_t)t * d + d - 1] = last;
  }
  return MTL_OK;
}

static int loss_cb(void *ctx, const double *W, double *f, double *grad) {
  return loss_impl(ctx, W, f, grad, 0);
}

/* W (zero in) = the best fit of the unpenalized last row alone, every
 * penalized row zero as an infinite lambda forces, by the proximal-gradient
 * kernel with mtl_solve's FISTA rules and a residual stop. */
static int bias_fit(mtl_problem *pb, double *W) {
  mtl__apg_opts o;
  mtl__apg_opts_init(&o);
  o.L0 = pb->L / 16;
  o.shrink = 0.9;
  o.noise = 1e-12;
  o.max_iter = 100000;
  o.tol_res = 1e-13;
  o.who = "lambda_max: bias fit";
  int rc = mtl__apg((size_t)pb->d * pb->T, W, loss_cb, zero_rows_prox, NULL,
                    pb, &o, NULL);
  return rc < 0 ? rc : MTL_OK;
}

int mtl_problem_lambda_max(mtl_problem *pb, double *lambda_max) {
  if (!pb || !lambda_max)
    return mtl__err(MTL_EINVAL, "mtl_problem_lambda_max: NULL argument");
  size_t dT = (size_t)pb->d * pb->T;
  double *W = mtl__calloc(dT, sizeof(double));
  double *G = mtl__malloc(dT * sizeof(double));
  double f;
  int rc = MTL_ENOMEM;
  if (!W || !G)
    goto done;
  if (pb->d_pen < pb->d && mtl__reg_is_norm(pb->p.reg.type)) {
    rc = bias_fit(pb, W);
    if (rc)
      goto done;
  }
  rc = loss_impl(pb, W, &f, G, 0);
  if (rc)
    goto done;
  pack_rows(pb, G, W); /* W reused as packed buffer */
  rc = mtl__reg_lambda_max(&pb->p.reg, W, pb->d_pen, pb->T, lambda_max);
done:
  free(W);
  free(G);
  return rc;
}

/* ---- certificate ----------------------------------------------------------- */

int mtl__problem_has_dual(const mtl_problem *pb) {
  int has = mtl__reg_is_norm(pb->p.reg.type);
  for (int t = 0; t < pb->T && has; t++)
    has = pb->task_loss[t] == MTL_LOSS_SQUARED;
  return has;
}

int mtl_problem_certificate(mtl_problem *pb, const double *W,
                            mtl_certificate *cert) {
  if (!pb || !W || !cert)
    return mtl__err(MTL_EINVAL, "mtl_problem_certificate: NULL argument");
  size_t dT = (size_t)pb->d * pb->T;
  double *G = mtl__malloc(dT * sizeof(double));
  double *P = mtl__malloc(dT * sizeof(double));
  double f;
  int rc = MTL_ENOMEM;
  if (!G || !P)
    goto done;
  rc = loss_impl(pb, W, &f, G, 1);
  if (rc)
    goto done;
  cert->primal = f + mtl__problem_reg_value(pb, W);
  /* residual: L ||W - prox_{1/L}(W - G/L)|| */
  double L = pb->L;
  for (size_t k = 0; k < dT; k++)
    P[k] = W[k] - G[k] / L;
  rc = mtl__problem_prox(pb, 1.0 / L, P, P);
  if (rc)
    goto done;
  double res = 0;
  for (size_t k = 0; k < dT; k++)
    res += (W[k] - P[k]) * (W[k] - P[k]);
  cert->residual = L * sqrt(res);
  cert->dual = NAN;
  cert->gap = NAN;
  if (mtl__problem_has_dual(pb)) {
    /* Dual point theta_t = s a_t (r_t - alpha_t z_t), r_t = y_t - X_t w_t,
     * where alpha_t = z_t'r_t / z_t'z_t projects out the unpenalized last
     * feature z_t (alpha = 0 when every row is penalized).  Then
     * X_t'theta_t = s (-grad_t - a_t alpha_t X_t'z_t), whose last entry is
     * 0 as the unpenalized row's conjugate demands, and
     *   theta'y = s a (y'r - alpha z'y),
     *   ||theta||^2 = s^2 a^2 (r'r - alpha z'r). */
    int d = pb->d, dp = pb->d_pen;
    double *alpha = pb->task_f; /* reused: per-task scratch */
    for (int t = 0; t < pb->T; t++) {
      double a = pb->scale[t], al = 0;
      const double *g = G + (size_t)t * d;
      if (dp < d && pb->zz[t] > 0)
        al = (-g[d - 1] / a) / pb->zz[t];
      alpha[t] = al;
      for (int j = 0; j < d; j++)
        P[j + (size_t)t * d] =
            -g[j] - (dp < d ? a * al * pb->gz[j + (size_t)t * d] : 0.0);
    }
    pack_rows(pb, P, P); /* penalized rows, in place (forward copy) */
    double s, hstar;
    rc = mtl__reg_dual_conj(&pb->p.reg, P, dp, pb->T, &s, &hstar);
    if (rc)
      goto done;
    double D = -hstar;
    for (int t = 0; t < pb->T; t++) {
      double a = pb->scale[t], al = alpha[t];
      double zr = dp < d ? -G[(size_t)t * d + d - 1] / a : 0.0;
      double ty_ = pb->task_yr[t] - (dp < d ? al * pb->zy[t] : 0.0);
      double tt = pb->task_rr[t] - al * zr;
      D += a * s * ty_ - 0.5 * a * s * s * tt;
    }
    cert->dual = D;
    cert->gap = cert->primal - D;
  }
  rc = MTL_OK;
done:
  free(G);
  free(P);
  return rc;
}
