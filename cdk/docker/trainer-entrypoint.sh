#!/bin/sh
# Entrypoint of the trainer image: points the CUDA JIT cache at a folder that outlives the container, then runs
# the command (`residual worker --job <id>` on Batch; `node --import tsx bench/gpu-step.ts` in bench/gpu-smoke.sh).
#
# libtensorflow 2.9.1 ships no machine code for sm_86/sm_89/sm_90 (A10G, L4, H100), so the driver compiles its PTX
# at every start unless it finds the result in CUDA_CACHE_PATH. With RESIDUAL_CUDA_CACHE_ROOT set (the EFS mount on
# Batch) and CUDA_CACHE_PATH unset, the cache goes to <root>/<gpu model>-<driver version>: the driver would reject
# another driver's entries anyway, and separate folders keep GPU families from evicting each other under the
# 4 GiB CUDA_CACHE_MAXSIZE cap. An explicit CUDA_CACHE_PATH is left alone.
set -eu

log() { printf '[residual] %s\n' "$*" >&2; }

# "NVIDIA A10G, 535.183.01" -> "NVIDIA-A10G-535.183.01"; empty when nvidia-smi is missing or fails.
gpu_key() {
  timeout 20 nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null |
    head -n 1 | sed -e 's/[^A-Za-z0-9._]\{1,\}/-/g' -e 's/^-//' -e 's/-$//' || true
}

if [ -n "${RESIDUAL_CUDA_CACHE_ROOT:-}" ] && [ -z "${CUDA_CACHE_PATH:-}" ]; then
  key=$(gpu_key)
  CUDA_CACHE_PATH="${RESIDUAL_CUDA_CACHE_ROOT%/}/${key:-unknown-gpu}"
  export CUDA_CACHE_PATH
fi

if [ -n "${CUDA_CACHE_PATH:-}" ]; then
  if mkdir -p "$CUDA_CACHE_PATH" 2>/dev/null && [ -w "$CUDA_CACHE_PATH" ]; then
    # One entry is enough to tell: never walk a cache of thousands of files over NFS at every start.
    if [ -n "$(find "$CUDA_CACHE_PATH" -mindepth 1 -maxdepth 1 -print 2>/dev/null | head -n 1)" ]; then
      state="has entries"
    else
      state="empty"
    fi
    log "CUDA JIT cache: $CUDA_CACHE_PATH ($state, CUDA_CACHE_MAXSIZE=${CUDA_CACHE_MAXSIZE:-driver default})"
  else
    log "CUDA JIT cache: $CUDA_CACHE_PATH is not writable; kernels are JIT-compiled again at every start"
  fi
fi

exec "$@"
