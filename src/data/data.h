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

/* ---- scaler (data_scaler.c) --------------------------------------------- */
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

#endif /* MTL_DATA_H */
