/* test_vmspawn.c -- runcgo_vmspawn_start/reap: the program runs with its
 * argv, envp and stderr; its exit status and an exec failure come back; a
 * signal handler of the caller is not run by the child (it would run on the
 * caller's memory) and a blocked signal stays blocked; two children started
 * before either is reaped run at the same time. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/util.h"
#include "core/vmspawn.h"
#include "tap.h"

static volatile sig_atomic_t handled;

static void
on_usr1 (int sig)
{
  (void) sig;
  handled = 1;
}

/* Run sh -c SCRIPT with stderr on a pipe: its status and stderr. */
static int
run_sh (const char *script, char *errbuf, size_t len, struct runcgo_vmspawn *s)
{
  int p[2];
  if (pipe2 (p, O_CLOEXEC) < 0)
    return -1;
  char *argv[] = { (char *) "sh", (char *) "-c", (char *) script, NULL };
  char *envp[] = { (char *) "VMSPAWN_TEST=yes", NULL };
  runcgo_error_t err = NULL;
  int r = runcgo_vmspawn_start (s, "/bin/sh", argv, envp, p[1], &err);
  close (p[1]);
  if (r < 0)
    {
      diag ("start: %s", runcgo_error_text (err));
      runcgo_error_release (&err);
      close (p[0]);
      return -1;
    }
  ssize_t n = runcgo_read_all (p[0], errbuf, len - 1);
  errbuf[n > 0 ? n : 0] = '\0';
  if (n > 0 && errbuf[n - 1] == '\n')
    errbuf[n - 1] = '\0';
  close (p[0]);
  int status;
  runcgo_vmspawn_reap (s, &status);
  return status;
}

static void
test_runs_with_args_env_and_stderr (void)
{
  struct runcgo_vmspawn s;
  char out[256];
  int status = run_sh ("echo \"$VMSPAWN_TEST $0\" >&2; exit 3", out, sizeof (out), &s);
  ok (status >= 0 && WIFEXITED (status) && WEXITSTATUS (status) == 3, "exit status 3 comes back");
  ok (strcmp (out, "yes sh") == 0, "argv, envp and stderr reach the program (got \"%s\")", out);
  ok (s.exec_errno == 0 && s.stack == NULL && s.pid == 0, "reaped: no exec error, stack freed");
}

static void
test_exec_failure_is_reported (void)
{
  struct runcgo_vmspawn s;
  char *argv[] = { (char *) "nope", NULL };
  runcgo_error_t err = NULL;
  int r = runcgo_vmspawn_start (&s, "/nonexistent/program", argv, argv + 1, STDERR_FILENO, &err);
  int status = 0;
  if (r == 0)
    runcgo_vmspawn_reap (&s, &status);
  runcgo_error_release (&err);
  ok (r == 0 && s.exec_errno == ENOENT, "a missing program: exec_errno ENOENT (%d)", s.exec_errno);
  ok (WIFEXITED (status) && WEXITSTATUS (status) == 127, "and exit status 127");
}

static void
test_caller_handlers_are_not_run_by_the_child (void)
{
  struct sigaction sa = { .sa_handler = on_usr1 };
  sigaction (SIGUSR1, &sa, NULL);
  sigset_t usr2, old;
  sigemptyset (&usr2);
  sigaddset (&usr2, SIGUSR2);
  sigprocmask (SIG_BLOCK, &usr2, &old);
  struct runcgo_vmspawn s;
  char out[256];
  /* the blocked SIGUSR2 is pending, not delivered; SIGUSR1 kills */
  int status = run_sh ("kill -USR2 $$; echo blocked >&2; kill -USR1 $$; echo survived >&2", out, sizeof (out), &s);
  sigprocmask (SIG_SETMASK, &old, NULL);
  signal (SIGUSR1, SIG_DFL);
  ok (WIFSIGNALED (status) && WTERMSIG (status) == SIGUSR1, "SIGUSR1 has its default action in the child");
  ok (!handled, "the caller's handler did not run");
  ok (strcmp (out, "blocked") == 0, "SIGUSR2 stayed blocked as in the caller (got \"%s\")", out);
}

static void
test_two_children_run_at_once (void)
{
  /* each writes a byte the other reads: they meet only if both run */
  int a[2], b[2];
  if (pipe2 (a, O_CLOEXEC) < 0 || pipe2 (b, O_CLOEXEC) < 0)
    {
      ok (0, "pipes");
      return;
    }
  char script1[128], script2[128];
  snprintf (script1, sizeof (script1), "echo 1 >&%d; read x <&%d", a[1], b[0]);
  snprintf (script2, sizeof (script2), "echo 2 >&%d; read x <&%d", b[1], a[0]);
  /* the fds must survive the exec */
  for (int *fd = a; fd < a + 2; fd++)
    fcntl (*fd, F_SETFD, 0);
  for (int *fd = b; fd < b + 2; fd++)
    fcntl (*fd, F_SETFD, 0);
  char *argv1[] = { (char *) "sh", (char *) "-c", script1, NULL };
  char *argv2[] = { (char *) "sh", (char *) "-c", script2, NULL };
  char *envp[] = { NULL };
  struct runcgo_vmspawn s1, s2;
  runcgo_error_t err = NULL;
  int r1 = runcgo_vmspawn_start (&s1, "/bin/sh", argv1, envp, STDERR_FILENO, &err);
  bool first_alive = r1 == 0 && waitpid (s1.pid, NULL, WNOHANG) == 0;
  int r2 = runcgo_vmspawn_start (&s2, "/bin/sh", argv2, envp, STDERR_FILENO, &err);
  runcgo_error_release (&err);
  for (int *fd = a; fd < a + 2; fd++)
    close (*fd);
  for (int *fd = b; fd < b + 2; fd++)
    close (*fd);
  int st1 = -1, st2 = -1;
  if (r1 == 0)
    runcgo_vmspawn_reap (&s1, &st1);
  if (r2 == 0)
    runcgo_vmspawn_reap (&s2, &st2);
  ok (first_alive, "the first child still runs when start returns");
  ok (st1 == 0 && st2 == 0, "both children met and exited 0 (%d, %d)", st1, st2);
}

int
main (void)
{
  test_runs_with_args_env_and_stderr ();
  test_exec_failure_is_reported ();
  test_caller_handlers_are_not_run_by_the_child ();
  test_two_children_run_at_once ();
  return done_testing ();
}
