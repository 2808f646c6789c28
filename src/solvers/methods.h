/*
 * methods.h -- the method-specific fits below the one entry point: the
 * parameters, results and fit functions of SRML/SSML, AMTL/curriculum
 * (asym), GO-MTL and AMTL/SMTL (async).  Private to the library: the
 * method descriptors (src/api/methods_*.c) call them, and the tests and
 * benchmarks check the methods through them; every user of libmtl trains
 * with mtl_fit and the method's name (mtl.h).  Included by solvers.h.
 */
#ifndef MTL_SOLVERS_METHODS_H
#define MTL_SOLVERS_METHODS_H

#include "problem/problem.h"

/* Hidden in the shared libraries (no MTL_API; scripts/check_exports.py):
 * tests and benchmarks link the static library, which keeps them. */

/* ---- SRML / SSML (Bai et al., SDM 2023; solvers/srml) --------------------- */

/*
 * Tasks linked in a "sign graph" (default: the chain t -- t+1 of the paper)
 * are encouraged (SRML) or forced (SSML) to give each feature the same sign:
 *
 *   min_W  sum_t loss_t(w_t) + lambda sum_t Omega(w_t)
 *          + c sum_{(s,t) in E} sum_j ReLU(-W_js W_jt)            (SRML, 4.3)
 *   min_W  sum_t loss_t(w_t) + lambda sum_t Omega(w_t)
 *          s.t. W_js W_jt >= 0 for every (s,t) in E, every j      (SSML, 3.1)
 *
 * with Omega = ||w||_2^2 (eq. 4.4) or ||w||_1 (eq. 5.5) and loss_t scaled
 * as mtl_scaling says (default MTL_SCALE_DOUBLE_SUM = ||X_t w - y_t||^2 as
 * in (4.4); (5.5) averages: MTL_SCALE_MEAN with T folded into lambda).
 * Solved by non-convex ADMM on W = U (docs/srml.md): a w-step per task
 * (cached Cholesky factor for squared loss, damped Newton for logistic), a
 * u-step per feature row (exact 1-D piecewise-quadratic minimisers swept
 * over the tasks; for SSML an exact projection on forests), a dual step.
 * The u-step of SRML is convex when rho >= c * (max degree of the graph)
 * (2c on a chain); below that its sweeps give a coordinate-wise minimum
 * (reported in mtl_srml_result.u_convex and through the log callback).
 * Theorem 5.2 asks rho > 2H (H: the largest Lipschitz constant of a task's
 * loss gradient); that is not enforced (it makes the sign term inert on raw
 * data), only reported (H, log warning).
 */

