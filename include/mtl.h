/*
 * mtl.h -- the public interface of libmtl, a library for multi-task learning.
 *
 * This header is the whole API and its reference documentation.  Everything
 * under src/ is private.
 *
 * Conventions
 * -----------
 *  - T tasks, d features.  The model is W = [w_1 .. w_T], a d x T matrix
 *    stored COLUMN-MAJOR (column t, the weights of task t, is contiguous:
 *    W[t*d + j]).  Every matrix argument states its layout.
 *  - Task data X_t (n_t x d) is stored ROW-MAJOR (sample i is contiguous:
 *    X[i*d + j]) when dense, or as CSR (rows = samples).
 *  - Fallible calls return int: 0 (MTL_OK) on success, a negative MTL_E*
 *    code on failure.  The failing call also leaves a message in a
 *    thread-local buffer, read with mtl_last_error(); messages name the file,
 *    line, task, parameter and value at fault.  Positive values are states,
 *    not errors (MTL_CONVERGED, MTL_MAXITER).
 *  - Handles are opaque; each _create/_read has a _free, and _free(NULL) is a
 *    no-op.  A handle may be used from one thread at a time unless stated;
 *    distinct handles are independent.  The library has no global mutable
 *    state (but the registry of temporary output names, see "Output
 *    files"), never prints to stdout/stderr, and never calls exit/abort.
 *  - Threads: where libmtl runs threads of its own (problem threads > 1,
 *    asynchronous and online methods run in-process), it sets OpenBLAS to
 *    one thread per call (openblas_set_num_threads(1), process-wide), since
 *    OpenBLAS threads nested in ours oversubscribe the cores and can stall.
 *    A cross-validation or grid search (mtl_cv, mtl_search_run,
 *    mtl_search_extend) sets it to one thread for its duration (its fits
 *    are many and small: OpenBLAS's threads would only spin) and restores
 *    the previous count when it returns.
 *  - Parameter structs are filled with defaults by their *_params_init()
 *    function and copied by the library; the caller's struct may be freed
 *    right after the call.  Every public struct ends with room to grow
 *    (MTL_RESERVED): fill structs with their _init function (or = {0}),
 *    never by listing all fields.  Bindings need no struct at all: the
 *    one entry point (mtl_fit) takes parameters by name and string.
 */
#ifndef MTL_H
#define MTL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32) && defined(MTL_BUILDING_SHARED)
#define MTL_API __declspec(dllexport)
#elif defined(__GNUC__)
#define MTL_API __attribute__((visibility("default")))
#else
#define MTL_API
#endif

/* Room to grow: every public struct ends with MTL_RESERVED, space that a
 * later version fills with new fields while the struct keeps its size, so
 * that programs built against this header keep working with a newer
 * library.  It is zeroed by the *_init functions and by the library;
 * callers never read or write it. */
#define MTL_RESERVED uint64_t reserved_[8]

#define MTL_VERSION_MAJOR 0
#define MTL_VERSION_MINOR 1
#define MTL_VERSION_PATCH 0
#define MTL_VERSION_STRING "0.1.0"

/** Returns the library version string, e.g. "0.1.0". */
MTL_API const char *mtl_version(void);

/* ------------------------------------------------------------------------ */
/* Errors                                                                   */
/* ------------------------------------------------------------------------ */

/* X(NAME, value, message).  The single table from which the codes, their
 * names (mtl_errname) and messages (mtl_strerror) are generated. */
#define MTL_ERRNO_MAP(X)                                                       \
  X(NOMEM, -1, "out of memory")                                                \
  X(INVAL, -2, "invalid argument")                                             \
  X(IO, -3, "input/output error")                                              \
  X(FORMAT, -4, "malformed input")                                             \
  X(DIM, -5, "dimension mismatch")                                             \
  X(NUMERIC, -6, "numerical failure (NaN, Inf or breakdown)")                  \
  X(LINALG, -7, "linear algebra routine failed")                               \
  X(CANCELLED, -8, "cancelled by callback or interrupt")                       \
  X(UNSUPPORTED, -9, "unsupported combination or build feature")               \
  X(NOTFOUND, -10, "not found")

enum {
  MTL_OK = 0,
#define MTL__ERRENUM(name, val, msg) MTL_E##name = (val),
  MTL_ERRNO_MAP(MTL__ERRENUM)
#undef MTL__ERRENUM
};

/* Iteration states returned by solvers; not errors. */
enum {
  MTL_CONTINUE = 1,  /* internal: iteration goes on */
  MTL_CONVERGED = 2, /* a stopping tolerance was met */
  MTL_MAXITER = 3    /* max_iter reached before any tolerance */
};

/** Message for an error code ("out of memory").  Never NULL. */
MTL_API const char *mtl_strerror(int code);
/** Name of an error code ("MTL_ENOMEM").  Never NULL. */
MTL_API const char *mtl_errname(int code);
/** Detailed message of the last failing call in this thread ("" if none).
 *  Valid until the next failing libmtl call in the same thread. */
MTL_API const char *mtl_last_error(void);
/** Clears this thread's last error message. */
MTL_API void mtl_clear_error(void);

/* --- Output files ------------------------------------------------------- */

/* Every file libmtl writes (models, datasets, checkpoints, graphs) goes
 * through one writer, also offered here for programs that write their own
 * outputs the same way:
 *  - a regular file, or a path that does not exist yet, is written to a new
 *    temporary file in the same directory ("<path>.tmp.<pid>.<random>",
 *    created with O_CREAT|O_EXCL|O_NOFOLLOW, so nothing planted at a
 *    temporary name is followed), fsync'ed, given the permission bits (and
 *    where allowed the owner and group) of the file it replaces, then
 *    renamed over the path.  A failure leaves an
 *    existing file untouched and removes the temporary file.  Temporary
 *    files of the same path left by a writer that was killed (its pid no
 *    longer exists) are removed when the path is written next.
 *  - a symbolic link is resolved (realpath): its target is replaced, the
 *    link stays; a dangling link is an error.
 *  - a character device or a FIFO is written directly (no temporary file,
 *    no rename), as is "-", standard output; a failed write is an error
 *    (`-o /dev/full` fails and /dev/full stays a device).  "/dev/stdout"
 *    and "/dev/stderr" (/dev/fd/1, /dev/fd/2) are the process's own
 *    streams, written as they are whatever they are redirected to.
 *  - a directory, block device or socket is an error.
 * While a temporary file exists its name is kept in a small process-wide
 * registry (the one global state of libmtl, lock-free) so that a signal
 * handler can remove it with mtl_output_remove_temps(). */
typedef struct mtl_output mtl_output;

/** Opens path for writing as above; `what` names the content in messages
 *  ("model", "predictions").  On success *out is the handle: write to
 *  mtl_output_stream(*out), then mtl_output_commit or mtl_output_abort. */
MTL_API int mtl_output_open(const char *path, const char *what,
                            mtl_output **out);
/** The stream to write to (stdout for "-").  Owned by the handle. */
MTL_API FILE *mtl_output_stream(mtl_output *o);
/** The path a writer that opens files by name (a library writer, an
 *  external program) should write the content to instead of the stream:
 *  the temporary file, or for a direct output its own path ("-" for
 *  stdout).  Valid until commit or abort; commit then puts that file in
 *  place (the stream, unused, adds nothing). */
MTL_API const char *mtl_output_path(const mtl_output *o);
/** Flushes (and fsyncs) the content and renames it into place; any write
 *  error seen on the stream is reported here (MTL_EIO, naming the path and
 *  the system error).  Frees o in all cases (standard output stays open). */
MTL_API int mtl_output_commit(mtl_output *o);
/** Drops the content: removes the temporary file (an existing file is left
 *  as it was; a device or stdout keeps what was written).  Frees o;
 *  NULL is a no-op. */
MTL_API void mtl_output_abort(mtl_output *o);
/** Removes every temporary output file of this process that is being
 *  written now.  Async-signal-safe: meant for SIGINT/SIGTERM handlers,
 *  which then end the process (the handles are left for the exit). */
MTL_API void mtl_output_remove_temps(void);

/** Logging callback: level 0 = note, 1 = warning.  Used by handles that
 *  accept one; never global. */
typedef void (*mtl_log_fn)(void *ctx, int level, const char *msg);

/* ------------------------------------------------------------------------ */
/* Datasets                                                                 */
/* ------------------------------------------------------------------------ */

typedef struct mtl_dataset mtl_dataset;

/* Kind of a task's targets. */
typedef enum {
  MTL_TASK_REGRESSION = 0,     /* real targets */
  MTL_TASK_CLASSIFICATION = 1  /* targets in {-1, +1} */
} mtl_task_kind;

/** Creates an empty dataset of dimension d (d >= 1); tasks are added with
 *  mtl_dataset_add_*.  Returns NULL on failure (see mtl_last_error). */
MTL_API mtl_dataset *mtl_dataset_create(int d);
MTL_API void mtl_dataset_free(mtl_dataset *ds);

/** Adds a task with dense row-major X (n x d) and targets y (n).  Data is
 *  copied.  kind: MTL_TASK_REGRESSION or MTL_TASK_CLASSIFICATION, or -1 to
 *  infer (labels all in {-1,+1} or all in {0,1} -> classification, {0,1}
 *  mapped to {-1,+1} with a note in mtl_dataset_notes).  name may be NULL.
 *  Rejects n < 1, NaN/Inf in X or y, and labels outside {-1,+1} for
 *  classification.  Returns the new task index (>= 0) or an error code. */
MTL_API int mtl_dataset_add_dense(mtl_dataset *ds, int n, const double *X,
                                  const double *y, int kind, const char *name);

/** Adds a task with CSR X: indptr[n+1], indices[nnz] (0-based columns,
 *  < d), values[nnz].  Copied.  Otherwise as mtl_dataset_add_dense. */
MTL_API int mtl_dataset_add_csr(mtl_dataset *ds, int n, const int64_t *indptr,
                                const int32_t *indices, const double *values,
                                const double *y, int kind, const char *name);

/** Shared design ("multi-output"): all T tasks share one dense row-major X
 *  (n x d), stored once; Y is column-major n x T (column t = targets of task
 *  t).  The dataset must be empty.  Returns MTL_OK or an error. */
MTL_API int mtl_dataset_set_shared(mtl_dataset *ds, int n, const double *X,
                                   int T, const double *Y, int kind);

/** Sets task t's weight c_t (> 0, finite; default 1). */
MTL_API int mtl_dataset_set_weight(mtl_dataset *ds, int t, double c);

