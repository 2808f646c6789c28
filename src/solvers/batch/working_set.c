/*
 * working_set.c -- a working-set (active-set) outer loop around the
 * proximal-gradient solve of the L1 / L2,1 problems with a duality gap
 * (Johnson & Guestrin 2015, Blitz; Massias, Gramfort & Salmon 2018,
 * Celer): most feature rows of a wide problem stay zero at the optimum,
 * so FISTA runs on the restricted problem of a few rows
 * (mtl__problem_restrict: an iteration costs |WS| / d of a full one, and
 * a small enough restricted problem gets the Newton polish of solve.c,
 * whose cache's size and cost limits (problem_dual.c) rule out the full
 * problem's d), and the FULL
 * problem's duality gap decides when to stop:
 *
 *   1. at W (the warm start), the full gradient G and certificate; stop if
 *      the gap passes;
 *   2. rank the penalized rows: the nonzero rows of W first, then the zero
 *      rows by their KKT score ||G_j||_2 / lambda (L2,1) or
 *      max_t |G_jt| / lambda (L1), which exceeds 1 exactly where a zero
 *      row violates the optimality condition (the ridge's gradient is zero
 *      there; L1 keeps whole rows: a row of the set holds all its tasks);
 *   3. where some row outside the last working set violates it (and in
 *      the first round), grow: the first max(2 |support|, 10, |last set| +
 *      the violators up to 2 |last set|) rows (Celer's 2 |support|), solved
 *      to max(WS_INNER x the target, WS_INNER x the last full gap);
 *      otherwise the restricted problem was solved too loosely: prune the
 *      set to the support and the zero rows of score > WS_NEAR (so that it
 *      is small enough for the Newton polish and cheap per iteration) and
 *      solve to WS_INNER x the target, cut 10-fold at each further such
 *      round;
 *   4. solve the restricted problem from W's rows (relative gaps are to
 *      the objective, which is the full one: the excluded rows are zero),
 *      write its rows back into W (the others zero), and go to 1.
 *
 * The returned certificate is the full problem's (mtl_problem_certificate
 * at the returned W, with the largest dual objective seen, as solve.c's),
 * never a restricted one.  Where a round would take every row, or after
 * WS_QUIET_MAX rounds without violators, the full problem is solved from the
 * current W instead (solve.c's plain path, which also serves every problem
 * mtl__ws_applies turns away).  Iterations, restarts, the trace and
 * max_iter count the restricted solves' iterations together.
 */
#include "solvers/solvers.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Penalized rows from which the working set is used, by measurement
 * (`mtl cv`, 20 lambdas, 5 folds, CPU seconds, best of 3, with / without
 * it): `mtl gen` sparse data (T = 20, n_t = 60, easy: tens of iterations
 * per point), d = 100: L2,1 0.35 / 0.32, L1 0.43 / 0.35; d = 200: 0.71 /
 * 0.65, 1.20 / 1.25; d = 300: 0.94 / 1.06, 2.51 / 2.67; the atp1d-like
 * problem of bench/gen_wide.py (d = 411, correlated raw features, hundreds
 * of iterations per point): L2,1 3.6 / 20.3.  Below ~200 rows a full
 * iteration is cheap and the rounds' set-up (a copy of the columns, a
 * Lipschitz estimate, two full certificates) is not repaid.  Likewise a
 * support of more than WS_MAX_SHARE of the rows goes to the full solve. */
#define WS_MIN_ROWS 200
#define WS_MAX_SHARE 0.5  /* a larger support: the full solve */
#define WS_START 10       /* rows of a first working set at least */
#define WS_INNER 0.3      /* restricted gap: this share of the target */
#define WS_QUIET_MAX 6    /* rounds without violators before the full
                             solve */
#define WS_PRUNE_GAP 1e-2 /* prune only at a full relative gap this small
                             (the KKT scores of a far iterate mislead) */
