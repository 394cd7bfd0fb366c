#!/usr/bin/env bash
# Prepares what a benchmark run on the lent GPU machine needs, in out/device/ (ignored by git; < 64 MiB, the device
# tool's carry limit). The device machine has no network and no node_modules, so everything travels:
#
#   out/device/deno.xz                       the Deno binary from node_modules/@deno/linux-x64-glibc, xz -9
#   out/device/a/engine-runner.deno.js       bench/engine-runner.ts bundled with its npm dependencies (esbuild)
#   out/device/a/engine-runner.node.js       the same for Node + Dawn (used only where the device has a node)
#   out/device/a/dist/linux-x64/dawn.node.xz Dawn for Node (npm webgpu), where the node bundle looks for it
#   out/device/debs/*.deb                    the Vulkan loader (libvulkan1), unpacked with dpkg -x on the device
#   out/device/run.sh                        the device-side script (below)
#
# Shaders are read from shaders/ (tracked, so they travel with the working tree): the bundles sit two folders deep
# (out/device/a/) so that the engine's ../../../shaders/ resolves to the repository's shaders/.
#
# Then, with the device tool (one line):
#   run(command="bash out/device/run.sh", carry=["out/device"], timeout_s=600)
# It writes $OUT/device-bench.jsonl (one JSON line per point: adapter, driver, features, toggles, steps/s),
# $OUT/nvidia-smi.txt and $OUT/vulkaninfo.txt where those tools exist.
#
#   scripts/prepare-device.sh [--check]     --check: also run the Deno bundle here (lavapipe) as the device would
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT_DIR=out/device
rm -rf "$OUT_DIR"
mkdir -p "$OUT_DIR/a/dist/linux-x64" "$OUT_DIR/debs"

DENO_BIN=node_modules/@deno/linux-x64-glibc/deno
[ -x "$DENO_BIN" ] || { echo "missing $DENO_BIN (npm ci first)" >&2; exit 1; }
echo "xz -9 $DENO_BIN ..."
xz -9 -T0 -c "$DENO_BIN" > "$OUT_DIR/deno.xz"

ESBUILD=node_modules/.bin/esbuild
# gpu.js and the cpu engines are not needed on the device; gpu.js pulls native modules, so it stays out.
"$ESBUILD" bench/engine-runner.ts --bundle --format=esm --platform=neutral --main-fields=module,main \
  --external:'node:*' --external:gpu.js --external:webgpu --log-level=warning \
  --outfile="$OUT_DIR/a/engine-runner.deno.js"
"$ESBUILD" bench/engine-runner.ts --bundle --format=esm --platform=node --external:gpu.js --log-level=warning \
  --banner:js="import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" \
  --outfile="$OUT_DIR/a/engine-runner.node.js"
xz -9 -c node_modules/webgpu/dist/linux-x64/dawn.node > "$OUT_DIR/a/dist/linux-x64/dawn.node.xz"

# The Vulkan loader for the device (NVIDIA's ICD comes with its driver there). apt-get download needs no root.
(cd "$OUT_DIR/debs" && apt-get download libvulkan1 >/dev/null 2>&1) || echo "warning: apt-get download libvulkan1 failed; the device must have libvulkan.so.1" >&2

