/*
 * io.c -- reading datasets: parameter defaults, format dispatch and the
 * final assembly shared by every reader (label kinds, ownership transfer).
 * The variables of .mat / .npz files are read in io_vars.c and laid out
 * into tasks in io_layout.c.
 *
 * Every reader builds an array of mtl__io_task and hands it to
 * mtl__io_finish, so nothing is half-built: on any error *out stays NULL
 * and every buffer is freed.
 */
#include "io_impl.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

void mtl_read_params_init(mtl_read_params *p) {
  if (!p)
    return;
  *p = (mtl_read_params){.format = MTL_FMT_AUTO,
                         .layout = MTL_LAYOUT_AUTO,
                         .x_var = NULL,
                         .y_var = NULL,
                         .task_var = NULL,
                         .samples_in_columns = -1,
                         .task_col = -1,
                         .label_col = -1,
                         .sparse = -1,
                         .dim = 0,
                         .kind = -1,
                         .part_count = 0,
                         .part_index = 0};
}

/* part_count and part_index took 8 bytes of MTL_RESERVED: same size. */
_Static_assert(sizeof(mtl_read_params) ==
                   offsetof(mtl_read_params, part_count) +
                       sizeof(uint64_t) * 8,
               "mtl_read_params changed size");

/* ---- assembly ------------------------------------------------------------ */

void mtl__io_task_clear(mtl__io_task *t) {
  free(t->X);
  free(t->indptr);
  free(t->indices);
  free(t->values);
  free(t->y);
  free(t->name);
  memset(t, 0, sizeof *t);
}

static const char *tname(const mtl__io_task *t, int k, char *buf, size_t cap) {
  if (t->name)
    snprintf(buf, cap, "task %d (%s)", k + 1, t->name);
  else
    snprintf(buf, cap, "task %d", k + 1);
  return buf;
}

void mtl__label_sum_init(mtl__label_sum *s) {
  *s = (mtl__label_sum){-1, -1, -1, 0.0};
}

void mtl__label_sum_add(mtl__label_sum *s, int i, double y) {
  if (y == 0.0) {
    if (s->i0 < 0)
      s->i0 = i;
  } else if (y == -1.0) {
    if (s->im < 0)
      s->im = i;
  } else if (y != 1.0 && s->io < 0) {
    s->io = i;
    s->vo = y;
  }
}

static const char *sname(const char *const *names, int t, char *buf,
                         size_t cap) {
  if (names && names[t])
    snprintf(buf, cap, "task %d (%s)", t + 1, names[t]);
  else
    snprintf(buf, cap, "task %d", t + 1);
  return buf;
}

/* Decides one label kind for the whole file from the pooled labels: all in
 * {-1,+1} or all in {0,1} is classification ({0,1} is mapped), any other
 * value is regression, and a mix of 0 and -1 is refused as ambiguous.
 * Returns the kind or an error; *map0 = 1 when 0 must become -1. */
int mtl__labels_pooled(const char *path, const mtl__label_sum *ls,
                       const char *const *names, int T, int want, int *map0) {
  int t0 = -1, tm = -1, to = -1;
  char a[96], b[96];
  *map0 = 0;
  for (int t = 0; t < T; t++) {
    if (ls[t].i0 >= 0 && t0 < 0)
      t0 = t;
    if (ls[t].im >= 0 && tm < 0)
      tm = t;
    if (ls[t].io >= 0 && to < 0)
      to = t;
  }
  if (want == MTL_TASK_REGRESSION)
    return MTL_TASK_REGRESSION;
  if (to >= 0) {
    if (want == -1)
      return MTL_TASK_REGRESSION;
    return mtl__err(MTL_EFORMAT,
                    "%s: %s sample %d: label %g is not a class label "
                    "(classification needs {-1,+1} or {0,1})",
                    path, sname(names, to, a, sizeof a), ls[to].io + 1,
                    ls[to].vo);
  }
  if (t0 >= 0 && tm >= 0)
    return mtl__err(MTL_EFORMAT,
                    "%s: mixed label sets {0,1} and {-1,+1}: %s sample %d "
                    "has 0 but %s sample %d has -1 (pass kind = regression "
                    "if these are real targets)",
                    path, sname(names, t0, a, sizeof a), ls[t0].i0 + 1,
                    sname(names, tm, b, sizeof b), ls[tm].im + 1);
  *map0 = t0 >= 0;
  return MTL_TASK_CLASSIFICATION;
}

