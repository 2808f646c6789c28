/*
 * progress.c -- a progress callback for bindings that stops a fit on a
 * signal without calling back into the binding's interpreter: it polls a
 * non-blocking pipe into which the binding's signal handler writes the
 * signal number (Python: signal.set_wakeup_fd), at most once a
 * millisecond, from whatever thread the method calls back.
 */
#include "api.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

struct mtl_signal_watch {
  int fd, signum;
  atomic_int seen;
  _Atomic long long last_ns; /* last poll (CLOCK_MONOTONIC) */
};

mtl_signal_watch *mtl_signal_watch_create(int fd, int signum) {
  mtl_signal_watch *w = mtl__calloc(1, sizeof *w);
  if (!w)
    return NULL;
  w->fd = fd;
  w->signum = signum;
  atomic_init(&w->seen, 0);
  atomic_init(&w->last_ns, 0);
  return w;
}

void mtl_signal_watch_free(mtl_signal_watch *w) { free(w); }

int mtl_signal_watch_seen(const mtl_signal_watch *w) {
  return w ? atomic_load((atomic_int *)&w->seen) : 0;
}

int mtl_progress_fd(void *ctx, int iter, double obj, double a, double b) {
  (void)iter, (void)obj, (void)a, (void)b;
  mtl_signal_watch *w = ctx;
  if (!w)
    return 0;
  if (atomic_load(&w->seen))
    return 1;
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  long long now = (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
  if (now - atomic_load(&w->last_ns) < 1000000LL)
    return 0;
  atomic_store(&w->last_ns, now);
  unsigned char buf[64];
  ssize_t n;
  while ((n = read(w->fd, buf, sizeof buf)) > 0)
    for (ssize_t i = 0; i < n; i++)
      if ((int)buf[i] == w->signum)
        atomic_store(&w->seen, 1);
  return atomic_load(&w->seen);
}
