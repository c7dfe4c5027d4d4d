/* live_mounts.c -- `mounts add` and `mounts remove` (crun's experimental
 * commands): mounts of a running container, from a JSON file holding a
 * config's "mounts" array.
 *
 * Everything is done by a short-lived child of the runtime, non-dumpable and
 * outside the container's pid namespace.  Each new mount is made detached
 * with the new mount API (open_tree for binds, fsopen/fsmount for the rest)
 * where its source can be reached: on the host for a root runtime, inside
 * the container's user namespace for a rootless one.  The child then joins
 * the container's mount namespace and attaches it with move_mount onto the
 * destination resolved inside the container's root (the init's
 * /proc/PID/root) by safe_path: a symlink in the container never leads the
 * runtime out of it (CVE-2021-30465).  `remove` unmounts (lazily) what is
 * at each destination, resolved the same way. */
#include "config.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "core/log.h"
#include "core/mount_api.h"
#include "core/state.h"
#include "core/util.h"
#include "fs/fs.h"
#include "lifecycle/container.h"
#include "spawn/sync.h"
#include "spec/spec.h"

#if !defined(SYS_fsopen) && defined(__x86_64__)
#define SYS_fsopen 430
#define SYS_fsconfig 431
#define SYS_fsmount 432
#endif
#ifndef FSOPEN_CLOEXEC
#define FSOPEN_CLOEXEC 0x00000001
#define FSMOUNT_CLOEXEC 0x00000001
#define FSCONFIG_SET_FLAG 0
#define FSCONFIG_SET_STRING 1
#define FSCONFIG_CMD_CREATE 6
#endif

struct live
{
  const struct runcgo_spec *spec; /* the container's (user namespace, bundle) */
  const char *bundle;
  struct runcgo_mount *mounts; /* from the file */
  size_t n;
  int *fds;    /* add: the detached mounts, by index */
  int root_fd; /* the init's root */
  int init_pidfd;
  bool join_userns; /* rootless: make the mounts inside the container's user namespace */
};

/* MS_* per-mount flags -> MOUNT_ATTR_*; sync, dirsync, mand and the like
 * belong to the superblock and are refused. */
static int
flags_to_attrs (const struct runcgo_mount_opts *o, size_t i, uint64_t *set, uint64_t *clr, runcgo_error_t *err)
{
  static const struct
  {
    unsigned long ms;
    uint64_t attr;
  } map[] = {
    { MS_RDONLY, MOUNT_ATTR_RDONLY }, { MS_NOSUID, MOUNT_ATTR_NOSUID },         { MS_NODEV, MOUNT_ATTR_NODEV },
    { MS_NOEXEC, MOUNT_ATTR_NOEXEC }, { MS_NODIRATIME, MOUNT_ATTR_NODIRATIME },
  };
  unsigned long known = MS_BIND | MS_REC | MS_NOATIME | MS_STRICTATIME | MS_RELATIME;
  *set = *clr = 0;
  for (size_t k = 0; k < ARRAY_SIZE (map); k++)
    {
      known |= map[k].ms;
      *set |= (o->flags & map[k].ms) ? map[k].attr : 0;
      *clr |= (o->clear & map[k].ms) ? map[k].attr : 0;
    }
  if (o->flags & (MS_NOATIME | MS_STRICTATIME | MS_RELATIME))
    {
      *clr |= MOUNT_ATTR__ATIME;
      *set |= (o->flags & MS_NOATIME)       ? MOUNT_ATTR_NOATIME
              : (o->flags & MS_STRICTATIME) ? MOUNT_ATTR_STRICTATIME
                                            : MOUNT_ATTR_RELATIME;
    }
  if ((o->flags | o->clear) & ~known)
    return runcgo_fail_hint (err, EINVAL, "give that option in the config, not to a running container",
                             "mounts[%zu].options: a filesystem flag (sync, dirsync, mand, ...) cannot be added "
                             "to a running container",
                             i);
  if (o->tmpcopyup || o->copy_symlink || o->idmap || o->ridmap)
    return runcgo_fail (err, EINVAL,
                        "mounts[%zu].options: tmpcopyup, copy-symlink, idmap and ridmap are not "
                        "supported by `mounts add`",
                        i);
  return 0;
}

