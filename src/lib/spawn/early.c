/* early.c -- a rootless container's user namespace, made before the rest so
 * that newuidmap/newgidmap map it while the runtime does the rest.
 *
 * The two setuid helpers are most of a rootless create, and they need only
 * the user namespace.  Right after the config is loaded, a "holder" is
 * cloned into a new user namespace, sharing the runtime's memory and fd
 * table (CLONE_VM | CLONE_FILES: making it copies nothing), and the helpers
 * start on it.  Meanwhile the runtime makes the state dir, the cgroup and the
 * state.  runcgo_spawn then has the holder clone the init into its namespace
 * (CLONE_PARENT: the init is the runtime's child as usual).  Once the
 * helpers are done the holder is killed, before the init may go on, and
 * reaped while the init works: no process of the container's user namespace
 * but the init ever sees it, and nothing of the container runs before the
 * init's exec. */
#include "config.h"

#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "core/util.h"
#include "spawn.h"

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif

/* The init runs on this stack until it execs: as much as the main thread's
 * default, reserved lazily (only touched pages count). */
#define HOLDER_STACK_SIZE (8u << 20)

/* The holder runs while the runtime goes on in the same memory: it must not
 * touch anything the runtime uses.  Until its request it only makes raw
 * syscalls that cannot fail (errno is the runtime's); it runs the clone
 * while the runtime is blocked waiting for the answer, so the init gets a
 * consistent copy of the runtime's memory, as from a fork. */
static int
holder_main (void *arg)
{
  struct runcgo_userns_early *e = arg;
  struct runcgo_early_clone *q = &e->req;
  char byte;
  sigset_t all;
  /* the runtime's signal handlers would run on our stack, in its memory
   * (sigfillset only writes our stack; the kernel's set is _NSIG bits) */
  sigfillset (&all);
  syscall (SYS_rt_sigprocmask, SIG_SETMASK, &all, NULL, _NSIG / 8);
  syscall (SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  if (syscall (SYS_getppid) != e->runtime || syscall (SYS_read, e->chan[1], &byte, 1) != 1)
    return 0;
  q->pid = runcgo_spawn_clone_init (q->flags | CLONE_PARENT, q->cgroup_fd, &q->pidfd, &q->into_cgroup);
  if (q->pid == 0)
    {
      /* the init runs on (a copy of) this stack, not the one ASan knows */
      runcgo_asan_set_stack (e->stack, e->stack_size);
      close (q->runtime_fd);
      runcgo_init_main (q->cfg, q->plan, q->ns_fds, q->join, q->sync_fd);
    }
  q->clone_errno = q->pid < 0 ? errno : 0;
  syscall (SYS_write, e->chan[1], "c", 1);
  /* wait to be killed: the helpers need /proc/<holder> until they are done */
  for (;;)
    syscall (SYS_read, e->chan[1], &byte, 1);
}

static bool
wants_early (const struct runcgo_spec *spec, bool rootless)
{
  struct runcgo_ns_plan plan;
  if (!rootless || spec->linux_ == NULL || runcgo_under_valgrind ())
    return false;
  runcgo_ns_plan_compute (spec, &plan);
  return plan.new_user && !plan.slow;
}

static int
start_holder (struct runcgo_userns_early *e, runcgo_error_t *err)
{
  size_t page = (size_t) sysconf (_SC_PAGESIZE);
  e->stack_size = HOLDER_STACK_SIZE + page;
  e->stack = mmap (NULL, e->stack_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK,
                   -1, 0);
  if (e->stack == MAP_FAILED)
    {
      e->stack = NULL;
      return runcgo_fail (err, errno, "allocate the user namespace holder's stack");
    }
  /* a guard page: an overflow faults instead of writing into a neighbour */
  if (mprotect (e->stack, page, PROT_NONE) < 0)
    return runcgo_fail (err, errno, "guard page of the user namespace holder's stack");
  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, e->chan) < 0)
    return runcgo_fail (err, errno, "socketpair for the user namespace holder");
  e->runtime = getpid ();
  pid_t pid = clone (holder_main, (char *) e->stack + e->stack_size,
                     CLONE_VM | CLONE_FILES | CLONE_NEWUSER | CLONE_PIDFD | SIGCHLD, e, (pid_t *) &e->holder_pidfd);
  /* no holder (no user namespaces left, a kernel without CLONE_PIDFD ...):
   * the init makes its namespace as usual and a real failure is reported
   * there, with its usual message */
  e->holder = pid > 0 ? pid : 0;
  return 0;
}

