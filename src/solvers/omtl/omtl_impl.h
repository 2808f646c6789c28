/*
 * omtl_impl.h -- private pieces shared by the online multi-task modules
 * (omtl_feed.c, omtl*.c).  Not installed.
 */
#ifndef MTL_OMTL_IMPL_H
#define MTL_OMTL_IMPL_H

#include "solvers/solvers.h"

/* ---- the ADMM steps (omtl_steps.c; tests/test_omtl.c checks them) ------- */

/** u-step over K tasks from s_k = z_k + rho w_k and v_k (d each, column-
 *  major d x K): EXACT u = sum_k (s_k - rho v_k)/(lambda2 + rho K); PAPER
 *  (14).  u: d. */
void mtl_omtl_ustep(const mtl_omtl_params *p, int d, int K, const double *S,
                    const double *V, double *u);
/** V-step.  EXACT: Vnew = (S - rho u 1') Omega ((l1+l3+rho) Omega + l4 I)^-1
 *  (= (Z + rho(W - u1')) ((l1+l3+rho) I + l4 Omega^-1)^-1);  PAPER (12):
 *  Vnew_k = lambda2 s_k / (lambda2(l1+l3+rho) + rho K (l1+l3))
 *  + l4/2 [V Omega^-1 + V Omega^-T]_k with the old V.  Vnew: d x K. */
int mtl_omtl_vstep(const mtl_omtl_params *p, int d, int K, const double *S,
                   const double *u, const double *V, const double *Omega,
                   double *Vnew);
/** Omega = (V'V + eps I)^{1/2} / tr(.)  (I/K if V == 0).  Omega: K x K. */
int mtl_omtl_omega(int d, int K, const double *V, double eps,
                   double *Omega);

/* A round feeder: turns a stream (arrival order) into rounds.  Round t of
 * task k is the t-th instance of task k.  A task whose next instance has not
 * arrived while another task is already LOOKAHEAD rounds ahead is declared
 * absent for that round (bounded buffering on open streams).
 *
 * In-process, one feeder serves every rank; it is the only object shared by
 * the role threads, and every call takes its mutex (the only lock; it is
 * never held while a role sends or receives).  Over MPI each rank builds a
 * feeder on its own stream, holding only its tasks' samples: the answers
 * for a task depend only on that task's instances and the end of the
 * stream, which the rank must know (the dataset's round count). */
typedef struct mtl__feed mtl__feed;
#define MTL__FEED_LOOKAHEAD 1000

/* Paper variant with eps = 0: Omega's eigenvalues up to this fraction of
 * the largest are taken as zero by its pseudo-inverse (numpy's pinv). */
#define MTL__OMTL_PINV_RCOND 1e-15

/* max_rounds 0 = no limit. */
int mtl__feed_create(mtl_stream *s, int64_t max_rounds, mtl__feed **out);
void mtl__feed_free(mtl__feed *f);
/* Instance of task k at round t (rounds of one task asked in increasing
 * order): returns 1 (x (d), *y filled), 0 (task absent this round),
 * 2 (end of stream: no task has round t) or an error (file:line). */
int mtl__feed_get(mtl__feed *f, int k, int64_t t, double *x, double *y);

/* ---- the online methods (omtl*.c) --------------------------------------- */

/* Message tags of the roles. */
enum { TAG_DATA = 1, TAG_REPLY = 2, TAG_FINAL = 3,
       TAG_CKPT = 4 /* a node's state to rank 0 / back on resume */ };

/* The run context shared by the role threads (omtl.c builds it). */
typedef struct mtl__omtl_ctx {
  mtl_omtl_params p;
  double eta;
  int K, d;
  mtl__feed *feed;
  const mtl_graph *g;
  /* written by rank 0 only */
  signed char *codes; /* rounds x K */
  double *round_sec;
  int64_t rounds, cap;
  double *W, *V, *u, *Om;
  int *first;         /* K x K gossip first-known rounds */
  int64_t nseen_err[2];
  int64_t agreed_rounds; /* > 0 (MPI): every node runs exactly this many
                            rounds; 0 in-process */
  int64_t known_rounds;  /* the run's round count when known (in-process:
                            the stream's, capped by max_rounds), else 0 */
  mtl__ckpt *ck;         /* D-ADMM checkpoints / resume (rank 0 writes) */
} mtl__omtl_ctx;

