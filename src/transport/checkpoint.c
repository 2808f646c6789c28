/*
 * checkpoint.c -- checkpoints of the distributed roles (async/SMTL server,
 * D-ADMM), see the checkpoint block of transport.h and docs/mpi.md.
 *
 * Format (text, one file, written atomically by mtl__write_atomic):
 *   mtl-checkpoint 1 KIND
 *   NAME N
 *   x_0 ... x_{N-1}      (C99 hexadecimal floats, 4 per line: exact)
 *   ...
 *   end
 * Hexadecimal floats round-trip every double bit for bit, which is what lets
 * a deterministic method resumed from a checkpoint end exactly where the
 * uninterrupted run ends.
 */
#include "transport.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void mtl__ck_clear(mtl__ckfile *f) {
  if (!f)
    return;
  for (int i = 0; i < f->nvar; i++)
    free(f->v[i].x);
  free(f->v);
  memset(f, 0, sizeof *f);
}

int mtl__ck_put(mtl__ckfile *f, const char *name, const double *x,
                int64_t n) {
  if (strlen(name) >= sizeof f->v[0].name || strchr(name, ' '))
    return mtl__err(MTL_EINVAL, "checkpoint: bad variable name '%s'", name);
  if (f->nvar == f->cap) {
    int nc = f->cap ? 2 * f->cap : 16;
    mtl__ckvar *nv = realloc(f->v, (size_t)nc * sizeof *nv);
    if (!nv)
      return mtl__err(MTL_ENOMEM, "checkpoint: out of memory");
    f->v = nv;
    f->cap = nc;
  }
  mtl__ckvar *v = &f->v[f->nvar];
  memset(v, 0, sizeof *v);
  snprintf(v->name, sizeof v->name, "%s", name);
  v->n = n;
  v->x = mtl__malloc((size_t)(n > 0 ? n : 1) * sizeof(double));
  if (!v->x)
    return MTL_ENOMEM;
  if (n > 0)
    memcpy(v->x, x, (size_t)n * sizeof(double));
  f->nvar++;
  return MTL_OK;
}

int mtl__ck_put1(mtl__ckfile *f, const char *name, double x) {
  return mtl__ck_put(f, name, &x, 1);
}

static int writer(FILE *out, void *ctx) {
  const mtl__ckfile *f = ctx;
  fprintf(out, "mtl-checkpoint 1 %s\n", f->kind[0] ? f->kind : "-");
  for (int i = 0; i < f->nvar; i++) {
    const mtl__ckvar *v = &f->v[i];
    fprintf(out, "%s %" PRId64 "\n", v->name, v->n);
    for (int64_t j = 0; j < v->n; j++)
      fprintf(out, "%a%c", v->x[j], (j % 4 == 3 || j == v->n - 1) ? '\n'
                                                                   : ' ');
  }
  fprintf(out, "end\n");
  return MTL_OK;
}

int mtl__ck_write(const mtl__ckfile *f, const char *path) {
  return mtl__write_atomic(path, "checkpoint", writer, (void *)f);
}

/* Reads one whitespace-separated token; returns 1, 0 at EOF.  Counts
 * newlines in *line. */
static int token(FILE *in, char *buf, size_t cap, long *line) {
  int ch;
  size_t n = 0;
  while ((ch = fgetc(in)) != EOF && (ch == ' ' || ch == '\n' || ch == '\t'))
    if (ch == '\n')
      (*line)++;
  if (ch == EOF)
    return 0;
  do {
    if (n + 1 < cap)
      buf[n++] = (char)ch;
  } while ((ch = fgetc(in)) != EOF && ch != ' ' && ch != '\n' && ch != '\t');
  if (ch == '\n')
    ungetc(ch, in);
  buf[n] = 0;
  return 1;
}

int mtl__ck_read(const char *path, mtl__ckfile *f) {
  memset(f, 0, sizeof *f);
  FILE *in = fopen(path, "r");
  if (!in)
    return mtl__err(MTL_EIO, "cannot read checkpoint '%s': %s", path,
                    strerror(errno));
  char tok[128], name[128];
  long line = 1;
  int rc = MTL_EFORMAT;
  if (!token(in, tok, sizeof tok, &line) || strcmp(tok, "mtl-checkpoint") ||
      !token(in, tok, sizeof tok, &line) || strcmp(tok, "1") ||
      !token(in, tok, sizeof tok, &line)) {
    rc = mtl__err(MTL_EFORMAT, "%s:1: not an mtl checkpoint (version 1)",
                  path);
    goto fail;
  }
  snprintf(f->kind, sizeof f->kind, "%s", tok);
  for (;;) {
    if (!token(in, name, sizeof name, &line)) {
      rc = mtl__err(MTL_EFORMAT, "%s:%ld: truncated checkpoint (no 'end')",
                    path, line);
      goto fail;
    }
    if (!strcmp(name, "end"))
      break;
    char *e;
    if (!token(in, tok, sizeof tok, &line)) {
      rc = mtl__err(MTL_EFORMAT, "%s:%ld: variable '%s' has no size", path,
                    line, name);
      goto fail;
    }
    errno = 0;
    long long n = strtoll(tok, &e, 10);
    if (*e || errno || n < 0 || n > ((long long)1 << 40)) {
      rc = mtl__err(MTL_EFORMAT, "%s:%ld: variable '%s': bad size '%s'",
                    path, line, name, tok);
      goto fail;
    }
    if ((rc = mtl__ck_put(f, name, NULL, 0)))
      goto fail;
    mtl__ckvar *v = &f->v[f->nvar - 1];
    free(v->x);
    v->n = n;
    v->x = mtl__malloc((size_t)(n > 0 ? n : 1) * sizeof(double));
    if (!v->x) {
      rc = MTL_ENOMEM;
      goto fail;
    }
    for (long long j = 0; j < n; j++) {
      if (!token(in, tok, sizeof tok, &line)) {
        rc = mtl__err(MTL_EFORMAT, "%s:%ld: variable '%s': %lld of %lld "
                                   "values",
                      path, line, name, j, n);
        goto fail;
      }
      errno = 0;
      v->x[j] = strtod(tok, &e);
      if (*e || e == tok) {
        rc = mtl__err(MTL_EFORMAT, "%s:%ld: variable '%s': bad value '%s'",
                      path, line, name, tok);
        goto fail;
      }
    }
  }
  fclose(in);
  return MTL_OK;
fail:
  fclose(in);
  mtl__ck_clear(f);
  return rc;
}

const double *mtl__ck_get(const mtl__ckfile *f, const char *path,
                          const char *name, int64_t n) {
  for (int i = 0; i < f->nvar; i++)
    if (!strcmp(f->v[i].name, name)) {
      if (n >= 0 && f->v[i].n != n) {
        mtl__err(MTL_EFORMAT, "checkpoint '%s': '%s' has %" PRId64
                              " values, expected %" PRId64
                              " (another problem or run?)",
                 path, name, f->v[i].n, n);
        return NULL;
      }
      return f->v[i].x;
    }
  mtl__err(MTL_EFORMAT, "checkpoint '%s' (kind %s) has no '%s'", path,
           f->kind, name);
  return NULL;
}
