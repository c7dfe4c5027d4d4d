/* test_idmap_mounts.c -- the unprivileged parts of idmapped binds: which
 * mounts are idmapped binds, and the hand-over of detached mounts from the
 * runtime to the init (any fds will do here: pipes stand in for mounts),
 * including more fds than one SCM_RIGHTS message carries and a malformed
 * answer. */
#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/util.h"
#include "fs/fs.h"
#include "tap.h"

static void
test_classification (void)
{
  char *bind_idmap[] = { (char *)"rbind", (char *)"idmap", NULL };
  char *bind_ridmap[] = { (char *)"bind", (char *)"ridmap", NULL };
  char *bind_only[] = { (char *)"rbind", (char *)"ro", NULL };
  char *idmap_only[] = { (char *)"idmap", NULL };
  struct runcgo_idmap map = { 0, 1000, 1 };
  struct runcgo_mount m1 = { .destination = (char *)"/a", .source = (char *)"/x", .options = bind_idmap };
  struct runcgo_mount m2 = { .destination = (char *)"/b", .source = (char *)"/x", .options = bind_ridmap };
  struct runcgo_mount m3 = { .destination = (char *)"/c", .source = (char *)"/x", .options = bind_only };
  struct runcgo_mount m4 = { .destination = (char *)"/d",
                             .source = (char *)"/x",
                             .options = bind_only,
                             .uid_mappings = &map,
                             .n_uid_mappings = 1,
                             .gid_mappings = &map,
                             .n_gid_mappings = 1 };
  struct runcgo_mount m5
      = { .destination = (char *)"/e", .type = (char *)"bind", .source = (char *)"/x", .options = idmap_only };
  struct runcgo_mount m6 = { .destination = (char *)"/f", .type = (char *)"tmpfs", .options = idmap_only };
  ok (runcgo_mount_is_idmapped_bind (&m1), "rbind + idmap");
  ok (runcgo_mount_is_idmapped_bind (&m2), "bind + ridmap");
  ok (!runcgo_mount_is_idmapped_bind (&m3), "a plain bind");
  ok (runcgo_mount_is_idmapped_bind (&m4), "a bind with its own mappings, without the option");
  ok (runcgo_mount_is_idmapped_bind (&m5), "type bind + idmap");
  ok (!runcgo_mount_is_idmapped_bind (&m6), "tmpfs + idmap is not a bind (mounts.c refuses it)");
  struct runcgo_mount all[] = { m1, m2, m3, m4, m5, m6 };
  struct runcgo_spec spec = { .mounts = all, .n_mounts = 6 };
  ok (runcgo_idmap_mounts_count (&spec) == 4, "four idmapped binds in the config");
}

static ino_t
ino_of (int fd)
{
  struct stat st;
  return fstat (fd, &st) == 0 ? st.st_ino : 0;
}

/* n "mounts" (pipe read ends) at indexes 2, 5, 8, ... of 3n+2 mounts */
static void
test_transport (size_t n)
{
  int sv[2];
  runcgo_error_t err = NULL;
  ok (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0, "socketpair (%zu fds)", n);
  struct runcgo_idmap_fds f = { 0 };
  cleanup_free ino_t *ino = xzalloc ((n + 1) * sizeof (ino_t));
  int *writers = xzalloc ((n + 1) * sizeof (int));
  for (size_t i = 0; i < n; i++)
    {
      int p[2];
      if (pipe2 (p, O_CLOEXEC) < 0)
        break;
      f.index = xrealloc (f.index, (f.n + 1) * sizeof (uint32_t));
      f.fd = xrealloc (f.fd, (f.n + 1) * sizeof (int));
      f.index[f.n] = (uint32_t)(3 * i + 2);
      f.fd[f.n++] = p[0];
      writers[i] = p[1];
      ino[i] = ino_of (p[0]);
    }
  size_t n_mounts = 3 * n + 2;
  /* a SEQPACKET socketpair queues a few hundred small messages: enough */
  ok (runcgo_idmap_mounts_send (sv[0], &f, &err) == 0, "send %zu fds", n);
  int *by_index = NULL;
  ok (runcgo_idmap_mounts_recv (sv[1], n_mounts, &by_index, &err) == 0, "receive them");
  size_t good = 0, stray = 0;
  for (size_t i = 0; by_index && i < n_mounts; i++)
    {
      if (i % 3 == 2 && i / 3 < n && by_index[i] >= 0 && ino_of (by_index[i]) == ino[i / 3])
        good++;
      else if (i % 3 != 2 && by_index[i] != -1)
        stray++;
    }
  ok (good == n && stray == 0, "every fd landed at its mount index (%zu of %zu, %zu stray)", good, n, stray);
  if (n > 0 && by_index)
    {
      char c = 0;
      ok (write (writers[0], "m", 1) == 1 && read (by_index[2], &c, 1) == 1 && c == 'm',
          "the received fd is the one sent");
    }
  runcgo_idmap_fds_close (by_index, n_mounts);
  runcgo_idmap_fds_release (&f);
  for (size_t i = 0; i < n; i++)
    close (writers[i]);
  free (writers);
  close (sv[0]);
  close (sv[1]);
  runcgo_error_release (&err);
}

static void
test_malformed_answer (void)
{
  int sv[2];
  runcgo_error_t err = NULL;
  socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv);
  const char junk[] = "not a mount batch";
  ok (write (sv[0], junk, sizeof (junk)) == (ssize_t)sizeof (junk), "send junk");
  int *by_index = NULL;
  int r = runcgo_idmap_mounts_recv (sv[1], 4, &by_index, &err);
  ok (r < 0 && err && strstr (err->msg, "idmapped mounts"), "junk is refused: %s", err ? err->msg : "");
  runcgo_error_release (&err);
  /* an index beyond the config's mounts */
  struct runcgo_idmap_fds f = { 0 };
  int p[2];
  pipe2 (p, O_CLOEXEC);
  uint32_t idx = 9;
  f.index = &idx;
  f.fd = &p[0];
  f.n = 1;
  ok (runcgo_idmap_mounts_send (sv[0], &f, &err) == 0, "send an fd for mount 9");
  ok (runcgo_idmap_mounts_recv (sv[1], 4, &by_index, &err) < 0, "of 4 mounts: refused");
  runcgo_error_release (&err);
  close (p[0]);
  close (p[1]);
  close (sv[0]);
  close (sv[1]);
}

int
main (void)
{
  test_classification ();
  test_transport (0);
  test_transport (3);
  test_transport (260); /* two batches (250 + 10) */
  test_malformed_answer ();
  return done_testing ();
}