typedef struct mtl_srml_params {
  int strict;          /* 0 = SRML (slack penalty c), 1 = SSML (hard sign
                          constraint; c unused) (default 0) */
  mtl_loss loss;       /* MTL_LOSS_AUTO (squared for regression tasks,
                          logistic for classification), MTL_LOSS_SQUARED or
                          MTL_LOSS_LOGISTIC (default AUTO) */
  mtl_scaling scaling; /* loss scaling (default MTL_SCALE_DOUBLE_SUM, the
                          paper's (4.4)) */
  mtl_reg_type omega;  /* MTL_REG_RIDGE (lambda ||w_t||^2, in the w-step) or
                          MTL_REG_L1 (lambda ||w_t||_1, a prox in the u-step)
                          (default MTL_REG_RIDGE) */
  double lambda;       /* >= 0 (default 0.1) */
  double c;            /* sign penalty >= 0 (default 1) */
  double rho;          /* ADMM penalty > 0 (default 1) */
  const int *pairs;    /* sign graph: npairs edges (pairs[2e], pairs[2e+1]),
                          0-based distinct tasks; copied.  NULL = chain
                          (t, t+1), t = 0..T-2 (default NULL) */
  int npairs;          /* edges in pairs (default 0) */
  int standardize;     /* 1 = fit on X centered per task and divided by
                          the pooled within-task std of each feature and,
                          for regression tasks, y centered per task and
                          divided by the pooled std of the centered
                          targets (= an unpenalized per-task intercept);
                          the result is mapped back to raw features plus
                          per-task intercepts b (default 1, as the
                          authors' code standardises) */
  int max_iter;        /* ADMM iterations >= 1 (default 2000) */
  double tol_abs;      /* Boyd et al. stopping: ||W - U|| <= sqrt(dT) tol_abs
                          + tol_rel max(||W||, ||U||) and rho ||U - U_prev||
                          <= sqrt(dT) tol_abs + tol_rel ||Y|| (default 1e-6,
                          >= 0) */
  double tol_rel;      /* (default 1e-5, >= 0; both 0 = run max_iter) */
  int u_sweeps;        /* max coordinate sweeps per SRML u-step (default
                          200, >= 1) */
  double u_tol;        /* sweep stop: max |change| <= u_tol max(1, |u|)
                          (default 1e-12, >= 0) */
  int newton_iter;     /* logistic w-step: max Newton steps (default 50) */
  double newton_tol;   /* logistic w-step: stop when ||grad|| <= newton_tol
                          (default 1e-10, > 0) */
  int order;          /* 0 = w-step, u-step, dual (the paper's order);
                          1 = u-step, w-step, dual (the smooth block last,
                          so that y = -grad loss(w) after each iteration,
                          the order the non-convex ADMM theory needs)
                          (default 0) */
  int adapt_rho;       /* continuation: rho doubles when ||W - U|| has not
                          halved over the last 50 iterations (and is above
                          tolerance), at most adapt_rho times; 0 = fixed
                          rho (default 20) */
  int record_trace;    /* 1 = keep objective/residuals per iteration
                          (default 1) */
  mtl_progress_fn progress; /* per iteration (obj, rel. change of obj,
                          primal residual); non-zero return cancels
                          (MTL_ECANCELLED, result holds the iterate)
                          (default NULL) */
  void *progress_ctx;
  mtl_log_fn log;      /* warnings (rho below 2H, non-convex u-step)
                          (default NULL) */
  void *log_ctx;
  MTL_RESERVED; /* room to grow (see "Conventions") */
} mtl_srml_params;

void mtl_srml_params_init(mtl_srml_params *p);

typedef struct mtl_srml_result {
  int d, T;           /* raw feature dimension, tasks */
  double *W;          /* d x T column-major: the split variable U at exit
                         (exact sign structure, exact zeros for L1),
                         mapped back to raw features */
  double *b;          /* T intercepts (0 when standardize = 0; for
                         classification only the centering shift) */
  int status;         /* MTL_CONVERGED or MTL_MAXITER */
  int iterations;
  double objective;   /* (4.3) objective at U in the fitting space */
  double primal_res;  /* ||W - U||_F at exit */
  double dual_res;    /* rho ||U - U_prev||_F at exit (order 1: W) */
  double rho;         /* rho at exit (differs from the parameter only with
                         adapt_rho) */
  double H;           /* max_t Lipschitz constant of grad loss_t (fitting
                         space); Theorem 5.2 wants rho > 2H */
  int u_convex;       /* 1 if the SRML u-step is convex (rho >= c max deg),
                         so each u-step is solved to u_tol; SSML: 1 if the
                         projection is exact (graph is a forest) */
  int sign_violations;/* pairs (j, edge) with W_js W_jt < 0 at exit */
  double seconds;
  int npairs;         /* the sign graph used */
  int *pairs;         /* 2 x npairs */
  double *trace_obj;  /* iterations entries each (record_trace), else NULL */
  double *trace_primal;
  double *trace_dual;
  MTL_RESERVED; /* room to grow (see "Conventions") */
} mtl_srml_result;

/** Fits SRML (p->strict = 0) or SSML (1) on ds; p may be NULL (defaults).
 *  Validates every field first (one message naming it).  Returns
 *  MTL_CONVERGED or MTL_MAXITER with *res filled, MTL_ECANCELLED (res
 *  filled with the current iterate) or an error (res left empty).  Free
 *  with mtl_srml_result_clear.  Thread-safe on distinct results. */
