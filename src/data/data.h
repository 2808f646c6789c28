/*
 * data.h -- private header of the src/data layer: the dataset internals,
 * text matrices, the task graph, the scaler passes and the readers' shared
 * types.  Includes the linalg layer's header.  Not installed.
 */
#ifndef MTL_DATA_H
#define MTL_DATA_H

#include "linalg/linalg.h"

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
  double *sw;         /* n per-sample weights s_i >= 0 (owned), or NULL:
                         every s_i = 1 (mtl_dataset_set_sample_weights) */
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
  int *global_task;   /* read with a task filter: task t is task
                         global_task[t] of the file (T entries); NULL =
                         identity */
  int global_T;       /* with global_task: the file's task count */
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
/* A new dataset of src's columns cols[0..m-1] (distinct, in that order:
 * column k of *out is column cols[k] of src) with src's targets, task
 * weights and sample weights (data_cols.c). */
int mtl__dataset_select_cols(const mtl_dataset *src, const int *cols, int m,
                             mtl_dataset **out);
/* The sample weight s_i of task t's sample i (1 without weights). */
static inline double mtl__sw(const mtl__task *tk, int i) {
  return tk->sw ? tk->sw[i] : 1.0;
}
/* Sum of task t's sample weights (n_t without weights). */
double mtl__task_sw_sum(const mtl__task *tk);
/* Copies the weights of rows[0..m-1] of src into dst->sw (nothing when src
 * has none).  MTL_OK or MTL_ENOMEM. */
int mtl__task_copy_sw(const mtl__task *src, const int *rows, int m,
                      mtl__task *dst);
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

/* Sets dst's global task indices from src's: dst's task k is src's task
 * ids[k] (ids NULL: k), K = dst->T (data_ops.c).  Nothing is stored when
 * the result is the identity of an unfiltered dataset. */
int mtl__dataset_copy_global(const mtl_dataset *src, const int *ids,
                             mtl_dataset *dst);
/* Keeps tasks sel[0..K-1] (increasing) of ds in place, freeing the others,
 * and records their global indices (data_ops.c). */
int mtl__dataset_keep_tasks(mtl_dataset *ds, const int *sel, int K);

/* Dense matrix from a text file (text_matrix.c): one row per line, blanks
 * or commas between numbers, '#' comments.  *out is column-major rows x
 * cols (malloc'd).  Errors name path:line and the value. */
int mtl__read_text_matrix(const char *path, double **out, int *rows,
                          int *cols);

/* ---- numbers and lines (numparse.c, io_lines.c) -------------------------- */
/* strtod(s, end) exactly (value and end pointer, "C" locale), with a fast
 * correctly rounded path for plain decimals (numparse.c).  It may read up
 * to 8 bytes past the number's end: s must lie in a buffer with
 * MTL__LINES_PAD readable bytes after its string's terminator (as the
 * lines of mtl__lines do). */
double mtl__strtod(const char *s, char **end);

/* The lines of a text file, read in blocks and readable twice (rewind).
 * A returned line ends at its '\n' or, for a last line without one, at a
 * '\0'; lineno is the 1-based number of the line returned last. */
#define MTL__LINES_PAD 16
typedef struct mtl__lines {
  const char *path;
  int fd, eof, whole; /* whole: not seekable, held in memory */
  char *buf;          /* cap + MTL__LINES_PAD bytes: data buf[0..len), a
                         '\0', then readable slack */
  size_t cap, len, pos;
  long lineno;
} mtl__lines;
int mtl__lines_open(mtl__lines *L, const char *path);
/* 1 with *line = the next line and *n its length (its '\n' included), 0
 * at the end, or an error code. */
int mtl__lines_next(mtl__lines *L, char **line, size_t *n);
int mtl__lines_rewind(mtl__lines *L);
void mtl__lines_close(mtl__lines *L);

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

/* ---- scaler (data_scaler.c) --------------------------------------------- */
/* mtl_scaler_apply that releases each task's raw features as soon as its
 * scaled copy is made (same values): ds keeps its tasks' sizes, labels,
 * names and kinds, but no features, and is only fit to be freed or asked
 * for those.  Peak memory: one copy of the data plus one task. */
