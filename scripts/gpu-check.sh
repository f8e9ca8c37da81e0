#!/usr/bin/env bash
# The GPU path, checked in one command on a machine with an NVIDIA GPU (see docs/gpu.md):
#   1. installs the CUDA 13 / cuDNN 9 / TensorRT 10 runtime libraries that ONNX Runtime 1.32's GPU natives
#      (NuGet Microsoft.ML.OnnxRuntime.Gpu.Linux) load, when missing: NVIDIA's apt repository if configured, else
#      NVIDIA's pip wheels into .deps/gpu-libs, else it says exactly what is missing and where to get it;
#   2. builds LureStream with the GPU natives (LURESTREAM_GPU=1);
#   3. provider load: CUDA and TensorRT must load; the ONNX Runtime provider tests pass with the GPU natives;
#   4. parity: LURE (and lure-rt when models/lure-rt has a bundle) on CUDA and on TensorRT against the CPU provider,
#      max |diff| <= 2 levels;
#   5. bench at 640x512 and 1280x1024 on TensorRT (FP16) and CUDA;
#   6. one summary; exit 0 when every check passed, 1 otherwise.
# Without an NVIDIA GPU it prints one line and exits 77 ("skipped").
# Usage: scripts/gpu-check.sh [--no-install] [--frames N]
set -uo pipefail
ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
cd "$ROOT"

INSTALL=1
FRAMES=200
while [ $# -gt 0 ]; do
  case "$1" in
    --no-install) INSTALL=0 ;;
    --frames) FRAMES="${2:?--frames needs a number}"; shift ;;
    *) echo "gpu-check: unknown option '$1' (usage: scripts/gpu-check.sh [--no-install] [--frames N])" >&2; exit 2 ;;
  esac
  shift
done

# ---------------------------------------------------------------- is there an NVIDIA GPU?
gpu_present() {
  if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L 2>/dev/null | grep -q '^GPU '; then return 0; fi
  [ -e /dev/nvidia0 ] && return 0
  [ -d /proc/driver/nvidia/gpus ] && [ -n "$(ls -A /proc/driver/nvidia/gpus 2>/dev/null)" ] && return 0
  return 1
}
if ! gpu_present; then
  echo "gpu-check: skipped: no NVIDIA GPU here (no GPU in nvidia-smi -L, no /dev/nvidia0, nothing in /proc/driver/nvidia/gpus)"
  exit 77
fi

export LURESTREAM_HOME="$ROOT" LURESTREAM_GPU=1
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
log() { echo "[gpu-check] $*" >&2; }
SUMMARY=()
FAILED=0
record() { # record ok|FAIL|info "text"
  SUMMARY+=("$(printf '%-5s %s' "$1" "$2")")
  [ "$1" = FAIL ] && FAILED=1
  return 0
}

# ---------------------------------------------------------------- driver
DRIVER="$(nvidia-smi --query-gpu=driver_version --format=csv,noheader 2>/dev/null | head -1 | tr -d ' ')"
GPU_NAME="$(nvidia-smi --query-gpu=name,memory.total --format=csv,noheader 2>/dev/null | head -1)"
log "GPU: ${GPU_NAME:-unknown}, driver ${DRIVER:-unknown}"
if ! ldconfig -p 2>/dev/null | grep -q 'libcuda\.so\.1 '; then
  record FAIL "driver: libcuda.so.1 (the NVIDIA driver's CUDA library) is not installed; install the NVIDIA driver (>= 580 for CUDA 13)"
elif [ -n "$DRIVER" ] && [ "${DRIVER%%.*}" -lt 580 ] 2>/dev/null; then
  record FAIL "driver: $DRIVER is older than 580, the first branch that runs CUDA 13 (what ONNX Runtime 1.32's GPU natives are built with)"
else
  record ok "driver: ${DRIVER:-?} on ${GPU_NAME:-?}"
fi

