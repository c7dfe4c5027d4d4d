/* slirp.c -- the runtime's side of user-mode networking: settings from
 * annotations and flags, checks before any side effect, starting the
 * runcgo-slirp helper with the container's namespaces, waiting until it is
 * ready, and finding, reporting and stopping it later through the state dir.
 * The helper itself (libslirp, the tap) is helpers/runcgo-slirp.c. */
#include "config.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "core/helper_proc.h"
#include "core/log.h"
#include "core/state.h"
#include "core/util.h"
#include "slirp.h"

#define SLIRP_FILE "slirp.pid"
#define SLIRP_LOG "slirp.log"
/* the helper needs a few ms; a loaded CI machine gets far more */
#define READY_TIMEOUT_MS 20000

#ifndef RUNCGO_PKGLIBEXECDIR
#define RUNCGO_PKGLIBEXECDIR "/usr/local/libexec/runcgo"
#endif

/* ---------------------------------------------------------------- settings */

static int
parse_port (const char *s, size_t len, uint16_t *out)
{
  char buf[8];
  uint64_t v;
  if (len == 0 || len >= sizeof (buf))
    return -1;
  memcpy (buf, s, len);
  buf[len] = '\0';
  if (runcgo_parse_u64 (buf, &v) < 0 || v < 1 || v > 65535)
    return -1;
  *out = (uint16_t) v;
  return 0;
}

int
runcgo_slirp_parse_publish (const char *s, struct runcgo_slirp_publish *p, const char **why)
{
  memset (p, 0, sizeof (*p));
  cleanup_free char *copy = xstrdup (s);
  char *proto = strchr (copy, '/');
  if (proto)
    {
      *proto++ = '\0';
      if (strcmp (proto, "udp") != 0 && strcmp (proto, "tcp") != 0)
        return *why = "the protocol must be tcp or udp", -1;
      p->udp = strcmp (proto, "udp") == 0;
    }
  size_t colons = 0;
  for (const char *c = copy; *c; c++)
    colons += *c == ':';
  if (copy[0] == '[' || colons > 2)
    return *why = "only IPv4 host addresses are supported", -1;
  char *last = strrchr (copy, ':');
  if (last == NULL)
    return *why = "write HOSTPORT:CONTAINERPORT, optionally HOSTIP: before and /udp after", -1;
  char *first = strchr (copy, ':');
  const char *host_port = copy;
  if (first != last)
    {
      *first = '\0';
      host_port = first + 1;
      if (inet_pton (AF_INET, copy, &p->host_addr) != 1)
        return *why = "the host address is not an IPv4 address", -1;
    }
  if (parse_port (host_port, (size_t) (last - host_port), &p->host_port) < 0)
    return *why = "the host port must be a number from 1 to 65535", -1;
  if (parse_port (last + 1, strlen (last + 1), &p->ctr_port) < 0)
    return *why = "the container port must be a number from 1 to 65535", -1;
  return 0;
}

static int
parse_cidr (const char *s, struct runcgo_slirp_config *cfg, runcgo_error_t *err)
{
  char addr[INET_ADDRSTRLEN];
  const char *slash = strchr (s, '/');
  uint64_t len;
  const char *hint = "write it like 10.0.2.0/24 (a prefix of 25 bits or less: the container is .100)";
  if (slash == NULL || (size_t) (slash - s) >= sizeof (addr) || runcgo_parse_u64 (slash + 1, &len) < 0 || len < 1
      || len > 25)
    return runcgo_fail_hint (err, 0, hint, "annotation %s: invalid CIDR \"%s\"", RUNCGO_ANN_SLIRP_CIDR, s);
  memcpy (addr, s, (size_t) (slash - s));
  addr[slash - s] = '\0';
  if (inet_pton (AF_INET, addr, &cfg->net) != 1)
    return runcgo_fail_hint (err, 0, hint, "annotation %s: \"%s\" is not an IPv4 address", RUNCGO_ANN_SLIRP_CIDR,
                             addr);
  uint32_t host_bits = (1u << (32 - len)) - 1;
  if (ntohl (cfg->net.s_addr) & host_bits)
    return runcgo_fail_hint (err, 0, "give the network address (host bits zero), e.g. 10.0.2.0/24",
                             "annotation %s: \"%s\" has host bits set", RUNCGO_ANN_SLIRP_CIDR, s);
  cfg->prefix = (unsigned) len;
  return 0;
}

