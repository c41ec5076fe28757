# syntax=docker/dockerfile:1
# The training image: `residual worker --job <id>` on one NVIDIA GPU with tfjs-node-gpu.
# Built by `cdk deploy` from the repository root (see cdk/lib/docker-context.ts for what the context holds), or by
# bench/gpu-smoke.sh with `docker build -f cdk/docker/trainer.Dockerfile .` (trainer.Dockerfile.dockerignore).
#
# tfjs-node-gpu 4.22 bundles libtensorflow 2.9.1, built against CUDA 11.2 + cuDNN 8.1: a newer CUDA fails at load
# time with missing libcudart.so.11.0. NVIDIA has removed many end-of-life CUDA tags from Docker Hub, so the default
# base is plain Ubuntu 20.04 (the newest Ubuntu NVIDIA publishes CUDA 11.2 packages for) plus NVIDIA's CUDA 11.2.2 /
# cuDNN 8.1.1 runtime apt packages at pinned versions: the libraries nvidia/cuda:11.2.2-cudnn8-runtime-ubuntu20.04
# carries. Where that tag is still pullable (or mirrored in your registry), build on it instead:
#   --build-arg BASE_IMAGE=nvidia/cuda:11.2.2-cudnn8-runtime-ubuntu20.04   (CDK: Training prop `baseImage`)
# and the apt step below finds CUDA already there and skips itself.
ARG BASE_IMAGE=ubuntu:20.04
FROM ${BASE_IMAGE}

ARG NODE_VERSION=20.19.5
ARG TFJS_NODE_GPU_VERSION=4.22.0
# CUDA 11.2.2 and cuDNN 8.1.1 package versions in NVIDIA's ubuntu2004 repository (those of the nvidia/cuda tag).
ARG CUDA_CUDART_VERSION=11.2.152-1
ARG CUDA_LIBRARIES_VERSION=11.2.2-1
ARG CUBLAS_VERSION=11.4.1.1043-1
ARG CUSPARSE_VERSION=11.4.1.1152-1
ARG CUDNN_VERSION=8.1.1.33-1+cuda11.2
ARG CUDA_REPO=https://developer.download.nvidia.com/compute/cuda/repos/ubuntu2004/x86_64
ENV DEBIAN_FRONTEND=noninteractive

# python3/make/g++ only serve node-gyp if the prebuilt tfjs binding cannot be downloaded.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl xz-utils python3 make g++ \
 && curl -fsSL "https://nodejs.org/dist/v${NODE_VERSION}/node-v${NODE_VERSION}-linux-x64.tar.xz" \
    | tar -xJ -C /usr/local --strip-components=1 \
 && rm -rf /var/lib/apt/lists/*

# CUDA runtime libraries libtensorflow 2.9 loads (cudart, cuBLAS/cuBLASLt, cuFFT, cuRAND, cuSOLVER, cuSPARSE) and
# cuDNN 8, unless the base image already has them. No cuda-compat: the ECS GPU AMI's driver is newer than CUDA 11.2
# needs, and an older compat libcuda would shadow it. Held so an `apt-get upgrade` cannot swap them.
RUN if [ -e /usr/local/cuda-11.2/targets/x86_64-linux/lib/libcudart.so.11.0 ] \
      && ldconfig -p | grep -q 'libcudnn.so.8 '; then \
      echo "CUDA 11.2 and cuDNN 8 come with the base image"; \
    else \
      curl -fsSLo /tmp/cuda-keyring.deb "${CUDA_REPO}/cuda-keyring_1.1-1_all.deb" \
      && dpkg -i /tmp/cuda-keyring.deb && rm /tmp/cuda-keyring.deb \
      && apt-get update \
      && apt-get install -y --no-install-recommends \
           "cuda-cudart-11-2=${CUDA_CUDART_VERSION}" \
           "cuda-libraries-11-2=${CUDA_LIBRARIES_VERSION}" \
           "libcublas-11-2=${CUBLAS_VERSION}" \
           "libcusparse-11-2=${CUSPARSE_VERSION}" \
           "libcudnn8=${CUDNN_VERSION}" \
      && apt-mark hold cuda-cudart-11-2 cuda-libraries-11-2 libcublas-11-2 libcusparse-11-2 libcudnn8 \
      && ln -sfn cuda-11.2 /usr/local/cuda \
      && rm -rf /var/lib/apt/lists/*; \
    fi

WORKDIR /app
# Manifests first so the dependency layer is cached across source edits.
COPY package.json package-lock.json .npmrc ./
COPY packages/resnet/package.json packages/resnet/
COPY packages/pipeline/package.json packages/pipeline/
COPY functions/package.json functions/
COPY cdk/package.json cdk/
ENV ONNXRUNTIME_NODE_INSTALL_CUDA=skip
RUN npm ci --omit=dev --no-audit --no-fund \
      --workspace @residual/resnet --workspace @residual/pipeline \
 # The native TensorFlow binding: its install script downloads libtensorflow (GPU) and must run.
 && npm install --no-save --omit=dev --no-audit --no-fund --ignore-scripts=false \
      --workspace @residual/resnet "@tensorflow/tfjs-node-gpu@${TFJS_NODE_GPU_VERSION}" \
 && npm cache clean --force

COPY tsconfig.json ./
COPY packages ./packages
# The GPU step benchmark that bench/gpu-smoke.sh runs in this image (tsx comes with @residual/pipeline).
COPY bench/gpu-step.ts ./bench/
COPY cdk/docker/trainer-entrypoint.sh /usr/local/bin/trainer-entrypoint
RUN chmod 0755 /usr/local/bin/trainer-entrypoint

# What nvidia/cuda sets, for a plain-Ubuntu base: the NVIDIA runtime mounts the driver's compute libraries and
# nvidia-smi (the entrypoint keys the cache by GPU model and driver) and refuses a driver older than CUDA 11.2.
# CUDA_CACHE_MAXSIZE: CUDA's maximum (4 GiB); the default 256 MiB is too small for libtensorflow's kernels, so
# entries would be evicted and compiled again. CUDA_FORCE_PTX_JIT stays unset: it would JIT-compile even the kernels
# that do ship machine code for the GPU at hand.
ENV NODE_ENV=production \
    RESIDUAL_BACKEND=tensorflow \
    NVIDIA_VISIBLE_DEVICES=all \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility \
    NVIDIA_REQUIRE_CUDA="cuda>=11.2" \
    CUDA_CACHE_MAXSIZE=4294967296 \
    PATH=/app/node_modules/.bin:/usr/local/nvidia/bin:/usr/local/cuda/bin:$PATH \
    LD_LIBRARY_PATH=/usr/local/cuda/targets/x86_64-linux/lib:/usr/local/nvidia/lib:/usr/local/nvidia/lib64
# Exit codes the Batch retry strategy reads: 0 done, 3 permanent (bad dataset/spec), 75 transient (retried).
ENTRYPOINT ["trainer-entrypoint", "residual", "worker"]
