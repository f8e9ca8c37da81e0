#!/usr/bin/env bash
# Installs what LureStream needs and is missing, then returns quietly.
# Idempotent: every step checks first and does nothing when its target is present.
#   - Debian packages: GStreamer 1.22 (base/good/bad/ugly/libav/rtsp-server), ffmpeg (tests' independent client),
#     and the shared libraries the OpenCvSharp runtime (libOpenCvSharpExtern.so, NuGet) links against
#   - ONNX Runtime 1.30.0 native library from the npm package onnxruntime-node, checksum-verified
# Usage: scripts/bootstrap.sh [--with-train] [--with-browser]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ORT_VERSION="1.30.0"
ORT_SHA256="ffb75a925ba05e47b235bb66e3e3911714a80b328a9c9425539feb204aa32a23"
ORT_DIR="$ROOT/.deps/onnxruntime-$ORT_VERSION"
ORT_LIB="$ORT_DIR/libonnxruntime.so.1"

log() { echo "[bootstrap] $*" >&2; }
die() { echo "bootstrap: $*" >&2; exit 1; }

APT_PACKAGES=(
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-libav
  gstreamer1.0-rtsp libgstrtspserver-1.0-0 libgstreamer-plugins-base1.0-0
  ffmpeg
  # OpenCvSharp4.official.runtime.linux-x64: the NEEDED entries of libOpenCvSharpExtern.so (highgui's GTK 3 pulls in
  # pango, cairo, atk, gdk-pixbuf and X11).
  libgtk-3-0 libfreetype6 libharfbuzz0b libdrm2 libatomic1
)
for arg in "$@"; do
  case "$arg" in
    --with-train) APT_PACKAGES+=(python3-torch python3-onnx python3-numpy python3-pil) ;;
    --with-browser) APT_PACKAGES+=(chromium) ;;
    *) die "unknown option '$arg'" ;;
  esac
done

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || die "missing Debian packages (${missing[*]}); run as root or install them: apt-get install ${missing[*]}"
  log "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null || die "apt-get update failed"
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || die "apt-get install failed for: ${missing[*]}"
fi

if [ ! -f "$ORT_LIB" ] || ! echo "$ORT_SHA256  $ORT_LIB" | sha256sum -c --status; then
  command -v npm >/dev/null || die "npm is needed to fetch onnxruntime-node@$ORT_VERSION"
  log "fetching ONNX Runtime $ORT_VERSION native library (npm package onnxruntime-node)"
  tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent "onnxruntime-node@$ORT_VERSION" >/dev/null 2>&1) || die "npm pack onnxruntime-node@$ORT_VERSION failed"
  tar -xzf "$tmp"/onnxruntime-node-*.tgz -C "$tmp" package/bin/napi-v6/linux/x64/libonnxruntime.so.1 \
    || die "the npm package has no linux/x64 libonnxruntime.so.1"
  echo "$ORT_SHA256  $tmp/package/bin/napi-v6/linux/x64/libonnxruntime.so.1" | sha256sum -c --status \
    || die "checksum mismatch for libonnxruntime.so.1 from onnxruntime-node@$ORT_VERSION"
  mkdir -p "$ORT_DIR"
  install -m 0644 "$tmp/package/bin/napi-v6/linux/x64/libonnxruntime.so.1" "$ORT_LIB"
  ln -sfn "onnxruntime-$ORT_VERSION" "$ROOT/.deps/onnxruntime"
  log "ONNX Runtime installed at $ORT_LIB"
fi
[ -e "$ROOT/.deps/onnxruntime" ] || ln -sfn "onnxruntime-$ORT_VERSION" "$ROOT/.deps/onnxruntime"
