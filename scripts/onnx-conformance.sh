#!/usr/bin/env bash
# Compiles every case of ONNX's backend test suite to a .npubin, runs it on the
# emulator with the case's inputs and compares with ONNX's expected outputs
# (npu-compare: rtol 1e-3, atol 1e-7, as ONNX's backend tests). Status:
#   pass                 every output of every test data set matches
#   unsupported-op       the importer refuses an operator outside its set
#   backend-unsupported  imported, but the code generator does not handle it yet
#   compile-error        npu-compile failed otherwise (the reason is listed)
#   run-error            npu-run refused the inputs or stopped with an error
#   mismatch             an output differs beyond the tolerances
#   crash                any exit by signal or timeout: always a bug
#
# Usage:
#   onnx-conformance.sh --bin DIR --check PASSING.txt
#       Fails when a case listed in PASSING.txt does not pass, or on a crash.
#   onnx-conformance.sh --bin DIR --update PASSING.txt --doc DOC.md --matrix MATRIX.md
#       Rewrites the pass list, the case table and the tested-operator matrix
#       (scripts/onnx-op-matrix.cjs over the passing cases' placement reports).
#       With --check, --matrix MATRIX.md also fails when that file is stale.
set -euo pipefail

data=/usr/share/libonnx-testdata/data
suites=(node pytorch-converted pytorch-operator)
bin="" check="" update="" doc="" matrix=""
while [ $# -gt 0 ]; do
  case "$1" in
    --bin) bin=$2; shift 2 ;;
    --data) data=$2; shift 2 ;;
    --check) check=$2; shift 2 ;;
    --update) update=$2; shift 2 ;;
    --doc) doc=$2; shift 2 ;;
    --matrix) matrix=$2; shift 2 ;;
    *) echo "onnx-conformance: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
for tool in npu-compile npu-run npu-compare; do
  [ -x "$bin/$tool" ] || { echo "onnx-conformance: $bin/$tool not found (--bin DIR)" >&2; exit 2; }
