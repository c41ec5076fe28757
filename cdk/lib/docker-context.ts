import { fileURLToPath } from "node:url";
import { IgnoreMode } from "aws-cdk-lib";
import { Platform } from "aws-cdk-lib/aws-ecr-assets";

/** The repository root: both images build from it because they install the workspace with `npm ci`. */
export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/**
 * What synth copies into `cdk.out` for the two images, as `.dockerignore` rules: an allowlist (everything, then
 * back in only what the Dockerfiles use), and then the heavy or private folders out again wherever they appear.
 * Synth stages this copy on every run, so it must stay small: no `node_modules`, `cdk.out`, `.residual`, `.git`,
 * tests or fixtures.
 */
export const DOCKER_CONTEXT_EXCLUDE: readonly string[] = [
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
 * The shared asset options of the trainer and Lambda images (both x86_64: onnxruntime-node and libtensorflow
 * binaries are installed for linux-x64 only).
 *
 * @example
 * ecs.ContainerImage.fromAsset(REPO_ROOT, { ...dockerAssetOptions(), file: "cdk/docker/trainer.Dockerfile" });
 */
export function dockerAssetOptions(): { exclude: string[]; ignoreMode: IgnoreMode; platform: Platform } {
  return {
    exclude: [...DOCKER_CONTEXT_EXCLUDE],
    ignoreMode: IgnoreMode.DOCKER,
    platform: Platform.LINUX_AMD64,
  };
}
