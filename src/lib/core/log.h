/* log.h -- the runtime's log sinks.
 *
 * Errors always go to stderr as "runcgo: <message>"; with --log FILE they
 * are also appended to FILE as text (logrus-style `time="..." level=error
 * msg="..."`) or, with --log-format json, as JSON lines {"level","msg","time"}
 * exactly as runc writes them, because conmon and containerd parse that file.
 * The log fd is inherited (O_APPEND) by the container init until it execs, so
 * errors raised inside the container reach the same file. */
#ifndef RUNCGO_LOG_H
#define RUNCGO_LOG_H

#include <stdbool.h>

#include "error.h"

enum runcgo_log_level
{
  RUNCGO_LOG_ERROR,
  RUNCGO_LOG_WARNING,
  RUNCGO_LOG_INFO,
  RUNCGO_LOG_DEBUG,
};

/* path NULL = stderr only; format "text" or "json". */
int runcgo_log_init (const char *path, const char *format, bool debug, runcgo_error_t *err);
void runcgo_log (enum runcgo_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define runcgo_warn(...) runcgo_log (RUNCGO_LOG_WARNING, __VA_ARGS__)
#define runcgo_debug(...) runcgo_log (RUNCGO_LOG_DEBUG, __VA_ARGS__)
/* Report an error: stderr line + log file entry. */
void runcgo_log_report (runcgo_error_t err);
/* The open log file fd (-1 when none): passed down to the init. */
int runcgo_log_fd (void);
bool runcgo_log_debug_enabled (void);
/* Re-point the stderr sink (the init uses its inherited stderr, unchanged). */
#endif
