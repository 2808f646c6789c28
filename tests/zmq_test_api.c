/*
 * zmq_test_api.c -- the ZeroMQ transport's API (mtl_zmq.h), linked with
 * libmtl-zmq: keygen files and modes, every parameter error, key file
 * errors (naming file and line), a coordinator and a site in two threads
 * of this process (rank, size, liveness, byte counts), a site refused,
 * and the transport running a distributed fit (smtl over zmq = threads,
 * bitwise; no site dropped).  Dropping a site (drop_lost) and the replay
 * cap are tested with killed processes in tests/cli_zmq.sh.  The CLI's multi-process runs are tests/cli_zmq.sh.
 */
#include "check.h"
#include "mtl_zmq.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char dir[] = "/tmp/mtl-zmq-test-XXXXXX";

static const char *path(const char *name) {
  static char buf[8][256];
  static int k;
  char *p = buf[k++ % 8];
  snprintf(p, 256, "%s/%s", dir, name);
  return p;
}

/* A port free now, below Linux's ephemeral range (32768-60999), so that no
 * outgoing connection of a test running beside this one can hold it. */
static int free_port(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0)
    return 20000 + getpid() % 12000;
  for (int k = 0; k < 100; k++) {
    int port = 20000 + (getpid() + 7919 * k) % 12000;
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((unsigned short)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0) {
      close(fd);
      return port;
    }
  }
  close(fd);
  return 20000 + getpid() % 12000;
}

static int mode_of(const char *p) {
  struct stat st;
  return stat(p, &st) == 0 ? (int)(st.st_mode & 0777) : -1;
}

static void write_text(const char *p, const char *text) {
  FILE *f = fopen(p, "w");
  fputs(text, f);
  fclose(f);
}

static void test_params(void) {
  mtl_zmq_params p;
  mtl_transport *t = NULL;
  mtl_zmq_params_init(&p);
  CHECK(p.role == MTL_ZMQ_COORDINATOR && p.heartbeat_s == 0.5 &&
        p.absent_s == 5 && p.wait_s == 120 && p.rejoin == 1 &&
        p.drop_lost == 0 && p.replay_cap == (uint64_t)64 << 20);
  CHECK_ERR(mtl_transport_zmq(&p, NULL), MTL_EINVAL);
  CHECK_ERR(mtl_transport_zmq(&p, &t), MTL_EINVAL); /* no address */
  p.address = "tcp://127.0.0.1:1";
  CHECK_ERR(mtl_transport_zmq(&p, &t), MTL_EINVAL); /* no key */
  p.key_file = path("coord.key");
  CHECK_ERR(mtl_transport_zmq(&p, &t), MTL_EINVAL); /* no sites */
  p.role = (mtl_zmq_role)7;
  CHECK_ERR(mtl_transport_zmq(&p, &t), MTL_EINVAL);
  p.role = MTL_ZMQ_SITE;
  CHECK_ERR(mtl_transport_zmq(&p, &t), MTL_EINVAL); /* no server key */
  p.server_key_file = path("coord.pub");
  p.absent_s = 0.1;
  CHECK_ERR(mtl_transport_zmq(&p, &t), MTL_EINVAL); /* absent < heartbeat */
  CHECK(strstr(mtl_last_error(), "heartbeat_s") != NULL);
  mtl_zmq_params_init(&p);
  const char *two[2] = {path("a.pub"), path("a.key")};
  p.address = "tcp://127.0.0.1:1";
  p.key_file = path("coord.key");
  p.site_key_files = two;
  p.nsites = 2;
  CHECK_ERR(mtl_transport_zmq(&p, &t), MTL_EINVAL); /* one key twice */
  CHECK(strstr(mtl_last_error(), "the same key") != NULL);
  p.key_file = path("coord.pub");
  CHECK_ERR(mtl_transport_zmq(&p, &t), MTL_EFORMAT); /* no secret */
  CHECK(strstr(mtl_last_error(), "secret-key") != NULL);
  p.key_file = path("none.key");
  CHECK_ERR(mtl_transport_zmq(&p, &t), MTL_EIO);
  write_text(path("bad.key"), "# x\npublic-key = tooshort\n");
  p.key_file = path("bad.key");
  CHECK_ERR(mtl_transport_zmq(&p, &t), MTL_EFORMAT);
  CHECK(strstr(mtl_last_error(), "bad.key:2:") != NULL);
  CHECK(t == NULL);
  CHECK_ERR(mtl_zmq_live(NULL, NULL, 0), MTL_EINVAL);
  CHECK(mtl_zmq_restarted(NULL) == 0);
  CHECK_ERR(mtl_zmq_dropped(NULL, NULL, 0), MTL_EINVAL);
  CHECK_ERR(mtl_zmq_bytes(NULL, NULL, NULL), MTL_EINVAL);
}

typedef struct party {
  mtl_zmq_params p;
  mtl_transport *t;
  int rc;
  const mtl_dataset *ds;
  mtl_model *m;
  int st;
} party;

static void *start(void *arg) {
  party *x = arg;
  x->rc = mtl_transport_zmq(&x->p, &x->t);
  return NULL;
}

