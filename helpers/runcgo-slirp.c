/* runcgo-slirp.c -- user-mode networking for one container, on libslirp.
 *
 * Started by the runtime (src/lib/net/slirp.c) with the container's network
 * namespace (and user namespace, when it has its own) as inherited fds.  A
 * short-lived child enters them, creates the tap device, brings up lo and the
 * tap with slirp's addresses and a default route, and hands the tap fd back;
 * this process stays in the host's network namespace and runs libslirp in a
 * poll(2) loop (no glib main loop): frames from the tap go to slirp_input,
 * slirp's sockets and timers are polled here, host ports are forwarded with
 * slirp_add_hostfwd.  It writes "ok" on the ready fd only once the tap is up
 * and every forward is bound (else one error line), and exits when the
 * container's init exits (its pidfd polls readable) or on SIGTERM/SIGINT. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <net/route.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ready.h"

#include <libslirp.h>

#define MAX_FORWARDS 256
#define MAX_TIMERS 16
#define FRAME_MAX 65536

struct forward
{
  bool udp;
  struct in_addr host_addr;
  int host_port, guest_port;
};

struct options
{
  int netns_fd, userns_fd, pidfd, ready_fd;
  unsigned mtu;
  struct in_addr net, mask; /* the CIDR */
  bool allow_host_loopback;
  const char *tap;
  struct forward fwd[MAX_FORWARDS];
  size_t n_fwd;
};

struct timer
{
  bool used, armed;
  int64_t expire_ms;
  SlirpTimerCb cb;
  void *cb_opaque;
};

struct loop
{
  Slirp *slirp;
  int tap_fd;
  struct timer timers[MAX_TIMERS];
  struct pollfd *pfd;
  size_t n_pfd, cap_pfd;
};

/* ---------------------------------------------------------------- options */

static int
parse_int (const char *s, long min, long max, const char *what)
{
  char *end;
  errno = 0;
  long v = strtol (s, &end, 10);
  if (errno || end == s || *end || v < min || v > max)
    helper_die ("%s: invalid value \"%s\"", what, s);
  return (int) v;
}

static void
parse_cidr (const char *s, struct options *o)
{
  char buf[64];
  snprintf (buf, sizeof (buf), "%s", s);
  char *slash = strchr (buf, '/');
  if (slash == NULL)
    helper_die ("--cidr: \"%s\" is not ADDRESS/PREFIX", s);
  *slash = '\0';
  int len = parse_int (slash + 1, 1, 25, "--cidr prefix");
  if (inet_pton (AF_INET, buf, &o->net) != 1)
    helper_die ("--cidr: \"%s\" is not an IPv4 address", buf);
  o->mask.s_addr = htonl (~((1u << (32 - len)) - 1));
}

/* PROTO:HOSTADDR:HOSTPORT:GUESTPORT (the runtime has validated it). */
static void
parse_forward (const char *s, struct options *o)
{
  char proto[8], addr[64];
  int hp, gp;
  if (o->n_fwd == MAX_FORWARDS)
    helper_die ("--publish: more than %d forwards", MAX_FORWARDS);
  struct forward *f = &o->fwd[o->n_fwd++];
  if (sscanf (s, "%7[a-z]:%63[0-9.]:%d:%d", proto, addr, &hp, &gp) != 4 || hp < 1 || hp > 65535 || gp < 1
      || gp > 65535 || inet_pton (AF_INET, addr, &f->host_addr) != 1
      || (strcmp (proto, "tcp") != 0 && strcmp (proto, "udp") != 0))
    helper_die ("--publish: invalid \"%s\" (want tcp|udp:HOSTADDR:HOSTPORT:CONTAINERPORT)", s);
  f->udp = strcmp (proto, "udp") == 0;
  f->host_port = hp;
  f->guest_port = gp;
}

