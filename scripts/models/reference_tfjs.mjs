// Reference outputs from the ORIGINAL networks, run by pure-JS TensorFlow.js
// (CPU backend), for scripts/models/verify.py to compare with our ONNX files
// run in OpenCV DNN. Not used at run time. tfjs-node is avoided on purpose:
// its native binary is downloaded at install time, which we cannot do.
//
//   node reference_tfjs.mjs facerec <dir with face_recognition_model*> <in.f32> <out.f32>
//   node reference_tfjs.mjs selfie  <dir with selfie.json + .bin>      <in.f32> <out.f32>
//   node reference_tfjs.mjs nsfw    <dir with model.json + shards>     <in.f32> <out.f32>
//
// in.f32: raw little-endian float32, N x H x W x 3 (NHWC, RGB). For facerec
// H=W=150, values 0..255 (face-api normalises inside). For selfie H=W=256,
// values 0..1 (what @vladmandic/human feeds the model). For nsfw H=W=224, values 0..1 (what
// nsfwjs feeds it).
import { createRequire } from 'module';
import fs from 'fs';
import path from 'path';

const require = createRequire(path.join(process.cwd(), 'noop.js'));
const [mode, modelDir, inPath, outPath] = process.argv.slice(2);

function readInput(size) {
  const buf = fs.readFileSync(inPath);
  const data = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  const n = data.length / (size * size * 3);
  if (!Number.isInteger(n)) throw new Error(`${inPath}: not N x ${size} x ${size} x 3 float32`);
  return { data, n };
}

async function facerec() {
  // face-api's own Node build (needs @tensorflow/tfjs + the wasm backend
  // module to be importable); we pin the CPU backend for exact float32 maths.
  const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js');
  const tf = faceapi.tf;
  await tf.setBackend('cpu');
  await tf.ready();
  await faceapi.nets.faceRecognitionNet.loadFromDisk(modelDir);
  const { data, n } = readInput(150);
  const out = new Float32Array(n * 128);
  for (let i = 0; i < n; i++) {
    const t = tf.tensor3d(data.subarray(i * 150 * 150 * 3, (i + 1) * 150 * 150 * 3), [150, 150, 3], 'float32');
    const d = await faceapi.nets.faceRecognitionNet.computeFaceDescriptor(t);
    out.set(d, i * 128);
    t.dispose();
  }
  fs.writeFileSync(outPath, Buffer.from(out.buffer));
  console.log(`facerec: ${n} descriptor(s), backend ${tf.getBackend()}, tfjs ${tf.version_core}`);
}

async function graphModel(mode, jsonName, size) {
  const tf = require('@tensorflow/tfjs');
  await tf.setBackend('cpu');
  await tf.ready();
  // tf.loadGraphModel('file://') needs tfjs-node; read the artifacts ourselves.
  const json = JSON.parse(fs.readFileSync(path.join(modelDir, jsonName), 'utf8'));
  const specs = json.weightsManifest.flatMap((g) => g.weights);
  const bins = json.weightsManifest.flatMap((g) => g.paths).map((p) => fs.readFileSync(path.join(modelDir, p)));
  const weightData = new Uint8Array(Buffer.concat(bins)).buffer;
  const model = await tf.loadGraphModel(tf.io.fromMemory({
    modelTopology: json.modelTopology, weightSpecs: specs, weightData, format: json.format,
    generatedBy: json.generatedBy, convertedBy: json.convertedBy, signature: json.signature,
    userDefinedMetadata: json.userDefinedMetadata,
  }));
  const { data, n } = readInput(size);
  const chunks = [];
  const one = size * size * 3;
  for (let i = 0; i < n; i++) {
    const t = tf.tensor4d(data.subarray(i * one, (i + 1) * one), [1, size, size, 3], 'float32');
    const y = model.execute(t);
    const arr = Array.isArray(y) ? y : [y];
    for (const o of arr) { chunks.push(await o.data()); o.dispose(); }
    if (i === 0) console.log(`${mode}: output shape(s) ${arr.map((o) => JSON.stringify(o.shape)).join(' ')}`);
    t.dispose();
  }
  const total = chunks.reduce((a, c) => a + c.length, 0);
  const out = new Float32Array(total);
  let off = 0;
  for (const c of chunks) { out.set(c, off); off += c.length; }
  fs.writeFileSync(outPath, Buffer.from(out.buffer));
  console.log(`${mode}: ${n} output(s), backend ${tf.getBackend()}, tfjs ${tf.version_core}`);
}

const modes = {
  facerec,
  selfie: () => graphModel('selfie', 'selfie.json', 256),
  nsfw: () => graphModel('nsfw', 'model.json', 224),
};
if (!modes[mode]) { console.error('usage: reference_tfjs.mjs facerec|selfie|nsfw MODEL_DIR IN.f32 OUT.f32'); process.exit(2); }
modes[mode]().catch((e) => { console.error(e); process.exit(1); });
