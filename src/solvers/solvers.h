/*
 * solvers.h -- private header of the src/solvers layer: what the methods
 * share and what the layers above them call: block coordinate descent
 * (solvers/batch), the async roles and the drivers of the distributed
 * methods (one per method, on any transport).  Each
 * method's own pieces are in solvers/<method>/<method>_impl.h.  Includes
 * the transport layer's header.  Not installed.
 */
#ifndef MTL_SOLVERS_H
#define MTL_SOLVERS_H

#include "transport/transport.h"
#include "solvers/methods.h"

/* ---- the batch solver (solve.c): FISTA, ISTA, BCD; paths ----------------
 * Internal (hidden in libmtl.so): the batch method (mtl_fit) and the other
 * methods' inner solves call it; tests and benchmarks too. */

typedef enum {
  MTL_SOLVER_FISTA = 0, /* accelerated proximal gradient (default) */
  MTL_SOLVER_ISTA,      /* plain proximal gradient with backtracking */
  MTL_SOLVER_BCD        /* block coordinate descent over feature rows
                           (squared loss with L1/L21/ridge/none only;
                           sample weights too) */
} mtl_solver_kind;

typedef struct mtl_solver_params {
  mtl_solver_kind solver;  /* default MTL_SOLVER_FISTA */
  int max_iter;            /* >= 1 (default 10000) */
  double tol_obj;          /* stop when |F_k - F_{k-10}| <= tol_obj |F_k|
                              and F_k <= F_{k-1} (a window of 10
                              iterations, since FISTA is not monotone);
                              not used when tol_gap > 0 and the problem
                              has a duality gap (the gap then decides)
                              (default 1e-10; 0 disables) */
  double tol_res;          /* stop when the fixed-point residual <= tol_res
                              * max(1, ||grad f||) (default 0 = off) */
  double tol_gap;          /* stop when gap <= tol_gap * primal, checked
                              every gap_every iterations where a dual
                              exists (BCD: once a pass moves no weight by
                              more than tol_gap * max|W|, as
                              scikit-learn) (default 1e-9; 0 = off) */
  int gap_every;           /* default 10 */
  int restart;             /* adaptive restart: 0 none, 1 function value,
                              2 gradient (O'Donoghue & Candes) (default 2) */
  double L0;               /* initial Lipschitz estimate; 0 = from the data
                              bound / 16 (default 0) */
  double backtrack;        /* step growth factor > 1 (default 2) */
  int record_trace;        /* 1 = keep objective per iteration in
                              mtl_solve_info.trace, which the caller then
                              frees (default 0) */
  mtl_progress_fn progress;/* default NULL */
  void *progress_ctx;
  int working_set;         /* FISTA / ISTA with an L1 or L2,1 penalty, a
                              duality gap (tol_gap > 0, squared or logistic
                              loss) and at least 200 penalized rows: 1 =
                              solve restricted problems on a growing
                              working set of rows until the FULL problem's
                              gap passes (the same certified optimum, at
                              |WS| / d of the cost per iteration; a
                              support of more than half the rows goes to
                              the full solve); iterations, restarts and
                              the trace count the restricted solves'; 0 =
                              one solve of the full problem (default 1) */
} mtl_solver_params;

void mtl_solver_params_init(mtl_solver_params *p);


typedef struct mtl_solve_info {
  int status;        /* MTL_CONVERGED or MTL_MAXITER */
  int iterations;
  int restarts;
  double objective;
  double L;          /* final step-size Lipschitz estimate */
  double seconds;    /* wall time of the solve */
  mtl_certificate cert; /* certificate of the returned W */
  double *trace;     /* objective per iteration (iterations entries) if
                        record_trace; owned by the caller: mtl_free */
  MTL_RESERVED; /* room to grow (see "Conventions") */
} mtl_solve_info;

/** Minimizes the problem starting from W (d x T column-major, in: warm
 *  start, out: solution).  info may be NULL.  Returns MTL_CONVERGED or
 *  MTL_MAXITER (both non-negative: W holds the last iterate), or an error. */
int mtl_solve(mtl_problem *pb, const mtl_solver_params *sp, double *W,
              mtl_solve_info *info);

