/* features.c -- `runcgo features`: the runtime-spec Features structure. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "lifecycle/ops.h"

RUNCGO_CMD (features)
{
  (void)g;
  if (argc > 1 && (strcmp (argv[1], "-h") == 0 || strcmp (argv[1], "--help") == 0))
    {
      runcgo_cli_usage ("features");
      return 0;
    }
  if (runcgo_cli_args ("features", argc - 1, argv + 1, 0, 0, err) < 0)
    return -1;
  char *json = runcgo_features_json ();
  fputs (json, stdout);
  free (json);
  return 0;
}