MTL_API int mtl_dataset_ntasks(const mtl_dataset *ds);
MTL_API int mtl_dataset_dim(const mtl_dataset *ds);
/** Samples of task t (or -1 if t is out of range). */
MTL_API int mtl_dataset_task_n(const mtl_dataset *ds, int t);
/** Total samples over tasks (shared design counts n per task). */
MTL_API int64_t mtl_dataset_total_n(const mtl_dataset *ds);
MTL_API mtl_task_kind mtl_dataset_task_kind(const mtl_dataset *ds, int t);
MTL_API double mtl_dataset_task_weight(const mtl_dataset *ds, int t);
/** Sets the per-sample weights of task t: w[0..n_t-1] (copied), each >= 0
 *  and finite, not all 0; w = NULL removes them (every weight 1, the
 *  default).  Sample i of task t then counts s_i times in the loss:
 *    c_t s(N_t) sum_i s_i l(x_i'w_t, y_i),  N_t = sum_i s_i
 *  (N_t replaces n_t in the mean scalings), in the loss's gradient,
 *  Lipschitz bound, Gram data (X'SX), duality gap and lambda_max, and in
 *  the scaler's mean and std (mtl_scaler_fit).  So integer weights fit as
 *  the data with each sample repeated s_i times, and a zero weight as the
 *  data without that sample.  Kept by splits, folds, subsets, task
 *  selections and mtl_scaler_apply.  In a shared-design dataset each task
 *  has its own weights (the scaler weighs a row by their mean over tasks).
 *  Methods that cannot honour them refuse a weighted dataset in mtl_fit
 *  (MTL_EUNSUPPORTED naming the method).  Metrics (mtl_metrics_dataset)
 *  and validation errors (mtl_cv, mtl_search_run) weigh them too.
 *  MTL_EINVAL naming the task, the sample (1-based) and the value for a
 *  negative, NaN or infinite weight, or when all are 0. */
MTL_API int mtl_dataset_set_sample_weights(mtl_dataset *ds, int t,
                                           const double *w);
/** Task t's sample weights (n_t entries, valid while ds lives and its
 *  weights are not set again), or NULL when it has none (all 1) or t is
 *  out of range. */
MTL_API const double *mtl_dataset_task_sample_weights(const mtl_dataset *ds,
                                                      int t);
/** 1 if some task of ds has sample weights, else 0. */
MTL_API int mtl_dataset_has_sample_weights(const mtl_dataset *ds);
/** Task name ("task1" style default).  Valid while ds lives. */
MTL_API const char *mtl_dataset_task_name(const mtl_dataset *ds, int t);
/** Pointer to the n targets of task t.  Valid while ds lives. */
MTL_API const double *mtl_dataset_task_y(const mtl_dataset *ds, int t);
/** 1 if task t is stored sparse (CSR), 0 if dense. */
MTL_API int mtl_dataset_task_is_sparse(const mtl_dataset *ds, int t);
/** 1 if the dataset is in shared-design mode. */
MTL_API int mtl_dataset_is_shared(const mtl_dataset *ds);
/** Copies sample i of task t into x (length d, dense). */
MTL_API int mtl_dataset_get_row(const mtl_dataset *ds, int t, int i,
                                double *x);
/** Notes collected while building/reading (label mappings, conversions),
 *  newline separated; "" if none.  Valid while ds lives. */
MTL_API const char *mtl_dataset_notes(const mtl_dataset *ds);
/** Copies all of task t's X into X (n_t x d, dense row-major; a CSR task
 *  is expanded): one call instead of n_t mtl_dataset_get_row.  MTL_EINVAL
 *  for t out of range or X NULL. */
MTL_API int mtl_dataset_get_task_X(const mtl_dataset *ds, int t, double *X);
/** Task t's CSR arrays as stored (no copy; valid while ds lives): *indptr
 *  (n_t + 1), *indices and *values (*nnz entries).  MTL_EINVAL when task t
 *  is dense (see mtl_dataset_task_is_sparse) or out of range. */
MTL_API int mtl_dataset_get_task_csr(const mtl_dataset *ds, int t,
                                     const int64_t **indptr,
                                     const int32_t **indices,
                                     const double **values, int64_t *nnz);

/* --- The BLAS ------------------------------------------------------------ */

/** The BLAS that libmtl's linear algebra runs on, as text: for OpenBLAS
 *  its configuration, the kernel set ("core") it chose for this CPU and
 *  its file, e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH ..., core Haswell
 *  (libopenblas.so.0)"; else the file that provides cblas_dgemm (e.g.
 *  "libblis.so.4").  Valid for the life of the process; thread-safe. */
MTL_API const char *mtl_blas_name(void);
/** When the BLAS is OpenBLAS and it runs kernels for an older CPU than
 *  this one -- OpenBLAS 0.3.21 (Debian 12) does not know recent Intel CPUs
 *  and falls back to its generic "Prescott" kernels, 3-5x slower in dsyrk
 *  and dgemm on an AVX-512 CPU -- the value of OPENBLAS_CORETYPE that
 *  selects the kernels this CPU can run: "SkylakeX" (AVX-512), "Haswell"
 *  (AVX2 + FMA) or "Sandybridge" (AVX).  NULL when there is nothing to gain
 *  or OPENBLAS_CORETYPE is set already.  OpenBLAS reads the variable when
 *  it is loaded, so it must be in the environment before the program
 *  starts (the `mtl` tool re-executes itself with it; see README, "BLAS").
 *  The library never sets it and never prints. */
MTL_API const char *mtl_blas_suggested_core(void);

/* --- Readers and writers ------------------------------------------------ */

typedef enum {
  MTL_FMT_AUTO = 0, /* by extension (.mat .npz .npy .csv .tsv .arff), else
                       by content (MATLAB/zip/NumPy magic, an @relation
                       line, a delimited header); else text */
  MTL_FMT_MAT,      /* MATLAB v4/v5/v7.3 via matio */
  MTL_FMT_NPZ,      /* NumPy .npz (zip of .npy) */
  MTL_FMT_TEXT,     /* "task label idx:val ..." per line (see below) */
  MTL_FMT_CSV,      /* delimited text (comma, semicolon or tab), header
                       row detected */
  MTL_FMT_ARFF      /* Weka/Mulan ARFF: @relation, @attribute, @data */
} mtl_format;

/* What a reader does with a missing value ("?", an empty cell, NaN, NA)
 * in a CSV or ARFF file. */
typedef enum {
  MTL_MISSING_ERROR = 0, /* refuse the file, naming file:line and column */
  MTL_MISSING_DROP,      /* drop the sample (the row, for every target) */
  MTL_MISSING_MEAN       /* a missing feature becomes its column's mean over
                            the rows where it is present; a row with a
                            missing label or task is dropped */
} mtl_missing;

/* How samples are laid out in .mat / .npz files. */
typedef enum {
  MTL_LAYOUT_AUTO = 0,  /* guess from the variables found */
  MTL_LAYOUT_CELL,      /* one cell per task: X{t} (n_t x d), Y{t} (n_t) */
  MTL_LAYOUT_TASK_START,/* one X (N x d), y (N), 1-based start row per task */
  MTL_LAYOUT_TASK_ID,   /* one X, y, and a per-sample task id vector */
  MTL_LAYOUT_ONEVSREST, /* one shared X, multiclass y -> one task per class */
  MTL_LAYOUT_STACKED,   /* 3-D array X (T x n x d) and Y (T x n) (.npz) */
  MTL_LAYOUT_MULTITARGET/* one X (N x d), Y (N x T): T tasks sharing X,
                           stored once (Sarcos, Mulan) */
} mtl_layout;

typedef struct mtl_read_params {
  mtl_format format;     /* default MTL_FMT_AUTO */
  mtl_layout layout;     /* default MTL_LAYOUT_AUTO */
  const char *x_var;     /* name of the X variable; NULL = try X, x, feature,
                            xs, data (default NULL) */
  const char *y_var;     /* name of the y variable; NULL = try Y, y, label,
                            ys (default NULL) */
  const char *task_var;  /* task-start / task-id variable; NULL = try
                            task_indexes, task_index, task (default NULL) */
  int samples_in_columns;/* 1 = X is d x N (Argyriou School); -1 = guess
                            from y's length (default -1) */
  int task_col;          /* CSV: 0-based column of the task id; -1 = column
                            named "task" (default -1) */
  int label_col;         /* CSV: 0-based column of the label; -1 = column
                            named "label" or "y" (default -1) */
  int sparse;            /* text: 1 = store CSR, 0 = dense, -1 = CSR when
                            density < 25% (default -1) */
  int dim;               /* text: feature dimension; 0 = max index seen
                            (default 0) */
  int kind;              /* -1 infer per task (default), or mtl_task_kind */
  int part_count;        /* task filter: keep only the tasks t (0-based, in
                            the order the whole-file read gives) with
                            t % part_count == part_index; 0 = every task
                            (default 0) */
  int part_index;        /* 0 <= part_index < part_count (default 0) */
  /* CSV and ARFF columns.  A column list is comma-separated; each item is
   * a header / attribute name, a 0-based index, or "prefix*" (every column
   * whose name starts with prefix). */
  const char *targets;   /* several target columns: T tasks sharing one X
                            (multi-target, stored once).  A list as above,
                            or a lone count K = the last K columns (Mulan's
                            convention).  NULL: CSV uses label_column,
                            ARFF the last attribute (default NULL) */
  const char *features;  /* the feature columns, in this order; NULL = every
                            column not used otherwise (default NULL) */
  const char *drop;      /* columns to ignore (default NULL) */
  const char *task_column; /* CSV/ARFF: the task id column by name or 0-based
                            index; overrides task_col (default NULL) */
  const char *label_column; /* CSV/ARFF: the label column by name or index;
                            overrides label_col (default NULL) */
  int delimiter;         /* CSV: ',', ';' or '\t'; 0 = detected from the
                            header line, with a note when not ',' (default
                            0) */
  int missing;           /* mtl_missing (default MTL_MISSING_ERROR) */
  union {
    const char *weight_column; /* per-sample weights (see
                            mtl_dataset_set_sample_weights): CSV/ARFF: the
                            column by name or 0-based index, neither a
                            feature nor a target; .npz/.mat: the variable
                            (N entries in the file's sample order); NULL =
                            none, but a .npz/.mat variable named
                            sample_weight is read (default NULL).  A weight
                            that is negative, not finite or not a number is
                            MTL_EFORMAT naming file:line and column (or
                            variable and entry) */
    uint64_t reserved_;  /* the space the field took: MTL_RESERVED less
                            part_count, part_index and the fields above */
  };
} mtl_read_params;

MTL_API void mtl_read_params_init(mtl_read_params *p);
/** mtl_dataset_read with the options as text, "NAME=VALUE;NAME=VALUE",
 *  named as mtl_read_params' fields: format=auto|mat|npz|text|csv|arff,
 *  layout=auto|cell|task-start|task-id|onevsrest|stacked|multitarget,
 *  x_var, y_var, task_var, samples_in_columns=auto|0|1, task_col,
 *  label_col, sparse=auto|0|1, dim, kind=auto|regression|classification,
 *  targets, features, drop (comma-separated column lists),
 *  task_column, label_column, weight_column,
 *  delimiter=auto|comma|semicolon|tab,
 *  missing=error|drop|mean, and the task
 *  filter part=K/P: the K-th of P parts, 1-based (1 <= K <= P; part_index
 *  = K - 1, part_count = P; "part=all" = every task).  No struct needed
 *  (bindings).  An unknown name or a bad value is MTL_EINVAL naming it;
 *  reading errors as mtl_dataset_read. */
MTL_API int mtl_dataset_read_opts(const char *path, const char *options,
                                  mtl_dataset **out);

