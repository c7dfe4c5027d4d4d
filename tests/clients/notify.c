/* notify.c: the two ends of the systemd notify protocol for the engine tests.
 *
 *   notify [MESSAGE]            send MESSAGE (default "READY=1") as one
 *                               datagram to $NOTIFY_SOCKET, as sd_notify() does
 *                               (a leading '@' names an abstract socket);
 *   notify -l PATH [SECONDS]    bind a datagram socket at PATH, print every
 *                               message received (one line each, newlines
 *                               inside turned into spaces) until one contains
 *                               READY=1 or SECONDS (default 30) pass; exits 0
 *                               only when READY=1 arrived.
 *
 * Built with `gcc -static` at test time and copied into the test image:
 * busybox has no systemd-notify, and the image has no libc.  */
#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static int
make_address (const char *path, struct sockaddr_un *sun, socklen_t *len)
{
  size_t n = strlen (path);

  memset (sun, 0, sizeof *sun);
  sun->sun_family = AF_UNIX;
  if (n == 0 || n >= sizeof sun->sun_path)
    {
      fprintf (stderr, "notify: bad socket path '%s'\n", path);
      return -1;
    }
  memcpy (sun->sun_path, path, n);
  if (path[0] == '@') /* abstract namespace: no trailing NUL counted */
    sun->sun_path[0] = '\0';
  *len = offsetof (struct sockaddr_un, sun_path) + n + (path[0] == '@' ? 0 : 1);
  return 0;
}

static int
send_message (const char *message)
{
  const char *path = getenv ("NOTIFY_SOCKET");
  struct sockaddr_un sun;
  socklen_t len;
  int fd;

  if (path == NULL)
    {
      fprintf (stderr, "notify: NOTIFY_SOCKET is not set\n");
      return 1;
    }
  if (make_address (path, &sun, &len) < 0)
    return 1;
  fd = socket (AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || sendto (fd, message, strlen (message), 0, (struct sockaddr *) &sun, len) < 0)
    {
      fprintf (stderr, "notify: send to %s: %s\n", path, strerror (errno));
      return 1;
    }
  close (fd);
  return 0;
}

static double
now (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
listen_for_ready (const char *path, double seconds)
{
  struct sockaddr_un sun;
  socklen_t len;
  double deadline = now () + seconds;
  int fd, one = 1;

  if (make_address (path, &sun, &len) < 0)
    return 2;
  fd = socket (AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || bind (fd, (struct sockaddr *) &sun, len) < 0)
    {
      fprintf (stderr, "notify: bind %s: %s\n", path, strerror (errno));
      return 2;
    }
  /* systemd asks for credentials too; some proxies pass them on.  */
  setsockopt (fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof one);
  for (;;)
    {
      struct pollfd pfd = { .fd = fd, .events = POLLIN };
      char buf[4096];
      double left = deadline - now ();
      ssize_t n;
      int r;

      if (left <= 0)
        break;
      r = poll (&pfd, 1, (int) (left * 1000) + 1);
      if (r < 0 && errno == EINTR)
        continue;
      if (r <= 0)
        break;
      n = recv (fd, buf, sizeof buf - 1, 0);
      if (n < 0)
        continue;
      buf[n] = '\0';
      for (ssize_t i = 0; i < n; i++)
        if (buf[i] == '\n' || buf[i] == '\0')
          buf[i] = ' ';
      printf ("%s\n", buf);
      fflush (stdout);
      if (strstr (buf, "READY=1") != NULL)
        return 0;
    }
  fprintf (stderr, "notify: no READY=1 on %s within %g s\n", path, seconds);
  return 1;
}

int
main (int argc, char **argv)
{
  if (argc >= 3 && strcmp (argv[1], "-l") == 0)
    return listen_for_ready (argv[2], argc >= 4 ? atof (argv[3]) : 30);
  return send_message (argc >= 2 ? argv[1] : "READY=1");
}
