/* signals.c -- signal names <-> numbers for `kill` and hook diagnostics.
 *
 * Accepts what runc, crun and kill(1) accept: "SIGKILL", "KILL", "kill", "9",
 * and the real-time forms "SIGRTMIN", "RTMIN+2", "SIGRTMAX-1".  Real-time
 * numbers come from the C library at run time (glibc reserves 32 and 33). */
#include "config.h"

#include <ctype.h>
#include <signal.h>
#include <string.h>
#include <strings.h>

#include "core/util.h"
#include "linux/linux.h"

struct signal_name
{
  const char *name;
  int sig;
};

/* Numbers differ between architectures: always use the macros.  Aliases come
 * after the canonical name so runcgo_signal_name() returns the usual one. */
static const struct signal_name signal_table[] = {
  { "SIGHUP", SIGHUP },       { "SIGINT", SIGINT },   { "SIGQUIT", SIGQUIT },     { "SIGILL", SIGILL },
  { "SIGTRAP", SIGTRAP },     { "SIGABRT", SIGABRT }, { "SIGIOT", SIGIOT },       { "SIGBUS", SIGBUS },
  { "SIGFPE", SIGFPE },       { "SIGKILL", SIGKILL }, { "SIGUSR1", SIGUSR1 },     { "SIGSEGV", SIGSEGV },
  { "SIGUSR2", SIGUSR2 },     { "SIGPIPE", SIGPIPE }, { "SIGALRM", SIGALRM },     { "SIGTERM", SIGTERM },
#ifdef SIGSTKFLT
  { "SIGSTKFLT", SIGSTKFLT },
#endif
  { "SIGCHLD", SIGCHLD },     { "SIGCLD", SIGCHLD },  { "SIGCONT", SIGCONT },     { "SIGSTOP", SIGSTOP },
  { "SIGTSTP", SIGTSTP },     { "SIGTTIN", SIGTTIN }, { "SIGTTOU", SIGTTOU },     { "SIGURG", SIGURG },
  { "SIGXCPU", SIGXCPU },     { "SIGXFSZ", SIGXFSZ }, { "SIGVTALRM", SIGVTALRM }, { "SIGPROF", SIGPROF },
  { "SIGWINCH", SIGWINCH },   { "SIGIO", SIGIO },     { "SIGPOLL", SIGPOLL },
#ifdef SIGPWR
  { "SIGPWR", SIGPWR },
#endif
  { "SIGSYS", SIGSYS },
};

/* "RTMIN", "RTMIN+N", "RTMAX", "RTMAX-N" in any case; -1 when s is not of
 * that form or the result falls outside [SIGRTMIN, SIGRTMAX]. */
static int
parse_realtime (const char *s)
{
  int base, sign;
  if (strncasecmp (s, "RTMIN", 5) == 0)
    base = SIGRTMIN, sign = 1;
  else if (strncasecmp (s, "RTMAX", 5) == 0)
    base = SIGRTMAX, sign = -1;
  else
    return -1;
  s += 5;
  if (*s == '\0')
    return base;
  if (*s != (sign > 0 ? '+' : '-') || !isdigit ((unsigned char)s[1]))
    return -1;
  uint64_t off;
  if (runcgo_parse_u64 (s + 1, &off) < 0 || off > (uint64_t)(SIGRTMAX - SIGRTMIN))
    return -1;
  return base + sign * (int)off;
}

int
runcgo_signal_parse (const char *s)
{
  if (s == NULL || *s == '\0')
    return -1;
  if (isdigit ((unsigned char)*s))
    {
      /* 0 is accepted as runc and kill(1) do: kill(2) uses it as an
       * existence probe.  Above SIGRTMAX the kernel would say EINVAL. */
      uint64_t v;
      if (runcgo_parse_u64 (s, &v) < 0 || v > (uint64_t)SIGRTMAX)
        return -1;
      return (int)v;
    }
  if (strncasecmp (s, "SIG", 3) == 0)
    s += 3;
  for (size_t i = 0; i < ARRAY_SIZE (signal_table); i++)
    if (strcasecmp (s, signal_table[i].name + 3) == 0)
      return signal_table[i].sig;
  return parse_realtime (s);
}

/* Real-time names as kill -l prints them: the lower half counts up from
 * SIGRTMIN, the upper half down from SIGRTMAX. */
static const char *const rtmin_names[] = {
  "SIGRTMIN",    "SIGRTMIN+1",  "SIGRTMIN+2",  "SIGRTMIN+3",  "SIGRTMIN+4",  "SIGRTMIN+5",
  "SIGRTMIN+6",  "SIGRTMIN+7",  "SIGRTMIN+8",  "SIGRTMIN+9",  "SIGRTMIN+10", "SIGRTMIN+11",
  "SIGRTMIN+12", "SIGRTMIN+13", "SIGRTMIN+14", "SIGRTMIN+15", "SIGRTMIN+16",
};
static const char *const rtmax_names[] = {
  "SIGRTMAX",    "SIGRTMAX-1",  "SIGRTMAX-2",  "SIGRTMAX-3",  "SIGRTMAX-4",  "SIGRTMAX-5",
  "SIGRTMAX-6",  "SIGRTMAX-7",  "SIGRTMAX-8",  "SIGRTMAX-9",  "SIGRTMAX-10", "SIGRTMAX-11",
  "SIGRTMAX-12", "SIGRTMAX-13", "SIGRTMAX-14", "SIGRTMAX-15", "SIGRTMAX-16",
};

const char *
runcgo_signal_name (int sig)
{
  for (size_t i = 0; i < ARRAY_SIZE (signal_table); i++)
    if (signal_table[i].sig == sig)
      return signal_table[i].name;
  if (sig < SIGRTMIN || sig > SIGRTMAX)
    return NULL;
  int up = sig - SIGRTMIN, down = SIGRTMAX - sig;
  if (up <= down)
    return (size_t)up < ARRAY_SIZE (rtmin_names) ? rtmin_names[up] : NULL;
  return (size_t)down < ARRAY_SIZE (rtmax_names) ? rtmax_names[down] : NULL;
}
