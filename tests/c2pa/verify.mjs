// Reads a file's Content Credentials with the C2PA reference implementation (c2pa-rs, compiled to
// WebAssembly in @contentauth/c2pa-wasm), offline, and prints one JSON line:
//   {"state": "Trusted"|"Valid"|"Invalid"|"none", "failure": [codes], "success": [codes],
//    "informational": [codes], "manifest": {...active manifest...}, "error": "..."}
// Usage: node verify.mjs FILE MIME [TRUST_ANCHORS.pem] [--sidecar MANIFEST.c2pa]
// With --sidecar, the manifest is read from its own file and checked against FILE's bytes by
// @contentauth/toolkit (c2pa-rs 0.62, the reference's API for a manifest apart from its asset).
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

const args = process.argv.slice(2);
let sidecar = null;
const at = args.indexOf('--sidecar');
if (at >= 0) sidecar = args.splice(at, 2)[1];
const [file, mime, anchors] = args;
if (!file || !mime) {
  console.error('usage: node verify.mjs FILE MIME [TRUST_ANCHORS.pem] [--sidecar MANIFEST.c2pa]');
  process.exit(2);
}
const settings = { verify: { verify_trust: !!anchors } };
if (anchors) settings.trust = { user_anchors: fs.readFileSync(anchors, 'utf8') };

const codes = (list) => (list || []).map((r) => r.code);
if (sidecar) {
  const toolkit = path.join(here, 'node_modules/@contentauth/toolkit/pkg');
  if (!fs.existsSync(toolkit)) {
    console.error('@contentauth/toolkit is not installed: run scripts/setup.sh');
    process.exit(77);
  }
  const tk = await import(path.join(toolkit, 'toolkit.js'));
  tk.initSync({ module: fs.readFileSync(path.join(toolkit, 'toolkit_bg.wasm')) });
  try {
    const report = await tk.getManifestStoreFromManifestAndAsset(
        new Uint8Array(fs.readFileSync(sidecar)), new Uint8Array(fs.readFileSync(file)), mime,
        JSON.stringify(settings));
    const store = report.manifest_store || {};
    const active = (store.validation_results || {}).activeManifest || {};
    const failure = codes(active.failure);
    const success = codes(active.success);
    console.log(JSON.stringify({
      state: failure.length ? 'Invalid'
                            : success.includes('signingCredential.trusted') ? 'Trusted' : 'Valid',
      failure,
      success,
      informational: codes(active.informational),
      explanations: (active.failure || []).map((r) => `${r.code}: ${r.explanation}`),
      manifest: store.manifests ? store.manifests[store.active_manifest] : null,
    }));
  } catch (e) {
    console.log(JSON.stringify({ state: 'none', error: String(e && e.message ? e.message : e) }));
  }
  process.exit(0);
}
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
