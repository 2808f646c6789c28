/*
 * mtl_zmq.h -- the encrypted network transport: ZeroMQ with CURVE
 * (docs/secure.md).  Includes mtl.h.
 *
 * Two libraries export these functions.  libmtl-zmq (-lmtl-zmq,
 * pkg-config libmtl-zmq, built when libzmq is found) is libmtl plus this
 * transport: a program links it INSTEAD of libmtl.  libmtl itself has no
 * ZeroMQ dependency: there mtl_zmq_available() is 0 and the other
 * functions return MTL_EUNSUPPORTED with a message.
 *
 * The setting: one coordinator and P sites (institutions) that cannot move
 * their data.  The coordinator binds one TCP port; each site connects out
 * to it, so only the coordinator listens.  Every connection is CURVE
 * (Curve25519 key exchange, XSalsa20-Poly1305 on every message): the
 * sites know the coordinator's public key, and the coordinator accepts
 * only the site keys of its list (ZAP); an unknown key is refused and
 * logged.  The coordinator is rank 0 of the distributed methods (the
 * async/SMTL server, and the relay of site-to-site messages for C-ADMM and
 * D-ADMM); the site whose public key is the i-th of the coordinator's list
 * is rank i (1-based), whatever the order in which the sites connect.
 * Each process then calls mtl_fit with ONLY its own tasks (the reader's
 * task filter "part=r/P", as on MPI; the coordinator passes NULL for
 * async/smtl/cadmm).
 *
 * Liveness.  Both sides send a heartbeat every heartbeat_s; a site silent
 * for absent_s is marked absent (logged; the run goes on: async keeps
 * updating the other sites' tasks).  A receive that waits while a party is
 * absent gives up after wait_s with an error naming it (SMTL, which waits
 * for every site each round, stops there), or, with drop_lost, drops the
 * site for good: SMTL / AMTL go on with the other sites' tasks.  A site
 * process that is restarted (same key) rejoins: the coordinator replays to
 * it every message the site's rank was sent and drops the messages the new
 * process sends again until it has caught up (the methods' site roles are
 * deterministic functions of what they receive), so the run ends where it
 * would have.  This costs the coordinator a copy of every message sent to
 * each site, up to replay_cap bytes per site (parameter rejoin 0 turns it
 * off).  A restarted coordinator (--resume from its checkpoint) is seen by
 * the sites, whose fit returns MTL_ECANCELLED with mtl_zmq_restarted() 1:
 * they call mtl_fit again on a new transport.
 *
 * Wire format: one ZeroMQ frame per message, a 24-byte header (kind,
 * channel, source, destination, tag, count: little-endian int32) and the
 * doubles in the hosts' byte order (every supported host is
 * little-endian).
 */
#ifndef MTL_ZMQ_H
#define MTL_ZMQ_H

#include "mtl.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum mtl_zmq_role {
  MTL_ZMQ_COORDINATOR = 0, /* binds, rank 0 */
  MTL_ZMQ_SITE = 1         /* connects, rank given by its key's position */
} mtl_zmq_role;

/* Called from the transport's I/O thread for each event: a site joined,
 * was refused, went absent, rejoined, left; the live sites.  msg is valid
 * during the call only.  The callback must not call the transport. */
typedef void (*mtl_zmq_log_fn)(void *ud, const char *msg);

typedef struct mtl_zmq_params {
  mtl_zmq_role role;
  /* coordinator: the endpoint to bind ("tcp://0.0.0.0:7400",
   * "tcp://10.0.0.1:7400"); site: the coordinator's
   * ("tcp://coord.example:7400").  Required. */
  const char *address;
  /* this party's key file (mtl_zmq_keygen's secret file).  Required. */
  const char *key_file;
  /* site: the coordinator's public key file.  Required for a site. */
  const char *server_key_file;
  /* coordinator: the sites' public key files, site i (rank i) =
   * site_key_files[i - 1]; nsites >= 1.  Key files hold the key as Z85
   * text (a secret file's public line is read too). */
  const char *const *site_key_files;
  int nsites;
  double heartbeat_s; /* heartbeat interval (default 0.5 s, > 0) */
  double absent_s;    /* silence that marks a party absent (default 5 s) */
  double wait_s;      /* start-up wait for every site / the coordinator,
                         and the longest a receive waits while a party is
                         absent (default 120 s) */
  int rejoin;         /* 1 (default): keep the messages sent to each site
                         so that a restarted site can rejoin; 0: a
                         restarted site is refused */
  mtl_zmq_log_fn log; /* events (default NULL: none) */
  void *log_ud;
  /* coordinator: what a receive does once a site has been absent for
   * wait_s: 0 (default) fail naming it (the run stops); 1 drop the site
   * from the run for good (logged; mtl_zmq_dropped lists it): SMTL and
   * AMTL go on with the other sites' tasks, the dropped site's tasks held
   * at their last value (docs/secure.md); other methods stop. */
  int drop_lost;
  int reserved_i_;
  /* coordinator: the most bytes of messages kept per site for its rejoin
   * (default 64 MiB; 0: no limit).  A site whose log passed it cannot
   * rejoin: its new process is refused (logged) and it stays absent. */
  uint64_t replay_cap;
  uint64_t reserved_[6]; /* room to grow: MTL_RESERVED less the 16 bytes
                            of the three fields above */
} mtl_zmq_params;

/** 1 in libmtl-zmq, 0 in libmtl (no ZeroMQ). */
MTL_API int mtl_zmq_available(void);
/** Defaults (see the fields). */
MTL_API void mtl_zmq_params_init(mtl_zmq_params *p);
/** A new CURVE key pair: secret_path gets both keys (mode 0600), public_path
 *  (may be NULL) the public key only (mode 0644).  Written atomically
 *  (mtl_output_*).  MTL_EUNSUPPORTED in libmtl. */
MTL_API int mtl_zmq_keygen(const char *secret_path, const char *public_path);
/** The transport of one party.  The coordinator binds and waits (at most
 *  wait_s) until every site of its list has connected and said hello; a
 *  site connects and waits for the coordinator's welcome, which gives its
 *  rank (mtl_transport_rank) and the ranks' count, P + 1
 *  (mtl_transport_size).  A site whose key is refused gets MTL_EIO saying
 *  so.  Free with mtl_transport_free (a site says goodbye; pending
 *  messages are flushed for up to 5 s). */
MTL_API int mtl_transport_zmq(const mtl_zmq_params *p, mtl_transport **out);
/** Coordinator: how many sites are live now, and live[i - 1] = 1 for a live
 *  site i (live may be NULL; n its length).  Site: 1 while the coordinator
 *  is live, else 0.  Negative on error (not a zmq transport). */
MTL_API int mtl_zmq_live(const mtl_transport *t, unsigned char *live, int n);
/** Site: 1 when its fit stopped because the coordinator restarted (call
 *  mtl_fit again on a new transport); 0 otherwise. */
MTL_API int mtl_zmq_restarted(const mtl_transport *t);
/** Coordinator: how many sites were dropped from the run (drop_lost), and
 *  dropped[i - 1] = 1 for a dropped site i (dropped may be NULL; n its
 *  length).  0 on a site.  Negative on error (not a zmq transport). */
MTL_API int mtl_zmq_dropped(const mtl_transport *t, unsigned char *dropped,
                            int n);
/** Bytes this process sent and received on the network socket (frames:
 *  header + payload, before CURVE's 16-byte tag and TCP). */
MTL_API int mtl_zmq_bytes(const mtl_transport *t, uint64_t *sent,
                          uint64_t *received);

#ifdef __cplusplus
}
#endif
#endif /* MTL_ZMQ_H */