int mtl_srml_fit(const mtl_dataset *ds, const mtl_srml_params *p,
                 mtl_srml_result *res);
void mtl_srml_result_clear(mtl_srml_result *res);

/** Builds a model from a result: W_model = [W; b] ((d+1) x T) with an
 *  identity scaler that appends the bias feature, the resolved task losses,
 *  meta "method" = "srml"|"ssml", "omega", "lambda", "c", "rho", "scaling",
 *  "sign_graph" ("chain" or "pairs"), and the matrix "sign_graph" (2 x E,
 *  0-based task indices as doubles).  ds gives the task kinds. */
int mtl_srml_to_model(const mtl_srml_result *res,
                      const mtl_srml_params *p, const mtl_dataset *ds,
                      mtl_model **out);

/** Reads a sign graph: one edge per line "s t" (1-based task numbers),
 *  '#' comments and blank lines ignored (the reader of
 *  mtl_graph_read_edges, components allowed).  *pairs (0-based, 2 x
 *  *npairs, file order) is malloc'd: mtl_free.  Errors name file:line and
 *  the value; self loops and duplicate edges are errors. */
int mtl_srml_read_graph(const char *path, int T, int **pairs,
                        int *npairs);

/* --- Building blocks (exposed for testing and reuse) -------------------- */

/** Exact minimiser of the 1-D convex piecewise quadratic
 *    rho/2 (x - v)^2 + lambda |x| + P max(0, -x) + N max(0, x)
 *  (P, N, lambda >= 0, rho > 0): the SRML u-step for one entry, with
 *  P = c * sum of positive neighbour values, N = c * sum of |negative|. */
double mtl_srml_prox1d(double v, double rho, double lambda, double P,
                       double N);

/** SRML u-step for one feature row: approximately minimises over u (T)
 *    rho/2 ||u - v||^2 + lambda ||u||_1 + c sum_e ReLU(-u_s u_t)
 *  by sweeps of mtl_srml_prox1d (u in: start, out: result) until the
 *  largest change is <= tol max(1, |u|) or max_sweeps.  Exact minimum when
 *  rho >= c * max degree; else a coordinate-wise minimum.  Returns the
 *  number of sweeps (>= 1) or an error. */
int mtl_srml_ustep(int T, const double *v, double rho, double lambda,
                   double c, const int *pairs, int npairs,
                   int max_sweeps, double tol, double *u);

/** SSML u-step for one feature row: u = argmin rho/2 ||u - v||^2 +
 *  lambda ||u||_1 subject to u_s u_t >= 0 on every edge.  Exact (dynamic
 *  programme over the states +, 0, - per task) when the graph is a forest
 *  (a chain included); on a graph with cycles, a feasible point from the
 *  tree solution of a spanning forest, repaired and improved by
 *  conditional-mode sweeps (returns 1 instead of 0 to say "not exact"). */
int mtl_ssml_project(int T, const double *v, double rho,
                     double lambda, const int *pairs, int npairs,
                     double *u);

/** The SRML w-step of task t alone (fitting space = ds as given, no
 *  standardization): w = argmin loss_t(w) + lambda_ridge ||w||^2
 *  + ydual'w + rho/2 ||w - u||^2, loss/scaling as in mtl_srml_params
 *  (squared: one Cholesky solve; logistic: damped Newton to newton_tol).
 *  w (d) in: start (logistic), out: the minimiser. */
int mtl_srml_wstep(const mtl_dataset *ds, int t, mtl_loss loss,
                   mtl_scaling scaling, double lambda_ridge,
                   double rho, const double *u, const double *ydual,
                   double *w);



/* ---- Asymmetric MTL (Lee et al., ICML 2016) and GO-MTL (solvers/asym) --- */

