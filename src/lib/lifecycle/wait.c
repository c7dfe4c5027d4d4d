/* wait.c -- foreground `run` and `exec`: forward signals, proxy the
 * terminal, reap, return the status.
 *
 * Signals are blocked before the process is cloned and read from a signalfd
 * (the child resets its mask before exec), so none is lost between clone and
 * the wait loop.  The process's exit is observed through its pidfd; other
 * children (orphans re-parented to us as subreaper) are reaped on SIGCHLD.
 * With a terminal, the user's tty is put in raw mode and bytes are copied
 * both ways; SIGWINCH copies the window size to the pty.  The tty is
 * restored whatever happens. */
#include "config.h"

#include <poll.h>
#include <sys/ioctl.h>
#include <termios.h>
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

struct tty_state
{
  int master;          /* -1 without a terminal */
  bool raw;            /* stdin's termios was changed */
  struct termios saved;
  bool stdin_open;
};

static void
tty_copy_winsize (const struct tty_state *t)
{
  struct winsize ws;
  if (ioctl (STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
    ioctl (t->master, TIOCSWINSZ, &ws);
}

static void
tty_start (struct tty_state *t, int master)
{
  t->master = master;
  t->stdin_open = true;
  t->raw = false;
  if (master < 0 || !isatty (STDIN_FILENO) || tcgetattr (STDIN_FILENO, &t->saved) < 0)
    return;
  struct termios raw = t->saved;
  cfmakeraw (&raw);
  raw.c_oflag = t->saved.c_oflag; /* keep output post-processing: the pty does it */
  if (tcsetattr (STDIN_FILENO, TCSANOW, &raw) == 0)
    t->raw = true;
  tty_copy_winsize (t);
}

static void
tty_stop (struct tty_state *t)
{
  if (t->raw)
    tcsetattr (STDIN_FILENO, TCSANOW, &t->saved);
  t->raw = false;
}

/* Copy what is readable from one fd to another; false on EOF/error. */
static bool
pump (int from, int to)
{
  char buf[8192];
  ssize_t n = read (from, buf, sizeof (buf));
  if (n <= 0)
    return n < 0 && (errno == EAGAIN || errno == EINTR);
  return runcgo_write_all (to, buf, (size_t) n) == n;
}

/* After the process exited, the pty may still hold output: drain it. */
static void
tty_drain (struct tty_state *t)
{
  if (t->master < 0)
    return;
  struct pollfd p = { .fd = t->master, .events = POLLIN };
  while (poll (&p, 1, 50) > 0 && (p.revents & POLLIN) && pump (t->master, STDOUT_FILENO))
    ;
}

static int
wait_loop (int pidfd, pid_t pid, int sfd, struct tty_state *t, int *exit_status, runcgo_error_t *err)
{
  for (;;)
    {
      struct pollfd p[4] = { { .fd = pidfd, .events = POLLIN },
                             { .fd = sfd, .events = POLLIN },
                             { .fd = t->master, .events = POLLIN },
                             { .fd = t->stdin_open && t->master >= 0 ? STDIN_FILENO : -1, .events = POLLIN } };
      if (poll (p, 4, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          return runcgo_fail (err, errno, "poll");
        }
      if (p[2].revents & POLLIN)
        pump (t->master, STDOUT_FILENO);
      if (p[3].revents & (POLLIN | POLLHUP) && !pump (STDIN_FILENO, t->master))
        t->stdin_open = false;
      if (p[0].revents)
        {
          siginfo_t si = { 0 };
          if (waitid (P_PIDFD, (id_t) pidfd, &si, WEXITED) < 0)
            return runcgo_fail (err, errno, "wait for the container process");
          *exit_status = status_from_siginfo (&si);
          reap_orphans (pid);
          return 0;
        }
      struct signalfd_siginfo ssi;
      while (p[1].revents && read (sfd, &ssi, sizeof (ssi)) == sizeof (ssi))
        {
          if (ssi.ssi_signo == SIGCHLD)
            reap_orphans (pid);
          else if (ssi.ssi_signo == SIGWINCH && t->master >= 0)
            tty_copy_winsize (t);
          else
            syscall (SYS_pidfd_send_signal, pidfd, ssi.ssi_signo, NULL, 0);
        }
    }
}

int
runcgo_wait_foreground (int pidfd, pid_t pid, int master, const sigset_t *forwarded, int *exit_status,
                        runcgo_error_t *err)
{
  sigset_t set = *forwarded;
  sigaddset (&set, SIGCHLD);
  cleanup_close int sfd = signalfd (-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sfd < 0)
    return runcgo_fail (err, errno, "signalfd");
  struct tty_state t;
  tty_start (&t, master);
  int r = wait_loop (pidfd, pid, sfd, &t, exit_status, err);
  tty_drain (&t);
  tty_stop (&t);
  return r;
}
