/* validate.c -- every semantic check of a loaded spec, before any side effect.
 *
 * After runcgo_spec_validate() succeeds the rest of the runtime trusts the
 * spec: paths are absolute and do not climb out of the root, enums are known,
 * namespaces are not duplicated, ID maps are consistent.  This file owns the
 * top level, process, mounts, hooks, namespaces and ID maps; the rest of the
 * linux object is validate_linux.c.  Each error names the field and the fix. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/util.h"
#include "security/security.h"
#include "spec/spec.h"
#include "spec/spec_internal.h"

/* The kernel accepts at most this many lines in uid_map/gid_map (since 4.15). */
#define IDMAP_MAX_LINES 340

/* ---------------------------------------------------------------- shared helpers */

bool
runcgo_vpath_escapes (const char *path)
{
  size_t depth = 0;
  const char *s = path;
  while (*s)
    {
      while (*s == '/')
        s++;
      if (*s == '\0')
        break;
      const char *e = strchrnul (s, '/');
      size_t n = (size_t)(e - s);
      if (n == 2 && s[0] == '.' && s[1] == '.')
        {
          if (depth == 0)
            return true;
          depth--;
        }
      else if (!(n == 1 && s[0] == '.'))
        depth++;
      s = e;
    }
  return false;
}

int
runcgo_vcheck_abs_path (const char *field, const char *path, runcgo_error_t *err)
{
  if (path == NULL || *path == '\0')
    return runcgo_fail (err, 0, "%s: must not be empty", field);
  if (path[0] != '/')
    return runcgo_fail_hint (err, 0, "write it as \"/...\"", "%s: \"%s\" is not an absolute path", field, path);
  if (runcgo_vpath_escapes (path))
    return runcgo_fail_hint (err, 0, "remove the \"..\" components", "%s: \"%s\" climbs out of / through \"..\"", field,
                             path);
  return 0;
}

bool
runcgo_vin_list (const char *s, const char *const *list)
{
  for (size_t i = 0; s && list[i]; i++)
    if (strcmp (s, list[i]) == 0)
      return true;
  return false;
}

const char *
runcgo_vlist_text (const char *const *list)
{
  static char buf[1024];
  size_t len = 0;
  buf[0] = '\0';
  for (size_t i = 0; list[i] && len < sizeof (buf); i++)
    {
      int n = snprintf (buf + len, sizeof (buf) - len, "%s%s", i ? ", " : "", list[i]);
      if (n < 0)
        break;
      len += (size_t)n;
    }
  return buf;
}

bool
runcgo_vhas_ns (const struct runcgo_spec *spec, enum runcgo_ns_kind kind, bool *joined)
{
  const struct runcgo_namespace *ns = runcgo_spec_namespace (spec, kind);
  if (joined)
    *joined = ns && ns->path;
  return ns != NULL;
}

static bool
ranges_overlap (uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
  return a < b + blen && b < a + alen;
}

int
runcgo_vcheck_idmaps (const char *field, const struct runcgo_idmap *m, size_t n, runcgo_error_t *err)
{
  if (n > IDMAP_MAX_LINES)
    return runcgo_fail (err, 0, "%s: %zu entries, the kernel accepts at most %d", field, n, IDMAP_MAX_LINES);
  for (size_t i = 0; i < n; i++)
    {
      if (m[i].size == 0)
        return runcgo_fail (err, 0, "%s[%zu].size: must be greater than 0", field, i);
      if ((uint64_t)m[i].container_id + m[i].size > (uint64_t)UINT32_MAX + 1
          || (uint64_t)m[i].host_id + m[i].size > (uint64_t)UINT32_MAX + 1)
        return runcgo_fail (err, 0, "%s[%zu]: the range runs past ID 4294967295", field, i);
      for (size_t j = 0; j < i; j++)
        {
          if (ranges_overlap (m[i].container_id, m[i].size, m[j].container_id, m[j].size))
            return runcgo_fail_hint (err, 0, "every container ID may be mapped once",
                                     "%s[%zu]: containerID range overlaps %s[%zu]", field, i, field, j);
          if (ranges_overlap (m[i].host_id, m[i].size, m[j].host_id, m[j].size))
            return runcgo_fail_hint (err, 0, "every host ID may be mapped once",
                                     "%s[%zu]: hostID range overlaps %s[%zu]", field, i, field, j);
        }
    }
  return 0;
}

