/* slirp.h -- user-mode networking for a container through the runcgo-slirp
 * helper (helpers/runcgo-slirp.c, libslirp).
 *
 * Settings come from annotations (runcgo extensions to OCI) and from the
 * `--net slirp` / `--publish` flags of create and run, are parsed and
 * checked before any side effect, and the helper is started while the init
 * is being created: its network namespace is handed over while the init is
 * still dumpable, and create waits until the tap is up and every forward is
 * bound.  The helper's pid and start time live in the state dir (SLIRP_FILE);
 * delete stops it, and it exits by itself when the init exits. */
#ifndef RUNCGO_NET_SLIRP_H
#define RUNCGO_NET_SLIRP_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/error.h"
#include "core/helper_proc.h"
#include "spec/spec.h"

#define RUNCGO_ANN_NETWORK "run.oci.runcgo.network"
#define RUNCGO_ANN_PUBLISH "run.oci.runcgo.publish"
#define RUNCGO_ANN_SLIRP_MTU "run.oci.runcgo.slirp.mtu"
#define RUNCGO_ANN_SLIRP_CIDR "run.oci.runcgo.slirp.cidr"
#define RUNCGO_ANN_SLIRP_LOOPBACK "run.oci.runcgo.slirp.allow-host-loopback"
/* added to the annotations `state` prints: running | exited */
#define RUNCGO_ANN_SLIRP_STATUS "run.oci.runcgo.slirp.status"

/* One host port forwarded to the container. */
struct runcgo_slirp_publish
{
  bool udp;
  struct in_addr host_addr; /* 0.0.0.0 when the spec names none */
  uint16_t host_port, ctr_port;
};

struct runcgo_slirp_config
{
  bool enabled;
  unsigned mtu;              /* 65520 */
  struct in_addr net;        /* 10.0.2.0 */
  unsigned prefix;           /* 24 */
  bool allow_host_loopback;  /* false: the gateway does not reach the host's 127.0.0.1 */
  struct runcgo_slirp_publish *publish;
  size_t n_publish;
};

/* Pure: annotations, then the flags (NET_FLAG NULL = not given; PUBLISH
 * entries add to the annotation's).  Every error names the annotation or
 * the flag and says how to write it. */
int runcgo_slirp_config_parse (const struct runcgo_spec *spec, const char *net_flag, const char *const *publish,
                               size_t n_publish, struct runcgo_slirp_config *cfg, runcgo_error_t *err);
/* Pure: "[HOSTIP:]HOSTPORT:CTRPORT[/tcp|/udp]"; *why says what is wrong. */
int runcgo_slirp_parse_publish (const char *s, struct runcgo_slirp_publish *p, const char **why);
void runcgo_slirp_config_release (struct runcgo_slirp_config *cfg);

/* Before any side effect: a new network namespace (no path), the helper
 * program, /dev/net/tun usable, every host port free. */
int runcgo_slirp_check (const struct runcgo_slirp_config *cfg, const struct runcgo_spec *spec, runcgo_error_t *err);
/* The helper program: $RUNCGO_SLIRP_HELPER, else PKGLIBEXECDIR/runcgo-slirp,
 * else ../helpers/runcgo-slirp beside our own binary (the build tree). */
char *runcgo_slirp_helper_path (void);

/* Start it for the init PID (PIDFD): opens /proc/PID/ns/{net,user} (the
 * init must still be dumpable when unprivileged), logs to DIR_FD/slirp.log. */
int runcgo_slirp_begin (const struct runcgo_slirp_config *cfg, pid_t pid, int pidfd, int dir_fd,
                        struct runcgo_helper_proc *h, runcgo_error_t *err);
/* Wait (bounded) for "ok", then record pid and start time in DIR_FD. */
int runcgo_slirp_finish (struct runcgo_helper_proc *h, int dir_fd, runcgo_error_t *err);
/* create failed: kill and reap it. */
void runcgo_slirp_abort (struct runcgo_helper_proc *h);

/* ---- existing containers, through the state dir */
enum runcgo_slirp_status
{
  RUNCGO_SLIRP_NONE,    /* no helper for this container */
  RUNCGO_SLIRP_RUNNING,
  RUNCGO_SLIRP_EXITED,  /* exited, killed or crashed */
};
enum runcgo_slirp_status runcgo_slirp_status (int dir_fd, pid_t *pid);
/* delete: SIGTERM (then SIGKILL) the helper and wait until it is gone. */
void runcgo_slirp_stop (int dir_fd);

#endif
