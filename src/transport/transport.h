/*
 * transport.h -- the transport layer: how nodes (a server, task nodes, graph
 * neighbours) talk.  Private to the library.
 *
 * Solvers that run on several nodes (async, SMTL, C-ADMM, D-ADMM) are
 * written once, as role functions that receive one endpoint (`mtl__tr`) and
 * exchange messages through the calls below.  They never call pthreads or
 * MPI directly.  Two implementations sit behind the interface:
 *   - in-process (transport_inproc.c): every rank is a thread of this
 *     process; messages are copied into per-rank mailboxes;
 *   - MPI (src/mpi/transport_mpi.c, declared in src/mpi/mpi_impl.h; in
 *     libmtl-mpi only): every rank is an MPI process.
 *
 * Message model (a subset of MPI point-to-point semantics, so both
 * implementations agree):
 *   - a message is an array of doubles (integers such as counters travel
 *     exactly as doubles up to 2^53) with a source rank and a tag >= 0;
 *   - send is buffered: it returns once the payload is copied, never waiting
 *     for the receiver;
 *   - messages from one source with one tag are received in the order sent
 *     (non-overtaking); no order is promised across sources;
 *   - recv blocks until a message matching (src, tag) is available, where
 *     MTL__ANY matches any source or tag; try_recv never blocks.
 *
 * Delay injection for experiments lives here: an endpoint may hold a delay
 * model applied before each of its sends (the node "waits offset + random
 * after its forward step", Baytas et al. IV-A), measured and reported back
 * to the caller so that delay-adaptive steps can use it.
 *
 * Thread-safety: one endpoint is used by one thread (its node).  Distinct
 * endpoints of one in-process transport may be used concurrently.
 */
#ifndef MTL_TRANSPORT_H
#define MTL_TRANSPORT_H

#include "model/model.h"

#define MTL__ANY (-1)

typedef struct mtl__tr mtl__tr;

/* Delay model of one endpoint: before each send, sleep
 *   offset_ms + jitter_ms * X,  X ~ Uniform(0,1) (dist 0) or Exp(1) (dist 1).
 * A zero model (the default) sleeps never. */
typedef struct mtl__delay {
  double offset_ms;
  double jitter_ms;
  int dist;
  uint64_t seed;
} mtl__delay;

typedef struct mtl__tr_vtbl {
  int (*send)(mtl__tr *tr, int dest, int tag, const double *buf, int n);
  /* blocking if !nonblock; returns 1 when a message was received, 0 when
   * nonblock and none was available, or a negative error. */
  int (*recv)(mtl__tr *tr, int src, int tag, double *buf, int cap, int *n,
              int *from, int *tag_out, int nonblock);
  /* Releases every rank blocked in a receive on this endpoint's network
   * (they return MTL_ECANCELLED): what a failing role does so that its
   * peers do not wait forever.  NULL = not possible (MPI: the job ends). */
  void (*close)(mtl__tr *tr);
} mtl__tr_vtbl;

struct mtl__tr {
  const mtl__tr_vtbl *v;
  int rank;
  int size;
  void *impl;           /* implementation data (shared hub, communicator) */
  mtl__delay delay;
  mtl__rng delay_rng;
  double last_delay_ms; /* delay injected before the last send */
  uint64_t bytes_sent;  /* payload bytes sent by this endpoint */
  uint64_t msgs_sent;
  /* Ranks the transport dropped from the run (a network transport whose
   * user allowed it: mtl_zmq_params.drop_lost): lost[r] != 0 once rank r is
   * gone for good, set only by this endpoint's own thread, inside a
   * receive.  NULL: no rank is ever dropped.  The collectives skip a lost
   * rank (it adds nothing to a reduction; its gathered values are 0); SMTL
   * and AMTL go on without its tasks; other methods fail at the receive
   * that found it gone. */
  const unsigned char *lost;
};
/* 1 when rank r was dropped from the run (see mtl__tr.lost). */
#define MTL__TR_LOST(tr, r) ((tr)->lost != NULL && (tr)->lost[r] != 0)

/* Sends n doubles to dest with tag (>= 0), after the endpoint's injected
 * delay if any.  Returns MTL_OK or an error. */
