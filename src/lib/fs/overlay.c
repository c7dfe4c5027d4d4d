/* overlay.c -- overlay mounts of the config (type "overlay"): native
 * overlayfs, else fuse-overlayfs started by the container init.
 *
 * Native overlayfs works in a user namespace since Linux 5.11; where it does
 * not (EPERM/EINVAL there), or when the annotation run.oci.runcgo.overlay is
 * "fuse", the init forks `fuse-overlayfs -f` in its own mount and user
 * namespaces and waits until the mount appears on the destination.  The
 * daemon stays the init's child with PR_SET_PDEATHSIG(SIGKILL): it dies with
 * the container's process whether or not there is a pid namespace or a
 * cgroup, so `delete` and `kill -9` leave no daemon behind.  A mount on "/"
 * is stacked over the rootfs (its lowerdir is usually root.path itself),
 * mounts.c continues inside it and pivot_root takes it.  For fuse-overlayfs
 * there the daemon gets a mount namespace of its own (see root_daemon_ns):
 * pivot_root must not move the daemon's root into the filesystem it serves. */
#include "config.h"

#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/util.h"
#include "fs/fs.h"

#define FUSE_MOUNT_TIMEOUT_MS 10000

static const char fuse_hint[] = "install fuse-overlayfs (package fuse-overlayfs) and make /dev/fuse usable by the "
                                "user (chmod 0666 /dev/fuse, the usual mode); `runcgo check` shows both";
/* the binary and /dev/fuse were checked first: a daemon that exits is most
 * often refusing the layers (its own message says which) */
static const char fuse_exit_hint[] = "check lowerdir, upperdir and workdir (relative ones are taken from the bundle)";

/* ---------------------------------------------------------------- options */

/* A lowerdir/upperdir/workdir value with every relative directory made
 * absolute against the bundle (as relative bind sources are): the mount
 * happens from /proc/<pid> and fuse-overlayfs runs with cwd "/". */
static char *
absolute_dirs (const char *value, const char *bundle, bool is_list)
{
  cleanup_free char *copy = xstrdup (value);
  char *out = xstrdup (""), *save = NULL;
  const char *sep = is_list ? ":" : "";
  for (char *dir = is_list ? strtok_r (copy, ":", &save) : copy; dir;
       dir = is_list ? strtok_r (NULL, ":", &save) : NULL)
    {
      char *next
          = xasprintf ("%s%s%s%s%s", out, *out ? sep : "", dir[0] == '/' ? "" : bundle, dir[0] == '/' ? "" : "/", dir);
      free (out);
      out = next;
    }
  return out;
}

/* Options only the kernel's overlayfs knows: fuse-overlayfs would print
 * "unknown argument" for each. */
static bool
kernel_only_option (const char *opt)
{
  static const char *const prefixes[]
      = { "userxattr", "redirect_dir", "index", "metacopy", "xino", "nfs_export", "uuid", "verity", "override_creds" };
  for (size_t i = 0; i < ARRAY_SIZE (prefixes); i++)
    {
      size_t l = strlen (prefixes[i]);
      if (strncmp (opt, prefixes[i], l) == 0 && (opt[l] == '\0' || opt[l] == '='))
        return true;
    }
  return false;
}

static void
append_opt (char **s, const char *opt)
{
  char *next = xasprintf ("%s%s%s", *s, **s ? "," : "", opt);
  free (*s);
  *s = next;
}

/* The mount data with absolute directories, for the kernel (*native) and
 * for fuse-overlayfs (*fuse, without kernel-only options). */