/* AMTL learns W (d x T) and a sparse, non-negative, directed transfer graph
 * B (T x T, column-major: B[s + t*T] = B_st = weight of the edge s -> t,
 * i.e. how much w_s is used to reconstruct w_t; B_tt = 0 always) from
 *
 *   F(W, B) = sum_t (1 + mu ||b_t^o||_1) L_t(w_t)
 *             + lambda ||P(w_t - sum_s B_st w_s)||^2             (paper, (1))
 *
 * where b_t^o = (B_ts)_{s != t} are task t's outgoing edges, L_t(w) =
 * e_t * loss_t(w) is task t's loss as defined by the mtl_problem (c_t, the
 * dataset weight, and the scaling included) times e_t = 1/sqrt(n_t) when
 * `imbalance` is set (AMTL-imbalance) and 1 otherwise, and P keeps the
 * penalized rows (all rows, or all but the last when the problem has
 * unpenalized_last).  For the paper's losses build the problem with
 * MTL_SCALE_DOUBLE_MEAN for squared loss ((1/n)||y - Xw||^2) and
 * MTL_SCALE_MEAN for logistic.  User task weights: mtl_dataset_set_weight.
 * The problem's regularizer (pp.reg) is ignored.  See docs/asym.md. */
typedef enum {
  MTL_ASYM_ALTERNATING = 0,  /* Algorithm 1: alternate the W-step (2), an
                                accelerated gradient method on all tasks,
                                and the B-step (3), a non-negative weighted
                                Lasso per column (coordinate descent) */
  MTL_ASYM_CURRICULUM,       /* Algorithm 2: greedy task order by (5), each
                                task trained once by (6) */
  MTL_ASYM_NOLOSS,           /* AMTL-noLoss: Algorithm 1 on
                                sum_t L_t + lambda ||.||^2 + mu ||B||_1 */
  MTL_ASYM_SYMMETRIC,        /* SMTL: Algorithm 1 with B = B' >= 0 (the
                                paper's PSD B with zero diagonal is B = 0;
                                deviation documented in docs/asym.md) */
  MTL_ASYM_CURRICULUM_SIMPLE /* Pentina et al. 2015: greedy order by the
                                task's own objective, each task regularized
                                towards its predecessor only (B_prev,t = 1)*/
} mtl_asym_variant;

typedef struct mtl_asym_params {
  mtl_asym_variant variant; /* default MTL_ASYM_ALTERNATING */
  double lambda;       /* reconstruction weight, > 0 (default 1) */
  double mu;           /* sparsity / loss-weighting of outgoing edges,
                          >= 0 (default 0.1) */
  int imbalance;       /* 1: e_t = 1/sqrt(n_t) (AMTL-imbalance), 0: e_t = 1
                          (default 0) */
  int max_outer;       /* outer (W, B) iterations, >= 1 (default 100) */
  double tol;          /* stop when (F_{k-1} - F_k) <= tol |F_k| between
                          outer iterations, >= 0 (default 1e-4) */
  int w_max_iter;      /* W-step iterations per solve, >= 1 (default 3000) */
  double w_tol;        /* W-step: relative objective change over 10
                          iterations, >= 0 (default 1e-12) */
  int b_max_sweeps;    /* B-step coordinate sweeps per column, >= 1
                          (default 10000) */
  double b_tol;        /* B-step: max KKT violation relative to
                          max(1, 2 lambda max|W'W|, mu max L), > 0
                          (default 1e-12) */
  mtl_progress_fn progress; /* per outer iteration / curriculum step:
                          (ctx, iter, F, rel_change, 0); non-zero cancels
                          (default NULL) */
  void *progress_ctx;
  double ridge;        /* lambda_0 of an extra lambda_0 sum_t ||w_t||^2
                          (penalized rows), >= 0: shrinkage apart from the
                          transfer strength lambda; NOT in the paper
                          (default 0) */
  uint64_t reserved_[7]; /* room to grow: MTL_RESERVED less the 8 bytes of
                            ridge */
} mtl_asym_params;

