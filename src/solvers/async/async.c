/*
 * async.c -- asynchronous multi-task learning (AMTL, Baytas et al., ICDM
 * 2016) and its synchronous baseline (SMTL), written as one role function
 * over the transport of layer 5 (transport.h): rank 0 is the server, ranks
 * 1..P are task nodes, task t living on node t % P + 1.
 *
 * The iteration (eq. III.4, ARock's Krasnosel'skii-Mann block update of the
 * backward-forward operator (I - eta grad f) Prox_{eta lambda g}):
 *     v_t <- v_t + c_tk eta_k ( p_t - eta grad loss_t(p_t) - v_t ),
 *     p_t  = column t of Prox_{eta (lambda g + ridge)}(V_read).
 * The server owns V and computes p_t; the node owns the data of task t and
 * does the forward step.  At a fixed point V*, W* = Prox(V*) minimizes F.
 *
 * Messages (payloads are doubles; integers travel exactly up to 2^53):
 *   HELLO  node -> 0 : [ntasks, d, (t, L_t) per task]
 *   COL    0 -> node : [t, stamp, eta, eta_k, p_t (d), v_t (d)]
 *   UPD    node -> 0 : [t, stamp, measured delay ms, injected delay ms of
 *                       the previous send, c_tk, capped, v_t new (d)]
 *   STOP   0 -> node : []  (optimization over; the node keeps serving EVAL)
 *   EVAL   0 -> node : [t, first, count, count columns W_r[:, t] (d each)]
 *   EVALR  node -> 0 : [t, first, count, loss_t(W_r[:, t]) (count)]
 *   FIN    0 -> node : []  (the node returns)
 * A node has at most one UPD outstanding and blocks until the server
 * answers it, so the server can always reply to the sender of a message.
 *
 * Consistency model (AMTL).  The server is one thread handling one message
 * at a time, so every write of a column is applied atomically and every
 * p_t is computed from one well-defined V (the paper's shared-memory
 * version could read a V that was half written; this one cannot).  What is
 * stale is the read: p_t reflects V after `stamp` server updates, and the
 * node's write lands after `k` updates; tau = k - stamp is the number of
 * other tasks' updates applied in between (ARock's delay, a count; the
 * node's own column cannot change meanwhile, since task t is written only
 * by its node, one request at a time).  tau is unbounded in principle
 * (a slow node may see many fast updates), so eta_k uses the largest tau
 * observed so far (at least tau_guess).  In SMTL every p_t of a round comes
 * from the same V and tau is 0.
 *
 * Thread-safety: the roles share nothing but ctx fields they own (see
 * mtl__async_ctx): rank 0 writes W/info, rank r reads node[r - 1] only.
 */
#include "internal.h"
#include "transport.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { TAG_HELLO = 1, TAG_COL, TAG_UPD, TAG_STOP, TAG_EVAL, TAG_EVALR,
       TAG_FIN };

#define UPD_HDR 6   /* doubles before v_t in UPD */
#define COL_HDR 4
#define EVAL_CHUNK 32 /* snapshot columns per EVAL message */

void mtl_async_params_init(mtl_async_params *p) {
  *p = (mtl_async_params){
      .mode = MTL_ASYNC_AMTL,
      .nodes = 0,
      .max_iter = 1000,
      .tol = 1e-10,
      .eta = 0,
      .eta_factor = 1.0,
      .km_step = 0,
      .c = 0.9,
      .eta_min = 1e-3,
      .tau_guess = -1,
      .tau_adapt = 1,
      .dynamic = 0,
      .dyn_window = 5,
      .dyn_floor_ms = 10,
      .dyn_cap = 1.0,
      .delay_ms = 0,
      .jitter_ms = 0,
      .jitter_exp = 0,
      .stragglers = 0,
      .straggle = 10,
      .node_delay_ms = NULL,
      .seed = 1,
      .osvd_refresh = 100,
      .record_every = 0,
      .max_records = 1000,
      .progress = NULL,
      .progress_ctx = NULL,
  };
}

void mtl_async_info_clear(mtl_async_info *info) {
  if (!info)
    return;
  free(info->node_updates);
  free(info->node_delay_ms);
  free(info->node_inject_ms);
  free(info->node_mult);
  free(info->task_updates);
  free(info->rec_time);
  free(info->rec_updates);
  free(info->rec_obj);
  memset(info, 0, sizeof *info);
}

int mtl__async_owner(int t, int nodes) { return t % nodes + 1; }

/* ---- node state ------------------------------------------------------------ */

void mtl__async_node_clear(mtl__async_node *nd) {
  if (!nd)
    return;
  for (int i = 0; i < nd->ntasks; i++) {
    if (nd->pb)
      mtl_problem_free(nd->pb[i]);
    if (nd->ds)
      mtl_dataset_free(nd->ds[i]);
  }
  free(nd->pb);
  free(nd->ds);
  free(nd->tasks);
  memset(nd, 0, sizeof *nd);
}

