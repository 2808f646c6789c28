/*
 * zmq_impl.h -- private declarations of the ZeroMQ transport
 * (transport_zmq.c: endpoints, mailbox, transport object; zmq_net.c: the
 * I/O thread, CURVE, ZAP, heartbeats, relay and replay; zmq_keys.c: key
 * files).  Only the sources of libmtl-zmq include it (and zmq.h).
 *
 * Threads.  Each process has its main thread (the rank function, which
 * uses both endpoints) and one I/O thread that alone touches the network
 * socket, the ZAP socket and the monitor.  The main thread hands frames to
 * the I/O thread over an inproc PAIR socket (cmd_main, under send_mu);
 * the I/O thread puts received messages into the mailbox.  Lock order:
 * send_mu before mu; the log callback is called without mu held.
 */
#ifndef MTL_ZMQ_IMPL_H
#define MTL_ZMQ_IMPL_H

#include "mtl_zmq.h"
#include "transport/transport.h"

#include <pthread.h>
#include <zmq.h>

/* Frame kinds. */
enum {
  ZK_STOP = 0,
  ZK_DATA = 1,
  ZK_HELLO = 2,
  ZK_WELCOME = 3,
  ZK_HB = 4,
  ZK_BYE = 5
};
/* Channels: the driver's collectives and the role's messages. */
enum { ZC_COLL = 0, ZC_ROLE = 1 };

typedef struct zhdr {
  int32_t kind, chan, src, dest, tag, n;
} zhdr;
#define ZHDR_BYTES ((int)sizeof(zhdr))

typedef struct zmsg {
  struct zmsg *next;
  int chan, src, tag, n;
  double x[];
} zmsg;

/* The coordinator's view of one site (index = rank). */
typedef struct zsite {
  char pub[41]; /* Z85 public key */
  unsigned char key[32];
  const char *file;       /* its key file (for messages) */
  unsigned char rid[256]; /* current routing id */
  size_t rid_len;
  double session; /* the site process's session (0: never) */
  int joined, live, left;
  double last_seen, absent_since;
  int64_t received, skip; /* frames received from it; duplicates to drop */
  unsigned char *log;     /* every frame sent to it (rejoin) */
  size_t log_len, log_cap;
  int64_t log_count;
  int overflow; /* its log passed replay_cap: freed, no rejoin */
} zsite;

typedef struct zt {
  /* set at creation, read-only after */
  int coord, rejoin, drop_lost;
  uint64_t replay_cap;
  double hb_s, absent_s, wait_s;
  char pub[41], sec[41], server_pub[41];
  char *address;
  mtl_zmq_log_fn logf;
  void *log_ud;
  double session;
  void *ctx, *net, *cmd_main, *cmd_io, *zap, *mon;
  pthread_t io;
  int io_started;
  pthread_mutex_t send_mu;
  /* under mu */
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int rank, size;    /* site: from the welcome */
  zmsg *head, *tail; /* mailbox */
  int closed, restarted, refused;
  char why[512];
  int nsites;
  zsite *sites; /* coordinator: sites[1..nsites] */
  /* coordinator: lost[r] = 1 once site r is dropped (drop_lost); written
   * by the rank's thread under mu, read by it without (mtl__tr.lost) */
  unsigned char *lost;
  double coord_session, coord_seen, coord_absent_since; /* site */
  int coord_live;
  uint64_t bytes_out, bytes_in;
} zt;

/* ---- zmq_keys.c ---------------------------------------------------------- */
/* Reads the Z85 public key (and, when sec != NULL, the secret key) of a key
 * file: lines "public-key = KEY" / "secret-key = KEY".  Errors name the
 * file and line. */
int mtl__zkey_read(const char *path, char pub[41], char sec[41]);

/* ---- zmq_net.c ----------------------------------------------------------- */
/* Creates the sockets (and, at the coordinator, the ZAP handler) and
 * starts the I/O thread. */
int mtl__znet_start(zt *z);
/* Stops the I/O thread (a site says goodbye first) and closes the sockets
 * and the context. */
void mtl__znet_stop(zt *z);
/* Hands one frame (header + n doubles) to the I/O thread. */
int mtl__znet_send(zt *z, const zhdr *h, const double *x);
/* Logs an event through the user's callback (printf-like). */
void mtl__zlog(zt *z, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Puts a received message into the mailbox and wakes the receivers (mu
 * held by the caller). */
void mtl__zmb_push(zt *z, const zhdr *h, const void *x);
/* Closes the mailbox with a reason (mu held by the caller). */
void mtl__zmb_close(zt *z, const char *why);

#endif /* MTL_ZMQ_IMPL_H */