/* mtl__labels_pooled over the labels of tk (which must be finite). */
static int pooled_kind(const char *path, const mtl__io_task *tk, int T,
                       int want, int *map0) {
  mtl__label_sum *ls = mtl__malloc((size_t)T * sizeof *ls);
  const char **names = mtl__malloc((size_t)T * sizeof *names);
  int rc = ls && names ? MTL_OK : MTL_ENOMEM;
  for (int t = 0; t < T && !rc; t++) {
    char a[96];
    mtl__label_sum_init(&ls[t]);
    names[t] = tk[t].name;
    for (int i = 0; i < tk[t].n && !rc; i++) {
      if (!isfinite(tk[t].y[i]))
        rc = mtl__err(MTL_EFORMAT,
                      "%s: %s sample %d: label %g is not finite", path,
                      tname(&tk[t], t, a, sizeof a), i + 1, tk[t].y[i]);
      mtl__label_sum_add(&ls[t], i, tk[t].y[i]);
    }
  }
  if (!rc)
    rc = mtl__labels_pooled(path, ls, names, T, want, map0);
  free(ls);
  free(names);
  return rc;
}

/* MTL_EFORMAT when there is no task or an empty one. */
static int check_tasks(const char *path, const mtl__io_task *tk, int T) {
  if (T < 1)
    return mtl__err(MTL_EFORMAT, "%s: no samples found", path);
  for (int t = 0; t < T; t++)
    if (tk[t].n < 1) {
      char a[96];
      return mtl__err(MTL_EFORMAT, "%s: %s is empty (0 samples)", path,
                      tname(&tk[t], t, a, sizeof a));
    }
  return MTL_OK;
}

static int assemble(const char *path, int d, mtl__io_task *tk, int T, int k,
                    int map0, const int *task_kinds, mtl_dataset **out);

/* Frees tk (T tasks) after a failure; returns rc. */
static int drop_tasks(mtl__io_task *tk, int T, mtl_dataset **out, int rc) {
  *out = NULL;
  for (int t = 0; t < T; t++)
    mtl__io_task_clear(&tk[t]);
  free(tk);
  return rc;
}

int mtl__io_finish(const char *path, int d, mtl__io_task *tk, int T, int kind,
                   const int *task_kinds, mtl_dataset **out) {
  int map0 = 0, k = kind, rc = check_tasks(path, tk, T);
  if (!rc && !task_kinds && (k = pooled_kind(path, tk, T, kind, &map0)) < 0)
    rc = k;
  if (rc)
    return drop_tasks(tk, T, out, rc);
  return assemble(path, d, tk, T, k, map0, task_kinds, out);
}

int mtl__io_finish_kind(const char *path, int d, mtl__io_task *tk, int T,
                        int kind, int map0, mtl_dataset **out) {
  int rc = check_tasks(path, tk, T);
  if (rc)
    return drop_tasks(tk, T, out, rc);
  return assemble(path, d, tk, T, kind, map0, NULL, out);
}

/* Builds *out from tk (kind k decided, or per task by task_kinds), taking
 * every array. */