static void
parse_options (int argc, char **argv, struct options *o)
{
  static const struct option opts[] = {
    { "netns-fd", required_argument, NULL, 'n' }, { "userns-fd", required_argument, NULL, 'u' },
    { "pidfd", required_argument, NULL, 'p' },    { "ready-fd", required_argument, NULL, 'r' },
    { "mtu", required_argument, NULL, 'm' },      { "cidr", required_argument, NULL, 'c' },
    { "tap", required_argument, NULL, 't' },      { "allow-host-loopback", no_argument, NULL, 'l' },
    { "publish", required_argument, NULL, 'P' },  { NULL, 0, NULL, 0 },
  };
  int c;
  while ((c = getopt_long (argc, argv, "", opts, NULL)) != -1)
    switch (c)
      {
      case 'n': o->netns_fd = parse_int (optarg, 0, 1 << 20, "--netns-fd"); break;
      case 'u': o->userns_fd = parse_int (optarg, 0, 1 << 20, "--userns-fd"); break;
      case 'p': o->pidfd = parse_int (optarg, 0, 1 << 20, "--pidfd"); break;
      case 'r': o->ready_fd = parse_int (optarg, 0, 1 << 20, "--ready-fd"); break;
      case 'm': o->mtu = (unsigned) parse_int (optarg, 68, 65520, "--mtu"); break;
      case 'c': parse_cidr (optarg, o); break;
      case 't': o->tap = optarg; break;
      case 'l': o->allow_host_loopback = true; break;
      case 'P': parse_forward (optarg, o); break;
      default: helper_die ("invalid option (this program is started by runcgo, see runcgo(8))");
      }
  if (o->netns_fd < 0 || o->pidfd < 0)
    helper_die ("--netns-fd and --pidfd are required (this program is started by runcgo)");
}

/* .2 is the gateway (the host), .3 the DNS forwarder, .100 the container. */
static struct in_addr
host_in_net (const struct options *o, uint32_t n)
{
  struct in_addr a = { .s_addr = htonl (ntohl (o->net.s_addr) + n) };
  return a;
}

/* ---------------------------------------------------------------- the tap, in the container */

static void
ifreq_addr (struct ifreq *ifr, struct in_addr a)
{
  struct sockaddr_in *sin = (struct sockaddr_in *) &ifr->ifr_addr;
  memset (sin, 0, sizeof (*sin));
  sin->sin_family = AF_INET;
  sin->sin_addr = a;
}

static void
link_up (int sock, const char *name)
{
  struct ifreq ifr;
  memset (&ifr, 0, sizeof (ifr));
  snprintf (ifr.ifr_name, IFNAMSIZ, "%s", name);
  if (ioctl (sock, SIOCGIFFLAGS, &ifr) < 0)
    helper_die ("%s: read its flags: %s", name, strerror (errno));
  ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
  if (ioctl (sock, SIOCSIFFLAGS, &ifr) < 0)
    helper_die ("%s: bring it up: %s", name, strerror (errno));
}

/* Addresses by ioctl (no netlink needed for one address and one route). */
static void
configure_tap (const struct options *o)
{
  int s = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0)
    helper_die ("socket in the container's network namespace: %s", strerror (errno));
  struct ifreq ifr;
  memset (&ifr, 0, sizeof (ifr));
  snprintf (ifr.ifr_name, IFNAMSIZ, "%s", o->tap);
  ifr.ifr_mtu = (int) o->mtu;
  if (ioctl (s, SIOCSIFMTU, &ifr) < 0)
    helper_die ("%s: set mtu %u: %s", o->tap, o->mtu, strerror (errno));
  ifreq_addr (&ifr, host_in_net (o, 100));
  if (ioctl (s, SIOCSIFADDR, &ifr) < 0)
    helper_die ("%s: set address: %s", o->tap, strerror (errno));
  ifreq_addr (&ifr, o->mask);
  if (ioctl (s, SIOCSIFNETMASK, &ifr) < 0)
    helper_die ("%s: set netmask: %s", o->tap, strerror (errno));
  link_up (s, "lo");
  link_up (s, o->tap);
  struct rtentry rt;
  memset (&rt, 0, sizeof (rt));
  struct sockaddr_in *gw = (struct sockaddr_in *) &rt.rt_gateway, *dst = (struct sockaddr_in *) &rt.rt_dst,
                     *mask = (struct sockaddr_in *) &rt.rt_genmask;
  gw->sin_family = dst->sin_family = mask->sin_family = AF_INET;
  gw->sin_addr = host_in_net (o, 2);
  rt.rt_flags = RTF_UP | RTF_GATEWAY;
  if (ioctl (s, SIOCADDRT, &rt) < 0)
    helper_die ("%s: add the default route: %s", o->tap, strerror (errno));
  close (s);
}

