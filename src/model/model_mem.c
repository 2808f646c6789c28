/*
 * model_mem.c -- what a binding needs of a model beyond the file: the
 * model's text format in memory (save and load without temporary files,
 * e.g. for pickling), the scaler, and the lists of metadata keys and
 * extra matrices.
 */
#include "model_impl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int mtl_model_save_mem(const mtl_model *m, char **buf, size_t *len) {
  if (!buf || !len)
    return mtl__err(MTL_EINVAL, "mtl_model_save_mem: NULL output pointer");
  *buf = NULL;
  *len = 0;
  if (!m)
    return mtl__err(MTL_EINVAL, "mtl_model_save_mem: NULL model");
  char *b = NULL;
  size_t n = 0;
  FILE *f = open_memstream(&b, &n);
  if (!f)
    return mtl__err(MTL_ENOMEM, "mtl_model_save_mem: open_memstream: %s",
                    strerror(errno));
  mtl__model_write(f, m);
  int bad = ferror(f);
  if (fclose(f) != 0 || bad) {
    free(b);
    return mtl__err(MTL_ENOMEM, "mtl_model_save_mem: writing the model to "
                                "memory failed");
  }
  *buf = b; /* open_memstream keeps a NUL after the n bytes */
  *len = n;
  return MTL_OK;
}

int mtl_model_load_mem(const char *buf, size_t len, mtl_model **out) {
  if (!out)
    return mtl__err(MTL_EINVAL, "mtl_model_load_mem: NULL output pointer");
  *out = NULL;
  if (!buf || len == 0)
    return mtl__err(MTL_EFORMAT, "<memory>: empty model text (0 bytes)");
  FILE *f = fmemopen((void *)buf, len, "r");
  if (!f)
    return mtl__err(MTL_ENOMEM, "mtl_model_load_mem: fmemopen: %s",
                    strerror(errno));
  int rc = mtl__model_read(f, "<memory>", (long long)len, out);
  fclose(f);
  return rc;
}

int mtl_model_scaler(const mtl_model *m, int *standardize, int *bias,
                     const double **mean, const double **scale) {
  if (!m)
    return mtl__err(MTL_EINVAL, "mtl_model_scaler: NULL model");
  if (standardize)
    *standardize = m->standardize;
  if (bias)
    *bias = m->bias;
  if (mean)
    *mean = m->standardize ? m->mean : NULL;
  if (scale)
    *scale = m->standardize ? m->scale : NULL;
  return MTL_OK;
}

int mtl_model_meta_count(const mtl_model *m) { return m ? m->nmeta : 0; }

const char *mtl_model_meta_key(const mtl_model *m, int i) {
  return m && i >= 0 && i < m->nmeta ? m->keys[i] : NULL;
}

int mtl_model_matrix_count(const mtl_model *m) { return m ? m->nmat : 0; }

const char *mtl_model_matrix_name(const mtl_model *m, int i) {
  return m && i >= 0 && i < m->nmat ? m->mats[i].name : NULL;
}
