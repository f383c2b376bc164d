#!/usr/bin/env bash
# Coverage-guided fuzzing of PowerWatch's parsers (docs/fuzzing.md): SharpFuzz-instrumented assemblies under AFL++.
#
#   tests/fuzz/run.sh list                 the targets
#   tests/fuzz/run.sh build                build the harness, copy it to artifacts/fuzz/bin and instrument the product assemblies there
#   tests/fuzz/run.sh TARGET SECONDS       fuzz one target from tests/fuzz/corpus/TARGET; print executions, exec/s,
#                                          corpus size, edges covered and findings (artifacts/fuzz/out/TARGET)
#   tests/fuzz/run.sh all SECONDS          every target for SECONDS each, two at a time
#   tests/fuzz/run.sh cmin TARGET          minimise the kept corpus plus what the last run found (afl-cmin) into
#                                          tests/fuzz/corpus/TARGET
#   tests/fuzz/run.sh stats TARGET         the figures of the last run of TARGET
#
# Needs afl++ (Debian package) and the SharpFuzz.CommandLine dotnet tool 2.3.0 (`sharpfuzz`); runs under nice -n 10.
# Nothing here runs in CI: CI replays the kept corpora (tests/fuzz/PowerWatch.Fuzz.Tests).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
bin=$root/artifacts/fuzz/bin
out=$root/artifacts/fuzz/out
corpus=$root/tests/fuzz/corpus
export PATH="$PATH:$HOME/.dotnet/tools"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# AFL++ in containers and on shared machines: no CPU binding, no core-pattern or frequency checks; the target is
# `dotnet`, which carries no AFL instrumentation of its own (SharpFuzz instruments the assemblies it loads).
export AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_SKIP_BIN_CHECK=1 AFL_NO_AFFINITY=1 AFL_NO_UI=1
export AFL_FORKSRV_INIT_TMOUT=120000

# The product assemblies whose code is fuzzed (instrumented for coverage); the framework and SharpFuzz are not.
assemblies=(PowerWatch.Modbus PowerWatch.Mqtt PowerWatch.SerialUps PowerWatch.Snmp PowerWatch.Influx PowerWatch.Core powerwatch PowerWatch.Simulators)

harness() { dotnet "$bin/PowerWatch.Fuzz.dll" "$@"; }

build() {
  command -v sharpfuzz >/dev/null || { echo "sharpfuzz not found: dotnet tool install --global SharpFuzz.CommandLine --version 2.3.0" >&2; exit 1; }
  command -v afl-fuzz >/dev/null || { echo "afl-fuzz not found: apt-get install afl++" >&2; exit 1; }
  rm -rf "$bin"
  # An ordinary build (the one the replay tests share, so nothing is compiled twice), copied: only the copy is instrumented.
  nice -n 10 dotnet build tests/fuzz/PowerWatch.Fuzz -c Release -nologo -v q
  mkdir -p "$bin"
  cp -r tests/fuzz/PowerWatch.Fuzz/bin/Release/net10.0/. "$bin/"
  for a in "${assemblies[@]}"; do
    nice -n 10 sharpfuzz "$bin/$a.dll" >/dev/null
  done
  echo "instrumented: ${assemblies[*]}"
}

ensure_built() { [ -f "$bin/PowerWatch.Fuzz.dll" ] || build; }

stat_of() { sed -n "s/^$2 *: //p" "$out/$1/default/fuzzer_stats" 2>/dev/null | head -n 1; }

stats() {
  local t=$1 dir=$out/$1/default
  [ -f "$dir/fuzzer_stats" ] || { echo "$t: no run (artifacts/fuzz/out/$t)"; return; }
  local crashes hangs
  crashes=$(find "$dir/crashes" -type f -name 'id:*' 2>/dev/null | wc -l)
  hangs=$(find "$dir/hangs" -type f -name 'id:*' 2>/dev/null | wc -l)
  printf '%-13s execs %12s  exec/s %8s  run %6ss  corpus %5s  edges %5s/%s (%s)  crashes %s  hangs %s\n' "$t" \
    "$(stat_of "$t" execs_done)" "$(stat_of "$t" execs_per_sec)" "$(stat_of "$t" run_time)" "$(stat_of "$t" corpus_count)" \
    "$(stat_of "$t" edges_found)" "$(stat_of "$t" total_edges)" "$(stat_of "$t" bitmap_cvg)" "$crashes" "$hangs"
  for f in "$dir"/crashes/id:* "$dir"/hangs/id:*; do
    [ -f "$f" ] && echo "  finding: $f"
  done
  return 0
}

fuzz() {
  local t=$1 seconds=$2
  ensure_built
  harness --list | grep -q "^$t " || { echo "unknown target $t" >&2; exit 2; }
  rm -rf "${out:?}/$t"
  mkdir -p "$out/$t"
  # -t: a parser that takes 2 s on one input is a hang (loaded 2-core machines stall the process for hundreds of ms).
  nice -n 10 afl-fuzz -V "$seconds" -i "$corpus/$t" -o "$out/$t" -t 2000 -m none -- dotnet "$bin/PowerWatch.Fuzz.dll" "$t" \
    >"$out/$t/afl.log" 2>&1 || { echo "$t: afl-fuzz failed, see $out/$t/afl.log" >&2; tail -n 20 "$out/$t/afl.log" >&2; return 1; }
  stats "$t"
}

cmin() {
  local t=$1 tmp
  ensure_built
  tmp=$(mktemp -d)
  mkdir -p "$tmp/in" "$tmp/min"
  cp "$corpus/$t"/* "$tmp/in/"
  if [ -d "$out/$t/default/queue" ]; then
    find "$out/$t/default/queue" -maxdepth 1 -type f -name 'id:*' -exec sh -c 'cp "$1" "$2/in/q-$(basename "$1" | cut -d, -f1 | tr : -)"' _ {} "$tmp" \;
  fi
  nice -n 10 afl-cmin -i "$tmp/in" -o "$tmp/min" -t 5000 -m none -- dotnet "$bin/PowerWatch.Fuzz.dll" "$t" >"$tmp/cmin.log" 2>&1 \
    || { tail -n 20 "$tmp/cmin.log" >&2; rm -rf "$tmp"; return 1; }
  rm -rf "${corpus:?}/$t"
  mkdir -p "$corpus/$t"
  cp "$tmp/min"/* "$corpus/$t/"
  echo "$t: $(ls "$tmp/in" | wc -l) inputs -> $(ls "$corpus/$t" | wc -l) kept ($(du -sk "$corpus/$t" | cut -f1) KiB)"
  rm -rf "$tmp"
}

case "${1:-}" in
  list) ensure_built; harness --list ;;
  build) build ;;
  stats) stats "$2" ;;
  cmin) cmin "$2" ;;
  all)
    ensure_built
    mapfile -t targets < <(harness --list | cut -d' ' -f1)
    for ((i = 0; i < ${#targets[@]}; i += 2)); do
      fuzz "${targets[i]}" "$2" &
      if [ $((i + 1)) -lt ${#targets[@]} ]; then fuzz "${targets[i + 1]}" "$2" & fi
      wait
    done
    ;;
  ""|-h|--help) sed -n '2,14p' "$0" | cut -c3- ;;
  *) [ $# -eq 2 ] || { echo "usage: tests/fuzz/run.sh TARGET SECONDS (see --help)" >&2; exit 2; }; fuzz "$1" "$2" ;;
esac