static void
overlay_data (const char *data, const char *bundle, char **native, char **fuse)
{
  cleanup_free char *copy = xstrdup (data ? data : "");
  char *save = NULL;
  *native = xstrdup ("");
  *fuse = xstrdup ("");
  for (char *opt = strtok_r (copy, ",", &save); opt; opt = strtok_r (NULL, ",", &save))
    {
      cleanup_free char *abs = NULL;
      char *eq = strchr (opt, '=');
      if (eq
          && (strncmp (opt, "lowerdir=", 9) == 0 || strncmp (opt, "upperdir=", 9) == 0
              || strncmp (opt, "workdir=", 8) == 0))
        {
          cleanup_free char *dirs = absolute_dirs (eq + 1, bundle, opt[0] == 'l');
          abs = xasprintf ("%.*s=%s", (int)(eq - opt), opt, dirs);
        }
      append_opt (native, abs ? abs : opt);
      if (!kernel_only_option (opt))
        append_opt (fuse, abs ? abs : opt);
    }
}

/* ---------------------------------------------------------------- fuse-overlayfs */

static char *
find_fuse_overlayfs (void)
{
  const char *path = getenv ("PATH");
  cleanup_free char *copy = xasprintf ("%s:/usr/bin:/usr/local/bin", path ? path : "");
  char *save = NULL;
  for (char *dir = strtok_r (copy, ":", &save); dir; dir = strtok_r (NULL, ":", &save))
    {
      if (*dir != '/')
        continue;
      char *p = xasprintf ("%s/fuse-overlayfs", dir);
      struct stat st;
      if (stat (p, &st) == 0 && S_ISREG (st.st_mode) && access (p, X_OK) == 0)
        return p;
      free (p);
    }
  return NULL;
}

static int
fd_mount_id (int fd, uint64_t *id)
{
  return runcgo_fd_mount_id (fd, runcgo_fs_proc_open, id);
}

struct fuse_job
{
  int root_fd;
  const char *dest;      /* inside the rootfs, for messages and re-resolution */
  int dst_fd;            /* O_PATH of the destination before the mount */
  const char *root_path; /* dest "/": the rootfs' host path, where the new mount
                          * is found (inside root_fd, "/" is root_fd itself);
                          * NULL for any other destination */
  char *argv[6];
  int err_fd; /* memfd collecting the daemon's stderr */
  pid_t pid;
};

