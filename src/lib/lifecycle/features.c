/* features.c -- `runcgo features`: the runtime-spec Features structure
 * (features.md, features-linux.md) describing what this build implements.
 *
 * Every list comes from the code that implements it (hook kinds, namespace
 * kinds, the mount option table, libcap and libseccomp), so the document
 * cannot claim more than the runtime does.  Conservative where support is
 * partial: AppArmor and SELinux count only where the host has them (lsm.c refuses
 * labels elsewhere).  intelRdt and netDevices are implemented whatever the
 * host has (features-linux.md: "irrelevant to the availability on the host"). */
#include "config.h"

#include <ctype.h>
#include <linux/seccomp.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <json-c/json.h>
#ifdef HAVE_CAP
#include <sys/capability.h>
#endif
#ifdef HAVE_SECCOMP
#include <seccomp.h>
#endif

#include "core/util.h"
#include "net/slirp.h"
#include "security/seccomp_plugins.h"
#include "fs/fs.h"
#include "lifecycle/ops.h"
#include "linux/linux.h"
#include "security/security.h"
#include "spec/spec.h"

static json_object *
strv_json (const char *const *v, size_t n)
{
  json_object *a = json_object_new_array ();
  for (size_t i = 0; v && (n ? i < n : v[i] != NULL); i++)
    json_object_array_add (a, json_object_new_string (v[i]));
  return a;
}

static void
add_enabled (json_object *parent, const char *key, bool enabled)
{
  json_object *o = json_object_new_object ();
  json_object_object_add (o, "enabled", json_object_new_boolean (enabled));
  json_object_object_add (parent, key, o);
}

/* Every capability libcap knows and runcgo accepts by name. */
static json_object *
capabilities_json (void)
{
  json_object *a = json_object_new_array ();
#ifdef HAVE_CAP
  int last = runcgo_cap_last () > CAP_LAST_CAP ? runcgo_cap_last () : CAP_LAST_CAP;
  for (int i = 0; i <= last; i++)
    {
      char *name = cap_to_name ((cap_value_t)i);
      if (name == NULL)
        continue;
      cleanup_free char *upper = xstrdup (name);
      cap_free (name);
      for (char *p = upper; *p; p++)
        *p = (char)toupper ((unsigned char)*p);
      if (runcgo_cap_from_name (upper) == i)
        json_object_array_add (a, json_object_new_string (upper));
    }
#endif
  return a;
}

static json_object *
cgroup_json (void)
{
  json_object *o = json_object_new_object ();
  json_object_object_add (o, "v1", json_object_new_boolean (true));
  json_object_object_add (o, "v2", json_object_new_boolean (true));
#ifdef HAVE_SYSTEMD
  bool systemd = true; /* the driver is built (its own D-Bus client) */
#else
  bool systemd = false;
#endif
  json_object_object_add (o, "systemd", json_object_new_boolean (systemd));
  json_object_object_add (o, "systemdUser", json_object_new_boolean (systemd));
  json_object_object_add (o, "rdma", json_object_new_boolean (true));
  return o;
}

#ifdef HAVE_SECCOMP
static const char *const seccomp_actions[]
    = { "SCMP_ACT_KILL",  "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP",   "SCMP_ACT_ERRNO",
        "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW",        "SCMP_ACT_LOG",         "SCMP_ACT_NOTIFY", NULL };
static const char *const seccomp_operators[] = { "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",        "SCMP_CMP_EQ",
                                                 "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ", NULL };
static const char *const seccomp_archs[]
    = { "SCMP_ARCH_X86",     "SCMP_ARCH_X86_64",   "SCMP_ARCH_X32",         "SCMP_ARCH_ARM",
        "SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS",     "SCMP_ARCH_MIPS64",      "SCMP_ARCH_MIPS64N32",
        "SCMP_ARCH_MIPSEL",  "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
        "SCMP_ARCH_PPC64",   "SCMP_ARCH_PPC64LE",  "SCMP_ARCH_S390",        "SCMP_ARCH_S390X",
        "SCMP_ARCH_PARISC",  "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64",     "SCMP_ARCH_LOONGARCH64",
        "SCMP_ARCH_M68K",    "SCMP_ARCH_SH",       "SCMP_ARCH_SHEB",        NULL };

