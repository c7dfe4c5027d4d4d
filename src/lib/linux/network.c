/* network.c -- the network namespace's own interfaces: loopback up. */
#include "config.h"

#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "core/util.h"
#include "linux.h"

int
runcgo_loopback_up (runcgo_error_t *err)
{
  cleanup_close int fd = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return runcgo_fail (err, errno, "bring up lo: socket");
  struct ifreq ifr;
  memset (&ifr, 0, sizeof (ifr));
  strcpy (ifr.ifr_name, "lo");
  if (ioctl (fd, SIOCGIFFLAGS, &ifr) < 0)
    return runcgo_fail (err, errno, "bring up lo: read its flags");
  if (ifr.ifr_flags & IFF_UP)
    return 0;
  ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
  if (ioctl (fd, SIOCSIFFLAGS, &ifr) < 0)
    return runcgo_fail (err, errno, "bring up lo");
  return 0;
}
