/*
 * problem.c -- the regularized multi-task problem
 *
 *     F(W) = sum_t c_t s(N_t) sum_i s_ti l_t(x_ti' w_t, y_ti) + lambda g(W)
 *            + ridge ||W||_F^2
 *
 * with sample weights s_ti >= 0 (1 without them) and N_t = sum_i s_ti (so
 * n_t without weights): integer weights give the problem of the data with
 * each sample repeated s_ti times, a zero weight that without the sample.
 * The certificate's dual needs no change of its own: the weighted squared
 * loss is the plain one on S^{1/2} X, S^{1/2} y, and every statistic it
 * reads (X'S r, r'S r, y'S r, z'S z, ...) is computed weighted here.
 *
 * on a dataset: validation, precomputation (Gram matrices, Lipschitz
 * estimates) and accessors.  The smooth part's value and gradient and the
 * proximal step on the penalized rows are in problem_loss.c; lambda_max
 * and the optimality certificate in problem_dual.c.
 */
#include "problem.h"

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
  return mtl__scaling_factor_w(s, n);
}

double mtl__scaling_factor_w(mtl_scaling s, double n) {
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
  if ((int)p->reg.type < MTL_REG_NONE || p->reg.type > MTL_REG_COL21)
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
  for (int t = 0; t < ds->T; t++) {
    if (ds->tasks[t].n < 1)
      return mtl__err(MTL_EINVAL, "problem: task %d (%s) has no samples",
                      t + 1, ds->tasks[t].name);
    if (ds->tasks[t].sw && !(mtl__task_sw_sum(&ds->tasks[t]) > 0))
      return mtl__err(MTL_EINVAL, "problem: task %d (%s): every sample "
                                  "weight is 0 (e.g. in this split)",
                      t + 1, ds->tasks[t].name);
  }
  return MTL_OK;
}

/* z_i *= s_i (nothing without sample weights). */
static void weigh(const mtl__task *tk, double *z) {
  if (tk->sw)
    for (int i = 0; i < tk->n; i++)
      z[i] *= tk->sw[i];
}

/* Estimate of ||X_t||_2^2, the largest eigenvalue of X_t'X_t, by power
 * iteration (||S_t^{1/2} X_t||^2 with sample weights S_t): on the Gram
 * matrix when there is one (O(d^2) a step), else
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
      weigh(&pb->ds->tasks[t], z);
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

/* 1 if tasks s and t have the same sample weights (both none, or equal). */
int mtl__task_same_sw(const mtl__task *a, const mtl__task *b) {
  if (!a->sw || !b->sw)
    return !a->sw && !b->sw;
  return a->n == b->n && !memcmp(a->sw, b->sw, (size_t)a->n * sizeof(double));
}

/* G = X_t' S_t X_t (d x d, zeroed on entry), S_t the sample weights (I
 * without them).  A dense weighted X is multiplied by rows in blocks of
 * MTL__BLOCK_ROWS rows scaled by sqrt(s_i) (s_i >= 0), without a copy of
 * X_t. */
int mtl__task_gram(const mtl__task *tk, int d, double *G) {
  if (tk->X && !tk->sw) {
    mtl__gram_rm(tk->n, d, 1.0, tk->X, d, 0.0, G);
    return MTL_OK;
  }
  if (!tk->X) {
    for (int i = 0; i < tk->n; i++) {
      double w = mtl__sw(tk, i);
      for (int64_t p = tk->indptr[i]; p < tk->indptr[i + 1]; p++)
        for (int64_t q = tk->indptr[i]; q < tk->indptr[i + 1]; q++)
          G[tk->indices[p] + (size_t)tk->indices[q] * d] +=
              w * tk->values[p] * tk->values[q];
    }
    return MTL_OK;
  }
  double *B = mtl__malloc((size_t)MTL__BLOCK_ROWS * d * sizeof *B);
  if (!B)
    return MTL_ENOMEM;
  for (int i0 = 0; i0 < tk->n; i0 += MTL__BLOCK_ROWS) {
    int nb = tk->n - i0 < MTL__BLOCK_ROWS ? tk->n - i0 : MTL__BLOCK_ROWS;
    for (int i = 0; i < nb; i++) {
      double r = sqrt(tk->sw[i0 + i]);
      const double *x = tk->X + (size_t)(i0 + i) * d;
      for (int j = 0; j < d; j++)
        B[(size_t)i * d + j] = r * x[j];
    }
    mtl__gram_rm(nb, d, 1.0, B, d, i0 ? 1.0 : 0.0, G);
  }
  free(B);
  return MTL_OK;
}

