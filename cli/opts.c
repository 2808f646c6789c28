/*
 * opts.c -- the option parser shared by every command (see opts.h).
 */
#include "opts.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void opts_init(opts *o, const char *cmd, const char *usage, const char *about) {
  memset(o, 0, sizeof *o);
  o->cmd = cmd;
  o->usage = usage;
  o->about = about;
}

/* Appends an entry; the table is sized for the largest command, so running
 * out is a programming error caught by the first --help of that command. */
static opt *add(opts *o, const char *name, char shrt, opt_type type,
                void *dest, const char *meta, const char *help) {
  if (o->n >= OPTS_MAX) {
    fprintf(stderr, "mtl: internal error: too many options for '%s'\n",
            o->cmd);
    exit(70);
  }
  opt *p = &o->v[o->n++];
  memset(p, 0, sizeof *p);
  p->name = name;
  p->shrt = shrt;
  p->type = type;
  p->dest = dest;
  p->meta = meta;
  p->help = help;
  p->lo = -HUGE_VAL;
  p->hi = HUGE_VAL;
  return p;
}

void opts_section(opts *o, const char *title) {
  add(o, title, 0, OPT_SECTION, NULL, NULL, NULL);
}

opt *opts_flag(opts *o, const char *name, char shrt, int *dest, int value,
               const char *help) {
  opt *p = add(o, name, shrt, OPT_FLAG, dest, NULL, help);
  p->flag_value = value;
  return p;
}

opt *opts_int(opts *o, const char *name, char shrt, int *dest, const char *meta,
              double lo, double hi, const char *help) {
  opt *p = add(o, name, shrt, OPT_INT, dest, meta, help);
  p->lo = lo;
  p->hi = hi;
  return p;
}

opt *opts_double(opts *o, const char *name, char shrt, double *dest,
                 const char *meta, double lo, double hi, const char *help) {
  opt *p = add(o, name, shrt, OPT_DOUBLE, dest, meta, help);
  p->lo = lo;
  p->hi = hi;
  return p;
}

opt *opts_string(opts *o, const char *name, char shrt, const char **dest,
                 const char *meta, const char *help) {
  return add(o, name, shrt, OPT_STRING, dest, meta, help);
}

opt *opts_choice(opts *o, const char *name, char shrt, const char **dest,
                 const char *choices, const char *help) {
  opt *p = add(o, name, shrt, OPT_CHOICE, dest, "WORD", help);
  p->choices = choices;
  return p;
}

opt *opts_u64(opts *o, const char *name, char shrt, uint64_t *dest,
              const char *meta, const char *help) {
  return add(o, name, shrt, OPT_U64, dest, meta, help);
}

int opts_choice_index(const char *choices, const char *value) {
  size_t len = strlen(value);
  int k = 0;
  for (const char *c = choices; *c; k++) {
    const char *bar = strchr(c, '|');
    size_t n = bar ? (size_t)(bar - c) : strlen(c);
    if (n == len && strncmp(c, value, n) == 0)
      return k;
    if (!bar)
      break;
    c = bar + 1;
  }
  return -1;
}

int opts_parse_double(const char *s, double *out) {
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (end == s || *end != '\0' || errno == ERANGE || !isfinite(v))
    return -1;
  *out = v;
  return 0;
}

int opts_parse_int(const char *s, int *out) {
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (end == s || *end != '\0' || errno == ERANGE || v < INT_MIN ||
      v > INT_MAX)
    return -1;
  *out = (int)v;
  return 0;
}

static void usage_hint(const opts *o) {
  fprintf(stderr, "       (see 'mtl %s --help')\n", o->cmd);
}

/* Formats a bound for messages: integers without a fraction. */
static void fmt_bound(char *buf, size_t cap, double v) {
  if (v == HUGE_VAL)
    snprintf(buf, cap, "inf");
  else if (v == -HUGE_VAL)
    snprintf(buf, cap, "-inf");
  else if (v == floor(v) && fabs(v) < 1e15)
    snprintf(buf, cap, "%.0f", v);
  else
    snprintf(buf, cap, "%g", v);
}

