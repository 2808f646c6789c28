/*
 * async_server.c -- the server (rank 0) of asynchronous / synchronous MTL
 * (see async.c): it owns V, computes the columns of Prox(V) that the nodes
 * step from, applies their updates, records snapshots of V and evaluates
 * their objective at the end.
 */
#include "async_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- server ---------------------------------------------------------------- */


static void srv_free(mtl__srv *s) {
  mtl__osvd_clear(&s->os);
  free(s->V);
  free(s->pk);
  free(s->full);
  free(s->buf);
  free(s->rowsq);
  free(s->node_upd);
  free(s->node_ndel);
  free(s->task_upd);
  free(s->node_del);
  free(s->node_inj);
  free(s->node_mult);
  free(s->relchg);
  free(s->node_next);
  free(s->node_K);
  free(s->recV);
  free(s->rec_t);
  free(s->rec_k);
  free(s->sent_eta);
  free(s->res2);
  free(s->fresh);
}

/* out (d x T) = Prox_{eta (lambda g + ridge)}(A) on the penalized rows, the
 * unpenalized last row copied (as mtl__problem_prox).  Exact (full SVD for
 * the trace norm). */
static int srv_full_prox(mtl__srv *s, const double *A, double *out) {
  int d = s->d, dp = s->dp, T = s->T;
  for (int t = 0; t < T; t++)
    memcpy(s->pk + (size_t)t * dp, A + (size_t)t * d,
           (size_t)dp * sizeof(double));
  int rc = mtl_reg_prox(&s->cx->reg, s->eta, s->pk, dp, T, s->pk);
  if (rc)
    return rc;
  for (int t = 0; t < T; t++) {
    double last = A[(size_t)t * d + d - 1];
    memcpy(out + (size_t)t * d, s->pk + (size_t)t * dp,
           (size_t)dp * sizeof(double));
    if (dp < d)
      out[(size_t)t * d + d - 1] = last;
  }
  return MTL_OK;
}

/* Column t of Prox(V) without touching the other columns where the
 * regularizer allows (mtl__reg_col_kind): online SVD (trace), maintained
 * row norms (L2,1), column-separable prox (L1, ridge, none); mean and
 * graph couple all entries, and the trace norm without the online SVD
 * needs one: they use the full prox. */
static int srv_prox_col(mtl__srv *s, int t, double *out) {
  const mtl_reg *r = &s->cx->reg;
  int d = s->d, dp = s->dp;
  const double *v = s->V + (size_t)t * d;
  mtl__reg_col kind = mtl__reg_col_kind(r);
  int rc = MTL_OK;
  if (s->use_osvd) {
    mtl__osvd_prox_col(&s->os, s->thr, s->scale, t, out);
  } else if (kind == MTL__COL_SPECTRAL || kind == MTL__COL_COUPLED ||
             (kind == MTL__COL_ROWS && !s->use_rows)) {
    if ((rc = srv_full_prox(s, s->V, s->full)))
      return rc;
    memcpy(out, s->full + (size_t)t * d, (size_t)d * sizeof(double));
    return MTL_OK;
  } else {
    rc = mtl__reg_prox_col(r, s->eta, v, dp, s->rowsq, out);
  }
  if (dp < d)
    out[d - 1] = v[d - 1];
  return rc;
}

/* Exact row norms of the penalized rows (start and periodic refresh, so
 * that the incremental updates cannot drift). */
void mtl__srv_rows_recompute(mtl__srv *s) {
  for (int j = 0; j < s->dp; j++) {
    double a = 0;
    for (int t = 0; t < s->T; t++) {
      double x = s->V[j + (size_t)t * s->d];
      a += x * x;
    }
    s->rowsq[j] = a;
  }
}

/* V[:, t] <- vn, keeping the online SVD / row norms in step; the task's
 * fixed-point residual: the change divided by the step it was made with
 * (relative in relchg, squared in res2). */
