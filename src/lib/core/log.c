/* log.c -- stderr + optional text/JSON log file, in runc's formats. */
#include "config.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "log.h"
#include "util.h"

static int log_fd = -1;
static bool log_json;
static bool log_debug;

static const char *const level_names[] = { "error", "warning", "info", "debug" };

int
runcgo_log_init (const char *path, const char *format, bool debug, runcgo_error_t *err)
{
  log_debug = debug;
  if (format && strcmp (format, "json") == 0)
    log_json = true;
  else if (format && strcmp (format, "text") != 0)
    return runcgo_fail_hint (err, 0, "use --log-format text or --log-format json",
                             "--log-format: unknown format \"%s\"", format);
  if (path == NULL || *path == '\0')
    return 0;
  log_fd = open (path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0)
    return runcgo_fail (err, errno, "--log: open `%s`", path);
  return 0;
}

int
runcgo_log_fd (void)
{
  return log_fd;
}

bool
runcgo_log_debug_enabled (void)
{
  return log_debug;
}

static void
format_time (char *buf, size_t len)
{
  struct timespec ts;
  clock_gettime (CLOCK_REALTIME, &ts);
  runcgo_rfc3339 (&ts, buf, len);
}

static void
write_file_entry (enum runcgo_log_level level, const char *msg)
{
  char when[64];
  format_time (when, sizeof (when));
  cleanup_free char *line = NULL;
  if (log_json)
    {
      json_object *o = json_object_new_object ();
      json_object_object_add (o, "level", json_object_new_string (level_names[level]));
      json_object_object_add (o, "msg", json_object_new_string (msg));
      json_object_object_add (o, "time", json_object_new_string (when));
      line = xasprintf ("%s\n", json_object_to_json_string_ext (o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
      json_object_put (o);
    }
  else
    {
      /* logrus text format quotes msg with Go-style escaping; escaping
       * backslash and quote is enough for every parser in use */
      size_t n = strlen (msg);
      cleanup_free char *q = xmalloc (2 * n + 1);
      char *w = q;
      for (const char *r = msg; *r; r++)
        {
          if (*r == '"' || *r == '\\')
            *w++ = '\\';
          *w++ = (*r == '\n') ? ' ' : *r;
        }
      *w = '\0';
      line = xasprintf ("time=\"%s\" level=%s msg=\"%s\"\n", when, level_names[level], q);
    }
  runcgo_write_all (log_fd, line, strlen (line));
}

void
runcgo_log (enum runcgo_log_level level, const char *fmt, ...)
{
  if (level == RUNCGO_LOG_DEBUG && !log_debug)
    return;
  va_list ap;
  cleanup_free char *msg = NULL;
  va_start (ap, fmt);
  if (vasprintf (&msg, fmt, ap) < 0)
    msg = NULL;
  va_end (ap);
  if (msg == NULL)
    return;
  if (log_fd >= 0)
    write_file_entry (level, msg);
  /* stderr gets errors and warnings always, the rest only with --debug and no log file */
  if (level <= RUNCGO_LOG_WARNING || log_fd < 0)
    {
      const char *tag = level == RUNCGO_LOG_ERROR ? "" : level == RUNCGO_LOG_WARNING ? "warning: " : level == RUNCGO_LOG_DEBUG ? "debug: " : "";
      dprintf (STDERR_FILENO, "runcgo: %s%s\n", tag, msg);
    }
}

void
runcgo_log_report (runcgo_error_t err)
{
  runcgo_log (RUNCGO_LOG_ERROR, "%s", runcgo_error_text (err));
}
