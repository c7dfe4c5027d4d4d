/* fuzz_config.c -- config.json: runcgo_spec_parse + runcgo_spec_validate
 * (load.c, load_linux.c, validate.c, validate_linux.c) with the flags of
 * create/run, rootless and not. */
#include "config.h"

#include "fuzz.h"
#include "spec/spec.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  runcgo_error_t err = NULL;
  struct runcgo_spec *s = NULL;
  int r = runcgo_spec_parse ((const char *) data, size, &s, &err);
  fuzz_check_error (r, &err);
  if (r < 0)
    return 0;
  static const unsigned flags[] = { 0, RUNCGO_VALIDATE_NEED_PROCESS | RUNCGO_VALIDATE_ROOTLESS };
  for (size_t i = 0; i < sizeof (flags) / sizeof (flags[0]); i++)
    {
      r = runcgo_spec_validate (s, flags[i], &err);
      fuzz_check_error (r, &err);
    }
  runcgo_spec_free (s);
  return 0;
}
