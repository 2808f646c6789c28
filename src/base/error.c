/*
 * error.c -- error codes, messages and the thread-local last error.
 */
#include "base.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MSG_CAP 1024

static _Thread_local char last_msg[MSG_CAP];

const char *mtl_version(void) { return MTL_VERSION_STRING; }

const char *mtl_strerror(int code) {
  switch (code) {
  case MTL_OK:
    return "success";
#define X(name, val, msg)                                                      \
  case MTL_E##name:                                                            \
    return msg;
    MTL_ERRNO_MAP(X)
#undef X
  default:
    return "unknown error";
  }
}

const char *mtl_errname(int code) {
  switch (code) {
  case MTL_OK:
    return "MTL_OK";
#define X(name, val, msg)                                                      \
  case MTL_E##name:                                                            \
    return "MTL_E" #name;
    MTL_ERRNO_MAP(X)
#undef X
  default:
    return "MTL_EUNKNOWN";
  }
}

const char *mtl_last_error(void) { return last_msg; }

void mtl_clear_error(void) { last_msg[0] = '\0'; }

int mtl__err(int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(last_msg, MSG_CAP, fmt, ap);
  va_end(ap);
  return code;
}

int mtl__err_prefix(int code, const char *fmt, ...) {
  char prefix[MSG_CAP], old[MSG_CAP];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(prefix, MSG_CAP, fmt, ap);
  va_end(ap);
  memcpy(old, last_msg, MSG_CAP);
  if (old[0])
    snprintf(last_msg, MSG_CAP, "%s: %s", prefix, old);
  else
    snprintf(last_msg, MSG_CAP, "%s: %s", prefix, mtl_strerror(code));
  return code;
}

void *mtl__malloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p)
    mtl__err(MTL_ENOMEM, "out of memory allocating %zu bytes", n);
  return p;
}

void *mtl__calloc(size_t n, size_t sz) {
  void *p = calloc(n ? n : 1, sz ? sz : 1);
  if (!p)
    mtl__err(MTL_ENOMEM, "out of memory allocating %zu x %zu bytes", n, sz);
  return p;
}

char *mtl__strdup(const char *s) {
  size_t n = strlen(s) + 1;
  char *p = mtl__malloc(n);
  if (p)
    memcpy(p, s, n);
  return p;
}

void mtl_free(void *p) { free(p); }