static int srv_write(mtl__srv *s, int t, const double *vn, double step) {
  int d = s->d;
  double *v = s->V + (size_t)t * d;
  double dn = 0, vv = 0;
  for (int j = 0; j < d; j++) {
    double e = vn[j] - v[j];
    dn += e * e;
    vv += vn[j] * vn[j];
  }
  double r = step > 0 ? sqrt(dn) / step : sqrt(dn);
  s->res2[t] = r * r;
  s->relchg[t] = r / (sqrt(vv) > 1 ? sqrt(vv) : 1);
  if (s->use_rows)
    for (int j = 0; j < s->dp; j++)
      s->rowsq[j] += vn[j] * vn[j] - v[j] * v[j];
  memcpy(v, vn, (size_t)d * sizeof(double));
  if (s->use_rows && s->ap->osvd_refresh > 0 &&
      (s->k + 1) % s->ap->osvd_refresh == 0)
    mtl__srv_rows_recompute(s);
  if (s->use_osvd)
    return mtl__osvd_replace(&s->os, t, v); /* first dp entries */
  return MTL_OK;
}

/* Theorem 1's step for delay tau. */
static double theorem1(const mtl__srv *s, int tau) {
  double e = s->ap->c / (2.0 * tau / sqrt((double)s->T) + 1.0);
  return e > s->ap->eta_min ? e : s->ap->eta_min;
}

/* The auto policy, at the end of each epoch of T updates: when the
 * fixed-point residual (over every task's last update) has stayed above
 * twice the smallest seen since the step last changed for 3 epochs in a
 * row -- a sustained rise, not the noise of stale reads and stragglers --
 * halve the step, not below Theorem 1's with tau = tau_guess. */
static void srv_auto_epoch(mtl__srv *s) {
  double r = 0;
  for (int t = 0; t < s->T; t++)
    r += s->res2[t];
  r = sqrt(r);
  if (s->res_prev > 0 && r > 2 * s->res_prev) {
    if (++s->rises >= 3 && s->eta_auto > s->eta_floor) {
      s->eta_auto *= 0.5;
      if (s->eta_auto < s->eta_floor)
        s->eta_auto = s->eta_floor;
      s->res_prev = r;
      s->rises = 0;
    }
    return;
  }
  s->rises = 0;
  if (!(s->res_prev > 0) || r < s->res_prev)
    s->res_prev = r; /* the smallest since the step last changed */
}

/* An epoch of the auto policy ends when every task has updated since the
 * last one ended -- then every residual in the sum is fresh, so a
 * straggler's old residual does not read as a rise (measured: with three
 * 10x stragglers of ten nodes an epoch of T updates backed off to 1.30x
 * SMTL's time) -- or after EPOCH_CAP x T updates (a node that never
 * answers). */
#define EPOCH_CAP 20
static int srv_epoch_done(mtl__srv *s, int t) {
  if (!s->fresh[t]) {
    s->fresh[t] = 1;
    s->nfresh++;
  }
  if (s->nfresh < s->T && ++s->epoch_k < (int64_t)EPOCH_CAP * s->T)
    return 0;
  memset(s->fresh, 0, (size_t)s->T);
  s->nfresh = 0;
  s->epoch_k = 0;
  return 1;
}

/* The step eta_k of the next column: fixed, SMTL's 1, the auto policy's,
 * or Theorem 1's with the largest delay seen so far. */
static double srv_eta_k(mtl__srv *s) {
  const mtl_async_params *ap = s->ap;
  if (ap->km_step > 0)
    return ap->km_step;
  if (ap->mode == MTL_ASYNC_SMTL)
    return 1.0;
  int guess = ap->tau_guess >= 0 ? ap->tau_guess : s->P - 1;
  if (ap->step == MTL_ASYNC_STEP_AUTO)
    return s->eta_auto;
  int tau = ap->tau_adapt && s->tau_max > guess ? s->tau_max : guess;
  return theorem1(s, tau);
}

