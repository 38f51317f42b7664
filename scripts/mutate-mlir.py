#!/usr/bin/python3
"""Mutation testing of npu-opt on the test suite's own .mlir files.

Each mutant is one test file (one --split-input-file chunk) with one to three
token-level mutations: an integer pushed to an extreme (0, -1, 2^31, 2^63-1,
-2^63, 65536), an element type swapped (f32, f16, bf16, i8, i32, i64, index,
complex<f32>), a dimension changed or made dynamic (?), an attribute dropped
or duplicated, a line dropped. Every mutant runs through npu-opt with the
pass flags of its file's first npu-opt RUN line and with --npu-isa-pipeline.
An exit with an error line is a correct answer; a crash (a signal, a
sanitizer report, an assertion, a stack dump) or a run over the time limit
is a finding, printed with the command to reproduce it.

Deterministic for a given --seed; Python 3 standard library only.

  scripts/mutate-mlir.py --npu-opt build/bin/npu-opt [--count 20000]
                         [--seed 1] [--save DIR] [--timeout 20] [--jobs 2]
Exit status: 0 when no mutant crashed or hung, 1 otherwise.
"""
import argparse
import concurrent.futures
import os
import random
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TYPES = ['f32', 'f16', 'bf16', 'i8', 'i32', 'i64', 'index', 'complex<f32>',
         'ui8', 'i1']
INTS = ['0', '-1', '1', '2147483648', '9223372036854775807',
        '-9223372036854775808', '65536', '4294967296', '3']
CRASH_MARKS = ('AddressSanitizer', 'runtime error:', 'Assertion',
               'Stack dump', 'LLVM ERROR', 'UNREACHABLE', 'terminate called',
               'Segmentation fault')


def test_files():
  out = []
  for d, _, files in os.walk(os.path.join(ROOT, 'test')):
    for f in sorted(files):
      if f.endswith('.mlir'):
        out.append(os.path.join(d, f))
  return sorted(out)


def chunks_and_flags(path):
  """The file's --split-input-file chunks and its first npu-opt pass flags."""
  text = open(path, encoding='utf-8').read()
  flags = []
  m = re.search(r'//\s*RUN:\s*npu-opt %s([^|\n\\]*)', text)
  if m:
    flags = [f for f in m.group(1).split()
             if f.startswith('--') and f not in ('--split-input-file',
                                                 '--verify-diagnostics')]
    flags = [f.replace('"', '').replace("'", '') for f in flags
             if '%' not in f]
  body = '\n'.join(l for l in text.split('\n') if not l.startswith('// RUN'))
  parts = body.split('// -----') if '// -----' in body else [body]
  return [p for p in parts if 'func' in p or 'module' in p], flags


def mutate(text, rng):
  for _ in range(rng.randint(1, 3)):
    kind = rng.randrange(6)
    if kind == 0:  # integer to an extreme
      spots = [m for m in re.finditer(r'(?<![\w.#%^])-?\d+(?![\w.])', text)]
      if spots:
        m = rng.choice(spots)
        text = text[:m.start()] + rng.choice(INTS) + text[m.end():]
    elif kind == 1:  # element type swap
      spots = [m for m in re.finditer(
          r'\b(f32|f16|bf16|i8|i32|i64|i1|ui8|index)\b', text)]
      if spots:
        m = rng.choice(spots)
        text = text[:m.start()] + rng.choice(TYPES) + text[m.end():]
    elif kind == 2:  # a dimension changed or made dynamic
      spots = [m for m in re.finditer(r'(?<=[<x])\d+(?=x)', text)]
      if spots:
        m = rng.choice(spots)
        text = text[:m.start()] + rng.choice(['?', '0', '1', '65536',
                                              '4294967296']) + text[m.end():]
    elif kind == 3:  # attribute dropped
      spots = [m for m in re.finditer(r'[\w.]+ = [^,}]+,? ?', text)]
      if spots:
        m = rng.choice(spots)
        text = text[:m.start()] + text[m.end():]
    elif kind == 4:  # attribute duplicated
      spots = [m for m in re.finditer(r'\{([\w.]+ = [^,}]+)', text)]
      if spots:
        m = rng.choice(spots)
        text = text[:m.end()] + ', ' + m.group(1) + text[m.end():]
    else:  # a line dropped
      lines = text.split('\n')
      if len(lines) > 2:
        del lines[rng.randrange(len(lines))]
        text = '\n'.join(lines)
  return text


