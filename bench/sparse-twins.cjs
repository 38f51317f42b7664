#!/usr/bin/env node
// Dense-vs-pruned twins for pruning-aware tiling (docs/codegen.md, "Sparse
// weights"; bench/RESULTS.md, "Sparse weights").
//
// For a 64->64 3x3 convolution at 56x56 and a 256x256x256 matmul, writes
// ONNX models whose constant weights are dense, 50 % / 75 % zero in whole
// 16x16 blocks (the MAC array's weight tile on npu-v1: 16 input x 16 output
// channels, for the convolution the same block in every tap), 50 % zero in
// 16-output-channel groups, or 50 % zero unstructured. Each is compiled FP32
// and INT8 (--quantize=int8, two calibration samples) three times: by
// default (pruning-aware, weights stored compressed), with
// --sparse-weights=false (every weight tile issued dense, the weights still
// stored compressed and expanded by dma.expand, or for unstructured zeros
// by dma.expand.elem from element images, ISA v6) and with
// --sparse-weights=false --compress-weights=false (the dense twin). All run
// on the emulator with the same input. Prints two Markdown tables. The
// first, the default build: cycles, MAC-array busy cycles (npu-run
// --report, units.mac), weight bytes read from DRAM (npu-compile --report,
// weight_read_bytes), the .npubin size and its ratio to the twin's, the
// ratios against the dense model, the pruned layer's own cycles (from its
// first instruction's start to its last one's end: npu-compile --report's
// start_cycle and end_cycle, which are the emulator's) against the dense
// model's, and the output check against the twin on the same weights: INT8
// bit-identical, FP32 within 1e-5 of the largest magnitude. (The INT8
// models also quantize their FP32 input, a layer of their own that pruning
// does not touch.) The second, the expanding build against the twin: cycles,
// weight DRAM bytes and .npubin bytes, and the same output check.
//
// Usage: node bench/sparse-twins.cjs [--bin=build/bin] [--work=DIR]
// Exit status 1 when an output check fails or a target of issue 15 is
// missed, each named on stderr: against the dense model, 50 % block or
// 16-channel-group pruning above 0.55x MAC-busy cycles, 0.6x the pruned
// layer's cycles or 0.55x weight DRAM bytes; 75 % above 0.3x MAC-busy
// cycles; a 50 % unstructured build above 0.65x its twin's weight bytes or
// slower than it.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const lib = require('./lib.cjs');

const args = lib.parseArgs(process.argv.slice(2));
const root = path.join(__dirname, '..');
const bin = args.bin || path.join(root, 'build', 'bin');
const work = args.work || fs.mkdtempSync(path.join(os.tmpdir(), 'sparse-twins-'));
fs.mkdirSync(work, { recursive: true });
const BLOCK = 16; // npu-v1's array_rows x array_cols (runtime Target.h)

function run(tool, argv) {
  return lib.run(path.join(bin, tool), argv);
}
const rng = lib.xorshift;
function shuffled(n, rand) {
  const v = [...Array(n).keys()];
  for (let i = n - 1; i > 0; --i) {
    const j = Math.floor(rand() * (i + 1));
    [v[i], v[j]] = [v[j], v[i]];
  }
  return v;
}

// keep(k, n): whether entry (input channel k, output channel n) survives.
function pruneMask(variant, K, N, rand) {
  if (variant === 'dense') return () => true;
  if (variant.startsWith('block')) {
    const ratio = Number(variant.slice(5)) / 100;
    const kb = K / BLOCK, nb = N / BLOCK;
    const dead = new Set(shuffled(kb * nb, rand).slice(0, Math.round(ratio * kb * nb)));
    return (k, n) => !dead.has(Math.floor(k / BLOCK) * nb + Math.floor(n / BLOCK));
  }
  if (variant === 'group50') {
    const dead = new Set(shuffled(N / BLOCK, rand).slice(0, N / BLOCK / 2));
    return (k, n) => !dead.has(Math.floor(n / BLOCK));
  }
  if (variant === 'unstructured50') {
    const keep = new Uint8Array(K * N * 9).map(() => (rand() < 0.5 ? 0 : 1));
    let i = 0;
    return () => keep[i++ % keep.length] === 1;
  }
  throw new Error(variant);
}

