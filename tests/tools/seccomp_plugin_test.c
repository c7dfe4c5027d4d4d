/* seccomp_plugin_test.c -- seccomp notify plugins for the tests of the
 * annotation run.oci.seccomp.plugins (tests/integration/seccomp_plugins.sh),
 * built against runcgo's installed header.  One source, three libraries:
 *
 * seccomp_plugin_test.so (default): answers
 *   mkdir, mkdirat   EDQUOT, sent by the helper (SEND_RESPONSE)
 *   getppid          the value 4242 (SEND_RESPONSE with val)
 *   chmod, fchmodat  run by the kernel (SEND_RESPONSE_AND_CONTINUE)
 *   rmdir            EXDEV, sent by the plugin itself (DELAYED_RESPONSE)
 *   anything else    not handled
 *   It exports run_oci_seccomp_notify_version (crun's name).
 * seccomp_plugin_decline.so (-DPLUGIN_DECLINE): handles nothing, logs what
 *   it saw; exports run_oci_seccomp_notify_plugin_version (the name crun's
 *   example plugins use).
 * seccomp_plugin_nohandler.so (-DPLUGIN_NO_HANDLER): no
 *   run_oci_seccomp_notify_handle_request.
 *
 * Environment (the helper inherits the runtime's):
 *   SECCOMP_PLUGIN_TEST_LOG      append a line per call to this file
 *   SECCOMP_PLUGIN_TEST_VERSION  the version function returns this number
 *   SECCOMP_PLUGIN_TEST_FAIL_START  start returns -EPERM
 *   SECCOMP_PLUGIN_TEST_HANG_STOP   stop never returns (a stuck plugin) */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runcgo/seccomp_notify_plugin.h"

#ifdef PLUGIN_DECLINE
#define NAME "decline"
#elif defined PLUGIN_NO_HANDLER
#define NAME "nohandler"
#else
#define NAME "test"
#endif

#define MAGIC 0x5eccu

struct state
{
  unsigned magic;
  char *name;
};

static void __attribute__ ((format (printf, 1, 2)))
log_line (const char *fmt, ...)
{
  const char *path = getenv ("SECCOMP_PLUGIN_TEST_LOG");
  if (path == NULL)
    return;
  FILE *f = fopen (path, "a");
  if (f == NULL)
    return;
  va_list ap;
  va_start (ap, fmt);
  fprintf (f, "%s ", NAME);
  vfprintf (f, fmt, ap);
  fputc ('\n', f);
  va_end (ap);
  fclose (f);
}

static int
version (void)
{
  const char *v = getenv ("SECCOMP_PLUGIN_TEST_VERSION");
  return v ? atoi (v) : 1;
}

#ifdef PLUGIN_DECLINE
int
run_oci_seccomp_notify_plugin_version (void)
{
  return version ();
}
#else
int
run_oci_seccomp_notify_version (void)
{
  return version ();
}
#endif

int
run_oci_seccomp_notify_start (void **opaque, struct libcrun_load_seccomp_notify_conf_s *conf, size_t size)
{
  if (size != sizeof (*conf))
    return -EINVAL;
  if (getenv ("SECCOMP_PLUGIN_TEST_FAIL_START"))
    return -EPERM;
  struct state *s = calloc (1, sizeof (*s));
  if (s == NULL)
    return -ENOMEM;
  s->magic = MAGIC;
  s->name = strdup (conf->name);
  log_line ("start root=%s name=%s bundle=%s config=%s", conf->runtime_root_path, conf->name, conf->bundle_path,
            conf->oci_config_path);
  *opaque = s;
  return 0;
}

int
run_oci_seccomp_notify_stop (void *opaque)
{
  struct state *s = opaque;
  log_line ("stop name=%s", s && s->magic == MAGIC ? s->name : "?");
  while (getenv ("SECCOMP_PLUGIN_TEST_HANG_STOP"))
    pause ();
  if (s)
    free (s->name);
  free (s);
  return 0;
}

#ifdef PLUGIN_DECLINE
int
run_oci_seccomp_notify_handle_request (void *opaque, struct seccomp_notif_sizes *sizes, struct seccomp_notif *req,
                                       struct seccomp_notif_resp *resp, int seccomp_fd, int *handled)
{
  struct state *s = opaque;
  (void) sizes, (void) resp, (void) seccomp_fd;
  if (s == NULL || s->magic != MAGIC)
    return -EINVAL; /* the opaque pointer of start did not come back */
  log_line ("request nr=%d pid=%u", req->data.nr, req->pid);
  *handled = RUN_OCI_SECCOMP_NOTIFY_HANDLE_NOT_HANDLED;
  return 0;
}
#elif !defined PLUGIN_NO_HANDLER
/* the answer of a DELAYED_RESPONSE, sent here rather than by the helper */
static int
answer_myself (int seccomp_fd, const struct seccomp_notif_sizes *sizes, __u64 id, int error)
{
  struct seccomp_notif_resp *resp = calloc (1, sizes->seccomp_notif_resp);
  if (resp == NULL)
    return -ENOMEM;
  resp->id = id;
  resp->error = -error;
  int r = ioctl (seccomp_fd, SECCOMP_IOCTL_NOTIF_SEND, resp) < 0 ? -errno : 0;
  free (resp);
  return r;
}

static int
is_one_of (int nr, const long *list, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (list[i] == nr)
      return 1;
  return 0;
}

static const long mkdirs[] = {
#ifdef SYS_mkdir
  SYS_mkdir,
#endif
  SYS_mkdirat,
};
static const long chmods[] = {
#ifdef SYS_chmod
  SYS_chmod,
#endif
  SYS_fchmodat,
};

int
run_oci_seccomp_notify_handle_request (void *opaque, struct seccomp_notif_sizes *sizes, struct seccomp_notif *req,
                                       struct seccomp_notif_resp *resp, int seccomp_fd, int *handled)
{
  struct state *s = opaque;
  if (s == NULL || s->magic != MAGIC)
    return -EINVAL; /* the opaque pointer of start did not come back */
  log_line ("request nr=%d pid=%u", req->data.nr, req->pid);
  *handled = RUN_OCI_SECCOMP_NOTIFY_HANDLE_NOT_HANDLED;
  if (is_one_of (req->data.nr, mkdirs, sizeof (mkdirs) / sizeof (mkdirs[0])))
    {
      resp->error = -EDQUOT;
      *handled = RUN_OCI_SECCOMP_NOTIFY_HANDLE_SEND_RESPONSE;
    }
  else if (req->data.nr == SYS_getppid)
    {
      resp->val = 4242;
      *handled = RUN_OCI_SECCOMP_NOTIFY_HANDLE_SEND_RESPONSE;
    }
  else if (is_one_of (req->data.nr, chmods, sizeof (chmods) / sizeof (chmods[0])))
    *handled = RUN_OCI_SECCOMP_NOTIFY_HANDLE_SEND_RESPONSE_AND_CONTINUE;
#ifdef SYS_rmdir
  else if (req->data.nr == SYS_rmdir)
    {
      int r = answer_myself (seccomp_fd, sizes, req->id, EXDEV);
      if (r < 0)
        return r;
      *handled = RUN_OCI_SECCOMP_NOTIFY_HANDLE_DELAYED_RESPONSE;
    }
#endif
  return 0;
}
#endif
