/* init.c -- the container init, running in the clone of the runtime.
 *
 * Reads as the list of steps of DESIGN.md's process model.  Every failure is
 * sent to the parent as an ERROR message (so `create` fails with this exact
 * reason) and the init exits.  Ordering subtleties are commented where they
 * are: the cgroup namespace after the cgroup join, the fd sweep before any
 * chdir (CVE-2024-21626), PDEATHSIG cleared before READY (then the channel's
 * EOF tells that the runtime died), seccomp after the identity change when
 * no_new_privs allows it. */
#include "config.h"

#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/sched.h>

#include "core/log.h"
#include "core/state.h"
#include "core/util.h"
#include "fs/fs.h"
#include "linux/linux.h"
#include "process.h"
#include "security/seccomp_notify.h"
#include "spawn.h"
#include "sync.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#define KEYCTL_JOIN_SESSION_KEYRING 1

struct init_ctx
{
  const struct runcgo_spawn_config *cfg;
  const struct runcgo_ns_plan *plan;
  const int *ns_fds;
  struct runcgo_cgroup_self_join *join;
  int sync_fd;
  pid_t host_pid;      /* from HOOKS_DONE, for the hooks' state */
  int fifo_wfd;        /* exec fifo, open until execve (see wait_for_start) */
  struct runcgo_rootfs_ctx rctx;
  struct runcgo_exec_process proc;
};

static int
join_ns (const struct init_ctx *c, enum runcgo_ns_kind kind, runcgo_error_t *err)
{
  int fd = c->ns_fds[kind];
  if (fd < 0)
    return 0;
  if (setns (fd, runcgo_ns_clone_flags[kind]) < 0)
    return runcgo_fail (err, errno, "join %s namespace", runcgo_ns_spec_names[kind]);
  close (fd);
  return 0;
}

static int
become_root_in_userns (runcgo_error_t *err)
{
  /* after the maps are written the init still runs as the unmapped overflow
   * ID; switch to the namespace's root so mounts and chown work */
  if (syscall (SYS_setresgid, 0, 0, 0) < 0 || syscall (SYS_setresuid, 0, 0, 0) < 0)
    return runcgo_fail_hint (err, errno, "map container uid 0 and gid 0 in linux.uidMappings/gidMappings",
                             "become root in the user namespace");
  return 0;
}

static int
new_user_ns_slow (struct init_ctx *c, runcgo_error_t *err)
{
  struct runcgo_sync_msg msg;
  if (unshare (CLONE_NEWUSER) < 0)
    return runcgo_fail (err, errno, "create user namespace");
  runcgo_sync_send (c->sync_fd, RUNCGO_SYNC_NEED_MAPS, 0, NULL);
  if (runcgo_sync_expect (c->sync_fd, RUNCGO_SYNC_MAPS_DONE, &msg, err) < 0)
    return -1;
  prctl (PR_SET_DUMPABLE, 0);
  return 0;
}

/* Slow path: a namespace is joined by path.  The user namespace comes first
 * so that namespaces created afterwards are owned by it. */
static int
enter_namespaces_slow (struct init_ctx *c, runcgo_error_t *err)
{
  if (join_ns (c, RUNCGO_NS_USER, err) < 0)
    return -1;
  if (c->plan->new_user && new_user_ns_slow (c, err) < 0)
    return -1;
  static const enum runcgo_ns_kind order[] = { RUNCGO_NS_IPC, RUNCGO_NS_UTS, RUNCGO_NS_NETWORK, RUNCGO_NS_PID,
                                               RUNCGO_NS_CGROUP, RUNCGO_NS_MOUNT };
  for (size_t i = 0; i < ARRAY_SIZE (order); i++)
    if (join_ns (c, order[i], err) < 0)
      return -1;
  int flags = c->plan->unshare_flags & ~CLONE_NEWCGROUP;
  if (c->plan->new_pid)
    flags |= CLONE_NEWPID;
  if (flags && unshare (flags) < 0)
    return runcgo_fail (err, errno, "create namespaces (unshare 0x%x)", flags);
  return 0;
}

