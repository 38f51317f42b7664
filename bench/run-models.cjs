#!/usr/bin/env node
// Whole-model benchmark: compiles, runs on the emulator and runs on ONNX
// Runtime (one thread) the PaddleOCR models and a few synthetic layers, and
// rewrites the "Models" section of bench/RESULTS.md (between the
// <!-- models:begin --> and <!-- models:end --> markers) with, per model:
// compile time, NPU cycles and time at the target clock, MAC utilisation,
// cycles against the roofline lower bound, DRAM bytes against compulsory
// traffic, the activation arena against its liveness lower bound, energy,
// and the emulator's host wall time against ONNX Runtime's on the same
// input, measured side by side in this one run; then the same models
// quantized to INT8 (calibrated on inputs distinct from the measured one):
// cycles, utilisation, DRAM bytes and energy against the FP32 rows, and the
// output's cosine similarity to FP32. The PaddleOCR models' roofline and
// memory charts (npu-compile --report-charts) go to bench/charts/, linked
// from the section.
//
// Usage: run-models.cjs --bin=build/bin --models=third_party/models
//                       [--results=bench/RESULTS.md] [--work=DIR]
//                       [--int8-args="--int8-depthwise ..."]
// --int8-args adds npu-compile options to the INT8 compiles (a policy to
// compare against the default; write it to another --results file).
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { parseArgs, run, xorshift, onnxModel } = require('./lib.cjs');

const args = parseArgs(process.argv.slice(2));
const root = path.join(__dirname, '..');
const bin = args.bin || path.join(root, 'build', 'bin');
const models = args.models || path.join(root, 'third_party', 'models');
const results = args.results || path.join(__dirname, 'RESULTS.md');
const work = args.work || fs.mkdtempSync(path.join(os.tmpdir(), 'npu-bench-'));
fs.mkdirSync(work, { recursive: true });

