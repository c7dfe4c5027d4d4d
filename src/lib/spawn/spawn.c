/* spawn.c -- parent side of container creation.
 *
 * One clone3(2) creates the init with every new namespace at once (the fast
 * path: no namespace joined by path), CLONE_PIDFD so every later signal is
 * race-free, and CLONE_INTO_CGROUP on a v2 host so the init never runs a single
 * instruction outside its cgroup.  The child runs init.c in the clone itself:
 * there is no re-exec of the runtime binary.  The parent then drives the
 * protocol of sync.h until the init is READY. */
#include "config.h"

#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "core/log.h"
#include "core/state.h"
#include "core/util.h"
#include "fs/fs.h"
#include "linux/linux.h"
#include "linux/netdev.h"
#include "security/security.h"
#include "spawn.h"
#include "sync.h"
#include "userns/idmap.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

void
runcgo_ns_plan_compute (const struct runcgo_spec *spec, struct runcgo_ns_plan *plan)
{
  memset (plan, 0, sizeof (*plan));
  const struct runcgo_linux *l = spec->linux_;
  for (size_t i = 0; l && i < l->n_namespaces; i++)
    if (l->namespaces[i].path)
      plan->slow = true;
  for (size_t i = 0; l && i < l->n_namespaces; i++)
    {
      const struct runcgo_namespace *ns = &l->namespaces[i];
      int flag = runcgo_ns_clone_flags[ns->kind];
      bool is_new = ns->path == NULL;
      switch (ns->kind)
        {
        case RUNCGO_NS_USER:
          plan->new_user = is_new;
          break;
        case RUNCGO_NS_PID:
          plan->new_pid = is_new;
          plan->fork_for_pid = plan->slow;
          break;
        case RUNCGO_NS_TIME:
          /* offsets can only be written before a process enters: the init
           * unshares, writes them, then joins time_for_children itself */
          plan->new_time = is_new;
          continue;
        case RUNCGO_NS_CGROUP:
          /* unshared by the init after it joined its cgroup, so that the
           * namespace root is the container's cgroup */
          plan->new_cgroup = is_new;
          if (is_new)
            plan->unshare_flags |= flag;
          continue;
        case RUNCGO_NS_MOUNT:
          plan->new_mount = is_new;
          break;
        default:
          break;
        }
      if (!is_new)
        continue;
      if (plan->slow && ns->kind != RUNCGO_NS_PID && ns->kind != RUNCGO_NS_USER)
        plan->unshare_flags |= flag;
      else if (!plan->slow)
        plan->clone_flags |= flag;
    }
}

static void
close_ns_fds (int *fds)
{
  for (int i = 0; i < RUNCGO_NS_KINDS; i++)
    if (fds[i] >= 0)
      {
        close (fds[i]);
        fds[i] = -1;
      }
}

/* Namespaces joined by path are opened here, in the host's mount namespace,
 * so a bad path fails before anything is created. */
static int
open_ns_fds (const struct runcgo_spec *spec, int *fds, runcgo_error_t *err)
{
  for (int i = 0; i < RUNCGO_NS_KINDS; i++)
    fds[i] = -1;
  const struct runcgo_linux *l = spec->linux_;
  for (size_t i = 0; l && i < l->n_namespaces; i++)
    {
      const struct runcgo_namespace *ns = &l->namespaces[i];
      if (ns->path == NULL)
        continue;
      fds[ns->kind] = open (ns->path, O_RDONLY | O_CLOEXEC);
      if (fds[ns->kind] < 0)
        {
          int e = errno;
          close_ns_fds (fds);
          return runcgo_fail (err, e, "linux.namespaces[%zu]: open %s namespace `%s`", i,
                              runcgo_ns_spec_names[ns->kind], ns->path);
        }
    }
  return 0;
}

