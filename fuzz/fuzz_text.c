/* fuzz_text.c -- the text dataset reader ("task label idx:val ..."), read
 * whole and then as the first of two parts (the two-pass task filter). */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *p = fz_write("in.txt", data, size);
  fz_read_dataset(p, "format=text");
  fz_read_dataset(p, "format=text;part=1/2");
  unlink(p);
  return 0;
}