def run_one(npu_opt, path, flags, timeout):
  """'ok', 'error', 'crash: ...' or 'hang' for one npu-opt command."""
  cmd = [npu_opt, path] + flags
  env = dict(os.environ, ASAN_OPTIONS='allow_user_poisoning=0:abort_on_error=1',
             UBSAN_OPTIONS='halt_on_error=1:print_stacktrace=1')
  try:
    p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       timeout=timeout, env=env)
  except subprocess.TimeoutExpired:
    return 'hang', cmd
  err = p.stderr.decode('utf-8', 'replace')
  mark = next((m for m in CRASH_MARKS if m in err), None)
  if p.returncode < 0 or p.returncode >= 128 or mark:
    return 'crash: ' + (mark or 'signal %d' % -p.returncode), cmd
  return ('ok' if p.returncode == 0 else 'error'), cmd


def main():
  ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
  ap.add_argument('--npu-opt', required=True)
  ap.add_argument('--count', type=int, default=20000)
  ap.add_argument('--seed', type=int, default=1)
  ap.add_argument('--timeout', type=float, default=20.0)
  ap.add_argument('--jobs', type=int, default=2)
  ap.add_argument('--save', help='directory to keep crashing mutants in')
  a = ap.parse_args()
  rng = random.Random(a.seed)
  sources = []
  for f in test_files():
    chunks, flags = chunks_and_flags(f)
    sources += [(f, c, flags) for c in chunks]
  work = tempfile.mkdtemp(prefix='npu-mutants-')
  if a.save:
    os.makedirs(a.save, exist_ok=True)
  counts = {'ok': 0, 'error': 0, 'crash': 0, 'hang': 0}
  findings = []
  start = time.time()

  def job(i):
    f, chunk, flags = sources[i[1]]
    path = os.path.join(work, 'm%d.mlir' % i[0])
    with open(path, 'w', encoding='utf-8') as out:
      out.write(i[2])
    results = []
    for fl in ([flags] if flags else []) + [['--npu-isa-pipeline']]:
      results.append(run_one(a.npu_opt, path, fl, a.timeout))
    return i[0], f, path, results

  plan = []
  for n in range(a.count):
    k = rng.randrange(len(sources))
    plan.append((n, k, mutate(sources[k][1], rng)))
  with concurrent.futures.ThreadPoolExecutor(a.jobs) as pool:
    for n, f, path, results in pool.map(job, plan):
      worst = 'ok'
      for verdict, cmd in results:
        kind = verdict.split(':')[0]
        if kind in ('crash', 'hang'):
          worst = kind
          keep = path
          if a.save:
            keep = os.path.join(a.save, 'mutant-%d.mlir' % n)
            with open(keep, 'w', encoding='utf-8') as out:
              out.write(open(path, encoding='utf-8').read())
          findings.append('%s (from %s): %s' % (
              verdict, os.path.relpath(f, ROOT),
              ' '.join([cmd[0], keep] + cmd[2:])))
        elif kind == 'error' and worst == 'ok':
          worst = 'error'
      counts[worst] += 1
      if not a.save or worst not in ('crash', 'hang'):
        os.unlink(path)
  for line in findings:
    print(line)
  print('mutate-mlir: %d mutants of %d chunks (seed %d) in %.0f s: %d accepted, '
        '%d refused with an error, %d crashed, %d hung' % (
            a.count, len(sources), a.seed, time.time() - start, counts['ok'],
            counts['error'], counts['crash'], counts['hang']))
  return 1 if counts['crash'] or counts['hang'] else 0


if __name__ == '__main__':
  sys.exit(main())