static int
create_tap (const struct options *o)
{
  /* the device is created in the network namespace of whoever opens
   * /dev/net/tun: open it only after setns */
  int fd = open ("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0)
    helper_die ("open /dev/net/tun: %s%s", strerror (errno),
         errno == EACCES ? " (fix: as root, chmod 0666 /dev/net/tun)" : "");
  struct ifreq ifr;
  memset (&ifr, 0, sizeof (ifr));
  ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
  snprintf (ifr.ifr_name, IFNAMSIZ, "%s", o->tap);
  if (ioctl (fd, TUNSETIFF, &ifr) < 0)
    helper_die ("create tap device %s in the container: %s", o->tap, strerror (errno));
  configure_tap (o);
  return fd;
}

static void
send_fd (int sock, int fd)
{
  char byte = 0, cbuf[CMSG_SPACE (sizeof (int))];
  struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof (cbuf) };
  memset (cbuf, 0, sizeof (cbuf));
  struct cmsghdr *cm = CMSG_FIRSTHDR (&msg);
  cm->cmsg_level = SOL_SOCKET;
  cm->cmsg_type = SCM_RIGHTS;
  cm->cmsg_len = CMSG_LEN (sizeof (int));
  memcpy (CMSG_DATA (cm), &fd, sizeof (int));
  if (sendmsg (sock, &msg, 0) < 0)
    helper_die ("pass the tap fd back: %s", strerror (errno));
}

static int
recv_fd (int sock)
{
  char byte, cbuf[CMSG_SPACE (sizeof (int))];
  struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof (cbuf) };
  if (recvmsg (sock, &msg, MSG_CMSG_CLOEXEC) <= 0)
    return -1;
  struct cmsghdr *cm = CMSG_FIRSTHDR (&msg);
  if (cm == NULL || cm->cmsg_type != SCM_RIGHTS)
    return -1;
  int fd;
  memcpy (&fd, CMSG_DATA (cm), sizeof (int));
  return fd;
}

/* A child enters the namespaces (a process cannot leave a user namespace
 * again) and hands the tap back; its errors reach the runtime through the
 * ready fd it inherits, as ours do. */
static int
tap_from_child (const struct options *o)
{
  int sv[2];
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    helper_die ("socketpair: %s", strerror (errno));
  pid_t pid = fork ();
  if (pid < 0)
    helper_die ("fork: %s", strerror (errno));
  if (pid == 0)
    {
      close (sv[0]);
      if (o->userns_fd >= 0 && setns (o->userns_fd, CLONE_NEWUSER) < 0)
        helper_die ("enter the container's user namespace: %s", strerror (errno));
      if (setns (o->netns_fd, CLONE_NEWNET) < 0)
        helper_die ("enter the container's network namespace: %s", strerror (errno));
      send_fd (sv[1], create_tap (o));
      _exit (0);
    }
  close (sv[1]);
  int fd = recv_fd (sv[0]);
  close (sv[0]);
  int status = 0;
  waitpid (pid, &status, 0);
  if (fd < 0 || !WIFEXITED (status) || WEXITSTATUS (status) != 0)
    _exit (1); /* the child said why */
  return fd;
}

/* ---------------------------------------------------------------- libslirp callbacks */

static int64_t
clock_ns (void *opaque)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static ssize_t
cb_send_packet (const void *buf, size_t len, void *opaque)
{
  struct loop *l = opaque;
  /* a full tap queue drops the frame: TCP retransmits, as on a wire */
  ssize_t n = write (l->tap_fd, buf, len);
  return n < 0 && errno == EAGAIN ? (ssize_t) len : n;
}

static void
cb_guest_error (const char *msg, void *opaque)
{
  helper_log ("guest error: %s", msg);
}

