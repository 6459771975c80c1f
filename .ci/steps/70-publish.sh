#!/usr/bin/env bash
# Publishable crate: `cargo publish --dry-run` packages the crate as crates.io would receive it
# and builds it from the package, uploading nothing. Also checks that the package holds only
# the library, its examples and tests (Cargo.toml `exclude`): no board crate, fuzz target, CI
# script, work note or image.
set -euo pipefail
start=$SECONDS

list="$(cargo package --list)"
if grep -E '^(boards|fuzz|notes|docs|\.ci)/' <<<"$list"; then
    echo "70-publish: FAIL: the package holds the files above (see exclude in Cargo.toml)" >&2
    exit 1
fi
echo "package: $(wc -l <<<"$list") files"

# The README is the crate's page on crates.io, which resolves a relative link or image only
# against a `repository` URL; Cargo.toml has none, so every link must be absolute or an
# anchor of the README itself.
if ! grep -q '^repository *=' Cargo.toml; then
    if grep -nE '\]\((\.?/|[A-Za-z0-9_.-]+/|[A-Za-z0-9_-]+\.[A-Za-z]+\))' README.md; then
        echo "70-publish: FAIL: README.md links the lines above relatively; without a repository URL they break on crates.io" >&2
        exit 1
    fi
fi

# No --allow-dirty: CI runs on a fresh clone, and a step that leaves tracked files modified
# should fail here.
cargo publish --dry-run --locked

echo "70-publish: OK in $((SECONDS - start)) s"
