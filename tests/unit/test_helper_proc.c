/* test_helper_proc.c -- the helper records of a state dir (core/helper_proc.c)
 * with real processes: a started helper answers on its ready pipe with its
 * fds at the promised numbers, records accumulate and survive junk lines,
 * stop_all ends what runs (also a helper that ignores SIGTERM) and leaves
 * a recycled pid alone.  Runs unprivileged. */
#include "config.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "core/helper_proc.h"
#include "core/state.h"
#include "core/util.h"
#include "tap.h"

/* A child that stays until killed; IGNORE_TERM: as a plugin stuck in a call. */
static pid_t
sleeper (bool ignore_term)
{
  pid_t pid = fork ();
  if (pid == 0)
    {
      if (ignore_term)
        signal (SIGTERM, SIG_IGN);
      for (;;)
        pause ();
    }
  return pid;
}

/* exited, as the helper's parent (our subreaper in the tests) sees it */
static bool
gone (pid_t pid)
{
  char state;
  uint64_t start;
  return runcgo_proc_stat (pid, &state, &start) < 0 || state == 'Z';
}

static void
test_spawn_and_answer (void)
{
  struct runcgo_helper_proc h;
  runcgo_error_t err = NULL;
  char buf[256];
  cleanup_close int extra = open ("/dev/null", O_RDONLY | O_CLOEXEC);
  cleanup_close int log_fd = open ("/dev/null", O_WRONLY | O_CLOEXEC);
  /* fd 3 is EXTRA, the ready pipe fd 4: the helper names both */
  char *argv[] = { "sh", "-c", "test -r /proc/self/fd/3 && printf 'ok %s' \"$(readlink /proc/self/fd/3)\" >&4", NULL };
  runcgo_helper_proc_init (&h);
  ok (runcgo_helper_proc_spawn ("/bin/sh", argv, &extra, 1, log_fd, "test", &h, &err) == 0 && h.pid > 0
          && h.ready_fd >= 0,
      "spawn");
  ok (runcgo_helper_proc_answer (&h, 10000, "test", "test.log", buf, sizeof (buf), &err) == 0
          && strcmp (buf, "ok /dev/null") == 0 && h.ready_fd == -1,
      "its answer on fd 4, with fd 3 as given (%s)", buf);
  waitpid (h.pid, NULL, 0);
  runcgo_error_release (&err);
}

static void
test_records_and_stop_all (void)
{
  char dir[] = "/tmp/test_helper_proc.XXXXXX";
  runcgo_error_t err = NULL;
  if (mkdtemp (dir) == NULL)
    return (void) ok (0, "mkdtemp");
  cleanup_close int dfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  pid_t pid;
  uint64_t st;
  ok (!runcgo_helper_proc_find (dfd, "h.pid", &pid, &st), "no record: none found");
  struct runcgo_helper_proc a = { .pid = sleeper (false), .ready_fd = -1 };
  struct runcgo_helper_proc b = { .pid = sleeper (true), .ready_fd = -1 };
  a.start_time = runcgo_proc_start_time (a.pid);
  b.start_time = runcgo_proc_start_time (b.pid);
  /* a pid that is alive but started at another time is not ours */
  struct runcgo_helper_proc reused = { .pid = getpid (), .start_time = 1, .ready_fd = -1 };
  ok (runcgo_helper_proc_record (&a, dfd, "h.pid", true, &err) == 0
          && runcgo_helper_proc_record (&reused, dfd, "h.pid", true, &err) == 0,
      "two records appended");
  int fd = openat (dfd, "h.pid", O_WRONLY | O_APPEND);
  ok (fd >= 0 && write (fd, "junk\n\n12x\n", 10) == 10, "junk lines");
  close (fd);
  ok (runcgo_helper_proc_record (&b, dfd, "h.pid", true, &err) == 0, "a third record after the junk");
  ok (runcgo_helper_proc_find (dfd, "h.pid", &pid, &st) && pid == a.pid && st == a.start_time, "find: the first");
  runcgo_helper_proc_stop_all (dfd, "h.pid");
  ok (gone (a.pid), "stop_all: SIGTERM ended the first");
  ok (gone (b.pid), "stop_all: SIGKILL ended the one that ignores SIGTERM");
  waitpid (a.pid, NULL, 0);
  waitpid (b.pid, NULL, 0);
  ok (runcgo_helper_proc_record (&a, dfd, "h.pid", false, &err) == 0 && runcgo_helper_proc_find (dfd, "h.pid", &pid, &st)
          && pid == a.pid,
      "a record replaced (append false)");
  unlinkat (dfd, "h.pid", 0);
  rmdir (dir);
  runcgo_error_release (&err);
}

int
main (void)
{
  test_spawn_and_answer ();
  test_records_and_stop_all ();
  return done_testing ();
}
