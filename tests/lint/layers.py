#!/usr/bin/env python3
"""layers.py - no circles, and every folder imports only the folders below it.

A module is a source file and its header of the same name (benches/harness/options.c and
options.h). Module A imports module B when a file of A includes a header of B, or when A's
object file uses a symbol B's object file defines (the linker's view, read with nm from the
build, so a call through a header declared elsewhere counts too). Two checks:

  1. no circle: no module imports, directly or through others, a module that imports it;
  2. layering: a module imports only modules of its own folder or of a folder below it:

       benches/cli -> benches/families -> benches/harness -> runners -> workloads
       compare/report -> compare, compare/history -> compare
                                                 (and everything -> benches/common)

Prints every circle (as a path) and every import against the layering, and exits 1 when there
is any; prints a one-line summary and exits 0 when there is none. `--self-test` first runs both
checks on small trees made to break them, so the check is known to fail when it should.

usage: layers.py SOURCE_DIR BUILD_DIR    (BUILD_DIR holds compile_commands.json and the objects)
       layers.py --self-test
"""
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile

# Folders, and the folders each may import besides itself.
ALLOWED = {
    "benches/common": set(),
    "workloads": {"benches/common"},
    "runners": {"workloads", "benches/common"},
    "benches/harness": {"runners", "workloads", "benches/common"},
    "benches/families": {"benches/harness", "runners", "workloads", "benches/common"},
    "benches/cli": {"benches/families", "benches/harness", "runners", "workloads",
                    "benches/common"},
    "compare": {"benches/common"},
    "compare/report": {"compare", "benches/common"},
    "compare/history": {"compare", "benches/common"},
}
SOURCE_EXT = (".c", ".h", ".cc")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def folder_of(module):
    """The folder of ALLOWED a module lies in (the deepest that contains it), or None."""
    best = None
    for f in ALLOWED:
        if module.startswith(f + "/") and (best is None or len(f) > len(best)):
            best = f
    return best


def module_of(path):
    return os.path.splitext(path)[0]


def project_files(src):
    out = []
    for f in ALLOWED:
        d = os.path.join(src, f)
        for name in sorted(os.listdir(d)) if os.path.isdir(d) else []:
            if name.endswith(SOURCE_EXT):
                out.append(os.path.join(f, name))
    return out


def include_dirs(command):
    words = shlex.split(command)
    dirs = []
    for i, w in enumerate(words):
        if w.startswith("-I") and len(w) > 2:
            dirs.append(w[2:])
        elif w in ("-I", "-isystem") and i + 1 < len(words):
            if w == "-I":
                dirs.append(words[i + 1])
    return dirs


def include_edges(src, files, dirs_of):
    """(module, module) pairs from #include "..." lines, resolved as the compiler would."""
    edges = set()
    known = set(files)
    for f in files:
        text = open(os.path.join(src, f), errors="replace").read()
        for inc in INCLUDE.findall(text):
            cands = [os.path.normpath(os.path.join(os.path.dirname(f), inc))]
            for d in dirs_of.get(f, []):
                rel = os.path.relpath(os.path.join(d, inc), src)
                cands.append(os.path.normpath(rel))
            target = next((c for c in cands if c in known), None)
            if target is None:
                continue  # a system, generated or test header: not a module of ours
            a, b = module_of(f), module_of(target)
            if a != b:
                edges.add((a, b, "includes " + target))
    return edges


def symbol_edges(objects):
    """(module, module) pairs from undefined symbols one object uses and another defines."""
    defined, used = {}, {}
    for module, obj in objects:
        out = subprocess.run(["nm", "-P", obj], capture_output=True, text=True).stdout
        for line in out.splitlines():
            parts = line.split()
            if len(parts) < 2:
                continue
            sym, kind = parts[0], parts[1]
            if kind == "U":
                used.setdefault(module, set()).add(sym)
            elif kind in "TDBRGSVWtdbr" and kind.isupper():
                defined.setdefault(sym, module)
    edges = set()
    for module, syms in used.items():
        for sym in syms:
            owner = defined.get(sym)
            if owner and owner != module:
                edges.add((module, owner, "uses " + sym))
    return edges


