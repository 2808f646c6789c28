/*
 * transport_zmq.c -- the ZeroMQ transport (mtl_zmq.h): its endpoints
 * (transport.h's send / recv / close over a mailbox that the I/O thread of
 * zmq_net.c fills), the transport object that runs one rank function in
 * this process, and its constructor.  Part of libmtl-zmq only.
 *
 * Semantics as promised by transport.h: a send is buffered (the frame is
 * handed to the I/O thread, whose queues have no high-water mark); one
 * TCP connection per site and one I/O thread per process keep the order of
 * messages from one source, the coordinator relaying site-to-site ones in
 * the order received; recv takes the first matching message of its
 * channel in arrival order.  A receive never waits forever: it fails when
 * the transport is closed (the coordinator restarted, the key was
 * refused), or when it has waited longer than wait_s while a party is
 * absent (for longer than wait_s too).
 */
#include "zmq_impl.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct zep {
  zt *z;
  int chan;
} zep;

static int zsend(mtl__tr *tr, int dest, int tag, const double *buf, int n) {
  zep *e = tr->impl;
  zt *z = e->z;
  if (dest < 0 || dest >= tr->size)
    return mtl__err(MTL_EINVAL,
                    "transport zmq: rank %d sends to rank %d "
                    "(ranks 0..%d)",
                    tr->rank, dest, tr->size - 1);
  zhdr h = {ZK_DATA, e->chan, tr->rank, dest, tag, n};
  pthread_mutex_lock(&z->mu);
  int closed = z->closed;
  if (!closed && dest == tr->rank)
    mtl__zmb_push(z, &h, buf);
  pthread_mutex_unlock(&z->mu);
  if (closed)
    return mtl__err(MTL_ECANCELLED, "%s", z->why);
  if (dest == tr->rank)
    return MTL_OK;
  return mtl__znet_send(z, &h, buf);
}

/* The first message of chan matching (src, tag), unlinked; NULL if none
 * (mu held). */
static zmsg *take(zt *z, int chan, int src, int tag) {
  zmsg *prev = NULL, *m = z->head;
  while (m && !(m->chan == chan && (src == MTL__ANY || m->src == src) &&
                (tag == MTL__ANY || m->tag == tag))) {
    prev = m;
    m = m->next;
  }
  if (!m)
    return NULL;
  if (prev)
    prev->next = m->next;
  else
    z->head = m->next;
  if (z->tail == m)
    z->tail = prev;
  return m;
}

/* While a receive waits: the party absent for longest (coordinator: a
 * site, site: the coordinator), and how long; -1 if none (mu held). */
static int absent_party(zt *z, double now, double *since) {
  int who = -1;
  *since = 0;
  if (!z->coord) {
    if (!z->coord_live && z->coord_session != 0) {
      who = 0;
      *since = now - z->coord_absent_since;
    }
    return who;
  }
  for (int r = 1; r <= z->nsites; r++)
    if (!z->sites[r].live && !z->lost[r] &&
        now - z->sites[r].absent_since > *since) {
      who = r;
      *since = now - z->sites[r].absent_since;
    }
  return who;
}

static const char *party(zt *z, int who, char *buf, size_t cap) {
  if (who == 0)
    snprintf(buf, cap, "the coordinator (%s)", z->address);
  else
    snprintf(buf, cap, "site %d (key %s)", who, z->sites[who].file);
  return buf;
}

/* Coordinator, drop_lost: drops every site absent for longer than wait_s
 * (mu held; unlocked for the log).  An error when the receive was for any
 * source or for a dropped one (the caller sees mtl__tr.lost), else 0: the
 * receive waits on. */
