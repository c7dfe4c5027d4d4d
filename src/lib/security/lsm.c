/* lsm.c -- AppArmor and SELinux exec labels, the SELinux label of the
 * session keyring.
 *
 * The write goes to a procfs file of our own thread; the fd is checked to be
 * on procfs, and on the very mount /proc is, before writing: a mount
 * planted over the attr file (a bind of another procfs file such as
 * sysrq-trigger, which is procfs too) cannot redirect it (the
 * CVE-2025-52881 class). */
#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/vfs.h>

#include "core/util.h"
#include "linux/linux.h"
#include "security.h"

#ifndef PROC_SUPER_MAGIC
#define PROC_SUPER_MAGIC 0x9fa0
#endif

bool
runcgo_apparmor_enabled (void)
{
  char buf[4] = { 0 };
  cleanup_close int fd = open ("/sys/module/apparmor/parameters/enabled", O_RDONLY | O_CLOEXEC);
  return fd >= 0 && read (fd, buf, 1) == 1 && buf[0] == 'Y';
}

bool
runcgo_selinux_enabled (void)
{
  struct statfs st;
  return statfs ("/sys/fs/selinux", &st) == 0 && st.f_type == 0xf97cff8c; /* SELINUX_MAGIC */
}

static int
write_proc_attr (const char *path, const char *data, runcgo_error_t *err)
{
  cleanup_close int proc = open ("/proc", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  cleanup_close int fd = open (path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
  struct statfs st;
  if (fd < 0)
    return runcgo_fail (err, errno, "open %s", path);
  if (fstatfs (fd, &st) < 0 || st.f_type != PROC_SUPER_MAGIC)
    return runcgo_fail (err, EXDEV, "%s is not on procfs", path);
  /* a procfs file whose mount differs from /proc's has something mounted
   * over it */
  uint64_t proc_mnt, fd_mnt;
  if (proc < 0 || runcgo_fd_mount_id (proc, NULL, &proc_mnt) < 0 || runcgo_fd_mount_id (fd, NULL, &fd_mnt) < 0
      || fd_mnt != proc_mnt)
    return runcgo_fail_hint (err, EXDEV, "remove the mount over it from config.json",
                             "%s is not on the /proc mount (something is mounted over it): refusing to write", path);
  if (write (fd, data, strlen (data)) < 0)
    return runcgo_fail (err, errno, "write %s", path);
  return 0;
}

int
runcgo_lsm_apply_exec_labels (const struct runcgo_process *p, runcgo_error_t *err)
{
  if (p->apparmor_profile && *p->apparmor_profile)
    {
      if (!runcgo_apparmor_enabled ())
        return runcgo_fail_hint (err, 0, "remove process.apparmorProfile (or --apparmor) on this host",
                                 "process.apparmorProfile \"%s\": AppArmor is not enabled on this host",
                                 p->apparmor_profile);
      cleanup_free char *cmd = xasprintf ("exec %s", p->apparmor_profile);
      if (write_proc_attr ("/proc/thread-self/attr/apparmor/exec", cmd, err) < 0)
        return runcgo_error_wrap (err, "process.apparmorProfile");
    }
  if (p->selinux_label && *p->selinux_label)
    {
      if (!runcgo_selinux_enabled ())
        return runcgo_fail_hint (err, 0, "remove process.selinuxLabel (or --process-label) on this host",
                                 "process.selinuxLabel \"%s\": SELinux is not enabled on this host", p->selinux_label);
      if (write_proc_attr ("/proc/thread-self/attr/exec", p->selinux_label, err) < 0)
        return runcgo_error_wrap (err, "process.selinuxLabel");
    }
  return 0;
}

int
runcgo_selinux_set_keycreate (const char *label, runcgo_error_t *err)
{
  if (!runcgo_selinux_enabled ())
    return 0;
  if (write_proc_attr ("/proc/thread-self/attr/keycreate", label ? label : "", err) < 0)
    return runcgo_error_wrap (err, "process.selinuxLabel: label of the session keyring");
  return 0;
}
