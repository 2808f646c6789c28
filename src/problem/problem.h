/*
 * problem.h -- private header of the src/problem layer: the regularizer
 * table, the loss resolver, the problem internals and the proximal-gradient
 * kernel.  Includes the data layer's header.  Not installed.
 */
#ifndef MTL_PROBLEM_H
#define MTL_PROBLEM_H

#include "data/data.h"

/* ---- the problem (problem.c, problem_loss.c, problem_dual.c) ------------
 * The library's internal solver interface, hidden in libmtl.so: the
 * methods build problems from their parameters (mtl_fit), tests and
 * benchmarks call it directly. */

typedef struct mtl_problem mtl_problem;

/** Builds a problem on ds (which must outlive it): validates parameters
 *  (one message per bad field), precomputes Gram matrices and Lipschitz
 *  bounds, starts worker threads. */
int mtl_problem_create(const mtl_dataset *ds,
                       const mtl_problem_params *p,
                       mtl_problem **out);
void mtl_problem_free(mtl_problem *pb);
int mtl_problem_dim(const mtl_problem *pb);
int mtl_problem_ntasks(const mtl_problem *pb);
/** The resolved loss of task t (MTL_LOSS_AUTO replaced by the task kind's
 *  default). */
mtl_loss mtl_problem_task_loss(const mtl_problem *pb, int t);

/** Smooth part f(W) = sum_t c_t loss_t(w_t); grad (d x T, may be NULL). */
int mtl_problem_loss(mtl_problem *pb, const double *W, double *f,
                     double *grad);
/** Full objective f(W) + reg(W). */
int mtl_problem_objective(mtl_problem *pb, const double *W,
                          double *obj);
/** Upper bound on the Lipschitz constant of grad f (per task max). */
double mtl_problem_lipschitz(const mtl_problem *pb);
/** Smallest lambda for which W = 0 is optimal (norm regularizers, ridge =
 *  0), i.e. the dual norm of grad f(0). */
int mtl_problem_lambda_max(mtl_problem *pb, double *lambda_max);
/** Changes lambda (for paths) without recomputing precomputed data. */
int mtl_problem_set_lambda(mtl_problem *pb, double lambda);

/* Optimality certificate of a point W. */
typedef struct mtl_certificate {
  double primal;    /* objective at W */
  double dual;      /* dual objective at the scaled dual point (NaN when no
                       closed-form dual: only the squared loss, or the
                       logistic loss with labels +-1 on every task, with
                       L1, L21 or trace, any ridge, has one) */
  double gap;       /* primal - dual (>= 0 up to rounding; NaN if none) */
  double residual;  /* proximal-gradient fixed-point residual
                       ||W - prox_{g/L}(W - grad f(W)/L)||_F * L, which is
                       0 exactly at a minimizer */
  MTL_RESERVED; /* room to grow (see "Conventions") */
} mtl_certificate;

int mtl_problem_certificate(mtl_problem *pb, const double *W,
                            mtl_certificate *cert);
/* The same with the caller's work arrays (d x T each): G = the loss
 * gradient at W on return, P scratch. */
int mtl__problem_certificate_buf(mtl_problem *pb, const double *W,
                                 mtl_certificate *cert, double *G,
                                 double *P);

/** Sets the interrupt flag: a solver running on pb returns MTL_ECANCELLED
 *  at its next iteration.  Safe to call from any thread or signal handler.
 *  Solvers clear the flag when they start. */
void mtl_problem_interrupt(mtl_problem *pb);

/* ---- regularizer table (reg.c) ------------------------------------------ */
/* sign(x) max(|x| - thr, 0): the prox of thr |.| (L1). */
double mtl__soft_threshold(double x, double thr);
/* The factor of the L2,1 group shrinkage of a row of norm nrm:
 * max(0, 1 - thr / nrm) * scale (scale = ridge shrinkage). */
