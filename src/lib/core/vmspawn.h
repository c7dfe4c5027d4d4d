/* vmspawn.h -- start a program without waiting for its exec (vmspawn.c). */
#ifndef RUNCGO_VMSPAWN_H
#define RUNCGO_VMSPAWN_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#include "error.h"

struct runcgo_vmspawn
{
  pid_t pid;          /* 0: none */
  int exec_errno;     /* written by the child when its execve failed */
  void *stack;
  size_t stack_size;
  /* the child's inputs, read by it until its execve: valid until reaped */
  const char *path;
  char *const *argv;
  char *const *envp;
  int stderr_fd;
  sigset_t mask;
};

/* Start PATH with ARGV and ENVP, its stderr on STDERR_FD, and return at once:
 * the exec happens in the background.  Everything passed must stay valid
 * until runcgo_vmspawn_reap. */
int runcgo_vmspawn_start (struct runcgo_vmspawn *s, const char *path, char *const argv[], char *const envp[],
                          int stderr_fd, runcgo_error_t *err);
/* Wait for the child; *status as waitpid's.  Frees the stack; afterwards
 * s->exec_errno != 0 says that the exec itself failed. */
void runcgo_vmspawn_reap (struct runcgo_vmspawn *s, int *status);

#endif