function timed(fn) {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

// A synthetic one-node model with constant random weights (text proto,
// encoded by protoc), so weights sit in the constant segment as in a real
// model.
// An initializer [name, dims, value] holds `value` in every element (a
// constant such as GELU's 1/sqrt(2) or LayerNorm's unit scale).
function syntheticModel(name, node, inputs, inits, output) {
  const rand = xorshift(1);
  const buffers = inits.map(([n, d, value]) => {
    const count = d.reduce((a, b) => a * b, 1);
    const buf = Buffer.alloc(4 * count);
    for (let i = 0; i < count; ++i)
      buf.writeFloatLE(value !== undefined ? value : (rand() - 0.5) * 0.2, 4 * i);
    return [n, d, buf];
  });
  return onnxModel(work, name, node, inputs, output, buffers);
}

// A post-norm transformer encoder layer (BERT's): one attention head over
// 128 tokens of 256, a residual and LayerNormalization, a 1024-wide FFN
// with GELU written as ONNX exporters write it (x * 0.5 * (1 + erf(x /
// sqrt(2)))), a residual and LayerNormalization.
function encoderLayer() {
  const n = (op, ins, out, attrs = '') =>
    `node { op_type: "${op}" ${ins.map((i) => `input: "${i}"`).join(' ')} output: "${out}" ${attrs} } `;
  return n('MatMul', ['x', 'wq'], 'q0') + n('Add', ['q0', 'bq'], 'q') +
    n('MatMul', ['x', 'wk'], 'k0') + n('Add', ['k0', 'bk'], 'k') +
    n('MatMul', ['x', 'wv'], 'v0') + n('Add', ['v0', 'bv'], 'v') +
    n('Transpose', ['k'], 'kt', 'attribute { name: "perm" ints: 1 ints: 0 type: INTS }') +
    n('MatMul', ['q', 'kt'], 's0') + n('Mul', ['s0', 'scale'], 's1') +
    n('Softmax', ['s1'], 'p', 'attribute { name: "axis" i: -1 type: INT }') +
    n('MatMul', ['p', 'v'], 'a') + n('MatMul', ['a', 'wo'], 'o0') + n('Add', ['o0', 'bo'], 'o') +
    n('Add', ['x', 'o'], 'h0') +
    n('LayerNormalization', ['h0', 'g1', 'e1'], 'h', 'attribute { name: "axis" i: -1 type: INT }') +
    n('MatMul', ['h', 'w1'], 'f0') + n('Add', ['f0', 'b1'], 'f1') +
    n('Mul', ['f1', 'rsqrt2'], 'f2') + n('Erf', ['f2'], 'f3') + n('Add', ['f3', 'one'], 'f4') +
    n('Mul', ['f1', 'f4'], 'f5') + n('Mul', ['f5', 'half'], 'f6') +
    n('MatMul', ['f6', 'w2'], 'f7') + n('Add', ['f7', 'b2'], 'f8') +
    n('Add', ['h', 'f8'], 'r') +
    n('LayerNormalization', ['r', 'g2', 'e2'], 'y', 'attribute { name: "axis" i: -1 type: INT }');
}

const ocrLine = path.join(work, 'line.png');
run(path.join(bin, 'npu-ocr'), ['render', '--text=Hello NPU 2026', '-o', ocrLine]);
const cases = [
  { name: 'PaddleOCR cls (1x3x48x192)', model: path.join(models, 'ch_ppocr_mobile_v2.0_cls_infer.onnx'),
    shape: 'x:1x3x48x192', ocr: 'cls' },
  { name: 'PaddleOCR rec (1x3x48x320)', model: path.join(models, 'ch_PP-OCRv4_rec_infer.onnx'),
    shape: 'x:1x3x48x320', ocr: 'rec' },
  { name: 'PaddleOCR det (1x3x640x640)', model: path.join(models, 'ch_PP-OCRv4_det_infer.onnx'),
    shape: 'x:1x3x640x640', ocr: 'det' },
  // The same with its backbone's chains run band by band (row-band
  // cascades, docs/codegen.md): fewer DRAM bytes, more cycles.
  { name: 'PaddleOCR det (1x3x640x640), --cascade',
    model: path.join(models, 'ch_PP-OCRv4_det_infer.onnx'), shape: 'x:1x3x640x640', ocr: 'det',
    tag: '.cascade', options: ['--cascade'] },
  { name: 'Conv 3x3, 64->64, 1x64x112x112 (3.2 MB input)',
    model: syntheticModel('conv3x3',
      'node { op_type: "Conv" input: "x" input: "w" input: "b" output: "y" attribute { name: "pads" ints: 1 ints: 1 ints: 1 ints: 1 type: INTS } }',
      [['x', [1, 64, 112, 112]]], [['w', [64, 64, 3, 3]], ['b', [64]]], ['y', [1, 64, 112, 112]]),
    input: [1, 64, 112, 112] },
  { name: 'Depthwise conv 3x3, 1x128x56x56',
    model: syntheticModel('depthwise',
      'node { op_type: "Conv" input: "x" input: "w" input: "b" output: "y" attribute { name: "pads" ints: 1 ints: 1 ints: 1 ints: 1 type: INTS } attribute { name: "group" i: 128 type: INT } }',
      [['x', [1, 128, 56, 56]]], [['w', [128, 1, 3, 3]], ['b', [128]]], ['y', [1, 128, 56, 56]]),
    input: [1, 128, 56, 56] },
  { name: 'Depthwise-separable block, 1x128x56x56 (dw 3x3, ReLU, pw 1x1, ReLU)',
    model: syntheticModel('separable',
      'node { op_type: "Conv" input: "x" input: "dw" input: "db" output: "d" attribute { name: "pads" ints: 1 ints: 1 ints: 1 ints: 1 type: INTS } attribute { name: "group" i: 128 type: INT } } ' +
      'node { op_type: "Relu" input: "d" output: "r" } ' +
      'node { op_type: "Conv" input: "r" input: "pw" input: "pb" output: "p" } ' +
      'node { op_type: "Relu" input: "p" output: "y" }',
      [['x', [1, 128, 56, 56]]],
      [['dw', [128, 1, 3, 3]], ['db', [128]], ['pw', [128, 128, 1, 1]], ['pb', [128]]],
      ['y', [1, 128, 56, 56]]),
    input: [1, 128, 56, 56] },
  { name: 'Encoder layer, 128 tokens x 256 (one head, FFN 1024, GELU)',
    model: syntheticModel('encoder', encoderLayer(),
      [['x', [128, 256]]],
      [['wq', [256, 256]], ['bq', [256]], ['wk', [256, 256]], ['bk', [256]],
        ['wv', [256, 256]], ['bv', [256]], ['wo', [256, 256]], ['bo', [256]],
        ['g1', [256], 1], ['e1', [256], 0], ['w1', [256, 1024]], ['b1', [1024]],
        ['w2', [1024, 256]], ['b2', [256]], ['g2', [256], 1], ['e2', [256], 0],
        ['scale', [1], 1 / 16], ['rsqrt2', [1], Math.SQRT1_2], ['one', [1], 1],
        ['half', [1], 0.5]],
      ['y', [128, 256]]),
    input: [128, 256] },
  { name: 'MatMul 384x768 x 768x768',
    model: syntheticModel('matmul', 'node { op_type: "MatMul" input: "x" input: "w" output: "y" }',
      [['x', [384, 768]]], [['w', [768, 768]]], ['y', [384, 768]]),
    input: [384, 768] },
];

// INT8 calibration sets, distinct from the measured inputs: rendered lines
// (PaddleOCR) or seeded random tensors (synthetic layers).
const calibrationLines = ['The quick brown fox', 'jumps over 42 lazy dogs',
  'Invoice total: 318.75', 'Zebra crossing ahead'];
function calibrationSet(c, base) {
  const dir = base + '.calibration';
  fs.mkdirSync(dir, { recursive: true });
  const count = c.ocr === 'det' ? 2 : calibrationLines.length;
  for (let i = 0; i < count; ++i) {
    const out = path.join(dir, `${i}.npy`);
    if (c.ocr) {
      const png = path.join(work, `calibration-${i}.png`);
      run(path.join(bin, 'npu-ocr'), ['render', `--text=${calibrationLines[i]}`, '-o', png]);
      run(path.join(bin, 'npu-ocr'), ['preprocess', `--model=${c.ocr}`, png, '-o', out]);
    } else {
      run(path.join(bin, 'npu-build-example'), [`--random-f32=${out}`,
        `--shape=${c.input.join('x')}`, `--seed=${100 + i}`]);
    }
  }
  return dir;
}

const rows = [], int8Rows = [], charts = [];
for (const c of cases) {
  process.stderr.write(`bench: ${c.name}\n`);
  const base = path.join(work, path.basename(c.model, '.onnx') + (c.tag || ''));
  const x = base + '.x.npy';
  if (c.ocr) run(path.join(bin, 'npu-ocr'), ['preprocess', `--model=${c.ocr}`, ocrLine, '-o', x]);
  else run(path.join(bin, 'npu-build-example'), [`--random-f32=${x}`, `--shape=${c.input.join('x')}`]);
  const compileArgs = [c.model, '-o', base + '.npubin', `--report=${base}.compile.json`];
  if (c.shape) compileArgs.push(`--input-shape=${c.shape}`);
  compileArgs.push(...(c.options || []));
  const compileMs = timed(() => run(path.join(bin, 'npu-compile'), compileArgs));
  // PaddleOCR's roofline and memory charts (npu-compile --report-charts),
  // from a second compile so the timed one writes the report only.
  if (c.ocr && !c.tag) {
    run(path.join(bin, 'npu-compile'), [...compileArgs.map((a) => a.replace(base + '.npubin',
      base + '.charts.npubin')), '--report-charts']);
    fs.mkdirSync(path.join(__dirname, 'charts'), { recursive: true });
    for (const kind of ['roofline', 'memory']) {
      fs.copyFileSync(`${base}.compile.json.${kind}.svg`,
        path.join(__dirname, 'charts', `${path.basename(c.model, '.onnx')}.${kind}.svg`));
    }
    charts.push({ name: c.name, id: path.basename(c.model, '.onnx') });
  }
  const emuMs = timed(() => run(path.join(bin, 'npu-run'), [base + '.npubin', `--input=x=${x}`,
    `--output-dir=${base}.npu`, `--report=${base}.run.json`]));
  run('node', [path.join(root, 'scripts', 'ort-reference.cjs'), c.model, `--input=x=${x}`,
    `--output-dir=${base}.ort`, '--repeat=5']);
  const comp = JSON.parse(fs.readFileSync(base + '.compile.json', 'utf8')).totals;
  const runr = JSON.parse(fs.readFileSync(base + '.run.json', 'utf8'));
  const ort = JSON.parse(fs.readFileSync(path.join(base + '.ort', 'ort.json'), 'utf8'));
  const dram = runr.dram_read_bytes + runr.dram_write_bytes;
  rows.push({
    name: c.name, compileMs, cycles: runr.cycles, timeMs: runr.cycles / runr.target.clock_hz * 1e3,
    util: runr.mac_utilization, roof: comp.roofline_cycles, dram, compulsory: comp.compulsory_dram_bytes,
    arena: comp.arena_bytes, lower: comp.arena_lower_bound_bytes, energy: runr.energy_pj / 1e6,
    split: runr.energy_split_pj, emuMs, ortMs: ort.median_ms,
  });
  // INT8: calibrated, compiled, run on the same input, compared with FP32.
  const q = base + '.int8';
  const qArgs = [c.model, '-o', q + '.npubin', '--quantize=int8',
    `--calibration=${calibrationSet(c, base)}`];
  if (c.shape) qArgs.push(`--input-shape=${c.shape}`);
  qArgs.push(...(c.options || []));
  if (args['int8-args']) qArgs.push(...args['int8-args'].split(' ').filter(Boolean));
  const qCompileMs = timed(() => run(path.join(bin, 'npu-compile'), qArgs));
  run(path.join(bin, 'npu-run'), [q + '.npubin', `--input=x=${x}`, `--output-dir=${q}.npu`,
    `--report=${q}.run.json`]);
  const out = fs.readdirSync(base + '.npu').find((f) => f.endsWith('.npy'));
  const cmp = run(path.join(bin, 'npu-compare'), [path.join(q + '.npu', out),
    path.join(base + '.npu', out), '--min-cosine=1e-9']);
  const cosine = /cosine ([0-9.]+)/.exec(cmp);
  const qr = JSON.parse(fs.readFileSync(q + '.run.json', 'utf8'));
  int8Rows.push({
    name: c.name, compileMs: qCompileMs, cycles: qr.cycles, fp32Cycles: runr.cycles,
    util: qr.mac_utilization, dram: qr.dram_read_bytes + qr.dram_write_bytes, fp32Dram: dram,
    energy: qr.energy_pj / 1e6, fp32Energy: runr.energy_pj / 1e6,
    split: qr.energy_split_pj, cosine: cosine ? cosine[1] : 'n/a',
  });
}

const mb = (b) => (b / 1e6).toFixed(2) + ' MB';
const x = (a, b) => (b > 0 ? (a / b).toFixed(2) + 'x' : 'n/a');
// npu-run's energy by destination (pJ), as shares: DRAM / scratchpad / MAC
// array / vector unit.
const split = (e) => {
  const total = e.dram + e.scratchpad + e.mac_array + e.vector + e.host_cpu;
  const pct = (v) => (total > 0 ? Math.round(100 * v / total) : 0);
  return `${pct(e.dram)}/${pct(e.scratchpad)}/${pct(e.mac_array)}/${pct(e.vector)}`;
};
let table = '| model | compile | NPU cycles | at 1 GHz | MAC util. | cycles / roofline | DRAM (/ compulsory) | arena (/ liveness bound) | energy | energy % DRAM/SRAM/MAC/vector | emulator host (/ ONNX Runtime) |\n';
table += '|---|---|---|---|---|---|---|---|---|---|---|\n';
for (const r of rows)
  table += `| ${r.name} | ${(r.compileMs / 1e3).toFixed(2)} s | ${r.cycles.toLocaleString('en-US')} | ` +
    `${r.timeMs.toFixed(2)} ms | ${(100 * r.util).toFixed(1)} % | ${x(r.cycles, r.roof)} | ` +
    `${mb(r.dram)} (${x(r.dram, r.compulsory)}) | ${mb(r.arena)} (${x(r.arena, r.lower)}) | ` +
    `${(r.energy / 1e3).toFixed(2)} mJ | ${split(r.split)} | ` +
    `${(r.emuMs / 1e3).toFixed(2)} s (${x(r.emuMs, r.ortMs)}) |\n`;

let int8Table = '| model | compile (with calibration) | INT8 cycles (/ FP32) | MAC util. | DRAM (/ FP32) | energy (/ FP32) | energy % DRAM/SRAM/MAC/vector | output cosine vs FP32 |\n';
int8Table += '|---|---|---|---|---|---|---|---|\n';
for (const r of int8Rows)
  int8Table += `| ${r.name} | ${(r.compileMs / 1e3).toFixed(2)} s | ${r.cycles.toLocaleString('en-US')} ` +
    `(${x(r.cycles, r.fp32Cycles)}) | ${(100 * r.util).toFixed(1)} % | ${mb(r.dram)} (${x(r.dram, r.fp32Dram)}) | ` +
    `${(r.energy / 1e3).toFixed(2)} mJ (${x(r.energy, r.fp32Energy)}) | ${split(r.split)} | ${r.cosine} |\n`;

const section = `<!-- models:begin -->
## Models (FP32, npu-v1)

Written by \`node bench/run-models.cjs --bin=build/bin\` (all rows from one
run on this machine, ${new Date().toISOString().slice(0, 10)}). Inputs: a rendered text line (npu-ocr) for
PaddleOCR, seeded random tensors for the synthetic layers, whose weights are
constants. *compile*: npu-compile wall time to a .npubin; *cycles /
roofline*: emulated cycles over max(MACs / peak FP32 MACs per cycle,
compulsory DRAM bytes / DRAM bytes per cycle); *DRAM*: bytes moved by DMA
over compulsory traffic (weights, inputs and outputs once); *arena*: the
activation arena over the largest sum of bytes live at once; *energy %*:
npu-run's energy by destination (\`energy_split_pj\`: DRAM bytes,
scratchpad and accumulator bytes, MAC-array MACs, vector lane operations,
as shares of the total; none of these models runs a node on the host CPU,
whose share would be the rest); *emulator
host*: npu-run's wall time (load, run, write outputs) over ONNX Runtime's
median session.run (CPU, one intra-op thread) on the same input.

${table}
Charts of the FP32 builds (\`npu-compile --report=R.json --report-charts\`):
each layer on the roofline, and the DRAM and scratchpad bytes each layer
reads and writes (values kept on chip in the top panel).
${charts.map((c) => `- ${c.name}: [roofline](charts/${c.id}.roofline.svg), ` +
  `[memory](charts/${c.id}.memory.svg)`).join('\n')}

## Models (INT8, npu-v1)

The same models and inputs compiled with \`--quantize=int8\` (minmax
calibration on rendered lines or seeded tensors distinct from the measured
input; docs/quantization.md), in the same run. *MAC util.* counts INT8 MACs
against the INT8 peak (4x the FP32 one); *output cosine*: the INT8 output
against the FP32 output on the measured input.

${int8Table}<!-- models:end -->`;
let md = fs.existsSync(results) ? fs.readFileSync(results, 'utf8') : '# Benchmark results\n';
const re = /<!-- models:begin -->[\s\S]*<!-- models:end -->/;
md = re.test(md) ? md.replace(re, section) : md.trimEnd() + '\n\n' + section + '\n';
fs.writeFileSync(results + '.part', md);
fs.renameSync(results + '.part', results);
process.stdout.write(table + '\n' + int8Table);
