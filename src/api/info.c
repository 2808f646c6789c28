/*
 * info.c -- the results of a fit (mtl_fit_info): an ordered list of named
 * numbers and texts, and an optional trace table.
 */
#include "api.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

mtl_fit_info *mtl__info_new(void) {
  return mtl__calloc(1, sizeof(mtl_fit_info));
}

void mtl_fit_info_free(mtl_fit_info *in) {
  if (!in)
    return;
  for (int i = 0; i < in->n; i++) {
    free(in->items[i].key);
    free(in->items[i].text);
  }
  free(in->items);
  free(in->header);
  free(in->trace);
  free(in);
}

/* The item of key (created at the end when absent), or NULL (no memory). */
static mtl__item *slot(mtl_fit_info *in, const char *key) {
  for (int i = 0; i < in->n; i++)
    if (strcmp(in->items[i].key, key) == 0)
      return &in->items[i];
  if (in->n == in->cap) {
    int cap = in->cap ? 2 * in->cap : 16;
    mtl__item *it = realloc(in->items, (size_t)cap * sizeof *it);
    if (!it) {
      mtl__err(MTL_ENOMEM, "out of memory (fit results)");
      return NULL;
    }
    in->items = it;
    in->cap = cap;
  }
  mtl__item *it = &in->items[in->n];
  memset(it, 0, sizeof *it);
  if (!(it->key = mtl__strdup(key)))
    return NULL;
  in->n++;
  return it;
}

static int put(mtl_fit_info *in, const char *key, char *text, double v,
               int is_num) {
  mtl__item *it = text ? slot(in, key) : NULL;
  if (!it) {
    free(text);
    return mtl__err(MTL_ENOMEM, "out of memory (fit results)");
  }
  free(it->text);
  it->text = text;
  it->value = v;
  it->is_num = is_num;
  return MTL_OK;
}

int mtl__info_num(mtl_fit_info *in, const char *key, double v) {
  char buf[40];
  if (isnan(v))
    snprintf(buf, sizeof buf, "nan");
  else
    snprintf(buf, sizeof buf, "%.17g", v);
  return put(in, key, mtl__strdup(buf), v, 1);
}

int mtl__info_text(mtl_fit_info *in, const char *key, const char *fmt, ...) {
  va_list ap, ap2;
  va_start(ap, fmt);
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  char *s = n >= 0 ? mtl__malloc((size_t)n + 1) : NULL;
  if (s)
    vsnprintf(s, (size_t)n + 1, fmt, ap2);
  va_end(ap2);
  /* one line of text: control characters become '?' */
  for (char *c = s; c && *c; c++)
    if ((unsigned char)*c < 0x20 || *c == 0x7f)
      *c = '?';
  return put(in, key, s, NAN, 0);
}

int mtl__info_trace(mtl_fit_info *in, const char *header, int rows, int cols,
                    const double *data) {
  size_t n = (size_t)(rows > 0 ? rows : 0) * (size_t)cols;
  double *t = mtl__malloc((n ? n : 1) * sizeof *t);
  char *h = mtl__strdup(header);
  if (!t || !h) {
    free(t);
    free(h);
    return MTL_ENOMEM;
  }
  if (n)
    memcpy(t, data, n * sizeof *t);
  free(in->trace);
  free(in->header);
  in->trace = t;
  in->header = h;
  in->rows = rows;
  in->cols = cols;
  return MTL_OK;
}

int mtl_fit_info_count(const mtl_fit_info *in) { return in ? in->n : 0; }

const char *mtl_fit_info_key(const mtl_fit_info *in, int i) {
  return in && i >= 0 && i < in->n ? in->items[i].key : NULL;
}

const char *mtl_fit_info_text(const mtl_fit_info *in, int i) {
  return in && i >= 0 && i < in->n ? in->items[i].text : NULL;
}

int mtl_fit_info_is_number(const mtl_fit_info *in, int i) {
  return in && i >= 0 && i < in->n ? in->items[i].is_num : 0;
}

double mtl_fit_info_value(const mtl_fit_info *in, int i) {
  return in && i >= 0 && i < in->n ? in->items[i].value : NAN;
}

static const mtl__item *find(const mtl_fit_info *in, const char *key) {
  for (int i = 0; in && key && i < in->n; i++)
    if (strcmp(in->items[i].key, key) == 0)
      return &in->items[i];
  return NULL;
}

const char *mtl_fit_info_get(const mtl_fit_info *in, const char *key) {
  const mtl__item *it = find(in, key);
  return it ? it->text : NULL;
}

double mtl_fit_info_number(const mtl_fit_info *in, const char *key) {
  const mtl__item *it = find(in, key);
  return it ? it->value : NAN;
}

int mtl_fit_info_trace(const mtl_fit_info *in, int *rows, int *cols,
                       const char **header, const double **data) {
  if (!in || !in->header)
    return mtl__err(MTL_ENOTFOUND, "the fit kept no trace (set the "
                                   "parameter 'trace' to 1)");
  if (rows)
    *rows = in->rows;
  if (cols)
    *cols = in->cols;
  if (header)
    *header = in->header;
  if (data)
    *data = in->trace;
  return MTL_OK;
}
