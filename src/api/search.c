/*
 * search.c -- a grid over any method's parameters, scored by k-fold
 * cross-validation within each task, by one validation split, or fitted
 * on all the data (a path).  Every grid point is fitted through the same
 * mtl__fit_run as mtl_fit; methods with a fit_path (batch) run a grid over
 * lambda alone as one warm-started path per fold.
 */
#include "api.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void mtl_search_free(mtl_search *s) {
  if (!s)
    return;
  for (int j = 0; s->names && j < s->nvar; j++)
    free(s->names[j]);
  for (int i = 0; s->values && i < s->npoints * s->nvar; i++)
    free(s->values[i]);
  for (int i = 0; s->models && i < s->npoints; i++)
    mtl_model_free(s->models[i]);
  free(s->names);
  free(s->values);
  free(s->models);
  free(s->err);
  free(s->err_sd);
  free(s->obj);
  free(s->iters);
  free(s->secs);
  free(s->status);
  for (int f = 0; s->warm && f < s->nwarm; f++)
    free(s->warm[f]);
  free(s->warm);
  mtl_params_free(s->base);
  free(s);
}

/* ---- scoring --------------------------------------------------------------- */

/* Mean over tasks of RMSE (regression) or error rate (classification),
 * each weighted by the sample weights; tasks whose weights are all 0 are
 * left out (mtl__task_error). */
static int task_avg_error(const mtl_model *m, const mtl_dataset *val,
                          double *err) {
  int64_t N = mtl_dataset_total_n(val);
  double *pred = mtl__malloc((size_t)(N > 0 ? N : 1) * sizeof *pred);
  if (!pred)
    return MTL_ENOMEM;
  int rc = mtl_model_predict(m, val, pred), k = 0;
  double sum = 0;
  int64_t off = 0;
  for (int t = 0; rc >= 0 && t < mtl_dataset_ntasks(val); t++) {
    int n = mtl_dataset_task_n(val, t);
    double e = mtl__task_error(mtl_dataset_task_kind(val, t),
                               mtl_dataset_task_y(val, t), pred + off,
                               mtl_dataset_task_sample_weights(val, t), n);
    if (!isnan(e))
      sum += e, k++;
    off += n;
  }
  free(pred);
  *err = k ? sum / k : NAN;
  return rc;
}

static void set_metric(mtl_search *s, const mtl_dataset *ds) {
  int reg = 0, cls = 0;
  for (int t = 0; t < mtl_dataset_ntasks(ds); t++)
    if (mtl_dataset_task_kind(ds, t) == MTL_TASK_CLASSIFICATION)
      cls = 1;
    else
      reg = 1;
  snprintf(s->metric, sizeof s->metric, "%s",
           reg && cls ? "rmse/error_rate" : (cls ? "error_rate" : "rmse"));
}

/* The parameters of point i over s->base. */
mtl_params *mtl_search_params(const mtl_search *s, int i) {
  if (!s || i < 0 || i >= s->npoints) {
    mtl__err(MTL_EINVAL, "search: point %d out of range", i);
    return NULL;
  }
  mtl_params *p = mtl_params_copy(s->base);
  for (int j = 0; p && j < s->nvar; j++)
    if (mtl_params_set(p, s->names[j], s->values[i * s->nvar + j]) < 0) {
      mtl_params_free(p);
      return NULL;
    }
  return p;
}

/* One part's (fold's) results per point, summed over parts in part order
 * afterwards, so that the folds may run on several threads and still give
 * the bits of one. */
typedef struct part_acc {
  double *obj, *iters, *secs, *err, *sq; /* npoints each */
  int *maxiter;
  int rc;
  char msg[512]; /* the error message of a part run on a worker */
  double *wlast;  /* a path's W at its last (smallest) lambda, or NULL */
} part_acc;

/* A point's parameters on a fold worker w: one thread (the folds are the
 * parallel work) and w's progress callback. */
