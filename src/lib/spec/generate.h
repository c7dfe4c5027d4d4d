/* generate.h -- the example config.json written by `runcgo spec`. */
#ifndef RUNCGO_SPEC_GENERATE_H
#define RUNCGO_SPEC_GENERATE_H

#include <stdbool.h>

/* The JSON text (tab-indented, no trailing newline) of the default config,
 * shaped like `runc spec` / `runc spec --rootless`: the rootless variant
 * maps container ID 0 to the caller's effective uid/gid, has a user and no
 * network namespace, rbinds /sys, and sets no cgroup resources.  The caller
 * frees the result; it never fails (allocation failure aborts). */
char *runcgo_spec_generate (bool rootless);

#endif
