/* test_check.c -- the pure parts of `runcgo check`: /etc/subuid parsing by
 * name and by uid as check and create see it (idmap.c's parser), malformed
 * lines, range arithmetic, and the rendering of a report as aligned text
 * and as JSON. */
#include "config.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "tap.h"
#include "userns/check.h"

static void
test_parse_by_name_keeps_only_the_users_ranges_in_order (void)
{
  const char *text = "alice:100000:65536\n"
                     "bob:165536:65536\n"
                     "alice:300000:1000\n";
  struct runcgo_subid_range *r;
  size_t n;
  runcgo_subid_parse (text, "alice", 1000, &r, &n);
  ok (n == 2, "two ranges for alice (got %zu)", n);
  ok (n == 2 && r[0].start == 100000 && r[0].count == 65536, "first range 100000+65536");
  ok (n == 2 && r[1].start == 300000 && r[1].count == 1000, "second range 300000+1000, file order");
  free (r);
}

static void
test_parse_by_uid_matches_a_numeric_owner (void)
{
  const char *text = "1001:200000:65536\n1002:300000:10\n";
  struct runcgo_subid_range *r;
  size_t n;
  runcgo_subid_parse (text, "rtest", 1001, &r, &n);
  ok (n == 1 && r[0].start == 200000, "uid 1001 matches the line owned by \"1001\"");
  free (r);
  runcgo_subid_parse (text, NULL, 1002, &r, &n);
  ok (n == 1 && r[0].start == 300000 && r[0].count == 10, "no passwd name: matched by uid alone");
  free (r);
}

static void
test_parse_name_and_uid_lines_both_count (void)
{
  const char *text = "rtest:100000:65536\n1001:500000:65536\n";
  struct runcgo_subid_range *r;
  size_t n;
  runcgo_subid_parse (text, "rtest", 1001, &r, &n);
  ok (n == 2, "a name line and a uid line of the same user both match (got %zu)", n);
  ok (runcgo_subid_total (r, n) == 131072, "total of both is 131072");
  free (r);
}

static void
test_parse_never_matches_a_prefix_or_another_uid (void)
{
  const char *text = "rtest2:100000:65536\nrtes:200000:65536\n10010:300000:1\n01001x:400000:1\n";
  struct runcgo_subid_range *r;
  size_t n;
  runcgo_subid_parse (text, "rtest", 1001, &r, &n);
  ok (n == 0 && r == NULL, "rtest2, rtes, 10010 and 01001x are not rtest/1001 (got %zu)", n);
  free (r);
}

static void
test_parse_skips_comments_blank_and_malformed_lines (void)
{
  const char *text = "# u:1:1\n"
                     "\n"
                     "u:1:2:3\n"        /* four fields */
                     "u:1:2:\n"         /* trailing colon */
                     "u:10\n"           /* two fields */
                     "u::10\n"          /* empty field */
                     "u:x:10\n"         /* not a number */
                     "u:10:0\n"         /* empty range */
                     "u:-1:10\n"        /* negative */
                     "u:4294967295:2\n" /* beyond 2^32 */
                     "u:4294967296:1\n" /* start beyond 32 bits */
                     "u:500:100\n"
                     "u:4294967295:1"; /* last ID, no final newline */
  struct runcgo_subid_range *r;
  size_t n;
  runcgo_subid_parse (text, "u", 5, &r, &n);
  ok (n == 2, "two valid ranges among comments and malformed lines (got %zu)", n);
  ok (n >= 1 && r[0].start == 500 && r[0].count == 100, "500+100 parsed");
  ok (n == 2 && r[1].start == 4294967295u && r[1].count == 1, "the very last ID is a valid range");
  free (r);
}

static void
test_parse_empty_text_gives_nothing (void)
{
  struct runcgo_subid_range *r = (void *)1;
  size_t n = 7;
  runcgo_subid_parse ("", "u", 1, &r, &n);
  ok (n == 0 && r == NULL, "empty file: no range");
}

