/* join.c -- parent and child side of `exec`: one clone3 into a running
 * container.  See join.h for the namespace strategy. */
#include "config.h"

#include <fcntl.h>
#include <limits.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "core/log.h"
#include "core/util.h"
#include "join.h"
#include "linux/linux.h"
#include "security/security.h"
#include "sync.h"

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

/* A pty from the container's own devpts: after joining its mount namespace
 * "/" is the container's root, so nothing resolves outside it; O_NOFOLLOW and
 * the type check keep a planted file from standing in for the multiplexer. */
static int
open_pty (int *master, int *slave, runcgo_error_t *err)
{
  int unlock = 0;
  struct stat st;
  *master = open ("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (*master < 0)
    return runcgo_fail (err, errno, "process.terminal: open the container's /dev/pts/ptmx");
  if (fstat (*master, &st) < 0 || !S_ISCHR (st.st_mode) || ioctl (*master, TIOCSPTLCK, &unlock) < 0)
    return runcgo_fail (err, ENOTTY, "process.terminal: /dev/pts/ptmx is not a pty multiplexer");
  fcntl (*master, F_SETFL, O_RDWR);
  *slave = ioctl (*master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (*slave < 0)
    return runcgo_fail (err, errno, "process.terminal: open the pty slave");
  return 0;
}

static int
set_oom_score_adj (const struct runcgo_process *p, runcgo_error_t *err)
{
  if (!p->oom_score_adj.set)
    return 0;
  char buf[32];
  int n = snprintf (buf, sizeof (buf), "%lld", (long long) p->oom_score_adj.v);
  return runcgo_write_file_at (AT_FDCWD, "/proc/self/oom_score_adj", buf, (size_t) n, err);
}

static int
child_setup (struct runcgo_join_config *cfg, int sync_fd, runcgo_error_t *err)
{
  struct runcgo_sync_msg msg;
  const struct runcgo_process *p = cfg->proc.p;
  /* the caller's other fds must not reach the container (CVE-2024-21626) */
  int keep[] = { sync_fd,
                 cfg->init_pidfd,
                 cfg->console_socket_fd,
                 runcgo_log_fd (),
                 cfg->proc.seccomp_notify_fd,
                 cfg->proc.wasm ? cfg->proc.wasm_fd : -1 };
  runcgo_close_fds_except (3 + cfg->proc.preserve_fds, keep, ARRAY_SIZE (keep));
  if (runcgo_sync_expect (sync_fd, RUNCGO_SYNC_PARENT_READY, &msg, err) < 0)
    return -1;
  /* now in the container's cgroup: the final affinity (exec only; the
   * initial one was inherited from the parent) */
  if (runcgo_cpu_list_apply (p->exec_cpu_affinity_final, "process.execCPUAffinity.final", err) < 0)
    return -1;
  int flags = cfg->pid_ns_in_child ? cfg->ns_flags : cfg->ns_flags & ~CLONE_NEWPID;
  if (flags && setns (cfg->init_pidfd, flags) < 0)
    return runcgo_fail (err, errno, "join the container's namespaces");
  close (cfg->init_pidfd);
  if (cfg->pid_ns_in_child && runcgo_sync_fork_sibling (sync_fd, "exec process", err) < 0)
    return -1;
  if (setsid () < 0)
    return runcgo_fail (err, errno, "setsid");
  if (p->terminal)
    {
      int master = -1, slave = -1;
      if (open_pty (&master, &slave, err) < 0
          || runcgo_process_hand_over_terminal (cfg->console_socket_fd, master, slave, p, err) < 0)
        return -1;
    }
  if (set_oom_score_adj (p, err) < 0 || runcgo_rlimits_apply (p, err) < 0)
    return -1;
  if (runcgo_process_prepare (&cfg->proc, err) < 0 || runcgo_process_finalize (&cfg->proc, err) < 0)
    return -1;
  return runcgo_process_exec (&cfg->proc, err);
}

__attribute__((noreturn)) static void
child_main (struct runcgo_join_config *cfg, int sync_fd)
{
  runcgo_error_t err = NULL;
  sigset_t none;
  sigemptyset (&none);
  sigprocmask (SIG_SETMASK, &none, NULL);
  for (int sig = 1; sig < 32; sig++)
    if (sig != SIGKILL && sig != SIGSTOP)
      signal (sig, SIG_DFL);
  prctl (PR_SET_PDEATHSIG, SIGKILL);
  /* in the container's namespaces but still the runtime: nothing there may
   * ptrace us or open our /proc/PID/exe (CVE-2016-9962, CVE-2019-5736) */
  prctl (PR_SET_DUMPABLE, 0);
  child_setup (cfg, sync_fd, &err);
  runcgo_sync_send_error (sync_fd, err);
  _exit (127);
}

static pid_t
clone_child (int cgroup_fd, int *pidfd, bool *into_cgroup)
{
  *into_cgroup = cgroup_fd >= 0;
  struct clone_args args;
  memset (&args, 0, sizeof (args));
  args.flags = CLONE_PIDFD | (cgroup_fd >= 0 ? CLONE_INTO_CGROUP : 0);
  args.pidfd = (uint64_t) (uintptr_t) pidfd;
  args.exit_signal = SIGCHLD;
  args.cgroup = cgroup_fd >= 0 ? (uint64_t) cgroup_fd : 0;
  pid_t pid = (pid_t) syscall (SYS_clone3, &args, sizeof (args));
  if (pid < 0 && cgroup_fd >= 0 && errno != ENOSYS)
    return clone_child (-1, pidfd, into_cgroup);
  return pid;
}

/* Without a user namespace, CAP_SYS_PTRACE in the container overrides
 * non-dumpable: the child, visible in the container's pid namespace from
 * birth, must not be born with the host's root and cwd there.  The parent
 * enters the container's mount namespace for the clone alone (the child
 * inherits its root and cwd) and returns to its own, root and cwd as they
 * were, right after. */
struct host_fs
{
  int mnt_fd;
  char *cwd;  /* NULL: unknown (deleted), "/" will do */
  char *root; /* NULL: the namespace's root */
};

static int
enter_container_fs (const struct runcgo_join_config *cfg, struct host_fs *h, runcgo_error_t *err)
{
  char root[PATH_MAX];
  ssize_t n = readlink ("/proc/self/root", root, sizeof (root) - 1);
  h->root = n > 1 ? xstrndup (root, (size_t) n) : NULL;
  h->cwd = getcwd (NULL, 0);
  h->mnt_fd = open ("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
  if (h->mnt_fd < 0)
    return runcgo_fail (err, errno, "exec: open the runtime's mount namespace");
  if (setns (cfg->init_pidfd, CLONE_NEWNS) < 0)
    return runcgo_fail (err, errno, "exec: join the container's mount namespace");
  return 0;
}

static int
leave_container_fs (struct host_fs *h, runcgo_error_t *err)
{
  int r = 0;
  if (h->mnt_fd >= 0 && (setns (h->mnt_fd, CLONE_NEWNS) < 0 || (h->root && chroot (h->root) < 0)))
    r = err ? runcgo_fail (err, errno, "exec: return to the runtime's mount namespace") : -1;
  else if (h->mnt_fd >= 0 && (h->cwd == NULL || chdir (h->cwd) < 0) && chdir ("/") < 0)
    r = err ? runcgo_fail (err, errno, "exec: return to the runtime's working directory") : -1;
  if (h->mnt_fd >= 0)
    close (h->mnt_fd);
  free (h->cwd);
  free (h->root);
  return r;
}

/* The parent's half: cgroup, PARENT_READY, then EOF (exec'd) or ERROR; in
 * the slow path INIT_PID first, answered by a second PARENT_READY. */
static int
parent_side (struct runcgo_join_config *cfg, struct runcgo_join_result *res, int sync_fd, bool into_cgroup,
             runcgo_error_t *err)
{
  struct runcgo_sync_msg msg;
  if (cfg->cgroup && runcgo_cgroup_enter (cfg->cgroup, res->pid, into_cgroup, err) < 0)
    return -1;
  for (bool adopted = !cfg->pid_ns_in_child;; adopted = true)
    {
      if (runcgo_sync_send (sync_fd, RUNCGO_SYNC_PARENT_READY, 0, NULL) < 0)
        return runcgo_fail (err, errno, "exec: the process exited before it started");
      runcgo_error_t eof = NULL;
      if (runcgo_sync_recv (sync_fd, &msg, &eof) < 0)
        {
          runcgo_error_release (&eof);
          return 0;
        }
      if (msg.type != RUNCGO_SYNC_INIT_PID || adopted)
        break;
      if (runcgo_sync_adopt_sibling (&res->pid, &res->pidfd, msg.value, "exec process", err) < 0)
        return -1;
    }
  if (msg.type != RUNCGO_SYNC_ERROR)
    return runcgo_fail (err, EPROTO, "sync: unexpected %s from exec", runcgo_sync_type_name (msg.type));
  runcgo_fail (err, 0, "%s", msg.payload);
  (*err)->status = msg.value;
  return -1;
}

static void
kill_child (struct runcgo_join_result *res)
{
  if (res->pid <= 0)
    return;
  syscall (SYS_pidfd_send_signal, res->pidfd, SIGKILL, NULL, 0);
  waitpid (res->pid, NULL, 0);
  close (res->pidfd);
  res->pidfd = -1;
}

int
runcgo_join_spawn (struct runcgo_join_config *cfg, struct runcgo_join_result *res, runcgo_error_t *err)
{
  int sv[2];
  /* see spawn.c: the child is in the container before it can shield itself */
  if (!(cfg->ns_flags & CLONE_NEWUSER) && runcgo_exe_shield (err) < 0)
    return -1;
  cfg->pid_ns_in_child = false;
  if ((cfg->ns_flags & CLONE_NEWPID) && setns (cfg->init_pidfd, CLONE_NEWPID) < 0)
    {
      if (errno != EPERM || !(cfg->ns_flags & CLONE_NEWUSER))
        return runcgo_fail (err, errno, "join the container's pid namespace");
      cfg->pid_ns_in_child = true;
    }
  if (runcgo_cpu_list_apply (cfg->proc.p->exec_cpu_affinity_initial, "process.execCPUAffinity.initial", err) < 0)
    return -1;
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    return runcgo_fail (err, errno, "socketpair");
  /* the child is visible in the container's pid namespace from birth:
   * non-dumpable from birth (inherited), CVE-2016-9962; and, where that is
   * not enough, in the container's filesystem from birth, holding no
   * directory fd of the host (not even the cgroup's, for CLONE_INTO_CGROUP) */
  bool exposed = !(cfg->ns_flags & CLONE_NEWUSER) && (cfg->ns_flags & CLONE_NEWNS);
  struct host_fs host = { .mnt_fd = -1 };
  int cgroup_fd = cfg->cgroup && !exposed ? runcgo_cgroup_clone_fd (cfg->cgroup) : -1;
  prctl (PR_SET_DUMPABLE, 0);
  res->pidfd = -1;
  bool into = false;
  if (exposed && enter_container_fs (cfg, &host, err) < 0)
    res->pid = -1;
  else
    res->pid = clone_child (cgroup_fd, &res->pidfd, &into);
  if (res->pid == 0)
    {
      close (sv[0]);
      child_main (cfg, sv[1]);
    }
  int e = errno;
  close (sv[1]);
  bool lost = leave_container_fs (&host, *err ? NULL : err) < 0;
  if (res->pid < 0 || lost)
    {
      close (sv[0]);
      kill_child (res);
      return *err ? -1 : runcgo_fail (err, e, "clone the exec process");
    }
  int r = parent_side (cfg, res, sv[0], into, err);
  close (sv[0]);
  if (r < 0)
    kill_child (res);
  return r;
}
