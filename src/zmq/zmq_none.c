/*
 * zmq_none.c -- the functions of mtl_zmq.h in libmtl, which has no ZeroMQ:
 * mtl_zmq_available() is 0 and the others say how to get the transport.
 * libmtl-zmq has the real ones (transport_zmq.c, zmq_keys.c).
 */
#include "mtl_zmq.h"
#include "transport/transport.h"

static int none(const char *fn) {
  return mtl__err(MTL_EUNSUPPORTED,
                  "%s: this library was built without "
                  "ZeroMQ: link libmtl-zmq (built when libzmq is found; "
                  "Debian: apt install libzmq3-dev)",
                  fn);
}

int mtl_zmq_available(void) { return 0; }

void mtl_zmq_params_init(mtl_zmq_params *p) {
  if (p)
    *p = (mtl_zmq_params){.role = MTL_ZMQ_COORDINATOR,
                          .heartbeat_s = 0.5,
                          .absent_s = 5,
                          .wait_s = 120,
                          .rejoin = 1};
}

int mtl_zmq_keygen(const char *secret_path, const char *public_path) {
  (void)secret_path;
  (void)public_path;
  return none("mtl_zmq_keygen");
}

int mtl_transport_zmq(const mtl_zmq_params *p, mtl_transport **out) {
  (void)p;
  if (out)
    *out = NULL;
  return none("mtl_transport_zmq");
}

int mtl_zmq_live(const mtl_transport *t, unsigned char *live, int n) {
  (void)t;
  (void)live;
  (void)n;
  return none("mtl_zmq_live");
}

int mtl_zmq_dropped(const mtl_transport *t, unsigned char *dropped, int n) {
  (void)t;
  (void)dropped;
  (void)n;
  return none("mtl_zmq_dropped");
}

int mtl_zmq_restarted(const mtl_transport *t) {
  (void)t;
  return 0;
}

int mtl_zmq_bytes(const mtl_transport *t, uint64_t *sent, uint64_t *received) {
  (void)t;
  (void)sent;
  (void)received;
  return none("mtl_zmq_bytes");
}