int
runcgo_userns_early_begin (const struct runcgo_spec *spec, bool rootless, struct runcgo_userns_early *e,
                           runcgo_error_t *err)
{
  memset (e, 0, sizeof (*e));
  e->chan[0] = e->chan[1] = e->holder_pidfd = -1;
  if (!wants_early (spec, rootless))
    return 0;
  if (runcgo_idmap_plan (spec->linux_, true, &e->maps, err) < 0)
    return -1;
  /* a map that needs no helper is written in microseconds: no holder */
  if (e->maps.w[0].exe == NULL && e->maps.w[1].exe == NULL)
    {
      runcgo_idmap_job_release (&e->maps);
      return 0;
    }
  if (start_holder (e, err) < 0 || (e->holder > 0 && runcgo_idmap_start (&e->maps, e->holder, err) < 0))
    {
      runcgo_userns_early_release (e);
      return -1;
    }
  if (e->holder == 0)
    runcgo_userns_early_release (e);
  return 0;
}

/* Wait for the holder's answer, or for its death (it shares our fd table:
 * its end of the channel never reads EOF). */
static int
await_holder (struct runcgo_userns_early *e)
{
  struct pollfd p[2] = { { .fd = e->chan[0], .events = POLLIN }, { .fd = e->holder_pidfd, .events = POLLIN } };
  char byte;
  for (;;)
    {
      if (poll (p, 2, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          return -1;
        }
      if (p[0].revents & POLLIN)
        return read (e->chan[0], &byte, 1) == 1 ? 0 : -1;
      if (p[1].revents)
        return -1;
    }
}

pid_t
runcgo_userns_early_clone (struct runcgo_userns_early *e, const struct runcgo_early_clone *req, int *pidfd,
                           bool *into_cgroup)
{
  e->req = *req;
  e->req.pid = -1;
  e->req.pidfd = -1;
  e->req.clone_errno = ESRCH;
  if (write (e->chan[0], "c", 1) != 1 || await_holder (e) < 0)
    {
      errno = ESRCH;
      return -1;
    }
  *pidfd = e->req.pidfd;
  *into_cgroup = e->req.into_cgroup;
  errno = e->req.clone_errno;
  return e->req.pid;
}

static void
kill_holder (struct runcgo_userns_early *e)
{
  if (e->holder_pidfd >= 0)
    syscall (SYS_pidfd_send_signal, e->holder_pidfd, SIGKILL, NULL, 0);
  else
    kill (e->holder, SIGKILL);
}

/* Killed at once, reaped later (runcgo_userns_early_release, right after
 * PARENT_READY): its death then costs the init nothing.  Blocked in a read,
 * it runs no more code; it is gone long before the init may exec. */
int
runcgo_userns_early_maps_done (struct runcgo_userns_early *e, runcgo_error_t *err)
{
  int r = runcgo_idmap_finish (&e->maps, 0, err);
  if (e->holder > 0)
    kill_holder (e);
  return r;
}

void
runcgo_userns_early_release (struct runcgo_userns_early *e)
{
  if (e->holder > 0)
    {
      kill_holder (e);
      while (waitpid (e->holder, NULL, 0) < 0 && errno == EINTR)
        ;
      e->holder = 0;
    }
  /* only now: the holder shared our fd table and read its end */
  int *fds[] = { &e->chan[0], &e->chan[1], &e->holder_pidfd };
  for (size_t i = 0; e->stack && i < ARRAY_SIZE (fds); i++)
    if (*fds[i] >= 0)
      {
        close (*fds[i]);
        *fds[i] = -1;
      }
  runcgo_idmap_job_release (&e->maps);
  if (e->stack)
    munmap (e->stack, e->stack_size);
  e->stack = NULL;
}