static int srv_send_col(mtl__srv *s, int node, int t) {
  int d = s->d;
  double *b = s->buf;
  b[0] = t;
  b[1] = (double)s->k;
  b[2] = s->eta;
  b[3] = s->eta_k;
  s->sent_eta[t] = s->eta_k;
  int rc = srv_prox_col(s, t, b + COL_HDR);
  if (rc)
    return rc;
  memcpy(b + COL_HDR + d, s->V + (size_t)t * d, (size_t)d * sizeof(double));
  return mtl__tr_send(s->tr, node, TAG_COL, b, COL_HDR + 2 * d);
}

/* Keeps a snapshot of V with its time; halves the history when full. */
static void srv_record(mtl__srv *s) {
  size_t dT = (size_t)s->d * s->T;
  if (s->nrec == s->maxrec) {
    int m = 0;
    for (int i = 0; i < s->nrec; i += 2, m++) {
      memmove(s->recV + (size_t)m * dT, s->recV + (size_t)i * dT,
              dT * sizeof(double));
      s->rec_t[m] = s->rec_t[i];
      s->rec_k[m] = s->rec_k[i];
    }
    s->nrec = m;
    s->rec_every *= 2;
  }
  memcpy(s->recV + (size_t)s->nrec * dT, s->V, dT * sizeof(double));
  s->rec_t[s->nrec] = mtl__now() - s->t0;
  s->rec_k[s->nrec] = (double)s->k;
  s->nrec++;
}

/* Applies one UPD message from `from`; returns MTL_OK or an error. */
static int srv_apply(mtl__srv *s, int from, int n) {
  double *b = s->buf;
  int t = (int)b[0];
  if (n != UPD_HDR + s->d || t < 0 || t >= s->T ||
      mtl__async_owner(t, s->P) != from)
    return mtl__err(MTL_EFORMAT,
                    "async server: bad update from rank %d (%d doubles, task "
                    "%d)",
                    from, n, t + 1);
  int tau = s->ap->mode == MTL_ASYNC_SMTL ? 0 : (int)(s->k - (int64_t)b[1]);
  if (tau > s->tau_max)
    s->tau_max = tau;
  s->tau_sum += tau;
  /* the step the node used (not the server's current one) against
   * Theorem 1's bound for the delays seen */
  double bound = s->ap->c / (2.0 * s->tau_max / sqrt((double)s->T) + 1.0);
  double step = b[4] * s->sent_eta[t];
  if (step > bound * (1 + 1e-12))
    s->over++;
  s->capped += b[5] != 0;
  int r = from - 1;
  s->node_upd[r]++;
  s->node_mult[r] += b[4];
  s->node_inj[r] += b[3];
  if (b[2] > 0) {
    s->node_del[r] += b[2];
    s->node_ndel[r]++;
  }
  int rc = srv_write(s, t, b + UPD_HDR, step);
  if (rc)
    return rc;
  s->task_upd[t]++;
  s->k++;
  if (s->ap->mode == MTL_ASYNC_AMTL && srv_epoch_done(s, t))
    srv_auto_epoch(s);
  s->eta_k = srv_eta_k(s);
  if (s->k % s->rec_every == 0)
    srv_record(s);
  return MTL_OK;
}

/* ---- sites dropped by the transport (mtl__tr.lost) ----------------------- */

/* 1 when task t's node was dropped: its column of V is held at its last
 * value and no longer stepped. */
static int srv_task_lost(const mtl__srv *s, int t) {
  return MTL__TR_LOST(s->tr, mtl__async_owner(t, s->P));
}

/* After a receive failed: 1 when the transport dropped a node since *nlost
 * was counted (updated; the run goes on without it), 0 when the failure
 * stands; an error when every node is gone. */
static int srv_lost_more(mtl__srv *s, int *nlost) {
  int n = 0;
  for (int r = 1; r <= s->P; r++)
    n += MTL__TR_LOST(s->tr, r);
  if (n == *nlost)
    return 0;
  *nlost = n;
  if (n == s->P)
    return mtl__err(MTL_ECANCELLED, "async server: every node was dropped");
  return 1;
}

/* The final status: a run that lost a node never claims convergence (its
 * tasks stopped where they were, not at a solution of the problem). */
