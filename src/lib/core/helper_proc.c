/* helper_proc.c -- starting, waiting for and stopping the runtime's helper
 * programs (see helper_proc.h).  Owns the fork/exec with fds at fixed
 * numbers, the bounded wait for the ready answer and the "PID STARTTIME"
 * records in a container's state dir that delete uses to stop them. */
#include "config.h"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "core/helper_proc.h"
#include "core/state.h"
#include "core/util.h"

#define MAX_FDS 8

void
runcgo_helper_proc_init (struct runcgo_helper_proc *h)
{
  h->pid = 0;
  h->start_time = 0;
  h->ready_fd = -1;
}

/* In the forked child: its own session (a terminal's ^C is for the
 * container, not for its helpers), a clean signal mask, the fds at fixed
 * numbers (moved high first: a source fd may sit on a target number),
 * nothing else open. */
static void __attribute__ ((noreturn))
exec_helper (const char *path, char *const *argv, const int *fds, size_t n, int log_fd)
{
  int high[MAX_FDS];
  sigset_t none;
  sigemptyset (&none);
  sigprocmask (SIG_SETMASK, &none, NULL);
  setsid ();
  for (size_t i = 0; i < n; i++)
    if ((high[i] = fcntl (fds[i], F_DUPFD, 100)) < 0)
      _exit (127);
  int null_fd = open ("/dev/null", O_RDWR);
  if (null_fd < 0 || dup2 (null_fd, 0) < 0 || dup2 (log_fd, 1) < 0 || dup2 (log_fd, 2) < 0)
    _exit (127);
  for (size_t i = 0; i < n; i++)
    if (dup2 (high[i], 3 + (int) i) < 0)
      _exit (127);
  runcgo_close_fds_from (3 + (int) n);
  execv (path, argv);
  /* the ready pipe is the last fd: the runtime reports this line */
  dprintf (3 + (int) n - 1, "exec `%s`: %s", path, strerror (errno));
  _exit (127);
}

int
runcgo_helper_proc_spawn (const char *path, char *const *argv, const int *fds, size_t n, int log_fd,
                          const char *what, struct runcgo_helper_proc *h, runcgo_error_t *err)
{
  int all[MAX_FDS], pipefd[2];
  if (n + 1 > MAX_FDS)
    return runcgo_fail (err, E2BIG, "%s: too many fds for the helper", what);
  if (pipe2 (pipefd, O_CLOEXEC) < 0)
    return runcgo_fail (err, errno, "%s: pipe", what);
  memcpy (all, fds, n * sizeof (int));
  all[n] = pipefd[1];
  pid_t pid = fork ();
  if (pid == 0)
    exec_helper (path, argv, all, n + 1, log_fd);
  int saved = errno;
  close (pipefd[1]);
  if (pid < 0)
    {
      close (pipefd[0]);
      return runcgo_fail (err, saved, "%s: fork", what);
    }
  h->pid = pid;
  h->ready_fd = pipefd[0];
  return 0;
}

/* Everything it writes until it closes the pipe (or BUF is full). */
static int
read_answer (int fd, int timeout_ms, char *buf, size_t cap)
{
  size_t len = 0;
  struct pollfd p = { .fd = fd, .events = POLLIN };
  for (;;)
    {
      int r = poll (&p, 1, timeout_ms);
      if (r < 0 && errno == EINTR)
        continue;
      if (r <= 0)
        return r == 0 ? -ETIMEDOUT : -errno;
      ssize_t got = read (fd, buf + len, cap - 1 - len);
      if (got < 0 && errno == EINTR)
        continue;
      if (got <= 0 || (len += (size_t) got) == cap - 1)
        break;
    }
  buf[len] = '\0';
  return 0;
}

