/*
 * async_node.c -- the task node of asynchronous / synchronous MTL (see
 * async.c): its state (one-task datasets and loss-only problems of the
 * tasks it owns) and its role: forward steps on COL requests, loss values
 * on EVAL requests, until FIN.
 */
#include "async_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
                         const int *gid, int ntasks) {
  memset(nd, 0, sizeof *nd);
  int rc = MTL_ENOMEM;
  nd->tasks = mtl__malloc((size_t)ntasks * sizeof(int));
  nd->ds = mtl__calloc((size_t)ntasks, sizeof *nd->ds);
  nd->pb = mtl__calloc((size_t)ntasks, sizeof *nd->pb);
  if (!nd->tasks || !nd->ds || !nd->pb)
    goto fail;
  nd->ntasks = ntasks;
  for (int i = 0; i < ntasks; i++) {
    int t = tasks[i], g = gid[i];
    nd->tasks[i] = g;
    rc = mtl_dataset_select_tasks(ds, &t, 1, &nd->ds[i]);
    if (rc)
      goto fail;
    /* loss only: the regularizer lives on the server */
    mtl_problem_params q = *pp;
    q.task_loss = NULL;
    q.loss = pp->task_loss ? (mtl_loss)pp->task_loss[g] : pp->loss;
    mtl_reg_init(&q.reg);
    q.reg.type = MTL_REG_NONE;
    q.reg.lambda = 0;
    q.reg.ridge = 0;
    q.unpenalized_last = 0;
    q.threads = 1;
    rc = mtl_problem_create(nd->ds[i], &q, &nd->pb[i]);
    if (rc) {
      rc = mtl__err_prefix(rc, "async: task %d", g + 1);
      goto fail;
    }
  }
  return MTL_OK;
fail:
  mtl__async_node_clear(nd);
  return rc;
}

/* ---- task node role -------------------------------------------------------- */

/* The delays between a node's forward steps (III.6's dynamic step): a
 * ring of the last `cap` delays in ms. */
typedef struct delays {
  double *ring;
  int cap, n, pos;
  double t_end, last; /* end of the last forward step (-1: none), delay */
} delays;

static void delays_push(delays *dl, double now) {
  if (dl->t_end < 0)
    return;
  dl->last = (now - dl->t_end) * 1e3;
  dl->ring[dl->pos] = dl->last;
  dl->pos = (dl->pos + 1) % dl->cap;
  if (dl->n < dl->cap)
    dl->n++;
}

/* III.6: c_tk = ln(max(mean of the last k+1 delays, floor)). */
static double delays_mult(const delays *dl, double floor_ms) {
  double mean = 0;
  for (int j = 0; j < dl->n; j++)
    mean += dl->ring[j];
  mean = dl->n ? mean / dl->n : 0;
  return log(mean > floor_ms ? mean : floor_ms);
}

/* EVAL: the loss of task i at `cnt` columns, replied as EVALR. */
static int node_eval(mtl__async_node *nd, int i, int d, const double *buf,
                     double *out, mtl__tr *tr) {
  int first = (int)buf[1], cnt = (int)buf[2], rc;
  out[0] = buf[0];
  out[1] = first;
  out[2] = cnt;
  for (int r = 0; r < cnt; r++) {
    double f;
    if ((rc = mtl_problem_loss(nd->pb[i], buf + 3 + (size_t)r * d, &f,
                               NULL)))
      return rc;
    out[3 + r] = f;
  }
  return mtl__tr_send(tr, 0, TAG_EVALR, out, 3 + cnt);
}

/* COL: the forward step v_t + step (p_t - eta grad loss_t(p_t) - v_t) on
 * this node's data only, sent back as UPD. */
static int node_forward(mtl__async_ctx *cx, mtl__async_node *nd, int i,
                        const double *buf, double *out, double *g,
                        delays *dl, mtl__tr *tr) {
  const mtl_async_params *ap = &cx->ap;
  int d = cx->d, t = (int)buf[0], rc;
  delays_push(dl, mtl__now());
  double eta = buf[2], eta_k = buf[3];
  const double *p = buf + COL_HDR, *v = buf + COL_HDR + d;
  double f;
  if ((rc = mtl_problem_loss(nd->pb[i], p, &f, g)))
    return mtl__err_prefix(rc, "async node %d, task %d", tr->rank, t + 1);
  double mult = 1.0, capped = 0;
  if (ap->dynamic && ap->mode == MTL_ASYNC_AMTL)
    mult = delays_mult(dl, ap->dyn_floor_ms);
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
  out[2] = dl->last;
  out[3] = tr->last_delay_ms;
  out[4] = step / eta_k;
  out[5] = capped;
  dl->t_end = mtl__now();
  /* the injected delay ("offset + random after the forward step") is
   * applied by the transport inside this send */
  return mtl__tr_send(tr, 0, TAG_UPD, out, UPD_HDR + d);
}

/* Serves COL requests with forward steps and then EVAL requests, until FIN.
 * Reads only its own tasks (cx->node[rank - 1]). */
int mtl__async_node_role(mtl__async_ctx *cx, mtl__tr *tr) {
  mtl__async_node *nd = &cx->node[tr->rank - 1];
  int d = cx->d, K = nd->ntasks;
  int cap = COL_HDR + 2 * d;
  if (cap < 3 + EVAL_CHUNK * d)
    cap = 3 + EVAL_CHUNK * d;
  if (cap < 2 + 2 * K)
    cap = 2 + 2 * K;
  delays dl = {.cap = cx->ap.dyn_window + 1, .t_end = -1};
  double *buf = mtl__malloc((size_t)cap * sizeof(double));
  double *out = mtl__malloc((size_t)(UPD_HDR + d + EVAL_CHUNK + 3) *
                            sizeof(double));
  double *g = mtl__malloc((size_t)d * sizeof(double));
  dl.ring = mtl__calloc((size_t)dl.cap, sizeof(double));
  int rc = MTL_ENOMEM;
  if (!buf || !out || !g || !dl.ring)
    goto done;
  buf[0] = K;
  buf[1] = d;
  for (int i = 0; i < K; i++) {
    buf[2 + 2 * i] = nd->tasks[i];
    buf[3 + 2 * i] = mtl_problem_lipschitz(nd->pb[i]);
  }
  if ((rc = mtl__tr_send(tr, 0, TAG_HELLO, buf, 2 + 2 * K)))
    goto done;
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
    rc = tag == TAG_EVAL ? node_eval(nd, i, d, buf, out, tr)
                         : node_forward(cx, nd, i, buf, out, g, &dl, tr);
    if (rc)
      goto done;
  }
  rc = MTL_OK;
done:
  free(buf);
  free(out);
  free(g);
  free(dl.ring);
  return rc;
}
