/*
 * method_opts.c -- options generated from the method descriptors (see
 * method_opts.h).
 */
#include "method_opts.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static char *dup_text(const char *s) {
  size_t n = strlen(s) + 1;
  char *c = malloc(n);
  if (!c) {
    fprintf(stderr, "mtl: out of memory\n");
    exit(70);
  }
  memcpy(c, s, n);
  return c;
}

/* Appends text to a malloc'd string. */
static char *append(char *s, const char *text) {
  size_t a = s ? strlen(s) : 0, b = strlen(text);
  char *r = realloc(s, a + b + 1);
  if (!r) {
    fprintf(stderr, "mtl: out of memory\n");
    exit(70);
  }
  memcpy(r + a, text, b + 1);
  return r;
}

/* "a|b|c" of the methods in mask. */
static char *method_set(unsigned mask) {
  char *s = dup_text("");
  int first = 1;
  for (int i = 0; i < mtl_method_count(); i++)
    if (mask & (1u << i)) {
      if (!first)
        s = append(s, "|");
      s = append(s, mtl_method_name(mtl_method_at(i)));
      first = 0;
    }
  return s;
}

static int param_index(const mtl_method *me, const char *name) {
  for (int j = 0; j < mtl_method_nparams(me); j++)
    if (strcmp(mtl_method_param_name(me, j), name) == 0)
      return j;
  return -1;
}

static int skipped(const char *skip, const char *name) {
  size_t n = strlen(name);
  for (const char *c = skip; c && *c;) {
    size_t k = strcspn(c, "|");
    if (k == n && strncmp(c, name, n) == 0)
      return 1;
    c += k + (c[k] == '|');
  }
  return 0;
}

/* The parameters of every method, once each, with the set of methods. */
static void collect(mopts *m, const char *skip) {
  for (int i = 0; i < mtl_method_count(); i++) {
    const mtl_method *me = mtl_method_at(i);
    for (int j = 0; j < mtl_method_nparams(me); j++) {
      const char *name = mtl_method_param_name(me, j);
      if (skipped(skip, name))
        continue;
      int k = 0;
      while (k < m->n && strcmp(m->v[k].param, name) != 0)
        k++;
      if (k == m->n) {
        if (m->n == MOPTS_MAX) {
          fprintf(stderr, "mtl: internal error: too many parameters\n");
          exit(70);
        }
        memset(&m->v[k], 0, sizeof m->v[k]);
        m->v[k].param = name;
        m->v[k].type = mtl_method_param_type(me, j);
        m->n++;
      }
      m->v[k].methods |= 1u << i;
    }
  }
}

/* "m1|m2" of the methods in mask that have `value` as their default. */
static char *default_group(const mopt *p, const char *value) {
  unsigned mask = 0;
  for (int i = 0; i < mtl_method_count(); i++) {
    const mtl_method *me = mtl_method_at(i);
    if ((p->methods & (1u << i)) &&
        strcmp(mtl_method_param_default(me, param_index(me, p->param)),
               value) == 0)
      mask |= 1u << i;
  }
  return method_set(mask);
}

/* Help: the first method's text, then other methods' where it differs;
 * default: the first method's, then the others grouped by value. */
static void describe(mopt *p) {
  const char *h0 = NULL, *d0 = NULL;
  for (int i = 0; i < mtl_method_count(); i++) {
    if (!(p->methods & (1u << i)))
      continue;
    const mtl_method *me = mtl_method_at(i);
    int j = param_index(me, p->param);
    const char *h = mtl_method_param_help(me, j);
    const char *d = mtl_method_param_default(me, j);
    const char *ch = mtl_method_param_choices(me, j);
    if (!h0) {
      h0 = h;
      d0 = d;
      p->help = dup_text(h);
      p->def = dup_text(*d ? d : "none");
      p->choices = ch ? dup_text(ch) : NULL;
      continue;
    }
    if (strcmp(h, h0) != 0 && !strstr(p->help, h)) {
      p->help = append(p->help, "; ");
      p->help = append(p->help, mtl_method_name(me));
      p->help = append(p->help, ": ");
      p->help = append(p->help, h);
    }
    char *group = default_group(p, d);
    char *line = dup_text("; ");
    line = append(line, group);
    line = append(line, ": ");
    line = append(line, d);
    /* each other default once, with every method that has it */
    if (strcmp(d, d0) != 0 && !strstr(p->def, line))
      p->def = append(p->def, line);
    free(line);
    free(group);
    /* the widest choice list parses; the method checks its own */
    if (ch && p->choices && strlen(ch) > strlen(p->choices)) {
      free(p->choices);
      p->choices = dup_text(ch);
    }
  }
  if (p->type == MTL_PARAM_BOOL && strcmp(d0, "1") == 0) {
    char *h = append(dup_text("do not "), p->help); /* --no-NAME */
    free(p->help);
    p->help = h;
  }
}

/* Option name: dashes for underscores; booleans as their flag. */
static void option_name(mopt *p) {
  char base[40];
  size_t k = 0;
  for (const char *c = p->param; *c && k + 1 < sizeof base; c++)
    base[k++] = *c == '_' ? '-' : *c;
  base[k] = '\0';
  p->defv = p->type == MTL_PARAM_BOOL && strcmp(p->def, "1") == 0;
  snprintf(p->name, sizeof p->name, "%s%s", p->defv ? "no-" : "", base);
}

