/*
 * train_zmq.c -- `mtl train --transport zmq`: the distributed methods
 * between institutions over the encrypted ZeroMQ transport (mtl_zmq.h,
 * docs/secure.md), and `mtl keygen`.
 *
 * One process per party, started by hand (no launcher):
 *   coordinator:  mtl train DATA --method async --transport zmq
 *                   --role coordinator --bind tcp://0.0.0.0:7400
 *                   --key coord.key --sites a.pub,b.pub,c.pub -o model.mtl
 *   site i:       mtl train DATA --method async --transport zmq
 *                   --role site --connect tcp://coord:7400
 *                   --key a.key --server-key coord.pub
 * The coordinator is rank 0 and receives the model; site i (the i-th key
 * of --sites) is rank i and reads only its own tasks of DATA (part i/P,
 * the same layout as --transport mpi).  The fit itself is mtl_fit, as on
 * threads and MPI; the report is train_finish's.
 */
#include "mtl_zmq.h"
#include "train.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void train_zmq_opts(opts *o, train_args *a) {
  a->zq.role = "coordinator";
  a->zq.wait = 120;
  a->zq.absent = 5;
  a->zq.on_loss = "wait";
  a->zq.replay_cap_mb = 64;
  opts_choice(o, "role", 0, &a->zq.role, "coordinator|site",
              "--transport zmq: this process's role: the coordinator "
              "(rank 0, binds --bind, gets the model) or a site (connects "
              "to --connect, reads only its own tasks)");
  opts_string(o, "bind", 0, &a->zq.bind, "ADDR",
              "coordinator: the address to listen on, tcp://HOST:PORT");
  opts_string(o, "connect", 0, &a->zq.connect, "ADDR",
              "site: the coordinator's address, tcp://HOST:PORT");
  opts_string(o, "key", 0, &a->zq.key, "FILE",
              "this party's secret key file (mtl keygen)");
  opts_string(o, "server-key", 0, &a->zq.server_key, "FILE",
              "site: the coordinator's public key file");
  opts_string(o, "sites", 0, &a->zq.sites, "F1,F2,...",
              "coordinator: the sites' public key files; the i-th is rank "
              "i; any other key is refused");
  opts_double(o, "site-wait", 0, &a->zq.wait, "SEC", 1e-3, 1e9,
              "how long to wait for every site (coordinator) or the "
              "coordinator (site) at start, and for an absent party "
              "during the run");
  opts_double(o, "site-absent", 0, &a->zq.absent, "SEC", 0.01, 1e9,
              "silence after which a party is marked absent (heartbeats "
              "every tenth of it)");
  opts_choice(o, "on-site-loss", 0, &a->zq.on_loss, "wait|drop",
              "coordinator, smtl/async: once a site has been absent for "
              "--site-wait while a round waits for it, stop the run (wait) "
              "or drop the site for good and go on with the others' tasks, "
              "its tasks held at their last value (drop: the model then "
              "names them; status never 'converged'; docs/secure.md)");
  opts_double(o, "replay-cap", 0, &a->zq.replay_cap_mb, "MB", 0, 1e9,
              "coordinator: the most megabytes of messages kept per site "
              "so that a restarted site can rejoin (0: no limit); a site "
              "whose log passed it cannot rejoin");
}

int train_zmq_wanted(const train_args *a) {
  return (a->transport && strcmp(a->transport, "zmq") == 0) || a->zq.bind ||
         a->zq.connect || a->zq.key || a->zq.server_key || a->zq.sites;
}

static void zlog(void *ud, const char *msg) {
  (void)ud;
  if (cli_quiet)
    return;
  time_t now = time(NULL);
  struct tm tmv;
  char ts[16];
  strftime(ts, sizeof ts, "%H:%M:%S", localtime_r(&now, &tmv));
  fprintf(stderr, "mtl: zmq %s: %s\n", ts, msg);
}

/* Splits "a,b,c" into *files (pointers into a copy *buf). */
static int split_list(const char *s, char **buf, const char ***files) {
  int n = 1;
  for (const char *c = s; *c; c++)
    n += *c == ',';
  *buf = malloc(strlen(s) + 1);
  *files = malloc((size_t)n * sizeof **files);
  if (!*buf || !*files)
    return -1;
  strcpy(*buf, s);
  n = 0;
  for (char *tok = strtok(*buf, ","); tok; tok = strtok(NULL, ","))
    (*files)[n++] = tok;
  return n;
}

/* Sites the coordinator dropped (--on-site-loss drop): model metadata
 * dropped_sites / dropped_tasks (1-based; site r held the tasks t with
 * t % P = r - 1) and a warning. */
