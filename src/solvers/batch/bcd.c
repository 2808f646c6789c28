/*
 * bcd.c -- block coordinate descent over feature rows, an independent second
 * solver for squared-loss problems.
 *
 * Minimizes, with W_pen the first d_pen rows of W,
 *   F(W) = sum_t scale_t/2 ||X_t w_t - y_t||^2
 *          + lambda g(W_pen) + mu ||W_pen||_F^2,
 * g = 0, the L1 norm or the L2,1 row norm, mu = ridge (+ lambda for
 * MTL_REG_RIDGE).  The smooth part is written with each task's Gram data,
 * scale_t (w'G_t w/2 - b_t'w + yy_t/2), so a pass costs O(d) per changed
 * coordinate whatever n_t is.
 *
 * One pass visits rows j = 0..d-1 cyclically.  Restricted to row j, the
 * smooth part is sum_t (h_t/2 w_t^2 - c_t w_t) + const with
 *   h_t = scale_t G_t[j,j] + 2 mu,  c_t = scale_t (b_t[j] - q_t[j]) + h'_t w_jt
 * (h'_t = scale_t G_t[j,j]; mu = 0 on the unpenalized row), q_t = G_t w_t kept
 * up to date with one axpy of a Gram column per changed coordinate.  The row
 * subproblem is solved exactly: a soft threshold per coordinate for L1 (Tseng
 * 2001, cyclic convergence for separable nonsmooth terms), and for L2,1 the
 * group update of Friedman, Hastie & Tibshirani (2010, "A note on the group
 * lasso and a sparse group lasso") with a task-dependent curvature h_t, which
 * reduces to a scalar equation in r = ||w|| (see row_l21).
 *
 * Residual mode, when every task is dense with fewer samples than features
 * (n_t < d, the d >> n case): the Gram data would cost n_t d^2 to build
 * and d per changed coordinate, so the pass works on the residuals r_t =
 * X_t w_t - y_t instead (scale_t (b_t[j] - q_t[j]) = -scale_t x_tj'r_t,
 * G_t[j,j] = ||x_tj||^2), with a column-major copy of X (one for a shared
 * design): O(n_t) per coordinate and nothing to build.  The same row
 * updates, so the same iterates up to rounding.
 *
 * Working set (the active-set strategy of glmnet: Friedman, Hastie &
 * Tibshirani 2010, "Regularization paths for generalized linear models
 * via coordinate descent", sec. 2.6): after a pass over every row that
 * moved, the passes visit only the rows that are nonzero (and the
 * unpenalized ones) until they reach the fixed point there; then a pass
 * over every row either confirms the fixed point (no row enters: the end)
 * or lets rows enter.  A row that stays zero costs nothing in those
 * passes, which is most rows of a sparse L1/L2,1 solution; the fixed point
 * and the stopping rules are those of plain cyclic passes.
 *
 * Sample weights S_t (mtl_dataset_set_sample_weights): the smooth part is
 * sum_t scale_t/2 (X_t w_t - y_t)'S_t(X_t w_t - y_t), so the Gram data
 * become X_t'S_t X_t, X_t'S_t y_t, y_t'S_t y_t (the problem's, or built
 * here by the problem layer's mtl__task_gram), and the residual mode
 * keeps r_t = X_t w_t - y_t unweighted and weighs its dot products:
 * x_tj'S_t r_t and ||x_tj||_S^2.  Integer weights thus give the iterates
 * of the repeated samples up to rounding.
 *
 * Workspace is allocated once before the first pass; passes do not allocate
 * except to grow the optional objective trace (amortized doubling).
 * Thread-safety: uses pb from the calling thread only.
 */
#include "solvers/solvers.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The pass-to-pass coordinate change below which the iterate is a fixed
 * point to rounding (relative to max |W|). */
#define CHANGE_TOL 1e-14
/* q_t = G_t w_t (r_t) is recomputed from scratch after every REFRESH x d row
 * visits (REFRESH passes over every row) so that the rounding of the
 * incremental updates cannot accumulate. */
#define REFRESH 16
/* A pass over the working set whose largest change is at most INNER times
 * that of the last pass over every row sends the next pass to every row:
 * the working set is solved about as accurately as its rows are known. */
#define INNER 0.1