#define WS_NEAR 0.95      /* a zero row of this KKT score stays in a pruned
                             set */

int mtl__ws_applies(const mtl_problem *pb, const mtl_solver_params *sp) {
  mtl_reg_type r = pb->p.reg.type;
  return sp->working_set && !pb->restricted &&
         (sp->solver == MTL_SOLVER_FISTA || sp->solver == MTL_SOLVER_ISTA) &&
         (r == MTL_REG_L1 || r == MTL_REG_L21) && pb->p.reg.lambda > 0 &&
         sp->tol_gap > 0 && pb->d_pen >= WS_MIN_ROWS &&
         mtl__problem_has_dual(pb);
}

typedef struct ws {
  mtl_problem *pb;
  const mtl_solver_params *sp;
  int d, T, dp, bias;
  double *G;       /* d x T: the full loss gradient at W */
  double *P;       /* d x T: the certificate's scratch */
  double *Ws;      /* the restricted W, (m + bias) x T */
  int *rows, m;    /* the working set, increasing */
  char *in;        /* dp: row in the last working set */
  struct rank { double s; int j; } *rk; /* dp */
  int nnz, viol;   /* nonzero rows of W, violating rows outside the set */
  int near;        /* zero rows of score > WS_NEAR */
  int quiet_rounds; /* rounds without violators so far */
  mtl_certificate cert; /* the full certificate at W */
  double best_dual, gap; /* the largest dual objective; relative gap */
  int iters, restarts;
  double L;
  double *trace;   /* max_iter entries or NULL */
} ws;

/* The full certificate and gradient at W: *ok when the gap passes. */
static int full_check(ws *w, const double *W, int *ok) {
  int rc = mtl__problem_certificate_buf(w->pb, W, &w->cert, w->G, w->P);
  if (rc)
    return rc;
  if (w->cert.dual > w->best_dual)
    w->best_dual = w->cert.dual;
  double gap = w->cert.primal - w->best_dual;
  w->gap = gap / fabs(w->cert.primal);
  *ok = isfinite(gap) && gap <= w->sp->tol_gap * fabs(w->cert.primal);
  return MTL_OK;
}

static int by_rank(const void *a, const void *b) {
  const struct rank *x = a, *y = b;
  if (x->s != y->s)
    return x->s > y->s ? -1 : 1;
  return (x->j > y->j) - (x->j < y->j);
}

static int by_index(const void *a, const void *b) {
  int x = *(const int *)a, y = *(const int *)b;
  return (x > y) - (x < y);
}

/* Ranks the penalized rows at W (step 2 above); counts the nonzero rows
 * and the violating zero rows outside the last working set. */
static void rank_rows(ws *w, const double *W) {
  int d = w->d, T = w->T, l1 = w->pb->p.reg.type == MTL_REG_L1;
  double lam = w->pb->p.reg.lambda;
  w->nnz = w->viol = w->near = 0;
  for (int j = 0; j < w->dp; j++) {
    int nz = 0;
    double s = 0;
    for (int t = 0; t < T; t++) {
      double g = w->G[j + (size_t)t * d];
      nz |= W[j + (size_t)t * d] != 0;
      s = l1 ? fmax(s, fabs(g)) : s + g * g;
    }
    s = (l1 ? s : sqrt(s)) / lam;
    w->nnz += nz;
    w->viol += !nz && !w->in[j] && s > 1;
    w->near += !nz && s > WS_NEAR;
    w->rk[j].j = j;
    w->rk[j].s = nz ? INFINITY : s;
  }
  qsort(w->rk, (size_t)w->dp, sizeof *w->rk, by_rank);
}

/* The first m ranked rows become the working set. */
static void take_rows(ws *w, int m) {
  memset(w->in, 0, (size_t)w->dp);
  for (int k = 0; k < m; k++) {
    w->rows[k] = w->rk[k].j;
    w->in[w->rk[k].j] = 1;
  }
  qsort(w->rows, (size_t)m, sizeof *w->rows, by_index);
  w->m = m;
}

