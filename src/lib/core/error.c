/* error.c -- construction, wrapping and release of runcgo_error_t. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "util.h"

int
runcgo_failv (runcgo_error_t *err, int errnum, const char *hint, const char *fmt, va_list ap)
{
  if (err == NULL || *err != NULL)
    return -1;
  char *msg = NULL;
  if (vasprintf (&msg, fmt, ap) < 0)
    abort ();
  struct runcgo_error *e = xzalloc (sizeof (*e));
  e->status = errnum;
  if (errnum)
    {
      e->msg = xasprintf ("%s: %s", msg, strerror (errnum));
      free (msg);
    }
  else
    e->msg = msg;
  e->hint = hint ? xstrdup (hint) : NULL;
  *err = e;
  return -1;
}

int
runcgo_fail (runcgo_error_t *err, int errnum, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  runcgo_failv (err, errnum, NULL, fmt, ap);
  va_end (ap);
  return -1;
}

int
runcgo_fail_hint (runcgo_error_t *err, int errnum, const char *hint, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  runcgo_failv (err, errnum, hint, fmt, ap);
  va_end (ap);
  return -1;
}

int
runcgo_error_wrap (runcgo_error_t *err, const char *fmt, ...)
{
  if (err == NULL || *err == NULL)
    return -1;
  va_list ap;
  char *ctx = NULL;
  va_start (ap, fmt);
  if (vasprintf (&ctx, fmt, ap) < 0)
    abort ();
  va_end (ap);
  char *msg = xasprintf ("%s: %s", ctx, (*err)->msg);
  free (ctx);
  free ((*err)->msg);
  (*err)->msg = msg;
  return -1;
}

const char *
runcgo_error_text (runcgo_error_t err)
{
  if (err == NULL)
    return "unknown error";
  if (err->hint && !strstr (err->msg, "(hint: "))
    {
      char *m = xasprintf ("%s (hint: %s)", err->msg, err->hint);
      free (err->msg);
      err->msg = m;
    }
  return err->msg;
}

void
runcgo_error_release (runcgo_error_t *err)
{
  if (err == NULL || *err == NULL)
    return;
  free ((*err)->msg);
  free ((*err)->hint);
  free (*err);
  *err = NULL;
}

void
runcgo_error_cleanup (runcgo_error_t *err)
{
  runcgo_error_release (err);
}