static int srv_final(const mtl__srv *s, int st) {
  for (int r = 1; r <= s->P; r++)
    if (MTL__TR_LOST(s->tr, r))
      return MTL_MAXITER;
  return st == MTL_CONTINUE ? MTL_MAXITER : st;
}

/* MTL_CONTINUE, MTL_MAXITER, MTL_CONVERGED or MTL_ECANCELLED (the tasks of
 * a dropped node are left out). */
static int srv_check(mtl__srv *s, int at_record) {
  const mtl_async_params *ap = s->ap;
  int all_done = 1, conv = ap->tol > 0;
  double mx = 0;
  for (int t = 0; t < s->T; t++) {
    if (srv_task_lost(s, t))
      continue;
    if (s->task_upd[t] < ap->max_iter)
      all_done = 0;
    if (s->task_upd[t] == 0 || s->relchg[t] > ap->tol)
      conv = 0;
    if (s->relchg[t] > mx)
      mx = s->relchg[t];
  }
  if (at_record && ap->progress &&
      ap->progress(ap->progress_ctx, (int)s->k, NAN, mx, s->tau_max))
    return MTL_ECANCELLED;
  if (conv)
    return MTL_CONVERGED;
  return all_done ? MTL_MAXITER : MTL_CONTINUE;
}

/* AMTL main loop, one column in flight per TASK (a node holding several
 * tasks works on all of them, as SMTL's rounds do): every update is
 * answered at once with the next column of the same task; the other tasks
 * and nodes are never waited for.  The run ends when no column is out;
 * then every node gets STOP (its delays end before the evaluation).  A
 * node the transport drops takes its columns out of flight. */
static int srv_async_loop(mtl__srv *s, unsigned char *fly, int *st) {
  int rc, out = 0, nlost = 0, kmax = (s->T + s->P - 1) / s->P;
  for (int i = 0; i < kmax && *st == MTL_CONTINUE; i++) /* round robin */
    for (int r = 1; r <= s->P; r++) {
      int t = r - 1 + i * s->P;
      if (t < s->T && s->task_upd[t] < s->ap->max_iter) {
        if ((rc = srv_send_col(s, r, t)))
          return rc;
        fly[t] = 1;
        out++;
      }
    }
  while (out > 0) {
    int n, from;
    if ((rc = mtl__tr_recv(s->tr, MTL__ANY, TAG_UPD, s->buf, s->cap, &n,
                           &from, NULL))) {
      int more = srv_lost_more(s, &nlost);
      if (more <= 0)
        return more < 0 ? more : rc;
      for (int t = 0; t < s->T; t++)
        if (fly[t] && srv_task_lost(s, t)) {
          fly[t] = 0;
          out--;
        }
      continue;
    }
    int t = (int)s->buf[0];
    if (MTL__TR_LOST(s->tr, from))
      continue;
    if ((rc = srv_apply(s, from, n)))
      return rc;
    fly[t] = 0;
    out--;
    if (mtl__srv_ckpt_due(s, s->k) && (rc = mtl__srv_ckpt_write(s)))
      return rc;
    if (*st == MTL_CONTINUE)
      *st = srv_check(s, s->k % s->rec_every == 0);
    if (*st == MTL_CONTINUE && s->task_upd[t] < s->ap->max_iter) {
      if ((rc = srv_send_col(s, from, t)))
        return rc;
      fly[t] = 1;
      out++;
    }
  }
  return MTL_OK;
}

static int srv_run_async(mtl__srv *s, int *status) {
  int rc, st = MTL_CONTINUE;
  unsigned char *fly = mtl__calloc((size_t)s->T, 1);
  if (!fly)
    return MTL_ENOMEM;
  s->eta_k = srv_eta_k(s);
  if (s->k > 0) /* resumed: the state may already be final */
    st = srv_check(s, 0);
  rc = srv_async_loop(s, fly, &st);
  free(fly);
  for (int r = 1; r <= s->P && !rc; r++)
    rc = mtl__tr_send(s->tr, r, TAG_STOP, NULL, 0);
  *status = srv_final(s, st);
  return rc;
}

