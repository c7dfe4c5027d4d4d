/* container.c -- create, start, run, kill, delete, state, list.
 *
 * Each operation reads as a list of named steps.  `create` owns everything it
 * makes until the state is written: on any error the init is killed, the
 * cgroup removed and the state directory deleted, so a failed create leaves
 * nothing behind. */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <json-c/json.h>

#include "cgroup/cgroup.h"
#include "container.h"
#include "core/log.h"
#include "core/state.h"
#include "core/util.h"
#include "linux/linux.h"
#include "linux/intelrdt.h"
#include "linux/netdev.h"
#include "net/slirp.h"
#include "security/seccomp_plugins.h"
#include "security/security.h"
#include "security/seccomp_notify.h"
#include "spawn/spawn.h"
#include "spawn/sync.h"
#include "spec/spec.h"
#include "userns/idmap.h"

/* Everything a create holds until it succeeds or unwinds. */
struct creation
{
  struct runcgo_context *ctx;
  const struct runcgo_create_opts *opts;
  bool run_mode;
  char *bundle;
  char *config;        /* --config, absolute; NULL = BUNDLE/config.json */
  char *rootfs;
  struct runcgo_spec *spec;
  struct runcgo_seccomp_filter *seccomp;
  struct runcgo_cgroup *cgroup;
  int dir_fd;
  int fifo_fd;
  int console_fd;
  int tty_sock;        /* foreground run with a terminal: our end of the console socketpair */
  int tty_master;      /* ... and the pty master received on it */
  int wasm_fd;         /* the wasm handler's engine, sealed (linux/wasm.c) */
  int seccomp_notify_fd; /* connected to linux.seccomp.listenerPath */
  bool dir_created;
  int preserve_fds;    /* --preserve-fds plus socket-activation fds */
  bool listen_fds;
  const char *notify_socket; /* the caller's NOTIFY_SOCKET */
  char **intelrdt_dirs;      /* resctrl groups we made: removed by unwind and delete */
  struct runcgo_slirp_config slirp;       /* --net slirp / run.oci.runcgo.network */
  struct runcgo_helper_proc slirp_helper;
  struct runcgo_helper_proc plugins_helper; /* run.oci.seccomp.plugins */
  struct runcgo_userns_early early; /* rootless: the user namespace, mapped while we work */
  const char *planned_cgroup; /* while the cgroup is being made: its path */
  char *unshielded_exe;       /* the init runs without the exe shield: our binary's identity */
  bool early_state_written;
  struct runcgo_spawn_result res;
};

static int write_state (struct creation *c, runcgo_error_t *err);

static int
resolve_bundle (struct creation *c, runcgo_error_t *err)
{
  const char *b = c->opts->bundle && *c->opts->bundle ? c->opts->bundle : ".";
  char buf[PATH_MAX];
  if (realpath (b, buf) == NULL)
    return runcgo_fail_hint (err, errno, "pass an existing bundle directory with --bundle", "bundle `%s`", b);
  c->bundle = xstrdup (buf);
  /* crun resolves --config against the cwd, before it enters the bundle */
  if (c->opts->config && realpath (c->opts->config, buf) == NULL)
    return runcgo_fail_hint (err, errno, "pass an existing file to --config", "--config `%s`", c->opts->config);
  if (c->opts->config)
    c->config = xstrdup (buf);
  return 0;
}

static int
resolve_rootfs (struct creation *c, runcgo_error_t *err)
{
  const char *p = c->spec->root_path;
  cleanup_free char *joined = p[0] == '/' ? xstrdup (p) : xasprintf ("%s/%s", c->bundle, p);
  char buf[PATH_MAX];
  if (realpath (joined, buf) == NULL)
    return runcgo_fail_hint (err, errno, "create the root filesystem or fix root.path in config.json",
                             "root.path: rootfs `%s`", joined);
  struct stat st;
  if (stat (buf, &st) < 0 || !S_ISDIR (st.st_mode))
    return runcgo_fail (err, ENOTDIR, "root.path: rootfs `%s`", buf);
  c->rootfs = xstrdup (buf);
  return 0;
}

static int
load_config (struct creation *c, runcgo_error_t *err)
{
  unsigned flags = (c->run_mode ? RUNCGO_VALIDATE_NEED_PROCESS : 0) | (c->ctx->rootless ? RUNCGO_VALIDATE_ROOTLESS : 0)
                   | (c->ctx->strict_devices ? RUNCGO_VALIDATE_STRICT_DEVICES : 0);
  if (runcgo_spec_load_file (c->bundle, c->config, &c->spec, err) < 0)
    return -1;
  /* rootless with a user namespace but no maps: build them (crun does;
   * runc refuses) */
  if (c->ctx->rootless && c->spec->linux_ && runcgo_spec_namespace (c->spec, RUNCGO_NS_USER)
      && runcgo_idmap_auto (c->spec->linux_, err) < 0)
    return -1;
  if (runcgo_spec_validate (c->spec, flags, err) < 0)
    return runcgo_error_wrap (err, "config.json");
  if (runcgo_hooks_open_output (&c->spec->hooks, c->spec->annotations, c->spec->n_annotations, err) < 0)
    return -1;
  /* newuidmap/newgidmap take longer than all that follows up to the clone
   * (seccomp, state dir, cgroup, state): they start now, on a user
   * namespace made for them (spawn/early.c) */
  if (runcgo_userns_early_begin (c->spec, c->ctx->rootless, &c->early, err) < 0)
    return -1;
  bool terminal = c->spec->process && c->spec->process->terminal;
  if (terminal && c->opts->console_socket == NULL)
    {
      /* a foreground run drives the terminal itself, through an internal
       * console socket; everything else needs the caller's */
      if (!c->run_mode || c->opts->detach)
        return runcgo_fail_hint (err, 0, "pass --console-socket, or set process.terminal to false",
                                 "process.terminal is true but no --console-socket was given");
      int sv[2];
      if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        return runcgo_fail (err, errno, "socketpair for the terminal");
      c->tty_sock = sv[0];
      c->console_fd = sv[1];
    }
  if (!terminal && c->opts->console_socket)
    return runcgo_fail_hint (err, 0, "set process.terminal to true, or drop --console-socket",
                             "--console-socket given but process.terminal is false");
  if (c->opts->console_socket && (c->console_fd = runcgo_console_socket_connect (c->opts->console_socket, err)) < 0)
    return -1;
  if (runcgo_slirp_config_parse (c->spec, c->opts->net, c->opts->publish, c->opts->n_publish, &c->slirp, err) < 0
      || runcgo_slirp_check (&c->slirp, c->spec, err) < 0)
    return -1;
  /* now, while /proc/self/exe still leads to our helpers (the exe shield) */
  if (runcgo_wasm_wanted (c->spec) && runcgo_wasm_open_helper (&c->wasm_fd, err) < 0)
    return -1;
  if (resolve_rootfs (c, err) < 0 || runcgo_netdev_check (c->spec, err) < 0
      || runcgo_intelrdt_check (c->spec->linux_ ? c->spec->linux_->intel_rdt : NULL, RUNCGO_RESCTRL_ROOT, err) < 0)
    return -1;
  if (c->spec->linux_ && c->spec->linux_->mount_label && *c->spec->linux_->mount_label && !runcgo_selinux_enabled ())
    runcgo_warn ("linux.mountLabel \"%s\" ignored: SELinux is not enabled on this host", c->spec->linux_->mount_label);
  /* the compiled filter is cached under the state root (seccomp_cache.c) */
  if (c->spec->linux_
      && (runcgo_context_open_root (c->ctx, true, err) < 0
          || runcgo_seccomp_prepare (c->spec, c->ctx->root_fd, &c->seccomp, err) < 0))
    return -1;
  if (c->seccomp
      && runcgo_seccomp_notify_connect (c->spec->linux_->seccomp, c->seccomp, &c->seccomp_notify_fd, err) < 0)
    return -1;
  return 0;
}

