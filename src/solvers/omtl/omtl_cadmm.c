/*
 * omtl_cadmm.c -- C-ADMM (Algorithm 1 of Li et al. 2024): the server
 * (rank 0: u-, V-step and Omega over every task's s_k) and the task nodes
 * (prediction, w- and z-steps), over the message transport; checkpoints
 * of the whole run (server state and every node's w, z) and resume.
 */
#include "omtl_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- checkpoints: the server writes, at the end of a round, its state
 * and every node's (w_k, z_k); on resume it sends each node its state ---- */

static int ckpt_due(const mtl__omtl_ctx *c, int64_t t) {
  return c->ck && c->ck->path && c->ck->every > 0 &&
         (t + 1) % c->ck->every == 0;
}

/* Node: (t, k, w, z) to the server. */
static int node_ckpt(mtl__tr *tr, int64_t t, int d, const double *w,
                     const double *z) {
  double *m = mtl__malloc((size_t)(2 + 2 * d) * sizeof(double));
  if (!m)
    return MTL_ENOMEM;
  m[0] = (double)t;
  m[1] = tr->rank - 1;
  memcpy(m + 2, w, (size_t)d * sizeof(double));
  memcpy(m + 2 + d, z, (size_t)d * sizeof(double));
  int rc = mtl__tr_send(tr, 0, TAG_CKPT, m, 2 + 2 * d);
  free(m);
  return rc;
}

/* Node: its state (t, w, z, u, v) from the server; the rounds up to t are
 * taken from the feed.  *t0 = t + 1. */
static int node_resume(mtl__omtl_ctx *c, mtl__tr *tr, double *w, double *z,
                       double *u, double *v, int64_t *t0) {
  int d = c->d, n, k = tr->rank - 1;
  double *m = mtl__malloc((size_t)(1 + 4 * d) * sizeof(double));
  if (!m)
    return MTL_ENOMEM;
  int rc = mtl__tr_recv(tr, 0, TAG_CKPT, m, 1 + 4 * d, &n, NULL, NULL);
  if (!rc && n != 1 + 4 * d)
    rc = mtl__err(MTL_ECANCELLED, "cadmm node %d: the server could not "
                                  "resume",
                  k + 1);
  if (!rc) {
    memcpy(w, m + 1, (size_t)d * sizeof(double));
    memcpy(z, m + 1 + d, (size_t)d * sizeof(double));
    memcpy(u, m + 1 + 2 * d, (size_t)d * sizeof(double));
    memcpy(v, m + 1 + 3 * d, (size_t)d * sizeof(double));
    *t0 = (int64_t)m[0] + 1;
  }
  double y;
  for (int64_t r = 0; !rc && r < *t0; r++) {
    int e = mtl__feed_get(c->feed, k, r, m, &y);
    rc = e < 0 ? e : MTL_OK;
  }
  free(m);
  return rc;
}

/* ---- C-ADMM (Algorithm 1) ------------------------------------------------- */

/* Task node k = rank - 1: predicts, w-step, sends (t, k, status, code, s_k)
 * to the server, receives (t, u, v_k), z-step.  At the end sends (k, w). */
