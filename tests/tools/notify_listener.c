/* notify_listener [-t SECONDS] SOCKET OUTFILE: the NOTIFY_SOCKET end of a
 * service manager (systemd, conmon), for the sd_notify tests.
 *
 * It binds an AF_UNIX datagram socket at SOCKET and appends every datagram it
 * receives to OUTFILE, one datagram per record, each ending with a newline
 * (added when the datagram has none).  It runs until killed or for SECONDS
 * (default 60) so that a test that fails can never leave it behind for long.
 * SOCKET is bound under a temporary name and renamed into place: once SOCKET
 * exists, a sender's datagram is received.  */
#ifdef HAVE_CONFIG_H
#include "config.h" /* absent when a test script builds this file on the fly */
#endif

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static void
die (const char *what)
{
  fprintf (stderr, "notify_listener: %s: %s\n", what, strerror (errno));
  exit (2);
}

int
main (int argc, char **argv)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  char tmp[sizeof addr.sun_path], buf[65536];
  unsigned timeout = 60;
  int opt, fd, out;

  while ((opt = getopt (argc, argv, "t:")) != -1)
    if (opt == 't')
      timeout = (unsigned)strtoul (optarg, NULL, 10);
    else
      {
        fprintf (stderr, "usage: notify_listener [-t SECONDS] SOCKET OUTFILE\n");
        return 2;
      }
  if (optind != argc - 2)
    {
      fprintf (stderr, "usage: notify_listener [-t SECONDS] SOCKET OUTFILE\n");
      return 2;
    }
  alarm (timeout); /* SIGALRM's default action ends us */

  out = open (argv[optind + 1], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (out < 0)
    die (argv[optind + 1]);
  if (snprintf (tmp, sizeof tmp, "%s.tmp", argv[optind]) >= (int)sizeof tmp)
    {
      errno = ENAMETOOLONG;
      die (argv[optind]);
    }
  strcpy (addr.sun_path, tmp);
  fd = socket (AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    die ("socket");
  unlink (tmp);
  if (bind (fd, (struct sockaddr *)&addr, sizeof addr) < 0)
    die (tmp);
  /* A container process may run as any uid: let it send.  */
  if (chmod (tmp, 0777) < 0)
    die (tmp);
  if (rename (tmp, argv[optind]) < 0)
    die (argv[optind]);

  for (;;)
    {
      ssize_t n = recv (fd, buf, sizeof buf - 1, 0);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        die ("recv");
      if (n == 0 || buf[n - 1] != '\n')
        buf[n++] = '\n';
      if (write (out, buf, (size_t)n) != n)
        die ("write");
    }
}