/* The shared arithmetic (omtl_steps.c); see there. */
void mtl__omtl_u(const mtl_omtl_params *p, int d, int K, const double *const *s,
                 const double *const *v, double *u);
int mtl__omtl_coef(const mtl_omtl_params *p, int K, const double *Om, double *P,
                   double *work);
void mtl__omtl_vcol(const mtl_omtl_params *p, int d, int K, int k,
                    const double *const *s, const double *u,
                    const double *const *v, const double *P, double *out);
int mtl__omtl_omega_update(int d, int K, const double *const *v, double eps,
                           double *Om, double *work);
double mtl__omtl_predict(const mtl_omtl_params *p, int d, const double *w,
                         const double *x, double y, double *gcoef);
void mtl__omtl_w(const mtl_omtl_params *p, double eta, int d, double *w,
                 const double *u, const double *v, const double *z,
                 const double *x, double gcoef);
void mtl__omtl_z(const mtl_omtl_params *p, int d, double *z, const double *w,
                 const double *u, const double *v);
void mtl__omtl_normalize(int d, double *x);

/* The checks of an mtl_omtl_params (omtl.c). */
int mtl__omtl_check_params(const mtl_omtl_params *p);

/* What the driver's ranks share (omtl_driver.c): the stream (threads: the
 * whole; a process transport: this rank's), the parameters, the
 * checkpoint hook (NULL = none), the rank map, the result (rank 0). */
typedef struct mtl__omtl_job {
  mtl_stream *s;
  const mtl_omtl_params *p;
  mtl__ckpt *ck;
  const char *rank_map;
  mtl_omtl_result *res;
} mtl__omtl_job;

/* Rank-0 bookkeeping (omtl.c). */
const char *mtl__omtl_method_name(mtl_omtl_method m);
int mtl__omtl_collect_round(mtl__omtl_ctx *c, const double *code, double sec);
int mtl__omtl_push_round_time(mtl__omtl_ctx *c, double sec);
int mtl__omtl_report(mtl__omtl_ctx *c, int64_t t, double err);
int mtl__omtl_round_done(mtl__omtl_ctx *c, int64_t t, double *tprev);
double mtl__omtl_running_err(mtl__omtl_ctx *c, int64_t *seen, int64_t *mis,
                             const double *code);
/* Appends one code to a growing array (omtl_dadmm.c). */
int mtl__omtl_push_code(double **codes, int64_t *n, int64_t *cap, double code);

/* The roles (rank = node; see each file) and the sequential baselines. */
struct mtl__tr;
int mtl__omtl_cadmm_role(void *ctx, struct mtl__tr *tr);
int mtl__omtl_dadmm_role(void *ctx, struct mtl__tr *tr);
int mtl__omtl_dpsgd_role(void *ctx, struct mtl__tr *tr);
int mtl__omtl_sequential(mtl__omtl_ctx *c);

/* D-ADMM's K nodes stepped round by round in the calling thread
 * (omtl_dadmm.c; used by omtl_online.c): the round-synchronous run's
 * arithmetic in its order.  g stays the caller's and must outlive it;
 * p->eta > 0 is the step used. */
typedef struct mtl__dadmm_seq mtl__dadmm_seq;
int mtl__dadmm_seq_create(const mtl_omtl_params *p, const mtl_graph *g, int K,
                          int d, mtl__dadmm_seq **out);
void mtl__dadmm_seq_free(mtl__dadmm_seq *q);
/* Round t: X (K x d, row k = task k's instance), y (K, 0 = none); code
 * (K) as mtl__omtl_step_round. */
int mtl__dadmm_seq_round(mtl__dadmm_seq *q, int64_t t, const double *X,
                         const double *y, double *code);
/* Every node's w and v (d x K each) and node 0's u (d): the threaded
 * run's result. */
void mtl__dadmm_seq_state(const mtl__dadmm_seq *q, double *W, double *V,
                          double *u);

#endif /* MTL_OMTL_IMPL_H */
