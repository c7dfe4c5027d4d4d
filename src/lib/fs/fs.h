/* fs.h -- everything the container init does to the filesystem.
 *
 * safe_path.c   resolve paths inside the rootfs without ever leaving it
 *               (openat2 RESOLVE_IN_ROOT, with a tested userspace fallback)
 * mount_opts.c  OCI mount options -> mount(2)/mount_setattr(2) flags (pure)
 * mounts.c      config mounts, in order, onto safely resolved destinations
 * devices.c     default devices, linux.devices, /dev symlinks, /dev/console
 * rootfs.c      rootfs propagation, pivot_root/chroot, masked/readonly paths
 *
 * All of it runs in the container init, inside its new mount namespace,
 * before the user's process is executed. */
#ifndef RUNCGO_FS_H
#define RUNCGO_FS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/error.h"
#include "spec/spec.h"

/* ---- safe_path.c */
/* Open PATH (absolute or relative; interpreted inside the rootfs) relative to
 * root_fd, resolving every symlink as if root_fd were "/": nothing can lead
 * out.  flags as for openat (O_PATH allowed); returns the fd or -1. */
int runcgo_safe_open (int root_fd, const char *path, int flags, mode_t mode, runcgo_error_t *err);
/* Like runcgo_safe_open but create missing directories on the way (mode
 * 0755) and, when leaf_is_file, create the last component as an empty regular
 * file (for bind mounts of files), else as a directory.  Returns an O_PATH
 * fd of the final component. */
int runcgo_safe_mkdir_p (int root_fd, const char *path, bool leaf_is_file, runcgo_error_t *err);
/* Lexically clean a path inside the rootfs ("/a/../../b" -> "/b"): used for
 * messages and for validate.c's traversal checks.  Caller frees. */
char *runcgo_path_clean (const char *path);
/* For tests: force the userspace fallback even when openat2 exists. */
void runcgo_safe_path_force_fallback (bool on);

/* ---- mount_opts.c */
struct runcgo_mount_opts
{
  unsigned long flags;        /* MS_* to set */
  unsigned long clear;        /* MS_* to clear (for remounts of binds: "rw", "suid", ...) */
  unsigned long propagation;  /* MS_SHARED/MS_SLAVE/MS_PRIVATE/MS_UNBINDABLE (| MS_REC) or 0 */
  unsigned long long attr_set;   /* MOUNT_ATTR_* applied recursively ("rro", "rnosuid", ...) */
  unsigned long long attr_clr;
  char *data;                 /* comma-joined options the kernel interprets (size=, mode=, ...) */
  bool bind, rbind;
  bool idmap, ridmap;
  bool tmpcopyup;
  bool copy_symlink;          /* "copy-symlink": replicate a symlink source as a symlink */
  bool src_nofollow;          /* "src-nofollow" */
};
/* Parse options; unknown options become data for the filesystem (as runc). */
int runcgo_mount_opts_parse (char *const *options, struct runcgo_mount_opts *out, runcgo_error_t *err);
void runcgo_mount_opts_free (struct runcgo_mount_opts *o);
/* Every option name runcgo_mount_opts_parse() recognises (for `features`);
 * a NULL-terminated vector the caller frees with runcgo_strv_free(). */
char **runcgo_mount_opts_known (void);

/* SELinux mount labels (linux.mountLabel, run.oci.mount_context_type). */
enum runcgo_mount_label_how
{
  RUNCGO_MOUNT_LABEL_NONE,   /* proc, sysfs, cgroup hierarchies, binds: not labelled */
  RUNCGO_MOUNT_LABEL_OPTION, /* tmpfs, devpts, overlay, ...: CONTEXT_TYPE="LABEL" in the mount data */
  RUNCGO_MOUNT_LABEL_XATTR,  /* mqueue: security.selinux of its root, once mounted */
};
/* How a mount of TYPE (BIND: a bind or rbind mount) takes the label. */
enum runcgo_mount_label_how runcgo_mount_label_how (const char *type, bool bind);
/* DATA with CONTEXT_TYPE="LABEL" appended (CONTEXT_TYPE NULL: "context"), or
 * a copy of DATA (NULL stays NULL) when SELINUX_ENABLED is false or LABEL is
 * NULL or empty.  Pure: the caller says whether SELinux is enabled.  The
 * caller frees the result. */