static int as_worker(mtl_params *p, const mtl_params *w) {
  p->progress = w->progress;
  p->progress_ctx = w->progress_ctx;
  return mtl__p_index(p, "threads") >= 0 ? mtl_params_set(p, "threads", "1")
                                         : MTL_OK;
}

/* Records the results of point i on one part (fold). */
static void account(part_acc *a, int i, const mtl_fit_info *in,
                    double err) {
  a->obj[i] += mtl_fit_info_number(in, "objective");
  a->iters[i] += mtl_fit_info_number(in, "iterations");
  a->secs[i] += mtl_fit_info_number(in, "seconds");
  const char *st = mtl_fit_info_get(in, "status");
  if (mtl__status_stopped(st))
    a->maxiter[i] = 1;
  a->err[i] += err;
  a->sq[i] += err * err;
}

/* Fits every point on train, scores on val (NULL: keeps the models). */
static int run_points(mtl_search *s, const mtl__fit_ctx *c0,
                      const mtl_dataset *train, const mtl_dataset *val,
                      part_acc *acc) {
  int rc = MTL_OK;
  for (int i = 0; i < s->npoints && rc >= 0; i++) {
    mtl_params *p = mtl_search_params(s, i);
    if (!p)
      return MTL_ENOMEM;
    mtl__fit_ctx c = *c0;
    c.ds = train;
    c.p = p;
    mtl__fit_out o;
    mtl_model *m = NULL;
    double err = NAN;
    rc = c0->p != s->base ? as_worker(p, c0->p) : MTL_OK;
    rc = rc < 0 ? rc : mtl__fit_run(&c, &o, &m);
    if (rc >= 0 && val)
      rc = task_avg_error(m, val, &err);
    if (rc >= 0)
      account(acc, i, o.info, err);
    if (rc >= 0 && !val)
      s->models[i] = m, m = NULL;
    mtl_model_free(m);
    mtl__fit_out_clear(&o);
    mtl_params_free(p);
  }
  return rc;
}

/* Keeps a copy of m's W (the path's last point) in a->wlast. */
static int keep_last(part_acc *a, const mtl_model *m) {
  size_t n = (size_t)mtl_model_dim(m) * (size_t)mtl_model_ntasks(m);
  free(a->wlast);
  if (!(a->wlast = mtl__malloc(n * sizeof(double))))
    return MTL_ENOMEM;
  memcpy(a->wlast, mtl_model_W(m), n * sizeof(double));
  return MTL_OK;
}

/* The batch path: one warm-started run over the lambdas of the grid. */
static int run_path(mtl_search *s, const mtl__fit_ctx *c0,
                    const mtl_dataset *train, const mtl_dataset *val,
                    part_acc *acc) {
  int n = s->npoints, rc = MTL_OK;
  double *lam = mtl__malloc((size_t)n * sizeof *lam);
  mtl__fit_out *outs = mtl__calloc((size_t)n, sizeof *outs);
  if (!lam || !outs) {
    rc = MTL_ENOMEM;
    goto done;
  }
  for (int i = 0; i < n && rc >= 0; i++) {
    lam[i] = strtod(s->values[i], NULL);
    rc = mtl__fit_begin(&outs[i], s->base->m);
  }
  mtl__fit_ctx c = *c0;
  c.ds = train;
  if (rc >= 0)
    rc = s->base->m->fit_path(&c, lam, n, outs);
  for (int i = 0; i < n && rc >= 0; i++) {
    mtl_params *p = mtl_search_params(s, i);
    mtl_model *m = NULL;
    double err = NAN;
    rc = p ? mtl__fit_finish(&outs[i], p, -1, NAN, &m) : MTL_ENOMEM;
    if (rc >= 0 && val)
      rc = task_avg_error(m, val, &err);
    if (rc >= 0)
      account(acc, i, outs[i].info, err);
    if (rc >= 0 && val && i == n - 1)
      rc = keep_last(acc, m);
    if (rc >= 0 && !val)
      s->models[i] = m, m = NULL;
    mtl_model_free(m);
    mtl_params_free(p);
  }
done:
  for (int i = 0; outs && i < n; i++)
    mtl__fit_out_clear(&outs[i]);
  free(outs);
  free(lam);
  return rc;
}