typedef struct work {
  int d, T, d_pen;
  mtl_reg_type reg;
  double lambda, mu;
  const double **G;  /* T Gram matrices (d x d column-major, full) */
  const double **b;  /* T vectors X_t'y_t */
  double *yy;        /* T values y_t'y_t */
  double *scale;     /* T */
  double *q;         /* d x T: q_t = G_t w_t */
  double *c, *h, *w; /* T each: row subproblem */
  double *own;       /* Gram matrices and b vectors computed here */
  double *z;         /* max_n: residual buffer for the final objective */
  /* residual mode (Xc != NULL): per task t, its columns (column-major,
   * n_t x d, shared by every task of a shared design), its residuals and
   * its squared column norms */
  int *n;            /* T sample counts */
  const double **Xt; /* T column-major matrices */
  double *Xc;        /* the copies */
  double **r;        /* T residual vectors */
  double *rbuf;      /* their storage */
  double *cn;        /* d x T squared column norms (weighted) */
  const double **sw; /* T sample weights (NULL: all 1) */
  int *rows;         /* d: the working set (active_rows) */
} work;

/* Gram matrix, X'Sy and y'Sy of task t computed from the data, S the
 * sample weights (used when the problem did not precompute them, e.g.
 * n_t <= d or CSR tasks). */
static int task_gram(const mtl_dataset *ds, int t, double *G, double *b,
                     double *yy, int want_G) {
  int d = ds->d, rc = MTL_OK;
  if (want_G) {
    memset(G, 0, (size_t)d * d * sizeof(double));
    rc = mtl__task_gram(&ds->tasks[t], d, G);
  }
  memset(b, 0, (size_t)d * sizeof(double));
  return rc ? rc : mtl__task_gram_rhs(ds, t, b, yy);
}

/* 1 when every task of a shared design weighs its rows alike (one Gram
 * matrix serves them all). */
static int one_gram(const mtl_dataset *ds) {
  for (int t = 1; ds->shared && t < ds->T; t++)
    if (!mtl__task_same_sw(&ds->tasks[t], &ds->tasks[0]))
      return 0;
  return ds->shared;
}

/* Points wk->G/b/yy at the problem's Gram data where present and computes
 * the missing ones into wk->own (a shared design needs one Gram only). */
static int setup_gram(const mtl_problem *pb, work *wk) {
  const mtl_dataset *ds = pb->ds;
  int d = wk->d, T = wk->T;
  size_t dd = (size_t)d * d;
  int nG = 0, nb = 0, one = one_gram(ds);
  for (int t = 0; t < T; t++) {
    int have = pb->G && pb->G[t] && pb->b && pb->b[t] && pb->yy;
    if (!have) {
      nb++;
      if (!one || nG == 0)
        nG++;
    }
  }
  if (nb) {
    if (dd > SIZE_MAX / sizeof(double) / (size_t)(nG + 1))
      return mtl__err(MTL_ENOMEM,
                      "bcd: %d Gram matrices of %d x %d do not fit in memory",
                      nG, d, d);
    wk->own = mtl__malloc((dd * nG + (size_t)d * nb) * sizeof(double));
    if (!wk->own)
      return MTL_ENOMEM;
  }
  /* own is NULL when every task brought its Gram matrix: no arithmetic
   * on it then (undefined behaviour, flagged by UBSan). */
  double *nextG = wk->own, *nextb = wk->own ? wk->own + dd * nG : NULL;
  const double *sharedG = NULL;
  for (int t = 0; t < T; t++) {
    if (pb->G && pb->G[t] && pb->b && pb->b[t] && pb->yy) {
      wk->G[t] = pb->G[t];
      wk->b[t] = pb->b[t];
      wk->yy[t] = pb->yy[t];
      continue;
    }
    int want_G = !(one && sharedG);
    double *G = want_G ? nextG : NULL;
    int rc = task_gram(ds, t, G, nextb, &wk->yy[t], want_G);
    if (rc)
      return rc;
    if (want_G) {
      nextG += dd;
      if (one)
        sharedG = G;
      wk->G[t] = G;
    } else {
      wk->G[t] = sharedG;
    }
    wk->b[t] = nextb;
    nextb += d;
  }
  return MTL_OK;
}

/* 1 when the residual mode is cheaper: every task dense, n_t < d, and no
 * Gram data precomputed by the problem. */