/* ---------------------------------------------------------------- ociVersion */

/* One dot-separated identifier of a SemVer pre-release or build part. */
static const char *
semver_ident (const char *s, bool numeric_rules)
{
  const char *start = s;
  bool digits_only = true;
  while (*s && (isalnum ((unsigned char)*s) || *s == '-'))
    {
      digits_only &= isdigit ((unsigned char)*s) != 0;
      s++;
    }
  if (s == start)
    return NULL;
  if (numeric_rules && digits_only && *start == '0' && s - start > 1)
    return NULL; /* numeric identifiers: no leading zeros */
  return s;
}

static const char *
semver_number (const char *s, uint64_t *out)
{
  if (!isdigit ((unsigned char)*s) || (s[0] == '0' && isdigit ((unsigned char)s[1])))
    return NULL;
  uint64_t v = 0;
  for (; isdigit ((unsigned char)*s); s++)
    {
      if (v > UINT32_MAX)
        return NULL;
      v = v * 10 + (uint64_t)(*s - '0');
    }
  *out = v;
  return s;
}

/* SemVer 2.0.0: MAJOR.MINOR.PATCH[-pre.release][+build.meta] */
static bool
semver_parse (const char *v, uint64_t *major)
{
  uint64_t minor, patch;
  const char *s = semver_number (v, major);
  if (s == NULL || *s++ != '.' || (s = semver_number (s, &minor)) == NULL || *s++ != '.'
      || (s = semver_number (s, &patch)) == NULL)
    return false;
  for (int part = 0; part < 2; part++)
    {
      char sep = part == 0 ? '-' : '+';
      if (*s != sep)
        continue;
      do
        if ((s = semver_ident (s + 1, part == 0)) == NULL)
          return false;
      while (*s == '.');
    }
  return *s == '\0';
}

static int
validate_version (const struct runcgo_spec *spec, runcgo_error_t *err)
{
  uint64_t major = 0;
  if (spec->oci_version == NULL)
    return runcgo_fail (err, 0, "ociVersion: required field is missing");
  if (!semver_parse (spec->oci_version, &major))
    return runcgo_fail_hint (err, 0, "use the version of the OCI runtime spec, e.g. \"1.3.0\"",
                             "ociVersion: \"%s\" is not a SemVer 2.0.0 version", spec->oci_version);
  /* 0.x predates 1.0 but the format is compatible (the spec's own example
   * says 0.5.0-dev); a new major version may change meanings under us. */
  if (major > 1)
    return runcgo_fail_hint (err, 0, "runcgo implements the OCI runtime spec 1.x (up to 1.3.0)",
                             "ociVersion: \"%s\" is not supported", spec->oci_version);
  return 0;
}

/* ---------------------------------------------------------------- process */

static int
validate_env (const char *field, char *const *env, runcgo_error_t *err)
{
  for (size_t i = 0; env && env[i]; i++)
    {
      const char *eq = strchr (env[i], '=');
      if (eq == NULL)
        return runcgo_fail_hint (err, 0, "write it as NAME=VALUE", "%s[%zu]: \"%s\" has no '='", field, i, env[i]);
      if (eq == env[i])
        return runcgo_fail (err, 0, "%s[%zu]: \"%s\" has an empty variable name", field, i, env[i]);
    }
  return 0;
}

