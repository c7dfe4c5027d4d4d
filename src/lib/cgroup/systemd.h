/* systemd.h -- the systemd cgroup driver (systemd.c), private to
 * src/lib/cgroup and tests/unit/test_systemd.c.  Built unless configure
 * --disable-systemd; it speaks D-Bus through dbus.c (no libsystemd), and
 * only a runtime that uses the driver ever opens a bus connection.
 *
 * The pure half (cgroupsPath parsing, slice expansion, OCI resources ->
 * unit properties, cpu lists -> bitmasks) is unit-tested; the bus half
 * starts/stops the transient unit and then hands the unit's directories to
 * the cgroupfs code, which does everything else (pids, kill, freeze, the
 * files systemd has no property for). */
#ifndef RUNCGO_CGROUP_SYSTEMD_H
#define RUNCGO_CGROUP_SYSTEMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroup/internal.h"

/* ---------------------------------------------------------------- pure */

/* linux.cgroupsPath "slice:prefix:name" as runc reads it. */
struct runcgo_sd_unit
{
  char *slice; /* parent slice: "system.slice" (default; "user.slice" rootless) */
  char *unit;  /* "prefix-name.scope", "name.scope" (empty prefix), or "name.slice" */
  bool is_slice;
};
/* Empty/NULL cgroups_path = "runcgo-<id>.scope" in the default slice.
 * Errors name linux.cgroupsPath and the part that is wrong. */
int runcgo_sd_parse_path (const char *cgroups_path, const char *id, bool rootless, struct runcgo_sd_unit *out,
                          runcgo_error_t *err);
void runcgo_sd_unit_clear (struct runcgo_sd_unit *u);
/* systemd's slice naming: "a-b.slice" -> "/a.slice/a-b.slice"; "-.slice" -> "/". */
int runcgo_sd_expand_slice (const char *slice, char **out, runcgo_error_t *err);

/* One D-Bus property of StartTransientUnit / SetUnitProperties. */
enum runcgo_sd_type
{
  RUNCGO_SD_STRING,  /* s */
  RUNCGO_SD_BOOL,    /* b */
  RUNCGO_SD_U64,     /* t */
  RUNCGO_SD_BYTES,   /* ay: AllowedCPUs, AllowedMemoryNodes */
  RUNCGO_SD_U32_ONE, /* au with one element: PIDs */
  RUNCGO_SD_STR_ONE, /* as with one element: Wants */
};
struct runcgo_sd_prop
{
  const char *name; /* static */
  enum runcgo_sd_type type;
  uint64_t num;         /* BOOL, U64, U32_ONE */
  char *str;            /* STRING, STR_ONE (owned) */
  unsigned char *bytes; /* BYTES (owned) */
  size_t n_bytes;
};
struct runcgo_sd_props
{
  struct runcgo_sd_prop *p;
  size_t n;
};
#define RUNCGO_SD_INFINITY UINT64_MAX /* systemd's "infinity" for limits and USEC_INFINITY */

/* Pure: what systemd itself should know of r (so that a daemon-reload
 * keeps the limits), for a manager of the given version on a host in
 * mode.  Everything is written to the cgroup files afterwards as well. */
int runcgo_sd_resource_props (const struct runcgo_resources *r, enum runcgo_cgroup_mode mode, unsigned version,
                              struct runcgo_sd_props *out, runcgo_error_t *err);
/* Pure: the unit properties of a new container unit, resources included. */
int runcgo_sd_unit_props (const struct runcgo_sd_unit *u, const char *description, pid_t pid,
                          const struct runcgo_resources *r, enum runcgo_cgroup_mode mode, unsigned version,
                          struct runcgo_sd_props *out, runcgo_error_t *err);
void runcgo_sd_props_free (struct runcgo_sd_props *p);
const struct runcgo_sd_prop *runcgo_sd_props_find (const struct runcgo_sd_props *p, const char *name);
/* Pure: the properties as D-Bus a(sv), and the whole body of
 * StartTransientUnit(s name, s "replace", a(sv) props, a(sa(sv)) none). */
struct runcgo_dbus_buf;
void runcgo_sd_put_props (struct runcgo_dbus_buf *b, const struct runcgo_sd_props *props);
void runcgo_sd_start_body (const char *unit, const struct runcgo_sd_props *props, struct runcgo_dbus_buf *b);
/* Pure: "0-2,7" -> little-endian bitmask bytes (byte 0 bit 0 = CPU 0), as
 * systemd's AllowedCPUs takes it; field names the OCI field in errors. */
int runcgo_sd_list_to_bits (const char *list, const char *field, unsigned char **out, size_t *n, runcgo_error_t *err);
/* Pure: runc's CPUQuotaPerSecUSec (rounded up to whole percent: systemd
 * keeps a percentage); RUNCGO_SD_INFINITY for no quota. */
uint64_t runcgo_sd_quota_per_sec (int64_t quota, uint64_t period);
/* Pure: the leading number of systemd's Version property ("252.38-1~deb12u1"
 * -> 252); 0 when unknown. */
unsigned runcgo_sd_parse_version (const char *s);
/* Pure: is pid's /proc/PID/cgroup text placing it in cgpath (any hierarchy)? */
bool runcgo_sd_proc_in (const char *proc_cgroup, const char *cgpath);
/* Pure: ... in root or below it (any hierarchy)? */
bool runcgo_sd_proc_below (const char *proc_cgroup, const char *root);
/* Pure: may the cgroupfs driver's config go to a user scope instead (issue
 * 5: a rootless caller, resources asked for, all of them writable in the
 * scope's cgroup2 directory: v2, or only cgroup2 files on a hybrid host;
 * and a cgroupsPath that is empty or "slice:prefix:name")?  The caller
 * then checks that a user manager is reachable. */
bool runcgo_sd_auto_candidate (const struct runcgo_cgroup_config *cfg, enum runcgo_cgroup_mode mode);

/* ---------------------------------------------------------------- driver (manager.c) */

/* Validate, plan and connect (no unit yet: it needs the init's pid). */
int runcgo_cg_systemd_create (const struct runcgo_cgroup_config *cfg, struct runcgo_cgroup *cg, runcgo_error_t *err);
/* The automatic choice: true when the user manager answers and can move
 * this process (then cg is a systemd manager, as after create); false
 * leaves cg as it was, for the cgroupfs driver. */
bool runcgo_cg_systemd_auto (const struct runcgo_cgroup_config *cfg, struct runcgo_cgroup *cg);
/* StartTransientUnit with PIDs=[pid], wait for the job, verify, then take
 * the unit's directories and write the resources. */
int runcgo_cg_systemd_enter (struct runcgo_cgroup *cg, pid_t pid, runcgo_error_t *err);
/* SetUnitProperties (runtime) for what systemd knows; the caller writes the files. */
int runcgo_cg_systemd_update (struct runcgo_cgroup *cg, const struct runcgo_resources *r, runcgo_error_t *err);
/* StopUnit + wait (the caller removes leftover directories after). */
int runcgo_cg_systemd_stop (struct runcgo_cgroup *cg, runcgo_error_t *err);
void runcgo_cg_systemd_free (struct runcgo_cg_systemd *sd);

#endif
