/* fuzz_stream.c -- the online text stream (mtl_stream_open_text), read to
 * its end with 3 tasks of dimension 5. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *p = fz_write("in.stream", data, size);
  mtl_stream *s = NULL;
  if (mtl_stream_open_text(p, 3, 5, &s) == MTL_OK) {
    double x[5], y;
    int t, rc;
    while ((rc = mtl_stream_next(s, &t, x, &y)) == 1)
      if (t < 0 || t >= 3 || (y != 1 && y != -1)) {
        fprintf(stderr, "mtl fuzz: stream gave task %d label %g\n", t, y);
        abort();
      }
  }
  mtl_stream_free(s);
  unlink(p);
  return 0;
}
