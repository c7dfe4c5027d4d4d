/* sd_notify STATE...: send STATE lines (e.g. READY=1) as one datagram to
 * $NOTIFY_SOCKET, as sd_notify(3) does.  Runs inside test containers (linked
 * statically: the busybox rootfs has no libc).
 *
 * A NOTIFY_SOCKET starting with '@' names an abstract socket.  Exit status: 0
 * when the datagram was sent, 1 when it could not be (the reason on stderr),
 * 2 on a usage error or when NOTIFY_SOCKET is unset.  */
#ifdef HAVE_CONFIG_H
#include "config.h" /* absent when a test script builds this file on the fly */
#endif

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int
main (int argc, char **argv)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  const char *path = getenv ("NOTIFY_SOCKET");
  char msg[4096] = "";
  size_t len = 0, plen;
  socklen_t alen;
  int fd, i;

  if (argc < 2 || path == NULL || *path == '\0')
    {
      fprintf (stderr, "usage: NOTIFY_SOCKET=PATH sd_notify STATE... (NOTIFY_SOCKET is %s)\n", path ? path : "unset");
      return 2;
    }
  for (i = 1; i < argc; i++)
    {
      int n = snprintf (msg + len, sizeof msg - len, "%s%s", i > 1 ? "\n" : "", argv[i]);
      if (n < 0 || (size_t)n >= sizeof msg - len)
        {
          fprintf (stderr, "sd_notify: message too long\n");
          return 2;
        }
      len += (size_t)n;
    }
  plen = strlen (path);
  if (plen >= sizeof addr.sun_path)
    {
      fprintf (stderr, "sd_notify: NOTIFY_SOCKET %s is too long\n", path);
      return 2;
    }
  memcpy (addr.sun_path, path, plen);
  alen = (socklen_t)(offsetof (struct sockaddr_un, sun_path) + plen);
  if (path[0] == '@')
    addr.sun_path[0] = '\0';
  else
    alen++; /* the terminating NUL of a path name */

  fd = socket (AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || sendto (fd, msg, len, 0, (struct sockaddr *)&addr, alen) < 0)
    {
      fprintf (stderr, "sd_notify: send '%s' to %s: %s\n", msg, path, strerror (errno));
      return 1;
    }
  return 0;
}