/* Regularization path over a decreasing lambda grid with warm starts. */
typedef struct mtl_path {
  int nlambda;
  double *lambdas;   /* nlambda */
  double *W;         /* nlambda blocks of d x T */
  double *objective; /* nlambda */
  int *iterations;   /* nlambda */
  MTL_RESERVED; /* room to grow (see "Conventions") */
} mtl_path;

/** Solves for lambdas[0..n-1] (or, if lambdas is NULL, a geometric grid of
 *  n values from lambda_max down to lambda_max * ratio).  Frees with
 *  mtl_path_clear. */
int mtl_solve_path(mtl_problem *pb, const mtl_solver_params *sp,
                   const double *lambdas, int n, double ratio,
                   mtl_path *path);
void mtl_path_clear(mtl_path *path);

/* ---- bcd.c --------------------------------------------------------------- */
/* Block coordinate descent over feature rows for squared loss with reg NONE,
 * RIDGE, L1 or L21 (MTL_EUNSUPPORTED otherwise).  W (d x T column-major) is
 * the warm start in, the solution out.  Fills info (cert left zero) as
 * mtl_solve documents; returns MTL_CONVERGED, MTL_MAXITER or an error
 * (MTL_ECANCELLED on interrupt/progress cancel, W then holds the iterate). */
/* The results of an accelerated proximal-gradient run (mtl__apg returned
 * status st, started at t0) into info; the trace moves to info (*trace
 * NULL afterwards).  Shared by every solver on the apg kernel. */
void mtl__apg_info(mtl_solve_info *info, int st, const mtl__apg_out *out,
                   double t0, double **trace);
int mtl__bcd_solve(mtl_problem *pb, const mtl_solver_params *sp, double *W,
                   mtl_solve_info *info);

/* ---- working_set.c ------------------------------------------------------- */
/* 1 if mtl_solve should go through the working-set loop: sp->working_set,
 * FISTA or ISTA, an L1 or L2,1 penalty with lambda > 0, a duality gap
 * asked for (tol_gap > 0) and available, at least 200 penalized rows, and
 * pb not itself a restriction. */
int mtl__ws_applies(const mtl_problem *pb, const mtl_solver_params *sp);
/* mtl_solve by restricted solves on a growing working set of rows until
 * the full problem's duality gap passes tol_gap (working_set.c explains);
 * info (may be NULL) as mtl_solve documents, its certificate the full
 * problem's. */
int mtl__ws_solve(mtl_problem *pb, const mtl_solver_params *sp, double *W,
                  mtl_solve_info *info);

/* ---- decomp.c ------------------------------------------------------------ */
/* Decomposition models W = P + Q: min f(P + Q) + regs[0].lambda g_0(P) +
 * regs[1].lambda g_1(Q), g_i norms of the regularizer table (ridge 0), f
 * the loss of pb (pb's own regularizer unused), by FISTA or ISTA
 * (sp->solver; bcd refused) with sp's stopping rules.  PQ (2 d T: P then Q,
 * each d x T) is the warm start in, the solution out; the unpenalized last
 * row (bias) lives in P.  info->cert: the duality gap for the squared loss
 * (mtl__problem_dual with two norms), the fixed-point residual always. */
int mtl__decomp_solve(mtl_problem *pb, const mtl_reg regs[2],
                      const mtl_solver_params *sp, double *PQ,
                      mtl_solve_info *info);
int mtl__decomp_certificate(mtl_problem *pb, const mtl_reg regs[2],
                            const double *PQ, mtl_certificate *cert);

/* ---- cmtl.c, kmeans.c ----------------------------------------------------- */
/* Clustered MTL (convex relaxation of Zhou, Chen & Ye, MALSAR's CMTL):
 * min f(W) + rho1 eta (1 + eta) tr(W (eta I + M)^{-1} W') over W and
 * {M : tr M = k, 0 <= M <= I}, eta = rho2 / rho1, with M minimized out in
 * closed form (cmtl.c).  W (d x T): start in, solution out; M (T x T, or
 * d_pen x d_pen for cASO; may be NULL): the optimal M at the returned W.  info->cert: no dual; the
 * residual is ||grad F(W)||. */
