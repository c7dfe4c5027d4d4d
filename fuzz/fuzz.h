/* fuzz.h -- what every fuzz harness shares.
 *
 * A harness is one LLVMFuzzerTestOneInput() over real library functions
 * (libruncgo.a, never a copy).  It is linked either with libFuzzer (make
 * fuzz, clang) or with driver.c, which replays the checked-in corpus as a
 * regression test under make check (any compiler). */
#ifndef RUNCGO_FUZZ_H
#define RUNCGO_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/error.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* A failure must always come with a message: the CLI prints it as the only
 * explanation the user gets.  abort() makes libFuzzer keep the input. */
static inline void
fuzz_check_error (int r, runcgo_error_t *err)
{
  if (r < 0 && (*err == NULL || runcgo_error_text (*err) == NULL || runcgo_error_text (*err)[0] == '\0'))
    {
      fprintf (stderr, "fuzz: failure without an error message\n");
      abort ();
    }
  if (r == 0 && *err != NULL)
    {
      fprintf (stderr, "fuzz: success with an error set: %s\n", runcgo_error_text (*err));
      abort ();
    }
  runcgo_error_release (err);
}

#endif
