/* tap.h -- the smallest TAP producer: ok(cond, name, ...), done_testing(). */
#ifndef RUNCGO_TAP_H
#define RUNCGO_TAP_H
#include <stdarg.h>
#include <stdio.h>

static int tap_n, tap_failed;

static inline int __attribute__((format(printf, 2, 3)))
ok (int cond, const char *fmt, ...)
{
  va_list ap;
  printf ("%sok %d - ", cond ? "" : "not ", ++tap_n);
  va_start (ap, fmt);
  vprintf (fmt, ap);
  va_end (ap);
  printf ("\n");
  fflush (stdout);
  if (!cond)
    tap_failed++;
  return cond;
}

static inline void __attribute__((format(printf, 1, 2)))
diag (const char *fmt, ...)
{
  va_list ap;
  printf ("# ");
  va_start (ap, fmt);
  vprintf (fmt, ap);
  va_end (ap);
  printf ("\n");
}

static inline int
done_testing (void)
{
  printf ("1..%d\n", tap_n);
  return tap_failed ? 1 : 0;
}
#endif