double mtl__l21_shrink(double nrm, double thr, double scale);
/* What the prox of one column (task) of W needs besides that column. */
typedef enum {
  MTL__COL_SEPARABLE = 0, /* nothing: none, ridge, L1, any lambda = 0 */
  MTL__COL_ROWS,          /* the squared row norms of W (L2,1) */
  MTL__COL_SPECTRAL,      /* the SVD of W (trace norm) */
  MTL__COL_COUPLED        /* every entry of W (mean, graph) */
} mtl__reg_col;
mtl__reg_col mtl__reg_col_kind(const mtl_reg *r);
/* Column of prox_{step reg}(V): v = V[:, t] (d entries); rowsq = the d
 * squared row norms of V (MTL__COL_ROWS only, else may be NULL).
 * MTL_EUNSUPPORTED for the spectral and coupled kinds. */
int mtl__reg_prox_col(const mtl_reg *r, double step, const double *v, int d,
                      const double *rowsq, double *out);
/* mtl_reg_prox, and *gval (when not NULL) = lambda g(out) + ridge
 * ||out||_F^2 where the prox knows it on the way (trace norm: from the
 * shrunk singular values), else NAN.  force_svd = 1: the trace prox by the
 * SVD of V even where the Gram route is accurate enough (tests). */
int mtl__reg_prox_val(const mtl_reg *r, double step, const double *V, int d,
                      int T, double *out, double *gval, int force_svd);
/* 1 for the norms (L1, L2,1, trace): dual norm, duality gap, lambda_max. */
int mtl__reg_is_norm(mtl_reg_type t);
/* lambda_max at the loss gradient G (d x T): the dual norm of G for a
 * norm, max |G| (a scale) for other penalties. */
int mtl__reg_lambda_max(const mtl_reg *r, const double *G, int d, int T,
                        double *out);
/* Dual feasibility of M = -grad f (d x T) for h = lambda g + ridge ||.||^2
 * with g a norm: ridge = 0: *s = min(1, lambda / ||M||_*), *hstar = 0;
 * ridge > 0: *s = 1 and *hstar = h*(M) = ||M - Proj_{||.||_* <= lambda}(M)||^2
 * / (4 ridge). */
int mtl__reg_dual_conj(const mtl_reg *r, const double *M, int d, int T,
                       double *s, double *hstar);
/* Q = lambda Z + 2 ridge W with Z a subgradient of the norm g at W (L1,
 * L2,1, trace; else MTL_EUNSUPPORTED), chosen near M / lambda where W is
 * zero (entries, rows, the orthogonal complement of W's singular
 * subspaces): the dual target of the certificate's Newton dual point. */
int mtl__reg_subgrad(const mtl_reg *r, const double *W, const double *M,
                     int d, int T, double *Q);

/* ---- more norms of the table (reg_norms.c) ------------------------------ */
/* The threshold theta of the Euclidean projection of the n entries
 * v[0], v[stride], ... onto the L1 ball of radius z (Duchi et al. 2008):
 * Proj(v) = sign(v) max(|v| - theta, 0); 0 when ||v||_1 <= z.  work: n
 * doubles. */
double mtl__l1ball_theta(const double *v, int n, int stride, double z,
                         double *work);
double mtl__g_l1inf(const mtl_reg *r, const double *W, int d, int T);
int mtl__prox_l1inf(const mtl_reg *r, double step, const double *V, int d,
                    int T, double *out);
int mtl__dual_l1inf(const double *G, int d, int T, double *out);
int mtl__excess_l1inf(const double *M, int d, int T, double lam,
                      double *out);
double mtl__g_col21(const mtl_reg *r, const double *W, int d, int T);
int mtl__prox_col21(const mtl_reg *r, double step, const double *V, int d,
                    int T, double *out);
int mtl__dual_col21(const double *G, int d, int T, double *out);
int mtl__excess_col21(const double *M, int d, int T, double lam,
                      double *out);

