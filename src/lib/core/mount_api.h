/* mount_api.h -- the new mount API (open_tree, move_mount, mount_setattr)
 * for libcs and kernel headers that predate it: syscall numbers, flags and
 * struct mount_attr under our own name (new libcs define it in either
 * <sys/mount.h> or <linux/mount.h>, and including both clashes). */
#ifndef RUNCGO_MOUNT_API_H
#define RUNCGO_MOUNT_API_H

#include <fcntl.h>
#include <stdint.h>
#include <sys/syscall.h>

#if !defined(SYS_mount_setattr) && defined(__x86_64__)
#define SYS_open_tree 428
#define SYS_move_mount 429
#define SYS_mount_setattr 442
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif
#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef OPEN_TREE_CLOEXEC
#define OPEN_TREE_CLOEXEC O_CLOEXEC
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#define MOVE_MOUNT_T_EMPTY_PATH 0x00000040
#endif
#ifndef MOUNT_ATTR_RDONLY
#define MOUNT_ATTR_RDONLY 0x00000001
#define MOUNT_ATTR_NOSUID 0x00000002
#define MOUNT_ATTR_NODEV 0x00000004
#define MOUNT_ATTR_NOEXEC 0x00000008
#define MOUNT_ATTR__ATIME 0x00000070
#define MOUNT_ATTR_RELATIME 0x00000000
#define MOUNT_ATTR_NOATIME 0x00000010
#define MOUNT_ATTR_STRICTATIME 0x00000020
#define MOUNT_ATTR_NODIRATIME 0x00000080
#endif
#ifndef MOUNT_ATTR_IDMAP
#define MOUNT_ATTR_IDMAP 0x00100000
#endif
#ifndef MOUNT_ATTR_NOSYMFOLLOW
#define MOUNT_ATTR_NOSYMFOLLOW 0x00200000
#endif

struct fs_mount_attr
{
  uint64_t attr_set, attr_clr, propagation, userns_fd;
};

#endif