static int
validate_rlimits (const char *field, const struct runcgo_process *p, runcgo_error_t *err)
{
  for (size_t i = 0; i < p->n_rlimits; i++)
    {
      const struct runcgo_rlimit *rl = &p->rlimits[i];
      if (rl->resource < 0)
        return runcgo_fail_hint (err, 0, "see getrlimit(2): RLIMIT_NOFILE, RLIMIT_NPROC, RLIMIT_CORE, ...",
                                 "%s.rlimits[%zu].type: unknown resource \"%s\"", field, i, rl->type);
      if (rl->soft > rl->hard)
        return runcgo_fail (err, 0, "%s.rlimits[%zu]: soft limit %" PRIu64 " is above the hard limit %" PRIu64, field,
                            i, rl->soft, rl->hard);
      for (size_t j = 0; j < i; j++)
        if (p->rlimits[j].resource == rl->resource)
          return runcgo_fail (err, 0, "%s.rlimits[%zu].type: %s is already set by %s.rlimits[%zu]", field, i, rl->type,
                              field, j);
    }
  return 0;
}

static int
validate_cap_set (const char *field, const char *set, char *const *names, runcgo_error_t *err)
{
  for (size_t i = 0; names && names[i]; i++)
    if (runcgo_cap_from_name (names[i]) < 0)
      return runcgo_fail_hint (err, 0,
                               "names are CAP_ plus the upper-case name, e.g. CAP_NET_ADMIN; see capabilities(7)",
                               "%s.capabilities.%s[%zu]: unknown capability \"%s\"", field, set, i, names[i]);
  return 0;
}

static int
validate_caps (const char *field, const struct runcgo_caps *c, runcgo_error_t *err)
{
  if (c == NULL)
    return 0;
  if (validate_cap_set (field, "bounding", c->bounding, err) < 0
      || validate_cap_set (field, "effective", c->effective, err) < 0
      || validate_cap_set (field, "inheritable", c->inheritable, err) < 0
      || validate_cap_set (field, "permitted", c->permitted, err) < 0
      || validate_cap_set (field, "ambient", c->ambient, err) < 0)
    return -1;
  return 0;
}

static const char *const sched_policies[]
    = { "SCHED_OTHER", "SCHED_FIFO", "SCHED_RR", "SCHED_BATCH", "SCHED_ISO", "SCHED_IDLE", "SCHED_DEADLINE", NULL };
static const char *const sched_flags[]
    = { "SCHED_FLAG_RESET_ON_FORK", "SCHED_FLAG_RECLAIM",        "SCHED_FLAG_DL_OVERRUN",     "SCHED_FLAG_KEEP_POLICY",
        "SCHED_FLAG_KEEP_PARAMS",   "SCHED_FLAG_UTIL_CLAMP_MIN", "SCHED_FLAG_UTIL_CLAMP_MAX", NULL };
static const char *const ioprio_classes[] = { "IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE", "IOPRIO_CLASS_IDLE", NULL };

/* The rules of sched_setattr(2), checked here so the error is not a bare
 * EINVAL from inside the container. */
static int
validate_scheduler (const char *field, const struct runcgo_scheduler *s, runcgo_error_t *err)
{
  if (!runcgo_vin_list (s->policy, sched_policies))
    return runcgo_fail_hint (err, 0, runcgo_vlist_text (sched_policies), "%s.scheduler.policy: unknown policy \"%s\"",
                             field, s->policy ? s->policy : "");
  for (size_t i = 0; s->flags && s->flags[i]; i++)
    if (!runcgo_vin_list (s->flags[i], sched_flags))
      return runcgo_fail_hint (err, 0, runcgo_vlist_text (sched_flags), "%s.scheduler.flags[%zu]: unknown flag \"%s\"",
                               field, i, s->flags[i]);
  if (s->nice < -20 || s->nice > 19)
    return runcgo_fail (err, 0, "%s.scheduler.nice: %d is outside -20..19", field, s->nice);
  bool realtime = strcmp (s->policy, "SCHED_FIFO") == 0 || strcmp (s->policy, "SCHED_RR") == 0;
  if (realtime && (s->priority < 1 || s->priority > 99))
    return runcgo_fail (err, 0, "%s.scheduler.priority: %d is outside 1..99 (required by %s)", field, s->priority,
                        s->policy);
  if (!realtime && s->priority != 0)
    return runcgo_fail (err, 0, "%s.scheduler.priority: only SCHED_FIFO and SCHED_RR take a priority", field);
  bool deadline = strcmp (s->policy, "SCHED_DEADLINE") == 0;
  if (!deadline && (s->runtime || s->deadline || s->period))
    return runcgo_fail (err, 0, "%s.scheduler: runtime, deadline and period apply to SCHED_DEADLINE only", field);
  if (deadline && s->deadline && s->runtime > s->deadline)
    return runcgo_fail (err, 0, "%s.scheduler: runtime must not exceed deadline", field);
  if (deadline && s->period && s->deadline > s->period)
    return runcgo_fail (err, 0, "%s.scheduler: deadline must not exceed period", field);
  return 0;
}