static int want_residuals(const mtl_problem *pb) {
  for (int t = 0; t < pb->T; t++)
    if ((pb->G && pb->G[t]) || !pb->ds->tasks[t].X ||
        pb->ds->tasks[t].n >= pb->d)
      return 0;
  return 1;
}

/* A (n x d, row-major) into B (column-major), by tiles that stay in the
 * cache. */
static void transpose(int n, int d, const double *A, double *B) {
  enum { TILE = 32 };
  for (int i0 = 0; i0 < n; i0 += TILE)
    for (int j0 = 0; j0 < d; j0 += TILE) {
      int i1 = i0 + TILE < n ? i0 + TILE : n, j1 = j0 + TILE < d ? j0 + TILE : d;
      for (int j = j0; j < j1; j++)
        for (int i = i0; i < i1; i++)
          B[(size_t)j * n + i] = A[(size_t)i * d + j];
    }
}

/* sum_i s_i a_i b_i (s NULL: the dot product a'b). */
static double wdot(int n, const double *a, const double *b, const double *s) {
  if (!s)
    return mtl__dot(n, a, b);
  double v = 0;
  for (int i = 0; i < n; i++)
    v += s[i] * (a[i] * b[i]);
  return v;
}

/* The column-major copies, residual storage and column norms. */
static int setup_residuals(const mtl_problem *pb, work *wk) {
  const mtl_dataset *ds = pb->ds;
  int d = wk->d, T = wk->T;
  size_t nx = 0, nr = 0;
  for (int t = 0; t < T; t++) {
    nr += (size_t)ds->tasks[t].n;
    nx += ds->shared && t > 0 ? 0 : (size_t)ds->tasks[t].n * d;
  }
  wk->n = mtl__malloc((size_t)T * sizeof *wk->n);
  wk->Xt = mtl__malloc((size_t)T * sizeof *wk->Xt);
  wk->r = mtl__malloc((size_t)T * sizeof *wk->r);
  wk->Xc = mtl__malloc((nx ? nx : 1) * sizeof(double));
  wk->rbuf = mtl__malloc((nr ? nr : 1) * sizeof(double));
  wk->cn = mtl__malloc((size_t)d * T * sizeof(double));
  if (!wk->n || !wk->Xt || !wk->r || !wk->Xc || !wk->rbuf || !wk->cn)
    return MTL_ENOMEM;
  double *xc = wk->Xc, *rb = wk->rbuf;
  for (int t = 0; t < T; t++) {
    const mtl__task *tk = &ds->tasks[t];
    int n = tk->n;
    wk->n[t] = n;
    wk->r[t] = rb;
    rb += n;
    if (ds->shared && t > 0) {
      wk->Xt[t] = wk->Xt[0];
    } else {
      transpose(n, d, tk->X, xc);
      wk->Xt[t] = xc;
      xc += (size_t)n * d;
    }
    for (int j = 0; j < d; j++)
      wk->cn[(size_t)t * d + j] = wdot(n, wk->Xt[t] + (size_t)j * n,
                                       wk->Xt[t] + (size_t)j * n, wk->sw[t]);
  }
  return MTL_OK;
}

static double max_abs(const double *W, size_t n) {
  double m = 0;
  for (size_t k = 0; k < n; k++)
    if (fabs(W[k]) > m)
      m = fabs(W[k]);
  return m;
}

/* r_t = X_t w_t - y_t for every task (a shared design: R = X W, one
 * product with the column-major copy, the residuals being contiguous). */
static void refresh_r(const mtl_problem *pb, work *wk, const double *W) {
  int d = wk->d, n0 = wk->n[0];
  int zero = max_abs(W, (size_t)d * wk->T) == 0; /* r = -y */
  for (int t = 0; t < wk->T && zero; t++)
    memset(wk->r[t], 0, (size_t)wk->n[t] * sizeof(double));
  if (pb->ds->shared && !zero)
    mtl__gemm(0, 0, n0, wk->T, d, 1.0, wk->Xt[0], n0, W, d, 0.0, wk->rbuf,
              n0);
  for (int t = 0; t < wk->T; t++) {
    const double *y = pb->ds->tasks[t].y;
    if (!pb->ds->shared && !zero)
      mtl__task_matvec(pb->ds, t, W + (size_t)t * d, wk->r[t]);
    for (int i = 0; i < wk->n[t]; i++)
      wk->r[t][i] -= y[i];
  }
}

