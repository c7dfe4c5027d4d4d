/* mounts.c -- the config's mounts, in order, inside the container rootfs.
 *
 * Every destination is created and resolved through safe_path and every
 * mount(2) targets "/proc/<pid>/fd/N" of the O_PATH fd that resolution
 * returned, never a path string a container symlink could redirect
 * (CVE-2021-30465).  Bind mounts are remounted for their flags (keeping the
 * flags the kernel locks in a user namespace), then get their propagation and
 * recursive attributes.  Also here: the cgroup mount (cgroup2, or a tmpfs of
 * v1 hierarchies), the sysfs/mqueue fallbacks for user namespaces,
 * tmpcopyup, and idmapped binds. */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "core/mount_api.h"
#include "core/util.h"
#include "fs/fs.h"

/* ---------------------------------------------------------------- procfs handle */

/* /proc/<our pid> of the host procfs, opened before any container mount
 * exists and before pivot_root.  Relative lookups of "fd/N" in it reach our
 * own fds whatever the container does to its /proc later. */
static int proc_self_fd = -1;
static pid_t proc_self_pid;
/* the procfs handle the cwd was moved into (-1: not moved), and the cwd to
 * go back to (-1: "/"); see runcgo_fs_mount_fd() */
static int cwd_dir = -1;
static int cwd_saved = -1;