/* The parts: fold f of k, the holdout split, or all of ds. */
static int make_part(const mtl_dataset *ds, int folds, double holdout,
                     uint64_t seed, int f, mtl_dataset **train,
                     mtl_dataset **val) {
  *train = *val = NULL;
  if (folds >= 2)
    return mtl_dataset_kfold(ds, folds, f, seed, train, val);
  if (holdout > 0)
    return mtl_dataset_split(ds, 1.0 - holdout, seed, train, val);
  return MTL_OK;
}

static int check_args(const mtl_dataset *ds, const mtl_params *p,
                      const mtl_transport *tr, int folds, double holdout,
                      mtl_search **out) {
  if (!ds || !p || !out)
    return mtl__err(MTL_EINVAL, "mtl_search_run: NULL argument");
  if (!mtl__transport_local(tr))
    return mtl__err(MTL_EUNSUPPORTED, "mtl_search_run: the search runs in "
                                      "one process; the %s transport is "
                                      "for mtl_fit",
                    mtl_transport_name(tr));
  if (folds == 1 || folds < 0 || folds > 1000)
    return mtl__err(MTL_EINVAL, "search: folds = %d must be 0 or 2..1000",
                    folds);
  if (folds >= 2 && holdout != 0)
    return mtl__err(MTL_EINVAL, "search: folds and holdout are "
                                "alternatives");
  if (!(holdout >= 0 && holdout < 1))
    return mtl__err(MTL_EINVAL, "search: holdout = %g must be in [0, 1)",
                    holdout);
  for (int t = 0; folds >= 2 && t < mtl_dataset_ntasks(ds); t++)
    if (mtl_dataset_task_n(ds, t) < folds)
      return mtl__err(MTL_EINVAL, "search: task %d (%s) has %d samples, "
                                  "fewer than %d folds",
                      t + 1, mtl_dataset_task_name(ds, t),
                      mtl_dataset_task_n(ds, t), folds);
  return MTL_OK;
}

/* ---- the parts, on the caller's thread or on a pool of fold workers ------ */

typedef struct parts_job {
  mtl_search *s;
  mtl__fit_ctx c;
  const mtl_dataset *ds;
  int folds;
  double holdout;
  uint64_t seed;
  part_acc *acc;   /* one per part */
  mtl_params **wp; /* per worker: the base with threads = 1 (NULL: base) */
  double **w0;     /* per part: the path's warm start, or NULL */
} parts_job;

/* Part f: its split, its fits (one warm-started path when the grid is over
 * lambda alone and the method has one), its scores into j->acc[f]. */
static int run_part(parts_job *j, int f, const mtl_params *wp) {
  mtl_search *s = j->s;
  mtl_dataset *train = NULL, *val = NULL;
  mtl__fit_ctx c = j->c;
  c.p = wp ? wp : s->base;
  c.W0 = j->w0 ? j->w0[f] : NULL;
  int path = s->nvar == 1 && strcmp(s->names[0], "lambda") == 0 &&
             s->base->m->fit_path;
  int rc = make_part(j->ds, j->folds, j->holdout, j->seed, f, &train, &val);
  const mtl_dataset *tds = train ? train : j->ds;
  if (rc >= 0)
    rc = path ? run_path(s, &c, tds, val, &j->acc[f])
              : run_points(s, &c, tds, val, &j->acc[f]);
  mtl_dataset_free(train);
  mtl_dataset_free(val);
  return rc;
}

static void parts_range(void *ctx, int lo, int hi, int worker) {
  parts_job *j = ctx;
  for (int f = lo; f < hi; f++) {
    part_acc *a = &j->acc[f];
    a->rc = run_part(j, f, j->wp ? j->wp[worker] : NULL);
    if (a->rc < 0) {
      snprintf(a->msg, sizeof a->msg, "%s", mtl_last_error());
      break;
    }
  }
}