/* q_t = G_t w_t for every task. */
static void refresh_q(work *wk, const double *W) {
  int d = wk->d;
  for (int t = 0; t < wk->T; t++)
    mtl__gemv(0, d, d, 1.0, wk->G[t], d, W + (size_t)t * d, 0.0,
              wk->q + (size_t)t * d);
}

/* Regularizer value on the penalized rows. */
static double reg_value(const work *wk, const double *W) {
  int d = wk->d, T = wk->T;
  double sq = 0, l1 = 0, l21 = 0;
  for (int j = 0; j < wk->d_pen; j++) {
    double row = 0;
    for (int t = 0; t < T; t++) {
      double v = W[(size_t)t * d + j];
      row += v * v;
      l1 += fabs(v);
    }
    sq += row;
    l21 += sqrt(row);
  }
  double g = wk->reg == MTL_REG_L1 ? l1 : wk->reg == MTL_REG_L21 ? l21 : 0;
  return wk->lambda * g + wk->mu * sq;
}

/* Objective from the Gram data and the current q (cheap, used per pass). */
static double objective_gram(const work *wk, const double *W) {
  int d = wk->d;
  double f = 0;
  for (int t = 0; t < wk->T; t++) {
    const double *w = W + (size_t)t * d;
    double lt = 0.5 * mtl__dot(d, w, wk->q + (size_t)t * d) -
                mtl__dot(d, wk->b[t], w) + 0.5 * wk->yy[t];
    f += wk->scale[t] * (lt > 0 ? lt : 0); /* >= 0 up to cancellation */
  }
  return f + reg_value(wk, W);
}

static double objective_resid(const work *wk, const double *W) {
  double f = 0;
  for (int t = 0; t < wk->T; t++)
    f += 0.5 * wk->scale[t] * wdot(wk->n[t], wk->r[t], wk->r[t], wk->sw[t]);
  return f + reg_value(wk, W);
}

/* Objective from the residuals X_t w_t - y_t (exact, used for the result). */
static double objective_data(const mtl_problem *pb, const work *wk,
                             const double *W) {
  const mtl_dataset *ds = pb->ds;
  double f = 0;
  for (int t = 0; t < wk->T; t++) {
    const mtl__task *tk = &ds->tasks[t];
    mtl__task_matvec(ds, t, W + (size_t)t * wk->d, wk->z);
    double s = 0;
    for (int i = 0; i < tk->n; i++) {
      double r = wk->z[i] - tk->y[i];
      s += mtl__sw(tk, i) * (r * r);
    }
    f += 0.5 * wk->scale[t] * s;
  }
  return f + reg_value(wk, W);
}

/* s(r) = (sum_t c_t^2 / (h_t r + lambda)^2)^(-1/2) and its derivative. */
static double row_s(const double *c, const double *h, int T, double lambda,
                    double r, double *ds) {
  double S = 0, S1 = 0;
  for (int t = 0; t < T; t++) {
    if (c[t] == 0)
      continue;
    double u = 1.0 / (h[t] * r + lambda);
    double a = c[t] * c[t] * u * u;
    S += a;
    S1 += a * h[t] * u;
  }
  double s = 1.0 / sqrt(S);
  *ds = S1 * s * s * s;
  return s;
}

/* Exact minimizer of sum_t (h_t/2 w_t^2 - c_t w_t) + lambda ||w||_2.
 *
 * Optimality: w = 0 iff ||c|| <= lambda; otherwise c_t - h_t w_t =
 * lambda w_t / r with r = ||w|| > 0, so w_t = c_t r / (h_t r + lambda) and r
 * solves sum_t c_t^2 / (h_t r + lambda)^2 = 1, i.e. phi(r) = 0 for the
 * brief's phi(r) = sum_t c_t^2/(h_t + lambda/r)^2 - r^2 divided by r^2.  The
 * left side decreases strictly in r, so the root is unique and lies in
 * [(||c|| - lambda)/h_max, (||c|| - lambda)/h_min] (replace every h_t by
 * h_max, resp. h_min).  We solve s(r) = 1 for s = (left side)^(-1/2), which
 * is increasing and exactly linear when one task is active or all h_t are
 * equal, by Newton safeguarded with bisection on the bracket, to 1e-15
 * relative.  Tasks with h_t = 0 have c_t = 0 (an all-zero feature) and get
 * w_t = 0; c is cleaned to that effect in place. */
