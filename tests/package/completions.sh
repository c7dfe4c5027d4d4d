#!/bin/bash
# completions.sh: the shell completions (completions/) and the man page
# (doc/runcgo.8.md) name every command and flag that the binary's --help
# lists, so that neither can go stale when a command or flag is added.
#
# The completions are run, not grepped: bash's completion function with
# COMP_WORDS set, fish's `complete -C`, and zsh's functions with _arguments
# and _describe stubbed to print the specs they are given.  Needs no root;
# zsh and fish are used when installed (else those tests skip).  A TAP
# producer, run by make check with RUNCGO and TOP_SRCDIR set; by hand:
#   RUNCGO=build/src/runcgo tests/package/completions.sh
set -uo pipefail

TOP_SRCDIR=${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
RUNCGO=${RUNCGO:-${TOP_BUILDDIR:-$TOP_SRCDIR}/src/runcgo}
COMPLETIONS=$TOP_SRCDIR/completions
TMP=$(mktemp -d "${TMPDIR:-/tmp}/runcgo-completions.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

if [ ! -x "$RUNCGO" ]; then
  echo "Bail out! no runcgo binary at $RUNCGO (set RUNCGO)"
  exit 1
fi

# ------------------------------------------------------------------ what --help says
# help_commands: the commands of `runcgo --help`, one a line.
help_commands () {
  "$RUNCGO" --help | awk '/^Commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { exit }'
}

# help_flags [COMMAND]: the flags of `runcgo [COMMAND] --help` (global flags
# without COMMAND), one a line: every -x / --xyz of the option column, i.e.
# of the text before the first run of two spaces on an option line.
help_flags () {
  "$RUNCGO" ${1:+"$1"} --help |
    awk '/^ +-/ { sub(/^ +/, ""); split($0, col, /  /); n = split(col[1], w, /[ ,]+/)
                  for (i = 1; i <= n; i++) if (w[i] ~ /^--?[A-Za-z][A-Za-z0-9-]*$/) print w[i] }' | sort -u
}

# source_long_options: every long option of the getopt tables in src/
# (main.c's global table and src/cmd/*.c), some of which --help leaves out
# (aliases such as --cpu-shares).
source_long_options () {
  grep -hoE '^ *\{ "[a-z][a-z0-9-]*", (no|required|optional)_argument' "$TOP_SRCDIR"/src/main.c "$TOP_SRCDIR"/src/cmd/*.c |
    sed -E 's/^ *\{ "([^"]*)".*/--\1/' | sort -u
}

# ------------------------------------------------------------------ running the completions
# bash_complete WORDS...: the candidates bash offers for the last word.
bash_complete () {
  bash -c '
    source "$1"; shift
    COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
    _runcgo runcgo "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
    printf "%s\n" "${COMPREPLY[@]}"' _ "$COMPLETIONS/bash/runcgo" "$@" | sort -u
}

# fish_complete LINE: the candidates fish offers at the end of LINE.
fish_complete () {
  fish --no-config -c "source '$COMPLETIONS/fish/runcgo.fish'; complete -C '$1'" 2> /dev/null | cut -f1 | sort -u
}

# zsh_specs [COMMAND]: the flags zsh's completion would offer: the option
# specs handed to _arguments (and, without COMMAND, the commands handed to
# _describe), with the compsys functions stubbed.
zsh_specs () {
  zsh -f -c '
    # _arguments -C hands over to the command state, as it does at the first word
    _arguments () { local s; for s in "$@"; do print -r -- "ARG $s"; done; [[ $1 == -C ]] && state=command; return 1 }
    _describe () { local -a l; l=("${(@P)${@[-1]}}"); print -rl -- "DESC "${^l[@]%%:*}; return 0 }
    _call_program () { return 0 }
    # sourcing runs _runcgo: its specs count only without a command
    if [[ -n $2 ]]; then source "$1" > /dev/null; words=($2); _runcgo_command; else source "$1"; fi
    ' _ "$COMPLETIONS/zsh/_runcgo" "${1:-}" |
    if [ -n "${1:-}" ]; then
      sed -n 's/^ARG //p' | sed -E 's/^\([^)]*\)//; s/^\*//' | grep -oE '^--?[A-Za-z][A-Za-z0-9-]*'
    else
      sed -n 's/^ARG //p; s/^DESC //p' | sed -E 's/^\([^)]*\)//; s/^\*//' | grep -oE '^(--?)?[A-Za-z][A-Za-z0-9-]*'
    fi | sort -u
}

# ------------------------------------------------------------------ TAP
N=0
FAILED=0
# tap NAME FUNCTION: run FUNCTION; its stdout is the diagnostics of a failure;
# status 0 passes, 77 skips (first line of output = reason), else fails.
tap () {
  local out st
  N=$((N + 1))
  out=$("$2" 2>&1)
  st=$?
  if [ "$st" = 0 ]; then
    echo "ok $N - $1"
  elif [ "$st" = 77 ]; then
    echo "ok $N - $1 # SKIP $(head -n 1 <<< "$out")"
  else
    FAILED=$((FAILED + 1))
    echo "not ok $N - $1"
    sed 's/^/# /' <<< "$out"
  fi
}

# missing WANT-FILE HAVE-FILE: the lines of WANT that HAVE lacks; fails if any.
missing () {
  local m
  m=$(comm -23 <(sort -u "$1") <(sort -u "$2"))
  [ -z "$m" ] && return 0
  echo "$m"
  return 1
}

# ------------------------------------------------------------------ tests
test_help_lists_commands_and_flags () {
  # guards the parsers above: a change of the help layout must not make
  # every other test pass vacuously
  local n
  n=$(help_commands | wc -l)
  [ "$n" -ge 15 ] || { echo "only $n commands parsed from runcgo --help"; return 1; }
  help_flags update | grep -qx -- --memory-swap || { echo "update --help: --memory-swap not parsed"; return 1; }
  help_flags exec | grep -qx -- -t || { echo "exec --help: -t not parsed"; return 1; }
  help_flags | grep -qx -- --log-format || { echo "--help: --log-format not parsed"; return 1; }
}

test_bash_completes_every_command () {
  help_commands > "$TMP/want"
  bash_complete runcgo '' > "$TMP/have"
  missing "$TMP/want" "$TMP/have" || return 1
  # after global flags and their values too
  bash_complete runcgo --root /tmp --debug '' > "$TMP/have"
  missing "$TMP/want" "$TMP/have"
}

test_bash_completes_every_flag () {
  local cmd bad=0
  help_flags > "$TMP/want"
  bash_complete runcgo - > "$TMP/have"
  missing "$TMP/want" "$TMP/have" | sed 's/^/global: /' || bad=1
  for cmd in $(help_commands); do
    help_flags "$cmd" > "$TMP/want"
    bash_complete runcgo --root /tmp "$cmd" - > "$TMP/have"
    missing "$TMP/want" "$TMP/have" | sed "s/^/$cmd: /" || bad=1
  done
  return $bad
}

test_bash_completes_flag_values () {
  local out
  out=$(bash_complete runcgo --log-format '' | tr '\n' ' ')
  [ "$out" = "json text " ] || { echo "--log-format values: '$out'"; return 1; }
  out=$(bash_complete runcgo checkpoint --manage-cgroups-mode '' | tr '\n' ' ')
  [ "$out" = "full ignore soft strict " ] || { echo "--manage-cgroups-mode values: '$out'"; return 1; }
  out=$(bash_complete runcgo kill --all some-id K | tr '\n' ' ')
  [ "$out" = "KILL " ] || { echo "kill ID K: '$out'"; return 1; }
}

test_fish_completes_every_command_and_flag () {
  local cmd bad=0
  command -v fish > /dev/null || { echo "fish is not installed"; return 77; }
  help_commands > "$TMP/want"
  fish_complete 'runcgo ' > "$TMP/have"
  missing "$TMP/want" "$TMP/have" | sed 's/^/command: /' || bad=1
  help_flags > "$TMP/want"
  fish_complete 'runcgo -' > "$TMP/have"
  missing "$TMP/want" "$TMP/have" | sed 's/^/global: /' || bad=1
  for cmd in $(help_commands); do
    help_flags "$cmd" > "$TMP/want"
    fish_complete "runcgo --debug $cmd -" > "$TMP/have"
    missing "$TMP/want" "$TMP/have" | sed "s/^/$cmd: /" || bad=1
  done
  return $bad
}

test_zsh_completes_every_command_and_flag () {
  local cmd bad=0
  command -v zsh > /dev/null || { echo "zsh is not installed"; return 77; }
  { help_commands; help_flags; } > "$TMP/want"
  zsh_specs > "$TMP/have"
  missing "$TMP/want" "$TMP/have" | sed 's/^/global: /' || bad=1
  for cmd in $(help_commands); do
    help_flags "$cmd" > "$TMP/want"
    zsh_specs "$cmd" > "$TMP/have"
    missing "$TMP/want" "$TMP/have" | sed "s/^/$cmd: /" || bad=1
  done
  return $bad
}

# long options that --help does not list (aliases) are completed too
test_completions_offer_every_option_of_the_source () {
  local cmd bad=0
  source_long_options > "$TMP/want"
  [ "$(wc -l < "$TMP/want")" -ge 60 ] || { echo "only $(wc -l < "$TMP/want") options parsed from src/"; return 1; }
  : > "$TMP/bash"
  : > "$TMP/fish"
  : > "$TMP/zsh"
  bash_complete runcgo -- >> "$TMP/bash"
  command -v fish > /dev/null && fish_complete 'runcgo --' >> "$TMP/fish"
  command -v zsh > /dev/null && zsh_specs >> "$TMP/zsh"
  for cmd in $(help_commands); do
    bash_complete runcgo "$cmd" -- >> "$TMP/bash"
    command -v fish > /dev/null && fish_complete "runcgo $cmd --" >> "$TMP/fish"
    command -v zsh > /dev/null && zsh_specs "$cmd" >> "$TMP/zsh"
  done
  missing "$TMP/want" "$TMP/bash" | sed 's/^/bash: /' || bad=1
  if command -v fish > /dev/null; then missing "$TMP/want" "$TMP/fish" | sed 's/^/fish: /' || bad=1; fi
  if command -v zsh > /dev/null; then missing "$TMP/want" "$TMP/zsh" | sed 's/^/zsh: /' || bad=1; fi
  return $bad
}

# man_section COMMAND: the text of the man page's section of COMMAND, and of
# the section of X where it says it "accepts every option of X".
man_section () {
  local text other
  text=$(awk -v c="$1" '/^## / { on = ($2 == c) } on' "$TMP/man")
  printf '%s\n' "$text"
  other=$(tr '\n' ' ' <<< "$text" | grep -oE 'every option of \*\*[a-z]+\*\*' | sed -E 's/.*\*\*([a-z]+)\*\*/\1/' || true)
  if [ -n "$other" ] && [ "$other" != "$1" ]; then
    awk -v c="$other" '/^## / { on = ($2 == c) } on' "$TMP/man"
  fi
}

# the man page has a section per command, and names each of its flags there
# (-h, --help: once for all of them)
test_man_page_names_every_command_and_flag () {
  local cmd bad=0 md=$TOP_SRCDIR/doc/runcgo.8.md
  sed 's/\\-/-/g' "$md" > "$TMP/man"
  for cmd in $(help_commands); do
    grep -qE "^## $cmd( |$)" "$TMP/man" || { echo "no section '## $cmd'"; bad=1; }
    man_section "$cmd" > "$TMP/section"
    for f in $(help_flags "$cmd" | grep -vxE -- '-h|--help'); do
      grep -qE -- "(^|[^a-z-])$f([^a-z-]|$)" "$TMP/section" || { echo "$cmd: $f is not in its section"; bad=1; }
    done
  done
  for f in $(help_flags); do
    grep -qE -- "(^|[^a-z-])$f([^a-z-]|$)" "$TMP/man" || { echo "global: $f"; bad=1; }
  done
  return $bad
}

# `runcgo completion SHELL` prints exactly the script that is installed, and
# bash can load it from there
test_completion_command_prints_the_installed_scripts () {
  local bad=0 shell file
  for shell in bash:bash/runcgo zsh:zsh/_runcgo fish:fish/runcgo.fish; do
    file=$COMPLETIONS/${shell#*:}
    "$RUNCGO" completion "${shell%%:*}" > "$TMP/printed" || { echo "completion ${shell%%:*} failed"; bad=1; }
    cmp -s "$TMP/printed" "$file" || { echo "completion ${shell%%:*} differs from $file"; bad=1; }
  done
  out=$(bash -c 'source <("$0" completion bash) && complete -p runcgo' "$RUNCGO" 2>&1)
  [ "$out" = "complete -F _runcgo runcgo" ] || { echo "bash did not load it: $out"; bad=1; }
  "$RUNCGO" completion tcsh > /dev/null 2> "$TMP/err" && { echo "completion tcsh succeeded"; bad=1; }
  grep -q 'unknown shell "tcsh"' "$TMP/err" || { echo "completion tcsh: $(cat "$TMP/err")"; bad=1; }
  return $bad
}

tap "help lists commands and flags (the parsers of this test work)" test_help_lists_commands_and_flags
tap "bash completes every command" test_bash_completes_every_command
tap "bash completes every flag of every command" test_bash_completes_every_flag
tap "bash completes flag values and signals" test_bash_completes_flag_values
tap "fish completes every command and flag" test_fish_completes_every_command_and_flag
tap "zsh completes every command and flag" test_zsh_completes_every_command_and_flag
tap "completions offer every long option of src/" test_completions_offer_every_option_of_the_source
tap "man page names every command and flag" test_man_page_names_every_command_and_flag
tap "completion command prints the installed scripts" test_completion_command_prints_the_installed_scripts
echo "1..$N"
exit 0   # failures are in the TAP lines (a non-zero exit would count twice)