/* Fold workers: the method's threads parameter (0 = all CPUs), at most one
 * per part; each fold's fits then run on one thread and OpenBLAS runs
 * single-threaded, as whenever libmtl runs threads of its own.  Workers
 * other than the caller's report no progress. */
static int fold_workers(const mtl_params *base, int parts) {
  if (parts < 2 || mtl__p_index(base, "threads") < 0)
    return 1;
  int th = mtl__p_int(base, "threads");
  if (th <= 0) {
    long c = sysconf(_SC_NPROCESSORS_ONLN);
    th = c > 0 ? (int)c : 1;
  }
  return th < parts ? th : parts;
}

/* The accumulators of every part, and the workers' parameters. */
static int parts_alloc(parts_job *j, int parts, int nw, double **buf,
                       int **mi) {
  size_t n = (size_t)j->s->npoints;
  int rc = MTL_OK;
  *buf = mtl__calloc((size_t)parts * 5 * n, sizeof **buf);
  *mi = mtl__calloc((size_t)parts * n, sizeof **mi);
  j->acc = mtl__calloc((size_t)parts, sizeof *j->acc);
  if (nw > 1 && (j->wp = mtl__calloc((size_t)nw, sizeof *j->wp)))
    for (int w = 0; w < nw && rc >= 0; w++) {
      j->wp[w] = mtl_params_copy(j->s->base);
      rc = j->wp[w] ? as_worker(j->wp[w], j->s->base) : MTL_ENOMEM;
      if (rc >= 0 && w > 0)
        j->wp[w]->progress = NULL;
    }
  if (!*buf || !*mi || !j->acc || (nw > 1 && !j->wp))
    return MTL_ENOMEM;
  for (int f = 0; rc >= 0 && f < parts; f++) {
    double *b = *buf + (size_t)f * 5 * n;
    j->acc[f] = (part_acc){.obj = b, .iters = b + n, .secs = b + 2 * n,
                           .err = b + 3 * n, .sq = b + 4 * n,
                           .maxiter = *mi + (size_t)f * n};
  }
  return rc;
}

/* Moves the parts' last path points into s->warm (where every part has
 * one: a validated lambda path), replacing the previous ones. */
static int keep_warm(mtl_search *s, part_acc *acc, int parts) {
  for (int f = 0; f < parts; f++)
    if (!acc[f].wlast)
      return MTL_OK;
  double **w = mtl__calloc((size_t)parts, sizeof *w);
  if (!w)
    return MTL_ENOMEM;
  for (int f = 0; f < s->nwarm; f++)
    free(s->warm[f]);
  free(s->warm);
  for (int f = 0; f < parts; f++)
    w[f] = acc[f].wlast, acc[f].wlast = NULL;
  s->warm = w;
  s->nwarm = parts;
  s->warm_lambda = strtod(s->values[s->npoints - 1], NULL);
  return MTL_OK;
}

/* Runs every part and adds their results, in part order, into s and sq. */
static int run_parts(parts_job *j, int parts, double *sq) {
  mtl_search *s = j->s;
  size_t n = (size_t)s->npoints;
  int nw = fold_workers(s->base, parts);
  mtl__pool *pool = NULL;
  double *buf = NULL;
  int *mi = NULL;
  int rc = parts_alloc(j, parts, nw, &buf, &mi);
  /* the fits of a search are many and small: OpenBLAS's threads only spin
   * in them (measured: `mtl cv` of bench/cv_speed.sh's L2,1 problem on one
   * thread spent 5.8 s of system time beside 24 s of user time), so BLAS
   * runs on the calling threads for the search and is restored after. */
  int bt = mtl__blas_serial_begin();
  if (rc >= 0 && nw > 1 && (rc = mtl__pool_create(nw, &pool)) >= 0) {
    mtl__blas_single_thread();
    mtl__pool_run(pool, parts, parts_range, j);
  } else if (rc >= 0) {
    parts_range(j, 0, parts, 0);
  }
  mtl__blas_serial_end(bt);
  for (int f = 0; rc >= 0 && f < parts; f++)
    if ((rc = j->acc[f].rc) < 0 && nw > 1)
      mtl__err(rc, "%s", j->acc[f].msg); /* the worker's message, here */
  for (int f = 0; rc >= 0 && f < parts; f++)
    for (size_t i = 0; i < n; i++) {
      const part_acc *a = &j->acc[f];
      s->obj[i] += a->obj[i];
      s->iters[i] += a->iters[i];
      s->secs[i] += a->secs[i];
      s->err[i] += a->err[i];
      sq[i] += a->sq[i];
      if (a->maxiter[i])
        s->status[i] = MTL_MAXITER;
    }
  mtl__pool_free(pool);
  if (rc >= 0)
    rc = keep_warm(s, j->acc, parts);
  for (int f = 0; j->acc && f < parts; f++)
    free(j->acc[f].wlast);
  for (int w = 0; j->wp && w < nw; w++)
    mtl_params_free(j->wp[w]);
  free(j->wp);
  free(j->acc);
  free(mi);
  free(buf);
  return rc;
}

