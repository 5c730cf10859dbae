#!/usr/bin/env python3
"""The structure of the workspace's Rust crates, as numbers (issue 22's before/after).

    tools/structure.py [REPO_DIR]

For each crate: its lines (src/ only, tests and generated files excluded), its modules over 800
lines, and per folder of modules: the `use` arrows between the folder's modules, the arrows that
run back up (a module importing from its parent folder's module, e.g. `report/html.rs` using
`super::` or `crate::report::X` defined in `report/mod.rs`), and the circles (groups of sibling
modules that import each other, directly or through others: strongly connected components of
more than one module). References are read from `use crate::…`, `use super::…`, `crate::a::b`
and `super::x` paths in the code (comments stripped); a path names the deepest module file it
reaches.
"""
import os
import re
import sys
from collections import defaultdict

CRATES = ["harness", "harness/stats", "reproductions/kit"]


def module_files(src):
    mods = {}
    for root, _, files in os.walk(src):
        for f in files:
            if not f.endswith(".rs"):
                continue
            path = os.path.join(root, f)
            rel = os.path.relpath(path, src)[:-3].split(os.sep)
            if rel == ["main"]:
                rel = ["(main.rs)"]  # the binary: a module of its own, not the library root
            elif rel[-1] in ("mod", "lib"):
                rel = rel[:-1]
            if rel and rel[0] == "bin":
                continue
            mods[tuple(rel)] = path
    return mods


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return "\n".join(l.split("//")[0] for l in text.splitlines())


def code_lines(path):
    """Lines of the file outside a trailing `#[cfg(test)] mod tests { … }` block."""
    lines = open(path, encoding="utf-8").read().splitlines()
    for i, l in enumerate(lines):
        if l.strip() == "#[cfg(test)]" and i + 1 < len(lines) and lines[i + 1].lstrip().startswith("mod tests"):
            return i
    return len(lines)


def expand_use(stmt):
    """`crate::a::{b, c::d}` -> ['crate::a::b', 'crate::a::c::d'] (one level of braces)."""
    m = re.match(r"(.*?)::\{(.*)\}$", stmt.strip())
    if not m:
        return [stmt.strip()]
    head, body = m.groups()
    parts, depth, cur = [], 0, ""
    for ch in body:
        if ch == "{":
            depth += 1
        if ch == "}":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    out = []
    for p in parts:
        p = p.strip()
        if p and p != "self":
            out.extend(expand_use(f"{head}::{p}"))
        elif p == "self":
            out.append(head)
    return out


def references(mod, path, mods):
    text = strip_comments(open(path, encoding="utf-8").read())
    # Cut a trailing test module: its imports are not the module's structure.
    cut = re.search(r"#\[cfg\(test\)\]\s*(?:pub(?:\([a-z]+\))?\s+)?mod \w+", text)
    if cut:
        text = text[: cut.start()]
    paths = []
    for stmt in re.findall(r"\buse\s+([^;]+);", text):
        paths.extend(expand_use(stmt))
    paths.extend(re.findall(r"(?<![\w:])((?:crate|super)(?:::\w+)+)", text))
    targets = set()
    for p in paths:
        segs = [s.strip() for s in p.split("::")]
        segs = [s.split(" as ")[0].strip() for s in segs]
        if segs[0] == "crate":
            base, rest = (), segs[1:]
        elif segs[0] == "super":
            # `super` of a/b.rs and of a/b/mod.rs is the module a; each further `super` one up.
            base, rest = mod[:-1], segs[1:]
            while rest and rest[0] == "super":
                base, rest = base[:-1], rest[1:]
        else:
            continue
        cur = tuple(base)
        for s in rest:
            if cur + (s,) in mods:
                cur = cur + (s,)
            else:
                break
        if cur != mod:
            targets.add(cur)
    return targets


def sccs(nodes, edges):
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
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
                out.append(sorted(comp))

    for v in nodes:
        if v not in index:
            visit(v)
    return out


def name(m):
    return "/".join(m) if m else "(root)"


def main():
    repo = sys.argv[1] if len(sys.argv) > 1 else "."
    crates = list(CRATES) + sorted(
        os.path.join("reproductions", d) for d in os.listdir(os.path.join(repo, "reproductions"))
        if d not in ("kit", "support", "source-hash") and os.path.isdir(os.path.join(repo, "reproductions", d, "src"))
    )
    total = 0
    for crate in crates:
        src = os.path.join(repo, crate, "src")
        if not os.path.isdir(src):
            continue
        mods = module_files(src)
        lines = {m: code_lines(p) for m, p in mods.items()}
        n = sum(lines.values())
        total += n
        big = sorted(((l, name(m)) for m, l in lines.items() if l > 800), reverse=True)
        print(f"## {crate}: {n} lines in {len(mods)} modules (tests excluded)")
        if big:
            print("   over 800 lines: " + ", ".join(f"{m} ({l})" for l, m in big))
        refs = {m: references(m, p, mods) for m, p in mods.items()}
        folders = defaultdict(list)
        for m in mods:
            folders[m[:-1] if m else None].append(m)
        for folder in sorted(f for f in folders if f is not None):
            children = set(folders[folder])
            depth = len(folder)

            def child_of(m):
                # The child of `folder` that `m` lies in (itself or below it), else None.
                return m[: depth + 1] if len(m) > depth and m[:depth] == folder else None

            # A child's arrows are those of every module inside it.
            agg = defaultdict(set)
            for m, targets in refs.items():
                c = child_of(m)
                if c is None:
                    continue
                for t in targets:
                    agg[c].add(t)
            arrows = {(a, child_of(b)) for a in children for b in agg[a]
                      if child_of(b) is not None and child_of(b) != a}
            up = {(a, b) for a in children for b in agg[a] if b == folder}
            down_edges = defaultdict(set)
            for a, b in arrows:
                down_edges[a].add(b)
            circles = sccs(sorted(children), down_edges)
            if len(children) < 2 and not up:
                continue
            print(f"   {name(folder) + '/':<14} {len(children):>2} modules, {len(arrows):>2} arrows between them, "
                  f"{len(up):>2} back up to {name(folder)}, {len(circles)} circle(s)"
                  + ("".join(f"; circle: {', '.join(c[-1] for c in circ)}" for circ in circles)))
    print(f"total: {total} lines")


if __name__ == "__main__":
    main()
