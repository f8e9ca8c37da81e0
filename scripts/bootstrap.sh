#!/usr/bin/env bash
# Installs what LureStream needs and is missing, then returns quietly.
# Idempotent: every step checks first and does nothing when its target is present.
#   - Debian packages: GStreamer 1.22 (base/good/bad/ugly/libav/rtsp-server), ffmpeg (tests' independent client), libicu72 (Unicode normalisation for the prompt tokenizer),
#     and the shared libraries the OpenCvSharp runtime (libOpenCvSharpExtern.so, NuGet) links against
# ONNX Runtime comes from NuGet (Microsoft.ML.OnnxRuntime.Managed + natives), restored by the build.
# Usage: scripts/bootstrap.sh [--with-train] [--with-browser]
set -euo pipefail

log() { echo "[bootstrap] $*" >&2; }
die() { echo "bootstrap: $*" >&2; exit 1; }

APT_PACKAGES=(
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-libav
  gstreamer1.0-rtsp libgstrtspserver-1.0-0 libgstreamer-plugins-base1.0-0
  ffmpeg libicu72
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
