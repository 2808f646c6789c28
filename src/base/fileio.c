/*
 * fileio.c -- output files, shared by every writer of the library (models,
 * datasets, checkpoints, transfer graphs, ...) and by the CLI
 * (mtl_output_*).
 *
 * A regular file (or a path that does not exist yet) is written through a
 * new temporary file in the same directory, created with
 * O_CREAT|O_EXCL|O_NOFOLLOW under an unpredictable name
 * ("<path>.tmp.<pid>.<random>"), so that nothing planted at a temporary
 * name is ever followed or overwritten.  The content is flushed and
 * fsync'ed, the temporary file gets the permission bits (and, where the
 * process may, the owner and group) of the file it replaces, and only then
 * is it renamed over the path: a failure at any
 * step removes it and leaves an existing file untouched.
 *
 * A symbolic link is resolved (realpath) and its target is replaced the
 * same way; the link stays a link.  A character device or a FIFO
 * (/dev/null, /dev/stdout, a pipe) and "-" (standard output) are written
 * directly, without a temporary file or rename, and a failed write is an
 * error (so that `-o /dev/full` fails and /dev/full stays a device).
 * "/dev/stdout" and "/dev/stderr" (and /dev/fd/1, 2) are the process's own
 * streams, whatever they are redirected to.
 *
 * Temporary names live in a small registry of fixed slots while they
 * exist, so that a signal handler can remove them
 * (mtl_output_remove_temps, async-signal-safe).  This registry is the one
 * piece of process-wide state of the library; it is lock-free.
 */
#include "base.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct mtl_output {
  FILE *f;
  char *path;   /* the name given, for messages */
  char *target; /* the file replaced (the link's target for a symlink) */
  char *tmp;    /* temporary name, NULL when written directly */
  int slot;     /* registry slot of tmp, -1 if none */
  int is_stdout; /* f is stdout or stderr, borrowed (never closed) */
  const char *what;
};

/* ---- registry of temporary names (for signal handlers) ------------------ */

#define NSLOT 16
#define SLOT_LEN 4096
/* State of a slot: 0 free, 1 being written (ignored by the handler), 2 a
 * live temporary file name. */
static atomic_int slot_state[NSLOT];
static char slot_name[NSLOT][SLOT_LEN];

static int slot_take(const char *name) {
  size_t n = strlen(name);
  if (n >= SLOT_LEN)
    return -1;
  for (int i = 0; i < NSLOT; i++) {
    int zero = 0;
    if (atomic_compare_exchange_strong(&slot_state[i], &zero, 1)) {
      memcpy(slot_name[i], name, n + 1);
      atomic_store(&slot_state[i], 2);
      return i;
    }
  }
  return -1; /* all taken: this file is not removed on a signal */
}

static void slot_release(int i) {
  if (i >= 0) {
    atomic_store(&slot_state[i], 1);
    atomic_store(&slot_state[i], 0);
  }
}

void mtl_output_remove_temps(void) {
  for (int i = 0; i < NSLOT; i++)
    if (atomic_load(&slot_state[i]) == 2)
      unlink(slot_name[i]); /* async-signal-safe */
}

/* ---- opening ------------------------------------------------------------ */

static uint64_t random_u64(void) {
  static atomic_uint_fast64_t counter;
  uint64_t r = 0;
  if (getrandom(&r, sizeof r, GRND_NONBLOCK) == (ssize_t)sizeof r)
    return r;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  mtl__rng g;
  mtl__rng_seed(&g, (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 30) ^
                        ((uint64_t)getpid() << 40) ^
                        atomic_fetch_add(&counter, 1));
  return mtl__rng_u64(&g);
}

/* Removes the temporary files that a killed writer of this program left
 * next to target: "<name>.tmp.<pid>.<16 hex digits>" whose process no
 * longer exists (kill(pid, 0) says ESRCH).  A live writer's file, or any
 * other name, is left alone. */
