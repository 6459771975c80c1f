#!/usr/bin/env python3
"""Count the public items of the `gln` library from rustdoc's JSON output.

Usage (from the repository root; rustdoc JSON needs a nightly toolchain):

    cargo +nightly rustdoc --lib --target-dir target/api -- -Z unstable-options --output-format json
    python3 .ci/public-items.py target/api/doc/gln.json            # the documented API
    cargo +nightly rustdoc --lib --target-dir target/api-hidden -- -Z unstable-options \
        --output-format json --document-hidden-items
    python3 .ci/public-items.py target/api-hidden/doc/gln.json     # plus the doc(hidden) items

An item is counted once when a user can name it from the crate root: modules, structs,
enums, traits, functions, constants, statics and type aliases, the fields and variants of
the structs and enums, their inherent associated items, and the items declared by the
crate's traits. Re-exports (`pub use`) are followed, not counted; trait implementations
(derives, `impl Trait for`) are not counted. `--by-module N` prints the counts per path
prefix of N segments.
"""
import collections
import json
import sys


def main():
    args = sys.argv[1:]
    depth = None
    if "--by-module" in args:
        i = args.index("--by-module")
        depth = int(args[i + 1])
        del args[i : i + 2]
    doc = json.load(open(args[0]))
    index = {int(k): v for k, v in doc["index"].items()}
    found = {}

    def fields_of(kind):
        if not isinstance(kind, dict):
            return []
        for key in ("plain", "struct"):
            if key in kind:
                return kind[key]["fields"]
        return [f for f in kind.get("tuple", []) if f is not None]

    def visit(item_id, path):
        item = index.get(item_id)
        if item is None or item["crate_id"] != 0 or item_id in found:
            return
        kind, inner = next(iter(item["inner"].items()))
        if kind == "use":
            found[item_id] = None
            visit(inner.get("id"), path)
            return
        here = path + [item["name"]]
        found[item_id] = "::".join(here)
        children = []
        if kind in ("module", "trait"):
            children = inner["items"]
        elif kind == "struct":
            children = fields_of(inner["kind"]) + inherent(inner["impls"])
        elif kind == "enum":
            children = inner["variants"] + inherent(inner["impls"])
        elif kind == "variant":
            children = fields_of(inner["kind"])
        for child in children:
            visit(child, here)

    def inherent(impls):
        items = []
        for impl_id in impls:
            impl = index.get(impl_id, {}).get("inner", {}).get("impl")
            if impl and impl["trait"] is None and not impl.get("blanket_impl"):
                items += impl["items"]
        return items

    visit(doc["root"], [])
    paths = [p for p in found.values() if p]
    print(len(paths))
    if depth:
        counts = collections.Counter("::".join(p.split("::")[:depth]) for p in paths)
        for prefix, n in sorted(counts.items()):
            print(f"{n:5} {prefix}")


main()
