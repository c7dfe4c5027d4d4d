/* intelrdt.c -- linux.intelRdt: resctrl groups for cache and memory
 * bandwidth allocation and monitoring.
 *
 * Owns the spec's rules (config-linux.md "IntelRdt"): which directory, when
 * it is created and removed, the schemata order (l3CacheSchema, memBwSchema,
 * then schemata[]), comparing a pre-existing closID group instead of writing
 * it, and the per-container MON group.  The kernel reports why it refused a
 * schemata line only in info/last_cmd_status: that text goes into the error. */
#include "config.h"

#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include "core/util.h"
#include "linux/intelrdt.h"

#ifndef RDTGROUP_SUPER_MAGIC
#define RDTGROUP_SUPER_MAGIC 0x7655821
#endif

/* ---------------------------------------------------------------- plan */

void
runcgo_intelrdt_plan_free (struct runcgo_rdt_plan *p)
{
  free (p->group);
  free (p->schemata);
  free (p->mon_group);
  memset (p, 0, sizeof (*p));
}

static void
append_line (char **text, const char *line)
{
  char *old = *text;
  *text = xasprintf ("%s%s\n", old ? old : "", line);
  free (old);
}

int
runcgo_intelrdt_plan (const struct runcgo_intel_rdt *r, const char *id, struct runcgo_rdt_plan *p, runcgo_error_t *err)
{
  memset (p, 0, sizeof (*p));
  const char *c = r->clos_id;
  if (c && (*c == '\0' || (strcmp (c, "/") != 0 && (strchr (c, '/') || strcmp (c, ".") == 0 || strcmp (c, "..") == 0))))
    return runcgo_fail (err, 0, "linux.intelRdt.closID: \"%s\" is not a valid resctrl group name", c);
  /* the spec: l3CacheSchema first, memBwSchema last of the two, schemata[] after both */
  if (r->l3_cache_schema && *r->l3_cache_schema)
    append_line (&p->schemata, r->l3_cache_schema);
  if (r->mem_bw_schema && *r->mem_bw_schema)
    append_line (&p->schemata, r->mem_bw_schema);
  for (size_t i = 0; r->schemata && r->schemata[i]; i++)
    if (*r->schemata[i])
      append_line (&p->schemata, r->schemata[i]);
  p->create_group = c == NULL;
  p->group = xstrdup (c == NULL ? id : strcmp (c, "/") == 0 ? "" : c);
  p->must_exist = c != NULL && p->schemata == NULL;
  if (r->enable_monitoring)
    p->mon_group = xasprintf ("mon_groups/%s", id);
  return 0;
}

/* ---------------------------------------------------------------- schemata comparison */

static char *
trim (char *s)
{
  while (isspace ((unsigned char)*s))
    s++;
  size_t n = strlen (s);
  while (n && isspace ((unsigned char)s[n - 1]))
    s[--n] = '\0';
  return s;
}

/* In LINE ("L3:0=7ff;1=7ff", spaces allowed), the value of DOMAIN; false
 * when the domain is not there. */
static bool
domain_value (const char *line, const char *domain, char *out, size_t size)
{
  const char *colon = strchr (line, ':');
  cleanup_free char *copy = xstrdup (colon ? colon + 1 : "");
  char *save = NULL;
  for (char *tok = strtok_r (copy, ";", &save); tok; tok = strtok_r (NULL, ";", &save))
    {
      char *eq = strchr (tok, '=');
      if (eq == NULL)
        continue;
      *eq = '\0';
      if (strcmp (trim (tok), domain) == 0)
        {
          snprintf (out, size, "%s", trim (eq + 1));
          return true;
        }
    }
  return false;
}

static bool
values_equal (const char *resource, const char *a, const char *b)
{
  /* cache allocations are bitmasks in hex ("7ff" == "07FF"); MB is a
   * percentage or MBps in decimal */
  int base = (resource[0] == 'L' && isdigit ((unsigned char)resource[1])) ? 16 : 10;
  char *ea, *eb;
  unsigned long long va = strtoull (a, &ea, base), vb = strtoull (b, &eb, base);
  if (*a && *b && *ea == '\0' && *eb == '\0')
    return va == vb;
  return strcasecmp (a, b) == 0;
}