static int
setup_time_ns (const struct runcgo_linux *l, runcgo_error_t *err)
{
  if (unshare (CLONE_NEWTIME) < 0)
    return runcgo_fail (err, errno, "create time namespace");
  char buf[128];
  int n = snprintf (buf, sizeof (buf), "monotonic %lld %u\nboottime %lld %u\n",
                    (long long) l->time_monotonic.secs, l->time_monotonic.nanosecs, (long long) l->time_boottime.secs,
                    l->time_boottime.nanosecs);
  if ((l->time_monotonic.set || l->time_boottime.set)
      && runcgo_write_file_at (AT_FDCWD, "/proc/self/timens_offsets", buf, (size_t) n, err) < 0)
    return runcgo_error_wrap (err, "linux.timeOffsets");
  /* unshare(CLONE_NEWTIME) moves only children: join it ourselves */
  cleanup_close int fd = open ("/proc/self/ns/time_for_children", O_RDONLY | O_CLOEXEC);
  if (fd < 0 || setns (fd, CLONE_NEWTIME) < 0)
    return runcgo_fail (err, errno, "enter time namespace");
  return 0;
}

static int
enter_namespaces (struct init_ctx *c, runcgo_error_t *err)
{
  const struct runcgo_linux *l = c->cfg->spec->linux_;
  if (c->plan->slow && enter_namespaces_slow (c, err) < 0)
    return -1;
  if (c->plan->new_user && become_root_in_userns (err) < 0)
    return -1;
  if (c->plan->fork_for_pid && runcgo_sync_fork_sibling (c->sync_fd, "container init", err) < 0)
    return -1;
  /* we joined our cgroup (v1) or the parent did (before PARENT_READY): a
   * cgroup namespace unshared now is rooted at the container's cgroup */
  if (c->plan->new_cgroup && unshare (CLONE_NEWCGROUP) < 0)
    return runcgo_fail (err, errno, "create cgroup namespace");
  if (join_ns (c, RUNCGO_NS_TIME, err) < 0)
    return -1;
  if (c->plan->new_time && setup_time_ns (l, err) < 0)
    return -1;
  const struct runcgo_namespace *net = runcgo_spec_namespace (c->cfg->spec, RUNCGO_NS_NETWORK);
  if (net && net->path == NULL && runcgo_loopback_up (err) < 0)
    return -1;
  return 0;
}

/* Close every fd but stdio, the preserved ones and the init's own: no host
 * directory fd may survive to be used as cwd (CVE-2024-21626). */
static void
sweep_fds (const struct init_ctx *c)
{
  int keep[] = { c->sync_fd, c->cfg->exec_fifo_fd, runcgo_log_fd (), c->cfg->console_socket_fd,
                 c->cfg->seccomp_notify_fd, c->cfg->wasm ? c->cfg->wasm_fd : -1,
                 c->cfg->spec->hooks.out_fd, c->cfg->spec->hooks.err_fd };
  runcgo_close_fds_except (3 + c->cfg->preserve_fds, keep, ARRAY_SIZE (keep));
}

static int
set_names (const struct runcgo_spec *spec, runcgo_error_t *err)
{
  if (spec->hostname && sethostname (spec->hostname, strlen (spec->hostname)) < 0)
    return runcgo_fail (err, errno, "hostname: set to \"%s\"", spec->hostname);
  if (spec->domainname && setdomainname (spec->domainname, strlen (spec->domainname)) < 0)
    return runcgo_fail (err, errno, "domainname: set to \"%s\"", spec->domainname);
  return 0;
}

