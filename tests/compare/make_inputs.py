#!/usr/bin/python3
# make_inputs.py - writes the golden input files under tests/compare/inputs/.
#
# The files are committed; this script documents how they were made and can
# remake them (python3 tests/compare/make_inputs.py). They follow the layout
# Google Benchmark 1.7 writes with --benchmark_out (context + benchmarks with
# run_name, run_type, repetition_index, time_unit, counters) and the layout of
# hyperfine --export-json. The samples are fixed numbers, not measurements, so
# that every verdict and p-value in the goldens is reproducible;
# tests/compare/README.md lists the scipy call behind each p-value.
import json
import os
import random
import statistics

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "inputs")


def context(host="ci-runner-1", cpus=8, mhz=2400, **extra):
    c = {
        "date": "2026-11-20T03:00:00+00:00",
        "host_name": host,
        "executable": "./pcbench",
        "num_cpus": cpus,
        "mhz_per_cpu": mhz,
        "cpu_scaling_enabled": False,
        "caches": [
            {"type": "Data", "level": 1, "size": 32768, "num_sharing": 2},
            {"type": "Instruction", "level": 1, "size": 32768, "num_sharing": 2},
            {"type": "Unified", "level": 2, "size": 1048576, "num_sharing": 2},
            {"type": "Unified", "level": 3, "size": 33554432, "num_sharing": cpus},
        ],
        "load_avg": [0.52, 0.61, 0.70],
        "library_build_type": "debug",
        "pcbench_version": "0.1.0",
        "pcbench_commit": "1111111",
        "pcbench_allocator": "glibc",
    }
    c.update(extra)
    return c


def entry(name, rep, nreps, t_ns, unit="ns", threads=1, label=None, counters=None):
    div = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}[unit]
    e = {
        "name": name,
        "family_index": 0,
        "per_family_instance_index": 0,
        "run_name": name,
        "run_type": "iteration",
        "repetitions": nreps,
        "repetition_index": rep,
        "threads": threads,
        "iterations": 1000,
        "real_time": t_ns / div,
        "cpu_time": t_ns * 0.98 / div,
        "time_unit": unit,
    }
    if counters:
        e.update(counters)
    if label is not None:
        e["label"] = label
    return e


def rate_counters(t_ns):
    # 256 tasks per iteration, 4096 bytes per task; a lower-is-better counter.
    return {
        "bytes_per_second": 256 * 4096 / (t_ns * 1e-9),
        "items_per_second": 256 / (t_ns * 1e-9),
        "ctx_switches_per_task": round(t_ns / 1000.0, 3),
    }


def case(name, samples, unit="ns", label=None, counters=True):
    return [entry(name, i, len(samples), t, unit=unit, label=label,
                  counters=rate_counters(t) if counters else None)
            for i, t in enumerate(samples)]


def aggregates(name, samples, unit="ns", which=("mean", "median", "stddev", "cv")):
    div = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}[unit]
    mean = statistics.mean(samples)
    sd = statistics.stdev(samples)
    vals = {"mean": mean, "median": statistics.median(samples), "stddev": sd, "cv": sd / mean}
    out = []
    for agg in which:
        v = vals[agg]
        e = {
            "name": name + "_" + agg,
            "family_index": 0,
            "per_family_instance_index": 0,
            "run_name": name,
            "run_type": "aggregate",
            "repetitions": len(samples),
            "threads": 1,
            "aggregate_name": agg,
            "aggregate_unit": "percentage" if agg == "cv" else "time",
            "iterations": len(samples),
            "real_time": v if agg == "cv" else v / div,
            "cpu_time": v if agg == "cv" else v * 0.98 / div,
            "time_unit": unit,
        }
        out.append(e)
    return out


def write(name, obj):
    with open(os.path.join(OUT, name), "w") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")


def noisy(rng, centre, cv, n):
    return [round(rng.gauss(centre, centre * cv), 3) for _ in range(n)]