/* The per-mount flags, the recursive r* options, then the propagation. */
static int
set_attrs (int fd, const struct runcgo_mount_opts *o, size_t i, runcgo_error_t *err)
{
  struct fs_mount_attr a = { 0 };
  if (flags_to_attrs (o, i, &a.attr_set, &a.attr_clr, err) < 0)
    return -1;
  if ((a.attr_set || a.attr_clr) && syscall (SYS_mount_setattr, fd, "", AT_EMPTY_PATH, &a, sizeof (a)) < 0)
    return runcgo_fail (err, errno, "mounts[%zu]: set the mount's flags", i);
  struct fs_mount_attr r = { .attr_set = o->attr_set, .attr_clr = o->attr_clr };
  if ((r.attr_set || r.attr_clr)
      && syscall (SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &r, sizeof (r)) < 0)
    return runcgo_fail (err, errno, "mounts[%zu]: set the recursive flags", i);
  struct fs_mount_attr p = { .propagation = o->propagation & ~(unsigned long)MS_REC };
  unsigned rec = (o->propagation & MS_REC) ? AT_RECURSIVE : 0;
  if (p.propagation && syscall (SYS_mount_setattr, fd, "", AT_EMPTY_PATH | rec, &p, sizeof (p)) < 0)
    return runcgo_fail (err, errno, "mounts[%zu]: set the propagation", i);
  return 0;
}

static int
prepare_bind (const struct live *lv, size_t i, const struct runcgo_mount_opts *o, runcgo_error_t *err)
{
  /* only a process privileged over the host's mount namespace may copy its
   * mounts (open_tree), and in the container's namespaces the host's paths
   * are out of sight */
  if (lv->join_userns)
    return runcgo_fail_hint (err, EPERM, "run `mounts add` as root, or add the bind to the config",
                             "mounts[%zu]: a rootless runtime cannot bind a host path into a running container", i);
  const char *source = lv->mounts[i].source;
  cleanup_free char *src = source[0] == '/' ? xstrdup (source) : xasprintf ("%s/%s", lv->bundle, source);
  unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (o->rbind ? AT_RECURSIVE : 0)
                   | (o->src_nofollow ? AT_SYMLINK_NOFOLLOW : 0);
  lv->fds[i] = (int)syscall (SYS_open_tree, AT_FDCWD, src, flags);
  if (lv->fds[i] < 0)
    return runcgo_fail (err, errno, "mounts[%zu]: open_tree of bind source `%s`", i, src);
  return 0;
}

