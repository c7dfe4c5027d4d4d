/* generate.c -- the default config.json of `runcgo spec [--rootless]`.
 *
 * Mirrors runc's template (libcontainer/specconv/example.go and ToRootless)
 * field for field and in the same order, so configs people have been editing
 * for years look familiar; only ociVersion is ours (1.3.0). */
#include "config.h"

#include <json-c/json.h>
#include <stdarg.h>
#include <unistd.h>

#include "core/util.h"
#include "spec/generate.h"

#define GENERATE_OCI_VERSION "1.3.0"

static void
add_str (json_object *o, const char *key, const char *value)
{
  json_object_object_add (o, key, json_object_new_string (value));
}

/* A JSON array of the NULL-terminated strings that follow. */
static json_object *
strings (const char *first, ...)
{
  json_object *a = json_object_new_array ();
  va_list ap;
  va_start (ap, first);
  for (const char *s = first; s; s = va_arg (ap, const char *))
    json_object_array_add (a, json_object_new_string (s));
  va_end (ap);
  return a;
}

static json_object *
default_caps (void)
{
#define DEFAULT_CAPS "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE", NULL
  json_object *c = json_object_new_object ();
  json_object_object_add (c, "bounding", strings (DEFAULT_CAPS));
  json_object_object_add (c, "effective", strings (DEFAULT_CAPS));
  json_object_object_add (c, "permitted", strings (DEFAULT_CAPS));
  json_object_object_add (c, "ambient", strings (DEFAULT_CAPS));
#undef DEFAULT_CAPS
  return c;
}

static json_object *
default_process (void)
{
  json_object *p = json_object_new_object ();
  json_object_object_add (p, "terminal", json_object_new_boolean (1));
  json_object *user = json_object_new_object ();
  json_object_object_add (user, "uid", json_object_new_int (0));
  json_object_object_add (user, "gid", json_object_new_int (0));
  json_object_object_add (p, "user", user);
  json_object_object_add (p, "args", strings ("sh", NULL));
  json_object_object_add (
      p, "env", strings ("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm", NULL));
  add_str (p, "cwd", "/");
  json_object_object_add (p, "capabilities", default_caps ());
  json_object *rl = json_object_new_object ();
  add_str (rl, "type", "RLIMIT_NOFILE");
  json_object_object_add (rl, "hard", json_object_new_int (1024));
  json_object_object_add (rl, "soft", json_object_new_int (1024));
  json_object *rls = json_object_new_array ();
  json_object_array_add (rls, rl);
  json_object_object_add (p, "rlimits", rls);
  json_object_object_add (p, "noNewPrivileges", json_object_new_boolean (1));
  return p;
}

static json_object *
mount (const char *dest, const char *type, const char *source, json_object *options)
{
  json_object *m = json_object_new_object ();
  add_str (m, "destination", dest);
  add_str (m, "type", type);
  add_str (m, "source", source);
  if (options)
    json_object_object_add (m, "options", options);
  return m;
}

static json_object *
default_mounts (bool rootless)
{
  json_object *a = json_object_new_array ();
  json_object_array_add (a, mount ("/proc", "proc", "proc", NULL));
  json_object_array_add (
      a, mount ("/dev", "tmpfs", "tmpfs", strings ("nosuid", "strictatime", "mode=755", "size=65536k", NULL)));
  /* rootless: gid=5 would name a group that is not mapped */
  json_object_array_add (
      a, mount ("/dev/pts", "devpts", "devpts",
                rootless ? strings ("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", NULL)
                         : strings ("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5", NULL)));
  json_object_array_add (
      a, mount ("/dev/shm", "tmpfs", "shm", strings ("nosuid", "noexec", "nodev", "mode=1777", "size=65536k", NULL)));
  json_object_array_add (a, mount ("/dev/mqueue", "mqueue", "mqueue", strings ("nosuid", "noexec", "nodev", NULL)));
  /* rootless: a user namespace cannot mount a fresh sysfs without owning a
   * network namespace, so bind the host's read-only instead (as runc) */
  if (rootless)
    json_object_array_add (a,
                           mount ("/sys", "none", "/sys", strings ("rbind", "nosuid", "noexec", "nodev", "ro", NULL)));
  else
    json_object_array_add (a, mount ("/sys", "sysfs", "sysfs", strings ("nosuid", "noexec", "nodev", "ro", NULL)));
  json_object_array_add (
      a, mount ("/sys/fs/cgroup", "cgroup", "cgroup", strings ("nosuid", "noexec", "nodev", "relatime", "ro", NULL)));
  return a;
}

static json_object *
single_id_map (unsigned id)
{
  json_object *m = json_object_new_object ();
  json_object_object_add (m, "containerID", json_object_new_int (0));
  json_object_object_add (m, "hostID", json_object_new_int64 (id));
  json_object_object_add (m, "size", json_object_new_int (1));
  json_object *a = json_object_new_array ();
  json_object_array_add (a, m);
  return a;
}

static json_object *
namespaces (bool rootless)
{
  /* runc order; rootless drops network (no host interfaces to share) and
   * appends user */
  const char *names[] = { "pid", rootless ? NULL : "network", "ipc", "uts", "mount", rootless ? "user" : NULL };
  json_object *a = json_object_new_array ();
  for (size_t i = 0; i < ARRAY_SIZE (names); i++)
    {
      if (names[i] == NULL)
        continue;
      json_object *ns = json_object_new_object ();
      add_str (ns, "type", names[i]);
      json_object_array_add (a, ns);
    }
  return a;
}

static json_object *
default_linux (bool rootless)
{
  json_object *l = json_object_new_object ();
  if (rootless)
    {
      json_object_object_add (l, "uidMappings", single_id_map ((unsigned)geteuid ()));
      json_object_object_add (l, "gidMappings", single_id_map ((unsigned)getegid ()));
    }
  else
    {
      /* deny every device; the runtime allows its default set on top */
      json_object *dev = json_object_new_object ();
      json_object_object_add (dev, "allow", json_object_new_boolean (0));
      add_str (dev, "access", "rwm");
      json_object *devs = json_object_new_array ();
      json_object_array_add (devs, dev);
      json_object *res = json_object_new_object ();
      json_object_object_add (res, "devices", devs);
      json_object_object_add (l, "resources", res);
    }
  json_object_object_add (l, "namespaces", namespaces (rootless));
  json_object_object_add (l, "maskedPaths",
                          strings ("/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
                                   "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware",
                                   "/proc/scsi", NULL));
  json_object_object_add (l, "readonlyPaths",
                          strings ("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL));
  return l;
}

char *
runcgo_spec_generate (bool rootless)
{
  json_object *s = json_object_new_object ();
  if (s == NULL)
    abort ();
  add_str (s, "ociVersion", GENERATE_OCI_VERSION);
  json_object_object_add (s, "process", default_process ());
  json_object *root = json_object_new_object ();
  add_str (root, "path", "rootfs");
  json_object_object_add (root, "readonly", json_object_new_boolean (1));
  json_object_object_add (s, "root", root);
  add_str (s, "hostname", "runcgo");
  json_object_object_add (s, "mounts", default_mounts (rootless));
  json_object_object_add (s, "linux", default_linux (rootless));
  const char *text = json_object_to_json_string_ext (s, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_PRETTY_TAB
                                                            | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE);
  char *out = xstrdup (text);
  json_object_put (s);
  return out;
}
