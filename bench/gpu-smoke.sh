#!/usr/bin/env bash
# GPU smoke test of the trainer image, one command on a GPU host with Docker and the NVIDIA Container Toolkit:
#
#   bench/gpu-smoke.sh [gpu-step flags]          e.g.  bench/gpu-smoke.sh --batch 32   (if batch 64 runs out of memory)
#
# 1. builds the trainer image from cdk/docker/trainer.Dockerfile, as `cdk deploy` does;
# 2. starts it twice with `--gpus all`, running bench/gpu-step.ts (ResNet-50, 224², batch 64 training steps) through
#    the image's entrypoint, with one host folder as the CUDA JIT cache root: the first start finds the cache empty
#    (cold: on sm_86/sm_89/sm_90 the driver compiles libtensorflow's PTX), the second finds what the first wrote;
# 3. prints for each start the tfjs backend, whether TensorFlow ran on a GPU, the time to the first training step,
#    images/s, and how much sooner the warm start reached its first step.
#
# Environment:
#   IMAGE=residual-trainer:gpu-smoke   the tag to build and run
#   BASE_IMAGE=...                     build on another base, e.g. nvidia/cuda:11.2.2-cudnn8-runtime-ubuntu20.04
#   SKIP_BUILD=1                       run IMAGE as it is
#   CACHE_DIR=<dir>                    host folder for the cache (default: a new one, so the first start is cold)
#   REQUIRE_GPU=0                      carry on when tfjs finds no GPU (to try the script on a CPU host)
#   DOCKER="sudo docker"               the docker command
# Exit status: 0 when both starts ran (on a GPU unless REQUIRE_GPU=0), else the failed start's (it stops there).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

IMAGE=${IMAGE:-residual-trainer:gpu-smoke}
REQUIRE_GPU=${REQUIRE_GPU:-1}
read -r -a DOCKER_CMD <<<"${DOCKER:-docker}"
OUT=$(mktemp -d "${TMPDIR:-/tmp}/gpu-smoke.XXXXXX")
CACHE_DIR=${CACHE_DIR:-$OUT/cuda-cache}
mkdir -p "$CACHE_DIR"
CACHE_DIR=$(cd "$CACHE_DIR" && pwd)
STEP_ARGS=("$@")
if [ "$REQUIRE_GPU" = 1 ]; then STEP_ARGS=(--require-gpu ${STEP_ARGS[@]+"${STEP_ARGS[@]}"}); fi

say() { printf '\n== %s\n' "$*"; }

say "host"
if command -v nvidia-smi >/dev/null 2>&1; then
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null | sed 's/^/GPU: /' ||
    echo "GPU: nvidia-smi failed"
else
  echo "GPU: nvidia-smi not found on this host"
fi
"${DOCKER_CMD[@]}" --version

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  say "building $IMAGE from cdk/docker/trainer.Dockerfile${BASE_IMAGE:+ on $BASE_IMAGE}"
  BUILD_ARGS=()
  if [ -n "${BASE_IMAGE:-}" ]; then BUILD_ARGS=(--build-arg "BASE_IMAGE=$BASE_IMAGE"); fi
  DOCKER_BUILDKIT=1 "${DOCKER_CMD[@]}" build --platform linux/amd64 -f cdk/docker/trainer.Dockerfile \
    -t "$IMAGE" ${BUILD_ARGS[@]+"${BUILD_ARGS[@]}"} .
fi

# The value after "<key>: " on the last line that starts with it.
field() { sed -n "s|^$2: ||p" "$1" | tail -n 1; }

ROWS=()
FAILURE=0
TTFS=()
for start in cold warm; do
  say "$start start (CUDA JIT cache: $CACHE_DIR)"
  log="$OUT/$start.log"
  began=$(date +%s%N)
  rc=0
  "${DOCKER_CMD[@]}" run --rm --gpus all --platform linux/amd64 \
    --user "$(id -u):$(id -g)" -e HOME=/tmp \
    -v "$CACHE_DIR:/cuda-cache" -e RESIDUAL_CUDA_CACHE_ROOT=/cuda-cache \
    --entrypoint trainer-entrypoint "$IMAGE" \
    node --import tsx bench/gpu-step.ts ${STEP_ARGS[@]+"${STEP_ARGS[@]}"} 2>&1 | tee "$log" || rc=$?
  wall=$(awk -v a="$began" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
  backend=$(field "$log" backend | cut -d' ' -f1)
  gpu=$(field "$log" "gpu device")
  ttfs=$(field "$log" "time to first step" | cut -d' ' -f1)
  ips=$(field "$log" "images/s")
  TTFS+=("${ttfs:-}")
  ROWS+=("$(printf '%-6s %-5s %-11s %-4s %12s %22s %10s' "$start" "$rc" "${backend:--}" "${gpu:--}" "$wall" \
    "${ttfs:--}" "${ips:--}")")
  # A start that failed (no GPU, out of memory) would fail again warm: stop here.
  if [ "$rc" != 0 ]; then FAILURE=$rc && break; fi
done

say "summary: $IMAGE, $(printf '%s ' ${STEP_ARGS[@]+"${STEP_ARGS[@]}"})"
device=$(grep -ho 'Created device .*GPU:0.*' "$OUT/cold.log" | head -n 1 | sed 's/.*-> //' || true)
echo "TensorFlow GPU: ${device:-none reported (TensorFlow logs 'Created device ... GPU:0' when it finds one)}"
grep -hos 'CUDA JIT cache: .*' "$OUT/cold.log" "$OUT/warm.log" | sed 's/^/entrypoint: /' || true
echo "cache folder after both starts: $(du -sh "$CACHE_DIR" 2>/dev/null | cut -f1) in $CACHE_DIR"
printf '%-6s %-5s %-11s %-4s %12s %22s %10s\n' start exit backend gpu "container s" "time to first step s" images/s
printf '%s\n' "${ROWS[@]}"
if [ -n "${TTFS[0]:-}" ] && [ -n "${TTFS[1]:-}" ]; then
  awk -v c="${TTFS[0]}" -v w="${TTFS[1]}" \
    'BEGIN { if (w > 0) printf "time to first step, cold / warm: %.1f s / %.1f s = %.1fx\n", c, w, c / w }'
fi
echo "logs: $OUT"
exit "$FAILURE"
