/* notify_socket.c -- NOTIFY_SOCKET proxy (see linux.h). */
#include "config.h"

#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "core/util.h"
#include "linux.h"

static void
strv_append (char ***v, char *s)
{
  size_t n = runcgo_strv_len (*v);
  *v = xrealloc (*v, (n + 2) * sizeof (char *));
  (*v)[n] = s;
  (*v)[n + 1] = NULL;
}

int
runcgo_notify_prepare (struct runcgo_spec *spec, const char *state_dir, runcgo_error_t *err)
{
  cleanup_free char *dir = xasprintf ("%s/notify", state_dir);
  if (mkdir (dir, 0755) < 0 && errno != EEXIST)
    return runcgo_fail (err, errno, "NOTIFY_SOCKET: create `%s`", dir);
  spec->mounts = xrealloc (spec->mounts, (spec->n_mounts + 1) * sizeof (struct runcgo_mount));
  struct runcgo_mount *m = &spec->mounts[spec->n_mounts++];
  memset (m, 0, sizeof (*m));
  m->destination = xstrdup (RUNCGO_NOTIFY_DIR_IN_CONTAINER);
  m->type = xstrdup ("bind");
  m->source = steal_ptr (&dir);
  const char *opts[] = { "bind", "nosuid", "noexec", "nodev", "ro" };
  for (size_t i = 0; i < ARRAY_SIZE (opts); i++)
    strv_append (&m->options, xstrdup (opts[i]));
  /* the caller's own value must not reach the container */
  if (spec->process == NULL)
    return 0;
  char **env = spec->process->env;
  for (size_t i = 0; env && env[i]; i++)
    if (strncmp (env[i], "NOTIFY_SOCKET=", 14) == 0)
      {
        free (env[i]);
        env[i] = xstrdup ("NOTIFY_SOCKET=" RUNCGO_NOTIFY_SOCKET_IN_CONTAINER);
        return 0;
      }
  strv_append (&spec->process->env, xstrdup ("NOTIFY_SOCKET=" RUNCGO_NOTIFY_SOCKET_IN_CONTAINER));
  return 0;
}

static int
fill_addr (struct sockaddr_un *a, const char *path, runcgo_error_t *err)
{
  memset (a, 0, sizeof (*a));
  a->sun_family = AF_UNIX;
  if (strlen (path) >= sizeof (a->sun_path))
    return runcgo_fail (err, ENAMETOOLONG, "NOTIFY_SOCKET `%s`", path);
  strcpy (a->sun_path, path);
  /* abstract sockets ("@name") as systemd allows */
  if (a->sun_path[0] == '@')
    a->sun_path[0] = '\0';
  return 0;
}

int
runcgo_notify_listen (const char *state_dir, runcgo_error_t *err)
{
  struct sockaddr_un a;
  cleanup_free char *path = xasprintf ("%s/notify/notify.sock", state_dir);
  if (fill_addr (&a, path, err) < 0)
    return -1;
  int fd = socket (AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return runcgo_fail (err, errno, "NOTIFY_SOCKET: socket");
  unlink (path);
  /* any container user may notify */
  if (bind (fd, (struct sockaddr *) &a, sizeof (a)) < 0 || chmod (path, 0777) < 0)
    {
      int e = errno;
      close (fd);
      return runcgo_fail (err, e, "NOTIFY_SOCKET: bind `%s`", path);
    }
  return fd;
}

static int
forward (const char *host_socket, const char *msg, size_t len, pid_t pid, runcgo_error_t *err)
{
  struct sockaddr_un a;
  if (fill_addr (&a, host_socket, err) < 0)
    return -1;
  cleanup_close int fd = socket (AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return runcgo_fail (err, errno, "NOTIFY_SOCKET: socket");
  /* the host supervisor watches the container's init, not us */
  cleanup_free char *out = xasprintf ("%.*s\nMAINPID=%d\n", (int) len, msg, (int) pid);
  socklen_t alen = (socklen_t) (offsetof (struct sockaddr_un, sun_path) + strlen (host_socket));
  if (host_socket[0] != '@')
    alen = sizeof (a);
  if (sendto (fd, out, strlen (out), MSG_NOSIGNAL, (struct sockaddr *) &a, alen) < 0)
    return runcgo_fail (err, errno, "NOTIFY_SOCKET: forward READY=1 to `%s`", host_socket);
  return 0;
}

static bool
has_ready (const char *msg, size_t len)
{
  for (const char *p = msg; p < msg + len;)
    {
      const char *nl = memchr (p, '\n', (size_t) (msg + len - p));
      size_t l = nl ? (size_t) (nl - p) : (size_t) (msg + len - p);
      if (l == 7 && memcmp (p, "READY=1", 7) == 0)
        return true;
      p += l + 1;
    }
  return false;
}

int
runcgo_notify_forward_ready (int sock, int pidfd, pid_t pid, const char *host_socket, runcgo_error_t *err)
{
  char buf[4096];
  for (;;)
    {
      struct pollfd p[2] = { { .fd = sock, .events = POLLIN }, { .fd = pidfd, .events = POLLIN } };
      if (poll (p, 2, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          return runcgo_fail (err, errno, "NOTIFY_SOCKET: poll");
        }
      if (p[0].revents & POLLIN)
        {
          ssize_t n = recv (sock, buf, sizeof (buf), 0);
          if (n > 0 && has_ready (buf, (size_t) n))
            return forward (host_socket, buf, (size_t) n, pid, err);
          continue;
        }
      /* nothing to forward: the caller learns of the exit its own way (runc) */
      if (p[1].revents)
        return 0;
    }
}