/* b_t = X_t' S_t y_t and yy_t = y_t' S_t y_t. */
int mtl__task_gram_rhs(const mtl_dataset *ds, int t, double *b, double *yy) {
  const mtl__task *tk = &ds->tasks[t];
  if (!tk->sw) {
    mtl__task_matvec_t(ds, t, 1.0, tk->y, b);
    *yy = mtl__dot(tk->n, tk->y, tk->y);
    return MTL_OK;
  }
  double *sy = mtl__malloc((size_t)tk->n * sizeof *sy), s = 0;
  if (!sy)
    return MTL_ENOMEM;
  for (int i = 0; i < tk->n; i++) {
    sy[i] = tk->sw[i] * tk->y[i];
    s += sy[i] * tk->y[i];
  }
  mtl__task_matvec_t(ds, t, 1.0, sy, b);
  *yy = s;
  free(sy);
  return MTL_OK;
}

/* The Gram data of the squared-loss tasks that use it: G_t = X_t'S_t X_t,
 * b_t, yy_t.  A shared design with the same sample weights in every task
 * keeps one G. */
static int build_gram(mtl_problem *pb) {
  const mtl_dataset *ds = pb->ds;
  int d = pb->d, T = pb->T, rc;
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
    all_shared =
        pb->use_gram[t] && mtl__task_same_sw(&ds->tasks[t], &ds->tasks[0]);
  pb->shared_gram = all_shared; /* before any G: mtl_problem_free knows */
  for (int t = 0; t < T; t++) {
    if (!pb->use_gram[t])
      continue;
    pb->b[t] = mtl__calloc((size_t)d, sizeof(double));
    if (!pb->b[t])
      return MTL_ENOMEM;
    if ((rc = mtl__task_gram_rhs(ds, t, pb->b[t], &pb->yy[t])))
      return rc;
    if (all_shared && shared) {
      pb->G[t] = shared;
      continue;
    }
    double *G = mtl__calloc(dd, sizeof(double));
    if (!G)
      return MTL_ENOMEM;
    pb->G[t] = G;
    if ((rc = mtl__task_gram(&ds->tasks[t], d, G)))
      return rc;
    if (all_shared)
      shared = G;
  }
  return MTL_OK;
}

/* For an unpenalized last feature z_t = X_t e_{d-1}: X_t'S_t z_t, z_t'S_t z_t
 * and z_t'S_t y_t per task (S_t the sample weights, I without them), used to make the dual point satisfy the equality
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
    pb->zz[t] = mtl__dot(tk->n, z, z);
    pb->zy[t] = mtl__dot(tk->n, z, tk->y);
    if (tk->sw) {
      double zz = 0, zy = 0;
      for (int i = 0; i < tk->n; i++) {
        zz += tk->sw[i] * z[i] * z[i];
        zy += tk->sw[i] * z[i] * tk->y[i];
      }
      pb->zz[t] = zz;
      pb->zy[t] = zy;
      weigh(tk, z);
    }
    mtl__task_matvec_t(pb->ds, t, 1.0, z, pb->gz + (size_t)t * d);
  }
  rc = MTL_OK;
done:
  free(e);
  free(z);
  return rc;
}

/* The per-task arrays and the problem's own copy of the graph R. */
static int alloc_arrays(mtl_problem *pb, const mtl_problem_params *p) {
  int T = pb->T;
  pb->task_loss = mtl__calloc((size_t)T, sizeof(int));
  pb->scale = mtl__calloc((size_t)T, sizeof(double));
  pb->Lt = mtl__calloc((size_t)T, sizeof(double));
  pb->task_f = mtl__calloc((size_t)T, sizeof(double));
  pb->task_rr = mtl__calloc((size_t)T, sizeof(double));
  pb->task_yr = mtl__calloc((size_t)T, sizeof(double));
  pb->scratch = mtl__calloc((size_t)pb->d * T, sizeof(double));
  if (!pb->task_loss || !pb->scale || !pb->Lt || !pb->task_f ||
      !pb->task_rr || !pb->task_yr || !pb->scratch)
    return MTL_ENOMEM;
  if (p->reg.type != MTL_REG_GRAPH) {
    pb->p.reg.R = NULL;
    pb->p.reg.R_cols = 0;
    return MTL_OK;
  }
  size_t nR = (size_t)T * p->reg.R_cols;
  pb->R = mtl__malloc(nR * sizeof(double));
  if (!pb->R)
    return MTL_ENOMEM;
  memcpy(pb->R, p->reg.R, nR * sizeof(double));
  for (size_t k = 0; k < nR; k++)
    if (!isfinite(pb->R[k]))
      return mtl__err(MTL_EINVAL, "problem: graph R entry %zu is not finite",
                      k);
  pb->p.reg.R = pb->R;
  return MTL_OK;
}

/* Each task's loss (MTL_LOSS_AUTO resolved), its scale c_t s(N_t) (N_t
 * the sum of the sample weights, n_t without them), and max_n. */
