/* netdev.h -- linux.netDevices: move host interfaces into the container's
 * network namespace (config-linux.md "Network Devices").
 *
 * The runtime (parent) does it over rtnetlink once the container's network
 * namespace exists: RTM_NEWLINK with IFLA_NET_NS_FD (and IFLA_IFNAME for the
 * new name), then, inside that namespace, the device's permanent global
 * addresses are restored and the link is set up, as the spec requires.
 * Nothing moves devices back on delete (the spec forbids it): when the
 * namespace dies the kernel returns physical devices to the initial network
 * namespace (under their container name) and destroys virtual ones (veth,
 * dummy, macvlan, ...). */
#ifndef RUNCGO_NETDEV_H
#define RUNCGO_NETDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/error.h"
#include "spec/spec.h"

/* create, before any side effect: netDevices needs a new network namespace,
 * and every host device must exist ("linux.netDevices[\"eth9\"]: no such
 * device on the host").  0 when the config has no netDevices. */
int runcgo_netdev_check (const struct runcgo_spec *spec, runcgo_error_t *err);

/* Parent, once the init PID has its new network namespace (it refuses to
 * act when /proc/PID/ns/net is still the runtime's own): move every device,
 * rename it, restore its addresses, set it up.  Errors name the device. */
int runcgo_netdev_move_all (const struct runcgo_spec *spec, pid_t pid, runcgo_error_t *err);

/* ---- pure parts, for tests */
/* The RTM_NEWLINK request moving IFINDEX into NETNS_FD, renamed to NEW_NAME
 * when not NULL.  Writes into BUF (CAP bytes); returns the message length,
 * 0 when CAP is too small. */
size_t runcgo_netdev_msg_move (void *buf, size_t cap, uint32_t seq, int ifindex, int netns_fd, const char *new_name);
/* The addresses the spec says survive the move: permanent (IFA_F_PERMANENT
 * in FLAGS, the IFA_FLAGS attribute or ifa_flags) and of global scope. */
bool runcgo_netdev_addr_kept (unsigned char scope, uint32_t flags);
/* The name a device gets in the container: nd->name, else its host name. */
const char *runcgo_netdev_target_name (const struct runcgo_net_device *nd);

#endif