static pid_t
clone3_init (uint64_t flags, int cgroup_fd, int *pidfd)
{
  struct clone_args args;
  memset (&args, 0, sizeof (args));
  args.flags = flags | CLONE_PIDFD;
  args.pidfd = (uint64_t) (uintptr_t) pidfd;
  /* a sibling (CLONE_PARENT, from the early user namespace's holder) gets
   * the caller's exit signal; clone3 refuses one of its own */
  args.exit_signal = flags & CLONE_PARENT ? 0 : SIGCHLD;
  if (cgroup_fd >= 0)
    {
      args.flags |= CLONE_INTO_CGROUP;
      args.cgroup = (uint64_t) cgroup_fd;
    }
  pid_t pid = (pid_t) syscall (SYS_clone3, &args, sizeof (args));
  if (pid >= 0 || cgroup_fd < 0 || errno == ENOSYS)
    return pid;
  /* a cgroup that cannot take processes this way (e.g. domain invalid):
   * clone normally, the parent moves the init by pid */
  args.flags &= ~CLONE_INTO_CGROUP;
  args.cgroup = 0;
  return (pid_t) syscall (SYS_clone3, &args, sizeof (args));
}

pid_t
runcgo_spawn_clone_init (uint64_t flags, int cgroup_fd, int *pidfd, bool *into_cgroup)
{
  *into_cgroup = cgroup_fd >= 0;
  pid_t pid = clone3_init (flags, cgroup_fd, pidfd);
  if (pid < 0 && errno == ENOSYS)
    {
      /* kernels before 5.3: legacy clone (pidfd via CLONE_PIDFD, 5.2+) */
      *into_cgroup = false;
      pid = (pid_t) syscall (SYS_clone, (unsigned long) flags | CLONE_PIDFD | SIGCHLD, NULL, pidfd, NULL, 0);
    }
  return pid;
}

static int
handle_hooks (const struct runcgo_spawn_config *cfg, pid_t pid, runcgo_error_t *err)
{
  cleanup_free char *state = runcgo_state_oci_json (cfg->id, RUNCGO_STATUS_CREATING, pid, cfg->bundle,
                                                    cfg->spec->annotations, cfg->spec->n_annotations);
  /* prestart is deprecated but still run, right before createRuntime, as runc */
  if (runcgo_hooks_run (&cfg->spec->hooks, RUNCGO_HOOK_PRESTART, state, err) < 0)
    return -1;
  return runcgo_hooks_run (&cfg->spec->hooks, RUNCGO_HOOK_CREATE_RUNTIME, state, err);
}

/* linux.netDevices and slirp: the init's network namespace exists once it
 * speaks after entering its namespaces (HOOKS, else READY), in the fast and
 * in the slow path alike; so the network is there for every hook.  The slow
 * path starts slirp only now (its namespaces did not exist before). */
static int
move_net_devices (const struct runcgo_spawn_config *cfg, const struct runcgo_ns_plan *plan,
                  const struct runcgo_spawn_result *res, bool *done, runcgo_error_t *err)
{
  if (*done)
    return 0;
  *done = true;
  if (runcgo_netdev_move_all (cfg->spec, res->pid, err) < 0)
    return -1;
  if (plan->slow && cfg->net_begin && cfg->net_begin (cfg->net_opaque, res->pid, res->pidfd, err) < 0)
    return -1;
  return cfg->net_finish ? cfg->net_finish (cfg->net_opaque, err) : 0;
}

/* The init asks before its mounts: the runtime idmaps the binds (only it
 * may idmap a host filesystem) and hands over the detached mounts. */
static int
send_idmapped_mounts (const struct runcgo_spawn_config *cfg, const struct runcgo_spawn_result *res,
                      runcgo_error_t *err)
{
  struct runcgo_idmap_fds f;
  if (runcgo_idmap_mounts_prepare (cfg->spec, cfg->bundle, res->pid, cfg->rootless, &f, err) < 0)
    return -1;
  int r = runcgo_idmap_mounts_send (res->sync_fd, &f, err);
  runcgo_idmap_fds_release (&f);
  return r;
}

