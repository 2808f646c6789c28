/*
 * params.c -- methods by name and their parameter sets: every parameter is
 * set from text, checked against its table entry (type, range, choices),
 * and kept both as text and as a number.
 */
#include "api.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- methods ------------------------------------------------------------- */

static const mtl_method *const methods[] = {
    &mtl__method_batch,         &mtl__method_async,
    &mtl__method_smtl,          &mtl__method_srml,
    &mtl__method_ssml,          &mtl__method_asym,
    &mtl__method_asym_curriculum, &mtl__method_asym_noloss,
    &mtl__method_asym_symmetric, &mtl__method_curriculum_simple,
    &mtl__method_gomtl,         &mtl__method_cadmm,
    &mtl__method_dadmm,         &mtl__method_dpsgd,
    &mtl__method_ogd,           &mtl__method_dirty,
    &mtl__method_rmtl,          &mtl__method_rmtfl,
    &mtl__method_sparse_lowrank, &mtl__method_cmtl,
    &mtl__method_tgl, &mtl__method_fglasso, &mtl__method_caso,
    &mtl__method_mll};
#define NMETHODS ((int)(sizeof methods / sizeof *methods))

int mtl_method_count(void) { return NMETHODS; }

const mtl_method *mtl_method_at(int i) {
  return i >= 0 && i < NMETHODS ? methods[i] : NULL;
}

/* 1 if word is one of the '|'-separated words of list. */
static int in_list(const char *list, const char *word) {
  size_t n = strlen(word);
  for (const char *c = list; c && *c;) {
    size_t k = strcspn(c, "|");
    if (k == n && strncmp(c, word, n) == 0)
      return 1;
    c += k;
    if (*c == '|')
      c++;
  }
  return 0;
}

const mtl_method *mtl_method_find(const char *name) {
  if (!name) {
    mtl__err(MTL_EINVAL, "method: no name given");
    return NULL;
  }
  for (int i = 0; i < NMETHODS; i++)
    if (strcmp(methods[i]->name, name) == 0 ||
        (methods[i]->aliases && in_list(methods[i]->aliases, name)))
      return methods[i];
  char list[512];
  size_t len = 0;
  list[0] = '\0';
  for (int i = 0; i < NMETHODS && len < sizeof list; i++) {
    int k = snprintf(list + len, sizeof list - len, "%s%s", i ? ", " : "",
                     methods[i]->name);
    if (k < 0)
      break;
    len += (size_t)k;
  }
  mtl__err(MTL_ENOTFOUND, "unknown method '%s' (valid: %s)", name, list);
  return NULL;
}

const char *mtl_method_name(const mtl_method *m) { return m ? m->name : NULL; }
const char *mtl_method_summary(const mtl_method *m) {
  return m ? m->summary : NULL;
}
int mtl_method_nparams(const mtl_method *m) { return m ? m->nparams : 0; }

static const mtl__pdef *pdef(const mtl_method *m, int i) {
  return m && i >= 0 && i < m->nparams ? &m->params[i] : NULL;
}

const char *mtl_method_param_name(const mtl_method *m, int i) {
  const mtl__pdef *d = pdef(m, i);
  return d ? d->name : NULL;
}
int mtl_method_param_type(const mtl_method *m, int i) {
  const mtl__pdef *d = pdef(m, i);
  return d ? (int)d->type : -1;
}
const char *mtl_method_param_default(const mtl_method *m, int i) {
  const mtl__pdef *d = pdef(m, i);
  return d ? d->def : NULL;
}
const char *mtl_method_param_help(const mtl_method *m, int i) {
  const mtl__pdef *d = pdef(m, i);
  return d ? d->help : NULL;
}
const char *mtl_method_param_choices(const mtl_method *m, int i) {
  const mtl__pdef *d = pdef(m, i);
  return d && d->type == MTL_PARAM_CHOICE ? d->choices : NULL;
}
int mtl_method_param_range(const mtl_method *m, int i, double *lo,
                           double *hi) {
  const mtl__pdef *d = pdef(m, i);
  if (!d)
    return mtl__err(MTL_EINVAL, "parameter %d: out of range", i);
  if (lo)
    *lo = d->lo;
  if (hi)
    *hi = d->hi;
  return MTL_OK;
}

/* ---- parsing one value ----------------------------------------------------- */

/* Position of word in a '|' list, or -1. */
static int choice_index(const char *list, const char *word) {
  size_t n = strlen(word);
  int k = 0;
  for (const char *c = list; *c; k++) {
    size_t len = strcspn(c, "|");
    if (len == n && strncasecmp(c, word, n) == 0)
      return k;
    c += len;
    if (*c == '|')
      c++;
  }
  return -1;
}

static int parse_bool(const char *s, double *v) {
  static const char *yes[] = {"1", "true", "yes", "on"};
  static const char *no[] = {"0", "false", "no", "off"};
  for (int i = 0; i < 4; i++) {
    if (strcasecmp(s, yes[i]) == 0)
      return *v = 1, 1;
    if (strcasecmp(s, no[i]) == 0)
      return *v = 0, 1;
  }
  return 0;
}