static bool
cpu_list_ok (const char *s)
{
  return s == NULL || strspn (s, "0123456789, -") == strlen (s);
}

static int
validate_process_misc (const char *field, const struct runcgo_process *p, runcgo_error_t *err)
{
  if (p->user.umask.set && p->user.umask.v > 0777)
    return runcgo_fail (err, 0, "%s.user.umask: %" PRIu64 " is above 0777 (511)", field, p->user.umask.v);
  /* TIOCSWINSZ carries 16-bit rows and columns */
  if (p->has_console_size && (p->console_height > UINT16_MAX || p->console_width > UINT16_MAX))
    return runcgo_fail (err, 0, "%s.consoleSize: height and width must be at most 65535", field);
  if (p->oom_score_adj.set && (p->oom_score_adj.v < -1000 || p->oom_score_adj.v > 1000))
    return runcgo_fail (err, 0, "%s.oomScoreAdj: %" PRId64 " is outside -1000..1000", field, p->oom_score_adj.v);
  if (p->scheduler && validate_scheduler (field, p->scheduler, err) < 0)
    return -1;
  if (p->io_priority && !runcgo_vin_list (p->io_priority->klass, ioprio_classes))
    return runcgo_fail_hint (err, 0, runcgo_vlist_text (ioprio_classes), "%s.ioPriority.class: unknown class \"%s\"",
                             field, p->io_priority->klass ? p->io_priority->klass : "");
  if (p->io_priority && (p->io_priority->priority < 0 || p->io_priority->priority > 7))
    return runcgo_fail (err, 0, "%s.ioPriority.priority: %d is outside 0..7", field, p->io_priority->priority);
  if (!cpu_list_ok (p->exec_cpu_affinity_initial))
    return runcgo_fail_hint (err, 0, "a CPU list looks like \"0-3,7\"", "%s.execCPUAffinity.initial: invalid CPU list",
                             field);
  if (!cpu_list_ok (p->exec_cpu_affinity_final))
    return runcgo_fail_hint (err, 0, "a CPU list looks like \"0-3,7\"", "%s.execCPUAffinity.final: invalid CPU list",
                             field);
  return 0;
}

int
runcgo_process_validate (const struct runcgo_process *p, const char *field, runcgo_error_t *err)
{
  char sub[256];
  if (field == NULL)
    field = "process";
  if (p->args == NULL || p->args[0] == NULL)
    return runcgo_fail_hint (err, 0, "set it to the command to run, e.g. [\"sh\"]",
                             "%s.args: must contain at least one entry", field);
  if (p->args[0][0] == '\0')
    return runcgo_fail (err, 0, "%s.args[0]: the program to run must not be empty", field);
  if (p->cwd == NULL || p->cwd[0] != '/')
    return runcgo_fail_hint (err, 0, "use an absolute path such as \"/\"", "%s.cwd: \"%s\" is not an absolute path",
                             field, p->cwd ? p->cwd : "");
  snprintf (sub, sizeof (sub), "%s.env", field);
  if (validate_env (sub, p->env, err) < 0 || validate_rlimits (field, p, err) < 0
      || validate_caps (field, p->capabilities, err) < 0 || validate_process_misc (field, p, err) < 0)
    return -1;
  return 0;
}

