/*
 * fit_dist.c -- what mtl_fit does before a distributed method runs on a
 * process transport (MPI), where each rank holds only its own tasks (read
 * with the task filter, mtl_read_params.part_count) and the server none:
 * the ranks agree on the task count, the dimension and the samples, fit
 * ONE feature scaler from per-feature sums reduced over the ranks (equal
 * to mtl_scaler_fit on the pooled data up to rounding), and gather every
 * task's resolved loss at rank 0, which builds the model.  All of it over
 * the transport's collectives, so that any process transport has it.
 */
#include "api.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define WHO "mtl_fit"

typedef struct prep {
  const mtl__fit_ctx *c;
  mtl__dist *dp;
  mtl_scaler *sc;
  int stdz, bias;
} prep;

/* Step 1: T, d and the samples agreed; this rank's global task ids. */
static int agree_shape(prep *s, mtl__tr *coll) {
  const mtl_dataset *ds = s->c->ds;
  mtl__dist *dp = s->dp;
  int K = ds ? mtl_dataset_ntasks(ds) : 0, rc = MTL_OK;
  int T = K > 0 ? mtl_dataset_global_tasks(ds) : -1;
  int d = K > 0 ? mtl_dataset_dim(ds) : -1;
  double a[5] = {T, K > 0 ? -T : -INT_MAX, d, K > 0 ? -d : -INT_MAX, 0};
  double n = K > 0 ? (double)mtl_dataset_total_n(ds) : 0;
  if ((rc = mtl__tr_allreduce(coll, a, 4, MTL__OP_MAX)) ||
      (rc = mtl__tr_allreduce(coll, &n, 1, MTL__OP_SUM)))
    return rc;
  if (a[0] < 1)
    return mtl__err(MTL_EINVAL, WHO ": no rank holds any task");
  if (a[0] != -a[1])
    return mtl__err(MTL_EINVAL, WHO ": the ranks' data come from files of "
                                    "different task counts (%g to %g)",
                    -a[1], a[0]);
  if (a[2] != -a[3])
    return mtl__err(MTL_EDIM, WHO ": the ranks' data have different "
                                  "dimensions (%g to %g); give the reader "
                                  "the dimension (dim)",
                    -a[3], a[2]);
  dp->T = (int)a[0];
  dp->d_in = (int)a[2];
  dp->d = dp->d_in + s->bias;
  dp->samples = n;
  dp->K = K;
  dp->gid = mtl__malloc((size_t)(K > 0 ? K : 1) * sizeof(int));
  if (!dp->gid)
    return MTL_ENOMEM;
  for (int t = 0; t < K; t++)
    dp->gid[t] = mtl_dataset_global_task(ds, t);
  return MTL_OK;
}

/* Step 2: the pooled scaler (the two passes of mtl_scaler_fit, each
 * pass's sums reduced over the ranks). */
static int pooled_scaler(prep *s, mtl__tr *coll) {
  int d = s->dp->d_in, rc;
  mtl_scaler *sc = s->sc;
  sc->mean = mtl__calloc((size_t)d, sizeof(double));
  sc->scale = mtl__malloc((size_t)d * sizeof(double));
  double *a = mtl__calloc((size_t)(2 + 3 * d), sizeof(double));
  double *mn = mtl__malloc((size_t)d * sizeof(double));
  double *mx = mtl__malloc((size_t)d * sizeof(double));
  rc = sc->mean && sc->scale && a && mn && mx ? MTL_OK : MTL_ENOMEM;
  if ((rc = mtl__drv_agree(coll, rc, WHO)))
    goto done;
  sc->d = d;
  sc->standardize = s->stdz;
  sc->bias = s->bias;
  for (int j = 0; j < d; j++) {
    sc->scale[j] = 1.0;
    mn[j] = INFINITY;
    mx[j] = -INFINITY;
  }
  if (!s->stdz)
    goto done;
  const mtl_dataset *ds = s->dp->K > 0 ? s->c->ds : NULL;
  mtl__scaler_sums(ds, d, a, mn, mx);
  if ((rc = mtl__tr_allreduce(coll, a, 2 + 2 * d, MTL__OP_SUM)) ||
      (rc = mtl__tr_allreduce(coll, mn, d, MTL__OP_MIN)) ||
      (rc = mtl__tr_allreduce(coll, mx, d, MTL__OP_MAX)))
    goto done;
  mtl__scaler_means(sc, a, mn, mx);
  mtl__scaler_sqdev(ds, sc, a);
  if ((rc = mtl__tr_allreduce(coll, a + 2 + 2 * d, d, MTL__OP_SUM)))
    goto done;
  mtl__scaler_scales(sc, a, mn, mx);
done:
  free(a);
  free(mn);
  free(mx);
  return rc;
}

