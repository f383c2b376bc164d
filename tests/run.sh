#!/usr/bin/env bash
# Runs every PowerWatch test: installs the real peers, builds, runs unit, peer and end-to-end tests,
# and prints one closing line "N passed, N failed, N skipped" with the real totals.
set -uo pipefail
cd "$(dirname "$0")/.."

if ! bash tests/peers/install.sh; then
  echo "peer installation failed" >&2
  if [ "${CI:-}" = "true" ]; then exit 1; fi
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

if ! dotnet build PowerWatch.sln -c Release -nologo -v q; then
  echo "0 passed, 1 failed"
  exit 1
fi

# The Windows service build: a self-contained single-file win-x64 publish (the Windows service code compiles and
# links for Windows; tests/PowerWatch.Agent.Tests/Windows checks the produced executable).
publish_failed=0
rm -rf artifacts/publish/win-x64
if ! dotnet publish agent/PowerWatch.Agent -c Release -r win-x64 --self-contained -p:PublishSingleFile=true \
    -nologo -v q -o artifacts/publish/win-x64; then
  echo "win-x64 publish FAILED" >&2
  publish_failed=1
fi

# The optional Native AOT build (install/README.md): fully trimmed, and every trim or AOT warning is an error, so a
# reflection use that would lose configuration keys or endpoints in a trimmed build fails here.
# tests/PowerWatch.Agent.Tests/Aot runs the binary against the simulated site. ILCompiler links with the C toolchain
# (gcc and libc6-dev from tests/peers/install.sh).
rm -rf artifacts/publish/linux-x64-aot
aot_started=$SECONDS
if ! dotnet publish agent/PowerWatch.Agent -c Release -r linux-x64 -p:PublishAot=true \
    -nologo -v q -o artifacts/publish/linux-x64-aot; then
  echo "linux-x64 AOT publish FAILED" >&2
  publish_failed=1
fi
echo "linux-x64 AOT publish: $((SECONDS - aot_started)) s"

results=artifacts/test-results
rm -rf "$results"
dotnet test PowerWatch.sln -c Release --no-build -nologo \
  --logger "trx" --logger "console;verbosity=minimal" \
  --results-directory "$results" \
  --blame-hang-timeout 5m
rc=$?

passed=0; failed=0; skipped=0
shopt -s nullglob
for trx in "$results"/*.trx; do
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  t=$(sed -n 's/.* total="\([0-9]*\)".*/\1/p' <<<"$counters")
  e=$(sed -n 's/.* executed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0})); skipped=$((skipped + ${t:-0} - ${e:-0}))
done
if [ "$publish_failed" -ne 0 ]; then failed=$((failed + 1)); rc=1; fi
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
exit "$rc"