static int cadmm_node(mtl__omtl_ctx *c, mtl__tr *tr) {
  int d = c->d, k = tr->rank - 1;
  const mtl_omtl_params *p = &c->p;
  double *buf = mtl__calloc((size_t)(7 * d + 8), sizeof(double));
  if (!buf)
    return MTL_ENOMEM;
  double *w = buf, *v = w + d, *z = v + d, *u = z + d, *x = u + d;
  double *msg = x + d; /* 4 + d, reused for the reply (1 + 2d) */
  int64_t t0 = 0;
  int rc = c->ck && c->ck->resume ? node_resume(c, tr, w, z, u, v, &t0)
                                  : MTL_OK;
  if (rc)
    goto done;
  for (int64_t t = t0;; t++) {
    double y, gcoef = 0, code = 0;
    int st = mtl__feed_get(c->feed, k, t, x, &y);
    if (st < 0) {
      rc = st;
      goto done;
    }
    if (st == 1) {
      if (p->normalize)
        mtl__omtl_normalize(d, x);
      code = mtl__omtl_predict(p, d, w, x, y, &gcoef);
    }
    msg[0] = (double)t;
    msg[1] = k;
    msg[2] = st;
    msg[3] = code;
    if (st == 2) {
      if ((rc = mtl__tr_send(tr, 0, TAG_DATA, msg, 4)))
        goto done;
      break;
    }
    mtl__omtl_w(p, c->eta, d, w, u, v, z, x, gcoef);
    for (int i = 0; i < d; i++)
      msg[4 + i] = z[i] + p->rho * w[i];
    if ((rc = mtl__tr_send(tr, 0, TAG_DATA, msg, 4 + d)))
      goto done;
    int n;
    if ((rc = mtl__tr_recv(tr, 0, TAG_REPLY, msg, 1 + 2 * d, &n, NULL, NULL)))
      goto done;
    if (n != 1 + 2 * d || msg[0] != (double)t) {
      rc = mtl__err(MTL_EFORMAT, "cadmm node %d: bad reply for round %lld",
                    k + 1, (long long)t);
      goto done;
    }
    memcpy(u, msg + 1, (size_t)d * sizeof(double));
    memcpy(v, msg + 1 + d, (size_t)d * sizeof(double));
    mtl__omtl_z(p, d, z, w, u, v);
    if (ckpt_due(c, t) && (rc = node_ckpt(tr, t, d, w, z)))
      goto done;
  }
  msg[0] = k;
  memcpy(msg + 1, w, (size_t)d * sizeof(double));
  rc = mtl__tr_send(tr, 0, TAG_FINAL, msg, 1 + d);
done:
  free(buf);
  return rc;
}

/* The server's state: every task's s_k and v_k, u, Omega and P. */
typedef struct server {
  double *S, *V, *Vn, *u; /* d x K, d x K, d x K, d */
  double *P, *Om, *work;  /* K x K, K x K, 2 K x K */
  double *msg, *code;     /* 4 + 2d, K */
  const double **s, **v;  /* K: the columns of S and V */
  int64_t *seen, *mis;    /* K: running error counts */
} server;

static void server_free(server *sv) {
  free(sv->S);
  free(sv->V);
  free(sv->Vn);
  free(sv->u);
  free(sv->P);
  free(sv->Om);
  free(sv->work);
  free(sv->msg);
  free(sv->code);
  free(sv->s);
  free(sv->v);
  free(sv->seen);
  free(sv->mis);
}

/* Zero state, Omega = I / K. */
static int server_init(server *sv, int d, int K) {
  size_t KK = (size_t)K * K;
  sv->S = mtl__calloc((size_t)d * K, sizeof(double));
  sv->V = mtl__calloc((size_t)d * K, sizeof(double));
  sv->Vn = mtl__calloc((size_t)d * K, sizeof(double));
  sv->u = mtl__calloc((size_t)d, sizeof(double));
  sv->P = mtl__malloc(KK * sizeof(double));
  sv->Om = mtl__calloc(KK, sizeof(double));
  sv->work = mtl__malloc(2 * KK * sizeof(double));
  sv->msg = mtl__malloc((size_t)(4 + 2 * d) * sizeof(double));
  sv->code = mtl__malloc((size_t)K * sizeof(double));
  sv->s = mtl__malloc((size_t)K * sizeof *sv->s);
  sv->v = mtl__malloc((size_t)K * sizeof *sv->v);
  sv->seen = mtl__calloc((size_t)K, sizeof(int64_t));
  sv->mis = mtl__calloc((size_t)K, sizeof(int64_t));
  if (!sv->S || !sv->V || !sv->Vn || !sv->u || !sv->P || !sv->Om ||
      !sv->work || !sv->msg || !sv->code || !sv->s || !sv->v || !sv->seen ||
      !sv->mis)
    return MTL_ENOMEM;
  for (int k = 0; k < K; k++) {
    sv->s[k] = sv->S + (size_t)k * d;
    sv->v[k] = sv->V + (size_t)k * d;
    sv->Om[k + (size_t)k * K] = 1.0 / K;
  }
  return MTL_OK;
}

