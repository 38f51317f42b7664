#!/usr/bin/env node
// Lists ONNX's node test cases that are inference cases: their models use no
// training op (losses included), random, sequence, string or optional op
// (the denominator of the conformance target in docs/onnx-conformance.md).
// Reads each model.onnx's op types (subgraphs too) with a minimal protobuf
// walker: ModelProto.graph (7) -> GraphProto.node (1) -> NodeProto.op_type (4),
// attributes (5) -> AttributeProto.g (6) / graphs (11).
//
// Usage: onnx-inference-cases.cjs [DATA_DIR]   (prints suite/case per line)
'use strict';
const fs = require('fs');
const path = require('path');

function fields(buf, start, end, cb) {
  let pos = start;
  const varint = () => {
    let v = 0, m = 1;
    for (;;) {
      if (pos >= end) throw new Error('truncated');
      const b = buf[pos++];
      v += (b & 0x7f) * m;
      if (!(b & 0x80)) return v;
      m *= 128;
    }
  };
  while (pos < end) {
    const key = varint(), f = Math.floor(key / 8), w = key & 7;
    if (w === 0) varint();
    else if (w === 1) pos += 8;
    else if (w === 5) pos += 4;
    else if (w === 2) { const len = varint(); cb(f, pos, pos + len); pos += len; }
    else throw new Error('unsupported wire type');
  }
}
function graphOps(buf, s, e, ops) {
  fields(buf, s, e, (f, a, b) => {
    if (f !== 1) return;
    fields(buf, a, b, (nf, na, nb) => {
      if (nf === 4) ops.add(buf.toString('utf8', na, nb));
      if (nf === 5)
        fields(buf, na, nb, (af, aa, ab) => {
          if (af === 6 || af === 11) graphOps(buf, aa, ab, ops);
        });
    });
  });
}
const excluded = new Set([
  // training, losses included
  'Adagrad', 'Adam', 'Momentum', 'Gradient', 'NegativeLogLikelihoodLoss',
  'SoftmaxCrossEntropyLoss',
  // random
  'RandomUniform', 'RandomNormal', 'RandomUniformLike', 'RandomNormalLike',
  'Bernoulli', 'Multinomial',
  // sequence
  'SequenceAt', 'SequenceConstruct', 'SequenceEmpty', 'SequenceErase',
  'SequenceInsert', 'SequenceLength', 'SequenceMap', 'SplitToSequence',
  'ConcatFromSequence',
  // string
  'StringNormalizer', 'RegexFullMatch', 'StringConcat', 'StringSplit',
  // optional
  'Optional', 'OptionalHasElement', 'OptionalGetElement',
]);
const data = process.argv[2] || '/usr/share/libonnx-testdata/data';
const dir = path.join(data, 'node');
for (const c of fs.readdirSync(dir).sort()) {
  const buf = fs.readFileSync(path.join(dir, c, 'model.onnx'));
  const ops = new Set();
  fields(buf, 0, buf.length, (f, a, b) => { if (f === 7) graphOps(buf, a, b, ops); });
  // Training-mode variants of inference ops, and string-typed Casts.
  if ([...ops].some((o) => excluded.has(o)) || /training|STRING/.test(c)) continue;
  console.log('node/' + c);
}