int mtl__async_node_init(mtl__async_node *nd, const mtl_dataset *ds,
                         const mtl_problem_params *pp, const int *tasks,
                         int ntasks) {
  memset(nd, 0, sizeof *nd);
  int rc = MTL_ENOMEM;
  nd->tasks = mtl__malloc((size_t)ntasks * sizeof(int));
  nd->ds = mtl__calloc((size_t)ntasks, sizeof *nd->ds);
  nd->pb = mtl__calloc((size_t)ntasks, sizeof *nd->pb);
  if (!nd->tasks || !nd->ds || !nd->pb)
    goto fail;
  nd->ntasks = ntasks;
  for (int i = 0; i < ntasks; i++) {
    int t = tasks[i];
    nd->tasks[i] = t;
    rc = mtl_dataset_select_tasks(ds, &t, 1, &nd->ds[i]);
    if (rc)
      goto fail;
    /* loss only: the regularizer lives on the server */
    mtl_problem_params q = *pp;
    q.task_loss = NULL;
    q.loss = pp->task_loss ? (mtl_loss)pp->task_loss[t] : pp->loss;
    mtl_reg_init(&q.reg);
    q.reg.type = MTL_REG_NONE;
    q.reg.lambda = 0;
    q.reg.ridge = 0;
    q.unpenalized_last = 0;
    q.threads = 1;
    rc = mtl_problem_create(nd->ds[i], &q, &nd->pb[i]);
    if (rc) {
      rc = mtl__err_prefix(rc, "async: task %d", t + 1);
      goto fail;
    }
  }
  return MTL_OK;
fail:
  mtl__async_node_clear(nd);
  return rc;
}

/* ---- task node role -------------------------------------------------------- */

/* Serves COL requests with forward steps and then EVAL requests, until FIN.
 * Reads only its own tasks (cx->node[rank - 1]). */
static int node_role(mtl__async_ctx *cx, mtl__tr *tr) {
  mtl__async_node *nd = &cx->node[tr->rank - 1];
  const mtl_async_params *ap = &cx->ap;
  int d = cx->d, K = nd->ntasks;
  int W = ap->dyn_window + 1;
  int cap = COL_HDR + 2 * d;
  if (cap < 3 + EVAL_CHUNK * d)
    cap = 3 + EVAL_CHUNK * d;
  if (cap < 2 + 2 * K)
    cap = 2 + 2 * K;
  double *buf = mtl__malloc((size_t)cap * sizeof(double));
  double *out = mtl__malloc((size_t)(UPD_HDR + d + EVAL_CHUNK + 3) *
                            sizeof(double));
  double *g = mtl__malloc((size_t)d * sizeof(double));
  double *ring = mtl__calloc((size_t)W, sizeof(double));
  int rc = MTL_ENOMEM;
  if (!buf || !out || !g || !ring)
    goto done;
  buf[0] = K;
  buf[1] = d;
  for (int i = 0; i < K; i++) {
    buf[2 + 2 * i] = nd->tasks[i];
    buf[3 + 2 * i] = mtl_problem_lipschitz(nd->pb[i]);
  }
  if ((rc = mtl__tr_send(tr, 0, TAG_HELLO, buf, 2 + 2 * K)))
    goto done;
  int nring = 0, pos = 0;
  double t_fwd_end = -1, last_delay = 0;
  int dyn = ap->dynamic && ap->mode == MTL_ASYNC_AMTL;
  for (;;) {
    int n, tag;
    if ((rc = mtl__tr_recv(tr, 0, MTL__ANY, buf, cap, &n, NULL, &tag)))
      goto done;
    if (tag == TAG_FIN)
      break;
    if (tag == TAG_STOP) {
      /* evaluation is bookkeeping, not part of the simulated network */
      mtl__delay none = {0};
      mtl__tr_set_delay(tr, &none);
      continue;
    }
    int t = (int)buf[0], i = 0;
    while (i < K && nd->tasks[i] != t)
      i++;
    if (i == K || (tag == TAG_COL && n != COL_HDR + 2 * d) ||
        (tag != TAG_COL && tag != TAG_EVAL)) {
      rc = mtl__err(MTL_EFORMAT,
                    "async node %d: unexpected message (tag %d, %d doubles, "
                    "task %d)",
                    tr->rank, tag, n, t + 1);
      goto done;
    }
    if (tag == TAG_EVAL) {
      int first = (int)buf[1], cnt = (int)buf[2];
      out[0] = t;
      out[1] = first;
      out[2] = cnt;
      for (int r = 0; r < cnt; r++) {
        double f;
        if ((rc = mtl_problem_loss(nd->pb[i], buf + 3 + (size_t)r * d, &f,
                                   NULL)))
          goto done;
        out[3 + r] = f;
      }
      if ((rc = mtl__tr_send(tr, 0, TAG_EVALR, out, 3 + cnt)))
        goto done;
      continue;
    }
    double now = mtl__now();
    if (t_fwd_end >= 0) {
      last_delay = (now - t_fwd_end) * 1e3;
      ring[pos] = last_delay;
      pos = (pos + 1) % W;
      if (nring < W)
        nring++;
    }
    double eta = buf[2], eta_k = buf[3];
    const double *p = buf + COL_HDR, *v = buf + COL_HDR + d;
    double f;
    /* forward step on this node's data only: g = grad loss_t(p) */
    if ((rc = mtl_problem_loss(nd->pb[i], p, &f, g))) {
      rc = mtl__err_prefix(rc, "async node %d, task %d", tr->rank, t + 1);
      goto done;
    }
    double mult = 1.0, capped = 0;
    if (dyn) { /* III.6: c_tk = ln(max(mean of the last k+1 delays, floor)) */
      double mean = 0;
      for (int j = 0; j < nring; j++)
        mean += ring[j];
      mean = nring ? mean / nring : 0;
      mult = log(mean > ap->dyn_floor_ms ? mean : ap->dyn_floor_ms);
    }
    double step = mult * eta_k;
    if (ap->dyn_cap > 0 && step > ap->dyn_cap) {
      step = ap->dyn_cap;
      capped = 1;
    }
    double *vn = out + UPD_HDR;
    for (int j = 0; j < d; j++)
      vn[j] = v[j] + step * (p[j] - eta * g[j] - v[j]);
    out[0] = t;
    out[1] = buf[1];
    out[2] = last_delay;
    out[3] = tr->last_delay_ms;
    out[4] = step / eta_k;
    out[5] = capped;
    t_fwd_end = mtl__now();
    /* the injected delay ("offset + random after the forward step") is
     * applied by the transport inside this send */
    if ((rc = mtl__tr_send(tr, 0, TAG_UPD, out, UPD_HDR + d)))
      goto done;
  }
  rc = MTL_OK;
done:
  free(buf);
  free(out);
  free(g);
  free(ring);
  return rc;
}

