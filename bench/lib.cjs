// Shared by the bench/ scripts (run-models.cjs, sparse-twins.cjs,
// qdq-twins.cjs): their --name=value arguments, running a tool, a
// deterministic random source, .npy float data and
// ONNX models written as text protos and encoded by protoc against ONNX's
// own schema.
'use strict';
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

/// `--name=value` arguments as an object; anything else is an error.
function parseArgs(argv) {
  return Object.fromEntries(argv.map((a) => {
    const m = /^--([^=]+)=(.*)$/.exec(a);
    if (!m) throw new Error(`bad argument '${a}' (use --name=value)`);
    return [m[1], m[2]];
  }));
}

/// Runs `file` with `argv`; returns its stdout (stderr passes through).
function run(file, argv) {
  return execFileSync(file, argv,
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 28 });
}

/// xorshift32 from `seed` (0 counts as 1): a function giving numbers in
/// [0, 1), the same sequence on every run.
function xorshift(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s / 4294967296;
  };
}

/// DIR/NAME.onnx (and its text proto DIR/NAME.txtpb): one graph of the
/// text-proto `node`s, FP32 `inputs` [[name, dims]...], `output` [name,
/// dims] and initializers [[name, dims, Buffer of little-endian values,
/// ONNX data type (default 1, FLOAT)]...]. Returns the .onnx path.
function onnxModel(dir, name, node, inputs, output, inits) {
  const dims = (d) => d.map((x) => `dim { dim_value: ${x} }`).join(' ');
  const vi = (n, d) => `{ name: "${n}" type { tensor_type { elem_type: 1 shape { ${dims(d)} } } } }`;
  let txt = `ir_version: 8 opset_import { version: 17 } graph { name: "${name}" ${node}\n`;
  for (const [n, d, buf, type = 1] of inits) {
    let esc = '';
    for (const byte of buf) esc += '\\' + byte.toString(8).padStart(3, '0');
    txt += `initializer { name: "${n}" data_type: ${type} ${d.map((x) => `dims: ${x}`).join(' ')} raw_data: "${esc}" }\n`;
  }
  for (const [n, d] of inputs) txt += `input ${vi(n, d)}\n`;
  txt += `output ${vi(output[0], output[1])} }\n`;
  const txtPath = path.join(dir, `${name}.txtpb`), onnx = path.join(dir, `${name}.onnx`);
  fs.writeFileSync(txtPath, txt);
  fs.writeFileSync(onnx, execFileSync('protoc', ['--encode=onnx.ModelProto', '-I/usr/include',
    '/usr/include/onnx/onnx.proto'], { input: txt, maxBuffer: 1 << 28 }));
  return onnx;
}

/// The float32 data of a .npy file (version 1.0, little-endian '<f4').
function npyFloats(file) {
  const buf = fs.readFileSync(file);
  const data = buf.subarray(10 + buf.readUInt16LE(8));
  return new Float32Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.length));
}

module.exports = { parseArgs, run, xorshift, onnxModel, npyFloats };