/* The destination as it is now: the mount on top once the daemon mounted. */
static int
open_dest (const struct fuse_job *fj, runcgo_error_t *err)
{
  if (fj->root_path == NULL)
    return runcgo_safe_open (fj->root_fd, fj->dest, O_PATH, 0, err);
  int fd = open (fj->root_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    runcgo_fail (err, errno, "fuse-overlayfs on `/`: open the rootfs `%s`", fj->root_path);
  return fd;
}

/* In the daemon of a root overlay, before exec: the init will pivot_root
 * into this mount, and pivot_root moves the root and cwd of every process of
 * the mount namespace that sits on the old root.  The daemon would then
 * resolve each of its own paths (/proc/self/fd/N, the layers) by FUSE
 * requests to itself, through mounts the container controls (a container's
 * root may mount over its /proc and point a daemon that holds every
 * capability at files of its choosing).  In a mount namespace of its own its
 * "/" stays the host's; the mount it makes on the rootfs reaches the init's
 * namespace by propagation (the init shared that mount for the moment: same
 * user namespace, so the copy keeps it a peer).  Its /proc/PID/root is then
 * the host's "/", as its layer fds already lead out of the rootfs for any
 * daemon: only CAP_SYS_PTRACE opens either to a container process (the
 * daemon keeps every capability; it has more than the container's).
 * Returns the rootfs opened in the new namespace, the fd to mount on (the
 * init's fd names a mount of the old one). */
static int
root_daemon_ns (const struct fuse_job *fj)
{
  if (unshare (CLONE_NEWNS) < 0)
    {
      dprintf (2, "runcgo: a mount namespace for the daemon: %s\n", strerror (errno));
      return -1;
    }
  int fd = open (fj->root_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    dprintf (2, "runcgo: open the rootfs `%s` in the daemon's mount namespace: %s\n", fj->root_path,
             strerror (errno));
  return fd;
}

/* In the child: become the daemon.  Only async-signal-safe work after fork
 * would be required in a threaded parent; the init is single-threaded. */
static void exec_daemon (struct fuse_job *fj, pid_t init) __attribute__ ((noreturn));

static void
exec_daemon (struct fuse_job *fj, pid_t init)
{
  /* dies with the container's process (the thread that forked us, which
   * later execs the user's program): no daemon can outlive the container */
  if (prctl (PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid () != init)
    _exit (126);
  /* its own session: a ^C for the runtime's process group is not for it */
  setsid ();
  int devnull = open ("/dev/null", O_RDWR | O_CLOEXEC);
  if (devnull < 0 || dup2 (devnull, 0) < 0 || dup2 (devnull, 1) < 0 || dup2 (fj->err_fd, 2) < 0)
    _exit (126);
  int dst = fj->root_path ? root_daemon_ns (fj) : fj->dst_fd;
  if (dst < 0 || dup2 (dst, 3) < 0)
    _exit (126);
  /* dup2 onto itself keeps O_CLOEXEC when the fd already was 3 */
  if (fcntl (3, F_SETFD, 0) < 0)
    _exit (126);
  /* nothing of the runtime's reaches the daemon, and its cwd pins no host
   * directory (pivot_root moves a cwd of "/" to the new root) */
  runcgo_close_fds_from (4);
  if (chdir ("/") < 0)
    _exit (126);
  execv (fj->argv[0], fj->argv);
  _exit (127);
}

static char *
daemon_stderr (int fd)
{
  char buf[1024];
  ssize_t n = pread (fd, buf, sizeof (buf) - 1, 0);
  buf[n > 0 ? n : 0] = '\0';
  /* drop the noise fuse-overlayfs prints on every start */
  char *out = xstrdup (""), *save = NULL;
  for (char *line = strtok_r (buf, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    if (strncmp (line, "unknown argument ignored", 24) != 0)
      {
        char *next = xasprintf ("%s%s%s", out, *out ? "; " : "", line);
        free (out);
        out = next;
      }
  return out;
}

static bool
dest_is_new_mount (struct fuse_job *fj, uint64_t before)
{
  uint64_t now;
  cleanup_close int fd = open_dest (fj, NULL);
  return fd >= 0 && fd_mount_id (fd, &now) == 0 && now != before;
}

/* fuse-overlayfs -f never signals readiness: poll the destination (its
 * mount id, read from fdinfo: nothing here sends a FUSE request that could
 * block) until it changes, the daemon exits, or the time is up. */
static int
wait_for_mount (struct fuse_job *fj, runcgo_error_t *err)
{
  uint64_t before;
  if (fd_mount_id (fj->dst_fd, &before) < 0)
    return runcgo_fail (err, errno, "fuse-overlayfs on `%s`: read the mount id", fj->dest);
  struct timespec delay = { 0, 250000 };
  for (long waited_us = 0; waited_us < FUSE_MOUNT_TIMEOUT_MS * 1000L; waited_us += delay.tv_nsec / 1000)
    {
      int status;
      if (waitpid (fj->pid, &status, WNOHANG) == fj->pid)
        {
          cleanup_free char *msg = daemon_stderr (fj->err_fd);
          fj->pid = -1;
          return runcgo_fail_hint (err, 0, fuse_exit_hint, "fuse-overlayfs on `%s` %s %d: %s", fj->dest,
                                   WIFEXITED (status) ? "exited with status" : "was killed by signal",
                                   WIFEXITED (status) ? WEXITSTATUS (status) : WTERMSIG (status),
                                   *msg ? msg : "no message");
        }
      if (dest_is_new_mount (fj, before))
        return 0;
      nanosleep (&delay, NULL);
      if (delay.tv_nsec < 16000000)
        delay.tv_nsec *= 2;
    }
  return runcgo_fail_hint (err, ETIMEDOUT, fuse_hint, "fuse-overlayfs on `%s`: no mount after %d ms", fj->dest,
                           FUSE_MOUNT_TIMEOUT_MS);
}

static int
start_daemon (struct fuse_job *fj, runcgo_error_t *err)
{
  pid_t init = getpid ();
  fj->err_fd = memfd_create ("fuse-overlayfs-stderr", MFD_CLOEXEC);
  if (fj->err_fd < 0)
    return runcgo_fail (err, errno, "fuse-overlayfs on `%s`: memfd for its messages", fj->dest);
  fj->pid = fork ();
  if (fj->pid < 0)
    return runcgo_fail (err, errno, "fuse-overlayfs on `%s`: fork", fj->dest);
  if (fj->pid == 0)
    exec_daemon (fj, init);
  if (wait_for_mount (fj, err) == 0)
    return 0;
  if (fj->pid > 0)
    {
      kill (fj->pid, SIGKILL);
      waitpid (fj->pid, NULL, 0);
    }
  return -1;
}

/* A root overlay's daemon mounts in its own mount namespace
 * (root_daemon_ns): the rootfs mount is shared, a peer of the daemon's copy,
 * only while the daemon starts.  Then both the rootfs mount and the new
 * mount on top of it (a peer of the daemon's) go private again: pivot_root
 * refuses a shared new root or parent, and nothing the container mounts
 * later may reach the daemon's namespace.  The top one first: by path, it
 * is the only one reachable (the fd of the one below reaches just that). */
static int
root_mount_propagation (const struct fuse_job *fj, bool share, runcgo_error_t *err)
{
  if (share)
    {
      if (runcgo_fs_mount_fd (NULL, -1, fj->dst_fd, NULL, MS_SHARED, NULL) < 0)
        return runcgo_fail (err, errno, "fuse-overlayfs on `/`: share the rootfs mount with the daemon");
      return 0;
    }
  cleanup_close int top = open_dest (fj, err);
  if (top < 0)
    return -1;
  if (runcgo_fs_mount_fd (NULL, -1, top, NULL, MS_PRIVATE, NULL) < 0
      || runcgo_fs_mount_fd (NULL, -1, fj->dst_fd, NULL, MS_PRIVATE, NULL) < 0)
    return runcgo_fail (err, errno, "fuse-overlayfs on `/`: make the rootfs mounts private again");
  return 0;
}

static int
start_daemon_for (struct fuse_job *fj, runcgo_error_t *err)
{
  if (fj->root_path == NULL)
    return start_daemon (fj, err);
  if (root_mount_propagation (fj, true, err) < 0)
    return -1;
  int ret = start_daemon (fj, err);
  /* after a failure too: the init ends, but with its mounts as they were */
  if (root_mount_propagation (fj, false, ret == 0 ? err : NULL) < 0)
    ret = -1;
  return ret;
}

/* /dev/fuse is checked here for a clear message: fuse-overlayfs itself
 * only says "fuse: device not found" or "Permission denied". */
static int
check_dev_fuse (const char *dest, runcgo_error_t *err)
{
  cleanup_close int fd = open ("/dev/fuse", O_RDWR | O_CLOEXEC);
  if (fd >= 0)
    return 0;
  /* as root, EPERM is the container's device cgroup: the init is in it */
  return runcgo_fail_hint (err, errno,
                           errno == ENOENT ? "modprobe fuse (as root)"
                                           : "chmod 0666 /dev/fuse as root (the usual mode); with a device cgroup, "
                                             "allow c 10:229 rwm in linux.resources.devices",
                           "fuse-overlayfs on `%s`: open /dev/fuse", dest);
}

static int
mount_with_fuse (struct fuse_job *fj, const char *fuse_data, unsigned long flags, unsigned long clear,
                 runcgo_error_t *err)
{
  cleanup_free char *bin = find_fuse_overlayfs ();
  if (bin == NULL)
    return runcgo_fail_hint (err, ENOENT, fuse_hint, "fuse-overlayfs on `%s`: not found in PATH or /usr/bin", fj->dest);
  if (check_dev_fuse (fj->dest, err) < 0)
    return -1;
  fj->argv[0] = bin;
  fj->argv[1] = (char *)"-f";
  fj->argv[2] = (char *)"-o";
  fj->argv[3] = (char *)fuse_data;
  fj->argv[4] = (char *)"/proc/self/fd/3"; /* the destination fd, dup'ed to 3 */
  fj->argv[5] = NULL;
  int ret = start_daemon_for (fj, err);
  if (fj->err_fd >= 0)
    close (fj->err_fd);
  if (ret < 0)
    return -1;
  /* ro, nosuid, nodev, noexec, atime: per-mount flags, set by remount */
  unsigned long want = flags & ~(MS_BIND | MS_REC | MS_REMOUNT);
  if (want == 0)
    return 0;
  cleanup_close int fd = open_dest (fj, err);
  if (fd < 0)
    return -1;
  if (runcgo_fs_remount_bind (fd, fd, want, clear) < 0)
    return runcgo_fail (err, errno, "fuse-overlayfs on `%s`: apply the mount flags", fj->dest);
  return 0;
}

/* ---------------------------------------------------------------- entry point */

/* run.oci.runcgo.overlay: "fuse" forces fuse-overlayfs, "native" forbids
 * it, absent or "auto" picks (native first). */
int
runcgo_fs_overlay_mode (const struct runcgo_spec *spec, int *mode, runcgo_error_t *err)
{
  const char *v = runcgo_spec_annotation (spec, RUNCGO_ANNOTATION_OVERLAY);
  *mode = 0;
  if (v == NULL || strcmp (v, "auto") == 0)
    return 0;
  if (strcmp (v, "fuse") == 0 || strcmp (v, "native") == 0)
    {
      *mode = v[0] == 'f' ? 1 : -1;
      return 0;
    }
  return runcgo_fail_hint (err, EINVAL, "use auto, native or fuse", "annotation %s: unknown value `%s`",
                           RUNCGO_ANNOTATION_OVERLAY, v);
}

int
runcgo_fs_mount_overlay (const struct runcgo_rootfs_ctx *ctx, int root_fd, const char *dest, int dst_fd,
                         const char *source, const struct runcgo_mount_opts *o, runcgo_error_t *err)
{
  int mode;
  if (runcgo_fs_overlay_mode (ctx->spec, &mode, err) < 0)
    return -1;
  cleanup_free char *native = NULL, *fuse = NULL;
  overlay_data (o->data, ctx->bundle ? ctx->bundle : ".", &native, &fuse);
  /* linux.mountLabel: the kernel's overlayfs only (mounts.c) */
  char *labelled
      = runcgo_mount_label_data (native, ctx->mount_label, ctx->mount_context_type, ctx->mount_label != NULL);
  free (native);
  native = labelled;
  unsigned long flags = o->flags & ~(MS_BIND | MS_REC);
  int native_errno = 0;
  if (mode <= 0 || (flags & MS_REMOUNT))
    {
      if (runcgo_fs_mount_fd (source, -1, dst_fd, "overlay", flags, native) == 0)
        return 0;
      native_errno = errno;
      bool fallback = ctx->userns && (errno == EPERM || errno == EINVAL) && mode == 0 && !(flags & MS_REMOUNT);
      if (!fallback)
        return runcgo_fail_hint (err, errno,
                                 ctx->userns && mode < 0 ? "drop the annotation " RUNCGO_ANNOTATION_OVERLAY
                                                           "=native to allow the fuse-overlayfs fallback"
                                                         : NULL,
                                 "mount overlay `%s` on `%s`", source, dest);
    }
  struct fuse_job fj = { .root_fd = root_fd,
                         .dest = dest,
                         .dst_fd = dst_fd,
                         .root_path = strcmp (dest, "/") == 0 ? ctx->rootfs : NULL,
                         .err_fd = -1,
                         .pid = -1 };
  if (mount_with_fuse (&fj, fuse, flags, o->clear, err) == 0)
    return 0;
  if (native_errno)
    runcgo_error_wrap (err, "native overlayfs failed (%s), then", strerror (native_errno));
  return -1;
}
