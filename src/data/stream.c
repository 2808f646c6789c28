/*
 * stream.c -- online sample sources for the OMTL methods (src/solvers/omtl):
 * a text stream "task label idx:val ..." parsed one line at a time (file or
 * stdin, arrival order), and a dataset replayed round by round in a seeded
 * random interleaving.  Errors name file:line.  The round feeder that
 * turns a stream into rounds belongs to the solver (omtl/omtl_feed.c).
 */
#include "data.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct mtl_stream {
  int K, d;
  /* text source */
  FILE *f;
  int own_f;
  char *path;
  char *line;
  size_t line_cap;
  int64_t lineno;
  /* dataset source */
  const mtl_dataset *ds;
  int **order;    /* K permutations of each task's samples */
  int *perm;      /* K: task order of the current round */
  int64_t round;  /* current round */
  int pos;        /* next position in perm */
  int64_t rounds; /* max n_k */
  mtl__rng rng;   /* draws the task order of each round */
  int shuffle;    /* 1 if seed != 0 */
  int *local;     /* a part's replay: K entries, the task of ds holding
                     task k, or -1 (held elsewhere); NULL = ds holds all */
};

int mtl_stream_open_text(const char *path, int K, int d, mtl_stream **out) {
  if (!out)
    return mtl__err(MTL_EINVAL, "stream: out is NULL");
  *out = NULL;
  if (!path)
    return mtl__err(MTL_EINVAL, "stream: path is NULL");
  if (K < 1 || d < 1)
    return mtl__err(MTL_EINVAL,
                    "stream %s: tasks K = %d and dimension d = %d must be >= 1",
                    path, K, d);
  mtl_stream *s = mtl__calloc(1, sizeof *s);
  if (!s)
    return MTL_ENOMEM;
  s->K = K;
  s->d = d;
  s->rounds = -1;
  s->path = mtl__strdup(strcmp(path, "-") == 0 ? "<stdin>" : path);
  if (!s->path) {
    free(s);
    return MTL_ENOMEM;
  }
  if (strcmp(path, "-") == 0) {
    s->f = stdin;
  } else {
    s->f = fopen(path, "r");
    s->own_f = 1;
    if (!s->f) {
      int e = errno;
      free(s->path);
      free(s);
      return mtl__err(MTL_EIO, "stream %s: cannot open: %s", path,
                      strerror(e));
    }
  }
  *out = s;
  return MTL_OK;
}

/* The online methods' updates are their own: they weigh every sample and
 * every task 1, so weights would be ignored without a word.  MTL_OK for a
 * dataset without any, else MTL_EUNSUPPORTED naming the task. */
static int unweighted(const mtl_dataset *ds) {
  for (int k = 0; k < ds->T; k++)
    if (ds->tasks[k].sw || ds->tasks[k].weight != 1.0)
      return mtl__err(MTL_EUNSUPPORTED,
                      "stream: task %d (%s) has %s; the online methods "
                      "weigh every sample and task 1",
                      k + 1, ds->tasks[k].name ? ds->tasks[k].name : "?",
                      ds->tasks[k].sw ? "sample weights" : "a task weight");
  return MTL_OK;
}

int mtl_stream_from_dataset(const mtl_dataset *ds, uint64_t seed,
                            mtl_stream **out) {
  if (!out)
    return mtl__err(MTL_EINVAL, "stream: out is NULL");
  *out = NULL;
  if (!ds || ds->T < 1)
    return mtl__err(MTL_EINVAL, "stream: dataset is NULL or has no task");
  for (int k = 0; k < ds->T; k++)
    if (ds->tasks[k].kind != MTL_TASK_CLASSIFICATION)
      return mtl__err(MTL_EINVAL,
                      "stream: task %d (%s) is not a classification task "
                      "(online methods need labels +-1)",
                      k + 1, ds->tasks[k].name ? ds->tasks[k].name : "?");
  int rc = unweighted(ds);
  if (rc)
    return rc;
  mtl_stream *s = mtl__calloc(1, sizeof *s);
  if (!s)
    return MTL_ENOMEM;
  s->K = ds->T;
  s->d = ds->d;
  s->ds = ds;
  s->order = mtl__calloc((size_t)s->K, sizeof *s->order);
  s->perm = mtl__malloc((size_t)s->K * sizeof *s->perm);
  if (!s->order || !s->perm) {
    rc = MTL_ENOMEM;
    goto done;
  }
  mtl__rng rng;
  mtl__rng_seed(&rng, seed);
  for (int k = 0; k < s->K; k++) {
    int n = ds->tasks[k].n;
    if (n > s->rounds)
      s->rounds = n;
    s->order[k] = mtl__malloc((size_t)n * sizeof(int));
    if (!s->order[k]) {
      rc = MTL_ENOMEM;
      goto done;
    }
    for (int i = 0; i < n; i++)
      s->order[k][i] = i;
    if (seed)
      mtl__rng_shuffle_int(&rng, s->order[k], n);
  }
  /* the round orders continue from the same generator */
  s->rng = rng;
  s->shuffle = seed != 0;
  s->pos = s->K; /* forces a new round permutation on the first call */
  s->round = -1;
done:
  if (rc) {
    mtl_stream_free(s);
    return rc;
  }
  *out = s;
  return MTL_OK;
}