static int drop_sites(zt *z, int src, double now) {
  char list[256] = "";
  size_t k = 0;
  for (int r = 1; r <= z->nsites; r++) {
    zsite *s = &z->sites[r];
    if (s->live || z->lost[r] || now - s->absent_since <= z->wait_s)
      continue;
    z->lost[r] = 1;
    if (k + 16 < sizeof list)
      k += (size_t)snprintf(list + k, sizeof list - k, "%s%d", k ? " " : "",
                            r);
    pthread_mutex_unlock(&z->mu);
    mtl__zlog(z,
              "site %d (key %s) dropped from the run: absent for %.0f s, "
              "longer than the wait limit (%g s); the run goes on without "
              "it",
              r, s->file, now - s->absent_since, z->wait_s);
    pthread_mutex_lock(&z->mu);
  }
  if (src == MTL__ANY || (src >= 1 && src <= z->nsites && z->lost[src]))
    return mtl__err(MTL_ECANCELLED,
                    "transport zmq: site(s) %s dropped from the run while "
                    "rank 0 waited",
                    list);
  return MTL_OK;
}

/* Waits for a message from src (mu held): 0 when one may be there, or an
 * error when the transport closed or a party has been absent too long. */
static int wait_more(zt *z, int rank, int src, double start, int *told) {
  double now = mtl__now(), since;
  char who[256];
  if (z->closed)
    return mtl__err(MTL_ECANCELLED, "%s", z->why);
  int a = absent_party(z, now, &since);
  double waited = now - start;
  if (a >= 0 && waited > z->wait_s && since > z->wait_s && z->coord &&
      z->drop_lost)
    return drop_sites(z, src, now);
  if (a >= 0 && waited > z->wait_s && since > z->wait_s)
    return mtl__err(MTL_ECANCELLED,
                    "transport zmq: rank %d waited %.0f s "
                    "for a message while %s was absent (%.0f s): the run "
                    "stops (wait limit %g s)",
                    rank, waited, party(z, a, who, sizeof who), since,
                    z->wait_s);
  if (a >= 0 && !*told && waited > 2 * z->hb_s) {
    *told = 1;
    pthread_mutex_unlock(&z->mu);
    mtl__zlog(z,
              "rank %d waits for %s, absent for %.1f s (waits at most "
              "%g s, then %s)",
              rank, party(z, a, who, sizeof who), since, z->wait_s,
              z->coord && z->drop_lost ? "drops it" : "stops");
    pthread_mutex_lock(&z->mu);
    return MTL_OK;
  }
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  ts.tv_nsec += 250000000L;
  if (ts.tv_nsec >= 1000000000L) {
    ts.tv_sec++;
    ts.tv_nsec -= 1000000000L;
  }
  pthread_cond_timedwait(&z->cv, &z->mu, &ts);
  return MTL_OK;
}

static int zrecv(mtl__tr *tr, int src, int tag, double *buf, int cap, int *n,
                 int *from, int *tag_out, int nonblock) {
  zep *e = tr->impl;
  zt *z = e->z;
  double start = mtl__now();
  int told = 0, rc = MTL_OK;
  zmsg *m = NULL;
  pthread_mutex_lock(&z->mu);
  while (!(m = take(z, e->chan, src, tag))) {
    if (nonblock && !z->closed)
      break;
    if ((rc = wait_more(z, tr->rank, src, start, &told)))
      break;
  }
  pthread_mutex_unlock(&z->mu);
  if (!m)
    return rc;
  int ret = 1;
  if (m->n > cap)
    ret = mtl__err(MTL_EDIM,
                   "transport: rank %d got a %d-double message "
                   "(tag %d from rank %d) for a %d-double buffer",
                   tr->rank, m->n, m->tag, m->src, cap);
  else if (m->n)
    memcpy(buf, m->x, (size_t)m->n * sizeof(double));
  if (n)
    *n = m->n;
  if (from)
    *from = m->src;
  if (tag_out)
    *tag_out = m->tag;
  free(m);
  return ret;
}

/* A failing rank releases its own blocked receives; its peers learn of the
 * failure through the drivers' agreements. */
static void zclose(mtl__tr *tr) {
  zep *e = tr->impl;
  pthread_mutex_lock(&e->z->mu);
  mtl__zmb_close(e->z, "transport zmq: closed by a failing rank");
  pthread_mutex_unlock(&e->z->mu);
}

static const mtl__tr_vtbl zmq_vtbl = {zsend, zrecv, zclose};

/* ---- the transport object ---------------------------------------------------
 */