/* ---- the fused group lasso row prox (prox_fused.c) ---------------------- */
/* x = argmin 1/2 ||x - y||^2 + lam sum_{k<n} |x_{k+1} - x_k| (1-D total
 * variation, Condat 2013); x may be y. */
void mtl__tv1d(const double *y, int n, double lam, double *x);
/* In place on the n entries x[0], x[stride], ...: x = prox of a ||x||_1 +
 * b TV(x) + c ||x||_2 (a, b, c >= 0, already times the step).  work: n
 * doubles. */
void mtl__prox_fused_row(double *x, int n, size_t stride, double a, double b,
                         double c, double *work);
/* a ||x||_1 + b TV(x) + c ||x||_2 on the same strided entries. */
double mtl__fused_value(const double *x, int n, size_t stride, double a,
                        double b, double c);

/* ---- problem internals (problem.c, problem_loss.c, problem_dual.c) ------ */

struct mtl_problem {
  const mtl_dataset *ds;
  int d, T;
  mtl_problem_params p;     /* copy; p.task_loss and p.reg.R point below */
  int *task_loss;           /* T resolved losses */
  double *R;                /* copy of graph R (T x E) or NULL */
  double *scale;            /* T: c_t * s(n_t) */
  /* Gram data for squared-loss tasks (NULL entries when not used) */
  double **G;               /* d x d per task (shared: all point to G[0]) */
  double **b;               /* X_t' y_t (d) */
  double *yy;               /* y_t' y_t */
  int *use_gram;            /* per task */
  double L;                 /* Lipschitz bound of grad f */
  double *Lt;               /* per task bound */
  mtl__pool *pool;
  /* per-task scratch for residuals: max n_t per worker */
  double **zbuf;            /* per worker, max_n entries */
  double *task_f;           /* per task loss value */
  int max_n;
  int d_pen;                /* penalized rows: d or d - 1 */
  int shared_gram;          /* 1: G[t] all alias one shared matrix */
  double *scratch;          /* d x T workspace for the prox of d_pen rows */
  /* unpenalized last feature z_t = X_t e_{d-1} (for the dual point):
   * gz = X_t' z_t (d x T), zz_t = z_t'z_t, zy_t = z_t'y_t */
  double *gz, *zz, *zy;
  /* shared design without a Gram matrix: Z = X W and its loss derivative
   * (n x T each), so that one pass over X serves every task */
  double *Zs, *DZs;
  double *dzbuf_all;        /* per worker loss-derivative buffers (owned) */
  double *zbuf_all;         /* per worker residual buffers (owned) */
  double **dzbuf;           /* per worker, block entries */
  double *task_rr;          /* per task ||X_t w_t - y_t||^2 (certificate) */
  double *task_yr;          /* per task y_t'(y_t - X_t w_t) */
  /* the certificate's Newton dual point (problem_dual.c), built on the
   * first certificate: per task an index into dual_blk (-1: none), each
   * block pinv(H) then H = X_t'X_t (d x d each); dual_state 0 = not tried,
   * 1 = built, -1 = unavailable (d too large, no dense squared task) */
  int *dual_idx;
  double *dual_blk;
  int dual_state;
  atomic_int interrupt;
  /* logistic-only problems: the loss Hessian of each task over a_t at the
   * last Newton point, X_t'diag(s_i sigma_i (1 - sigma_i))X_t (d x d each,
   * mtl__problem_logit_hessians), or NULL */
  double *logit_H;
  /* a restriction to a working set of rows (problem_ws.c): 1, and the
   * dataset of its columns that the problem owns (NULL otherwise) */
  int restricted;
  mtl_dataset *own_ds;
};

/* Row-block size of the fused raw-data gradient pass: rows of X_t are
 * streamed once from memory; each block is reused from cache for X'r. */
#define MTL__BLOCK_ROWS 256

/* 1 if the certificate has a closed-form dual (duality gap): squared loss
 * on every task, or logistic loss with labels +-1 on every task
 * (problem_dual_logit.c), with an L1, L2,1 or trace-norm regularizer. */