static void *
cb_timer_new (SlirpTimerCb cb, void *cb_opaque, void *opaque)
{
  struct loop *l = opaque;
  for (size_t i = 0; i < MAX_TIMERS; i++)
    if (!l->timers[i].used)
      {
        l->timers[i] = (struct timer){ .used = true, .cb = cb, .cb_opaque = cb_opaque };
        return &l->timers[i];
      }
  helper_die ("out of timers");
}

static void
cb_timer_free (void *t, void *opaque)
{
  memset (t, 0, sizeof (struct timer));
}

static void
cb_timer_mod (void *t, int64_t expire_ms, void *opaque)
{
  struct timer *tm = t;
  tm->armed = true;
  tm->expire_ms = expire_ms;
}

static void
cb_no_fd (int fd, void *opaque)
{
}

static void
cb_notify (void *opaque)
{
}

static int
cb_add_poll (int fd, int events, void *opaque)
{
  struct loop *l = opaque;
  if (l->n_pfd == l->cap_pfd)
    {
      l->cap_pfd = l->cap_pfd ? l->cap_pfd * 2 : 64;
      l->pfd = realloc (l->pfd, l->cap_pfd * sizeof (struct pollfd));
      if (l->pfd == NULL)
        helper_die ("out of memory");
    }
  short ev = 0;
  ev |= events & SLIRP_POLL_IN ? POLLIN : 0;
  ev |= events & SLIRP_POLL_OUT ? POLLOUT : 0;
  ev |= events & SLIRP_POLL_PRI ? POLLPRI : 0;
  l->pfd[l->n_pfd] = (struct pollfd){ .fd = fd, .events = ev };
  return (int) l->n_pfd++;
}

static int
cb_get_revents (int idx, void *opaque)
{
  struct loop *l = opaque;
  short r = l->pfd[idx].revents;
  return (r & POLLIN ? SLIRP_POLL_IN : 0) | (r & POLLOUT ? SLIRP_POLL_OUT : 0) | (r & POLLPRI ? SLIRP_POLL_PRI : 0)
         | (r & POLLERR ? SLIRP_POLL_ERR : 0) | (r & POLLHUP ? SLIRP_POLL_HUP : 0);
}

static const SlirpCb callbacks = {
  .send_packet = cb_send_packet,
  .guest_error = cb_guest_error,
  .clock_get_ns = clock_ns,
  .timer_new = cb_timer_new,
  .timer_free = cb_timer_free,
  .timer_mod = cb_timer_mod,
  .register_poll_fd = cb_no_fd,
  .unregister_poll_fd = cb_no_fd,
  .notify = cb_notify,
};

/* ---------------------------------------------------------------- slirp */

static void
start_slirp (const struct options *o, struct loop *l)
{
  SlirpConfig cfg;
  memset (&cfg, 0, sizeof (cfg));
  cfg.version = 1;
  cfg.restricted = 0;
  cfg.in_enabled = true;
  cfg.vnetwork = o->net;
  cfg.vnetmask = o->mask;
  cfg.vhost = host_in_net (o, 2);
  cfg.vnameserver = host_in_net (o, 3);
  cfg.vdhcp_start = host_in_net (o, 15);
  cfg.if_mtu = o->mtu;
  cfg.if_mru = o->mtu;
  /* connections to the gateway address reach the host's 127.0.0.1 unless
   * this is set: off by default, a container should not see host-only
   * services */
  cfg.disable_host_loopback = !o->allow_host_loopback;
  l->slirp = slirp_new (&cfg, &callbacks, l);
  if (l->slirp == NULL)
    helper_die ("slirp_new failed (check --cidr and --mtu)");
  for (size_t i = 0; i < o->n_fwd; i++)
    {
      const struct forward *f = &o->fwd[i];
      char a[INET_ADDRSTRLEN];
      inet_ntop (AF_INET, &f->host_addr, a, sizeof (a));
      errno = 0;
      if (slirp_add_hostfwd (l->slirp, f->udp, f->host_addr, f->host_port, host_in_net (o, 100), f->guest_port) < 0)
        helper_die ("publish %s:%d/%s: bind: %s%s", a, f->host_port, f->udp ? "udp" : "tcp",
             errno ? strerror (errno) : "failed",
             errno == EADDRINUSE ? " (fix: the host port is in use; publish another host port)"
             : errno == EACCES  ? " (fix: use a host port >= net.ipv4.ip_unprivileged_port_start)"
                                : "");
    }
}