void mtl_asym_params_init(mtl_asym_params *p);
/** Parses "asym"|"alternating", "asym-curriculum"|"curriculum",
 *  "asym-noloss"|"noloss", "smtl"|"symmetric", "curriculum-simple";
 *  returns the variant or -1. */
int mtl_asym_variant_parse(const char *s);
const char *mtl_asym_variant_name(mtl_asym_variant v);

typedef struct mtl_asym_result {
  int d, T;
  int status;        /* MTL_CONVERGED or MTL_MAXITER (curriculum variants:
                        MTL_CONVERGED) */
  double *W;         /* d x T column-major */
  double *B;         /* T x T column-major, B[s + t*T] = edge s -> t */
  double *W_stl;     /* d x T: the single-task start (B = 0 solution of
                        (2): L_t(w) + lambda ||P w||^2) */
  double *task_loss; /* T: L_t(w_t) at the returned W */
  int *order;        /* T: 0-based task order (curriculum variants), else
                        NULL */
  int ntrace;
  double *trace;     /* ntrace objective values F(W, B): trace[0] at the
                        start (STL, B = 0), then one per outer iteration
                        (alternating: non-increasing) or per curriculum
                        step */
  int iterations;    /* outer iterations or curriculum steps */
  int w_iterations;  /* total W-step / single-task solver iterations */
  double objective;  /* F at the returned (W, B) */
  double seconds;
  MTL_RESERVED; /* room to grow (see "Conventions") */
} mtl_asym_result;

/** Fits AMTL (or a variant) on the problem pb (loss, scaling, task weights,
 *  threads, unpenalized_last are taken from it).  Parameters are validated
 *  first, one message per bad field.  Returns MTL_CONVERGED or MTL_MAXITER
 *  with res filled (free with mtl_asym_result_clear), MTL_ECANCELLED (res
 *  holds the last iterate) on interrupt (mtl_problem_interrupt) or callback
 *  cancel, or an error (res left empty). */
int mtl_asym_fit(mtl_problem *pb, const mtl_asym_params *p,
                 mtl_asym_result *res);
void mtl_asym_result_clear(mtl_asym_result *res);

/** F(W, B) of the variant in p (alternating/curriculum/symmetric: (1);
 *  noloss: sum_t L_t + lambda ||.||^2 + mu sum B) and, if grad is not
 *  NULL, its gradient in W (d x T).  B is T x T as above. */
int mtl_asym_objective(mtl_problem *pb, const mtl_asym_params *p,
                       const double *W, const double *B, double *obj,
                       double *grad);

/** The B-step (3) for one column t:
 *    b = argmin_{b >= 0, b_t = 0}  mu sum_s cost_s b_s + lambda ||w_t - W b||^2
 *  given the Gram matrix G = W'W (T x T, column-major, of the penalized
 *  rows) and cost (T, >= 0: the task losses, or 1 for noloss).  b (T) is
 *  the warm start in and the solution out.  Cyclic coordinate descent to a
 *  max KKT violation <= tol * max(1, 2 lambda max|G|, mu max cost).
 *  Returns MTL_CONVERGED, MTL_MAXITER or an error. */
int mtl_asym_solve_column(int T, const double *G, const double *cost,
                          double lambda, double mu, int t, double tol,
                          int max_sweeps, double *b);

/** Curriculum edge (5): the minimizer over B_ts >= 0 of
 *    mu loss_t B_ts + lambda ||r_s - B_ts w_t||^2
 *  = max(0, (2 lambda w_t'r_s - mu loss_t) / (2 lambda ||w_t||^2)), 0 when
 *  w_t = 0.  w_t and r_s have dp entries. */
double mtl_asym_edge(int dp, const double *w_t, const double *r_s,
                     double loss_t, double lambda, double mu);

/** Builds a model from a result: W, matrices "B" (T x T) and "task_loss"
 *  (1 x T), meta method (asym, asym-curriculum, ...), lambda, mu, order
 *  (1-based, comma separated, curriculum only).  Losses from pb.  scaler
 *  may be NULL.  *out freed with mtl_model_free. */
