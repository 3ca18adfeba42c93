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
# Every file framelock delivers goes through an OutputPipeline, so its finishers (the provenance
# manifest) see it (src/core/output_pipeline.h). The analysis store's entries are the one
# exception: a cache of our own, never delivered.
if git ls-files 'src/*' 'apps/*' | grep -E '\.(cpp|h)$' | xargs grep -nE '\b(write_file_atomic|imwrite)\(' |
  grep -vE '^src/core/(file_util\.(h|cpp)|output_pipeline\.cpp):|^src/render/analysis_store\.cpp:'; then
  echo "ci_lint: write outputs through OutputPipeline::write_file (src/core/output_pipeline.h)" >&2
  exit 1
fi
echo "ci_lint: ${#sources[@]} files formatted, no raw json dumps, every output through the pipeline"
