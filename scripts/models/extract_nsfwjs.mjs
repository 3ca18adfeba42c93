// Extracts a tfjs graph model that nsfwjs bundles as JavaScript (UMD modules: model.min.js
// holds the model JSON as an object literal, group1-shard*.min.js each a base64 string) into
// the plain tfjs layout: model.json and its binary shards. Each file is evaluated in an empty
// vm context (no require, no process), so nothing of the package runs with access to anything.
//
//   node extract_nsfwjs.mjs DIR_WITH_MIN_JS OUT_DIR
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';

const [src, out] = process.argv.slice(2);
if (!src || !out) {
  console.error('usage: extract_nsfwjs.mjs SRC_DIR OUT_DIR');
  process.exit(2);
}

function load(file) {
  const sandbox = {};
  sandbox.self = sandbox;
  vm.createContext(sandbox);
  vm.runInContext(fs.readFileSync(path.join(src, file), 'utf8'), sandbox, {timeout: 10000});
  const keys = Object.keys(sandbox).filter((k) => k !== 'self');
  if (keys.length !== 1) throw new Error(`${file}: expected one export, got ${keys}`);
  return sandbox[keys[0]];
}

fs.mkdirSync(out, {recursive: true});
const model = load('model.min.js');
if (model.format !== 'graph-model') throw new Error('model.min.js: not a tfjs graph model');
for (const group of model.weightsManifest)
  for (const p of group.paths) {
    const b64 = load(`${p}.min.js`);
    if (typeof b64 !== 'string') throw new Error(`${p}.min.js: not a base64 string`);
    fs.writeFileSync(path.join(out, p), Buffer.from(b64, 'base64'));
  }
fs.writeFileSync(path.join(out, 'model.json'), JSON.stringify(model));
