/* intelrdt.h -- linux.intelRdt through the resctrl filesystem
 * (config-linux.md "IntelRdt"; kernel Documentation/filesystems/resctrl).
 *
 * Plan, then apply: runcgo_intelrdt_plan() turns the config into the group
 * directory, whether runcgo creates it, the schemata text and the MON group
 * (pure, unit tested); runcgo_intelrdt_apply() performs it for the init PID.
 * A host without resctrl (no Intel RDT / AMD QoS, or not mounted) fails
 * `create` before anything is made. */
#ifndef RUNCGO_INTELRDT_H
#define RUNCGO_INTELRDT_H

#include <stdbool.h>
#include <sys/types.h>

#include "core/error.h"
#include "spec/spec.h"

#define RUNCGO_RESCTRL_ROOT "/sys/fs/resctrl"

struct runcgo_rdt_plan
{
  char *group;       /* CTRL_MON group relative to the resctrl root; "" = the root group (closID "/") */
  bool create_group; /* closID unset: the group is <id>, made by us and removed at delete */
  bool must_exist;   /* closID set and no schema: a pre-configured group is required */
  char *schemata;    /* what goes into <group>/schemata: l3CacheSchema, memBwSchema, then schemata[]
                      * (one line each, in that order); NULL = nothing to write or compare */
  char *mon_group;   /* enableMonitoring: "mon_groups/<id>" relative to the group, else NULL */
};

/* Pure: the plan for container ID. */
int runcgo_intelrdt_plan (const struct runcgo_intel_rdt *r, const char *id, struct runcgo_rdt_plan *p,
                          runcgo_error_t *err);
void runcgo_intelrdt_plan_free (struct runcgo_rdt_plan *p);
/* Pure: does the schemata file content HAVE hold every line of WANT?  Lines
 * are matched by resource ("L3", "MB", "L2CODE", ...); every domain asked for
 * must have the same value (cache bitmasks compared as hex numbers, the rest
 * as decimal), whatever the spacing and the order of domains. */
bool runcgo_intelrdt_schemata_match (const char *want, const char *have);

/* create, before any side effect: is resctrl mounted at ROOT?  0 without
 * linux.intelRdt.  Else the error
 *   linux.intelRdt: resctrl is not mounted at /sys/fs/resctrl (the CPU or
 *   kernel lacks Intel RDT/AMD QoS, or mount it: mount -t resctrl resctrl
 *   /sys/fs/resctrl) */
int runcgo_intelrdt_check (const struct runcgo_intel_rdt *r, const char *root, runcgo_error_t *err);

/* After the clone, before the init runs anything of the user's: create or
 * check the group, write its schemata, move PID into it (tasks), create the
 * MON group and move PID there.  *remove gets the directories to rmdir at
 * delete, innermost first (NULL-terminated, maybe empty; caller frees with
 * runcgo_strv_free); on failure what was made is removed again. */
int runcgo_intelrdt_apply (const struct runcgo_intel_rdt *r, const char *id, const char *root, pid_t pid,
                           char ***remove, runcgo_error_t *err);
/* update --l3-cache-schema / --mem-bw-schema (NULL = keep the config's):
 * rewrite the schemata of the container's own group under ROOT.  A shared
 * closID group is refused (never rewritten, as at create); so is a
 * container without linux.intelRdt.  The caller checks resctrl first. */
int runcgo_intelrdt_update (const struct runcgo_intel_rdt *r, const char *id, const char *root, const char *l3,
                            const char *mem_bw, runcgo_error_t *err);

/* delete: rmdir each directory of DIRS (gone already is fine). */
int runcgo_intelrdt_remove (char *const *dirs, runcgo_error_t *err);

#endif