static void *fit(void *arg) {
  party *x = arg;
  mtl_params *prm = mtl_params_create("smtl");
  mtl_params_set(prm, "max_iter", "30");
  mtl_params_set(prm, "tol", "0");
  mtl_params_set(prm, "reg", "trace");
  x->st = mtl_fit(x->ds, prm, x->t, &x->m, NULL);
  mtl_params_free(prm);
  return NULL;
}

/* A dataset of 2 tasks: the whole (threads) or task t only (a site). */
static mtl_dataset *data(int only) {
  mtl_dataset *ds = mtl_dataset_create(3);
  double X[3 * 8], y[8];
  for (int t = 0; t < 2; t++) {
    for (int i = 0; i < 24; i++)
      X[i] = ((i * 7 + t * 5) % 11) / 10.0 - 0.4;
    for (int i = 0; i < 8; i++)
      y[i] = X[3 * i] - 0.5 * X[3 * i + 2] + t * 0.3;
    if (only < 0 || only == t)
      mtl_dataset_add_dense(ds, 8, X, y, MTL_TASK_REGRESSION, NULL);
  }
  return ds;
}

static void test_run(void) {
  party c, s;
  memset(&c, 0, sizeof c);
  memset(&s, 0, sizeof s);
  const char *sites[1] = {path("a.pub")};
  mtl_zmq_params_init(&c.p);
  char addr[64];
  snprintf(addr, sizeof addr, "tcp://127.0.0.1:%d", free_port());
  c.p.address = addr;
  c.p.key_file = path("coord.key");
  c.p.site_key_files = sites;
  c.p.nsites = 1;
  c.p.wait_s = 20;
  s.p = c.p;
  s.p.role = MTL_ZMQ_SITE;
  s.p.key_file = path("evil.key");
  s.p.server_key_file = path("coord.pub");
  pthread_t th;
  pthread_create(&th, NULL, start, &c);
  nanosleep(&(struct timespec){0, 200000000L}, NULL);
  CHECK_ERR(mtl_transport_zmq(&s.p, &s.t), MTL_EIO); /* refused */
  CHECK(strstr(mtl_last_error(), "refused this site's key") != NULL);
  s.p.key_file = path("a.key");
  CHECK_OK(mtl_transport_zmq(&s.p, &s.t));
  pthread_join(th, NULL);
  CHECK_OK(c.rc);
  if (c.rc || !s.t)
    return;
  CHECK(mtl_transport_rank(c.t) == 0 && mtl_transport_size(c.t) == 2);
  CHECK(mtl_transport_rank(s.t) == 1 && mtl_transport_size(s.t) == 2);
  CHECK(strcmp(mtl_transport_name(s.t), "zmq") == 0);
  unsigned char live[1] = {0};
  CHECK(mtl_zmq_live(c.t, live, 1) == 1 && live[0] == 1);
  CHECK(mtl_zmq_live(s.t, NULL, 0) == 1);
  /* smtl with P = 1 site holding both tasks: its one site reads both */
  mtl_dataset *all = data(-1);
  c.ds = NULL;
  s.ds = all;
  pthread_create(&th, NULL, fit, &c);
  fit(&s);
  pthread_join(th, NULL);
  CHECK_OK(c.st);
  CHECK_OK(s.st);
  mtl_params *prm = mtl_params_create("smtl");
  mtl_params_set(prm, "max_iter", "30");
  mtl_params_set(prm, "tol", "0");
  mtl_params_set(prm, "reg", "trace");
  mtl_params_set(prm, "nodes", "1");
  mtl_model *ref = NULL;
  CHECK_OK(mtl_fit(all, prm, NULL, &ref, NULL));
  CHECK(c.m && ref);
  if (c.m && ref) {
    const double *a = mtl_model_W(c.m), *b = mtl_model_W(ref);
    int n = mtl_model_dim(ref) * mtl_model_ntasks(ref);
    CHECK(memcmp(a, b, (size_t)n * sizeof *a) == 0);
  }
  unsigned char dropped[1] = {1};
  CHECK(mtl_zmq_dropped(c.t, dropped, 1) == 0 && dropped[0] == 0);
  CHECK(mtl_zmq_dropped(s.t, NULL, 0) == 0);
  uint64_t out = 0, in = 0;
  CHECK_OK(mtl_zmq_bytes(s.t, &out, &in));
  CHECK(out > 0 && in > 0);
  mtl_model_free(ref);
  mtl_model_free(c.m);
  mtl_model_free(s.m);
  mtl_params_free(prm);
  mtl_dataset_free(all);
  mtl_transport_free(s.t);
  mtl_transport_free(c.t);
}

int main(void) {
  if (!mkdtemp(dir))
    return 1;
  CHECK(mtl_zmq_available() == 1);
  CHECK_OK(mtl_zmq_keygen(path("coord.key"), path("coord.pub")));
  CHECK_OK(mtl_zmq_keygen(path("a.key"), path("a.pub")));
  CHECK_OK(mtl_zmq_keygen(path("evil.key"), NULL));
  CHECK(mode_of(path("coord.key")) == 0600);
  CHECK(mode_of(path("coord.pub")) == 0644);
  CHECK(mode_of(path("evil.pub")) == -1);
  CHECK_ERR(mtl_zmq_keygen(NULL, NULL), MTL_EINVAL);
  test_params();
  test_run();
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  if (system(cmd) != 0)
    fprintf(stderr, "could not remove %s\n", dir);
  CHECK_DONE();
}
