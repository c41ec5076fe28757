/**
 * The freeze plan: which stages train in which epochs, and at what learning-rate scale.
 *
 * Spec forms (field `freeze` of residual.json):
 * - `k` (number): the seed's `freeze_layers = k`: the first k stages of the arch are frozen for the whole run.
 * - a list of phases, run in order: `{ epochs, train?: [...], unfreeze?: [...], lrScale?: { stage: x } }`.
 *   `train` names exactly the trainable stages; `unfreeze` adds stages to the previous phase's trainable set
 *   (the first phase may only use `train`). Stages not trainable are frozen (BatchNorms in eval mode).
 *   `lrScale` multiplies the learning rate of a trainable stage (default 1). The phases' epochs must not exceed
 *   the spec's `epochs`; the last phase runs until the end.
 *
 * @example
 * // head only for 2 epochs, then layer4 at a tenth of the lr, then layer3 too
 * [{ epochs: 2, train: ["fc"] }, { epochs: 3, unfreeze: ["layer4"], lrScale: { layer4: 0.1 } },
 *  { epochs: 5, unfreeze: ["layer3"], lrScale: { layer4: 0.1, layer3: 0.01 } }]
 */
import { type ArchName, STAGE_NAMES, type StageName } from "@residual/resnet";
import type { ErrorIssue } from "../../errors.js";
import type { FreezeSpec } from "../job-spec.js";

export interface ResolvedPhase {
  index: number;
  /** First epoch of the phase (0-based, inclusive). */
  startEpoch: number;
  /** End epoch (exclusive). */
  endEpoch: number;
  trainable: StageName[];
  frozen: StageName[];
  lrScale: Partial<Record<StageName, number>>;
}

/** The freezable stages of an arch, in network order (CIFAR ResNets have no layer4). */
export function archStages(arch: ArchName): StageName[] {
  return STAGE_NAMES.filter((s) => !(arch.startsWith("cifar_") && s === "layer4"));
}

function checkStages(
  stages: readonly StageName[],
  allowed: StageName[],
  path: (string | number)[],
): ErrorIssue[] {
  return stages
    .filter((s) => !allowed.includes(s))
    .map((s) => ({ path, code: "unknown_stage", message: `stage '${s}' does not exist in this arch` }));
}

/** Every problem of a freeze plan for an arch and epoch count (empty when valid). */
export function validateFreezeSpec(freeze: FreezeSpec, arch: ArchName, epochs: number): ErrorIssue[] {
  const stages = archStages(arch);
  if (typeof freeze === "number") {
    if (freeze >= stages.length) {
      const msg = `freeze ${freeze} would freeze the head too (${arch} has ${stages.length} stages; max ${stages.length - 1})`;
      return [{ path: ["freeze"], code: "too_big", message: msg }];
    }
    return [];
  }
  const issues: ErrorIssue[] = [];
  let total = 0;
  freeze.forEach((phase, i) => {
    const at = ["freeze", i];
    total += phase.epochs;
    if ((phase.train === undefined) === (phase.unfreeze === undefined)) {
      issues.push({
        path: at,
        code: "invalid_phase",
        message: "a phase needs exactly one of 'train' or 'unfreeze'",
      });
    }
    if (i === 0 && phase.unfreeze !== undefined) {
      issues.push({
        path: [...at, "unfreeze"],
        code: "invalid_phase",
        message: "the first phase must use 'train'",
      });
    }
    issues.push(...checkStages(phase.train ?? [], stages, [...at, "train"]));
    issues.push(...checkStages(phase.unfreeze ?? [], stages, [...at, "unfreeze"]));
    issues.push(...checkStages(Object.keys(phase.lrScale ?? {}) as StageName[], stages, [...at, "lrScale"]));
  });
  if (total > epochs) {
    const message = `the phases add up to ${total} epochs, more than epochs (${epochs})`;
    issues.push({ path: ["freeze"], code: "too_big", message });
  }
  if (issues.length === 0) {
    resolveFreezePhases(freeze, arch, epochs).forEach((p) => {
      for (const s of Object.keys(p.lrScale) as StageName[]) {
        if (!p.trainable.includes(s)) {
          const message = `lrScale names '${s}', which is frozen in this phase`;
          issues.push({ path: ["freeze", p.index, "lrScale"], code: "frozen_stage", message });
        }
      }
    });
  }
  return issues;
}

/**
 * Turn a (validated) freeze spec into phases with explicit epoch ranges and stage sets.
 * @example
 * resolveFreezePhases(2, "resnet18", 10); // one phase: stem and layer1 frozen for 10 epochs
 */
export function resolveFreezePhases(freeze: FreezeSpec, arch: ArchName, epochs: number): ResolvedPhase[] {
  const stages = archStages(arch);
  if (typeof freeze === "number") {
    const frozen = stages.slice(0, freeze);
    const trainable = stages.slice(freeze);
    return [{ index: 0, startEpoch: 0, endEpoch: epochs, trainable, frozen, lrScale: {} }];
  }
  const phases: ResolvedPhase[] = [];
  let start = 0;
  let trainable: StageName[] = [];
  freeze.forEach((p, index) => {
    const next = p.train ? [...p.train] : [...trainable, ...(p.unfreeze ?? [])];
    trainable = stages.filter((s) => next.includes(s));
    const endEpoch = index === freeze.length - 1 ? epochs : start + p.epochs;
    const frozen = stages.filter((s) => !trainable.includes(s));
    phases.push({ index, startEpoch: start, endEpoch, trainable, frozen, lrScale: { ...(p.lrScale ?? {}) } });
    start = endEpoch;
  });
  return phases;
}

/** The phase that covers `epoch`. */
export function phaseAt(phases: readonly ResolvedPhase[], epoch: number): ResolvedPhase {
  return phases.find((p) => epoch >= p.startEpoch && epoch < p.endEpoch) ?? phases[phases.length - 1]!;
}

/**
 * The last stage of the longest frozen prefix (in network order), or undefined when the first stage trains.
 * Everything up to it can be computed once and cached: frozen stages run their BatchNorms in eval mode.
 */
export function frozenPrefixEnd(phase: ResolvedPhase, arch: ArchName): Exclude<StageName, "fc"> | undefined {
  let last: Exclude<StageName, "fc"> | undefined;
  for (const s of archStages(arch)) {
    if (s === "fc" || !phase.frozen.includes(s)) break;
    last = s;
  }
  return last;
}
