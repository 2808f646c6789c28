/*
 * io_mat.c -- MATLAB .mat files (v4, v5, v7.3) through matio: lists the
 * variables of a file and converts one into an mtl__arr (numeric classes
 * to double, cells recursively, sparse to CSC).  The layout logic lives in
 * io_vars.c and io_layout.c.
 *
 * matio reports problems through a process-wide log function that prints
 * to stderr by default; since the library never prints, it is replaced
 * once (pthread_once) by one that keeps the last message in a thread-local
 * buffer, quoted in our error messages.
 */
#include "data.h"

#include <limits.h>
#include <matio.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static _Thread_local char matio_msg[256];
static pthread_once_t log_once = PTHREAD_ONCE_INIT;

static void matio_log(int level, char *message) {
  (void)level;
  snprintf(matio_msg, sizeof matio_msg, "%s", message ? message : "");
}

static void log_init(void) { Mat_LogInitFunc("libmtl", matio_log); }

static const char *class_name(enum matio_classes c) {
  switch (c) {
  case MAT_C_EMPTY: return "empty";
  case MAT_C_CELL: return "cell";
  case MAT_C_STRUCT: return "struct";
  case MAT_C_OBJECT: return "object";
  case MAT_C_CHAR: return "char";
  case MAT_C_SPARSE: return "sparse";
  case MAT_C_DOUBLE: return "double";
  case MAT_C_SINGLE: return "single";
  case MAT_C_INT8: return "int8";
  case MAT_C_UINT8: return "uint8";
  case MAT_C_INT16: return "int16";
  case MAT_C_UINT16: return "uint16";
  case MAT_C_INT32: return "int32";
  case MAT_C_UINT32: return "uint32";
  case MAT_C_INT64: return "int64";
  case MAT_C_UINT64: return "uint64";
  case MAT_C_FUNCTION: return "function_handle";
  case MAT_C_OPAQUE: return "opaque";
  }
  return "unknown";
}

/* Element k of a buffer of matio type t as a double; 0 with *ok = 0 for a
 * non-numeric type. */
static double elem(const void *p, enum matio_types t, size_t k, int *ok) {
  switch (t) {
  case MAT_T_DOUBLE: return ((const double *)p)[k];
  case MAT_T_SINGLE: return ((const float *)p)[k];
  case MAT_T_INT8: return ((const int8_t *)p)[k];
  case MAT_T_UINT8: return ((const uint8_t *)p)[k];
  case MAT_T_INT16: return ((const int16_t *)p)[k];
  case MAT_T_UINT16: return ((const uint16_t *)p)[k];
  case MAT_T_INT32: return ((const int32_t *)p)[k];
  case MAT_T_UINT32: return ((const uint32_t *)p)[k];
  case MAT_T_INT64: return (double)((const int64_t *)p)[k];
  case MAT_T_UINT64: return (double)((const uint64_t *)p)[k];
  default: *ok = 0; return 0;
  }
}

static int numeric_class(enum matio_classes c) {
  return c >= MAT_C_DOUBLE && c <= MAT_C_UINT64;
}

/* A 2-D sparse matrix (a: rank, dims and class set) into CSC; corrupt or
 * unsupported data gives MTL__ARR_OTHER with the reason in cls. */
static int convert_sparse(matvar_t *v, mtl__arr *a) {
  const mat_sparse_t *s = v->data;
  size_t cols = a->dims[1];
  int ok = 1;
  if (!s->jc || s->njc < cols + 1) {
    a->kind = MTL__ARR_OTHER;
    snprintf(a->cls, sizeof a->cls, "corrupt sparse");
    return MTL_OK;
  }
  int64_t nnz = s->jc[cols];
  if ((size_t)nnz > s->nir || (size_t)nnz > s->ndata) {
    a->kind = MTL__ARR_OTHER;
    snprintf(a->cls, sizeof a->cls, "corrupt sparse");
    return MTL_OK;
  }
  a->kind = MTL__ARR_SPARSE;
  a->jc = mtl__malloc((cols + 1) * sizeof *a->jc);
  a->ir = mtl__malloc((size_t)(nnz ? nnz : 1) * sizeof *a->ir);
  a->sv = mtl__malloc((size_t)(nnz ? nnz : 1) * sizeof *a->sv);
  if (!a->jc || !a->ir || !a->sv)
    return MTL_ENOMEM;
  for (size_t j = 0; j <= cols; j++) {
    a->jc[j] = s->jc[j];
    /* column pointers start at 0 and never decrease: entries before jc[0]
     * were counted but never checked nor filled (a crash, issue 18) */
    if (j ? a->jc[j] < a->jc[j - 1] : a->jc[0] != 0) {
      a->kind = MTL__ARR_OTHER;
      snprintf(a->cls, sizeof a->cls, "corrupt sparse");
      return MTL_OK;
    }
  }
  for (int64_t p = 0; p < nnz; p++) {
    a->ir[p] = s->ir[p];
    a->sv[p] = v->isLogical && v->data_type == MAT_T_UINT8
                   ? ((const uint8_t *)s->data)[p]
                   : elem(s->data, v->data_type, (size_t)p, &ok);
  }
  if (!ok) {
    a->kind = MTL__ARR_OTHER;
    snprintf(a->cls, sizeof a->cls, "sparse of unsupported type");
  }
  return MTL_OK;
}

