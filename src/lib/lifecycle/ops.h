/* ops.h -- the operations on a living container's cgroup behind pause,
 * resume, update, ps and events, and the `features` document.  Each
 * operation is a short list of named steps (ops.c, features.c); the pure
 * helpers the commands use for runc's formats are here too. */
#ifndef RUNCGO_OPS_H
#define RUNCGO_OPS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "core/context.h"
#include "core/error.h"
#include "spec/spec.h"

struct runcgo_cgroup_stats;

/* Freeze / thaw every process (v1 freezer or cgroup.freeze); `state` then
 * says "paused".  pause: the container must be created or running; resume:
 * it must be paused. */
int runcgo_container_pause (struct runcgo_context *ctx, const char *id, runcgo_error_t *err);
int runcgo_container_resume (struct runcgo_context *ctx, const char *id, runcgo_error_t *err);

/* Write new resources into the container's cgroup.  Only what r sets is
 * changed (0 for a memory or cpu value = unchanged, as runc).  Nothing is
 * recorded in state.json: the cgroup files are the truth, and the next
 * update starts from them. */
int runcgo_container_update (struct runcgo_context *ctx, const char *id, const struct runcgo_resources *r,
                             runcgo_error_t *err);
/* update --l3-cache-schema / --mem-bw-schema: the container's resctrl group
 * (see runcgo_intelrdt_update). */
int runcgo_container_update_rdt (struct runcgo_context *ctx, const char *id, const char *l3, const char *mem_bw,
                                 runcgo_error_t *err);

/* Host PIDs of every process of the container (its cgroup). */
int runcgo_container_ps (struct runcgo_context *ctx, const char *id, pid_t **pids, size_t *n, runcgo_error_t *err);
/* Pure: ps(1) output reduced to its header and the rows whose PID column
 * holds one of pids (runc's `ps` table).  *out is the caller's. */
int runcgo_ps_filter (const char *ps_output, const pid_t *pids, size_t n, char **out, runcgo_error_t *err);

struct runcgo_events_opts
{
  bool stats_only;      /* --stats: one stats event, then return */
  uint64_t interval_ms; /* --interval (> 0) */
};
/* JSON lines on out, runc's events types: {"type":"stats","id":..,"data":..}
 * every interval and {"type":"oom","id":..} per OOM kill, until the
 * container's init exits or its cgroup is removed. */
int runcgo_container_events (struct runcgo_context *ctx, const char *id, const struct runcgo_events_opts *o, FILE *out,
                             runcgo_error_t *err);
/* Pure: stats as the "data" object of a runc stats event (JSON text). */
char *runcgo_stats_json (const struct runcgo_cgroup_stats *s);

/* Pure CLI value parsers.  Memory sizes as runc (docker's RAMInBytes):
 * "1024", "512k", "64m", "1.5g", "2GiB" (1024-based); "-1" = unlimited.
 * Durations as Go's time.ParseDuration ("5s", "250ms", "1m30s"). */
int runcgo_parse_memory_size (const char *s, int64_t *out);
int runcgo_parse_duration_ms (const char *s, uint64_t *out);

/* features.c: the runtime-spec features document (features.md), what this
 * build of runcgo implements; JSON text, indented like runc's. */
char *runcgo_features_json (void);

#endif
