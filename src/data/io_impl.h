/*
 * io_impl.h -- private pieces shared by the dataset readers of .mat / .npz
 * variable files (io.c, io_vars.c, io_layout.c).  Not installed.
 */
#ifndef MTL_IO_IMPL_H
#define MTL_IO_IMPL_H

#include "data.h"

/* A design matrix: numeric or sparse, samples in rows (or columns when
 * trans), sparse ones converted once to CSR over samples. */
typedef struct mtl__io_design {
  const char *where;
  const mtl__arr *a;
  size_t r, c, N, d;
  int trans;
  int64_t *ip;   /* sparse: CSR over samples (N + 1) */
  int32_t *ix;
  double *v;
} mtl__io_design;

/* The variables chosen for X, y and task ids (Tv may be NULL). */
typedef struct mtl__io_vars {
  const char *path;
  const mtl_read_params *p;
  const char *xn, *yn, *tn;
  mtl__arr *X, *Y, *Tv;
  const char *wn;        /* the sample weight variable, or NULL */
  mtl__arr *Wv;          /* its N values in the file's sample order */
} mtl__io_vars;

/* Sets the sample weights of ds from v->Wv (nothing without one): task t
 * holds the file's samples rows[starts[t] .. starts[t+1]) (rows NULL:
 * every task all N samples in order).  Checks every entry first: a
 * negative or non-finite weight is MTL_EFORMAT naming file, variable and
 * entry (io_multi.c). */
int mtl__io_weights(const mtl__io_vars *v, const size_t *rows,
                    const size_t *starts, size_t N, mtl_dataset *ds);

/* Rank once trailing singleton dimensions are dropped (MATLAB has none
 * below 2, NumPy may have rank 0 or 1). */
int mtl__arr_rank(const mtl__arr *a);

/* Views a as a matrix r x c; fails (returns 0) above two dimensions. */
int mtl__arr_view2(const mtl__arr *a, size_t *r, size_t *c);

/* Stride of dimension k in elements. */
size_t mtl__arr_stride(const mtl__arr *a, int k);

/* "d1 x d2 x ..." (or "scalar") into buf. */
void mtl__arr_dims_str(const mtl__arr *a, char *buf, size_t cap);

/* Frees the arrays of t (io.c). */
void mtl__io_task_clear(mtl__io_task *t);

/* Context of a message: "path: variable 'X' cell 3". */
const char *mtl__io_where(char *buf, size_t cap, const char *path,
                          const char *var, size_t cell);

/* MTL_EUNSUPPORTED: where holds class a->cls, not `need`. */
int mtl__io_unsupported(const char *where, const mtl__arr *a, const char *need);

/* Checks that a is a numeric vector and returns its length. */
int mtl__io_vec_len(const char *where, const mtl__arr *a, size_t *len);

/* Copies a vector into a fresh double array, refusing NaN/Inf. */
int mtl__io_vec_copy(const char *where, const mtl__arr *a, const size_t *rows,
                     size_t n, double **out);

void mtl__io_design_clear(mtl__io_design *D);

/* Orients a (N samples, matching y's length) and prepares sparse data.
 * sic: params.samples_in_columns. */
int mtl__io_design_init(mtl__io_design *D, const char *where, const mtl__arr *a,
                        size_t N, const char *ywhere, int sic);

/* Fills task t with samples rows[0..n-1] (NULL: 0..n-1) of D: dense
 * row-major, or CSR when the variable is sparse and !dense. */
int mtl__io_design_rows(const mtl__io_design *D, const size_t *rows, size_t n,
                        int dense, mtl__io_task *t);

/* X{t}, Y{t}: one cell per task (MALSAR School, Landmine). */
int mtl__io_layout_cell(const mtl__io_vars *v, mtl_dataset **out);

/* One X, one y and task groups given as row lists: shared by TASK_START,
 * TASK_ID and the single-task fallback.  rows (N entries) lists samples
 * task after task; starts[t] indexes rows (T + 1 entries); names may be
 * NULL. */
int mtl__io_build_groups(const mtl__io_vars *v, const mtl__io_design *D,
                         const size_t *rows, const size_t *starts, size_t T,
                         char **names, mtl_dataset **out);

/* 0, 1, ..., n - 1 (malloc'd), or NULL. */
size_t *mtl__io_iota(size_t n);

