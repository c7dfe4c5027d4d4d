/* sysctl.c -- linux.sysctl, written under the container's /proc/sys.
 *
 * The write must land in the procfs file the key names and nowhere else
 * (CVE-2025-52881: a container that controls its mounts can bind another
 * procfs file, e.g. /proc/sysrq-trigger, over a sysctl).  So every file is
 * opened beneath an fd of /proc/sys without following symlinks or crossing a
 * mount, and both ends are checked to be procfs before writing. */
#include "config.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/syscall.h>

#ifdef HAVE_LINUX_OPENAT2_H
#include <linux/openat2.h>
#endif

#include "core/util.h"
#include "linux/linux.h"

/* Dots separate components.  "/" is refused rather than interpreted the way
 * sysctl(8) does: a key is a name, never a path. */
char *
runcgo_sysctl_key_to_path (const char *key)
{
  if (key == NULL || *key == '\0' || key[0] == '.' || key[strlen (key) - 1] == '.')
    return NULL;
  if (strstr (key, "..") || strchr (key, '/'))
    return NULL;
  char *path = xstrdup (key);
  for (char *p = path; *p; p++)
    if (*p == '.')
      *p = '/';
  return path;
}

static int
check_procfs (int fd, const char *what, runcgo_error_t *err)
{
  struct statfs sfs;
  if (fstatfs (fd, &sfs) < 0)
    return runcgo_fail (err, errno, "fstatfs `%s`", what);
  if (sfs.f_type != PROC_SUPER_MAGIC)
    return runcgo_fail_hint (err, EXDEV, "mount a fresh proc filesystem on /proc",
                             "`%s` is not on procfs: refusing to write a sysctl through it", what);
  return 0;
}

/* openat2 does the whole walk in the kernel: no symlinks, no mount crossing
 * (EXDEV when something is mounted over any component), never above dirfd.
 * Returns -2 when openat2 is unavailable. */
static int
open_beneath_openat2 (int dirfd, const char *path, int flags)
{
#if defined HAVE_LINUX_OPENAT2_H && HAVE_DECL_SYS_OPENAT2
  static bool unavailable;
  if (!unavailable)
    {
      struct open_how how
          = { .flags = (uint64_t)flags,
              .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV };
      int fd = (int)syscall (SYS_openat2, dirfd, path, &how, sizeof (how));
      /* ENOSYS: kernel < 5.6; EPERM: a seccomp profile of an outer runtime */
      if (fd >= 0 || (errno != ENOSYS && errno != EPERM))
        return fd;
      unavailable = true;
    }
#endif
  return -2;
}

/* For kernels without openat2 (sysctl) and for lsm.c: the mount id of an
 * fd, from fdinfo. */
int
runcgo_fd_mount_id (int fd)
{
  char path[64];
  cleanup_free char *buf = NULL;
  snprintf (path, sizeof (path), "/proc/self/fdinfo/%d", fd);
  if (runcgo_read_file_at (AT_FDCWD, path, 4096, &buf, NULL, NULL) < 0)
    return -1;
  char *p = strstr (buf, "mnt_id:");
  return p ? atoi (p + 7) : -1;
}

/* Component by component with O_NOFOLLOW, checking that each one is on the
 * same mount as /proc/sys itself. */
static int
open_beneath_walk (int dirfd, const char *path, int flags)
{
  int root_mnt = runcgo_fd_mount_id (dirfd);
  cleanup_free char *copy = xstrdup (path);
  cleanup_close int cur = -1;
  char *save = NULL;
  for (char *comp = strtok_r (copy, "/", &save); comp; comp = strtok_r (NULL, "/", &save))
    {
      bool last = save == NULL || *save == '\0';
      int fl = last ? flags | O_NOFOLLOW : O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
      int next = openat (cur >= 0 ? cur : dirfd, comp, fl);
      if (next < 0)
        return -1;
      runcgo_closep (&cur);
      cur = next;
      if (root_mnt < 0 || runcgo_fd_mount_id (cur) != root_mnt)
        {
          errno = EXDEV;
          return -1;
        }
    }
  return steal_fd (&cur);
}

static const char *
sysctl_write_hint (int e)
{
  switch (e)
    {
    case ENOENT:
      return "this kernel has no such sysctl, or it is not visible in the container's namespaces";
    case EXDEV:
      return "something is mounted over the sysctl file or a directory above it";
    case EROFS:
      return "/proc/sys is read-only at this point: sysctls must be written before readonlyPaths are applied";
    case EACCES:
    case EPERM:
      return "only namespaced sysctls can be set, and only with the privileges of the container's user namespace";
    case EINVAL:
      return "the kernel rejected the value";
    default:
      return NULL;
    }
}

static int
sysctl_write_one (int procsys, const struct runcgo_kv *kv, runcgo_error_t *err)
{
  cleanup_free char *rel = runcgo_sysctl_key_to_path (kv->key);
  if (rel == NULL)
    return runcgo_fail_hint (err, EINVAL, "write keys with dots, e.g. net.ipv4.ip_forward",
                             "linux.sysctl: invalid key \"%s\"", kv->key ? kv->key : "");
  cleanup_free char *shown = xasprintf ("/proc/sys/%s", rel);
  int flags = O_WRONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY;
  cleanup_close int fd = open_beneath_openat2 (procsys, rel, flags);
  if (fd == -2)
    fd = open_beneath_walk (procsys, rel, flags);
  if (fd < 0)
    return runcgo_fail_hint (err, errno, sysctl_write_hint (errno), "linux.sysctl \"%s\": open `%s`", kv->key, shown);
  if (check_procfs (fd, shown, err) < 0)
    return runcgo_error_wrap (err, "linux.sysctl \"%s\"", kv->key);
  const char *value = kv->value ? kv->value : "";
  if (runcgo_write_all (fd, value, strlen (value)) < 0)
    return runcgo_fail_hint (err, errno, sysctl_write_hint (errno), "linux.sysctl \"%s\": write \"%s\" to `%s`",
                             kv->key, value, shown);
  return 0;
}

int
runcgo_sysctl_apply (const struct runcgo_linux *l, runcgo_error_t *err)
{
  if (l == NULL || l->n_sysctl == 0)
    return 0;
  cleanup_close int procsys = open ("/proc/sys", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (procsys < 0)
    return runcgo_fail_hint (err, errno, "linux.sysctl needs proc mounted on /proc in the container",
                             "linux.sysctl: open `/proc/sys`");
  if (check_procfs (procsys, "/proc/sys", err) < 0)
    return runcgo_error_wrap (err, "linux.sysctl");
  for (size_t i = 0; i < l->n_sysctl; i++)
    if (sysctl_write_one (procsys, &l->sysctl[i], err) < 0)
      return -1;
  return 0;
}
