/* test_seccomp_notify.c -- the seccomp agent hand-over without a container:
 * the container process state JSON, the SCM_RIGHTS send (including a state
 * longer than the socket buffer), and the early connect's decisions and
 * errors.  Runs unprivileged. */
#include "config.h"

#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "core/util.h"
#include "security/seccomp_notify.h"
#include "tap.h"

static struct runcgo_seccomp sc
    = { .listener_path = (char *)"/nonexistent/dir/agent.sock", .listener_metadata = (char *)"MKNOD=/dev/null" };
static struct runcgo_linux lx = { .seccomp = &sc };
static struct runcgo_kv annos[] = { { (char *)"k", (char *)"v" } };

static const char *
str_at (json_object *o, const char *a, const char *b)
{
  json_object *v = NULL;
  if (!json_object_object_get_ex (o, a, &v))
    return NULL;
  if (b && !json_object_object_get_ex (v, b, &v))
    return NULL;
  return json_object_get_string (v);
}

static void
test_state_json (void)
{
  struct runcgo_spec spec = { .linux_ = &lx, .annotations = annos, .n_annotations = 1 };
  cleanup_free char *s = runcgo_seccomp_notify_state (&spec, "c1", "/b", RUNCGO_STATUS_CREATED, 4242);
  json_object *o = json_tokener_parse (s);
  ok (o != NULL, "the state is JSON: %s", s);
  ok (str_at (o, "ociVersion", NULL) && strcmp (str_at (o, "ociVersion", NULL), "1.3.0") == 0, "ociVersion");
  json_object *fds = NULL;
  ok (json_object_object_get_ex (o, "fds", &fds) && json_object_array_length (fds) == 1
          && strcmp (json_object_get_string (json_object_array_get_idx (fds, 0)), "seccompFd") == 0,
      "fds is [\"seccompFd\"]");
  ok (str_at (o, "pid", NULL) && strcmp (str_at (o, "pid", NULL), "4242") == 0, "pid");
  ok (str_at (o, "metadata", NULL) && strcmp (str_at (o, "metadata", NULL), "MKNOD=/dev/null") == 0, "metadata");
  ok (str_at (o, "state", "id") && strcmp (str_at (o, "state", "id"), "c1") == 0, "state.id");
  ok (str_at (o, "state", "status") && strcmp (str_at (o, "state", "status"), "created") == 0, "state.status");
  ok (str_at (o, "state", "pid") && strcmp (str_at (o, "state", "pid"), "4242") == 0, "state.pid");
  ok (str_at (o, "state", "bundle") && strcmp (str_at (o, "state", "bundle"), "/b") == 0, "state.bundle");
  json_object *an = NULL;
  ok (json_object_object_get_ex (o, "state", &an) && json_object_object_get_ex (an, "annotations", &an)
          && strcmp (json_object_get_string (json_object_object_get (an, "k")), "v") == 0,
      "state.annotations");
  json_object_put (o);

  sc.listener_metadata = NULL;
  cleanup_free char *s2 = runcgo_seccomp_notify_state (&spec, "c1", "/b", RUNCGO_STATUS_RUNNING, 1);
  ok (strstr (s2, "metadata") == NULL, "no listenerMetadata: no metadata field");
  ok (strstr (s2, "\"status\":\"running\"") != NULL, "exec sends status running");
  sc.listener_metadata = (char *)"MKNOD=/dev/null";
}

/* The reader side, as an agent would do it: all the text until EOF, and the
 * fds of the first message. */
static char *
read_state (int sock, int *fd_out, int *nfds)
{
  size_t cap = 4 << 20, len = 0;
  char *buf = xmalloc (cap), cbuf[CMSG_SPACE (4 * sizeof (int))];
  *fd_out = -1;
  *nfds = 0;
  for (;;)
    {
      struct iovec iov = { .iov_base = buf + len, .iov_len = cap - len - 1 };
      struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
      ssize_t n = recvmsg (sock, &msg, MSG_CMSG_CLOEXEC);
      if (n <= 0)
        break;
      for (struct cmsghdr *c = CMSG_FIRSTHDR (&msg); c; c = CMSG_NXTHDR (&msg, c))
        if (c->cmsg_type == SCM_RIGHTS)
          {
            int k = (int)((c->cmsg_len - CMSG_LEN (0)) / sizeof (int));
            if (*fd_out < 0)
              memcpy (fd_out, CMSG_DATA (c), sizeof (int));
            *nfds += k;
          }
      len += (size_t)n;
    }
  buf[len] = '\0';
  return buf;
}

