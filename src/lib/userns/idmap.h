/* idmap.h -- user namespace ID maps: written directly by root, or through
 * the setuid newuidmap/newgidmap helpers for rootless ranges. */
#ifndef RUNCGO_IDMAP_H
#define RUNCGO_IDMAP_H

#include <stdbool.h>
#include <sys/types.h>

#include "core/error.h"
#include "spec/spec.h"

/* "cid hid size\n" lines; caller frees. */
char *runcgo_idmap_format (const struct runcgo_idmap *m, size_t n);
/* Write /proc/PID/{setgroups,uid_map,gid_map} for the config's mappings. */
int runcgo_idmap_write (pid_t pid, const struct runcgo_linux *l, bool rootless, runcgo_error_t *err);

#endif
