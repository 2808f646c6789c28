/*
 * async_ckpt.c -- the checkpoint hook of the async / SMTL server (see
 * async.c; the same on threads and on MPI ranks; cx->ckpt is NULL when no
 * checkpoint was asked for).
 */
#include "async_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- checkpoint hook (cx->ckpt, NULL without checkpoints) ------------------
 * The server's whole state after update k: V, the counters, the per-node
 * statistics and the last trace snapshot (O(d T) in all).  SMTL checkpoints at the end of an
 * iteration, when no node holds anything, so a resumed run repeats exactly
 * the remaining iterations; AMTL checkpoints after an update, and on resume
 * every node simply gets a fresh column (the columns in flight are lost,
 * which an asynchronous method tolerates). */
/* The problem a checkpoint belongs to: regularizer, lambda, ridge,
 * unpenalized last row, loss. */
#define NPROB 5
static void problem_of(const mtl__srv *s, double prob[NPROB]) {
  const mtl__async_ctx *cx = s->cx;
  prob[0] = cx->reg.type;
  prob[1] = cx->reg.lambda;
  prob[2] = cx->reg.ridge;
  prob[3] = cx->unpenalized_last;
  prob[4] = cx->loss;
}

/* A checkpoint of another problem is refused, naming what differs (older
 * checkpoints without the record are taken as they are). */
static const double *ck_var(const mtl__ckfile *f, const char *name,
                            int64_t n) {
  for (int i = 0; i < f->nvar; i++)
    if (!strcmp(f->v[i].name, name) && f->v[i].n == n)
      return f->v[i].x;
  return NULL;
}

static int check_problem(const mtl__srv *s, const mtl__ckfile *f,
                         const char *path) {
  static const char *const what[NPROB] = {
      "regularizer", "lambda", "ridge", "unpenalized last row (bias)",
      "loss"};
  const double *q = ck_var(f, "problem", NPROB);
  double prob[NPROB];
  problem_of(s, prob);
  for (int i = 0; q && i < NPROB; i++)
    if (q[i] != prob[i])
      return mtl__err(MTL_EINVAL, "checkpoint '%s' belongs to another "
                                  "problem: its %s is %.17g, this run's "
                                  "%.17g (resume continues the same "
                                  "problem only)",
                      path, what[i], q[i], prob[i]);
  const double *fp = ck_var(f, "data", s->T);
  for (int t = 0; fp && s->cx->data_fp && t < s->T; t++)
    if (fp[t] != s->cx->data_fp[t])
      return mtl__err(MTL_EINVAL, "checkpoint '%s' belongs to other data: "
                                  "task %d's samples differ from the "
                                  "checkpointed run's (resume continues "
                                  "the same problem only)",
                      path, t + 1);
  return MTL_OK;
}

