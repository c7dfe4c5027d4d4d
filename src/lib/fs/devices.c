/* devices.c -- the container's /dev: default devices, linux.devices, the
 * /dev symlinks of runtime-linux.md, /dev/ptmx and /dev/console.
 *
 * Nodes are made with mknod, or, in a user namespace (no CAP_MKNOD that
 * counts), by bind-mounting the host's node onto an empty file we create.
 * Everything is created with *at() calls in a directory fd that safe_path
 * resolved, with O_EXCL / O_NOFOLLOW, so a symlink planted by the image
 * cannot make us mount or chown outside the rootfs (CVE-2025-52565). */
#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "core/util.h"
#include "fs/fs.h"

struct dev_node
{
  const char *path;
  char type;
  int64_t major, minor;
  mode_t mode;
  uid_t uid;
  gid_t gid;
};

/* config-linux.md "Default Devices" (ptmx and console handled below) */
static const struct dev_node default_devices[] = {
  { "/dev/null", 'c', 1, 3, 0666, 0, 0 },    { "/dev/zero", 'c', 1, 5, 0666, 0, 0 },
  { "/dev/full", 'c', 1, 7, 0666, 0, 0 },    { "/dev/random", 'c', 1, 8, 0666, 0, 0 },
  { "/dev/urandom", 'c', 1, 9, 0666, 0, 0 }, { "/dev/tty", 'c', 5, 0, 0666, 0, 0 },
};

static mode_t
node_type (char type)
{
  switch (type)
    {
    case 'b':
      return S_IFBLK;
    case 'p':
      return S_IFIFO;
    default: /* 'c' and 'u' (unbuffered character device) */
      return S_IFCHR;
    }
}

static bool
node_matches (const struct stat *st, const struct dev_node *d)
{
  mode_t type = node_type (d->type);
  if ((st->st_mode & S_IFMT) != type)
    return false;
  return type == S_IFIFO || st->st_rdev == makedev ((unsigned)d->major, (unsigned)d->minor);
}

/* In a user namespace: bind the host's node (same path on the host) onto a
 * regular file we just created, or onto an empty placeholder already there. */