/* The line of HAVE for RESOURCE (a copy, caller frees), NULL if absent. */
static char *
line_for (const char *have, const char *resource)
{
  cleanup_free char *copy = xstrdup (have);
  char *save = NULL;
  for (char *line = strtok_r (copy, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      char *t = trim (line), *colon = strchr (t, ':');
      if (colon && (size_t)(colon - t) == strlen (resource) && strncmp (t, resource, strlen (resource)) == 0)
        return xstrdup (t);
    }
  return NULL;
}

static bool
line_matches (char *want_line, const char *have)
{
  char *t = trim (want_line), *colon = strchr (t, ':');
  if (*t == '\0')
    return true;
  if (colon == NULL)
    return false;
  cleanup_free char *resource = xstrndup (t, (size_t)(colon - t));
  cleanup_free char *have_line = line_for (have, trim (resource));
  if (have_line == NULL)
    return false;
  cleanup_free char *domains = xstrdup (colon + 1);
  char *save = NULL;
  for (char *tok = strtok_r (domains, ";", &save); tok; tok = strtok_r (NULL, ";", &save))
    {
      char *eq = strchr (tok, '='), got[128];
      if (eq == NULL)
        return false;
      *eq = '\0';
      if (!domain_value (have_line, trim (tok), got, sizeof (got)) || !values_equal (resource, trim (eq + 1), got))
        return false;
    }
  return true;
}

bool
runcgo_intelrdt_schemata_match (const char *want, const char *have)
{
  cleanup_free char *copy = xstrdup (want);
  char *save = NULL;
  for (char *line = strtok_r (copy, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    if (!line_matches (line, have))
      return false;
  return true;
}

/* ---------------------------------------------------------------- apply */

int
runcgo_intelrdt_check (const struct runcgo_intel_rdt *r, const char *root, runcgo_error_t *err)
{
  struct statfs sfs;
  if (r == NULL)
    return 0;
  if (statfs (root, &sfs) < 0 || sfs.f_type != RDTGROUP_SUPER_MAGIC)
    return runcgo_fail (err, 0,
                        "linux.intelRdt: resctrl is not mounted at %s (the CPU or kernel lacks Intel RDT/AMD QoS, "
                        "or mount it: mount -t resctrl resctrl %s)",
                        root, root);
  return 0;
}

/* The kernel's own explanation of the last refused write, if any. */
static char *
last_cmd_status (const char *root)
{
  cleanup_free char *path = xasprintf ("%s/info/last_cmd_status", root);
  char *text = NULL;
  if (runcgo_read_file_at (AT_FDCWD, path, 4096, &text, NULL, NULL) < 0)
    return NULL;
  char *t = trim (text);
  if (*t == '\0' || strcmp (t, "ok") == 0)
    {
      free (text);
      return NULL;
    }
  memmove (text, t, strlen (t) + 1);
  return text;
}

static int
write_value (const char *root, const char *dir, const char *file, const char *text, const char *field,
             runcgo_error_t *err)
{
  cleanup_free char *path = xasprintf ("%s/%s", dir, file);
  cleanup_close int fd = open (path, O_WRONLY | O_CLOEXEC);
  if (fd < 0 || runcgo_write_all (fd, text, strlen (text)) < 0)
    {
      int e = errno;
      cleanup_free char *why = last_cmd_status (root);
      return runcgo_fail_hint (err, e, why, "%s: write `%s`", field, path);
    }
  return 0;
}

struct rdt_apply
{
  const char *root;
  char *group_dir; /* absolute */
  char *mon_dir;   /* absolute, or NULL */
  bool made_group, made_mon;
};

static int
prepare_group (struct rdt_apply *a, const struct runcgo_rdt_plan *p, runcgo_error_t *err)
{
  struct stat st;
  bool exists = stat (a->group_dir, &st) == 0 && S_ISDIR (st.st_mode);
  if (p->create_group || !exists)
    {
      if (p->must_exist)
        return runcgo_fail_hint (err, ENOENT, "create the group first, or set a schema in linux.intelRdt",
                                 "linux.intelRdt.closID: no pre-configured resctrl group `%s`", a->group_dir);
      if (mkdir (a->group_dir, 0755) < 0)
        return runcgo_fail_hint (err, errno,
                                 errno == ENOSPC   ? "every CLOS of this CPU is in use: share one through closID"
                                 : errno == EEXIST ? "a group of that name exists: remove it, or set closID to share it"
                                                   : NULL,
                                 "linux.intelRdt: create resctrl group `%s`", a->group_dir);
      a->made_group = true;
      return p->schemata ? write_value (a->root, a->group_dir, "schemata", p->schemata, "linux.intelRdt", err) : 0;
    }
  if (p->schemata == NULL)
    return 0;
  /* an existing closID group is shared, never rewritten: it must already
   * say what this container asks for */
  cleanup_free char *path = xasprintf ("%s/schemata", a->group_dir);
  cleanup_free char *have = NULL;
  if (runcgo_read_file_at (AT_FDCWD, path, 0, &have, NULL, err) < 0)
    return runcgo_error_wrap (err, "linux.intelRdt.closID");
  if (!runcgo_intelrdt_schemata_match (p->schemata, have))
    return runcgo_fail_hint (err, 0, "use another closID, or make the config match the group",
                             "linux.intelRdt: the existing group `%s` has other schemata than the config asks for",
                             a->group_dir);
  return 0;
}

static int
join_groups (struct rdt_apply *a, const struct runcgo_rdt_plan *p, pid_t pid, runcgo_error_t *err)
{
  char buf[32];
  snprintf (buf, sizeof (buf), "%d", (int)pid);
  if (write_value (a->root, a->group_dir, "tasks", buf, "linux.intelRdt", err) < 0)
    return -1;
  if (p->mon_group == NULL)
    return 0;
  a->mon_dir = xasprintf ("%s/%s", a->group_dir, p->mon_group);
  if (mkdir (a->mon_dir, 0755) < 0)
    return runcgo_fail_hint (err, errno, errno == ENOSPC ? "every RMID of this CPU is in use" : NULL,
                             "linux.intelRdt.enableMonitoring: create MON group `%s`", a->mon_dir);
  a->made_mon = true;
  return write_value (a->root, a->mon_dir, "tasks", buf, "linux.intelRdt.enableMonitoring", err);
}

int
runcgo_intelrdt_apply (const struct runcgo_intel_rdt *r, const char *id, const char *root, pid_t pid, char ***remove,
                       runcgo_error_t *err)
{
  *remove = xzalloc (3 * sizeof (char *));
  if (r == NULL)
    return 0;
  struct runcgo_rdt_plan p;
  if (runcgo_intelrdt_plan (r, id, &p, err) < 0)
    return -1;
  struct rdt_apply a = { .root = root };
  a.group_dir = *p.group ? xasprintf ("%s/%s", root, p.group) : xstrdup (root);
  int ret = prepare_group (&a, &p, err);
  if (ret == 0)
    ret = join_groups (&a, &p, pid, err);
  size_t n = 0;
  /* the MON group is always ours; the CTRL_MON group only when we made it */
  if (a.made_mon)
    (*remove)[n++] = steal_ptr (&a.mon_dir);
  if (a.made_group)
    (*remove)[n++] = steal_ptr (&a.group_dir);
  if (ret < 0)
    {
      runcgo_error_t ignored = NULL;
      runcgo_intelrdt_remove (*remove, &ignored);
      runcgo_error_release (&ignored);
      runcgo_strv_free (*remove);
      *remove = xzalloc (sizeof (char *));
    }
  free (a.group_dir);
  free (a.mon_dir);
  runcgo_intelrdt_plan_free (&p);
  return ret;
}

int
runcgo_intelrdt_update (const struct runcgo_intel_rdt *r, const char *id, const char *root, const char *l3,
                        const char *mem_bw, runcgo_error_t *err)
{
  if (r == NULL)
    return runcgo_fail_hint (err, 0, "only a container created with linux.intelRdt has a resctrl group",
                             "update: container \"%s\" has no linux.intelRdt", id);
  /* the lines the flags stand for, as validate.c checks the config's */
  if (l3 && strncmp (l3, "L3", 2) != 0)
    return runcgo_fail (err, 0, "update: --l3-cache-schema \"%s\" must start with L3", l3);
  if (mem_bw && strncmp (mem_bw, "MB:", 3) != 0)
    return runcgo_fail (err, 0, "update: --mem-bw-schema \"%s\" must start with MB:", mem_bw);
  struct runcgo_intel_rdt next = *r;
  if (l3)
    next.l3_cache_schema = (char *)l3;
  if (mem_bw)
    next.mem_bw_schema = (char *)mem_bw;
  struct runcgo_rdt_plan p;
  if (runcgo_intelrdt_plan (&next, id, &p, err) < 0)
    return runcgo_error_wrap (err, "update");
  int ret;
  if (!p.create_group)
    ret = runcgo_fail_hint (err, 0, "change the shared group itself, or give the container its own group",
                            "update: the resctrl group `%s` is shared (linux.intelRdt.closID): not rewritten",
                            p.group);
  else
    {
      cleanup_free char *dir = xasprintf ("%s/%s", root, p.group);
      ret = write_value (root, dir, "schemata", p.schemata, "update: linux.intelRdt", err);
    }
  runcgo_intelrdt_plan_free (&p);
  return ret;
}

int
runcgo_intelrdt_remove (char *const *dirs, runcgo_error_t *err)
{
  int ret = 0;
  /* rmdir of a resctrl group moves its remaining tasks to the parent group */
  for (size_t i = 0; dirs && dirs[i]; i++)
    if (rmdir (dirs[i]) < 0 && errno != ENOENT && ret == 0)
      ret = runcgo_fail (err, errno, "linux.intelRdt: remove resctrl group `%s`", dirs[i]);
  return ret;
}
