/* check.h -- `runcgo check`: what rootless runcgo needs from this host, for
 * the calling user, item by item: whether it is there and how to fix it.
 *
 * The report is data (one item per requirement); the CLI renders it as
 * aligned text or JSON.  Probes that need namespaces run in forked
 * children, so the caller's own process is never changed. */
#ifndef RUNCGO_CHECK_H
#define RUNCGO_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/error.h"
#include "userns/idmap.h"

enum runcgo_check_status
{
  RUNCGO_CHECK_OK,
  RUNCGO_CHECK_WARN, /* works, but something is missing or degraded */
  RUNCGO_CHECK_FAIL, /* rootless containers cannot run */
};

struct runcgo_check_item
{
  char *item; /* stable short name: "userns", "newuidmap", "/etc/subuid", ... */
  enum runcgo_check_status status;
  char *detail; /* what was found */
  char *fix;    /* what to do, NULL when nothing */
};

struct runcgo_check_report
{
  struct runcgo_check_item *items;
  size_t n;
  bool as_root; /* the caller is uid 0: the report is root's view */
  bool can_run; /* user namespaces are usable: rootless containers run */
};

/* Inspect the host for the calling user (getuid/getgid, $XDG_RUNTIME_DIR,
 * $DBUS_SESSION_BUS_ADDRESS, $PATH, $TMPDIR).  What is missing becomes an
 * item, never an error: today it always returns 0. */
int runcgo_check_host (struct runcgo_check_report *out, runcgo_error_t *err);
void runcgo_check_report_free (struct runcgo_check_report *r);

/* "ok", "warn", "FAIL" (text); json uses the lower-case forms. */
const char *runcgo_check_status_name (enum runcgo_check_status s);
/* Aligned lines "STATUS  ITEM  DETAIL (fix: FIX)" and a summary line; or a
 * JSON array of {item, status, detail, fix}.  Caller frees. */
char *runcgo_check_format_text (const struct runcgo_check_report *r);
char *runcgo_check_format_json (const struct runcgo_check_report *r);

/* ---- pure helpers over the subordinate ID ranges that idmap.c parses
 * (runcgo_subid_parse: check reports exactly what create will use) */
/* Sum of the counts (64-bit: ranges may overlap or be many). */
uint64_t runcgo_subid_total (const struct runcgo_subid_range *r, size_t n);
/* "100000-165535 (65536 IDs), ..." for messages; caller frees. */
char *runcgo_subid_describe (const struct runcgo_subid_range *r, size_t n);

#endif
