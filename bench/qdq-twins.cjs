#!/usr/bin/env node
// A pre-quantized (QDQ) model against its FP32 twin (docs/quantization.md,
// "Pre-quantized models"; bench/RESULTS.md, "Pre-quantized models").
//
// The block: a 32->64 3x3 convolution at 56x56 with ReLU, then a 64->64
// 1x1 convolution. The QDQ model is what ONNX Runtime's quantization tool
// writes for it: UINT8 activations (QuantizeLinear + DequantizeLinear on
// the input, after the ReLU and on the output), INT8 weights per output
// channel behind DequantizeLinear. The FP32 twin has the same (dequantized)
// weights and no Q/DQ nodes. Both run on the emulator with the same input;
// the FP32 twin also with --quantize=int8 (post-training quantization, two
// calibration samples). With --base=BIN_DIR the QDQ model is also compiled
// and run by that build. Prints one Markdown table: cycles, DRAM bytes,
// energy, nodes on the host CPU, and the output's largest difference from
// ONNX Runtime's run of the same model in units of the output's scale
// (QDQ: ONNX Runtime runs it as QLinearConv) or, for the FP32 and PTQ
// builds, relative to the FP32 output's largest magnitude.
//
// Usage: node bench/qdq-twins.cjs [--bin=build/bin] [--base=OLD/bin] [--work=DIR]
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const lib = require('./lib.cjs');

const args = lib.parseArgs(process.argv.slice(2));
const root = path.join(__dirname, '..');
const bin = args.bin || path.join(root, 'build', 'bin');
const work = args.work || fs.mkdtempSync(path.join(os.tmpdir(), 'qdq-twins-'));
fs.mkdirSync(work, { recursive: true });
const ortReference = path.join(root, 'scripts', 'ort-reference.cjs');

const C = 32, M = 64, H = 56, Y_SCALE = 0.1;
const rand = lib.xorshift(7);
// INT8 codes per output channel, each channel reaching +-127 (the
// quantization tool's symmetric max-abs scale).
function codes(out, per) {
  const q = new Int8Array(out * per);
  for (let m = 0; m < out; ++m) {
    for (let i = 0; i < per; ++i) q[m * per + i] = Math.round((rand() - 0.5) * 200);
    q[m * per + Math.floor(rand() * per)] = rand() < 0.5 ? 127 : -127;
  }
  return q;
}
function floats(values) {
  const b = Buffer.alloc(4 * values.length);
  values.forEach((v, i) => b.writeFloatLE(v, 4 * i));
  return b;
}
const w1 = codes(M, C * 9), w2 = codes(M, M);
const s1 = Array.from({ length: M }, () => 0.002 + 0.002 * rand());
const s2 = Array.from({ length: M }, () => 0.003 + 0.003 * rand());
const b1 = Array.from({ length: M }, () => (rand() - 0.5) * 0.4);
const b2 = Array.from({ length: M }, () => (rand() - 0.5) * 0.4);
// The dequantized weights, as ONNX's DequantizeLinear computes them.
const deq = (q, s, per) => Array.from(q, (v, i) => Math.fround(v * Math.fround(s[Math.floor(i / per)])));

const conv1 = 'node { op_type: "Conv" name: "conv1" input: "%IN" input: "w1" input: "b1" output: "c1" ' +
  'attribute { name: "pads" ints: 1 ints: 1 ints: 1 ints: 1 type: INTS } }' +
  'node { op_type: "Relu" name: "relu1" input: "c1" output: "r1" }';
const conv2 = 'node { op_type: "Conv" name: "conv2" input: "%IN" input: "w2" input: "b2" output: "%OUT" }';
const shape = [1, C, H, H], outShape = [1, M, H, H];

function fp32Model() {
  return lib.onnxModel(work, 'block-fp32',
    conv1.replace('%IN', 'x') + conv2.replace('%IN', 'r1').replace('%OUT', 'y'),
    [['x', shape]], ['y', outShape],
    [['w1', [M, C, 3, 3], floats(deq(w1, s1, C * 9))], ['b1', [M], floats(b1)],
     ['w2', [M, M, 1, 1], floats(deq(w2, s2, M))], ['b2', [M], floats(b2)]]);
}