static int parse_number(const char *s, int integer, double *v) {
  while (isspace((unsigned char)*s))
    s++;
  if (!*s)
    return 0;
  char *end;
  errno = 0;
  double x = strtod(s, &end);
  while (isspace((unsigned char)*end))
    end++;
  if (end == s || *end || errno == ERANGE || !isfinite(x))
    return 0;
  if (integer && (x != floor(x) || fabs(x) > 9.0e15))
    return 0;
  *v = x;
  return 1;
}

static const char *type_word(mtl_param_type t) {
  switch (t) {
  case MTL_PARAM_REAL: return "a number";
  case MTL_PARAM_INT: return "an integer";
  case MTL_PARAM_BOOL: return "0/1, true/false, yes/no or on/off";
  case MTL_PARAM_CHOICE: return "one of the choices";
  default: return "text";
  }
}

static int range_error(const mtl_method *m, const mtl__pdef *d,
                       const char *value) {
  char lo[32] = "-inf", hi[32] = "inf";
  if (isfinite(d->lo))
    snprintf(lo, sizeof lo, "%g", d->lo);
  if (isfinite(d->hi))
    snprintf(hi, sizeof hi, "%g", d->hi);
  return mtl__err(MTL_EINVAL,
                  "%s: parameter '%s' = '%s' is out of range: it must be in "
                  "%c%s, %s%c",
                  m->name, d->name, value, d->lo_open ? '(' : '[', lo, hi,
                  d->hi_open ? ')' : ']');
}

/* Parses value for d into *num; MTL_OK or MTL_EINVAL naming it. */
static int parse_value(const mtl_method *m, const mtl__pdef *d,
                       const char *value, double *num) {
  double v = NAN;
  switch (d->type) {
  case MTL_PARAM_REAL:
  case MTL_PARAM_INT:
    if (!parse_number(value, d->type == MTL_PARAM_INT, &v))
      return mtl__err(MTL_EINVAL, "%s: parameter '%s' = '%s' is not %s",
                      m->name, d->name, value, type_word(d->type));
    if (v < d->lo || v > d->hi || (d->lo_open && v == d->lo) ||
        (d->hi_open && v == d->hi))
      return range_error(m, d, value);
    break;
  case MTL_PARAM_BOOL:
    if (!parse_bool(value, &v))
      return mtl__err(MTL_EINVAL, "%s: parameter '%s' = '%s' is not %s",
                      m->name, d->name, value, type_word(d->type));
    break;
  case MTL_PARAM_CHOICE: {
    int k = choice_index(d->choices, value);
    if (k < 0)
      return mtl__err(MTL_EINVAL,
                      "%s: parameter '%s' = '%s' is not one of %s", m->name,
                      d->name, value, d->choices);
    v = k;
    break;
  }
  case MTL_PARAM_TEXT:
    if (strchr(value, '\n'))
      return mtl__err(MTL_EINVAL, "%s: parameter '%s' must be one line",
                      m->name, d->name);
    break;
  }
  *num = v;
  return MTL_OK;
}

/* ---- parameter sets ------------------------------------------------------- */

static int same_name(const char *a, const char *b) {
  for (; *a && *b; a++, b++) {
    char x = *a == '-' ? '_' : *a, y = *b == '-' ? '_' : *b;
    if (x != y)
      return 0;
  }
  return *a == *b;
}

int mtl__p_index(const mtl_params *p, const char *name) {
  if (!p || !name)
    return -1;
  for (int i = 0; i < p->m->nparams; i++)
    if (same_name(p->m->params[i].name, name))
      return i;
  return -1;
}

void mtl_params_free(mtl_params *p) {
  if (!p)
    return;
  for (int i = 0; p->text && i < p->m->nparams; i++)
    free(p->text[i]);
  free(p->text);
  free(p->num);
  free(p->set);
  free(p);
}

static mtl_params *params_alloc(const mtl_method *m) {
  mtl_params *p = mtl__calloc(1, sizeof *p);
  if (!p)
    return NULL;
  p->m = m;
  int n = m->nparams > 0 ? m->nparams : 1;
  p->num = mtl__calloc((size_t)n, sizeof *p->num);
  p->text = mtl__calloc((size_t)n, sizeof *p->text);
  p->set = mtl__calloc((size_t)n, 1);
  if (!p->num || !p->text || !p->set) {
    mtl_params_free(p);
    return NULL;
  }
  return p;
}

/* Stores a checked value (text copied). */
static int store(mtl_params *p, int i, const char *text, double num) {
  char *t = mtl__strdup(text);
  if (!t)
    return MTL_ENOMEM;
  free(p->text[i]);
  p->text[i] = t;
  p->num[i] = num;
  return MTL_OK;
}