int mtl_asym_to_model(const mtl_asym_result *res,
                      const mtl_problem *pb, const mtl_asym_params *p,
                      const mtl_scaler *scaler, mtl_model **out);


/* GO-MTL (Kumar & Daume III, ICML 2012), a baseline for AMTL:
 *   min_{L, S} sum_t loss_t(L s_t) + mu ||S||_1 + lambda ||L||_F^2
 * with a shared basis L (d x k) and sparse codes S (k x T), alternating an
 * accelerated proximal step on S and an accelerated gradient step on L,
 * started from the top-k SVD of ridge single-task models. */
typedef struct mtl_gomtl_params {
  int k;            /* basis size, 1 <= k <= min(d, T) (default 3) */
  double lambda;    /* ||L||_F^2 weight, > 0 (default 0.1) */
  double mu;        /* ||S||_1 weight, >= 0 (default 0.1) */
  double ridge;     /* ridge of the single-task start, > 0 (default 1e-2) */
  int max_outer;    /* >= 1 (default 200) */
  double tol;       /* relative objective change, >= 0 (default 1e-4) */
  int inner_iter;   /* iterations per step, >= 1 (default 500) */
  mtl_progress_fn progress; /* per outer iteration (default NULL) */
  void *progress_ctx;
  MTL_RESERVED; /* room to grow (see "Conventions") */
} mtl_gomtl_params;

void mtl_gomtl_params_init(mtl_gomtl_params *p);
/** Fits GO-MTL on pb.  W (d x T), L (d x k) and S (k x T) are caller
 *  arrays (L, S may be NULL); trace (max_outer + 1 entries, may be NULL)
 *  receives the objective at the start and after each outer iteration,
 *  *ntrace their count.  Returns MTL_CONVERGED, MTL_MAXITER or an error. */
int mtl_gomtl_fit(mtl_problem *pb, const mtl_gomtl_params *p,
                  double *W, double *L, double *S, double *trace,
                  int *ntrace);


/* ---- AMTL / SMTL (Baytas et al., ICDM 2016; solvers/async) --------------- */

/*
 * Solves  min_W  sum_t loss_t(w_t) + lambda g(W) + ridge ||W||_F^2  (the
 * problem of mtl_problem_params: any loss and scaling of the core; g =
 * trace norm (the paper's case), L2,1, L1, ridge, none, mean or graph) on
 * a star network: a server (rank 0) holds the auxiliary matrix V (d x T);
 * task nodes (ranks 1..nodes, task t on node t % nodes + 1) own their
 * tasks' data, which never leaves them.  AMTL (eq. III.4, ARock KM step):
 * a node receives p = column t of Prox_{eta (lambda g + ridge)}(V) computed
 * from the V the server holds at that moment, and sends back
 *     v_t <- v_t + c_tk eta_k (p - eta grad loss_t(p) - v_t);
 * the server applies each write at once and never waits for the others.
 * SMTL: the same node work, but the server waits for all T writes, then
 * applies the full prox and sends every column (proximal gradient when
 * eta_k = 1).  The final model is W = Prox(V).  Nodes and server talk only
 * through messages (in-process threads here; MPI later) -- docs/async.md.
 *
 * Delay (ARock's tau): the number of server updates applied between the
 * read of a column and the write of its update (a count).  Step rule
 * (Theorem 1): eta_k = max(eta_min, c / (2 tau_k / sqrt(T) + 1)), tau_k =
 * max(tau_guess, largest tau observed so far) (or tau_guess, tau_adapt).  Dynamic step (III.5-6):
 * c_tk = ln(max(mean of the node's last dyn_window + 1 measured delays in
 * MILLISECONDS, dyn_floor_ms)) (the paper's unit is seconds with floor 10);
 * c_tk eta_k is capped at dyn_cap.  A measured delay is the wall time from
 * the end of a node's forward step to the arrival of its next column
 * (injected delay + queueing at the server).
 */

