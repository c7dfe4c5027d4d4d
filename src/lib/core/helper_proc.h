/* helper_proc.h -- long-lived helper programs the runtime starts for one
 * container (runcgo-slirp, runcgo-seccomp-plugins): fork + exec with fds at
 * fixed numbers, the "ok"-or-error answer on a ready pipe, and finding and
 * stopping them later through a record in the state dir ("PID STARTTIME"
 * lines: the start time tells our helper from a reused pid). */
#ifndef RUNCGO_HELPER_PROC_H
#define RUNCGO_HELPER_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/error.h"

/* A helper being started. */
struct runcgo_helper_proc
{
  pid_t pid;           /* 0 = none */
  uint64_t start_time;
  int ready_fd;        /* read end of its ready pipe; -1 once it answered */
};
void runcgo_helper_proc_init (struct runcgo_helper_proc *h);

/* Fork and exec PATH with ARGV in its own session, signals unblocked:
 * FDS[0..N-1] become fds 3..3+N-1, the write end of the ready pipe fd 3+N,
 * stdin /dev/null, stdout and stderr LOG_FD, nothing else open.  WHAT names
 * the helper in errors ("slirp: fork the network helper"). */
int runcgo_helper_proc_spawn (const char *path, char *const *argv, const int *fds, size_t n, int log_fd,
                              const char *what, struct runcgo_helper_proc *h, runcgo_error_t *err);

/* Wait at most TIMEOUT_MS for its answer ("" when it closed the pipe or died
 * without a word) into BUF (CAP bytes, NUL-terminated); closes ready_fd and
 * sets start_time.  Fails only when it did not answer in time; the error
 * names WHAT and points at LOG, its log in the container's state dir. */
int runcgo_helper_proc_answer (struct runcgo_helper_proc *h, int timeout_ms, const char *what, const char *log,
                               char *buf, size_t cap, runcgo_error_t *err);

/* create failed: SIGKILL and reap it. */
void runcgo_helper_proc_abort (struct runcgo_helper_proc *h);

/* Write (APPEND false: replace; true: add a line to) the record FILE in
 * DIR_FD with this helper's pid and start time. */
int runcgo_helper_proc_record (const struct runcgo_helper_proc *h, int dir_fd, const char *file, bool append,
                               runcgo_error_t *err);

/* The first helper in record FILE: false when there is none (no file). */
bool runcgo_helper_proc_find (int dir_fd, const char *file, pid_t *pid, uint64_t *start_time);

/* Stop every helper of record FILE that still runs: SIGTERM, up to 2 s to
 * go, then SIGKILL; returns once each one is gone. */
void runcgo_helper_proc_stop_all (int dir_fd, const char *file);

#endif