/* One SMTL round's updates: one per task of a live node (got[t] marks
 * them); a node the transport drops is waited for no longer. */
static int srv_sync_collect(mtl__srv *s, unsigned char *got, int *nlost,
                            int *rec) {
  int rc, want = 0, have = 0;
  memset(got, 0, (size_t)s->T);
  for (int t = 0; t < s->T; t++)
    want += !srv_task_lost(s, t);
  while (have < want) {
    int n, from;
    if ((rc = mtl__tr_recv(s->tr, MTL__ANY, TAG_UPD, s->buf, s->cap, &n,
                           &from, NULL))) {
      int more = srv_lost_more(s, nlost);
      if (more <= 0)
        return more < 0 ? more : rc;
      want = have = 0;
      for (int t = 0; t < s->T; t++)
        if (!srv_task_lost(s, t)) {
          want++;
          have += got[t];
        }
      continue;
    }
    int t = (int)s->buf[0];
    if (MTL__TR_LOST(s->tr, from))
      continue;
    if ((rc = srv_apply(s, from, n)))
      return rc;
    got[t] = 1;
    have++;
    *rec |= s->k % s->rec_every == 0;
  }
  return MTL_OK;
}

/* SMTL: each round sends every column of Prox(V) (one full prox) to the
 * live nodes, waits for their updates, then starts the next round. */
static int srv_run_sync(mtl__srv *s, int *status) {
  int rc = MTL_OK, st = MTL_CONTINUE, d = s->d, nlost = 0;
  unsigned char *got = mtl__calloc((size_t)s->T, 1);
  if (!got)
    return MTL_ENOMEM;
  s->eta_k = srv_eta_k(s);
  if (s->k > 0) /* resumed after k / T whole iterations */
    st = srv_check(s, 0);
  for (int it = (int)(s->k / s->T); it < s->ap->max_iter &&
       st == MTL_CONTINUE && !rc; it++) {
    if ((rc = srv_full_prox(s, s->V, s->full)))
      break;
    for (int t = 0; t < s->T && !rc; t++) {
      double *b = s->buf;
      if (srv_task_lost(s, t))
        continue;
      b[0] = t;
      b[1] = (double)s->k;
      b[2] = s->eta;
      b[3] = s->eta_k;
      s->sent_eta[t] = s->eta_k;
      memcpy(b + COL_HDR, s->full + (size_t)t * d, d * sizeof(double));
      memcpy(b + COL_HDR + d, s->V + (size_t)t * d, d * sizeof(double));
      rc = mtl__tr_send(s->tr, mtl__async_owner(t, s->P), TAG_COL, b,
                        COL_HDR + 2 * d);
    }
    int rec = 0;
    if (rc || (rc = srv_sync_collect(s, got, &nlost, &rec)))
      break;
    st = srv_check(s, rec);
    if (mtl__srv_ckpt_due(s, it + 1))
      rc = mtl__srv_ckpt_write(s);
  }
  free(got);
  for (int r = 1; r <= s->P && !rc; r++)
    rc = mtl__tr_send(s->tr, r, TAG_STOP, NULL, 0);
  *status = srv_final(s, st);
  return rc;
}

/* Objective of every snapshot: W_r = Prox(V_r) at the server, the losses
 * at the nodes that own the data (EVAL / EVALR), the regularizer here. */
