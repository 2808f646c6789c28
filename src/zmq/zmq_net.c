/*
 * zmq_net.c -- the network side of the ZeroMQ transport: sockets, CURVE,
 * the ZAP handler (the coordinator's whitelist of site keys), the I/O
 * thread, heartbeats, absence, the coordinator's relay of site-to-site
 * messages, and the replay that lets a restarted site rejoin.
 *
 * Sockets.  Coordinator: a ROUTER bound on the user's address, CURVE
 * server, with a ZAP handler (REP on inproc://zeromq.zap.01, served by the
 * I/O thread) that accepts exactly the listed site keys and tells libzmq
 * the site's rank as the connection's User-Id; every frame received
 * carries it, so a site cannot speak for another rank.  Site: a DEALER
 * that connects out, CURVE client, with a socket monitor that reports a
 * refused key.  High-water marks are off (0): a send never drops.
 *
 * Thread-safety: everything here runs on the I/O thread except
 * mtl__znet_start/stop (creator's thread) and mtl__znet_send (the rank's
 * thread, under send_mu).  Fields under z->mu: see zmq_impl.h.
 */
#include "zmq_impl.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void mtl__zlog(zt *z, const char *fmt, ...) {
  if (!z->logf)
    return;
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  z->logf(z->log_ud, buf);
}

/* Counts bytes sent or received on the network (takes mu). */
static void count(zt *z, uint64_t *c, size_t len) {
  pthread_mutex_lock(&z->mu);
  *c += len;
  pthread_mutex_unlock(&z->mu);
}

/* ---- mailbox (mu held) ----------------------------------------------------
 */

void mtl__zmb_push(zt *z, const zhdr *h, const void *x) {
  zmsg *m = malloc(sizeof *m + (size_t)h->n * sizeof(double));
  if (!m) {
    mtl__zmb_close(z, "out of memory for a received message");
    return;
  }
  *m = (zmsg){NULL, h->chan, h->src, h->tag, h->n};
  if (h->n)
    memcpy(m->x, x, (size_t)h->n * sizeof(double));
  if (z->tail)
    z->tail->next = m;
  else
    z->head = m;
  z->tail = m;
  pthread_cond_broadcast(&z->cv);
}

void mtl__zmb_close(zt *z, const char *why) {
  if (!z->closed) {
    z->closed = 1;
    snprintf(z->why, sizeof z->why, "%s", why);
  }
  pthread_cond_broadcast(&z->cv);
}

/* ---- frames ----------------------------------------------------------------
 */

/* Sends header + payload as one frame; never blocks (ZMQ_DONTWAIT): the
 * network sockets have no high-water mark, so a send fails only when a
 * DEALER has no connection at all (a refused key). */
static int send_frame(void *sock, const zhdr *h, const double *x) {
  size_t len = (size_t)ZHDR_BYTES + (size_t)h->n * sizeof(double);
  zmq_msg_t m;
  if (zmq_msg_init_size(&m, len) != 0)
    return -1;
  memcpy(zmq_msg_data(&m), h, ZHDR_BYTES);
  if (h->n)
    memcpy((char *)zmq_msg_data(&m) + ZHDR_BYTES, x,
           (size_t)h->n * sizeof(double));
  if (zmq_msg_send(&m, sock, ZMQ_DONTWAIT) < 0) {
    zmq_msg_close(&m);
    return -1;
  }
  return 0;
}

/* Parses a frame: 1 with *h, *x (the payload, in the message) and v (its
 * first three doubles, 0 past the end) when it is well formed, else 0. */
static int parse_frame(zmq_msg_t *m, zhdr *h, const void **x, double v[3]) {
  size_t len = zmq_msg_size(m);
  if (len < (size_t)ZHDR_BYTES)
    return 0;
  memcpy(h, zmq_msg_data(m), ZHDR_BYTES);
  if (h->n < 0 || len != (size_t)ZHDR_BYTES + (size_t)h->n * sizeof(double))
    return 0;
  /* the payload need not be aligned for doubles (libzmq keeps small
   * messages inside zmq_msg_t): read through memcpy only */
  *x = (const char *)zmq_msg_data(m) + ZHDR_BYTES;
  v[0] = v[1] = v[2] = 0;
  memcpy(v, *x, (size_t)(h->n < 3 ? h->n : 3) * sizeof(double));
  return 1;
}

