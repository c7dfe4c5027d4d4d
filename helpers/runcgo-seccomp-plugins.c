/* runcgo-seccomp-plugins.c -- the host of crun-compatible seccomp notify
 * plugins (annotation run.oci.seccomp.plugins) for one seccomp listener.
 *
 * runcgo is a static binary and cannot dlopen, so this small dynamic program
 * does it.  The runtime (src/lib/security/seccomp_plugins.c) starts it with
 * fd 3, a stream socket whose other end goes to the process that loads the
 * filter, and fd 4, the ready pipe.  It loads and starts the plugins (the
 * interface: include/runcgo/seccomp_notify_plugin.h) and writes "ok", or one
 * error line that becomes the error of `create` or `exec`.  Then it waits
 * for the container process state and the listener fd on fd 3, and serves
 * every notification until no process uses the filter any more (the
 * listener polls POLLHUP), the other end closes without sending one (the
 * container was deleted before it started), or SIGTERM/SIGINT/SIGHUP
 * (delete); then it stops the plugins and exits.  Its stderr is the log. */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ready.h"
#include "runcgo/seccomp_notify_plugin.h"

#ifndef SECCOMP_USER_NOTIF_FLAG_CONTINUE
#define SECCOMP_USER_NOTIF_FLAG_CONTINUE (1UL << 0)
#endif
#ifndef SECCOMP_GET_NOTIF_SIZES
#define SECCOMP_GET_NOTIF_SIZES 3
#endif

#define SOCK_FD 3
#define READY_FD 4
#define MAX_PLUGINS 64

struct plugin
{
  const char *path;
  void *handle;
  void *opaque;
  run_oci_seccomp_notify_handle_request_cb handle_request;
  run_oci_seccomp_notify_stop_cb stop;
  bool started; /* its start succeeded (or it has none): stop it at the end */
};

struct host
{
  struct plugin plugins[MAX_PLUGINS];
  size_t n;
  struct libcrun_load_seccomp_notify_conf_s conf;
  struct seccomp_notif_sizes sizes;
  struct seccomp_notif *req;
  struct seccomp_notif_resp *resp;
};

/* ---------------------------------------------------------------- errors */

/* helper_die: the plugins that started before one failed are stopped
 * (crun does too). */
static struct host *loaded;
static void stop_plugins (struct host *h);

static void
stop_loaded (void)
{
  if (loaded)
    stop_plugins (loaded);
}


/* ---------------------------------------------------------------- plugins */

/* crun asks for run_oci_seccomp_notify_version; its own example plugins
 * export run_oci_seccomp_notify_plugin_version.  Either, or none (crun
 * accepts a plugin without one). */
static void
check_version (void *handle, const char *path)
{
  static const char *const names[] = { "run_oci_seccomp_notify_version", "run_oci_seccomp_notify_plugin_version" };
  for (size_t i = 0; i < sizeof (names) / sizeof (names[0]); i++)
    {
      run_oci_seccomp_notify_plugin_version_cb version
          = (run_oci_seccomp_notify_plugin_version_cb) dlsym (handle, names[i]);
      if (version == NULL)
        continue;
      int v = version ();
      if (v != RUN_OCI_SECCOMP_NOTIFY_PLUGIN_VERSION)
        helper_die ("`%s`: %s() says version %d; runcgo speaks version %d of the plugin interface", path, names[i], v,
             RUN_OCI_SECCOMP_NOTIFY_PLUGIN_VERSION);
      return;
    }
}

static void
load_one (struct host *h, struct plugin *p)
{
  dlerror ();
  p->handle = dlopen (p->path, RTLD_NOW | RTLD_LOCAL);
  if (p->handle == NULL)
    helper_die ("cannot load `%s`: %s", p->path, dlerror ());
  check_version (p->handle, p->path);
  p->handle_request = (run_oci_seccomp_notify_handle_request_cb) dlsym (p->handle,
                                                                        "run_oci_seccomp_notify_handle_request");
  if (p->handle_request == NULL)
    helper_die ("`%s` does not export run_oci_seccomp_notify_handle_request", p->path);
  p->stop = (run_oci_seccomp_notify_stop_cb) dlsym (p->handle, "run_oci_seccomp_notify_stop");
  run_oci_seccomp_notify_start_cb start = (run_oci_seccomp_notify_start_cb) dlsym (p->handle,
                                                                                   "run_oci_seccomp_notify_start");
  int r = start ? start (&p->opaque, &h->conf, sizeof (h->conf)) : 0;
  p->started = r == 0;
  if (r != 0)
    helper_die ("`%s`: run_oci_seccomp_notify_start failed (%d%s%s)", p->path, r, r < 0 && r > -4096 ? ": " : "",
         r < 0 && r > -4096 ? strerror (-r) : "");
}

