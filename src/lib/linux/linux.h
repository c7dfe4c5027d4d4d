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
/* run.oci.hooks.stdout / run.oci.hooks.stderr (crun): open the files they
 * name (append, create) into hooks->out_fd/err_fd; runcgo_spec_free closes
 * them. */
#define RUNCGO_ANN_HOOKS_STDOUT "run.oci.hooks.stdout"
#define RUNCGO_ANN_HOOKS_STDERR "run.oci.hooks.stderr"
int runcgo_hooks_open_output (struct runcgo_hooks *hooks, const struct runcgo_kv *ann, size_t n, runcgo_error_t *err);

/* terminal.c: consoles.
 * Connect to --console-socket before anything is created (a bad path fails
 * early); send the pty master over it with SCM_RIGHTS exactly as runc does
 * (one message, payload "/dev/ptmx", one fd), which conmon and containerd
 * expect; receive one (foreground run); make a pty slave the controlling
 * terminal and stdio of the calling process. */
int runcgo_console_socket_connect (const char *path, runcgo_error_t *err);
int runcgo_console_send (int sock, int master, runcgo_error_t *err);
int runcgo_console_recv (int sock, int *fd, runcgo_error_t *err);
/* --pidfd-socket (runc): connect to PATH, send PIDFD (payload "pidfd"), close. */
int runcgo_pidfd_socket_send (const char *path, int pidfd, runcgo_error_t *err);
int runcgo_terminal_make_controlling (int slave, const struct runcgo_process *p, runcgo_error_t *err);

/* network.c: bring up "lo" in the current network namespace (a new one
 * starts with it down). */
int runcgo_loopback_up (runcgo_error_t *err);

/* notify_socket.c: sd_notify through the runtime, as runc does.  When the
 * caller has NOTIFY_SOCKET, the container gets its own socket (a directory in
 * the state dir bind-mounted read-only at /run/notify, NOTIFY_SOCKET set
 * accordingly); start/run listen on it and forward READY=1 (with MAINPID) to
 * the caller's socket. */
#define RUNCGO_NOTIFY_DIR_IN_CONTAINER "/run/notify"
#define RUNCGO_NOTIFY_SOCKET_IN_CONTAINER "/run/notify/notify.sock"
/* Add the mount and the env to the spec (create, before the clone). */
int runcgo_notify_prepare (struct runcgo_spec *spec, const char *state_dir, runcgo_error_t *err);
/* Bind the container side socket (start/run, before the process runs). */
int runcgo_notify_listen (const char *state_dir, runcgo_error_t *err);
/* Wait for READY=1 and forward it; returns 0 without forwarding when the
 * container exits first. */
int runcgo_notify_forward_ready (int sock, int pidfd, pid_t pid, const char *host_socket, runcgo_error_t *err);

/* process_attrs.c: attributes a process inherits across execve, applied
 * right before it: linux.personality, linux.memoryPolicy,
 * process.scheduler, process.ioPriority. */
int runcgo_process_attrs_apply (const struct runcgo_process *p, const struct runcgo_linux *l, runcgo_error_t *err);
/* "0-3,7" -> set; -1 (and *err naming `field`) when malformed. */
int runcgo_cpu_list_apply (const char *list, const char *field, runcgo_error_t *err);
/* Pure: parse a "0-3,7" list into a bitmap of nbits; -1 when malformed or out of range. */
int runcgo_parse_id_list (const char *list, unsigned long *bits, size_t nbits);

/* wasm.c: the WebAssembly handler (helpers/runcgo-wasm).  Whether the
 * annotations ask for it (for the container's process, or for ARGS, the
 * args of a process `exec` runs in it); the engine's path; the engine copied
 * into a sealed memfd (in the runtime, before the clone); the module checked
 * (in the container, before READY); the exec of the memfd (the last step of
 * the init and of an exec'd process). */
#define RUNCGO_ANNOTATION_HANDLER "run.oci.handler"
#define RUNCGO_ANNOTATION_WASM_VARIANT "module.wasm.image/variant"
bool runcgo_wasm_wanted (const struct runcgo_spec *spec);
bool runcgo_wasm_wanted_for (const struct runcgo_spec *spec, char *const *args);
char *runcgo_wasm_helper_path (void);
int runcgo_wasm_open_helper (int *fd, runcgo_error_t *err);
int runcgo_wasm_check_module (const struct runcgo_process *p, runcgo_error_t *err);
int runcgo_wasm_exec (int fd, char *const *args, char *const *env, runcgo_error_t *err);

#endif