/* Round t's message of every task node (in task order): 0 with s_k and the
 * codes stored, 1 when every node's stream has ended, or an error. */
static int server_gather(const mtl__omtl_ctx *c, mtl__tr *tr, server *sv,
                         int64_t t) {
  int d = c->d, K = c->K, ended = 0, rc;
  double *msg = sv->msg;
  for (int k = 0; k < K; k++) {
    int n;
    if ((rc = mtl__tr_recv(tr, k + 1, TAG_DATA, msg, 4 + d, &n, NULL, NULL)))
      return rc;
    if (msg[0] != (double)t || msg[1] != k)
      return mtl__err(MTL_EFORMAT,
                      "cadmm server: round %lld: message from task %d is "
                      "for round %g, task %g",
                      (long long)t, k + 1, msg[0], msg[1] + 1);
    if (msg[2] == 2) {
      ended++;
      continue;
    }
    sv->code[k] = msg[3];
    memcpy(sv->S + (size_t)k * d, msg + 4, (size_t)d * sizeof(double));
  }
  if (ended && ended != K)
    return mtl__err(MTL_EFORMAT, "cadmm server: round %lld: %d of %d task "
                                 "nodes ended",
                    (long long)t, ended, K);
  return ended ? 1 : 0;
}

/* u-step, V-step with the current P, (t, u, v_k) to every node, then Omega
 * (18) every omega_every rounds and P for the next round. */
static int server_step(const mtl__omtl_ctx *c, mtl__tr *tr, server *sv,
                       int64_t t) {
  const mtl_omtl_params *p = &c->p;
  int d = c->d, K = c->K, rc;
  double *msg = sv->msg;
  mtl__omtl_u(p, d, K, sv->s, sv->v, sv->u);
  for (int k = 0; k < K; k++)
    mtl__omtl_vcol(p, d, K, k, sv->s, sv->u, sv->v, sv->P,
                   sv->Vn + (size_t)k * d);
  memcpy(sv->V, sv->Vn, (size_t)d * K * sizeof(double));
  msg[0] = (double)t;
  memcpy(msg + 1, sv->u, (size_t)d * sizeof(double));
  for (int k = 0; k < K; k++) {
    memcpy(msg + 1 + d, sv->V + (size_t)k * d, (size_t)d * sizeof(double));
    if ((rc = mtl__tr_send(tr, k + 1, TAG_REPLY, msg, 1 + 2 * d)))
      return rc;
  }
  if (p->learn_omega && (t + 1) % p->omega_every == 0) {
    if ((rc = mtl__omtl_omega_update(d, K, sv->v, p->eps, sv->Om, sv->work)) ||
        (rc = mtl__omtl_coef(p, K, sv->Om, sv->P, sv->work)))
      return rc;
  }
  return MTL_OK;
}

