/*
 * zmq_keys.c -- CURVE key files: `mtl keygen` (mtl_zmq_keygen) and their
 * reader.  A key file is text:
 *
 *     # mtl CURVE key pair: keep this file private (mode 0600)
 *     public-key = <40 Z85 characters>
 *     secret-key = <40 Z85 characters>
 *
 * and a public file has only the public-key line.  Both are written
 * through the library's atomic output writer (temporary file, fsync,
 * rename), the secret one given mode 0600 before any byte is written.
 */
#include "zmq_impl.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static int write_key(const char *path, const char *what, mode_t mode,
                     const char *pub, const char *sec) {
  mtl_output *o = NULL;
  int rc = mtl_output_open(path, what, &o);
  if (rc)
    return rc;
  FILE *f = mtl_output_stream(o);
  if (fchmod(fileno(f), mode) != 0) {
    int e = errno;
    mtl_output_abort(o);
    return mtl__err(MTL_EIO, "cannot write %s '%s': cannot set mode %o: %s",
                    what, path, (unsigned)mode, strerror(e));
  }
  if (sec)
    fprintf(f,
            "# mtl CURVE key pair: keep this file private (mode 0600)\n"
            "public-key = %s\nsecret-key = %s\n",
            pub, sec);
  else
    fprintf(f,
            "# mtl CURVE public key: give it to the other party\n"
            "public-key = %s\n",
            pub);
  return mtl_output_commit(o);
}

int mtl_zmq_keygen(const char *secret_path, const char *public_path) {
  char pub[41], sec[41];
  if (!secret_path)
    return mtl__err(MTL_EINVAL, "mtl_zmq_keygen: secret_path is NULL");
  if (!zmq_has("curve"))
    return mtl__err(MTL_EUNSUPPORTED, "mtl_zmq_keygen: this libzmq has no "
                                      "CURVE (built without libsodium)");
  if (zmq_curve_keypair(pub, sec) != 0)
    return mtl__err(MTL_EIO, "mtl_zmq_keygen: zmq_curve_keypair failed: %s",
                    zmq_strerror(zmq_errno()));
  int rc = write_key(secret_path, "secret key file", 0600, pub, sec);
  if (!rc && public_path)
    rc = write_key(public_path, "public key file", 0644, pub, NULL);
  memset(sec, 0, sizeof sec);
  return rc;
}

/* The value of "name = VALUE" on line s (40 Z85 characters), copied to out;
 * 1 if the line is that name, 0 if another, negative on a bad value. */
static int key_line(const char *path, int line, const char *s, const char *name,
                    char out[41]) {
  size_t l = strlen(name);
  if (strncmp(s, name, l) != 0)
    return 0;
  s += l;
  while (*s == ' ' || *s == '\t')
    s++;
  if (*s++ != '=')
    return 0;
  while (*s == ' ' || *s == '\t')
    s++;
  size_t n = strcspn(s, " \t\r\n");
  unsigned char bin[32];
  if (n == 40) {
    memcpy(out, s, 40);
    out[40] = 0;
  }
  if (n != 40 || !zmq_z85_decode(bin, out))
    return mtl__err(MTL_EFORMAT, "%s:%d: %s is not a 40-character Z85 key",
                    path, line, name);
  return 1;
}

int mtl__zkey_read(const char *path, char pub[41], char sec[41]) {
  FILE *f = fopen(path, "r");
  if (!f)
    return mtl__err(MTL_EIO, "cannot read key file '%s': %s", path,
                    strerror(errno));
  char buf[512];
  int line = 0, rc = MTL_OK, got_pub = 0, got_sec = 0;
  while (!rc && fgets(buf, sizeof buf, f)) {
    line++;
    int r = key_line(path, line, buf, "public-key", pub);
    if (r > 0)
      got_pub = 1;
    else if (!r && sec &&
             (r = key_line(path, line, buf, "secret-key", sec)) > 0)
      got_sec = 1;
    if (r < 0)
      rc = r;
  }
  fclose(f);
  if (!rc && !got_pub)
    rc = mtl__err(MTL_EFORMAT,
                  "key file '%s': no 'public-key = ...' line "
                  "(write keys with 'mtl keygen')",
                  path);
  if (!rc && sec && !got_sec)
    rc = mtl__err(MTL_EFORMAT,
                  "key file '%s': no 'secret-key = ...' line: "
                  "give this party's secret key file (written "
                  "by 'mtl keygen'), not a public one",
                  path);
  return rc;
}