/** Reads a multi-task dataset.  p may be NULL for defaults.  On error
 *  returns a code, *out = NULL, and mtl_last_error() names the file and the
 *  line (text/CSV) or the variable and cell (.mat/.npz), the bad value and
 *  the reason.
 *
 *  Text format: one sample per line, "task label idx:val idx:val ...";
 *  task is a 1-based integer or any name without spaces (tasks are ordered
 *  by first appearance; integer ids are ordered numerically), label a real
 *  number, idx 1-based feature indices in increasing order; an optional
 *  token "w=VALUE" right after the label is the sample's weight (see
 *  mtl_dataset_set_sample_weights; samples without one weigh 1).  Empty
 *  lines and lines starting with '#' are ignored.  Numbers are read as strtod reads
 *  them, correctly rounded ("C" locale).
 *
 *  CSV (comma, semicolon or tab; header detected) and ARFF (Weka, Mulan)
 *  are read by columns: a task column, a label column or several targets
 *  (T tasks sharing one X), features chosen by name or index, string
 *  columns coded, missing values by p->missing (docs/formats.md).  A
 *  path that does not exist and holds a glob pattern ("tasks/t*.txt")
 *  reads every matching file in name order, each file's tasks appended
 *  (one task: named after the file).  A data error also names the format
 *  assumed ("[read as CSV format, by extension; see --format]").
 *
 *  Task filter (p->part_count > 0): only the tasks t of the whole file's
 *  order with t % part_count == part_index are kept, each exactly as the
 *  whole-file read gives it (same values, name, kind, storage and
 *  dimension); mtl_dataset_global_task and mtl_dataset_global_tasks tell
 *  which ones.  Text files are read in two passes: the first reads only
 *  the task, the label and the feature indices of every line (fixing the
 *  task order, the dimension, the dense/sparse choice and the label kind
 *  as the whole file fixes them), the second parses and stores this part's
 *  lines only; errors in other parts' feature values are not seen.  Other
 *  formats are read whole and the part kept.  A part with no task is
 *  MTL_EINVAL naming the part and the task count. */
MTL_API int mtl_dataset_read(const char *path, const mtl_read_params *p,
                             mtl_dataset **out);

/** The index of task t in the whole file when ds was read with a task
 *  filter (mtl_read_params.part_count), 0-based; t itself when it was read
 *  whole (the index is kept by splits, folds, subsets, task selections and
 *  mtl_scaler_apply).  -1 if t is out of range. */
MTL_API int mtl_dataset_global_task(const mtl_dataset *ds, int t);
/** The number of tasks of the whole file ds was read from with a task
 *  filter; mtl_dataset_ntasks(ds) when read whole. */
MTL_API int mtl_dataset_global_tasks(const mtl_dataset *ds);

/** Writes ds in the text format above (all tasks, %.17g values, 1-based
 *  task ids and feature indices, zeros omitted).  Writes to a temporary file
 *  and renames it over path, so a failure leaves no half-written file. */
MTL_API int mtl_dataset_write_text(const mtl_dataset *ds, const char *path);

/* --- Splits, folds, subsets --------------------------------------------- */

/** Per-task random split: each task keeps round(ratio * n_t) samples (at
 *  least 1 in each part when n_t >= 2) for *train, the rest for *test.
 *  Deterministic for a seed.  ratio in (0, 1). */
MTL_API int mtl_dataset_split(const mtl_dataset *ds, double ratio,
                              uint64_t seed, mtl_dataset **train,
                              mtl_dataset **test);

/** Per-task k-fold: samples of each task are shuffled by seed and dealt
 *  into k folds; fold `fold` (0..k-1) is *test, the rest *train. */
MTL_API int mtl_dataset_kfold(const mtl_dataset *ds, int k, int fold,
                              uint64_t seed, mtl_dataset **train,
                              mtl_dataset **test);

/** Subset by global sample index: idx[m] are 0-based positions in the
 *  concatenation of all tasks' samples (task 0 first) -- the convention of
 *  the School split files (after subtracting 1).  A task left with no
 *  samples is an error naming it; an index out of range is an error naming
 *  its position and value. */
MTL_API int mtl_dataset_subset(const mtl_dataset *ds, const int64_t *idx,
                               int64_t m, mtl_dataset **out);

/** Reads an index file of a given split: a .mat holding 1-based index
 *  vectors (var: e.g. "tr" or "tst"), or a text file of 1-based integers.
 *  *idx (malloc'd, caller frees with mtl_free) receives 0-based indices. */
MTL_API int mtl_read_index_file(const char *path, const char *var,
                                int64_t **idx, int64_t *m);

/** Returns a copy of the tasks listed in tasks[0..k-1] (in that order). */
MTL_API int mtl_dataset_select_tasks(const mtl_dataset *ds, const int *tasks,
                                     int k, mtl_dataset **out);

/** Frees memory returned by the library (index vectors, strings). */
MTL_API void mtl_free(void *p);

/* --- Preprocessing ------------------------------------------------------ */

/* Feature preprocessing, fitted on training data and stored in the model:
 * x' = (x - mean) / scale, then an optional constant 1 appended as the last
 * feature (the bias, not penalized unless asked). */
typedef struct mtl_scaler {
  int d;          /* input dimension */
  int standardize;/* 1 if mean/scale are applied */
  int bias;       /* 1 if a bias feature is appended (output dim d+1) */
  double *mean;   /* d entries (0 if !standardize) */
  double *scale;  /* d entries (1 if !standardize); constant features get 1 */
  MTL_RESERVED; /* room to grow (see "Conventions") */
} mtl_scaler;

/** Fits mean and scale (population std over all tasks' samples pooled) of
 *  ds.  Sparse data is scaled but not centered (mean = 0) to keep it
 *  sparse.  s must be freed with mtl_scaler_clear. */
MTL_API int mtl_scaler_fit(const mtl_dataset *ds, int standardize, int bias,
                           mtl_scaler *s);
/** Returns a transformed copy of ds (dimension d + bias). */
MTL_API int mtl_scaler_apply(const mtl_scaler *s, const mtl_dataset *ds,
                             mtl_dataset **out);
MTL_API void mtl_scaler_clear(mtl_scaler *s);

/* --- Synthetic generators ----------------------------------------------- */

typedef enum {
  MTL_GEN_SPARSE = 0, /* shared sparse support: s of d features nonzero in
                         every task (L2,1 / MTFL ground truth) */
  MTL_GEN_LOWRANK,    /* W = U V' of rank r (trace-norm ground truth) */
  MTL_GEN_CLUSTERED,  /* tasks in k clusters around cluster centers */
  MTL_GEN_MEAN        /* w_t = w0 + small deviation (mean-regularized) */
} mtl_gen_kind;

typedef struct mtl_gen_params {
  mtl_gen_kind kind;  /* default MTL_GEN_SPARSE */
  int T;              /* tasks (default 20) */
  int d;              /* features (default 50) */
  int n;              /* samples per task (default 60) */
  int n_min;          /* if > 0, task sizes uniform in [n_min, n] (default 0)*/
  int support;        /* MTL_GEN_SPARSE: nonzero features (default 10) */
  int rank;           /* MTL_GEN_LOWRANK: rank (default 3) */
  int clusters;       /* MTL_GEN_CLUSTERED: clusters (default 3) */
  double noise;       /* std of additive Gaussian noise (default 0.5) */
  double deviation;   /* task deviation from shared structure (default 0.1) */
  int classification; /* 1 = labels sign(x'w + noise) (default 0) */
  int sparse_x;       /* 1 = X stored CSR with density `density` (default 0)*/
  double density;     /* (default 0.1) */
  int shared_design;  /* 1 = one X for all tasks (default 0) */
  uint64_t seed;      /* (default 1) */
  MTL_RESERVED; /* room to grow (see "Conventions") */
} mtl_gen_params;

MTL_API void mtl_gen_params_init(mtl_gen_params *p);
/** Generates a dataset; if W_true is non-NULL it receives a malloc'd d x T
 *  column-major copy of the true weights (free with mtl_free). */
MTL_API int mtl_generate(const mtl_gen_params *p, mtl_dataset **out,
                         double **W_true);

/* ------------------------------------------------------------------------ */
/* Losses and regularizers (layer 3)                                        */
/* ------------------------------------------------------------------------ */

typedef enum {
  MTL_LOSS_AUTO = -1,    /* squared for regression tasks, logistic for
                            classification tasks */
  MTL_LOSS_SQUARED = 0,  /* l(z, y) = (z - y)^2 / 2 */
  MTL_LOSS_LOGISTIC,     /* l(z, y) = log(1 + exp(-y z)) */
  MTL_LOSS_SQHINGE,      /* l(z, y) = max(0, 1 - y z)^2 / 2 */
  MTL_LOSS_HINGE         /* l(z, y) = max(0, 1 - y z); subgradient only:
                            for online methods, not for FISTA */
} mtl_loss;

/* How each task's per-sample losses are combined into loss_t(w):
 *   loss_t(w) = c_t * s(n_t) * sum_i l(x_i'w, y_i)
 * with the factor s below.  Note l already holds the 1/2 of the squared
 * loss, so MTL_SCALE_SUM gives 1/2 ||Xw - y||^2 (MALSAR's least squares). */
typedef enum {
  MTL_SCALE_SUM = 0,  /* s = 1        (MALSAR: 1/2 ||Xw - y||^2)          */
  MTL_SCALE_MEAN,     /* s = 1 / n_t  (default; scikit-learn: 1/(2n)||.||^2;
                         Lee et al. use 2 x this for squared loss)          */
  MTL_SCALE_DOUBLE_SUM, /* s = 2    (||Xw - y||^2, Bai et al. (4.4))      */
  MTL_SCALE_DOUBLE_MEAN /* s = 2/n_t ((1/n)||Xw - y||^2, Lee et al.)       */
} mtl_scaling;

MTL_API const char *mtl_loss_name(mtl_loss l);
/** "sum", "mean", "double-sum" or "double-mean" ("unknown" otherwise). */
MTL_API const char *mtl_scaling_name(mtl_scaling s);
/** Parses "squared"|"logistic"|"sqhinge"|"hinge"|"auto"; -1 if unknown
 *  (compare with MTL_LOSS_AUTO: "auto" returns MTL_LOSS_AUTO and *ok = 1). */
MTL_API int mtl_loss_parse(const char *s, int *ok);

/** Per-sample loss value sum_i l(z_i, y_i) and derivative dl/dz_i (g may be
 *  NULL).  Hinge returns a subgradient.  Returns the sum. */
MTL_API double mtl_loss_eval(mtl_loss l, const double *z, const double *y,
                             int n, double *g);
/** Lipschitz constant of dl/dz (1 squared, 1/4 logistic, 1 sqhinge;
 *  0 for hinge which has none). */
MTL_API double mtl_loss_lipschitz(mtl_loss l);

typedef enum {
  MTL_REG_NONE = 0,
  MTL_REG_RIDGE,  /* ||W||_F^2 */
  MTL_REG_L1,     /* sum_jt |W_jt|                       (Lasso)              */
  MTL_REG_L21,    /* sum_j ||W_j.||_2 (rows = features)  (joint feature sel.) */
  MTL_REG_TRACE,  /* sum of singular values              (low rank)           */
  MTL_REG_MEAN,   /* sum_t ||w_t - mean_s w_s||^2        (mean-regularized)   */
  MTL_REG_GRAPH,  /* ||W R||_F^2, R given (T x E)        (SRMTL)              */
  MTL_REG_L1INF,  /* sum_j max_t |W_jt|                  (L1/L-inf joint)     */
  MTL_REG_COL21   /* sum_t ||w_t||_2 (columns = tasks)   (whole tasks, robust)*/
} mtl_reg_type;

