/**
 * The trainer image's files, checked without Docker: the Dockerfile's base, pins and contents, the plain-`docker
 * build` ignore file against the CDK context rules, and the entrypoint that keys the CUDA JIT cache (run here with
 * a fake nvidia-smi). Whether the image builds and libtensorflow finds CUDA is only known on a GPU host
 * (bench/gpu-smoke.sh).
 */
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT, TRAINER_CONTEXT_EXCLUDE } from "../../cdk/lib/docker-context.js";

const ENTRYPOINT = join(REPO_ROOT, "cdk/docker/trainer-entrypoint.sh");
const work = mkdtempSync(join(tmpdir(), "trainer-image-test-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Runs the entrypoint with `command`, a PATH that may hold a fake nvidia-smi, and only the given variables. */
function entrypoint(command: string[], env: Record<string, string>, gpu?: string) {
  const bin = mkdtempSync(join(work, "bin-"));
  if (gpu !== undefined) {
    writeFileSync(join(bin, "nvidia-smi"), `#!/bin/sh\necho "${gpu}"\n`);
    chmodSync(join(bin, "nvidia-smi"), 0o755);
  }
  return spawnSync("sh", [ENTRYPOINT, ...command], {
    encoding: "utf8",
    env: { PATH: `${bin}:/usr/bin:/bin`, ...env },
  });
}

describe("trainer.Dockerfile", () => {
  const dockerfile = readFileSync(join(REPO_ROOT, "cdk/docker/trainer.Dockerfile"), "utf8");

  it("builds on plain Ubuntu 20.04 with NVIDIA's CUDA 11.2 / cuDNN 8.1 packages pinned, nvidia/cuda as the option", () => {
    expect(dockerfile).toMatch(/^ARG BASE_IMAGE=ubuntu:20\.04$/m);
    expect(dockerfile).toContain("--build-arg BASE_IMAGE=nvidia/cuda:11.2.2-cudnn8-runtime-ubuntu20.04");
    for (const pin of [
      "ARG CUDA_CUDART_VERSION=11.2.152-1",
      "ARG CUDA_LIBRARIES_VERSION=11.2.2-1",
      "ARG CUBLAS_VERSION=11.4.1.1043-1",
      "ARG CUSPARSE_VERSION=11.4.1.1152-1",
      "ARG CUDNN_VERSION=8.1.1.33-1+cuda11.2",
    ]) {
      expect(dockerfile).toContain(pin);
    }
    // The install line uses those pins (and holds them).
    expect(dockerfile).toMatch(/"cuda-libraries-11-2=\$\{CUDA_LIBRARIES_VERSION\}"/);
    expect(dockerfile).toMatch(/"libcudnn8=\$\{CUDNN_VERSION\}"/);
    expect(dockerfile).toMatch(
      /apt-mark hold cuda-cudart-11-2 cuda-libraries-11-2 libcublas-11-2 libcusparse-11-2 libcudnn8/,
    );
    expect(dockerfile).toMatch(/^ARG TFJS_NODE_GPU_VERSION=4\.22\.0$/m);
  });

  it("carries the smoke benchmark and the cache-keying entrypoint, and sets the cache size without forcing the JIT", () => {
    expect(dockerfile).toMatch(/^COPY bench\/gpu-step\.ts \.\/bench\/$/m);
    expect(dockerfile).toMatch(
      /^COPY cdk\/docker\/trainer-entrypoint\.sh \/usr\/local\/bin\/trainer-entrypoint$/m,
    );
    expect(dockerfile).toMatch(/^ {4}CUDA_CACHE_MAXSIZE=4294967296 \\$/m);
    expect(dockerfile).toMatch(/^ {4}NVIDIA_DRIVER_CAPABILITIES=compute,utility \\$/m);
    expect(dockerfile).not.toMatch(/CUDA_FORCE_PTX_JIT=/);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["trainer-entrypoint", "residual", "worker"\]$/m);
  });

  it("has RUN steps that are valid sh", () => {
    // Docker joins continuation lines and drops comment lines inside them before handing the step to /bin/sh -c.
    const steps = dockerfile
      .replace(/\\\n(\s*#.*\n)*/g, " ")
      .split("\n")
      .filter((l) => l.startsWith("RUN "))
      .map((l) => l.slice("RUN ".length));
    expect(steps.length).toBeGreaterThanOrEqual(4);
    for (const step of steps) {
      const check = spawnSync("sh", ["-n", "-c", step], { encoding: "utf8" });
      expect(check.status, `${step}\n${check.stderr}`).toBe(0);
    }
  });

  it("has a plain-docker-build ignore file with exactly the trainer's CDK context rules", () => {
    const rules = readFileSync(join(REPO_ROOT, "cdk/docker/trainer.Dockerfile.dockerignore"), "utf8")
      .split("\n")
      .filter((l) => l.trim() !== "" && !l.startsWith("#"));
    expect(rules).toEqual([...TRAINER_CONTEXT_EXCLUDE]);
  });
});

describe("trainer-entrypoint.sh", () => {
  it("is valid POSIX sh", () => {
    const check = spawnSync("sh", ["-n", ENTRYPOINT], { encoding: "utf8" });
    expect(check.status, check.stderr).toBe(0);
  });

  it("keys the cache by GPU model and driver under RESIDUAL_CUDA_CACHE_ROOT and runs the command with its arguments", () => {
    const root = mkdtempSync(join(work, "root-"));
    const run = entrypoint(
      ["sh", "-c", 'echo "$CUDA_CACHE_PATH|$*"; exit 7', "sh", "--job", "j-1"],
      { RESIDUAL_CUDA_CACHE_ROOT: `${root}/`, CUDA_CACHE_MAXSIZE: "4294967296" },
      "NVIDIA A10G, 535.183.01",
    );
    expect(run.status).toBe(7);
    expect(run.stdout.trim()).toBe(`${root}/NVIDIA-A10G-535.183.01|--job j-1`);
    expect(readdirSync(root)).toEqual(["NVIDIA-A10G-535.183.01"]);
    expect(run.stderr).toBe(
      `[residual] CUDA JIT cache: ${root}/NVIDIA-A10G-535.183.01 (empty, CUDA_CACHE_MAXSIZE=4294967296)\n`,
    );
  });

  it("says when the folder already has entries", () => {
    const root = mkdtempSync(join(work, "root-"));
    const gpu = "NVIDIA H100 80GB HBM3, 550.54.15";
    entrypoint(["sh", "-c", 'touch "$CUDA_CACHE_PATH/index"'], { RESIDUAL_CUDA_CACHE_ROOT: root }, gpu);
    const run = entrypoint(["true"], { RESIDUAL_CUDA_CACHE_ROOT: root }, gpu);
    expect(run.stderr).toContain(`${root}/NVIDIA-H100-80GB-HBM3-550.54.15 (has entries,`);
  });

  it("leaves an explicit CUDA_CACHE_PATH alone and falls back to unknown-gpu without nvidia-smi", () => {
    const root = mkdtempSync(join(work, "root-"));
    const explicit = join(root, "mine");
    const kept = entrypoint(["printenv", "CUDA_CACHE_PATH"], {
      RESIDUAL_CUDA_CACHE_ROOT: root,
      CUDA_CACHE_PATH: explicit,
    });
    expect(kept.stdout.trim()).toBe(explicit);
    const unknown = entrypoint(["printenv", "CUDA_CACHE_PATH"], { RESIDUAL_CUDA_CACHE_ROOT: root });
    expect(unknown.stdout.trim()).toBe(join(root, "unknown-gpu"));
  });

  it("runs the command anyway when the cache cannot be written, and does nothing without a cache root", () => {
    const blocked = join(work, "a-file");
    writeFileSync(blocked, "");
    const run = entrypoint(["echo", "ran"], { RESIDUAL_CUDA_CACHE_ROOT: blocked }, "NVIDIA L4, 550.54.15");
    expect(run.status).toBe(0);
    expect(run.stdout).toBe("ran\n");
    expect(run.stderr).toContain("is not writable; kernels are JIT-compiled again at every start");
    const plain = entrypoint(
      ["sh", "-c", "printenv CUDA_CACHE_PATH || echo unset"],
      {},
      "NVIDIA L4, 550.54.15",
    );
    expect(plain.stdout).toBe("unset\n");
    expect(plain.stderr).toBe("");
    expect(existsSync(join(work, "unknown-gpu"))).toBe(false);
  });
});