static int zrun(mtl_transport *t, int n, mtl__rank_fn fn, void *ctx) {
  zt *z = t->impl;
  if (n != t->size)
    return mtl__err(MTL_EINVAL,
                    "transport zmq: the method runs on %d ranks, "
                    "this run has %d (the coordinator and %d sites)",
                    n, t->size, t->size - 1);
  zep ec = {z, ZC_COLL}, er = {z, ZC_ROLE};
  mtl__tr coll, role;
  memset(&coll, 0, sizeof coll);
  memset(&role, 0, sizeof role);
  coll.v = role.v = &zmq_vtbl;
  coll.rank = role.rank = t->rank;
  coll.size = role.size = t->size;
  coll.impl = &ec;
  role.impl = &er;
  coll.lost = role.lost = z->coord ? z->lost : NULL;
  return fn(ctx, &coll, &role);
}

static void zt_free(zt *z) {
  if (!z)
    return;
  mtl__znet_stop(z);
  while (z->head) {
    zmsg *m = z->head;
    z->head = m->next;
    free(m);
  }
  for (int r = 0; z->sites && r <= z->nsites; r++)
    free(z->sites[r].log);
  free(z->sites);
  free(z->lost);
  free(z->address);
  memset(z->sec, 0, sizeof z->sec);
  pthread_mutex_destroy(&z->mu);
  pthread_mutex_destroy(&z->send_mu);
  pthread_cond_destroy(&z->cv);
  free(z);
}

static void zdestroy(mtl_transport *t) {
  zt_free(t->impl);
  free(t);
}

static const mtl__transport_ops zmq_ops = {"zmq", zrun, zdestroy};

/* drop_lost, reserved_i_ and replay_cap took 16 bytes of MTL_RESERVED. */
_Static_assert(sizeof(mtl_zmq_params) ==
                   offsetof(mtl_zmq_params, drop_lost) + sizeof(uint64_t) * 8,
               "mtl_zmq_params changed size");

int mtl_zmq_available(void) { return 1; }

void mtl_zmq_params_init(mtl_zmq_params *p) {
  if (p)
    *p = (mtl_zmq_params){.role = MTL_ZMQ_COORDINATOR,
                          .heartbeat_s = 0.5,
                          .absent_s = 5,
                          .wait_s = 120,
                          .rejoin = 1,
                          .replay_cap = (uint64_t)64 << 20};
}

/* One error per bad field, before anything is opened. */
static int check_params(const mtl_zmq_params *p) {
  if (p->role != MTL_ZMQ_COORDINATOR && p->role != MTL_ZMQ_SITE)
    return mtl__err(MTL_EINVAL,
                    "mtl_transport_zmq: role %d (0 coordinator, "
                    "1 site)",
                    (int)p->role);
  if (!p->address || !*p->address)
    return mtl__err(MTL_EINVAL, "mtl_transport_zmq: address is empty");
  if (!p->key_file)
    return mtl__err(MTL_EINVAL, "mtl_transport_zmq: key_file is NULL (this "
                                "party's secret key file, 'mtl keygen')");
  if (p->role == MTL_ZMQ_SITE && !p->server_key_file)
    return mtl__err(MTL_EINVAL, "mtl_transport_zmq: a site needs "
                                "server_key_file (the coordinator's public "
                                "key)");
  if (p->role == MTL_ZMQ_COORDINATOR &&
      (p->nsites < 1 || p->nsites > 65535 || !p->site_key_files))
    return mtl__err(MTL_EINVAL,
                    "mtl_transport_zmq: the coordinator needs "
                    "1..65535 site key files (nsites %d)",
                    p->nsites);
  if (!(p->heartbeat_s > 0) || !(p->absent_s > p->heartbeat_s) ||
      !(p->wait_s > 0))
    return mtl__err(MTL_EINVAL,
                    "mtl_transport_zmq: heartbeat_s %g, "
                    "absent_s %g, wait_s %g: need 0 < heartbeat_s < "
                    "absent_s and wait_s > 0",
                    p->heartbeat_s, p->absent_s, p->wait_s);
  if (!zmq_has("curve"))
    return mtl__err(MTL_EUNSUPPORTED, "mtl_transport_zmq: this libzmq has "
                                      "no CURVE (built without libsodium)");
  return MTL_OK;
}