int
runcgo_fs_proc_open (void)
{
  pid_t pid = getpid ();
  if (proc_self_fd >= 0 && proc_self_pid == pid)
    return proc_self_fd;
  if (proc_self_fd >= 0)
    close (proc_self_fd); /* inherited across fork: it names the parent */
  proc_self_fd = -1;
  if (cwd_dir >= 0)
    runcgo_fs_cwd_restore (); /* the cwd is the parent's /proc/<pid> */
  int fd = open ("/proc/self", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  struct statfs sfs;
  if (fstatfs (fd, &sfs) < 0 || sfs.f_type != PROC_SUPER_MAGIC)
    {
      close (fd);
      errno = ENODEV;
      return -1;
    }
  proc_self_fd = fd;
  proc_self_pid = pid;
  return fd;
}

void
runcgo_fs_proc_release (void)
{
  runcgo_fs_cwd_restore ();
  if (proc_self_fd >= 0)
    close (proc_self_fd);
  proc_self_fd = -1;
}

/* mount(2) resolves relative paths from the cwd: chdir into /proc/<pid> and
 * name the fds "fd/N".  The cwd stays there for the rest of the mount phase
 * (one fchdir instead of open + fchdir + fchdir + close around each of ~40
 * mounts); runcgo_fs_cwd_restore() goes back where it was (cwd_dir and
 * cwd_saved are declared with the procfs handle above). */
static int
cwd_to_proc (int dir)
{
  if (cwd_dir == dir)
    return 0;
  if (cwd_dir < 0)
    /* a cwd we cannot open again (unsearchable from a user namespace) is
     * replaced by "/": nothing in the init depends on the runtime's cwd */
    cwd_saved = open (".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fchdir (dir) < 0)
    return -1;
  cwd_dir = dir;
  return 0;
}

int
runcgo_fs_cwd_restore (void)
{
  if (cwd_dir < 0)
    return 0;
  int r = cwd_saved >= 0 ? fchdir (cwd_saved) : chdir ("/");
  int saved = errno;
  if (cwd_saved >= 0)
    close (cwd_saved);
  cwd_saved = cwd_dir = -1;
  errno = saved;
  return r;
}

int
runcgo_fs_mount_fd (const char *source, int src_fd, int dst_fd, const char *type, unsigned long flags, const char *data)
{
  int dir = runcgo_fs_proc_open ();
  if (dir < 0)
    return -1;
  char src[32], dst[32];
  snprintf (dst, sizeof (dst), "fd/%d", dst_fd);
  if (src_fd >= 0)
    {
      snprintf (src, sizeof (src), "fd/%d", src_fd);
      source = src;
    }
  if (cwd_to_proc (dir) < 0)
    return -1;
  return mount (source, dst, type, flags, data);
}

int
runcgo_fs_umount_fd (int fd)
{
  int dir = runcgo_fs_proc_open ();
  if (dir < 0 || cwd_to_proc (dir) < 0)
    return -1;
  char path[32];
  snprintf (path, sizeof (path), "fd/%d", fd);
  int r = umount2 (path, MNT_DETACH);
  int e = errno;
  runcgo_fs_cwd_restore ();
  errno = e;
  return r;
}

static int
fd_mount_id (int fd, uint64_t *id)
{
  return runcgo_fd_mount_id (fd, runcgo_fs_proc_open, id);
}

/* FLAGS: O_NOFOLLOW when the mount just made is a symlink (src-nofollow). */
static int
reopen_mounted (int root_fd, const char *path, int old_fd, int flags, runcgo_error_t *err)
{
  cleanup_close int fd = runcgo_safe_open (root_fd, path, O_PATH | flags, 0, err);
  if (fd < 0)
    return -1;
  uint64_t before, after;
  if (fd_mount_id (old_fd, &before) == 0 && fd_mount_id (fd, &after) == 0 && before == after)
    return runcgo_fail (err, EXDEV, "`%s` no longer leads to the mount just made (changed while mounting)", path);
  return steal_fd (&fd);
}

int
runcgo_fs_reopen_mounted (int root_fd, const char *path, int old_fd, runcgo_error_t *err)
{
  return reopen_mounted (root_fd, path, old_fd, 0, err);
}

static unsigned long
statvfs_to_ms (unsigned long f)
{
  unsigned long ms = 0;
  if (f & ST_RDONLY)
    ms |= MS_RDONLY;
  if (f & ST_NOSUID)
    ms |= MS_NOSUID;
  if (f & ST_NODEV)
    ms |= MS_NODEV;
  if (f & ST_NOEXEC)
    ms |= MS_NOEXEC;
  return ms;
}

/* In a user namespace the kernel locks nosuid/nodev/noexec/ro of mounts that
 * came from a more privileged namespace: a remount that would clear one of
 * them fails with EPERM.  So on EPERM retry with them added back (unless the
 * config explicitly asked to clear one, which cannot work anyway).  The
 * atime mode is preserved by the kernel when the flags name none. */
int
runcgo_fs_remount_bind (int dst_fd, int locked_fd, unsigned long flags, unsigned long clear)
{
  unsigned long base = MS_BIND | MS_REMOUNT | (flags & ~(MS_BIND | MS_REC | MS_REMOUNT));
  if (runcgo_fs_mount_fd (NULL, -1, dst_fd, NULL, base, NULL) == 0)
    return 0;
  if (errno != EPERM)
    return -1;
  struct statvfs sv;
  if (fstatvfs (locked_fd, &sv) < 0)
    {
      errno = EPERM;
      return -1;
    }
  unsigned long locked = statvfs_to_ms (sv.f_flag) & ~clear;
  if ((base | locked) == base)
    {
      errno = EPERM;
      return -1;
    }
  return runcgo_fs_mount_fd (NULL, -1, dst_fd, NULL, base | locked, NULL);
}

/* ---------------------------------------------------------------- one mount */

struct mount_job
{
  struct runcgo_rootfs_ctx *ctx;
  int root_fd;
  const struct runcgo_mount *m;
  struct runcgo_mount_opts o;
  char *dest;             /* absolute and clean, inside the rootfs */
  bool attrs_best_effort; /* recursive attrs we added ourselves: ENOSYS is fine */
  int idmap_fd;           /* detached idmapped mount from the runtime, or -1 */
  bool mounted_symlink;   /* src-nofollow bound a symlink: reopen it without following it */
};

static const char *
first_recursive_option (char *const *options)
{
  for (size_t i = 0; options && options[i]; i++)
    {
      char *one[] = { options[i], NULL };
      struct runcgo_mount_opts o;
      runcgo_mount_opts_parse (one, &o, NULL);
      bool rec = o.attr_set || o.attr_clr;
      runcgo_mount_opts_free (&o);
      if (rec)
        return options[i];
    }
  return "?";
}

static int
apply_recursive_attrs (struct mount_job *j, int fd, runcgo_error_t *err)
{
  if (j->o.attr_set == 0 && j->o.attr_clr == 0)
    return 0;
  struct fs_mount_attr attr = { .attr_set = j->o.attr_set, .attr_clr = j->o.attr_clr };
  if (syscall (SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof (attr)) == 0)
    return 0;
  if (errno == ENOSYS && j->attrs_best_effort)
    return 0;
  if (errno == ENOSYS)
    return runcgo_fail_hint (err, ENOSYS, "recursive mount options need Linux >= 5.12 (mount_setattr)",
                             "option `%s` of `%s`", first_recursive_option (j->m->options), j->dest);
  return runcgo_fail (err, errno, "apply recursive options (`%s`, ...) to `%s`", first_recursive_option (j->m->options),
                      j->dest);
}

/* After the mount: flags by remount (binds), propagation, recursive attrs.
 * FD is the root of the new mount; LOCKED_FD is where locked flags come from. */
static int
apply_post_mount (struct mount_job *j, int fd, int locked_fd, bool is_bind, runcgo_error_t *err)
{
  unsigned long want = j->o.flags & ~(MS_BIND | MS_REC | MS_REMOUNT);
  /* as runc: remount only when a flag is asked for; "rw" alone keeps the source's state */
  if (is_bind && want && runcgo_fs_remount_bind (fd, locked_fd, want, j->o.clear) < 0)
    return runcgo_fail_hint (err, errno,
                             errno == EPERM ? "a flag locked by the kernel (nosuid, nodev, noexec, ro) cannot be "
                                              "cleared in a user namespace: drop the option that clears it"
                                            : NULL,
                             "remount bind mount `%s` with its options", j->dest);
  if (j->o.propagation && runcgo_fs_mount_fd (NULL, -1, fd, NULL, j->o.propagation, NULL) < 0)
    return runcgo_fail (err, errno, "set the propagation of `%s`", j->dest);
  return apply_recursive_attrs (j, fd, err);
}

/* The new mount on "/" is found by the rootfs' host path: inside root_fd,
 * "/" is root_fd itself, the mount below it. */
static int
reopen_mounted_root (const struct mount_job *j, int old_fd, runcgo_error_t *err)
{
  cleanup_close int fd = open (j->ctx->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return runcgo_fail (err, errno, "open the rootfs `%s` after a mount over it", j->ctx->rootfs);
  uint64_t before, after;
  if (fd_mount_id (old_fd, &before) == 0 && fd_mount_id (fd, &after) == 0 && before == after)
    return runcgo_fail (err, EXDEV, "the rootfs `%s` does not lead to the mount just made over it", j->ctx->rootfs);
  return steal_fd (&fd);
}

static int
finish_mount (struct mount_job *j, int old_fd, int locked_fd, bool is_bind, int *out, runcgo_error_t *err)
{
  cleanup_close int fd = strcmp (j->dest, "/") == 0 ? reopen_mounted_root (j, old_fd, err)
                                                    : reopen_mounted (j->root_fd, j->dest, old_fd,
                                                                      j->mounted_symlink ? O_NOFOLLOW : 0, err);
  if (fd < 0)
    return -1;
  if (apply_post_mount (j, fd, locked_fd, is_bind, err) < 0)
    return -1;
  if (out)
    *out = steal_fd (&fd);
  return 0;
}

/* ---------------------------------------------------------------- idmapped binds */

/* The runtime made the idmapped mount (idmap_mounts.c: only it may idmap a
 * host filesystem); attach it onto the destination resolved here, inside
 * the rootfs, like every other mount. */
static int
bind_prepared (struct mount_job *j, runcgo_error_t *err)
{
  struct stat st;
  if (fstat (j->idmap_fd, &st) < 0)
    return runcgo_fail (err, errno, "idmap of `%s`: the mount prepared by the runtime", j->dest);
  cleanup_close int dst_fd = runcgo_safe_mkdir_p (j->root_fd, j->dest, !S_ISDIR (st.st_mode), err);
  if (dst_fd < 0)
    return -1;
  if (syscall (SYS_move_mount, j->idmap_fd, "", dst_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
    return runcgo_fail (err, errno, "idmap of `%s`: attach the mount", j->dest);
  return finish_mount (j, dst_fd, j->idmap_fd, true, NULL, err);
}

/* ---------------------------------------------------------------- binds */

static int
bind_from_fd (struct mount_job *j, int src_fd, const char *src_name, bool is_file, runcgo_error_t *err)
{
  cleanup_close int dst_fd = runcgo_safe_mkdir_p (j->root_fd, j->dest, is_file, err);
  if (dst_fd < 0)
    return -1;
  bool rec = j->o.rbind;
  if (runcgo_fs_mount_fd (NULL, src_fd, dst_fd, NULL, MS_BIND | (rec ? MS_REC : 0), NULL) < 0)
    return runcgo_fail (err, errno, "bind `%s` onto `%s`", src_name, j->dest);
  return finish_mount (j, dst_fd, src_fd, true, NULL, err);
}

/* "copy-symlink": a symlink source becomes the same symlink in the rootfs. */
static int
copy_symlink (struct mount_job *j, int src_fd, runcgo_error_t *err)
{
  char target[PATH_MAX];
  ssize_t n = readlinkat (src_fd, "", target, sizeof (target) - 1);
  if (n < 0)
    return runcgo_fail (err, errno, "read symlink `%s`", j->m->source);
  target[n] = '\0';
  cleanup_free char *dir = xstrdup (j->dest);
  char *slash = strrchr (dir, '/');
  const char *name = j->dest + (slash - dir) + 1;
  *(slash == dir ? slash + 1 : slash) = '\0';
  if (*name == '\0')
    return runcgo_fail (err, EINVAL, "copy-symlink onto `%s`", j->dest);
  cleanup_close int parent = runcgo_safe_mkdir_p (j->root_fd, dir, false, err);
  if (parent < 0)
    return -1;
  if (symlinkat (target, parent, name) == 0)
    return 0;
  char old[PATH_MAX];
  ssize_t m = errno == EEXIST ? readlinkat (parent, name, old, sizeof (old) - 1) : -1;
  if (m >= 0 && (size_t)m == (size_t)n && memcmp (old, target, (size_t)n) == 0)
    return 0;
  return runcgo_fail (err, errno == EINVAL ? EEXIST : errno, "create symlink `%s` -> `%s`", j->dest, target);
}

static int
mount_bind (struct mount_job *j, runcgo_error_t *err)
{
  const char *source = j->m->source;
  if (source == NULL || *source == '\0')
    return runcgo_fail_hint (err, EINVAL, "set mounts[].source", "bind mount onto `%s` has no source", j->dest);
  if (j->idmap_fd >= 0)
    return bind_prepared (j, err);
  if (runcgo_mount_is_idmapped_bind (j->m))
    return runcgo_fail (err, EINVAL, "idmap of `%s`: the runtime prepared no idmapped mount for it", j->dest);
  /* relative bind sources are relative to the bundle (config.md) */
  const char *bundle = j->ctx->bundle ? j->ctx->bundle : ".";
  cleanup_free char *src = source[0] == '/' ? xstrdup (source) : xasprintf ("%s/%s", bundle, source);
  /* a relative path (no bundle known) means the runtime's cwd, not procfs */
  if (src[0] != '/' && runcgo_fs_cwd_restore () < 0)
    return runcgo_fail (err, errno, "return to the working directory for bind source `%s`", src);
  bool nofollow = j->o.src_nofollow || j->o.copy_symlink;
  cleanup_close int src_fd = open (src, O_PATH | O_CLOEXEC | (nofollow ? O_NOFOLLOW : 0));
  if (src_fd < 0)
    return runcgo_fail (err, errno, "open bind source `%s`", src);
  struct stat st;
  if (fstat (src_fd, &st) < 0)
    return runcgo_fail (err, errno, "stat bind source `%s`", src);
  if (S_ISLNK (st.st_mode) && j->o.copy_symlink)
    return copy_symlink (j, src_fd, err);
  if (S_ISLNK (st.st_mode) && !j->o.src_nofollow)
    {
      /* copy-symlink on something that is not a symlink: plain bind, following */
      close (src_fd);
      src_fd = open (src, O_PATH | O_CLOEXEC);
      if (src_fd < 0 || fstat (src_fd, &st) < 0)
        return runcgo_fail (err, errno, "open bind source `%s`", src);
    }
  j->mounted_symlink = S_ISLNK (st.st_mode);
  return bind_from_fd (j, src_fd, src, !S_ISDIR (st.st_mode), err);
}

/* sysfs needs the network namespace's owner, mqueue the IPC namespace's: in
 * a user namespace without them, bind the host's instead (as runc does).
 * The bind is recursive, so the requested ro/nosuid/nodev/noexec are also
 * applied to the host's submounts (best effort: mount_setattr may be
 * missing), not only to the top mount as runc does. */
static int
bind_host_fallback (struct mount_job *j, const char *host_path, const char *hint, runcgo_error_t *err)
{
  cleanup_close int src_fd = open (host_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (src_fd < 0)
    return runcgo_fail_hint (err, errno, hint,
                             "mounting %s on `%s` is not permitted here, and binding the host's `%s` failed",
                             j->m->type, j->dest, host_path);
  j->o.rbind = true;
  j->attrs_best_effort = true;
  if (j->o.flags & MS_RDONLY)
    j->o.attr_set |= MOUNT_ATTR_RDONLY;
  if (j->o.flags & MS_NOSUID)
    j->o.attr_set |= MOUNT_ATTR_NOSUID;
  if (j->o.flags & MS_NODEV)
    j->o.attr_set |= MOUNT_ATTR_NODEV;
  if (j->o.flags & MS_NOEXEC)
    j->o.attr_set |= MOUNT_ATTR_NOEXEC;
  return bind_from_fd (j, src_fd, host_path, false, err);
}

/* ---------------------------------------------------------------- tmpcopyup */

static int copy_tree (int from, int to, int depth, runcgo_error_t *err);

static int
copy_regular (int from, int to, const char *name, const struct stat *st, runcgo_error_t *err)
{
  cleanup_close int in = openat (from, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  cleanup_close int out = openat (to, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, st->st_mode & 07777);
  if (in < 0 || out < 0)
    return runcgo_fail (err, errno, "tmpcopyup: open `%s`", name);
  char buf[65536];
  for (;;)
    {
      ssize_t n = read (in, buf, sizeof (buf));
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return runcgo_fail (err, errno, "tmpcopyup: read `%s`", name);
      if (n == 0)
        return 0;
      if (runcgo_write_all (out, buf, (size_t)n) < 0)
        return runcgo_fail (err, errno, "tmpcopyup: write `%s`", name);
    }
}

static int
copy_dir_entry (int from, int to, const char *name, const struct stat *st, int depth, runcgo_error_t *err)
{
  if (S_ISDIR (st->st_mode))
    {
      if (mkdirat (to, name, st->st_mode & 07777) < 0)
        return runcgo_fail (err, errno, "tmpcopyup: mkdir `%s`", name);
      cleanup_close int sub_from = openat (from, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      cleanup_close int sub_to = openat (to, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (sub_from < 0 || sub_to < 0)
        return runcgo_fail (err, errno, "tmpcopyup: open directory `%s`", name);
      return copy_tree (sub_from, sub_to, depth + 1, err);
    }
  if (S_ISREG (st->st_mode))
    return copy_regular (from, to, name, st, err);
  if (S_ISLNK (st->st_mode))
    {
      char target[PATH_MAX];
      ssize_t n = readlinkat (from, name, target, sizeof (target) - 1);
      if (n < 0)
        return runcgo_fail (err, errno, "tmpcopyup: readlink `%s`", name);
      target[n] = '\0';
      return symlinkat (target, to, name) < 0 ? runcgo_fail (err, errno, "tmpcopyup: symlink `%s`", name) : 0;
    }
  if (S_ISSOCK (st->st_mode))
    return 0; /* a socket is meaningless without its listener */
  return mknodat (to, name, st->st_mode, st->st_rdev) < 0 ? runcgo_fail (err, errno, "tmpcopyup: mknod `%s`", name) : 0;
}

/* Owner, mode and times like cp -a; the owner may be unmapped in a user
 * namespace (EINVAL) or not ours to give (EPERM): then keep ours. */
static void
copy_metadata (int to, const char *name, const struct stat *st)
{
  (void)fchownat (to, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW);
  if (!S_ISLNK (st->st_mode))
    (void)fchmodat (to, name, st->st_mode & 07777, 0); /* after chown, which drops setuid bits */
  struct timespec times[2] = { st->st_atim, st->st_mtim };
  (void)utimensat (to, name, times, AT_SYMLINK_NOFOLLOW);
}

static int
copy_tree (int from, int to, int depth, runcgo_error_t *err)
{
  if (depth > 64)
    return runcgo_fail (err, ELOOP, "tmpcopyup: directory tree deeper than 64 levels");
  int dup_fd = fcntl (from, F_DUPFD_CLOEXEC, 0);
  DIR *d = dup_fd < 0 ? NULL : fdopendir (dup_fd);
  if (d == NULL)
    {
      if (dup_fd >= 0)
        close (dup_fd);
      return runcgo_fail (err, errno, "tmpcopyup: read directory");
    }
  struct dirent *de;
  int ret = 0;
  while (ret == 0 && (de = readdir (d)))
    {
      struct stat st;
      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      if (fstatat (from, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        ret = runcgo_fail (err, errno, "tmpcopyup: stat `%s`", de->d_name);
      else if ((ret = copy_dir_entry (from, to, de->d_name, &st, depth, err)) == 0)
        copy_metadata (to, de->d_name, &st);
    }
  closedir (d);
  return ret;
}

/* ---------------------------------------------------------------- other filesystems */

/* devpts with gid=5 fails with EINVAL when gid 5 is not mapped in the user
 * namespace: retry without the gid= option (the group stays the creator's). */
static char *
data_without_gid (const char *data)
{
  cleanup_free char *copy = xstrdup (data);
  char *out = xzalloc (strlen (data) + 1), *save = NULL;
  for (char *tok = strtok_r (copy, ",", &save); tok; tok = strtok_r (NULL, ",", &save))
    {
      if (strncmp (tok, "gid=", 4) == 0)
        continue;
      if (*out)
        strcat (out, ",");
      strcat (out, tok);
    }
  return out;
}

static int
mount_fs_fd (struct mount_job *j, const char *source, int dst_fd)
{
  const char *type = j->m->type;
  unsigned long flags = j->o.flags & ~(MS_BIND | MS_REC);
  if (runcgo_fs_mount_fd (source, -1, dst_fd, type, flags, j->o.data) == 0)
    return 0;
  if (errno == EINVAL && j->ctx->userns && strcmp (type, "devpts") == 0 && j->o.data && strstr (j->o.data, "gid="))
    {
      cleanup_free char *data = data_without_gid (j->o.data);
      return runcgo_fs_mount_fd (source, -1, dst_fd, type, flags, data);
    }
  return -1;
}

/* linux.mountLabel on mqueue: the security.selinux xattr of the root of
 * the mount just made (runc's SetFileLabel; see runcgo_mount_label_how),
 * reached through our procfs handle like every mount target. */
static int
label_by_xattr (struct mount_job *j, int fd, runcgo_error_t *err)
{
  const char *label = j->ctx->mount_label;
  if (label == NULL || runcgo_mount_label_how (j->m->type, false) != RUNCGO_MOUNT_LABEL_XATTR)
    return 0;
  char path[32];
  snprintf (path, sizeof (path), "fd/%d", fd);
  int proc = runcgo_fs_proc_open ();
  cleanup_close int dir = proc < 0 ? -1 : openat (proc, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0 || fsetxattr (dir, "security.selinux", label, strlen (label), 0) < 0)
    return runcgo_fail (err, errno, "linux.mountLabel: label `%s` \"%s\" (xattr security.selinux)", j->dest, label);
  return 0;
}

static int
mount_filesystem (struct mount_job *j, runcgo_error_t *err)
{
  const char *type = j->m->type;
  if (type == NULL || *type == '\0' || strcmp (type, "none") == 0)
    return runcgo_fail_hint (err, EINVAL, "add \"bind\" or \"rbind\" to options, or set a filesystem type",
                             "mount onto `%s` has no filesystem type", j->dest);
  if (j->o.idmap || j->o.ridmap)
    return runcgo_fail (err, ENOTSUP, "idmap on `%s`: only bind mounts can be idmapped", j->dest);
  cleanup_close int dst_fd = runcgo_safe_mkdir_p (j->root_fd, j->dest, false, err);
  if (dst_fd < 0)
    return -1;
  /* tmpcopyup: hold the directory we are about to cover, to copy it after */
  cleanup_close int old_dir = -1;
  if (j->o.tmpcopyup && (old_dir = openat (dst_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
    return runcgo_fail (err, errno, "tmpcopyup: open `%s`", j->dest);
  const char *source = j->m->source && *j->m->source ? j->m->source : type;
  /* overlay.c: native overlayfs, else fuse-overlayfs in a user namespace */
  bool overlay = strcmp (type, "overlay") == 0;
  if (overlay && runcgo_fs_mount_overlay (j->ctx, j->root_fd, j->dest, dst_fd, source, &j->o, err) < 0)
    return -1;
  if (!overlay && mount_fs_fd (j, source, dst_fd) < 0)
    {
      if (errno == EPERM && strcmp (type, "sysfs") == 0)
        return bind_host_fallback (j, "/sys", "add a network namespace to linux.namespaces", err);
      if (errno == EPERM && strcmp (type, "mqueue") == 0)
        return bind_host_fallback (j, "/dev/mqueue", "add an ipc namespace to linux.namespaces", err);
      return runcgo_fail (err, errno, "mount %s `%s` on `%s`", type, source, j->dest);
    }
  cleanup_close int new_fd = -1;
  if (j->o.flags & MS_REMOUNT)
    return apply_post_mount (j, dst_fd, -1, false, err); /* same mount, nothing new to find */
  if (finish_mount (j, dst_fd, -1, false, &new_fd, err) < 0 || label_by_xattr (j, new_fd, err) < 0)
    return -1;
  if (old_dir < 0)
    return 0;
  cleanup_close int new_dir = openat (new_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (new_dir < 0)
    return runcgo_fail (err, errno, "tmpcopyup: open the new `%s`", j->dest);
  return copy_tree (old_dir, new_dir, 0, err) < 0 ? runcgo_error_wrap (err, "copy up `%s`", j->dest) : 0;
}

/* ---------------------------------------------------------------- cgroups */

struct cg_hierarchy
{
  char *mountpoint; /* host path */
  char *root;       /* root of the mount inside the hierarchy */
  char *fstype;     /* cgroup or cgroup2 */
  char *options;    /* super options minus rw/ro: controllers, name=... */
  char *name;       /* directory in the container: basename of the mountpoint */
};

static void
cg_hierarchy_clear (struct cg_hierarchy *h)
{
  free (h->mountpoint);
  free (h->root);
  free (h->fstype);
  free (h->options);
  free (h->name);
}

static void
cg_hierarchies_free (struct cg_hierarchy *h, size_t n)
{
  for (size_t i = 0; i < n; i++)
    cg_hierarchy_clear (&h[i]);
  free (h);
}

static char *
strip_rw_ro (const char *opts)
{
  cleanup_free char *copy = xstrdup (opts);
  char *out = xzalloc (strlen (opts) + 1), *save = NULL;
  for (char *tok = strtok_r (copy, ",", &save); tok; tok = strtok_r (NULL, ",", &save))
    {
      if (strcmp (tok, "rw") == 0 || strcmp (tok, "ro") == 0)
        continue;
      if (*out)
        strcat (out, ",");
      strcat (out, tok);
    }
  return out;
}

static bool
cg_parse_line (char *line, const char *rootfs, struct cg_hierarchy *h)
{
  char *fields[6], *save = NULL, *sep = strstr (line, " - ");
  if (sep == NULL)
    return false;
  *sep = '\0';
  char *tok = strtok_r (line, " ", &save);
  for (int i = 0; i < 5; i++, tok = strtok_r (NULL, " ", &save))
    if ((fields[i] = tok) == NULL)
      return false;
  save = NULL;
  char *fstype = strtok_r (sep + 3, " ", &save), *src = strtok_r (NULL, " ", &save);
  char *super = strtok_r (NULL, " \n", &save);
  if (fstype == NULL || src == NULL || (strcmp (fstype, "cgroup") != 0 && strcmp (fstype, "cgroup2") != 0))
    return false;
  cleanup_free char *mp = runcgo_mountinfo_unescape (fields[4], strlen (fields[4]));
  size_t rl = strlen (rootfs);
  if (strncmp (mp, rootfs, rl) == 0 && (mp[rl] == '/' || mp[rl] == '\0'))
    return false; /* one of ours, under the container rootfs */
  const char *base = strrchr (mp, '/');
  if (base == NULL || base[1] == '\0')
    return false;
  h->name = xstrdup (base + 1);
  h->mountpoint = steal_ptr (&mp);
  h->root = runcgo_mountinfo_unescape (fields[3], strlen (fields[3]));
  h->fstype = xstrdup (fstype);
  h->options = strip_rw_ro (super ? super : "");
  return true;
}

/* The cgroup hierarchies the host has mounted (v1, and the hybrid "unified"
 * cgroup2), one per directory name. */
static int
cg_read_hierarchies (const char *rootfs, struct cg_hierarchy **out, size_t *n_out, runcgo_error_t *err)
{
  cleanup_free char *text = NULL;
  cleanup_free char *clean_rootfs = runcgo_path_clean (rootfs);
  if (runcgo_read_file_at (AT_FDCWD, "/proc/self/mountinfo", 16 << 20, &text, NULL, err) < 0)
    return -1;
  struct cg_hierarchy *h = NULL;
  size_t n = 0;
  char *save = NULL;
  for (char *line = strtok_r (text, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      struct cg_hierarchy one = { 0 };
      if (!cg_parse_line (line, clean_rootfs, &one))
        continue;
      bool dup = false;
      for (size_t i = 0; i < n && !dup; i++)
        dup = strcmp (h[i].name, one.name) == 0;
      if (dup)
        {
          cg_hierarchy_clear (&one);
          continue;
        }
      h = xrealloc (h, (n + 1) * sizeof (*h));
      h[n++] = one;
    }
  *out = h;
  *n_out = n;
  return 0;
}

static bool
opts_contain_all (const char *opts, const char *wanted)
{
  cleanup_free char *copy = xstrdup (wanted);
  char *save = NULL;
  size_t found = 0;
  for (char *tok = strtok_r (copy, ",", &save); tok; tok = strtok_r (NULL, ",", &save), found++)
    {
      size_t l = strlen (tok);
      const char *p = opts;
      bool hit = false;
      while (!hit && (p = strstr (p, tok)) != NULL)
        {
          hit = (p == opts || p[-1] == ',') && (p[l] == ',' || p[l] == '\0');
          p += l;
        }
      if (!hit)
        return false;
    }
  return found > 0;
}

/* The host path of our own cgroup in hierarchy H (runc binds only that, not
 * the whole hierarchy), or the hierarchy's mountpoint when it cannot be
 * told (no entry, or a mount root that is not an ancestor of our path). */
static char *
cg_own_path (const struct cg_hierarchy *h, char **proc_cgroup)
{
  /* /proc/self/cgroup is read once per cgroup mount, not once per v1
   * hierarchy (45 us each here); *proc_cgroup keeps it for the next call */
  if (*proc_cgroup == NULL && runcgo_read_file_at (AT_FDCWD, "/proc/self/cgroup", 0, proc_cgroup, NULL, NULL) < 0)
    *proc_cgroup = NULL;
  if (*proc_cgroup == NULL)
    return xstrdup (h->mountpoint);
  cleanup_free char *text = xstrdup (*proc_cgroup);
  bool v2 = strcmp (h->fstype, "cgroup2") == 0;
  char *save = NULL;
  for (char *line = strtok_r (text, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      char *c1 = strchr (line, ':'), *c2 = c1 ? strchr (c1 + 1, ':') : NULL;
      if (c2 == NULL)
        continue;
      *c2 = '\0';
      const char *ctrls = c1 + 1, *path = c2 + 1;
      if (v2 ? *ctrls != '\0' : !opts_contain_all (h->options, ctrls))
        continue;
      size_t rl = strcmp (h->root, "/") == 0 ? 0 : strlen (h->root);
      if (rl && (strncmp (path, h->root, rl) != 0 || (path[rl] != '/' && path[rl] != '\0')))
        break;
      cleanup_free char *joined = xasprintf ("%s/%s", h->mountpoint, path + rl);
      struct stat st;
      if (stat (joined, &st) == 0 && S_ISDIR (st.st_mode))
        return runcgo_path_clean (joined);
      break;
    }
  return xstrdup (h->mountpoint);
}

/* "cpu,cpuacct" also answers to "cpu" and "cpuacct" (symlinks, as runc). */
static void
cg_comount_symlinks (int tmp_fd, const char *name)
{
  if (strchr (name, ',') == NULL)
    return;
  cleanup_free char *copy = xstrdup (name);
  char *save = NULL;
  for (char *tok = strtok_r (copy, ",", &save); tok; tok = strtok_r (NULL, ",", &save))
    if (strncmp (tok, "name=", 5) != 0)
      (void)symlinkat (name, tmp_fd, tok); /* EEXIST: a hierarchy of that name already */
}

static int
cg_bind_hierarchy (struct mount_job *j, int tmp_fd, int sub, const struct cg_hierarchy *h, char **proc_cgroup,
                   runcgo_error_t *err)
{
  cleanup_free char *src = cg_own_path (h, proc_cgroup);
  cleanup_close int src_fd = open (src, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (src_fd < 0)
    return runcgo_fail (err, errno, "open cgroup hierarchy `%s`", src);
  if (runcgo_fs_mount_fd (NULL, src_fd, sub, NULL, MS_BIND | MS_REC, NULL) < 0)
    return runcgo_fail (err, errno, "bind cgroup hierarchy `%s` into `%s`", src, j->dest);
  cleanup_close int fd = runcgo_fs_reopen_mounted (tmp_fd, h->name, sub, err);
  if (fd < 0)
    return -1;
  unsigned long want = j->o.flags & ~(MS_BIND | MS_REC | MS_REMOUNT);
  if (want && runcgo_fs_remount_bind (fd, src_fd, want, j->o.clear) < 0)
    return runcgo_fail (err, errno, "remount cgroup hierarchy `%s/%s`", j->dest, h->name);
  return 0;
}

/* One hierarchy under the tmpfs: with a cgroup namespace a fresh mount of
 * it shows the namespace's root; without one (or when a user namespace may
 * not mount cgroup v1) our own cgroup of the host hierarchy is bound. */
static int
cg_mount_hierarchy (struct mount_job *j, int tmp_fd, const struct cg_hierarchy *h, char **proc_cgroup,
                    runcgo_error_t *err)
{
  cleanup_close int sub = runcgo_safe_mkdir_p (tmp_fd, h->name, false, err);
  if (sub < 0)
    return -1;
  int ret = -1;
  if (j->ctx->new_cgroupns)
    {
      unsigned long flags = j->o.flags & ~(MS_BIND | MS_REC | MS_REMOUNT);
      const char *data = *h->options ? h->options : NULL;
      ret = runcgo_fs_mount_fd (h->fstype, -1, sub, h->fstype, flags, data);
      if (ret < 0 && errno != EPERM)
        return runcgo_fail (err, errno, "mount %s (%s) on `%s/%s`", h->fstype, h->options, j->dest, h->name);
    }
  if (ret < 0 && cg_bind_hierarchy (j, tmp_fd, sub, h, proc_cgroup, err) < 0)
    return -1;
  cg_comount_symlinks (tmp_fd, h->name);
  return 0;
}

/* cgroup v1 or hybrid host: a tmpfs holding each hierarchy, like runc and
 * crun; the tmpfs itself goes read-only last, when "ro" is asked. */
static int
mount_cgroup_v1 (struct mount_job *j, runcgo_error_t *err)
{
  struct cg_hierarchy *h = NULL;
  size_t n = 0;
  if (cg_read_hierarchies (j->ctx->rootfs, &h, &n, err) < 0)
    return -1;
  int ret = -1;
  cleanup_close int dst_fd = runcgo_safe_mkdir_p (j->root_fd, j->dest, false, err);
  cleanup_close int tmp_fd = -1;
  cleanup_free char *proc_cgroup = NULL;
  cleanup_free char *data = runcgo_mount_label_data ("mode=755", j->ctx->mount_label, j->ctx->mount_context_type,
                                                     j->ctx->mount_label != NULL);
  unsigned long flags = (j->o.flags & (MS_NOSUID | MS_NODEV | MS_NOEXEC)) | MS_NOSUID | MS_NODEV | MS_NOEXEC;
  if (dst_fd < 0)
    goto out;
  if (runcgo_fs_mount_fd ("tmpfs", -1, dst_fd, "tmpfs", flags, data) < 0)
    {
      runcgo_fail (err, errno, "mount the cgroup tmpfs on `%s`", j->dest);
      goto out;
    }
  if ((tmp_fd = runcgo_fs_reopen_mounted (j->root_fd, j->dest, dst_fd, err)) < 0)
    goto out;
  for (size_t i = 0; i < n; i++)
    if (cg_mount_hierarchy (j, tmp_fd, &h[i], &proc_cgroup, err) < 0)
      goto out;
  if ((j->o.flags & MS_RDONLY) && runcgo_fs_remount_bind (tmp_fd, tmp_fd, flags | MS_RDONLY, 0) < 0)
    {
      runcgo_fail (err, errno, "remount the cgroup tmpfs on `%s` read-only", j->dest);
      goto out;
    }
  j->o.flags &= ~MS_RDONLY; /* done above; the tmpfs is not a bind */
  ret = apply_post_mount (j, tmp_fd, tmp_fd, false, err);
out:
  cg_hierarchies_free (h, n);
  return ret;
}

/* cgroup2 host: a fresh cgroup2 mount (it shows the cgroup namespace's root
 * when there is one); a user namespace without a cgroup namespace may not
 * mount it: then bind our own cgroup of the host's tree (runc). */
static int
mount_cgroup2 (struct mount_job *j, runcgo_error_t *err)
{
  cleanup_close int dst_fd = runcgo_safe_mkdir_p (j->root_fd, j->dest, false, err);
  if (dst_fd < 0)
    return -1;
  unsigned long flags = j->o.flags & ~(MS_BIND | MS_REC);
  if (runcgo_fs_mount_fd ("cgroup2", -1, dst_fd, "cgroup2", flags, j->o.data) == 0)
    return finish_mount (j, dst_fd, -1, false, NULL, err);
  if (errno != EPERM && errno != EBUSY)
    return runcgo_fail (err, errno, "mount cgroup2 on `%s`", j->dest);
  struct cg_hierarchy h = {
    .mountpoint = (char *)"/sys/fs/cgroup", .root = (char *)"/", .fstype = (char *)"cgroup2", .options = (char *)""
  };
  cleanup_free char *proc_cgroup = NULL;
  cleanup_free char *src = cg_own_path (&h, &proc_cgroup);
  return bind_host_fallback (j, src, "add a cgroup namespace to linux.namespaces", err);
}

static int
mount_cgroup (struct mount_job *j, const char *type, runcgo_error_t *err)
{
  struct statfs sfs;
  /* "cgroup2" asks for the unified hierarchy itself, even on a v1/hybrid
   * host; "cgroup" means whatever the host has */
  /* one named v1 hierarchy ("none,name=systemd": run.oci.systemd.force_cgroup_v1) */
  if (strcmp (type, "cgroup") == 0 && j->o.data && strstr (j->o.data, "name="))
    return mount_filesystem (j, err);
  if (strcmp (type, "cgroup2") == 0 || (statfs ("/sys/fs/cgroup", &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC))
    return mount_cgroup2 (j, err);
  return mount_cgroup_v1 (j, err);
}

/* ---------------------------------------------------------------- driver */

/* linux.mountLabel into the data of the mounts that take it as an option
 * (overlay.c adds it to the kernel's overlayfs only: fuse-overlayfs takes
 * no SELinux option). */
static void
label_mount_data (struct mount_job *j, const char *type)
{
  const struct runcgo_rootfs_ctx *ctx = j->ctx;
  if (ctx->mount_label == NULL || strcmp (type, "overlay") == 0
      || runcgo_mount_label_how (type, j->o.bind || j->o.rbind) != RUNCGO_MOUNT_LABEL_OPTION)
    return;
  char *data = runcgo_mount_label_data (j->o.data, ctx->mount_label, ctx->mount_context_type, true);
  free (j->o.data);
  j->o.data = data;
}

static int
mount_one (struct runcgo_rootfs_ctx *ctx, int root_fd, size_t i, runcgo_error_t *err)
{
  const struct runcgo_mount *m = &ctx->spec->mounts[i];
  struct mount_job j = { .ctx = ctx, .root_fd = root_fd, .m = m, .idmap_fd = -1 };
  if (ctx->idmap_fds)
    j.idmap_fd = steal_fd (&ctx->idmap_fds[i]);
  const char *type = m->type ? m->type : "";
  if (m->destination == NULL || *m->destination == '\0')
    return runcgo_fail (err, EINVAL, "mounts[%zu]: empty destination", i);
  runcgo_mount_opts_parse (m->options, &j.o, NULL);
  label_mount_data (&j, type);
  /* relative destinations (deprecated) are relative to "/" */
  cleanup_free char *abs = xasprintf ("/%s", m->destination);
  j.dest = runcgo_path_clean (abs);
  int ret;
  if (j.o.bind || j.o.rbind || strcmp (type, "bind") == 0)
    ret = mount_bind (&j, err);
  else if (strcmp (type, "cgroup") == 0 || strcmp (type, "cgroup2") == 0)
    ret = mount_cgroup (&j, type, err);
  else
    ret = mount_filesystem (&j, err);
  runcgo_mount_opts_free (&j.o);
  free (j.dest);
  if (j.idmap_fd >= 0)
    close (j.idmap_fd);
  if (ret < 0)
    runcgo_error_wrap (err, "mounts[%zu] (%s on %s)", i, *type ? type : "bind", m->destination);
  return ret;
}

static bool
is_root_destination (const struct runcgo_mount *m)
{
  cleanup_free char *abs = xasprintf ("/%s", m->destination ? m->destination : "");
  cleanup_free char *clean = runcgo_path_clean (abs);
  return strcmp (clean, "/") == 0;
}

/* A mount on "/" (an overlay over the rootfs, say) is stacked on the
 * rootfs' own mount: what follows goes into it, and pivot_root takes it. */
static int
reopen_root (const struct runcgo_rootfs_ctx *ctx, int *root_fd, runcgo_error_t *err)
{
  int fd = open (ctx->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return runcgo_fail (err, errno, "open the rootfs `%s` after a mount over it", ctx->rootfs);
  close (*root_fd);
  *root_fd = fd;
  return 0;
}

int
runcgo_fs_mounts_apply (struct runcgo_rootfs_ctx *ctx, int *root_fd, runcgo_error_t *err)
{
  int ret = 0;
  for (size_t i = 0; ret == 0 && i < ctx->spec->n_mounts; i++)
    {
      ret = mount_one (ctx, *root_fd, i, err);
      if (ret == 0 && is_root_destination (&ctx->spec->mounts[i]))
        ret = reopen_root (ctx, root_fd, err);
    }
  /* the idmapped mounts not attached (after an error) go with their fds */
  runcgo_idmap_fds_close (ctx->idmap_fds, ctx->spec->n_mounts);
  ctx->idmap_fds = NULL;
  return ret;
}
