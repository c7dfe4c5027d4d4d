/* wait.c -- foreground `run`: forward signals, reap, return the status.
 *
 * Signals are blocked before the init is cloned and read from a signalfd
 * (the init resets its mask before exec), so none is lost between clone and
 * the wait loop.  The init's exit is observed through its pidfd; other
 * children (orphans re-parented to us as subreaper) are reaped on SIGCHLD. */
#include "config.h"

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "container.h"
#include "core/util.h"

void
runcgo_forwarded_signals (sigset_t *set)
{
  sigfillset (set);
  sigdelset (set, SIGKILL);
  sigdelset (set, SIGSTOP);
  /* faults must stay fatal to us */
  sigdelset (set, SIGSEGV);
  sigdelset (set, SIGBUS);
  sigdelset (set, SIGILL);
  sigdelset (set, SIGFPE);
  sigdelset (set, SIGABRT);
  sigdelset (set, SIGSYS);
  sigdelset (set, SIGTRAP);
}

static int
status_from_siginfo (const siginfo_t *si)
{
  if (si->si_code == CLD_EXITED)
    return si->si_status;
  return 128 + si->si_status;
}

/* Reap every exited child but the init (its status is read via the pidfd). */
static void
reap_orphans (pid_t init)
{
  for (;;)
    {
      siginfo_t si = { 0 };
      if (waitid (P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) < 0 || si.si_pid == 0)
        return;
      if (si.si_pid == init)
        return;
      waitpid (si.si_pid, NULL, WNOHANG);
    }
}

int
runcgo_wait_foreground (int pidfd, pid_t pid, const sigset_t *forwarded, int *exit_status, runcgo_error_t *err)
{
  sigset_t set = *forwarded;
  sigaddset (&set, SIGCHLD);
  cleanup_close int sfd = signalfd (-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sfd < 0)
    return runcgo_fail (err, errno, "signalfd");
  for (;;)
    {
      struct pollfd p[2] = { { .fd = pidfd, .events = POLLIN }, { .fd = sfd, .events = POLLIN } };
      if (poll (p, 2, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          return runcgo_fail (err, errno, "poll");
        }
      if (p[0].revents)
        {
          siginfo_t si = { 0 };
          if (waitid (P_PIDFD, (id_t) pidfd, &si, WEXITED) < 0)
            return runcgo_fail (err, errno, "wait for the container init");
          *exit_status = status_from_siginfo (&si);
          reap_orphans (pid);
          return 0;
        }
      struct signalfd_siginfo ssi;
      while (read (sfd, &ssi, sizeof (ssi)) == sizeof (ssi))
        {
          if (ssi.ssi_signo == SIGCHLD)
            reap_orphans (pid);
          else
            syscall (SYS_pidfd_send_signal, pidfd, ssi.ssi_signo, NULL, 0);
        }
    }
}
