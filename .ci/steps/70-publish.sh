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
# against a `repository` URL. Every relative link must name a file of the source tree (so it
# resolves in the repository and, once `repository` is set, on crates.io); without a
# `repository` URL the step says which links crates.io cannot resolve yet.
links=$(grep -oE '\]\([^)#:]+\)' README.md | sed -E 's/^\]\(//; s/\)$//' | sort -u)
for target in $links; do
    if [ ! -e "$target" ]; then
        echo "70-publish: FAIL: README.md links $target, which does not exist" >&2
        exit 1
    fi
done
if ! grep -q '^repository *=' Cargo.toml && [ -n "$links" ]; then
    echo "70-publish: NOTE: no repository URL in Cargo.toml; crates.io will not resolve these README links until one is set:" $links
fi

# No --allow-dirty: CI runs on a fresh clone, and a step that leaves tracked files modified
# should fail here.
cargo publish --dry-run --locked

echo "70-publish: OK in $((SECONDS - start)) s"
