/*
 * read_options.c -- mtl_dataset_read with its options as text
 * ("format=mat;x_var=X"), so that a binding passes names and strings and
 * never mirrors mtl_read_params.
 */
#include "data.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Index of word in a '|' list, or -1. */
static int word_index(const char *list, const char *w) {
  size_t n = strlen(w);
  int k = 0;
  for (const char *c = list; *c; k++) {
    size_t len = strcspn(c, "|");
    if (len == n && strncmp(c, w, n) == 0)
      return k;
    c += len + (c[len] == '|');
  }
  return -1;
}

static int int_value(const char *name, const char *v, int lo, int *out) {
  char *end;
  errno = 0;
  long x = strtol(v, &end, 10);
  if (end == v || *end || errno == ERANGE || x < lo || x > INT_MAX)
    return mtl__err(MTL_EINVAL, "read option %s = '%s': expected an integer "
                                ">= %d",
                    name, v, lo);
  *out = (int)x;
  return MTL_OK;
}

/* Word options: NAME, its words, and the value of each word. */
static const struct {
  const char *name, *words;
  int values[7];
} word_opts[] = {
    {"format", "auto|mat|npz|text|csv|arff", {0, 1, 2, 3, 4, 5}},
    {"layout", "auto|cell|task-start|task-id|onevsrest|stacked|multitarget",
     {0, 1, 2, 3, 4, 5, 6}},
    {"samples_in_columns", "auto|0|1", {-1, 0, 1}},
    {"sparse", "auto|0|1", {-1, 0, 1}},
    {"kind", "auto|regression|classification",
     {-1, MTL_TASK_REGRESSION, MTL_TASK_CLASSIFICATION}},
    {"delimiter", "auto|comma|semicolon|tab", {0, ',', ';', '\t'}},
    {"missing", "error|drop|mean",
     {MTL_MISSING_ERROR, MTL_MISSING_DROP, MTL_MISSING_MEAN}},
};

/* "part=K/P": the K-th of P parts, 1-based; "all": every task. */
static int part_value(mtl_read_params *p, const char *v) {
  char *end, *end2;
  if (strcmp(v, "all") == 0) {
    p->part_count = p->part_index = 0;
    return MTL_OK;
  }
  errno = 0;
  long k = strtol(v, &end, 10), n = 0;
  if (end != v && *end == '/') {
    n = strtol(end + 1, &end2, 10);
    if (end2 == end + 1 || *end2)
      n = 0;
  }
  if (errno == ERANGE || n < 1 || n > INT_MAX || k < 1 || k > n)
    return mtl__err(MTL_EINVAL, "read option part = '%s': expected K/P with "
                                "1 <= K <= P (the K-th of P parts, "
                                "1-based), or all",
                    v);
  p->part_count = (int)n;
  p->part_index = (int)k - 1;
  return MTL_OK;
}

static int set_option(mtl_read_params *p, const char *name, const char *v) {
  int *dest[] = {(int *)&p->format, (int *)&p->layout, &p->samples_in_columns,
                 &p->sparse, &p->kind, &p->delimiter, &p->missing};
  static const char *const str_names[] = {"x_var", "y_var", "task_var",
                                          "targets", "features", "drop",
                                          "task_column", "label_column",
                                          "weight_column"};
  const char **str_dest[] = {&p->x_var,       &p->y_var,        &p->task_var,
                             &p->targets,     &p->features,     &p->drop,
                             &p->task_column, &p->label_column,
                             &p->weight_column};
  for (size_t i = 0; i < sizeof word_opts / sizeof *word_opts; i++)
    if (strcmp(name, word_opts[i].name) == 0) {
      int k = word_index(word_opts[i].words, v);
      if (k < 0)
        return mtl__err(MTL_EINVAL, "read option %s = '%s': expected one of "
                                    "%s",
                        name, v, word_opts[i].words);
      *dest[i] = word_opts[i].values[k];
      return MTL_OK;
    }
  for (size_t i = 0; i < sizeof str_names / sizeof *str_names; i++)
    if (strcmp(name, str_names[i]) == 0) {
      *str_dest[i] = *v ? v : NULL;
      return MTL_OK;
    }
  if (strcmp(name, "task_col") == 0)
    return int_value(name, v, -1, &p->task_col);
  else if (strcmp(name, "label_col") == 0)
    return int_value(name, v, -1, &p->label_col);
  else if (strcmp(name, "dim") == 0)
    return int_value(name, v, 0, &p->dim);
  else if (strcmp(name, "part") == 0)
    return part_value(p, v);
  else
    return mtl__err(MTL_EINVAL, "unknown read option '%s' (valid: format, "
                                "layout, x_var, y_var, task_var, "
                                "samples_in_columns, task_col, label_col, "
                                "sparse, dim, kind, part, targets, "
                                "features, drop, task_column, label_column, "
                                "weight_column, delimiter, missing)",
                    name);
  return MTL_OK;
}

int mtl_dataset_read_opts(const char *path, const char *options,
                          mtl_dataset **out) {
  if (out)
    *out = NULL;
  if (!path || !out)
    return mtl__err(MTL_EINVAL, "mtl_dataset_read_opts: NULL argument");
  mtl_read_params p;
  mtl_read_params_init(&p);
  char *text = mtl__strdup(options ? options : "");
  if (!text)
    return MTL_ENOMEM;
  int rc = MTL_OK;
  char *save = NULL;
  for (char *kv = strtok_r(text, ";", &save); kv && rc == MTL_OK;
       kv = strtok_r(NULL, ";", &save)) {
    while (*kv == ' ')
      kv++;
    if (!*kv)
      continue;
    char *eq = strchr(kv, '=');
    if (!eq) {
      rc = mtl__err(MTL_EINVAL, "read option '%s' is not NAME=VALUE", kv);
      break;
    }
    *eq = '\0';
    rc = set_option(&p, kv, eq + 1);
  }
  if (rc == MTL_OK)
    rc = mtl_dataset_read(path, &p, out); /* p points into text until here */
  free(text);
  return rc;
}
