/*
 * io_tasks.c -- the tasks of a text or CSV file: found by their token in a
 * hash table, ordered as the readers order them (integer ids numerically,
 * else by first appearance), named, and handed to mtl__io_finish.
 */
#include "io_impl.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t hash_str(const char *s, size_t n) {
  uint64_t h = 1469598103934665603ULL;
  for (size_t k = 0; k < n; k++)
    h = (h ^ (unsigned char)s[k]) * 1099511628211ULL;
  return h;
}

void mtl__tset_free(mtl__tset *s) {
  for (int k = 0; k < s->T; k++) {
    mtl__tacc *a = &s->t[k];
    free(a->key);
    free(a->y);
    free(a->X);
    free(a->ip);
    free(a->ix);
    free(a->v);
    free(a->sw);
  }
  free(s->t);
  free(s->slot);
  memset(s, 0, sizeof *s);
}

static int rehash(mtl__tset *s, size_t nslot) {
  int *sl = calloc(nslot, sizeof *sl);
  if (!sl)
    return mtl__err(MTL_ENOMEM, "out of memory (task table)");
  for (int k = 0; k < s->T; k++) {
    size_t h = hash_str(s->t[k].key, strlen(s->t[k].key)) & (nslot - 1);
    while (sl[h])
      h = (h + 1) & (nslot - 1);
    sl[h] = k + 1;
  }
  free(s->slot);
  s->slot = sl;
  s->nslot = nslot;
  return MTL_OK;
}

/* Integer task tokens ("7", "+7", "007") share the canonical key "7". */
static int int_token(const char *s, size_t n, long long *v) {
  size_t k = 0;
  if (n && (s[0] == '-' || s[0] == '+'))
    k = 1;
  if (k == n || n - k > 18)
    return 0;
  for (size_t q = k; q < n; q++)
    if (!isdigit((unsigned char)s[q]))
      return 0;
  long long x = 0;
  for (size_t q = k; q < n; q++)
    x = x * 10 + (s[q] - '0');
  *v = s[0] == '-' ? -x : x;
  return 1;
}

/* Appends a new task of canonical key tok[0..n-1] at hash slot h. */
static int tset_add(mtl__tset *s, const char *tok, size_t n, int is_int,
                    long long id, size_t h) {
  if (s->T == INT32_MAX - 1)
    return mtl__err(MTL_EFORMAT, "too many tasks");
  if (s->T == s->cap) {
    int cap = s->cap ? 2 * s->cap : 16;
    mtl__tacc *nt = realloc(s->t, (size_t)cap * sizeof *nt);
    if (!nt)
      return mtl__err(MTL_ENOMEM, "out of memory (tasks)");
    s->t = nt;
    s->cap = cap;
  }
  mtl__tacc *a = &s->t[s->T];
  memset(a, 0, sizeof *a);
  a->key = mtl__malloc(n + 1);
  if (!a->key)
    return MTL_ENOMEM;
  memcpy(a->key, tok, n);
  a->key[n] = '\0';
  a->is_int = is_int;
  a->id = id;
  mtl__label_sum_init(&a->ls);
  if (s->T == 0)
    s->all_int = 1;
  s->all_int &= is_int;
  s->slot[h] = ++s->T;
  if ((size_t)s->T * 2 > s->nslot && rehash(s, s->nslot * 2))
    return MTL_ENOMEM;
  return s->T - 1;
}

/* The task of tok; a new one when add, else -1 when there is none. */
static int lookup(mtl__tset *s, const char *tok, size_t n, int add) {
  if (s->T > 0 && n == s->last_len && memcmp(tok, s->last_tok, n) == 0)
    return s->last;
  const char *raw = tok;
  size_t raw_n = n;
  char canon[32];
  long long id = 0;
  int is_int = int_token(tok, n, &id), ti = -1;
  if (is_int) {
    n = (size_t)snprintf(canon, sizeof canon, "%lld", id);
    tok = canon;
  }
  if (!s->slot && !add)
    return -1;
  if (!s->slot && rehash(s, 64))
    return MTL_ENOMEM;
  size_t h = hash_str(tok, n) & (s->nslot - 1);
  while (s->slot[h] && ti < 0) {
    mtl__tacc *a = &s->t[s->slot[h] - 1];
    if (strlen(a->key) == n && memcmp(a->key, tok, n) == 0)
      ti = s->slot[h] - 1;
    else
      h = (h + 1) & (s->nslot - 1);
  }
  if (ti < 0 && !add)
    return -1;
  if (ti < 0 && (ti = tset_add(s, tok, n, is_int, id, h)) < 0)
    return ti;
  s->last = ti;
  s->last_len = raw_n < sizeof s->last_tok ? raw_n : 0;
  if (s->last_len)
    memcpy(s->last_tok, raw, raw_n);
  return ti;
}

int mtl__tset_get(mtl__tset *s, const char *tok, size_t n) {
  return lookup(s, tok, n, 1);
}

int mtl__tset_find(mtl__tset *s, const char *tok, size_t n) {
  return lookup(s, tok, n, 0);
}

static int cmp_tacc_id(const void *x, const void *y) {
  const mtl__tacc *a = *(const mtl__tacc *const *)x;
  const mtl__tacc *b = *(const mtl__tacc *const *)y;
  return (a->id > b->id) - (a->id < b->id);
}

int mtl__tset_order(mtl__tset *s, mtl__tacc ***ord) {
  int T = s->T;
  mtl__tacc **o = mtl__malloc((size_t)(T ? T : 1) * sizeof *o);
  if (!o)
    return MTL_ENOMEM;
  for (int t = 0; t < T; t++)
    o[t] = &s->t[t];
  if (s->all_int)
    qsort(o, (size_t)T, sizeof *o, cmp_tacc_id);
  for (int t = 0; t < T; t++)
    o[t]->global = t;
  *ord = o;
  return MTL_OK;
}

char *mtl__tacc_name(const mtl__tacc *a) {
  char buf[64];
  if (!a->is_int)
    return mtl__strdup(a->key);
  snprintf(buf, sizeof buf, "task%lld", a->id);
  return mtl__strdup(buf);
}

int mtl__tacc_move(mtl__tacc *a, mtl__io_task *q) {
  q->n = a->i;
  q->y = a->y;
  q->X = a->X;
  q->indptr = a->ip;
  q->indices = a->ix;
  q->values = a->v;
  q->sw = a->sw;
  a->y = a->X = a->v = a->sw = NULL;
  a->ip = NULL;
  a->ix = NULL;
  if (!q->X) { /* CSR arrays of an empty task still exist */
    if (!q->indices)
      q->indices = mtl__malloc(sizeof *q->indices);
    if (!q->values)
      q->values = mtl__malloc(sizeof *q->values);
    if (!q->indices || !q->values)
      return MTL_ENOMEM;
  }
  q->name = mtl__tacc_name(a);
  return q->name ? MTL_OK : MTL_ENOMEM;
}