/* Server, end of round t: every node's (w, z), then the file. */
static int server_ckpt(mtl__omtl_ctx *c, mtl__tr *tr, server *sv,
                       int64_t t) {
  int d = c->d, K = c->K, rc = MTL_OK, n;
  size_t dK = (size_t)d * K, KK = (size_t)K * K;
  double *nodes = mtl__malloc(2 * dK * sizeof(double));
  double *m = mtl__malloc((size_t)(2 + 2 * d) * sizeof(double));
  double *codes = mtl__malloc((size_t)(t + 1) * K * sizeof(double));
  double *cnt = mtl__malloc(2 * (size_t)K * sizeof(double));
  mtl__ckfile f;
  memset(&f, 0, sizeof f);
  if (!nodes || !m || !codes || !cnt)
    rc = MTL_ENOMEM;
  for (int k = 0; k < K && !rc; k++) {
    rc = mtl__tr_recv(tr, k + 1, TAG_CKPT, m, 2 + 2 * d, &n, NULL, NULL);
    if (!rc && (n != 2 + 2 * d || m[0] != (double)t || m[1] != k))
      rc = mtl__err(MTL_EFORMAT, "cadmm checkpoint: node %d sent a bad "
                                 "state for round %lld",
                    k + 1, (long long)t + 1);
    if (!rc)
      memcpy(nodes + 2 * (size_t)k * d, m + 2, 2 * (size_t)d * sizeof(double));
  }
  for (int64_t i = 0; !rc && i < (t + 1) * K; i++)
    codes[i] = c->codes[i];
  for (int k = 0; !rc && k < K; k++) {
    cnt[k] = (double)sv->seen[k];
    cnt[K + k] = (double)sv->mis[k];
  }
  double hdr[5] = {K, d, (double)t, c->eta, c->p.rho};
  snprintf(f.kind, sizeof f.kind, "cadmm");
  rc = rc ? rc : mtl__ck_put(&f, "header", hdr, 5);
  rc = rc ? rc : mtl__ck_put(&f, "S", sv->S, (int64_t)dK);
  rc = rc ? rc : mtl__ck_put(&f, "V", sv->V, (int64_t)dK);
  rc = rc ? rc : mtl__ck_put(&f, "u", sv->u, d);
  rc = rc ? rc : mtl__ck_put(&f, "Omega", sv->Om, (int64_t)KK);
  rc = rc ? rc : mtl__ck_put(&f, "counts", cnt, 2 * K);
  rc = rc ? rc : mtl__ck_put(&f, "codes", codes, (t + 1) * K);
  rc = rc ? rc : mtl__ck_put(&f, "nodes", nodes, 2 * (int64_t)dK);
  rc = rc ? rc : mtl__ck_write(&f, c->ck->path);
  if (!rc)
    c->ck->written++;
  mtl__ck_clear(&f);
  free(nodes);
  free(m);
  free(codes);
  free(cnt);
  return rc;
}

/* Server: its state from ck->resume (the run's K, d, eta, rho checked),
 * the rounds' codes collected again, each node's state sent.  Returns the
 * round of the checkpoint or an error (the nodes are then released). */
static int64_t server_resume(mtl__omtl_ctx *c, mtl__tr *tr, server *sv) {
  int d = c->d, K = c->K, rc;
  size_t dK = (size_t)d * K, KK = (size_t)K * K;
  const char *path = c->ck->resume;
  mtl__ckfile f;
  memset(&f, 0, sizeof f);
  int64_t t = -1;
  double *m = mtl__malloc((size_t)(1 + 4 * d) * sizeof(double));
  if ((rc = m ? mtl__ck_read(path, &f) : MTL_ENOMEM))
    goto done;
  const double *h = mtl__ck_get(&f, path, "header", 5);
  if (h && (strcmp(f.kind, "cadmm") || h[0] != K || h[1] != d ||
            h[3] != c->eta || h[4] != c->p.rho)) {
    rc = mtl__err(MTL_EINVAL, "checkpoint '%s' is of a %s run with K = %g, "
                              "d = %g, eta = %g, rho = %g; this C-ADMM run "
                              "has K = %d, d = %d, eta = %g, rho = %g",
                  path, f.kind, h[0], h[1], h[3], h[4], K, d, c->eta,
                  c->p.rho);
    goto done;
  }
  t = h ? (int64_t)h[2] : -1;
  const double *S = mtl__ck_get(&f, path, "S", (int64_t)dK);
  const double *V = mtl__ck_get(&f, path, "V", (int64_t)dK);
  const double *u = mtl__ck_get(&f, path, "u", d);
  const double *Om = mtl__ck_get(&f, path, "Omega", (int64_t)KK);
  const double *cnt = mtl__ck_get(&f, path, "counts", 2 * K);
  const double *codes = t >= 0 ? mtl__ck_get(&f, path, "codes", (t + 1) * K)
                               : NULL;
  const double *nodes = mtl__ck_get(&f, path, "nodes", 2 * (int64_t)dK);
  if (!S || !V || !u || !Om || !cnt || !codes || !nodes) {
    rc = MTL_EFORMAT;
    goto done;
  }
  memcpy(sv->S, S, dK * sizeof(double));
  memcpy(sv->V, V, dK * sizeof(double));
  memcpy(sv->u, u, (size_t)d * sizeof(double));
  memcpy(sv->Om, Om, KK * sizeof(double));
  for (int k = 0; k < K; k++) {
    sv->seen[k] = (int64_t)cnt[k];
    sv->mis[k] = (int64_t)cnt[K + k];
  }
  rc = mtl__omtl_coef(&c->p, K, sv->Om, sv->P, sv->work);
  for (int64_t r = 0; !rc && r <= t; r++) /* no timings before it */
    rc = mtl__omtl_collect_round(c, codes + r * K, 0);
  for (int k = 0; !rc && k < K; k++) {
    m[0] = (double)t;
    memcpy(m + 1, nodes + 2 * (size_t)k * d, 2 * (size_t)d * sizeof(double));
    memcpy(m + 1 + 2 * d, sv->u, (size_t)d * sizeof(double));
    memcpy(m + 1 + 3 * d, sv->V + (size_t)k * d, (size_t)d * sizeof(double));
    rc = mtl__tr_send(tr, k + 1, TAG_CKPT, m, 1 + 4 * d);
  }
done:
  if (rc) { /* release the nodes waiting for their state; keep the message */
    char why[512];
    snprintf(why, sizeof why, "%s", mtl_last_error());
    double none = -1;
    for (int k = 0; k < K; k++)
      mtl__tr_send(tr, k + 1, TAG_CKPT, &none, 1);
    rc = mtl__err(rc, "%s", why);
  }
  mtl__ck_clear(&f);
  free(m);
  return rc ? rc : t;
}