/* Whether the element count of a fits in memory arithmetic: a product of
 * the file's dimensions that wraps around would make a short buffer look
 * large enough (issue 18). */
static int dims_fit(const mtl__arr *a) {
  size_t n = 1;
  for (int k = 0; k < a->rank; k++) {
    if (a->dims[k] && n > SIZE_MAX / 256 / a->dims[k])
      return 0;
    n *= a->dims[k];
  }
  return 1;
}

/* Converts a matio variable (data read) into a; unsupported classes become
 * MTL__ARR_OTHER.  Returns MTL_OK or MTL_ENOMEM. */
static int convert(matvar_t *v, mtl__arr *a) {
  memset(a, 0, sizeof *a);
  a->colmajor = 1;
  a->rank = v->rank < MTL__ARR_MAXRANK ? v->rank : MTL__ARR_MAXRANK;
  for (int k = 0; k < a->rank; k++)
    a->dims[k] = v->dims ? v->dims[k] : 0;
  snprintf(a->cls, sizeof a->cls, "%s%s", v->isComplex ? "complex " : "",
           v->isLogical ? "logical" : class_name(v->class_type));
  if (v->rank > MTL__ARR_MAXRANK || v->isComplex || !dims_fit(a)) {
    a->kind = MTL__ARR_OTHER;
    return MTL_OK;
  }
  size_t n = mtl__arr_numel(a);
  if (v->class_type == MAT_C_EMPTY || (numeric_class(v->class_type) && n == 0)) {
    a->kind = MTL__ARR_NUM; /* [] : 0 x 0 double */
    if (n) { /* an empty class that declares 2 x 3 has no data (issue 18) */
      a->rank = 2;
      a->dims[0] = a->dims[1] = 0;
    }
    a->data = mtl__malloc(1);
    return a->data ? MTL_OK : MTL_ENOMEM;
  }
  if (v->class_type == MAT_C_CELL) {
    a->kind = MTL__ARR_CELL;
    a->cells = mtl__calloc(n, sizeof *a->cells);
    if (!a->cells)
      return MTL_ENOMEM;
    for (size_t k = 0; k < n; k++) {
      matvar_t *c = Mat_VarGetCell(v, (int)k);
      if (!c) {
        a->cells[k].kind = MTL__ARR_OTHER;
        snprintf(a->cells[k].cls, sizeof a->cells[k].cls, "missing");
        continue;
      }
      int rc = convert(c, &a->cells[k]);
      if (rc)
        return rc;
    }
    return MTL_OK;
  }
  if (v->class_type == MAT_C_SPARSE && a->rank == 2 && v->data)
    return convert_sparse(v, a);
  if (!numeric_class(v->class_type) || !v->data ||
      v->nbytes / n < (size_t)Mat_SizeOf(v->data_type)) {
    a->kind = MTL__ARR_OTHER; /* a short buffer is never read (issue 18) */
    return MTL_OK;
  }
  int ok = 1;
  a->kind = MTL__ARR_NUM;
  a->data = mtl__malloc(n * sizeof *a->data);
  if (!a->data)
    return MTL_ENOMEM;
  for (size_t k = 0; k < n && ok; k++)
    a->data[k] = elem(v->data, v->data_type, k, &ok);
  if (!ok) {
    free(a->data);
    a->data = NULL;
    a->kind = MTL__ARR_OTHER;
  }
  return MTL_OK;
}

/* Bytes Mat_VarRead would allocate for the data of info (cells: their
 * cells' data), saturating at UINT64_MAX. */