char *runcgo_mount_label_data (const char *data, const char *label, const char *context_type, bool selinux_enabled);

/* ---- the init's filesystem work, in order */
struct runcgo_rootfs_ctx
{
  const struct runcgo_spec *spec;
  const char *rootfs;      /* absolute host path of the root filesystem */
  const char *bundle;      /* absolute bundle path (relative mount sources) */
  bool userns;             /* in a new user namespace: bind devices instead of mknod */
  bool no_pivot;           /* chroot instead of pivot_root (--no-pivot) */
  bool new_cgroupns;
  int console_fd;          /* pty slave to bind on /dev/console, or -1 */
  bool terminal;           /* process.terminal: allocate a pty from the container's
                            * devpts; sets console_fd (slave) and pty_master */
  int pty_master;          /* out: -1 unless terminal */
  const char *mount_label; /* set by runcgo_rootfs_mount_all: linux.mountLabel when SELinux is
                            * enabled, else NULL (nothing is labelled) */
  const char *mount_context_type; /* run.oci.mount_context_type, NULL = "context" */
  int *idmap_fds;          /* by mount index: detached idmapped mounts made by the runtime
                            * (idmap_mounts.c), -1 for other mounts; NULL when there are
                            * none.  Consumed (closed) by runcgo_fs_mounts_apply. */
};
/* rootfsPropagation, bind the rootfs onto itself, every config mount in order,
 * /dev (devices, symlinks, console).  Called before createContainer hooks. */
int runcgo_rootfs_mount_all (struct runcgo_rootfs_ctx *ctx, runcgo_error_t *err);
/* pivot_root (or chroot with no_pivot) into ctx->rootfs, then linux.sysctl
 * (through the container's /proc, before it is made read-only), then
 * readonlyPaths, maskedPaths and root.readonly. */
int runcgo_rootfs_pivot_and_finish (struct runcgo_rootfs_ctx *ctx, runcgo_error_t *err);

/* ---- overlay.c (rootless overlay: native overlayfs, else fuse-overlayfs) */
/* Annotation choosing how type "overlay" mounts are made: "auto" (default:
 * native, then fuse-overlayfs on EPERM/EINVAL in a user namespace), "native"
 * (never fuse-overlayfs), "fuse" (always fuse-overlayfs; how tests force the
 * fallback). */
#define RUNCGO_ANNOTATION_OVERLAY "run.oci.runcgo.overlay"
/* Parse that annotation: *mode = 1 fuse, -1 native, 0 auto (or absent). */
int runcgo_fs_overlay_mode (const struct runcgo_spec *spec, int *mode, runcgo_error_t *err);
/* Mount the overlay of a config mount onto DST_FD, the O_PATH fd of DEST
 * (clean, inside the rootfs ROOT_FD).  O's data carries lowerdir=, upperdir=,
 * workdir= (relative directories are taken from the bundle) and O's flags
 * the per-mount flags.  The fuse-overlayfs daemon is a child of the calling
 * init that dies with it.  On DEST "/" the mount stacks over the rootfs
 * mount (found again by ctx->rootfs) and the daemon serves it from a mount
 * namespace of its own.  Called by mounts.c for type "overlay". */
int runcgo_fs_mount_overlay (const struct runcgo_rootfs_ctx *ctx, int root_fd, const char *dest, int dst_fd,
                             const char *source, const struct runcgo_mount_opts *o, runcgo_error_t *err);

/* ---- idmap_mounts.c: idmapped binds, made by the runtime (parent)
 * A bind mount is idmapped when it has the idmap/ridmap option or its own
 * uidMappings/gidMappings.  Only a process privileged over the filesystem's
 * user namespace (the host's) may idmap it, so the runtime prepares each one
 * as a detached mount once the container's user namespace has its maps, and
 * sends them to the init, which attaches them in config order. */