mtl_params *mtl_params_create(const char *method) {
  const mtl_method *m = mtl_method_find(method);
  if (!m)
    return NULL;
  mtl_params *p = params_alloc(m);
  if (!p)
    return NULL;
  for (int i = 0; i < m->nparams; i++) {
    double v;
    if (parse_value(m, &m->params[i], m->params[i].def, &v) < 0 ||
        store(p, i, m->params[i].def, v) < 0) {
      mtl__err_prefix(MTL_EINVAL, "internal: default of %s", m->name);
      mtl_params_free(p);
      return NULL;
    }
  }
  return p;
}

mtl_params *mtl_params_copy(const mtl_params *src) {
  if (!src)
    return NULL;
  mtl_params *p = params_alloc(src->m);
  if (!p)
    return NULL;
  for (int i = 0; i < src->m->nparams; i++)
    if (store(p, i, src->text[i], src->num[i]) < 0) {
      mtl_params_free(p);
      return NULL;
    }
  memcpy(p->set, src->set, (size_t)src->m->nparams);
  p->progress = src->progress;
  p->progress_ctx = src->progress_ctx;
  p->log = src->log;
  p->log_ctx = src->log_ctx;
  return p;
}

const mtl_method *mtl_params_method(const mtl_params *p) {
  return p ? p->m : NULL;
}

/* "unknown parameter" with the method's list. */
int mtl__p_unknown(const mtl_params *p, const char *name) {
  size_t cap = 64;
  for (int i = 0; i < p->m->nparams; i++)
    cap += strlen(p->m->params[i].name) + 2;
  char *list = malloc(cap);
  if (!list)
    return mtl__err(MTL_EINVAL, "%s has no parameter '%s'", p->m->name, name);
  size_t len = 0;
  list[0] = '\0';
  for (int i = 0; i < p->m->nparams; i++)
    len += (size_t)snprintf(list + len, cap - len, "%s%s", i ? ", " : "",
                            p->m->params[i].name);
  mtl__err(MTL_EINVAL, "%s has no parameter '%s' (valid: %s)", p->m->name,
           name, list);
  free(list);
  return MTL_EINVAL;
}

int mtl_params_set(mtl_params *p, const char *name, const char *value) {
  if (!p || !name || !value)
    return mtl__err(MTL_EINVAL, "mtl_params_set: NULL argument");
  int i = mtl__p_index(p, name);
  if (i < 0)
    return mtl__p_unknown(p, name);
  double v;
  int rc = parse_value(p->m, &p->m->params[i], value, &v);
  if (rc < 0)
    return rc;
  /* a choice is kept as its canonical word */
  char word[64];
  const char *text = value;
  if (p->m->params[i].type == MTL_PARAM_CHOICE) {
    const char *c = p->m->params[i].choices;
    for (int k = 0; k < (int)v; k++)
      c += strcspn(c, "|") + 1;
    size_t n = strcspn(c, "|");
    snprintf(word, sizeof word, "%.*s", (int)n, c);
    text = word;
  } else if (p->m->params[i].type == MTL_PARAM_BOOL) {
    text = v != 0 ? "1" : "0";
  }
  if ((rc = store(p, i, text, v)) < 0)
    return rc;
  p->set[i] = 1;
  return MTL_OK;
}

int mtl_params_set_number(mtl_params *p, const char *name, double value) {
  char buf[64]; /* the shortest text that reads back the same */
  for (int digits = 15; digits <= 17; digits++) {
    snprintf(buf, sizeof buf, "%.*g", digits, value);
    if (strtod(buf, NULL) == value)
      break;
  }
  return mtl_params_set(p, name, buf);
}

const char *mtl_params_get(const mtl_params *p, const char *name) {
  int i = mtl__p_index(p, name);
  return i < 0 ? NULL : p->text[i];
}

double mtl_params_get_number(const mtl_params *p, const char *name) {
  int i = mtl__p_index(p, name);
  if (i < 0 || p->m->params[i].type == MTL_PARAM_TEXT)
    return NAN;
  return p->num[i];
}

int mtl_params_is_set(const mtl_params *p, const char *name) {
  int i = mtl__p_index(p, name);
  return i < 0 ? -1 : p->set[i];
}

void mtl_params_set_progress(mtl_params *p, mtl_progress_fn fn, void *ctx) {
  if (p) {
    p->progress = fn;
    p->progress_ctx = ctx;
  }
}

void mtl_params_set_log(mtl_params *p, mtl_log_fn fn, void *ctx) {
  if (p) {
    p->log = fn;
    p->log_ctx = ctx;
  }
}

/* ---- access for the methods ------------------------------------------------ */

double mtl__p_num(const mtl_params *p, const char *name) {
  int i = mtl__p_index(p, name);
  return i < 0 ? 0.0 : p->num[i];
}

int mtl__p_int(const mtl_params *p, const char *name) {
  return (int)mtl__p_num(p, name);
}

const char *mtl__p_text(const mtl_params *p, const char *name) {
  int i = mtl__p_index(p, name);
  return i < 0 ? NULL : p->text[i];
}

int mtl__p_is(const mtl_params *p, const char *name, const char *word) {
  const char *t = mtl__p_text(p, name);
  return t && strcmp(t, word) == 0;
}
