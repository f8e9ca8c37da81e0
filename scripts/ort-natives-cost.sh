#!/usr/bin/env bash
# What each ONNX Runtime natives package costs a fresh machine: clones this repository's HEAD into a temporary folder
# and, for the CPU package (default) and the GPU build (LureGpu=true), restores with an empty NuGet package folder and
# HTTP cache, builds the CLI as ./lurestream does, and prints restore time and size, build time and output size.
# Usage: scripts/ort-natives-cost.sh [cpu] [gpu]        (downloads ~0.4 GB per variant from NuGet; leaves nothing behind)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
variants=("$@")
[ ${#variants[@]} -gt 0 ] || variants=(cpu gpu)
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
seconds() { echo "$(($(date +%s%N) / 1000000))"; }
for v in "${variants[@]}"; do
  case "$v" in cpu) gpu=false ;; gpu) gpu=true ;; *) echo "unknown variant '$v' (cpu, gpu)" >&2; exit 2 ;; esac
  d="$work/$v"
  git clone -q "$ROOT" "$d/repo"
  export NUGET_PACKAGES="$d/nuget" NUGET_HTTP_CACHE_PATH="$d/http"
  t0=$(seconds)
  dotnet restore "$d/repo/src/LureStream.Cli/LureStream.Cli.csproj" -p:LureGpu=$gpu -v q > "$d/restore.log"
  t1=$(seconds)
  dotnet build "$d/repo/src/LureStream.Cli/LureStream.Cli.csproj" -c Release --no-restore -p:LureGpu=$gpu \
    -o "$d/repo/artifacts/cli" -nologo -v q > "$d/build.log"
  t2=$(seconds)
  printf '%s: restore %.1f s, %s in the package folder (ONNX Runtime %s), %s downloaded; build %.1f s; output %s (natives %s); load %s\n' \
    "$v" "$(echo "($t1 - $t0) / 1000" | bc -l)" "$(du -sh "$NUGET_PACKAGES" | cut -f1)" \
    "$(du -shc "$NUGET_PACKAGES"/microsoft.ml.onnxruntime* | tail -1 | cut -f1)" "$(du -sh "$NUGET_HTTP_CACHE_PATH" | cut -f1)" \
    "$(echo "($t2 - $t1) / 1000" | bc -l)" "$(du -sh "$d/repo/artifacts/cli" | cut -f1)" \
    "$(du -sh "$d/repo/artifacts/cli/runtimes" | cut -f1)" "$(cut -d' ' -f1-3 /proc/loadavg)"
  rm -rf "$d"
done
