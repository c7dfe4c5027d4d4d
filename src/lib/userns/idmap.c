/* idmap.c -- write a child's uid_map/gid_map.
 *
 * The kernel accepts exactly one write per map file, so the whole map goes in
 * one write(2).  An unprivileged writer may only map its own IDs and must deny
 * setgroups(2) first (since Linux 3.19, CVE-2014-8989). */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "core/util.h"
#include "idmap.h"

char *
runcgo_idmap_format (const struct runcgo_idmap *m, size_t n)
{
  size_t cap = n * 36 + 1, len = 0;
  char *buf = xmalloc (cap);
  buf[0] = '\0';
  for (size_t i = 0; i < n; i++)
    len += (size_t) snprintf (buf + len, cap - len, "%u %u %u\n", m[i].container_id, m[i].host_id, m[i].size);
  return buf;
}

static int
write_proc_file (pid_t pid, const char *name, const char *data, runcgo_error_t *err)
{
  char path[64];
  snprintf (path, sizeof (path), "/proc/%d/%s", (int) pid, name);
  cleanup_close int fd = open (path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return runcgo_fail (err, errno, "open %s", path);
  if (write (fd, data, strlen (data)) < 0)
    return runcgo_fail (err, errno, "write %s", path);
  return 0;
}

static bool
maps_only_own_id (const struct runcgo_idmap *m, size_t n, unsigned own)
{
  return n == 1 && m[0].size == 1 && m[0].host_id == own;
}

int
runcgo_idmap_write (pid_t pid, const struct runcgo_linux *l, bool rootless, runcgo_error_t *err)
{
  cleanup_free char *uids = runcgo_idmap_format (l->uid_mappings, l->n_uid_mappings);
  cleanup_free char *gids = runcgo_idmap_format (l->gid_mappings, l->n_gid_mappings);
  if (rootless && maps_only_own_id (l->gid_mappings, l->n_gid_mappings, getegid ()))
    if (write_proc_file (pid, "setgroups", "deny", err) < 0)
      return -1;
  if (l->n_uid_mappings && write_proc_file (pid, "uid_map", uids, err) < 0)
    return runcgo_error_wrap (err, "linux.uidMappings");
  if (l->n_gid_mappings && write_proc_file (pid, "gid_map", gids, err) < 0)
    return runcgo_error_wrap (err, "linux.gidMappings");
  return 0;
}
