/**
 * bench/gpu-step.ts and bench/gpu-smoke.sh without a GPU: the step benchmark runs for real on the pure-JS cpu
 * backend at a tiny size, and the smoke script runs end to end against a stand-in `docker` that executes the
 * "container" on this machine (through the image's real entrypoint, with a fake nvidia-smi). What only a GPU host
 * can show (tfjs-node-gpu on CUDA, the JIT cache filling, images/s) is not tested here.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "../../..");
const TINY = ["--arch", "cifar_resnet20", "--size", "8", "--batch", "2", "--steps", "1", "--classes", "10"];
const work = mkdtempSync(join(tmpdir(), "gpu-smoke-test-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function gpuStep(args: string[], env: Record<string, string>) {
  return spawnSync(process.execPath, ["--import", "tsx", "bench/gpu-step.ts", ...args], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, ...env },
    timeout: 110_000,
  });
}

/** A `docker` that records its arguments, builds nothing, and runs `run` here, the repository standing in for /app. */
const FAKE_DOCKER = `#!/bin/sh
printf '%s\\n' "$*" >> "$FAKE_DOCKER_LOG"
case "$1" in
  --version) echo "Docker version 0.0.0-fake"; exit 0 ;;
  build) exit 0 ;;
  run) shift ;;
  *) echo "fake docker: $1 not supported" >&2; exit 64 ;;
esac
# The image's ENV, as far as a CPU host can honour it.
RESIDUAL_BACKEND=$FAKE_IMAGE_BACKEND CUDA_CACHE_MAXSIZE=4294967296
export RESIDUAL_BACKEND CUDA_CACHE_MAXSIZE
host_dir=""; mount_at=""; entrypoint=""
while [ $# -gt 0 ]; do
  case "$1" in
    --rm) shift ;;
    --gpus|--platform|--user) shift 2 ;;
    -e) export "$2"; shift 2 ;;
    -v) host_dir=\${2%%:*}; mount_at=\${2#*:}; shift 2 ;;
    --entrypoint) entrypoint=$2; shift 2 ;;
    *) break ;;
  esac
done
shift   # the image
[ "$entrypoint" = trainer-entrypoint ] || { echo "fake docker: unexpected entrypoint $entrypoint" >&2; exit 65; }
[ "$RESIDUAL_CUDA_CACHE_ROOT" = "$mount_at" ] && RESIDUAL_CUDA_CACHE_ROOT=$host_dir
cd "$FAKE_APP" && exec sh cdk/docker/trainer-entrypoint.sh "$@"
`;

function fakeBin(): string {
  const bin = mkdtempSync(join(work, "bin-"));
  writeFileSync(join(bin, "docker"), FAKE_DOCKER);
  writeFileSync(join(bin, "nvidia-smi"), '#!/bin/sh\necho "NVIDIA A10G, 535.183.01"\n');
  for (const f of ["docker", "nvidia-smi"]) chmodSync(join(bin, f), 0o755);
  return bin;
}

describe("bench/gpu-step.ts", () => {
  it("runs a training step on the cpu backend at a tiny size and reports backend, timings and images/s", () => {
    const run = gpuStep(TINY, { RESIDUAL_BACKEND: "cpu" });
    expect(run.status, run.stderr).toBe(0);
    const lines = run.stdout.trim().split("\n");
    expect(lines[0]).toBe("gpu-step: cifar_resnet20 8x8 batch 2, 10 classes, 1 timed steps");
    expect(lines).toContain("gpu device: no");
    for (const pattern of [
      /^backend: cpu \(RESIDUAL_BACKEND=cpu .*\) threads=1$/,
      /^backend ready: \d+\.\d s after process start$/,
      /^first step: \d+\.\d s$/,
      /^time to first step: \d+\.\d s after process start$/,
      /^step: median \d+\.\d ms, min \d+\.\d ms, max \d+\.\d ms$/,
      /^images\/s: \d+\.\d$/,
    ]) {
      expect(
        lines.some((l) => pattern.test(l)),
        String(pattern),
      ).toBe(true);
    }
    const result = JSON.parse(lines.find((l) => l.startsWith("result: "))!.slice("result: ".length));
    expect(result).toMatchObject({ arch: "cifar_resnet20", size: 8, batch: 2, backend: "cpu", gpu: false });
    expect(result.imagesPerSecond).toBeGreaterThan(0);
    expect(result.timeToFirstStepS).toBeGreaterThan(result.backendReadyS);
    expect(result.imagesPerSecond).toBeCloseTo(2 / (result.medianStepMs / 1000), 6);
  });

  it("with --require-gpu, stops with exit 2 once it knows no GPU is in use", () => {
    const run = gpuStep([...TINY, "--require-gpu"], { RESIDUAL_BACKEND: "cpu" });
    expect(run.status).toBe(2);
    expect(run.stdout).toContain("gpu device: no");
    expect(run.stdout).not.toContain("images/s");
    expect(run.stderr).toContain("--require-gpu, but the cpu backend runs on no GPU device");
  });

  it("reports every bad flag at once", () => {
    const run = gpuStep(["--arch", "resnet51", "--batch", "0"], { RESIDUAL_BACKEND: "cpu" });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/gpu-step: bad flags: --arch must be an architecture name.*; --batch /);
  });
});