int mtl__znet_send(zt *z, const zhdr *h, const double *x) {
  pthread_mutex_lock(&z->send_mu);
  int rc = send_frame(z->cmd_main, h, x);
  pthread_mutex_unlock(&z->send_mu);
  if (rc)
    return mtl__err(MTL_EIO, "transport zmq: cannot queue a message: %s",
                    zmq_strerror(zmq_errno()));
  return MTL_OK;
}

/* ---- coordinator ------------------------------------------------------------
 */

/* "1 2 4" into buf: the live sites (mu held). */
static const char *live_list(zt *z, char *buf, size_t cap) {
  size_t k = 0;
  int any = 0;
  buf[0] = 0;
  for (int r = 1; r <= z->nsites && k + 12 < cap; r++)
    if (z->sites[r].live) {
      k += (size_t)snprintf(buf + k, cap - k, "%s%d", any ? " " : "", r);
      any = 1;
    }
  if (!any)
    snprintf(buf, cap, "none");
  return buf;
}

/* Logs "what; live: ..." (takes mu for the list). */
static void log_live(zt *z, const char *what) {
  char l[256];
  pthread_mutex_lock(&z->mu);
  live_list(z, l, sizeof l);
  pthread_mutex_unlock(&z->mu);
  mtl__zlog(z, "%s; live sites: %s", what, l);
}

/* Messages received from all sites so far (I/O thread only). */
static long long received_all(const zt *z) {
  long long n = 0;
  for (int r = 1; r <= z->nsites; r++)
    n += z->sites[r].received;
  return n;
}

/* 1 when site r was dropped from the run (takes mu). */
static int site_lost(zt *z, int r) {
  pthread_mutex_lock(&z->mu);
  int l = z->lost[r];
  pthread_mutex_unlock(&z->mu);
  return l;
}

/* Appends a frame to site r's log (for its rejoin); past replay_cap the
 * log is freed and the site can no longer rejoin (logged once). */
static int log_append(zt *z, int r, const void *buf, size_t len) {
  zsite *s = &z->sites[r];
  if (s->overflow)
    return 0;
  if (z->replay_cap && s->log_len + len > z->replay_cap) {
    free(s->log);
    s->log = NULL;
    s->log_len = s->log_cap = 0;
    s->overflow = 1;
    mtl__zlog(z,
              "site %d: its rejoin log passed the cap (%llu bytes, %lld "
              "messages): kept no longer; a restarted process of this "
              "site will be refused",
              r, (unsigned long long)z->replay_cap, (long long)s->log_count);
    return 0;
  }
  if (s->log_len + len > s->log_cap) {
    size_t cap = s->log_cap ? s->log_cap : 65536;
    while (cap < s->log_len + len)
      cap *= 2;
    unsigned char *p = realloc(s->log, cap);
    if (!p)
      return -1;
    s->log = p;
    s->log_cap = cap;
  }
  memcpy(s->log + s->log_len, buf, len);
  s->log_len += len;
  s->log_count++;
  return 0;
}