static void remove_stale(const char *target) {
  const char *slash = strrchr(target, '/');
  const char *base = slash ? slash + 1 : target;
  size_t dlen = slash ? (size_t)(slash - target) : 0, blen = strlen(base);
  char dir[4096];
  if (dlen >= sizeof dir)
    return;
  if (slash)
    memcpy(dir, target, dlen ? dlen : 1), dir[dlen ? dlen : 1] = 0;
  else
    snprintf(dir, sizeof dir, ".");
  DIR *dp = opendir(dir);
  if (!dp)
    return;
  struct dirent *e;
  while ((e = readdir(dp))) {
    const char *n = e->d_name;
    if (strncmp(n, base, blen) != 0 || strncmp(n + blen, ".tmp.", 5) != 0)
      continue;
    char *end;
    long pid = strtol(n + blen + 5, &end, 10);
    size_t hex = end[0] == '.' ? strspn(end + 1, "0123456789abcdef") : 0;
    if (pid <= 0 || hex != 16 || end[17] != 0)
      continue;
    if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
      continue; /* alive (or not ours to probe): not stale */
    char path[4096 + 256];
    snprintf(path, sizeof path, "%s/%s", dir, n);
    unlink(path);
  }
  closedir(dp);
}

/* Creates the temporary file next to o->target, with the permission bits
 * (and, where allowed, the owner and group) of the file it replaces, old
 * (NULL: none, the file gets 0666 & ~umask). */
static int open_temp(mtl_output *o, const struct stat *old) {
  int mode = old ? (int)(old->st_mode & 0777) : -1;
  remove_stale(o->target);
  size_t cap = strlen(o->target) + 48;
  o->tmp = mtl__malloc(cap);
  if (!o->tmp)
    return MTL_ENOMEM;
  int fd = -1, err = 0;
  for (int tries = 0; tries < 100 && fd < 0; tries++) {
    snprintf(o->tmp, cap, "%s.tmp.%ld.%016llx", o->target, (long)getpid(),
             (unsigned long long)random_u64());
    fd = open(o->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
              mode < 0 ? 0666 : (mode_t)mode);
    err = errno;
    if (fd < 0 && err != EEXIST)
      break;
  }
  if (fd < 0) {
    free(o->tmp); /* not ours: abort must not remove whatever is there */
    o->tmp = NULL;
    return mtl__err(MTL_EIO, "cannot write %s '%s': cannot create a "
                    "temporary file next to it: %s", o->what, o->path,
                    strerror(err));
  }
  o->slot = slot_take(o->tmp);
  if (old) {
    /* Owner first (a chown may clear mode bits), then the exact mode; a
     * failure is not fatal: the file then has the mode it was opened
     * with, minus the umask, so it is never more open than the old one. */
    if (fchown(fd, old->st_uid, old->st_gid) != 0) {
      /* not the owner's to give: the file stays ours */
    }
    if (fchmod(fd, (mode_t)mode) != 0) {
      /* as above */
    }
  }
  o->f = fdopen(fd, "w");
  if (!o->f) {
    err = errno;
    close(fd);
    return mtl__err(MTL_EIO, "cannot write %s '%s': %s", o->what, o->path,
                    strerror(err));
  }
  return MTL_OK;
}

/* Opens a character device or FIFO for writing, as it is. */
static int open_direct(mtl_output *o) {
  int fd = open(o->target, O_WRONLY | O_CLOEXEC);
  if (fd < 0 || !(o->f = fdopen(fd, "w"))) {
    int err = errno;
    if (fd >= 0)
      close(fd);
    return mtl__err(MTL_EIO, "cannot write %s '%s': %s", o->what, o->path,
                    strerror(err));
  }
  return MTL_OK;
}

/* Decides how o->path is written (see the file comment) and opens it.  A
 * device or FIFO is checked first, through any links (/dev/stdout may be a
 * link to a pipe, which realpath cannot name). */
static int output_prepare(mtl_output *o) {
  struct stat st;
  int have = stat(o->path, &st) == 0;
  if (!have && errno != ENOENT)
    return mtl__err(MTL_EIO, "cannot write %s '%s': %s", o->what, o->path,
                    strerror(errno));
  if (have && (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode))) {
    o->target = mtl__strdup(o->path);
    return o->target ? open_direct(o) : MTL_ENOMEM;
  }
  if (have && !S_ISREG(st.st_mode))
    return mtl__err(MTL_EIO, "cannot write %s '%s': %s", o->what, o->path,
                    S_ISDIR(st.st_mode) ? "it is a directory"
                                        : "not a regular file, character "
                                          "device or FIFO");
  struct stat lst;
  if (lstat(o->path, &lst) == 0 && S_ISLNK(lst.st_mode)) {
    o->target = have ? realpath(o->path, NULL) : NULL;
    if (!o->target)
      return mtl__err(MTL_EIO, "cannot write %s '%s': it is a symbolic link "
                      "that cannot be resolved: %s", o->what, o->path,
                      have ? strerror(errno) : "its target does not exist");
  } else {
    o->target = mtl__strdup(o->path);
    if (!o->target)
      return MTL_ENOMEM;
  }
  return open_temp(o, have ? &st : NULL);
}

