#!/usr/bin/env bash
# format.sh SOURCE_DIR - every C, C++ and header file of the project is as clang-format (with the
# committed .clang-format) would write it. Lists the files that are not, with the command that
# mends them, and exits 1; exits 0 when all are; 77 (skipped) when clang-format is missing.
set -euo pipefail
src=$1
cd "$src"
if ! command -v clang-format >/dev/null 2>&1; then
  echo "SKIP: clang-format is not installed (Debian: clang-format)"
  exit 77
fi
# The check must be able to fail: a badly formatted file under the same .clang-format is caught.
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
cp .clang-format "$probe/"
printf 'int  main( ){return 0;}\n' >"$probe/probe.c"
if clang-format --dry-run --Werror "$probe/probe.c" >/dev/null 2>&1; then
  echo "format: clang-format passed a badly formatted file; the check cannot work here"
  exit 1
fi
# The project's files (tracked or new) when this is a git checkout, else every such file
# outside build trees.
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  mapfile -t files < <(git ls-files --cached --others --exclude-standard '*.c' '*.h' '*.cc')
else
  mapfile -t files < <(find . -path './build*' -prune -o \( -name '*.c' -o -name '*.h' -o -name '*.cc' \) -print | sed 's|^\./||' | sort)
fi
bad=()
for f in "${files[@]}"; do
  [ -f "$f" ] || continue
  clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if [ ${#bad[@]} -gt 0 ]; then
  echo "format: ${#bad[@]} of ${#files[@]} files are not clang-formatted:"
  printf '  %s\n' "${bad[@]}"
  echo "mend them with: clang-format -i ${bad[*]}"
  exit 1
fi
echo "format: all ${#files[@]} files clang-formatted"