/* fsconfig the data options one by one: "key=value" or a flag "key". */
static int
configure_fs (int fsfd, const struct runcgo_mount *m, const char *data, size_t i, runcgo_error_t *err)
{
  if (m->source && *m->source && syscall (SYS_fsconfig, fsfd, FSCONFIG_SET_STRING, "source", m->source, 0) < 0)
    return runcgo_fail (err, errno, "mounts[%zu].source: \"%s\"", i, m->source);
  cleanup_free char *copy = xstrdup (data ? data : "");
  for (char *save = NULL, *kv = strtok_r (copy, ",", &save); kv; kv = strtok_r (NULL, ",", &save))
    {
      char *eq = strchr (kv, '=');
      if (eq)
        *eq = '\0';
      int r = eq ? (int)syscall (SYS_fsconfig, fsfd, FSCONFIG_SET_STRING, kv, eq + 1, 0)
                 : (int)syscall (SYS_fsconfig, fsfd, FSCONFIG_SET_FLAG, kv, NULL, 0);
      if (r < 0)
        return runcgo_fail (err, errno, "mounts[%zu].options: \"%s\" refused by %s", i, kv, m->type);
    }
  if (syscall (SYS_fsconfig, fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
    return runcgo_fail (err, errno, "mounts[%zu]: create the %s filesystem", i, m->type);
  return 0;
}

static int
prepare_fs (const struct live *lv, size_t i, const struct runcgo_mount_opts *o, runcgo_error_t *err)
{
  const struct runcgo_mount *m = &lv->mounts[i];
  cleanup_close int fsfd = (int)syscall (SYS_fsopen, m->type, FSOPEN_CLOEXEC);
  if (fsfd < 0)
    return runcgo_fail (err, errno, "mounts[%zu].type: fsopen \"%s\"", i, m->type);
  if (configure_fs (fsfd, m, o->data, i, err) < 0)
    return -1;
  lv->fds[i] = (int)syscall (SYS_fsmount, fsfd, FSMOUNT_CLOEXEC, 0);
  if (lv->fds[i] < 0)
    return runcgo_fail (err, errno, "mounts[%zu]: fsmount", i);
  return 0;
}

static int
prepare_one (const struct live *lv, size_t i, runcgo_error_t *err)
{
  const struct runcgo_mount *m = &lv->mounts[i];
  struct runcgo_mount_opts o;
  if (runcgo_mount_opts_parse (m->options, &o, err) < 0)
    return -1;
  bool bind = o.bind || o.rbind || (m->type && strcmp (m->type, "bind") == 0);
  int r;
  if (bind)
    r = prepare_bind (lv, i, &o, err);
  else if (m->type == NULL)
    r = runcgo_fail (err, EINVAL, "mounts[%zu].type: missing (and not a bind)", i);
  else
    r = prepare_fs (lv, i, &o, err);
  if (r == 0)
    r = set_attrs (lv->fds[i], &o, i, err);
  runcgo_mount_opts_free (&o);
  return r;
}

static int
attach_one (const struct live *lv, size_t i, runcgo_error_t *err)
{
  struct stat st;
  if (fstat (lv->fds[i], &st) < 0)
    return runcgo_fail (err, errno, "mounts[%zu]: stat the new mount", i);
  cleanup_close int dst = runcgo_safe_mkdir_p (lv->root_fd, lv->mounts[i].destination, !S_ISDIR (st.st_mode), err);
  if (dst < 0)
    return runcgo_error_wrap (err, "mounts[%zu].destination", i);
  if (syscall (SYS_move_mount, lv->fds[i], "", dst, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
    return runcgo_fail (err, errno, "mounts[%zu]: attach onto `%s`", i, lv->mounts[i].destination);
  return 0;
}

/* umount2 takes a path: the resolved destination's fd through the host's
 * /proc/<pid>/fd (fs/mounts.c's handle, opened before the setns). */
static int
detach_one (const struct live *lv, size_t i, runcgo_error_t *err)
{
  cleanup_close int fd = runcgo_safe_open (lv->root_fd, lv->mounts[i].destination, O_PATH, 0, err);
  if (fd < 0)
    return runcgo_error_wrap (err, "mounts[%zu].destination", i);
  if (runcgo_fs_umount_fd (fd) < 0)
    return runcgo_fail_hint (err, errno, errno == EINVAL ? "nothing is mounted there" : NULL,
                             "mounts[%zu]: unmount `%s`", i, lv->mounts[i].destination);
  return 0;
}

static int
child_work (struct live *lv, bool add, runcgo_error_t *err)
{
  if (runcgo_fs_proc_open () < 0)
    return runcgo_fail (err, errno, "open /proc/self");
  if (lv->join_userns && setns (lv->init_pidfd, CLONE_NEWUSER | CLONE_NEWNS) < 0)
    return runcgo_fail (err, errno, "join the container's user and mount namespaces");
  for (size_t i = 0; add && i < lv->n; i++)
    if (prepare_one (lv, i, err) < 0)
      return -1;
  if (!lv->join_userns && setns (lv->init_pidfd, CLONE_NEWNS) < 0)
    return runcgo_fail (err, errno, "join the container's mount namespace");
  for (size_t i = 0; i < lv->n; i++)
    if ((add ? attach_one (lv, i, err) : detach_one (lv, i, err)) < 0)
      return -1;
  return 0;
}

/* The child reports an error on the socket, or closes it (success). */
static int
run_child (struct live *lv, bool add, runcgo_error_t *err)
{
  int sv[2];
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    return runcgo_fail (err, errno, "socketpair");
  pid_t pid = fork ();
  if (pid == 0)
    {
      close (sv[0]);
      /* no host fd but these may reach the container's namespaces */
      int keep[] = { sv[1], lv->root_fd, lv->init_pidfd, runcgo_log_fd () };
      runcgo_close_fds_except (3, keep, ARRAY_SIZE (keep));
      prctl (PR_SET_PDEATHSIG, SIGKILL);
      /* in the container's mount namespace: nothing there may ptrace us or
       * open our /proc/PID/exe (CVE-2016-9962, CVE-2019-5736) */
      prctl (PR_SET_DUMPABLE, 0);
      runcgo_error_t cerr = NULL;
      if (child_work (lv, add, &cerr) < 0)
        runcgo_sync_send_error (sv[1], cerr);
      _exit (cerr ? 1 : 0);
    }
  close (sv[1]);
  cleanup_close int fd = sv[0];
  if (pid < 0)
    return runcgo_fail (err, errno, "fork");
  struct runcgo_sync_msg msg;
  runcgo_error_t eof = NULL;
  int r = 0;
  if (runcgo_sync_recv (fd, &msg, &eof) == 0)
    {
      r = runcgo_fail (err, 0, "%s", msg.payload);
      (*err)->status = msg.value;
    }
  runcgo_error_release (&eof);
  int status;
  while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
    ;
  if (r == 0 && !(WIFEXITED (status) && WEXITSTATUS (status) == 0))
    r = runcgo_fail (err, 0, "the mount helper died (wait status %#x)", (unsigned)status);
  return r;
}

/* The file: a JSON array of OCI mounts, read with the config's parser (the
 * errors name "mounts[N]...") and checked as the config's mounts are. */
static int
read_mounts (const char *file, const struct runcgo_spec *spec, struct runcgo_spec **out, runcgo_error_t *err)
{
  cleanup_free char *text = NULL;
  size_t len = 0;
  if (runcgo_read_file_at (AT_FDCWD, file, 1 << 20, &text, &len, err) < 0)
    return -1;
  cleanup_free char *doc = xasprintf ("{\"ociVersion\": \"1.3.0\", \"mounts\": %s}", text);
  if (runcgo_spec_parse (doc, strlen (doc), out, err) < 0)
    return runcgo_error_wrap (err, "`%s`", file);
  struct runcgo_spec both = *spec;
  both.mounts = (*out)->mounts;
  both.n_mounts = (*out)->n_mounts;
  for (size_t i = 0; i < both.n_mounts; i++)
    if (runcgo_spec_validate_mount (&both, i, err) < 0)
      return runcgo_error_wrap (err, "`%s`", file);
  if (both.n_mounts == 0)
    return runcgo_fail_hint (err, EINVAL, "give an array of OCI mounts, as in config.json", "`%s`: no mounts", file);
  return 0;
}

static int
live_begin (struct runcgo_context *ctx, struct runcgo_loaded *l, struct live *lv, runcgo_error_t *err)
{
  if (l->status != RUNCGO_STATUS_RUNNING && l->status != RUNCGO_STATUS_CREATED && l->status != RUNCGO_STATUS_PAUSED)
    return runcgo_fail (err, 0, "container \"%s\" is not running", l->st->id);
  if (runcgo_spec_namespace (lv->spec, RUNCGO_NS_MOUNT) == NULL)
    return runcgo_fail (err, EINVAL, "container \"%s\" shares the host's mount namespace", l->st->id);
  lv->init_pidfd = (int)syscall (SYS_pidfd_open, l->st->pid, 0);
  if (lv->init_pidfd < 0 || !runcgo_pid_is_alive (l->st->pid, l->st->start_time))
    return runcgo_fail (err, 0, "container \"%s\" is not running", l->st->id);
  cleanup_free char *root = xasprintf ("/proc/%d/root", (int)l->st->pid);
  lv->root_fd = open (root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (lv->root_fd < 0)
    return runcgo_fail (err, errno, "open the root of container \"%s\"", l->st->id);
  lv->join_userns = runcgo_spec_namespace (lv->spec, RUNCGO_NS_USER) && (ctx->rootless || ctx->userns_root);
  lv->bundle = l->st->bundle;
  return 0;
}

int
runcgo_container_mounts (struct runcgo_context *ctx, const char *id, const char *file, bool add, runcgo_error_t *err)
{
  struct runcgo_loaded l;
  struct runcgo_spec *spec = NULL, *file_spec = NULL;
  struct live lv = { .root_fd = -1, .init_pidfd = -1 };
  int r = runcgo_container_load (ctx, id, true, &l, err);
  if (r == 0)
    r = runcgo_state_load_spec (l.st, &spec, err);
  lv.spec = spec;
  if (r == 0)
    r = read_mounts (file, spec, &file_spec, err);
  if (r == 0)
    r = live_begin (ctx, &l, &lv, err);
  if (r == 0)
    {
      lv.mounts = file_spec->mounts;
      lv.n = file_spec->n_mounts;
      lv.fds = xmalloc (lv.n * sizeof (int));
      memset (lv.fds, -1, lv.n * sizeof (int));
      r = run_child (&lv, add, err);
      free (lv.fds);
    }
  if (lv.root_fd >= 0)
    close (lv.root_fd);
  if (lv.init_pidfd >= 0)
    close (lv.init_pidfd);
  runcgo_spec_free (file_spec);
  runcgo_spec_free (spec);
  runcgo_loaded_release (&l);
  return r;
}
