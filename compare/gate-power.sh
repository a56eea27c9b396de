#!/usr/bin/env bash
# gate-power.sh - measures the nightly gate's own hit and false-alarm rates on this machine.
#
#   compare/gate-power.sh [--runs N] [--plants "5 10 20"] [--out DIR] [-- NIGHTLY OPTIONS...]
#
# Builds HEAD twice (the base, and an identical build for the A/A runs) and once per planted
# slowdown: HEAD with CPU.hash doing PCT % more work per task and the same answer
# (tests/gate/plant_slowdown.py). Then, N times over in turn, runs the gate in ab mode with its
# defaults (compare/nightly.sh --mode ab, base against each build) and counts, per run:
#   hits          CPU.hash cases of the subset called regressed (on any metric), of all of them;
#   false alarms  any other case called regressed (every case, in the A/A runs).
# Prints one line per run and a table per build; keeps every gate report and sample in DIR
# (default: results/gate-power). Everything else lives in a temporary folder that goes away
# however the script ends. A run takes about 4 minutes on a 2-core machine.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)

die() { echo "gate-power: $*" >&2; exit 2; }
runs=3 plants="5 10 20" out="results/gate-power" extra=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --runs) runs=${2-}; shift 2 || die "--runs needs a number" ;;
    --runs=*) runs=${1#*=}; shift ;;
    --plants) plants=${2-}; shift 2 || die "--plants needs a list of percentages" ;;
    --plants=*) plants=${1#*=}; shift ;;
    --out) out=${2-}; shift 2 || die "--out needs a directory" ;;
    --out=*) out=${1#*=}; shift ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) sed -n '2,15s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) die "$1: unknown option (see --help)" ;;
  esac
done
[[ "$runs" =~ ^[0-9]{1,3}$ ]] && ((10#$runs >= 1)) || die "--runs=$runs: expected an integer from 1 to 999"
runs=$((10#$runs))
for p in $plants; do
  [[ "$p" =~ ^[0-9]{1,3}$ ]] && ((10#$p >= 1 && 10#$p <= 500)) ||
    die "--plants=$plants: $p: expected whole percentages from 1 to 500"
done
mkdir -p "$out" || die "--out=$out: cannot create it"
out=$(cd "$out" && pwd)

tmp=$(mktemp -d) || die "cannot create a temporary folder"
trees=()
cleanup() {
  local w
  for w in "${trees[@]}"; do git -C "$top" worktree remove --force "$w" >/dev/null 2>&1; done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'echo "gate-power: interrupted" >&2; exit 130' INT TERM HUP

head=$(git -C "$top" rev-parse HEAD) || die "not in a git repository"
# build NAME [PCT]: HEAD, with PCT % more CPU.hash work when given, built in $tmp/NAME-build.
build() {
  local src="$tmp/$1-src"
  git -C "$top" worktree add --detach "$src" "$head" >/dev/null 2>&1 || die "cannot check out HEAD"
  trees+=("$src")
  if [[ -n "${2-}" ]]; then
    python3 "$top/tests/gate/plant_slowdown.py" "$2" "$src" || die "could not plant $2 %"
  fi
  { cmake -S "$src" -B "$tmp/$1-build" -DCMAKE_BUILD_TYPE=Release &&
    cmake --build "$tmp/$1-build" -j"$(nproc)" --target pcbench compare pcbench-history; } \
    >"$tmp/$1.log" 2>&1 || { tail -20 "$tmp/$1.log" >&2; die "building $1 failed"; }
  echo "gate-power: built $1" >&2
}
build base
builds=(aa)
build aa
for p in $plants; do
  build "plant$p" "$p"
  builds+=("plant$p")
done

# regressed REPORT: the cases the gate's report calls regressed, on any metric, one per line.
regressed() {
  sed -n 's/^| `\(.*\)` | .* | \*\*regressed\*\* | .*/\1/p' "$1" | sort -u
}
printf '%s\t%s\t%s\t%s\t%s\t%s\n' build run hits affected false_alarms seconds >"$out/runs.tsv"
for ((r = 1; r <= runs; r++)); do
  for b in "${builds[@]}"; do
    d="$out/$b-$r"
    rm -rf "$d"
    t0=$(date +%s)
    "$top/compare/nightly.sh" --mode ab --base-rev "$head" --base-bin-dir "$tmp/base-build" \
      --bin-dir "$tmp/$b-build" --dir "$d" "${extra[@]}" >"$tmp/gate.log" 2>&1
    rc=$?
    secs=$(($(date +%s) - t0))
    [[ $rc -le 1 ]] || { tail -5 "$tmp/gate.log" >&2; die "the gate failed (exit $rc) on $b, run $r"; }
    report=$(ls "$d"/*.md | head -n 1)
    mapfile -t bad < <(regressed "$report")
    # The affected cases: the subset's CPU.hash cases (none in the A/A runs).
    affected=$(ls "$d"/*-ab/new-*-0.json | xargs grep -l '"name": "[^"]*CPU\.hash' | wc -l)
    hits=0 alarms=0
    for c in "${bad[@]}"; do
      if [[ $b != aa && "$c" == *CPU.hash* ]]; then hits=$((hits + 1)); else alarms=$((alarms + 1)); fi
    done
    [[ $b == aa ]] && affected=0
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$b" "$r" "$hits" "$affected" "$alarms" "$secs" >>"$out/runs.tsv"
    echo "gate-power: $b run $r: $hits of $affected affected cases regressed, $alarms false alarm(s), ${secs}s" >&2
  done
done
echo
echo "| build | runs | hits / affected cases | false alarms | median run |"
echo "|---|--:|--:|--:|--:|"
awk -F'\t' 'NR > 1 { n[$1]++; h[$1] += $3; a[$1] += $4; f[$1] += $5; s[$1, n[$1]] = $6; o[$1] = o[$1] ? o[$1] : NR }
  END {
    for (b in n) {
      m = n[b]; for (i = 1; i <= m; i++) v[i] = s[b, i]
      for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
      med = (m % 2) ? v[(m + 1) / 2] : (v[m / 2] + v[m / 2 + 1]) / 2
      label = b == "aa" ? "A/A (HEAD against HEAD)" : "+" substr(b, 6) " % CPU.hash work"
      printf "%d\t| %s | %d | %s | %d | %d s |\n", o[b], label, m, b == "aa" ? "-" : h[b] " / " a[b], f[b], med
    }
  }' "$out/runs.tsv" | sort -n | cut -f2-