static int assemble(const char *path, int d, mtl__io_task *tk, int T, int k,
                    int map0, const int *task_kinds, mtl_dataset **out) {
  int rc = MTL_OK;
  *out = NULL;
  mtl_dataset *ds = mtl_dataset_create(d);
  if (!ds) {
    rc = d < 1 ? MTL_EFORMAT : MTL_ENOMEM;
    mtl__err_prefix(rc, "%s", path);
    goto done;
  }
  for (int t = 0; t < T; t++) {
    mtl__io_task *q = &tk[t];
    int kt = k;
    if (task_kinds) {
      char a[96], where[1200];
      int mapped;
      snprintf(where, sizeof where, "%s: %s", path,
               tname(q, t, a, sizeof a));
      kt = mtl__labels_check(q->y, q->n, task_kinds[t], &mapped, where);
      if (kt < 0) {
        rc = kt;
        goto done;
      }
      if (mapped)
        mtl__dataset_note(ds, "%s: labels {0,1} mapped to {-1,+1}", where);
    } else if (map0 && k == MTL_TASK_CLASSIFICATION) {
      for (int i = 0; i < q->n; i++)
        if (q->y[i] == 0.0)
          q->y[i] = -1.0;
    }
    /* adopt frees the arrays on failure, so they leave tk[t] first */
    double *X = q->X, *y = q->y, *v = q->values;
    int64_t *ip = q->indptr;
    int32_t *ix = q->indices;
    q->X = q->y = q->values = NULL;
    q->indptr = NULL;
    q->indices = NULL;
    if (X)
      rc = mtl__dataset_adopt_dense(ds, q->n, X, y, (mtl_task_kind)kt,
                                    q->name);
    else
      rc = mtl__dataset_adopt_csr(ds, q->n, ip, ix, v, y, (mtl_task_kind)kt,
                                  q->name);
    if (rc < 0)
      goto done;
    rc = MTL_OK;
  }
  if (map0 && k == MTL_TASK_CLASSIFICATION)
    mtl__dataset_note(ds, "%s: labels {0,1} mapped to {-1,+1} (all %d tasks)",
                      path, T);
done:
  for (int t = 0; t < T; t++)
    mtl__io_task_clear(&tk[t]);
  free(tk);
  if (rc < 0) {
    mtl_dataset_free(ds);
    return rc;
  }
  *out = ds;
  return MTL_OK;
}

/* ---- dispatch ------------------------------------------------------------ */

static int ext_is(const char *path, const char *ext) {
  size_t n = strlen(path), e = strlen(ext);
  return n > e && strcasecmp(path + n - e, ext) == 0;
}

static int check_params(const mtl_read_params *p) {
  if ((int)p->format < MTL_FMT_AUTO || (int)p->format > MTL_FMT_CSV)
    return mtl__err(MTL_EINVAL, "read params: format = %d is not a "
                                "mtl_format (0..4)", (int)p->format);
  if ((int)p->layout < MTL_LAYOUT_AUTO || (int)p->layout > MTL_LAYOUT_STACKED)
    return mtl__err(MTL_EINVAL, "read params: layout = %d is not a "
                                "mtl_layout (0..5)", (int)p->layout);
  if (p->samples_in_columns < -1 || p->samples_in_columns > 1)
    return mtl__err(MTL_EINVAL, "read params: samples_in_columns = %d must "
                                "be -1, 0 or 1", p->samples_in_columns);
  if (p->task_col < -1)
    return mtl__err(MTL_EINVAL, "read params: task_col = %d must be >= -1",
                    p->task_col);
  if (p->label_col < -1)
    return mtl__err(MTL_EINVAL, "read params: label_col = %d must be >= -1",
                    p->label_col);
  if (p->task_col >= 0 && p->task_col == p->label_col)
    return mtl__err(MTL_EINVAL, "read params: task_col and label_col are "
                                "both %d", p->task_col);
  if (p->sparse < -1 || p->sparse > 1)
    return mtl__err(MTL_EINVAL, "read params: sparse = %d must be -1, 0 or 1",
                    p->sparse);
  if (p->dim < 0)
    return mtl__err(MTL_EINVAL, "read params: dim = %d must be >= 0", p->dim);
  if (p->kind < -1 || p->kind > 1)
    return mtl__err(MTL_EINVAL, "read params: kind = %d must be -1, 0 or 1",
                    p->kind);
  if (p->part_count < 0)
    return mtl__err(MTL_EINVAL, "read params: part_count = %d must be >= 0 "
                                "(0 = every task)", p->part_count);
  if (p->part_index < 0 || (p->part_count > 0 && p->part_index >= p->part_count) ||
      (p->part_count == 0 && p->part_index != 0))
    return mtl__err(MTL_EINVAL, "read params: part_index = %d must be in "
                                "[0, part_count = %d)%s",
                    p->part_index, p->part_count,
                    p->part_count == 0 ? " (or 0 with part_count 0)" : "");
  return MTL_OK;
}

