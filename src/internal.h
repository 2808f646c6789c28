/*
 * internal.h -- private declarations shared by the library's modules.
 * Not installed.  Internal non-static functions are named mtl__<x>.
 */
#ifndef MTL_INTERNAL_H
#define MTL_INTERNAL_H

#include "mtl.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>

/* ---- errors (error.c) ---------------------------------------------------- */

/* Sets this thread's last error message (printf-style) and returns code, so
 * that callers can write `return mtl__err(MTL_EINVAL, "...", ...)`. */
int mtl__err(int code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Prepends "prefix: " to the current last error (for context), returns code. */
int mtl__err_prefix(int code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ---- memory -------------------------------------------------------------- */
void *mtl__malloc(size_t n);            /* sets MTL_ENOMEM message on failure */
void *mtl__calloc(size_t n, size_t sz); /* idem */
char *mtl__strdup(const char *s);

/* ---- atomic file output (fileio.c) --------------------------------------- */
/* Writes the content produced by fn(f, ctx) (MTL_OK or an error code, which
 * aborts the write) to "<path>.tmp.<pid>", fsyncs it and renames it over
 * path; on any failure the temporary file is removed and an existing file
 * at path is left untouched.  `what` names the content in messages
 * ("model", "dataset", "transfer graph"). */
#include <stdio.h>
typedef int (*mtl__writer_fn)(FILE *f, void *ctx);
int mtl__write_atomic(const char *path, const char *what, mtl__writer_fn fn,
                      void *ctx);

/* ---- random numbers (rng.c): xoshiro256**, seeded by splitmix64 ---------- */
typedef struct mtl__rng {
  uint64_t s[4];
  int has_gauss;
  double gauss;
} mtl__rng;
void mtl__rng_seed(mtl__rng *r, uint64_t seed);
uint64_t mtl__rng_u64(mtl__rng *r);
double mtl__rng_uniform(mtl__rng *r);    /* [0, 1) */
double mtl__rng_normal(mtl__rng *r);     /* N(0, 1) */
uint64_t mtl__rng_below(mtl__rng *r, uint64_t n); /* uniform in [0, n) */
void mtl__rng_shuffle_int(mtl__rng *r, int *a, int n);

/* ---- dataset (data.c) ---------------------------------------------------- */

/* One task.  Dense X is row-major n x d; sparse X is CSR.  In shared-design
 * mode every task's X points to the dataset's shared matrix (owns_X = 0). */
typedef struct mtl__task {
  int n;
  double *X;          /* dense, n x d row-major, or NULL */
  int64_t *indptr;    /* CSR row pointers (n + 1), or NULL */
  int32_t *indices;   /* CSR column indices */
  double *values;     /* CSR values */
  int owns_X;         /* 1 if X/CSR arrays belong to this task */
  double *y;          /* n targets (always owned) */
  double weight;      /* c_t */
  mtl_task_kind kind;
  char *name;
} mtl__task;

struct mtl_dataset {
  int d;
  int T;
  int cap;            /* allocated entries of tasks */
  mtl__task *tasks;
  int shared;         /* shared design: tasks[t].X == shared_X */
  double *shared_X;   /* n x d row-major (owned) */
  char *notes;        /* newline-separated notes, or NULL */
};

/* Appends a note line to ds->notes (printf-style). */
void mtl__dataset_note(mtl_dataset *ds, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Adds a task taking ownership of the given arrays (no copy, no checks
 * other than shapes).  On failure the arrays are freed.  Returns index. */
int mtl__dataset_adopt_dense(mtl_dataset *ds, int n, double *X, double *y,
                             mtl_task_kind kind, const char *name);
int mtl__dataset_adopt_csr(mtl_dataset *ds, int n, int64_t *indptr,
                           int32_t *indices, double *values, double *y,
                           mtl_task_kind kind, const char *name);
/* Infers/validates the label kind of y (n); maps {0,1} to {-1,+1} in place
 * when classification.  `want` is -1 (infer) or a mtl_task_kind.  *mapped is
 * set to 1 when {0,1} labels were mapped.  `where` names the task for
 * messages.  Returns the kind (>= 0) or an error code. */
int mtl__labels_check(double *y, int n, int want, int *mapped,
                      const char *where);
/* MTL_EINVAL naming the function fn when ds is NULL or has no task
 * (data_ops.c). */
int mtl__dataset_check(const mtl_dataset *ds, const char *fn);
/* Copies the notes of src to dst (best effort, data_ops.c). */
void mtl__dataset_copy_notes(const mtl_dataset *src, mtl_dataset *dst);
/* z = X_t w (n entries); dense or CSR. */
void mtl__task_matvec(const mtl_dataset *ds, int t, const double *w,
                      double *z);
/* g += alpha * X_t' r (d entries). */
void mtl__task_matvec_t(const mtl_dataset *ds, int t, double alpha,
                        const double *r, double *g);

/* Dense matrix from a text file (text_matrix.c): one row per line, blanks
 * or commas between numbers, '#' comments.  *out is column-major rows x
 * cols (malloc'd).  Errors name path:line and the value. */
int mtl__read_text_matrix(const char *path, double **out, int *rows,
                          int *cols);

/* ---- task graph (graph.c) ------------------------------------------------ */
/* The one edge-list reader: one edge "a b" per line (1-based numbers in
 * 1..K), '#' comments and blank lines skipped; bad numbers, trailing text,
 * self loops and duplicate edges (either orientation) are MTL_EFORMAT
 * errors naming path:line and the value (`what` names a node: "node",
 * "task").  connected = 0 allows several components (distances between
 * them are then -1).  The graph keeps the edges in file order. */
int mtl__graph_read(const char *path, int K, const char *what, int connected,
                    mtl_graph **out);
/* The edges of g as given (2 x count, 0-based); returns the count. */
int mtl__graph_edges(const mtl_graph *g, const int **pairs);

/* ---- linear algebra (linalg.c): the only module calling CBLAS/LAPACKE ---- */
/* All matrices are column-major with leading dimension unless named
 * "_rm" (row-major).  Functions return MTL_OK or MTL_ELINALG/MTL_ENOMEM
 * with a message. */
/* Makes OpenBLAS single-threaded (process-wide); called when libmtl starts
 * threads of its own (thread pool with > 1 thread, in-process transport). */
void mtl__blas_single_thread(void);
double mtl__dot(int n, const double *x, const double *y);
double mtl__nrm2(int n, const double *x);
void mtl__axpy(int n, double a, const double *x, double *y);
void mtl__scal(int n, double a, double *x);
/* y = alpha * op(A) x + beta * y, A column-major m x n with lda. */
void mtl__gemv(int trans, int m, int n, double alpha, const double *A,
               int lda, const double *x, double beta, double *y);
/* y = alpha * op(A) x + beta * y, A ROW-major m x n with lda (task X). */
void mtl__gemv_rm(int trans, int m, int n, double alpha, const double *A,
                  int lda, const double *x, double beta, double *y);
/* C = alpha op(A) op(B) + beta C, column-major. */
void mtl__gemm(int transa, int transb, int m, int n, int k, double alpha,
               const double *A, int lda, const double *B, int ldb,
               double beta, double *C, int ldc);
/* C (n x n, column-major, full symmetric) = alpha * A' A + beta C for A
 * ROW-major m x n with lda (i.e. the Gram matrix X'X of a task). */
void mtl__gram_rm(int m, int n, double alpha, const double *A, int lda,
                  double beta, double *C);
/* Thin SVD of A (m x n, column-major, overwritten): A = U diag(s) Vt with
 * k = min(m, n); U m x k, s k, Vt k x n.  U or Vt may be NULL (not
 * computed).  Uses dgesdd, falling back to dgesvd on failure. */
int mtl__svd(int m, int n, double *A, double *U, double *s, double *Vt);
/* Singular values only. */
int mtl__svd_values(int m, int n, const double *A, double *s);
/* Symmetric eigendecomposition of A (n x n, column-major, overwritten by
 * eigenvectors); w ascending eigenvalues. */
int mtl__syev(int n, double *A, double *w);
/* Cholesky A = L L' in place (lower); MTL_ENUMERIC if not SPD. */
int mtl__potrf(int n, double *A);
/* Solves A X = B with the factor from mtl__potrf; B n x nrhs. */
int mtl__potrs(int n, int nrhs, const double *L, double *B, int ldb);
/* Solves A X = B for general square A (overwritten by LU); B n x nrhs. */
int mtl__gesv(int n, int nrhs, double *A, double *B, int ldb);
/* Symmetric PSD square root S = A^{1/2} (A n x n, input preserved). */
int mtl__sqrtm_psd(int n, const double *A, double *S);
/* Moore-Penrose pseudo-inverse of symmetric A (n x n) with tolerance rcond
 * relative to the largest eigenvalue. */
int mtl__pinv_sym(int n, const double *A, double rcond, double *P);
/* Largest singular value (spectral norm) of A m x n column-major. */
int mtl__spectral_norm(int m, int n, const double *A, double *out);

/* ---- thread pool (pool.c) ------------------------------------------------ */
/* A fixed set of worker threads that run fn(ctx, lo, hi, worker) over a
 * static partition of [0, n): chunk w gets [w*n/P, (w+1)*n/P).  The caller
 * participates as worker 0.  Deterministic: the partition depends only on
 * n and the thread count.  Not reentrant: one parallel_for at a time per
 * pool.  Thread-safety: a pool is used by the thread that created it. */
typedef struct mtl__pool mtl__pool;
typedef void (*mtl__range_fn)(void *ctx, int lo, int hi, int worker);
int mtl__pool_create(int threads, mtl__pool **out);
void mtl__pool_free(mtl__pool *p);
int mtl__pool_size(const mtl__pool *p);
void mtl__pool_run(mtl__pool *p, int n, mtl__range_fn fn, void *ctx);

/* ---- timing -------------------------------------------------------------- */
double mtl__now(void); /* monotonic seconds */

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
  atomic_int interrupt;
};

/* Row-block size of the fused raw-data gradient pass: rows of X_t are
 * streamed once from memory; each block is reused from cache for X'r. */
#define MTL__BLOCK_ROWS 256

/* 1 if the certificate has a closed-form dual (duality gap): squared loss
 * on every task with an L1, L2,1 or trace-norm regularizer. */
int mtl__problem_has_dual(const mtl_problem *pb);
/* The passes of a scaler fit (data_scaler.c), shared by mtl_scaler_fit and
 * its MPI version, which reduces a, mn, mx over ranks between them.
 * a = [N, any_sparse, nnz (d), sum (d), sq (d)], zeroed; mn/mx = +-inf. */
void mtl__scaler_sums(const mtl_dataset *ds, int d, double *a, double *mn,
                      double *mx);
void mtl__scaler_means(mtl_scaler *s, const double *a, double *mn,
                       double *mx);
void mtl__scaler_sqdev(const mtl_dataset *ds, const mtl_scaler *s,
                       double *a);
void mtl__scaler_scales(mtl_scaler *s, const double *a, const double *mn,
                        const double *mx);
/* The loss a task uses (loss.c): requested, or for MTL_LOSS_AUTO the
 * default of the task kind (logistic for classification, squared for
 * regression).  The one place where MTL_LOSS_AUTO is resolved. */
int mtl__loss_resolve(int requested, mtl_task_kind kind);
/* The factor s(n) of a loss scaling (1, 1/n, 2, 2/n). */
double mtl__scaling_factor(mtl_scaling s, int n);
/* Proximal step on the penalized rows only (the unpenalized last row, if
 * any, is copied).  out = prox_{step * reg}(V). */
int mtl__problem_prox(mtl_problem *pb, double step, const double *V,
                      double *out);
/* Regularizer value on the penalized rows. */
double mtl__problem_reg_value(const mtl_problem *pb, const double *W);
/* mtl_problem_loss; stats = 1 also fills task_rr / task_yr (squared-loss
 * residual statistics of the certificate). */
int mtl__problem_loss_stats(mtl_problem *pb, const double *W, double *f,
                            double *grad, int stats);
/* Copies rows [0, d_pen) of W (d x T) into dst (d_pen x T); dst may be W. */
void mtl__problem_pack_rows(const mtl_problem *pb, const double *W,
                            double *dst);

/* ---- accelerated proximal gradient (apg.c) ------------------------------ */
/* The one proximal-gradient kernel: min_x f(x) + g(x) over n doubles.
 * smooth: f(x) and, when grad is not NULL, its gradient; an error aborts
 * the run (MTL_ENUMERIC at a trial point only rejects the step when
 * reject_nonfinite is set).  prox (NULL = g is 0): out = prox_{step g}(v),
 * v and out may alias.  gval (NULL = 0): g(x), added to the objective. */
typedef int (*mtl__apg_smooth_fn)(void *ctx, const double *x, double *f,
                                  double *grad);
typedef int (*mtl__apg_prox_fn)(void *ctx, double step, const double *v,
                                double *out);
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

/* ---- bcd.c --------------------------------------------------------------- */
/* Block coordinate descent over feature rows for squared loss with reg NONE,
 * RIDGE, L1 or L21 (MTL_EUNSUPPORTED otherwise).  W (d x T column-major) is
 * the warm start in, the solution out.  Fills info (cert left zero) as
 * mtl_solve documents; returns MTL_CONVERGED, MTL_MAXITER or an error
 * (MTL_ECANCELLED on interrupt/progress cancel, W then holds the iterate). */
int mtl__bcd_solve(mtl_problem *pb, const mtl_solver_params *sp, double *W,
                   mtl_solve_info *info);

/* ---- readers (io.c, io_mat.c, io_npz.c, io_text.c) [io helper] ---------- */
/* A variable read from a .mat or .npz file, converted to double.  Readers
 * never fail on an unsupported class: they return MTL__ARR_OTHER with the
 * class named in cls, and the layout code reports it with its context. */
typedef enum {
  MTL__ARR_NUM = 0, /* numeric array: data[numel], strided by colmajor */
  MTL__ARR_CELL,    /* cell array: cells[numel], column-major */
  MTL__ARR_SPARSE,  /* sparse matrix, CSC: dims[0] x dims[1] */
  MTL__ARR_OTHER    /* anything else (struct, char, complex, object...) */
} mtl__arr_kind;

#define MTL__ARR_MAXRANK 8
typedef struct mtl__arr {
  mtl__arr_kind kind;
  int rank;
  size_t dims[MTL__ARR_MAXRANK];
  int colmajor;          /* 1: first index fastest (MATLAB, Fortran) */
  char cls[32];          /* class / dtype name, for messages */
  double *data;          /* NUM */
  struct mtl__arr *cells;/* CELL */
  int64_t *jc;           /* SPARSE: column pointers (dims[1] + 1) */
  int64_t *ir;           /* SPARSE: row indices (jc[dims[1]]) */
  double *sv;            /* SPARSE: values */
} mtl__arr;
void mtl__arr_clear(mtl__arr *a);
size_t mtl__arr_numel(const mtl__arr *a);

/* A file of named variables (.mat or .npz).  load reads one variable;
 * both return MTL_OK or an error naming the file. */
typedef struct mtl__varsrc {
  const char *path;
  int nvars;
  char **names;
  void *h;
  int (*load)(struct mtl__varsrc *s, const char *name, mtl__arr *out);
  void (*close)(struct mtl__varsrc *s);
} mtl__varsrc;
int mtl__mat_open(const char *path, mtl__varsrc *s);
int mtl__npz_open(const char *path, mtl__varsrc *s);

/* One task under construction: dense X (n x d row-major) or CSR. */
typedef struct mtl__io_task {
  int n;
  double *X;
  int64_t *indptr;
  int32_t *indices;
  double *values;
  double *y;
  char *name;            /* NULL = default name */
} mtl__io_task;
/* Builds *out from tasks[0..T-1], taking ownership of every array (freed on
 * failure too, and the tasks array itself).  kind: -1 infers one kind from
 * all labels pooled, else forced; task_kinds (T entries) overrides kind per
 * task when not NULL.  Label errors name the file and task. */
int mtl__io_finish(const char *path, int d, mtl__io_task *tasks, int T,
                   int kind, const int *task_kinds, mtl_dataset **out);
int mtl__read_text(const char *path, const mtl_read_params *p,
                   mtl_dataset **out);
int mtl__read_csv(const char *path, const mtl_read_params *p,
                  mtl_dataset **out);
/* ---- end of readers block ------------------------------------------------ */

/* ---- online SVD and asynchronous MTL (osvd.c, solvers/async/) [async] --- */
/* Exact online thin SVD A = U diag(s) Q' (d x T, k = min(d, T), never
 * truncated) under column replacement (Brand 2003); see osvd.c.  U d x k,
 * Q T x k, column-major.  A full SVD every `refresh` replacements (0 =
 * never); `drift` is the largest |s_online - s_full| / s_max seen then. */
typedef struct mtl__osvd {
  int d, T, k;
  int refresh, since, valid;
  long updates, refreshes;
  double drift;
  double *A;                  /* d x T, the exact matrix tracked */
  double *U, *Q, *s;          /* the factorization */
  double *work;               /* one allocation holding everything below */
  double *Unew, *Qnew, *full_A, *full_Vt, *full_s, *K, *Uk, *Vkt, *sk;
  double *mm, *nn, *p, *q;
} mtl__osvd;
/* A may be NULL (zero matrix). */
int mtl__osvd_init(mtl__osvd *o, int d, int T, const double *A, int refresh);
void mtl__osvd_clear(mtl__osvd *o);
/* A[:, t] <- col (d entries); updates the factorization. */
int mtl__osvd_replace(mtl__osvd *o, int t, const double *col);
/* Full SVD of the tracked A now (also records the drift). */
int mtl__osvd_recompute(mtl__osvd *o);
/* Column t (d entries) / all of U diag(max(s - thr, 0) scale) Q'. */
void mtl__osvd_prox_col(const mtl__osvd *o, double thr, double scale, int t,
                        double *out);
void mtl__osvd_prox(const mtl__osvd *o, double thr, double scale,
                    double *out);

/* What one task node holds: its own tasks only (global indices), each as a
 * one-task dataset with a loss-only problem (value, gradient, Lipschitz
 * bound through mtl_problem_loss / mtl_problem_lipschitz). */
typedef struct mtl__async_node {
  int ntasks;
  int *tasks;            /* global task indices (owned) */
  mtl_dataset **ds;      /* one-task copies (owned) */
  mtl_problem **pb;      /* loss-only problems on them (owned) */
} mtl__async_node;
/* Builds node state for tasks[0..ntasks-1] of ds (copied: the node reads
 * nothing else afterwards). */
int mtl__async_node_init(mtl__async_node *nd, const mtl_dataset *ds,
                         const mtl_problem_params *pp, const int *tasks,
                         int ntasks);
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
} mtl__async_ctx;
/* Rank (1..nodes) of the node owning task t: round robin t % nodes + 1. */
int mtl__async_owner(int t, int nodes);
struct mtl__tr;
int mtl__async_role(void *ctx, struct mtl__tr *tr);
/* ---- end of async block -------------------------------------------------- */

/* ---- checkpoints (checkpoint.c) [mpi helper] ----------------------------- */
/* A checkpoint is a set of named double arrays under a kind string, written
 * atomically (mtl__write_atomic) as text with exact hexadecimal floats, so
 * a resumed run continues from bit-identical state. */
typedef struct mtl__ckvar {
  char name[32];
  int64_t n;
  double *x;
} mtl__ckvar;
typedef struct mtl__ckfile {
  char kind[32];         /* "smtl", "amtl", "dadmm", ... */
  int nvar, cap;
  mtl__ckvar *v;
} mtl__ckfile;
/* Appends a copy of x[0..n-1] under name. */
int mtl__ck_put(mtl__ckfile *f, const char *name, const double *x, int64_t n);
int mtl__ck_put1(mtl__ckfile *f, const char *name, double x);
int mtl__ck_write(const mtl__ckfile *f, const char *path);
/* Reads path; errors name the file and line. */
int mtl__ck_read(const char *path, mtl__ckfile *f);
/* Array `name` of exactly n entries (n < 0: any), or NULL with an error
 * naming the checkpoint file `path`, the variable and the sizes. */
const double *mtl__ck_get(const mtl__ckfile *f, const char *path,
                          const char *name, int64_t n);
void mtl__ck_clear(mtl__ckfile *f);

/* The checkpoint hook of a role (async server, D-ADMM): write every `every`
 * units (async: server updates, SMTL: iterations, D-ADMM: rounds) to path
 * (NULL = never); resume from `resume` (NULL = fresh start). */
typedef struct mtl__ckpt {
  const char *path;
  int every;
  const char *resume;
  int64_t written;       /* checkpoints written (out) */
} mtl__ckpt;
/* ---- end of checkpoint block ---------------------------------------------- */

/* ---- hooks for the MPI drivers (src/mpi/, libmtl-mpi only) --------------- */
/* Defined in the core (solvers) so that the MPI drivers, which live in
 * libmtl-mpi, reuse the in-process roles; no MPI type appears here.  The
 * drivers' own declarations are in src/mpi/mpi_impl.h. */
struct mtl__tr;
/* mtl_async_fit with the server's checkpoints (ck NULL = none): written
 * every ck->every units to ck->path, resumed from ck->resume; on any
 * transport (here in-process; the MPI driver sets the same hook). */
int mtl__async_fit_ck(const mtl_dataset *ds, const mtl_problem_params *pp,
                      const mtl_async_params *ap, mtl__ckpt *ck, double *W,
                      mtl_async_info *info);
/* [mpi hooks in async.c] parameter checks of mtl_async_fit; FIN to nodes
 * 1..P so that they return after a server failure. */
int mtl__async_check_params(const mtl_async_params *p, int T);
int mtl__async_release_nodes(struct mtl__tr *tr, int P);
/* mtl_omtl_run with D-ADMM's checkpoints (ck NULL = none; other methods
 * refuse a checkpoint), on the in-process transport. */
int mtl__omtl_run_ck(mtl_stream *s, const mtl_omtl_params *p, mtl__ckpt *ck,
                     mtl_omtl_result *res);
/* [mpi hook in omtl.c] One rank's part of mtl_omtl_run over an external
 * endpoint tr (rank = node, size = K): D-ADMM roles with the agreed round
 * count `rounds` (every rank runs exactly that many rounds; a task whose
 * stream ended is absent), checkpoints ck (NULL = none; rank 0 gathers
 * every rank's state at the end of each checkpoint round).  Rank 0 fills
 * res as mtl_omtl_run; other ranks leave it zeroed.  bytes_sent is this
 * endpoint's only. */
int mtl__omtl_run_tr(mtl_stream *s, const mtl_omtl_params *p,
                     struct mtl__tr *tr, int64_t rounds, mtl__ckpt *ck,
                     mtl_omtl_result *res);
/* ---- end of MPI hooks block ----------------------------------------------- */

#endif /* MTL_INTERNAL_H */