function model(name, node, input, output, inits) {
  return lib.onnxModel(work, name, node, [['x', input]], ['y', output], inits);
}

function matmulModel(variant) {
  const K = 256, N = 256, rand = rng(1), keep = pruneMask(variant, K, N, rng(2));
  const w = Buffer.alloc(4 * K * N);
  for (let k = 0; k < K; ++k)
    for (let n = 0; n < N; ++n) {
      const v = (rand() - 0.5) * 0.25;
      w.writeFloatLE(keep(k, n) ? v : 0, 4 * (k * N + n));
    }
  return model(`mm256-${variant}`, 'node { op_type: "MatMul" input: "x" input: "w" output: "y" }',
    [256, 256], [256, 256], [['w', [K, N], w]]);
}

function convModel(variant) {
  const M = 64, C = 64, rand = rng(3), keep = pruneMask(variant, C, M, rng(4));
  const w = Buffer.alloc(4 * M * C * 9), b = Buffer.alloc(4 * M);
  for (let m = 0; m < M; ++m)
    for (let c = 0; c < C; ++c)
      for (let t = 0; t < 9; ++t) {
        const v = (rand() - 0.5) * 0.2;
        w.writeFloatLE(keep(c, m) ? v : 0, 4 * ((m * C + c) * 9 + t));
      }
  for (let m = 0; m < M; ++m) b.writeFloatLE((rand() - 0.5) * 0.5, 4 * m);
  return model(`conv64-${variant}`,
    'node { op_type: "Conv" input: "x" input: "w" input: "b" output: "y" attribute { name: "pads" ints: 1 ints: 1 ints: 1 ints: 1 type: INTS } }',
    [1, 64, 56, 56], [1, 64, 56, 56], [['w', [M, C, 3, 3], w], ['b', [M], b]]);
}


// mode: 'sparse' (the default), 'expand' (--sparse-weights=false) or
// 'dense' (the twin: both flags false).
function buildAndRun(onnx, x, calibration, int8, mode) {
  const tag = `${path.basename(onnx, '.onnx')}-${int8 ? 'int8' : 'fp32'}-${mode}`;
  const base = path.join(work, tag);
  const argv = [onnx, '-o', `${base}.npubin`, `--report=${base}.compile.json`];
  if (int8) argv.push('--quantize=int8', `--calibration=${calibration}`);
  if (mode !== 'sparse') argv.push('--sparse-weights=false');
  if (mode === 'dense') argv.push('--compress-weights=false');
  run('npu-compile', argv);
  fs.rmSync(`${base}.out`, { recursive: true, force: true });
  run('npu-run', [`${base}.npubin`, `--input=x=${x}`, `--output-dir=${base}.out`,
    `--report=${base}.run.json`]);
  const compiled = JSON.parse(fs.readFileSync(`${base}.compile.json`, 'utf8'));
  const ran = JSON.parse(fs.readFileSync(`${base}.run.json`, 'utf8'));
  const layer = compiled.layers.find((l) => l.name === 'y');
  return {
    cycles: ran.cycles, mac: ran.units.mac,
    layerCycles: layer.end_cycle - layer.start_cycle,
    weightRead: compiled.totals.weight_read_bytes,
    exeBytes: fs.statSync(`${base}.npubin`).size,
    y: `${base}.out/y.npy`,
  };
}

// The output check of `s` against the twin `d`.
function check(s, d, int8) {
  if (int8) {
    const ok = fs.readFileSync(s.y).equals(fs.readFileSync(d.y));
    return { ok, text: ok ? 'bit-identical' : 'DIFFERENT' };
  }
  const a = lib.npyFloats(s.y), b = lib.npyFloats(d.y);
  let peak = 1e-30, err = 0;
  for (let i = 0; i < b.length; ++i) {
    peak = Math.max(peak, Math.abs(b[i]));
    err = Math.max(err, Math.abs(a[i] - b[i]));
  }
  const ok = a.length === b.length && err / peak <= 1e-5;
  return { ok, text: err === 0 ? 'bit-identical' : `max err ${(err / peak).toExponential(1)}` + (ok ? '' : ' FAIL') };
}