static uint64_t declared_bytes(const matvar_t *info, int depth) {
  uint64_t n = 1;
  for (int k = 0; k < info->rank && info->dims; k++) {
    if (info->dims[k] && n > UINT64_MAX / 16 / info->dims[k])
      return UINT64_MAX;
    n *= info->dims[k];
  }
  if (info->class_type == MAT_C_SPARSE)
    return 0; /* allocated from its element sizes, not its dimensions */
  if (info->class_type != MAT_C_CELL || depth > 32)
    return n * Mat_SizeOfClass(info->class_type);
  uint64_t sum = n * sizeof(matvar_t *);
  for (uint64_t k = 0; k < n && k < INT_MAX; k++) {
    const matvar_t *c = Mat_VarGetCell((matvar_t *)info, (int)k);
    uint64_t b = c ? declared_bytes(c, depth + 1) : 0;
    if (b > UINT64_MAX - sum)
      return UINT64_MAX;
    sum += b;
  }
  return sum;
}

/* Compares what the variable declares (Mat_VarReadInfo) with the file's
 * size before Mat_VarRead allocates it (issue 18, D12): at most 8 bytes of
 * a class per stored byte (uint8-stored doubles) times deflate's 1032:1,
 * plus 1 MB.  mat_check.c has checked v4/v5 files in detail already; this
 * covers v7.3 (HDF5) too. */
static int mat_size_ok(mtl__varsrc *s, const char *name) {
  struct stat st;
  matvar_t *info = Mat_VarReadInfo(s->h, name);
  if (!info || stat(s->path, &st) != 0)
    return MTL_OK; /* Mat_VarRead reports it */
  uint64_t want = declared_bytes(info, 0);
  uint64_t have = (uint64_t)st.st_size;
  Mat_VarFree(info);
  Mat_Rewind(s->h);
  if (have > UINT64_MAX / 8 / 1032 || want <= have * 8 * 1032 + (1u << 20))
    return MTL_OK;
  return mtl__err(MTL_EFORMAT,
                  "%s: variable '%s': declares %llu bytes of data in a "
                  "file of %llu bytes: not a valid MATLAB file",
                  s->path, name, (unsigned long long)want,
                  (unsigned long long)have);
}

static int mat_load(mtl__varsrc *s, const char *name, mtl__arr *out) {
  mat_t *mat = s->h;
  matio_msg[0] = '\0';
  Mat_Rewind(mat);
  int rc0 = mat_size_ok(s, name);
  if (rc0)
    return rc0;
  matvar_t *v = Mat_VarRead(mat, name);
  if (!v)
    return mtl__err(MTL_EFORMAT, "%s: variable '%s': cannot be read%s%s",
                    s->path, name, matio_msg[0] ? ": " : "", matio_msg);
  int rc = convert(v, out);
  Mat_VarFree(v);
  if (rc)
    mtl__arr_clear(out);
  return rc;
}

static void mat_close(mtl__varsrc *s) {
  for (int k = 0; k < s->nvars; k++)
    free(s->names[k]);
  free(s->names);
  if (s->h)
    Mat_Close(s->h);
  memset(s, 0, sizeof *s);
}

int mtl__mat_open(const char *path, mtl__varsrc *s) {
  memset(s, 0, sizeof *s);
  pthread_once(&log_once, log_init);
  matio_msg[0] = '\0';
  s->path = path;
  s->load = mat_load;
  s->close = mat_close;
  int rc = mtl__mat_check(path);
  if (rc)
    return rc;
  mat_t *mat = Mat_Open(path, MAT_ACC_RDONLY);
  if (!mat)
    return mtl__err(MTL_EFORMAT, "%s: not a readable MATLAB file%s%s", path,
                    matio_msg[0] ? ": " : "", matio_msg);
  s->h = mat;
  int cap = 0;
  matvar_t *v;
  while ((v = Mat_VarReadNextInfo(mat)) != NULL) {
    if (s->nvars == cap) {
      cap = cap ? 2 * cap : 8;
      char **nn = realloc(s->names, (size_t)cap * sizeof *nn);
      if (!nn) {
        Mat_VarFree(v);
        mat_close(s);
        return mtl__err(MTL_ENOMEM, "%s: out of memory listing variables",
                        path);
      }
      s->names = nn;
    }
    s->names[s->nvars] = mtl__strdup(v->name ? v->name : "");
    Mat_VarFree(v);
    if (!s->names[s->nvars]) {
      mat_close(s);
      return MTL_ENOMEM;
    }
    s->nvars++;
  }
  s->path = path;
  s->load = mat_load;
  s->close = mat_close;
  return MTL_OK;
}