bool runcgo_mount_is_idmapped_bind (const struct runcgo_mount *m);
/* How many mounts of SPEC are idmapped binds (0: the init need not ask). */
size_t runcgo_idmap_mounts_count (const struct runcgo_spec *spec);
struct runcgo_idmap_fds
{
  uint32_t *index; /* mount index of each fd */
  int *fd;         /* detached mount: open_tree(OPEN_TREE_CLONE) + MOUNT_ATTR_IDMAP */
  size_t n;
};
/* Parent, once the user namespace of the init PID has its maps: one
 * detached idmapped mount per idmapped bind, with the container's user
 * namespace, or a throwaway one carrying the mount's own mappings.  Errors
 * name the mount ("mounts[3] (idmapped bind on /data): ..."); a rootless
 * runtime gets the reason the kernel refuses it. */
int runcgo_idmap_mounts_prepare (const struct runcgo_spec *spec, const char *bundle, pid_t pid, bool rootless,
                                 struct runcgo_idmap_fds *out, runcgo_error_t *err);
void runcgo_idmap_fds_release (struct runcgo_idmap_fds *f);
/* Over the sync socket, as the answer to the init's request (SCM_RIGHTS in
 * batches of 250; an empty answer is valid).  recv fills *BY_INDEX (n_mounts
 * entries, -1 where none; free with runcgo_idmap_fds_close). */
int runcgo_idmap_mounts_send (int sock, const struct runcgo_idmap_fds *f, runcgo_error_t *err);
int runcgo_idmap_mounts_recv (int sock, size_t n_mounts, int **by_index, runcgo_error_t *err);
void runcgo_idmap_fds_close (int *by_index, size_t n_mounts);

/* ---- internal to src/lib/fs/ (shared by mounts.c, devices.c, rootfs.c) */
/* mount(2) onto the object DST_FD refers to (and from SRC_FD when >= 0, else
 * from the string SOURCE), through this process's /proc/<pid>/fd of the
 * host procfs opened before any container mount: never a path the container
 * can redirect.  Returns -1 with errno. */
int runcgo_fs_mount_fd (const char *source, int src_fd, int dst_fd, const char *type, unsigned long flags,
                        const char *data);
/* umount2(MNT_DETACH) of the mount FD leads to, by the same route. */
int runcgo_fs_umount_fd (int fd);
/* Open the procfs handle used above now (before pivot_root hides the host
 * /proc); release it at the end of the init's filesystem work. */
int runcgo_fs_proc_open (void);
/* runcgo_fs_mount_fd() leaves the cwd in that /proc/<pid> for the next
 * mount: go back to the cwd from before (called at the end of each mount
 * phase, and by runcgo_fs_proc_release()). */
int runcgo_fs_cwd_restore (void);
void runcgo_fs_proc_release (void);
/* After mounting onto OLD_FD (the O_PATH fd of PATH before the mount),
 * re-resolve PATH inside root_fd and check it is a different mount: the fd
 * of the new mount's root, for remounts and propagation changes. */
int runcgo_fs_reopen_mounted (int root_fd, const char *path, int old_fd, runcgo_error_t *err);
/* Bind remount of the mount whose root DST_FD is, adding the flags the
 * kernel locks on it (nosuid/nodev/noexec/ro, from fstatvfs of LOCKED_FD)
 * unless listed in CLEAR.  Returns -1 with errno. */
int runcgo_fs_remount_bind (int dst_fd, int locked_fd, unsigned long flags, unsigned long clear);
/* The config's mounts, in order.  *ROOT_FD follows a mount on "/". */
int runcgo_fs_mounts_apply (struct runcgo_rootfs_ctx *ctx, int *root_fd, runcgo_error_t *err);
int runcgo_fs_devices_setup (struct runcgo_rootfs_ctx *ctx, int root_fd, runcgo_error_t *err);

#endif
