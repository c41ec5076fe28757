# syntax=docker/dockerfile:1
# The training image: `residual worker --job <id>` on one NVIDIA GPU with tfjs-node-gpu.
# Built by `cdk deploy` from the repository root (see cdk/lib/docker-context.ts for what the context holds).
#
# CUDA 11.2 + cuDNN 8 is what libtensorflow 2.9 (bundled by @tensorflow/tfjs-node-gpu 4.x) was built against;
# a newer CUDA fails at load time with missing libcudart.so.11.0.
ARG BASE_IMAGE=nvidia/cuda:11.2.2-cudnn8-runtime-ubuntu20.04
FROM ${BASE_IMAGE}

ARG NODE_VERSION=20.19.5
ARG TFJS_NODE_GPU_VERSION=4.22.0
ENV DEBIAN_FRONTEND=noninteractive

# python3/make/g++ only serve node-gyp if the prebuilt tfjs binding cannot be downloaded.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl xz-utils python3 make g++ \
 && curl -fsSL "https://nodejs.org/dist/v${NODE_VERSION}/node-v${NODE_VERSION}-linux-x64.tar.xz" \
    | tar -xJ -C /usr/local --strip-components=1 \
 && rm -rf /var/lib/apt/lists/*

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

ENV NODE_ENV=production \
    RESIDUAL_BACKEND=tensorflow \
    PATH=/app/node_modules/.bin:$PATH
# Exit codes the Batch retry strategy reads: 0 done, 3 permanent (bad dataset/spec), 75 transient (retried).
ENTRYPOINT ["residual", "worker"]