const variants = ['dense', 'block50', 'block75', 'group50', 'unstructured50'];
let failures = 0;
const expandRows = [];
console.log('| layer | weights | type | cycles | MAC busy | weight DRAM bytes | .npubin bytes ' +
  '| .npubin / twin | cycles / dense | MAC / dense | weight bytes / dense | layer cycles | layer / dense ' +
  '| output vs twin |');
console.log('|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|');
for (const [name, make, shape] of [['conv64', convModel, [1, 64, 56, 56]],
                                   ['mm256', matmulModel, [256, 256]]]) {
  if (args.only && args.only !== name) continue;
  const x = path.join(work, `${name}.x.npy`);
  run('npu-build-example', [`--random-f32=${x}`, `--shape=${shape.join('x')}`, '--seed=15']);
  const calibration = path.join(work, `${name}.calibration`);
  fs.mkdirSync(calibration, { recursive: true });
  for (let i = 0; i < 2; ++i)
    run('npu-build-example', [`--random-f32=${path.join(calibration, `${i}.npy`)}`,
      `--shape=${shape.join('x')}`, `--seed=${100 + i}`]);
  const onnx = Object.fromEntries(variants.map((v) => [v, make(v)]));
  for (const int8 of [false, true]) {
    let dense = null;
    for (const v of variants) {
      const s = buildAndRun(onnx[v], x, calibration, int8, 'sparse');
      const e = buildAndRun(onnx[v], x, calibration, int8, 'expand');
      const d = buildAndRun(onnx[v], x, calibration, int8, 'dense');
      if (v === 'dense') dense = d;
      const cs = check(s, d, int8), ce = check(e, d, int8);
      failures += (cs.ok ? 0 : 1) + (ce.ok ? 0 : 1);
      if (v === 'unstructured50')
        for (const b of [s, e])
          if (b.weightRead > 0.65 * d.weightRead || b.cycles > d.cycles) {
            console.error(`${name} ${v} ${int8 ? 'INT8' : 'FP32'}: weight bytes ` +
              `${b.weightRead} / ${d.weightRead}, cycles ${b.cycles} / ${d.cycles}`);
            ++failures;
          }
      const target = (what, got, limit) => {
        if (got <= limit) return;
        console.error(`${name} ${v} ${int8 ? 'INT8' : 'FP32'}: ${what} ` +
          `${got.toFixed(3)}x dense, target <= ${limit}x`);
        ++failures;
      };
      if (v === 'block50' || v === 'group50') {
        target('MAC-busy cycles', s.mac / dense.mac, 0.55);
        target('pruned layer cycles', s.layerCycles / dense.layerCycles, 0.6);
        target('weight DRAM bytes', s.weightRead / dense.weightRead, 0.55);
      } else if (v === 'block75') {
        target('MAC-busy cycles', s.mac / dense.mac, 0.3);
      }
      const r = (p, q) => (p / q).toFixed(3);
      const type = int8 ? 'INT8' : 'FP32';
      console.log(`| ${name} | ${v} | ${type} | ${s.cycles} | ${s.mac} | ` +
        `${s.weightRead} | ${s.exeBytes} | ${r(s.exeBytes, d.exeBytes)} | ${r(s.cycles, dense.cycles)} | ` +
        `${r(s.mac, dense.mac)} | ${r(s.weightRead, dense.weightRead)} | ${s.layerCycles} | ` +
        `${r(s.layerCycles, dense.layerCycles)} | ${cs.text} |`);
      expandRows.push(`| ${name} | ${v} | ${type} | ${e.cycles} | ${e.weightRead} | ${e.exeBytes} | ` +
        `${r(e.cycles, d.cycles)} | ${r(e.weightRead, d.weightRead)} | ${r(e.exeBytes, d.exeBytes)} | ${ce.text} |`);
    }
  }
}
console.log('');
console.log('| layer | weights | type | cycles | weight DRAM bytes | .npubin bytes ' +
  '| cycles / twin | weight bytes / twin | .npubin / twin | output vs twin |');
console.log('|---|---|---|---:|---:|---:|---:|---:|---:|---|');
for (const row of expandRows) console.log(row);
console.log(`(work files in ${work})`);
process.exit(failures ? 1 : 0);
