/* udp_echo.c -- tests: `udp_echo PORT` answers every UDP datagram to PORT
 * with the same bytes (busybox's nc has no UDP mode).  Runs inside the
 * busybox test rootfs, so it is linked statically. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

int
main (int argc, char **argv)
{
  if (argc != 2)
    {
      fprintf (stderr, "usage: udp_echo PORT\n");
      return 2;
    }
  int fd = socket (AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons ((unsigned short) atoi (argv[1])) };
  if (fd < 0 || bind (fd, (struct sockaddr *) &sa, sizeof (sa)) < 0)
    {
      perror ("udp_echo: bind");
      return 1;
    }
  for (;;)
    {
      char buf[65536];
      struct sockaddr_in peer;
      socklen_t len = sizeof (peer);
      ssize_t n = recvfrom (fd, buf, sizeof (buf), 0, (struct sockaddr *) &peer, &len);
      if (n >= 0)
        sendto (fd, buf, (size_t) n, 0, (struct sockaddr *) &peer, len);
    }
}