/* LIST was checked by the runtime (load.c); the split is all that is left
 * (on a copy: ps shows our argv). */
static void
load_plugins (struct host *h, const char *list)
{
  char *copy = strdup (list);
  if (copy == NULL)
    helper_die ("out of memory");
  for (char *save = NULL, *tok = strtok_r (copy, ":", &save); tok; tok = strtok_r (NULL, ":", &save))
    {
      if (h->n == MAX_PLUGINS)
        helper_die ("more than %d plugins", MAX_PLUGINS);
      h->plugins[h->n].path = tok;
      load_one (h, &h->plugins[h->n++]);
    }
}

static void
stop_plugins (struct host *h)
{
  loaded = NULL;
  for (size_t i = 0; i < h->n; i++)
    if (h->plugins[i].started && h->plugins[i].stop && h->plugins[i].stop (h->plugins[i].opaque) != 0)
      helper_log ("`%s`: run_oci_seccomp_notify_stop failed", h->plugins[i].path);
}

/* ---------------------------------------------------------------- serving */

/* Ask every plugin in turn; returns false when the answer was delayed (the
 * plugin sends it). */
static bool
dispatch (struct host *h, int listener)
{
  for (size_t i = 0; i < h->n; i++)
    {
      struct plugin *p = &h->plugins[i];
      int handled = RUN_OCI_SECCOMP_NOTIFY_HANDLE_NOT_HANDLED;
      memset (h->resp, 0, h->sizes.seccomp_notif_resp);
      int r = p->handle_request (p->opaque, &h->sizes, h->req, h->resp, listener, &handled);
      if (r == 0 && handled == RUN_OCI_SECCOMP_NOTIFY_HANDLE_NOT_HANDLED)
        continue;
      if (r == 0 && handled == RUN_OCI_SECCOMP_NOTIFY_HANDLE_SEND_RESPONSE)
        return true;
      if (r == 0 && handled == RUN_OCI_SECCOMP_NOTIFY_HANDLE_DELAYED_RESPONSE)
        return false;
      if (r == 0 && handled == RUN_OCI_SECCOMP_NOTIFY_HANDLE_SEND_RESPONSE_AND_CONTINUE)
        {
          h->resp->flags |= SECCOMP_USER_NOTIF_FLAG_CONTINUE;
          return true;
        }
      helper_log ("`%s`: syscall %d of pid %u: handle_request returned %d, handled=%d: answering EIO", p->path,
            h->req->data.nr, h->req->pid, r, handled);
      memset (h->resp, 0, h->sizes.seccomp_notif_resp);
      h->resp->error = -EIO;
      return true;
    }
  /* nobody's syscall (crun's answer) */
  memset (h->resp, 0, h->sizes.seccomp_notif_resp);
  h->resp->error = -ENOTSUP;
  return true;
}

static void
handle_one (struct host *h, int listener)
{
  memset (h->req, 0, h->sizes.seccomp_notif);
  if (ioctl (listener, SECCOMP_IOCTL_NOTIF_RECV, h->req) < 0)
    {
      /* ENOENT: the process was killed while we woke up */
      if (errno != ENOENT && errno != EINTR)
        helper_log ("SECCOMP_IOCTL_NOTIF_RECV: %s", strerror (errno));
      return;
    }
  if (!dispatch (h, listener))
    return;
  h->resp->id = h->req->id;
  if (ioctl (listener, SECCOMP_IOCTL_NOTIF_SEND, h->resp) < 0 && errno != ENOENT)
    helper_log ("SECCOMP_IOCTL_NOTIF_SEND (syscall %d of pid %u): %s", h->req->data.nr, h->req->pid, strerror (errno));
}

/* Until no process uses the filter (POLLHUP; a notification still queued
 * is answered first) or a signal asks us to stop. */
