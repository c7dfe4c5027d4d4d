/* fuzz_annotations.c -- the config's "annotations" object and the parsers of
 * runcgo's own annotations.  The input is the JSON value of "annotations" in
 * an otherwise valid config; the harness parses + validates it, runs the
 * annotation readers (fs/overlay.c), and checks that every annotation
 * survives the round trip through the OCI state JSON that hooks and `state`
 * print and core/state.c reads back. */
#include "config.h"

#include <string.h>

#include "core/state.h"
#include "core/util.h"
#include "fs/fs.h"
#include "fuzz.h"
#include "spec/spec.h"

static const char head[] = "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},\"annotations\":";

static void
check_round_trip (const struct runcgo_spec *s)
{
  cleanup_free char *json = runcgo_state_oci_json ("fuzz", RUNCGO_STATUS_CREATED, 1, "/b", s->annotations,
                                                   s->n_annotations);
  runcgo_error_t err = NULL;
  struct runcgo_container_state *st = NULL;
  int r = runcgo_state_decode (json, strlen (json), &st, &err);
  fuzz_check_error (r, &err);
  if (r < 0)
    abort ();
  if (st->n_annotations != s->n_annotations)
    abort ();
  for (size_t i = 0; i < s->n_annotations; i++)
    {
      const char *v = runcgo_spec_annotation (s, st->annotations[i].key);
      if (v == NULL || strcmp (v, st->annotations[i].value) != 0)
        abort ();
    }
  runcgo_state_free (st);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (size > (1 << 20))
    return 0;
  size_t len = sizeof (head) - 1 + size + 1;
  cleanup_free char *text = xmalloc (len + 1);
  memcpy (text, head, sizeof (head) - 1);
  memcpy (text + sizeof (head) - 1, data, size);
  text[len - 1] = '}';
  text[len] = '\0';

  runcgo_error_t err = NULL;
  struct runcgo_spec *s = NULL;
  int r = runcgo_spec_parse (text, len, &s, &err);
  fuzz_check_error (r, &err);
  if (r < 0)
    return 0;
  r = runcgo_spec_validate (s, 0, &err);
  fuzz_check_error (r, &err);
  if (r == 0)
    {
      int mode = 0;
      r = runcgo_fs_overlay_mode (s, &mode, &err);
      fuzz_check_error (r, &err);
      if (mode < -1 || mode > 1)
        abort ();
      check_round_trip (s);
    }
  runcgo_spec_free (s);
  return 0;
}