int mtl__problem_has_dual(const mtl_problem *pb);
/* 1 if every task has the squared loss. */
int mtl__problem_squared_only(const mtl_problem *pb);
/* *D = the dual objective at the dual point of the loss gradient G (d x T,
 * from mtl__problem_loss_stats with stats = 1 at the same W), for the
 * penalty inf-convolution of the nreg norms regs[i] (lambda_i g_i; each
 * g_i a norm on the penalized rows; a ridge only when nreg = 1): the
 * duality gap of min f(W) + lambda g(W) (nreg = 1) and of the
 * decomposition min f(P + Q) + lambda_1 g_1(P) + lambda_2 g_2(Q) (2). */
int mtl__problem_dual(mtl_problem *pb, const double *G, const mtl_reg *regs,
                      int nreg, double *D);
/* The same dual feasibility scaling (*s, *hstar of mtl__reg_dual_conj)
 * for M (d_pen x T) and the inf-convolution of the nreg norms regs[i]. */
int mtl__problem_dual_scale(const mtl_reg *regs, int nreg, const double *M,
                            int d, int T, double *s, double *hstar);
/* 1 if every task has the logistic loss and labels in {-1, +1}
 * (problem_dual_logit.c). */
int mtl__problem_logistic_only(const mtl_problem *pb);
/* *D = the dual objective of the logistic loss at the dual point of W (the
 * loss gradient's, with entropy terms, scaled to feasibility), for the
 * inf-convolution of the nreg norms regs[i] as mtl__problem_dual. */
int mtl__problem_dual_logit(mtl_problem *pb, const double *W,
                            const mtl_reg *regs, int nreg, double *D);
/* Fills pb->logit_H with the logistic Hessians at W (dense or CSR tasks,
 * d <= 256, 64 MB at most): 1, or 0 where unavailable (not logistic-only,
 * too large), or an error. */
int mtl__problem_logit_hessians(mtl_problem *pb, const double *W);
/* Builds the per-task X_t'X_t blocks and pseudo-inverses of the Newton
 * dual point and Newton steps once (pb->dual_*); 1 if available (d <= 256,
 * squared-loss tasks with a Gram matrix or a dense X, 64 MB at most).
 * Not thread-safe on one problem (like mtl_problem_certificate). */
int mtl__problem_newton_cache(mtl_problem *pb);
/* A Newton step on the active manifold of the squared or logistic loss
 * with an L1 or L2,1 penalty (problem_newton.c) from W: the full step
 * where it lowers the objective or leaves it flat to rounding (1e-13
 * relative) while the manifold gradient shrinks 4-fold, else the step
 * shortened until the objective decreases: 1 and Wn = the new point, *F =
 * F(Wn) when one is taken; 0 when none is or the problem has no such step
 * (other losses or penalties, no cache, lambda = 0); or an error.  w: a
 * workspace of mtl__newton_create for pb (the step does not allocate;
 * the logistic Hessians are pb's, allocated once). */
typedef struct mtl__newton mtl__newton;
int mtl__newton_create(const mtl_problem *pb, mtl__newton **out);
void mtl__newton_free(mtl__newton *w);
int mtl__problem_newton(mtl_problem *pb, mtl__newton *w, const double *W,
                        double *Wn, double *F);
/* ADMM with exact per-task solves for the squared loss (problem_admm.c),
 * the polish of the trace norm: W = Z split, W-step by the
 * eigendecompositions of the cache's X_t'X_t blocks, Z-step the penalty's
 * prox, residual balancing of rho.  create: 1 and *out (from W0, the
 * first Z-step being a proximal-gradient step), 0 and *out = NULL where
 * unavailable (other losses, no cache), or an error.  run: iters more
 * iterations, Z (d x T) = the current Z, a prox output.  Not thread-safe
 * on one problem (it uses the certificate's cache). */