/* Progress of a restricted solve: the full problem's interrupt cancels it
 * (mtl_problem_interrupt is called on the problem the caller holds), the
 * caller's callback sees the iterations counted over the whole solve. */
static int ws_progress(void *ctx, int iter, double obj, double rel,
                       double res) {
  ws *w = ctx;
  if (atomic_load(&w->pb->interrupt))
    return 1;
  return w->sp->progress
             ? w->sp->progress(w->sp->progress_ctx, w->iters + iter, obj,
                               rel, res)
             : 0;
}

/* Adds a solve's counts and trace to the totals. */
static void account(ws *w, mtl_solve_info *si) {
  if (w->trace && si->trace)
    memcpy(w->trace + w->iters, si->trace,
           (size_t)si->iterations * sizeof(double));
  mtl_free(si->trace);
  si->trace = NULL;
  w->iters += si->iterations;
  w->restarts += si->restarts;
  w->L = si->L;
}

/* Solves the problem restricted to the working set from W's rows to a
 * relative gap tol, and writes its rows back into W (the other penalized
 * rows zero).  The solver's status, or an error. */
static int sub_solve(ws *w, double *W, double tol) {
  int d = w->d, T = w->T, m = w->m, mc = m + w->bias;
  mtl_problem *sub;
  int rc = mtl__problem_restrict(w->pb, w->rows, m, &sub);
  if (rc)
    return rc;
  for (int t = 0; t < T; t++) {
    for (int k = 0; k < m; k++)
      w->Ws[k + (size_t)t * mc] = W[w->rows[k] + (size_t)t * d];
    if (w->bias)
      w->Ws[m + (size_t)t * mc] = W[d - 1 + (size_t)t * d];
  }
  mtl_solver_params s = *w->sp;
  s.tol_gap = tol;
  s.max_iter = w->sp->max_iter - w->iters;
  s.progress = ws_progress;
  s.progress_ctx = w;
  mtl_solve_info si;
  int st = mtl_solve(sub, &s, w->Ws, &si);
  mtl_problem_free(sub);
  if (st < 0 && st != MTL_ECANCELLED)
    return st;
  if (st >= 0)
    account(w, &si);
  for (int t = 0; t < T; t++) {
    double *col = W + (size_t)t * d;
    memset(col, 0, (size_t)w->dp * sizeof(double));
    for (int k = 0; k < m; k++)
      col[w->rows[k]] = w->Ws[k + (size_t)t * mc];
    if (w->bias)
      col[d - 1] = w->Ws[m + (size_t)t * mc];
  }
  return st;
}

/* The plain solve of the full problem from W (solve.c's path). */
static int full_solve(ws *w, double *W) {
  mtl_solver_params s = *w->sp;
  s.working_set = 0;
  s.max_iter = w->sp->max_iter - w->iters;
  s.progress = ws_progress;
  s.progress_ctx = w;
  mtl_solve_info si;
  int st = mtl_solve(w->pb, &s, W, &si);
  if (st >= 0) {
    account(w, &si);
    if (si.cert.dual > w->best_dual)
      w->best_dual = si.cert.dual;
  }
  return st;
}

/* The size of the next working set (steps 2-3 above), and the restricted
 * tolerance in *tol; 0 when the full problem should be solved instead.
 * *quiet counts the consecutive rounds without violators. */
