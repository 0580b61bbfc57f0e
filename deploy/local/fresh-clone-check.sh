#!/usr/bin/env bash
# `make test` from fresh clones in folders only their owner may enter (issue 10): as the current user and, when
# that is root, as an ordinary user too (WURAO_CHECK_USER, default nobody), who clones into a mktemp -d of its own
# (the repository reaches it as a bundle on stdin). No folder's permissions change. Each clone installs everything
# itself (`make install`: PyPI and npm), so this takes as long as two first installs and two test runs.
set -euo pipefail
repo=$(git rev-parse --show-toplevel)
check_user=${WURAO_CHECK_USER:-nobody}
# Runs in the clone's owner's shell: a private folder, the clone, `make test`; the folder goes when it is done.
in_clone='set -eu
d=$(mktemp -d)
trap '\''rm -rf "$d"'\'' EXIT
export HOME="$d"
cat > "$d/wurao.bundle"
git clone -q "$d/wurao.bundle" "$d/wurao"
echo "== make test in $d/wurao as $(id -un) (folder mode $(stat -c %a "$d"))"
make -C "$d/wurao" test'
git -C "$repo" bundle create - HEAD | bash -c "$in_clone"
if [ "$(id -u)" = 0 ]; then
    # root's PATH and virtualenv may lead into root's home (pyenv), which an ordinary user cannot enter: the
    # system's tools. The rest of the environment (CA bundles, package index settings) stays.
    git -C "$repo" bundle create - HEAD |
        runuser -u "$check_user" -- env -u VIRTUAL_ENV -u MAKEFLAGS -u MAKELEVEL PATH=/usr/bin:/bin bash -c "$in_clone"
fi
echo "== fresh clones passed make test"
