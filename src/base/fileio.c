/*
 * fileio.c -- atomic file output shared by every writer of the library
 * (models, datasets, transfer graphs, ...): the content goes to
 * "<path>.tmp.<pid>" in the same directory, is flushed and fsync'ed, and
 * only then renamed over <path>.  A failure at any step removes the
 * temporary file and leaves an existing <path> untouched, so a user's file
 * is never half-written or lost.
 */
#include "base.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int mtl__write_atomic(const char *path, const char *what, mtl__writer_fn fn,
                      void *ctx) {
  if (!path || !*path)
    return mtl__err(MTL_EINVAL, "cannot write %s: empty output path", what);
  size_t cap = strlen(path) + 32;
  char *tmp = mtl__malloc(cap);
  if (!tmp)
    return MTL_ENOMEM;
  snprintf(tmp, cap, "%s.tmp.%ld", path, (long)getpid());
  int rc = MTL_OK;
  FILE *f = fopen(tmp, "w");
  if (!f) {
    rc = mtl__err(MTL_EIO, "cannot write %s '%s': cannot create '%s': %s",
                  what, path, tmp, strerror(errno));
    free(tmp);
    return rc;
  }
  errno = 0;
  rc = fn(f, ctx);
  int werr = rc == MTL_OK &&
             (ferror(f) || fflush(f) != 0 || fsync(fileno(f)) != 0);
  int err = errno ? errno : EIO;
  if (fclose(f) != 0 && rc == MTL_OK && !werr) {
    werr = 1;
    err = errno;
  }
  if (werr)
    rc = mtl__err(MTL_EIO, "cannot write %s '%s': error writing '%s': %s",
                  what, path, tmp, strerror(err));
  else if (rc == MTL_OK && rename(tmp, path) != 0)
    rc = mtl__err(MTL_EIO, "cannot write %s '%s': rename from '%s' failed: %s",
                  what, path, tmp, strerror(errno));
  if (rc != MTL_OK)
    remove(tmp);
  free(tmp);
  return rc;
}
