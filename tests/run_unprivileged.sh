#!/usr/bin/env bash
# The permission tests skip themselves as root, who reads and writes whatever the modes say, and
# CI runs as root. This runs them again as `nobody`, where they must run, not skip.
# Usage: run_unprivileged.sh FILTER BINARY...
set -euo pipefail
filter="$1"
shift
if [ "$(id -u)" -ne 0 ]; then
  echo "not root: the permission tests already ran in their own suites"
  exit 77
fi
status=0
for bin in "$@"; do
  out=$(cd /tmp && setpriv --reuid=nobody --regid=nogroup --clear-groups -- \
    env HOME=/tmp TMPDIR=/tmp "$bin" --gtest_filter="$filter" 2>&1) || status=1
  echo "$out"
  if grep -q '\[  SKIPPED \]' <<<"$out"; then
    echo "run_unprivileged: a permission test skipped itself as $(setpriv --reuid=nobody id -un)"
    status=1
  fi
  if ! grep -q '\[  PASSED  \] [1-9]' <<<"$out"; then
    echo "run_unprivileged: $bin ran no test"
    status=1
  fi
done
exit $status