static int alloc_tables(mtl_search *s, int keep_models) {
  size_t n = (size_t)s->npoints;
  s->err = mtl__calloc(n, sizeof *s->err);
  s->err_sd = mtl__calloc(n, sizeof *s->err_sd);
  s->obj = mtl__calloc(n, sizeof *s->obj);
  s->iters = mtl__calloc(n, sizeof *s->iters);
  s->secs = mtl__calloc(n, sizeof *s->secs);
  s->status = mtl__calloc(n, sizeof *s->status);
  if (keep_models)
    s->models = mtl__calloc(n, sizeof *s->models);
  if (!s->err || !s->err_sd || !s->obj || !s->iters || !s->secs ||
      !s->status || (keep_models && !s->models))
    return MTL_ENOMEM;
  for (size_t i = 0; i < n; i++)
    s->status[i] = MTL_CONVERGED;
  return MTL_OK;
}

/* Means over parts, standard deviations, the best point. */
static void summarize(mtl_search *s, int parts, const double *sq) {
  s->best = s->npoints - 1;
  for (int i = 0; i < s->npoints; i++) {
    s->obj[i] /= parts;
    s->iters[i] /= parts;
    s->secs[i] /= parts;
    if (!s->validated) {
      s->err[i] = s->err_sd[i] = NAN;
      continue;
    }
    double m = s->err[i] / parts;
    double v = sq[i] / parts - m * m;
    s->err[i] = m;
    s->err_sd[i] = parts > 1 ? sqrt(fmax(v, 0) * parts / (parts - 1)) : NAN;
  }
  if (!s->validated)
    return;
  s->best = 0;
  for (int i = 1; i < s->npoints; i++)
    if (s->err[i] < s->err[s->best] ||
        (isnan(s->err[s->best]) && !isnan(s->err[i])))
      s->best = i;
}

int mtl_search_run(const mtl_dataset *ds, const mtl_params *p,
                   const mtl_transport *tr, const char *grid, int folds,
                   double holdout, uint64_t seed, mtl_search **out) {
  int rc = check_args(ds, p, tr, folds, holdout, out);
  if (rc < 0)
    return rc;
  *out = NULL;
  if ((rc = mtl__fit_check_weights(p->m, ds)) < 0)
    return rc;
  mtl_search *s = mtl__calloc(1, sizeof *s);
  double *sq = NULL;
  if (!s || !(s->base = mtl_params_copy(p))) {
    mtl_search_free(s);
    return MTL_ENOMEM;
  }
  s->validated = folds >= 2 || holdout > 0;
  s->folds = folds;
  s->holdout = holdout;
  s->seed = seed;
  mtl__fit_ctx c = {.ds = ds, .p = s->base, .tr = tr,
                    .select = s->validated};
  set_metric(s, ds);
  rc = mtl__search_build_grid(s, &c, grid);
  rc = rc < 0 ? rc : alloc_tables(s, !s->validated);
  if (rc >= 0 && !(sq = mtl__calloc((size_t)s->npoints, sizeof *sq)))
    rc = MTL_ENOMEM;
  int parts = folds >= 2 ? folds : 1;
  parts_job job = {.s = s, .c = c, .ds = ds, .folds = folds,
                   .holdout = holdout, .seed = seed};
  if (rc >= 0)
    rc = run_parts(&job, parts, sq);
  if (rc >= 0)
    summarize(s, parts, sq);
  free(sq);
  if (rc < 0) {
    mtl_search_free(s);
    return rc;
  }
  *out = s;
  return MTL_OK;
}