/* The coordinator's list: site r's key from site_key_files[r - 1]; two
 * sites with one key are an error. */
static int read_sites(zt *z, const mtl_zmq_params *p) {
  z->nsites = p->nsites;
  z->sites = mtl__calloc((size_t)p->nsites + 1, sizeof *z->sites);
  z->lost = mtl__calloc((size_t)p->nsites + 1, 1);
  if (!z->sites || !z->lost)
    return MTL_ENOMEM;
  for (int r = 1; r <= p->nsites; r++) {
    zsite *s = &z->sites[r];
    s->file = p->site_key_files[r - 1];
    int rc = mtl__zkey_read(s->file, s->pub, NULL);
    if (rc)
      return rc;
    zmq_z85_decode(s->key, s->pub);
    for (int q = 1; q < r; q++)
      if (!memcmp(z->sites[q].key, s->key, 32))
        return mtl__err(MTL_EINVAL,
                        "transport zmq: site key files '%s' "
                        "and '%s' hold the same key",
                        z->sites[q].file, s->file);
  }
  return MTL_OK;
}

/* A random session id for this process (exact as a double, never 0). */
static double new_session(const void *salt) {
  uint64_t x = 0;
  FILE *f = fopen("/dev/urandom", "rb");
  if (!f || fread(&x, sizeof x, 1, f) != 1) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    x = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^
        ((uint64_t)getpid() << 40) ^ (uint64_t)(uintptr_t)salt;
  }
  if (f)
    fclose(f);
  return (double)((x >> 12) | 1);
}

static zt *zt_new(const mtl_zmq_params *p) {
  zt *z = mtl__calloc(1, sizeof *z);
  if (!z)
    return NULL;
  pthread_mutex_init(&z->mu, NULL);
  pthread_mutex_init(&z->send_mu, NULL);
  pthread_cond_init(&z->cv, NULL);
  z->coord = p->role == MTL_ZMQ_COORDINATOR;
  z->rejoin = p->rejoin;
  z->drop_lost = p->drop_lost;
  z->replay_cap = p->replay_cap;
  z->hb_s = p->heartbeat_s;
  z->absent_s = p->absent_s;
  z->wait_s = p->wait_s;
  z->logf = p->log;
  z->log_ud = p->log_ud;
  z->session = new_session(z);
  z->address = mtl__malloc(strlen(p->address) + 1);
  if (z->address)
    strcpy(z->address, p->address);
  return z;
}

/* Coordinator: every site joined, within wait_s. */
static int wait_sites(zt *z) {
  double t0 = mtl__now();
  pthread_mutex_lock(&z->mu);
  for (;;) {
    int missing = 0;
    for (int r = 1; r <= z->nsites; r++)
      missing += !z->sites[r].joined;
    if (!missing)
      break;
    if (mtl__now() - t0 > z->wait_s) {
      char list[512] = "";
      size_t k = 0;
      for (int r = 1; r <= z->nsites && k + 80 < sizeof list; r++)
        if (!z->sites[r].joined)
          k += (size_t)snprintf(list + k, sizeof list - k, "%s%d (%s)",
                                k ? ", " : "", r, z->sites[r].file);
      pthread_mutex_unlock(&z->mu);
      return mtl__err(MTL_EIO,
                      "transport zmq: after %g s at %s, %d of %d "
                      "sites have not joined: %s",
                      z->wait_s, z->address, missing, z->nsites, list);
    }
    int told = 1;
    wait_more(z, 0, MTL__ANY, mtl__now(), &told);
  }
  pthread_mutex_unlock(&z->mu);
  return MTL_OK;
}