static int
parse_bool_annotation (const char *key, const char *v, bool *out, runcgo_error_t *err)
{
  if (strcmp (v, "true") == 0 || strcmp (v, "false") == 0)
    {
      *out = v[0] == 't';
      return 0;
    }
  return runcgo_fail_hint (err, 0, "write true or false", "annotation %s: invalid value \"%s\"", key, v);
}

/* Two forwards clash when they share protocol and host port, and an
 * address (0.0.0.0 is every address). */
static int
check_duplicates (const struct runcgo_slirp_config *cfg, runcgo_error_t *err)
{
  for (size_t i = 0; i < cfg->n_publish; i++)
    for (size_t j = 0; j < i; j++)
      {
        const struct runcgo_slirp_publish *a = &cfg->publish[i], *b = &cfg->publish[j];
        if (a->udp == b->udp && a->host_port == b->host_port
            && (a->host_addr.s_addr == b->host_addr.s_addr || a->host_addr.s_addr == 0 || b->host_addr.s_addr == 0))
          return runcgo_fail_hint (err, 0, "publish each host port once (run.oci.runcgo.publish and --publish add up)",
                                   "publish: host port %u/%s is published twice", a->host_port, a->udp ? "udp" : "tcp");
      }
  return 0;
}

static int
add_publish (struct runcgo_slirp_config *cfg, const char *spec, const char *source, runcgo_error_t *err)
{
  const char *why = NULL;
  struct runcgo_slirp_publish p;
  if (runcgo_slirp_parse_publish (spec, &p, &why) < 0)
    return runcgo_fail_hint (err, 0, "write [HOSTIP:]HOSTPORT:CONTAINERPORT[/tcp|/udp], e.g. 127.0.0.1:8080:80",
                             "%s: invalid publish spec \"%s\": %s", source, spec, why);
  cfg->publish = xrealloc (cfg->publish, (cfg->n_publish + 1) * sizeof (p));
  cfg->publish[cfg->n_publish++] = p;
  return 0;
}

static int
parse_publish_list (struct runcgo_slirp_config *cfg, const char *list, runcgo_error_t *err)
{
  cleanup_free char *copy = xstrdup (list);
  char *save = NULL;
  for (char *tok = strtok_r (copy, ", ", &save); tok; tok = strtok_r (NULL, ", ", &save))
    if (add_publish (cfg, tok, "annotation " RUNCGO_ANN_PUBLISH, err) < 0)
      return -1;
  return 0;
}

static int
parse_network (const char *v, const char *source, bool *enabled, runcgo_error_t *err)
{
  if (strcmp (v, "slirp") != 0 && strcmp (v, "none") != 0)
    return runcgo_fail_hint (err, 0, "use slirp (user-mode networking) or none", "%s: unknown network \"%s\"", source,
                             v);
  *enabled = strcmp (v, "slirp") == 0;
  return 0;
}

static int
parse_options (const struct runcgo_spec *spec, struct runcgo_slirp_config *cfg, runcgo_error_t *err)
{
  const char *v;
  uint64_t mtu;
  if ((v = runcgo_spec_annotation (spec, RUNCGO_ANN_SLIRP_MTU)))
    {
      if (runcgo_parse_u64 (v, &mtu) < 0 || mtu < 68 || mtu > 65520)
        return runcgo_fail_hint (err, 0, "give a number from 68 to 65520 (the default is 65520)",
                                 "annotation %s: invalid MTU \"%s\"", RUNCGO_ANN_SLIRP_MTU, v);
      cfg->mtu = (unsigned) mtu;
    }
  if ((v = runcgo_spec_annotation (spec, RUNCGO_ANN_SLIRP_CIDR)) && parse_cidr (v, cfg, err) < 0)
    return -1;
  if ((v = runcgo_spec_annotation (spec, RUNCGO_ANN_SLIRP_LOOPBACK))
      && parse_bool_annotation (RUNCGO_ANN_SLIRP_LOOPBACK, v, &cfg->allow_host_loopback, err) < 0)
    return -1;
  if ((v = runcgo_spec_annotation (spec, RUNCGO_ANN_PUBLISH)) && parse_publish_list (cfg, v, err) < 0)
    return -1;
  return 0;
}

