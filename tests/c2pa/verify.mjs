// Reads a file's Content Credentials with the C2PA reference implementation (c2pa-rs, compiled to
// WebAssembly in @contentauth/c2pa-wasm), offline, and prints one JSON line:
//   {"state": "Trusted"|"Valid"|"Invalid"|"none", "failure": [codes], "success": [codes],
//    "informational": [codes], "manifest": {...active manifest...}, "error": "..."}
// Usage: node verify.mjs FILE MIME [TRUST_ANCHORS.pem]
// fromBytes, not fromBlob: fromBlob needs FileReaderSync, which Node lacks.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const pkg = path.join(here, 'node_modules/@contentauth/c2pa-wasm/pkg');
if (!fs.existsSync(pkg)) {
  console.error('c2pa-wasm is not installed: run scripts/setup.sh (npm ci in tests/c2pa)');
  process.exit(77);
}
const { initSync, WasmReader } = await import(path.join(pkg, 'c2pa.js'));
initSync({ module: fs.readFileSync(path.join(pkg, 'c2pa_bg.wasm')) });

const [file, mime, anchors] = process.argv.slice(2);
if (!file || !mime) {
  console.error('usage: node verify.mjs FILE MIME [TRUST_ANCHORS.pem]');
  process.exit(2);
}
const settings = { verify: { verify_trust: !!anchors } };
if (anchors) settings.trust = { user_anchors: fs.readFileSync(anchors, 'utf8') };

const codes = (list) => (list || []).map((r) => r.code);
try {
  const reader = await WasmReader.fromBytes(mime, new Uint8Array(fs.readFileSync(file)),
                                            JSON.stringify(settings));
  const store = JSON.parse(reader.json());
  const active = (store.validation_results || {}).activeManifest || {};
  const out = {
    state: store.validation_state,
    failure: codes(active.failure),
    success: codes(active.success),
    informational: codes(active.informational),
    explanations: (active.failure || []).map((r) => `${r.code}: ${r.explanation}`),
    manifest: store.manifests ? store.manifests[store.active_manifest] : null,
  };
  console.log(JSON.stringify(out));
} catch (e) {
  console.log(JSON.stringify({ state: 'none', error: String(e) }));
}
