/* seccomp_notify.h -- hand the seccomp listener fd to an agent
 * (linux.seccomp.listenerPath / listenerMetadata, config-linux.md "Seccomp").
 *
 * The connection to listenerPath is made by the runtime in the host's mount
 * namespace before anything is created (a wrong path fails `create` at once,
 * like --console-socket); the connected socket travels down to the process
 * that loads the filter, which sends the "container process state" JSON and
 * the listener fd (SCM_RIGHTS) right after seccomp(2) and closes both. */
#ifndef RUNCGO_SECCOMP_NOTIFY_H
#define RUNCGO_SECCOMP_NOTIFY_H

#include <sys/types.h>

#include "core/error.h"
#include "core/state.h"
#include "security/security.h"
#include "spec/spec.h"

/* Connect to s->listener_path when the compiled filter F has SCMP_ACT_NOTIFY
 * rules; *fd = -1 (and 0 returned) when no agent is involved (no filter, or
 * no notify rule: the spec then ignores listenerPath), or when plugins are
 * the agent (run.oci.seccomp.plugins: only the helper's presence is checked,
 * runcgo_seccomp_plugins_start sets the fd later). */
int runcgo_seccomp_notify_connect (const struct runcgo_seccomp *s, const struct runcgo_seccomp_filter *f, int *fd,
                                   runcgo_error_t *err);

/* Pure: the container process state sent to the agent:
 *   {"ociVersion", "fds": ["seccompFd"], "pid", "metadata", "state": {runtime.md state}}
 * PID is the container process (the init) as the runtime's pid namespace sees
 * it; STATUS is "created" from the init (it loads the filter after `start`
 * and before execve), "running" from `exec`.  Caller frees. */
char *runcgo_seccomp_notify_state (const struct runcgo_spec *spec, const char *id, const char *bundle,
                                   enum runcgo_status status, pid_t pid);

/* The caller's pid as the procfs mounted on /proc numbers it: called before
 * pivot_root this is the host's view, even from inside a new pid namespace
 * (where getpid() says 1).  getpid() when /proc cannot tell. */
pid_t runcgo_seccomp_notify_host_pid (void);

/* Send STATE_JSON and LISTENER_FD over SOCK as the spec says: the fds in the
 * first sendmsg only, then the rest of the text.  Closes neither. */
int runcgo_seccomp_notify_send (int sock, int listener_fd, const char *state_json, runcgo_error_t *err);

/* runcgo_seccomp_load() plus the hand-over: when F has a listener, send it
 * with PROCESS_STATE (from runcgo_seccomp_notify_state, built *before* this
 * call so that no allocation runs under the new filter) over SOCK, then close
 * the listener and SOCK.  SOCK and PROCESS_STATE are ignored without notify. */
int runcgo_seccomp_load_and_notify (const struct runcgo_seccomp_filter *f, int sock, const char *process_state,
                                    runcgo_error_t *err);

#endif
