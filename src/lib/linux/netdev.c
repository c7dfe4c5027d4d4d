/* netdev.c -- linux.netDevices over raw rtnetlink (no libnl).
 *
 * Owns: the early checks, and the move done by the runtime once the
 * container's network namespace exists: read the device's permanent global
 * addresses, RTM_NEWLINK with IFLA_NET_NS_FD (+ IFLA_IFNAME to rename), then
 * in the container's namespace set the link up and add the addresses back
 * (moving a device flushes them; the spec says they MUST survive).  Talking
 * to the container's namespace needs a socket created there: a NETLINK_ROUTE
 * socket belongs to the namespace of its creator, so the runtime enters the
 * namespace just long enough to create one (setns there and back). */
#include "config.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "core/util.h"
#include "linux/netdev.h"

#define NL_BUF 32768

/* ---------------------------------------------------------------- pure */

const char *
runcgo_netdev_target_name (const struct runcgo_net_device *nd)
{
  return nd->name && *nd->name ? nd->name : nd->host_name;
}

bool
runcgo_netdev_addr_kept (unsigned char scope, uint32_t flags)
{
  return scope == RT_SCOPE_UNIVERSE && (flags & IFA_F_PERMANENT);
}

static bool
put_attr (struct nlmsghdr *h, size_t cap, unsigned short type, const void *data, size_t len)
{
  size_t off = NLMSG_ALIGN (h->nlmsg_len);
  if (off + RTA_SPACE (len) > cap)
    return false;
  struct rtattr *a = (struct rtattr *)((char *)h + off);
  a->rta_type = type;
  a->rta_len = (unsigned short)RTA_LENGTH (len);
  memcpy (RTA_DATA (a), data, len);
  h->nlmsg_len = (uint32_t)(off + RTA_ALIGN (a->rta_len));
  return true;
}

static struct nlmsghdr *
msg_init (void *buf, size_t cap, uint16_t type, uint16_t flags, uint32_t seq, size_t payload)
{
  if (cap < NLMSG_SPACE (payload))
    return NULL;
  memset (buf, 0, NLMSG_SPACE (payload));
  struct nlmsghdr *h = buf;
  h->nlmsg_len = (uint32_t)NLMSG_LENGTH (payload);
  h->nlmsg_type = type;
  h->nlmsg_flags = (uint16_t)(NLM_F_REQUEST | flags);
  h->nlmsg_seq = seq;
  return h;
}

size_t
runcgo_netdev_msg_move (void *buf, size_t cap, uint32_t seq, int ifindex, int netns_fd, const char *new_name)
{
  struct nlmsghdr *h = msg_init (buf, cap, RTM_NEWLINK, NLM_F_ACK, seq, sizeof (struct ifinfomsg));
  if (h == NULL)
    return 0;
  struct ifinfomsg *ifi = NLMSG_DATA (h);
  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_index = ifindex;
  uint32_t ns = (uint32_t)netns_fd;
  if (!put_attr (h, cap, IFLA_NET_NS_FD, &ns, sizeof (ns)))
    return 0;
  if (new_name && !put_attr (h, cap, IFLA_IFNAME, new_name, strlen (new_name) + 1))
    return 0;
  return h->nlmsg_len;
}

/* ---------------------------------------------------------------- socket */

struct nl
{
  int fd;
  uint32_t seq;
};