int mtl__stream_from_part(const mtl_dataset *ds, const int *gid, int K,
                          const int *n, uint64_t seed, mtl_stream **out) {
  *out = NULL;
  if (!ds || ds->T < 1 || K < ds->T)
    return mtl__err(MTL_EINVAL, "stream: a part of %d of K = %d tasks",
                    ds ? ds->T : 0, K);
  if (unweighted(ds))
    return MTL_EUNSUPPORTED;
  mtl_stream *s = mtl__calloc(1, sizeof *s);
  if (!s)
    return MTL_ENOMEM;
  s->K = K;
  s->d = ds->d;
  s->ds = ds;
  s->order = mtl__calloc((size_t)K, sizeof *s->order);
  s->perm = mtl__malloc((size_t)K * sizeof *s->perm);
  s->local = mtl__malloc((size_t)K * sizeof *s->local);
  int rc = s->order && s->perm && s->local ? MTL_OK : MTL_ENOMEM;
  for (int k = 0; !rc && k < K; k++)
    s->local[k] = -1;
  for (int t = 0; !rc && t < ds->T; t++) {
    if (gid[t] < 0 || gid[t] >= K || n[gid[t]] != ds->tasks[t].n)
      rc = mtl__err(MTL_EINVAL, "stream: task %d of the part is global task "
                                "%d of %d with %d samples (expected %d)",
                    t + 1, gid[t] + 1, K, ds->tasks[t].n,
                    gid[t] >= 0 && gid[t] < K ? n[gid[t]] : -1);
    else if (ds->tasks[t].kind != MTL_TASK_CLASSIFICATION)
      rc = mtl__err(MTL_EINVAL, "stream: task %d is not a classification "
                                "task (online methods need labels +-1)",
                    gid[t] + 1);
    else
      s->local[gid[t]] = t;
  }
  /* the generator of mtl_stream_from_dataset on the whole: each task's
   * shuffle in task order, those held elsewhere drawn and dropped */
  mtl__rng rng;
  mtl__rng_seed(&rng, seed);
  for (int k = 0; !rc && k < K; k++) {
    if (n[k] > s->rounds)
      s->rounds = n[k];
    if (!(s->order[k] = mtl__malloc((size_t)(n[k] > 0 ? n[k] : 1) *
                                    sizeof(int)))) {
      rc = MTL_ENOMEM;
      break;
    }
    for (int i = 0; i < n[k]; i++)
      s->order[k][i] = i;
    if (seed)
      mtl__rng_shuffle_int(&rng, s->order[k], n[k]);
    if (s->local[k] < 0) { /* not kept */
      free(s->order[k]);
      s->order[k] = NULL;
    }
  }
  s->rng = rng;
  s->shuffle = seed != 0;
  s->pos = s->K;
  s->round = -1;
  if (rc) {
    mtl_stream_free(s);
    return rc;
  }
  *out = s;
  return MTL_OK;
}

void mtl_stream_free(mtl_stream *s) {
  if (!s)
    return;
  if (s->ds) {
    if (s->order)
      for (int k = 0; k < s->K; k++)
        free(s->order[k]);
    free(s->order);
    free(s->perm);
    free(s->local);
  } else if (s->own_f && s->f) {
    fclose(s->f);
  }
  free(s->line);
  free(s->path);
  free(s);
}

int mtl_stream_ntasks(const mtl_stream *s) { return s ? s->K : 0; }
int mtl_stream_dim(const mtl_stream *s) { return s ? s->d : 0; }
int64_t mtl_stream_rounds(const mtl_stream *s) { return s ? s->rounds : -1; }

/* Next sample of a dataset stream: round r holds sample order[k][r] of each
 * task k with n_k > r, in a random task order drawn per round. */
static int next_dataset(mtl_stream *s, int *task, double *x, double *y) {
  for (;;) {
    if (s->pos >= s->K) {
      s->round++;
      if (s->round >= s->rounds)
        return 0;
      for (int k = 0; k < s->K; k++)
        s->perm[k] = k;
      if (s->shuffle)
        mtl__rng_shuffle_int(&s->rng, s->perm, s->K);
      s->pos = 0;
    }
    int k = s->perm[s->pos++], l = s->local ? s->local[k] : k;
    if (l < 0 || s->round >= s->ds->tasks[l].n)
      continue;
    int i = s->order[k][s->round];
    int rc = mtl_dataset_get_row(s->ds, l, i, x);
    if (rc)
      return rc;
    *task = k;
    *y = s->ds->tasks[l].y[i];
    return 1;
  }
}

/* Parses one text line into (task, x, y); 0 for a blank/comment line, 1 for
 * a sample, or an error naming path:line. */
