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
 *
 * Files: async.c (parameters, model), async_driver.c (the one driver, on
 * any transport), async_node.c (the node role), async_server.c (the server
 * role), async_ckpt.c (the server's checkpoint hook), async_impl.h (what
 * they share).
 */
#include "async_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void mtl_async_params_init(mtl_async_params *p) {
  *p = (mtl_async_params){
      .mode = MTL_ASYNC_AMTL,
      .nodes = 0,
      .max_iter = 1000,
      .tol = 1e-10,
      .eta = 0,
      .eta_factor = 1.0,
      .km_step = 0,
      .step = MTL_ASYNC_STEP_AUTO,
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

int mtl__async_role(void *ctx, mtl__tr *tr) {
  mtl__async_ctx *cx = ctx;
  return tr->rank == 0 ? mtl__async_server_role(cx, tr)
                      : mtl__async_node_role(cx, tr);
}


/* ---- parameters ------------------------------------------------------------- */

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
  if (p->step != MTL_ASYNC_STEP_AUTO && p->step != MTL_ASYNC_STEP_THEOREM1)
    return mtl__err(MTL_EINVAL, "async: step = %d must be 0 (auto) or 1 "
                                "(theorem1)",
                    p->step);
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
  if (info)
    memset(info, 0, sizeof *info);
  if (!ds || !W)
    return mtl__err(MTL_EINVAL, "mtl_async_fit: %s is NULL",
                    ds ? "W" : "dataset");
  mtl__async_job job = {.ds = ds, .T = ds->T, .pp = pp, .ap = ap, .W = W,
                        .info = info};
  return mtl__async_run(NULL, &job);
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
