/* fuzz.h -- what every fuzz harness shares.
 *
 * A harness is one LLVMFuzzerTestOneInput() over real library functions
 * (libruncgo.a, never a copy).  It is linked either with libFuzzer (make
 * fuzz, clang) or with driver.c, which replays the checked-in corpus as a
 * regression test under make check (any compiler). */
#ifndef RUNCGO_FUZZ_H
#define RUNCGO_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/error.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* A failure must always come with a message: the CLI prints it as the only
 * explanation the user gets.  abort() makes libFuzzer keep the input. */
static inline void
fuzz_check_error (int r, runcgo_error_t *err)
{
  if (r < 0 && (*err == NULL || runcgo_error_text (*err) == NULL || runcgo_error_text (*err)[0] == '\0'))
    {
      fprintf (stderr, "fuzz: failure without an error message\n");
      abort ();
    }
  if (r == 0 && *err != NULL)
    {
      fprintf (stderr, "fuzz: success with an error set: %s\n", runcgo_error_text (*err));
      abort ();
    }
  runcgo_error_release (err);
}

/* The set of open fds among 0-63 (a harness has few open; received fds
 * take the lowest free numbers): a change across a call that must leave
 * none behind is a leak. */
static inline uint64_t
fuzz_open_fds (void)
{
  uint64_t set = 0;
  for (int fd = 0; fd < 64; fd++)
    if (fcntl (fd, F_GETFD) >= 0)
      set |= (uint64_t) 1 << fd;
  return set;
}

/* sendmsg DATA with NFDS (0-3) copies of fds 0-2 in SCM_RIGHTS. */
static inline bool
fuzz_send_with_fds (int sock, const uint8_t *data, size_t size, int nfds)
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

#endif