static void
test_send_long_state (void)
{
  int sv[2], pipefd[2];
  ok (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0 && pipe2 (pipefd, O_CLOEXEC) == 0, "socketpair");
  /* 3 MiB: far more than one sendmsg of a stream socket takes */
  size_t big = 3 << 20;
  char *text = xmalloc (big + 1);
  memset (text, 'x', big);
  text[big] = '\0';
  pid_t pid = fork ();
  if (pid == 0)
    {
      close (sv[0]);
      runcgo_error_t err = NULL;
      int r = runcgo_seccomp_notify_send (sv[1], pipefd[1], text, &err);
      _exit (r == 0 ? 0 : 1);
    }
  close (sv[1]);
  int fd, nfds;
  cleanup_free char *got = read_state (sv[0], &fd, &nfds);
  int status = -1;
  waitpid (pid, &status, 0);
  ok (WIFEXITED (status) && WEXITSTATUS (status) == 0, "the sender succeeded");
  ok (strlen (got) == big, "all %zu bytes arrived (got %zu)", big, strlen (got));
  ok (nfds == 1, "exactly one fd, in the first message only (got %d)", nfds);
  /* the fd is the pipe's write end: what we write comes out of the read end */
  ok (fd >= 0 && write (fd, "!", 1) == 1, "the received fd works");
  char c = 0;
  ok (read (pipefd[0], &c, 1) == 1 && c == '!', "and is the fd that was sent");
  close (fd);
  close (sv[0]);
  close (pipefd[0]);
  close (pipefd[1]);
  free (text);
}

static void
test_connect (void)
{
  struct runcgo_seccomp_filter no_notify = { .notify = false }, notify = { .notify = true };
  runcgo_error_t err = NULL;
  int fd = 7;
  ok (runcgo_seccomp_notify_connect (&sc, &no_notify, &fd, &err) == 0 && fd == -1,
      "no SCMP_ACT_NOTIFY rule: listenerPath is ignored, no connection");
  ok (runcgo_seccomp_notify_connect (&sc, NULL, &fd, &err) == 0 && fd == -1, "no filter: no connection");
  ok (runcgo_seccomp_notify_connect (&sc, &notify, &fd, &err) < 0 && fd == -1, "an unreachable listener fails");
  ok (err && strstr (err->msg, "linux.seccomp.listenerPath: connect to `/nonexistent/dir/agent.sock`")
          && strstr (err->msg, "No such file or directory"),
      "the error names the field and the path: %s", err ? err->msg : "");
  ok (err && err->hint && strstr (err->hint, "seccomp agent"), "and hints at the agent");
  runcgo_error_release (&err);

  /* a real listener, at a path longer than sun_path allows */
  char dir[] = "/tmp/runcgo-test-notify.XXXXXX";
  ok (mkdtemp (dir) != NULL, "temp dir");
  char *deep = xasprintf ("%s/%0120d", dir, 0);
  ok (mkdir (deep, 0700) == 0, "a directory with a 150-character path");
  char *path = xasprintf ("%s/agent.sock", deep);
  int l = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un a = { .sun_family = AF_UNIX };
  char *old = get_current_dir_name ();
  ok (chdir (deep) == 0 && (strcpy (a.sun_path, "agent.sock"), bind (l, (struct sockaddr *)&a, sizeof a)) == 0
          && listen (l, 1) == 0 && chdir (old) == 0,
      "listening at %s", path);
  sc.listener_path = path;
  ok (runcgo_seccomp_notify_connect (&sc, &notify, &fd, &err) == 0 && fd >= 0, "connect through a long path");
  int conn = accept (l, NULL, NULL);
  ok (conn >= 0, "the listener accepted the connection");
  close (conn);
  close (fd);
  close (l);
  unlink (path);
  rmdir (deep);
  rmdir (dir);
  free (old);
  free (path);
  free (deep);
  runcgo_error_release (&err);
}

int
main (void)
{
  test_state_json ();
  test_send_long_state ();
  test_connect ();
  return done_testing ();
}