/* ---------------------------------------------------------------- mounts, hooks */

static int
validate_mount_idmaps (size_t i, const struct runcgo_mount *m, bool userns, runcgo_error_t *err)
{
  char field[64];
  bool idmap_opt = runcgo_strv_contains (m->options, "idmap") || runcgo_strv_contains (m->options, "ridmap");
  if ((m->n_uid_mappings == 0) != (m->n_gid_mappings == 0))
    return runcgo_fail (err, 0, "mounts[%zu]: uidMappings and gidMappings must be given together", i);
  /* config.md: idmap without mappings borrows the container's user namespace
   * mapping, and is an error when there is none. */
  if (idmap_opt && m->n_uid_mappings == 0 && !userns)
    return runcgo_fail_hint (err, 0, "add uidMappings/gidMappings to the mount or a user namespace to the container",
                             "mounts[%zu].options: \"idmap\" needs mappings", i);
  snprintf (field, sizeof (field), "mounts[%zu].uidMappings", i);
  if (runcgo_vcheck_idmaps (field, m->uid_mappings, m->n_uid_mappings, err) < 0)
    return -1;
  snprintf (field, sizeof (field), "mounts[%zu].gidMappings", i);
  return runcgo_vcheck_idmaps (field, m->gid_mappings, m->n_gid_mappings, err);
}

int
runcgo_spec_validate_mount (const struct runcgo_spec *spec, size_t i, runcgo_error_t *err)
{
  const struct runcgo_mount *m = &spec->mounts[i];
  const char *d = m->destination;
  if (d == NULL || *d == '\0')
    return runcgo_fail (err, 0, "mounts[%zu].destination: must not be empty", i);
  /* config.md allows a relative destination on Linux (deprecated), meaning
   * relative to "/"; climbing above the root is never allowed. */
  if (runcgo_vpath_escapes (d))
    return runcgo_fail_hint (err, 0, "mount destinations are paths inside the container; remove the \"..\"",
                             "mounts[%zu].destination: \"%s\" climbs out of the container root through \"..\"", i, d);
  if (m->type && *m->type == '\0')
    return runcgo_fail_hint (err, 0, "omit \"type\" for a bind mount, or name a filesystem (tmpfs, proc, ...)",
                             "mounts[%zu].type: must not be empty", i);
  bool bind = runcgo_strv_contains (m->options, "bind") || runcgo_strv_contains (m->options, "rbind")
              || (m->type && strcmp (m->type, "bind") == 0);
  if (bind && (m->source == NULL || *m->source == '\0'))
    return runcgo_fail (err, 0, "mounts[%zu].source: a bind mount needs a source", i);
  for (size_t j = 0; m->options && m->options[j]; j++)
    if (m->options[j][0] == '\0')
      return runcgo_fail (err, 0, "mounts[%zu].options[%zu]: must not be empty", i, j);
  return validate_mount_idmaps (i, m, runcgo_vhas_ns (spec, RUNCGO_NS_USER, NULL), err);
}

static int
validate_hooks (const struct runcgo_hooks *h, runcgo_error_t *err)
{
  char field[96];
  for (int k = 0; k < RUNCGO_HOOK_KINDS; k++)
    for (size_t i = 0; i < h->n[k]; i++)
      {
        const struct runcgo_hook *hk = &h->list[k][i];
        snprintf (field, sizeof (field), "hooks.%s[%zu].path", runcgo_hook_kind_names[k], i);
        if (runcgo_vcheck_abs_path (field, hk->path, err) < 0)
          return -1;
        if (hk->timeout.set && hk->timeout.v <= 0)
          return runcgo_fail_hint (err, 0, "omit timeout to wait without limit",
                                   "hooks.%s[%zu].timeout: must be greater than zero, got %" PRId64,
                                   runcgo_hook_kind_names[k], i, hk->timeout.v);
        snprintf (field, sizeof (field), "hooks.%s[%zu].env", runcgo_hook_kind_names[k], i);
        if (validate_env (field, hk->env, err) < 0)
          return -1;
      }
  return 0;
}