/* ---- server ---------------------------------------------------------------- */

typedef struct srv {
  mtl__async_ctx *cx;
  mtl__tr *tr;
  const mtl_async_params *ap;
  int d, T, dp, P;
  double eta, L, thr, scale;
  double *V, *pk, *full, *buf;
  int cap;
  mtl__osvd os;
  int use_osvd, use_rows;
  double *rowsq;
  int64_t k, over, capped;
  int tau_max;
  double tau_sum, eta_k;
  int64_t *node_upd, *node_ndel, *task_upd;
  double *node_del, *node_inj, *node_mult, *relchg;
  int *node_next, *node_K;
  int nrec, maxrec, rec_every;
  double *recV, *rec_t, *rec_k;
  double t0;
} srv;

static void srv_free(srv *s) {
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
}

/* out (d x T) = Prox_{eta (lambda g + ridge)}(A) on the penalized rows, the
 * unpenalized last row copied (as mtl__problem_prox).  Exact (full SVD for
 * the trace norm). */
static int srv_full_prox(srv *s, const double *A, double *out) {
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
static int srv_prox_col(srv *s, int t, double *out) {
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
static void srv_rows_recompute(srv *s) {
  for (int j = 0; j < s->dp; j++) {
    double a = 0;
    for (int t = 0; t < s->T; t++) {
      double x = s->V[j + (size_t)t * s->d];
      a += x * x;
    }
    s->rowsq[j] = a;
  }
}

/* V[:, t] <- vn, keeping the online SVD / row norms in step. */
static int srv_write(srv *s, int t, const double *vn) {
  int d = s->d;
  double *v = s->V + (size_t)t * d;
  double dn = 0, vv = 0;
  for (int j = 0; j < d; j++) {
    double e = vn[j] - v[j];
    dn += e * e;
    vv += vn[j] * vn[j];
  }
  s->relchg[t] = sqrt(dn) / (sqrt(vv) > 1 ? sqrt(vv) : 1);
  if (s->use_rows)
    for (int j = 0; j < s->dp; j++)
      s->rowsq[j] += vn[j] * vn[j] - v[j] * v[j];
  memcpy(v, vn, (size_t)d * sizeof(double));
  if (s->use_rows && s->ap->osvd_refresh > 0 &&
      (s->k + 1) % s->ap->osvd_refresh == 0)
    srv_rows_recompute(s);
  if (s->use_osvd)
    return mtl__osvd_replace(&s->os, t, v); /* first dp entries */
  return MTL_OK;
}

/* Theorem 1's step with the largest delay seen so far. */
static double srv_eta_k(srv *s) {
  const mtl_async_params *ap = s->ap;
  if (ap->km_step > 0)
    return ap->km_step;
  if (ap->mode == MTL_ASYNC_SMTL)
    return 1.0;
  int guess = ap->tau_guess >= 0 ? ap->tau_guess : s->P - 1;
  int tau = ap->tau_adapt && s->tau_max > guess ? s->tau_max : guess;
  double e = ap->c / (2.0 * tau / sqrt((double)s->T) + 1.0);
  return e > ap->eta_min ? e : ap->eta_min;
}

static int srv_send_col(srv *s, int node, int t) {
  int d = s->d;
  double *b = s->buf;
  b[0] = t;
  b[1] = (double)s->k;
  b[2] = s->eta;
  b[3] = s->eta_k;
  int rc = srv_prox_col(s, t, b + COL_HDR);
  if (rc)
    return rc;
  memcpy(b + COL_HDR + d, s->V + (size_t)t * d, (size_t)d * sizeof(double));
  return mtl__tr_send(s->tr, node, TAG_COL, b, COL_HDR + 2 * d);
}

/* Keeps a snapshot of V with its time; halves the history when full. */
static void srv_record(srv *s) {
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
static int srv_apply(srv *s, int from, int n) {
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
  double bound = s->ap->c / (2.0 * s->tau_max / sqrt((double)s->T) + 1.0);
  if (b[4] * s->eta_k > bound * (1 + 1e-12))
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
  int rc = srv_write(s, t, b + UPD_HDR);
  if (rc)
    return rc;
  s->task_upd[t]++;
  s->k++;
  s->eta_k = srv_eta_k(s);
  if (s->k % s->rec_every == 0)
    srv_record(s);
  return MTL_OK;
}

/* MTL_CONTINUE, MTL_MAXITER, MTL_CONVERGED or MTL_ECANCELLED. */
static int srv_check(srv *s, int at_record) {
  const mtl_async_params *ap = s->ap;
  int all_done = 1, conv = ap->tol > 0;
  double mx = 0;
  for (int t = 0; t < s->T; t++) {
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

/* Next task of node `node` (1-based rank) still under budget, or -1. */
static int srv_next_task(srv *s, int node) {
  int K = s->node_K[node - 1];
  for (int a = 0; a < K; a++) {
    int i = (s->node_next[node - 1] + a) % K;
    int t = node - 1 + i * s->P;
    if (s->task_upd[t] < s->ap->max_iter) {
      s->node_next[node - 1] = (i + 1) % K;
      return t;
    }
  }
  return -1;
}

/* ---- [mpi] checkpoint hook (cx->ckpt, NULL in-process) ----------------------
 * The server's whole state after update k: V, the counters, the per-node
 * statistics and the trace snapshots.  SMTL checkpoints at the end of an
 * iteration, when no node holds anything, so a resumed run repeats exactly
 * the remaining iterations; AMTL checkpoints after an update, and on resume
 * every node simply gets a fresh column (the columns in flight are lost,
 * which an asynchronous method tolerates). */
static int srv_ckpt_write(srv *s) {
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
                    (double)s->over, (double)s->capped, s->nrec,
                    s->rec_every, s->eta, s->L};
  rc = mtl__ck_put(&f, "header", hdr, 12);
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
  if (!rc)
    rc = mtl__ck_put(&f, "recV", s->recV, (int64_t)(s->nrec * dT));
  if (!rc)
    rc = mtl__ck_put(&f, "rec_t", s->rec_t, s->nrec);
  if (!rc)
    rc = mtl__ck_put(&f, "rec_k", s->rec_k, s->nrec);
  if (!rc)
    rc = mtl__ck_write(&f, ck->path);
  if (!rc)
    ck->written++;
  mtl__ck_clear(&f);
  free(tmp);
  return rc;
}

static int srv_ckpt_due(srv *s, int64_t unit) {
  mtl__ckpt *ck = s->cx->ckpt;
  return ck && ck->path && ck->every > 0 && unit > 0 && unit % ck->every == 0;
}

/* Loads the state written by srv_ckpt_write (same problem, mode, nodes and
 * step: checked) and rebuilds the online SVD / row norms from V. */
static int srv_ckpt_resume(srv *s) {
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
  /* the wall clock continues from the checkpoint's last snapshot */
  s->t0 = mtl__now() - s->rec_t[nrec - 1];
  if (s->use_rows)
    srv_rows_recompute(s);
  if (s->use_osvd) {
    for (int t = 0; t < T; t++)
      memcpy(s->pk + (size_t)t * s->dp, s->V + (size_t)t * d,
             (size_t)s->dp * sizeof(double));
    mtl__osvd_clear(&s->os);
    if ((rc = mtl__osvd_init(&s->os, s->dp, T, s->pk, s->ap->osvd_refresh)))
      goto done;
  }
  rc = MTL_OK;
done:
  mtl__ck_clear(&f);
  return rc;
}

/* AMTL main loop: answer every update at once with the sender's next
 * column; the other nodes are never waited for. */
static int srv_run_async(srv *s, int *status) {
  int rc, active = s->P, st = MTL_CONTINUE;
  s->eta_k = srv_eta_k(s);
  if (s->k > 0) /* [mpi] resumed: the state may already be final */
    st = srv_check(s, 0);
  for (int r = 1; r <= s->P; r++) {
    int t = st == MTL_CONTINUE ? srv_next_task(s, r) : -1;
    if (t < 0) {
      if ((rc = mtl__tr_send(s->tr, r, TAG_STOP, NULL, 0)))
        return rc;
      active--;
    } else if ((rc = srv_send_col(s, r, t))) {
      return rc;
    }
  }
  while (active > 0) {
    int n, from;
    if ((rc = mtl__tr_recv(s->tr, MTL__ANY, TAG_UPD, s->buf, s->cap, &n,
                           &from, NULL)))
      return rc;
    if ((rc = srv_apply(s, from, n)))
      return rc;
    if (srv_ckpt_due(s, s->k) && (rc = srv_ckpt_write(s)))
      return rc;
    if (st == MTL_CONTINUE)
      st = srv_check(s, s->k % s->rec_every == 0);
    int t = st == MTL_CONTINUE ? srv_next_task(s, from) : -1;
    if (t < 0) {
      if ((rc = mtl__tr_send(s->tr, from, TAG_STOP, NULL, 0)))
        return rc;
      active--;
    } else if ((rc = srv_send_col(s, from, t))) {
      return rc;
    }
  }
  *status = st == MTL_CONTINUE ? MTL_MAXITER : st;
  return MTL_OK;
}

/* SMTL: each round sends every column of Prox(V) (one full prox), waits
 * for all T updates, then starts the next round. */
static int srv_run_sync(srv *s, int *status) {
  int rc, st = MTL_CONTINUE, d = s->d;
  s->eta_k = srv_eta_k(s);
  if (s->k > 0) /* [mpi] resumed after k / T whole iterations */
    st = srv_check(s, 0);
  for (int it = (int)(s->k / s->T); it < s->ap->max_iter &&
       st == MTL_CONTINUE; it++) {
    if ((rc = srv_full_prox(s, s->V, s->full)))
      return rc;
    for (int t = 0; t < s->T; t++) {
      double *b = s->buf;
      b[0] = t;
      b[1] = (double)s->k;
      b[2] = s->eta;
      b[3] = s->eta_k;
      memcpy(b + COL_HDR, s->full + (size_t)t * d, d * sizeof(double));
      memcpy(b + COL_HDR + d, s->V + (size_t)t * d, d * sizeof(double));
      if ((rc = mtl__tr_send(s->tr, mtl__async_owner(t, s->P), TAG_COL, b,
                             COL_HDR + 2 * d)))
        return rc;
    }
    int rec = 0;
    for (int m = 0; m < s->T; m++) {
      int n, from;
      if ((rc = mtl__tr_recv(s->tr, MTL__ANY, TAG_UPD, s->buf, s->cap, &n,
                             &from, NULL)))
        return rc;
      if ((rc = srv_apply(s, from, n)))
        return rc;
      rec |= s->k % s->rec_every == 0;
    }
    st = srv_check(s, rec);
    if (srv_ckpt_due(s, it + 1) && (rc = srv_ckpt_write(s)))
      return rc;
  }
  for (int r = 1; r <= s->P; r++)
    if ((rc = mtl__tr_send(s->tr, r, TAG_STOP, NULL, 0)))
      return rc;
  *status = st == MTL_CONTINUE ? MTL_MAXITER : st;
  return MTL_OK;
}

/* Objective of every snapshot: W_r = Prox(V_r) at the server, the losses
 * at the nodes that own the data (EVAL / EVALR), the regularizer here. */
static int srv_evaluate(srv *s, double *obj) {
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
    for (int r0 = 0; r0 < s->nrec; r0 += EVAL_CHUNK) {
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

static int server_role(mtl__async_ctx *cx, mtl__tr *tr) {
  srv S = {0}, *s = &S;
  const mtl_async_params *ap = &cx->ap;
  mtl_async_info *info = cx->info;
  int d = cx->d, T = cx->T, P = cx->nodes, rc = MTL_ENOMEM, status = 0;
  s->cx = cx;
  s->tr = tr;
  s->ap = ap;
  s->d = d;
  s->T = T;
  s->P = P;
  s->dp = cx->unpenalized_last ? d - 1 : d;
  size_t dT = (size_t)d * T;
  int kmax = (T + P - 1) / P;
  s->cap = COL_HDR + 2 * d;
  if (s->cap < 3 + EVAL_CHUNK * d)
    s->cap = 3 + EVAL_CHUNK * d;
  if (s->cap < 2 + 2 * kmax)
    s->cap = 2 + 2 * kmax;
  s->rec_every = ap->record_every > 0 ? ap->record_every : T;
  s->maxrec = ap->max_records;
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
  if (!s->V || !s->pk || !s->full || !s->buf || !s->rowsq || !s->node_upd ||
      !s->node_ndel || !s->task_upd || !s->node_del || !s->node_inj ||
      !s->node_mult || !s->relchg || !s->node_next || !s->node_K ||
      !s->recV || !s->rec_t || !s->rec_k)
    goto fail;
  for (int t = 0; t < T; t++)
    s->node_K[mtl__async_owner(t, P) - 1]++;
  /* hello: every node reports its tasks and their Lipschitz bounds */
  s->L = 0;
  for (int m = 0; m < P; m++) {
    int n, from;
    if ((rc = mtl__tr_recv(tr, MTL__ANY, TAG_HELLO, s->buf, s->cap, &n,
                           &from, NULL)))
      goto fail;
    int K = (int)s->buf[0];
    if (from < 1 || K != s->node_K[from - 1] || (int)s->buf[1] != d ||
        n != 2 + 2 * K) {
      rc = mtl__err(MTL_EFORMAT,
                    "async server: rank %d announced %d tasks of dimension "
                    "%d; expected %d tasks of dimension %d",
                    from, K, (int)s->buf[1],
                    from >= 1 ? s->node_K[from - 1] : 0, d);
      goto fail;
    }
    for (int i = 0; i < K; i++) {
      int t = (int)s->buf[2 + 2 * i];
      if (t < 0 || t >= T || mtl__async_owner(t, P) != from) {
        rc = mtl__err(MTL_EFORMAT, "async server: rank %d claims task %d",
                      from, t + 1);
        goto fail;
      }
      if (s->buf[3 + 2 * i] > s->L)
        s->L = s->buf[3 + 2 * i];
    }
  }
  if (!(s->L > 0))
    s->L = 1.0;
  s->eta = ap->eta > 0 ? ap->eta : ap->eta_factor / s->L;
  s->thr = s->eta * cx->reg.lambda;
  s->scale = 1.0 / (1.0 + 2.0 * s->eta * cx->reg.ridge);
  if (cx->reg.type == MTL_REG_TRACE && cx->reg.lambda > 0 &&
      ap->osvd_refresh != 1) {
      /* tracks the penalized rows of V (zero at the start): a column
     * replacement passes V's column, of which it reads the first dp */
    if ((rc = mtl__osvd_init(&s->os, s->dp, T, NULL, ap->osvd_refresh)))
      goto fail;
    s->use_osvd = 1;
  } else if (cx->reg.type == MTL_REG_L21 && cx->reg.lambda > 0) {
    s->use_rows = 1;
  }
  s->t0 = mtl__now();
  if (cx->ckpt && cx->ckpt->resume) { /* [mpi] resume hook */
    if ((rc = srv_ckpt_resume(s)))
      goto fail;
  } else {
    srv_record(s);
  }
  rc = ap->mode == MTL_ASYNC_SMTL ? srv_run_sync(s, &status)
                                  : srv_run_async(s, &status);
  if (rc)
    goto fail;
  double seconds = mtl__now() - s->t0;
  if (s->rec_k[s->nrec - 1] != (double)s->k)
    srv_record(s);
  double *obj = mtl__calloc((size_t)s->nrec, sizeof(double));
  if (!obj) {
    rc = MTL_ENOMEM;
    goto fail;
  }
  rc = srv_evaluate(s, obj);
  for (int r = 1; r <= P && rc == MTL_OK; r++)
    rc = mtl__tr_send(tr, r, TAG_FIN, NULL, 0);
  if (rc) {
    free(obj);
    goto fail;
  }
  /* the last snapshot is V at the end: its prox is the answer */
  memcpy(cx->W, s->recV + (size_t)(s->nrec - 1) * dT, dT * sizeof(double));
  if (info) {
    info->status = status;
    info->updates = s->k;
    info->seconds = seconds;
    info->objective = obj[s->nrec - 1];
    info->L = s->L;
    info->eta = s->eta;
    info->tau_max = s->tau_max;
    info->tau_mean = s->k ? s->tau_sum / (double)s->k : 0;
    info->eta_k_last = s->eta_k;
    info->eta_k_bound = ap->c / (2.0 * s->tau_max / sqrt((double)T) + 1.0);
    info->over_bound = s->over;
    info->capped = s->capped;
    info->nodes = P;
    info->T = T;
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
    obj = NULL;
    info->osvd_refreshes = s->use_osvd ? s->os.refreshes : 0;
    info->osvd_drift = s->use_osvd ? s->os.drift : 0;
  }
  free(obj);
  srv_free(s);
  cx->status = status;
  return MTL_OK;
fail:
  srv_free(s);
  return rc;
}

int mtl__async_role(void *ctx, mtl__tr *tr) {
  mtl__async_ctx *cx = ctx;
  return tr->rank == 0 ? server_role(cx, tr) : node_role(cx, tr);
}

/* ---- in-process driver ------------------------------------------------------ */

/* One message per bad field (LIBLINEAR's check_parameter). */
static int check_params(const mtl_async_params *p, int T) {
  if (p->mode != MTL_ASYNC_AMTL && p->mode != MTL_ASYNC_SMTL)
    return mtl__err(MTL_EINVAL, "async: mode = %d must be 0 (AMTL) or 1 "
                                "(SMTL)", (int)p->mode);
  if (p->nodes < 0 || p->nodes > T)
    return mtl__err(MTL_EINVAL, "async: nodes = %d must be in [0, T = %d]",
                    p->nodes, T);
  if (p->max_iter < 1)
    return mtl__err(MTL_EINVAL, "async: max_iter = %d must be >= 1",
                    p->max_iter);
#define BAD(cond, field, rule)                                                 \
  if (cond)                                                                    \
    return mtl__err(MTL_EINVAL, "async: " #field " = %g " rule,                \
                    (double)p->field);
  BAD(!(p->tol >= 0) || !isfinite(p->tol), tol, "must be >= 0")
  BAD(!(p->eta >= 0) || !isfinite(p->eta), eta, "must be >= 0 (0 = auto)")
  BAD(!(p->eta_factor > 0 && p->eta_factor < 2), eta_factor,
      "must be in (0, 2)")
  BAD(!(p->km_step >= 0 && p->km_step < 2), km_step,
      "must be in [0, 2) (0 = Theorem 1's rule)")
  BAD(!(p->c > 0 && p->c < 1), c, "must be in (0, 1)")
  BAD(!(p->eta_min > 0 && p->eta_min <= 1), eta_min, "must be in (0, 1]")
  BAD(!(p->dyn_floor_ms > 0) || !isfinite(p->dyn_floor_ms), dyn_floor_ms,
      "must be > 0 (ms)")
  BAD(!(p->dyn_cap >= 0) || !isfinite(p->dyn_cap), dyn_cap,
      "must be >= 0 (0 = no cap)")
  BAD(!(p->delay_ms >= 0) || !isfinite(p->delay_ms), delay_ms,
      "must be >= 0 (ms)")
  BAD(!(p->jitter_ms >= 0) || !isfinite(p->jitter_ms), jitter_ms,
      "must be >= 0 (ms)")
  BAD(!(p->straggle >= 1) || !isfinite(p->straggle), straggle,
      "must be >= 1")
#undef BAD
  if (p->tau_guess < -1)
    return mtl__err(MTL_EINVAL, "async: tau_guess = %d must be >= -1",
                    p->tau_guess);
  if (p->tau_adapt != 0 && p->tau_adapt != 1)
    return mtl__err(MTL_EINVAL, "async: tau_adapt = %d must be 0 or 1",
                    p->tau_adapt);
  if (p->dyn_window < 0)
    return mtl__err(MTL_EINVAL, "async: dyn_window = %d must be >= 0",
                    p->dyn_window);
  if (p->osvd_refresh < 0)
    return mtl__err(MTL_EINVAL, "async: osvd_refresh = %d must be >= 0",
                    p->osvd_refresh);
  if (p->record_every < 0)
    return mtl__err(MTL_EINVAL, "async: record_every = %d must be >= 0",
                    p->record_every);
  if (p->max_records < 2)
    return mtl__err(MTL_EINVAL, "async: max_records = %d must be >= 2",
                    p->max_records);
  int P = p->nodes ? p->nodes : T;
  if (p->stragglers < 0 || p->stragglers > P)
    return mtl__err(MTL_EINVAL, "async: stragglers = %d must be in [0, %d]",
                    p->stragglers, P);
  if (p->jitter_exp != 0 && p->jitter_exp != 1)
    return mtl__err(MTL_EINVAL, "async: jitter_exp = %d must be 0 or 1",
                    p->jitter_exp);
  if (p->node_delay_ms)
    for (int r = 0; r < P; r++)
      if (!(p->node_delay_ms[r] >= 0) || !isfinite(p->node_delay_ms[r]))
        return mtl__err(MTL_EINVAL,
                        "async: node_delay_ms[%d] = %g must be >= 0 (ms)", r,
                        p->node_delay_ms[r]);
  return MTL_OK;
}

/* [mpi hooks] the checks above for the MPI driver, and the release of the
 * nodes after a server failure (a FIN makes a node role return). */
int mtl__async_check_params(const mtl_async_params *p, int T) {
  return check_params(p, T);
}

int mtl__async_release_nodes(mtl__tr *tr, int P) {
  int rc = MTL_OK;
  for (int r = 1; r <= P; r++) {
    int e = mtl__tr_send(tr, r, TAG_FIN, NULL, 0);
    if (e && !rc)
      rc = e;
  }
  return rc;
}

int mtl_async_fit(const mtl_dataset *ds, const mtl_problem_params *pp,
                  const mtl_async_params *ap, double *W,
                  mtl_async_info *info) {
  mtl_async_params apd;
  mtl_problem_params ppd;
  mtl__async_ctx cx = {0};
  mtl__hub *hub = NULL;
  double *Z = NULL;
  int *tasks = NULL;
  int rc;
  if (info)
    memset(info, 0, sizeof *info);
  if (!ds || !W)
    return mtl__err(MTL_EINVAL, "mtl_async_fit: %s is NULL",
                    ds ? "W" : "dataset");
  if (ds->T < 1)
    return mtl__err(MTL_EINVAL, "mtl_async_fit: dataset has no tasks");
  if (!ap) {
    mtl_async_params_init(&apd);
    ap = &apd;
  }
  if (!pp) {
    mtl_problem_params_init(&ppd);
    pp = &ppd;
  }
  int d = ds->d, T = ds->T;
  if ((rc = check_params(ap, T)))
    return rc;
  if (pp->unpenalized_last && d < 2)
    return mtl__err(MTL_EINVAL,
                    "async: unpenalized_last needs d >= 2 (d = %d)", d);
  /* validate the regularizer (fields, graph R shape) on a zero matrix */
  int dp = pp->unpenalized_last ? d - 1 : d;
  Z = mtl__calloc((size_t)dp * T, sizeof(double));
  if (!Z)
    return MTL_ENOMEM;
  rc = mtl_reg_prox(&pp->reg, 1.0, Z, dp, T, Z);
  free(Z);
  if (rc)
    return mtl__err_prefix(rc, "async: reg");
  cx.ap = *ap;
  cx.ap.node_delay_ms = NULL;
  cx.ap.progress = ap->progress;
  cx.d = d;
  cx.T = T;
  cx.nodes = ap->nodes ? ap->nodes : T;
  cx.reg = pp->reg;
  cx.unpenalized_last = pp->unpenalized_last;
  cx.W = W;
  cx.info = info;
  int P = cx.nodes;
  cx.node = mtl__calloc((size_t)P, sizeof *cx.node);
  tasks = mtl__malloc((size_t)T * sizeof(int));
  rc = MTL_ENOMEM;
  if (!cx.node || !tasks)
    goto done;
  for (int r = 1; r <= P; r++) {
    int K = 0;
    for (int t = r - 1; t < T; t += P)
      tasks[K++] = t;
    if ((rc = mtl__async_node_init(&cx.node[r - 1], ds, pp, tasks, K)))
      goto done;
  }
  if ((rc = mtl__hub_create(P + 1, &hub)))
    goto done;
  for (int r = 1; r <= P; r++) {
    double f = r <= ap->stragglers ? ap->straggle : 1.0;
    mtl__delay dl = {
        .offset_ms = f * (ap->node_delay_ms ? ap->node_delay_ms[r - 1]
                                            : ap->delay_ms),
        .jitter_ms = f * ap->jitter_ms,
        .dist = ap->jitter_exp,
        .seed = ap->seed * 0x9E3779B97F4A7C15ULL + (uint64_t)r,
    };
    mtl__tr_set_delay(mtl__hub_endpoint(hub, r), &dl);
  }
  rc = mtl__hub_run(hub, mtl__async_role, &cx);
  if (rc == MTL_OK)
    rc = cx.status;
  else if (info)
    mtl_async_info_clear(info);
done:
  mtl__hub_free(hub);
  if (cx.node)
    for (int r = 0; r < P; r++)
      mtl__async_node_clear(&cx.node[r]);
  free(cx.node);
  free(tasks);
  return rc;
}

int mtl_async_to_model(const mtl_dataset *ds, const mtl_problem_params *pp,
                       const mtl_async_params *ap, const double *W,
                       const mtl_async_info *info, mtl_model **out) {
  if (!out)
    return mtl__err(MTL_EINVAL, "mtl_async_to_model: out is NULL");
  *out = NULL;
  if (!ds || !pp || !W)
    return mtl__err(MTL_EINVAL, "mtl_async_to_model: NULL argument");
  int T = ds->T, d = ds->d, rc = MTL_OK;
  int *tl = mtl__malloc((size_t)T * sizeof(int));
  if (!tl)
    return MTL_ENOMEM;
  for (int t = 0; t < T; t++) {
    tl[t] = mtl__loss_resolve(pp->task_loss ? pp->task_loss[t] : pp->loss,
                              ds->tasks[t].kind);
  }
  mtl_problem_params q = *pp;
  q.task_loss = tl;
  mtl_model *m = mtl_model_create(d, T, W, &q, NULL);
  if (!m) {
    free(tl);
    return MTL_ENOMEM;
  }
  char num[64];
  int smtl = ap && ap->mode == MTL_ASYNC_SMTL;
  rc = mtl_model_set_meta(m, "method", smtl ? "smtl" : "amtl");
  if (!rc)
    rc = mtl_model_set_meta(m, "reg", mtl_reg_name(pp->reg.type));
  snprintf(num, sizeof num, "%.17g", pp->reg.lambda);
  if (!rc)
    rc = mtl_model_set_meta(m, "lambda", num);
  if (info && !rc) {
    snprintf(num, sizeof num, "%.17g", info->eta);
    rc = mtl_model_set_meta(m, "eta", num);
    snprintf(num, sizeof num, "%lld", (long long)info->updates);
    if (!rc)
      rc = mtl_model_set_meta(m, "updates", num);
    if (!rc && info->nodes > 0 && info->node_updates) {
      double *nu = mtl__malloc((size_t)info->nodes * sizeof(double));
      if (!nu) {
        rc = MTL_ENOMEM;
      } else {
        for (int r = 0; r < info->nodes; r++)
          nu[r] = (double)info->node_updates[r];
        rc = mtl_model_set_matrix(m, "node_updates", 1, info->nodes, nu);
        free(nu);
      }
    }
  }
  free(tl);
  if (rc) {
    mtl_model_free(m);
    return rc;
  }
  *out = m;
  return MTL_OK;
}