/* The option annotations without slirp are a mistake worth stopping for:
 * the user expects ports that would never be forwarded. */
static int
check_unused (const struct runcgo_spec *spec, const struct runcgo_slirp_config *cfg, runcgo_error_t *err)
{
  static const char *const keys[] = { RUNCGO_ANN_PUBLISH, RUNCGO_ANN_SLIRP_MTU, RUNCGO_ANN_SLIRP_CIDR,
                                      RUNCGO_ANN_SLIRP_LOOPBACK };
  if (cfg->enabled)
    return 0;
  for (size_t i = 0; i < ARRAY_SIZE (keys); i++)
    if (runcgo_spec_annotation (spec, keys[i]))
      return runcgo_fail_hint (err, 0, "set the annotation " RUNCGO_ANN_NETWORK "=slirp or pass --net slirp",
                               "annotation %s is set but the container has no slirp network", keys[i]);
  if (cfg->n_publish)
    return runcgo_fail_hint (err, 0, "add --net slirp", "--publish needs a slirp network");
  return 0;
}

int
runcgo_slirp_config_parse (const struct runcgo_spec *spec, const char *net_flag, const char *const *publish,
                           size_t n_publish, struct runcgo_slirp_config *cfg, runcgo_error_t *err)
{
  memset (cfg, 0, sizeof (*cfg));
  cfg->mtu = 65520;
  cfg->prefix = 24;
  inet_pton (AF_INET, "10.0.2.0", &cfg->net);
  const char *v = runcgo_spec_annotation (spec, RUNCGO_ANN_NETWORK);
  if (v && parse_network (v, "annotation " RUNCGO_ANN_NETWORK, &cfg->enabled, err) < 0)
    return -1;
  if (net_flag && parse_network (net_flag, "--net", &cfg->enabled, err) < 0)
    return -1;
  if (parse_options (spec, cfg, err) < 0)
    return -1;
  for (size_t i = 0; i < n_publish; i++)
    if (add_publish (cfg, publish[i], "--publish", err) < 0)
      return -1;
  if (check_unused (spec, cfg, err) < 0)
    return -1;
  return check_duplicates (cfg, err);
}

void
runcgo_slirp_config_release (struct runcgo_slirp_config *cfg)
{
  free (cfg->publish);
  cfg->publish = NULL;
  cfg->n_publish = 0;
}

/* ---------------------------------------------------------------- checks */

/* Found once, at the checks before anything is created: by the time the
 * helper starts, /proc/self/exe may be the exe shield's memfd. */
char *
runcgo_slirp_helper_path (void)
{
  static char *found;
  if (found == NULL)
    found = runcgo_helper_path ("runcgo-slirp", "RUNCGO_SLIRP_HELPER");
  return xstrdup (found);
}

/* The helper binds again for real; this early bind only turns the common
 * case (a server already listening) into an error before anything exists. */
static int
check_port_free (const struct runcgo_slirp_publish *p, runcgo_error_t *err)
{
  cleanup_close int fd = socket (AF_INET, (p->udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
  int one = 1;
  struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons (p->host_port), .sin_addr = p->host_addr };
  if (fd < 0)
    return runcgo_fail (err, errno, "publish: socket");
  setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof (one)); /* as libslirp binds */
  if (bind (fd, (struct sockaddr *) &sa, sizeof (sa)) == 0)
    return 0;
  char a[INET_ADDRSTRLEN];
  inet_ntop (AF_INET, &p->host_addr, a, sizeof (a));
  return runcgo_fail_hint (err, errno,
                           errno == EADDRINUSE ? "the host port is in use: publish another host port, or stop "
                                                 "what listens there"
                           : errno == EACCES   ? "use a host port >= net.ipv4.ip_unprivileged_port_start"
                                               : NULL,
                           "publish %s:%u/%s: bind", a, p->host_port, p->udp ? "udp" : "tcp");
}