static void row_l21(double *c, const double *h, int T, double lambda,
                    double *w) {
  double nc2 = 0, hmin = INFINITY, hmax = 0;
  for (int t = 0; t < T; t++) {
    if (!(h[t] > 0))
      c[t] = 0.0;
    if (c[t] != 0) {
      nc2 += c[t] * c[t];
      hmin = h[t] < hmin ? h[t] : hmin;
      hmax = h[t] > hmax ? h[t] : hmax;
    }
  }
  double nc = sqrt(nc2);
  if (nc <= lambda || nc2 == 0) {
    for (int t = 0; t < T; t++)
      w[t] = 0;
    return;
  }
  if (lambda == 0) {
    for (int t = 0; t < T; t++)
      w[t] = c[t] != 0 ? c[t] / h[t] : 0.0;
    return;
  }
  double lo = (nc - lambda) / hmax, hi = (nc - lambda) / hmin;
  double r = lo;
  if (hi > lo) {
    for (int it = 0; it < 200; it++) {
      double dsr, s = row_s(c, h, T, lambda, r, &dsr);
      if (s == 1.0)
        break;
      if (s < 1.0)
        lo = r;
      else
        hi = r;
      double rn = dsr > 0 ? r - (s - 1.0) / dsr : -1.0;
      if (!(rn > lo && rn < hi))
        rn = 0.5 * (lo + hi); /* Newton left the bracket: bisect */
      double step = fabs(rn - r);
      r = rn;
      if (step <= 1e-15 * r || hi - lo <= 1e-15 * r)
        break;
    }
  }
  for (int t = 0; t < T; t++)
    w[t] = c[t] != 0 ? c[t] * r / (h[t] * r + lambda) : 0.0;
}

/* The working set: every unpenalized row and every penalized row with a
 * nonzero entry, in increasing order, into wk->rows.  Returns its size. */
static int active_rows(work *wk, const double *W) {
  int d = wk->d, n = 0;
  for (int j = 0; j < d; j++) {
    int on = j >= wk->d_pen;
    for (int t = 0; t < wk->T && !on; t++)
      on = W[(size_t)t * d + j] != 0;
    if (on)
      wk->rows[n++] = j;
  }
  return n;
}

/* One cyclic pass over rows[0..nrows-1] (rows NULL: every row, nrows = d);
 * returns the largest coordinate change. */
static double pass(work *wk, double *W, const int *rows, int nrows) {
  int d = wk->d, T = wk->T;
  double maxchange = 0;
  for (int k = 0; k < nrows; k++) {
    int j = rows ? rows[k] : k;
    int pen = j < wk->d_pen;
    double mu2 = pen ? 2.0 * wk->mu : 0.0;
    for (int t = 0; t < T; t++) {
      double gjj, grad; /* G_t[j,j] and b_t[j] - q_t[j] = -x_tj'r_t */
      if (wk->Xc) {
        gjj = wk->cn[(size_t)t * d + j];
        grad = -wdot(wk->n[t], wk->Xt[t] + (size_t)j * wk->n[t], wk->r[t],
                     wk->sw[t]);
      } else {
        gjj = wk->G[t][(size_t)j * d + j];
        grad = wk->b[t][j] - wk->q[(size_t)t * d + j];
      }
      double s = wk->scale[t] * gjj;
      wk->h[t] = s + mu2;
      wk->c[t] = wk->scale[t] * grad + s * W[(size_t)t * d + j];
    }
    if (pen && wk->reg == MTL_REG_L21) {
      row_l21(wk->c, wk->h, T, wk->lambda, wk->w);
    } else {
      double lam = pen && wk->reg == MTL_REG_L1 ? wk->lambda : 0.0;
      for (int t = 0; t < T; t++) {
        double hh = wk->h[t];
        wk->w[t] = hh > 0 ? mtl__soft_threshold(wk->c[t], lam) / hh : 0.0;
      }
    }
    for (int t = 0; t < T; t++) {
      double *wj = &W[(size_t)t * d + j];
      double delta = wk->w[t] - *wj;
      if (delta == 0)
        continue;
      *wj = wk->w[t];
      if (wk->Xc)
        mtl__axpy(wk->n[t], delta, wk->Xt[t] + (size_t)j * wk->n[t],
                  wk->r[t]);
      else
        mtl__axpy(d, delta, wk->G[t] + (size_t)j * d, wk->q + (size_t)t * d);
      if (fabs(delta) > maxchange)
        maxchange = fabs(delta);
    }
  }
  return maxchange;
}