typedef struct mtl__admm mtl__admm;
int mtl__admm_create(mtl_problem *pb, const double *W0, mtl__admm **out);
int mtl__admm_run(mtl__admm *a, int iters, double *Z);
void mtl__admm_free(mtl__admm *a);
/* The loss a task uses (loss.c): requested, or for MTL_LOSS_AUTO the
 * default of the task kind (logistic for classification, squared for
 * regression).  The one place where MTL_LOSS_AUTO is resolved. */
int mtl__loss_resolve(int requested, mtl_task_kind kind);
/* sigma(-m) = 1 / (1 + e^m) without overflow (loss.c). */
double mtl__sigmoid_neg(double m);
/* The factor s(n) of a loss scaling (1, 1/n, 2, 2/n). */
double mtl__scaling_factor(mtl_scaling s, int n);
/* The same for a weighted count N = sum of the sample weights (N = n_t
 * without weights): integer weights then scale as repeated samples do. */
double mtl__scaling_factor_w(mtl_scaling s, double N);
/* mtl_loss_eval with sample weights sw (n entries, NULL = all 1): the sum
 * of sw[i] l(z_i, y_i), g[i] = sw[i] l'(z_i, y_i) (loss.c). */
double mtl__loss_eval_w(mtl_loss l, const double *z, const double *y,
                        const double *sw, int n, double *g);
/* Proximal step on the penalized rows only (the unpenalized last row, if
 * any, is copied).  out = prox_{step * reg}(V). */
int mtl__problem_prox(mtl_problem *pb, double step, const double *V,
                      double *out);
/* The same, with *gval = the regularizer's value at out where the prox
 * knows it on the way (mtl__reg_prox_val), else NAN. */
int mtl__problem_prox_val(mtl_problem *pb, double step, const double *V,
                          double *out, double *gval);
/* Regularizer value on the penalized rows. */
double mtl__problem_reg_value(const mtl_problem *pb, const double *W);
/* mtl_problem_loss; stats = 1 also fills task_rr / task_yr (squared-loss
 * residual statistics of the certificate). */
int mtl__problem_loss_stats(mtl_problem *pb, const double *W, double *f,
                            double *grad, int stats);
/* Gram data of one task with its sample weights S_t (I without; problem.c,
 * also used by the bcd solver): G = X_t'S_t X_t (d x d, G zeroed on entry
 * for a CSR or weighted task), b = X_t'S_t y_t (b zeroed on entry) and
 * *yy = y_t'S_t y_t; and whether two tasks have the same sample weights
 * (both none, or equal), i.e. one Gram matrix for a shared design. */
int mtl__task_gram(const mtl__task *tk, int d, double *G);
int mtl__task_gram_rhs(const mtl_dataset *ds, int t, double *b, double *yy);
int mtl__task_same_sw(const mtl__task *a, const mtl__task *b);
/* Copies rows [0, d_pen) of W (d x T) into dst (d_pen x T); dst may be W. */
void mtl__problem_pack_rows(const mtl_problem *pb, const double *W,
                            double *dst);

/* ---- working-set restriction (problem_ws.c) ---------------------------- */
/* *out = the problem of pb restricted to the penalized rows rows[0..m-1]
 * (increasing, < d_pen; the unpenalized last row, if any, is kept as the
 * last row): W_S (m (+1) x T) of it has the objective of W padded with
 * zero rows in pb.  The new problem owns a copy of those columns of the
 * data (mtl_problem_free frees it) and is marked restricted.  Its lambda
 * is pb's at the time of the call. */
int mtl__problem_restrict(const mtl_problem *pb, const int *rows, int m,
                          mtl_problem **out);

