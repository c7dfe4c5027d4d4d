/* terminal.c -- console sockets and controlling terminals.
 *
 * The wire format is runc's (utils.SendFile): a single sendmsg carrying the
 * pty master in SCM_RIGHTS and the name "/dev/ptmx" as payload.  conmon and
 * containerd's go-runc read exactly that. */
#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>

#include "core/util.h"
#include "linux.h"

/* connect to the AF_UNIX stream socket a manager listens on (OPTION names
 * the flag in errors) */
static int
unix_connect (const char *path, const char *option, const char *hint, runcgo_error_t *err)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  if (strlen (path) >= sizeof (addr.sun_path))
    return runcgo_fail_hint (err, ENAMETOOLONG, hint, "%s `%s`", option, path);
  strcpy (addr.sun_path, path);
  int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return runcgo_fail (err, errno, "%s: socket", option);
  if (connect (fd, (struct sockaddr *) &addr, sizeof (addr)) < 0)
    {
      int e = errno;
      close (fd);
      return runcgo_fail_hint (err, e, hint, "%s: connect to `%s`", option, path);
    }
  return fd;
}

/* one message: NAME as payload, FD in SCM_RIGHTS (runc's utils.SendFile) */
static int
send_fd (int sock, int fd, const char *name, const char *what, runcgo_error_t *err)
{
  if (runcgo_send_fd (sock, fd, name, strlen (name)) < 0)
    return runcgo_fail (err, errno, "send %s", what);
  return 0;
}

/* Close every fd a refused message installed: a peer that sends two fds
 * (the kernel installs the first and sets MSG_CTRUNC) or a second control
 * message must not leak descriptors into the runtime (found by
 * fuzz/fuzz_console.c, corpus input fuzz/corpus/console/2fds). */
static void
close_received_fds (struct msghdr *msg)
{
  for (struct cmsghdr *c = CMSG_FIRSTHDR (msg); c != NULL; c = CMSG_NXTHDR (msg, c))
    {
      if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS || c->cmsg_len < CMSG_LEN (0))
        continue;
      size_t n = (c->cmsg_len - CMSG_LEN (0)) / sizeof (int);
      for (size_t i = 0; i < n; i++)
        {
          int fd;
          memcpy (&fd, CMSG_DATA (c) + i * sizeof (int), sizeof (int));
          close (fd);
        }
    }
}

int
runcgo_console_socket_connect (const char *path, runcgo_error_t *err)
{
  return unix_connect (path, "--console-socket",
                       "--console-socket must name a listening AF_UNIX socket (e.g. from 'recvtty')", err);
}

int
runcgo_console_send (int sock, int master, runcgo_error_t *err)
{
  return send_fd (sock, master, "/dev/ptmx", "the terminal to the console socket", err);
}

int
runcgo_pidfd_socket_send (const char *path, int pidfd, runcgo_error_t *err)
{
  int sock = unix_connect (path, "--pidfd-socket", "--pidfd-socket must name a listening AF_UNIX socket", err);
  if (sock < 0)
    return -1;
  int r = send_fd (sock, pidfd, "pidfd", "the pidfd to --pidfd-socket", err);
  close (sock);
  return r;
}

int
runcgo_console_recv (int sock, int *fd, runcgo_error_t *err)
{
  char name[4096], cbuf[CMSG_SPACE (sizeof (int))];
  struct iovec iov = { .iov_base = name, .iov_len = sizeof (name) };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof (cbuf) };
  ssize_t n;
  do
    n = recvmsg (sock, &msg, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return runcgo_fail (err, errno, "receive the terminal");
  struct cmsghdr *c = CMSG_FIRSTHDR (&msg);
  if (n == 0 || c == NULL || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS
      || c->cmsg_len != CMSG_LEN (sizeof (int)) || (msg.msg_flags & MSG_CTRUNC))
    {
      close_received_fds (&msg);
      return runcgo_fail (err, EPROTO, "receive the terminal: expected one file descriptor in the message");
    }
  memcpy (fd, CMSG_DATA (c), sizeof (int));
  return 0;
}

int
runcgo_terminal_make_controlling (int slave, const struct runcgo_process *p, runcgo_error_t *err)
{
  /* the caller already called setsid(): we lead a session without a tty */
  if (ioctl (slave, TIOCSCTTY, 0) < 0)
    return runcgo_fail (err, errno, "process.terminal: make the pty the controlling terminal");
  if (p->has_console_size)
    {
      struct winsize ws = { .ws_row = (unsigned short) p->console_height, .ws_col = (unsigned short) p->console_width };
      if (ioctl (slave, TIOCSWINSZ, &ws) < 0)
        return runcgo_fail (err, errno, "process.consoleSize: set the window size");
    }
  for (int i = 0; i < 3; i++)
    if (dup2 (slave, i) < 0)
      return runcgo_fail (err, errno, "process.terminal: use the pty as fd %d", i);
  if (slave > 2)
    close (slave);
  return 0;
}