/* X, y, and 1-based start rows of each task (Argyriou's School). */
int mtl__io_layout_start(const mtl__io_vars *v, const mtl__io_design *D,
                         mtl_dataset **out);

/* X, y and a per-sample task id: tasks are the distinct ids, ascending. */
int mtl__io_layout_id(const mtl__io_vars *v, const mtl__io_design *D,
                      mtl_dataset **out);

/* Shared X, multiclass y -> one binary task per class (+1 = the class),
 * stored once in shared-design mode (Kang et al. 2011 MNIST/USPS). */
int mtl__io_layout_ovr(const mtl__io_vars *v, const mtl__io_design *D,
                       mtl_dataset **out);

/* 3-D X (T x n x d) and Y (T x n): NC-24's synthetic.npz. */
int mtl__io_layout_stacked(const mtl__io_vars *v, mtl_dataset **out);

/* ---- multi-target data (io_multi.c) --------------------------------------- */

/* T tasks sharing X (N x d dense row-major), the targets Y column-major
 * N x T (both copied), task names[t] (NULL, or NULL entries: "target<t>").
 * Each target's kind is decided from its own labels (want = -1) or forced,
 * two-valued targets mapped to -1/+1 with a note. */
int mtl__io_shared(const char *path, int d, int N, const double *X, int T,
                   const double *Y, char *const *names, int want,
                   mtl_dataset **out);

/* 1 when y is a numeric matrix with more than one row and column. */
int mtl__io_is_matrix(const mtl__arr *y);

/* X and a target matrix Y (N x T): T tasks sharing X (MULTITARGET). */
int mtl__io_layout_multi(const mtl__io_vars *v, mtl_dataset **out);

/* params.targets = "K" on a .mat/.npz file: one matrix (x_var, or the
 * file's only variable), N x (d + K), samples in rows, whose last K
 * columns are the targets of K tasks sharing the others (Sarcos's
 * sarcos_inv); any other targets value is MTL_EINVAL. */
int mtl__io_read_split(mtl__varsrc *s, const mtl_read_params *p,
                       mtl_dataset **out);

/* ---- the tasks of a text or CSV file (io_tasks.c) ------------------------- */

/* One task of a text or CSV file: its key, what the text reader's first
 * pass counted, and its storage while it is filled. */
typedef struct mtl__tacc {
  char *key;          /* canonical token: integers without sign or zeros */
  int is_int;
  long long id;
  int64_t n;          /* samples: counted (text) or stored (CSV) */
  int64_t nnz;        /* text: nonzero feature values (first pass) */
  mtl__label_sum ls;  /* text: its labels (first pass) */
  int global, keep;   /* index in the file's task order; kept by the filter */
  int i, cap;         /* samples stored; rows allocated (CSV) */
  double *y, *X;      /* labels; dense rows (n x d) */
  int64_t *ip;        /* CSR: row pointers (n + 1) */
  int32_t *ix;        /* CSR: 0-based indices */
  double *v;          /* CSR: values */
  int64_t nz, cap_nz; /* CSR: entries stored, allocated */
  double *sw;         /* text: n sample weights ("w=" tokens), or NULL */
} mtl__tacc;

/* The tasks of a file, found by their token (hash table). */
typedef struct mtl__tset {
  mtl__tacc *t;
  int T, cap;
  int *slot;          /* open addressing: task index + 1, 0 = empty */
  size_t nslot;
  int all_int;
  int last;           /* task of the last token (lines come in runs) */
  char last_tok[40];
  size_t last_len;
} mtl__tset;

/* The index of the task of token tok[0..n-1] (created when new), or an
 * error code. */
int mtl__tset_get(mtl__tset *s, const char *tok, size_t n);
/* The index of the task of tok[0..n-1], or -1 when there is none. */
int mtl__tset_find(mtl__tset *s, const char *tok, size_t n);
void mtl__tset_free(mtl__tset *s);
/* The file's task order into *ord (malloc'd, T entries): integer ids
 * numerically, else first appearance; sets every task's global index. */
int mtl__tset_order(mtl__tset *s, mtl__tacc ***ord);
/* The name the reader gives task a ("task7" for the integer id 7, else its
 * token), malloc'd. */
