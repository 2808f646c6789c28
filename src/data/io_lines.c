/*
 * io_lines.c -- the lines of a text file, read in large blocks (faster than
 * getline, which locks the stream and copies every line) and readable more
 * than once: the text reader's two passes (io_text.c).
 *
 * A regular file is read in blocks of 1 MiB with read(); rewind seeks back
 * to its start.  Anything else (a pipe, a terminal) cannot be read twice,
 * so it is read whole into memory first.  Lines are returned in place: a
 * line ends at its '\n' or, for the last line of a file without a final
 * newline, at a '\0' that the reader keeps after the data; MTL__LINES_PAD
 * readable bytes follow the data, so that a parser may read a word past a
 * line's end (mtl__strtod does).
 */
#include "data.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BLOCK ((size_t)1 << 20)

/* Appends up to want bytes from the file into L->buf[L->len..]. */
static int fill(mtl__lines *L, size_t want) {
  while (want > 0) {
    ssize_t got = read(L->fd, L->buf + L->len, want);
    if (got < 0 && errno == EINTR)
      continue;
    if (got < 0)
      return mtl__err(MTL_EIO, "%s:%ld: read error: %s", L->path,
                      L->lineno + 1, strerror(errno));
    if (got == 0) {
      L->eof = 1;
      break;
    }
    L->len += (size_t)got;
    want -= (size_t)got;
  }
  L->buf[L->len] = '\0';
  return MTL_OK;
}

static int grow(mtl__lines *L, size_t cap) {
  char *nb = realloc(L->buf, cap + MTL__LINES_PAD);
  if (!nb)
    return mtl__err(MTL_ENOMEM, "%s: out of memory reading lines", L->path);
  memset(nb + cap, 0, MTL__LINES_PAD);
  L->buf = nb;
  L->cap = cap;
  return MTL_OK;
}

int mtl__lines_open(mtl__lines *L, const char *path) {
  struct stat st;
  memset(L, 0, sizeof *L);
  L->path = path;
  L->fd = open(path, O_RDONLY);
  if (L->fd < 0)
    return mtl__err(MTL_EIO, "%s: cannot open: %s", path, strerror(errno));
  L->whole = fstat(L->fd, &st) != 0 || !S_ISREG(st.st_mode);
  /* a small regular file gets a small first block (a 1 MB block, zeroed,
   * cost more than reading a file of a few bytes: page faults) */
  size_t first = !L->whole && st.st_size >= 0 &&
                         (uint64_t)st.st_size < BLOCK / 2
                     ? (size_t)st.st_size + 64
                     : BLOCK;
  int rc = grow(L, first);
  if (rc)
    return rc;
  memset(L->buf, 0, first + MTL__LINES_PAD);
  while (L->whole && !L->eof && !rc) { /* not seekable: read it all now */
    if (L->cap - L->len < BLOCK && (rc = grow(L, 2 * L->cap)))
      break;
    rc = fill(L, L->cap - L->len);
  }
  return rc;
}

int mtl__lines_next(mtl__lines *L, char **line, size_t *n) {
  for (;;) {
    char *nl = memchr(L->buf + L->pos, '\n', L->len - L->pos);
    if (nl || (L->eof && L->pos < L->len)) {
      *line = L->buf + L->pos;
      L->pos = nl ? (size_t)(nl - L->buf) + 1 : L->len;
      *n = (size_t)(L->buf + L->pos - *line);
      L->lineno++;
      return 1;
    }
    if (L->eof)
      return 0;
    /* keep the partial line, make room, read on */
    size_t part = L->len - L->pos;
    memmove(L->buf, L->buf + L->pos, part);
    L->len = part;
    L->pos = 0;
    int rc = L->cap - L->len < BLOCK / 2 ? grow(L, 2 * L->cap) : MTL_OK;
    if (!rc)
      rc = fill(L, L->cap - L->len);
    if (rc)
      return rc;
  }
}

int mtl__lines_rewind(mtl__lines *L) {
  L->pos = 0;
  L->lineno = 0;
  if (L->whole)
    return MTL_OK;
  if (lseek(L->fd, 0, SEEK_SET) != 0)
    return mtl__err(MTL_EIO, "%s: cannot seek back for a second pass: %s",
                    L->path, strerror(errno));
  L->len = 0;
  L->eof = 0;
  L->buf[0] = '\0';
  return MTL_OK;
}

void mtl__lines_close(mtl__lines *L) {
  if (L->fd >= 0)
    close(L->fd);
  free(L->buf);
  memset(L, 0, sizeof *L);
  L->fd = -1;
}