#ifndef SECCOMP_FILTER_FLAG_NEW_LISTENER
#define SECCOMP_FILTER_FLAG_NEW_LISTENER (1UL << 3)
#endif
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif
static const struct
{
  const char *name;
  unsigned long probe; /* flags the kernel is asked about */
} seccomp_flags[] = {
  { "SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC },
  { "SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG },
  { "SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW },
  /* only valid together with NEW_LISTENER, which SCMP_ACT_NOTIFY implies */
  { "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
    SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV | SECCOMP_FILTER_FLAG_NEW_LISTENER },
};

/* Architectures libseccomp of this build can add to a filter. */
static json_object *
seccomp_archs_json (void)
{
  json_object *a = json_object_new_array ();
  for (size_t i = 0; seccomp_archs[i]; i++)
    {
      cleanup_free char *lower = xstrdup (seccomp_archs[i] + strlen ("SCMP_ARCH_"));
      for (char *p = lower; *p; p++)
        *p = (char)tolower ((unsigned char)*p);
      if (seccomp_arch_resolve_name (lower) != 0)
        json_object_array_add (a, json_object_new_string (seccomp_archs[i]));
    }
  return a;
}

/* A NULL filter makes seccomp(2) fail with EFAULT for a flag it knows and
 * EINVAL for one it does not (how runc and libseccomp probe). */
static json_object *
seccomp_supported_flags_json (void)
{
  json_object *a = json_object_new_array ();
  for (size_t i = 0; i < ARRAY_SIZE (seccomp_flags); i++)
    if (syscall (SYS_seccomp, SECCOMP_SET_MODE_FILTER, seccomp_flags[i].probe, NULL) < 0 && errno == EFAULT)
      json_object_array_add (a, json_object_new_string (seccomp_flags[i].name));
  return a;
}

static json_object *
seccomp_json (void)
{
  json_object *o = json_object_new_object ();
  json_object *known = json_object_new_array ();
  for (size_t i = 0; i < ARRAY_SIZE (seccomp_flags); i++)
    json_object_array_add (known, json_object_new_string (seccomp_flags[i].name));
  json_object_object_add (o, "enabled", json_object_new_boolean (true));
  json_object_object_add (o, "actions", strv_json (seccomp_actions, 0));
  json_object_object_add (o, "operators", strv_json (seccomp_operators, 0));
  json_object_object_add (o, "archs", seccomp_archs_json ());
  json_object_object_add (o, "knownFlags", known);
  json_object_object_add (o, "supportedFlags", seccomp_supported_flags_json ());
  return o;
}
#endif

static json_object *
linux_json (void)
{
  json_object *l = json_object_new_object ();
  json_object *ext = json_object_new_object ();
  json_object_object_add (l, "namespaces", strv_json ((const char *const *)runcgo_ns_spec_names, RUNCGO_NS_KINDS));
  json_object_object_add (l, "capabilities", capabilities_json ());
  json_object_object_add (l, "cgroup", cgroup_json ());
#ifdef HAVE_SECCOMP
  json_object_object_add (l, "seccomp", seccomp_json ());
#else
  add_enabled (l, "seccomp", false);
#endif
  /* lsm.c writes the exec labels (a host without the LSM gets a clear
   * error).  features-linux.md: "Irrelevant to the availability of AppArmor
   * [SELinux] on the host operating system", so not runcgo_*_enabled () */
  add_enabled (l, "apparmor", true);
  add_enabled (l, "selinux", true);
  /* linux/intelrdt.c: closID, schemata (and the two legacy schemas), enableMonitoring */
  add_enabled (l, "intelRdt", true);
  json_object *rdt = json_object_object_get (l, "intelRdt");
  json_object_object_add (rdt, "schemata", json_object_new_boolean (true));
  json_object_object_add (rdt, "monitoring", json_object_new_boolean (true));
  /* fs/idmap_mounts.c: idmapped binds made by the runtime (mount_setattr
   * MOUNT_ATTR_IDMAP), with the mount's own mappings or the container's */
  add_enabled (ext, "idmap", true);
  json_object_object_add (l, "mountExtensions", ext);
  /* linux/netdev.c */
  add_enabled (l, "netDevices", true);
  return l;
}

char *
runcgo_features_json (void)
{
  json_object *f = json_object_new_object ();
  json_object *ann = json_object_new_object ();
  cleanup_strv char **mount_opts = runcgo_mount_opts_known ();
  json_object_object_add (f, "ociVersionMin", json_object_new_string ("1.0.0"));
  json_object_object_add (f, "ociVersionMax", json_object_new_string ("1.3.0"));
  json_object_object_add (f, "hooks", strv_json ((const char *const *)runcgo_hook_kind_names, RUNCGO_HOOK_KINDS));
  json_object_object_add (f, "mountOptions", strv_json ((const char *const *)mount_opts, 0));
  json_object_object_add (f, "linux", linux_json ());
  json_object_object_add (ann, "run.oci.runcgo.version", json_object_new_string (PACKAGE_VERSION));
  /* as runc's and crun's *.checkpoint.enabled: checkpoint/restore are built
   * in (criu itself is looked up when they run) */
  json_object_object_add (ann, "run.oci.runcgo.checkpoint.enabled", json_object_new_string ("true"));
#ifdef HAVE_SECCOMP
  const struct scmp_version *v = seccomp_version ();
  cleanup_free char *sv = xasprintf ("%u.%u.%u", v->major, v->minor, v->micro);
  json_object_object_add (ann, "run.oci.runcgo.libseccomp.version", json_object_new_string (sv));
#endif
  /* only when --net slirp can work: the helper is there to run */
  cleanup_free char *slirp = runcgo_slirp_helper_path ();
  if (access (slirp, X_OK) == 0)
    json_object_object_add (ann, "run.oci.runcgo.slirp.helper", json_object_new_string (slirp));
  /* crun's run.oci.seccomp.plugins work when their host is there to run */
  cleanup_free char *plugins = runcgo_seccomp_plugins_helper_path ();
  if (access (plugins, X_OK) == 0)
    json_object_object_add (ann, "run.oci.runcgo.seccomp.plugins.helper", json_object_new_string (plugins));
  /* the wasm handler (linux/wasm.c), as crun's run.oci.crun.wasm: only when
   * its engine is there to run */
  cleanup_free char *wasm = runcgo_wasm_helper_path ();
  if (access (wasm, X_OK) == 0)
    {
      json_object_object_add (ann, "run.oci.runcgo.wasm", json_object_new_string ("true"));
      json_object_object_add (ann, "run.oci.runcgo.wasm.helper", json_object_new_string (wasm));
    }
  json_object_object_add (f, "annotations", ann);
  /* config.json annotations runcgo interprets: its own run.oci.runcgo.* and crun's run.oci.*
   * (hooks.stdout, seccomp_bpf_data, delegate-cgroup, handler, ...): one prefix, as crun reports;
   * and the wasm variant annotation, which changes what the container runs */
  static const char *const unsafe[] = { "run.oci.", RUNCGO_ANNOTATION_WASM_VARIANT, NULL };
  json_object_object_add (f, "potentiallyUnsafeConfigAnnotations", strv_json (unsafe, 0));
  char *text = xasprintf ("%s\n", json_object_to_json_string_ext (f, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED
                                                                         | JSON_C_TO_STRING_NOSLASHESCAPE));
  json_object_put (f);
  return text;
}