done
[ -d "$data/node" ] || { echo "onnx-conformance: no ONNX test data in $data" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/placements"
export bin data tmp

classify() { # CASE_DIR -> "suite/case<TAB>status<TAB>reason"
  local dir=$1 id work err rc
  id=${dir#"$data"/}
  work="$tmp/${id//\//_}"
  mkdir -p "$work"
  # A parameter that must be constant but comes from graph inputs (Slice
  # starts, Resize sizes, Pad pads) names them: freeze each to its value in
  # the first test data set (npu-compile --input-value; npu-run then checks
  # every data set gives that value) and compile again. The input's file is
  # the one whose TensorProto carries its name: npu-compile refuses others.
  # At least one input stays unfrozen: a program whose every input is frozen
  # computes a constant, which would test nothing.
  local frozen=() names=() name f set0="$dir/test_data_set_0" ninputs
  ninputs=$(ls "$set0"/input_*.pb 2>/dev/null | wc -l)
  compile() {
    err=$(timeout 120 "$bin/npu-compile" "$dir/model.onnx" --compile-to=bin -o "$work/model.npubin" \
            --placement-report="$work/placement.json" "${frozen[@]}" "$@" 2>&1) && rc=0 || rc=$?
    err=$(printf '%s' "$err" | head -n 1 | sed "s|^npu-compile: error: $dir/model.onnx: ||")
  }
  # The parameter to freeze next: named by a compile error, or by the
  # placement report when the node fell back to the host CPU for it.
  hint() {
    local text=$err
    [ $rc -eq 0 ] && text=$(grep -o -- '--input-value=[^=]*=FILE' "$work/placement.json" | head -n 1)
    [[ $text =~ --input-value=([^=]+)=FILE ]] && name=${BASH_REMATCH[1]}
  }
  compile
  local good=-1 # how many of `frozen` the last successful compile had
  while { [ $rc -eq 0 ] || [ $rc -eq 1 ]; } && hint && [ $((${#names[@]} + 1)) -lt "$ninputs" ]; do
    [ $rc -eq 0 ] && good=${#frozen[@]}
    for f in "$set0"/input_*.pb; do
      compile "--input-value=$name=$f"
      [[ $err == *"the file holds tensor"* ]] || break
    done
    [[ $err == *"the file holds tensor"* ]] && break
    frozen+=("--input-value=$name=$f") names+=("$name")
  done
  # Freezing more made it fail: keep the last version that compiled (its
  # nodes on the host CPU).
  if [ $rc -ne 0 ] && [ $good -ge 0 ]; then
    frozen=("${frozen[@]:0:$good}") names=("${names[@]:0:$good}")
    compile
  fi
  if [ $rc -ne 0 ]; then
    if [ $rc -ne 1 ]; then printf '%s\tcrash\tnpu-compile exit %s: %s\n' "$id" "$rc" "$err"
    elif [[ $err == "unsupported operator"* ]]; then printf '%s\tunsupported-op\t%s\n' "$id" "$err"
    elif [[ $err == *"backend:"* ]]; then printf '%s\tbackend-unsupported\t%s\n' "$id" "${err#*backend: }"
    else printf '%s\tcompile-error\t%s\n' "$id" "$err"; fi
    rm -rf "$work"; return
  fi
  # Where the case's nodes ran (npu-compile --placement-report).
  local device=npu
  if grep -q '"device": "cpu"' "$work/placement.json"; then
    device=cpu
    grep -q '"device": "npu"' "$work/placement.json" && device=npu+cpu
  fi
  local set inputs expected status=pass reason=""
  for set in "$dir"/test_data_set_*; do
    [ -d "$set" ] || continue
    inputs=() expected=()
    while IFS= read -r f; do inputs+=("--input=$f"); done < <(ls "$set"/input_*.pb 2>/dev/null | sort -V)
    while IFS= read -r f; do expected+=("$f"); done < <(ls "$set"/output_*.pb 2>/dev/null | sort -V)
    err=$(timeout 300 "$bin/npu-run" "$work/model.npubin" "${inputs[@]}" --output-dir="$work/out" 2>&1 >/dev/null) && rc=0 || rc=$?
    if [ $rc -ne 0 ]; then
      err=$(printf '%s' "$err" | head -n 1 | sed 's|^npu-run: error: [^:]*: ||')
      if [ $rc -ne 1 ]; then status=crash; reason="npu-run exit $rc: $err"; else status=run-error; reason=$err; fi
      break
    fi
    err=$("$bin/npu-compare" --outputs="$work/out/outputs.json" "${expected[@]}" 2>&1) && rc=0 || rc=$?
    if [ $rc -ne 0 ]; then
      status=mismatch; reason=$(printf '%s' "$err" | grep -v ': OK:' | head -n 1 | sed 's|^npu-compare: ||')
      break
    fi
  done
  if [ "$status" = pass ] && [ ${#names[@]} -gt 0 ]; then
    reason="inputs frozen at compile time: ${names[*]}"
  fi
  # The tested-operator matrix reads the passing cases' placement reports.
  [ "$status" = pass ] && cp "$work/placement.json" "$tmp/placements/${id//\//_}.json"
  printf '%s\t%s\t%s\t%s\n' "$id" "$status" "$reason" "$device"
  rm -rf "$work"
}
export -f classify

for s in "${suites[@]}"; do
  find "$data/$s" -mindepth 1 -maxdepth 1 -type d
done | sort | xargs -P "$(nproc)" -I{} bash -c 'classify "$@"' _ {} \
  | LC_ALL=C sort > "$tmp/status.tsv"

statuses=(pass mismatch run-error compile-error backend-unsupported unsupported-op crash)
summary() {
  for s in "${suites[@]}"; do
    printf '%-18s' "$s"
    for st in "${statuses[@]}"; do
      printf ' %s %d ' "$st" "$(awk -F'\t' -v st="$st" -v p="$s/" '$2 == st && index($1, p) == 1' "$tmp/status.tsv" | wc -l)"
    done
    echo
  done
  # The inference subset of the node suite (scripts/onnx-inference-cases.cjs:
  # no training, loss, random, sequence, string or optional op).
  if command -v node >/dev/null; then
    node "$(dirname "$0")/onnx-inference-cases.cjs" "$data" > "$tmp/inference.txt"
    printf 'node inference cases: %d of %d pass\n' \
      "$(awk -F'\t' '$2 == "pass" {print $1}' "$tmp/status.tsv" | LC_ALL=C sort |
         LC_ALL=C join - <(LC_ALL=C sort "$tmp/inference.txt") | wc -l)" \
      "$(wc -l < "$tmp/inference.txt")"
  fi
  for s in "${suites[@]}"; do
    printf '%-18s passing cases by device:' "$s"
    for d in npu cpu npu+cpu; do
      printf ' %s %d ' "$d" "$(awk -F'\t' -v d="$d" -v p="$s/" '$2 == "pass" && $4 == d && index($1, p) == 1' "$tmp/status.tsv" | wc -l)"
    done
    echo
  done
}
summary

crashes=$(awk -F'\t' '$2 == "crash"' "$tmp/status.tsv")
if [ -n "$matrix" ]; then
  node "$(dirname "$0")/onnx-op-matrix.cjs" "$tmp/placements" > "$tmp/matrix.md"
fi
if [ -n "$check" ]; then
  [ -f "$check" ] || { echo "onnx-conformance: $check not found" >&2; exit 2; }
  regressions=$(LC_ALL=C join -t $'\t' <(grep -v '^#' "$check" | cut -f1 | LC_ALL=C sort) \
    <(awk -F'\t' '$2 != "pass" {print $1 "\t" $2 "\t" $3}' "$tmp/status.tsv") || true)
  improved=$(LC_ALL=C join -v 2 <(grep -v '^#' "$check" | cut -f1 | LC_ALL=C sort) \
    <(awk -F'\t' '$2 == "pass" {print $1}' "$tmp/status.tsv") || true)
  passed=$(awk -F'\t' '$2 == "pass"' "$tmp/status.tsv" | wc -l)
  nreg=0; [ -n "$regressions" ] && nreg=$(printf '%s\n' "$regressions" | wc -l)
  ncrash=0; [ -n "$crashes" ] && ncrash=$(printf '%s\n' "$crashes" | wc -l)
  [ -n "$improved" ] && printf 'newly passing (run with --update to record):\n%s\n' "$improved"
  [ -n "$regressions" ] && printf 'REGRESSED (listed as passing):\n%s\n' "$regressions"
  [ -n "$crashes" ] && printf 'CRASHED:\n%s\n' "$crashes"
  echo "$passed passed, $((nreg + ncrash)) failed"
  stale=0
  if [ -n "$matrix" ] && ! diff -q "$matrix" "$tmp/matrix.md" >/dev/null; then
    echo "STALE: $matrix differs from the passing cases' placements (run with --update ... --matrix $matrix):"
    diff "$matrix" "$tmp/matrix.md" | head -n 20 || true
    stale=1
  fi
  [ $((nreg + ncrash + stale)) -eq 0 ]
  exit $?
fi
if [ -n "$update" ]; then
  { echo "# ONNX backend test cases that compile, run on the emulator and match."
    echo "# Regenerate with scripts/onnx-conformance.sh --update (see docs/onnx-conformance.md)."
    echo "# Second column: where the case's nodes ran (npu, cpu: the host CPU, or both)."
    awk -F'\t' '$2 == "pass" {print $1 "\t" $4}' "$tmp/status.tsv"; } > "$update"
  echo "wrote $update"
fi
if [ -n "$matrix" ] && [ -n "$update" ]; then
  cp "$tmp/matrix.md" "$matrix"
  echo "wrote $matrix"
fi
if [ -n "$doc" ]; then
  {
    echo "# ONNX backend test suite: conformance on the NPU"
    echo
    echo "Generated by \`scripts/onnx-conformance.sh --update\`. Each case of ONNX 1.12's"
    echo "backend test data (\`$data\`) is compiled with \`npu-compile --compile-to=bin\`,"
    echo "run with \`npu-run\` on every test data set, and compared with ONNX's expected"
    echo "outputs by \`npu-compare\` (rtol 1e-3, atol 1e-7). \`ctest -R onnx-conformance\`"
    echo "fails when a case listed in \`test/e2e/onnx-conformance-pass.txt\` stops passing."
    echo "A case whose operator parameters are graph inputs (Slice starts, Resize sizes,"
    echo "Pad pads) is compiled with those inputs frozen to their values in the first"
    echo "test data set (\`npu-compile --input-value\`); the reason column names them,"
    echo "and \`npu-run\` refuses a data set that gives them other values. The device"
    echo "column says where a passing case's nodes ran (\`npu-compile --placement-report\`):"
    echo "the NPU, the SoC's host CPU (docs/heterogeneous.md), or both."
    echo
    echo '```'
    summary
    echo '```'
    echo
    echo "| case | status | device | reason |"
    echo "|---|---|---|---|"
    awk -F'\t' '$2 != "unsupported-op" {gsub(/\|/, "\\|", $3); print "| " $1 " | " $2 " | " ($2 == "pass" ? $4 : "") " | " $3 " |"}' "$tmp/status.tsv"
    echo
    echo "Cases whose operators the importer does not support are counted above and"
    echo "listed in [onnx-import.md](onnx-import.md)."
  } > "$doc"
  echo "wrote $doc"
fi
[ -z "$crashes" ] || { printf 'CRASHED:\n%s\n' "$crashes"; exit 1; }