/* Site: hello, then the welcome (rank and size), within wait_s. */
static int wait_welcome(zt *z) {
  double h[1] = {z->session};
  zhdr hh = {ZK_HELLO, 0, 0, 0, 0, 1};
  int rc = mtl__znet_send(z, &hh, h);
  double t0 = mtl__now();
  pthread_mutex_lock(&z->mu);
  while (!rc && z->coord_session == 0) {
    if (z->closed)
      rc = mtl__err(MTL_EIO, "%s", z->why);
    else if (mtl__now() - t0 > z->wait_s)
      rc = mtl__err(MTL_EIO,
                    "transport zmq: no welcome from the "
                    "coordinator at %s after %g s (is it running, and "
                    "does it list this site's public key?)",
                    z->address, z->wait_s);
    else {
      int told = 1;
      wait_more(z, 0, MTL__ANY, mtl__now(), &told);
    }
  }
  pthread_mutex_unlock(&z->mu);
  return rc;
}

int mtl_transport_zmq(const mtl_zmq_params *p, mtl_transport **out) {
  if (!out || !p)
    return mtl__err(MTL_EINVAL, "mtl_transport_zmq: %s is NULL",
                    out ? "p" : "out");
  *out = NULL;
  int rc = check_params(p);
  if (rc)
    return rc;
  zt *z = zt_new(p);
  mtl_transport *t = mtl__malloc(sizeof *t);
  if (!z || !t || !z->address) {
    rc = MTL_ENOMEM;
    goto fail;
  }
  if ((rc = mtl__zkey_read(p->key_file, z->pub, z->sec)))
    goto fail;
  if (z->coord)
    rc = read_sites(z, p);
  else
    rc = mtl__zkey_read(p->server_key_file, z->server_pub, NULL);
  if (rc || (rc = mtl__znet_start(z)))
    goto fail;
  if ((rc = z->coord ? wait_sites(z) : wait_welcome(z)))
    goto fail;
  *t = (mtl_transport){&zmq_ops, z->coord ? 0 : z->rank,
                       z->coord ? z->nsites + 1 : z->size, z};
  *out = t;
  return MTL_OK;
fail : {
  char keep[1024];
  snprintf(keep, sizeof keep, "%s", mtl_last_error());
  zt_free(z);
  free(t);
  return mtl__err(rc, "%s", keep);
}
}

static zt *zt_of(const mtl_transport *t) {
  return t && t->ops == &zmq_ops ? t->impl : NULL;
}

int mtl_zmq_live(const mtl_transport *t, unsigned char *live, int n) {
  zt *z = zt_of(t);
  if (!z)
    return mtl__err(MTL_EINVAL, "mtl_zmq_live: not a zmq transport");
  int count = 0;
  pthread_mutex_lock(&z->mu);
  if (!z->coord) {
    count = z->coord_live;
  } else {
    for (int r = 1; r <= z->nsites; r++) {
      count += z->sites[r].live;
      if (live && r <= n)
        live[r - 1] = (unsigned char)z->sites[r].live;
    }
  }
  pthread_mutex_unlock(&z->mu);
  return count;
}

int mtl_zmq_dropped(const mtl_transport *t, unsigned char *dropped, int n) {
  zt *z = zt_of(t);
  if (!z)
    return mtl__err(MTL_EINVAL, "mtl_zmq_dropped: not a zmq transport");
  int count = 0;
  pthread_mutex_lock(&z->mu);
  for (int r = 1; z->coord && r <= z->nsites; r++) {
    count += z->lost[r];
    if (dropped && r <= n)
      dropped[r - 1] = z->lost[r];
  }
  pthread_mutex_unlock(&z->mu);
  return count;
}

int mtl_zmq_restarted(const mtl_transport *t) {
  zt *z = zt_of(t);
  if (!z)
    return 0;
  pthread_mutex_lock(&z->mu);
  int r = z->restarted;
  pthread_mutex_unlock(&z->mu);
  return r;
}

int mtl_zmq_bytes(const mtl_transport *t, uint64_t *sent, uint64_t *received) {
  zt *z = zt_of(t);
  if (!z)
    return mtl__err(MTL_EINVAL, "mtl_zmq_bytes: not a zmq transport");
  pthread_mutex_lock(&z->mu);
  if (sent)
    *sent = z->bytes_out;
  if (received)
    *received = z->bytes_in;
  pthread_mutex_unlock(&z->mu);
  return MTL_OK;
}