int mtl__tr_send(mtl__tr *tr, int dest, int tag, const double *buf, int n);
/* Receives one matching message into buf (capacity cap doubles; a longer
 * message is an MTL_EDIM error and is consumed).  *n, *from, *tag_out may be
 * NULL.  Returns MTL_OK or an error. */
int mtl__tr_recv(mtl__tr *tr, int src, int tag, double *buf, int cap, int *n,
                 int *from, int *tag_out);
/* Like recv but returns 1 if a message was received, 0 if none is waiting. */
int mtl__tr_try_recv(mtl__tr *tr, int src, int tag, double *buf, int cap,
                     int *n, int *from, int *tag_out);
/* Calls the endpoint's close (see mtl__tr_vtbl), when it has one. */
void mtl__tr_close(mtl__tr *tr);
/* Sets the delay model of an endpoint (copied; seeds its generator). */
void mtl__tr_set_delay(mtl__tr *tr, const mtl__delay *d);

/* ---- collectives (collective.c): written once over send/recv ----------- */
/* Every rank calls the same collectives in the same order; they use the
 * reserved tag MTL__TAG_COLL (no injected delay, not counted in
 * bytes_sent) and must not overlap a receive with a wildcard tag.  They
 * give the same bits on every transport: reductions combine in rank order
 * at rank 0, then broadcast. */
#define MTL__TAG_COLL 32000
enum { MTL__OP_SUM = 0, MTL__OP_MAX = 1, MTL__OP_MIN = 2 };
/* buf (n doubles) of root to every rank. */
int mtl__tr_bcast(mtl__tr *tr, int root, double *buf, int n);
/* Every rank's send (n doubles) into recv (size x n, rank order) at root;
 * recv is only used at root. */
int mtl__tr_gather(mtl__tr *tr, int root, const double *send, int n,
                   double *recv);
/* x (n doubles) = the sum / max / min over the ranks, on every rank. */
int mtl__tr_allreduce(mtl__tr *tr, double *x, int n, int op);
/* Agreement on failure: MTL_OK when rc >= 0 on every rank; else this
 * rank's rc (its own message) or MTL_ECANCELLED naming the failed rank. */
int mtl__tr_agree(mtl__tr *tr, int rc);

/* ---- in-process transport ------------------------------------------------ */

typedef struct mtl__hub mtl__hub;
/* Creates `size` connected endpoints (ranks 0..size-1) sharing one hub. */
int mtl__hub_create(int size, mtl__hub **out);
void mtl__hub_free(mtl__hub *h);
mtl__tr *mtl__hub_endpoint(mtl__hub *h, int rank);

/* Runs role(ctx, endpoint) on `size` threads, one per rank, and joins them.
 * Returns the first negative return value of a role (by rank), else 0.  A
 * role that fails should make its peers stop (the protocols send a stop
 * message); as a last resort, a failing role closes the hub, which makes
 * every blocked recv return MTL_ECANCELLED. */
typedef int (*mtl__role_fn)(void *ctx, mtl__tr *tr);
int mtl__hub_run(mtl__hub *h, mtl__role_fn role, void *ctx);
/* Closes the hub: pending and future recvs return MTL_ECANCELLED. */
void mtl__hub_close(mtl__hub *h);

/* ---- transports (runner.c): where a method's ranks run ------------------ */
/* A distributed method is written as ONE per-rank function: it receives
 * two endpoints of the same ranks, `coll` for the driver's collectives
 * (checks agreed, shapes reduced, results gathered) and `role` for the
 * algorithm's messages (wildcard receives on it never take a collective's
 * message).  A transport (the public mtl_transport) runs that function on
 * ranks 0..n-1:
 *   - threads (NULL or mtl_transport_threads): n threads of this process
 *     over two in-process hubs; every rank sees the caller's whole data;
 *   - a process transport (MPI; ZeroMQ, src/zmq): this
 *     process runs the function once, for its own rank, over endpoints of
 *     its own implementation; n must be the transport's size.
 * A new transport is an ops table: nothing in a method changes. */
