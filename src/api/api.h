/*
 * api.h -- private header of the api layer (src/api, the top one): method
 * descriptors, the parameter sets built from their tables, the fit context
 * every method's fit receives, and the fit results (mtl_fit_info).
 *
 * Adding a method = one descriptor (a static table of parameters and a fit
 * function) in a methods_*.c file, and one line in params.c's list.  The
 * fit function reads its parameters through mtl__p_num / mtl__p_text, fits
 * on the raw dataset it is given, and fills a mtl__fit_out: the model W
 * with its problem parameters and scaler (or a ready model), its results
 * in the info list, and the learned structure as model matrices.  mtl_fit
 * does the rest in one place (api/fit.c): the metadata of every model,
 * features used, status.
 */
#ifndef MTL_API_PRIVATE_H
#define MTL_API_PRIVATE_H

#include "solvers/solvers.h"


/* One parameter of a method's table. */
typedef struct mtl__pdef {
  const char *name;  /* lower case, '_' between words */
  mtl_param_type type;
  const char *def;   /* default as text */
  double lo, hi;     /* range of REAL/INT (inclusive; lo_open/hi_open) */
  int lo_open, hi_open;
  const char *choices; /* CHOICE: "a|b|c" */
  const char *help;
} mtl__pdef;

typedef struct mtl__fit_ctx mtl__fit_ctx;
typedef struct mtl__fit_out mtl__fit_out;

struct mtl_method {
  const char *name;
  const char *aliases;  /* "|"-separated other names, or NULL */
  const char *summary;
  const mtl__pdef *params;
  int nparams;
  /* Fits on c->ds; fills *o.  Returns MTL_CONVERGED/MTL_MAXITER or an
   * error (o is then released by the caller). */
  int (*fit)(const mtl__fit_ctx *c, mtl__fit_out *o);
  /* Optional: fits the decreasing lambdas[0..n-1] on c->ds with warm
   * starts, one output each (used by the search along "lambda"). */
  int (*fit_path)(const mtl__fit_ctx *c, const double *lambdas, int n,
                  mtl__fit_out *outs);
  /* Optional: lambda_max of the method's problem on c->ds. */
  int (*lambda_max)(const mtl__fit_ctx *c, double *out);
  /* Optional: the top of the path of its parameter lambda2 (a search's
   * "lambda2=path:N:R"). */
  int (*lambda2_max)(const mtl__fit_ctx *c, double *out);
  /* 1: the method runs its ranks on the transport, also on a process
   * transport (each rank then passes only its own tasks); 0: it runs in
   * the caller's process and refuses a process transport. */
  int distributed;
};

struct mtl_params {
  const mtl_method *m;
  double *num;         /* per parameter: the number (bool 0/1, choice idx) */
  char **text;         /* per parameter: the value as text (owned) */
  unsigned char *set;  /* per parameter: set explicitly */
  mtl_progress_fn progress;
  void *progress_ctx;
  mtl_log_fn log;
  void *log_ctx;
};

/* ---- parameters (params.c) ----------------------------------------------- */
/* Index of parameter name in p's method (dashes = underscores), or -1. */
int mtl__p_index(const mtl_params *p, const char *name);
/* MTL_EINVAL: "METHOD has no parameter NAME (valid: ...)". */
int mtl__p_unknown(const mtl_params *p, const char *name);
/* Value of a parameter the method is known to have (its table). */
double mtl__p_num(const mtl_params *p, const char *name);
int mtl__p_int(const mtl_params *p, const char *name);
const char *mtl__p_text(const mtl_params *p, const char *name);
int mtl__p_is(const mtl_params *p, const char *name, const char *word);

/* ---- fit results (info.c) ------------------------------------------------- */
typedef struct mtl__item {
  char *key, *text;
  double value; /* NaN for text items */
  int is_num;
} mtl__item;

struct mtl_fit_info {
  int n, cap;
  mtl__item *items;
  int rows, cols;   /* trace table */
  char *header;
  double *trace;    /* rows x cols row-major */
};