static int srv_evaluate(mtl__srv *s, double *obj) {
  int d = s->d, T = s->T, dp = s->dp, rc;
  size_t dT = (size_t)d * T;
  for (int r = 0; r < s->nrec; r++) {
    double *Wr = s->recV + (size_t)r * dT;
    if ((rc = srv_full_prox(s, Wr, Wr)))
      return rc;
    for (int t = 0; t < T; t++)
      memcpy(s->pk + (size_t)t * dp, Wr + (size_t)t * d,
             (size_t)dp * sizeof(double));
    obj[r] = mtl_reg_value(&s->cx->reg, s->pk, dp, T);
  }
  int64_t pending = 0;
  double *b = s->buf;
  for (int t = 0; t < T; t++)
    for (int r0 = 0; r0 < s->nrec && !srv_task_lost(s, t); r0 += EVAL_CHUNK) {
      int cnt = s->nrec - r0 < EVAL_CHUNK ? s->nrec - r0 : EVAL_CHUNK;
      b[0] = t;
      b[1] = r0;
      b[2] = cnt;
      for (int r = 0; r < cnt; r++)
        memcpy(b + 3 + (size_t)r * d, s->recV + (size_t)(r0 + r) * dT +
                                          (size_t)t * d,
               (size_t)d * sizeof(double));
      if ((rc = mtl__tr_send(s->tr, mtl__async_owner(t, s->P), TAG_EVAL, b,
                             3 + cnt * d)))
        return rc;
      pending++;
    }
  /* Replies arrive in any order; the losses are summed in task order
   * afterwards so that the objective is reproducible to the last bit. */
  double *loss = mtl__calloc((size_t)s->nrec * T, sizeof(double));
  if (!loss)
    return MTL_ENOMEM;
  rc = MTL_OK;
  while (pending-- > 0) {
    int n;
    if ((rc = mtl__tr_recv(s->tr, MTL__ANY, TAG_EVALR, b, s->cap, &n, NULL,
                           NULL)))
      break;
    int t = (int)b[0], r0 = (int)b[1], cnt = (int)b[2];
    if (n != 3 + cnt || t < 0 || t >= T || r0 < 0 || r0 + cnt > s->nrec) {
      rc = mtl__err(MTL_EFORMAT, "async server: bad evaluation reply");
      break;
    }
    for (int r = 0; r < cnt; r++)
      loss[(size_t)(r0 + r) * T + t] = b[3 + r];
  }
  if (rc == MTL_OK)
    for (int r = 0; r < s->nrec; r++)
      for (int t = 0; t < T; t++)
        obj[r] += loss[(size_t)r * T + t];
  free(loss);
  return rc;
}

/* The server's arrays (zeroed; recV is not). */
static int srv_alloc(mtl__srv *s) {
  int d = s->d, T = s->T, P = s->P;
  size_t dT = (size_t)d * T;
  int kmax = (T + P - 1) / P;
  s->cap = COL_HDR + 2 * d;
  if (s->cap < 3 + EVAL_CHUNK * d)
    s->cap = 3 + EVAL_CHUNK * d;
  if (s->cap < 2 + 2 * kmax)
    s->cap = 2 + 2 * kmax;
  s->rec_every = s->ap->record_every > 0 ? s->ap->record_every : T;
  s->maxrec = s->ap->max_records;
  s->V = mtl__calloc(dT, sizeof(double));
  s->pk = mtl__calloc(dT, sizeof(double));
  s->full = mtl__calloc(dT, sizeof(double));
  s->buf = mtl__calloc((size_t)s->cap, sizeof(double));
  s->rowsq = mtl__calloc((size_t)d, sizeof(double));
  s->node_upd = mtl__calloc((size_t)P, sizeof(int64_t));
  s->node_ndel = mtl__calloc((size_t)P, sizeof(int64_t));
  s->task_upd = mtl__calloc((size_t)T, sizeof(int64_t));
  s->node_del = mtl__calloc((size_t)P, sizeof(double));
  s->node_inj = mtl__calloc((size_t)P, sizeof(double));
  s->node_mult = mtl__calloc((size_t)P, sizeof(double));
  s->relchg = mtl__calloc((size_t)T, sizeof(double));
  s->node_next = mtl__calloc((size_t)P, sizeof(int));
  s->node_K = mtl__calloc((size_t)P, sizeof(int));
  s->recV = mtl__malloc((size_t)(s->maxrec + 1) * dT * sizeof(double));
  s->rec_t = mtl__calloc((size_t)s->maxrec + 1, sizeof(double));
  s->rec_k = mtl__calloc((size_t)s->maxrec + 1, sizeof(double));
  s->sent_eta = mtl__calloc((size_t)T, sizeof(double));
  s->res2 = mtl__calloc((size_t)T, sizeof(double));
  s->fresh = mtl__calloc((size_t)T, 1);
  if (!s->V || !s->pk || !s->full || !s->buf || !s->rowsq || !s->node_upd ||
      !s->node_ndel || !s->task_upd || !s->node_del || !s->node_inj ||
      !s->node_mult || !s->relchg || !s->node_next || !s->node_K ||
      !s->recV || !s->rec_t || !s->rec_k || !s->sent_eta || !s->res2 ||
      !s->fresh)
    return MTL_ENOMEM;
  s->eta_auto = 1.0;
  s->eta_floor = theorem1(s, s->ap->tau_guess >= 0 ? s->ap->tau_guess
                                                   : P - 1);
  for (int t = 0; t < T; t++)
    s->node_K[mtl__async_owner(t, P) - 1]++;
  return MTL_OK;
}

