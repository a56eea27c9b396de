#!/bin/sh
# one_reader.sh - one source file reads result JSON: compare/results.c, which compare,
# pcbench-report and any later tool link. A second cJSON parser under compare/ would be a second
# set of input checks to keep in step, which is how the two readers before it came to disagree.
#
#   one_reader.sh SOURCE_DIR
set -u
src=$1
got=$(cd "$src" && grep -rln --include='*.c' --include='*.h' 'cJSON_Parse' compare | sort)
if [ "$got" != "compare/results.c" ]; then
  echo "FAIL: files that parse JSON under compare/ (only compare/results.c may):"
  echo "$got"
  exit 1
fi
echo "ok: only compare/results.c parses result JSON"
