/*
 * io_glob.c -- a glob(3) pattern of files ("tasks/task_?.txt"), one
 * dataset: each file is read on its own (same options, format per file)
 * and its tasks are appended in the order of the sorted file names.  A
 * file of one task gives a task named after the file (its name without
 * the folder and extension); a file of several tasks gives "file/task".
 * Files of other dimensions are read again with the largest (text files:
 * absent trailing features are zeros); dense files must agree.
 */
#include "io_impl.h"

#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The name of file path without its folder and extension. */
static void stem(const char *path, char *buf, size_t cap) {
  const char *b = strrchr(path, '/');
  b = b ? b + 1 : path;
  snprintf(buf, cap, "%s", b);
  char *dot = strrchr(buf, '.');
  if (dot && dot != buf)
    *dot = '\0';
}

/* Moves every task of src to the end of dst (src keeps empty tasks). */
static int append(mtl_dataset *dst, mtl_dataset *src, const char *path) {
  char st[256], name[600];
  stem(path, st, sizeof st);
  for (int t = 0; t < src->T; t++) {
    mtl__task *q = &src->tasks[t];
    if (src->T == 1)
      snprintf(name, sizeof name, "%s", st);
    else
      snprintf(name, sizeof name, "%s/%s", st, q->name ? q->name : "task");
    int rc;
    if (q->X) {
      rc = mtl__dataset_adopt_dense(dst, q->n, q->X, q->y, q->kind, name);
      q->X = NULL;
    } else {
      rc = mtl__dataset_adopt_csr(dst, q->n, q->indptr, q->indices, q->values,
                                  q->y, q->kind, name);
      q->indptr = NULL;
      q->indices = NULL;
      q->values = NULL;
    }
    q->y = NULL;
    q->n = 0;
    if (rc < 0)
      return rc;
    dst->tasks[rc].sw = q->sw; /* sample weights move with the task */
    q->sw = NULL;
  }
  if (src->notes)
    mtl__dataset_note(dst, "%s", src->notes);
  return MTL_OK;
}

/* Reads the files of g into dss (n of them); *dmax is the largest
 * dimension, *same 1 when all agree. */
static int read_all(glob_t *g, const mtl_read_params *p, mtl_dataset **dss,
                    int *dmax, int *same) {
  *dmax = 0;
  *same = 1;
  for (size_t i = 0; i < g->gl_pathc; i++) {
    int rc = mtl_dataset_read(g->gl_pathv[i], p, &dss[i]);
    if (rc)
      return rc;
    if (dss[i]->shared)
      return mtl__err(MTL_EUNSUPPORTED,
                      "%s: several targets sharing X "
                      "cannot be merged with other files "
                      "(read this file alone)",
                      g->gl_pathv[i]);
    if (i && dss[i]->d != *dmax)
      *same = 0;
    if (dss[i]->d > *dmax)
      *dmax = dss[i]->d;
  }
  return MTL_OK;
}

static void free_all(mtl_dataset **dss, size_t n) {
  for (size_t i = 0; dss && i < n; i++)
    mtl_dataset_free(dss[i]);
}

int mtl__read_glob(const char *pattern, const mtl_read_params *p,
                   mtl_dataset **out) {
  glob_t g;
  int rc = glob(pattern, GLOB_ERR, NULL, &g), dmax = 0, same = 1;
  *out = NULL;
  if (rc == GLOB_NOMATCH)
    return mtl__err(MTL_EIO,
                    "%s: cannot open: no file matches this "
                    "pattern",
                    pattern);
  if (rc)
    return mtl__err(MTL_EIO, "%s: cannot list the files of this pattern",
                    pattern);
  mtl_read_params q = *p;
  q.part_count = q.part_index = 0; /* the filter applies to the whole */
  mtl_dataset **dss = mtl__calloc(g.gl_pathc, sizeof *dss);
  rc = dss ? read_all(&g, &q, dss, &dmax, &same) : MTL_ENOMEM;
  if (!rc && !same && !p->dim) { /* again at the largest dimension */
    free_all(dss, g.gl_pathc);
    memset(dss, 0, g.gl_pathc * sizeof *dss);
    q.dim = dmax;
    rc = read_all(&g, &q, dss, &dmax, &same);
  }
  mtl_dataset *ds = rc ? NULL : mtl_dataset_create(dmax);
  if (!rc && !ds)
    rc = MTL_ENOMEM;
  for (size_t i = 0; i < g.gl_pathc && !rc; i++)
    rc = append(ds, dss[i], g.gl_pathv[i]);
  if (!rc)
    mtl__dataset_note(ds, "%s: %zu files, read one by one: %d tasks", pattern,
                      g.gl_pathc, ds->T);
  free_all(dss, g.gl_pathc);
  free(dss);
  globfree(&g);
  if (rc) {
    mtl_dataset_free(ds);
    return rc;
  }
  *out = ds;
  return MTL_OK;
}
