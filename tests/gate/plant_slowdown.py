#!/usr/bin/env python3
# plant_slowdown.py - makes CPU.hash do PCT % more work per task with the same answer: the planted
# regression of the gate's tests and of its measured power (BENCHMARKS.md, "The gate's power").
#
#   plant_slowdown.py PCT REPO
#
# Edits REPO/workloads/cpu_hash.c: after a task's own hashing, run() hashes PCT % as many words
# again on a second chain whose result is kept alive and then dropped, so every task costs PCT %
# more CPU while its digest, and so the case's reference digest, stays what it was. A plant that
# changed the digest would be "work changed", not a slowdown. Exits 1 when the file no longer has
# the shape this edits.
import sys

if len(sys.argv) != 3:
    sys.exit("usage: plant_slowdown.py PCT REPO")
try:
    pct = float(sys.argv[1])
except ValueError:
    sys.exit(f"plant_slowdown.py: {sys.argv[1]}: expected a percentage such as 10")
if not 0 < pct <= 1000:
    sys.exit(f"plant_slowdown.py: {sys.argv[1]}: expected a percentage above 0 and up to 1000")
path = sys.argv[2] + "/workloads/cpu_hash.c"
src = open(path).read()
anchor = "    *digest = pcb_mix64(h ^ task);\n"
if src.count(anchor) != 1 or "passes = in->kib / 4" not in src:
    sys.exit(f"plant_slowdown.py: {path} no longer has the run() this edits")
extra = f"""    {{ /* planted: {pct:g} % more hashing per task, the same digest */
        uint64_t g = h, words = (passes * BUF_WORDS + tail_words) * {int(pct * 100)}ULL / 10000;
        for (uint64_t i = 0; i < words; i++)
            g = rotl((g ^ in->buf[i % BUF_WORDS]) * 0xff51afd7ed558ccdULL, 31);
        __asm__ volatile("" : : "r"(g));
    }}
"""
open(path, "w").write(src.replace(anchor, extra + anchor))