/* ---- extending a grid past its edge -------------------------------------- */

#define EXTEND_N 3

/* Up to EXTEND_N values past edge e (-1 low, +1 high) of the one-parameter
 * grid of s, nearest first, each valid for the parameter.  Returns their
 * number. */
static int past_edge(const mtl_search *s, int e, double *out) {
  double v = e < 0 ? INFINITY : -INFINITY, u = NAN;
  for (int i = 0; i < s->npoints; i++) {
    double x = mtl__search_x(s, i, 0);
    v = e < 0 ? fmin(v, x) : fmax(v, x);
  }
  for (int i = 0; i < s->npoints; i++) { /* the neighbour of the edge */
    double x = mtl__search_x(s, i, 0);
    if (x != v && (isnan(u) || (e < 0 ? x < u : x > u)))
      u = x;
  }
  if (isnan(u) || (e > 0 && s->path_top))
    return 0;
  mtl_params *chk = mtl_params_copy(s->base);
  int n = 0;
  for (int k = 1; chk && k <= EXTEND_N; k++) {
    double r = fmin(fmax(v / u, 0.1), 10); /* a decade at most */
    double x = v > 0 && u > 0 ? v * pow(r, k) : v + (v - u) * k;
    char buf[40]; /* 12 digits: 1e-05, not 1.0000000000000003e-05 */
    snprintf(buf, sizeof buf, "%.12g", x);
    x = strtod(buf, NULL);
    if (!isfinite(x) || mtl_params_set(chk, s->names[0], buf) < 0 ||
        mtl_params_get_number(chk, s->names[0]) != x)
      break;
    out[n++] = x;
  }
  mtl_params_free(chk);
  return n;
}

/* A search of the n values v (nearest first) on the parts of s. */
static int run_values(const mtl_search *s, const mtl_dataset *ds,
                      const mtl_transport *tr, const double *v, int n,
                      mtl_search **out) {
  mtl_search *t = mtl__calloc(1, sizeof *t);
  double *sq = mtl__calloc((size_t)n, sizeof *sq);
  int rc = t && sq && (t->base = mtl_params_copy(s->base)) ? MTL_OK
                                                          : MTL_ENOMEM;
  if (rc >= 0) {
    *t = (mtl_search){.base = t->base, .nvar = 1, .npoints = n,
                      .validated = 1, .folds = s->folds,
                      .holdout = s->holdout, .seed = s->seed};
    memcpy(t->metric, s->metric, sizeof t->metric);
    t->names = mtl__calloc(1, sizeof *t->names);
    t->values = mtl__calloc((size_t)n, sizeof *t->values);
    rc = t->names && t->values && (t->names[0] = mtl__strdup(s->names[0]))
             ? alloc_tables(t, 0)
             : MTL_ENOMEM;
  }
  for (int i = 0; rc >= 0 && i < n; i++) {
    char buf[40];
    snprintf(buf, sizeof buf, "%.17g", v[i]);
    rc = (t->values[i] = mtl__strdup(buf)) ? MTL_OK : MTL_ENOMEM;
  }
  int parts = s->folds >= 2 ? s->folds : 1;
  /* new lambdas below the path's last: start each part where it ended (the
   * path's warm start, instead of a cold start at the first new lambda) */
  int below = s->warm && s->nwarm == parts;
  for (int i = 0; below && i < n; i++)
    below = v[i] < s->warm_lambda;
  parts_job job = {.s = t, .ds = ds, .folds = s->folds,
                   .holdout = s->holdout, .seed = s->seed,
                   .w0 = below ? s->warm : NULL,
                   .c = {.ds = ds, .p = t ? t->base : NULL, .tr = tr,
                         .select = 1}};
  rc = rc < 0 ? rc : run_parts(&job, parts, sq);
  if (rc >= 0)
    summarize(t, parts, sq);
  free(sq);
  if (rc < 0)
    mtl_search_free(t);
  else
    *out = t;
  return rc;
}