static void
serve (struct host *h, int listener, int sigfd)
{
  struct pollfd p[2] = { { .fd = listener, .events = POLLIN }, { .fd = sigfd, .events = POLLIN } };
  for (;;)
    {
      if (poll (p, 2, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          helper_log ("poll: %s", strerror (errno));
          return;
        }
      if (p[1].revents)
        return;
      if (p[0].revents & POLLIN)
        handle_one (h, listener);
      else if (p[0].revents)
        return;
    }
}

/* The container process state (ignored: the conf says what the plugins
 * need) with the listener in the first message.  Read to the end: the
 * sender must never get EPIPE.  -1 when it closed without a listener. */
static int
receive_listener (int sock, int sigfd)
{
  struct pollfd p[2] = { { .fd = sock, .events = POLLIN }, { .fd = sigfd, .events = POLLIN } };
  while (poll (p, 2, -1) < 0)
    if (errno != EINTR)
      return -1;
  if (p[1].revents)
    return -1;
  char data[4096];
  union
  {
    struct cmsghdr h;
    char buf[CMSG_SPACE (4 * sizeof (int))];
  } ctl;
  struct iovec iov = { .iov_base = data, .iov_len = sizeof (data) };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof (ctl.buf) };
  ssize_t n;
  do
    n = recvmsg (sock, &msg, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  int fd = -1;
  for (struct cmsghdr *c = n > 0 ? CMSG_FIRSTHDR (&msg) : NULL; c; c = CMSG_NXTHDR (&msg, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
      for (size_t i = 0; i < (c->cmsg_len - CMSG_LEN (0)) / sizeof (int); i++)
        {
          int got;
          memcpy (&got, CMSG_DATA (c) + i * sizeof (int), sizeof (int));
          if (fd < 0)
            fd = got;
          else
            close (got);
        }
  while (n > 0)
    n = read (sock, data, sizeof (data));
  return fd;
}

/* ---------------------------------------------------------------- main */

static void
parse_options (int argc, char **argv, struct host *h, char **plugins)
{
  static const struct option opts[] = {
    { "plugins", required_argument, NULL, 'p' }, { "state-dir", required_argument, NULL, 's' },
    { "id", required_argument, NULL, 'i' },      { "bundle", required_argument, NULL, 'b' },
    { "config", required_argument, NULL, 'c' },  { NULL, 0, NULL, 0 },
  };
  int c;
  while ((c = getopt_long (argc, argv, "", opts, NULL)) != -1)
    switch (c)
      {
      case 'p': *plugins = optarg; break;
      case 's': h->conf.runtime_root_path = optarg; break;
      case 'i': h->conf.name = optarg; break;
      case 'b': h->conf.bundle_path = optarg; break;
      case 'c': h->conf.oci_config_path = optarg; break;
      default: helper_die ("usage: runcgo-seccomp-plugins --plugins=LIST --state-dir=DIR --id=ID --bundle=DIR --config=FILE");
      }
  if (*plugins == NULL || h->conf.runtime_root_path == NULL || h->conf.name == NULL || h->conf.bundle_path == NULL
      || h->conf.oci_config_path == NULL)
    helper_die ("--plugins, --state-dir, --id, --bundle and --config are required");
}

static int
stop_signals (void)
{
  sigset_t stop;
  sigemptyset (&stop);
  sigaddset (&stop, SIGTERM);
  sigaddset (&stop, SIGINT);
  sigaddset (&stop, SIGHUP);
  sigprocmask (SIG_BLOCK, &stop, NULL);
  signal (SIGPIPE, SIG_IGN);
  int fd = signalfd (-1, &stop, SFD_CLOEXEC);
  if (fd < 0)
    helper_die ("signalfd: %s", strerror (errno));
  return fd;
}

int
main (int argc, char **argv)
{
  static struct host h;
  char *plugins = NULL;
  static char name[64];
  snprintf (name, sizeof (name), "runcgo-seccomp-plugins[%d]", (int) getpid ());
  helper_ready_init (name, READY_FD, stop_loaded);
  parse_options (argc, argv, &h, &plugins);
  int sigfd = stop_signals ();
  /* a process a plugin starts must not hold them: the runtime waits for
   * the end of the ready pipe, and the socket's end means "deleted" */
  if (fcntl (SOCK_FD, F_SETFD, FD_CLOEXEC) < 0 || fcntl (READY_FD, F_SETFD, FD_CLOEXEC) < 0)
    helper_die ("fds 3 and 4 must be open: %s", strerror (errno));
  /* a long-lived process keeps no directory of the caller busy */
  if (chdir ("/") < 0)
    helper_die ("chdir /: %s", strerror (errno));
  if (syscall (SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &h.sizes) < 0)
    helper_die ("seccomp(SECCOMP_GET_NOTIF_SIZES): %s", strerror (errno));
  /* the kernel's structs may be larger than our headers' */
  h.req = calloc (1, h.sizes.seccomp_notif > sizeof (*h.req) ? h.sizes.seccomp_notif : sizeof (*h.req));
  h.resp = calloc (1, h.sizes.seccomp_notif_resp > sizeof (*h.resp) ? h.sizes.seccomp_notif_resp : sizeof (*h.resp));
  if (h.req == NULL || h.resp == NULL)
    helper_die ("out of memory");
  loaded = &h;
  load_plugins (&h, plugins);
  helper_ready_ok ();
  int listener = receive_listener (SOCK_FD, sigfd);
  close (SOCK_FD);
  if (listener >= 0)
    serve (&h, listener, sigfd);
  stop_plugins (&h);
  return 0;
}