# ---------------------------------------------------------------- runtime libraries
# What libonnxruntime_providers_cuda.so / _tensorrt.so 1.32.0 load (their ELF NEEDED entries, plus cuDNN and cuFFT,
# which the CUDA provider opens with dlopen): soname, what provides it, where to get it.
LIBS=(
  "libcudart.so.13|CUDA 13 runtime|apt cuda-cudart-13-x / pip nvidia-cuda-runtime>=13,<14 / CUDA Toolkit 13.x"
  "libcublas.so.13|cuBLAS (CUDA 13)|apt libcublas-13-x / pip nvidia-cublas>=13,<14 / CUDA Toolkit 13.x"
  "libcublasLt.so.13|cuBLASLt (CUDA 13)|apt libcublas-13-x / pip nvidia-cublas>=13,<14 / CUDA Toolkit 13.x"
  "libcurand.so.10|cuRAND (CUDA 13)|apt libcurand-13-x / pip nvidia-curand>=10.4,<11 / CUDA Toolkit 13.x"
  "libcufft.so.12|cuFFT (CUDA 13)|apt libcufft-13-x / pip nvidia-cufft>=12,<13 / CUDA Toolkit 13.x"
  "libcudnn.so.9|cuDNN 9 for CUDA 13|apt libcudnn9-cuda-13 / pip nvidia-cudnn-cu13>=9,<10 / developer.nvidia.com/cudnn"
  "libnvinfer.so.10|TensorRT 10 for CUDA 13 (10.13 or newer)|apt libnvinfer10 (+cuda13.x) / pip tensorrt-cu13-libs>=10.13,<11 / developer.nvidia.com/tensorrt"
  "libnvonnxparser.so.10|TensorRT 10 ONNX parser|apt libnvonnxparsers10 (+cuda13.x) / pip tensorrt-cu13-libs>=10.13,<11"
)
PIP_SPECS=("nvidia-cuda-runtime>=13,<14" "nvidia-cublas>=13,<14" "nvidia-curand>=10.4,<11" "nvidia-cufft>=12,<13"
           "nvidia-cudnn-cu13>=9,<10" "tensorrt-cu13-libs>=10.13,<11")
LOCAL_LIBS="$ROOT/.deps/gpu-libs"

add_local_lib_dirs() { # every directory under .deps/gpu-libs holding shared libraries goes on LD_LIBRARY_PATH
  [ -d "$LOCAL_LIBS" ] || return 0
  local dirs
  dirs="$(find "$LOCAL_LIBS" -name 'lib*.so*' -printf '%h\n' 2>/dev/null | sort -u | paste -sd: -)"
  [ -n "$dirs" ] && export LD_LIBRARY_PATH="$dirs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  return 0
}
lib_found() {
  ldconfig -p 2>/dev/null | grep -q "[[:space:]]$1 " && return 0
  local d
  IFS=: read -ra dirs <<< "${LD_LIBRARY_PATH:-}"
  for d in "${dirs[@]}"; do [ -n "$d" ] && [ -e "$d/$1" ] && return 0; done
  return 1
}
missing_libs() {
  local entry
  for entry in "${LIBS[@]}"; do lib_found "${entry%%|*}" || echo "${entry%%|*}"; done
}

add_local_lib_dirs
MISSING="$(missing_libs)"
if [ -n "$MISSING" ] && [ "$INSTALL" = 1 ]; then
  log "missing: $(echo $MISSING)"
  # NVIDIA's CUDA apt repository, when this machine has it configured.
  if [ "$(id -u)" = 0 ] && apt-cache policy cuda-cudart-13-0 2>/dev/null | grep -q 'Candidate: [0-9]'; then
    minor="$(apt-cache pkgnames cuda-cudart-13- 2>/dev/null | sed -n 's/^cuda-cudart-13-\([0-9]*\)$/\1/p' | sort -n | tail -1)"
    trt="$(apt-cache madison libnvinfer10 2>/dev/null | awk -F'|' '$2 ~ /^ *10\./ && $2 ~ /cuda13/ {gsub(/ /,"",$2); print $2; exit}')"
    pkgs=("cuda-cudart-13-$minor" "libcublas-13-$minor" "libcurand-13-$minor" "libcufft-13-$minor" libcudnn9-cuda-13)
    [ -n "$trt" ] && pkgs+=("libnvinfer10=$trt" "libnvonnxparsers10=$trt")
    log "installing from NVIDIA's apt repository: ${pkgs[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >&2 || log "apt-get install failed"
    ldconfig 2>/dev/null || true
    MISSING="$(missing_libs)"
  fi
  # NVIDIA's wheels carry the same libraries; installed into the repository, used through LD_LIBRARY_PATH.
  if [ -n "$MISSING" ] && python3 -m pip --version >/dev/null 2>&1; then
    log "installing NVIDIA's runtime wheels into $LOCAL_LIBS: ${PIP_SPECS[*]}"
    python3 -m pip install --quiet --disable-pip-version-check --target "$LOCAL_LIBS" "${PIP_SPECS[@]}" >&2 || log "pip install failed"
    add_local_lib_dirs
    MISSING="$(missing_libs)"
  fi
fi
if [ -n "$MISSING" ]; then
  for lib in $MISSING; do
    for entry in "${LIBS[@]}"; do
      IFS='|' read -r so what where <<< "$entry"
      [ "$so" = "$lib" ] && record FAIL "library: $so missing ($what; get it from: $where)"
    done
  done
else
  record ok "libraries: CUDA 13 runtime, cuBLAS, cuRAND, cuFFT, cuDNN 9, TensorRT 10 found"
fi

