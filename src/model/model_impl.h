/*
 * model_impl.h -- private pieces shared by the model modules (model.c: the
 * object, metadata, matrices, prediction; model_io.c: save and load).
 * Not installed.
 */
#ifndef MTL_MODEL_IMPL_H
#define MTL_MODEL_IMPL_H

#include "model.h"

#include <stdio.h>

/* Longest key or matrix name accepted (keeps messages readable). */
#define NAME_MAX_LEN 128

typedef struct mtl__model_matrix {
  char *name;
  int rows, cols;
  double *A; /* rows x cols, column-major */
} mtl__model_matrix;

struct mtl_model {
  int d;           /* rows of W (scaler output dimension) */
  int T;           /* tasks */
  int input_dim;   /* raw features: d - bias */
  double *W;       /* d x T column-major */
  int *loss;       /* T mtl_loss values (MTL_LOSS_AUTO allowed) */
  int standardize; /* scaler: x' = (x - mean) / scale */
  int bias;        /* scaler: 1 appended */
  double *mean;    /* input_dim, or NULL when !standardize */
  double *scale;   /* input_dim, or NULL when !standardize */
  int nmeta, cap_meta;
  char **keys; /* in insertion order (kept by save/load) */
  char **values;
  int nmat, cap_mat;
  mtl__model_matrix *mats; /* extra matrices, W excluded, in insertion order */
};

/* Loss names in the file (model_io.c); index = enum value + 1 (AUTO =
 * -1). */
#define NLOSS 5
extern const char *const mtl__model_loss_names[NLOSS];

/* Validation of names (model.c): meta keys [a-z0-9_.-]+ and matrix names. */
int mtl__model_key_ok(const char *k);
int mtl__model_name_ok(const char *k);
/* A model with W (d x T) and the T losses allocated, not filled; NULL when
 * out of memory (message set). */
mtl_model *mtl__model_alloc(int d, int T, int input_dim);
/* Allocates mean and scale (input_dim each). */
int mtl__model_alloc_scaler(mtl_model *m);
/* Index of a meta key / extra matrix, or -1. */
int mtl__model_find_meta(const mtl_model *m, const char *key);
int mtl__model_find_matrix(const mtl_model *m, const char *name);
/* Adds or replaces matrix `name`, taking ownership of A (freed on failure). */
int mtl__model_adopt_matrix(mtl_model *m, const char *name, int rows, int cols,
                            double *A);

/* The text format on an open stream (model_io.c), for files and memory
 * (model_mem.c): write (the caller checks ferror) and read (f is not
 * closed; `name` and `size` (bytes, -1 unknown) for messages and checks). */
void mtl__model_write(FILE *f, const mtl_model *m);
int mtl__model_read(FILE *f, const char *name, long long size,
                    mtl_model **out);

#endif /* MTL_MODEL_IMPL_H */