static int range_error(const opts *o, const opt *p, const char *val) {
  char lo[32], hi[32];
  fmt_bound(lo, sizeof lo, p->lo);
  fmt_bound(hi, sizeof hi, p->hi);
  if (p->hi == HUGE_VAL)
    fprintf(stderr, "mtl: error: --%s %s is out of range (must be >= %s)\n",
            p->name, val, lo);
  else
    fprintf(stderr,
            "mtl: error: --%s %s is out of range (must be in [%s, %s])\n",
            p->name, val, lo, hi);
  usage_hint(o);
  return 2;
}

/* Stores `val` into option p after checking it.  Returns 0 or 2. */
static int set_value(const opts *o, opt *p, const char *val) {
  switch (p->type) {
  case OPT_INT: {
    int v;
    if (opts_parse_int(val, &v) != 0) {
      fprintf(stderr, "mtl: error: --%s expects an integer, got '%s'\n",
              p->name, val);
      usage_hint(o);
      return 2;
    }
    if (v < p->lo || v > p->hi)
      return range_error(o, p, val);
    *(int *)p->dest = v;
    break;
  }
  case OPT_DOUBLE: {
    double v;
    if (opts_parse_double(val, &v) != 0) {
      fprintf(stderr, "mtl: error: --%s expects a finite number, got '%s'\n",
              p->name, val);
      usage_hint(o);
      return 2;
    }
    if (v < p->lo || v > p->hi)
      return range_error(o, p, val);
    *(double *)p->dest = v;
    break;
  }
  case OPT_U64: {
    char *end;
    errno = 0;
    unsigned long long v = strtoull(val, &end, 10);
    if (val[0] == '-' || val[0] == '+' || end == val || *end != '\0' ||
        errno == ERANGE) {
      fprintf(stderr,
              "mtl: error: --%s expects a non-negative integer, got '%s'\n",
              p->name, val);
      usage_hint(o);
      return 2;
    }
    *(uint64_t *)p->dest = (uint64_t)v;
    break;
  }
  case OPT_CHOICE:
    if (opts_choice_index(p->choices, val) < 0) {
      fprintf(stderr, "mtl: error: invalid value '%s' for --%s (choose %s)\n",
              val, p->name, p->choices);
      usage_hint(o);
      return 2;
    }
    *(const char **)p->dest = val;
    break;
  case OPT_STRING:
    if (val[0] == '\0') {
      fprintf(stderr, "mtl: error: --%s needs a non-empty value\n", p->name);
      usage_hint(o);
      return 2;
    }
    *(const char **)p->dest = val;
    break;
  default:
    break;
  }
  return 0;
}

static opt *find_long(opts *o, const char *name, size_t len) {
  for (int i = 0; i < o->n; i++)
    if (o->v[i].type != OPT_SECTION && strlen(o->v[i].name) == len &&
        strncmp(o->v[i].name, name, len) == 0)
      return &o->v[i];
  return NULL;
}

static opt *find_short(opts *o, char c) {
  for (int i = 0; i < o->n; i++)
    if (o->v[i].type != OPT_SECTION && o->v[i].shrt == c)
      return &o->v[i];
  return NULL;
}

int opts_parse(opts *o, int argc, char **argv) {
  int only_pos = 0;
  o->npos = 0;
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    if (only_pos || a[0] != '-' || a[1] == '\0') { /* "-" is positional */
      if (o->npos >= OPTS_MAXPOS) {
        fprintf(stderr, "mtl: error: too many arguments ('%s')\n", a);
        usage_hint(o);
        return 2;
      }
      o->pos[o->npos++] = a;
      continue;
    }
    if (strcmp(a, "--") == 0) {
      only_pos = 1;
      continue;
    }
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      opts_help(o, stdout);
      return OPTS_HELP;
    }
    opt *p;
    const char *val = NULL; /* inline value, if any */
    char shown[64];
    if (a[1] == '-') {
      const char *name = a + 2;
      const char *eq = strchr(name, '=');
      size_t len = eq ? (size_t)(eq - name) : strlen(name);
      p = find_long(o, name, len);
      snprintf(shown, sizeof shown, "--%.*s", (int)len, name);
      if (eq)
        val = eq + 1;
    } else {
      p = find_short(o, a[1]);
      snprintf(shown, sizeof shown, "-%c", a[1]);
      if (a[2] != '\0')
        val = a + 2;
    }
    if (!p) {
      fprintf(stderr, "mtl: error: unknown option '%s' for 'mtl %s'\n", shown,
              o->cmd);
      usage_hint(o);
      return 2;
    }
    p->seen = 1;
    if (p->type == OPT_FLAG) {
      if (val) {
        fprintf(stderr, "mtl: error: option %s takes no value\n", shown);
        usage_hint(o);
        return 2;
      }
      *(int *)p->dest = p->flag_value;
      continue;
    }
    if (!val) {
      if (i + 1 >= argc) {
        fprintf(stderr, "mtl: error: option %s needs a value (%s)\n", shown,
                p->meta ? p->meta : "VALUE");
        usage_hint(o);
        return 2;
      }
      val = argv[++i];
    }
    int rc = set_value(o, p, val);
    if (rc != 0)
      return rc;
  }
  return 0;
}

