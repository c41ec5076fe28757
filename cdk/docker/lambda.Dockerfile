# syntax=docker/dockerfile:1
# One image for every Lambda (embed, classify, jobs, dispatch, bulk, bulk-manifest, seed-backbones); each function picks its handler as CMD
# (`embed.handler`, …). Built by `cdk deploy` from the repository root.
ARG BASE_IMAGE=public.ecr.aws/lambda/nodejs:22

FROM ${BASE_IMAGE} AS build
WORKDIR /build
COPY package.json package-lock.json .npmrc ./
COPY packages/resnet/package.json packages/resnet/
COPY packages/pipeline/package.json packages/pipeline/
COPY functions/package.json functions/
COPY cdk/package.json cdk/
ENV ONNXRUNTIME_NODE_INSTALL_CUDA=skip
RUN npm ci --no-audit --no-fund --ignore-scripts \
      --workspace @residual/functions --workspace @residual/pipeline --workspace @residual/resnet
COPY tsconfig.json ./
COPY packages ./packages
COPY functions ./functions
# Packages that cannot be bundled: native addons (onnxruntime-node, sharp) and tfjs, whose wasm backend loads its
# .wasm files from its package folder and must share one tfjs-core instance with it.
ARG EXTERNALS="onnxruntime-node sharp @tensorflow/tfjs-core @tensorflow/tfjs-backend-cpu @tensorflow/tfjs-backend-wasm"
# Bundle each handler into one ESM file; code reached only through a dynamic import (the tfjs engine, the ResNet
# package for exporting a model that has no model.onnx yet) goes to shared chunks, so its externals (tfjs-core) are
# not loaded during the init phase. The externals are installed below for linux-x64 only.
RUN mkdir -p /out \
 && node_modules/.bin/esbuild functions/src/embed.ts functions/src/classify.ts functions/src/jobs.ts \
      functions/src/dispatch.ts functions/src/bulk.ts functions/src/bulk-manifest.ts functions/src/seed-backbones.ts --bundle --splitting '--chunk-names=chunks/[name]-[hash]' --platform=node \
      --target=node22 --format=esm --outdir=/out \
      --out-extension:.js=.mjs --sourcemap --legal-comments=none \
      $(for p in $EXTERNALS @tensorflow/tfjs-node @tensorflow/tfjs-node-gpu; do printf -- '--external:%s ' "$p"; done) \
      "--banner:js=import { createRequire as __residualRequire } from 'node:module'; const require = __residualRequire(import.meta.url);"
# A minimal node_modules holding only the externals, pinned to the versions in the lockfile.
RUN mkdir -p /native && cd /native \
 && echo '{"type":"module","private":true}' > package.json \
 && SPECS=$(for p in $EXTERNALS; do \
      printf '%s@%s ' "$p" "$(node -p "require('/build/package-lock.json').packages['node_modules/$p'].version")"; \
    done) \
 && npm install --omit=dev --no-audit --no-fund --os=linux --cpu=x64 --libc=glibc $SPECS \
 # onnxruntime-node ships every platform's binary (and CUDA/TensorRT providers); Lambda runs linux-x64 on CPU.
 && find node_modules/onnxruntime-node/bin -mindepth 3 -maxdepth 3 -type d ! -path '*/linux/x64' -exec rm -rf {} + \
 && rm -f node_modules/onnxruntime-node/bin/napi-v*/linux/x64/libonnxruntime_providers_cuda.so \
          node_modules/onnxruntime-node/bin/napi-v*/linux/x64/libonnxruntime_providers_tensorrt.so

FROM ${BASE_IMAGE}
COPY --from=build /native/ ${LAMBDA_TASK_ROOT}/
COPY --from=build /out/ ${LAMBDA_TASK_ROOT}/
ENV NODE_OPTIONS=--enable-source-maps
CMD ["embed.handler"]