static int parse_line(mtl_stream *s, char *p, int *task, double *x,
                      double *y) {
  while (*p == ' ' || *p == '\t')
    p++;
  if (*p == '\0' || *p == '\n' || *p == '\r' || *p == '#')
    return 0;
  char *end;
  errno = 0;
  long t = strtol(p, &end, 10);
  if (end == p || errno || (*end != ' ' && *end != '\t'))
    return mtl__err(MTL_EFORMAT,
                    "%s:%lld: task id must be an integer 1..%d", s->path,
                    (long long)s->lineno, s->K);
  if (t < 1 || t > s->K)
    return mtl__err(MTL_EFORMAT, "%s:%lld: task id %ld out of range 1..%d",
                    s->path, (long long)s->lineno, t, s->K);
  p = end;
  errno = 0;
  double lab = strtod(p, &end);
  if (end == p || errno)
    return mtl__err(MTL_EFORMAT, "%s:%lld: task %ld: missing or bad label",
                    s->path, (long long)s->lineno, t);
  if (lab == 0)
    lab = -1;
  if (lab != 1 && lab != -1)
    return mtl__err(MTL_EFORMAT,
                    "%s:%lld: task %ld: label %g is not +-1 (or 0/1)",
                    s->path, (long long)s->lineno, t, lab);
  p = end;
  memset(x, 0, (size_t)s->d * sizeof(double));
  long prev = 0;
  for (;;) {
    while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
      p++;
    if (*p == '\0' || *p == '#')
      break;
    errno = 0;
    long j = strtol(p, &end, 10);
    if (end == p || *end != ':' || errno)
      return mtl__err(MTL_EFORMAT,
                      "%s:%lld: task %ld: expected idx:val, got '%.*s'",
                      s->path, (long long)s->lineno, t,
                      (int)(strcspn(p, "\r\n") < 20 ? strcspn(p, "\r\n")
                                                      : 20),
                      p);
    if (j < 1 || j > s->d)
      return mtl__err(MTL_EFORMAT,
                      "%s:%lld: task %ld: feature index %ld out of range "
                      "1..%d",
                      s->path, (long long)s->lineno, t, j, s->d);
    if (j <= prev)
      return mtl__err(MTL_EFORMAT,
                      "%s:%lld: task %ld: feature index %ld not increasing "
                      "(after %ld)",
                      s->path, (long long)s->lineno, t, j, prev);
    p = end + 1;
    errno = 0;
    double v = strtod(p, &end);
    if (end == p || errno || !isfinite(v))
      return mtl__err(MTL_EFORMAT,
                      "%s:%lld: task %ld: bad value for feature %ld", s->path,
                      (long long)s->lineno, t, j);
    x[j - 1] = v;
    prev = j;
    p = end;
  }
  *task = (int)t - 1;
  *y = lab;
  return 1;
}

int mtl_stream_next(mtl_stream *s, int *task, double *x, double *y) {
  if (!s || !task || !x || !y)
    return mtl__err(MTL_EINVAL, "stream_next: NULL argument");
  if (s->ds)
    return next_dataset(s, task, x, y);
  for (;;) {
    ssize_t len = getline(&s->line, &s->line_cap, s->f);
    if (len < 0) {
      if (ferror(s->f) && errno == EINTR) {
        clearerr(s->f); /* a signal, e.g. Ctrl-C: the caller decides */
        return mtl__err(MTL_ECANCELLED, "%s:%lld: read interrupted by a "
                        "signal", s->path, (long long)s->lineno + 1);
      }
      if (ferror(s->f))
        return mtl__err(MTL_EIO, "%s:%lld: read error: %s", s->path,
                        (long long)s->lineno + 1, strerror(errno));
      return 0;
    }
    s->lineno++;
    if ((size_t)len != strlen(s->line))
      return mtl__err(MTL_EFORMAT, "%s:%lld: NUL byte in line", s->path,
                      (long long)s->lineno);
    int rc = parse_line(s, s->line, task, x, y);
    if (rc != 0)
      return rc;
  }
}

typedef struct wt_ctx {
  mtl_stream *s;
  double *x;
} wt_ctx;

static int write_text_body(FILE *f, void *vctx) {
  wt_ctx *c = vctx;
  for (;;) {
    int k;
    double y;
    int r = mtl_stream_next(c->s, &k, c->x, &y);
    if (r < 0)
      return r;
    if (r == 0)
      return MTL_OK;
    fprintf(f, "%d %g", k + 1, y);
    for (int j = 0; j < c->s->d; j++)
      if (c->x[j] != 0)
        fprintf(f, " %d:%.17g", j + 1, c->x[j]);
    fputc('\n', f);
  }
}

int mtl_stream_write_text(mtl_stream *s, const char *path) {
  if (!s || !path)
    return mtl__err(MTL_EINVAL, "stream_write_text: NULL argument");
  wt_ctx c = {s, mtl__malloc((size_t)s->d * sizeof(double))};
  if (!c.x)
    return MTL_ENOMEM;
  int rc = mtl__write_atomic(path, "stream", write_text_body, &c);
  free(c.x);
  return rc;
}