/* Validates the arguments and checks that the problem is one this solver
 * handles (before any allocation). */
static int check_args(const mtl_problem *pb, const mtl_solver_params *sp,
                      const double *W) {
  if (!pb || !sp || !W)
    return mtl__err(MTL_EINVAL, "bcd solver: %s is NULL",
                    !pb   ? "problem"
                    : !sp ? "solver params"
                          : "W");
  if (sp->max_iter < 1)
    return mtl__err(MTL_EINVAL, "bcd solver: max_iter = %d must be >= 1",
                    sp->max_iter);
  if (!(sp->tol_obj >= 0) || !isfinite(sp->tol_obj))
    return mtl__err(MTL_EINVAL,
                    "bcd solver: tol_obj = %g must be finite and >= 0",
                    sp->tol_obj);
  mtl_reg_type rt = pb->p.reg.type;
  if (rt != MTL_REG_NONE && rt != MTL_REG_RIDGE && rt != MTL_REG_L1 &&
      rt != MTL_REG_L21)
    return mtl__err(MTL_EUNSUPPORTED,
                    "bcd solver: regularizer '%s' is not supported (only "
                    "none, ridge, l1, l21); use the fista solver",
                    mtl_reg_name(rt));
  for (int t = 0; t < pb->T; t++)
    if (pb->task_loss[t] != MTL_LOSS_SQUARED)
      return mtl__err(MTL_EUNSUPPORTED,
                      "bcd solver: task %d (%s) uses the %s loss; only the "
                      "squared loss is supported; use the fista solver",
                      t + 1, mtl_dataset_task_name(pb->ds, t),
                      mtl_loss_name((mtl_loss)pb->task_loss[t]));
  int d = pb->d;
  for (int t = 0; t < pb->T; t++)
    for (int j = 0; j < d; j++)
      if (!isfinite(W[(size_t)t * d + j]))
        return mtl__err(MTL_EINVAL,
                        "bcd solver: initial W[%d, %d] (feature %d, task %d) "
                        "is %g (not finite)",
                        j, t, j + 1, t + 1, W[(size_t)t * d + j]);
  return MTL_OK;
}

/* The solver's view of the problem (RIDGE's lambda folded into mu) and its
 * work arrays; the Gram data come from setup_gram. */
static int work_init(const mtl_problem *pb, work *wk) {
  int d = pb->d, T = pb->T, max_n = 1;
  wk->d = d;
  wk->T = T;
  wk->d_pen = pb->d_pen;
  wk->reg = pb->p.reg.type;
  wk->lambda = wk->reg == MTL_REG_NONE ? 0.0 : pb->p.reg.lambda;
  wk->mu = pb->p.reg.ridge + (wk->reg == MTL_REG_RIDGE ? pb->p.reg.lambda : 0);
  if (wk->reg == MTL_REG_RIDGE)
    wk->lambda = 0; /* its lambda is folded into mu */
  wk->scale = pb->scale;
  for (int t = 0; t < T; t++)
    if (pb->ds->tasks[t].n > max_n)
      max_n = pb->ds->tasks[t].n;
  wk->G = mtl__calloc((size_t)T, sizeof *wk->G);
  wk->b = mtl__calloc((size_t)T, sizeof *wk->b);
  wk->yy = mtl__malloc((size_t)T * sizeof(double));
  wk->q = mtl__malloc((size_t)T * d * sizeof(double));
  wk->c = mtl__malloc((size_t)3 * T * sizeof(double));
  wk->z = mtl__malloc((size_t)max_n * sizeof(double));
  wk->rows = mtl__malloc((size_t)d * sizeof(int));
  wk->sw = mtl__malloc((size_t)T * sizeof *wk->sw);
  if (!wk->G || !wk->b || !wk->yy || !wk->q || !wk->c || !wk->z ||
      !wk->rows || !wk->sw)
    return MTL_ENOMEM;
  for (int t = 0; t < T; t++)
    wk->sw[t] = pb->ds->tasks[t].sw;
  wk->h = wk->c + T;
  wk->w = wk->c + 2 * T;
  return MTL_OK;
}

