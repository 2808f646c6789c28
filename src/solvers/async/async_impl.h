/*
 * async_impl.h -- private declarations shared by the files of the
 * asynchronous / synchronous MTL solver (see async.c for the method and the
 * messages): async.c (parameters, in-process driver, model), async_node.c
 * (task node role), async_server.c (server role) and async_ckpt.c (the
 * server's checkpoint hook).  Not installed.
 */
#ifndef MTL_ASYNC_IMPL_H
#define MTL_ASYNC_IMPL_H

#include "solvers/solvers.h"

enum { TAG_HELLO = 1, TAG_COL, TAG_UPD, TAG_STOP, TAG_EVAL, TAG_EVALR,
       TAG_FIN };

#define UPD_HDR 6   /* doubles before v_t in UPD */
#define COL_HDR 4
#define EVAL_CHUNK 32 /* snapshot columns per EVAL message */

/* The roles of mtl__async_role: rank 0 and ranks 1..P. */
int mtl__async_server_role(mtl__async_ctx *cx, mtl__tr *tr);
int mtl__async_node_role(mtl__async_ctx *cx, mtl__tr *tr);

/* The checks of an mtl_async_params for T tasks (one message per bad
 * field); FIN to nodes 1..P so that they return after a server failure
 * (async.c). */
int mtl__async_check_params(const mtl_async_params *p, int T);
int mtl__async_release_nodes(mtl__tr *tr, int P);

/* The server's state. */
typedef struct mtl__srv {
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
  double *sent_eta;       /* T: eta_k sent with task t's last column */
  double *res2;           /* T: task t's last squared fixed-point residual */
  double eta_auto, eta_floor, res_prev; /* the auto step policy */
  int rises;              /* epochs in a row above 2 res_prev */
  /* an epoch of the auto policy: every task updated since the last one
   * (a sweep; at most EPOCH_CAP x T updates) */
  unsigned char *fresh;   /* T: task t updated in this epoch */
  int nfresh;
  int64_t epoch_k;        /* updates in this epoch */
  int tau_max;
  double tau_sum, eta_k;
  int64_t *node_upd, *node_ndel, *task_upd;
  double *node_del, *node_inj, *node_mult, *relchg;
  int *node_next, *node_K;
  int nrec, maxrec, rec_every;
  double *recV, *rec_t, *rec_k;
  double t0;
} mtl__srv;

/* Exact row norms of the penalized rows of V (async_server.c). */
void mtl__srv_rows_recompute(mtl__srv *s);
/* [mpi] checkpoint hook (async_ckpt.c): write the state after update k,
 * whether unit (updates or iterations) is a checkpoint point, resume. */
int mtl__srv_ckpt_write(mtl__srv *s);
int mtl__srv_ckpt_due(mtl__srv *s, int64_t unit);
int mtl__srv_ckpt_resume(mtl__srv *s);

#endif /* MTL_ASYNC_IMPL_H */