static int resolve_losses(mtl_problem *pb, const mtl_problem_params *p) {
  const mtl_dataset *ds = pb->ds;
  for (int t = 0; t < pb->T; t++) {
    int l = mtl__loss_resolve(p->task_loss ? p->task_loss[t] : p->loss,
                              ds->tasks[t].kind);
    if (l != MTL_LOSS_SQUARED &&
        ds->tasks[t].kind != MTL_TASK_CLASSIFICATION)
      return mtl__err(MTL_EINVAL,
                      "problem: task %d (%s) has real-valued targets but "
                      "loss %s needs labels in {-1,+1}",
                      t + 1, ds->tasks[t].name, mtl_loss_name((mtl_loss)l));
    pb->task_loss[t] = l;
    pb->scale[t] = ds->tasks[t].weight *
                   mtl__scaling_factor_w(p->scaling,
                                         mtl__task_sw_sum(&ds->tasks[t]));
    if (ds->tasks[t].n > pb->max_n)
      pb->max_n = ds->tasks[t].n;
  }
  return MTL_OK;
}

/* Shared design without any Gram matrix: the n x T buffers of Z = X W. */
static int alloc_shared_raw(mtl_problem *pb) {
  const mtl_dataset *ds = pb->ds;
  if (!ds->shared || pb->shared_gram)
    return MTL_OK;
  for (int t = 0; t < pb->T; t++)
    if (pb->use_gram[t])
      return MTL_OK;
  size_t nT = (size_t)ds->tasks[0].n * pb->T;
  pb->Zs = mtl__malloc(nT * sizeof(double));
  pb->DZs = mtl__malloc(nT * sizeof(double));
  return pb->Zs && pb->DZs ? MTL_OK : MTL_ENOMEM;
}

/* The worker pool and each worker's residual / loss-derivative buffers. */
static int alloc_workers(mtl_problem *pb, int threads) {
  int rc = mtl__pool_create(threads, &pb->pool);
  if (rc)
    return rc;
  int P = mtl__pool_size(pb->pool), d = pb->d;
  if (P > 1) /* OpenBLAS threads nested in the pool's oversubscribe */
    mtl__blas_single_thread();
  int blk = pb->max_n < MTL__BLOCK_ROWS ? pb->max_n : MTL__BLOCK_ROWS;
  pb->zbuf = mtl__calloc((size_t)P, sizeof(double *));
  pb->dzbuf = mtl__calloc((size_t)P, sizeof(double *));
  pb->zbuf_all = mtl__calloc((size_t)P * (blk + d), sizeof(double));
  pb->dzbuf_all = mtl__calloc((size_t)P * blk, sizeof(double));
  if (!pb->zbuf || !pb->dzbuf || !pb->zbuf_all || !pb->dzbuf_all)
    return MTL_ENOMEM;
  for (int w = 0; w < P; w++) {
    pb->zbuf[w] = pb->zbuf_all + (size_t)w * (blk + d);
    pb->dzbuf[w] = pb->dzbuf_all + (size_t)w * blk;
  }
  return MTL_OK;
}

/* Per-task Lipschitz bounds Lt and their maximum L. */
static int lipschitz(mtl_problem *pb) {
  pb->L = 0;
  double s2 = 0;
  for (int t = 0; t < pb->T; t++) {
    const mtl__task *tk = pb->ds->tasks;
    if (t == 0 || !pb->ds->shared || !mtl__task_same_sw(&tk[t], &tk[0])) {
      /* shared design: one X, one estimate (unless weighed otherwise) */
      int rc = task_sqnorm(pb, t, &s2);
      if (rc)
        return rc;
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
  return MTL_OK;
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
  if (p->reg.type == MTL_REG_GRAPH && p->reg.R_cols < 1)
    return mtl__err(MTL_EINVAL, "problem: graph R has no columns");
  mtl_problem *pb = mtl__calloc(1, sizeof *pb);
  if (!pb)
    return MTL_ENOMEM;
  pb->ds = ds;
  pb->d = ds->d;
  pb->T = ds->T;
  pb->p = *p;
  pb->p.task_loss = NULL;
  pb->d_pen = p->unpenalized_last ? ds->d - 1 : ds->d;
  atomic_init(&pb->interrupt, 0);
  if ((rc = alloc_arrays(pb, p)) || (rc = resolve_losses(pb, p)) ||
      (rc = build_gram(pb)) ||
      (pb->d_pen < pb->d && (rc = build_bias_stats(pb))) ||
      (rc = alloc_shared_raw(pb)) || (rc = alloc_workers(pb, p->threads)) ||
      (rc = lipschitz(pb))) {
    mtl_problem_free(pb);
    return rc;
  }
  *out = pb;
  return MTL_OK;
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
  free(pb->dual_idx);
  free(pb->dual_blk);
  free(pb->logit_H);
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
  mtl_dataset_free(pb->own_ds);
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