static int
bind_host_node (int parent, const char *name, const struct dev_node *d, bool exists, runcgo_error_t *err)
{
  cleanup_close int host = open (d->path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  struct stat st;
  if (host < 0 || fstat (host, &st) < 0)
    return runcgo_fail (err, errno, "open host device `%s` to bind it", d->path);
  if (!node_matches (&st, d))
    return runcgo_fail (err, ENODEV, "host `%s` is not the device %c %lld:%lld", d->path, d->type, (long long)d->major,
                        (long long)d->minor);
  cleanup_close int target = exists ? openat (parent, name, O_PATH | O_NOFOLLOW | O_CLOEXEC)
                                    : openat (parent, name, O_CREAT | O_EXCL | O_NOFOLLOW | O_WRONLY | O_CLOEXEC, 0644);
  if (target < 0 || fstat (target, &st) < 0)
    return runcgo_fail (err, errno, "create `%s` to bind the device onto", d->path);
  if (!S_ISREG (st.st_mode))
    return runcgo_fail (err, EEXIST, "`%s` exists and is not a regular file to bind the device onto", d->path);
  if (runcgo_fs_mount_fd (NULL, host, target, NULL, MS_BIND, NULL) < 0)
    return runcgo_fail (err, errno, "bind host device `%s` into the container", d->path);
  return 0;
}

static int
mknod_node (int parent, const char *name, const struct dev_node *d)
{
  mode_t type = node_type (d->type);
  dev_t rdev = type == S_IFIFO ? 0 : makedev ((unsigned)d->major, (unsigned)d->minor);
  /* the init is single-threaded: a umask of 0 gives exactly fileMode */
  mode_t old = umask (0);
  int r = mknodat (parent, name, type | (d->mode & 07777), rdev);
  int saved = errno;
  umask (old);
  errno = saved;
  if (r < 0)
    return -1;
  return fchownat (parent, name, d->uid, d->gid, AT_SYMLINK_NOFOLLOW);
}

static int
create_device (int root_fd, const struct dev_node *d, bool userns, runcgo_error_t *err)
{
  cleanup_free char *abs = xasprintf ("/%s", d->path);
  cleanup_free char *path = runcgo_path_clean (abs);
  char *slash = strrchr (path, '/');
  const char *name = slash + 1;
  if (*name == '\0' || strcmp (name, "..") == 0)
    return runcgo_fail (err, EINVAL, "device path `%s` names no file", d->path);
  *slash = '\0';
  cleanup_close int parent = runcgo_safe_mkdir_p (root_fd, *path ? path : "/", false, err);
  if (parent < 0)
    return -1;
  struct stat st;
  bool exists = fstatat (parent, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
  if (exists && node_matches (&st, d))
    return 0; /* already there (an image's /dev, or listed twice) */
  /* config-linux.md: an existing file that is not the device is an error;
   * only an empty regular file may serve as a bind placeholder */
  if (exists && !(userns && S_ISREG (st.st_mode) && st.st_size == 0))
    return runcgo_fail (err, EEXIST, "`%s` exists and is not the device %c %lld:%lld", d->path, d->type,
                        (long long)d->major, (long long)d->minor);
  if (!userns || node_type (d->type) == S_IFIFO)
    {
      if (mknod_node (parent, name, d) == 0)
        return 0;
      if (errno != EPERM || node_type (d->type) == S_IFIFO)
        return runcgo_fail (err, errno, "mknod `%s`", d->path);
      /* EPERM: no CAP_MKNOD here after all (a devices cgroup, or a user
       * namespace we were not told about): bind, as runc does */
    }
  return bind_host_node (parent, name, d, exists, err);
}

static bool
spec_has_device (const struct runcgo_linux *l, const char *path)
{
  cleanup_free char *want = runcgo_path_clean (path);
  for (size_t i = 0; l && i < l->n_devices; i++)
    {
      cleanup_free char *abs = xasprintf ("/%s", l->devices[i].path);
      cleanup_free char *p = runcgo_path_clean (abs);
      if (strcmp (p, want) == 0)
        return true;
    }
  return false;
}

static int
create_devices (struct runcgo_rootfs_ctx *ctx, int root_fd, runcgo_error_t *err)
{
  const struct runcgo_linux *l = ctx->spec->linux_;
  for (size_t i = 0; i < ARRAY_SIZE (default_devices); i++)
    if (!spec_has_device (l, default_devices[i].path)
        && create_device (root_fd, &default_devices[i], ctx->userns, err) < 0)
      return runcgo_error_wrap (err, "default device %s", default_devices[i].path);
  for (size_t i = 0; l && i < l->n_devices; i++)
    {
      const struct runcgo_device *sd = &l->devices[i];
      struct dev_node d = {
        .path = sd->path,
        .type = sd->type,
        .major = sd->major,
        .minor = sd->minor,
        .mode = sd->file_mode.set ? (mode_t)(sd->file_mode.v & 07777) : 0666,
        .uid = sd->uid.set ? (uid_t)sd->uid.v : 0,
        .gid = sd->gid.set ? (gid_t)sd->gid.v : 0,
      };
      if (create_device (root_fd, &d, ctx->userns, err) < 0)
        return runcgo_error_wrap (err, "linux.devices[%zu] (%s)", i, sd->path);
    }
  return 0;
}

/* runtime-linux.md "Dev symbolic links", plus /dev/core like runc */
static int
create_dev_symlinks (int dev_fd, runcgo_error_t *err)
{
  static const char *const links[][2] = {
    { "/proc/self/fd", "fd" },       { "/proc/self/fd/0", "stdin" }, { "/proc/self/fd/1", "stdout" },
    { "/proc/self/fd/2", "stderr" }, { "/proc/kcore", "core" },
  };
  for (size_t i = 0; i < ARRAY_SIZE (links); i++)
    {
      /* runc links /dev/core only when the host has /proc/kcore */
      if (strcmp (links[i][1], "core") == 0 && access ("/proc/kcore", F_OK) < 0)
        continue;
      if (symlinkat (links[i][0], dev_fd, links[i][1]) < 0 && errno != EEXIST)
        return runcgo_fail (err, errno, "symlink /dev/%s -> %s", links[i][1], links[i][0]);
    }
  return 0;
}

/* /dev/ptmx -> pts/ptmx, the devpts instance of the container (runc). */
static int
create_ptmx_link (int dev_fd, runcgo_error_t *err)
{
  if (unlinkat (dev_fd, "ptmx", 0) < 0 && errno != ENOENT
      && !(errno == EISDIR && unlinkat (dev_fd, "ptmx", AT_REMOVEDIR) == 0))
    return runcgo_fail (err, errno, "remove /dev/ptmx");
  if (symlinkat ("pts/ptmx", dev_fd, "ptmx") < 0)
    return runcgo_fail (err, errno, "symlink /dev/ptmx -> pts/ptmx");
  return 0;
}

/* /dev/console: whatever the image put there goes, a fresh regular file is
 * created with O_EXCL (so it is ours, not a planted symlink), and the pty
 * slave is bound onto that very fd (CVE-2025-52565). */
static int
setup_console (int dev_fd, int console_fd, runcgo_error_t *err)
{
  struct stat st;
  if (fstat (console_fd, &st) < 0)
    return runcgo_fail (err, errno, "console fd %d", console_fd);
  if (!S_ISCHR (st.st_mode))
    return runcgo_fail (err, ENOTTY, "console fd %d is not a terminal device", console_fd);
  if (unlinkat (dev_fd, "console", 0) < 0 && errno != ENOENT)
    return runcgo_fail (err, errno, "remove the image's /dev/console");
  cleanup_close int fd = openat (dev_fd, "console", O_CREAT | O_EXCL | O_NOFOLLOW | O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0)
    return runcgo_fail (err, errno, "create /dev/console");
  if (fstat (fd, &st) < 0 || !S_ISREG (st.st_mode))
    return runcgo_fail (err, EEXIST, "/dev/console is not the file just created");
  if (runcgo_fs_mount_fd (NULL, console_fd, fd, NULL, MS_BIND, NULL) < 0)
    return runcgo_fail (err, errno, "bind the console pty onto /dev/console");
  return 0;
}

/* process.terminal: the pty comes from the container's own devpts instance
 * (its /dev/pts/ptmx, resolved inside the rootfs), so the container can
 * reopen it and no host pty is exposed.  TIOCGPTPEER opens the slave from
 * the master without a path lookup that could be raced. */
static int
open_container_pty (struct runcgo_rootfs_ctx *ctx, int root_fd, runcgo_error_t *err)
{
  int master = runcgo_safe_open (root_fd, "/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC, 0, err);
  if (master < 0)
    return runcgo_error_wrap (err, "process.terminal: open the container's /dev/pts/ptmx (is devpts mounted?)");
  int unlock = 0;
  struct stat st;
  if (fstat (master, &st) < 0 || !S_ISCHR (st.st_mode) || ioctl (master, TIOCSPTLCK, &unlock) < 0)
    {
      int e = errno ? errno : ENOTTY;
      close (master);
      return runcgo_fail (err, e, "process.terminal: /dev/pts/ptmx is not a pty multiplexer");
    }
  int slave = ioctl (master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0)
    {
      int e = errno;
      close (master);
      return runcgo_fail (err, e, "process.terminal: open the pty slave");
    }
  ctx->pty_master = master;
  ctx->console_fd = slave;
  return 0;
}

/* A /dev bind-mounted from the host is used as it is (runc's needsSetupDev). */
static bool
dev_is_bind_mount (const struct runcgo_spec *spec)
{
  for (size_t i = 0; i < spec->n_mounts; i++)
    {
      const struct runcgo_mount *m = &spec->mounts[i];
      if (m->destination == NULL)
        continue;
      cleanup_free char *abs = xasprintf ("/%s", m->destination);
      cleanup_free char *dest = runcgo_path_clean (abs);
      bool bind = (m->type && strcmp (m->type, "bind") == 0) || runcgo_strv_contains (m->options, "bind")
                  || runcgo_strv_contains (m->options, "rbind");
      if (bind && strcmp (dest, "/dev") == 0)
        return true;
    }
  return false;
}

int
runcgo_fs_devices_setup (struct runcgo_rootfs_ctx *ctx, int root_fd, runcgo_error_t *err)
{
  bool host_dev = dev_is_bind_mount (ctx->spec);
  if (host_dev && ctx->console_fd < 0 && !ctx->terminal)
    return 0;
  cleanup_close int dev_fd = runcgo_safe_mkdir_p (root_fd, "/dev", false, err);
  if (dev_fd < 0)
    return runcgo_error_wrap (err, "set up /dev");
  if (!host_dev)
    {
      if (create_devices (ctx, root_fd, err) < 0 || create_dev_symlinks (dev_fd, err) < 0
          || create_ptmx_link (dev_fd, err) < 0)
        return -1;
    }
  if (ctx->terminal && ctx->console_fd < 0 && open_container_pty (ctx, root_fd, err) < 0)
    return -1;
  if (ctx->console_fd >= 0 && setup_console (dev_fd, ctx->console_fd, err) < 0)
    return -1;
  return 0;
}