static int
nl_open (struct nl *nl)
{
  nl->fd = socket (AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  nl->seq = 1;
  return nl->fd;
}

static int
nl_send (struct nl *nl, struct nlmsghdr *h)
{
  struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
  h->nlmsg_seq = ++nl->seq;
  ssize_t n;
  do
    n = sendto (nl->fd, h, h->nlmsg_len, 0, (struct sockaddr *)&sa, sizeof (sa));
  while (n < 0 && errno == EINTR);
  return n == (ssize_t)h->nlmsg_len ? 0 : -1;
}

typedef int (*nl_cb) (const struct nlmsghdr *h, void *arg);

/* Read the answers to the last request until its ACK (or NLMSG_DONE of a
 * dump), passing data messages to CB.  -1 with errno on an error answer. */
static int
nl_recv (struct nl *nl, nl_cb cb, void *arg)
{
  cleanup_free char *buf = xmalloc (NL_BUF);
  for (;;)
    {
      ssize_t n = recv (nl->fd, buf, NL_BUF, 0);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return -1;
      for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK (h, (size_t)n); h = NLMSG_NEXT (h, n))
        {
          if (h->nlmsg_seq != nl->seq)
            continue;
          if (h->nlmsg_type == NLMSG_DONE)
            return 0;
          if (h->nlmsg_type == NLMSG_ERROR)
            {
              const struct nlmsgerr *e = NLMSG_DATA (h);
              if (e->error == 0)
                return 0;
              errno = -e->error;
              return -1;
            }
          if (cb && cb (h, arg) < 0)
            return -1;
        }
    }
}

static int
nl_talk (struct nl *nl, struct nlmsghdr *h, nl_cb cb, void *arg)
{
  if (nl_send (nl, h) < 0)
    return -1;
  return nl_recv (nl, cb, arg);
}

/* A NETLINK_ROUTE socket of the network namespace NETNS_FD: setns there,
 * socket(), setns back to where this thread was. */
