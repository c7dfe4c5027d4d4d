/* ready.c -- see ready.h; shared by runcgo-slirp and runcgo-seccomp-plugins. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>

#include "ready.h"

static const char *log_name = "helper";
static int ready_fd = -1;
static void (*fail_hook) (void);

void
helper_ready_init (const char *name, int fd, void (*on_fail) (void))
{
  log_name = name;
  ready_fd = fd;
  fail_hook = on_fail;
}

static void
vlog (const char *fmt, va_list ap)
{
  fprintf (stderr, "%s: ", log_name);
  vfprintf (stderr, fmt, ap);
  fputc ('\n', stderr);
}

void
helper_log (const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  vlog (fmt, ap);
  va_end (ap);
}

void
helper_die (const char *fmt, ...)
{
  char buf[2048];
  va_list ap;
  va_start (ap, fmt);
  int n = vsnprintf (buf, sizeof (buf), fmt, ap);
  va_end (ap);
  if (n < 0)
    n = 0;
  if ((size_t) n >= sizeof (buf))
    n = sizeof (buf) - 1;
  if (ready_fd >= 0 && write (ready_fd, buf, (size_t) n) < 0)
    n = 0;
  helper_log ("%s", buf);
  if (fail_hook)
    fail_hook ();
  _exit (1);
}

void
helper_ready_ok (void)
{
  if (ready_fd < 0)
    return;
  if (write (ready_fd, "ok", 2) != 2)
    helper_die ("write the ready message: %s", strerror (errno));
  close (ready_fd);
  ready_fd = -1;
}