int
runcgo_slirp_check (const struct runcgo_slirp_config *cfg, const struct runcgo_spec *spec, runcgo_error_t *err)
{
  if (!cfg->enabled)
    return 0;
  const struct runcgo_namespace *net = runcgo_spec_namespace (spec, RUNCGO_NS_NETWORK);
  if (net == NULL || net->path)
    return runcgo_fail_hint (err, 0,
                             "add {\"type\": \"network\"} without a path to linux.namespaces, or drop --net slirp "
                             "and " RUNCGO_ANN_NETWORK,
                             "slirp networking needs a new network namespace, and the config %s",
                             net ? "joins an existing one" : "has none");
  cleanup_free char *helper = runcgo_slirp_helper_path ();
  if (access (helper, X_OK) < 0)
    return runcgo_fail_hint (err, errno,
                             "build runcgo with libslirp-dev installed (configure says libslirp ... yes), or "
                             "point RUNCGO_SLIRP_HELPER at runcgo-slirp",
                             "slirp network helper `%s`", helper);
  if (access ("/dev/net/tun", R_OK | W_OK) < 0)
    return runcgo_fail_hint (err, errno,
                             errno == ENOENT ? "load the tun module (modprobe tun)"
                                             : "as root: chmod 0666 /dev/net/tun (most distributions ship it so)",
                             "slirp networking needs /dev/net/tun");
  for (size_t i = 0; i < cfg->n_publish; i++)
    {
      const struct runcgo_slirp_publish *p = &cfg->publish[i];
      if (check_port_free (p, err) < 0)
        return -1;
      /* a datagram from 127.0.0.1 reaches the container from the gateway
       * address; libslirp sends the answer back to 127.0.0.1 only when the
       * host's loopback is allowed */
      uint32_t a = ntohl (p->host_addr.s_addr);
      if (p->udp && !cfg->allow_host_loopback && (a == 0 || a >> 24 == 127))
        runcgo_warn ("publish %u/udp: answers to clients on the host's loopback are dropped unless "
                     RUNCGO_ANN_SLIRP_LOOPBACK "=true", p->host_port);
    }
  return 0;
}

/* ---------------------------------------------------------------- starting the helper */

/* The container's user namespace, when it is not ours: the helper's child
 * must enter it first to own the network namespace's devices. */
static int
open_userns (pid_t pid, runcgo_error_t *err)
{
  struct stat ours, theirs;
  cleanup_free char *path = xasprintf ("/proc/%d/ns/user", (int) pid);
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return runcgo_fail (err, errno, "slirp: open `%s`", path);
  if (stat ("/proc/self/ns/user", &ours) == 0 && fstat (fd, &theirs) == 0 && ours.st_ino == theirs.st_ino
      && ours.st_dev == theirs.st_dev)
    {
      close (fd);
      return -2;
    }
  return fd;
}

static void
add_arg (char ***argv, size_t *n, char *s)
{
  *argv = xrealloc (*argv, (*n + 2) * sizeof (char *));
  (*argv)[(*n)++] = s;
  (*argv)[*n] = NULL;
}

/* fds 3..6 of the helper: netns, userns (or /dev/null), init pidfd, ready
 * (runcgo_helper_proc_spawn adds the last). */