static void work_clear(work *wk) {
  free(wk->n);
  free(wk->Xt);
  free(wk->Xc);
  free(wk->r);
  free(wk->rbuf);
  free(wk->cn);
  free(wk->G);
  free(wk->b);
  free(wk->yy);
  free(wk->q);
  free(wk->c);
  free(wk->z);
  free(wk->own);
  free(wk->rows);
  free(wk->sw);
}

/* Appends F to the trace (capacity *cap, doubled up to max_iter). */
static int trace_push(double **trace, int *cap, int *n, int max_iter,
                      double F) {
  if (*n == *cap) {
    int ncap = *cap > max_iter / 2 ? max_iter : 2 * *cap;
    double *nt = realloc(*trace, (size_t)ncap * sizeof(double));
    if (!nt)
      return mtl__err(MTL_ENOMEM,
                      "bcd solver: out of memory growing the objective "
                      "trace to %d entries",
                      ncap);
    *trace = nt;
    *cap = ncap;
  }
  (*trace)[(*n)++] = F;
  return MTL_OK;
}

/* q (Gram mode) or r (residual mode) from scratch. */
static void refresh(const mtl_problem *pb, work *wk, const double *W) {
  if (wk->Xc)
    refresh_r(pb, wk, W);
  else
    refresh_q(wk, W);
}

/* The objective from what the pass keeps up to date. */
static double objective_pass(const work *wk, const double *W) {
  return wk->Xc ? objective_resid(wk, W) : objective_gram(wk, W);
}

/* The work arrays, the Gram data or the residual copies, and the trace
 * (record_trace: *cap entries to start with). */
static int setup(const mtl_problem *pb, const mtl_solver_params *sp, work *wk,
                 double **trace, int *cap) {
  int rc = work_init(pb, wk);
  if (rc)
    return rc;
  if (sp->record_trace) {
    *cap = sp->max_iter < 1024 ? sp->max_iter : 1024;
    *trace = mtl__malloc((size_t)*cap * sizeof(double));
    if (!*trace)
      return MTL_ENOMEM;
  }
  return want_residuals(pb) ? setup_residuals(pb, wk) : setup_gram(pb, wk);
}

/* The gap rule after pass iter (largest change `change`, wmax = max|W|):
 * the gap, as scikit-learn's coordinate descent takes it, only every
 * gap_every passes once a pass moves no weight by more than tol_gap
 * max|W| (a gap met while the weights still move leaves them further from
 * the optimum than the tolerance suggests, and a certificate costs about
 * two passes).  1: gap <= tol_gap primal; 0: go on; < 0: an error. */
static int gap_stop(mtl_problem *pb, const mtl_solver_params *sp,
                    const double *W, int iter, double change, double wmax) {
  if (iter % sp->gap_every != 0 || change > sp->tol_gap * wmax)
    return 0;
  mtl_certificate cert;
  int rc = mtl_problem_certificate(pb, W, &cert);
  if (rc != MTL_OK)
    return rc < 0 ? rc : MTL_ENUMERIC;
  return isfinite(cert.gap) && cert.gap <= sp->tol_gap * fabs(cert.primal);
}

/* The rows of the next pass (d: every row) after a pass over nrows rows
 * (d: every row; else the working set) whose largest change was `change`
 * (fixed: at the fixed point).  After the working set: every row once it
 * is at its fixed point or has settled to *inner, else the working set
 * again.  After every row: the rows left nonzero (none: every row again),
 * and *inner = INNER change. */
static int next_rows(work *wk, const double *W, int nrows, double change,
                     int fixed, double *inner) {
  if (nrows != wk->d)
    return fixed || change <= *inner ? wk->d : nrows;
  *inner = INNER * change;
  int n = active_rows(wk, W);
  return n ? n : wk->d;
}

/* The objective of the result from the data (residual mode: the
 * residuals computed afresh, as objective_data does). */
static double final_objective(const mtl_problem *pb, work *wk,
                              const double *W) {
  if (!wk->Xc)
    return objective_data(pb, wk, W);
  refresh_r(pb, wk, W);
  return objective_resid(wk, W);
}

