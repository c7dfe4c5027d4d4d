/* seccomp_notify.c -- the seccomp agent hand-over of linux.seccomp.listenerPath.
 *
 * Owns: connecting to the agent early (in the runtime, host mount namespace),
 * the "container process state" JSON (config-linux.md), and sending it with
 * the listener fd right after the filter is loaded.  Loading itself is
 * seccomp.c's.  Why connect early: the filter is loaded in the container
 * after pivot_root, where the host path of the socket no longer resolves,
 * and by then `create` has returned, so nobody could report a bad path. */
#include "config.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <json-c/json.h>

#include "core/util.h"
#include "security/seccomp_notify.h"
#include "security/seccomp_plugins.h"

#define SPEC_OCI_VERSION "1.3.0"

/* sun_path is 108 bytes: a longer path is reached through an O_PATH fd of
 * its directory ("/proc/self/fd/N/name"), as crun does. */
static int
connect_unix (int sock, const char *path)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  if (strlen (path) < sizeof (addr.sun_path))
    {
      strcpy (addr.sun_path, path);
      return connect (sock, (struct sockaddr *)&addr, sizeof (addr));
    }
  cleanup_free char *dir = xstrdup (path);
  char *slash = strrchr (dir, '/');
  if (slash == NULL || strlen (slash + 1) + 32 >= sizeof (addr.sun_path))
    {
      errno = ENAMETOOLONG;
      return -1;
    }
  *slash = '\0';
  cleanup_close int dfd = open (*dir ? dir : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return -1;
  snprintf (addr.sun_path, sizeof (addr.sun_path), "/proc/self/fd/%d/%s", dfd, slash + 1);
  return connect (sock, (struct sockaddr *)&addr, sizeof (addr));
}

int
runcgo_seccomp_notify_connect (const struct runcgo_seccomp *s, const struct runcgo_seccomp_filter *f, int *fd,
                               runcgo_error_t *err)
{
  static const char hint[] = "start the seccomp agent first, listening (SOCK_STREAM) on linux.seccomp.listenerPath";
  *fd = -1;
  if (s == NULL || f == NULL || !f->notify)
    return 0;
  /* the plugin helper is the agent: it is started once the state dir
   * exists (seccomp_plugins.c); now only check that it can be */
  if (s->plugins)
    return runcgo_seccomp_plugins_check (s, f, err);
  if (s->listener_path == NULL || *s->listener_path == '\0')
    return runcgo_fail_hint (err, 0, "set linux.seccomp.listenerPath to the agent's socket",
                             "linux.seccomp: SCMP_ACT_NOTIFY rules need a listener");
  cleanup_close int sock = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (sock < 0)
    return runcgo_fail (err, errno, "linux.seccomp.listenerPath: socket");
  if (connect_unix (sock, s->listener_path) < 0)
    return runcgo_fail_hint (err, errno, hint, "linux.seccomp.listenerPath: connect to `%s`", s->listener_path);
  *fd = steal_fd (&sock);
  return 0;
}

char *
runcgo_seccomp_notify_state (const struct runcgo_spec *spec, const char *id, const char *bundle,
                             enum runcgo_status status, pid_t pid)
{
  const struct runcgo_seccomp *s = spec->linux_ ? spec->linux_->seccomp : NULL;
  cleanup_free char *inner = runcgo_state_oci_json (id, status, pid, bundle, spec->annotations, spec->n_annotations);
  json_object *o = json_object_new_object ();
  json_object *fds = json_object_new_array ();
  json_object_array_add (fds, json_object_new_string ("seccompFd"));
  json_object_object_add (o, "ociVersion", json_object_new_string (SPEC_OCI_VERSION));
  json_object_object_add (o, "fds", fds);
  json_object_object_add (o, "pid", json_object_new_int64 (pid));
  if (s && s->listener_metadata)
    json_object_object_add (o, "metadata", json_object_new_string (s->listener_metadata));
  json_object_object_add (o, "state", json_tokener_parse (inner));
  char *r = xstrdup (json_object_to_json_string_ext (o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
  json_object_put (o);
  return r;
}

pid_t
runcgo_seccomp_notify_host_pid (void)
{
  char buf[32];
  ssize_t n = readlink ("/proc/self", buf, sizeof (buf) - 1);
  uint64_t v;
  if (n > 0)
    {
      buf[n] = '\0';
      if (runcgo_parse_u64 (buf, &v) == 0 && v > 0 && v <= INT_MAX)
        return (pid_t)v;
    }
  return getpid ();
}

int
runcgo_seccomp_notify_send (int sock, int listener_fd, const char *state_json, runcgo_error_t *err)
{
  static const char what[] = "linux.seccomp.listenerPath: send the seccomp fd to the agent";
  size_t len = strlen (state_json);
  ssize_t n = runcgo_send_fd (sock, listener_fd, state_json, len);
  if (n < 0)
    return runcgo_fail (err, errno, what);
  /* a stream socket may take only part of a long state (many annotations) */
  for (size_t done = (size_t)n; done < len; done += (size_t)n)
    {
      do
        n = send (sock, state_json + done, len - done, MSG_NOSIGNAL);
      while (n < 0 && errno == EINTR);
      if (n <= 0)
        return runcgo_fail (err, n < 0 ? errno : EPIPE, what);
    }
  return 0;
}

int
runcgo_seccomp_load_and_notify (const struct runcgo_seccomp_filter *f, int sock, const char *process_state,
                                runcgo_error_t *err)
{
  int listener = runcgo_seccomp_load (f, err);
  if (listener < 0)
    return -1;
  if (f == NULL || !f->notify)
    return 0;
  /* From here on every syscall runs under the new filter: the text is
   * ready, so this is sendmsg, maybe send, and two close. */
  int r = 0;
  if (sock < 0 || process_state == NULL)
    r = runcgo_fail (err, EBADF, "linux.seccomp.listenerPath: no connection to the seccomp agent");
  else
    r = runcgo_seccomp_notify_send (sock, listener, process_state, err);
  /* the agent holds its own copy of the listener now; ours would keep the
   * filter's notifications alive after the agent exits */
  close (listener);
  if (sock >= 0)
    close (sock);
  return r;
}