/* A regularizer lambda * g(W) + ridge * ||W||_F^2. */
typedef struct mtl_reg {
  mtl_reg_type type;  /* default MTL_REG_L21 */
  double lambda;      /* >= 0 (default 0.1) */
  double ridge;       /* extra ridge coefficient >= 0 (default 0) */
  const double *R;    /* MTL_REG_GRAPH: T x E column-major; copied where
                         stored (default NULL) */
  int R_cols;         /* E (default 0) */
  MTL_RESERVED; /* room to grow (see "Conventions") */
} mtl_reg;

MTL_API void mtl_reg_init(mtl_reg *r);
MTL_API const char *mtl_reg_name(mtl_reg_type t);
/** Parses "none"|"ridge"|"l1"|"lasso"|"l21"|"trace"|"nuclear"|"mean"|
 *  "graph"; returns the type or -1 if unknown. */
MTL_API int mtl_reg_parse(const char *s);

/** lambda * g(W) + ridge * ||W||_F^2 for W d x T column-major. */
MTL_API double mtl_reg_value(const mtl_reg *r, const double *W, int d, int T);

/** Exact proximal operator:
 *    out = argmin_U  1/(2 step) ||U - V||_F^2 + lambda g(U) + ridge ||U||_F^2
 *  V and out are d x T column-major and may alias.  Trace norm uses a thin
 *  SVD of the smaller side; graph solves with (I + 2 step lambda R R').
 *  Returns MTL_OK or an error (MTL_ELINALG if the SVD fails). */
MTL_API int mtl_reg_prox(const mtl_reg *r, double step, const double *V,
                         int d, int T, double *out);

/** Dual norm of G (d x T) for the norm regularizers: max|G| (L1), max row
 *  2-norm (L21), spectral norm (trace).  MTL_EUNSUPPORTED for others. */
MTL_API int mtl_reg_dual_norm(const mtl_reg *r, const double *G, int d, int T,
                              double *out);

/* ------------------------------------------------------------------------ */
/* Problems: sum_t c_t loss_t(w_t) + reg(W) on a dataset                    */
/* ------------------------------------------------------------------------ */

typedef struct mtl_problem mtl_problem;

typedef struct mtl_problem_params {
  mtl_loss loss;           /* loss for every task (default MTL_LOSS_AUTO) */
  const int *task_loss;    /* optional per-task losses (T entries, copied),
                              overriding `loss` (default NULL) */
  mtl_scaling scaling;     /* default MTL_SCALE_MEAN */
  mtl_reg reg;             /* default: see mtl_reg_init */
  int unpenalized_last;    /* 1 = the last feature (the bias added by a
                              scaler) is not regularized (default 0) */
  int gram;                /* squared-loss tasks with n_t > d use the
                              precomputed X_t'X_t, X_t'y_t: -1 auto (when
                              n_t > d and dense), 0 never, 1 always
                              (default -1) */
  int threads;             /* worker threads for per-task work; 0 = number
                              of online CPUs (default 1).  Results are
                              bitwise identical for a given thread count. */
  MTL_RESERVED; /* room to grow (see "Conventions") */
} mtl_problem_params;

MTL_API void mtl_problem_params_init(mtl_problem_params *p);

/** Builds a problem on ds (which must outlive it): validates parameters
 *  (one message per bad field), precomputes Gram matrices and Lipschitz
 *  bounds, starts worker threads. */
MTL_API int mtl_problem_create(const mtl_dataset *ds,
                               const mtl_problem_params *p,
                               mtl_problem **out);
MTL_API void mtl_problem_free(mtl_problem *pb);
MTL_API int mtl_problem_dim(const mtl_problem *pb);
MTL_API int mtl_problem_ntasks(const mtl_problem *pb);
/** The resolved loss of task t (MTL_LOSS_AUTO replaced by the task kind's
 *  default). */
MTL_API mtl_loss mtl_problem_task_loss(const mtl_problem *pb, int t);

/** Smooth part f(W) = sum_t c_t loss_t(w_t); grad (d x T, may be NULL). */
MTL_API int mtl_problem_loss(mtl_problem *pb, const double *W, double *f,
                             double *grad);
/** Full objective f(W) + reg(W). */
MTL_API int mtl_problem_objective(mtl_problem *pb, const double *W,
                                  double *obj);
/** Upper bound on the Lipschitz constant of grad f (per task max). */
MTL_API double mtl_problem_lipschitz(const mtl_problem *pb);
/** Smallest lambda for which W = 0 is optimal (norm regularizers, ridge =
 *  0), i.e. the dual norm of grad f(0). */
MTL_API int mtl_problem_lambda_max(mtl_problem *pb, double *lambda_max);
/** Changes lambda (for paths) without recomputing precomputed data. */
MTL_API int mtl_problem_set_lambda(mtl_problem *pb, double lambda);

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

MTL_API int mtl_problem_certificate(mtl_problem *pb, const double *W,
                                    mtl_certificate *cert);

/** Sets the interrupt flag: a solver running on pb returns MTL_ECANCELLED
 *  at its next iteration.  Safe to call from any thread or signal handler.
 *  Solvers clear the flag when they start. */
MTL_API void mtl_problem_interrupt(mtl_problem *pb);

/* ------------------------------------------------------------------------ */
/* Batch solver: accelerated proximal gradient (FISTA)                      */
/* ------------------------------------------------------------------------ */

/* Progress callback: called once per iteration; return non-zero to cancel
 * (the solver then returns MTL_ECANCELLED with the current iterate). */
typedef int (*mtl_progress_fn)(void *ctx, int iter, double obj,
                               double rel_change, double residual);

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
  uint64_t reserved_[7];   /* room to grow: MTL_RESERVED less the 8 bytes
                              of working_set (and its padding) */
} mtl_solver_params;

MTL_API void mtl_solver_params_init(mtl_solver_params *p);

/** The accuracy that model selection needs.  A fit that only scores a
 *  grid point (a CV fold, a validation split) stops at a duality gap of
 *  MTL_SELECT_TOL x objective (where no dual exists: a relative objective
 *  change of MTL_SELECT_TOL / 100 over 10 iterations) instead of the
 *  certificate's tol_gap; the refit at the chosen point gets the
 *  certificate.  Why 1e-5: with the squared loss, F(W) - F* bounds
 *  1/2 sum_t c_t s(n_t) ||X_t (w_t - w_t*)||^2, so a gap of eps F moves
 *  each task's fitted values (mean scaling, unit weights) by an RMS of at
 *  most sqrt(2 eps F / T), i.e. about sqrt(eps) = 0.3% of the training
 *  RMSE (more where the penalty is a large part of F): far below the
 *  standard error of a CV error, which is a few percent with up to
 *  ~10^4 samples.  The default of mtl_cv (sp NULL), of the batch method's
 *  select_tol and of mtl demo's CV (README, "Defaults"). */
