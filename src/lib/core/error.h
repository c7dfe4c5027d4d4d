/* error.h -- the runtime's one error idiom.
 *
 *   int f (..., runcgo_error_t *err);   returns <0 and sets *err once.
 *
 * An error carries the errno (0 when none), a message that names the object
 * and the step, and an optional hint telling the user what to do.  Callers add
 * context on the way up with runcgo_error_wrap(); only the CLI prints. */
#ifndef RUNCGO_ERROR_H
#define RUNCGO_ERROR_H

#include <stdarg.h>

struct runcgo_error
{
  int status; /* errno value, 0 if none */
  char *msg;  /* full message, strerror already appended */
  char *hint; /* optional */
};
typedef struct runcgo_error *runcgo_error_t;

/* Set *err (if not already set) and return -1.  errnum 0 = no strerror. */
int runcgo_fail (runcgo_error_t *err, int errnum, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int runcgo_fail_hint (runcgo_error_t *err, int errnum, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int runcgo_failv (runcgo_error_t *err, int errnum, const char *hint, const char *fmt, va_list ap);
/* Prefix the message: "<context>: <old message>"; returns -1. */
int runcgo_error_wrap (runcgo_error_t *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void runcgo_error_release (runcgo_error_t *err);
/* Full text "msg (hint: ...)" for printing; owned by the error. */
const char *runcgo_error_text (runcgo_error_t err);
void runcgo_error_cleanup (runcgo_error_t *err);
#define cleanup_error __attribute__((cleanup(runcgo_error_cleanup)))

#endif
