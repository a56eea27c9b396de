# tests/lib.sh - what the shell tests share: one way to report a failure. Source it:
#     . "$SRC/tests/lib.sh"
#
#   fail MESSAGE   print "FAIL: MESSAGE" (or "FAIL [$FAIL_SCOPE]: MESSAGE") on stderr and exit 1,
#                  for a test that stops at its first failure;
#   flag MESSAGE   print the same and count it in $failures, for a test that checks on and
#                  ends with `exit $((failures > 0))`.
failures=0

pcb_test_say_fail() {
    if [ -n "${FAIL_SCOPE:-}" ]; then
        echo "FAIL [$FAIL_SCOPE]: $*" >&2
    else
        echo "FAIL: $*" >&2
    fi
}

fail() {
    pcb_test_say_fail "$@"
    exit 1
}

flag() {
    pcb_test_say_fail "$@"
    failures=$((failures + 1))
}