/* ---- accelerated proximal gradient (apg.c) ------------------------------ */
/* The one proximal-gradient kernel: min_x f(x) + g(x) over n doubles.
 * smooth: f(x) and, when grad is not NULL, its gradient; an error aborts
 * the run (MTL_ENUMERIC at a trial point only rejects the step when
 * reject_nonfinite is set).  prox (NULL = g is 0): out = prox_{step g}(v),
 * v and out may alias; it may store g(out) in *gout when it knows it on the
 * way (the kernel sets *gout = NAN before the call and then calls gval
 * only if it is still NAN).  gval (NULL = 0): g(x), added to the objective. */
typedef int (*mtl__apg_smooth_fn)(void *ctx, const double *x, double *f,
                                  double *grad);
typedef int (*mtl__apg_prox_fn)(void *ctx, double step, const double *v,
                                double *out, double *gout);
typedef double (*mtl__apg_value_fn)(void *ctx, const double *x);
/* A caller's convergence test at x (e.g. a duality gap): *stop = 1 to stop;
 * a nonzero return is an error that aborts the run. */
typedef int (*mtl__apg_check_fn)(void *ctx, const double *x, int *stop);

typedef struct mtl__apg_opts {
  int accelerate;       /* 1 = FISTA, 0 = ISTA (default 1) */
  int restart;          /* 0 none, 1 function, 2 gradient scheme (2) */
  double L0;            /* initial Lipschitz estimate, > 0 (1) */
  double backtrack;     /* L multiplier on a failed test, > 1 (2) */
  double shrink;        /* L multiplier before each step, <= 1 (1 = fixed
                           step until backtracking raises it) */
  int probe_backoff;    /* 1: after a failed longer-step probe (shrink < 1
                           undone by backtracking), wait 1, 2, 4, ... up to
                           PROBE_WAIT_MAX iterations before the next one
                           (for an expensive prox, where each failed probe
                           costs one more) (0) */
  double slack;         /* sufficient decrease accepted up to slack |f(Y)|
                           (0) */
  double noise;         /* a violation <= noise (|f(Y)| + |f(X+)|) is
                           rounding: keep the last accepted L (1e-12;
                           0 = off: then rounding near the optimum can
                           raise L without bound unless slack > 0) */
  int reject_nonfinite; /* MTL_ENUMERIC from smooth at a trial point means
                           "step too long" (0) */
  int max_iter;         /* (1000) */
  double tol_obj;       /* stop when |F_k - F_{k-10}| <= tol_obj |F_k|
                           (0 = off) */
  int obj_monotone;     /* ... and F_k <= F_{k-1} (0) */
  double tol_res;       /* stop when L ||X+ - Y|| <= tol_res max(1,
                           ||grad f(Y)||) (0 = off) */
  int stop_zero_step;   /* stop when X+ = Y (0) */
  mtl__apg_check_fn check; /* called every check_every iterations (NULL) */
  int check_every;
  int keep_best;        /* return the iterate of least objective (the start
                           included) instead of the last one (0) */
  mtl_progress_fn progress; /* per iteration (F, rel, residual) (NULL) */
  void *progress_ctx;
  atomic_int *interrupt;    /* checked before each iteration (NULL) */
  double *trace;        /* max_iter entries: F per iteration, or NULL */
  const char *who;      /* prefix of error messages */
} mtl__apg_opts;
typedef struct mtl__apg_out {
  int iterations, restarts;
  double F; /* objective at the returned x */
  double L; /* last Lipschitz estimate */
} mtl__apg_out;
void mtl__apg_opts_init(mtl__apg_opts *o);
/* x: start in, solution out (the last iterate, or the best one with
 * keep_best; on MTL_ECANCELLED the current one).  Returns MTL_CONVERGED,
 * MTL_MAXITER or an error (MTL_ECANCELLED on interrupt or progress
 * cancel); out (may be NULL) is filled in every case. */
int mtl__apg(size_t n, double *x, mtl__apg_smooth_fn smooth,
             mtl__apg_prox_fn prox, mtl__apg_value_fn gval, void *ctx,
             const mtl__apg_opts *o, mtl__apg_out *out);

#endif /* MTL_PROBLEM_H */