int mtl__srv_ckpt_write(mtl__srv *s) {
  mtl__ckpt *ck = s->cx->ckpt;
  mtl__ckfile f;
  memset(&f, 0, sizeof f);
  int d = s->d, T = s->T, P = s->P, rc;
  size_t dT = (size_t)d * T;
  double *tmp = mtl__malloc((size_t)(P > T ? P : T) * 2 * sizeof(double));
  if (!tmp)
    return MTL_ENOMEM;
  snprintf(f.kind, sizeof f.kind, "%s",
           s->ap->mode == MTL_ASYNC_SMTL ? "smtl" : "amtl");
  double hdr[12] = {d, T, P, (double)s->k, s->tau_max, s->tau_sum,
                    (double)s->over, (double)s->capped, 1,
                    s->rec_every, s->eta, s->L};
  rc = mtl__ck_put(&f, "header", hdr, 12);
  if (!rc) { /* the auto step policy's state */
    double au[2] = {s->eta_auto, s->res_prev};
    rc = mtl__ck_put(&f, "auto_step", au, 2);
  }
  if (!rc) { /* the problem, so that a resume cannot mix two */
    double prob[NPROB];
    problem_of(s, prob);
    rc = mtl__ck_put(&f, "problem", prob, NPROB);
  }
  if (!rc && s->cx->data_fp)
    rc = mtl__ck_put(&f, "data", s->cx->data_fp, T);
  if (!rc)
    rc = mtl__ck_put(&f, "V", s->V, (int64_t)dT);
  for (int t = 0; t < T && !rc; t++)
    tmp[t] = (double)s->task_upd[t];
  if (!rc)
    rc = mtl__ck_put(&f, "task_upd", tmp, T);
  if (!rc)
    rc = mtl__ck_put(&f, "relchg", s->relchg, T);
  for (int r = 0; r < P && !rc; r++) {
    tmp[r] = s->node_next[r];
    tmp[P + r] = (double)s->node_upd[r];
  }
  if (!rc)
    rc = mtl__ck_put(&f, "node_next", tmp, P);
  if (!rc)
    rc = mtl__ck_put(&f, "node_upd", tmp + P, P);
  for (int r = 0; r < P && !rc; r++)
    tmp[r] = (double)s->node_ndel[r];
  if (!rc)
    rc = mtl__ck_put(&f, "node_ndel", tmp, P);
  if (!rc)
    rc = mtl__ck_put(&f, "node_del", s->node_del, P);
  if (!rc)
    rc = mtl__ck_put(&f, "node_inj", s->node_inj, P);
  if (!rc)
    rc = mtl__ck_put(&f, "node_mult", s->node_mult, P);
  /* the last trace snapshot only: a checkpoint is O(d T) however long
   * the run has gone (the resumed run's trace starts from it) */
  int last = s->nrec - 1;
  if (!rc)
    rc = mtl__ck_put(&f, "recV", s->recV + (size_t)last * dT, (int64_t)dT);
  if (!rc)
    rc = mtl__ck_put(&f, "rec_t", s->rec_t + last, 1);
  if (!rc)
    rc = mtl__ck_put(&f, "rec_k", s->rec_k + last, 1);
  if (!rc)
    rc = mtl__ck_write(&f, ck->path);
  if (!rc) {
    ck->written++;
    ck->last = mtl__now();
  }
  mtl__ck_clear(&f);
  free(tmp);
  return rc;
}

/* Every `every` units, or (every 0) when `seconds` have passed since the
 * last checkpoint (or the start): the default, whose cost is one write
 * per interval whatever the speed of the run. */
int mtl__srv_ckpt_due(mtl__srv *s, int64_t unit) {
  mtl__ckpt *ck = s->cx->ckpt;
  if (!ck || !ck->path || unit <= 0)
    return 0;
  if (ck->every > 0)
    return unit % ck->every == 0;
  double now = mtl__now();
  if (ck->last <= 0)
    ck->last = now; /* the first call: the interval starts here */
  return ck->seconds > 0 && now - ck->last >= ck->seconds;
}

/* What V determines: the row norms or the online SVD. */
static int rebuild(mtl__srv *s) {
  int d = s->d, T = s->T;
  if (s->use_rows)
    mtl__srv_rows_recompute(s);
  if (!s->use_osvd)
    return MTL_OK;
  for (int t = 0; t < T; t++)
    memcpy(s->pk + (size_t)t * s->dp, s->V + (size_t)t * d,
           (size_t)s->dp * sizeof(double));
  mtl__osvd_clear(&s->os);
  return mtl__osvd_init(&s->os, s->dp, T, s->pk, s->ap->osvd_refresh);
}

/* Loads the state written by srv_ckpt_write (same problem, mode, nodes and
 * step: checked) and rebuilds the online SVD / row norms from V. */
