/* vmspawn.c -- start a program without waiting for its exec.
 *
 * posix_spawn(3) is a vfork: the caller sleeps until the child's execve is
 * done, and for a setuid helper that includes its whole load (newuidmap:
 * 2-3 ms here), so two helpers "started together" start one after the
 * other.  The child here shares the caller's memory as with vfork (CLONE_VM:
 * no page tables copied, no copy-on-write faults in the caller afterwards)
 * but not its wait: it runs on its own stack and, until its execve, makes
 * only raw system calls, because it also shares the caller's TLS (errno)
 * and must take no lock of the caller's libc.  Its signal handlers are
 * reset and its mask restored before the execve, as posix_spawn does.
 * Where the raw calls are not written (other architectures) or cannot run
 * (valgrind cannot run a CLONE_VM child that is not a thread), posix_spawn
 * stands in. */
#include "config.h"

#include <errno.h>
#include <sched.h>
#include <spawn.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"
#include "vmspawn.h"

#define CHILD_STACK_SIZE (64u << 10)
#define KERNEL_SIGSET_SIZE 8

#if defined(__x86_64__)
#define HAVE_RAW_SYSCALL 1
static inline long
raw_syscall4 (long n, long a, long b, long c, long d)
{
  long ret;
  register long r10 __asm__ ("r10") = d;
  __asm__ volatile ("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10) : "rcx", "r11", "memory");
  return ret;
}
#elif defined(__aarch64__)
#define HAVE_RAW_SYSCALL 1
static inline long
raw_syscall4 (long n, long a, long b, long c, long d)
{
  register long x8 __asm__ ("x8") = n;
  register long x0 __asm__ ("x0") = a;
  register long x1 __asm__ ("x1") = b;
  register long x2 __asm__ ("x2") = c;
  register long x3 __asm__ ("x3") = d;
  __asm__ volatile ("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3) : "memory");
  return x0;
}
#else
#define HAVE_RAW_SYSCALL 0
#endif

#if HAVE_RAW_SYSCALL
/* The kernel's struct sigaction: the handler comes first on every
 * architecture, and all zeros is SIG_DFL with no flags and an empty mask. */
typedef unsigned long kernel_sigaction[4];

static int
child_main (void *arg)
{
  struct runcgo_vmspawn *s = arg;
  if (s->stderr_fd != STDERR_FILENO)
    raw_syscall4 (SYS_dup3, s->stderr_fd, STDERR_FILENO, 0, 0);
  /* a handler of the caller would run here, on the caller's memory; SIGKILL
   * and SIGSTOP cannot be queried, the others cannot fail */
  kernel_sigaction dfl = { 0 };
  for (long sig = 1; sig <= 64; sig++)
    {
      kernel_sigaction old = { 0 };
      if (sig != SIGKILL && sig != SIGSTOP && raw_syscall4 (SYS_rt_sigaction, sig, 0, (long) old, KERNEL_SIGSET_SIZE) == 0
          && old[0] != (unsigned long) SIG_DFL && old[0] != (unsigned long) SIG_IGN)
        raw_syscall4 (SYS_rt_sigaction, sig, (long) dfl, 0, KERNEL_SIGSET_SIZE);
    }
  raw_syscall4 (SYS_rt_sigprocmask, SIG_SETMASK, (long) &s->mask, 0, KERNEL_SIGSET_SIZE);
  long r = raw_syscall4 (SYS_execve, (long) s->path, (long) s->argv, (long) s->envp, 0);
  s->exec_errno = (int) -r;
  raw_syscall4 (SYS_exit, 127, 0, 0, 0);
  return 127;
}
#endif

static int
start_posix_spawn (struct runcgo_vmspawn *s, runcgo_error_t *err)
{
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init (&fa);
  if (s->stderr_fd != STDERR_FILENO)
    posix_spawn_file_actions_adddup2 (&fa, s->stderr_fd, STDERR_FILENO);
  int r = posix_spawn (&s->pid, s->path, &fa, NULL, s->argv, s->envp);
  posix_spawn_file_actions_destroy (&fa);
  if (r != 0)
    {
      s->pid = 0;
      return runcgo_fail (err, r, "run %s", s->path);
    }
  return 0;
}

int
runcgo_vmspawn_start (struct runcgo_vmspawn *s, const char *path, char *const argv[], char *const envp[],
                      int stderr_fd, runcgo_error_t *err)
{
  memset (s, 0, sizeof (*s));
  s->path = path;
  s->argv = argv;
  s->envp = envp;
  s->stderr_fd = stderr_fd;
  if (!HAVE_RAW_SYSCALL || runcgo_under_valgrind ())
    return start_posix_spawn (s, err);
#if HAVE_RAW_SYSCALL
  s->stack_size = CHILD_STACK_SIZE;
  s->stack = mmap (NULL, s->stack_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (s->stack == MAP_FAILED)
    {
      s->stack = NULL;
      return runcgo_fail (err, errno, "run %s: allocate a stack", path);
    }
  /* no signal until the child has reset its handlers */
  sigset_t all;
  sigfillset (&all);
  sigprocmask (SIG_SETMASK, &all, &s->mask);
  s->pid = clone (child_main, (char *) s->stack + s->stack_size, CLONE_VM | SIGCHLD, s);
  int e = errno;
  sigprocmask (SIG_SETMASK, &s->mask, NULL);
  if (s->pid < 0)
    {
      s->pid = 0;
      munmap (s->stack, s->stack_size);
      s->stack = NULL;
      return runcgo_fail (err, e, "run %s", path);
    }
#endif
  return 0;
}

void
runcgo_vmspawn_reap (struct runcgo_vmspawn *s, int *status)
{
  *status = 0;
  if (s->pid > 0)
    while (waitpid (s->pid, status, 0) < 0 && errno == EINTR)
      ;
  s->pid = 0;
  if (s->stack)
    munmap (s->stack, s->stack_size);
  s->stack = NULL;
}
