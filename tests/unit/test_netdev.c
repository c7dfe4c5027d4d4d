/* test_netdev.c -- linux.netDevices without moving anything: the netlink
 * request that moves a device (decoded back attribute by attribute), which
 * addresses survive the move, and the early checks.  Runs unprivileged. */
#include "config.h"

#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <string.h>

#include "core/util.h"
#include "linux/netdev.h"
#include "tap.h"

struct decoded
{
  int ifindex;
  bool has_ns, has_name;
  uint32_t ns;
  char name[32];
};

static bool
decode_move (const void *buf, size_t len, struct decoded *d)
{
  const struct nlmsghdr *h = buf;
  memset (d, 0, sizeof (*d));
  if (len < NLMSG_LENGTH (sizeof (struct ifinfomsg)) || h->nlmsg_len != len || h->nlmsg_type != RTM_NEWLINK
      || h->nlmsg_flags != (NLM_F_REQUEST | NLM_F_ACK))
    return false;
  const struct ifinfomsg *ifi = NLMSG_DATA (h);
  d->ifindex = ifi->ifi_index;
  int rest = (int)(h->nlmsg_len - NLMSG_LENGTH (sizeof (*ifi)));
  for (const struct rtattr *a = IFLA_RTA (ifi); RTA_OK (a, rest); a = RTA_NEXT (a, rest))
    if (a->rta_type == IFLA_NET_NS_FD && RTA_PAYLOAD (a) == 4)
      {
        d->has_ns = true;
        memcpy (&d->ns, RTA_DATA (a), 4);
      }
    else if (a->rta_type == IFLA_IFNAME && RTA_PAYLOAD (a) < sizeof (d->name))
      {
        d->has_name = true;
        memcpy (d->name, RTA_DATA (a), RTA_PAYLOAD (a));
      }
    else
      return false;
  return rest == 0;
}

static void
test_move_message (void)
{
  char buf[256];
  struct decoded d;
  size_t n = runcgo_netdev_msg_move (buf, sizeof (buf), 7, 42, 9, "eth1");
  ok (n > 0 && decode_move (buf, n, &d), "the move request decodes as RTM_NEWLINK, REQUEST|ACK");
  ok (d.ifindex == 42, "it names the device by ifindex (%d)", d.ifindex);
  ok (d.has_ns && d.ns == 9, "IFLA_NET_NS_FD carries the namespace fd");
  ok (d.has_name && strcmp (d.name, "eth1") == 0, "IFLA_IFNAME carries the new name, NUL-terminated");
  n = runcgo_netdev_msg_move (buf, sizeof (buf), 7, 42, 9, NULL);
  ok (n > 0 && decode_move (buf, n, &d) && d.has_ns && !d.has_name, "no new name: no IFLA_IFNAME");
  ok (runcgo_netdev_msg_move (buf, 20, 7, 42, 9, "eth1") == 0, "a buffer too small is refused");
  ok (runcgo_netdev_msg_move (buf, NLMSG_SPACE (sizeof (struct ifinfomsg)) + 8, 7, 42, 9, "eth1") == 0,
      "room for the fd but not the name is refused");
}

static void
test_kept_addresses (void)
{
  ok (runcgo_netdev_addr_kept (RT_SCOPE_UNIVERSE, IFA_F_PERMANENT), "permanent, global: kept");
  ok (runcgo_netdev_addr_kept (RT_SCOPE_UNIVERSE, IFA_F_PERMANENT | IFA_F_NODAD), "permanent nodad: kept");
  ok (!runcgo_netdev_addr_kept (RT_SCOPE_UNIVERSE, 0), "dynamic (no IFA_F_PERMANENT): dropped");
  ok (!runcgo_netdev_addr_kept (RT_SCOPE_LINK, IFA_F_PERMANENT), "link scope: dropped");
  ok (!runcgo_netdev_addr_kept (RT_SCOPE_HOST, IFA_F_PERMANENT), "host scope: dropped");
}

static int
check (const struct runcgo_spec *spec, const char *want)
{
  runcgo_error_t err = NULL;
  int r = runcgo_netdev_check (spec, &err);
  int good = want ? r < 0 && err && strstr (err->msg, want) != NULL : r == 0;
  if (!good)
    diag ("got: %s", err ? err->msg : "success");
  runcgo_error_release (&err);
  return good;
}

static void
test_checks (void)
{
  struct runcgo_net_device devs[] = { { .host_name = (char *)"lo", .name = (char *)"eth1" } };
  struct runcgo_namespace ns_new[] = { { .kind = RUNCGO_NS_NETWORK } };
  struct runcgo_namespace ns_joined[] = { { .kind = RUNCGO_NS_NETWORK, .path = (char *)"/proc/1/ns/net" } };
  struct runcgo_linux l = { .net_devices = devs, .n_net_devices = 1 };
  struct runcgo_spec spec = { .linux_ = &l };
  ok (runcgo_netdev_target_name (&devs[0]) == devs[0].name, "the container name is linux.netDevices[].name");
  struct runcgo_net_device same = { .host_name = (char *)"eth9" };
  ok (strcmp (runcgo_netdev_target_name (&same), "eth9") == 0, "without name: the host name");
  ok (check (&spec, "shares the runtime's network namespace"), "no network namespace: error");
  l.namespaces = ns_joined;
  l.n_namespaces = 1;
  ok (check (&spec, "the network namespace is joined (`/proc/1/ns/net`)"), "joined network namespace: error");
  l.namespaces = ns_new;
  ok (check (&spec, NULL), "a new network namespace and an existing device (lo): fine");
  devs[0].host_name = (char *)"rcgnosuchdev0";
  ok (check (&spec, "linux.netDevices[\"rcgnosuchdev0\"]: no such device on the host"), "a missing device: error");
  l.n_net_devices = 0;
  l.namespaces = NULL;
  l.n_namespaces = 0;
  ok (check (&spec, NULL), "no netDevices: nothing to check");
}

int
main (void)
{
  test_move_message ();
  test_kept_addresses ();
  test_checks ();
  return done_testing ();
}
