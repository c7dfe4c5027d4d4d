/* test_intelrdt.c -- linux.intelRdt without resctrl hardware: what would be
 * written where (the plan: group directory, schemata lines and their order,
 * MON group), the comparison with a pre-existing group's schemata, the exact
 * error of a host without resctrl, and apply against a fake resctrl tree
 * (plain directories) for the paths that need no kernel: a shared closID
 * group, its schemata check, and the roll-back of a half-made group. */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/util.h"
#include "linux/intelrdt.h"
#include "tap.h"

static void
test_plan (void)
{
  struct runcgo_rdt_plan p;
  char *schemata[] = { (char *)"L2:0=ff;1=f", (char *)"L3CODE:0=3", NULL };
  struct runcgo_intel_rdt r
      = { .l3_cache_schema = (char *)"L3:0=7f0;1=1f", .mem_bw_schema = (char *)"MB:0=20;1=70", .schemata = schemata };
  ok (runcgo_intelrdt_plan (&r, "ctr1", &p, NULL) == 0, "plan without closID");
  ok (strcmp (p.group, "ctr1") == 0 && p.create_group && !p.must_exist, "the group is the container ID, made by us");
  ok (p.schemata && strcmp (p.schemata, "L3:0=7f0;1=1f\nMB:0=20;1=70\nL2:0=ff;1=f\nL3CODE:0=3\n") == 0,
      "schemata: l3CacheSchema, memBwSchema, then schemata[], one line each");
  ok (p.mon_group == NULL, "no monitoring: no MON group");
  runcgo_intelrdt_plan_free (&p);

  struct runcgo_intel_rdt shared
      = { .clos_id = (char *)"guaranteed_group", .mem_bw_schema = (char *)"MB:0=50", .enable_monitoring = true };
  ok (runcgo_intelrdt_plan (&shared, "ctr1", &p, NULL) == 0, "plan with closID");
  ok (strcmp (p.group, "guaranteed_group") == 0 && !p.create_group && !p.must_exist,
      "closID names the group, which is not ours to remove");
  ok (p.schemata && strcmp (p.schemata, "MB:0=50\n") == 0, "only memBwSchema");
  ok (p.mon_group && strcmp (p.mon_group, "mon_groups/ctr1") == 0, "enableMonitoring: mon_groups/<id>");
  runcgo_intelrdt_plan_free (&p);

  struct runcgo_intel_rdt preset = { .clos_id = (char *)"preset" };
  ok (runcgo_intelrdt_plan (&preset, "ctr1", &p, NULL) == 0 && p.must_exist && p.schemata == NULL,
      "closID without a schema: the group must be pre-configured, nothing is written");
  runcgo_intelrdt_plan_free (&p);

  struct runcgo_intel_rdt root = { .clos_id = (char *)"/", .enable_monitoring = true };
  ok (runcgo_intelrdt_plan (&root, "ctr1", &p, NULL) == 0 && strcmp (p.group, "") == 0 && !p.create_group,
      "closID \"/\": the root (default) group");
  runcgo_intelrdt_plan_free (&p);

  struct runcgo_intel_rdt mon_only = { .enable_monitoring = true };
  ok (runcgo_intelrdt_plan (&mon_only, "ctr1", &p, NULL) == 0 && p.create_group && p.schemata == NULL
          && strcmp (p.mon_group, "mon_groups/ctr1") == 0,
      "monitoring alone: our own group <id> and its MON group");
  runcgo_intelrdt_plan_free (&p);

  runcgo_error_t err = NULL;
  struct runcgo_intel_rdt bad = { .clos_id = (char *)".." };
  ok (runcgo_intelrdt_plan (&bad, "ctr1", &p, &err) < 0 && strstr (err->msg, "linux.intelRdt.closID"),
      "closID \"..\" is refused");
  runcgo_error_release (&err);
}

