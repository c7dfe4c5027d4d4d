/* icount.c -- the user-space instructions of one command, counted by
 * single-stepping it with ptrace(2): deterministic like callgrind, but every
 * syscall is the real kernel's.  counts.sh uses it where a command fails
 * under valgrind 3.19, which does not know pidfd_open (so `start` and
 * `exec` end with "its init is gone" there).  Children are not followed
 * (the kernel clears the trap flag of a fork).  About 2 µs a step: for
 * commands of up to a few million instructions.
 *
 * usage: icount [-o FILE] CMD [ARGS...]
 * prints "INSTRUCTIONS EXIT-STATUS" into FILE (default: stderr). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

int
main (int argc, char **argv)
{
  FILE *out = stderr;
  if (argc > 2 && strcmp (argv[1], "-o") == 0)
    {
      if ((out = fopen (argv[2], "w")) == NULL)
        return perror (argv[2]), 2;
      argv += 2;
      argc -= 2;
    }
  if (argc < 2)
    {
      fprintf (stderr, "usage: icount [-o FILE] CMD [ARGS...]\n");
      return 2;
    }
  pid_t pid = fork ();
  if (pid < 0)
    return perror ("fork"), 2;
  if (pid == 0)
    {
      /* the execve stops us with SIGTRAP: counting starts at the entry */
      ptrace (PTRACE_TRACEME, 0, NULL, NULL);
      execvp (argv[1], argv + 1);
      perror (argv[1]);
      _exit (127);
    }
  int st;
  if (waitpid (pid, &st, 0) < 0 || !WIFSTOPPED (st))
    return fprintf (stderr, "icount: %s did not start\n", argv[1]), 2;
  ptrace (PTRACE_SETOPTIONS, pid, NULL, (void *) PTRACE_O_EXITKILL);
  unsigned long long n = 0;
  int sig = 0;
  for (;;)
    {
      if (ptrace (PTRACE_SINGLESTEP, pid, NULL, (void *) (long) sig) < 0)
        return perror ("ptrace"), 2;
      if (waitpid (pid, &st, 0) < 0)
        return perror ("waitpid"), 2;
      if (WIFEXITED (st) || WIFSIGNALED (st))
        break;
      /* a SIGTRAP is our step; any other signal is the command's own */
      sig = WSTOPSIG (st) == SIGTRAP ? 0 : WSTOPSIG (st);
      if (sig == 0)
        n++;
    }
  fprintf (out, "%llu %d\n", n, WIFEXITED (st) ? WEXITSTATUS (st) : 128 + WTERMSIG (st));
  return fclose (out) == 0 ? 0 : 2;
}