int mtl__scaler_apply_take(const mtl_scaler *s, mtl_dataset *ds,
                           mtl_dataset **out);
/* The passes of a scaler fit (data_scaler.c), shared by mtl_scaler_fit and
 * its MPI version, which reduces a, mn, mx over ranks between them.
 * a = [N, any_sparse, nnz (d), sum (d), sq (d)], zeroed; mn/mx = +-inf. */
/* The replay of a part of a dataset (stream.c): ds holds the tasks
 * gid[0..ds->T-1] of a whole of K tasks with n[k] samples each; the stream
 * declares all K tasks and gives exactly the held tasks' instances of
 * mtl_stream_from_dataset(whole, seed), at the same rounds. */
int mtl__stream_from_part(const mtl_dataset *ds, const int *gid, int K,
                          const int *n, uint64_t seed, mtl_stream **out);
void mtl__scaler_sums(const mtl_dataset *ds, int d, double *a, double *mn,
                      double *mx);
void mtl__scaler_means(mtl_scaler *s, const double *a, double *mn,
                       double *mx);
void mtl__scaler_sqdev(const mtl_dataset *ds, const mtl_scaler *s,
                       double *a);
void mtl__scaler_scales(mtl_scaler *s, const double *a, const double *mn,
                        const double *mx);

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
/* Checks the structure of a MATLAB v4 / v5 file before matio reads it:
 * every declared length, dimension and count against the bytes there
 * (mat_check.c).  MTL_OK, or MTL_EFORMAT naming the variable. */
int mtl__mat_check(const char *path);

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
  double *sw;            /* n sample weights, or NULL (all 1) */
  char *name;            /* NULL = default name */
} mtl__io_task;
/* Builds *out from tasks[0..T-1], taking ownership of every array (freed on
 * failure too, and the tasks array itself).  kind: -1 infers one kind from
 * all labels pooled, else forced; task_kinds (T entries) overrides kind per
 * task when not NULL.  Label errors name the file and task. */
int mtl__io_finish(const char *path, int d, mtl__io_task *tasks, int T,
                   int kind, const int *task_kinds, mtl_dataset **out);
/* The labels of one task as the pooled kind rule sees them: the first
 * sample (0-based) with label 0, with -1, with +1 and with any other value
 * (vo); -1 = none.  vo2 is a second distinct other value (io2 >= 0) and
 * many is set at a third. */
typedef struct mtl__label_sum {
  int i0, im, io;
  double vo;
  int ip, io2, many;
  double vo2;
} mtl__label_sum;
void mtl__label_sum_init(mtl__label_sum *s);
void mtl__label_sum_add(mtl__label_sum *s, int i, double y);
/* The classification labels of a file: on = 1 when lo becomes -1 and hi
 * becomes +1 ({0,1}, or any two values such as {1,2}). */
typedef struct mtl__label_map {
  int on;
  double lo, hi;
} mtl__label_map;
/* The one label kind of a file from its tasks' summaries (T of them, names
 * may hold NULLs): as mtl__io_finish decides it for want = -1 (infer) or a
 * forced kind: labels taking exactly two values pooled are classification
 * (mapped by *map unless they are -1/+1).  Returns the kind or an error
 * naming path, task and sample. */
int mtl__labels_pooled(const char *path, const mtl__label_sum *ls,
                       const char *const *names, int T, int want,
                       mtl__label_map *map);
/* mtl__io_finish with the label kind decided by the caller (kind >= 0 and
 * map0, e.g. from the whole file when only a part of it was read). */
int mtl__io_finish_kind(const char *path, int d, mtl__io_task *tasks, int T,
                        int kind, mtl__label_map map0, mtl_dataset **out);
int mtl__read_text(const char *path, const mtl_read_params *p,
                   mtl_dataset **out);
int mtl__read_csv(const char *path, const mtl_read_params *p,
                  mtl_dataset **out);
/* MTL_EINVAL: the part of p's task filter holds none of the T tasks. */
int mtl__part_empty(const char *path, const mtl_read_params *p, int T);
/* ---- end of readers block ------------------------------------------------ */

#endif /* MTL_DATA_H */
