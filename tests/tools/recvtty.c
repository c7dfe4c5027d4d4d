/* recvtty [-i INPUT] [-o OUTFILE] [-n INFOFILE] [-t SECONDS] SOCKET: the
 * console-socket end of a container manager (conmon, containerd's shim).
 *
 * It listens on SOCKET (an AF_UNIX stream socket it creates), accepts one
 * connection, takes the file descriptor the runtime sends with SCM_RIGHTS,
 * checks that it is a pseudo-terminal master (TIOCGPTN), writes INPUT to it
 * (C escapes \n \r \t \\ \003 are understood: "typing"), and copies what the
 * container writes to OUTFILE until every slave end is closed (read gives EIO).
 * INFOFILE gets "ptn=N name=PAYLOAD" once the master is received.
 *
 * Exit status: 0 when the terminal was closed, 2 on a usage or setup error,
 * 3 when what arrived is not a pty master, 124 when nothing or no end of the
 * terminal came within SECONDS (default 20).  */
#ifdef HAVE_CONFIG_H
#include "config.h" /* absent when a test script builds this file on the fly */
#endif

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static void
die (int code, const char *what)
{
  fprintf (stderr, "recvtty: %s: %s\n", what, strerror (errno));
  exit (code);
}

static void
timed_out (int signo)
{
  (void)signo;
  static const char msg[] = "recvtty: timed out\n";
  if (write (STDERR_FILENO, msg, sizeof msg - 1) < 0)
    _exit (124);
  _exit (124);
}

/* Listen on PATH atomically: bind a temporary name, listen, then rename, so
   that a runtime that sees PATH exist can always connect (a connect between
   bind and listen would be refused).  */
static int
listen_at (const char *path)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  char tmp[sizeof addr.sun_path];
  int fd;

  if (snprintf (tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
    {
      errno = ENAMETOOLONG;
      die (2, path);
    }
  strcpy (addr.sun_path, tmp);
  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    die (2, "socket");
  unlink (tmp);
  if (bind (fd, (struct sockaddr *)&addr, sizeof addr) < 0)
    die (2, tmp);
  if (listen (fd, 1) < 0)
    die (2, "listen");
  if (rename (tmp, path) < 0)
    die (2, path);
  return fd;
}

/* Receive one message with one fd in SCM_RIGHTS; NAME gets its payload.  */
static int
receive_fd (int conn, char *name, size_t name_len)
{
  char control[CMSG_SPACE (sizeof (int))];
  struct iovec iov = { .iov_base = name, .iov_len = name_len - 1 };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control };
  struct cmsghdr *cmsg;
  ssize_t n;
  int fd;

  memset (name, 0, name_len);
  do
    n = recvmsg (conn, &msg, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    die (2, "recvmsg");
  cmsg = CMSG_FIRSTHDR (&msg);
  if (cmsg == NULL || cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS
      || cmsg->cmsg_len != CMSG_LEN (sizeof (int)))
    {
      fprintf (stderr, "recvtty: the message (%zd bytes: '%s') carries no file descriptor\n", n, name);
      exit (3);
    }
  memcpy (&fd, CMSG_DATA (cmsg), sizeof fd);
  return fd;
}

/* Decode the few C escapes a test needs to "type" (Enter, ^C, ^D).  */
static size_t
unescape (const char *in, char *out)
{
  size_t n = 0;

  while (*in)
    {
      if (*in != '\\' || in[1] == '\0')
        {
          out[n++] = *in++;
          continue;
        }
      in++;
      switch (*in)
        {
        case 'n':
          out[n++] = '\n';
          in++;
          break;
        case 'r':
          out[n++] = '\r';
          in++;
          break;
        case 't':
          out[n++] = '\t';
          in++;
          break;
        case '0':
        case '1':
        case '2':
        case '3':
          {
            int v = 0, i;
            for (i = 0; i < 3 && *in >= '0' && *in <= '7'; i++)
              v = v * 8 + (*in++ - '0');
            out[n++] = (char)v;
            break;
          }
        default:
          out[n++] = *in++;
          break;
        }
    }
  return n;
}

static void
write_all (int fd, const char *buf, size_t len, const char *what)
{
  while (len > 0)
    {
      ssize_t w = write (fd, buf, len);
      if (w < 0 && errno == EINTR)
        continue;
      if (w < 0)
        die (2, what);
      buf += w;
      len -= (size_t)w;
    }
}

/* Copy the master to OUT until the last slave closes (EIO; 0 on some kernels). */
static void
copy_output (int master, int out)
{
  char buf[4096];

  for (;;)
    {
      ssize_t n = read (master, buf, sizeof buf);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && errno == EIO)
        return;
      if (n < 0)
        die (2, "read from the pty master");
      if (n == 0)
        return;
      if (out >= 0)
        write_all (out, buf, (size_t)n, "write output");
    }
}

int
main (int argc, char **argv)
{
  const char *input = NULL, *outfile = NULL, *infofile = NULL;
  unsigned timeout = 20;
  char name[4096];
  int opt, lfd, conn, master, out = -1;
  unsigned int ptn;

  while ((opt = getopt (argc, argv, "i:o:n:t:")) != -1)
    switch (opt)
      {
      case 'i':
        input = optarg;
        break;
      case 'o':
        outfile = optarg;
        break;
      case 'n':
        infofile = optarg;
        break;
      case 't':
        timeout = (unsigned)strtoul (optarg, NULL, 10);
        break;
      default:
        fprintf (stderr, "usage: recvtty [-i INPUT] [-o OUTFILE] [-n INFOFILE] [-t SECONDS] SOCKET\n");
        return 2;
      }
  if (optind != argc - 1)
    {
      fprintf (stderr, "usage: recvtty [-i INPUT] [-o OUTFILE] [-n INFOFILE] [-t SECONDS] SOCKET\n");
      return 2;
    }
  signal (SIGALRM, timed_out);
  alarm (timeout);
  if (outfile != NULL && (out = open (outfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0)
    die (2, outfile);

  lfd = listen_at (argv[optind]);
  do
    conn = accept4 (lfd, NULL, NULL, SOCK_CLOEXEC);
  while (conn < 0 && errno == EINTR);
  if (conn < 0)
    die (2, "accept");
  master = receive_fd (conn, name, sizeof name);
  close (conn);
  close (lfd);

  /* TIOCGPTN succeeds only on a pty master (ptmx side).  */
  if (ioctl (master, TIOCGPTN, &ptn) < 0)
    {
      fprintf (stderr, "recvtty: the fd received ('%s') is not a pty master: %s\n", name, strerror (errno));
      return 3;
    }
  if (infofile != NULL)
    {
      char info[4200];
      int fd = open (infofile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      if (fd < 0)
        die (2, infofile);
      snprintf (info, sizeof info, "ptn=%u name=%s\n", ptn, name);
      write_all (fd, info, strlen (info), infofile);
      close (fd);
    }
  if (input != NULL)
    {
      char *buf = malloc (strlen (input) + 1);
      size_t len;
      if (buf == NULL)
        die (2, "malloc");
      len = unescape (input, buf);
      write_all (master, buf, len, "write to the pty master");
      free (buf);
    }
  copy_output (master, out);
  return 0;
}