/* Server: gathers s_k of every task (in task order), u-step, V-step with
 * the current P, sends (t, u, v_k), then Omega (18) every omega_every
 * rounds and P for the next round. */
static int cadmm_server(mtl__omtl_ctx *c, mtl__tr *tr) {
  int d = c->d, K = c->K;
  server sv;
  memset(&sv, 0, sizeof sv);
  int64_t t0 = 0;
  int rc = server_init(&sv, d, K);
  if (rc || (rc = mtl__omtl_coef(&c->p, K, sv.Om, sv.P, sv.work)))
    goto done;
  if (c->ck && c->ck->resume) {
    int64_t tc = server_resume(c, tr, &sv);
    if (tc < 0) {
      rc = (int)tc;
      goto done;
    }
    t0 = tc + 1;
  }
  double tprev = mtl__now();
  for (int64_t t = t0;; t++) {
    if ((rc = server_gather(c, tr, &sv, t)) < 0)
      goto done;
    if (rc == 1)
      break;
    if ((rc = server_step(c, tr, &sv, t)))
      goto done;
    double now = mtl__now();
    if ((rc = mtl__omtl_collect_round(c, sv.code, now - tprev)))
      goto done;
    tprev = now;
    double err = mtl__omtl_running_err(c, sv.seen, sv.mis, sv.code);
    if ((rc = mtl__omtl_report(c, t, err)))
      goto done;
    if (ckpt_due(c, t) && (rc = server_ckpt(c, tr, &sv, t)))
      goto done;
  }
  rc = MTL_OK;
  for (int k = 0; k < K && !rc; k++) {
    int n;
    rc = mtl__tr_recv(tr, k + 1, TAG_FINAL, sv.msg, 1 + d, &n, NULL, NULL);
    if (!rc)
      memcpy(c->W + (size_t)k * d, sv.msg + 1, (size_t)d * sizeof(double));
  }
  if (!rc) {
    memcpy(c->V, sv.V, (size_t)d * K * sizeof(double));
    memcpy(c->u, sv.u, (size_t)d * sizeof(double));
  }
done:
  server_free(&sv);
  return rc;
}

int mtl__omtl_cadmm_role(void *ctx, mtl__tr *tr) {
  mtl__omtl_ctx *c = ctx;
  return tr->rank == 0 ? cadmm_server(c, tr) : cadmm_node(c, tr);
}