/* The union of the methods' ranges (each method checks its own). */
static void range(const mopt *p, double *lo, double *hi) {
  *lo = HUGE_VAL;
  *hi = -HUGE_VAL;
  for (int i = 0; i < mtl_method_count(); i++)
    if (p->methods & (1u << i)) {
      double a, b;
      const mtl_method *me = mtl_method_at(i);
      mtl_method_param_range(me, param_index(me, p->param), &a, &b);
      *lo = a < *lo ? a : *lo;
      *hi = b > *hi ? b : *hi;
    }
}

static void add_option(opts *o, mopt *p) {
  double lo, hi;
  range(p, &lo, &hi);
  opt *e = NULL;
  switch (p->type) {
  case MTL_PARAM_REAL:
    e = opts_double(o, p->name, 0, &p->d, "X", lo, hi, p->help);
    break;
  case MTL_PARAM_INT:
    e = opts_int(o, p->name, 0, &p->i, "N", lo, hi, p->help);
    break;
  case MTL_PARAM_BOOL:
    e = opts_flag(o, p->name, 0, &p->i, 1, p->help);
    break;
  case MTL_PARAM_CHOICE:
    e = opts_choice(o, p->name, 0, &p->s, p->choices, p->help);
    break;
  default:
    e = opts_string(o, p->name, 0, &p->s, "TEXT", p->help);
    break;
  }
  if (p->type == MTL_PARAM_BOOL)
    e->def = p->defv ? p->param : "off"; /* --no-X turns X off */
  else
    e->def = p->def;
}

void mopts_add(opts *o, mopts *m, const char *skip) {
  memset(m, 0, sizeof *m);
  collect(m, skip);
  for (int k = 0; k < m->n; k++) {
    describe(&m->v[k]);
    option_name(&m->v[k]);
  }
  /* one --help section per set of methods, in order of appearance */
  for (int k = 0; k < m->n; k++) {
    int first = 1;
    for (int q = 0; q < k; q++)
      first &= m->v[q].methods != m->v[k].methods;
    if (!first)
      continue;
    char *set = method_set(m->v[k].methods);
    char *title = dup_text("Parameters of --method ");
    title = append(title, set);
    free(set);
    m->titles[m->ntitles++] = title;
    opts_section(o, title);
    for (int q = k; q < m->n; q++)
      if (m->v[q].methods == m->v[k].methods)
        add_option(o, &m->v[q]);
  }
}

void mopts_clear(mopts *m) {
  for (int k = 0; k < m->n; k++) {
    free(m->v[k].def);
    free(m->v[k].help);
    free(m->v[k].choices);
  }
  for (int t = 0; t < m->ntitles; t++)
    free(m->titles[t]);
  memset(m, 0, sizeof *m);
}

int mopts_method(const char *cmd, const char *name, const mtl_method **m) {
  *m = mtl_method_find(name);
  if (*m)
    return CLI_OK;
  char *set = method_set(~0u);
  int rc = cli_usage(cmd, "invalid value '%s' for --method (choose %s)",
                     name, set);
  free(set);
  return rc;
}

/* The value of a parsed option as the parameter's text. */
static void value_text(const mopt *p, char *buf, size_t cap) {
  switch (p->type) {
  case MTL_PARAM_REAL: /* the shortest text that reads back the same */
    for (int digits = 15; digits <= 17; digits++) {
      snprintf(buf, cap, "%.*g", digits, p->d);
      if (strtod(buf, NULL) == p->d)
        break;
    }
    break;
  case MTL_PARAM_INT:
    snprintf(buf, cap, "%d", p->i);
    break;
  case MTL_PARAM_BOOL:
    snprintf(buf, cap, "%d", p->defv ? 0 : 1);
    break;
  default:
    snprintf(buf, cap, "%s", p->s ? p->s : "");
  }
}

int mopts_apply(const opts *o, const mopts *m, const char *cmd,
                mtl_params *p) {
  const mtl_method *me = mtl_params_method(p);
  unsigned bit = 0;
  for (int i = 0; i < mtl_method_count(); i++)
    if (mtl_method_at(i) == me)
      bit = 1u << i;
  for (int k = 0; k < m->n; k++) {
    const mopt *q = &m->v[k];
    if (!opts_seen(o, q->name))
      continue;
    if (!(q->methods & bit)) {
      char *set = method_set(q->methods);
      int rc = cli_usage(cmd, "--%s is an option of --method %s, not of "
                              "--method %s",
                         q->name, set, mtl_method_name(me));
      free(set);
      return rc;
    }
    char buf[4096];
    value_text(q, buf, sizeof buf);
    if (mtl_params_set(p, q->param, buf) < 0)
      return cli_usage(cmd, "--%s: %s", q->name, mtl_last_error());
  }
  return CLI_OK;
}

int mopts_set_pairs(const char *cmd, const char *pairs, mtl_params *p) {
  char *text = dup_text(pairs), *save = NULL;
  int rc = CLI_OK;
  for (char *kv = strtok_r(text, ";", &save); kv && rc == CLI_OK;
       kv = strtok_r(NULL, ";", &save)) {
    char *eq = strchr(kv, '=');
    while (*kv == ' ')
      kv++;
    if (!*kv)
      continue;
    if (!eq) {
      rc = cli_usage(cmd, "--set '%s' is not NAME=VALUE", kv);
      break;
    }
    *eq = '\0';
    if (mtl_params_set(p, kv, eq + 1) < 0)
      rc = cli_usage(cmd, "--set: %s", mtl_last_error());
  }
  free(text);
  return rc;
}
