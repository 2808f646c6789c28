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
                         .part_index = 0,
                         .targets = NULL,
                         .features = NULL,
                         .drop = NULL,
                         .task_column = NULL,
                         .label_column = NULL,
                         .delimiter = 0,
                         .missing = MTL_MISSING_ERROR,
                         .weight_column = NULL};
}

/* part_count, part_index and the column fields took 56 bytes of
 * MTL_RESERVED: same size. */
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
  free(t->sw);
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
  *s = (mtl__label_sum){-1, -1, -1, 0.0, -1, -1, 0, 0.0};
}

void mtl__label_sum_add(mtl__label_sum *s, int i, double y) {
  if (y == 0.0) {
    if (s->i0 < 0)
      s->i0 = i;
  } else if (y == -1.0) {
    if (s->im < 0)
      s->im = i;
  } else if (y == 1.0) {
    if (s->ip < 0)
      s->ip = i;
  } else if (s->io < 0) {
    s->io = i;
    s->vo = y;
  } else if (y != s->vo && s->io2 < 0) {
    s->io2 = i;
    s->vo2 = y;
  } else if (y != s->vo && y != s->vo2) {
    s->many = 1;
  }
}

/* Adds y to the distinct values v[0..*n-1] (at most 3 kept). */
static void distinct_add(double *v, int *n, double y) {
  for (int k = 0; k < *n; k++)
    if (v[k] == y)
      return;
  if (*n < 3)
    v[(*n)++] = y;
}

/* The distinct labels of all tasks pooled, up to 3 (3 = three or more). */
static int pooled_values(const mtl__label_sum *ls, int T, double *v) {
  int n = 0;
  for (int t = 0; t < T; t++) {
    if (ls[t].im >= 0)
      distinct_add(v, &n, -1.0);
    if (ls[t].i0 >= 0)
      distinct_add(v, &n, 0.0);
    if (ls[t].ip >= 0)
      distinct_add(v, &n, 1.0);
    if (ls[t].io >= 0)
      distinct_add(v, &n, ls[t].vo);
    if (ls[t].io2 >= 0)
      distinct_add(v, &n, ls[t].vo2);
    if (ls[t].many)
      n = 3;
  }
  return n;
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
 * {-1,+1} is classification, exactly two values pooled ({0,1}, {1,2}) is
 * classification with the smaller mapped to -1 and the larger to +1, any
 * other set is regression, and a mix of 0 and -1 is refused as ambiguous.
 * Returns the kind or an error; *map says the mapping. */
int mtl__labels_pooled(const char *path, const mtl__label_sum *ls,
                       const char *const *names, int T, int want,
                       mtl__label_map *map) {
  int t0 = -1, tm = -1, to = -1;
  char a[96], b[96];
  double v[3];
  int nv = pooled_values(ls, T, v);
  *map = (mtl__label_map){0, 0.0, 0.0};
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
  if (t0 >= 0 && tm >= 0 && to < 0) /* {-1,0} or {-1,0,+1} */
    return mtl__err(MTL_EFORMAT,
                    "%s: mixed label sets {0,1} and {-1,+1}: %s sample %d "
                    "has 0 but %s sample %d has -1 (pass kind = regression "
                    "if these are real targets)",
                    path, sname(names, t0, a, sizeof a), ls[t0].i0 + 1,
                    sname(names, tm, b, sizeof b), ls[tm].im + 1);
  if (nv > 2) {
    if (want == -1)
      return MTL_TASK_REGRESSION;
    int tb = to >= 0 ? to : 0;
    return mtl__err(MTL_EFORMAT,
                    "%s: %s sample %d: label %g is not a class label "
                    "(classification needs exactly two distinct values)",
                    path, sname(names, tb, a, sizeof a), ls[tb].io + 1,
                    ls[tb].vo);
  }
  if (nv == 2 && !(fabs(v[0]) == 1.0 && v[0] == -v[1])) { /* not {-1,+1} */
    map->on = 1;
    map->lo = v[0] < v[1] ? v[0] : v[1];
    map->hi = v[0] < v[1] ? v[1] : v[0];
  } else if (nv == 1 && v[0] == 0.0) { /* all 0: the negative class */
    *map = (mtl__label_map){1, 0.0, 1.0};
  } else if (nv == 1 && v[0] != 1.0 && v[0] != -1.0) {
    if (want == -1)
      return MTL_TASK_REGRESSION;
    return mtl__err(MTL_EFORMAT,
                    "%s: %s sample %d: label %g is not a class label "
                    "(classification needs two values, or -1/+1)",
                    path, sname(names, to, a, sizeof a), ls[to].io + 1,
                    ls[to].vo);
  }
  return MTL_TASK_CLASSIFICATION;
}

/* Applies map to y (n labels): lo -> -1, hi -> +1. */
static void map_labels(const mtl__label_map *map, double *y, int n) {
  for (int i = 0; i < n; i++)
    y[i] = y[i] == map->hi ? 1.0 : -1.0;
}

/* The note for a mapping: "labels {1,2} mapped to {-1,+1} (2 -> +1)". */
static void map_note(mtl_dataset *ds, const char *where,
                     const mtl__label_map *map, const char *tail) {
  mtl__dataset_note(ds, "%s: labels {%.17g,%.17g} mapped to {-1,+1} "
                        "(%.17g -> +1)%s",
                    where, map->lo, map->hi, map->hi, tail);
}

/* mtl__labels_pooled over the labels of tk (which must be finite). */
static int pooled_kind(const char *path, const mtl__io_task *tk, int T,
                       int want, mtl__label_map *map0) {
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
                    mtl__label_map map0, const int *task_kinds,
                    mtl_dataset **out);

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
  mtl__label_map map0 = {0, 0.0, 0.0};
  int k = kind, rc = check_tasks(path, tk, T);
  if (!rc && !task_kinds && (k = pooled_kind(path, tk, T, kind, &map0)) < 0)
    rc = k;
  if (rc)
    return drop_tasks(tk, T, out, rc);
  return assemble(path, d, tk, T, k, map0, task_kinds, out);
}

