/* idmap_mounts.c -- idmapped bind mounts, prepared by the runtime.
 *
 * The kernel lets only a caller privileged over the user namespace that
 * mounted a filesystem (the host's, for disk filesystems) idmap a mount of
 * it, so the container init -- root only in its own user namespace -- cannot
 * idmap a host directory.  The runtime (the parent, in the host's user and
 * mount namespaces) does it instead, as crun does: open_tree(OPEN_TREE_CLONE)
 * of the source, mount_setattr(MOUNT_ATTR_IDMAP) with the container's user
 * namespace (or a throwaway one carrying the mount's own uidMappings /
 * gidMappings), and hands the detached mount to the init over the sync
 * socket; the init attaches it with move_mount() onto the destination it
 * resolved safely (mounts.c).  A rootless runtime is not privileged over the
 * host's filesystems: that is a clear error, not a silent plain bind. */
#include "config.h"

#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "core/mount_api.h"
#include "core/util.h"
#include "fs/fs.h"


/* SCM_MAX_FD is 253: the fds travel in batches. */
#define FDS_PER_MSG 250
#define WIRE_MAGIC 0x52434749u /* "RCGI" */

/* ---------------------------------------------------------------- which mounts */

bool
runcgo_mount_is_idmapped_bind (const struct runcgo_mount *m)
{
  struct runcgo_mount_opts o;
  if (runcgo_mount_opts_parse (m->options, &o, NULL) < 0)
    return false;
  bool bind = o.bind || o.rbind || (m->type && strcmp (m->type, "bind") == 0);
  bool idmapped = o.idmap || o.ridmap || m->n_uid_mappings || m->n_gid_mappings;
  runcgo_mount_opts_free (&o);
  return bind && idmapped;
}

size_t
runcgo_idmap_mounts_count (const struct runcgo_spec *spec)
{
  size_t n = 0;
  for (size_t i = 0; i < spec->n_mounts; i++)
    if (runcgo_mount_is_idmapped_bind (&spec->mounts[i]))
      n++;
  return n;
}

void
runcgo_idmap_fds_release (struct runcgo_idmap_fds *f)
{
  for (size_t i = 0; i < f->n; i++)
    if (f->fd[i] >= 0)
      close (f->fd[i]);
  free (f->index);
  free (f->fd);
  memset (f, 0, sizeof (*f));
}

static void
fds_add (struct runcgo_idmap_fds *f, uint32_t index, int fd)
{
  f->index = xrealloc (f->index, (f->n + 1) * sizeof (*f->index));
  f->fd = xrealloc (f->fd, (f->n + 1) * sizeof (*f->fd));
  f->index[f->n] = index;
  f->fd[f->n++] = fd;
}

/* ---------------------------------------------------------------- user namespaces */

static void
child_hold_userns (int ready, int done)
{
  char self[32];
  if (unshare (CLONE_NEWUSER) < 0)
    _exit (1);
  /* our pid as /proc numbers it (we may sit in a child pid namespace) */
  ssize_t n = readlink ("/proc/self", self, sizeof (self) - 1);
  if (n <= 0 || write (ready, self, (size_t)n) != n)
    _exit (1);
  close (ready);
  char c;
  while (read (done, &c, 1) < 0 && errno == EINTR)
    ;
  _exit (0);
}

static int
write_id_map (const char *pid, const char *file, const struct runcgo_idmap *maps, size_t n, runcgo_error_t *err)
{
  if (n == 0)
    return 0;
  size_t cap = n * 40 + 1, len = 0;
  cleanup_free char *buf = xmalloc (cap);
  for (size_t i = 0; i < n; i++)
    len += (size_t)snprintf (buf + len, cap - len, "%u %u %u\n", maps[i].container_id, maps[i].host_id, maps[i].size);
  cleanup_free char *path = xasprintf ("/proc/%s/%s", pid, file);
  if (runcgo_write_file_at (AT_FDCWD, path, buf, len, err) < 0)
    return runcgo_error_wrap (err, "write the mount's %s", file);
  return 0;
}

/* A throwaway user namespace carrying the mount's uidMappings/gidMappings:
 * a child unshares one and waits while we write its maps and open it; the
 * namespace lives on as long as the fd (and then the mount) refers to it. */