function qdqModel() {
  const qdq = (name, input, output, scale, zp) =>
    `node { op_type: "QuantizeLinear" name: "q_${name}" input: "${input}" input: "${name}_s" input: "${name}_zp" output: "${name}_q" }` +
    `node { op_type: "DequantizeLinear" name: "dq_${name}" input: "${name}_q" input: "${name}_s" input: "${name}_zp" output: "${output}" }`;
  const dqWeights = (name) =>
    `node { op_type: "DequantizeLinear" name: "dq_${name}" input: "${name}_q" input: "${name}_s" input: "${name}_zp" output: "${name}" attribute { name: "axis" i: 0 type: INT } }`;
  const nodes = qdq('x', 'x', 'xd') + dqWeights('w1') + conv1.replace('%IN', 'xd') +
    qdq('r', 'r1', 'rd') + dqWeights('w2') + conv2.replace('%IN', 'rd').replace('%OUT', 'c2') +
    qdq('y', 'c2', 'y');
  const u8 = (v) => [Buffer.from([v]), 2];
  return lib.onnxModel(work, 'block-qdq', nodes, [['x', shape]], ['y', outShape], [
    ['x_s', [], floats([0.02])], ['x_zp', [], ...u8(128)],
    ['r_s', [], floats([0.05])], ['r_zp', [], ...u8(0)],
    ['y_s', [], floats([Y_SCALE])], ['y_zp', [], ...u8(128)],
    ['w1_q', [M, C, 3, 3], Buffer.from(w1.buffer), 3], ['w1_s', [M], floats(s1)],
    ['w1_zp', [M], Buffer.alloc(M), 3], ['b1', [M], floats(b1)],
    ['w2_q', [M, M, 1, 1], Buffer.from(w2.buffer), 3], ['w2_s', [M], floats(s2)],
    ['w2_zp', [M], Buffer.alloc(M), 3], ['b2', [M], floats(b2)],
  ]);
}


function buildAndRun(tag, tools, onnx, extra) {
  const base = path.join(work, tag);
  lib.run(path.join(tools, 'npu-compile'), [onnx, '-o', `${base}.npubin`,
    `--placement-report=${base}.placement.json`, ...extra]);
  fs.rmSync(`${base}.out`, { recursive: true, force: true });
  lib.run(path.join(tools, 'npu-run'), [`${base}.npubin`, `--input=x=${x}`,
    `--output-dir=${base}.out`, `--report=${base}.run.json`]);
  const ran = JSON.parse(fs.readFileSync(`${base}.run.json`, 'utf8'));
  const placed = JSON.parse(fs.readFileSync(`${base}.placement.json`, 'utf8'));
  return { cycles: ran.cycles, dram: ran.dram_read_bytes + ran.dram_write_bytes,
    energy: ran.energy_pj, cpu: placed.nodes_on_cpu, y: lib.npyFloats(`${base}.out/y.npy`) };
}

function ortRun(tag, onnx) {
  const dir = path.join(work, `${tag}.ort`);
  lib.run('node', [ortReference, onnx, `--input=x=${x}`, `--output-dir=${dir}`]);
  return lib.npyFloats(path.join(dir, 'y.npy'));
}

const x = path.join(work, 'x.npy');
lib.run(path.join(bin, 'npu-build-example'), [`--random-f32=${x}`, `--shape=${shape.join('x')}`, '--seed=21']);
const calibration = path.join(work, 'calibration');
fs.mkdirSync(calibration, { recursive: true });
for (let i = 0; i < 2; ++i)
  lib.run(path.join(bin, 'npu-build-example'), [`--random-f32=${path.join(calibration, `${i}.npy`)}`,
    `--shape=${shape.join('x')}`, `--seed=${200 + i}`]);
const fp32 = fp32Model(), qdq = qdqModel();
const refFp32 = ortRun('fp32', fp32), refQdq = ortRun('qdq', qdq);
const maxDiff = (a, b) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
const peak = refFp32.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

const rows = [
  ['FP32 twin', buildAndRun('fp32', bin, fp32, []), refFp32, 'rel'],
  ['FP32 twin, --quantize=int8', buildAndRun('ptq', bin, fp32, ['--quantize=int8', `--calibration=${calibration}`]), refFp32, 'rel'],
  ['QDQ', buildAndRun('qdq', bin, qdq, []), refQdq, 'codes'],
];
if (args.base) rows.push(['QDQ, --base build', buildAndRun('qdq-base', args.base, qdq, []), refQdq, 'codes']);
const first = rows[0][1];
console.log('| model | cycles | cycles / FP32 | DRAM bytes | energy (uJ) | nodes on CPU | output vs ONNX Runtime |');
console.log('|---|---:|---:|---:|---:|---:|---|');
for (const [name, r, ref, unit] of rows) {
  const d = maxDiff(r.y, ref);
  const err = unit === 'codes' ? `${(d / Y_SCALE).toFixed(2)} codes` : `${(d / peak).toExponential(1)} of max`;
  console.log(`| ${name} | ${r.cycles} | ${(r.cycles / first.cycles).toFixed(3)} | ${r.dram} | ` +
    `${(r.energy / 1e6).toFixed(1)} | ${r.cpu} | ${err} |`);
}
console.log(`(work files in ${work})`);