static int report_dropped(mtl_transport *t, mtl_model *m) {
  int P = mtl_transport_size(t) - 1, T = mtl_model_ntasks(m), nd;
  unsigned char *drop = calloc((size_t)P, 1);
  char *sl = malloc((size_t)P * 8 + 8), *tl = malloc((size_t)T * 8 + 8);
  int rc = drop && sl && tl ? CLI_OK : CLI_FAIL;
  if (rc == CLI_OK && (nd = mtl_zmq_dropped(t, drop, P)) > 0) {
    size_t ks = 0, kt = 0;
    for (int r = 1; r <= P; r++)
      if (drop[r - 1])
        ks += (size_t)sprintf(sl + ks, "%s%d", ks ? "," : "", r);
    for (int k = 0; k < T; k++)
      if (drop[k % P])
        kt += (size_t)sprintf(tl + kt, "%s%d", kt ? "," : "", k + 1);
    if (cli_meta(m, "dropped_sites", "%s", sl) < 0 ||
        cli_meta(m, "dropped_tasks", "%s", tl) < 0)
      rc = CLI_FAIL;
    cli_note("warning: %d site(s) dropped from the run (--on-site-loss "
             "drop): site(s) %s; their tasks %s were held at their last "
             "value from then on, and their losses are left out of the "
             "objective: this model is not a solution of the full problem "
             "(model metadata dropped_sites, dropped_tasks)",
             nd, sl, tl);
  }
  free(drop);
  free(sl);
  free(tl);
  return rc;
}

/* The coordinator saves and reports the model like every `mtl train`. */
static int report(train_args *a, const char *path, mtl_transport *t,
                  mtl_model *m, mtl_fit_info *in) {
  parts p;
  memset(&p, 0, sizeof p);
  p.T = mtl_model_ntasks(m);
  p.d = mtl_model_input_dim(m);
  double n = mtl_fit_info_number(in, "samples");
  if (isnan(n))
    n = mtl_fit_info_number(in, "instances");
  p.N = p.N_train = (int64_t)n;
  p.ranks = mtl_transport_size(t);
  p.transport = "zmq";
  p.how = "zmq: a coordinator and sites over CURVE, each site reading "
          "only its own tasks";
  if (cli_meta(m, "transport", "zmq") < 0 || report_dropped(t, m) != CLI_OK)
    return CLI_FAIL;
  return train_finish(a, path, &p, a->fr.p, m, in);
}

/* One attempt: the transport, this party's tasks, the fit.  *again = 1 on
 * a site whose coordinator restarted (fit again). */
static int run_once(train_args *a, const mtl_zmq_params *zp, const char *path,
                    int *again) {
  mtl_transport *t = NULL;
  mtl_dataset *local = NULL;
  mtl_model *m = NULL;
  mtl_fit_info *in = NULL;
  int rc = CLI_FAIL, e;
  *again = 0;
  if ((e = mtl_transport_zmq(zp, &t)) < 0) {
    cli_lib_error(e, "--transport zmq");
    goto done;
  }
  int rank = mtl_transport_rank(t), size = mtl_transport_size(t);
  if (zp->role == MTL_ZMQ_SITE && !cli_quiet)
    fprintf(stderr, "mtl: joined the coordinator as site %d of %d\n", rank,
            size - 1);
  if (train_read_mine(a, path, rank, size, &local) < 0) {
    mtl_fit(NULL, a->fr.p, t, &m, &in); /* the others stop at agreement */
    goto done;
  }
  int st = mtl_fit(local, a->fr.p, t, &m, &in);
  cli_progress_done(&a->fr.pc);
  if (st < 0 && mtl_zmq_restarted(t)) {
    zlog(NULL, "the coordinator restarted: fitting again");
    *again = 1;
    goto done;
  }
  if (st < 0) {
    cli_lib_error(st, "rank %d: %s over zmq failed on '%s'", rank,
                  mtl_method_name(a->fr.method), path);
    goto done;
  }
  rc = rank == 0 ? report(a, path, t, m, in) : CLI_OK;
  if (rank > 0 && !cli_quiet)
    fprintf(stderr, "mtl: site %d of %d: done\n", rank, size - 1);
done:
  mtl_model_free(m);
  mtl_fit_info_free(in);
  mtl_dataset_free(local);
  mtl_transport_free(t);
  return rc;
}

