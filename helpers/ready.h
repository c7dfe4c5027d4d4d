/* ready.h -- a helper's end of the ready fd that the runtime reads
 * (src/lib/core/helper_proc.c): "ok" once the helper serves; before that,
 * the one error line that becomes the error of the runtime's command. */
#ifndef RUNCGO_HELPER_READY_H
#define RUNCGO_HELPER_READY_H

/* NAME prefixes the log lines (stderr); FD is the ready fd (-1: none);
 * ON_FAIL (or NULL) runs before a failing helper exits. */
void helper_ready_init (const char *name, int fd, void (*on_fail) (void));
/* A log line on stderr: "NAME: message". */
void helper_log (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));
/* The error: on the ready fd while there is one, and in the log; exit 1. */
void helper_die (const char *fmt, ...) __attribute__ ((noreturn, format (printf, 1, 2)));
/* "ok" on the ready fd, which is closed: later errors go to the log only. */
void helper_ready_ok (void);

#endif