static void
test_schemata_match (void)
{
  const char *have = "    L3:0=07ff;1=7ff\n    MB:0= 20;1= 70\nL2CODE:0=ff\n";
  ok (runcgo_intelrdt_schemata_match ("L3:0=7ff;1=7FF\nMB:0=20;1=70\n", have), "same values, other spelling");
  ok (runcgo_intelrdt_schemata_match ("MB:1=70\n", have), "a subset of the domains");
  ok (runcgo_intelrdt_schemata_match ("MB:1=70;0=20\nL3:1=7ff\n", have), "other order of lines and domains");
  ok (!runcgo_intelrdt_schemata_match ("L3:0=7f0\n", have), "another bitmask");
  ok (!runcgo_intelrdt_schemata_match ("MB:0=30\n", have), "another bandwidth");
  ok (!runcgo_intelrdt_schemata_match ("L3:2=7ff\n", have), "a domain the group lacks");
  ok (!runcgo_intelrdt_schemata_match ("L2:0=ff\n", have), "a resource the group lacks (L2 is not L2CODE)");
  ok (!runcgo_intelrdt_schemata_match ("garbage\n", have), "a line without resource");
}

static void
test_check (void)
{
  runcgo_error_t err = NULL;
  struct runcgo_intel_rdt r = { .clos_id = (char *)"x" };
  ok (runcgo_intelrdt_check (NULL, RUNCGO_RESCTRL_ROOT, &err) == 0, "no intelRdt: nothing checked");
  struct stat st;
  if (stat (RUNCGO_RESCTRL_ROOT "/info", &st) == 0)
    {
      ok (runcgo_intelrdt_check (&r, RUNCGO_RESCTRL_ROOT, &err) == 0, "this host has resctrl: accepted");
      diag ("resctrl is mounted here: the exact error is checked against /tmp instead");
    }
  else
    {
      int ret = runcgo_intelrdt_check (&r, RUNCGO_RESCTRL_ROOT, &err);
      ok (ret < 0
              && strcmp (err->msg, "linux.intelRdt: resctrl is not mounted at /sys/fs/resctrl (the CPU or kernel "
                                   "lacks Intel RDT/AMD QoS, or mount it: mount -t resctrl resctrl /sys/fs/resctrl)")
                     == 0,
          "no resctrl: the exact error: %s", err ? err->msg : "");
      runcgo_error_release (&err);
    }
  ok (runcgo_intelrdt_check (&r, "/tmp", &err) < 0 && strstr (err->msg, "not mounted at /tmp"),
      "a directory that is not resctrl is refused");
  runcgo_error_release (&err);
}

static char *
slurp (const char *path)
{
  char *text = NULL;
  if (runcgo_read_file_at (AT_FDCWD, path, 0, &text, NULL, NULL) < 0)
    return xstrdup ("<unreadable>");
  return text;
}

static void
touch (const char *dir, const char *name, const char *text)
{
  cleanup_free char *path = xasprintf ("%s/%s", dir, name);
  FILE *f = fopen (path, "we");
  if (f)
    {
      fputs (text, f);
      fclose (f);
    }
}

