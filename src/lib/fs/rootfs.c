/* rootfs.c -- the init's filesystem work, in order: mount propagation of
 * "/", the rootfs as a mount point, config mounts and /dev (before the
 * createContainer hooks); then pivot_root (or chroot), rootfsPropagation,
 * readonlyPaths, maskedPaths and root.readonly (after them).
 *
 * Follows runc's rootfs_linux.go step by step; every path inside the
 * container is resolved through safe_path, every mount targets an fd. */
#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "core/util.h"
#include "fs/fs.h"
#include "linux/linux.h"
#include "security/security.h"

static const char *
rootfs_propagation_name (const struct runcgo_rootfs_ctx *ctx)
{
  const struct runcgo_linux *l = ctx->spec->linux_;
  return l && l->rootfs_propagation && *l->rootfs_propagation ? l->rootfs_propagation : NULL;
}

/* linux.rootfsPropagation -> MS_*; runc's table (shared = MS_SHARED, rshared
 * = MS_SHARED|MS_REC, ...).  0 when unset. */
static int
rootfs_propagation (const struct runcgo_rootfs_ctx *ctx, unsigned long *out, runcgo_error_t *err)
{
  const char *name = rootfs_propagation_name (ctx);
  *out = 0;
  if (name == NULL)
    return 0;
  char *one[] = { (char *)name, NULL };
  struct runcgo_mount_opts o;
  runcgo_mount_opts_parse (one, &o, NULL);
  bool only_propagation = o.flags == 0 && o.clear == 0 && o.data == NULL && o.attr_set == 0 && o.attr_clr == 0;
  runcgo_mount_opts_free (&o);
  if (o.propagation == 0 || !only_propagation)
    return runcgo_fail_hint (err, EINVAL, "use shared, slave, private or unbindable",
                             "linux.rootfsPropagation: unknown value `%s`", name);
  *out = o.propagation;
  return 0;
}

/* pivot_root refuses a new root whose parent mount is shared, so make the
 * mount that holds the rootfs private (walk up to the first mount point:
 * MS_PRIVATE on a non-mount-point is EINVAL).  This is our namespace's copy. */
static int
make_parent_mount_private (const char *rootfs, runcgo_error_t *err)
{
  cleanup_free char *p = runcgo_path_clean (rootfs);
  for (;;)
    {
      if (mount (NULL, p, NULL, MS_PRIVATE, NULL) == 0)
        return 0;
      if (errno != EINVAL || strcmp (p, "/") == 0)
        return runcgo_fail (err, errno, "make the mount holding `%s` private", rootfs);
      char *slash = strrchr (p, '/');
      if (slash == p)
        slash[1] = '\0';
      else
        *slash = '\0';
    }
}

/* linux.mountLabel is applied only where SELinux is enabled (else `create`
 * warned that it is ignored); decided once, while /sys/fs/selinux is the
 * host's. */
static void
choose_mount_label (struct runcgo_rootfs_ctx *ctx)
{
  const struct runcgo_linux *l = ctx->spec->linux_;
  bool wanted = l && l->mount_label && *l->mount_label;
  ctx->mount_label = wanted && runcgo_selinux_enabled () ? l->mount_label : NULL;
  ctx->mount_context_type = runcgo_spec_annotation (ctx->spec, RUNCGO_ANN_MOUNT_CONTEXT_TYPE);
}