cat > "$OUT_DIR/run.sh" <<'EOS'
#!/usr/bin/env bash
# Device side (see scripts/prepare-device.sh): unpack Deno and the Vulkan loader, find the NVIDIA Vulkan ICD, run the
# WebGPU engine's benchmark grid under Deno, and Node + Dawn when a node binary is present. Results go to $OUT.
set -uo pipefail
cd "$(dirname "$0")/../.."
D=out/device
OUT=${OUT:-/tmp/device-out}; mkdir -p "$OUT"
T=$(mktemp -d)
xz -dc "$D/deno.xz" > "$T/deno" && chmod +x "$T/deno"
for deb in "$D"/debs/*.deb; do [ -e "$deb" ] && dpkg -x "$deb" "$T/root"; done
export LD_LIBRARY_PATH="$T/root/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export XDG_RUNTIME_DIR="$T/xdg"; mkdir -p "$XDG_RUNTIME_DIR"
if [ -z "${VK_ICD_FILENAMES:-}" ]; then
  ICD=$(ls /usr/share/vulkan/icd.d/nvidia_icd*.json /etc/vulkan/icd.d/nvidia_icd*.json 2>/dev/null | head -1)
  if [ -z "$ICD" ]; then
    LIB=$(ldconfig -p 2>/dev/null | awk '/libGLX_nvidia.so.0/{print $NF; exit}')
    [ -n "$LIB" ] && ICD="$T/nvidia_icd.json" && printf '{"file_format_version":"1.0.0","ICD":{"library_path":"%s","api_version":"1.3"}}\n' "$LIB" > "$ICD"
  fi
  [ -n "$ICD" ] && export VK_ICD_FILENAMES="$ICD"
fi
echo "VK_ICD_FILENAMES=${VK_ICD_FILENAMES:-<unset>}" | tee "$OUT/env.txt"
nvidia-smi > "$OUT/nvidia-smi.txt" 2>&1 || true
command -v vulkaninfo >/dev/null && vulkaninfo --summary > "$OUT/vulkaninfo.txt" 2>&1 || true
TARGET=${TARGET:-1}
POINTS=$(python3 - "$TARGET" <<'EOP' 2>/dev/null || echo '[]'
import json, sys
t = float(sys.argv[1]); pts = []
for d in (2, 3, 10, 100, 1000):
    for e in range(6, 25, 2):
        n = 2 ** e
        if n * d <= 2 ** 28: pts.append({"d": d, "N": n, "target": t})
print(json.dumps(pts))
EOP
)
[ "$POINTS" = "[]" ] && POINTS='[{"d":3,"N":65536,"target":1},{"d":3,"N":1048576,"target":1},{"d":3,"N":16777216,"target":1}]'
REQ="{\"engine\":\"webgpu\",\"maxPointSeconds\":60,\"points\":$POINTS}"
echo "deno: $("$T/deno" --version | head -1)"
timeout 420 "$T/deno" run -A "$D/a/engine-runner.deno.js" "$REQ" | tee "$OUT/device-bench.jsonl"
if [ "${CHECK_ONLY:-0}" != "1" ] && command -v node >/dev/null; then
  xz -dc "$D/a/dist/linux-x64/dawn.node.xz" > "$D/a/dist/linux-x64/dawn.node"
  timeout 120 node "$D/a/engine-runner.node.js" \
    '{"engine":"webgpu","maxPointSeconds":30,"points":[{"d":3,"N":65536,"target":1},{"d":3,"N":1048576,"target":1}]}' \
    | tee "$OUT/device-bench-node.jsonl"
fi
EOS
chmod +x "$OUT_DIR/run.sh"

du -sh "$OUT_DIR"
TOTAL=$(du -sb "$OUT_DIR" | cut -f1)
[ "$TOTAL" -lt $((64 * 1024 * 1024)) ] || { echo "out/device is $TOTAL bytes: over the 64 MiB carry limit" >&2; exit 1; }
echo "ready: run(command=\"bash out/device/run.sh\", carry=[\"out/device\"], timeout_s=600)"

if [ "${1:-}" = "--check" ]; then
  # As on the device, minus the GPU: lavapipe here, a tiny grid.
  T=$(mktemp -d)
  xz -dc "$OUT_DIR/deno.xz" > "$T/deno" && chmod +x "$T/deno"
  export XDG_RUNTIME_DIR="$T/xdg"; mkdir -p "$XDG_RUNTIME_DIR"
  "$T/deno" run -A "$OUT_DIR/a/engine-runner.deno.js" '{"engine":"webgpu","points":[{"d":3,"N":4096,"target":0.3}]}'
  xz -dc "$OUT_DIR/a/dist/linux-x64/dawn.node.xz" > "$OUT_DIR/a/dist/linux-x64/dawn.node"
  VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json node "$OUT_DIR/a/engine-runner.node.js" \
    '{"engine":"webgpu","points":[{"d":3,"N":256,"target":0.2}]}'
  rm -f "$OUT_DIR/a/dist/linux-x64/dawn.node"
  rm -rf "$T"
fi