int
runcgo_helper_proc_answer (struct runcgo_helper_proc *h, int timeout_ms, const char *what, const char *log,
                           char *buf, size_t cap, runcgo_error_t *err)
{
  buf[0] = '\0';
  if (h->ready_fd < 0)
    return 0;
  int r = read_answer (h->ready_fd, timeout_ms, buf, cap);
  close (h->ready_fd);
  h->ready_fd = -1;
  if (r < 0)
    {
      cleanup_free char *hint = xasprintf ("see %s in the container's state directory", log);
      return runcgo_fail_hint (err, -r, hint, "%s (pid %d) did not get ready", what, (int) h->pid);
    }
  h->start_time = runcgo_proc_start_time (h->pid);
  return 0;
}

void
runcgo_helper_proc_abort (struct runcgo_helper_proc *h)
{
  if (h->ready_fd >= 0)
    close (h->ready_fd);
  h->ready_fd = -1;
  if (h->pid > 0)
    {
      kill (h->pid, SIGKILL);
      waitpid (h->pid, NULL, 0);
    }
  h->pid = 0;
}

/* ---------------------------------------------------------------- records */

int
runcgo_helper_proc_record (const struct runcgo_helper_proc *h, int dir_fd, const char *file, bool append,
                           runcgo_error_t *err)
{
  char buf[64];
  int n = snprintf (buf, sizeof (buf), "%d %llu\n", (int) h->pid, (unsigned long long) h->start_time);
  if (!append)
    return runcgo_write_file_atomic (dir_fd, file, buf, (size_t) n, 0600, err);
  /* one short write with O_APPEND: records of concurrent execs never mix */
  cleanup_close int fd = openat (dir_fd, file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0 || runcgo_write_all (fd, buf, (size_t) n) < 0)
    return runcgo_fail (err, errno, "record the helper's pid in %s", file);
  return 0;
}

/* Calls FN for every well-formed "PID STARTTIME" line; stops when it says true. */
static bool
for_each_record (int dir_fd, const char *file, bool (*fn) (pid_t, uint64_t, void *), void *arg)
{
  cleanup_free char *buf = NULL;
  runcgo_error_t ignored = NULL;
  if (runcgo_read_file_at (dir_fd, file, 1 << 20, &buf, NULL, &ignored) < 0)
    {
      runcgo_error_release (&ignored);
      return false;
    }
  for (const char *s = buf; *s;)
    {
      uint64_t p = 0, st = 0;
      if (runcgo_scan_u64 (&s, &p) && runcgo_scan_u64 (&s, &st) && p > 0 && p <= INT_MAX
          && fn ((pid_t) p, st, arg))
        return true;
      s += strcspn (s, "\n");
      s += *s == '\n';
    }
  return false;
}

struct found
{
  pid_t pid;
  uint64_t start_time;
};

static bool
take_first (pid_t pid, uint64_t start_time, void *arg)
{
  struct found *f = arg;
  f->pid = pid;
  f->start_time = start_time;
  return true;
}

bool
runcgo_helper_proc_find (int dir_fd, const char *file, pid_t *pid, uint64_t *start_time)
{
  struct found f = { 0, 0 };
  if (!for_each_record (dir_fd, file, take_first, &f))
    return false;
  *pid = f.pid;
  *start_time = f.start_time;
  return true;
}

static bool
wait_gone (int pidfd, int ms)
{
  struct pollfd p = { .fd = pidfd, .events = POLLIN };
  return poll (&p, 1, ms) == 1;
}

static bool
stop_one (pid_t pid, uint64_t start_time, void *arg)
{
  cleanup_close int pidfd = (int) syscall (SYS_pidfd_open, pid, 0);
  /* the pidfd pins the pid: check it is still our helper, not a reuse */
  if (pidfd < 0 || !runcgo_pid_is_alive (pid, start_time))
    return false;
  syscall (SYS_pidfd_send_signal, pidfd, SIGTERM, NULL, 0);
  if (!wait_gone (pidfd, 2000))
    {
      syscall (SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
      wait_gone (pidfd, 5000);
    }
  return false;
}

void
runcgo_helper_proc_stop_all (int dir_fd, const char *file)
{
  for_each_record (dir_fd, file, stop_one, NULL);
}
