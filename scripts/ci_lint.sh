#!/usr/bin/env bash
# Fast checks before anything is built: formatting, and the rules a compiler cannot see.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t sources < <(git ls-files '*.cpp' '*.h' '*.hpp' '*.c')
clang-format --dry-run -Werror "${sources[@]}"
# The product's JSON goes out through json_text(), which cannot throw on bytes that are not
# UTF-8 (src/core/json_text.h says why). Tests may dump what they built themselves.
if git ls-files 'src/*' 'apps/*' | grep -E '\.(cpp|h)$' | xargs grep -nE '\.dump\(' |
  grep -v '^src/core/json_text.h:'; then
  echo "ci_lint: use fl::json_text() instead of json::dump() (src/core/json_text.h)" >&2
  exit 1
fi
echo "ci_lint: ${#sources[@]} files formatted, no raw json dumps"
