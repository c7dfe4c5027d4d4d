/* hooks.c -- OCI hooks: run every hook of one kind, in order, each with the
 * container state on its stdin and an optional timeout.
 *
 * Hooks inherit the runtime's stdout/stderr, or write to the files that the
 * annotations run.oci.hooks.stdout/stderr name (crun).  One poll loop feeds stdin and
 * waits for the exit (pidfd), so a hook that never reads its stdin cannot
 * block the runtime past its timeout, and one that closes it early cannot
 * kill the runtime with SIGPIPE. */
#include "config.h"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "core/util.h"
#include "linux/linux.h"

/* The child gets default dispositions and an empty mask (SIG_IGN, e.g. our
 * SIGPIPE, would otherwise survive execve), and its own process group so a
 * timeout kills whatever the hook started too. */
static int
spawn_hook (const struct runcgo_hook *h, const struct runcgo_hooks *out, int stdin_fd, pid_t *pid)
{
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  sigset_t none, all;
  char *default_argv[] = { h->path, NULL };
  char *empty_env[] = { NULL };
  sigemptyset (&none);
  sigfillset (&all);
  posix_spawn_file_actions_init (&fa);
  posix_spawn_file_actions_adddup2 (&fa, stdin_fd, STDIN_FILENO);
  if (out->out_fd > 0)
    posix_spawn_file_actions_adddup2 (&fa, out->out_fd, STDOUT_FILENO);
  if (out->err_fd > 0)
    posix_spawn_file_actions_adddup2 (&fa, out->err_fd, STDERR_FILENO);
  posix_spawnattr_init (&attr);
  posix_spawnattr_setsigmask (&attr, &none);
  posix_spawnattr_setsigdefault (&attr, &all);
  posix_spawnattr_setpgroup (&attr, 0);
  posix_spawnattr_setflags (&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
  /* args[0], when given, is argv[0] (which may differ from path) */
  char **argv = h->args && h->args[0] ? h->args : default_argv;
  char **envp = h->env ? h->env : empty_env;
  int r = posix_spawn (pid, h->path, &fa, &attr, argv, envp);
  posix_spawnattr_destroy (&attr);
  posix_spawn_file_actions_destroy (&fa);
  return r;
}

static int64_t
now_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct hook_io
{
  pid_t pid;
  int pidfd; /* -1 without pidfd_open: then poll in 10 ms ticks */
  int wfd;   /* stdin pipe, -1 once everything is written or the hook closed it */
  const char *data;
  size_t len, off;
};

static void
close_fd (int *fd)
{
  runcgo_closep (fd);
  *fd = -1;
}

/* Write what the pipe takes; close it when done or when the hook is gone
 * (EPIPE: SIGPIPE is blocked by the caller). */
static void
feed_stdin (struct hook_io *io)
{
  ssize_t w = write (io->wfd, io->data + io->off, io->len - io->off);
  if (w > 0)
    io->off += (size_t)w;
  if ((w < 0 && errno != EAGAIN && errno != EINTR) || io->off == io->len)
    close_fd (&io->wfd);
}

/* 0: exited (*status set); 1: timed out; -1: error (errno). */
static int
feed_and_wait (struct hook_io *io, int64_t timeout_ms, int *status)
{
  int64_t deadline = timeout_ms >= 0 ? now_ms () + timeout_ms : -1;
  if (io->len == 0)
    close_fd (&io->wfd);
  for (;;)
    {
      struct pollfd p[2] = { { .fd = io->pidfd, .events = POLLIN }, { .fd = io->wfd, .events = POLLOUT } };
      int64_t left = deadline < 0 ? INT_MAX : deadline - now_ms ();
      if (left <= 0)
        return 1;
      int wait_ms = left > INT_MAX ? INT_MAX : (int)left;
      if (io->pidfd < 0 && wait_ms > 10)
        wait_ms = 10;
      /* negative fds are ignored by poll */
      int r = poll (p, 2, wait_ms);
      if (r < 0 && errno != EINTR)
        return -1;
      if (r > 0 && io->wfd >= 0 && p[1].revents)
        feed_stdin (io);
      if (io->pidfd >= 0 && !(r > 0 && (p[0].revents & POLLIN)))
        continue;
      pid_t w = waitpid (io->pid, status, io->pidfd >= 0 ? 0 : WNOHANG);
      if (w == io->pid)
        return 0;
      if (w < 0 && errno != EINTR)
        return -1;
    }
}

static void
reap (pid_t pid)
{
  int status;
  while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
    ;
}

static int
hook_status_error (const char *label, int status, runcgo_error_t *err)
{
  if (WIFEXITED (status) && WEXITSTATUS (status) == 0)
    return 0;
  if (WIFEXITED (status))
    return runcgo_fail (err, 0, "%s: exited with status %d", label, WEXITSTATUS (status));
  const char *name = WIFSIGNALED (status) ? runcgo_signal_name (WTERMSIG (status)) : NULL;
  if (name)
    return runcgo_fail (err, 0, "%s: killed by %s", label, name);
  return runcgo_fail (err, 0, "%s: terminated abnormally (wait status %#x)", label, (unsigned)status);
}

/* Runs with SIGPIPE blocked (see runcgo_hooks_run). */
static int
run_hook (const struct runcgo_hook *h, const struct runcgo_hooks *out, const char *label, const char *state,
          runcgo_error_t *err)
{
  int pfd[2];
  if (pipe2 (pfd, O_CLOEXEC) < 0)
    return runcgo_fail (err, errno, "%s: pipe", label);
  cleanup_close int rfd = pfd[0];
  struct hook_io io = { .wfd = pfd[1], .data = state ? state : "", .len = state ? strlen (state) : 0 };
  int r = spawn_hook (h, out, rfd, &io.pid);
  close_fd (&rfd);
  if (r != 0)
    {
      close_fd (&io.wfd);
      return runcgo_fail_hint (err, r, "hook paths must name an executable (absolute path)", "%s: execute", label);
    }
  fcntl (io.wfd, F_SETFL, O_NONBLOCK);
#if HAVE_DECL_SYS_PIDFD_OPEN
  io.pidfd = (int)syscall (SYS_pidfd_open, io.pid, 0);
#else
  io.pidfd = -1;
#endif
  /* absurdly large timeouts (overflowing milliseconds) mean "none" */
  bool timed = h->timeout.set && h->timeout.v > 0 && h->timeout.v < INT64_MAX / 1000;
  int64_t timeout_ms = timed ? h->timeout.v * 1000 : -1;
  int status = 0;
  r = feed_and_wait (&io, timeout_ms, &status);
  int e = errno;
  close_fd (&io.pidfd);
  close_fd (&io.wfd);
  if (r == 0)
    return hook_status_error (label, status, err);
  /* Timed out or failed to wait: never leave the hook (or its children) behind. */
  kill (-io.pid, SIGKILL);
  kill (io.pid, SIGKILL);
  reap (io.pid);
  if (r == 1)
    return runcgo_fail (err, 0, "%s timed out after %lld s", label, (long long)h->timeout.v);
  return runcgo_fail (err, e, "%s: wait", label);
}

int
runcgo_hooks_run (const struct runcgo_hooks *hooks, enum runcgo_hook_kind kind, const char *state_json,
                  runcgo_error_t *err)
{
  if (hooks == NULL || (unsigned)kind >= RUNCGO_HOOK_KINDS || hooks->n[kind] == 0)
    return 0;
  /* Block SIGPIPE for the whole run; a SIGPIPE our writes raise is consumed
   * before the old mask comes back, one that was already pending is kept. */
  sigset_t pipe_set, old, pending;
  sigemptyset (&pipe_set);
  sigaddset (&pipe_set, SIGPIPE);
  pthread_sigmask (SIG_BLOCK, &pipe_set, &old);
  sigpending (&pending);
  bool was_pending = sigismember (&pending, SIGPIPE);

  int ret = 0;
  for (size_t i = 0; i < hooks->n[kind] && ret == 0; i++)
    {
      const struct runcgo_hook *h = &hooks->list[kind][i];
      cleanup_free char *label = xasprintf ("hook %s[%zu] (%s)", runcgo_hook_kind_names[kind], i, h->path);
      ret = run_hook (h, hooks, label, state_json, err);
    }

  struct timespec zero = { 0, 0 };
  while (!was_pending && sigtimedwait (&pipe_set, NULL, &zero) == SIGPIPE)
    ;
  pthread_sigmask (SIG_SETMASK, &old, NULL);
  return ret;
}

/* Opened by the runtime on the host, in append mode and created when
 * missing (crun); above fd 2 so that 0 can mean "not opened".  The init
 * keeps them for createContainer and startContainer. */
static int
open_output (const char *path, const char *key, int *fd, runcgo_error_t *err)
{
  if (path == NULL || *fd > 0) /* not named, or already open */
    return 0;
  int raw = open (path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0600);
  if (raw < 0)
    return runcgo_fail_hint (err, errno, "the annotation names a file the runtime can create or append to",
                             "%s: open `%s`", key, path);
  *fd = raw > 2 ? raw : fcntl (raw, F_DUPFD_CLOEXEC, 3);
  if (raw <= 2)
    close (raw);
  return *fd < 0 ? runcgo_fail (err, errno, "%s: dup", key) : 0;
}

int
runcgo_hooks_open_output (struct runcgo_hooks *hooks, const struct runcgo_kv *ann, size_t n, runcgo_error_t *err)
{
  if (open_output (runcgo_kv_get (ann, n, RUNCGO_ANN_HOOKS_STDOUT), RUNCGO_ANN_HOOKS_STDOUT, &hooks->out_fd, err) < 0
      || open_output (runcgo_kv_get (ann, n, RUNCGO_ANN_HOOKS_STDERR), RUNCGO_ANN_HOOKS_STDERR, &hooks->err_fd, err)
             < 0)
    return -1;
  return 0;
}