def main():
    rng = random.Random(20261122)
    # --- the main pair: every verdict; base in ns, new in us ---
    b, n = {}, {}
    b["Threaded/CPU.hash/workers:8"] = [1000.1, 1010.2, 993.3, 1020.4, 1006.5]
    n["Threaded/CPU.hash/workers:8"] = [1102.2, 1111.1, 1094.4, 1123.3, 1105.5]
    b["Threaded/CPU.hash/workers:2"] = [2001.5, 2013.2, 1994.1, 2022.7, 2007.3]
    n["Threaded/CPU.hash/workers:2"] = [1601.2, 1611.9, 1594.6, 1620.3, 1606.8]
    b["Sequential/CPU.hash"] = [5001.0, 5012.0, 4995.0, 5020.0, 5007.0]
    n["Sequential/CPU.hash"] = [5026.0, 5031.0, 5019.0, 5044.0, 5029.5]
    # Not significant, but 16 repetitions are enough to have seen a 5 % change.
    b["Sequential/IO.sleep"] = [10157.9, 10035.1, 10304.0, 9833.0, 9983.6, 9037.5, 9809.5,
                                10304.1, 10601.5, 9836.2, 9945.4, 10712.6, 9853.4, 10330.3,
                                10755.2, 10017.9]
    n["Sequential/IO.sleep"] = [10802.1, 9930.3, 10343.5, 10215.2, 10301.7, 10758.4, 11325.4,
                                9950.5, 9991.2, 10473.8, 9775.2, 10473.7, 10507.4, 10125.1,
                                10489.0, 9552.8]
    # Significant, 3 % slower, but one outlier widens the noise band past 5 %.
    b["Partitioned/CPU.text"] = [1000.0, 1001.0, 1002.0, 1003.0, 1004.0]
    n["Partitioned/CPU.text"] = [1030.0, 1031.0, 1032.0, 1033.0, 1100.0]
    b["Async/IO.sleep"] = [3000.5, 3010.5, 2990.5]
    n["Async/IO.sleep"] = [3240.5, 3250.5, 3230.5]
    b["Async/CPU.hash"] = [1000.0, 1250.0, 800.0, 1150.0, 900.0]
    n["Async/CPU.hash"] = [1080.0, 1350.0, 870.0, 1240.0, 975.0]
    b["Multiprocess/CPU.hash"] = [4000.0, 4010.0, 3990.0, 4020.0, 4005.0]
    b["OpenMP/CPU.hash"] = [700.0, 701.0, 699.0, 702.0, 700.5]
    n["Hybrid/CPU.hash"] = [800.0, 801.0, 799.0, 802.0, 800.5]

    def build(samples, unit, failed, labels, ctx):
        out = []
        for name, s in samples.items():
            out += case(name, s, unit=unit, label=labels.get(name))
        for name, msg in failed.items():
            for i in range(5):
                out.append({
                    "name": name, "family_index": 0, "per_family_instance_index": 0,
                    "run_name": name, "run_type": "iteration", "repetitions": 5,
                    "repetition_index": i, "threads": 1, "iterations": 0,
                    "real_time": 0.0, "cpu_time": 0.0, "time_unit": unit,
                    "error_occurred": True, "error_message": msg})
        return {"context": ctx, "benchmarks": out}

    write("base.json", build(b, "ns", {}, {"Threaded/CPU.hash/workers:2": "v1"},
                             context()))
    write("new.json", build(n, "us", {"Multiprocess/CPU.hash": "result mismatch: digest 0x1f != 0x2e"},
                            {"Threaded/CPU.hash/workers:2": "v2"},
                            context(pcbench_commit="2222222", pcbench_allocator="jemalloc",
                                    load_avg=[1.5, 1.2, 0.9])))

    # --- the same base split over two files (repetitions restart at 0) ---
    full = build(b, "ns", {}, {"Threaded/CPU.hash/workers:2": "v1"}, context())
    part1 = {"context": full["context"], "benchmarks": []}
    part2 = {"context": full["context"], "benchmarks": []}
    for e in full["benchmarks"]:
        if e["repetition_index"] < 3:
            part1["benchmarks"].append(e)
        else:
            e = dict(e)
            e["repetition_index"] -= 3
            part2["benchmarks"].append(e)
    write("base_part1.json", part1)
    write("base_part2.json", part2)

    # --- raw repetitions and aggregates in one file (the default output) ---
    both = build(b, "ns", {}, {"Threaded/CPU.hash/workers:2": "v1"}, context())
    for name, s in b.items():
        both["benchmarks"] += aggregates(name, s)
    write("both_base.json", both)

    # --- aggregates only (--benchmark_report_aggregates_only) ---
    ab, an = [], []
    sb = noisy(rng, 1000, 0.01, 10)
    ab += aggregates("Threaded/CPU.hash/workers:8", sb)
    an += aggregates("Threaded/CPU.hash/workers:8", [x * 1.2 for x in sb])
    sb = noisy(rng, 5000, 0.005, 10)
    ab += aggregates("Sequential/CPU.hash", sb)
    an += aggregates("Sequential/CPU.hash", [x * 1.005 for x in sb])
    sb = noisy(rng, 2000, 0.05, 10)
    ab += aggregates("Async/CPU.hash", sb)
    an += aggregates("Async/CPU.hash", [x * 1.06 for x in sb])
    write("agg_base.json", {"context": context(), "benchmarks": ab})
    write("agg_new.json", {"context": context(), "benchmarks": an})

    # --- single runs, no repetitions ---
    write("single_base.json", {"context": context(), "benchmarks":
          case("Sequential/CPU.hash", [5000.0]) + case("Threaded/CPU.hash/workers:8", [1000.0])})
    write("single_new.json", {"context": context(), "benchmarks":
          case("Sequential/CPU.hash", [5010.0]) + case("Threaded/CPU.hash/workers:8", [1300.0])})

    # --- the same times written in ms on one side and in s on the other ---
    s1 = [2.5e6, 2.51e6, 2.49e6, 2.52e6, 2.505e6]
    write("unit_ms.json", {"context": context(), "benchmarks": case("Sequential/CPU.rotate", s1, unit="ms")})
    write("unit_s.json", {"context": context(), "benchmarks": case("Sequential/CPU.rotate", s1, unit="s")})

    # --- two machines: new is twice as slow everywhere, calibration included ---
    cal = [500.1, 501.2, 499.3, 502.4, 500.6]
    work = [1000.1, 1010.2, 993.3, 1020.4, 1006.5]
    write("xm_base.json", {"context": context(), "benchmarks":
          case("Floor/calibrate", cal) + case("Threaded/CPU.hash/workers:8", work)})
    write("xm_new.json", {"context": context(host="laptop", cpus=4, mhz=1800), "benchmarks":
          case("Floor/calibrate", [x * 2 for x in cal]) +
          case("Threaded/CPU.hash/workers:8", [x * 2.0005 for x in work])})

    # --- hyperfine without per-run times (summary statistics only) ---
    def hf(cmd, mean, median, sd):
        return {"results": [{"command": cmd, "mean": mean, "stddev": sd, "median": median,
                             "user": 0.001, "system": 0.0, "min": mean - sd, "max": mean + sd}]}
    write("hf_summary_base.json", hf("sleep", 0.0110, 0.0110, 0.00011))
    write("hf_summary_new.json", hf("sleep", 0.0210, 0.0210, 0.00021))

    # --- files from Google Benchmark before run_name/run_type existed: the
    # repetitions share a name, aggregates carry a _mean/_median/_cv suffix ---
    def legacy(raw, agg_median, agg_cv):
        out = [{"name": "BM_old_raw", "iterations": 10, "real_time": t,
                "cpu_time": t, "time_unit": "ns"} for t in raw]
        for agg, v in (("mean", agg_median), ("median", agg_median), ("cv", agg_cv)):
            out.append({"name": "BM_old_agg_" + agg, "aggregate_name": agg, "iterations": 10,
                        "real_time": v, "cpu_time": v, "time_unit": "ns"})
        return {"context": {"host_name": "old-box", "num_cpus": 4}, "benchmarks": out}
    write("legacy_base.json", legacy([100.0, 101.0, 102.0, 103.0], 200.0, 0.01))
    write("legacy_new.json", legacy([120.0, 121.0, 122.0, 123.0], 240.0, 0.01))

    # --- the same run as base.json, copied: given with it on one side, it is refused ---
    with open(os.path.join(OUT, "base.json")) as f:
        base_text = f.read()
    with open(os.path.join(OUT, "base_copy.json"), "w") as f:
        f.write(base_text)

    # --- names a terminal or a Markdown table must not take as they are: a line break, CR, ESC,
    # a tab, '|' and '`', a direction override, and a name of 300 characters (cut in the
    # table and in Markdown, whole in JSON) ---
    odd = ["Threaded/line\nbreak", "Threaded/carriage\rreturn", "Threaded/\x1b[31mred\x1b[0m",
           "Threaded/tab\there", "Threaded/pipe|and`tick`", "Threaded/\u202eesrever",
           "Threaded/" + "long_" * 58 + "end"]
    write("names_base.json", {"context": context(), "benchmarks":
          [e for n in odd for e in case(n, [1000.0, 1001.0, 1002.0, 1003.0, 1004.0])]})
    write("names_new.json", {"context": context(), "benchmarks":
          [e for n in odd for e in case(n, [1200.0, 1201.0, 1202.0, 1203.0, 1204.0])]})

    # --- per-case thresholds files: a typo'd name, a name with a trailing space ---
    with open(os.path.join(OUT, "thresholds_typo.tsv"), "w") as f:
        f.write("# a case base.json and new.json do not have\n12.0\tSequential/CPU.hash\n"
                "8.0\tSequential/CPU.hsah\n")
    with open(os.path.join(OUT, "thresholds_trailing.tsv"), "w") as f:
        f.write("12.0\tSequential/CPU.hash \n")

    # --- pcbench's reference digest ("pcb_digest"): the work of a case. Sequential/CPU.hash
    # does half the work on new (another digest) and is twice as fast; Threaded/CPU.hash has
    # another digest and is slower: both "work changed", neither improved nor regressed.
    # IO.sleep keeps its digest: one same, one regressed. Sequential/CPU.text has a digest on
    # new only (a base file from before digests): compared as before. ---
    def digested(name, samples, digest, aggs=False):
        out = case(name, samples) + (aggregates(name, samples) if aggs else [])
        if digest is not None:
            for e in out:
                e["pcb_digest"] = digest
        return out
    hash_s = "Sequential/CPU.hash/workers:1/tasks:256/kib:1024/manual_time"
    hash_t = "Threaded/CPU.hash/workers:2/tasks:256/chunk:1/kib:1024/manual_time"
    sleep_s = "Sequential/IO.sleep/workers:1/tasks:64/latency_us:1000/manual_time"
    sleep_t = "Threaded/IO.sleep/workers:8/tasks:64/chunk:1/latency_us:1000/manual_time"
    text_s = "Sequential/CPU.text/workers:1/tasks:256/corpus:0/segments:2/manual_time"
    five = [1000.1, 1010.2, 993.3, 1020.4, 1006.5]
    write("digest_base.json", {"context": context(), "benchmarks":
          digested(hash_s, five, "0xa5de59eb9361ebaf", aggs=True) +
          digested(hash_t, [x / 2 for x in five], "0x00000000000004d2") +
          digested(sleep_s, [x * 64 for x in five], "0x3f1b2c4d5e6f7081") +
          digested(sleep_t, [x * 8 for x in five], "0x1111111111111111") +
          digested(text_s, [x * 3 for x in five], None)})
    write("digest_new.json", {"context": context(), "benchmarks":
          digested(hash_s, [x / 2 for x in five], "0x3369f5ea377aacf3", aggs=True) +
          digested(hash_t, [x * 0.6 for x in five], "0x00000000000004d3") +
          digested(sleep_s, [x * 64 for x in five], "0x3f1b2c4d5e6f7081") +
          digested(sleep_t, [x * 9 for x in five], "0x1111111111111111") +
          digested(text_s, [x * 3 for x in five], "0x2222222222222222")})
    # Another base run whose IO.sleep has another digest: its samples cannot join digest_base's.
    other = context()
    other["date"] = "2026-11-21T03:00:00+00:00"
    write("digest_base_other.json", {"context": other, "benchmarks":
          digested(sleep_s, [x * 64.1 for x in five], "0x3f1b2c4d5e6f7082")})

    # --- interleaved rounds (--paired): each round's pair ran side by side, and the machine drifts
    # between rounds by far more than the change. Threaded is 10 % slower in every round: the
    # signed-rank test of the pairs sees it, the U test over the drifting samples does not.
    # Sequential is unchanged (within 0.5 % either way in each round). ---
    drift = [1.0, 1.3, 0.8, 1.5, 0.9, 1.2, 0.7, 1.4, 1.1]
    wobble = [1.004, 0.996, 1.002, 0.998, 1.005, 0.995, 1.001, 0.999, 1.003]
    slower = [1.10, 1.09, 1.11, 1.10, 1.12, 1.08, 1.10, 1.11, 1.09]
    pb = case("Sequential/CPU.hash", [50000.0 * d for d in drift]) + \
        case("Threaded/CPU.hash/workers:2", [26000.0 * d for d in drift])
    pn = case("Sequential/CPU.hash", [50000.0 * d * w for d, w in zip(drift, wobble)]) + \
        case("Threaded/CPU.hash/workers:2", [26000.0 * d * s for d, s in zip(drift, slower)])
    write("paired_base.json", {"context": context(), "benchmarks": pb})
    write("paired_new.json", {"context": context(), "benchmarks": pn})
    write("paired_new_short.json", {"context": context(), "benchmarks": pn[:9] + pn[10:]})

    # --- bad inputs ---
    bad = os.path.join(OUT, "bad")
    good = case("Sequential/CPU.hash", [5001.0, 5012.0, 4995.0])

    def badfile(name, text):
        with open(os.path.join(bad, name), "w") as f:
            f.write(text)

    badfile("empty.json", "")
    badfile("whitespace.json", "  \n\n ")
    text = json.dumps({"context": context(), "benchmarks": good}, indent=2)
    badfile("truncated.json", text[: len(text) // 2])
    badfile("trailing.json", text + "\n}\n")
    badfile("not_benchmark.json", json.dumps({"name": "package.json", "version": "1.0"}))
    badfile("top_array.json", json.dumps([1, 2, 3]))
    badfile("benchmarks_not_array.json", json.dumps({"benchmarks": {"a": 1}}))
    wrong = json.loads(text)
    wrong["benchmarks"][1]["real_time"] = "5012.0"
    badfile("wrong_type.json", json.dumps(wrong, indent=2))
    dup = json.loads(text)
    dup["benchmarks"][2]["repetition_index"] = 0
    badfile("duplicate.json", json.dumps(dup, indent=2))
    nan = text.replace("4995.0,", "NaN,", 1)
    assert nan != text
    badfile("nan.json", nan)
    neg = json.loads(text)
    neg["benchmarks"][0]["real_time"] = -5.0
    badfile("negative.json", json.dumps(neg, indent=2))
    huge = json.loads(text)
    huge["benchmarks"][0]["real_time"] = 1e30
    badfile("huge.json", json.dumps(huge, indent=2))
    nounit = json.loads(text)
    del nounit["benchmarks"][0]["time_unit"]
    badfile("no_unit.json", json.dumps(nounit, indent=2))
    badunit = json.loads(text)
    badunit["benchmarks"][1]["time_unit"] = "fortnights"
    badfile("unknown_unit.json", json.dumps(badunit, indent=2))
    hfdup = {"results": [{"command": "sleep", "times": [0.01]}, {"command": "sleep", "times": [0.02]}]}
    badfile("hyperfine_duplicate.json", json.dumps(hfdup))
    hfneg = {"results": [{"command": "sleep", "times": [0.01, -0.02]}]}
    badfile("hyperfine_negative.json", json.dumps(hfneg))
    # A key twice: compare would take the first, jq and Python the last.
    unit2 = text.replace('"time_unit": "ns"', '"time_unit": "ns", "time_unit": "ms"', 1)
    assert unit2 != text
    badfile("duplicate_key.json", unit2)
    ctx2 = text.replace('"benchmarks":', '"context": {}, "benchmarks":', 1)
    badfile("duplicate_context.json", ctx2)
    # Text that is not UTF-8, and a NUL in a name: "a\u0000b" would read as "a".
    with open(os.path.join(bad, "invalid_utf8.json"), "wb") as f:  # é in Latin-1: byte 0xe9
        f.write(text.replace("Sequential/CPU.hash", "Sequential/CPU.h\xe9sh", 1).encode("latin-1"))
    badfile("nul_in_name.json", text.replace("Sequential/CPU.hash", "Sequential/CPU.hash\\u0000x", 1))
    # A raw control character in a string (an escape, a tab), which JSON has only escaped: cJSON
    # would take it, Python's json and jq refuse the file.
    badfile("control_in_name.json", text.replace("Sequential/CPU.hash", "Sequential/CPU.\x1bhash", 1))
    badfile("tab_in_name.json", text.replace("Sequential/CPU.hash", "Sequential/CPU.hash\tx", 1))
    # A counter without a name.
    noname = json.loads(text)
    noname["benchmarks"][0][""] = 5.0
    badfile("empty_counter_name.json", json.dumps(noname, indent=2))
    # hyperfine with an empty "times": the mean of no runs is no sample.
    hfnone = {"results": [{"command": "sleep", "times": [], "mean": 0.01, "median": 0.01}]}
    badfile("hyperfine_empty_times.json", json.dumps(hfnone))
    # A reference digest that is not "0x" and 1 to 16 hex digits, and a case whose entries
    # carry two different digests.
    nothex = json.loads(text)
    for e in nothex["benchmarks"]:
        e["pcb_digest"] = "0x12345678901234567"
    badfile("digest_not_hex.json", json.dumps(nothex, indent=2))
    twodig = json.loads(text)
    for i, e in enumerate(twodig["benchmarks"]):
        e["pcb_digest"] = "0x00000000000000a1" if i < 2 else "0x00000000000000a2"
    badfile("digest_differs.json", json.dumps(twodig, indent=2))
    # A result file without a case: nothing to compare.
    badfile("no_cases.json", json.dumps({"context": context(), "benchmarks": []}, indent=2))


if __name__ == "__main__":
    main()