def circles(edges):
    """Strongly connected components with more than one module (Tarjan), each as a cycle path."""
    graph = {}
    for a, b, _ in edges:
        graph.setdefault(a, set()).add(b)
        graph.setdefault(b, set())
    index, low, stack, on, comps = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                comps.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    paths = []
    for comp in comps:
        members = set(comp)
        # A path from the first member back to itself inside the component.
        start, prev, seen, queue = comp[0], {}, {comp[0]}, [comp[0]]
        found = None
        while queue and not found:
            v = queue.pop(0)
            for w in sorted(graph[v]):
                if w == start:
                    found = v
                    break
                if w in members and w not in seen:
                    seen.add(w)
                    prev[w] = v
                    queue.append(w)
        path = [start]
        v = found
        while v is not None and v != start:
            path.insert(1, v)
            v = prev.get(v)
        paths.append(path + [start])
    return paths


def layering(edges):
    bad = []
    for a, b, why in sorted(edges):
        fa, fb = folder_of(a), folder_of(b)
        if fa is None or fb is None or fa == fb:
            continue
        if fb not in ALLOWED[fa]:
            bad.append("%s imports %s (%s): %s may import only %s" %
                       (a, b, why, fa, ", ".join(sorted(ALLOWED[fa])) or "nothing"))
    return bad


def check(src, build):
    db = json.load(open(os.path.join(build, "compile_commands.json")))
    files = project_files(src)
    dirs_of, objects = {}, []
    for entry in db:
        path = os.path.relpath(entry["file"], src)
        if path not in files:
            continue
        dirs_of[path] = include_dirs(entry["command"])
        words = shlex.split(entry["command"])
        obj = words[words.index("-o") + 1] if "-o" in words else None
        if obj:
            obj = os.path.join(entry["directory"], obj)
            if os.path.exists(obj):
                objects.append((module_of(path), obj))
    edges = include_edges(src, files, dirs_of) | symbol_edges(objects)
    problems = []
    for path in circles(edges):
        problems.append("circle: " + " -> ".join(path))
    problems += layering(edges)
    modules = {module_of(f) for f in files}
    return problems, len(modules), len(edges), len(objects)


def self_test():
    """Both checks fail on trees made to break them, and pass on a clean one."""
    with tempfile.TemporaryDirectory() as d:
        def tree(files):
            for name, text in files.items():
                os.makedirs(os.path.dirname(os.path.join(d, name)), exist_ok=True)
                open(os.path.join(d, name), "w").write(text)
            json.dump([], open(os.path.join(d, "compile_commands.json"), "w"))

        tree({"runners/a.c": '#include "b.h"\n', "runners/b.h": "",
              "runners/b.c": '#include "a.h"\n', "runners/a.h": ""})
        problems, _, _, _ = check(d, d)
        if not any(p.startswith("circle: runners/a -> runners/b -> runners/a") for p in problems):
            return "a circle of two modules was not found: %s" % problems
        os.remove(os.path.join(d, "runners/b.c"))
        tree({"workloads/w.c": '#include "../benches/harness/h.h"\n',
              "benches/harness/h.h": ""})
        problems, _, _, _ = check(d, d)
        if not any("workloads/w imports benches/harness/h" in p for p in problems):
            return "an upward import was not found: %s" % problems
        os.remove(os.path.join(d, "workloads/w.c"))
        problems, _, _, _ = check(d, d)
        if problems:
            return "a clean tree was refused: %s" % problems
    return None


def main(argv):
    if len(argv) == 2 and argv[1] == "--self-test":
        err = self_test()
        print("layers: self-test " + ("failed: " + err if err else "passed"))
        return 1 if err else 0
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[-2], file=sys.stderr)
        return 2
    err = self_test()
    if err:
        print("layers: self-test failed: " + err)
        return 1
    problems, nmodules, nedges, nobjects = check(argv[1], argv[2])
    for p in problems:
        print("layers: " + p)
    if problems:
        return 1
    if nobjects == 0:
        print("layers: no object files found in %s; build first" % argv[2])
        return 1
    print("layers: %d modules, %d imports (includes and symbols of %d objects), no circle, "
          "all downwards" % (nmodules, nedges, nobjects))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