int
runcgo_rootfs_mount_all (struct runcgo_rootfs_ctx *ctx, runcgo_error_t *err)
{
  unsigned long prop;
  choose_mount_label (ctx);
  if (rootfs_propagation (ctx, &prop, err) < 0)
    return -1;
  /* default rslave: host mounts still reach us, ours never reach the host */
  unsigned long root_flags = prop ? prop : MS_SLAVE | MS_REC;
  if (mount (NULL, "/", NULL, root_flags, NULL) < 0)
    return runcgo_fail (err, errno, "set the propagation of `/` in the container's mount namespace");
  if (make_parent_mount_private (ctx->rootfs, err) < 0)
    return -1;
  /* pivot_root needs the new root to be a mount point */
  if (mount (ctx->rootfs, ctx->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
    return runcgo_fail (err, errno, "bind the rootfs `%s` onto itself", ctx->rootfs);
  /* take the procfs handle now, while /proc is certainly the host's */
  if (runcgo_fs_proc_open () < 0)
    return runcgo_fail (err, errno, "open /proc/self of the host procfs");
  cleanup_close int root_fd = open (ctx->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0)
    return runcgo_fail (err, errno, "open the rootfs `%s`", ctx->rootfs);
  if (runcgo_fs_mounts_apply (ctx, &root_fd, err) < 0 || runcgo_fs_devices_setup (ctx, root_fd, err) < 0)
    return -1;
  if (runcgo_fs_cwd_restore () < 0)
    return runcgo_fail (err, errno, "return to the working directory after mounting");
  return 0;
}

/* ---------------------------------------------------------------- the switch */

/* pivot_root(".", ".") stacks the old root on top of the new one at "/";
 * unmounting "." then drops it (runc's trick: no put_old directory needed,
 * works on a read-only rootfs).  The old root is made rslave first so the
 * unmount cannot propagate to the host. */
static int
pivot_into (const char *rootfs, runcgo_error_t *err)
{
  cleanup_close int oldroot = open ("/", O_DIRECTORY | O_PATH | O_CLOEXEC);
  cleanup_close int newroot = open (rootfs, O_DIRECTORY | O_PATH | O_CLOEXEC);
  if (oldroot < 0 || newroot < 0)
    return runcgo_fail (err, errno, "open `/` and `%s` for pivot_root", rootfs);
  if (fchdir (newroot) < 0)
    return runcgo_fail (err, errno, "chdir to `%s`", rootfs);
  if (syscall (SYS_pivot_root, ".", ".") < 0)
    return runcgo_fail_hint (err, errno, "a rootfs on ramfs/initramfs cannot be pivoted: use --no-pivot",
                             "pivot_root into `%s`", rootfs);
  /* the kernel leaves "." as the old root today, but do not rely on it */
  if (fchdir (oldroot) < 0)
    return runcgo_fail (err, errno, "chdir to the old root");
  if (mount (NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
    return runcgo_fail (err, errno, "make the old root rslave");
  if (umount2 (".", MNT_DETACH) < 0)
    return runcgo_fail (err, errno, "unmount the old root");
  if (chdir ("/") < 0)
    return runcgo_fail (err, errno, "chdir to the new root");
  return 0;
}

/* --no-pivot: move the rootfs mount over "/" and chroot into it.  Weaker
 * (the old root stays reachable to a process that escapes the chroot),
 * which is why it is opt-in. */
static int
chroot_into (const char *rootfs, runcgo_error_t *err)
{
  if (chdir (rootfs) < 0)
    return runcgo_fail (err, errno, "chdir to `%s`", rootfs);
  if (mount (rootfs, "/", NULL, MS_MOVE, NULL) < 0)
    return runcgo_fail (err, errno, "move the rootfs mount `%s` to `/`", rootfs);
  if (chroot (".") < 0)
    return runcgo_fail (err, errno, "chroot into `%s`", rootfs);
  if (chdir ("/") < 0)
    return runcgo_fail (err, errno, "chdir to the new root");
  return 0;
}

/* ---------------------------------------------------------------- after the switch */

/* A path that does not exist in the container is skipped (runc): 0; any
 * other failure moves OPEN_ERR into *err with CONTEXT: -1. */
static int
skip_if_missing (runcgo_error_t *open_err, runcgo_error_t *err, const char *context)
{
  int status = *open_err ? (*open_err)->status : 0;
  if (status == ENOENT || status == ENOTDIR)
    {
      runcgo_error_release (open_err);
      return 0;
    }
  if (err && *err == NULL)
    *err = steal_ptr (open_err);
  else
    runcgo_error_release (open_err);
  return runcgo_error_wrap (err, "%s", context);
}

/* Bind the path onto itself and remount that read-only, keeping its
 * nosuid/nodev/noexec (runc's readonlyPath).  Missing paths are skipped. */
static int
readonly_path (int root_fd, const char *path, runcgo_error_t *err)
{
  runcgo_error_t open_err = NULL;
  cleanup_close int fd = runcgo_safe_open (root_fd, path, O_PATH, 0, &open_err);
  if (fd < 0)
    return skip_if_missing (&open_err, err, "linux.readonlyPaths");
  if (runcgo_fs_mount_fd (NULL, fd, fd, NULL, MS_BIND | MS_REC, NULL) < 0)
    return runcgo_fail (err, errno, "linux.readonlyPaths: bind `%s` onto itself", path);
  cleanup_close int new_fd = runcgo_fs_reopen_mounted (root_fd, path, fd, err);
  if (new_fd < 0)
    return runcgo_error_wrap (err, "linux.readonlyPaths");
  struct statvfs sv;
  unsigned long keep = 0;
  if (fstatvfs (new_fd, &sv) == 0)
    keep = ((sv.f_flag & ST_NOSUID) ? MS_NOSUID : 0) | ((sv.f_flag & ST_NODEV) ? MS_NODEV : 0)
           | ((sv.f_flag & ST_NOEXEC) ? MS_NOEXEC : 0);
  if (runcgo_fs_remount_bind (new_fd, new_fd, MS_RDONLY | keep, 0) < 0)
    return runcgo_fail (err, errno, "linux.readonlyPaths: remount `%s` read-only", path);
  return 0;
}

/* The container's /dev/null, opened without following a symlink and checked
 * to be the real null device before it is bound over anything: a symlink or
 * another node there would turn a mask into a writable window
 * (CVE-2025-31133). */
static int
open_dev_null (int root_fd, runcgo_error_t *err)
{
  cleanup_close int fd = runcgo_safe_open (root_fd, "/dev/null", O_PATH | O_NOFOLLOW, 0, err);
  if (fd < 0)
    return runcgo_error_wrap (err, "linux.maskedPaths: need /dev/null");
  struct stat st;
  if (fstat (fd, &st) < 0)
    return runcgo_fail (err, errno, "linux.maskedPaths: stat /dev/null");
  if (!S_ISCHR (st.st_mode) || major (st.st_rdev) != 1 || minor (st.st_rdev) != 3)
    return runcgo_fail (err, EPERM, "linux.maskedPaths: /dev/null in the container is not the null device (1:3)");
  return steal_fd (&fd);
}

/* Directories get an empty read-only tmpfs (labelled with
 * linux.mountLabel), files /dev/null (runc). */
static int
mask_path (const struct runcgo_rootfs_ctx *ctx, int root_fd, int *null_fd, const char *path, runcgo_error_t *err)
{
  runcgo_error_t open_err = NULL;
  cleanup_close int fd = runcgo_safe_open (root_fd, path, O_PATH, 0, &open_err);
  if (fd < 0)
    return skip_if_missing (&open_err, err, "linux.maskedPaths");
  struct stat st;
  if (fstat (fd, &st) < 0)
    return runcgo_fail (err, errno, "linux.maskedPaths: stat `%s`", path);
  if (S_ISDIR (st.st_mode))
    {
      cleanup_free char *data
          = runcgo_mount_label_data (NULL, ctx->mount_label, ctx->mount_context_type, ctx->mount_label != NULL);
      if (runcgo_fs_mount_fd ("tmpfs", -1, fd, "tmpfs", MS_RDONLY, data) < 0)
        return runcgo_fail (err, errno, "linux.maskedPaths: mount a read-only tmpfs on `%s`", path);
      return 0;
    }
  if (*null_fd < 0 && (*null_fd = open_dev_null (root_fd, err)) < 0)
    return -1;
  if (runcgo_fs_mount_fd (NULL, *null_fd, fd, NULL, MS_BIND, NULL) < 0)
    return runcgo_fail (err, errno, "linux.maskedPaths: bind /dev/null onto `%s`", path);
  return 0;
}

static int
finish_paths (const struct runcgo_rootfs_ctx *ctx, runcgo_error_t *err)
{
  const struct runcgo_spec *spec = ctx->spec;
  const struct runcgo_linux *l = spec->linux_;
  cleanup_close int root_fd = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  cleanup_close int null_fd = -1;
  if (root_fd < 0)
    return runcgo_fail (err, errno, "open the new root");
  /* runc's order: readonly paths, then masks */
  for (size_t i = 0; l && l->readonly_paths && l->readonly_paths[i]; i++)
    if (readonly_path (root_fd, l->readonly_paths[i], err) < 0)
      return -1;
  for (size_t i = 0; l && l->masked_paths && l->masked_paths[i]; i++)
    if (mask_path (ctx, root_fd, &null_fd, l->masked_paths[i], err) < 0)
      return -1;
  if (spec->root_readonly && runcgo_fs_remount_bind (root_fd, root_fd, MS_RDONLY, 0) < 0)
    return runcgo_fail (err, errno, "root.readonly: remount `/` read-only");
  return 0;
}

int
runcgo_rootfs_pivot_and_finish (struct runcgo_rootfs_ctx *ctx, runcgo_error_t *err)
{
  unsigned long prop;
  if (rootfs_propagation (ctx, &prop, err) < 0)
    return -1;
  /* the handle must come from the host procfs: take it before the switch */
  if (runcgo_fs_proc_open () < 0)
    return runcgo_fail (err, errno, "open /proc/self of the host procfs");
  int ret = ctx->no_pivot ? chroot_into (ctx->rootfs, err) : pivot_into (ctx->rootfs, err);
  /* rootfsPropagation applies to the new "/", never to the host's; private
   * is already the state make_parent_mount_private left (runc) */
  if (ret == 0 && prop && !(prop & MS_PRIVATE) && mount (NULL, "/", NULL, prop, NULL) < 0)
    ret = runcgo_fail (err, errno, "linux.rootfsPropagation: set `%s` on `/`", rootfs_propagation_name (ctx));
  /* sysctls go through the container's /proc before readonlyPaths make
   * /proc/sys read-only (runc's order) */
  if (ret == 0 && ctx->spec->linux_ && runcgo_sysctl_apply (ctx->spec->linux_, err) < 0)
    ret = -1;
  if (ret == 0)
    ret = finish_paths (ctx, err);
  runcgo_fs_proc_release ();
  return ret;
}