static void
test_total_does_not_overflow_32_bits (void)
{
  struct runcgo_subid_range r[] = { { 0, 4000000000u }, { 100, 4000000000u } };
  ok (runcgo_subid_total (r, 2) == 8000000000ull, "total of two huge ranges is 8e9 (64-bit)");
  ok (runcgo_subid_total (r, 0) == 0, "no range: total 0");
}

static void
test_describe_names_first_and_last_id (void)
{
  struct runcgo_subid_range r[] = { { 100000, 65536 }, { 4294967295u, 1 } };
  char *s = runcgo_subid_describe (r, 2);
  ok (strcmp (s, "100000-165535 (65536 IDs), 4294967295-4294967295 (1 IDs)") == 0, "describe: '%s'", s);
  free (s);
  s = runcgo_subid_describe (r, 0);
  ok (strcmp (s, "") == 0, "describe of nothing is empty");
  free (s);
}

static struct runcgo_check_report
sample_report (void)
{
  static struct runcgo_check_item items[] = {
    { (char *)"userns", RUNCGO_CHECK_OK, (char *)"works", NULL },
    { (char *)"/etc/subuid", RUNCGO_CHECK_WARN, (char *)"no range", (char *)"add one" },
    { (char *)"x", RUNCGO_CHECK_FAIL, (char *)"broken", (char *)"repair" },
  };
  return (struct runcgo_check_report){ .items = items, .n = 3, .can_run = true };
}

static void
test_text_is_aligned_and_names_the_fix (void)
{
  struct runcgo_check_report r = sample_report ();
  char *s = runcgo_check_format_text (&r);
  ok (strstr (s, "ok    userns       works\n") != NULL, "ok line aligned: status 4+2, item 11+2");
  ok (strstr (s, "warn  /etc/subuid  no range (fix: add one)\n") != NULL, "warn line carries its fix");
  ok (strstr (s, "FAIL  x            broken (fix: repair)\n") != NULL, "FAIL in capitals, padded item");
  ok (strstr (s, "\nrootless containers: can run") != NULL, "summary line says it can run");
  free (s);
  r.can_run = false;
  s = runcgo_check_format_text (&r);
  ok (strstr (s, "rootless containers: cannot run") != NULL, "summary line says it cannot run");
  free (s);
}

static void
test_json_is_an_array_of_item_status_detail_fix (void)
{
  struct runcgo_check_report r = sample_report ();
  char *s = runcgo_check_format_json (&r);
  json_object *arr = json_tokener_parse (s);
  ok (arr && json_object_is_type (arr, json_type_array) && json_object_array_length (arr) == 3, "3-element array");
  json_object *o = arr ? json_object_array_get_idx (arr, 1) : NULL, *v;
  ok (o && json_object_object_get_ex (o, "item", &v) && strcmp (json_object_get_string (v), "/etc/subuid") == 0,
      "item keeps its slash unescaped");
  ok (o && json_object_object_get_ex (o, "status", &v) && strcmp (json_object_get_string (v), "warn") == 0,
      "status warn");
  ok (o && json_object_object_get_ex (o, "fix", &v) && strcmp (json_object_get_string (v), "add one") == 0, "fix");
  o = arr ? json_object_array_get_idx (arr, 0) : NULL;
  ok (o && json_object_object_get_ex (o, "fix", &v) && v == NULL, "no fix: null");
  o = arr ? json_object_array_get_idx (arr, 2) : NULL;
  ok (o && json_object_object_get_ex (o, "status", &v) && strcmp (json_object_get_string (v), "fail") == 0,
      "status fail in lower case");
  json_object_put (arr);
  free (s);
}

int
main (void)
{
  test_parse_by_name_keeps_only_the_users_ranges_in_order ();
  test_parse_by_uid_matches_a_numeric_owner ();
  test_parse_name_and_uid_lines_both_count ();
  test_parse_never_matches_a_prefix_or_another_uid ();
  test_parse_skips_comments_blank_and_malformed_lines ();
  test_parse_empty_text_gives_nothing ();
  test_total_does_not_overflow_32_bits ();
  test_describe_names_first_and_last_id ();
  test_text_is_aligned_and_names_the_fix ();
  test_json_is_an_array_of_item_status_detail_fix ();
  return done_testing ();
}