char *mtl__tacc_name(const mtl__tacc *a);
/* Moves a's storage (dense X, or CSR) and labels into q, with its name. */
int mtl__tacc_move(mtl__tacc *a, mtl__io_task *q);

/* ---- the columns of a CSV or ARFF file (io_cols.c, io_cols_build.c) ------ */

enum {
  MTL__COL_FEAT = 0,
  MTL__COL_SKIP,
  MTL__COL_TASK,
  MTL__COL_LABEL,
  MTL__COL_WEIGHT /* per-sample weights (weight_column) */
};

/* A CSV or ARFF file's columns and the rows read so far. */
typedef struct mtl__cols {
  const char *path, *fmt;  /* fmt names the format in messages: CSV, ARFF */
  const mtl_read_params *p;
  int ncol;
  char **names;            /* ncol, owned */
  int *role;               /* MTL__COL_* */
  int *slot;               /* stored column of each column, -1 = none */
  int m;                   /* stored columns (features and targets) */
  int task;                /* the task column, or -1 */
  int weight;              /* the sample weight column, or -1 */
  double *w;               /* nrow sample weights (weight >= 0 or inst_w) */
  int inst_w;              /* 1: the format gives rows a weight (ARFF {w}) */
  double row_w;            /* the next row's own weight (1 if none) */
  size_t nweighted;        /* rows read with their own weight */
  int nlab, *lab;          /* target columns, in target order */
  int nfeat, *feat;        /* feature columns, in feature order */
  int *nominal;            /* 1: values are levels of lev[k] */
  int *fixed;              /* 1: levels declared (ARFF): others refused */
  mtl__tset *lev;          /* the levels of each nominal column */
  double **levval;         /* numeric value of each level, or NULL (codes) */
  mtl__tset tasks;         /* task ids */
  double *v;               /* nrow x m; NaN = missing feature (mean) */
  int *trow;               /* task of each row (lev index in tasks) */
  size_t nrow, cap, dropped;
  char notes[2048];
} mtl__cols;

int mtl__cols_init(mtl__cols *c, const char *path, const char *fmt,
                   const mtl_read_params *p, int ncol);
void mtl__cols_free(mtl__cols *c);
/* Resolves the roles of the columns from p (names set): drop, task,
 * targets / label, features.  label_last: without a label option the
 * last column left is the label (ARFF, headerless CSV). */
int mtl__cols_roles(mtl__cols *c, int label_last);
/* 1 for a missing-value token: empty, "?", "NA", "NaN" (any case). */
int mtl__cols_missing(const char *s);
/* The first name given twice among names[0..n): *second = the smallest
 * index whose name appeared before, *first = that name's first index;
 * returns 1 (0: all distinct, -1: out of memory).  O(n log n): comparing
 * every pair took 23-39 s for 100k CSV columns (issue 18, D8). */
int mtl__names_dup(char *const *names, int n, int *first, int *second);
/* 1 when s is a whole number (as mtl__strtod reads it). */
int mtl__cols_is_number(const char *s);
/* Parses one data row of n fields (each NUL-terminated with
 * MTL__LINES_PAD readable bytes after it). */
int mtl__cols_row(mtl__cols *c, long lineno, char **fld, int n);
/* Appends a note line to c->notes (added to the dataset at the end). */
void mtl__cols_note(mtl__cols *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The rows as a dataset (see io_cols_build.c). */
int mtl__cols_build(mtl__cols *c, mtl_dataset **out);
/* Splits line (NUL-terminated, modified) at delim outside quotes ('"',
 * and '\'' when squote), trimming blanks and unquoting; *fields grows.
 * Returns the count, -1 for an unterminated quote, or MTL_ENOMEM. */
int mtl__cols_split(char *line, int delim, int squote, char ***fields,
                    int *cap);
int mtl__read_delim(const char *path, const mtl_read_params *p,
                    mtl_dataset **out);
int mtl__read_arff(const char *path, const mtl_read_params *p,
                   mtl_dataset **out);
/* Every file matching pattern, one after the other (io_glob.c). */
int mtl__read_glob(const char *pattern, const mtl_read_params *p,
                   mtl_dataset **out);

/* Reads a dataset from a file of named variables (.mat, .npz). */
int mtl__io_read_vars(mtl__varsrc *s, const mtl_read_params *p,
                      mtl_dataset **out);

#endif /* MTL_IO_IMPL_H */
