import { fileURLToPath } from "node:url";
import { IgnoreMode } from "aws-cdk-lib";
import { Platform } from "aws-cdk-lib/aws-ecr-assets";

/** The repository root: both images build from it because they install the workspace with `npm ci`. */
export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Everything out, then back in only what the Dockerfiles use. */
const ALLOWLIST: readonly string[] = [
  "*",
  "!package.json",
  "!package-lock.json",
  "!.npmrc",
  "!tsconfig.json",
  "!packages",
  "!functions",
  "!cdk",
  "cdk/*",
  "!cdk/package.json",
  "!cdk/docker",
];

/** The heavy or private folders, out again wherever they appear. */
const NEVER: readonly string[] = [
  "**/node_modules",
  "**/cdk.out",
  "**/.residual",
  "**/.git",
  "**/dist",
  "**/coverage",
  "**/test",
  "**/__pycache__",
];

/**
 * What synth copies into `cdk.out` for the Lambda image, as `.dockerignore` rules: an allowlist, and then the heavy
 * or private folders out again wherever they appear. Synth stages this copy on every run, so it must stay small: no
 * `node_modules`, `cdk.out`, `.residual`, `.git`, tests or fixtures.
 */
export const DOCKER_CONTEXT_EXCLUDE: readonly string[] = [...ALLOWLIST, ...NEVER];

/**
 * The trainer image's context: the same, plus the GPU step benchmark that `bench/gpu-smoke.sh` runs inside the
 * image (no other benchmark). `cdk/docker/trainer.Dockerfile.dockerignore` holds the same rules for a plain
 * `docker build` (BuildKit reads it next to the Dockerfile); a test keeps the two equal.
 */
export const TRAINER_CONTEXT_EXCLUDE: readonly string[] = [
  ...ALLOWLIST,
  "!bench",
  "bench/*",
  "!bench/gpu-step.ts",
  ...NEVER,
];

/**
 * The shared asset options of the trainer and Lambda images (both x86_64: onnxruntime-node and libtensorflow
 * binaries are installed for linux-x64 only).
 *
 * @example
 * ecs.ContainerImage.fromAsset(REPO_ROOT, {
 *   ...dockerAssetOptions(TRAINER_CONTEXT_EXCLUDE),
 *   file: "cdk/docker/trainer.Dockerfile",
 * });
 */
export function dockerAssetOptions(exclude: readonly string[] = DOCKER_CONTEXT_EXCLUDE): {
  exclude: string[];
  ignoreMode: IgnoreMode;
  platform: Platform;
} {
  return {
    exclude: [...exclude],
    ignoreMode: IgnoreMode.DOCKER,
    platform: Platform.LINUX_AMD64,
  };
}