static int
userns_from_mappings (const struct runcgo_mount *m, runcgo_error_t *err)
{
  int ready[2], done[2];
  if (pipe2 (ready, O_CLOEXEC) < 0)
    return runcgo_fail (err, errno, "pipe");
  if (pipe2 (done, O_CLOEXEC) < 0)
    {
      close (ready[0]);
      close (ready[1]);
      return runcgo_fail (err, errno, "pipe");
    }
  pid_t pid = fork ();
  if (pid == 0)
    {
      close (ready[0]);
      close (done[1]);
      child_hold_userns (ready[1], done[0]);
    }
  close (ready[1]);
  close (done[0]);
  char hostpid[32] = "";
  ssize_t n = pid < 0 ? -1 : runcgo_read_all (ready[0], hostpid, sizeof (hostpid) - 1);
  close (ready[0]);
  int fd = -1;
  if (n <= 0)
    runcgo_fail (err, pid < 0 ? errno : ECHILD, "create a user namespace for the mount's mappings");
  else if (write_id_map (hostpid, "uid_map", m->uid_mappings, m->n_uid_mappings, err) == 0
           && write_id_map (hostpid, "gid_map", m->gid_mappings, m->n_gid_mappings, err) == 0)
    {
      cleanup_free char *ns = xasprintf ("/proc/%s/ns/user", hostpid);
      fd = open (ns, O_RDONLY | O_CLOEXEC);
      if (fd < 0)
        runcgo_fail (err, errno, "open `%s`", ns);
    }
  close (done[1]);
  if (pid > 0)
    while (waitpid (pid, NULL, 0) < 0 && errno == EINTR)
      ;
  return fd;
}

/* The container's user namespace: the one the init PID is in.  Refused when
 * it is ours (no user namespace): validate.c requires mappings then. */
static int
userns_of_container (pid_t pid, runcgo_error_t *err)
{
  char path[64];
  snprintf (path, sizeof (path), "/proc/%d/ns/user", (int)pid);
  cleanup_close int fd = open (path, O_RDONLY | O_CLOEXEC);
  cleanup_close int self = open ("/proc/self/ns/user", O_RDONLY | O_CLOEXEC);
  struct stat a, b;
  if (fd < 0 || self < 0 || fstat (fd, &a) < 0 || fstat (self, &b) < 0)
    return runcgo_fail (err, errno, "open the container's user namespace (%s)", path);
  if (a.st_ino == b.st_ino && a.st_dev == b.st_dev)
    return runcgo_fail_hint (err, EINVAL, "add uidMappings and gidMappings to the mount, or a user namespace",
                             "no mappings and no user namespace to take them from");
  return steal_fd (&fd);
}

/* ---------------------------------------------------------------- one mount */

#define ROOTLESS_HINT                                                                                                  \
  "the kernel lets only a process privileged over the user namespace that mounted a filesystem (the host's, for "      \
  "disk filesystems) idmap it, which a rootless runtime is not: run as root, or drop idmap/uidMappings and chown "     \
  "the source for the container's IDs"

static int
clone_source (const struct runcgo_mount *m, const struct runcgo_mount_opts *o, const char *bundle, bool rootless,
              runcgo_error_t *err)
{
  const char *source = m->source;
  if (source == NULL || *source == '\0')
    return runcgo_fail_hint (err, EINVAL, "set mounts[].source", "bind mount has no source");
  /* relative bind sources are relative to the bundle (config.md) */
  cleanup_free char *src = source[0] == '/' ? xstrdup (source) : xasprintf ("%s/%s", bundle ? bundle : ".", source);
  unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (o->rbind ? AT_RECURSIVE : 0)
                   | (o->src_nofollow ? AT_SYMLINK_NOFOLLOW : 0);
  int tree = (int)syscall (SYS_open_tree, AT_FDCWD, src, flags);
  if (tree >= 0)
    return tree;
  int e = errno;
  return runcgo_fail_hint (err, e,
                           e == ENOSYS              ? "idmapped mounts need Linux >= 5.12"
                           : e == EPERM && rootless ? ROOTLESS_HINT
                                                    : NULL,
                           "clone the source `%s`", src);
}

static int
set_idmap (int tree, int userns, const struct runcgo_mount_opts *o, bool rootless, runcgo_error_t *err)
{
  struct fs_mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)userns };
  if (syscall (SYS_mount_setattr, tree, "", AT_EMPTY_PATH | (o->ridmap ? AT_RECURSIVE : 0), &attr, sizeof (attr)) == 0)
    return 0;
  int e = errno;
  return runcgo_fail_hint (err, e,
                           e == EPERM && rootless ? ROOTLESS_HINT
                           : e == EINVAL ? "the source's filesystem (or, with ridmap, one below it) does not support "
                                           "idmapped mounts, or the source is already idmapped"
                                         : NULL,
                           "set the idmapping");
}

static int
prepare_one (const struct runcgo_mount *m, const char *bundle, pid_t pid, bool rootless, runcgo_error_t *err)
{
  struct runcgo_mount_opts o;
  if (runcgo_mount_opts_parse (m->options, &o, err) < 0)
    return -1;
  int ret = -1;
  cleanup_close int tree = clone_source (m, &o, bundle, rootless, err);
  if (tree >= 0)
    {
      cleanup_close int userns
          = m->n_uid_mappings || m->n_gid_mappings ? userns_from_mappings (m, err) : userns_of_container (pid, err);
      if (userns >= 0 && set_idmap (tree, userns, &o, rootless, err) == 0)
        ret = steal_fd (&tree);
    }
  runcgo_mount_opts_free (&o);
  return ret;
}