static int
drive_protocol (const struct runcgo_spawn_config *cfg, const struct runcgo_ns_plan *plan,
                struct runcgo_spawn_result *res, runcgo_error_t *err)
{
  struct runcgo_sync_msg msg;
  bool netdev_done = false;
  for (;;)
    {
      if (runcgo_sync_recv (res->sync_fd, &msg, err) < 0)
        return -1;
      switch (msg.type)
        {
        case RUNCGO_SYNC_NEED_MAPS:
          if (runcgo_idmap_write (res->pid, cfg->spec->linux_, cfg->rootless, err) < 0)
            return -1;
          runcgo_sync_send (res->sync_fd, RUNCGO_SYNC_MAPS_DONE, 0, NULL);
          break;
        case RUNCGO_SYNC_INIT_PID:
          if (runcgo_sync_adopt_sibling (&res->pid, &res->pidfd, msg.value, "container init", err) < 0)
            return -1;
          runcgo_sync_send (res->sync_fd, RUNCGO_SYNC_PARENT_READY, 0, NULL);
          break;
        case RUNCGO_SYNC_HOOKS:
          if (move_net_devices (cfg, plan, res, &netdev_done, err) < 0 || handle_hooks (cfg, res->pid, err) < 0)
            return -1;
          runcgo_sync_send (res->sync_fd, RUNCGO_SYNC_HOOKS_DONE, res->pid, NULL);
          break;
        case RUNCGO_SYNC_NEED_MOUNT_FDS:
          if (send_idmapped_mounts (cfg, res, err) < 0)
            return -1;
          break;
        case RUNCGO_SYNC_READY:
          return move_net_devices (cfg, plan, res, &netdev_done, err);
        case RUNCGO_SYNC_ERROR:
          runcgo_fail (err, 0, "%s", msg.payload);
          (*err)->status = msg.value;
          return -1;
        default:
          return runcgo_fail (err, EPROTO, "sync: unexpected %s from the container init",
                              runcgo_sync_type_name (msg.type));
        }
    }
}

static void
kill_and_reap (struct runcgo_spawn_result *res)
{
  if (res->pidfd >= 0)
    syscall (SYS_pidfd_send_signal, res->pidfd, SIGKILL, NULL, 0);
  else if (res->pid > 0)
    kill (res->pid, SIGKILL);
  if (res->pid > 0)
    waitpid (res->pid, NULL, 0);
}

static bool
has_early (const struct runcgo_spawn_config *cfg)
{
  return cfg->early && cfg->early->holder > 0;
}

/* The maps: written by the helpers started early (the holder dies before
 * the init hears PARENT_READY), or now. */
static int
finish_maps (const struct runcgo_spawn_config *cfg, const struct runcgo_ns_plan *plan, struct runcgo_idmap_job *maps,
             pid_t pid, runcgo_error_t *err)
{
  if (has_early (cfg))
    return runcgo_userns_early_maps_done (cfg->early, err);
  if (plan->slow || !plan->new_user)
    return 0;
  return runcgo_idmap_finish (maps, runcgo_idmap_start (maps, pid, err), err);
}

/* The clone of the init: here, or by the holder of the early user namespace
 * (spawn/early.c), which clones it into that namespace.  0 in the child. */
static pid_t
clone_for (const struct runcgo_spawn_config *cfg, const struct runcgo_ns_plan *plan, int cgroup_fd, const int *ns_fds,
           const int *sv, struct runcgo_cgroup_self_join *join, int *pidfd, bool *into_cgroup)
{
  if (!has_early (cfg))
    return runcgo_spawn_clone_init ((uint64_t) plan->clone_flags, cgroup_fd, pidfd, into_cgroup);
  struct runcgo_early_clone req = { .flags = (uint64_t) plan->clone_flags & ~(uint64_t) CLONE_NEWUSER,
                                    .cgroup_fd = cgroup_fd,
                                    .cfg = cfg,
                                    .plan = plan,
                                    .ns_fds = ns_fds,
                                    .join = join,
                                    .sync_fd = sv[1],
                                    .runtime_fd = sv[0] };
  return runcgo_userns_early_clone (cfg->early, &req, pidfd, into_cgroup);
}

