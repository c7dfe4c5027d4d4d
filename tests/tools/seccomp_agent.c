/* seccomp_agent [-n COUNT] [-e ERRNO | -s | -c] [-t SECONDS] SOCKET STATEFILE LOGFILE:
 * a minimal seccomp agent for linux.seccomp.listenerPath tests.
 *
 * It listens (SOCK_STREAM) on SOCKET, accepts COUNT connections (default 1),
 * and from each reads what the runtime sends: the container process state
 * JSON (appended to STATEFILE, one line per connection, followed by
 * "fds=N" with the number of fds that came with it) and the seccomp listener
 * fd.  Every notified syscall is logged to LOGFILE as "NR PATH" (PATH is the
 * first string argument of mkdir/mkdirat, read from the process's memory;
 * "-" for others) and answered:
 *   -e ERRNO  fail it with ERRNO (default: 28, ENOSPC, so the test can tell
 *             the agent's answer from seccomp's own default EPERM)
 *   -s        fake a success (return 0) without running it
 *   -c        let the kernel run it (SECCOMP_USER_NOTIF_FLAG_CONTINUE)
 * It exits 0 once COUNT connections came and every filter is gone (all the
 * processes that used it exited: POLLHUP), or 3 after SECONDS (default 60).
 * SOCKET is bound under a temporary name and renamed into place: once it
 * exists, connect() succeeds. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#define MAX_LISTENERS 16

static void
die (const char *what)
{
  fprintf (stderr, "seccomp_agent: %s: %s\n", what, strerror (errno));
  exit (2);
}

static void
timeout_exit (int sig)
{
  (void)sig;
  _exit (3);
}

static int
listen_at (const char *path)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  char tmp[sizeof addr.sun_path];
  if (snprintf (tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
    {
      errno = ENAMETOOLONG;
      die (path);
    }
  int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    die ("socket");
  unlink (tmp);
  strcpy (addr.sun_path, tmp);
  if (bind (fd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen (fd, 8) < 0)
    die (tmp);
  if (rename (tmp, path) < 0)
    die (path);
  return fd;
}

/* One connection: the state text (possibly in several pieces, fds only in
 * the first) until EOF, and the listener fd. */
static int
receive_state (int conn, FILE *state)
{
  char buf[65536], cbuf[CMSG_SPACE (4 * sizeof (int))];
  size_t len = 0;
  int listener = -1, nfds = 0;
  for (;;)
    {
      struct iovec iov = { .iov_base = buf + len, .iov_len = sizeof buf - 1 - len };
      struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
      ssize_t n = recvmsg (conn, &msg, MSG_CMSG_CLOEXEC);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        die ("recvmsg");
      for (struct cmsghdr *c = CMSG_FIRSTHDR (&msg); c; c = CMSG_NXTHDR (&msg, c))
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
          {
            int k = (int)((c->cmsg_len - CMSG_LEN (0)) / sizeof (int));
            int fds[4];
            memcpy (fds, CMSG_DATA (c), (size_t)k * sizeof (int));
            for (int i = 0; i < k; i++)
              if (listener < 0)
                listener = fds[i];
              else
                close (fds[i]);
            nfds += k;
          }
      if (n == 0 || len + (size_t)n >= sizeof buf - 1)
        break;
      len += (size_t)n;
    }
  buf[len] = '\0';
  fprintf (state, "%s\nfds=%d\n", buf, nfds);
  fflush (state);
  return listener;
}

/* The NUL-terminated string at ADDR in PID, or "?" when unreadable. */
static void
read_string (pid_t pid, unsigned long long addr, char *out, size_t size)
{
  char path[64];
  snprintf (path, sizeof path, "/proc/%d/mem", (int)pid);
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  ssize_t n = fd < 0 ? -1 : pread (fd, out, size - 1, (off_t)addr);
  if (fd >= 0)
    close (fd);
  if (n <= 0)
    n = snprintf (out, size, "?");
  out[n] = '\0';
  out[strnlen (out, size - 1)] = '\0';
}

static void
answer_one (int listener, FILE *log, char mode, int err_no)
{
  struct seccomp_notif req;
  struct seccomp_notif_resp resp;
  char path[256] = "-";
  memset (&req, 0, sizeof req);
  if (ioctl (listener, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0)
    return; /* the process died meanwhile (ENOENT), or an interrupted wait */
  if (req.data.nr == __NR_mkdir)
    read_string ((pid_t)req.pid, req.data.args[0], path, sizeof path);
#ifdef __NR_mkdirat
  if (req.data.nr == __NR_mkdirat)
    read_string ((pid_t)req.pid, req.data.args[1], path, sizeof path);
#endif
  /* the memory we read is the requester's only if the request is still
   * pending (the pid may have been reused otherwise) */
  if (ioctl (listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &req.id) < 0)
    snprintf (path, sizeof path, "?");
  fprintf (log, "%d %s\n", req.data.nr, path);
  fflush (log);
  memset (&resp, 0, sizeof resp);
  resp.id = req.id;
  if (mode == 'c')
    resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
  else if (mode == 'e')
    resp.error = -err_no;
  ioctl (listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
}

static void
usage (void)
{
  fprintf (stderr, "usage: seccomp_agent [-n COUNT] [-e ERRNO | -s | -c] [-t SECONDS] SOCKET STATEFILE LOGFILE\n");
  exit (2);
}

int
main (int argc, char **argv)
{
  int count = 1, accepted = 0, err_no = 28, opt, n = 0;
  unsigned timeout = 60;
  char mode = 'e';
  struct pollfd p[MAX_LISTENERS + 1];
  while ((opt = getopt (argc, argv, "n:e:sct:")) != -1)
    switch (opt)
      {
      case 'n':
        count = atoi (optarg);
        break;
      case 'e':
        mode = 'e';
        err_no = atoi (optarg);
        break;
      case 's':
        mode = 's';
        break;
      case 'c':
        mode = 'c';
        break;
      case 't':
        timeout = (unsigned)strtoul (optarg, NULL, 10);
        break;
      default:
        usage ();
      }
  if (optind != argc - 3 || count < 1 || count > MAX_LISTENERS)
    usage ();
  signal (SIGALRM, timeout_exit);
  alarm (timeout);
  FILE *state = fopen (argv[optind + 1], "ae");
  FILE *log = fopen (argv[optind + 2], "ae");
  if (state == NULL || log == NULL)
    die ("open output files");
  p[0] = (struct pollfd){ .fd = listen_at (argv[optind]), .events = POLLIN };
  for (;;)
    {
      if (accepted == count && n == 0)
        return 0;
      p[0].fd = accepted < count ? abs (p[0].fd) : -abs (p[0].fd); /* negative: poll ignores it */
      if (poll (p, (nfds_t)n + 1, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          die ("poll");
        }
      if (p[0].fd >= 0 && (p[0].revents & POLLIN))
        {
          int conn = accept4 (p[0].fd, NULL, NULL, SOCK_CLOEXEC);
          if (conn < 0)
            die ("accept");
          int l = receive_state (conn, state);
          close (conn);
          accepted++;
          if (l >= 0)
            p[++n] = (struct pollfd){ .fd = l, .events = POLLIN };
        }
      for (int i = 1; i <= n; i++)
        {
          if (p[i].revents & POLLIN)
            answer_one (p[i].fd, log, mode, err_no);
          else if (p[i].revents & (POLLHUP | POLLERR | POLLNVAL))
            {
              close (p[i].fd);
              p[i--] = p[n--];
            }
        }
    }
}
