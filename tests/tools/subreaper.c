/* subreaper CMD ARGS...: run CMD as a child subreaper and reap every orphan.
 *
 * Container runtimes daemonize their container inits: when `create` exits, the
 * init is reparented.  On this kind of machine PID 1 never reaps, so orphans of
 * the test suite would stay zombies forever and look like leaks.  Every
 * integration script re-executes itself under this tool: it becomes the
 * reaper for all its descendants and exits with CMD's own status (128+N when
 * CMD was killed by signal N, as a shell reports it).  SIGINT, SIGTERM and
 * SIGHUP are forwarded to CMD so that `make check` interrupted still lets the
 * test script clean up.  */
#ifdef HAVE_CONFIG_H
#include "config.h" /* absent when a test script builds this file on the fly */
#endif

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t child_pid;

static void
forward_signal (int signo)
{
  if (child_pid > 0)
    kill (child_pid, signo);
}

static void
install_forwarders (void)
{
  static const int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
  struct sigaction sa;
  size_t i;

  memset (&sa, 0, sizeof sa);
  sa.sa_handler = forward_signal;
  sigemptyset (&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  for (i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++)
    sigaction (forwarded[i], &sa, NULL);
}

/* Kill our own remaining children: orphans that a test left behind and that
   are still running after CMD exited.  Only processes whose parent is this
   process are touched, that is, only descendants of CMD.  */
static void
kill_remaining_children (void)
{
  DIR *proc = opendir ("/proc");
  struct dirent *de;
  pid_t self = getpid ();

  if (proc == NULL)
    return;
  while ((de = readdir (proc)) != NULL)
    {
      char path[64], buf[512], *p;
      FILE *f;
      long pid;
      int ppid;

      if (de->d_name[0] < '0' || de->d_name[0] > '9')
        continue;
      pid = strtol (de->d_name, NULL, 10);
      snprintf (path, sizeof path, "/proc/%ld/stat", pid);
      f = fopen (path, "re");
      if (f == NULL)
        continue;
      p = fgets (buf, sizeof buf, f);
      fclose (f);
      /* comm may contain spaces and parentheses: parse after the last ')'. */
      if (p == NULL || (p = strrchr (buf, ')')) == NULL)
        continue;
      if (sscanf (p + 1, " %*c %d", &ppid) == 1 && ppid == self)
        kill ((pid_t) pid, SIGKILL);
    }
  closedir (proc);
}

static double
now (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Reap until no child is left at all: CMD and every orphan reparented to us.
   Once CMD has exited, give the orphans GRACE seconds to finish, then kill
   them, so that a leaked container can never hang `make check`.  Returns
   CMD's wait status.  */
static int
reap_all (pid_t cmd)
{
  const double grace = 5.0;
  double cmd_exit_time = 0;
  int cmd_status = 0;
  int killed = 0;

  for (;;)
    {
      int status;
      pid_t pid = waitpid (-1, &status, child_pid > 0 ? 0 : WNOHANG);

      if (pid < 0)
        {
          if (errno == EINTR)
            continue;
          break; /* ECHILD: nothing left to wait for.  */
        }
      if (pid == cmd)
        {
          cmd_status = status;
          child_pid = 0;
          cmd_exit_time = now ();
          continue;
        }
      if (pid == 0)
        {
          if (!killed && now () - cmd_exit_time > grace)
            {
              fprintf (stderr, "subreaper: killing processes left behind\n");
              kill_remaining_children ();
              killed = 1;
            }
          usleep (20 * 1000);
        }
    }
  return cmd_status;
}

int
main (int argc, char **argv)
{
  pid_t pid;
  int status;

  if (argc < 2)
    {
      fprintf (stderr, "usage: %s CMD [ARGS...]\n", argv[0]);
      return 2;
    }
  if (prctl (PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
    {
      perror ("subreaper: prctl(PR_SET_CHILD_SUBREAPER)");
      return 2;
    }

  install_forwarders ();
  pid = fork ();
  if (pid < 0)
    {
      perror ("subreaper: fork");
      return 2;
    }
  if (pid == 0)
    {
      execvp (argv[1], argv + 1);
      fprintf (stderr, "subreaper: exec %s: %s\n", argv[1], strerror (errno));
      _exit (127);
    }
  child_pid = pid;

  status = reap_all (pid);
  if (WIFEXITED (status))
    return WEXITSTATUS (status);
  if (WIFSIGNALED (status))
    return 128 + WTERMSIG (status);
  return 1;
}