typedef struct mtl__cmtl_params {
  double rho1, rho2; /* > 0 */
  int k;             /* clusters, 1..T (cASO: h, 1..d_pen) */
  int features;      /* 1: cASO (Chen et al. 2009): M on the feature side,
                        tr(W' (eta I + M)^{-1} W), M d_pen x d_pen */
} mtl__cmtl_params;
int mtl__cmtl_solve(mtl_problem *pb, const mtl__cmtl_params *cp,
                    const mtl_solver_params *sp, double *W, double *M,
                    mtl_solve_info *info);
/* The m (T) in [0, 1] with sum k minimizing sum_i s_i / (eta + m_i)
 * (s_i >= 0): the eigenvalues of the best M. */
void mtl__cmtl_waterfill(const double *s, int T, double eta, int k,
                         double *m);
/* k-means of the n points X + i p (p each), best inertia of `starts`
 * k-means++ starts from seed; labels 0..k-1 numbered by first appearance. */
int mtl__kmeans(const double *X, int n, int p, int k, uint64_t seed,
                int starts, int *labels);

/* ---- tgl.c --------------------------------------------------------------- */
/* Temporal group lasso: min f(W) + rho2 sum_{t<T} ||w_{t+1} - w_t||^2 + pb's
 * regularizer (L2,1 with its lambda and ridge), on the penalized rows, by
 * FISTA or ISTA.  W: start in, solution out; info->cert: residual only. */
int mtl__tgl_solve(mtl_problem *pb, double rho2, const mtl_solver_params *sp,
                   double *W, mtl_solve_info *info);
/* Fused group lasso (MALSAR's FGLasso): min f(W) + sum_j lam[0] ||W_j.||_1
 * + lam[1] sum_{t<T} |W_{j,t+1} - W_{j,t}| + lam[2] ||W_j.||_2 + lam[3]
 * ||W_j.||_2^2 on the penalized rows (pb's own regularizer unused), by
 * FISTA or ISTA.  W: start in, solution out; info->cert: the fixed-point
 * residual. */
int mtl__fglasso_solve(mtl_problem *pb, const double lam[4],
                       const mtl_solver_params *sp, double *W,
                       mtl_solve_info *info);

/* ---- mll.c --------------------------------------------------------------- */
/* The multi-level Lasso (Lozano & Swirszcz 2012): min f(theta o Gamma) +
 * lam (sum theta + ||Gamma||_1), theta >= 0 (d: start in, out; a bias row
 * keeps 1), Gamma (d x T: start in, out), by alternating Lasso steps (FISTA
 * or ISTA inside), sp->max_iter outer iterations, stop when the objective
 * falls by <= sp->tol_obj relative in one.  Non-convex: a stationary point
 * that depends on the start; the objective never increases (info->trace:
 * per outer iteration).  W (d x T) = theta o Gamma out.  info->cert: the
 * primal only; restarts = the inner steps. */
int mtl__mll_solve(mtl_problem *pb, double lam, const mtl_solver_params *sp,
                   double *theta, double *Gam, double *W,
                   mtl_solve_info *info);

/* ---- asynchronous MTL (solvers/async/) [async] -------------------------- */
/* What one task node holds: its own tasks only (global indices), each as a
 * one-task dataset with a loss-only problem (value, gradient, Lipschitz
 * bound through mtl_problem_loss / mtl_problem_lipschitz). */
typedef struct mtl__async_node {
  int ntasks;
  int *tasks;            /* global task indices (owned) */
  mtl_dataset **ds;      /* one-task copies (owned) */
  mtl_problem **pb;      /* loss-only problems on them (owned) */
} mtl__async_node;
/* Builds node state for local tasks tasks[0..ntasks-1] of ds (copied: the
 * node reads nothing else afterwards); gid[i] is the global index of local
 * task tasks[i] (pp->task_loss is indexed by global task). */
int mtl__async_node_init(mtl__async_node *nd, const mtl_dataset *ds,
                         const mtl_problem_params *pp, const int *tasks,
                         const int *gid, int ntasks);
void mtl__async_node_clear(mtl__async_node *nd);

/* The context of the async / SMTL role function.  Rank 0 (the server)
 * reads d, T, reg, unpenalized_last, ap and writes W / info; rank r >= 1
 * reads ap and node[r - 1] only.  An MPI driver fills only its rank's
 * part.  Task t belongs to the node given by mtl__async_owner. */
