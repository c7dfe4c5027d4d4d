/* completion.c -- `runcgo completion bash|zsh|fish` (youki's command): print
 * the shell's completion script, the one completions/ installs, compiled in
 * by completions/embed.sh (completion_scripts.c). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"

RUNCGO_CMD (completion)
{
  const char *shell = NULL;
  int r = runcgo_cli_parse_id ("completion", argc, argv, &shell, err);
  if (r != 0)
    return r > 0 ? 0 : -1;
  for (size_t i = 0; runcgo_completion_scripts[i][0]; i++)
    if (strcmp (shell, runcgo_completion_scripts[i][0]) == 0)
      {
        fputs (runcgo_completion_scripts[i][1], stdout);
        return fflush (stdout) == 0 ? 0 : runcgo_fail (err, errno, "completion: write the script");
      }
  return runcgo_fail_hint (err, 0, "use bash, zsh or fish", "completion: unknown shell \"%s\"", shell);
}