static int
join_session_keyring (const struct init_ctx *c, runcgo_error_t *err)
{
  if (c->cfg->no_new_keyring)
    return 0;
  cleanup_free char *name = xasprintf ("_ses.%s", c->cfg->id);
  /* the keyring is the process's: its SELinux label (runc) */
  const struct runcgo_process *p = c->cfg->spec->process;
  if (p && p->selinux_label && runcgo_selinux_set_keycreate (p->selinux_label, err) < 0)
    return -1;
  if (syscall (SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, name) < 0 && errno != ENOSYS && errno != EDQUOT
      && errno != EACCES && errno != EPERM)
    return runcgo_fail (err, errno, "join a new session keyring (hint: --no-new-keyring)");
  return p && p->selinux_label ? runcgo_selinux_set_keycreate (NULL, err) : 0;
}

static int
set_oom_score_adj (const struct runcgo_process *p, runcgo_error_t *err)
{
  if (p == NULL || !p->oom_score_adj.set)
    return 0;
  char buf[32];
  int n = snprintf (buf, sizeof (buf), "%lld", (long long) p->oom_score_adj.v);
  if (runcgo_write_file_at (AT_FDCWD, "/proc/self/oom_score_adj", buf, (size_t) n, err) < 0)
    return runcgo_error_wrap (err, "process.oomScoreAdj");
  return 0;
}

static int
mount_rootfs (struct init_ctx *c, runcgo_error_t *err)
{
  struct runcgo_rootfs_ctx *rctx = &c->rctx;
  memset (rctx, 0, sizeof (*rctx));
  rctx->spec = c->cfg->spec;
  rctx->rootfs = c->cfg->rootfs;
  rctx->bundle = c->cfg->bundle;
  rctx->userns = c->plan->new_user || c->ns_fds[RUNCGO_NS_USER] >= 0 || c->cfg->rootless || c->cfg->userns_root;
  rctx->no_pivot = c->cfg->no_pivot;
  rctx->new_cgroupns = c->plan->new_cgroup;
  rctx->console_fd = -1;
  rctx->pty_master = -1;
  rctx->terminal = c->cfg->spec->process && c->cfg->spec->process->terminal;
  /* idmapped binds come ready-made from the runtime (fs/idmap_mounts.c) */
  if (runcgo_idmap_mounts_count (c->cfg->spec) > 0)
    {
      runcgo_sync_send (c->sync_fd, RUNCGO_SYNC_NEED_MOUNT_FDS, 0, NULL);
      if (runcgo_idmap_mounts_recv (c->sync_fd, c->cfg->spec->n_mounts, &rctx->idmap_fds, err) < 0)
        return -1;
    }
  if (runcgo_rootfs_mount_all (rctx, err) < 0)
    return -1;
  return 0;
}

static bool
has_hooks (const struct runcgo_hooks *h)
{
  return h->n[RUNCGO_HOOK_PRESTART] || h->n[RUNCGO_HOOK_CREATE_RUNTIME] || h->n[RUNCGO_HOOK_CREATE_CONTAINER]
         || h->n[RUNCGO_HOOK_START_CONTAINER];
}

static int
run_own_hooks (struct init_ctx *c, enum runcgo_hook_kind kind, enum runcgo_status status, runcgo_error_t *err)
{
  const struct runcgo_spec *spec = c->cfg->spec;
  if (spec->hooks.n[kind] == 0)
    return 0;
  cleanup_free char *state = runcgo_state_oci_json (c->cfg->id, status, c->host_pid, c->cfg->bundle,
                                                    spec->annotations, spec->n_annotations);
  return runcgo_hooks_run (&spec->hooks, kind, state, err);
}

static int
request_parent_hooks (struct init_ctx *c, runcgo_error_t *err)
{
  struct runcgo_sync_msg msg;
  if (!has_hooks (&c->cfg->spec->hooks))
    return 0;
  runcgo_sync_send (c->sync_fd, RUNCGO_SYNC_HOOKS, 0, NULL);
  if (runcgo_sync_expect (c->sync_fd, RUNCGO_SYNC_HOOKS_DONE, &msg, err) < 0)
    return -1;
  c->host_pid = msg.value;
  return 0;
}

