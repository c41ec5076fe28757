# syntax=docker/dockerfile:1
# One image for every Lambda (embed, classify, jobs, dispatch); each function picks its handler as CMD
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
# Bundle each handler into one ESM file; native packages stay external and are installed below for linux-x64 only.
RUN mkdir -p /out \
 && node_modules/.bin/esbuild functions/src/embed.ts functions/src/classify.ts functions/src/jobs.ts \
      functions/src/dispatch.ts --bundle --platform=node --target=node22 --format=esm --outdir=/out \
      --out-extension:.js=.mjs --sourcemap --legal-comments=none \
      --external:onnxruntime-node --external:sharp --external:@tensorflow/tfjs-node --external:@tensorflow/tfjs-node-gpu \
      "--banner:js=import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);"
# A minimal node_modules holding only the native packages, pinned to the versions in the lockfile.
RUN mkdir -p /native && cd /native \
 && ORT=$(node -p "require('/build/package-lock.json').packages['node_modules/onnxruntime-node'].version") \
 && SHARP=$(node -p "require('/build/package-lock.json').packages['node_modules/sharp'].version") \
 && echo '{"type":"module","private":true}' > package.json \
 && npm install --omit=dev --no-audit --no-fund --os=linux --cpu=x64 --libc=glibc \
      "onnxruntime-node@${ORT}" "sharp@${SHARP}" \
 # onnxruntime-node ships every platform's binary; Lambda runs linux-x64 only.
 && find node_modules/onnxruntime-node/bin -mindepth 3 -maxdepth 3 -type d ! -path '*/linux/x64' -exec rm -rf {} + \
 && rm -f node_modules/onnxruntime-node/bin/napi-v*/linux/x64/libonnxruntime_providers_cuda.so \
          node_modules/onnxruntime-node/bin/napi-v*/linux/x64/libonnxruntime_providers_tensorrt.so

FROM ${BASE_IMAGE}
COPY --from=build /native/ ${LAMBDA_TASK_ROOT}/
COPY --from=build /out/ ${LAMBDA_TASK_ROOT}/
ENV NODE_OPTIONS=--enable-source-maps
CMD ["embed.handler"]