int mtl__srv_ckpt_resume(mtl__srv *s) {
  const char *path = s->cx->ckpt->resume;
  mtl__ckfile f;
  int d = s->d, T = s->T, P = s->P, rc;
  size_t dT = (size_t)d * T;
  if ((rc = mtl__ck_read(path, &f)))
    return rc;
  const char *want = s->ap->mode == MTL_ASYNC_SMTL ? "smtl" : "amtl";
  const double *h = mtl__ck_get(&f, path, "header", 12);
  rc = MTL_EFORMAT;
  if (!h)
    goto done;
  if (strcmp(f.kind, want) || h[0] != d || h[1] != T || h[2] != P ||
      h[10] != s->eta) {
    rc = mtl__err(MTL_EINVAL,
                  "checkpoint '%s' is of a %s run with d = %g, T = %g, %g "
                  "nodes, eta = %.17g; this %s run has d = %d, T = %d, %d "
                  "nodes, eta = %.17g",
                  path, f.kind, h[0], h[1], h[2], h[10], want, d, T, P,
                  s->eta);
    goto done;
  }
  if ((rc = check_problem(s, &f, path)))
    goto done;
  rc = MTL_EFORMAT;
  int nrec = (int)h[8];
  if (nrec < 1 || nrec > s->maxrec) {
    rc = mtl__err(MTL_EFORMAT, "checkpoint '%s': %d snapshots (max_records "
                               "%d)",
                  path, nrec, s->maxrec);
    goto done;
  }
  const double *V = mtl__ck_get(&f, path, "V", (int64_t)dT);
  const double *tu = mtl__ck_get(&f, path, "task_upd", T);
  const double *rel = mtl__ck_get(&f, path, "relchg", T);
  const double *nn = mtl__ck_get(&f, path, "node_next", P);
  const double *nu = mtl__ck_get(&f, path, "node_upd", P);
  const double *nd = mtl__ck_get(&f, path, "node_ndel", P);
  const double *dl = mtl__ck_get(&f, path, "node_del", P);
  const double *inj = mtl__ck_get(&f, path, "node_inj", P);
  const double *mu = mtl__ck_get(&f, path, "node_mult", P);
  const double *rv = mtl__ck_get(&f, path, "recV", (int64_t)(nrec * dT));
  const double *rt = mtl__ck_get(&f, path, "rec_t", nrec);
  const double *rk = mtl__ck_get(&f, path, "rec_k", nrec);
  if (!V || !tu || !rel || !nn || !nu || !nd || !dl || !inj || !mu || !rv ||
      !rt || !rk)
    goto done;
  memcpy(s->V, V, dT * sizeof(double));
  for (int t = 0; t < T; t++)
    s->task_upd[t] = (int64_t)tu[t];
  memcpy(s->relchg, rel, (size_t)T * sizeof(double));
  for (int r = 0; r < P; r++) {
    s->node_next[r] = (int)nn[r];
    s->node_upd[r] = (int64_t)nu[r];
    s->node_ndel[r] = (int64_t)nd[r];
  }
  memcpy(s->node_del, dl, (size_t)P * sizeof(double));
  memcpy(s->node_inj, inj, (size_t)P * sizeof(double));
  memcpy(s->node_mult, mu, (size_t)P * sizeof(double));
  memcpy(s->recV, rv, (size_t)nrec * dT * sizeof(double));
  memcpy(s->rec_t, rt, (size_t)nrec * sizeof(double));
  memcpy(s->rec_k, rk, (size_t)nrec * sizeof(double));
  s->nrec = nrec;
  s->k = (int64_t)h[3];
  s->tau_max = (int)h[4];
  s->tau_sum = h[5];
  s->over = (int64_t)h[6];
  s->capped = (int64_t)h[7];
  s->rec_every = (int)h[9];
  const double *au = ck_var(&f, "auto_step", 2); /* absent from older */
  if (au) {
    s->eta_auto = au[0];
    s->res_prev = au[1];
  }
  /* the wall clock continues from the checkpoint's last snapshot */
  s->t0 = mtl__now() - s->rec_t[nrec - 1];
  rc = rebuild(s);
done:
  mtl__ck_clear(&f);
  return rc;
}