/* `create`: after READY the runtime writes the state that names us.  Killed
 * before that, it leaves nothing that could ever start or delete us (a
 * rootless container may have no cgroup either): its end of the channel
 * closes and we exit.  PDEATHSIG cannot cover this: it is cleared before
 * READY, or a runtime that exits normally would take us with it. */
static int
wait_for_state (struct init_ctx *c, runcgo_error_t *err)
{
  struct runcgo_sync_msg msg;
  if (runcgo_sync_expect (c->sync_fd, RUNCGO_SYNC_CREATED, &msg, err) == 0)
    return 0;
  runcgo_error_release (err);
  return runcgo_fail (err, 0, "container \"%s\": the runtime exited before it wrote the state; the init exits too",
                      c->cfg->id);
}

/* startContainer hooks run once `start` arrived and before `start` returns
 * (it then runs poststart): for create/start the byte goes into the fifo only
 * after them, so a failed hook makes `start` fail; for run, the parent waits
 * for the channel to close on exec (or an ERROR).  The fifo's write end stays
 * open, close-on-exec: `start` sees it hang up once the process is executed
 * (poststart must run after that) or the init died. */
static int
wait_for_start (struct init_ctx *c, runcgo_error_t *err)
{
  struct runcgo_sync_msg msg;
  if (c->cfg->exec_fifo_fd < 0)
    {
      if (runcgo_sync_expect (c->sync_fd, RUNCGO_SYNC_START, &msg, err) < 0)
        return -1;
      return run_own_hooks (c, RUNCGO_HOOK_START_CONTAINER, RUNCGO_STATUS_CREATED, err);
    }
  if (wait_for_state (c, err) < 0)
    return -1;
  /* blocks until `start` opens the fifo for reading; reopening through
   * /proc/self/fd works after pivot_root, where the path is unreachable */
  char path[64];
  snprintf (path, sizeof (path), "/proc/self/fd/%d", c->cfg->exec_fifo_fd);
  c->fifo_wfd = open (path, O_WRONLY | O_CLOEXEC);
  if (c->fifo_wfd < 0)
    return runcgo_fail (err, errno, "open exec fifo");
  /* `start` refuses a container without a process before it opens the
   * fifo; whoever else opened it sees the init exit, the byte unwritten */
  if (c->cfg->spec->process == NULL)
    return runcgo_fail (err, 0, "container \"%s\": its config has no \"process\" to start", c->cfg->id);
  if (run_own_hooks (c, RUNCGO_HOOK_START_CONTAINER, RUNCGO_STATUS_CREATED, err) < 0)
    return -1;
  if (write (c->fifo_wfd, "0", 1) != 1)
    return runcgo_fail (err, errno, "write exec fifo");
  close (c->cfg->exec_fifo_fd);
  return 0;
}

/* After READY: in run mode the parent still listens on the channel. */
static void
report_late_error (struct init_ctx *c, runcgo_error_t err)
{
  if (c->cfg->exec_fifo_fd < 0)
    runcgo_sync_send_error (c->sync_fd, err);
  else
    runcgo_log_report (err);
}