/* ---------------------------------------------------------------- namespaces, ID maps */

static int
validate_namespaces (const struct runcgo_linux *l, runcgo_error_t *err)
{
  char field[64];
  for (size_t i = 0; i < l->n_namespaces; i++)
    {
      const struct runcgo_namespace *ns = &l->namespaces[i];
      if ((unsigned)ns->kind >= RUNCGO_NS_KINDS)
        return runcgo_fail (err, 0, "linux.namespaces[%zu].type: unknown namespace", i);
      for (size_t j = 0; j < i; j++)
        if (l->namespaces[j].kind == ns->kind)
          return runcgo_fail_hint (
              err, 0, "list each namespace type once",
              "linux.namespaces[%zu].type: duplicate \"%s\" namespace (also linux.namespaces[%zu])", i,
              runcgo_ns_spec_names[ns->kind], j);
      snprintf (field, sizeof (field), "linux.namespaces[%zu].path", i);
      if (ns->path && runcgo_vcheck_abs_path (field, ns->path, err) < 0)
        return -1;
    }
  return 0;
}

static int
validate_user_mappings (const struct runcgo_spec *spec, unsigned flags, runcgo_error_t *err)
{
  const struct runcgo_linux *l = spec->linux_;
  bool joined = false;
  bool userns = runcgo_vhas_ns (spec, RUNCGO_NS_USER, &joined);
  size_t nu = l ? l->n_uid_mappings : 0, ng = l ? l->n_gid_mappings : 0;
  if (!userns && (flags & RUNCGO_VALIDATE_ROOTLESS))
    return runcgo_fail_hint (err, 0, "add {\"type\": \"user\"} to linux.namespaces ('runcgo spec --rootless' does)",
                             "linux.namespaces: a rootless container needs a user namespace");
  if (!userns && (nu || ng))
    return runcgo_fail_hint (err, 0, "add {\"type\": \"user\"} to linux.namespaces, or remove the mappings",
                             "linux.%s: mappings are set but no user namespace is requested",
                             nu ? "uidMappings" : "gidMappings");
  if (!userns || joined)
    return 0; /* a joined namespace already has its maps */
  if ((nu == 0) != (ng == 0))
    return runcgo_fail (err, 0, "linux.%s: uidMappings and gidMappings must be given together",
                        nu ? "gidMappings" : "uidMappings");
  if (nu == 0 && !(flags & RUNCGO_VALIDATE_ROOTLESS))
    return runcgo_fail_hint (err, 0, "add linux.uidMappings and linux.gidMappings, e.g. containerID 0 -> hostID 100000",
                             "linux.uidMappings: a new user namespace needs ID mappings when not rootless");
  if (runcgo_vcheck_idmaps ("linux.uidMappings", l->uid_mappings, nu, err) < 0
      || runcgo_vcheck_idmaps ("linux.gidMappings", l->gid_mappings, ng, err) < 0)
    return -1;
  return 0;
}

/* Mounting anything without a private mount namespace would change the
 * host's mount table. */
static int
validate_needs_mountns (const struct runcgo_spec *spec, runcgo_error_t *err)
{
  const struct runcgo_linux *l = spec->linux_;
  const char *what = NULL;
  if (runcgo_vhas_ns (spec, RUNCGO_NS_MOUNT, NULL))
    return 0;
  if (spec->n_mounts)
    what = "mounts";
  else if (spec->root_readonly)
    what = "root.readonly";
  else if (l && runcgo_strv_len (l->masked_paths))
    what = "linux.maskedPaths";
  else if (l && runcgo_strv_len (l->readonly_paths))
    what = "linux.readonlyPaths";
  else if (l && l->n_devices)
    what = "linux.devices";
  else if (l && l->rootfs_propagation)
    what = "linux.rootfsPropagation";
  if (what == NULL)
    return 0;
  return runcgo_fail_hint (err, 0, "add {\"type\": \"mount\"} to linux.namespaces",
                           "%s: needs a mount namespace, or it would change the host's mounts", what);
}