typedef int (*mtl__rank_fn)(void *ctx, mtl__tr *coll, mtl__tr *role);
typedef struct mtl__transport_ops {
  const char *name;
  /* Runs fn on this transport's ranks (n of them, n == size checked by
   * mtl__run_ranks); returns this process's result. */
  int (*run)(mtl_transport *t, int n, mtl__rank_fn fn, void *ctx);
  void (*destroy)(mtl_transport *t);
} mtl__transport_ops;
struct mtl_transport {
  const mtl__transport_ops *ops;
  int rank;   /* this process's rank; -1: every rank runs here (threads) */
  int size;   /* the ranks; 0: as many as the method asks (threads) */
  void *impl;
};
/* Runs fn on ranks 0..n-1 of t (NULL = threads).  Threads: returns the
 * root-cause error of the ranks ("rank R: message"), else rank 0's value.
 * A process transport: fn's value on this rank; n != size is an error on
 * every rank (agreed before fn runs).  BLAS is made single-threaded. */
int mtl__run_ranks(const mtl_transport *t, int n, mtl__rank_fn fn,
                   void *ctx);
/* 1 when every rank runs in this process (threads: each rank may read the
 * caller's whole dataset), 0 for a process transport. */
int mtl__transport_local(const mtl_transport *t);
/* The number of ranks of a process transport; 0 for threads. */
int mtl__transport_size(const mtl_transport *t);
/* Agreement after a local step of a driver (over `coll`): MTL_OK when
 * rc >= 0 on every rank; else this rank's own error, or MTL_ECANCELLED
 * "who: rank R failed" on the ranks that did not fail. */
int mtl__drv_agree(mtl__tr *coll, int rc, const char *who);
/* Every rank's n ints x gathered at rank 0: *off (size + 1 offsets) and
 * *all (off[size] ints, rank order); NULL on other ranks.  Collective. */
int mtl__tr_gather_ints(mtl__tr *coll, const int *x, int n, const char *who,
                        int **off, int **all);
/* Every task's value on every rank: each rank gives its K tasks' values
 * (val[i] of global task gid[i]; > 0 where a value may be 0 is to be told
 * from "missing"), the sum over the ranks of T-vectors, zero elsewhere,
 * fills *out (T doubles, malloc'd) -- exact, as one rank owns a task.
 * Collective. */
int mtl__tr_by_task(mtl__tr *coll, int K, const int *gid, const double *val,
                    int T, double **out);
/* Rank 0 writes the rank-to-tasks map: line "RANK ROLE t1 t2 ..." per rank
 * (1-based task ids) after a comment header; ids[off[r] .. off[r+1]-1]. */
int mtl__write_rank_map(const char *path, int size, const char *role0,
                        const char *role, const int *off, const int *ids);

/* ---- checkpoints (checkpoint.c) [mpi helper] ----------------------------- */
/* A checkpoint is a set of named double arrays under a kind string, written
 * atomically (mtl__write_atomic) as text with exact hexadecimal floats, so
 * a resumed run continues from bit-identical state. */
typedef struct mtl__ckvar {
  char name[32];
  int64_t n;
  double *x;
} mtl__ckvar;
typedef struct mtl__ckfile {
  char kind[32];         /* "smtl", "amtl", "dadmm", ... */
  int nvar, cap;
  mtl__ckvar *v;
} mtl__ckfile;
/* Appends a copy of x[0..n-1] under name. */
int mtl__ck_put(mtl__ckfile *f, const char *name, const double *x, int64_t n);
int mtl__ck_put1(mtl__ckfile *f, const char *name, double x);
int mtl__ck_write(const mtl__ckfile *f, const char *path);
/* Reads path; errors name the file and line. */
int mtl__ck_read(const char *path, mtl__ckfile *f);
/* Array `name` of exactly n entries (n < 0: any), or NULL with an error
 * naming the checkpoint file `path`, the variable and the sizes. */
const double *mtl__ck_get(const mtl__ckfile *f, const char *path,
                          const char *name, int64_t n);
void mtl__ck_clear(mtl__ckfile *f);

/* The checkpoint hook of a role (async server, D-ADMM): write every `every`
 * units (async: server updates, SMTL: iterations, D-ADMM: rounds) to path
 * (NULL = never); resume from `resume` (NULL = fresh start). */
typedef struct mtl__ckpt {
  const char *path;
  int every;             /* > 0: every `every` units; 0: by wall time */
  const char *resume;
  int64_t written;       /* checkpoints written (out) */
  double seconds;        /* every == 0: at least this many seconds apart */
  double last;           /* the time of the last one (or of the start) */
} mtl__ckpt;
/* ---- end of checkpoint block ---------------------------------------------- */

#endif /* MTL_TRANSPORT_H */