/* Step 3: every task's resolved loss, gathered at rank 0. */
static int gather_losses(prep *s, mtl__tr *coll) {
  mtl__dist *dp = s->dp;
  const mtl_problem_params *pp = &s->dp->pp;
  int K = dp->K, T = dp->T;
  double *v = mtl__malloc((size_t)(K + 1) * sizeof(double)), *all = NULL;
  int rc = v ? MTL_OK : MTL_ENOMEM;
  for (int i = 0; i < K && !rc; i++) { /* loss + 1: 0 is "no rank" */
    int g = dp->gid[i];
    int l = pp->task_loss ? pp->task_loss[g] : (int)pp->loss;
    v[i] = 1 + mtl__loss_resolve(l, mtl_dataset_task_kind(s->c->ds, i));
  }
  if (!(rc = mtl__drv_agree(coll, rc, WHO)))
    rc = mtl__tr_by_task(coll, K, dp->gid, v, T, &all);
  if (!rc && coll->rank == 0) {
    dp->task_loss = mtl__malloc((size_t)T * sizeof(int));
    rc = dp->task_loss ? MTL_OK : MTL_ENOMEM;
    for (int t = 0; t < T && !rc; t++)
      if ((dp->task_loss[t] = (int)all[t] - 1) < 0)
        rc = mtl__err(MTL_EINVAL, WHO ": no rank holds task %d of %d", t + 1,
                      T);
  }
  rc = mtl__drv_agree(coll, rc, WHO); /* rank 0's check */
  free(v);
  free(all);
  return rc;
}

static int prep_rank(void *ctx, mtl__tr *coll, mtl__tr *role) {
  (void)role;
  prep *s = ctx;
  int rc = mtl__drv_agree(coll, agree_shape(s, coll), WHO);
  if (!rc)
    rc = pooled_scaler(s, coll);
  if (!rc)
    rc = mtl__drv_agree(coll, mtl__fit_problem_params(s->c->p, s->dp->T,
                                                      &s->dp->pp, &s->dp->R),
                        WHO);
  if (!rc)
    rc = gather_losses(s, coll);
  if (rc) /* every step above ends in an agreement */
    return rc;
  if (s->dp->K > 0 &&
      (rc = mtl_scaler_apply(s->sc, s->c->ds, &s->dp->scaled)) < 0)
    rc = mtl__err_prefix(rc, "cannot standardize the data");
  return mtl__drv_agree(coll, rc, WHO);
}

int mtl__dist_prepare(const mtl__fit_ctx *c, mtl__fit_out *o,
                      mtl__dist *dp) {
  memset(dp, 0, sizeof *dp);
  prep s = {c, dp, &o->sc, 0, 0};
  s.stdz = mtl__p_index(c->p, "standardize") >= 0 &&
           mtl__p_num(c->p, "standardize") != 0;
  s.bias = mtl__p_index(c->p, "bias") >= 0 && mtl__p_num(c->p, "bias") != 0;
  int rc = mtl__run_ranks(c->tr, mtl__transport_size(c->tr), prep_rank, &s);
  if (rc < 0)
    return rc;
  o->pp = dp->pp;
  o->R = dp->R; /* o owns them from here */
  dp->R = NULL;
  o->task_loss = dp->task_loss;
  dp->task_loss = NULL;
  o->pp.task_loss = o->task_loss;
  o->d = dp->d;
  o->T = dp->T;
  return MTL_OK;
}

void mtl__dist_clear(mtl__dist *dp) {
  mtl_dataset_free(dp->scaled);
  free(dp->gid);
  free(dp->task_loss);
  free(dp->R);
  memset(dp, 0, sizeof *dp);
}

/* ---- the task sizes of every rank (the online methods' replay) ------------ */

typedef struct sizes {
  const mtl_dataset *ds;
  int K, *n, *gid;
} sizes;

static int sizes_rank(void *ctx, mtl__tr *coll, mtl__tr *role) {
  (void)role;
  sizes *z = ctx;
  int L = z->ds ? mtl_dataset_ntasks(z->ds) : 0;
  double *v = mtl__malloc((size_t)(L + 1) * sizeof(double)), *all = NULL;
  z->gid = mtl__malloc((size_t)(L + 1) * sizeof(int));
  int rc = v && z->gid ? MTL_OK : MTL_ENOMEM;
  for (int t = 0; !rc && t < L; t++) {
    z->gid[t] = mtl_dataset_global_task(z->ds, t);
    v[t] = mtl_dataset_task_n(z->ds, t);
  }
  double K = L > 0 ? mtl_dataset_global_tasks(z->ds) : 0;
  if (!(rc = mtl__drv_agree(coll, rc, WHO)))
    rc = mtl__tr_allreduce(coll, &K, 1, MTL__OP_MAX);
  if (!rc && K < 1)
    rc = mtl__err(MTL_EINVAL, WHO ": no rank holds any task");
  z->K = (int)K;
  if (!rc)
    rc = mtl__tr_by_task(coll, L, z->gid, v, z->K, &all);
  if (!rc && !(z->n = mtl__malloc((size_t)z->K * sizeof(int))))
    rc = MTL_ENOMEM;
  for (int k = 0; !rc && k < z->K; k++)
    z->n[k] = (int)all[k];
  free(v);
  free(all);
  return rc;
}

int mtl__dist_sizes(const mtl_transport *t, const mtl_dataset *ds, int *K,
                    int **n, int **gid) {
  sizes z = {ds, 0, NULL, NULL};
  int rc = mtl__run_ranks(t, mtl__transport_size(t), sizes_rank, &z);
  if (rc < 0) {
    free(z.n);
    free(z.gid);
    return rc;
  }
  *K = z.K;
  *n = z.n;
  *gid = z.gid;
  return MTL_OK;
}