int mtl__io_finish_kind(const char *path, int d, mtl__io_task *tk, int T,
                        int kind, mtl__label_map map0, mtl_dataset **out) {
  int rc = check_tasks(path, tk, T);
  if (rc)
    return drop_tasks(tk, T, out, rc);
  return assemble(path, d, tk, T, kind, map0, NULL, out);
}

/* Builds *out from tk (kind k decided, or per task by task_kinds), taking
 * every array. */
static int assemble(const char *path, int d, mtl__io_task *tk, int T, int k,
                    mtl__label_map map0, const int *task_kinds,
                    mtl_dataset **out) {
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
    } else if (map0.on && k == MTL_TASK_CLASSIFICATION) {
      map_labels(&map0, q->y, q->n);
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
    if (q->sw && (rc = mtl_dataset_set_sample_weights(ds, rc, q->sw))) {
      mtl__err_prefix(rc, "%s", path);
      goto done;
    }
    rc = MTL_OK;
  }
  if (map0.on && k == MTL_TASK_CLASSIFICATION) {
    char tail[48];
    snprintf(tail, sizeof tail, " (all %d task%s)", T, T == 1 ? "" : "s");
    map_note(ds, path, &map0, tail);
  }
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
  if ((int)p->format < MTL_FMT_AUTO || (int)p->format > MTL_FMT_ARFF)
    return mtl__err(MTL_EINVAL, "read params: format = %d is not a "
                                "mtl_format (0..5)", (int)p->format);
  if ((int)p->layout < MTL_LAYOUT_AUTO ||
      (int)p->layout > MTL_LAYOUT_MULTITARGET)
    return mtl__err(MTL_EINVAL, "read params: layout = %d is not a "
                                "mtl_layout (0..6)", (int)p->layout);
  if (p->delimiter != 0 && p->delimiter != ',' && p->delimiter != ';' &&
      p->delimiter != '\t')
    return mtl__err(MTL_EINVAL, "read params: delimiter = %d must be 0 "
                                "(detect), ',', ';' or '\\t'", p->delimiter);
  if (p->missing < MTL_MISSING_ERROR || p->missing > MTL_MISSING_MEAN)
    return mtl__err(MTL_EINVAL, "read params: missing = %d is not a "
                                "mtl_missing (0..2)", p->missing);
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

/* What the first line with content of a text file looks like: an ARFF
 * header (after '%' comments), a delimited header (',' or ';', or tabs
 * without the text format's ':'), or else the text format. */