/* Checks the options of the role. */
static int check_zmq(const train_args *a, int coord) {
  if (!mtl_zmq_available())
    return cli_usage("train", "--transport zmq: this mtl was built without "
                              "ZeroMQ (install libzmq3-dev and rebuild)");
  if (!a->zq.key)
    return cli_usage("train", "--transport zmq needs --key FILE (this "
                              "party's secret key, 'mtl keygen NAME')");
  if (coord && (!a->zq.bind || !a->zq.sites))
    return cli_usage("train", "--role coordinator needs --bind ADDR and "
                              "--sites F1,F2,... (the sites' public keys)");
  if (!coord && (!a->zq.connect || !a->zq.server_key))
    return cli_usage("train", "--role site needs --connect ADDR and "
                              "--server-key FILE (the coordinator's public "
                              "key)");
  if (!coord && (a->zq.bind || a->zq.sites))
    return cli_usage("train", "--bind and --sites are options of --role "
                              "coordinator");
  const char *meth = mtl_method_name(a->fr.method);
  if (strcmp(a->zq.on_loss, "drop") == 0 && strcmp(meth, "smtl") != 0 &&
      strcmp(meth, "async") != 0)
    return cli_usage("train", "--on-site-loss drop: only smtl and async "
                              "go on without a site (not %s)",
                     meth);
  if (coord && (a->zq.connect || a->zq.server_key))
    return cli_usage("train", "--connect and --server-key are options of "
                              "--role site");
  return CLI_OK;
}

int train_zmq(train_args *a, const char *path) {
  if (!a->transport || strcmp(a->transport, "zmq") != 0)
    return cli_usage("train", "--bind, --connect, --key, --server-key and "
                              "--sites need --transport zmq");
  int rc = train_dist_check(a, "zmq");
  int coord = strcmp(a->zq.role, "coordinator") == 0;
  if (rc == CLI_OK)
    rc = check_zmq(a, coord);
  if (rc != CLI_OK)
    return rc;
  mtl_zmq_params zp;
  mtl_zmq_params_init(&zp);
  char *buf = NULL;
  const char **files = NULL;
  zp.role = coord ? MTL_ZMQ_COORDINATOR : MTL_ZMQ_SITE;
  zp.address = coord ? a->zq.bind : a->zq.connect;
  zp.key_file = a->zq.key;
  zp.server_key_file = a->zq.server_key;
  zp.absent_s = a->zq.absent;
  zp.heartbeat_s = a->zq.absent / 10;
  zp.wait_s = a->zq.wait;
  zp.drop_lost = strcmp(a->zq.on_loss, "drop") == 0;
  zp.replay_cap = (uint64_t)(a->zq.replay_cap_mb * 1048576.0);
  zp.log = zlog;
  if (coord && (zp.nsites = split_list(a->zq.sites, &buf, &files)) < 0) {
    free(buf);
    free(files);
    return cli_lib_error(MTL_ENOMEM, "--sites");
  }
  zp.site_key_files = files;
  if (a->trace)
    mtl_params_set(a->fr.p, "trace", "1");
  int again = 1;
  for (int tries = 0; again && tries < 100; tries++)
    rc = run_once(a, &zp, path, &again);
  free(buf);
  free(files);
  return rc;
}

/* ---- mtl keygen
 * ---------------------------------------------------------------- */

int cmd_keygen(int argc, char **argv) {
  opts o;
  opts_init(&o, "keygen", "NAME [options]",
            "Writes a CURVE key pair for --transport zmq: NAME.key (both "
            "keys, mode 0600:\nkeep it on this party's machine) and NAME.pub "
            "(the public key: give it to the\nother party: a site's to the "
            "coordinator's --sites, the coordinator's to\nevery site's "
            "--server-key).  Existing files are replaced atomically.");
  opts_section(&o, "Output");
  opts_flag(&o, "quiet", 'q', &cli_quiet, 1, "no diagnostics on stderr");
  int rc = opts_parse(&o, argc, argv);
  if (rc != 0)
    return rc == OPTS_HELP ? CLI_OK : rc;
  if (o.npos != 1)
    return cli_usage("keygen",
                     o.npos ? "unexpected argument '%s'"
                            : "missing the NAME argument%s",
                     o.npos ? o.pos[1] : "");
  if (!mtl_zmq_available())
    return cli_usage("keygen", "this mtl was built without ZeroMQ (install "
                               "libzmq3-dev and rebuild)");
  size_t l = strlen(o.pos[0]) + 8;
  char *sec = malloc(l), *pub = malloc(l);
  rc = CLI_FAIL;
  if (sec && pub) {
    snprintf(sec, l, "%s.key", o.pos[0]);
    snprintf(pub, l, "%s.pub", o.pos[0]);
    int e = mtl_zmq_keygen(sec, pub);
    if (e < 0)
      cli_lib_error(e, "keygen");
    else
      rc = CLI_OK;
    if (!e)
      printf("secret key: %s (mode 0600)\npublic key: %s\n", sec, pub);
  }
  free(sec);
  free(pub);
  return rc;
}
