#!/usr/bin/env node
// The emulator's host speed, side by side in one run: for each executable,
// rounds of (the base build's npu-run, this build's npu-run, ONNX Runtime
// on the ONNX model), alternating so that the machine's drift affects all
// three alike. npu-run is timed as a whole process (start-up, load, run,
// writing the outputs) by bash's `time`: wall and CPU (user + system)
// seconds; ONNX Runtime as the median
// session.run of scripts/ort-reference.cjs --repeat=5 (CPU, one intra-op
// thread), as in bench/RESULTS.md's Models table. Prints a Markdown table
// of medians and of the medians of the per-round ratios.
//
// Usage: emulator-speed.cjs --bin=build/bin --base=OLD/bin --work=DIR
//                           [--models=third_party/models] [--rounds=5]
// DIR is a --work directory of bench/run-models.cjs (its NAME.npubin,
// NAME.int8.npubin, NAME.x.npy and synthetic NAME.onnx files). An INT8
// executable is compared with ONNX Runtime on the FP32 model.
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');
const { parseArgs, run } = require('./lib.cjs');

const args = parseArgs(process.argv.slice(2));
const root = path.join(__dirname, '..');
const bin = args.bin || path.join(root, 'build', 'bin');
const models = args.models || path.join(root, 'third_party', 'models');
const rounds = Number(args.rounds || 5);
if (!args.base || !args.work) {
  process.stderr.write('usage: emulator-speed.cjs --bin=DIR --base=DIR --work=DIR ' +
    '[--models=DIR] [--rounds=N]\n');
  process.exit(2);
}
const work = args.work;

const cases = [
  ['PaddleOCR cls', 'ch_ppocr_mobile_v2.0_cls_infer', path.join(models, 'ch_ppocr_mobile_v2.0_cls_infer.onnx')],
  ['PaddleOCR rec', 'ch_PP-OCRv4_rec_infer', path.join(models, 'ch_PP-OCRv4_rec_infer.onnx')],
  ['PaddleOCR det', 'ch_PP-OCRv4_det_infer', path.join(models, 'ch_PP-OCRv4_det_infer.onnx')],
  ['Conv 3x3 64->64', 'conv3x3', path.join(work, 'conv3x3.onnx')],
  ['Depthwise 3x3 1x128x56x56', 'depthwise', path.join(work, 'depthwise.onnx')],
  ['MatMul 384x768x768', 'matmul', path.join(work, 'matmul.onnx')],
];

/// One process's wall and CPU (user + system) milliseconds, as bash's
/// `time` reports them (from fork to exit, without this script's own
/// spawning cost).
function timeProcess(file, argv) {
  const r = spawnSync('bash', ['-c', 'TIMEFORMAT="%6R %6U %6S"; { time "$@" >/dev/null 2>&1; } 2>&1',
    'bash', file, ...argv], { encoding: 'utf8' });
  const m = /^([0-9.]+) ([0-9.]+) ([0-9.]+)\s*$/.exec(r.stdout);
  if (r.status !== 0 || !m) throw new Error(`${file} ${argv.join(' ')} failed`);
  return { wall: Number(m[1]) * 1e3, cpu: (Number(m[2]) + Number(m[3])) * 1e3 };
}
const median = (v) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

// What starting a process costs on this machine (a floor under every
// npu-run figure): /bin/true, nine times.
const floor = median(Array.from({ length: 9 }, () => timeProcess('/bin/true', []).wall));

let table = '| executable | npu-run wall, base -> new | npu-run CPU, base -> new | ONNX Runtime | new / base (wall, CPU) | new / ONNX Runtime, wall (base) | new / ONNX Runtime, CPU |\n';
table += '|---|---|---|---|---|---|---|\n';
for (const [label, stem, onnx] of cases) {
  const x = path.join(work, `${stem}.x.npy`);
  for (const variant of ['', '.int8']) {
    const exe = path.join(work, `${stem}${variant}.npubin`);
    if (!fs.existsSync(exe) || !fs.existsSync(onnx)) continue;
    process.stderr.write(`emulator-speed: ${label}${variant}\n`);
    const runArgs = (dir) => [exe, `--input=x=${x}`, `--output-dir=${path.join(work, dir)}`];
    const base = [], next = [], ort = [];
    for (let i = 0; i < rounds; ++i) {
      base.push(timeProcess(path.join(args.base, 'npu-run'), runArgs('speed.base')));
      next.push(timeProcess(path.join(bin, 'npu-run'), runArgs('speed.new')));
      const ortDir = path.join(work, 'speed.ort');
      run('node', [path.join(root, 'scripts', 'ort-reference.cjs'), onnx, `--input=x=${x}`,
        `--output-dir=${ortDir}`, '--repeat=5']);
      ort.push(JSON.parse(fs.readFileSync(path.join(ortDir, 'ort.json'), 'utf8')).median_ms);
    }
    const ratio = (a, b) => median(a.map((v, i) => v / b[i]));
    const ms = (v) => `${median(v).toFixed(1)} ms`;
    const wall = (v) => v.map((t) => t.wall), cpu = (v) => v.map((t) => t.cpu);
    table += `| ${label}${variant ? ' INT8' : ' FP32'} | ${ms(wall(base))} -> ${ms(wall(next))} | ` +
      `${ms(cpu(base))} -> ${ms(cpu(next))} | ${ms(ort)} | ` +
      `${ratio(wall(next), wall(base)).toFixed(2)}, ${ratio(cpu(next), cpu(base)).toFixed(2)} | ` +
      `${ratio(wall(next), ort).toFixed(2)}x (${ratio(wall(base), ort).toFixed(2)}x) | ` +
      `${ratio(cpu(next), ort).toFixed(2)}x |\n`;
  }
}
process.stdout.write(table + `\nProcess start floor: ${floor.toFixed(1)} ms wall (median of 9 /bin/true).\n`);