static int next_size(ws *w, int round, int *quiet, double *inner,
                     double *tol) {
  int m;
  if (round == 0 || w->viol > 0) { /* grow: the violators join */
    int add = w->m + w->viol < 2 * w->m ? w->m + w->viol : 2 * w->m;
    m = 2 * w->nnz > WS_START ? 2 * w->nnz : WS_START;
    m = m > add ? m : add;
    *tol = fmax(*inner, WS_INNER * w->gap);
    *quiet = 0;
  } else { /* prune near the optimum, tighten after a quiet round */
    m = w->m;
    if (w->gap <= WS_PRUNE_GAP && w->nnz + w->near < m)
      m = w->nnz + w->near > WS_START ? w->nnz + w->near : WS_START;
    if (++w->quiet_rounds > WS_QUIET_MAX)
      return 0;
    if (++*quiet > 1)
      *inner *= 0.1;
    *tol = *inner;
  }
  return m < w->dp && w->nnz <= WS_MAX_SHARE * w->dp ? m : 0;
}

/* The outer loop (steps 1-4 above): MTL_CONVERGED when the full gap
 * passed, MTL_MAXITER, or an error. */
static int outer(ws *w, double *W) {
  int ok, rc, quiet = 0;
  double inner = WS_INNER * w->sp->tol_gap, tol;
  if ((rc = full_check(w, W, &ok)) || ok)
    return rc ? rc : MTL_CONVERGED;
  for (int round = 0;; round++) {
    if (w->iters >= w->sp->max_iter)
      return MTL_MAXITER;
    rank_rows(w, W);
    int m = next_size(w, round, &quiet, &inner, &tol);
    if (m == 0) /* nothing left to exclude, or stalled: the full solve */
      return full_solve(w, W);
    take_rows(w, m);
    if ((rc = sub_solve(w, W, tol)) < 0)
      return rc;
    int st = rc;
    if ((rc = full_check(w, W, &ok)))
      return rc;
    if (ok)
      return MTL_CONVERGED;
    if (st == MTL_MAXITER)
      return MTL_MAXITER;
  }
}

int mtl__ws_solve(mtl_problem *pb, const mtl_solver_params *sp, double *W,
                  mtl_solve_info *info) {
  int d = pb->d, T = pb->T, dp = pb->d_pen;
  size_t dT = (size_t)d * T;
  double t0 = mtl__now();
  ws w = {.pb = pb, .sp = sp, .d = d, .T = T, .dp = dp, .bias = dp < d,
          .best_dual = -INFINITY};
  for (size_t k = 0; k < dT; k++)
    if (!isfinite(W[k]))
      return mtl__err(MTL_EINVAL, "initial W entry %zu is not finite", k);
  w.G = mtl__malloc(dT * sizeof(double));
  w.P = mtl__malloc(dT * sizeof(double));
  w.Ws = mtl__malloc(dT * sizeof(double));
  w.rows = mtl__malloc((size_t)dp * sizeof(int));
  w.in = mtl__calloc((size_t)dp, 1);
  w.rk = mtl__malloc((size_t)dp * sizeof *w.rk);
  if (sp->record_trace)
    w.trace = mtl__malloc((size_t)sp->max_iter * sizeof(double));
  int rc = MTL_ENOMEM;
  if (!w.G || !w.P || !w.Ws || !w.rows || !w.in || !w.rk ||
      (sp->record_trace && !w.trace))
    goto done;
  atomic_store(&pb->interrupt, 0);
  rc = outer(&w, W);
  if (rc >= 0 && info) {
    int e = mtl_problem_certificate(pb, W, &info->cert);
    if (e) {
      rc = e;
      goto done;
    }
    if (w.best_dual > info->cert.dual) { /* the best dual point seen */
      info->cert.dual = fmin(w.best_dual, info->cert.primal);
      info->cert.gap = info->cert.primal - info->cert.dual;
    }
    info->status = rc;
    info->iterations = w.iters;
    info->restarts = w.restarts;
    info->objective = info->cert.primal;
    info->L = w.L;
    info->seconds = mtl__now() - t0;
    info->trace = w.trace;
    w.trace = NULL;
  }
done:
  free(w.G);
  free(w.P);
  free(w.Ws);
  free(w.rows);
  free(w.in);
  free(w.rk);
  free(w.trace);
  return rc;
}
