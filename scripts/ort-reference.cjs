#!/usr/bin/env node
// Reference outputs from ONNX Runtime (CPU, one intra-op thread) for the
// differential tests and the benchmark: runs MODEL.onnx on .npy inputs and
// writes one .npy per output (named after the output, as npu-run does, of
// the output's own element type) plus DIR/ort.json with the wall time per run.
//
// Usage: ort-reference.cjs MODEL.onnx --input=NAME=FILE.npy... --output-dir=DIR
//                          [--repeat=N]
// ONNX Runtime comes from scripts/setup.sh (third_party/onnxruntime).
'use strict';
const fs = require('fs');
const path = require('path');

function die(msg) {
  process.stderr.write(`ort-reference: error: ${msg}\n`);
  process.exit(1);
}

// .npy version 1/2, little-endian float32 / int64 / int32 / uint8, C order.
const dtypes = {
  '<f4': ['float32', Float32Array], '<i8': ['int64', BigInt64Array],
  '<i4': ['int32', Int32Array], '|u1': ['uint8', Uint8Array],
};
function readNpy(file) {
  const buf = fs.readFileSync(file);
  if (buf.length < 10 || buf.toString('latin1', 0, 6) !== '\x93NUMPY')
    die(`${file}: not a .npy file`);
  const major = buf[6];
  const hlen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = (major === 1 ? 10 : 12) + hlen;
  const header = buf.toString('latin1', major === 1 ? 10 : 12, start);
  const descr = /'descr':\s*'([^']+)'/.exec(header);
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header);
  if (!descr || !shape || /'fortran_order':\s*True/.test(header))
    die(`${file}: unsupported .npy header`);
  const dt = dtypes[descr[1]];
  if (!dt) die(`${file}: unsupported dtype ${descr[1]}`);
  const dims = shape[1].split(',').map((s) => s.trim()).filter((s) => s)
                   .map(Number);
  const count = dims.reduce((a, b) => a * b, 1);
  const bytes = buf.subarray(start);
  if (bytes.length < count * dt[1].BYTES_PER_ELEMENT)
    die(`${file}: truncated data`);
  const copy = new Uint8Array(bytes.subarray(0, count * dt[1].BYTES_PER_ELEMENT));
  return { type: dt[0], data: new dt[1](copy.buffer), dims };
}

// ONNX Runtime's tensor types as .npy dtypes and typed arrays.
const outTypes = {
  float32: ['<f4', Float32Array], float64: ['<f8', Float64Array],
  int64: ['<i8', BigInt64Array], int32: ['<i4', Int32Array],
  int16: ['<i2', Int16Array], int8: ['|i1', Int8Array],
  uint64: ['<u8', BigUint64Array], uint32: ['<u4', Uint32Array],
  uint16: ['<u2', Uint16Array], uint8: ['|u1', Uint8Array],
  bool: ['|b1', Uint8Array],
};
function writeNpy(file, dims, data, type) {
  const shape = dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(', ')})`;
  const [descr, Array_] = outTypes[type] || outTypes.float32;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  header += ' '.repeat(pad % 64) + '\n';
  const head = Buffer.alloc(10);
  head.write('\x93NUMPY', 0, 'latin1');
  head[6] = 1;
  head[7] = 0;
  head.writeUInt16LE(header.length, 8);
  const big = Array_ === BigInt64Array || Array_ === BigUint64Array;
  const body = Buffer.from(Array_.from(data, big ? BigInt : Number).buffer);
  fs.writeFileSync(file + '.part', Buffer.concat([head, Buffer.from(header, 'latin1'), body]));
  fs.renameSync(file + '.part', file);
}

async function main() {
  const args = process.argv.slice(2);
  let model = null, outDir = null, repeat = 1;
  const inputs = {};
  for (const a of args) {
    if (a.startsWith('--input=')) {
      const v = a.slice(8), eq = v.indexOf('=');
      if (eq < 0) die(`--input needs NAME=FILE, got '${v}'`);
      inputs[v.slice(0, eq)] = v.slice(eq + 1);
    } else if (a.startsWith('--output-dir=')) outDir = a.slice(13);
    else if (a.startsWith('--repeat=')) repeat = Math.max(1, Number(a.slice(9)) | 0);
    else if (!a.startsWith('--') && !model) model = a;
    else die(`unknown argument '${a}'`);
  }
  if (!model || !outDir)
    die('usage: ort-reference.cjs MODEL.onnx --input=NAME=FILE.npy... --output-dir=DIR [--repeat=N]');
  const ortDir = path.join(__dirname, '..', 'third_party', 'onnxruntime', 'node_modules', 'onnxruntime-node');
  let ort;
  try {
    ort = require(ortDir);
  } catch (e) {
    die(`ONNX Runtime is not installed (run scripts/setup.sh): ${e.message.split('\n')[0]}`);
  }
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential',
  });
  const feeds = {};
  for (const name of session.inputNames) {
    if (!(name in inputs)) die(`${model}: no --input for graph input '${name}'`);
    const t = readNpy(inputs[name]);
    feeds[name] = new ort.Tensor(t.type, t.data, t.dims);
  }
  let results, times = [];
  for (let i = 0; i < repeat; ++i) {
    const t0 = process.hrtime.bigint();
    results = await session.run(feeds);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  fs.mkdirSync(outDir, { recursive: true });
  for (const name of session.outputNames) {
    const t = results[name];
    writeNpy(path.join(outDir, name + '.npy'), t.dims, t.data, t.type);
  }
  times.sort((a, b) => a - b);
  fs.writeFileSync(path.join(outDir, 'ort.json'), JSON.stringify({
    runs: repeat, median_ms: times[Math.floor(times.length / 2)], min_ms: times[0],
  }) + '\n');
}

main().catch((e) => die(e.message.split('\n')[0]));
