/* swap_race.c -- the attacker of the symlink-exchange escape tests
 * (CVE-2021-30465, CVE-2025-31133, CVE-2025-52565): exchanges two paths with
 * renameat2(RENAME_EXCHANGE) as fast as it can, so that a runtime checking
 * one path and then using it sees a directory (or a device) at the check and
 * a symlink at the use.
 *
 * usage: swap_race A B STOPFILE   (runs until STOPFILE exists, at most 120 s;
 * prints how many exchanges it made; the two paths end as they began
 * unless one of them went away meanwhile) */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

static int
exchange (const char *a, const char *b)
{
  return (int) syscall (SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE);
}

int
main (int argc, char **argv)
{
  if (argc != 4)
    {
      fprintf (stderr, "usage: %s A B STOPFILE\n", argv[0]);
      return 2;
    }
  time_t end = time (NULL) + 120;
  unsigned long n = 0;
  while (access (argv[3], F_OK) != 0 && time (NULL) < end)
    {
      for (int i = 0; i < 1000; i++)
        {
          /* ENOENT: the runtime removed one of the two (and may make it
           * again): keep trying */
          if (exchange (argv[1], argv[2]) == 0)
            n++;
          else if (errno != ENOENT)
            {
              perror ("renameat2");
              return 1;
            }
        }
    }
  /* an even count leaves A and B as they were */
  if (n % 2 && exchange (argv[1], argv[2]) == 0)
    n++;
  printf ("%lu\n", n);
  return 0;
}