static void
test_apply_on_a_fake_tree (void)
{
  char root[] = "/tmp/runcgo-test-rdt.XXXXXX";
  ok (mkdtemp (root) != NULL, "fake resctrl root");
  cleanup_free char *pre = xasprintf ("%s/shared", root);
  mkdir (pre, 0755);
  touch (pre, "schemata", "    L3:0=7ff;1=7ff\n    MB:0=100;1=100\n");
  touch (pre, "tasks", "");
  runcgo_error_t err = NULL;
  char **remove = NULL;

  struct runcgo_intel_rdt same = { .clos_id = (char *)"shared", .l3_cache_schema = (char *)"L3:0=7ff" };
  ok (runcgo_intelrdt_apply (&same, "c1", root, 4242, &remove, &err) == 0, "a shared group with our schemata");
  cleanup_free char *tasks_path = xasprintf ("%s/tasks", pre);
  cleanup_free char *tasks = slurp (tasks_path);
  ok (strcmp (tasks, "4242") == 0, "the pid went into its tasks (got \"%s\")", tasks);
  cleanup_free char *sch_path = xasprintf ("%s/schemata", pre);
  cleanup_free char *sch = slurp (sch_path);
  ok (strstr (sch, "MB:0=100") != NULL, "its schemata were not rewritten");
  ok (remove && remove[0] == NULL, "nothing to remove at delete: the group is not ours");
  runcgo_strv_free (remove);

  struct runcgo_intel_rdt other = { .clos_id = (char *)"shared", .l3_cache_schema = (char *)"L3:0=f" };
  ok (runcgo_intelrdt_apply (&other, "c1", root, 4242, &remove, &err) < 0
          && strstr (err->msg, "has other schemata than the config asks for"),
      "a shared group with other schemata is an error");
  runcgo_error_release (&err);
  runcgo_strv_free (remove);

  struct runcgo_intel_rdt missing = { .clos_id = (char *)"nothere" };
  ok (runcgo_intelrdt_apply (&missing, "c1", root, 4242, &remove, &err) < 0
          && strstr (err->msg, "no pre-configured resctrl group"),
      "closID without schema and without a group is an error");
  runcgo_error_release (&err);
  runcgo_strv_free (remove);

  /* a plain directory has no schemata file: the write fails after mkdir */
  struct runcgo_intel_rdt own = { .l3_cache_schema = (char *)"L3:0=f" };
  ok (runcgo_intelrdt_apply (&own, "c2", root, 4242, &remove, &err) < 0 && strstr (err->msg, "/c2/schemata"),
      "a failed schemata write is an error naming the file");
  runcgo_error_release (&err);
  runcgo_strv_free (remove);
  cleanup_free char *made = xasprintf ("%s/c2", root);
  struct stat st;
  ok (stat (made, &st) < 0, "and the group made for it is removed again");

  cleanup_free char *c3 = xasprintf ("%s/c3", root);
  char *dirs[] = { c3, NULL };
  mkdir (c3, 0755);
  ok (runcgo_intelrdt_remove (dirs, &err) == 0 && stat (c3, &st) < 0, "remove deletes the listed groups");
  ok (runcgo_intelrdt_remove (dirs, &err) == 0, "and a group already gone is fine");

  unlink (tasks_path);
  unlink (sch_path);
  rmdir (pre);
  rmdir (root);
}

/* update --l3-cache-schema / --mem-bw-schema on a fake tree: the own group's
 * schemata are rewritten (the flag replaces the config's line, the other
 * line stays); a shared group and a container without intelRdt are refused. */
static void
test_update_on_a_fake_tree (void)
{
  char root[] = "/tmp/runcgo-test-rdt-up.XXXXXX";
  ok (mkdtemp (root) != NULL, "fake resctrl root");
  cleanup_free char *own = xasprintf ("%s/c1", root);
  mkdir (own, 0755);
  touch (own, "schemata", "");
  runcgo_error_t err = NULL;
  struct runcgo_intel_rdt cfg = { .l3_cache_schema = (char *)"L3:0=7ff", .mem_bw_schema = (char *)"MB:0=100" };
  ok (runcgo_intelrdt_update (&cfg, "c1", root, "L3:0=f", NULL, &err) == 0, "update --l3-cache-schema");
  cleanup_free char *sch_path = xasprintf ("%s/schemata", own);
  cleanup_free char *sch = slurp (sch_path);
  ok (strcmp (sch, "L3:0=f\nMB:0=100\n") == 0, "new L3 line, the config's MB line (got \"%s\")", sch);
  ok (runcgo_intelrdt_update (&cfg, "c1", root, NULL, "MB:0=50", &err) == 0, "update --mem-bw-schema");
  free (sch);
  sch = slurp (sch_path);
  ok (strstr (sch, "MB:0=50") != NULL, "the MB line (got \"%s\")", sch);
  ok (runcgo_intelrdt_update (&cfg, "c1", root, NULL, "L3:0=f", &err) < 0, "a --mem-bw-schema without MB: is refused");
  runcgo_error_release (&err);
  struct runcgo_intel_rdt shared = { .clos_id = (char *)"shared", .l3_cache_schema = (char *)"L3:0=7ff" };
  ok (runcgo_intelrdt_update (&shared, "c1", root, "L3:0=f", NULL, &err) < 0 && strstr (err->msg, "is shared"),
      "a shared closID group is never rewritten");
  runcgo_error_release (&err);
  ok (runcgo_intelrdt_update (NULL, "c1", root, "L3:0=f", NULL, &err) < 0
          && strstr (err->msg, "has no linux.intelRdt"),
      "a container without intelRdt is refused");
  runcgo_error_release (&err);
  unlink (sch_path);
  rmdir (own);
  rmdir (root);
}

int
main (void)
{
  test_plan ();
  test_schemata_match ();
  test_check ();
  test_apply_on_a_fake_tree ();
  test_update_on_a_fake_tree ();
  return done_testing ();
}