static int
next_timeout_ms (const struct loop *l, uint32_t slirp_ms)
{
  int64_t now = clock_ns (NULL) / 1000000, t = slirp_ms;
  for (size_t i = 0; i < MAX_TIMERS; i++)
    if (l->timers[i].used && l->timers[i].armed)
      {
        int64_t d = l->timers[i].expire_ms - now;
        t = d < 0 ? 0 : (d < t ? d : t);
      }
  return (int) t;
}

static void
run_timers (struct loop *l)
{
  int64_t now = clock_ns (NULL) / 1000000;
  for (size_t i = 0; i < MAX_TIMERS; i++)
    if (l->timers[i].used && l->timers[i].armed && l->timers[i].expire_ms <= now)
      {
        l->timers[i].armed = false;
        l->timers[i].cb (l->timers[i].cb_opaque);
      }
}

static void
drain_tap (struct loop *l)
{
  static uint8_t frame[FRAME_MAX];
  for (int i = 0; i < 64; i++)
    {
      ssize_t n = read (l->tap_fd, frame, sizeof (frame));
      if (n <= 0)
        return;
      slirp_input (l->slirp, frame, (int) n);
    }
}

/* Slots 0-2 are ours (tap, init pidfd, signals); slirp's sockets follow. */
static void
run_loop (struct loop *l, int pidfd, int sigfd)
{
  for (;;)
    {
      uint32_t timeout = UINT32_MAX;
      l->n_pfd = 0;
      cb_add_poll (l->tap_fd, SLIRP_POLL_IN, l);
      cb_add_poll (pidfd, SLIRP_POLL_IN, l);
      cb_add_poll (sigfd, SLIRP_POLL_IN, l);
      slirp_pollfds_fill (l->slirp, &timeout, cb_add_poll, l);
      int r = poll (l->pfd, l->n_pfd, next_timeout_ms (l, timeout > 60000 ? 60000 : timeout));
      if (r < 0 && errno != EINTR)
        helper_die ("poll: %s", strerror (errno));
      if (r > 0 && (l->pfd[1].revents || l->pfd[2].revents))
        return; /* the init exited, or we were told to stop */
      if (r > 0 && l->pfd[0].revents & POLLIN)
        drain_tap (l);
      slirp_pollfds_poll (l->slirp, r < 0, cb_get_revents, l);
      run_timers (l);
    }
}

int
main (int argc, char **argv)
{
  struct options o = { .netns_fd = -1, .userns_fd = -1, .pidfd = -1, .ready_fd = -1, .mtu = 65520, .tap = "tap0" };
  helper_ready_init ("runcgo-slirp", -1, NULL);
  parse_options (argc, argv, &o);
  helper_ready_init ("runcgo-slirp", o.ready_fd, NULL);
  if (o.net.s_addr == 0)
    parse_cidr ("10.0.2.0/24", &o);
  sigset_t stop;
  sigemptyset (&stop);
  sigaddset (&stop, SIGTERM);
  sigaddset (&stop, SIGINT);
  sigaddset (&stop, SIGHUP);
  sigprocmask (SIG_BLOCK, &stop, NULL);
  signal (SIGPIPE, SIG_IGN);
  int sigfd = signalfd (-1, &stop, SFD_CLOEXEC);
  if (sigfd < 0)
    helper_die ("signalfd: %s", strerror (errno));
  struct loop l = { .tap_fd = tap_from_child (&o) };
  close (o.netns_fd);
  if (o.userns_fd >= 0)
    close (o.userns_fd);
  start_slirp (&o, &l);
  helper_ready_ok ();
  run_loop (&l, o.pidfd, sigfd);
  slirp_cleanup (l.slirp);
  return 0;
}