/* Solves by cyclic passes until the coordinate fixed point (a pass over
 * every row whose largest change is <= CHANGE_TOL max|W|), the duality gap
 * tol_gap (checked every gap_every passes once a pass changes no weight by
 * more than tol_gap max|W|; the relative objective change tol_obj at a
 * pass over every row where there is no gap rule), or max_iter passes
 * (over every row or over the working set: see the top).
 * The progress callback receives the largest coordinate change of the pass
 * as its `residual`. */
int mtl__bcd_solve(mtl_problem *pb, const mtl_solver_params *sp, double *W,
                   mtl_solve_info *info) {
  double t0 = mtl__now();
  work wk = {0};
  double *trace = NULL, F = NAN, Fprev;
  int ntrace = 0, cap = 0, iter = 0, d = 0, T = 0, rc;
  if (info)
    memset(info, 0, sizeof *info);
  if ((rc = check_args(pb, sp, W)) < 0)
    goto done;
  d = pb->d;
  T = pb->T;
  atomic_store(&pb->interrupt, 0);
  if ((rc = setup(pb, sp, &wk, &trace, &cap)) < 0)
    goto done;
  /* as in FISTA: where a duality gap exists and is asked for, it alone
   * decides (a cyclic pass can change the objective by 1e-10 while the
   * gap is still 1e-5); a coordinate fixed point also ends the run */
  int gap_rule = sp->tol_gap > 0 && mtl__problem_has_dual(pb);
  refresh(pb, &wk, W);
  Fprev = objective_pass(&wk, W);
  rc = MTL_MAXITER;
  int nrows = d;     /* rows of the next pass: d = every row */
  double inner = 0;  /* the working set's change that sends back to every
                        row: INNER x that of the last pass over every row */
  double visits = 0; /* row visits since the last refresh */
  while (iter < sp->max_iter) {
    if (atomic_load(&pb->interrupt)) {
      rc = mtl__err(MTL_ECANCELLED, "bcd solver: interrupted at iteration %d",
                    iter);
      break;
    }
    if (visits >= (double)REFRESH * d) {
      refresh(pb, &wk, W);
      visits = 0;
    }
    int full = nrows == d;
    double change = pass(&wk, W, full ? NULL : wk.rows, nrows);
    visits += nrows;
    iter++;
    F = objective_pass(&wk, W);
    if (!isfinite(F)) {
      rc = mtl__err(MTL_ENUMERIC,
                    "bcd solver: objective is %g at iteration %d (data or "
                    "parameters too large?)",
                    F, iter);
      break;
    }
    double rel = fabs(F - Fprev) / (fabs(F) > DBL_MIN ? fabs(F) : DBL_MIN);
    Fprev = F;
    int e = trace ? trace_push(&trace, &cap, &ntrace, sp->max_iter, F) : 0;
    if (e) {
      rc = e;
      break;
    }
    if (sp->progress &&
        sp->progress(sp->progress_ctx, iter, F, rel, change) != 0) {
      rc = mtl__err(MTL_ECANCELLED,
                    "bcd solver: cancelled by the progress callback at "
                    "iteration %d",
                    iter);
      break;
    }
    double wmax = max_abs(W, (size_t)T * d);
    int fixed = change <= CHANGE_TOL * wmax;
    int stop = full && fixed;
    if (!stop && gap_rule &&
        (stop = gap_stop(pb, sp, W, iter, change, wmax)) < 0) {
      rc = stop;
      break;
    }
    if (stop || (full && !gap_rule && sp->tol_obj > 0 &&
                 rel <= sp->tol_obj)) {
      rc = MTL_CONVERGED;
      break;
    }
    nrows = next_rows(&wk, W, nrows, change, fixed, &inner);
  }
  if (rc == MTL_CONVERGED || rc == MTL_MAXITER || rc == MTL_ECANCELLED)
    F = final_objective(pb, &wk, W);

done:
  if (info && pb && W) {
    info->status = rc >= 0 ? rc : 0;
    info->iterations = iter;
    info->objective = F;
    info->seconds = mtl__now() - t0;
    if (rc >= 0) {
      info->trace = trace;
      trace = NULL;
    }
  }
  free(trace);
  work_clear(&wk);
  return rc;
}