/* Sends a frame to site r's current connection (if any). */
static void to_rid(zt *z, zsite *s, const void *buf, size_t len) {
  if (!s->rid_len)
    return; /* absent: the log keeps it */
  if (zmq_send(z->net, s->rid, s->rid_len, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
      zmq_send(z->net, buf, len, ZMQ_DONTWAIT) < 0)
    return; /* a lost peer: the log keeps it */
  count(z, &z->bytes_out, len);
}

/* A DATA frame for site r: logged, then sent (nothing for a dropped
 * site). */
static void to_site(zt *z, int r, const void *buf, size_t len) {
  zsite *s = &z->sites[r];
  if (site_lost(z, r))
    return;
  if (z->rejoin && log_append(z, r, buf, len) != 0) {
    pthread_mutex_lock(&z->mu);
    mtl__zmb_close(z, "transport zmq: out of memory for the rejoin log");
    pthread_mutex_unlock(&z->mu);
    return;
  }
  to_rid(z, s, buf, len);
}

static void control_to(zt *z, zsite *s, int kind, int n, const double *x) {
  zhdr h = {kind, 0, 0, (int32_t)(s - z->sites), 0, n};
  unsigned char buf[ZHDR_BYTES + 8 * sizeof(double)];
  memcpy(buf, &h, ZHDR_BYTES);
  memcpy(buf + ZHDR_BYTES, x, (size_t)n * sizeof(double));
  to_rid(z, s, buf, (size_t)ZHDR_BYTES + (size_t)n * sizeof(double));
}

static void welcome(zt *z, zsite *s) {
  double w[3] = {(double)(s - z->sites), z->nsites + 1, z->session};
  control_to(z, s, ZK_WELCOME, 3, w);
}

/* Tells the connection rid that this run will not hear it (a dropped
 * site, a refused rejoin): its transport closes. */
static void bye_to(zt *z, const zmq_msg_t *rid) {
  zhdr bye = {ZK_BYE, 0, 0, 0, 0, 0};
  if (zmq_send(z->net, zmq_msg_data((zmq_msg_t *)rid), zmq_msg_size(rid),
               ZMQ_SNDMORE | ZMQ_DONTWAIT) >= 0)
    send_frame(z->net, &bye, NULL);
}

/* Replays site s's log to its new connection. */
static void replay(zt *z, zsite *s) {
  size_t off = 0;
  while (off + ZHDR_BYTES <= s->log_len) {
    zhdr h;
    memcpy(&h, s->log + off, ZHDR_BYTES);
    size_t len = (size_t)ZHDR_BYTES + (size_t)h.n * sizeof(double);
    to_rid(z, s, s->log + off, len);
    off += len;
  }
}

/* A site's hello: first join, a reconnection of the same process, or a new
 * process of the same site (rejoin). */
static void coord_hello(zt *z, int r, const zmq_msg_t *rid, double ses) {
  zsite *s = &z->sites[r];
  char what[256];
  int fresh = !s->joined, same = s->joined && ses == s->session;
  const char *no = site_lost(z, r)   ? "it was dropped from this run"
                   : !z->rejoin      ? "rejoin is off"
                   : s->overflow     ? "its rejoin log passed the cap"
                                     : NULL;
  if (!fresh && (!same || site_lost(z, r)) && no) {
    mtl__zlog(z, "site %d (%s) restarted, but %s: refused", r, s->file, no);
    bye_to(z, rid);
    return;
  }
  pthread_mutex_lock(&z->mu);
  s->rid_len = zmq_msg_size(rid) <= sizeof s->rid ? zmq_msg_size(rid) : 0;
  memcpy(s->rid, zmq_msg_data((zmq_msg_t *)rid), s->rid_len);
  s->joined = s->live = 1;
  s->left = 0;
  if (!fresh && !same)
    s->skip = s->received; /* the new process sends them again */
  s->session = ses;
  pthread_mutex_unlock(&z->mu);
  welcome(z, s);
  if (fresh) {
    snprintf(what, sizeof what, "site %d joined (key %s)", r, s->file);
  } else if (same) {
    snprintf(what, sizeof what, "site %d reconnected", r);
  } else {
    replay(z, s);
    snprintf(what, sizeof what,
             "site %d rejoined (a new process): %lld "
             "messages replayed, its first %lld dropped as repeats; "
             "%lld messages received from the sites so far",
             r, (long long)s->log_count, (long long)s->skip, received_all(z));
  }
  log_live(z, what);
}

/* A DATA frame from site r: repeats of a rejoined site are dropped; the
 * coordinator's messages go to the mailbox, the others are relayed. */
static void coord_data(zt *z, int r, const zhdr *h, const void *x,
                       zmq_msg_t *m) {
  zsite *s = &z->sites[r];
  if (!s->joined || h->src != r || (h->chan != ZC_COLL && h->chan != ZC_ROLE) ||
      site_lost(z, r))
    return;
  if (s->skip > 0) {
    s->skip--;
    return;
  }
  s->received++;
  if (h->dest == 0) {
    pthread_mutex_lock(&z->mu);
    mtl__zmb_push(z, h, x);
    pthread_mutex_unlock(&z->mu);
  } else if (h->dest >= 1 && h->dest <= z->nsites) {
    to_site(z, h->dest, zmq_msg_data(m), zmq_msg_size(m));
  }
}

/* One message on the ROUTER: [routing id][frame], the frame's User-Id
 * (set by the ZAP handler) naming the site. */
static void coord_recv(zt *z) {
  zmq_msg_t rid, m;
  zmq_msg_init(&rid);
  zmq_msg_init(&m);
  if (zmq_msg_recv(&rid, z->net, ZMQ_DONTWAIT) < 0)
    goto done;
  if (!zmq_msg_more(&rid) || zmq_msg_recv(&m, z->net, 0) < 0)
    goto done;
  while (zmq_msg_more(&m)) { /* never sent by a site: drained */
    zmq_msg_t extra;
    zmq_msg_init(&extra);
    zmq_msg_recv(&extra, z->net, 0);
    zmq_msg_close(&extra);
  }
  const char *uid = zmq_msg_gets(&m, "User-Id");
  int r = uid ? atoi(uid) : 0;
  zhdr h;
  const void *x;
  double v[3];
  if (r < 1 || r > z->nsites || !parse_frame(&m, &h, &x, v))
    goto done;
  zsite *s = &z->sites[r];
  int back = 0, lost;
  pthread_mutex_lock(&z->mu);
  z->bytes_in += zmq_msg_size(&m);
  s->last_seen = mtl__now();
  lost = z->lost[r];
  if (!s->live && s->joined && !s->left && !lost &&
      (h.kind == ZK_DATA ||
       (h.kind == ZK_HB && h.n >= 1 && v[0] == s->session)))
    back = s->live = 1;
  pthread_mutex_unlock(&z->mu);
  if (back) {
    char what[64];
    snprintf(what, sizeof what, "site %d is back", r);
    log_live(z, what);
  }
  if (lost && h.kind != ZK_HELLO && h.kind != ZK_BYE) {
    bye_to(z, &rid); /* a dropped site that was only hung */
  } else if (h.kind == ZK_HELLO && h.n >= 1) {
    coord_hello(z, r, &rid, v[0]);
  } else if (h.kind == ZK_HB && h.n >= 1) {
    if (!s->joined || v[0] != s->session) { /* a site of another run */
      double me = z->session;
      zhdr hb = {ZK_HB, 0, 0, r, 0, 1};
      if (zmq_send(z->net, zmq_msg_data(&rid), zmq_msg_size(&rid),
                   ZMQ_SNDMORE | ZMQ_DONTWAIT) >= 0)
        send_frame(z->net, &hb, &me);
    }
  } else if (h.kind == ZK_DATA) {
    /* only from the site's current connection: a stale process that
     * still runs after its replacement rejoined is not heard */
    if (zmq_msg_size(&rid) == s->rid_len &&
        !memcmp(zmq_msg_data(&rid), s->rid, s->rid_len))
      coord_data(z, r, &h, x, &m);
  } else if (h.kind == ZK_BYE && s->joined &&
             zmq_msg_size(&rid) == s->rid_len &&
             !memcmp(zmq_msg_data(&rid), s->rid, s->rid_len)) {
    pthread_mutex_lock(&z->mu);
    s->live = 0;
    s->left = 1;
    s->absent_since = mtl__now();
    pthread_mutex_unlock(&z->mu);
    char what[64];
    snprintf(what, sizeof what, "site %d left", r);
    log_live(z, what);
  }
done:
  zmq_msg_close(&rid);
  zmq_msg_close(&m);
}

/* The ZAP handler: accepts a CURVE client whose key is in the list and
 * names it by its rank (User-Id); refuses and logs any other key. */
static void zap_serve(zt *z) {
  zmq_msg_t part[8];
  int np = 0, more = 1;
  while (more) {
    zmq_msg_t m;
    zmq_msg_init(&m);
    if (zmq_msg_recv(&m, z->zap, np ? 0 : ZMQ_DONTWAIT) < 0) {
      zmq_msg_close(&m);
      break;
    }
    more = zmq_msg_more(&m);
    if (np < 8)
      part[np++] = m;
    else
      zmq_msg_close(&m);
  }
  if (np < 2)
    goto done;
  int r = 0;
  if (np >= 7 && zmq_msg_size(&part[6]) == 32)
    for (int i = 1; i <= z->nsites && !r; i++)
      if (!memcmp(zmq_msg_data(&part[6]), z->sites[i].key, 32))
        r = i;
  char uid[16] = "";
  if (r)
    snprintf(uid, sizeof uid, "%d", r);
  const char *status = r ? "200" : "400", *text = r ? "OK" : "unknown key";
  zmq_send(z->zap, "1.0", 3, ZMQ_SNDMORE);
  zmq_send(z->zap, zmq_msg_data(&part[1]), zmq_msg_size(&part[1]), ZMQ_SNDMORE);
  zmq_send(z->zap, status, 3, ZMQ_SNDMORE);
  zmq_send(z->zap, text, strlen(text), ZMQ_SNDMORE);
  zmq_send(z->zap, uid, strlen(uid), ZMQ_SNDMORE);
  zmq_send(z->zap, "", 0, 0);
  if (!r) {
    char key[41] = "?", addr[64] = "?";
    if (np >= 7 && zmq_msg_size(&part[6]) == 32)
      zmq_z85_encode(key, zmq_msg_data(&part[6]), 32);
    if (np >= 4)
      snprintf(addr, sizeof addr, "%.*s", (int)zmq_msg_size(&part[3]),
               (const char *)zmq_msg_data(&part[3]));
    mtl__zlog(z,
              "refused a connection from %s: unknown CURVE key %s (not "
              "in the list of site keys)",
              addr, key);
  }
done:
  for (int i = 0; i < np; i++)
    zmq_msg_close(&part[i]);
}

/* Heartbeats to the sites; a site silent for absent_s is marked absent. */
static void coord_tick(zt *z, double now) {
  double me = z->session;
  for (int r = 1; r <= z->nsites; r++) {
    zsite *s = &z->sites[r];
    int gone = 0;
    pthread_mutex_lock(&z->mu);
    if (s->live && now - s->last_seen > z->absent_s) {
      s->live = 0;
      s->absent_since = now;
      gone = 1;
    }
    pthread_mutex_unlock(&z->mu);
    if (s->joined && !s->left && !site_lost(z, r))
      control_to(z, s, ZK_HB, 1, &me);
    if (gone) {
      char what[192];
      snprintf(what, sizeof what,
               "site %d absent (no message for %.1f s); "
               "%lld messages received from the sites so far",
               r, z->absent_s, received_all(z));
      log_live(z, what);
    }
  }
}

/* ---- site
 * ---------------------------------------------------------------------- */

static void site_recv(zt *z) {
  zmq_msg_t m;
  zmq_msg_init(&m);
  zhdr h;
  const void *x;
  double v[3];
  if (zmq_msg_recv(&m, z->net, ZMQ_DONTWAIT) < 0 || !parse_frame(&m, &h, &x, v))
    goto done;
  int back = 0;
  pthread_mutex_lock(&z->mu);
  z->bytes_in += zmq_msg_size(&m);
  z->coord_seen = mtl__now();
  back = !z->coord_live && z->coord_session != 0;
  z->coord_live = 1;
  if (h.kind == ZK_WELCOME && h.n == 3) {
    if (z->coord_session == 0) {
      z->rank = (int)v[0];
      z->size = (int)v[1];
      z->coord_session = v[2];
      pthread_cond_broadcast(&z->cv);
    } else if (v[2] != z->coord_session) {
      z->restarted = 1;
    }
  } else if (h.kind == ZK_HB && h.n == 1 && z->coord_session != 0 &&
             v[0] != z->coord_session) {
    z->restarted = 1;
  } else if (h.kind == ZK_DATA && z->coord_session != 0) {
    mtl__zmb_push(z, &h, x);
  } else if (h.kind == ZK_BYE) {
    z->refused = 1; /* no goodbye flush to wait for */
    mtl__zmb_close(z, "transport zmq: the coordinator dropped this site "
                      "from the run (absent longer than its wait limit, "
                      "or a rejoin it could not replay): this site stops");
  }
  if (z->restarted)
    mtl__zmb_close(z, "transport zmq: the coordinator restarted (a new "
                      "process): this site's fit stops; run it again to "
                      "rejoin");
  pthread_mutex_unlock(&z->mu);
  if (back)
    mtl__zlog(z, "the coordinator is back");
done:
  zmq_msg_close(&m);
}

/* Socket monitor events: a refused key ends the wait for the welcome. */
static void site_monitor(zt *z) {
  zmq_msg_t ev, addr;
  zmq_msg_init(&ev);
  zmq_msg_init(&addr);
  if (zmq_msg_recv(&ev, z->mon, ZMQ_DONTWAIT) < 0)
    goto done;
  if (zmq_msg_more(&ev))
    zmq_msg_recv(&addr, z->mon, 0);
  if (zmq_msg_size(&ev) < 6)
    goto done;
  uint16_t e;
  uint32_t v;
  memcpy(&e, zmq_msg_data(&ev), 2);
  memcpy(&v, (char *)zmq_msg_data(&ev) + 2, 4);
  if (e == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) {
    char why[512];
    snprintf(why, sizeof why,
             "transport zmq: the coordinator at %s refused "
             "this site's key (status %u): its public key is not in the "
             "coordinator's list of site keys",
             z->address, (unsigned)v);
    pthread_mutex_lock(&z->mu);
    z->refused = 1;
    mtl__zmb_close(z, why);
    pthread_mutex_unlock(&z->mu);
    mtl__zlog(z, "%s", why + 15);
  } else if (e == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL ||
             e == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL) {
    mtl__zlog(z,
              "CURVE handshake with %s failed (is the coordinator's "
              "public key the right one?)",
              z->address);
  }
done:
  zmq_msg_close(&ev);
  zmq_msg_close(&addr);
}

static void site_tick(zt *z, double now) {
  double me = z->session;
  zhdr hb = {ZK_HB, 0, z->rank, 0, 0, 1};
  if (send_frame(z->net, &hb, &me) == 0)
    count(z, &z->bytes_out, ZHDR_BYTES + sizeof(double));
  int gone = 0;
  pthread_mutex_lock(&z->mu);
  if (z->coord_live && now - z->coord_seen > z->absent_s) {
    z->coord_live = 0;
    z->coord_absent_since = now;
    gone = 1;
  }
  pthread_mutex_unlock(&z->mu);
  if (gone)
    mtl__zlog(z, "the coordinator is absent (no message for %.1f s)",
              z->absent_s);
}

/* ---- the I/O thread
 * ------------------------------------------------------------ */

/* A frame from this process's rank: to the network (a site), to a site or
 * to this process's own mailbox (the coordinator).  Returns 1 on ZK_STOP. */
static int from_main(zt *z) {
  zmq_msg_t m;
  zmq_msg_init(&m);
  zhdr h;
  const void *x;
  double v[3];
  int stop = 0;
  if (zmq_msg_recv(&m, z->cmd_io, ZMQ_DONTWAIT) < 0 ||
      !parse_frame(&m, &h, &x, v))
    goto done;
  if (h.kind == ZK_STOP) {
    stop = 1;
  } else if (!z->coord) {
    size_t len = zmq_msg_size(&m);
    if (zmq_msg_send(&m, z->net, ZMQ_DONTWAIT) >= 0) {
      count(z, &z->bytes_out, len);
    } else {
      pthread_mutex_lock(&z->mu);
      mtl__zmb_close(z, "transport zmq: no connection to the coordinator "
                        "(refused?): a message could not be sent");
      pthread_mutex_unlock(&z->mu);
    }
  } else if (h.dest >= 1 && h.dest <= z->nsites) {
    to_site(z, h.dest, zmq_msg_data(&m), zmq_msg_size(&m));
  }
done:
  zmq_msg_close(&m);
  return stop;
}

static void *io_main(void *arg) {
  zt *z = arg;
  double next = 0;
  for (;;) {
    zmq_pollitem_t it[3] = {{z->net, 0, ZMQ_POLLIN, 0},
                            {z->cmd_io, 0, ZMQ_POLLIN, 0},
                            {z->coord ? z->zap : z->mon, 0, ZMQ_POLLIN, 0}};
    long ms = (long)(z->hb_s * 1000 / 2) + 1;
    if (zmq_poll(it, 3, ms) < 0 && zmq_errno() != EINTR)
      break;
    for (int i = 0; i < 256 && (it[0].revents & ZMQ_POLLIN); i++) {
      int ev = 0;
      size_t el = sizeof ev;
      zmq_getsockopt(z->net, ZMQ_EVENTS, &ev, &el);
      if (!(ev & ZMQ_POLLIN))
        break;
      if (z->coord)
        coord_recv(z);
      else
        site_recv(z);
    }
    if ((it[1].revents & ZMQ_POLLIN) && from_main(z))
      break;
    if (it[2].revents & ZMQ_POLLIN) {
      if (z->coord)
        zap_serve(z);
      else
        site_monitor(z);
    }
    double now = mtl__now();
    if (now >= next) {
      next = now + z->hb_s;
      if (z->coord)
        coord_tick(z, now);
      else if (z->coord_session != 0)
        site_tick(z, now);
    }
  }
  if (!z->coord) { /* goodbye, flushed within the linger */
    zhdr bye = {ZK_BYE, 0, z->rank, 0, 0, 0};
    send_frame(z->net, &bye, NULL);
  }
  return NULL;
}

/* ---- start and stop
 * ---------------------------------------------------------- */

static int zfail(const char *what, const char *addr) {
  return mtl__err(MTL_EIO, "transport zmq: %s%s%s failed: %s", what,
                  addr ? " " : "", addr ? addr : "", zmq_strerror(zmq_errno()));
}

/* Options shared by both roles: no high-water mark (a send never drops),
 * a bounded linger, quick reconnects. */
static int net_common(void *s, int linger_ms) {
  int zero = 0, ivl = 200, ivl_max = 2000;
  if (zmq_setsockopt(s, ZMQ_SNDHWM, &zero, sizeof zero) ||
      zmq_setsockopt(s, ZMQ_RCVHWM, &zero, sizeof zero) ||
      zmq_setsockopt(s, ZMQ_LINGER, &linger_ms, sizeof linger_ms) ||
      zmq_setsockopt(s, ZMQ_RECONNECT_IVL, &ivl, sizeof ivl) ||
      zmq_setsockopt(s, ZMQ_RECONNECT_IVL_MAX, &ivl_max, sizeof ivl_max))
    return zfail("socket options", NULL);
  return MTL_OK;
}

static int start_coord(zt *z) {
  int one = 1;
  z->zap = zmq_socket(z->ctx, ZMQ_REP);
  if (!z->zap || zmq_bind(z->zap, "inproc://zeromq.zap.01"))
    return zfail("ZAP handler", NULL);
  z->net = zmq_socket(z->ctx, ZMQ_ROUTER);
  if (!z->net)
    return zfail("socket", NULL);
  int rc = net_common(z->net, 2000);
  if (rc)
    return rc;
  if (zmq_setsockopt(z->net, ZMQ_CURVE_SERVER, &one, sizeof one) ||
      zmq_setsockopt(z->net, ZMQ_CURVE_SECRETKEY, z->sec, 41) ||
      zmq_setsockopt(z->net, ZMQ_ZAP_DOMAIN, "mtl", 3))
    return zfail("CURVE server options", NULL);
  if (zmq_bind(z->net, z->address))
    return zfail("bind", z->address);
  return MTL_OK;
}

static int start_site(zt *z) {
  char mon[64];
  z->net = zmq_socket(z->ctx, ZMQ_DEALER);
  if (!z->net)
    return zfail("socket", NULL);
  int rc = net_common(z->net, 5000);
  if (rc)
    return rc;
  if (zmq_setsockopt(z->net, ZMQ_CURVE_SERVERKEY, z->server_pub, 41) ||
      zmq_setsockopt(z->net, ZMQ_CURVE_PUBLICKEY, z->pub, 41) ||
      zmq_setsockopt(z->net, ZMQ_CURVE_SECRETKEY, z->sec, 41))
    return zfail("CURVE client options", NULL);
  snprintf(mon, sizeof mon, "inproc://mtl-zmq-mon-%p", (void *)z);
  if (zmq_socket_monitor(z->net, mon,
                         ZMQ_EVENT_HANDSHAKE_FAILED_AUTH |
                             ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL |
                             ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL))
    return zfail("socket monitor", NULL);
  z->mon = zmq_socket(z->ctx, ZMQ_PAIR);
  if (!z->mon || zmq_connect(z->mon, mon))
    return zfail("socket monitor", NULL);
  if (zmq_connect(z->net, z->address))
    return zfail("connect to", z->address);
  return MTL_OK;
}

int mtl__znet_start(zt *z) {
  char cmd[64];
  z->ctx = zmq_ctx_new();
  if (!z->ctx)
    return zfail("context", NULL);
  snprintf(cmd, sizeof cmd, "inproc://mtl-zmq-cmd-%p", (void *)z);
  z->cmd_io = zmq_socket(z->ctx, ZMQ_PAIR);
  z->cmd_main = zmq_socket(z->ctx, ZMQ_PAIR);
  int zero = 0;
  if (!z->cmd_io || !z->cmd_main || zmq_bind(z->cmd_io, cmd) ||
      zmq_connect(z->cmd_main, cmd) ||
      zmq_setsockopt(z->cmd_main, ZMQ_SNDHWM, &zero, sizeof zero) ||
      zmq_setsockopt(z->cmd_io, ZMQ_RCVHWM, &zero, sizeof zero))
    return zfail("inproc pipe", NULL);
  int rc = z->coord ? start_coord(z) : start_site(z);
  if (rc)
    return rc;
  if (pthread_create(&z->io, NULL, io_main, z) != 0)
    return mtl__err(MTL_EIO, "transport zmq: cannot start the I/O thread");
  z->io_started = 1;
  return MTL_OK;
}

static void close_sock(void **s) {
  if (*s)
    zmq_close(*s);
  *s = NULL;
}

void mtl__znet_stop(zt *z) {
  if (z->io_started) {
    zhdr stop = {ZK_STOP, 0, 0, 0, 0, 0};
    mtl__znet_send(z, &stop, NULL);
    pthread_join(z->io, NULL);
    z->io_started = 0;
  }
  if (z->net && !z->coord)
    zmq_socket_monitor(z->net, NULL, 0);
  if (z->net && !z->coord) {
    /* A site stops after its fit: every message the coordinator needed has
     * arrived (the fit ends with the coordinator's broadcast of the
     * outcome), only the goodbye may be pending, and the coordinator may
     * have gone: a short linger, none when the key was refused. */
    int ms = z->refused ? 0 : 500;
    zmq_setsockopt(z->net, ZMQ_LINGER, &ms, sizeof ms);
  }
  close_sock(&z->net);
  close_sock(&z->zap);
  close_sock(&z->mon);
  close_sock(&z->cmd_io);
  close_sock(&z->cmd_main);
  if (z->ctx)
    zmq_ctx_term(z->ctx);
  z->ctx = NULL;
}