int
runcgo_idmap_mounts_prepare (const struct runcgo_spec *spec, const char *bundle, pid_t pid, bool rootless,
                             struct runcgo_idmap_fds *out, runcgo_error_t *err)
{
  memset (out, 0, sizeof (*out));
  for (size_t i = 0; i < spec->n_mounts; i++)
    {
      const struct runcgo_mount *m = &spec->mounts[i];
      if (!runcgo_mount_is_idmapped_bind (m))
        continue;
      int fd = prepare_one (m, bundle, pid, rootless, err);
      if (fd < 0)
        {
          runcgo_idmap_fds_release (out);
          return runcgo_error_wrap (err, "mounts[%zu] (idmapped bind on %s)", i, m->destination);
        }
      fds_add (out, (uint32_t)i, fd);
    }
  return 0;
}

/* ---------------------------------------------------------------- transport */

/* One datagram per batch: {magic, total, count, index[count]} and the
 * count fds in SCM_RIGHTS, same order.  An empty answer is one datagram
 * with total 0. */
int
runcgo_idmap_mounts_send (int sock, const struct runcgo_idmap_fds *f, runcgo_error_t *err)
{
  size_t done = 0;
  do
    {
      size_t k = f->n - done < FDS_PER_MSG ? f->n - done : FDS_PER_MSG;
      uint32_t payload[3 + FDS_PER_MSG] = { WIRE_MAGIC, (uint32_t)f->n, (uint32_t)k };
      memcpy (payload + 3, f->index + done, k * sizeof (uint32_t));
      char cbuf[CMSG_SPACE (FDS_PER_MSG * sizeof (int))];
      struct iovec iov = { .iov_base = payload, .iov_len = (3 + k) * sizeof (uint32_t) };
      struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
      if (k)
        {
          memset (cbuf, 0, sizeof (cbuf));
          msg.msg_control = cbuf;
          msg.msg_controllen = CMSG_SPACE (k * sizeof (int));
          struct cmsghdr *c = CMSG_FIRSTHDR (&msg);
          c->cmsg_level = SOL_SOCKET;
          c->cmsg_type = SCM_RIGHTS;
          c->cmsg_len = CMSG_LEN (k * sizeof (int));
          memcpy (CMSG_DATA (c), f->fd + done, k * sizeof (int));
        }
      ssize_t n;
      do
        n = sendmsg (sock, &msg, MSG_NOSIGNAL);
      while (n < 0 && errno == EINTR);
      if (n < 0)
        return runcgo_fail (err, errno, "send the idmapped mounts to the container init");
      done += k;
    }
  while (done < f->n);
  return 0;
}

static int
recv_batch (int sock, int *by_index, size_t n_mounts, uint32_t *total, size_t *got, runcgo_error_t *err)
{
  uint32_t payload[3 + FDS_PER_MSG] = { 0 };
  char cbuf[CMSG_SPACE (FDS_PER_MSG * sizeof (int))];
  struct iovec iov = { .iov_base = payload, .iov_len = sizeof (payload) };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof (cbuf) };
  ssize_t n;
  do
    n = recvmsg (sock, &msg, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  int fds[FDS_PER_MSG], nfds = 0;
  for (struct cmsghdr *c = CMSG_FIRSTHDR (&msg); c; c = CMSG_NXTHDR (&msg, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS && nfds == 0)
      {
        nfds = (int)((c->cmsg_len - CMSG_LEN (0)) / sizeof (int));
        memcpy (fds, CMSG_DATA (c), (size_t)nfds * sizeof (int));
      }
  size_t k = n >= 12 ? payload[2] : 0;
  bool bad = n < 12 || payload[0] != WIRE_MAGIC || (size_t)n != (3 + k) * sizeof (uint32_t) || (size_t)nfds != k
             || (msg.msg_flags & MSG_CTRUNC);
  for (size_t i = 0; !bad && i < k; i++)
    bad = payload[3 + i] >= n_mounts || by_index[payload[3 + i]] >= 0;
  if (bad)
    {
      for (int i = 0; i < nfds; i++)
        close (fds[i]);
      return runcgo_fail (err, n < 0 ? errno : EPROTO, "receive the idmapped mounts from the runtime");
    }
  for (size_t i = 0; i < k; i++)
    by_index[payload[3 + i]] = fds[i];
  *total = payload[1];
  *got += k;
  return 0;
}

int
runcgo_idmap_mounts_recv (int sock, size_t n_mounts, int **by_index, runcgo_error_t *err)
{
  int *v = xmalloc ((n_mounts ? n_mounts : 1) * sizeof (int));
  for (size_t i = 0; i < n_mounts; i++)
    v[i] = -1;
  uint32_t total = 0;
  size_t got = 0;
  do
    if (recv_batch (sock, v, n_mounts, &total, &got, err) < 0)
      {
        runcgo_idmap_fds_close (v, n_mounts);
        return -1;
      }
  while (got < total);
  *by_index = v;
  return 0;
}

void
runcgo_idmap_fds_close (int *by_index, size_t n_mounts)
{
  for (size_t i = 0; by_index && i < n_mounts; i++)
    if (by_index[i] >= 0)
      close (by_index[i]);
  free (by_index);
}