/* The names of the process's own standard streams, written as they are. */
static FILE *std_stream(const char *path) {
  if (!strcmp(path, "-") || !strcmp(path, "/dev/stdout") ||
      !strcmp(path, "/dev/fd/1"))
    return stdout;
  if (!strcmp(path, "/dev/stderr") || !strcmp(path, "/dev/fd/2"))
    return stderr;
  return NULL;
}

int mtl_output_open(const char *path, const char *what, mtl_output **out) {
  if (!out)
    return mtl__err(MTL_EINVAL, "mtl_output_open: out is NULL");
  *out = NULL;
  if (!what)
    what = "output";
  if (!path || !*path)
    return mtl__err(MTL_EINVAL, "cannot write %s: empty output path", what);
  mtl_output *o = mtl__calloc(1, sizeof *o);
  if (!o)
    return MTL_ENOMEM;
  o->slot = -1;
  o->what = what;
  o->path = mtl__strdup(path);
  if (!o->path) {
    free(o);
    return MTL_ENOMEM;
  }
  int rc = MTL_OK;
  if ((o->f = std_stream(path)) != NULL) {
    o->is_stdout = 1;
  } else {
    rc = output_prepare(o);
  }
  if (rc != MTL_OK) {
    mtl_output_abort(o);
    return rc;
  }
  *out = o;
  return MTL_OK;
}

FILE *mtl_output_stream(mtl_output *o) { return o ? o->f : NULL; }

const char *mtl_output_path(const mtl_output *o) {
  return !o ? NULL : o->tmp ? o->tmp : o->path;
}

/* ---- closing ------------------------------------------------------------ */

/* The output's name in messages. */
static const char *shown(const mtl_output *o) {
  if (!o->is_stdout)
    return o->path;
  return o->f == stderr ? "standard error" : "standard output";
}

static void output_free(mtl_output *o) {
  slot_release(o->slot);
  free(o->tmp);
  free(o->target);
  free(o->path);
  free(o);
}

void mtl_output_abort(mtl_output *o) {
  if (!o)
    return;
  if (o->f && !o->is_stdout)
    fclose(o->f);
  if (o->tmp)
    unlink(o->tmp);
  output_free(o);
}

int mtl_output_commit(mtl_output *o) {
  if (!o)
    return mtl__err(MTL_EINVAL, "mtl_output_commit: output is NULL");
  /* fflush first: after an earlier failed write it tries again and sets
   * errno, which ferror alone would not tell. */
  errno = 0;
  int bad = fflush(o->f) != 0 || ferror(o->f) ||
            (o->tmp && fsync(fileno(o->f)) != 0);
  int err = errno ? errno : EIO;
  if (!o->is_stdout) {
    if (fclose(o->f) != 0 && !bad) {
      bad = 1;
      err = errno;
    }
    o->f = NULL;
  }
  int rc = MTL_OK;
  if (bad)
    rc = mtl__err(MTL_EIO, "cannot write %s '%s': %s", o->what,
                  shown(o), strerror(err));
  else if (o->tmp && rename(o->tmp, o->target) != 0)
    rc = mtl__err(MTL_EIO, "cannot write %s '%s': rename from '%s' failed: "
                  "%s", o->what, o->path, o->tmp, strerror(errno));
  if (rc != MTL_OK && o->tmp)
    unlink(o->tmp);
  output_free(o);
  return rc;
}

int mtl__write_atomic(const char *path, const char *what, mtl__writer_fn fn,
                      void *ctx) {
  mtl_output *o;
  int rc = mtl_output_open(path, what, &o);
  if (rc != MTL_OK)
    return rc;
  errno = 0;
  rc = fn(o->f, ctx);
  if (rc != MTL_OK) {
    /* A writer that stopped on a failed write says only that: name the
     * output and the system's reason (ENOSPC for /dev/full). */
    if (ferror(o->f))
      rc = mtl__err(rc, "cannot write %s '%s': %s", what,
                    shown(o),
                    strerror(errno ? errno : EIO));
    mtl_output_abort(o);
    return rc;
  }
  return mtl_output_commit(o);
}