# ---------------------------------------------------------------- build with the GPU natives
if ! ./lurestream --help >/dev/null; then
  record FAIL "build: LURESTREAM_GPU=1 build failed (artifacts/cli/build.log)"
  printf '%s\n' "gpu-check summary:" "${SUMMARY[@]}"
  exit 1
fi
record ok "build: ONNX Runtime GPU natives (Microsoft.ML.OnnxRuntime.Gpu.Linux)"

# ---------------------------------------------------------------- provider load
providers_out="$(./lurestream providers --require cuda tensorrt --log-file none 2>&1)"
providers_rc=$?
echo "$providers_out" >&2
for p in cuda tensorrt; do
  line="$(echo "$providers_out" | grep -E "^ +$p " | sed 's/^ *//')"
  if echo "$line" | grep -q ' loads:'; then record ok "provider: $line"; else record FAIL "provider: ${line:-$p: no answer}"; fi
done
[ "$providers_rc" = 0 ] || log "a GPU provider does not load: parity and bench below will fail on it"

# ---------------------------------------------------------------- provider tests with the GPU natives
# The same provider tests CI runs on the CPU, here where the providers load: every TensorRT/CUDA key LureStream sends
# is parsed by ONNX Runtime, required providers apply, sessions on the device feed each other through device memory.
if dotnet test tests/LureStream.Onnx.Tests/LureStream.Onnx.Tests.csproj -c Release -p:LureGpu=true -nologo \
    --filter "FullyQualifiedName~Provider|FullyQualifiedName~IoBinding" > "$ROOT/artifacts/gpu-check-tests.log" 2>&1; then
  record ok "provider tests (GPU natives): $(grep -E 'Passed!' "$ROOT/artifacts/gpu-check-tests.log" | sed 's/ *- *LureStream.*//' | tail -1)"
else
  record FAIL "provider tests (GPU natives): see artifacts/gpu-check-tests.log"
fi

# ---------------------------------------------------------------- parity and bench
CONFIG=configs/gpu-desktop.yaml
ENGINES=(lure)
if [ -f models/lure-rt/manifest.json ]; then ENGINES+=(lure-rt); else record info "lure-rt: no bundle (models/lure-rt/manifest.json): its parity and bench are skipped"; fi

for engine in "${ENGINES[@]}"; do
  for p in cuda tensorrt; do
    out="$(./lurestream providers parity --engine "$engine" --provider "$p" --config "$CONFIG" --size 640x512 --frames 4 --tolerance 2 --log-file none 2>&1)"
    rc=$?
    echo "$out" >&2
    line="$(echo "$out" | grep '^parity' | tail -1)"
    if [ $rc = 0 ]; then record ok "$line"; else record FAIL "parity $engine on $p: ${line:-$(echo "$out" | tail -1)}"; fi
  done
done

declare -A FPS
for engine in "${ENGINES[@]}"; do
  for p in tensorrt cuda; do
    for size in 640x512 1280x1024; do
      out="$(./lurestream bench --engine "$engine" --provider "$p" --config "$CONFIG" --size "$size" --frames "$FRAMES" --json --log-file none 2>/dev/null)"
      rc=$?
      bare="$(echo "$out" | sed -n 's/.*"BareEngineFps": *\([0-9.]*\).*/\1/p' | head -1)"
      pipe="$(echo "$out" | sed -n 's/.*"PipelineFps": *\([0-9.]*\).*/\1/p' | head -1)"
      if [ $rc = 0 ] && [ -n "$bare" ]; then
        FPS["$engine/$p/$size"]="$bare"
        record ok "$(printf 'bench %-7s %-8s %-9s engine %7.1f fps, pipeline %7.1f fps' "$engine" "$p" "$size" "$bare" "${pipe:-0}")"
      else
        record FAIL "bench $engine on $p at $size failed (rerun: LURESTREAM_GPU=1 ./lurestream bench --engine $engine --provider $p --config $CONFIG --size $size)"
      fi
    done
  done
done

# The paper-scale target: full-width LURE with TensorRT FP16 at >= 60 fps at 640x512 on an H100-class card.
trt="${FPS[lure/tensorrt/640x512]:-}"
if [ -n "$trt" ]; then
  verdict="$(awk -v f="$trt" 'BEGIN { print (f >= 60) ? "meets" : "below" }')"
  record info "target: LURE (bundle in models/lure-v2) on TensorRT FP16 at 640x512: $trt fps, $verdict the >= 60 fps target (set for full-width LURE on an H100-class card; this GPU: ${GPU_NAME:-?})"
fi

echo "gpu-check summary:"
printf '  %s\n' "${SUMMARY[@]}"
if [ "$FAILED" = 0 ]; then echo "gpu-check: all checks passed"; else echo "gpu-check: FAILED (see the FAIL lines)"; fi
exit "$FAILED"