static int
validate_uts (const struct runcgo_spec *spec, runcgo_error_t *err)
{
  const char *names[2] = { spec->hostname, spec->domainname };
  const char *keys[2] = { "hostname", "domainname" };
  for (int i = 0; i < 2; i++)
    {
      if (names[i] == NULL || names[i][0] == '\0')
        continue;
      if (strlen (names[i]) > 64)
        return runcgo_fail (err, 0, "%s: longer than 64 bytes", keys[i]);
      if (!runcgo_vhas_ns (spec, RUNCGO_NS_UTS, NULL))
        return runcgo_fail_hint (err, 0, "add {\"type\": \"uts\"} to linux.namespaces",
                                 "%s: setting it needs a UTS namespace, or it would rename the host", keys[i]);
    }
  return 0;
}

static int
validate_time (const struct runcgo_spec *spec, runcgo_error_t *err)
{
  const struct runcgo_linux *l = spec->linux_;
  if (l == NULL || (!l->time_monotonic.set && !l->time_boottime.set))
    return 0;
  bool joined = false;
  if (!runcgo_vhas_ns (spec, RUNCGO_NS_TIME, &joined))
    return runcgo_fail_hint (err, 0, "add {\"type\": \"time\"} to linux.namespaces",
                             "linux.timeOffsets: needs a time namespace");
  if (joined)
    return runcgo_fail (err, 0, "linux.timeOffsets: offsets can only be set on a new time namespace, not a joined one");
  if (l->time_monotonic.nanosecs >= 1000000000u || l->time_boottime.nanosecs >= 1000000000u)
    return runcgo_fail (err, 0, "linux.timeOffsets: nanosecs must be below 1000000000");
  return 0;
}

/* ---------------------------------------------------------------- entry point */

static int
validate_top (const struct runcgo_spec *spec, unsigned flags, runcgo_error_t *err)
{
  if (validate_version (spec, err) < 0)
    return -1;
  if (spec->root_path == NULL || spec->root_path[0] == '\0')
    return runcgo_fail_hint (err, 0, "add \"root\": {\"path\": \"rootfs\"}", "root.path: required on Linux");
  /* config.md: process is "REQUIRED when start is called"; `create`
   * accepts a config without one (the container can only be exec'd into) */
  if (spec->process == NULL && (flags & RUNCGO_VALIDATE_NEED_PROCESS))
    return runcgo_fail_hint (err, 0,
                             "add a \"process\" object ('runcgo spec' writes an example), or use `create` and run "
                             "programs in the container with `exec`",
                             "process: required to run a container (a config without one can only be created)");
  if (spec->process && runcgo_process_validate (spec->process, "process", err) < 0)
    return -1;
  for (size_t i = 0; i < spec->n_annotations; i++)
    if (spec->annotations[i].key[0] == '\0')
      return runcgo_fail (err, 0, "annotations: keys must not be empty");
  return 0;
}

int
runcgo_spec_validate (const struct runcgo_spec *spec, unsigned flags, runcgo_error_t *err)
{
  if (spec == NULL)
    return runcgo_fail (err, EINVAL, "validate config: no spec");
  if (validate_top (spec, flags, err) < 0)
    return -1;
  for (size_t i = 0; i < spec->n_mounts; i++)
    if (runcgo_spec_validate_mount (spec, i, err) < 0)
      return -1;
  if (validate_hooks (&spec->hooks, err) < 0)
    return -1;
  if (spec->linux_ && validate_namespaces (spec->linux_, err) < 0)
    return -1;
  if (validate_user_mappings (spec, flags, err) < 0 || validate_needs_mountns (spec, err) < 0
      || validate_uts (spec, err) < 0 || validate_time (spec, err) < 0)
    return -1;
  return runcgo_validate_linux (spec, flags, err);
}