typedef enum {
  MTL_ASYNC_AMTL = 0,  /* asynchronous (default) */
  MTL_ASYNC_SMTL = 1   /* synchronous baseline */
} mtl_async_mode;

typedef enum {
  MTL_ASYNC_STEP_AUTO = 0,    /* unrelaxed, backed off when it stalls */
  MTL_ASYNC_STEP_THEOREM1 = 1 /* Theorem 1 of Baytas et al. */
} mtl_async_step;

typedef struct mtl_async_params {
  mtl_async_mode mode;  /* default MTL_ASYNC_AMTL */
  int nodes;            /* task nodes (threads) >= 1; 0 = one per task; at
                           most T (default 0) */
  int max_iter;         /* updates per task >= 1: the run ends when every
                           task has been updated max_iter times (an SMTL
                           iteration = one update of every task) (default
                           1000) */
  double tol;           /* also stop when every task's fixed-point
                           residual is <= tol max(1, ||v_t||): its last
                           update's change of v_t divided by the step it
                           was made with (c_tk eta_k), so that the test
                           does not depend on the step (SMTL, eta_k = 1:
                           the change itself); 0 = off (default 1e-10) */
  double eta;           /* forward step in (0, 2/L); 0 = eta_factor / L,
                           L = max_t Lipschitz constant of grad loss_t
                           (default 0) */
  double eta_factor;    /* in (0, 2) (default 1) */
  double km_step;       /* fixed KM step eta_k in (0, 2); 0 = the step
                           policy's (default 0) */
  int step;             /* AMTL's step policy when km_step is 0:
                           MTL_ASYNC_STEP_AUTO (default): eta_k = 1 (stale
                           reads, unrelaxed) while the fixed-point residual
                           falls; each epoch (T updates) in which it rises
                           halves eta_k, down to Theorem 1's step with tau
                           = tau_guess (a fixed delay, never the running
                           maximum).  Fast; no convergence guarantee beyond
                           the floor's.  MTL_ASYNC_STEP_THEOREM1: the
                           paper's eta_k = c / (2 tau_k / sqrt(T) + 1)
                           with tau_k per tau_adapt.  SMTL: 1 always. */
  double c;             /* Theorem 1's c in (0, 1) (default 0.9) */
  double eta_min;       /* lower bound of eta_k, > 0 (default 1e-3) */
  int tau_guess;        /* tau assumed before larger delays are observed;
                           -1 = nodes - 1 (default -1, >= -1) */
  int tau_adapt;        /* 1 = tau_k = max(tau_guess, largest tau observed
                           so far) (Theorem 1 with the measured maximum);
                           0 = tau_k = tau_guess (a typical delay: one
                           descheduled thread can make the maximum 10x the
                           mean and the step 10x smaller) (default 1) */
  int dynamic;          /* 1 = dynamic step (III.5-6) (default 0) */
  int dyn_window;       /* k of III.6: mean of the last k + 1 delays
                           (default 5, >= 0) */
  double dyn_floor_ms;  /* floor of the mean delay, ms (default 10, > 0) */
  double dyn_cap;       /* cap of c_tk eta_k; 0 = no cap (default 1, >= 0) */
  double delay_ms;      /* injected delay before each node's send: offset
                           in ms (default 0, >= 0) */
  double jitter_ms;     /* plus jitter_ms * X, X ~ U(0,1) or Exp(1)
                           (default 0, >= 0) */
  int jitter_exp;       /* 1 = X ~ Exp(1) (default 0) */
  int stragglers;       /* nodes 1..stragglers (the first ones) get their
                           offset and jitter multiplied by straggle
                           (default 0, in [0, nodes]) */
  double straggle;      /* (default 10, >= 1) */
  const double *node_delay_ms; /* optional per-node offsets (nodes
                           entries, ms, copied), overriding delay_ms
                           (default NULL) */
  uint64_t seed;        /* delay generator seed (default 1) */
  int osvd_refresh;     /* trace norm: full SVD every osvd_refresh online
                           updates; 0 = never; 1 = full SVD per update
                           (default 100, >= 0) */
  int record_every;     /* snapshot V every record_every server updates
                           (with its wall time) for the trace; 0 = T
                           (default 0, >= 0) */
  int max_records;      /* snapshots kept at most (then every other one is
                           dropped and the period doubles) (default 1000,
                           >= 2) */
  mtl_progress_fn progress; /* on each snapshot: (updates, NaN -- the server
                           holds no data --, largest relative change of the
                           last T updates, largest tau so far); non-zero
                           return cancels (MTL_ECANCELLED, W = Prox(V) of
                           the state reached) (default NULL) */
  void *progress_ctx;
  MTL_RESERVED; /* room to grow (see "Conventions") */
} mtl_async_params;