static int
nl_open_in (struct nl *nl, int netns_fd, runcgo_error_t *err)
{
  cleanup_close int self = open ("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (self < 0)
    return runcgo_fail (err, errno, "linux.netDevices: open our own network namespace");
  if (setns (netns_fd, CLONE_NEWNET) < 0)
    return runcgo_fail (err, errno, "linux.netDevices: enter the container's network namespace");
  int fd = nl_open (nl);
  int e = errno;
  if (setns (self, CLONE_NEWNET) < 0)
    {
      if (fd >= 0)
        close (fd);
      return runcgo_fail (err, errno, "linux.netDevices: return to the runtime's network namespace");
    }
  if (fd < 0)
    return runcgo_fail (err, e, "linux.netDevices: netlink socket in the container's network namespace");
  return 0;
}

/* ---------------------------------------------------------------- links */

static int
link_index_cb (const struct nlmsghdr *h, void *arg)
{
  if (h->nlmsg_type == RTM_NEWLINK)
    *(int *)arg = ((const struct ifinfomsg *)NLMSG_DATA (h))->ifi_index;
  return 0;
}

/* ifindex of NAME in NL's namespace; 0 when there is none. */
static int
link_index (struct nl *nl, const char *name)
{
  char buf[256];
  /* a plain GET answers with the data only: ask for the ACK nl_recv waits for */
  struct nlmsghdr *h = msg_init (buf, sizeof (buf), RTM_GETLINK, NLM_F_ACK, 0, sizeof (struct ifinfomsg));
  if (!put_attr (h, sizeof (buf), IFLA_IFNAME, name, strlen (name) + 1))
    return -1;
  int idx = 0;
  if (nl_talk (nl, h, link_index_cb, &idx) < 0)
    return errno == ENODEV ? 0 : -1;
  return idx;
}

struct index_set
{
  int *v;
  size_t n;
};

static int
index_set_cb (const struct nlmsghdr *h, void *arg)
{
  struct index_set *s = arg;
  if (h->nlmsg_type != RTM_NEWLINK)
    return 0;
  s->v = xrealloc (s->v, (s->n + 1) * sizeof (int));
  s->v[s->n++] = ((const struct ifinfomsg *)NLMSG_DATA (h))->ifi_index;
  return 0;
}

static int
link_dump (struct nl *nl, struct index_set *s)
{
  char buf[64];
  struct nlmsghdr *h = msg_init (buf, sizeof (buf), RTM_GETLINK, NLM_F_DUMP, 0, sizeof (struct ifinfomsg));
  return nl_talk (nl, h, index_set_cb, s);
}

/* The device a "%d" template produced: the index that was not there before. */
static int
link_new_index (struct nl *nl, const struct index_set *before)
{
  struct index_set after = { 0 };
  int found = 0;
  if (link_dump (nl, &after) == 0)
    for (size_t i = 0; i < after.n && !found; i++)
      {
        bool old = false;
        for (size_t j = 0; j < before->n && !old; j++)
          old = before->v[j] == after.v[i];
        if (!old)
          found = after.v[i];
      }
  free (after.v);
  return found;
}

static int
link_set_up (struct nl *nl, int ifindex)
{
  char buf[64];
  struct nlmsghdr *h = msg_init (buf, sizeof (buf), RTM_NEWLINK, NLM_F_ACK, 0, sizeof (struct ifinfomsg));
  struct ifinfomsg *ifi = NLMSG_DATA (h);
  ifi->ifi_index = ifindex;
  ifi->ifi_flags = IFF_UP;
  ifi->ifi_change = IFF_UP;
  return nl_talk (nl, h, NULL, NULL);
}

/* ---------------------------------------------------------------- addresses */

struct saved_addr
{
  struct ifaddrmsg ifa;
  uint32_t flags;
  unsigned char local[16], address[16], broadcast[16];
  size_t local_len, address_len, broadcast_len;
};

struct addr_list
{
  int ifindex;
  struct saved_addr *v;
  size_t n;
};

static void
copy_rta (const struct rtattr *a, unsigned char *dst, size_t *len)
{
  size_t l = RTA_PAYLOAD (a);
  if (l > 16)
    return;
  memcpy (dst, RTA_DATA (a), l);
  *len = l;
}

static int
addr_cb (const struct nlmsghdr *h, void *arg)
{
  struct addr_list *l = arg;
  const struct ifaddrmsg *ifa = NLMSG_DATA (h);
  if (h->nlmsg_type != RTM_NEWADDR || (int)ifa->ifa_index != l->ifindex)
    return 0;
  struct saved_addr s = { .ifa = *ifa, .flags = ifa->ifa_flags };
  int len = (int)IFA_PAYLOAD (h);
  for (const struct rtattr *a = IFA_RTA (ifa); RTA_OK (a, len); a = RTA_NEXT (a, len))
    switch (a->rta_type)
      {
      case IFA_LOCAL:
        copy_rta (a, s.local, &s.local_len);
        break;
      case IFA_ADDRESS:
        copy_rta (a, s.address, &s.address_len);
        break;
      case IFA_BROADCAST:
        copy_rta (a, s.broadcast, &s.broadcast_len);
        break;
      case IFA_FLAGS:
        if (RTA_PAYLOAD (a) == sizeof (uint32_t))
          memcpy (&s.flags, RTA_DATA (a), sizeof (uint32_t));
        break;
      default:
        break;
      }
  if (!runcgo_netdev_addr_kept (ifa->ifa_scope, s.flags))
    return 0;
  l->v = xrealloc (l->v, (l->n + 1) * sizeof (*l->v));
  l->v[l->n++] = s;
  return 0;
}

static int
addr_dump (struct nl *nl, struct addr_list *l)
{
  char buf[64];
  struct nlmsghdr *h = msg_init (buf, sizeof (buf), RTM_GETADDR, NLM_F_DUMP, 0, sizeof (struct ifaddrmsg));
  return nl_talk (nl, h, addr_cb, l);
}

/* Re-create one address; only flags that describe it (not its DAD state)
 * are passed on, and no label: it would carry the old device name. */
static int
addr_add (struct nl *nl, int ifindex, const struct saved_addr *s)
{
  char buf[256];
  struct nlmsghdr *h = msg_init (buf, sizeof (buf), RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE, 0,
                                 sizeof (struct ifaddrmsg));
  struct ifaddrmsg *ifa = NLMSG_DATA (h);
  *ifa = s->ifa;
  ifa->ifa_index = (uint32_t)ifindex;
  uint32_t keep = IFA_F_PERMANENT | IFA_F_NODAD | IFA_F_HOMEADDRESS | IFA_F_NOPREFIXROUTE | IFA_F_MANAGETEMPADDR;
  uint32_t flags = s->flags & keep;
  ifa->ifa_flags = (unsigned char)(flags & 0xff);
  if ((s->local_len && !put_attr (h, sizeof (buf), IFA_LOCAL, s->local, s->local_len))
      || (s->address_len && !put_attr (h, sizeof (buf), IFA_ADDRESS, s->address, s->address_len))
      || (s->broadcast_len && !put_attr (h, sizeof (buf), IFA_BROADCAST, s->broadcast, s->broadcast_len))
      || !put_attr (h, sizeof (buf), IFA_FLAGS, &flags, sizeof (flags)))
    {
      errno = EMSGSIZE;
      return -1;
    }
  return nl_talk (nl, h, NULL, NULL);
}

static void
addr_text (const struct saved_addr *s, char *out, size_t size)
{
  const unsigned char *a = s->local_len ? s->local : s->address;
  char ip[INET6_ADDRSTRLEN] = "?";
  inet_ntop (s->ifa.ifa_family, a, ip, sizeof (ip));
  snprintf (out, size, "%s/%u", ip, s->ifa.ifa_prefixlen);
}

/* ---------------------------------------------------------------- moving */

struct mover
{
  struct nl host, ct; /* netlink in the runtime's and in the container's namespace */
  int netns_fd;
};

static int
move_fail (runcgo_error_t *err, int e, const struct runcgo_net_device *nd, const char *step)
{
  const char *hint = NULL;
  if (e == EINVAL)
    hint = "some devices cannot change namespace (netns-local: lo, bridges, ...)";
  else if (e == EEXIST)
    hint = "give linux.netDevices[].name a free name, or a template such as \"eth%d\"";
  return runcgo_fail_hint (err, e, hint, "linux.netDevices[\"%s\"]: %s", nd->host_name, step);
}

/* Move, then find the device again in the container's namespace: its
 * ifindex changes when the old one is taken there. */
static int
move_link (struct mover *m, const struct runcgo_net_device *nd, int ifindex, runcgo_error_t *err)
{
  const char *name = runcgo_netdev_target_name (nd);
  bool is_template = strchr (name, '%') != NULL;
  struct index_set before = { 0 };
  int idx = is_template ? 0 : link_index (&m->ct, name);
  if (idx > 0)
    return move_fail (err, EEXIST, nd, "the container already has a device of that name");
  if (idx < 0 || (is_template && link_dump (&m->ct, &before) < 0))
    return move_fail (err, errno, nd, "list the container's devices");
  char buf[256];
  size_t len = runcgo_netdev_msg_move (buf, sizeof (buf), 0, ifindex, m->netns_fd,
                                       strcmp (name, nd->host_name) != 0 ? name : NULL);
  if (len == 0 || nl_talk (&m->host, (struct nlmsghdr *)buf, NULL, NULL) < 0)
    {
      free (before.v);
      return move_fail (err, len == 0 ? EMSGSIZE : errno, nd, "move it into the container's network namespace");
    }
  idx = is_template ? link_new_index (&m->ct, &before) : link_index (&m->ct, name);
  free (before.v);
  if (idx <= 0)
    return move_fail (err, idx < 0 ? errno : ENODEV, nd, "find it in the container's network namespace");
  return idx;
}

static int
move_one (struct mover *m, const struct runcgo_net_device *nd, runcgo_error_t *err)
{
  int ifindex = (int)if_nametoindex (nd->host_name);
  if (ifindex == 0)
    return runcgo_fail_hint (err, errno == ENODEV ? 0 : errno, "create it first, or drop it from linux.netDevices",
                             "linux.netDevices[\"%s\"]: no such device on the host", nd->host_name);
  /* read now: the move flushes them */
  struct addr_list addrs = { .ifindex = ifindex };
  if (addr_dump (&m->host, &addrs) < 0)
    return move_fail (err, errno, nd, "read its addresses");
  int r = -1, idx = move_link (m, nd, ifindex, err);
  if (idx < 0)
    goto out;
  if (link_set_up (&m->ct, idx) < 0)
    {
      move_fail (err, errno, nd, "set it up in the container");
      goto out;
    }
  for (size_t i = 0; i < addrs.n; i++)
    if (addr_add (&m->ct, idx, &addrs.v[i]) < 0)
      {
        char text[80], step[128];
        addr_text (&addrs.v[i], text, sizeof (text));
        snprintf (step, sizeof (step), "restore address %s in the container", text);
        move_fail (err, errno, nd, step);
        goto out;
      }
  r = 0;
out:
  free (addrs.v);
  return r;
}

static bool
same_ns (int a, int b)
{
  struct stat sa, sb;
  return fstat (a, &sa) == 0 && fstat (b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

int
runcgo_netdev_move_all (const struct runcgo_spec *spec, pid_t pid, runcgo_error_t *err)
{
  const struct runcgo_linux *l = spec->linux_;
  if (l == NULL || l->n_net_devices == 0)
    return 0;
  char path[64];
  snprintf (path, sizeof (path), "/proc/%d/ns/net", (int)pid);
  cleanup_close int netns = open (path, O_RDONLY | O_CLOEXEC);
  cleanup_close int self = open ("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (netns < 0 || self < 0)
    return runcgo_fail (err, errno, "linux.netDevices: open the network namespace of the container (%s)", path);
  /* moving into our own namespace would "succeed" and rename a host device */
  if (same_ns (netns, self))
    return runcgo_fail (err, EINVAL, "linux.netDevices: the container's network namespace does not exist yet");
  struct mover m = { .netns_fd = netns, .host = { .fd = -1 }, .ct = { .fd = -1 } };
  int r = -1;
  if (nl_open (&m.host) < 0)
    runcgo_fail (err, errno, "linux.netDevices: netlink socket");
  else if (nl_open_in (&m.ct, netns, err) == 0)
    {
      r = 0;
      for (size_t i = 0; r == 0 && i < l->n_net_devices; i++)
        r = move_one (&m, &l->net_devices[i], err);
    }
  if (m.host.fd >= 0)
    close (m.host.fd);
  if (m.ct.fd >= 0)
    close (m.ct.fd);
  return r;
}

int
runcgo_netdev_check (const struct runcgo_spec *spec, runcgo_error_t *err)
{
  const struct runcgo_linux *l = spec->linux_;
  if (l == NULL || l->n_net_devices == 0)
    return 0;
  const struct runcgo_namespace *ns = runcgo_spec_namespace (spec, RUNCGO_NS_NETWORK);
  if (ns == NULL)
    return runcgo_fail_hint (err, 0, "add {\"type\": \"network\"} to linux.namespaces",
                             "linux.netDevices: the container shares the runtime's network namespace, so there "
                             "is nowhere to move the devices to");
  if (ns->path)
    return runcgo_fail_hint (err, 0, "move the devices into that namespace beforehand (ip link set DEV netns ...)",
                             "linux.netDevices: the network namespace is joined (`%s`), not created: runcgo moves "
                             "devices only into a namespace it creates",
                             ns->path);
  for (size_t i = 0; i < l->n_net_devices; i++)
    if (if_nametoindex (l->net_devices[i].host_name) == 0)
      return runcgo_fail_hint (err, errno == ENODEV ? 0 : errno, "create it first, or drop it from linux.netDevices",
                               "linux.netDevices[\"%s\"]: no such device on the host", l->net_devices[i].host_name);
  return 0;
}