mtl_fit_info *mtl__info_new(void);
/* Sets (or replaces) an item.  MTL_OK or MTL_ENOMEM. */
int mtl__info_num(mtl_fit_info *in, const char *key, double v);
int mtl__info_text(mtl_fit_info *in, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Takes a trace table (copies header and data). */
int mtl__info_trace(mtl_fit_info *in, const char *header, int rows, int cols,
                    const double *data);

/* ---- the fit context and output (fit.c) --------------------------------- */
struct mtl__fit_ctx {
  const mtl_dataset *ds;   /* raw training data */
  mtl_dataset *take;       /* ds itself when the fit may release its
                              features as it scales them (mtl_fit_take),
                              else NULL */
  const mtl_params *p;
  const mtl_transport *tr;
  const double *W0;        /* warm start (scaled space, d x T) or NULL */
  int want_trace;
  int select;              /* 1: the fit only scores a grid point (CV fold,
                              validation split): it may stop at the
                              accuracy model selection needs (batch:
                              select_tol) instead of its certificate's */
};

struct mtl__fit_out {
  mtl_model *model;        /* the model (with its scaler), or NULL if the
                              generic builder is to make it from: */
  double *W;               /* d x T (owned), with */
  int d, T;
  mtl_problem_params pp;   /* formulation recorded (task_loss owned) */
  int *task_loss;
  mtl_scaler sc;           /* owned */
  mtl_fit_info *info;      /* results (owned) */
  /* learned structure stored as model matrices: */
  int nmat;
  struct {
    char name[32];
    int rows, cols;
    double *A;
  } mat[8];
  double *R;               /* graph matrix referenced by pp (owned) */
};

/* MTL_EUNSUPPORTED naming method m when ds has weights that m ignores:
 * per-sample weights (mtl_dataset_set_sample_weights) for a method whose
 * loss is not mtl_problem's, task weights c_t != 1 for the online methods;
 * MTL_OK otherwise or when ds is NULL (fit.c). */
int mtl__fit_check_weights(const mtl_method *m, const mtl_dataset *ds);

/* ---- a distributed method on a process transport (fit_dist.c) -------- */
/* Each rank holds only its own tasks (c->ds, read with the task filter;
 * NULL or empty on a server rank).  mtl__dist_prepare agrees on T, d and
 * the samples, fits the pooled scaler into o->sc (every rank), scales the
 * local tasks, sets o->pp / o->R, and on rank 0 the task losses
 * (o->task_loss) and o->d, o->T, as the model needs them. */
typedef struct mtl__dist {
  int T, K;          /* global tasks; this rank's */
  int d_in, d;       /* input features; d = d_in + bias */
  double samples;    /* over all ranks */
  int *gid;          /* K: the global index of local task t */
  mtl_dataset *scaled; /* the local tasks, scaled (NULL when K = 0) */
  int *task_loss;    /* transient (moved into o) */
  mtl_problem_params pp;
  double *R;         /* transient (moved into o) */
} mtl__dist;
int mtl__dist_prepare(const mtl__fit_ctx *c, mtl__fit_out *o,
                      mtl__dist *dp);
void mtl__dist_clear(mtl__dist *dp);
/* Collective: the global task count *K, every task's sample count n[K]
 * (on every rank) and this rank's tasks' global indices gid (malloc'd). */
int mtl__dist_sizes(const mtl_transport *t, const mtl_dataset *ds, int *K,
                    int **n, int **gid);
/* The rank-to-tasks map of a process transport: parameter rank_map, else
 * CHECKPOINT.ranks when the method checkpoints, else NULL; buf holds the
 * derived name. */
const char *mtl__fit_rank_map(const mtl__fit_ctx *c, char *buf, size_t cap);

/* The shared steps of the methods' fits. */
/* Scaler fitted on c->ds per the parameters "standardize" and "bias"
 * (absent = 0) and the scaled copy (c->take: made while c->ds's features
 * are released; at most once per fit). */
int mtl__fit_scale(const mtl__fit_ctx *c, mtl_scaler *sc,
                   mtl_dataset **scaled);
/* Problem parameters of the shared parameters (loss, scaling, reg, lambda,
 * ridge, graph_file, bias, threads, where the method has them).  *R (graph
 * matrix) is malloc'd when read: free after use. */
int mtl__fit_problem_params(const mtl_params *p, int T,
                            mtl_problem_params *pp, double **R);
/* Records the resolved losses of pb into o (for the model). */
int mtl__fit_out_losses(mtl__fit_out *o, const mtl_problem *pb);
/* Adds a model matrix (copied). */
int mtl__fit_out_matrix(mtl__fit_out *o, const char *name, int rows,
                        int cols, const double *A);
void mtl__fit_out_clear(mtl__fit_out *o);
/* The two halves of mtl__fit_run: o with fresh results ("method",
 * "status"); then the results completed (seconds unless the method set
 * them, status of st unless st < 0) and the model built: *out. */
int mtl__fit_begin(mtl__fit_out *o, const mtl_method *m);
int mtl__fit_finish(mtl__fit_out *o, const mtl_params *p, int st,
                    double seconds, mtl_model **out);
/* Runs one fit (c->p's method) and completes the model: *out.  o holds
 * the results (o->info) afterwards; the caller clears o. */
int mtl__fit_run(const mtl__fit_ctx *c, mtl__fit_out *o, mtl_model **out);
/* The checkpoint hook of the parameters checkpoint, checkpoint_every and
 * resume (path / resume NULL when empty). */
void mtl__fit_ckpt(const mtl_params *p, mtl__ckpt *ck);
/* Items of a certificate ("certificate", "gap", "relative_gap",
 * "residual"). */
int mtl__info_cert(mtl_fit_info *in, const mtl_certificate *c);
/* Certificate items of W on pb ("certificate", "gap", "relative_gap",
 * "residual"). */
int mtl__fit_certificate(mtl_problem *pb, const double *W,
                         mtl_fit_info *in);
/* A parameter search (search.c; accessors in search_get.c). */
struct mtl_search {
  mtl_params *base;
  int nvar, npoints;
  char **names;      /* nvar */
  char **values;     /* npoints x nvar, row-major */
  double *err, *err_sd, *obj, *iters, *secs;
  int *status;
  mtl_model **models; /* path mode: npoints */
  int validated, best;
  char metric[24];
  /* how it ran (mtl_search_extend runs new points the same way) */
  int folds, path_top; /* path_top: a path: grid, its top is lambda_max */
  double holdout;
  uint64_t seed;
  /* a validated lambda path: per part (fold), the fitted W (scaled space,
   * d x T) at the smallest lambda so far, warm_lambda; an extension below
   * it starts there (NULL: none) */
  double **warm;
  int nwarm;
  double warm_lambda;
};

/* mtl_search_edge: an edge where the neighbour's error is within this
 * fraction of the best's is flat, not an edge. */
#define MTL__EDGE_FLAT 1e-3
/* Value i of varied parameter j as a number (NaN: not numeric). */
double mtl__search_x(const mtl_search *s, int i, int j);
/* Parses grid into s's names, values, nvar, npoints and path_top
 * (search_grid.c). */
int mtl__search_build_grid(mtl_search *s, const mtl__fit_ctx *c,
                           const char *grid);

/* The fit's "status" item from its stopping code st and the certificate
 * items already in `in` (docs/cli.md, "Status"):
 *   "certified"          a duality gap proves the objective within the
 *                        method's tol_gap (MTL_CERT_TOL without one);
 *   "converged"          its stopping rule was met, or it stopped at
 *                        its iteration limit with a relative gap within
 *                        MTL_CERT_TOL;
 *   "not converged"      it stopped at its iteration limit;
 *   "far from a solution" the same, and its certificate puts it far from
 *                        a solution (MTL_FAR_GAP, MTL_FAR_CHANGE; or not
 *                        finite): mtl train does not save such a model;
 *   "iteration limit"    every tolerance the method has is 0: the number
 *                        of iterations was asked for. */
#define MTL_CERT_TOL 1e-6
#define MTL_FAR_GAP 1e-2
#define MTL_FAR_CHANGE 1e-2
int mtl__fit_status(mtl_fit_info *in, const mtl_params *p, int st);
/* The solver parameters of a method fitted by the proximal-gradient
 * kernel from its own parameters: solver (ista|fista by name), max_iter,
 * tol, tol_gap and select_tol where the method has them (select_tol
 * replaces the gap and objective rules when c->select), progress, and
 * record_trace = c->want_trace. */
void mtl__fit_solver_params(const mtl__fit_ctx *c, mtl_solver_params *sp);
/* 1 when a status word says the fit stopped at its iteration limit. */
int mtl__status_stopped(const char *status);
/* The trace table "iter,objective" of in->trace (in->iterations entries,
 * a solver's record_trace). */
int mtl__info_iter_trace(mtl_fit_info *fi, const mtl_solve_info *in);

/* The mtl_omtl_params of an online method's parameter set
 * (methods_online.c). */
int mtl__omtl_params_from(const mtl_params *p, mtl_omtl_method method,
                          mtl_omtl_params *o);

/* ---- parameter table entries shared by several methods ------------------ */
#define MTL__INF INFINITY
#define MTL__P_REAL(name, def, lo, hi, help)                                  \
  { name, MTL_PARAM_REAL, def, lo, hi, 0, 0, NULL, help }
#define MTL__P_POS(name, def, help) /* > 0 */                                 \
  { name, MTL_PARAM_REAL, def, 0, MTL__INF, 1, 0, NULL, help }
#define MTL__P_NONNEG(name, def, help)                                        \
  { name, MTL_PARAM_REAL, def, 0, MTL__INF, 0, 0, NULL, help }
#define MTL__P_INT(name, def, lo, hi, help)                                   \
  { name, MTL_PARAM_INT, def, lo, hi, 0, 0, NULL, help }
#define MTL__P_BOOL(name, def, help)                                          \
  { name, MTL_PARAM_BOOL, def, 0, 1, 0, 0, NULL, help }
#define MTL__P_CHOICE(name, def, choices, help)                               \
  { name, MTL_PARAM_CHOICE, def, 0, 0, 0, 0, choices, help }
#define MTL__P_TEXT(name, def, help)                                          \
  { name, MTL_PARAM_TEXT, def, 0, 0, 0, 0, NULL, help }

#define MTL__P_STANDARDIZE                                                    \
  MTL__P_BOOL("standardize", "1", "standardize the features (zero mean, "    \
              "unit variance, fitted on the training data)")
#define MTL__P_BIAS                                                           \
  MTL__P_BOOL("bias", "1", "append an unpenalized bias feature")
#define MTL__LOSSES "auto|squared|logistic|sqhinge"
#define MTL__P_LOSS                                                           \
  MTL__P_CHOICE("loss", "auto", MTL__LOSSES,                                 \
                "per-sample loss; auto = squared for regression tasks, "     \
                "logistic for classification tasks")
#define MTL__SCALINGS "sum|mean|double-sum|double-mean"
#define MTL__P_SCALING(def)                                                   \
  MTL__P_CHOICE("scaling", def, MTL__SCALINGS,                               \
                "per-task loss weighting: sum = 1/2||Xw-y||^2, mean = "      \
                "1/(2n)||Xw-y||^2, double-* = twice those")
#define MTL__P_REG                                                            \
  MTL__P_CHOICE("reg", "l21", "none|ridge|l1|l21|trace|mean|graph|lasso|"    \
                "nuclear|l1inf|col21",                                        \
                "regularizer g(W): l1 = independent Lassos, l21 = joint "    \
                "feature selection, trace = low rank, mean, graph "          \
                "||WR||^2, l1inf = sum_j max_t |W_jt| (joint, L-infinity), " \
                "col21 = sum_t ||w_t|| (whole tasks)")
#define MTL__P_RIDGE                                                          \
  MTL__P_NONNEG("ridge", "0", "extra ridge term ridge * ||W||_F^2")
#define MTL__P_GRAPH_FILE                                                     \
  MTL__P_TEXT("graph_file", "", "reg graph: text matrix R, T rows (tasks) "  \
              "x E columns (edges), numbers separated by blanks or commas")
#define MTL__P_THREADS                                                        \
  MTL__P_INT("threads", "1", 0, 4096, "worker threads for per-task work "    \
             "(0 = all CPUs)")
#define MTL__P_TRACE                                                          \
  MTL__P_BOOL("trace", "0", "keep the objective per iteration (the fit "     \
              "results' trace table)")
/* checkpoint, checkpoint_every, resume: the methods that checkpoint
 * (mtl__fit_ckpt reads them) */
#define MTL__P_CHECKPOINTS(what, units)                                       \
  MTL__P_CHECKPOINTS_EVERY(what, units,                                       \
                           MTL__P_INT("checkpoint_every", "100", 1, 1e9,      \
                                      "units between checkpoints: " units))
/* The same with the interval given (async/smtl: by wall time by default). */
#define MTL__P_CHECKPOINTS_EVERY(what, units, every)                          \
  MTL__P_TEXT("checkpoint", "", "write " what " to this file (see "           \
                                "checkpoint_every)"),                         \
      every,                                                                  \
      MTL__P_TEXT("resume", "", "continue from this checkpoint (same data "   \
                                "and parameters; the synchronous methods "    \
                                "then end exactly as an uninterrupted run)"), \
      MTL__P_TEXT("rank_map", "", "process transports (MPI): rank 0 writes "  \
                                  "the rank-to-tasks map here; empty = "      \
                                  "CHECKPOINT.ranks when checkpointing")
#define MTL__NPARAMS(table) ((int)(sizeof table / sizeof *table))

/* ---- the methods (methods_*.c), listed in methods.c --------------------- */
extern const mtl_method mtl__method_batch, mtl__method_async,
    mtl__method_smtl, mtl__method_srml, mtl__method_ssml, mtl__method_asym,
    mtl__method_asym_curriculum, mtl__method_asym_noloss,
    mtl__method_asym_symmetric, mtl__method_curriculum_simple,
    mtl__method_gomtl, mtl__method_cadmm, mtl__method_dadmm,
    mtl__method_dpsgd, mtl__method_ogd;
/* decomposition models W = P + Q (methods_decomp.c) */
extern const mtl_method mtl__method_dirty, mtl__method_rmtl,
    mtl__method_rmtfl, mtl__method_sparse_lowrank;
/* clustered MTL (methods_cmtl.c) */
extern const mtl_method mtl__method_cmtl;
/* temporal group lasso (methods_tgl.c) */
extern const mtl_method mtl__method_tgl;
extern const mtl_method mtl__method_fglasso;
extern const mtl_method mtl__method_caso;
extern const mtl_method mtl__method_mll;

/* ---- path tops of the structured formulations (methods_lmax.c) ----------- */
typedef enum {
  MTL__LMAX_L21, /* exact lambda_max of an L2,1 penalty */
  MTL__LMAX_L1,  /* exact lambda_max of an L1 penalty */
  MTL__LMAX_TV,  /* the fused penalty's dual norm of the centred gradient */
  MTL__LMAX_LIP  /* the loss's Lipschitz bound (quadratic penalties) */
} mtl__lmax_kind;
/* The top of a lambda path of kind on the problem c's fit would solve. */
int mtl__lmax_struct(const mtl__fit_ctx *c, mtl__lmax_kind kind,
                     double *out);

#endif /* MTL_API_PRIVATE_H */
