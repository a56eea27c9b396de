# common.sh - what the reliability scripts share: starting pcbench in a process group of its
# own, and the checks of what a finished pcbench left behind. Sourced, not run.
#
# Needs: PCBENCH, JSON_CHECK, MARK (a string no other process carries in its command line:
# every pcbench started here has it as argv[0], and forked workers inherit it).

. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh" # fail

# Starts pcbench in the background in a process group of its own (job control is on), as a
# shell starts a command that Ctrl-C can reach: the group id is the pid. Runs in directory $1
# (so any file it made there is seen), stdout and stderr into $1/stdout and $1/stderr, with a
# clean PCB_* environment; the remaining arguments go to pcbench. Sets PID.
start_pcbench() {
    local dir=$1
    shift
    set -m
    (
        cd "$dir" || exit 99
        for v in $(compgen -e | grep '^PCB_'); do unset "$v"; done
        exec -a "$MARK" "$PCBENCH" "$@"
    ) >"$dir/stdout" 2>"$dir/stderr" </dev/null &
    PID=$!
    set +m
}

# Prints every process left in process group $1 or carrying the marker (zombies included),
# one per line; nothing when none is left.
processes_left() {
    ps -e -o pid=,pgid=,stat=,args= | awk -v g="$1" -v m="$MARK" \
        '$2 == g || index($0, m) { print }' | grep -v -e " awk " -e " ps -e "
}

# Prints every /dev/shm and /dev/mqueue entry named by process $1 (pcb-<kind>-<pid>-...).
names_left() {
    local d
    for d in /dev/shm /dev/mqueue; do
        [ -d "$d" ] || continue
        ls -A "$d" | grep -E "^pcb-[^-]+-$1-" | sed "s|^|$d/|"
    done
}

# Prints every file in directory $1 besides the ones named in the other arguments.
other_files() {
    local dir=$1 f keep k
    shift
    for f in $(ls -A "$dir"); do
        keep=0
        for k in "$@"; do [ "$f" = "$k" ] && keep=1; done
        [ $keep = 1 ] || echo "$dir/$f"
    done
}

# Fails with $1 as context when pcbench (pid $2, run directory $3) left a process, a name or a
# file other than $4... behind.
assert_nothing_left() {
    local what=$1 pid=$2 dir=$3 left
    shift 3
    left=$(processes_left "$pid")
    [ -z "$left" ] || fail "$what: process(es) left: $left"
    left=$(names_left "$pid")
    [ -z "$left" ] || fail "$what: names left: $left"
    left=$(other_files "$dir" stdout stderr "$@")
    [ -z "$left" ] || fail "$what: files left: $left"
}