static int
parent_setup (const struct runcgo_spawn_config *cfg, const struct runcgo_ns_plan *plan, bool into_cgroup,
              struct runcgo_idmap_job *maps, struct runcgo_spawn_result *res, runcgo_error_t *err)
{
  if (finish_maps (cfg, plan, maps, res->pid, err) < 0)
    return -1;
  if (cfg->cgroup && runcgo_cgroup_enter (cfg->cgroup, res->pid, into_cgroup, err) < 0)
    return -1;
  if (!plan->slow && cfg->net_begin && cfg->net_begin (cfg->net_opaque, res->pid, res->pidfd, err) < 0)
    return -1;
  if (runcgo_sync_send (res->sync_fd, RUNCGO_SYNC_PARENT_READY, 0, NULL) < 0)
    return runcgo_fail (err, errno, "sync: the container init exited unexpectedly");
  /* the holder, killed once the maps were written, is reaped while the init
   * works: before the init can send READY, let alone exec */
  if (has_early (cfg))
    runcgo_userns_early_release (cfg->early);
  return drive_protocol (cfg, plan, res, err);
}

int
runcgo_spawn (const struct runcgo_spawn_config *cfg, struct runcgo_spawn_result *res, runcgo_error_t *err)
{
  struct runcgo_ns_plan plan;
  int ns_fds[RUNCGO_NS_KINDS], sv[2];
  runcgo_ns_plan_compute (cfg->spec, &plan);
  /* without a user namespace, the container's capabilities are the host's:
   * CAP_SYS_PTRACE there opens /proc/<init>/exe despite non-dumpable */
  if (cfg->exe_shield && runcgo_exe_shield (err) < 0)
    return -1;
  /* the maps' checks and the helpers' paths before the clone: a child's
   * copy-on-write pages make every page the parent touches after the clone
   * cost a fault, and this work is on the way to the helpers' start */
  struct runcgo_idmap_job maps = { 0 };
  if (!plan.slow && plan.new_user && !has_early (cfg)
      && runcgo_idmap_plan (cfg->spec->linux_, cfg->rootless, &maps, err) < 0)
    return -1;
  if (open_ns_fds (cfg->spec, ns_fds, err) < 0)
    {
      runcgo_idmap_job_release (&maps);
      return -1;
    }
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    {
      close_ns_fds (ns_fds);
      runcgo_idmap_job_release (&maps);
      return runcgo_fail (err, errno, "socketpair");
    }
  /* the init holds the cgroups' tasks fds until it has joined: only when
   * nothing of a container can see it (a new pid namespace), as a file of
   * the host's cgroupfs opened by root can move any process */
  struct runcgo_cgroup_self_join join;
  if (runcgo_cgroup_self_join_open (plan.new_pid ? cfg->cgroup : NULL, &join, err) < 0)
    {
      close (sv[0]);
      close (sv[1]);
      close_ns_fds (ns_fds);
      runcgo_idmap_job_release (&maps);
      return -1;
    }
  int cgroup_fd = cfg->cgroup ? runcgo_cgroup_clone_fd (cfg->cgroup) : -1;
  bool into_cgroup = false;
  res->pidfd = -1;
  res->pid = clone_for (cfg, &plan, cgroup_fd, ns_fds, sv, &join, &res->pidfd, &into_cgroup);
  if (res->pid == 0)
    {
      close (sv[0]);
      runcgo_init_main (cfg, &plan, ns_fds, &join, sv[1]);
    }
  int clone_errno = errno;
  runcgo_cgroup_self_join_release (&join);
  close (sv[1]);
  close_ns_fds (ns_fds);
  res->sync_fd = sv[0];
  if (res->pid < 0)
    {
      close (sv[0]);
      runcgo_idmap_job_release (&maps);
      return runcgo_fail_hint (err, clone_errno,
                               clone_errno == ENOSPC || clone_errno == EUSERS
                                   ? "raise /proc/sys/user/max_*_namespaces"
                                   : NULL,
                               "clone the container init");
    }
  int r = parent_setup (cfg, &plan, into_cgroup, &maps, res, err);
  runcgo_idmap_job_release (&maps);
  if (r < 0)
    {
      kill_and_reap (res);
      close (res->sync_fd);
      if (res->pidfd >= 0)
        close (res->pidfd);
      return -1;
    }
  res->start_time = runcgo_proc_start_time (res->pid);
  return 0;
}
