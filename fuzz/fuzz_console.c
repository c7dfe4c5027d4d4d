/* fuzz_console.c -- the console-socket receive path (linux/terminal.c
 * runcgo_console_recv, used by create and exec for the pty master).  The
 * first byte says how many fds (0-3) ride along in SCM_RIGHTS, the rest is
 * the payload.  Beyond memory errors this checks that a refused message
 * leaves no received fd open in the runtime. */
#include "config.h"

#include <fcntl.h>
#include <unistd.h>

#include "fuzz.h"
#include "linux/linux.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (size < 1 || size > 8192)
    return 0;
  int nfds = data[0] % 4, sv[2];
  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
    return 0;
  uint64_t before = fuzz_open_fds ();
  if (fuzz_send_with_fds (sv[1], data + 1, size - 1, nfds))
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
      else if (fuzz_open_fds () != before)
        {
          fprintf (stderr, "fuzz: a refused console message left an fd open\n");
          abort ();
        }
    }
  close (sv[0]);
  close (sv[1]);
  return 0;
}