void mtl_async_params_init(mtl_async_params *p);

typedef struct mtl_async_info {
  int status;          /* MTL_CONVERGED (tol met), MTL_MAXITER */
  int64_t updates;     /* server updates applied */
  double seconds;      /* wall time of the optimization (evaluation of the
                          trace excluded) */
  double objective;    /* F(W) at the returned W */
  double L, eta;       /* Lipschitz bound used, forward step */
  int tau_max;         /* largest tau observed */
  double tau_mean;     /* mean tau over updates */
  double eta_k_last;   /* KM step of Theorem 1 at the end */
  double eta_k_bound;  /* c / (2 tau_max / sqrt(T) + 1): Theorem 1's bound
                          with the final tau_max */
  int64_t over_bound;  /* updates whose effective step c_tk eta_k exceeded
                          Theorem 1's bound with the largest tau observed
                          up to that update */
  int64_t capped;      /* dynamic steps clipped at dyn_cap */
  int nodes, T;
  int64_t *node_updates;   /* nodes: activations per node */
  double *node_delay_ms;   /* nodes: mean measured delay per node, ms */
  double *node_inject_ms;  /* nodes: mean injected delay per node, ms */
  double *node_mult;       /* nodes: mean dynamic multiplier c_tk (1 when
                              dynamic = 0) */
  int64_t *task_updates;   /* T: updates per task */
  int nrecords;            /* trace: snapshots (incl. start and end) */
  double *rec_time;        /* seconds since start */
  double *rec_updates;     /* server updates at the snapshot */
  double *rec_obj;         /* F(Prox(V_snapshot)), losses computed by the
                              nodes */
  int64_t osvd_refreshes;  /* full SVDs of the online SVD */
  double osvd_drift;       /* largest relative singular value drift found
                              at a refresh */
  MTL_RESERVED; /* room to grow (see "Conventions") */
} mtl_async_info;

/** Runs AMTL or SMTL on ds with the problem pp (loss, scaling, reg,
 *  unpenalized_last, gram; threads is ignored: each node is one thread)
 *  and ap (NULL = defaults), in-process: one thread per rank, any number of
 *  nodes on any number of cores.  W (d x T column-major) receives
 *  Prox(V); it is not used as a start (V starts at 0).  info may be NULL;
 *  otherwise free it with mtl_async_info_clear.  Returns MTL_CONVERGED,
 *  MTL_MAXITER, MTL_ECANCELLED (W and info filled) or an error naming the
 *  bad parameter.  Thread-safe on distinct outputs. */
int mtl_async_fit(const mtl_dataset *ds, const mtl_problem_params *pp,
                  const mtl_async_params *ap, double *W,
                  mtl_async_info *info);
void mtl_async_info_clear(mtl_async_info *info);

/** Model from a result: W with pp's resolved task losses and reg, meta
 *  "method" = "amtl"|"smtl", "reg", "lambda", "eta", "updates", and the
 *  matrix "node_updates" (1 x nodes) when info is given (may be NULL). */
int mtl_async_to_model(const mtl_dataset *ds,
                       const mtl_problem_params *pp,
                       const mtl_async_params *ap, const double *W,
                       const mtl_async_info *info, mtl_model **out);

#endif /* MTL_SOLVERS_METHODS_H */
