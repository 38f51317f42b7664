#!/usr/bin/env node
// Reference outputs from ONNX Runtime (CPU, one intra-op thread) for the
// differential tests and the benchmark: runs MODEL.onnx on .npy inputs and
// writes one .npy per output (named after the output, as npu-run does, of
// the output's own element type) plus DIR/ort.json with the wall time per run.
//
// Usage: ort-reference.cjs MODEL.onnx --input=NAME=FILE.npy|.pb... --output-dir=DIR
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
// ONNX TensorProto (.pb, as ONNX's test data stores tensors): dims (1),
// data_type (2), float_data (4), int32_data (5), int64_data (7), raw_data (9),
// double_data (10); packed or not. Enough for test inputs.
const pbTypes = {
  1: ['float32', Float32Array], 2: ['uint8', Uint8Array], 3: ['int8', Int8Array],
  6: ['int32', Int32Array], 7: ['int64', BigInt64Array], 9: ['bool', Uint8Array],
  11: ['float64', Float64Array],
};
function readTensorProto(file) {
  const buf = fs.readFileSync(file);
  let pos = 0;
  const varint = () => {
    let v = 0n, shift = 0n;
    for (;;) {
      if (pos >= buf.length) die(`${file}: truncated TensorProto`);
      const b = buf[pos++];
      v |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
      shift += 7n;
    }
  };
  const dims = [], values = [];
  let dtype = 0, raw = null;
  while (pos < buf.length) {
    const key = Number(varint()), field = key >> 3, wire = key & 7;
    if (wire === 0) {
      const v = varint();
      if (field === 1) dims.push(Number(v));
      else if (field === 2) dtype = Number(v);
      else if (field === 5 || field === 7) values.push(BigInt.asIntN(64, v));
    } else if (wire === 2) {
      const len = Number(varint()), end = pos + len;
      if (field === 9) raw = buf.subarray(pos, end);
      else if (field === 1 || field === 5 || field === 7) {
        while (pos < end) {
          const v = varint();
          if (field === 1) dims.push(Number(v)); else values.push(BigInt.asIntN(64, v));
        }
      } else if (field === 4) {
        for (; pos < end; pos += 4) values.push(buf.readFloatLE(pos));
      } else if (field === 10) {
        for (; pos < end; pos += 8) values.push(buf.readDoubleLE(pos));
      }
      pos = end;
    } else if (wire === 5) {
      if (field === 4) values.push(buf.readFloatLE(pos));
      pos += 4;
    } else if (wire === 1) {
      if (field === 10) values.push(buf.readDoubleLE(pos));
      pos += 8;
    } else die(`${file}: unsupported TensorProto encoding`);
  }
  const dt = pbTypes[dtype];
  if (!dt) die(`${file}: unsupported TensorProto data type ${dtype}`);
  let data;
  if (raw) data = new dt[1](new Uint8Array(raw).buffer);
  else if (dt[1] === BigInt64Array) data = BigInt64Array.from(values, BigInt);
  else data = dt[1].from(values, Number);
  return { type: dt[0], data, dims };
}

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
    const t = inputs[name].endsWith('.pb') ? readTensorProto(inputs[name]) : readNpy(inputs[name]);
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
