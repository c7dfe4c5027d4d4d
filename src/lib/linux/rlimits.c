/* rlimits.c -- process.rlimits, applied in the init just before exec.
 *
 * The resource numbers were resolved by load.c and checked by validate.c;
 * this file only performs the setrlimit calls and explains failures. */
#include "config.h"

#include <stdio.h>
#include <sys/resource.h>

#include "core/util.h"
#include "linux/linux.h"

static const char *
format_limit (uint64_t v, char *buf, size_t len)
{
  if (v == (uint64_t)RLIM_INFINITY)
    return "unlimited";
  snprintf (buf, len, "%llu", (unsigned long long)v);
  return buf;
}

static int
rlimit_apply_one (const struct runcgo_rlimit *r, size_t i, runcgo_error_t *err)
{
  char soft[32], hard[32];
  const char *type = r->type ? r->type : "?";
  if (r->resource < 0)
    return runcgo_fail (err, EINVAL, "process.rlimits[%zu]: unknown rlimit type \"%s\"", i, type);
  /* RLIM_INFINITY is all ones, which is also how the spec writes "unlimited" */
  struct rlimit rl = { .rlim_cur = (rlim_t)r->soft, .rlim_max = (rlim_t)r->hard };
  if (setrlimit (r->resource, &rl) == 0)
    return 0;
  int e = errno;
  const char *hint = NULL;
  if (e == EINVAL && r->soft > r->hard)
    hint = "the soft limit must not exceed the hard limit";
  else if (e == EPERM && r->resource == RLIMIT_NOFILE)
    hint = "the hard limit cannot be raised above the caller's without CAP_SYS_RESOURCE, and never above "
           "/proc/sys/fs/nr_open";
  else if (e == EPERM)
    hint = "the hard limit cannot be raised above the caller's without CAP_SYS_RESOURCE";
  return runcgo_fail_hint (err, e, hint, "setrlimit %s soft=%s hard=%s", type,
                           format_limit (r->soft, soft, sizeof (soft)), format_limit (r->hard, hard, sizeof (hard)));
}

int
runcgo_rlimits_apply (const struct runcgo_process *p, runcgo_error_t *err)
{
  if (p == NULL)
    return 0;
  for (size_t i = 0; i < p->n_rlimits; i++)
    if (rlimit_apply_one (&p->rlimits[i], i, err) < 0)
      return -1;
  return 0;
}