int mtl__part_empty(const char *path, const mtl_read_params *p, int T) {
  return mtl__err(MTL_EINVAL,
                  "%s: part %d/%d (part_index %d of part_count %d) holds no "
                  "task: the file has %d tasks",
                  path, p->part_index + 1, p->part_count, p->part_index,
                  p->part_count, T);
}

/* The task filter on a dataset read whole: keeps its part in place. */
static int keep_part(const char *path, const mtl_read_params *p,
                     mtl_dataset *ds) {
  int T = ds->T, K = 0;
  if (p->part_index >= T)
    return mtl__part_empty(path, p, T);
  int *sel = mtl__malloc((size_t)T * sizeof *sel);
  if (!sel)
    return MTL_ENOMEM;
  for (int t = p->part_index; t < T; t += p->part_count)
    sel[K++] = t;
  int rc = mtl__dataset_keep_tasks(ds, sel, K);
  free(sel);
  return rc;
}

int mtl_dataset_read(const char *path, const mtl_read_params *p,
                     mtl_dataset **out) {
  mtl_read_params def;
  unsigned char magic[8] = {0};
  struct stat st;
  int rc;
  if (!out)
    return mtl__err(MTL_EINVAL, "mtl_dataset_read: out is NULL");
  *out = NULL;
  if (!path)
    return mtl__err(MTL_EINVAL, "mtl_dataset_read: path is NULL");
  if (!p) {
    mtl_read_params_init(&def);
    p = &def;
  }
  if ((rc = check_params(p)))
    return rc;
  if (stat(path, &st) != 0)
    return mtl__err(MTL_EIO, "%s: cannot open: %s", path, strerror(errno));
  if (S_ISDIR(st.st_mode))
    return mtl__err(MTL_EIO, "%s: cannot read: is a directory", path);
  size_t got = 0;
  if (S_ISREG(st.st_mode)) { /* a pipe would lose what we peek at */
    FILE *f = fopen(path, "rb");
    if (!f)
      return mtl__err(MTL_EIO, "%s: cannot open: %s", path, strerror(errno));
    got = fread(magic, 1, sizeof magic, f);
    fclose(f);
  }
  int npy = got >= 6 && memcmp(magic, "\x93NUMPY", 6) == 0;

  mtl_format fmt = p->format;
  if (fmt == MTL_FMT_AUTO) {
    if (ext_is(path, ".mat"))
      fmt = MTL_FMT_MAT;
    else if (ext_is(path, ".npz"))
      fmt = MTL_FMT_NPZ;
    else if (ext_is(path, ".csv"))
      fmt = MTL_FMT_CSV;
    else if (ext_is(path, ".npy") || npy)
      fmt = MTL_FMT_NPZ;
    else if (got >= 6 && memcmp(magic, "MATLAB", 6) == 0)
      fmt = MTL_FMT_MAT;
    else if (got >= 4 && memcmp(magic, "PK\x03\x04", 4) == 0)
      fmt = MTL_FMT_NPZ;
    else
      fmt = MTL_FMT_TEXT;
  }
  if (fmt == MTL_FMT_NPZ && (npy || ext_is(path, ".npy")))
    return mtl__err(MTL_EUNSUPPORTED,
                    "%s: a lone .npy file holds one array, not a dataset; "
                    "save X, y (and task ids) together with numpy.savez",
                    path);
  if (fmt == MTL_FMT_TEXT) /* applies the task filter itself */
    return mtl__read_text(path, p, out);
  if (fmt == MTL_FMT_CSV) {
    rc = mtl__read_csv(path, p, out);
  } else {
    mtl__varsrc s = {0};
    rc = fmt == MTL_FMT_MAT ? mtl__mat_open(path, &s)
                            : mtl__npz_open(path, &s);
    if (rc)
      return rc;
    rc = mtl__io_read_vars(&s, p, out);
    s.close(&s);
  }
  if (!rc && p->part_count > 0)
    rc = keep_part(path, p, *out);
  if (rc) {
    mtl_dataset_free(*out);
    *out = NULL;
  }
  return rc;
}
