/*
 * opts.h -- the option parser shared by every `mtl` command.
 *
 * A command builds a table of options (each bound to a variable that already
 * holds its default), parses argv into it, and gets the positional arguments
 * back.  Long options take `--name value` or `--name=value`; short ones
 * `-x value` or `-xvalue`.  `--` ends the options.  Values are checked here
 * (numbers with strtod/strtol, end pointer and errno; ranges; choices), so
 * commands only validate combinations.  `--help`/`-h` prints every option
 * with its default, taken from the bound variable before parsing.
 */
#ifndef MTL_CLI_OPTS_H
#define MTL_CLI_OPTS_H

#include <stdint.h>
#include <stdio.h>

typedef enum {
  OPT_SECTION, /* a heading in --help, not an option */
  OPT_FLAG,    /* int *: set to `flag_value` when given (no value) */
  OPT_INT,     /* int *, range [lo, hi] */
  OPT_DOUBLE,  /* double *, finite, range [lo, hi] */
  OPT_STRING,  /* const char **: points into argv */
  OPT_CHOICE,  /* const char **: one of the '|'-separated `choices` */
  OPT_U64      /* uint64_t * (seeds) */
} opt_type;

typedef struct opt {
  const char *name;    /* long name without "--" (or the section title) */
  char shrt;           /* short letter, 0 if none */
  opt_type type;
  void *dest;
  const char *meta;    /* value placeholder in --help ("N", "FILE"); a
                          choice shows its words unless meta is changed
                          from "WORD" (for long lists spelled out in help) */
  const char *help;
  const char *def;     /* default as shown in --help; NULL = from *dest */
  const char *choices; /* OPT_CHOICE: "a|b|c" */
  double lo, hi;       /* OPT_INT / OPT_DOUBLE bounds (inclusive) */
  int flag_value;      /* OPT_FLAG: value stored */
  int seen;            /* set by opts_parse when given */
} opt;

#define OPTS_MAX 192
#define OPTS_MAXPOS 8

typedef struct opts {
  const char *cmd;   /* "train" */
  const char *usage; /* "DATA [options]" */
  const char *about; /* paragraph printed under the usage line */
  opt v[OPTS_MAX];
  int n;
  const char *pos[OPTS_MAXPOS]; /* positional arguments after parsing */
  int npos;
} opts;

void opts_init(opts *o, const char *cmd, const char *usage, const char *about);
void opts_section(opts *o, const char *title);
/* Each adder returns the new entry so that a caller may override `def`. */
opt *opts_flag(opts *o, const char *name, char shrt, int *dest, int value,
               const char *help);
opt *opts_int(opts *o, const char *name, char shrt, int *dest, const char *meta,
              double lo, double hi, const char *help);
opt *opts_double(opts *o, const char *name, char shrt, double *dest,
                 const char *meta, double lo, double hi, const char *help);
opt *opts_string(opts *o, const char *name, char shrt, const char **dest,
                 const char *meta, const char *help);
opt *opts_choice(opts *o, const char *name, char shrt, const char **dest,
                 const char *choices, const char *help);
opt *opts_u64(opts *o, const char *name, char shrt, uint64_t *dest,
              const char *meta, const char *help);

/* Parses argv[0..argc-1] (the arguments after the command name).
 * Returns 0 on success, OPTS_HELP after printing --help to stdout, or 2 after
 * printing a usage error to stderr. */
#define OPTS_HELP (-1)
int opts_parse(opts *o, int argc, char **argv);
void opts_help(const opts *o, FILE *f);
/* 1 if the option was given on the command line. */
int opts_seen(const opts *o, const char *name);

/* Index of `value` in the '|'-separated list `choices`, or -1. */
int opts_choice_index(const char *choices, const char *value);

/* Strict number parsing: the whole string, finite, no overflow. */
int opts_parse_double(const char *s, double *out);
int opts_parse_int(const char *s, int *out);

#endif /* MTL_CLI_OPTS_H */
