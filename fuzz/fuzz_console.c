/* fuzz_console.c -- the console-socket receive path (linux/terminal.c
 * runcgo_console_recv, used by create and exec for the pty master).  The
 * first byte says how many fds (0-3) ride along in SCM_RIGHTS, the rest is
 * the payload.  Beyond memory errors this checks that a refused message
 * leaves no received fd open in the runtime. */
#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fuzz.h"
#include "linux/linux.h"

static int
lowest_free_fd (void)
{
  int fd = open ("/dev/null", O_RDONLY | O_CLOEXEC);
  if (fd >= 0)
    close (fd);
  return fd;
}

static bool
send_with_fds (int sock, const uint8_t *data, size_t size, int nfds)
{
  int fds[3];
  char cbuf[CMSG_SPACE (sizeof (fds))];
  struct iovec iov = { .iov_base = (void *) data, .iov_len = size };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
  for (int i = 0; i < nfds; i++)
    fds[i] = i == 0 ? 0 : 1 + i % 2; /* stdin, stdout, stderr: always open */
  if (nfds > 0)
    {
      memset (cbuf, 0, sizeof (cbuf));
      msg.msg_control = cbuf;
      msg.msg_controllen = CMSG_SPACE (nfds * sizeof (int));
      struct cmsghdr *c = CMSG_FIRSTHDR (&msg);
      c->cmsg_level = SOL_SOCKET;
      c->cmsg_type = SCM_RIGHTS;
      c->cmsg_len = CMSG_LEN (nfds * sizeof (int));
      memcpy (CMSG_DATA (c), fds, nfds * sizeof (int));
    }
  return sendmsg (sock, &msg, MSG_NOSIGNAL) == (ssize_t) size;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (size < 1 || size > 8192)
    return 0;
  int nfds = data[0] % 4, sv[2];
  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
    return 0;
  int before = lowest_free_fd ();
  if (send_with_fds (sv[1], data + 1, size - 1, nfds))
    {
      shutdown (sv[1], SHUT_WR);
      runcgo_error_t err = NULL;
      int fd = -1;
      int r = runcgo_console_recv (sv[0], &fd, &err);
      fuzz_check_error (r, &err);
      if (r == 0)
        {
          if (fcntl (fd, F_GETFD) < 0)
            abort ();
          close (fd);
        }
      else if (lowest_free_fd () != before)
        {
          fprintf (stderr, "fuzz: a refused console message left an fd open\n");
          abort ();
        }
    }
  close (sv[0]);
  close (sv[1]);
  return 0;
}