typedef struct mtl__async_ctx {
  mtl_async_params ap;   /* copy; pointer fields are not used by roles */
  int d, T, nodes;
  mtl_reg reg;
  int unpenalized_last;
  mtl__async_node *node; /* nodes entries (index r - 1) */
  double *W;             /* server out: d x T, Prox(V) at the end */
  mtl_async_info *info;  /* server out (may be NULL) */
  int status;            /* server out: MTL_CONVERGED / MTL_MAXITER /
                            MTL_ECANCELLED */
  struct mtl__ckpt *ckpt; /* server checkpoint/resume, NULL = none
                            (in-process runs) */
  int loss;              /* the problem's loss (pp.loss), for checkpoints */
  const double *data_fp; /* T: each task's data fingerprint (every rank,
                            reduced by the driver), for checkpoints */
} mtl__async_ctx;
/* Rank (1..nodes) of the node owning task t: round robin t % nodes + 1. */
int mtl__async_owner(int t, int nodes);
struct mtl__tr;
int mtl__async_role(void *ctx, struct mtl__tr *tr);
/* ---- end of async block -------------------------------------------------- */

/* ---- the drivers of the distributed methods, on any transport ----------- */
/* AMTL / SMTL: the ONE driver (async_driver.c), on transport t (NULL =
 * threads).  Threads: ds holds every task and node r (1..P, P = ap->nodes
 * or T) takes tasks t % P == r - 1.  A process transport of P + 1 ranks:
 * rank r >= 1 holds in ds exactly the tasks t % P == r - 1, in increasing
 * order, gid[i] the global index of its task i; rank 0 (the server) holds
 * none (ds NULL or empty); T is the global task count.  Rank 0 receives W
 * (d x T, Prox(V)) and info (may be NULL); the server checkpoints per ck
 * (NULL = none) and writes the rank-to-tasks map to rank_map (NULL =
 * none).  Returns the server's status (MTL_CONVERGED / MTL_MAXITER) on
 * every rank, or an error (a bad argument on one rank is reported on
 * every rank before any iteration). */
typedef struct mtl__async_job {
  const mtl_dataset *ds;
  const int *gid;
  int T;
  const mtl_problem_params *pp;
  const mtl_async_params *ap;
  mtl__ckpt *ck;
  const char *rank_map;
  double *W;
  mtl_async_info *info;
} mtl__async_job;
int mtl__async_run(const mtl_transport *t, const mtl__async_job *job);
/* The online methods: the ONE driver is mtl_omtl_run itself
 * (omtl_driver.c), on any transport. */
/* ---- end of the drivers block ---------------------------------------------- */

/* ---- the online methods round by round (solvers/omtl/omtl_online.c) ---- */
/* C-ADMM and round-synchronous D-ADMM, D-PSGD and OGD with their state kept
 * between calls: one round per mtl__omtl_step_round, the arithmetic of the
 * threaded run in the same order (same bits on the same rounds).  C-ADMM
 * and D-ADMM need eta > 0; async is MTL_EUNSUPPORTED. */
typedef struct mtl__omtl_step mtl__omtl_step;
int mtl__omtl_step_create(const mtl_omtl_params *p, int K, int d,
                          mtl__omtl_step **out);
void mtl__omtl_step_free(mtl__omtl_step *st);
/* One round: X (K x d row-major, row k = task k's instance), y (K: -1/+1,
 * 0 = no instance of task k); code (K): 0 absent, the prediction +-1 when
 * right, +-2 when wrong. */
int mtl__omtl_step_round(mtl__omtl_step *st, const double *X, const double *y,
                         double *code);
int64_t mtl__omtl_step_rounds(const mtl__omtl_step *st);
/* Instances and mistakes of every task so far (K each). */
void mtl__omtl_step_counts(const mtl__omtl_step *st, int64_t *seen,
                           int64_t *mistakes);
/* The model of the current state (as mtl_omtl_to_model: W; C-ADMM and
 * D-ADMM also V, u and Omega of V). */
int mtl__omtl_step_model(const mtl__omtl_step *st, mtl_model **out);


#endif /* MTL_SOLVERS_H */