int opts_seen(const opts *o, const char *name) {
  for (int i = 0; i < o->n; i++)
    if (o->v[i].type != OPT_SECTION && strcmp(o->v[i].name, name) == 0)
      return o->v[i].seen;
  return 0;
}

/* The default of an option as text, from its bound variable. */
static void default_text(const opt *p, char *buf, size_t cap) {
  if (p->def) {
    snprintf(buf, cap, "%s", p->def);
    return;
  }
  switch (p->type) {
  case OPT_FLAG:
    snprintf(buf, cap, "%s",
             *(int *)p->dest == p->flag_value ? "on" : "off");
    break;
  case OPT_INT:
    snprintf(buf, cap, "%d", *(int *)p->dest);
    break;
  case OPT_DOUBLE:
    snprintf(buf, cap, "%g", *(double *)p->dest);
    break;
  case OPT_U64:
    snprintf(buf, cap, "%" PRIu64, *(uint64_t *)p->dest);
    break;
  case OPT_STRING:
  case OPT_CHOICE: {
    const char *s = *(const char **)p->dest;
    snprintf(buf, cap, "%s", s ? s : "none");
    break;
  }
  default:
    buf[0] = '\0';
  }
}

/* Prints text wrapped to the width of the description column (col 34). */
static void wrap(FILE *f, const char *text, int first_col) {
  enum { COL = 34, WIDTH = 79 };
  int col = first_col;
  const char *w = text;
  while (*w) {
    while (*w == ' ')
      w++;
    size_t len = strcspn(w, " ");
    if (len == 0)
      break;
    if (col > COL && col + 1 + (int)len > WIDTH) {
      fprintf(f, "\n%*s", COL, "");
      col = COL;
    } else if (col > COL) {
      fputc(' ', f);
      col++;
    }
    for (size_t k = 0; k < len; k++) /* \001 is an unbreakable space */
      fputc(w[k] == '\001' ? ' ' : w[k], f);
    col += (int)len;
    w += len;
  }
  fputc('\n', f);
}

void opts_help(const opts *o, FILE *f) {
  fprintf(f, "usage: mtl %s %s\n", o->cmd, o->usage);
  if (o->about)
    fprintf(f, "\n%s\n", o->about);
  for (int i = 0; i < o->n; i++) {
    const opt *p = &o->v[i];
    if (p->type == OPT_SECTION) {
      fprintf(f, "\n%s:\n", p->name);
      continue;
    }
    char left[192], meta[128] = "", def[128], text[1024];
    if (p->type == OPT_CHOICE && strcmp(p->meta, "WORD") == 0)
      snprintf(meta, sizeof meta, " %s", p->choices);
    else if (p->type != OPT_FLAG) /* a choice may name its value */
      snprintf(meta, sizeof meta, " %s", p->meta ? p->meta : "VALUE");
    if (p->shrt)
      snprintf(left, sizeof left, "-%c, --%s%s", p->shrt, p->name, meta);
    else
      snprintf(left, sizeof left, "    --%s%s", p->name, meta);
    default_text(p, def, sizeof def);
    snprintf(text, sizeof text, "%s (default:\001%s)", p->help, def);
    if (strlen(left) > 30)
      fprintf(f, "  %s\n%*s", left, 34, "");
    else
      fprintf(f, "  %-30s  ", left);
    wrap(f, text, 34);
  }
  fprintf(f, "  %-30s  %s\n", "-h, --help", "show this help and exit");
}
