/*
 * method_opts.h -- command-line options generated from the library's
 * method descriptors: every parameter of every method becomes one option
 * (--max-iter for max_iter; a boolean that defaults to 1 becomes
 * --no-NAME, one that defaults to 0 becomes --NAME), grouped in --help by
 * the set of methods that have it, with each method's default.  After
 * parsing, the options given are checked against the chosen method and
 * set on its mtl_params by name: the CLI knows no method's C structs.
 */
#ifndef MTL_CLI_METHOD_OPTS_H
#define MTL_CLI_METHOD_OPTS_H

#include "cli.h"

#define MOPTS_MAX 128

typedef struct mopt {
  const char *param;  /* parameter name (in the tables) */
  char name[48];      /* option name */
  int type;           /* mtl_param_type */
  unsigned methods;   /* bit i: method i has the parameter */
  int defv;           /* booleans: the default the flag inverts */
  double d;           /* storage bound to the option */
  int i;
  const char *s;
  char *def, *help, *choices; /* owned texts for --help */
} mopt;

typedef struct mopts {
  mopt v[MOPTS_MAX];
  int n;
  char *titles[MOPTS_MAX]; /* owned section titles */
  int ntitles;
} mopts;

/* Adds the method options to o (after the command's own), skipping the
 * parameters named in `skip` ("seed|trace": the command handles them). */
void mopts_add(opts *o, mopts *m, const char *skip);
void mopts_clear(mopts *m);
/* Sets the options given on p (the chosen method's parameters).  An option
 * of other methods is a usage error naming them; a value the method
 * rejects is a usage error with the library's message.  CLI_OK or
 * CLI_USAGE. */
int mopts_apply(const opts *o, const mopts *m, const char *cmd,
                mtl_params *p);
/* The method called name (or an alias), else a usage error listing the
 * methods.  CLI_OK or CLI_USAGE. */
int mopts_method(const char *cmd, const char *name, const mtl_method **m);
/* Sets "NAME=VALUE;NAME=VALUE" pairs (--set).  CLI_OK or CLI_USAGE. */
int mopts_set_pairs(const char *cmd, const char *pairs, mtl_params *p);

#endif /* MTL_CLI_METHOD_OPTS_H */
