/* container_id.c -- container ID rules (shared with unit tests). */
#include "config.h"

#include <string.h>

#include "context.h"
#include "util.h"

#define RUNCGO_ID_MAX 1024

int
runcgo_container_id_validate (const char *id, runcgo_error_t *err)
{
  static const char hint[] = "use letters, digits and _ . + - (not starting with . or -), at most 1024 characters";
  if (id == NULL || *id == '\0')
    return runcgo_fail_hint (err, 0, hint, "container ID is empty");
  size_t n = strlen (id);
  if (n > RUNCGO_ID_MAX)
    return runcgo_fail_hint (err, 0, hint, "container ID is too long (%zu characters)", n);
  if (id[0] == '.' || id[0] == '-')
    return runcgo_fail_hint (err, 0, hint, "invalid container ID \"%s\": must not start with '%c'", id, id[0]);
  for (const char *p = id; *p; p++)
    {
      char c = *p;
      bool okc = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.'
                 || c == '+' || c == '-';
      if (!okc)
        return runcgo_fail_hint (err, 0, hint, "invalid container ID \"%s\": character '%c' is not allowed", id, c);
    }
  return 0;
}
