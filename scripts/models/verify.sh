#!/usr/bin/env bash
# Re-runs the model checks (scripts/models/verify.py): converted ONNX models in
# OpenCV DNN against the original tfjs networks in Node.js, plus timings.
# Needs scripts/setup_models.sh to have run. The Node.js packages (pure-JS
# tfjs, pinned by scripts/models/package-lock.json) go to .cache/models-node.
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/setup_models.sh >/dev/null
NODE_DIR=.cache/models-node
mkdir -p "$NODE_DIR"
if ! cmp -s scripts/models/package-lock.json "$NODE_DIR/package-lock.json" || [ ! -d "$NODE_DIR/node_modules/@tensorflow/tfjs" ]; then
  cp scripts/models/package.json scripts/models/package-lock.json "$NODE_DIR/"
  (cd "$NODE_DIR" && npm ci --no-audit --no-fund --loglevel=error)
fi
cp scripts/models/reference_tfjs.mjs "$NODE_DIR/"
PYTHONDONTWRITEBYTECODE=1 exec /usr/bin/python3 scripts/models/verify.py "$@"