/* Hello: every node reports its tasks and their Lipschitz bounds; s->L is
 * the largest. */
static int srv_hello(mtl__srv *s) {
  int d = s->d, T = s->T, P = s->P, rc;
  s->L = 0;
  for (int m = 0; m < P; m++) {
    int n, from;
    if ((rc = mtl__tr_recv(s->tr, MTL__ANY, TAG_HELLO, s->buf, s->cap, &n,
                           &from, NULL)))
      return rc;
    int K = (int)s->buf[0];
    if (from < 1 || K != s->node_K[from - 1] || (int)s->buf[1] != d ||
        n != 2 + 2 * K)
      return mtl__err(MTL_EFORMAT,
                      "async server: rank %d announced %d tasks of dimension "
                      "%d; expected %d tasks of dimension %d",
                      from, K, (int)s->buf[1],
                      from >= 1 ? s->node_K[from - 1] : 0, d);
    for (int i = 0; i < K; i++) {
      int t = (int)s->buf[2 + 2 * i];
      if (t < 0 || t >= T || mtl__async_owner(t, P) != from)
        return mtl__err(MTL_EFORMAT, "async server: rank %d claims task %d",
                        from, t + 1);
      if (s->buf[3 + 2 * i] > s->L)
        s->L = s->buf[3 + 2 * i];
    }
  }
  if (!(s->L > 0))
    s->L = 1.0;
  return MTL_OK;
}

/* The step eta and how columns of Prox(V) are computed: online SVD (trace
 * norm), maintained row norms (L2,1) or mtl__reg_prox_col / full prox. */
static int srv_setup_prox(mtl__srv *s) {
  const mtl_async_params *ap = s->ap;
  const mtl_reg *r = &s->cx->reg;
  s->eta = ap->eta > 0 ? ap->eta : ap->eta_factor / s->L;
  s->thr = s->eta * r->lambda;
  s->scale = 1.0 / (1.0 + 2.0 * s->eta * r->ridge);
  mtl__reg_col kind = mtl__reg_col_kind(r);
  /* SMTL takes the full prox every round: it needs no online SVD or row
   * norms (before, it updated them on every write for nothing) */
  int smtl = ap->mode == MTL_ASYNC_SMTL;
  if (kind == MTL__COL_SPECTRAL && ap->osvd_refresh != 1 && !smtl) {
    /* tracks the penalized rows of V (zero at the start): a column
     * replacement passes V's column, of which it reads the first dp */
    int rc = mtl__osvd_init(&s->os, s->dp, s->T, NULL, ap->osvd_refresh);
    if (rc)
      return rc;
    s->use_osvd = 1;
  } else if (kind == MTL__COL_ROWS && !smtl) {
    s->use_rows = 1;
  }
  return MTL_OK;
}