static char **
helper_argv (const struct runcgo_slirp_config *cfg, bool userns)
{
  char **argv = NULL, a[INET_ADDRSTRLEN];
  size_t n = 0;
  add_arg (&argv, &n, xstrdup ("runcgo-slirp"));
  add_arg (&argv, &n, xstrdup ("--netns-fd=3"));
  if (userns)
    add_arg (&argv, &n, xstrdup ("--userns-fd=4"));
  add_arg (&argv, &n, xstrdup ("--pidfd=5"));
  add_arg (&argv, &n, xstrdup ("--ready-fd=6"));
  add_arg (&argv, &n, xasprintf ("--mtu=%u", cfg->mtu));
  inet_ntop (AF_INET, &cfg->net, a, sizeof (a));
  add_arg (&argv, &n, xasprintf ("--cidr=%s/%u", a, cfg->prefix));
  if (cfg->allow_host_loopback)
    add_arg (&argv, &n, xstrdup ("--allow-host-loopback"));
  for (size_t i = 0; i < cfg->n_publish; i++)
    {
      const struct runcgo_slirp_publish *p = &cfg->publish[i];
      inet_ntop (AF_INET, &p->host_addr, a, sizeof (a));
      add_arg (&argv, &n, xasprintf ("--publish=%s:%s:%u:%u", p->udp ? "udp" : "tcp", a, p->host_port, p->ctr_port));
    }
  return argv;
}

int
runcgo_slirp_begin (const struct runcgo_slirp_config *cfg, pid_t pid, int pidfd, int dir_fd,
                    struct runcgo_helper_proc *h, runcgo_error_t *err)
{
  cleanup_free char *netns = xasprintf ("/proc/%d/ns/net", (int) pid);
  cleanup_close int net_fd = open (netns, O_RDONLY | O_CLOEXEC);
  if (net_fd < 0)
    return runcgo_fail_hint (err, errno, "as an unprivileged user, slirp works only when no namespace is joined by path",
                             "slirp: open `%s`", netns);
  cleanup_close int user_fd = open_userns (pid, err);
  if (user_fd == -1)
    return -1;
  cleanup_close int log_fd = openat (dir_fd, SLIRP_LOG, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  cleanup_close int null_fd = open ("/dev/null", O_RDONLY | O_CLOEXEC);
  if (log_fd < 0 || null_fd < 0)
    return runcgo_fail (err, errno, "slirp: open the helper's log %s", SLIRP_LOG);
  cleanup_free char *path = runcgo_slirp_helper_path ();
  cleanup_strv char **argv = helper_argv (cfg, user_fd >= 0);
  int fds[3] = { net_fd, user_fd >= 0 ? user_fd : null_fd, pidfd };
  return runcgo_helper_proc_spawn (path, argv, fds, ARRAY_SIZE (fds), log_fd, "slirp: the network helper", h, err);
}

int
runcgo_slirp_finish (struct runcgo_helper_proc *h, int dir_fd, runcgo_error_t *err)
{
  char answer[1024];
  if (h->ready_fd < 0)
    return 0;
  if (runcgo_helper_proc_answer (h, READY_TIMEOUT_MS, "slirp: the network helper", SLIRP_LOG, answer,
                                 sizeof (answer), err) < 0)
    return -1;
  if (strcmp (answer, "ok") != 0)
    {
      /* the helper's own words name the step; a bare EOF means it died */
      const char *hint = strstr (answer, "(fix: ") ? NULL : "see slirp.log in the container's state directory";
      return runcgo_fail_hint (err, 0, hint, "slirp network helper: %s",
                               *answer ? answer : "exited before it was ready");
    }
  return runcgo_helper_proc_record (h, dir_fd, SLIRP_FILE, false, err);
}

void
runcgo_slirp_abort (struct runcgo_helper_proc *h)
{
  runcgo_helper_proc_abort (h);
}

/* ---------------------------------------------------------------- existing containers */

enum runcgo_slirp_status
runcgo_slirp_status (int dir_fd, pid_t *pid)
{
  uint64_t st;
  if (!runcgo_helper_proc_find (dir_fd, SLIRP_FILE, pid, &st))
    return RUNCGO_SLIRP_NONE;
  return runcgo_pid_is_alive (*pid, st) ? RUNCGO_SLIRP_RUNNING : RUNCGO_SLIRP_EXITED;
}

void
runcgo_slirp_stop (int dir_fd)
{
  runcgo_helper_proc_stop_all (dir_fd, SLIRP_FILE);
}