#define MTL_SELECT_TOL 1e-5

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
MTL_API int mtl_solve(mtl_problem *pb, const mtl_solver_params *sp, double *W,
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
MTL_API int mtl_solve_path(mtl_problem *pb, const mtl_solver_params *sp,
                           const double *lambdas, int n, double ratio,
                           mtl_path *path);
MTL_API void mtl_path_clear(mtl_path *path);

/* ------------------------------------------------------------------------ */
/* Models                                                                   */
/* ------------------------------------------------------------------------ */

typedef struct mtl_model mtl_model;

/** Creates a model holding W (d x T column-major, copied) and the
 *  formulation.  pp may be NULL (squared loss, no regularizer recorded);
 *  task t's loss is pp->task_loss[t] when given, else pp->loss (pass the
 *  problem's resolved losses, see mtl_problem_task_loss, so that AUTO is
 *  not stored).  scaler may be NULL (identity); it is copied.  d here is
 *  the dimension of W, i.e. the scaler's output dimension (input dim + 1
 *  when the scaler adds a bias). */
MTL_API mtl_model *mtl_model_create(int d, int T, const double *W,
                                    const mtl_problem_params *pp,
                                    const mtl_scaler *scaler);
MTL_API void mtl_model_free(mtl_model *m);
MTL_API int mtl_model_dim(const mtl_model *m);          /* rows of W */
MTL_API int mtl_model_input_dim(const mtl_model *m);    /* raw features */
MTL_API int mtl_model_ntasks(const mtl_model *m);
MTL_API const double *mtl_model_W(const mtl_model *m);
/** The loss of task t (decides predict's output: value or score). */
MTL_API mtl_loss mtl_model_task_loss(const mtl_model *m, int t);

/** Key/value metadata (method, reg, lambda, ...).  Keys: [a-z0-9_.-]+,
 *  values: one line of text.  set replaces an existing key. */
MTL_API int mtl_model_set_meta(mtl_model *m, const char *key,
                               const char *value);
/** NULL if absent.  Valid until the key is set again or m is freed. */
MTL_API const char *mtl_model_get_meta(const mtl_model *m, const char *key);

/** Named extra matrices learned by a method (Omega, B, ...), rows x cols
 *  column-major, copied. */
MTL_API int mtl_model_set_matrix(mtl_model *m, const char *name, int rows,
                                 int cols, const double *A);
MTL_API const double *mtl_model_get_matrix(const mtl_model *m,
                                           const char *name, int *rows,
                                           int *cols);

/** Saves in the libmtl text model format (see docs/model-format.md),
 *  atomically (temporary file + rename). */
MTL_API int mtl_model_save(const mtl_model *m, const char *path);
MTL_API int mtl_model_load(const char *path, mtl_model **out);
/** The model in memory, in the same text format as mtl_model_save (the
 *  bytes mtl_model_save would write): *buf (malloc'd, NUL-terminated; free
 *  with mtl_free) holds *len bytes, the NUL not counted (on error *buf
 *  = NULL, *len = 0).  For bindings (pickling) without temporary files. */
MTL_API int mtl_model_save_mem(const mtl_model *m, char **buf, size_t *len);
/** Reads a model from len bytes of buf (the text of mtl_model_save or
 *  mtl_model_save_mem), with the checks of mtl_model_load; messages name
 *  "<memory>:LINE". */
MTL_API int mtl_model_load_mem(const char *buf, size_t len, mtl_model **out);

/** The model's feature scaler: *standardize and *bias (0/1), *mean and
 *  *scale (mtl_model_input_dim entries each; NULL when the scaler does not
 *  standardize), x' = (x - mean) / scale with a 1 appended when bias.  Any
 *  output pointer may be NULL; arrays valid while m lives. */
MTL_API int mtl_model_scaler(const mtl_model *m, int *standardize, int *bias,
                             const double **mean, const double **scale);
/** Metadata keys in insertion (file) order: count, and key i (NULL out of
 *  range; valid until the model changes).  Values: mtl_model_get_meta. */
MTL_API int mtl_model_meta_count(const mtl_model *m);
MTL_API const char *mtl_model_meta_key(const mtl_model *m, int i);
/** The named extra matrices (W excluded) in insertion order: count, and
 *  name i (NULL out of range).  Contents: mtl_model_get_matrix. */
MTL_API int mtl_model_matrix_count(const mtl_model *m);
MTL_API const char *mtl_model_matrix_name(const mtl_model *m, int i);

/** Predictions for every sample of every task of ds (raw features; the
 *  model's scaler is applied).  out: task t's predictions start at
 *  out[offset_t] with offsets in task order (mtl_dataset_total_n entries).
 *  Regression: x'w; classification: the score x'w (sign = class).
 *  ds must have the model's input dimension and task count. */
MTL_API int mtl_model_predict(const mtl_model *m, const mtl_dataset *ds,
                              double *out);

/* ------------------------------------------------------------------------ */
/* Evaluation metrics                                                       */
/* ------------------------------------------------------------------------ */

typedef struct mtl_metrics {
  int n;
  /* regression */
  double rmse, mse, mae, explained_variance, r2;
  /* classification (labels +-1, scores real; threshold 0) */
  double accuracy, error, auc, f1, precision, recall;
  MTL_RESERVED; /* room to grow (see "Conventions") */
} mtl_metrics;

/** Metrics of scores/predictions p against targets y (n).  Classification
 *  fields are computed when kind is MTL_TASK_CLASSIFICATION, regression
 *  fields otherwise; the others are NaN.  AUC handles ties (midrank) and is
 *  NaN if one class is absent. */
MTL_API int mtl_metrics_compute(mtl_task_kind kind, const double *y,
                                const double *p, int n, mtl_metrics *out);
/** mtl_metrics_compute with sample i weighing w[i] >= 0 (w NULL: every
 *  weight 1, the same bits as mtl_metrics_compute), as scikit-learn's
 *  sample_weight: weighted means for mse, mae and the variances of r2 and
 *  explained_variance (so rmse = sqrt(weighted mse)), weighted counts for
 *  accuracy, error, precision, recall and F1, and for AUC the weighted
 *  fraction of (positive, negative) pairs ranked correctly (ties 1/2).
 *  Integer weights give the metrics of the samples repeated that many
 *  times.  out->n stays the number of samples.  Every field NaN when all
 *  weights are 0; MTL_EINVAL naming the sample for a negative or
 *  non-finite weight. */
MTL_API int mtl_metrics_compute_weighted(mtl_task_kind kind, const double *y,
                                         const double *p, const double *w,
                                         int n, mtl_metrics *out);

/** Per-task metrics (T entries in per_task, may be NULL), their unweighted
 *  mean over tasks in *mean (each task counts once; a task whose sample
 *  weights are all 0 has NaN metrics and is left out), and pooled over all
 *  samples in *pooled (may be NULL).  Samples weigh their sample weights
 *  (mtl_dataset_set_sample_weights; mtl_metrics_compute_weighted).  pred
 *  as returned by mtl_model_predict. */
MTL_API int mtl_metrics_dataset(const mtl_dataset *ds, const double *pred,
                                mtl_metrics *per_task, mtl_metrics *mean,
                                mtl_metrics *pooled);

/* ------------------------------------------------------------------------ */
/* Cross-validation                                                         */
/* ------------------------------------------------------------------------ */

typedef struct mtl_cv_result {
  int nlambda;
  double *lambdas;      /* nlambda */
  double *mean_error;   /* nlambda: mean over folds of the task-averaged
                           error (RMSE for regression, error rate for
                           classification; weighted by the sample
                           weights, as mtl_search_run) */
  double *std_error;    /* nlambda */
  int best;             /* index of the lambda with the smallest error */
  MTL_RESERVED; /* room to grow (see "Conventions") */
} mtl_cv_result;

/** k-fold CV (per-task folds, seeded) of the regularization path on ds with
 *  problem parameters pp; lambdas as in mtl_solve_path (grid from the full
 *  data's lambda_max when NULL).  sp NULL: mtl_solver_params_init's
 *  defaults with tol_gap = MTL_SELECT_TOL and tol_obj = MTL_SELECT_TOL /
 *  100 (the accuracy model selection needs; see MTL_SELECT_TOL). */
MTL_API int mtl_cv(const mtl_dataset *ds, const mtl_problem_params *pp,
                   const mtl_solver_params *sp, int k, uint64_t seed,
                   const double *lambdas, int nlambda, double ratio,
                   mtl_cv_result *res);
MTL_API void mtl_cv_result_clear(mtl_cv_result *res);

/* ------------------------------------------------------------------------ */
/* The one entry point: methods, parameters by name, mtl_fit, search        */
/* ------------------------------------------------------------------------ */
/*
 * Every method of the library is trained the same way:
 *
 *   mtl_params *p = mtl_params_create("asym");      // defaults of "asym"
 *   mtl_params_set(p, "lambda", "0.5");             // by name and string
 *   mtl_model *m = NULL;
 *   int st = mtl_fit(ds, p, NULL, &m, NULL);        // NULL: threads
 *   ...  mtl_model_save(m, "asym.model"); mtl_model_predict(m, ...);
 *   mtl_model_free(m); mtl_params_free(p);
 *
 * A method is a descriptor (name, summary, a table of parameters with
 * types, defaults, ranges and help, a fit, and what it stores in the
 * model); the list is mtl_method_count / mtl_method_at.  mtl_fit fits the
 * feature scaler (parameters "standardize" and "bias", where the method
 * has them) on ds, runs the method, and returns a complete model that
 * predicts on RAW features: W, bias, scaler, the learned structure (matrix
 * "B" of asym, "Omega"/"V" of the online methods, "L"/"S" of gomtl, the
 * sign graph of srml/ssml), and the metadata: "method", every parameter as
 * "param.NAME", and the fit's results (status, iterations, objective,
 * seconds, the certificate, ...) under the same keys as in mtl_fit_info.
 * Nothing here needs a C struct of the caller: a binding passes strings.
 */

typedef struct mtl_method mtl_method;
typedef struct mtl_params mtl_params;
typedef struct mtl_fit_info mtl_fit_info;
/* The transport the distributed methods (async, smtl, cadmm, dadmm,
 * dpsgd) run on: where their ranks (a server, task nodes, graph nodes)
 * live and how they exchange messages.  NULL = threads: every rank is a
 * thread of this process, the default and the only transport libmtl
 * itself contains.  Others come from their own libraries: MPI from
 * libmtl-mpi (mtl_transport_mpi in mtl_mpi.h), where every process is one
 * rank and passes mtl_fit only its own part of the data.  The other
 * methods run in this process whatever the transport. */
typedef struct mtl_transport mtl_transport;
/** The threads transport as an object (the same as passing NULL). */
MTL_API int mtl_transport_threads(mtl_transport **out);
MTL_API void mtl_transport_free(mtl_transport *t);
/** "threads", "mpi", ...; NULL gives "threads". */
MTL_API const char *mtl_transport_name(const mtl_transport *t);
/** This process's rank, or -1 when every rank runs in this process
 *  (threads, NULL). */
MTL_API int mtl_transport_rank(const mtl_transport *t);
/** The ranks of a process transport; 0 for threads (as many as the
 *  method needs). */
MTL_API int mtl_transport_size(const mtl_transport *t);

/** Number of methods, and method i (0 <= i < count; NULL otherwise). */
MTL_API int mtl_method_count(void);
MTL_API const mtl_method *mtl_method_at(int i);
/** The method called name (an alias such as "amtl" gives its method).
 *  NULL if there is none, with an error listing the valid names. */
MTL_API const mtl_method *mtl_method_find(const char *name);
MTL_API const char *mtl_method_name(const mtl_method *m);
/** One line: what the method is and where it comes from. */
MTL_API const char *mtl_method_summary(const mtl_method *m);

/* Parameter types. */
typedef enum {
  MTL_PARAM_REAL = 0, /* a finite number within the parameter's range */
  MTL_PARAM_INT,      /* an integer within the range */
  MTL_PARAM_BOOL,     /* 0/1, true/false, yes/no, on/off */
  MTL_PARAM_CHOICE,   /* one word of a list ("l1|l21|trace") */
  MTL_PARAM_TEXT      /* free text (a file name, "chain") */
} mtl_param_type;

/** The method's parameters: count, and for parameter i its name, type,
 *  default (as text), help line, the choices of a MTL_PARAM_CHOICE
 *  ("a|b|c", else NULL) and the range of a number (lo, hi; infinite when
 *  open).  Out of range i: NULL / -1. */
MTL_API int mtl_method_nparams(const mtl_method *m);
MTL_API const char *mtl_method_param_name(const mtl_method *m, int i);
MTL_API int mtl_method_param_type(const mtl_method *m, int i);
MTL_API const char *mtl_method_param_default(const mtl_method *m, int i);
MTL_API const char *mtl_method_param_help(const mtl_method *m, int i);
MTL_API const char *mtl_method_param_choices(const mtl_method *m, int i);
MTL_API int mtl_method_param_range(const mtl_method *m, int i, double *lo,
                                   double *hi);

/** A parameter set of method `method` (a name as for mtl_method_find)
 *  holding its defaults.  NULL on error (unknown method: the message lists
 *  the valid names). */
MTL_API mtl_params *mtl_params_create(const char *method);
MTL_API mtl_params *mtl_params_copy(const mtl_params *p);
MTL_API void mtl_params_free(mtl_params *p);
MTL_API const mtl_method *mtl_params_method(const mtl_params *p);
/** Sets parameter name from text.  Errors (MTL_EINVAL, nothing changed):
 *  an unknown name (the message lists the method's parameters), a value
 *  that does not parse, is out of range or not one of the choices (the
 *  message names the parameter, the value and what is valid).  Dashes and
 *  underscores are the same in names ("max-iter" = "max_iter"). */
MTL_API int mtl_params_set(mtl_params *p, const char *name,
                           const char *value);
/** Numeric convenience: the same checks as mtl_params_set. */
MTL_API int mtl_params_set_number(mtl_params *p, const char *name,
                                  double value);
/** The value as text (numbers with 17 significant digits); NULL for an
 *  unknown name.  Valid until the parameter is set again. */
MTL_API const char *mtl_params_get(const mtl_params *p, const char *name);
/** The value as a number (booleans 0/1, choices their index); NaN for an
 *  unknown name or a text parameter. */
MTL_API double mtl_params_get_number(const mtl_params *p, const char *name);
/** 1 if name was set explicitly (even to its default), 0 if not, -1 if the
 *  method has no such parameter. */
MTL_API int mtl_params_is_set(const mtl_params *p, const char *name);
/** Checks the rules between parameters that need no data (e.g. reg graph
 *  needs graph_file); mtl_fit checks them too.  MTL_OK or MTL_EINVAL
 *  naming the parameters. */
MTL_API int mtl_params_check(const mtl_params *p);
/** Progress callback, called by the method's iterations (as documented for
 *  each method's own params); a non-zero return cancels the fit. */
MTL_API void mtl_params_set_progress(mtl_params *p, mtl_progress_fn fn,
                                     void *ctx);
/* Stopping on a signal, for bindings whose signal handlers cannot run
 * while libmtl runs (Python's run only between bytecodes): the binding's
 * handler writes the signal number to a non-blocking pipe (Python:
 * signal.set_wakeup_fd), and mtl_progress_fd, set as the progress callback
 * with a watch as ctx, cancels the fit once it reads that byte.  It polls
 * at most once a millisecond, from whatever thread calls back, and never
 * calls into the binding. */
typedef struct mtl_signal_watch mtl_signal_watch;
/** A watch of the read end fd of a non-blocking pipe for the byte signum
 *  (e.g. SIGINT).  NULL when out of memory. */
MTL_API mtl_signal_watch *mtl_signal_watch_create(int fd, int signum);
MTL_API void mtl_signal_watch_free(mtl_signal_watch *w);
/** 1 once the byte was read (by mtl_progress_fd), else 0. */
MTL_API int mtl_signal_watch_seen(const mtl_signal_watch *w);
/** The progress callback: ctx a mtl_signal_watch; returns 1 (cancel) once
 *  its byte was read. */
MTL_API int mtl_progress_fd(void *ctx, int iter, double obj, double a,
                            double b);
/** Warnings of the methods that give any (srml). */
MTL_API void mtl_params_set_log(mtl_params *p, mtl_log_fn fn, void *ctx);

/** Fits method p on ds over transport tr (NULL = in-process threads) and
 *  returns the model in *model (free with mtl_model_free).  info may be
 *  NULL; otherwise *info receives the fit's results (free with
 *  mtl_fit_info_free).  Returns MTL_CONVERGED or MTL_MAXITER (the model
 *  is complete in both cases; its meta "status" says which), or an error
 *  code with nothing returned (MTL_ECANCELLED when the progress callback
 *  cancelled).  Every parameter is checked first; errors name it. */
MTL_API int mtl_fit(const mtl_dataset *ds, const mtl_params *p,
                    const mtl_transport *tr, mtl_model **model,
                    mtl_fit_info **info);
/** mtl_fit on a dataset that the call takes: *ds is set to NULL and the
 *  dataset freed before the call returns, whatever it returns.  The
 *  methods that fit on standardized (scaled) data release each task's raw
 *  features as soon as its scaled copy is made, so the fit holds about one
 *  copy of the data instead of two.  Same results as mtl_fit, bit for bit.
 *  For a program that does not need the data after the fit (mtl train). */
MTL_API int mtl_fit_take(mtl_dataset **ds, const mtl_params *p,
                         const mtl_transport *tr, mtl_model **model,
                         mtl_fit_info **info);

/* The results of a fit: an ordered list of named values (numbers or text):
 * "method", "status" ("converged"|"max-iter"), "iterations" (the method's
 * unit: solver iterations, updates per task, ADMM iterations, outer
 * iterations, rounds), "objective", "seconds", "certificate" (what
 * certifies the result: "duality gap", "fixed-point residual", "admm
 * residuals" or "objective change"), its numbers ("gap", "relative_gap",
 * "residual", "primal_residual", "dual_residual", "relative_change"),
 * "features_used", and the method's own (e.g. tau_max of async, edges of
 * asym, sign_violations of srml).  With the parameter "trace" set to 1, a
 * table of the objective (and the method's other columns) per iteration. */
MTL_API int mtl_fit_info_count(const mtl_fit_info *in);
MTL_API const char *mtl_fit_info_key(const mtl_fit_info *in, int i);
/** Value of item i as text; NULL out of range. */
MTL_API const char *mtl_fit_info_text(const mtl_fit_info *in, int i);
/** 1 if item i is a number (then mtl_fit_info_value gives it), else 0. */
MTL_API int mtl_fit_info_is_number(const mtl_fit_info *in, int i);
MTL_API double mtl_fit_info_value(const mtl_fit_info *in, int i);
/** Item by key: text (NULL if absent) and number (NaN if absent or text). */
MTL_API const char *mtl_fit_info_get(const mtl_fit_info *in,
                                     const char *key);
MTL_API double mtl_fit_info_number(const mtl_fit_info *in, const char *key);
/** The trace table, if one was asked for: rows x cols, row-major in
 *  *data, column names in header ("iter,objective"...).  MTL_ENOTFOUND
 *  when there is none. */
MTL_API int mtl_fit_info_trace(const mtl_fit_info *in, int *rows, int *cols,
                               const char **header, const double **data);
MTL_API void mtl_fit_info_free(mtl_fit_info *in);

/* --- Parameter search: cross-validation, validation split, paths -------- */
/*
 * A grid over any of the method's parameters, written as text:
 *   "lambda=0.01,0.1,1; mu=0.1,1"     lists (the grid is their product)
 *   "lambda=1e-3:10:20"                20 values from 1e-3 to 10, log-spaced
 *   "lambda=path:20:0.01"              20 values from lambda_max down to
 *                                      0.01 lambda_max of the (scaled) data
 *                                      (batch, async, smtl; for ridge, mean
 *                                      and graph, which have no lambda_max,
 *                                      from the loss's Lipschitz bound)
 * Each grid point is fitted with mtl_fit on the training part of every
 * fold and scored on its held-out part by the task-averaged error (RMSE
 * for regression tasks, error rate for classification; the mean over tasks
 * of each task's error; with sample weights, each task's weighted RMSE or
 * error rate, a task whose held-out samples all weigh 0 left out of the
 * mean).  folds >= 2: k-fold within each task; folds = 0
 * and 0 < holdout < 1: one split keeping `holdout` of each task for
 * validation; folds = 0 and holdout = 0: no validation, every point is
 * fitted on all of ds (a path: the fit results are kept).  The batch
 * method warm-starts along lambda (largest first) within each fold. */
typedef struct mtl_search mtl_search;

MTL_API int mtl_search_run(const mtl_dataset *ds, const mtl_params *p,
                           const mtl_transport *tr, const char *grid,
                           int folds, double holdout, uint64_t seed,
                           mtl_search **out);
MTL_API void mtl_search_free(mtl_search *s);
/** Grid points, and the parameters the grid varies. */
MTL_API int mtl_search_npoints(const mtl_search *s);
MTL_API int mtl_search_nvaried(const mtl_search *s);
MTL_API const char *mtl_search_varied_name(const mtl_search *s, int j);
/** Value of varied parameter j at point i (as text, and as a number). */
MTL_API const char *mtl_search_value(const mtl_search *s, int i, int j);
MTL_API double mtl_search_number(const mtl_search *s, int i, int j);
/** Validation error at point i: mean over folds and its standard
 *  deviation over folds (NaN without validation). */
MTL_API double mtl_search_error(const mtl_search *s, int i);
MTL_API double mtl_search_error_std(const mtl_search *s, int i);
/** The fit results at point i summed up over folds: mean objective,
 *  iterations and seconds; status "max-iter" if any fold stopped there. */
MTL_API double mtl_search_objective(const mtl_search *s, int i);
MTL_API double mtl_search_iterations(const mtl_search *s, int i);
MTL_API double mtl_search_seconds(const mtl_search *s, int i);
MTL_API int mtl_search_status(const mtl_search *s, int i);
/** "rmse", "error_rate" or "rmse/error_rate" (mixed tasks). */
MTL_API const char *mtl_search_metric(const mtl_search *s);
/** Index of the point with the lowest validation error (the first such;
 *  the last point of a path without validation). */
MTL_API int mtl_search_best(const mtl_search *s);
/** A copy of the searched parameters with point i's values set (free with
 *  mtl_params_free): refit with mtl_fit. */
MTL_API mtl_params *mtl_search_params(const mtl_search *s, int i);
/** Without validation (folds = 0, holdout = 0): the model fitted at point
 *  i (owned by s; valid while s lives).  NULL otherwise. */
MTL_API const mtl_model *mtl_search_model(const mtl_search *s, int i);
/** Whether the optimum may lie past the grid along varied parameter j:
 *  -1 when the best point is on j's lowest value, +1 on its highest, and
 *  the error still falls toward that edge (the nearest other value of j,
 *  the other parameters as at the best, has an error more than 0.1%
 *  higher); 0 otherwise (inside, flat at the edge, j has one value or is
 *  not numeric, or the search was not validated).  See
 *  mtl_search_extend. */
MTL_API int mtl_search_edge(const mtl_search *s, int j);
/** For a validated search over one numeric parameter whose best point is
 *  on an edge: adds 3 values past that edge, continuing the grid's spacing
 *  (geometric between positive values, at most a factor 10 per value,
 *  else arithmetic), scores them on
 *  the same folds (ds, tr as given to mtl_search_run), and repeats until
 *  the best point is inside, `rounds` rounds were made, a value leaves the
 *  parameter's range, or the edge is the top of a "path:" grid
 *  (lambda_max).  A new point becomes the best only with a strictly lower
 *  error.  *added = the number of points added (0: nothing to do).  The
 *  new points take their place in the grid's order. */
MTL_API int mtl_search_extend(mtl_search *s, const mtl_dataset *ds,
                              const mtl_transport *tr, int rounds,
                              int *added);

/* --- Online methods fed round by round ---------------------------------- */
/*
 * The online methods (cadmm, dadmm, dpsgd, ogd) learn as rounds arrive:
 * round r brings at most one instance of every task (label -1/+1; 0 = the
 * task has none this round).  mtl_online keeps the method's state between calls;
 * feeding the rounds of a dataset in order gives exactly (the same bits)
 * the model mtl_fit gives on that dataset with seed 0 (samples in stored
 * order) and the same parameters (D-ADMM: the round-synchronous run, its
 * K nodes stepped in the calling thread).  async = 1 follows the thread
 * schedule: MTL_EUNSUPPORTED.
 */
typedef struct mtl_online mtl_online;

/** A learner of online method p (a copy of p is kept, with its progress
 *  callback) for K binary tasks of d features.  C-ADMM and D-ADMM need
 *  eta > 0 (the default 0 means sqrt(number of rounds), unknown here); a
 *  graph comes from topology, degree and graph_seed.  Errors name the
 *  parameter. */
MTL_API int mtl_online_create(const mtl_params *p, int K, int d,
                              mtl_online **out);
MTL_API void mtl_online_free(mtl_online *h);
/** Learns from `rounds` rounds: X (rounds x K x d, row-major: task k's
 *  instance of round r at X + (r K + k) d), y (rounds x K, -1/+1, or 0 when
 *  task k has no instance in round r; its row of X is then not read).
 *  pred (rounds x K, may be NULL) receives the prediction made before each
 *  update (-1/+1, 0 when absent).  Every label and value is checked first
 *  (MTL_EINVAL / MTL_EFORMAT naming round, task and value; nothing
 *  learned).  The progress callback of p is called after every round with
 *  (rounds so far, cumulative error, 0, 0); non-zero stops with
 *  MTL_ECANCELLED, the rounds done kept.  Like the threaded methods it
 *  sets OpenBLAS to one thread (process-wide), which makes its BLAS calls
 *  give the bits of the threaded run. */
MTL_API int mtl_online_update(mtl_online *h, int64_t rounds, const double *X,
                              const double *y, double *pred);
/** Rounds learned so far. */
MTL_API int64_t mtl_online_rounds(const mtl_online *h);
/** The model of the state so far, as mtl_fit builds it: W (d x K), for
 *  C-ADMM and D-ADMM the matrices "Omega" (K x K), "V", "u"; metadata: method, every
 *  parameter, the results "iterations" = "rounds", "instances", "mistakes",
 *  "cumulative_error" (mean over tasks of each task's mistake rate).  Free
 *  with mtl_model_free.  Sets OpenBLAS to one thread as mtl_online_update. */
MTL_API int mtl_online_model(const mtl_online *h, mtl_model **out);

/* ------------------------------------------------------------------------ */
/* Sign-regularized MTL: SRML / SSML (Bai et al., SDM 2023)                 */
/* ------------------------------------------------------------------------ */
/* Train with mtl_fit, methods "srml" and "ssml" (docs/srml.md).  The sign
 * pattern of a model and the authors' synthetic data are public: */

/* --- Sign patterns (for `mtl signs`) ------------------------------------ */

typedef struct mtl_signs {
  int d, T;          /* features (bias row excluded), tasks */
  int *sign;         /* d x T column-major: -1, 0 (|W_jt| <= tol), +1 */
  int npairs;        /* the sign graph */
  int *pairs;        /* 2 x npairs, 0-based */
  int ndisagree;     /* (feature, edge) with strictly opposite signs */
  int *disagree;     /* 3 x ndisagree: feature j, task s, task t */
  int *feature_ok;   /* d: 1 if feature j has no disagreeing pair */
  MTL_RESERVED; /* room to grow (see "Conventions") */
} mtl_signs;

/** Sign pattern of W (d x T column-major) on the graph (NULL = chain). */
MTL_API int mtl_signs_compute(const double *W, int d, int T, const int *pairs,
                              int npairs, double tol, mtl_signs *out);
/** Same from a model: its W without the bias row (when the scaler adds
 *  one) and its "sign_graph" matrix (chain when absent). */
MTL_API int mtl_model_signs(const mtl_model *m, double tol, mtl_signs *out);
MTL_API void mtl_signs_clear(mtl_signs *s);

/* --- Synthetic data as the authors' notebooks build it ------------------ */

typedef struct mtl_srml_gen_params {
  int T, n, d;        /* tasks, samples per task, features (default 20,
                         100, 25: Synthetic Dataset 1) */
  int classification; /* 0 regression, 1 classification (default 0) */
  double alpha;       /* X scale: X_t = alpha N(0,1) + offset_t (default
                         1) */
  double alpha_w;     /* weight scale: w_tj = s_j |N(0,1)| alpha_w
                         (default 1) */
  double flip;        /* probability of flipping each entry's sign (polarity
                         noise) (default 0.1) */
  double offset;      /* regression: offset_t ~ offset * N(0,1), one per
                         task, added to every entry of X_t (default 1;
                         classification ignores it) */
  double noise;       /* std of the Gaussian noise on X w (default 0.1) */
  uint64_t seed;      /* (default 1) */
  MTL_RESERVED; /* room to grow (see "Conventions") */
} mtl_srml_gen_params;

/** Defaults for regression (Synthetic 1); classification = 1 with
 *  T = 5, flip = 0.05, alpha = 1, alpha_w = 0.9 gives Synthetic 2. */
MTL_API void mtl_srml_gen_params_init(mtl_srml_gen_params *p);
/** y = X w + noise N(0,1) (regression) or y = +1 if sigmoid(X w + noise
 *  N(0,1)) > 0.5 else -1.  s (d), the shared sign of each feature, and
 *  W_true (d x T) are returned if non-NULL (malloc'd: mtl_free). */
MTL_API int mtl_srml_generate(const mtl_srml_gen_params *p, mtl_dataset **out,
                              double **W_true, int **s);

/* ------------------------------------------------------------------------ */
/* Asymmetric multi-task learning (Lee, Yang & Hwang, ICML 2016) [asym]     */
/* ------------------------------------------------------------------------ */

/* Train with mtl_fit, methods "asym", "asym-curriculum", "asym-noloss",
 * "asym-symmetric", "curriculum-simple" and "gomtl" (docs/asym.md); the
 * model holds the transfer graph as matrix "B" (T x T, B[s + t*T] = the
 * weight of the edge s -> t).  Its outputs: */

/** Writes the transfer graph in Graphviz DOT: one node per task (width
 *  scaled by task_loss, may be NULL), one edge s -> t per B_st > min_weight
 *  (label and penwidth by weight).  names (T strings) may be NULL ("t1"..).
 *  Atomic (temporary file + rename). */
MTL_API int mtl_asym_write_dot(int T, const double *B, const double *task_loss,
                               const char *const *names, double min_weight,
                               const char *path);
/** Writes B as CSV (header "source,t1,..,tT", one row per source task s:
 *  B_s1 .. B_sT).  Atomic. */
MTL_API int mtl_asym_write_csv(int T, const double *B,
                               const char *const *names, const char *path);
/** DOT of a model holding matrix "B" (and optionally "task_loss"), as
 *  written by mtl_asym_to_model; MTL_ENOTFOUND if it has no B. */
MTL_API int mtl_asym_model_write_dot(const mtl_model *m, double min_weight,
                                     const char *path);

/* ------------------------------------------------------------------------ */
/* Asynchronous MTL: AMTL and SMTL (Baytas et al., ICDM 2016)               */
/* ------------------------------------------------------------------------ */
/* Train with mtl_fit, methods "async" (alias "amtl") and "smtl", on any
 * transport (docs/async.md, docs/mpi.md). */

/* ------------------------------------------------------------------------ */
/* Online multi-task relationship learning via ADMM (Li et al., 2024):     */
/* C-ADMM, D-ADMM and baselines on streams                                  */
/* ------------------------------------------------------------------------ */
/*
 * Binary tasks arrive as a stream.  Round t brings the t-th instance of
 * every task that still has one (tasks with fewer samples stop appearing).
 * For each instance the learner predicts sign(w_k . x) (score 0: -1, or +1
 * with zero_positive), sees the label, suffers the hinge loss and updates.  The model is
 * w_k = u + v_k (shared + task-specific), tied by ADMM; Omega (K x K) is the
 * task covariance of eq. (18).  Per round (Algorithm 1):
 *   w_k <- eta/(rho+eta) w_k + rho/(rho+eta)(u + v_k)
 *          - (g_k + z_k)/(rho+eta)                      (10), g_k: hinge
 *          subgradient at the prediction (0 for a task absent this round)
 *   u, V  (variant EXACT: block minimizers of (6) for fixed Omega,
 *          u = sum_k (z_k + rho (w_k - v_k)) / (lambda2 + rho K),
 *          V = (Z + rho (W - u 1')) ((l1 + l3 + rho) I + l4 Omega^-1)^-1,
 *          computed as (Z + rho(W - u1')) Omega ((l1+l3+rho) Omega + l4 I)^-1
 *          with a Cholesky solve, no inverse of Omega;
 *          variant PAPER: eqs. (14) and (12) exactly as printed)
 *   z_k <- z_k + rho (w_k - u - v_k)                     (15)
 *   Omega = (V'V + eps I)^{1/2} / tr(.)                   (18), regularised
 *          (PAPER variant, eps = 0: Omega's pseudo-inverse in (12));
 *          I/K while V = 0; recomputed every omega_every rounds.
 * C-ADMM runs a server (rank 0: u, V, Omega) and one task node per task over
 * the library's message transport; D-ADMM runs one node per task on a
 * graph, each with its own u, its neighbours' fresh (s_j = z_j + rho w_j,
 * v_j) and other nodes' older ones learned by gossip (forwarded each round),
 * so Omega and the V update use every column (docs/omtl.md).
 * Round-synchronous D-ADMM is deterministic, and on a fully connected graph
 * makes exactly the predictions of C-ADMM.
 */

/* Methods run by mtl_omtl_run. */
typedef enum {
  MTL_OMTL_CADMM = 0, /* centralized ADMM (server + task nodes) */
  MTL_OMTL_DADMM,     /* decentralized ADMM on a graph */
  MTL_OMTL_SINGLE,    /* ADMM-Single: the same ADMM with K = 1 per task */
  MTL_OMTL_DPSGD,     /* D-PSGD (Lian et al. 2017): local hinge subgradient
                         step + averaging with graph neighbours */
  MTL_OMTL_OGD        /* plain online (sub)gradient descent per task */
} mtl_omtl_method;

typedef enum {
  MTL_OMTL_EXACT = 0, /* true block minimizers of (6) for fixed Omega */
  MTL_OMTL_PAPER      /* eqs. (14) and (12) as printed */
} mtl_omtl_variant;

/* Graph topologies for D-ADMM / D-PSGD. */
typedef enum {
  MTL_GRAPH_RING = 0,  /* k -- k+1 mod K */
  MTL_GRAPH_FULL,      /* every pair */
  MTL_GRAPH_STAR,      /* 0 -- k */
  MTL_GRAPH_REGULAR,   /* random d-regular (degree, seed), connected */
  MTL_GRAPH_EDGES      /* an edge list (mtl_graph_read_edges) */
} mtl_graph_kind;

typedef struct mtl_graph mtl_graph;

/** Builds a graph on K nodes.  degree: REGULAR only (2 <= degree < K,
 *  K * degree even); seed: REGULAR only (pairing model, redrawn up to 1000
 *  times until simple and connected).  EDGES: use mtl_graph_from_edges or
 *  mtl_graph_read_edges.  Graphs are undirected, connected, neighbour lists
 *  sorted. */
MTL_API int mtl_graph_create(mtl_graph_kind kind, int K, int degree,
                             uint64_t seed, mtl_graph **out);
/** From edges (2 x nedges, 0-based, pairs[2e], pairs[2e+1]); duplicate and
 *  self edges are errors; must be connected. */
MTL_API int mtl_graph_from_edges(int K, const int *pairs, int nedges,
                                 mtl_graph **out);
/** Reads "s t" per line (1-based nodes, '#' comments, blank lines);
 *  trailing text, self loops and duplicate edges are errors naming
 *  file:line and the value; must be connected. */
MTL_API int mtl_graph_read_edges(const char *path, int K, mtl_graph **out);
MTL_API void mtl_graph_free(mtl_graph *g);
MTL_API int mtl_graph_nodes(const mtl_graph *g);
/** Neighbours of node k (ascending); returns the count, *nb valid while g
 *  lives. */
MTL_API int mtl_graph_neighbors(const mtl_graph *g, int k, const int **nb);
/** Hop distance between nodes (BFS). */
MTL_API int mtl_graph_distance(const mtl_graph *g, int a, int b);
MTL_API int mtl_graph_diameter(const mtl_graph *g);

/* --- Streams ------------------------------------------------------------ */

typedef struct mtl_stream mtl_stream;

/** Text stream "task label idx:val ..." (the mtl_dataset_read text format,
 *  one sample per line, in arrival order), read incrementally from path
 *  ("-" = stdin).  K: tasks (ids 1..K); d: dimension (indices 1..d).
 *  Label must be +-1 (0/1 accepted: 0 -> -1).  Errors name file:line. */
MTL_API int mtl_stream_open_text(const char *path, int K, int d,
                                 mtl_stream **out);
/** A dataset (classification tasks) replayed: each task's samples in a
 *  seeded random order (seed 0: stored order), one per task per round, the
 *  tasks of a round arriving in a seeded random order.  ds must outlive the
 *  stream.  MTL_EUNSUPPORTED for a dataset with sample weights or a task
 *  weight other than 1 (the online methods weigh everything 1). */
MTL_API int mtl_stream_from_dataset(const mtl_dataset *ds, uint64_t seed,
                                    mtl_stream **out);
MTL_API void mtl_stream_free(mtl_stream *s);
MTL_API int mtl_stream_ntasks(const mtl_stream *s);
MTL_API int mtl_stream_dim(const mtl_stream *s);
/** Rounds in the stream (max samples of a task), or -1 if unknown (text). */
MTL_API int64_t mtl_stream_rounds(const mtl_stream *s);
/** Next sample in arrival order: *task (0-based), x (d, dense), *y (+-1).
 *  Returns 1, 0 at the end, or an error (file:line). */
MTL_API int mtl_stream_next(mtl_stream *s, int *task, double *x, double *y);
/** Writes the remaining samples in the text format (arrival order). */
MTL_API int mtl_stream_write_text(mtl_stream *s, const char *path);

/* --- Parameters ---------------------------------------------------------- */

typedef struct mtl_omtl_params {
  mtl_omtl_method method;   /* default MTL_OMTL_CADMM */
  mtl_omtl_variant variant; /* default MTL_OMTL_EXACT (measured better:
                               bench/omtl/RESULTS.md) */
  double rho;      /* ADMM penalty > 0 (default 0.1, the paper) */
  double lambda1;  /* ||v_k||^2 weight >= 0 (default 0.01) */
  double lambda2;  /* ||u||^2 weight > 0 (default 0.1) */
  double lambda3;  /* tr(V V') weight >= 0 (default 0.01) */
  double lambda4;  /* tr(V Omega^-1 V') weight >= 0 (default 0.01) */
  double eta;      /* step control > 0 in (10); 0 = sqrt(horizon)
                      (default 0) */
  int64_t horizon; /* T for eta = sqrt(T); 0 = the stream's round count
                      (an error for an open text stream) (default 0) */
  int learn_omega; /* 1 = update Omega by (18); 0 = Omega fixed at I/K (the
                      "W/O RL" ablation) (default 1) */
  double eps;      /* Omega regulariser: (V'V + eps I)^{1/2}, >= 0; the
                      PAPER variant with eps = 0 uses the pseudo-inverse
                      of Omega (the authors' pinv) (default 1e-8) */
  int omega_every; /* recompute Omega every m rounds, >= 1 (default 1) */
  int normalize;   /* 1 = scale every instance to unit 2-norm; the
                      authors' C-ADMM script does not (0) (default 1) */
  int zero_positive; /* prediction at score 0: 1 = +1 (the authors' code),
                      0 = -1 (default 0) */
  int mistake_driven; /* 1 = the loss gradient is -y x only when the
                      prediction is wrong (the authors' code evaluates the
                      hinge at the predicted label: a perceptron step);
                      0 = hinge subgradient at the margin, -y x when
                      y w.x < 1 (default 0) */
  mtl_graph_kind topology; /* D-ADMM / D-PSGD graph (default RING) */
  int degree;      /* REGULAR degree (default 3) */
  uint64_t graph_seed; /* REGULAR (default 1) */
  const mtl_graph *graph; /* overrides topology when non-NULL; must have K
                      nodes and outlive the call (default NULL) */
  int async;       /* D-ADMM / D-PSGD: 0 = round-synchronous (deterministic),
                      1 = asynchronous: nodes use the latest messages they
                      have (default 0) */
  int staleness;   /* async: a node waits while a neighbour's latest
                      message is more than this many rounds old, >= 0
                      (default 8) */
  double step0;    /* OGD / D-PSGD step gamma_t = step0 / sqrt(t), t >= 1
                      (default 1) */
  int64_t max_rounds; /* stop after this many rounds; 0 = whole stream
                      (default 0) */
  int record_predictions; /* 1 = keep every prediction (rounds x K)
                      (default 0) */
  mtl_progress_fn progress; /* called every progress_every rounds by rank
                      0 with (round, averaged cumulative error, 0, 0); the
                      error is NaN for D-ADMM / D-PSGD, whose node 0 does
                      not see other tasks' predictions until the end;
                      non-zero cancels (MTL_ECANCELLED) (default NULL) */
  void *progress_ctx;
  int progress_every; /* default 100 */
  /* Checkpoints (C-ADMM and round-synchronous D-ADMM), on any transport:
   * rank 0 writes the run's state to `checkpoint` (NULL = never) at the
   * end of every checkpoint_every rounds; `resume` (NULL = a fresh run)
   * continues from such a file, ending exactly as the uninterrupted run. */
  const char *checkpoint;
  const char *resume;
  /* A process transport (MPI): where rank 0 writes the rank-to-tasks map;
   * NULL = CHECKPOINT.ranks when checkpointing, else none. */
  const char *rank_map;
  int64_t checkpoint_every; /* default 100 */
  uint64_t reserved_[4]; /* room to grow: MTL_RESERVED less the 32 bytes of
                            the four fields above */
} mtl_omtl_params;

MTL_API void mtl_omtl_params_init(mtl_omtl_params *p);
/** Applies a named preset on top of p: "paper" (rho = lambda2 = 0.1,
 *  lambda1 = lambda3 = lambda4 = 0.01, eta = sqrt(T)), "code" (the
 *  authors' C-ADMM script's values: rho = 0.5, eta = 240, lambda2 = 20,
 *  other lambdas 0.1) or "authors" ("code" and the script's protocol:
 *  variant PAPER, normalize 0, zero_positive = mistake_driven = 1, eps
 *  1e-8; replay the data with seed 0, its stored order; docs/omtl.md).
 *  MTL_EINVAL for another name. */
MTL_API int mtl_omtl_params_preset(mtl_omtl_params *p, const char *name);
/** Parses "cadmm"|"dadmm"|"single"|"dpsgd"|"ogd"; -1 if unknown. */
MTL_API int mtl_omtl_method_parse(const char *s);
/** Parses "ring"|"full"|"star"|"regular"; -1 if unknown. */
MTL_API int mtl_graph_kind_parse(const char *s);

/* --- Results ------------------------------------------------------------- */

typedef struct mtl_omtl_result {
  int K, d;
  int64_t rounds;      /* rounds processed */
  double eta;          /* the eta used */
  int64_t *n_seen;     /* K: instances of task k */
  int64_t *mistakes;   /* K: mistakes of task k */
  double *err_task;    /* rounds x K, row-major: cumulative error rate of
                          task k after round t (NaN before its first
                          instance) */
  double *err_avg;     /* rounds: mean over tasks seen so far of err_task */
  double *round_sec;   /* rounds: wall time of each round (seconds; C-ADMM:
                          at the server, D-ADMM/D-PSGD: node 0) */
  signed char *pred;   /* rounds x K (record_predictions): +1/-1, 0 when
                          the task had no instance; else NULL */
  double *W;           /* d x K column-major: final w_k */
  double *V;           /* d x K: final v_k (ADMM methods; else NULL) */
  double *u;           /* d: final u (C-ADMM; D-ADMM: node 0's copy) */
  double *Omega;       /* K x K: final Omega (ADMM methods) */
  int *gossip_first;   /* D-ADMM sync: K x K, [i*K + j] = first round
                          (0-based) at whose end node i held an entry of
                          node j (-1 never; i == j: 0) */
  double seconds;      /* wall time of the whole run */
  uint64_t bytes_sent; /* payload bytes over the transport, all ranks */
  MTL_RESERVED; /* room to grow (see "Conventions") */
} mtl_omtl_result;

/** Runs method p->method over stream s (read to its end or p->max_rounds;
 *  p may be NULL for defaults) on transport tr.  Validates every parameter
 *  first (a message naming it).
 *  - threads (tr NULL): C-ADMM runs K + 1 threads (server + one per task),
 *    D-ADMM and D-PSGD K threads; SINGLE and OGD run in the calling thread;
 *  - a process transport (MPI, mtl_transport_mpi): C-ADMM on K + 1 ranks
 *    (rank 0 the server, s may be NULL there; rank k + 1 task k), D-ADMM
 *    and D-PSGD on K ranks (rank k task k).  Each rank passes its own
 *    stream, declaring all K tasks and d and holding its own task's
 *    instances; the ranks agree on the round count (the longest stream,
 *    or p->max_rounds, required when a stream's length is unknown).
 *    Round-synchronous runs make exactly the predictions of a threads run
 *    on the same data.  Rank 0 receives *res; other ranks get it zeroed.
 *  Returns MTL_OK with *res filled, or MTL_ECANCELLED (progress callback)
 *  or an error (stream errors name file:line) with *res empty.  Free with
 *  mtl_omtl_result_clear.  Thread-safe on distinct streams and results. */
MTL_API int mtl_omtl_run(mtl_stream *s, const mtl_omtl_params *p,
                         const mtl_transport *tr, mtl_omtl_result *res);
MTL_API void mtl_omtl_result_clear(mtl_omtl_result *res);

/** Writes the curves as CSV: "round,avg,round_us,task1..taskK" (1-based
 *  round, averaged and per-task cumulative error, wall time of the round
 *  in microseconds), every `every`-th round plus the last.  Like every
 *  writer of the library (SVG plots below included), writes a temporary
 *  file and renames it over path. */
MTL_API int mtl_omtl_write_csv(const mtl_omtl_result *res, const char *path,
                               int every);
/** SVG line plot of err_avg of n results with their labels. */
MTL_API int mtl_omtl_write_svg(const mtl_omtl_result *const *res,
                               const char *const *labels, int n,
                               const char *title, const char *path);
/** SVG heatmap of a K x K matrix (Omega). */
MTL_API int mtl_omtl_write_heatmap(const double *A, int K, const char *title,
                                   const char *path);
/** Model from a result: W (d x K, identity scaler, hinge loss per task),
 *  meta "method", "variant", "rho", "lambda1".."lambda4", "eta", matrices
 *  "Omega" (K x K), "V" (d x K), "u" (d x 1) where present. */
MTL_API int mtl_omtl_to_model(const mtl_omtl_result *res,
                              const mtl_omtl_params *p, mtl_model **out);

/* --- Building blocks (exposed for testing) ------------------------------- */

/** u-step over K tasks from s_k = z_k + rho w_k and v_k (d each, column-
 *  major d x K): EXACT u = sum_k (s_k - rho v_k)/(lambda2 + rho K); PAPER
 *  (14).  u: d. */
MTL_API void mtl_omtl_ustep(const mtl_omtl_params *p, int d, int K,
                            const double *S, const double *V, double *u);
/** V-step.  EXACT: Vnew = (S - rho u 1') Omega ((l1+l3+rho) Omega + l4 I)^-1
 *  (= (Z + rho(W - u1')) ((l1+l3+rho) I + l4 Omega^-1)^-1);  PAPER (12):
 *  Vnew_k = lambda2 s_k / (lambda2(l1+l3+rho) + rho K (l1+l3))
 *  + l4/2 [V Omega^-1 + V Omega^-T]_k with the old V.  Vnew: d x K. */
MTL_API int mtl_omtl_vstep(const mtl_omtl_params *p, int d, int K,
                           const double *S, const double *u, const double *V,
                           const double *Omega, double *Vnew);
/** Omega = (V'V + eps I)^{1/2} / tr(.)  (I/K if V == 0).  Omega: K x K. */
MTL_API int mtl_omtl_omega(int d, int K, const double *V, double eps,
                           double *Omega);

/* --- Synthetic data of the paper ---------------------------------------- */

/** The paper's synthetic set (Li, Hoi et al. 2014 as the authors' code):
 *  x uniform in (-3,3)^2, cubic expansion (9 features: x1, x2, x1x2, x1^2,
 *  x2^2, x1^3, x2^3, x1x2^2, x1^2x2), task k's boundary a Fourier curve
 *  rotated by theta_k; a_k, theta_k a Gaussian random walk over tasks with
 *  step sigma (a) and sigma pi/4 (theta).  K tasks x n samples, labels +-1.
 *  Not normalized (normalize in the params). */
MTL_API int mtl_omtl_gen_synthetic(int K, int n, double sigma, uint64_t seed,
                                   mtl_dataset **out);

#ifdef __cplusplus
}
#endif
#endif /* MTL_H */