static int
prepare (struct init_ctx *c, runcgo_error_t *err)
{
  const struct runcgo_spec *spec = c->cfg->spec;
  struct runcgo_sync_msg msg;
  if (runcgo_sync_expect (c->sync_fd, RUNCGO_SYNC_PARENT_READY, &msg, err) < 0)
    return -1;
  /* after PARENT_READY, so that the parent hears why it failed; before the
   * fork of a sibling init (it inherits the cgroups) and the cgroup
   * namespace */
  if (runcgo_cgroup_self_join (c->join, err) < 0)
    return -1;
  /* nothing in the container may ptrace us or open /proc/PID/exe (our
   * binary) while we are still the runtime (CVE-2016-9962, CVE-2019-5736) */
  if (!c->plan->slow || !c->plan->new_user)
    prctl (PR_SET_DUMPABLE, 0);
  if (enter_namespaces (c, err) < 0)
    return -1;
  /* before pivot_root, /proc is the runtime's: our pid as the agent sees it */
  pid_t host_pid = runcgo_seccomp_notify_host_pid ();
  sweep_fds (c);
  if (set_oom_score_adj (spec->process, err) < 0 || set_names (spec, err) < 0 || join_session_keyring (c, err) < 0)
    return -1;
  if (mount_rootfs (c, err) < 0 || request_parent_hooks (c, err) < 0)
    return -1;
  if (run_own_hooks (c, RUNCGO_HOOK_CREATE_CONTAINER, RUNCGO_STATUS_CREATING, err) < 0)
    return -1;
  if (runcgo_rootfs_pivot_and_finish (&c->rctx, err) < 0)
    return -1;
  if (setsid () < 0)
    return runcgo_fail (err, errno, "setsid");
  if (spec->process == NULL)
    return runcgo_hold_without_process (err);
  if (c->rctx.terminal
      && runcgo_process_hand_over_terminal (c->cfg->console_socket_fd, c->rctx.pty_master, c->rctx.console_fd,
                                            spec->process, err) < 0)
    return -1;
  if (runcgo_rlimits_apply (spec->process, err) < 0)
    return -1;
  c->proc = (struct runcgo_exec_process){ .p = spec->process, .linux_ = spec->linux_, .seccomp = c->cfg->seccomp,
                                          .preserve_fds = c->cfg->preserve_fds, .listen_fds = c->cfg->listen_fds,
                                          .seccomp_notify_fd = c->cfg->seccomp_notify_fd, .wasm = c->cfg->wasm,
                                          .wasm_fd = c->cfg->wasm_fd };
  if (c->cfg->seccomp_notify_fd >= 0)
    c->proc.seccomp_notify_state = runcgo_seccomp_notify_state (spec, c->cfg->id, c->cfg->bundle,
                                                                RUNCGO_STATUS_CREATED, host_pid);
  return runcgo_process_prepare (&c->proc, err);
}

void
runcgo_init_main (const struct runcgo_spawn_config *cfg, const struct runcgo_ns_plan *plan, const int *ns_fds,
                  struct runcgo_cgroup_self_join *join, int sync_fd)
{
  struct init_ctx c
      = { .cfg = cfg, .plan = plan, .ns_fds = ns_fds, .join = join, .sync_fd = sync_fd, .fifo_wfd = -1 };
  runcgo_error_t err = NULL;
  /* a foreground run blocked the signals it forwards, and the caller may
   * have ignored some: the container starts with a clean slate */
  sigset_t none;
  sigemptyset (&none);
  sigprocmask (SIG_SETMASK, &none, NULL);
  for (int sig = 1; sig < 32; sig++)
    if (sig != SIGKILL && sig != SIGSTOP)
      signal (sig, SIG_DFL);
  /* until READY the init must not outlive a runtime that died */
  prctl (PR_SET_PDEATHSIG, SIGKILL);
  /* joining an existing namespace makes us visible to the container at
   * once: become non-dumpable now; otherwise right after the parent wrote
   * our ID maps (an unprivileged parent cannot write the /proc files of a
   * non-dumpable child) */
  if (plan->slow && !plan->new_user)
    prctl (PR_SET_DUMPABLE, 0);
  if (prepare (&c, &err) < 0)
    {
      runcgo_sync_send_error (sync_fd, err);
      _exit (1);
    }
  prctl (PR_SET_PDEATHSIG, 0);
  runcgo_sync_send (sync_fd, RUNCGO_SYNC_READY, 0, NULL);
  if (wait_for_start (&c, &err) < 0 || runcgo_process_finalize (&c.proc, &err) < 0)
    {
      report_late_error (&c, err);
      _exit (1);
    }
  runcgo_process_exec (&c.proc, &err);
  report_late_error (&c, err);
  _exit (127);
}