static mtl_format sniff(const char *path, const unsigned char *head,
                        size_t got) {
  size_t i = got >= 3 && memcmp(head, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
  (void)path;
  for (;;) {
    while (i < got && (head[i] == ' ' || head[i] == '\t' || head[i] == '\r' ||
                       head[i] == '\n'))
      i++;
    if (i < got && (head[i] == '%' || head[i] == '#')) {
      while (i < got && head[i] != '\n')
        i++;
      continue;
    }
    break;
  }
  if (i < got && head[i] == '@')
    return MTL_FMT_ARFF;
  int comma = 0, tab = 0, colon = 0;
  for (; i < got && head[i] != '\n'; i++) {
    comma |= head[i] == ',' || head[i] == ';';
    tab |= head[i] == '\t';
    colon |= head[i] == ':';
  }
  return comma || (tab && !colon) ? MTL_FMT_CSV : MTL_FMT_TEXT;
}

/* The format of path and how it was chosen (for messages). */
static mtl_format choose_format(const char *path, const mtl_read_params *p,
                                const unsigned char *head, size_t got,
                                const char **why) {
  static const struct {
    const char *ext;
    mtl_format f;
  } ext[] = {{".mat", MTL_FMT_MAT}, {".npz", MTL_FMT_NPZ},
             {".npy", MTL_FMT_NPZ}, {".csv", MTL_FMT_CSV},
             {".tsv", MTL_FMT_CSV}, {".arff", MTL_FMT_ARFF}};
  *why = "format option";
  if (p->format != MTL_FMT_AUTO)
    return p->format;
  *why = "by extension";
  for (size_t k = 0; k < sizeof ext / sizeof *ext; k++)
    if (ext_is(path, ext[k].ext))
      return ext[k].f;
  *why = "by content";
  if (got >= 6 && memcmp(head, "\x93NUMPY", 6) == 0)
    return MTL_FMT_NPZ;
  if (got >= 6 && memcmp(head, "MATLAB", 6) == 0)
    return MTL_FMT_MAT;
  if (got >= 4 && memcmp(head, "PK\x03\x04", 4) == 0)
    return MTL_FMT_NPZ;
  mtl_format f = sniff(path, head, got);
  if (f == MTL_FMT_TEXT)
    *why = "by default: no other format recognized";
  return f;
}

/* Adds the format assumed to the message of a data error. */
static int name_format(int rc, mtl_format f, const char *why) {
  static const char *names[] = {"auto", "MAT", "NPZ", "text", "CSV", "ARFF"};
  if (rc != MTL_EFORMAT && rc != MTL_EDIM)
    return rc;
  char msg[1024];
  snprintf(msg, sizeof msg, "%s", mtl_last_error());
  return mtl__err(rc, "%s [read as %s format, %s; see --format]", msg,
                  names[f], why);
}

/* CSV: the fast reader (io_csv.c) for a plain comma file with a task and
 * a label column; anything else, or any file it refuses, through the
 * column reader (io_delim.c), whose answer stands. */
static int read_csv_any(const char *path, const mtl_read_params *p,
                        const unsigned char *head, size_t got,
                        mtl_dataset **out) {
  size_t e = 0;
  while (e < got && head[e] != '\n')
    e++;
  int plain = !p->targets && !p->features && !p->drop && !p->task_column &&
              !p->label_column && !p->weight_column &&
              p->missing == MTL_MISSING_ERROR &&
              (p->delimiter == ',' ||
               (!p->delimiter && !memchr(head, ';', e) &&
                !memchr(head, '\t', e)));
  if (plain && got > 0) { /* a pipe is read once: the general reader only */
    int rc = mtl__read_csv(path, p, out);
    if (rc != MTL_EFORMAT)
      return rc;
  }
  return mtl__read_delim(path, p, out);
}

static int has_glob(const char *path) { return strpbrk(path, "*?[") != NULL; }

/* One file, of the format given or found (1: done, filter applied). */
static int read_one(const char *path, const mtl_read_params *p,
                    struct stat *st, mtl_dataset **out) {
  unsigned char head[4096];
  const char *why;
  int rc;
  if (stat(path, st) != 0)
    return mtl__err(MTL_EIO, "%s: cannot open: %s", path, strerror(errno));
  if (S_ISDIR(st->st_mode))
    return mtl__err(MTL_EIO, "%s: cannot read: is a directory", path);
  size_t got = 0;
  if (S_ISREG(st->st_mode)) { /* a pipe would lose what we peek at */
    FILE *f = fopen(path, "rb");
    if (!f)
      return mtl__err(MTL_EIO, "%s: cannot open: %s", path, strerror(errno));
    got = fread(head, 1, sizeof head, f);
    fclose(f);
  }
  mtl_format fmt = choose_format(path, p, head, got, &why);
  if (fmt == MTL_FMT_NPZ && (ext_is(path, ".npy") ||
                             (got >= 6 && memcmp(head, "\x93NUMPY", 6) == 0)))
    return mtl__err(MTL_EUNSUPPORTED,
                    "%s: a lone .npy file holds one array, not a dataset; "
                    "save X, y (and task ids) together with numpy.savez",
                    path);
  if (fmt == MTL_FMT_TEXT) { /* applies the task filter itself */
    rc = mtl__read_text(path, p, out);
    return rc ? name_format(rc, fmt, why) : 1;
  }
  if (fmt == MTL_FMT_CSV) {
    rc = read_csv_any(path, p, head, got, out);
  } else if (fmt == MTL_FMT_ARFF) {
    rc = mtl__read_arff(path, p, out);
  } else {
    mtl__varsrc s = {0};
    rc = fmt == MTL_FMT_MAT ? mtl__mat_open(path, &s)
                            : mtl__npz_open(path, &s);
    if (rc)
      return name_format(rc, fmt, why);
    rc = mtl__io_read_vars(&s, p, out);
    s.close(&s);
  }
  return name_format(rc, fmt, why);
}

int mtl_dataset_read(const char *path, const mtl_read_params *p,
                     mtl_dataset **out) {
  mtl_read_params def;
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
  if (stat(path, &st) != 0 && has_glob(path))
    rc = mtl__read_glob(path, p, out);
  else if ((rc = read_one(path, p, &st, out)) == 1)
    return MTL_OK; /* the text reader applies the task filter itself */
  if (!rc && p->part_count > 0)
    rc = keep_part(path, p, *out);
  if (rc) {
    mtl_dataset_free(*out);
    *out = NULL;
  }
  return rc;
}