/* Hands the statistics over to info (the arrays move; obj too). */
static void srv_fill_info(mtl__srv *s, mtl_async_info *info, double *obj,
                          int status, double seconds) {
  int P = s->P;
  info->status = status;
  info->updates = s->k;
  info->seconds = seconds;
  info->objective = obj[s->nrec - 1];
  info->L = s->L;
  info->eta = s->eta;
  info->tau_max = s->tau_max;
  info->tau_mean = s->k ? s->tau_sum / (double)s->k : 0;
  info->eta_k_last = s->eta_k;
  info->eta_k_bound = s->ap->c / (2.0 * s->tau_max / sqrt((double)s->T) + 1.0);
  info->over_bound = s->over;
  info->capped = s->capped;
  info->nodes = P;
  info->T = s->T;
  info->node_updates = s->node_upd;
  s->node_upd = NULL;
  info->task_updates = s->task_upd;
  s->task_upd = NULL;
  for (int r = 0; r < P; r++) {
    s->node_del[r] = s->node_ndel[r] ? s->node_del[r] / s->node_ndel[r] : 0;
    double a = info->node_updates[r] ? (double)info->node_updates[r] : 1;
    s->node_inj[r] /= a;
    s->node_mult[r] /= a;
  }
  info->node_delay_ms = s->node_del;
  s->node_del = NULL;
  info->node_inject_ms = s->node_inj;
  s->node_inj = NULL;
  info->node_mult = s->node_mult;
  s->node_mult = NULL;
  info->nrecords = s->nrec;
  info->rec_time = s->rec_t;
  s->rec_t = NULL;
  info->rec_updates = s->rec_k;
  s->rec_k = NULL;
  info->rec_obj = obj;
  info->osvd_refreshes = s->use_osvd ? s->os.refreshes : 0;
  info->osvd_drift = s->use_osvd ? s->os.drift : 0;
}

/* Runs the method, evaluates the snapshots, releases the nodes (FIN) and
 * writes W (the prox of the last snapshot, V at the end). */
static int srv_run(mtl__srv *s, int *status, double **objp,
                   double *seconds) {
  mtl__async_ctx *cx = s->cx;
  size_t dT = (size_t)s->d * s->T;
  int rc;
  s->t0 = mtl__now();
  if (cx->ckpt && cx->ckpt->resume) { /* resume hook */
    if ((rc = mtl__srv_ckpt_resume(s)))
      return rc;
  } else {
    srv_record(s);
  }
  rc = s->ap->mode == MTL_ASYNC_SMTL ? srv_run_sync(s, status)
                                     : srv_run_async(s, status);
  if (rc)
    return rc;
  *seconds = mtl__now() - s->t0;
  if (s->rec_k[s->nrec - 1] != (double)s->k)
    srv_record(s);
  double *obj = mtl__calloc((size_t)s->nrec, sizeof(double));
  if (!obj)
    return MTL_ENOMEM;
  rc = srv_evaluate(s, obj);
  for (int r = 1; r <= s->P && rc == MTL_OK; r++)
    rc = mtl__tr_send(s->tr, r, TAG_FIN, NULL, 0);
  if (rc) {
    free(obj);
    return rc;
  }
  memcpy(cx->W, s->recV + (size_t)(s->nrec - 1) * dT, dT * sizeof(double));
  *objp = obj;
  return MTL_OK;
}

int mtl__async_server_role(mtl__async_ctx *cx, mtl__tr *tr) {
  mtl__srv S = {0}, *s = &S;
  s->cx = cx;
  s->tr = tr;
  s->ap = &cx->ap;
  s->d = cx->d;
  s->T = cx->T;
  s->P = cx->nodes;
  s->dp = cx->unpenalized_last ? cx->d - 1 : cx->d;
  double *obj = NULL, seconds = 0;
  int status = 0, rc;
  if ((rc = srv_alloc(s)) || (rc = srv_hello(s)) ||
      (rc = srv_setup_prox(s)) || (rc = srv_run(s, &status, &obj, &seconds))) {
    srv_free(s);
    return rc;
  }
  if (cx->info)
    srv_fill_info(s, cx->info, obj, status, seconds);
  else
    free(obj);
  srv_free(s);
  cx->status = status;
  return MTL_OK;
}