/* Moves point i of t to row k of s (whose arrays have room). */
static void move_point(mtl_search *s, int k, mtl_search *t, int i) {
  s->values[k] = t->values[i];
  t->values[i] = NULL;
  s->err[k] = t->err[i];
  s->err_sd[k] = t->err_sd[i];
  s->obj[k] = t->obj[i];
  s->iters[k] = t->iters[i];
  s->secs[k] = t->secs[i];
  s->status[k] = t->status[i];
}

/* Puts the points of t before (front) or after the points of s, the
 * farthest from the edge outermost; a new point is the best only with a
 * strictly lower error. */
static int merge(mtl_search *s, mtl_search *t, int front) {
  int n = s->npoints, m = t->npoints, N = n + m;
  char **values = realloc(s->values, (size_t)N * sizeof *values);
  if (values)
    s->values = values;
  double **cols[5] = {&s->err, &s->err_sd, &s->obj, &s->iters, &s->secs};
  for (int c = 0; values && c < 5; c++) {
    double *a = realloc(*cols[c], (size_t)N * sizeof *a);
    if (!a)
      return MTL_ENOMEM;
    *cols[c] = a;
  }
  int *st = values ? realloc(s->status, (size_t)N * sizeof *st) : NULL;
  if (!st)
    return MTL_ENOMEM;
  s->status = st;
  if (front) { /* shift the old points up by m */
    memmove(s->values + m, s->values, (size_t)n * sizeof *s->values);
    for (int c = 0; c < 5; c++)
      memmove(*cols[c] + m, *cols[c], (size_t)n * sizeof(double));
    memmove(s->status + m, s->status, (size_t)n * sizeof *s->status);
    s->best += m;
  }
  for (int i = 0; i < m; i++)
    move_point(s, front ? m - 1 - i : n + i, t, i);
  s->npoints = N;
  int best = s->best;
  for (int k = 0; k < N; k++)
    if (s->err[k] < s->err[best])
      best = k;
  s->best = best;
  return MTL_OK;
}

int mtl_search_extend(mtl_search *s, const mtl_dataset *ds,
                      const mtl_transport *tr, int rounds, int *added) {
  if (!s || !ds || !added)
    return mtl__err(MTL_EINVAL, "mtl_search_extend: NULL argument");
  *added = 0;
  if (!s->validated || s->nvar != 1)
    return MTL_OK;
  int rc = MTL_OK;
  for (int r = 0; r < rounds && rc >= 0; r++) {
    int e = mtl_search_edge(s, 0);
    double v[EXTEND_N];
    int n = e ? past_edge(s, e, v) : 0;
    if (n == 0)
      break;
    /* the new points go next to the edge value: first row or last */
    int front = mtl__search_x(s, 0, 0) == mtl__search_x(s, s->best, 0);
    mtl_search *t = NULL;
    rc = run_values(s, ds, tr, v, n, &t);
    if (rc >= 0 && t->warm && !(s->warm && s->warm_lambda < t->warm_lambda)) {
      double **w = s->warm;
      int nw = s->nwarm;
      s->warm = t->warm, s->nwarm = t->nwarm;
      s->warm_lambda = t->warm_lambda;
      t->warm = w, t->nwarm = nw; /* freed with t */
    }
    rc = rc < 0 ? rc : merge(s, t, front);
    mtl_search_free(t);
    if (rc >= 0)
      *added += n;
  }
  return rc;
}