/** bench/gpu-smoke.sh against the fake docker (logging its calls to `dockerLog`), a wasm image, `env` on top. */
function smoke(dockerLog: string, env: Record<string, string>) {
  return spawnSync("bash", ["bench/gpu-smoke.sh", ...TINY], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 110_000,
    env: {
      ...process.env,
      PATH: `${fakeBin()}:${process.env.PATH}`,
      FAKE_DOCKER_LOG: dockerLog,
      FAKE_APP: ROOT,
      FAKE_IMAGE_BACKEND: "wasm",
      TMPDIR: work,
      ...env,
    },
  });
}

describe("bench/gpu-smoke.sh", () => {
  it("is valid bash", () => {
    const check = spawnSync("bash", ["-n", "bench/gpu-smoke.sh"], { cwd: ROOT, encoding: "utf8" });
    expect(check.status, check.stderr).toBe(0);
  });

  it("builds the image, starts it twice on one host cache folder with --gpus all, and prints the summary", () => {
    const cache = join(work, "cuda-cache");
    const dockerLog = join(work, "docker.log");
    const run = smoke(dockerLog, {
      CACHE_DIR: cache,
      REQUIRE_GPU: "0",
      BASE_IMAGE: "nvidia/cuda:11.2.2-cudnn8-runtime-ubuntu20.04",
    });
    expect(run.status, run.stdout + run.stderr).toBe(0);
    const calls = readFileSync(dockerLog, "utf8").trim().split("\n");
    expect(calls[1]).toBe(
      "build --platform linux/amd64 -f cdk/docker/trainer.Dockerfile -t residual-trainer:gpu-smoke " +
        "--build-arg BASE_IMAGE=nvidia/cuda:11.2.2-cudnn8-runtime-ubuntu20.04 .",
    );
    const runs = calls.filter((c) => c.startsWith("run "));
    expect(runs).toHaveLength(2);
    for (const call of runs) {
      expect(call).toContain("--gpus all");
      expect(call).toContain(`-v ${cache}:/cuda-cache -e RESIDUAL_CUDA_CACHE_ROOT=/cuda-cache`);
      expect(call).toContain(
        `--entrypoint trainer-entrypoint residual-trainer:gpu-smoke node --import tsx bench/gpu-step.ts ${TINY.join(" ")}`,
      );
    }
    // Both starts keyed the cache the same way, into one folder of the host directory.
    expect(readdirSync(cache)).toEqual(["NVIDIA-A10G-535.183.01"]);
    const out = run.stdout;
    expect(
      out.match(
        /^entrypoint: CUDA JIT cache: .*\/NVIDIA-A10G-535\.183\.01 \(.*CUDA_CACHE_MAXSIZE=4294967296\)$/gm,
      ),
    ).toHaveLength(2);
    expect(out).toMatch(/^start +exit +backend +gpu +container s +time to first step s +images\/s$/m);
    expect(out).toMatch(/^cold +0 +wasm +no +\d+\.\d +\d+\.\d +\d+\.\d$/m);
    expect(out).toMatch(/^warm +0 +wasm +no +\d+\.\d +\d+\.\d +\d+\.\d$/m);
    expect(out).toMatch(/^time to first step, cold \/ warm: \d+\.\d s \/ \d+\.\d s = \d+\.\dx$/m);
  });

  it("stops with the step's exit status when no GPU is in use and REQUIRE_GPU is left on", () => {
    const run = smoke(join(work, "docker-2.log"), { SKIP_BUILD: "1" });
    expect(run.status).toBe(2);
    expect(readFileSync(join(work, "docker-2.log"), "utf8")).not.toMatch(/^build /m);
    expect(run.stdout).toContain("--require-gpu, but the wasm backend runs on no GPU device");
    expect(run.stdout).toMatch(/^cold +2 +wasm +no /m);
    // The warm start would fail the same way: it is not tried.
    expect(run.stdout).not.toMatch(/^warm /m);
    expect(readFileSync(join(work, "docker-2.log"), "utf8").match(/^run /gm)).toHaveLength(1);
  });
});
