/* linux.h -- one process feature each: signals, rlimits, sysctl, hooks. */
#ifndef RUNCGO_LINUX_H
#define RUNCGO_LINUX_H

#include <stdbool.h>
#include <sys/types.h>

#include "core/error.h"
#include "spec/spec.h"

/* signals.c: "SIGKILL", "KILL", "kill", "9", "SIGRTMIN+3" -> number; -1 bad */
int runcgo_signal_parse (const char *s);
const char *runcgo_signal_name (int sig); /* "SIGKILL"; NULL when unknown */

/* rlimits.c: setrlimit each process.rlimits entry (in the init, before exec). */
int runcgo_rlimits_apply (const struct runcgo_process *p, runcgo_error_t *err);

/* sysctl.c: write linux.sysctl under /proc/sys (in the init, after pivot_root:
 * the container's own /proc), refusing keys that escape /proc/sys. */
int runcgo_sysctl_apply (const struct runcgo_linux *l, runcgo_error_t *err);
/* key "net.ipv4.ip_forward" -> "net/ipv4/ip_forward"; NULL when invalid. */
char *runcgo_sysctl_key_to_path (const char *key);

/* hooks.c: run every hook of one kind in order, feeding state_json on stdin,
 * honouring timeout.  Returns -1 on the first failure (the caller applies the
 * spec's failure rules: poststart/poststop failures only warn). */
int runcgo_hooks_run (const struct runcgo_hooks *hooks, enum runcgo_hook_kind kind, const char *state_json,
                      runcgo_error_t *err);

#endif