/* Host ID that the container's uid/gid 0 maps to (0 without a user ns). */
static unsigned
host_id_of_root (const struct runcgo_spec *spec, bool uid)
{
  const struct runcgo_linux *l = spec->linux_;
  if (l == NULL || runcgo_spec_namespace (spec, RUNCGO_NS_USER) == NULL)
    return 0;
  const struct runcgo_idmap *m = uid ? l->uid_mappings : l->gid_mappings;
  size_t n = uid ? l->n_uid_mappings : l->n_gid_mappings;
  for (size_t i = 0; i < n; i++)
    if (m[i].container_id == 0)
      return m[i].host_id;
  return 0;
}

static int
make_state_dir (struct creation *c, runcgo_error_t *err)
{
  if (runcgo_context_open_root (c->ctx, true, err) < 0)
    return -1;
  c->dir_fd = runcgo_state_dir_create (c->ctx->root_fd, c->opts->id, err);
  if (c->dir_fd < 0)
    return -1;
  c->dir_created = true;
  if (runcgo_state_lock (c->dir_fd, err) < 0)
    return -1;
  if (c->run_mode)
    return 0;
  if (mkfifoat (c->dir_fd, RUNCGO_EXEC_FIFO, 0600) < 0)
    return runcgo_fail (err, errno, "create exec fifo");
  c->fifo_fd = openat (c->dir_fd, RUNCGO_EXEC_FIFO, O_PATH | O_CLOEXEC);
  if (c->fifo_fd < 0)
    return runcgo_fail (err, errno, "open exec fifo");
  /* in a user namespace the init is the container's root, i.e. the host ID
   * mapped to 0: it must be able to open the fifo */
  uid_t uid = host_id_of_root (c->spec, true);
  gid_t gid = host_id_of_root (c->spec, false);
  if ((uid || gid) && fchownat (c->dir_fd, RUNCGO_EXEC_FIFO, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
    return runcgo_fail (err, errno, "chown exec fifo to the container's root");
  return 0;
}

static bool
annotation_is (const struct runcgo_spec *spec, const char *key, const char *value)
{
  const char *v = runcgo_spec_annotation (spec, key);
  return v && strcmp (v, value) == 0;
}

/* Socket activation (sd_listen_fds): when LISTEN_PID names us, the
 * LISTEN_FDS fds from 3 on are passed on as well, and the process sees
 * LISTEN_FDS and its own LISTEN_PID (runc). */
static void
take_listen_fds (struct creation *c)
{
  const char *pid = getenv ("LISTEN_PID"), *fds = getenv ("LISTEN_FDS");
  int64_t p, n;
  c->preserve_fds = c->opts->preserve_fds;
  if (pid == NULL || fds == NULL || runcgo_parse_i64 (pid, &p) < 0 || p != getpid () || runcgo_parse_i64 (fds, &n) < 0
      || n <= 0 || n > 65536 || c->spec->process == NULL)
    return;
  c->listen_fds = true;
  c->preserve_fds += (int) n;
  char ***env = &c->spec->process->env;
  size_t len = runcgo_strv_len (*env);
  *env = xrealloc (*env, (len + 2) * sizeof (char *));
  (*env)[len] = xasprintf ("LISTEN_FDS=%lld", (long long) n);
  (*env)[len + 1] = NULL;
}

/* NOTIFY_SOCKET: the container gets its own socket, forwarded at start. */
static int
prepare_notify (struct creation *c, runcgo_error_t *err)
{
  const char *host = getenv ("NOTIFY_SOCKET");
  if (host == NULL || *host == '\0')
    return 0;
  c->notify_socket = host;
  cleanup_free char *dir = xasprintf ("%s/%s", c->ctx->state_root, c->opts->id);
  return runcgo_notify_prepare (c->spec, dir, err);
}

/* The early state, written once the cgroup's path is known and before any
 * of its directories exists (see write_state). */
static int
write_early_state (const char *path, void *arg, runcgo_error_t *err)
{
  struct creation *c = arg;
  c->planned_cgroup = path;
  int r = write_state (c, err);
  c->planned_cgroup = NULL;
  c->early_state_written = r == 0;
  return r;
}

static int
make_cgroup (struct creation *c, runcgo_error_t *err)
{
  const struct runcgo_linux *l = c->spec->linux_;
  struct runcgo_cgroup_config cfg = {
    .id = c->opts->id,
    .cgroups_path = l ? l->cgroups_path : NULL,
    .resources = l ? l->resources : NULL,
    .driver = runcgo_cgroup_driver_of (c->ctx),
    /* root of a nested user namespace may not write the host's cgroups either */
    .rootless = c->ctx->rootless || c->ctx->userns_root,
    .enforce = annotation_is (c->spec, "run.oci.runcgo.cgroups", "required"),
    .before_mkdir = write_early_state,
    .before_mkdir_arg = c,
    .subgroup = runcgo_spec_annotation (c->spec, RUNCGO_ANN_SYSTEMD_SUBGROUP),
    .delegate = runcgo_spec_annotation (c->spec, RUNCGO_ANN_DELEGATE_CGROUP),
    .delegate_uid = host_id_of_root (c->spec, true),
    .delegate_gid = host_id_of_root (c->spec, false),
  };
  if (runcgo_cgroup_create (&cfg, &c->cgroup, err) < 0)
    return -1;
  if (runcgo_cgroup_resources_dropped (c->cgroup))
    runcgo_warn ("rootless: no cgroup could be created, so linux.resources are not applied (hint: run 'runcgo check'; "
                 "use --systemd-cgroup with a user manager, or set the annotation run.oci.runcgo.cgroups=required "
                 "to make this an error)");
  return 0;
}

/* run.oci.seccomp.plugins: the helper becomes the listener's agent */
static int
start_seccomp_plugins (struct creation *c, runcgo_error_t *err)
{
  struct runcgo_seccomp_plugins_conf conf
      = { .state_root = c->ctx->state_root, .id = c->opts->id, .bundle = c->bundle, .config = c->config };
  return runcgo_seccomp_plugins_start (c->spec->linux_ ? c->spec->linux_->seccomp : NULL, c->seccomp, &conf,
                                       c->dir_fd, &c->seccomp_notify_fd, &c->plugins_helper, err);
}

static int
slirp_begin (void *opaque, pid_t pid, int pidfd, runcgo_error_t *err)
{
  struct creation *c = opaque;
  return runcgo_slirp_begin (&c->slirp, pid, pidfd, c->dir_fd, &c->slirp_helper, err);
}

static int
slirp_finish (void *opaque, runcgo_error_t *err)
{
  struct creation *c = opaque;
  return runcgo_slirp_finish (&c->slirp_helper, c->dir_fd, err);
}

/* The exe shield (CVE-2019-5736) costs 1.2 ms of a `run`: it is raised
 * unless runcgo_exe_shield_needed says no container process can see the
 * init before its exec.  Then the state records our binary, for `exec` to
 * wait for that exec (and the shield is raised if it cannot be read). */
static bool
init_exe_shield (struct creation *c)
{
  if (runcgo_exe_shield_needed (c->spec, c->run_mode))
    return true;
  if (runcgo_spec_namespace (c->spec, RUNCGO_NS_USER))
    return false;
  c->unshielded_exe = runcgo_exe_identity (0);
  return c->unshielded_exe == NULL;
}

static int
spawn_init (struct creation *c, runcgo_error_t *err)
{
  struct runcgo_spawn_config cfg = {
    .spec = c->spec,
    .id = c->opts->id,
    .bundle = c->bundle,
    .rootfs = c->rootfs,
    .seccomp = c->seccomp,
    .cgroup = c->cgroup,
    .exec_fifo_fd = c->fifo_fd,
    .console_socket_fd = c->console_fd,
    .seccomp_notify_fd = c->seccomp_notify_fd,
    .preserve_fds = c->preserve_fds,
    .wasm = c->wasm_fd >= 0,
    .wasm_fd = c->wasm_fd,
    .listen_fds = c->listen_fds,
    .no_pivot = c->opts->no_pivot,
    .no_new_keyring = c->opts->no_new_keyring,
    .rootless = c->ctx->rootless,
    .exe_shield = init_exe_shield (c),
    .net_begin = c->slirp.enabled ? slirp_begin : NULL,
    .net_finish = c->slirp.enabled ? slirp_finish : NULL,
    .net_opaque = c,
    .userns_root = c->ctx->userns_root,
    .early = &c->early,
  };
  int r = runcgo_spawn (&cfg, &c->res, err);
  /* the init has its own copy: the agent must see EOF once the init closes
   * it after sending (a foreground run would otherwise hold it open) */
  if (c->seccomp_notify_fd >= 0)
    {
      close (c->seccomp_notify_fd);
      c->seccomp_notify_fd = -1;
    }
  return r;
}

/* Written twice: with pid 0 once the cgroup's path is known, before its
 * first directory is made (write_early_state; so that a create killed from
 * here on leaves something `delete -f` can clean up: it kills the cgroup and
 * removes what exists of it), then with the init.  Drivers that make no
 * directories get the early state after make_cgroup. */
static int
write_state (struct creation *c, runcgo_error_t *err)
{
  cleanup_free char *created = runcgo_now_rfc3339 ();
  const struct runcgo_hooks *h = &c->spec->hooks;
  struct runcgo_container_state st = {
    .id = (char *) c->opts->id,
    .pid = c->res.pid > 0 ? c->res.pid : 0,
    .start_time = c->res.start_time,
    .creator = getpid (),
    .creator_start_time = runcgo_proc_start_time (getpid ()),
    .bundle = c->bundle,
    .config = c->config,
    .rootfs = c->rootfs,
    .created = created,
    .owner = geteuid (),
    .cgroup_path = (char *) (c->cgroup ? runcgo_cgroup_path (c->cgroup) : c->planned_cgroup ? c->planned_cgroup : ""),
    .cgroup_driver = c->cgroup             ? (int) runcgo_cgroup_get_driver (c->cgroup)
                     : c->planned_cgroup ? RUNCGO_CGROUP_DRIVER_FS
                                         : RUNCGO_CGROUP_DRIVER_DISABLED,
    .rootless = c->ctx->rootless,
    .new_pidns = runcgo_spec_namespace (c->spec, RUNCGO_NS_PID) != NULL,
    .detached = !c->run_mode || c->opts->detach,
    .annotations = c->spec->annotations,
    .n_annotations = c->spec->n_annotations,
    .notify_socket = (char *) c->notify_socket,
    .poststop = h->list[RUNCGO_HOOK_POSTSTOP],
    .n_poststop = h->n[RUNCGO_HOOK_POSTSTOP],
    .poststart = h->list[RUNCGO_HOOK_POSTSTART],
    .n_poststart = h->n[RUNCGO_HOOK_POSTSTART],
    .intelrdt_dirs = c->intelrdt_dirs,
    .unshielded_exe = c->unshielded_exe,
    .no_process = c->spec->process == NULL,
  };
  return runcgo_state_write (c->dir_fd, &st, err);
}

/* --pid-file: written atomically, after the init exists (engines poll it) */
int
runcgo_write_pid_file (const char *path, pid_t pid, runcgo_error_t *err)
{
  if (path == NULL)
    return 0;
  char buf[32];
  int n = snprintf (buf, sizeof (buf), "%d", (int) pid);
  cleanup_free char *copy = xstrdup (path);
  char *slash = strrchr (copy, '/');
  const char *dir = slash ? (slash == copy ? "/" : copy) : ".";
  const char *name = slash ? slash + 1 : copy;
  if (slash)
    *slash = '\0';
  cleanup_close int dfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return runcgo_fail (err, errno, "--pid-file: open directory `%s`", dir);
  if (runcgo_write_file_atomic (dfd, name, buf, (size_t) n, 0644, err) < 0)
    return runcgo_error_wrap (err, "--pid-file `%s`", path);
  return 0;
}

/* linux.intelRdt: the init (and so everything it starts) joins its resctrl
 * group; resctrl's presence was checked before anything was created. */
static int
apply_intel_rdt (struct creation *c, runcgo_error_t *err)
{
  const struct runcgo_linux *l = c->spec->linux_;
  if (l == NULL || l->intel_rdt == NULL)
    return 0;
  return runcgo_intelrdt_apply (l->intel_rdt, c->opts->id, RUNCGO_RESCTRL_ROOT, c->res.pid, &c->intelrdt_dirs, err);
}

static void
creation_unwind (struct creation *c)
{
  runcgo_error_t ignored = NULL;
  if (c->res.pid > 0)
    {
      syscall (SYS_pidfd_send_signal, c->res.pidfd, SIGKILL, NULL, 0);
      waitpid (c->res.pid, NULL, 0);
    }
  runcgo_slirp_abort (&c->slirp_helper);
  runcgo_helper_proc_abort (&c->plugins_helper);
  if (c->cgroup)
    runcgo_cgroup_destroy (c->cgroup, &ignored);
  runcgo_error_release (&ignored);
  runcgo_intelrdt_remove (c->intelrdt_dirs, &ignored);
  runcgo_error_release (&ignored);
  if (c->dir_created)
    runcgo_state_dir_remove (c->ctx->root_fd, c->opts->id, &ignored);
  runcgo_error_release (&ignored);
}

static void
creation_release (struct creation *c)
{
  free (c->bundle);
  free (c->config);
  free (c->rootfs);
  runcgo_spec_free (c->spec);
  runcgo_seccomp_filter_free (c->seccomp);
  runcgo_strv_free (c->intelrdt_dirs);
  free (c->unshielded_exe);
  runcgo_slirp_config_release (&c->slirp);
  runcgo_userns_early_release (&c->early);
  if (c->slirp_helper.ready_fd >= 0)
    close (c->slirp_helper.ready_fd);
  if (c->cgroup)
    runcgo_cgroup_free (c->cgroup);
  for (int *fd = &c->dir_fd; fd <= &c->seccomp_notify_fd; fd++)
    if (*fd >= 0)
      close (*fd);
  if (c->res.pidfd >= 0)
    close (c->res.pidfd);
  if (c->res.sync_fd >= 0)
    close (c->res.sync_fd);
}

static int
creation_run (struct creation *c, runcgo_error_t *err)
{
  if (runcgo_container_id_validate (c->opts->id, err) < 0)
    return -1;
  if (resolve_bundle (c, err) < 0 || load_config (c, err) < 0)
    return -1;
  take_listen_fds (c);
  if (make_state_dir (c, err) < 0 || start_seccomp_plugins (c, err) < 0 || prepare_notify (c, err) < 0
      || make_cgroup (c, err) < 0
      || (!c->early_state_written && write_state (c, err) < 0) || spawn_init (c, err) < 0)
    return -1;
  if (apply_intel_rdt (c, err) < 0 || runcgo_cgroup_delegate (c->cgroup, c->res.pid, err) < 0
      || write_state (c, err) < 0 || runcgo_write_pid_file (c->opts->pid_file, c->res.pid, err) < 0)
    return -1;
  /* crun's annotation run.oci.pidfd_receiver is --pidfd-socket by another name */
  const char *pidfd_socket = c->opts->pidfd_socket ? c->opts->pidfd_socket
                                                   : runcgo_spec_annotation (c->spec, RUNCGO_ANN_PIDFD_RECEIVER);
  if (pidfd_socket && runcgo_pidfd_socket_send (pidfd_socket, c->res.pidfd, err) < 0)
    return -1;
  /* the init may outlive us from now on (until this message, it exits when
   * our end of the channel closes: sync.h); `run` sends START instead */
  if (!c->run_mode && runcgo_sync_send (c->res.sync_fd, RUNCGO_SYNC_CREATED, 0, NULL) < 0)
    return runcgo_fail (err, errno, "the container init exited before create finished");
  /* the state is complete: let other commands (kill, delete -f) in while a
   * foreground run waits */
  flock (c->dir_fd, LOCK_UN);
  return 0;
}

static void
creation_init (struct creation *c, struct runcgo_context *ctx, const struct runcgo_create_opts *o, bool run_mode)
{
  memset (c, 0, sizeof (*c));
  c->ctx = ctx;
  c->opts = o;
  c->run_mode = run_mode;
  c->dir_fd = c->fifo_fd = c->console_fd = c->tty_sock = c->tty_master = c->wasm_fd = c->seccomp_notify_fd = -1;
  c->res.pidfd = c->res.sync_fd = -1;
  runcgo_helper_proc_init (&c->slirp_helper);
  runcgo_helper_proc_init (&c->plugins_helper);
}

int
runcgo_container_create (struct runcgo_context *ctx, const struct runcgo_create_opts *o, runcgo_error_t *err)
{
  struct creation c;
  creation_init (&c, ctx, o, false);
  int r = creation_run (&c, err);
  if (r < 0)
    creation_unwind (&c);
  creation_release (&c);
  return r;
}

/* ---------------------------------------------------------------- helpers */
void
runcgo_loaded_release (struct runcgo_loaded *l)
{
  if (l->dir_fd >= 0)
    close (l->dir_fd);
  runcgo_state_free (l->st);
}

static enum runcgo_status
live_status (int dir_fd, const struct runcgo_container_state *st)
{
  enum runcgo_status s = runcgo_state_status (dir_fd, st);
  if (s != RUNCGO_STATUS_RUNNING || st->cgroup_path == NULL || *st->cgroup_path == '\0')
    return s;
  struct runcgo_cgroup *cg = NULL;
  runcgo_error_t ignored = NULL;
  if (runcgo_cgroup_open (st->cgroup_path, st->cgroup_driver, &cg, &ignored) == 0)
    {
      if (runcgo_cgroup_is_frozen (cg))
        s = RUNCGO_STATUS_PAUSED;
      runcgo_cgroup_free (cg);
    }
  runcgo_error_release (&ignored);
  return s;
}

int
runcgo_container_load (struct runcgo_context *ctx, const char *id, bool lock, struct runcgo_loaded *l,
                       runcgo_error_t *err)
{
  l->dir_fd = -1;
  l->st = NULL;
  if (runcgo_container_id_validate (id, err) < 0)
    return -1;
  if (runcgo_context_open_root (ctx, false, err) < 0)
    {
      if ((*err)->status != ENOENT)
        return -1;
      runcgo_error_release (err);
      return runcgo_fail (err, 0, "container \"%s\" does not exist", id);
    }
  l->dir_fd = runcgo_state_dir_open (ctx->root_fd, id, err);
  if (l->dir_fd < 0)
    return -1;
  if (lock && runcgo_state_lock (l->dir_fd, err) < 0)
    return -1;
  if (runcgo_state_read (l->dir_fd, &l->st, err) < 0)
    {
      if ((*err)->status == ENOENT)
        {
          runcgo_error_release (err);
          return runcgo_fail (err, 0, "container \"%s\" is still being created", id);
        }
      return runcgo_error_wrap (err, "container \"%s\"", id);
    }
  l->status = live_status (l->dir_fd, l->st);
  return 0;
}

int
runcgo_container_open_cgroup (const struct runcgo_container_state *st, struct runcgo_cgroup **cg, runcgo_error_t *err)
{
  *cg = NULL;
  if (st->cgroup_path == NULL || *st->cgroup_path == '\0')
    return 0;
  return runcgo_cgroup_open (st->cgroup_path, st->cgroup_driver, cg, err);
}

/* ---------------------------------------------------------------- start */
/* A slirp helper that is gone while the container still runs crashed or
 * was killed: the container lost its network.  Say so wherever asked. */
static bool
network_helper_died (const struct runcgo_loaded *l, pid_t *pid)
{
  return l->status != RUNCGO_STATUS_STOPPED && runcgo_slirp_status (l->dir_fd, pid) == RUNCGO_SLIRP_EXITED;
}

static int
wait_fifo_reader (int fifo, int pidfd, runcgo_error_t *err)
{
  struct pollfd p[2] = { { .fd = fifo, .events = POLLIN }, { .fd = pidfd, .events = POLLIN } };
  for (;;)
    {
      if (poll (p, 2, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          return runcgo_fail (err, errno, "poll exec fifo");
        }
      char b;
      if (p[0].revents & POLLIN && read (fifo, &b, 1) == 1)
        return 0;
      if (p[1].revents || p[0].revents & POLLHUP)
        return runcgo_fail (err, 0, "the container init exited before it could be started");
    }
}

/* After its byte the init keeps the fifo's write end open, close-on-exec:
 * it hangs up when the process is executed (or the init died).  See
 * start_created for when start waits for that. */
static void
wait_fifo_hangup (int fifo)
{
  struct pollfd p = { .fd = fifo, .events = POLLIN };
  char b;
  for (;;)
    {
      if (poll (&p, 1, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          return;
        }
      if (p.revents & (POLLHUP | POLLERR))
        return;
      if (p.revents & POLLIN && read (fifo, &b, 1) == 0)
        return;
    }
}

static void
warn_and_release (runcgo_error_t *err)
{
  runcgo_warn ("%s", runcgo_error_text (*err));
  runcgo_error_release (err);
}

/* poststart and poststop failures only warn, and the remaining hooks still
 * run (runtime.md): run them one at a time.  ANN: the container's
 * annotations (run.oci.hooks.stdout/stderr). */
static void
run_hooks_warn (const struct runcgo_hook *list, size_t n, enum runcgo_hook_kind kind, const char *state,
                const struct runcgo_kv *ann, size_t n_ann)
{
  struct runcgo_hooks one = { 0 };
  runcgo_error_t err = NULL;
  if (runcgo_hooks_open_output (&one, ann, n_ann, &err) < 0)
    warn_and_release (&err);
  for (size_t i = 0; i < n; i++)
    {
      one.list[kind] = (struct runcgo_hook *) &list[i];
      one.n[kind] = 1;
      if (runcgo_hooks_run (&one, kind, state, &err) < 0)
        warn_and_release (&err);
    }
  if (one.out_fd > 0)
    close (one.out_fd);
  if (one.err_fd > 0)
    close (one.err_fd);
}

/* A failing poststart hook fails the operation (runtime.md, lifecycle step 9:
 * "generate an error, stop the container"; runtime-spec 1.0.0 only asked for
 * a warning): the hooks after it do not run and the caller stops the
 * container.  ANN: the container's annotations (state, hooks' output). */
static int
run_poststart (struct runcgo_hooks *hooks, const char *id, pid_t pid, const char *bundle, const struct runcgo_kv *ann,
               size_t n_ann, runcgo_error_t *err)
{
  if (hooks->n[RUNCGO_HOOK_POSTSTART] == 0)
    return 0;
  cleanup_free char *state = runcgo_state_oci_json (id, RUNCGO_STATUS_RUNNING, pid, bundle, ann, n_ann);
  if (runcgo_hooks_open_output (hooks, ann, n_ann, err) == 0
      && runcgo_hooks_run (hooks, RUNCGO_HOOK_POSTSTART, state, err) == 0)
    return 0;
  return runcgo_error_wrap (err, "container \"%s\" stopped", id);
}

static int
poststart_hooks (struct runcgo_spec *spec, const char *id, pid_t pid, const char *bundle, runcgo_error_t *err)
{
  return run_poststart (&spec->hooks, id, pid, bundle, spec->annotations, spec->n_annotations, err);
}

/* start's poststart hooks, from the state (create stored them: start never
 * reads the config, which may have changed or gone since); a state written
 * before runcgo stored them has none: read them from the config then, as
 * start did before (*SPEC owns them; an unreadable config means none). */
static void
poststart_of_state (const struct runcgo_container_state *st, struct runcgo_spec **spec, struct runcgo_hooks *h)
{
  runcgo_error_t ignored = NULL;
  memset (h, 0, sizeof (*h));
  if (st->has_poststart)
    {
      h->list[RUNCGO_HOOK_POSTSTART] = st->poststart;
      h->n[RUNCGO_HOOK_POSTSTART] = st->n_poststart;
    }
  else if (runcgo_state_load_spec (st, spec, &ignored) == 0)
    {
      h->list[RUNCGO_HOOK_POSTSTART] = (*spec)->hooks.list[RUNCGO_HOOK_POSTSTART];
      h->n[RUNCGO_HOOK_POSTSTART] = (*spec)->hooks.n[RUNCGO_HOOK_POSTSTART];
    }
  runcgo_error_release (&ignored);
}

/* Stop a container whose start failed after its process ran: SIGKILL its
 * init (with a pid namespace, everything in it) and wait until it is gone,
 * so that `state` says stopped when start returns. */
static void
stop_started (int pidfd)
{
  struct pollfd p = { .fd = pidfd, .events = POLLIN };
  if (syscall (SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0) == 0)
    poll (&p, 1, 10000);
}

/* Release a created container: notify socket first (opening the fifo
 * already releases the init), then the fifo, READY, poststart.
 *
 * The init writes the fifo's byte before its last steps (seccomp, identity,
 * execve).  start waits for the execve (the fifo's hang-up) only where that
 * is seen: before poststart hooks (config.md, "Poststart": after the process
 * is executed), and for a rootless container, whose init stays non-dumpable
 * with an mm of the host's user namespace until the execve: an unprivileged
 * `exec` right after start would be refused (setns: EPERM).  runc reads the
 * fifo to EOF, so it waits too; crun returns after the byte.  An error after
 * the byte is the init's to log either way (doc/design/sync-protocol.md). */
static int
start_created (struct runcgo_context *ctx, const struct runcgo_loaded *l, runcgo_error_t *err)
{
  const struct runcgo_container_state *st = l->st;
  pid_t helper;
  if (network_helper_died (l, &helper))
    return runcgo_fail_hint (err, 0, "see slirp.log in its state directory; delete the container and create it again",
                             "cannot start container \"%s\": its network helper runcgo-slirp (pid %d) has exited",
                             st->id, (int) helper);
  cleanup_free char *dir = xasprintf ("%s/%s", ctx->state_root, st->id);
  cleanup_close int notify = st->notify_socket ? runcgo_notify_listen (dir, err) : -1;
  if (st->notify_socket && notify < 0)
    return -1;
  cleanup_close int pidfd = (int) syscall (SYS_pidfd_open, st->pid, 0);
  if (pidfd < 0)
    return runcgo_fail (err, 0, "cannot start container \"%s\": its init is gone", st->id);
  struct runcgo_spec *spec = NULL;
  struct runcgo_hooks hooks;
  poststart_of_state (st, &spec, &hooks);
  int r = -1;
  cleanup_close int fifo = openat (l->dir_fd, RUNCGO_EXEC_FIFO, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fifo < 0)
    runcgo_fail (err, errno, "open exec fifo of container \"%s\"", st->id);
  else if (wait_fifo_reader (fifo, pidfd, err) == 0)
    {
      unlinkat (l->dir_fd, RUNCGO_EXEC_FIFO, 0);
      if (hooks.n[RUNCGO_HOOK_POSTSTART] > 0 || st->rootless)
        wait_fifo_hangup (fifo);
      r = 0;
    }
  if (r == 0 && notify >= 0 && runcgo_notify_forward_ready (notify, pidfd, st->pid, st->notify_socket, err) < 0)
    r = -1;
  if (r == 0 && run_poststart (&hooks, st->id, st->pid, st->bundle, st->annotations, st->n_annotations, err) < 0)
    {
      stop_started (pidfd);
      r = -1;
    }
  if (hooks.out_fd > 0)
    close (hooks.out_fd);
  if (hooks.err_fd > 0)
    close (hooks.err_fd);
  runcgo_spec_free (spec);
  return r;
}

/* config.md: process is "REQUIRED when start is called".  Checked before
 * the fifo is opened (that alone would release the init): the container
 * stays created, to be exec'd into and deleted.  From the state: start
 * never reads the config (a state from before configs without process
 * were accepted has a process). */
static int
check_has_process (const struct runcgo_container_state *st, runcgo_error_t *err)
{
  if (!st->no_process)
    return 0;
  return runcgo_fail_hint (err, 0,
                           "run programs in it with `exec`, or delete it and create it again from a config with a "
                           "\"process\" object",
                           "cannot start container \"%s\": its config has no \"process\", which start requires",
                           st->id);
}

int
runcgo_container_start (struct runcgo_context *ctx, const char *id, runcgo_error_t *err)
{
  struct runcgo_loaded l;
  int r = runcgo_container_load (ctx, id, true, &l, err);
  if (r == 0 && l.status != RUNCGO_STATUS_CREATED)
    r = runcgo_fail (err, 0, l.status == RUNCGO_STATUS_STOPPED ? "cannot start a container that has stopped"
                                                               : "cannot start an already running container");
  if (r == 0)
    r = check_has_process (l.st, err);
  if (r == 0)
    r = start_created (ctx, &l, err);
  runcgo_loaded_release (&l);
  return r;
}

/* ---------------------------------------------------------------- kill */
static void
thaw_cgroup_quietly (struct runcgo_cgroup *cg)
{
  runcgo_error_t ignored = NULL;
  if (runcgo_cgroup_freeze (cg, false, &ignored) < 0)
    runcgo_error_release (&ignored);
}

static void
thaw_quietly (const struct runcgo_container_state *st)
{
  struct runcgo_cgroup *cg = NULL;
  runcgo_error_t ignored = NULL;
  if (runcgo_container_open_cgroup (st, &cg, &ignored) == 0 && cg)
    {
      thaw_cgroup_quietly (cg);
      runcgo_cgroup_free (cg);
    }
  runcgo_error_release (&ignored);
}

int
runcgo_container_kill (struct runcgo_context *ctx, const char *id, int sig, bool all, runcgo_error_t *err)
{
  struct runcgo_loaded l;
  cleanup_close int pidfd = -1;
  int r = -1;
  if (runcgo_container_load (ctx, id, false, &l, err) < 0)
    goto out;
  if (l.status == RUNCGO_STATUS_STOPPED)
    {
      runcgo_fail (err, 0, "container \"%s\" is not running", id);
      goto out;
    }
  if (all)
    {
      struct runcgo_cgroup *cg = NULL;
      if (runcgo_container_open_cgroup (l.st, &cg, err) < 0)
        goto out;
      if (cg)
        {
          r = runcgo_cgroup_kill_all (cg, sig, err);
          runcgo_cgroup_free (cg);
          goto out;
        }
    }
  pidfd = (int) syscall (SYS_pidfd_open, l.st->pid, 0);
  /* the pidfd pins the process: re-check it is still our init (not a reuse) */
  if (pidfd < 0 || !runcgo_pid_is_alive (l.st->pid, l.st->start_time))
    {
      runcgo_fail (err, 0, "container \"%s\" is not running", id);
      goto out;
    }
  if (syscall (SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0)
    {
      runcgo_fail (err, errno, "send signal %d to container \"%s\"", sig, id);
      goto out;
    }
  /* SIGKILL stays pending in a frozen cgroup: thaw a paused container (runc) */
  if (sig == SIGKILL && l.status == RUNCGO_STATUS_PAUSED)
    thaw_quietly (l.st);
  r = 0;
out:
  runcgo_loaded_release (&l);
  return r;
}

/* ---------------------------------------------------------------- delete */
static void
wait_pid_gone (pid_t pid, uint64_t start_time)
{
  int pidfd = (int) syscall (SYS_pidfd_open, pid, 0);
  if (pidfd < 0)
    return;
  struct pollfd p = { .fd = pidfd, .events = POLLIN };
  /* the kernel delivers SIGKILL promptly; bound the wait anyway */
  if (runcgo_pid_is_alive (pid, start_time))
    poll (&p, 1, 10000);
  close (pidfd);
}

static int
kill_everything (const struct runcgo_container_state *st, struct runcgo_cgroup *cg, runcgo_error_t *err)
{
  /* without its own pid namespace, the init's death does not take the
   * container's other processes with it: kill the whole cgroup */
  if (cg && (!st->new_pidns || st->pid == 0) && runcgo_cgroup_kill_all (cg, SIGKILL, err) < 0)
    return -1;
  if (runcgo_pid_is_alive (st->pid, st->start_time))
    {
      int pidfd = (int) syscall (SYS_pidfd_open, st->pid, 0);
      if (pidfd >= 0)
        {
          syscall (SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
          close (pidfd);
        }
      /* a paused container's processes stay frozen with the SIGKILL
       * pending: thaw them so they can die (delete -f of a paused one) */
      if (cg)
        thaw_cgroup_quietly (cg);
      wait_pid_gone (st->pid, st->start_time);
    }
  return 0;
}

static int
destroy_container (struct runcgo_context *ctx, struct runcgo_loaded *l, runcgo_error_t *err)
{
  struct runcgo_cgroup *cg = NULL;
  runcgo_error_t cgerr = NULL;
  pid_t helper;
  if (network_helper_died (l, &helper))
    runcgo_warn ("container \"%s\": its network helper runcgo-slirp (pid %d) had exited; see slirp.log", l->st->id,
                 (int) helper);
  if (runcgo_container_open_cgroup (l->st, &cg, &cgerr) < 0)
    {
      runcgo_warn ("%s", runcgo_error_text (cgerr));
      runcgo_error_release (&cgerr);
    }
  int r = kill_everything (l->st, cg, err);
  runcgo_slirp_stop (l->dir_fd);
  runcgo_seccomp_plugins_stop (l->dir_fd);
  if (r == 0 && cg && runcgo_cgroup_destroy (cg, err) < 0)
    r = -1;
  if (cg)
    runcgo_cgroup_free (cg);
  if (r < 0)
    return -1;
  runcgo_error_t rdt = NULL;
  if (runcgo_intelrdt_remove (l->st->intelrdt_dirs, &rdt) < 0)
    {
      runcgo_warn ("%s", runcgo_error_text (rdt));
      runcgo_error_release (&rdt);
    }
  if (l->st->n_poststop)
    {
      cleanup_free char *state = runcgo_state_oci_json (l->st->id, RUNCGO_STATUS_STOPPED, 0, l->st->bundle,
                                                        l->st->annotations, l->st->n_annotations);
      run_hooks_warn (l->st->poststop, l->st->n_poststop, RUNCGO_HOOK_POSTSTOP, state, l->st->annotations,
                      l->st->n_annotations);
    }
  return runcgo_state_dir_remove (ctx->root_fd, l->st->id, err);
}

/* delete -f of a container whose state.json cannot be read: a create killed
 * before writing it (nothing to kill: its init died with it, see init.c's
 * PDEATHSIG), or a state.json truncated or overwritten since.  L is locked. */
static int
delete_unreadable (struct runcgo_context *ctx, const char *id, struct runcgo_loaded *l, runcgo_error_t *err)
{
  runcgo_error_t rec = NULL;
  if (runcgo_state_read_recovery (l->dir_fd, id, &l->st, &rec) < 0)
    {
      runcgo_warn ("%s; removing its state directory", runcgo_error_text (*err));
      runcgo_error_release (&rec);
      runcgo_error_release (err);
      return runcgo_state_dir_remove (ctx->root_fd, id, err);
    }
  runcgo_warn ("%s; killing the container and removing it from its recovery record", runcgo_error_text (*err));
  runcgo_error_release (err);
  l->status = runcgo_state_status (l->dir_fd, l->st);
  return destroy_container (ctx, l, err);
}

int
runcgo_container_delete (struct runcgo_context *ctx, const char *id, bool force, runcgo_error_t *err)
{
  struct runcgo_loaded l;
  int r = -1;
  if (runcgo_container_load (ctx, id, true, &l, err) < 0)
    {
      /* `delete -f` of a container that is already gone succeeds (runc) */
      if (force && l.dir_fd < 0 && (*err)->status == 0 && strstr ((*err)->msg, "does not exist"))
        {
          runcgo_error_release (err);
          r = 0;
        }
      /* a state dir whose state.json is unreadable can still be removed
       * with -f, the container with it when its recovery record is intact */
      else if (force && l.dir_fd >= 0)
        r = delete_unreadable (ctx, id, &l, err);
      goto out;
    }
  if (!force && (l.status == RUNCGO_STATUS_RUNNING || l.status == RUNCGO_STATUS_PAUSED))
    {
      runcgo_fail_hint (err, 0, "stop it first with 'runcgo kill', or use 'runcgo delete -f'",
                        "cannot delete container \"%s\" that is not stopped", id);
      goto out;
    }
  r = destroy_container (ctx, &l, err);
out:
  runcgo_loaded_release (&l);
  return r;
}

/* ---------------------------------------------------------------- run */
/* START, then wait until the channel closes (CLOEXEC: the init exec'd the
 * process) or carries the error that stopped it (a startContainer hook, a
 * capability, the exec itself). */
static int
release_init (struct creation *c, runcgo_error_t *err)
{
  struct runcgo_sync_msg msg;
  if (runcgo_sync_send (c->res.sync_fd, RUNCGO_SYNC_START, 0, NULL) < 0)
    return runcgo_fail (err, errno, "start the container init");
  runcgo_error_t eof = NULL;
  if (runcgo_sync_recv (c->res.sync_fd, &msg, &eof) < 0)
    {
      runcgo_error_release (&eof);
      return 0;
    }
  if (msg.type != RUNCGO_SYNC_ERROR)
    return runcgo_fail (err, EPROTO, "sync: unexpected %s after START", runcgo_sync_type_name (msg.type));
  runcgo_fail (err, 0, "%s", msg.payload);
  (*err)->status = msg.value;
  return -1;
}

int
runcgo_container_run (struct runcgo_context *ctx, const struct runcgo_create_opts *o, int *exit_status,
                      runcgo_error_t *err)
{
  struct creation c;
  sigset_t fwd, old;
  creation_init (&c, ctx, o, true);
  if (!o->detach)
    {
      /* blocked before the clone, so no signal is lost before the wait loop;
       * the init restores its mask before exec */
      runcgo_forwarded_signals (&fwd);
      sigprocmask (SIG_BLOCK, &fwd, &old);
      if (!o->no_subreaper)
        prctl (PR_SET_CHILD_SUBREAPER, 1);
    }
  int r = creation_run (&c, err);
  /* the init sent the pty master before READY: it is queued on our end */
  if (r == 0 && c.tty_sock >= 0)
    r = runcgo_console_recv (c.tty_sock, &c.tty_master, err);
  cleanup_free char *dir = xasprintf ("%s/%s", ctx->state_root, o->id);
  cleanup_close int notify = -1;
  if (r == 0 && c.notify_socket && (notify = runcgo_notify_listen (dir, err)) < 0)
    r = -1;
  if (r == 0)
    r = release_init (&c, err);
  if (r == 0 && notify >= 0)
    r = runcgo_notify_forward_ready (notify, c.res.pidfd, c.res.pid, c.notify_socket, err);
  if (r == 0)
    r = poststart_hooks (c.spec, o->id, c.res.pid, c.bundle, err);
  if (r < 0)
    {
      creation_unwind (&c);
      creation_release (&c);
      return -1;
    }
  *exit_status = 0;
  if (!o->detach)
    {
      r = runcgo_wait_foreground (c.res.pidfd, c.res.pid, c.tty_master, &fwd, exit_status, err);
      struct runcgo_loaded l = { .dir_fd = -1 };
      runcgo_error_t gone = NULL;
      /* someone may have deleted it meanwhile (delete -f): nothing left to do */
      if (r == 0 && !o->keep && runcgo_container_load (ctx, o->id, false, &l, &gone) == 0)
        r = destroy_container (ctx, &l, err);
      runcgo_error_release (&gone);
      runcgo_loaded_release (&l);
    }
  creation_release (&c);
  return r;
}

/* ---------------------------------------------------------------- state, list */
/* `state` shows the slirp helper as an annotation (clients ignore unknown
 * ones) and warns when it died under a live container. */
static void
annotate_network (struct runcgo_loaded *l)
{
  pid_t helper;
  enum runcgo_slirp_status s = runcgo_slirp_status (l->dir_fd, &helper);
  if (s == RUNCGO_SLIRP_NONE)
    return;
  struct runcgo_container_state *st = l->st;
  st->annotations = xrealloc (st->annotations, (st->n_annotations + 1) * sizeof (struct runcgo_kv));
  st->annotations[st->n_annotations].key = xstrdup (RUNCGO_ANN_SLIRP_STATUS);
  st->annotations[st->n_annotations++].value = xstrdup (s == RUNCGO_SLIRP_RUNNING ? "running" : "exited");
  if (network_helper_died (l, &helper))
    runcgo_warn ("container \"%s\": its network helper runcgo-slirp (pid %d) has exited: the container has no "
                 "network (delete it and create it again)", st->id, (int) helper);
}

int
runcgo_container_state (struct runcgo_context *ctx, const char *id, char **json, runcgo_error_t *err)
{
  struct runcgo_loaded l;
  int r = runcgo_container_load (ctx, id, false, &l, err);
  if (r == 0)
    {
      annotate_network (&l);
      *json = runcgo_state_format (l.st, l.status);
    }
  runcgo_loaded_release (&l);
  return r;
}

static void
list_one (FILE *out, enum runcgo_list_format format, const struct runcgo_loaded *l, json_object *arr)
{
  pid_t pid = l->status == RUNCGO_STATUS_STOPPED ? 0 : l->st->pid;
  if (format == RUNCGO_LIST_QUIET)
    fprintf (out, "%s\n", l->st->id);
  else if (format == RUNCGO_LIST_TABLE)
    {
      cleanup_free char *owner = runcgo_owner_name (l->st->owner);
      fprintf (out, "%-12s %-8d %-10s %-40s %-31s %s\n", l->st->id, (int) pid, runcgo_status_name (l->status),
               l->st->bundle, l->st->created, owner);
    }
  else
    {
      cleanup_free char *s = runcgo_state_format (l->st, l->status);
      json_object_array_add (arr, json_tokener_parse (s));
    }
}

int
runcgo_container_list (struct runcgo_context *ctx, enum runcgo_list_format format, FILE *out, runcgo_error_t *err)
{
  json_object *arr = json_object_new_array ();
  if (format == RUNCGO_LIST_TABLE)
    fprintf (out, "%-12s %-8s %-10s %-40s %-31s %s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER");
  DIR *d = NULL;
  if (runcgo_context_open_root (ctx, false, err) < 0)
    runcgo_error_release (err); /* no state root yet: nothing to list */
  else if ((d = fdopendir (dup (ctx->root_fd))) == NULL)
    {
      json_object_put (arr);
      return runcgo_fail (err, errno, "read state root `%s`", ctx->state_root);
    }
  struct dirent *de;
  while (d && (de = readdir (d)))
    {
      struct runcgo_loaded l;
      runcgo_error_t ignored = NULL;
      if (de->d_name[0] == '.' || runcgo_container_load (ctx, de->d_name, false, &l, &ignored) < 0)
        {
          runcgo_error_release (&ignored);
          if (de->d_name[0] != '.')
            runcgo_loaded_release (&l);
          continue;
        }
      list_one (out, format, &l, arr);
      runcgo_loaded_release (&l);
    }
  if (d)
    closedir (d);
  if (format == RUNCGO_LIST_JSON)
    fprintf (out, "%s\n", json_object_to_json_string_ext (arr, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
  json_object_put (arr);
  return 0;
}

/* kill/delete --regex (crun): the IDs of ROOT that PATTERN, a POSIX
 * extended regex, matches anywhere (unanchored, as crun's regexec), sorted;
 * none is not an error. */
int
runcgo_container_match (struct runcgo_context *ctx, const char *pattern, char ***ids, runcgo_error_t *err)
{
  regex_t re;
  int rc = regcomp (&re, pattern, REG_EXTENDED | REG_NOSUB);
  *ids = xzalloc (sizeof (char *));
  if (rc != 0)
    {
      char msg[256];
      regerror (rc, &re, msg, sizeof (msg));
      return runcgo_fail_hint (err, 0, "anchor with ^ and $ to match whole IDs, e.g. '^web-[0-9]+$'",
                               "--regex: invalid regular expression \"%s\": %s", pattern, msg);
    }
  struct dirent **names = NULL;
  int n = 0;
  if (runcgo_context_open_root (ctx, false, err) < 0)
    runcgo_error_release (err); /* no state root yet: no container */
  else if ((n = scandirat (ctx->root_fd, ".", &names, NULL, alphasort)) < 0)
    {
      regfree (&re);
      return runcgo_fail (err, errno, "read state root `%s`", ctx->state_root);
    }
  size_t k = 0;
  for (int i = 0; i < n; i++)
    {
      if (names[i]->d_name[0] != '.' && regexec (&re, names[i]->d_name, 0, NULL, 0) == 0)
        {
          *ids = xrealloc (*ids, (k + 2) * sizeof (char *));
          (*ids)[k++] = xstrdup (names[i]->d_name);
          (*ids)[k] = NULL;
        }
      free (names[i]);
    }
  free (names);
  regfree (&re);
  return 0;
}
