/* process.h -- the last steps before execve, shared by the container init
 * (init.c) and processes joined to it (exec.c): resolve the executable, build
 * the environment, enter the cwd, load seccomp, switch identity and
 * capabilities, keep the preserved fds, exec. */
#ifndef RUNCGO_PROCESS_H
#define RUNCGO_PROCESS_H

#include "core/error.h"
#include "security/security.h"
#include "spec/spec.h"

struct runcgo_exec_process
{
  const struct runcgo_process *p;
  const struct runcgo_linux *linux_;           /* personality, memoryPolicy; may be NULL */
  const struct runcgo_seccomp_filter *seccomp; /* NULL = none */
  int preserve_fds;                            /* fds 3..3+N-1 survive exec */
  bool listen_fds;                             /* socket activation: rewrite LISTEN_PID */
  int seccomp_notify_fd;                       /* connected to listenerPath, -1 = none (SCMP_ACT_NOTIFY) */
  char *seccomp_notify_state;                  /* container process state for the agent, built before the load */
  bool wasm;                                   /* exec wasm_fd (the sealed runcgo-wasm) on args[0] (linux/wasm.c) */
  int wasm_fd;
  char *exe;                                   /* out of prepare */
  char **env;                                  /* out of prepare */
};

/* Inside the container's root: resolve args[0] against the PATH of
 * process.env (so a missing binary fails before READY, as runc), and build
 * the environment (HOME from /etc/passwd when missing; LISTEN_PID). */
int runcgo_process_prepare (struct runcgo_exec_process *x, runcgo_error_t *err);
/* cwd, seccomp, identity, no_new_privs, preserved fds: everything but exec. */
int runcgo_process_finalize (struct runcgo_exec_process *x, runcgo_error_t *err);
/* execve; returns only on failure. */
int runcgo_process_exec (struct runcgo_exec_process *x, runcgo_error_t *err);
/* The init of a config without process, instead of all the above: drop
 * every capability, set no_new_privs, chdir "/" (it only waits). */
int runcgo_hold_without_process (runcgo_error_t *err);
/* Send the pty master to the console socket, then make the slave our
 * controlling terminal and stdio (the caller has called setsid). */
int runcgo_process_hand_over_terminal (int console_sock, int master, int slave, const struct runcgo_process *p,
                                       runcgo_error_t *err);

#endif
