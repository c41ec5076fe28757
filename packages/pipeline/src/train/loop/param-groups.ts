/** Parameter groups of a phase: one per (stage, decay or not), each with the stage's learning-rate scale. */
import type { ResNet, StageName } from "@residual/resnet";
import type { ResolvedPhase } from "./freeze-phases.js";
import type { ParamGroup } from "./group-optimizer.js";

/**
 * Groups for the trainable stages of `model` in `phase`. Rank ≤ 1 parameters (BatchNorm γ/β, biases) get no
 * weight decay.
 *
 * @example
 * opt.setGroups(paramGroups(model, phase, spec.weightDecay));
 */
export function paramGroups(model: ResNet, phase: ResolvedPhase, weightDecay: number): ParamGroup[] {
  const nameOf = new Map<string, string>();
  for (const [name, v] of model.namedWeights()) nameOf.set(v.name, name);
  const groups: ParamGroup[] = [];
  for (const [stage, vars] of model.trainableVariablesByStage()) {
    const lrScale = phase.lrScale[stage as StageName] ?? 1;
    for (const decay of [true, false]) {
      const picked = vars.filter((v) => v.rank > 1 === decay);
      if (picked.length === 0) continue;
      groups.push({
        names: picked.map((v) => nameOf.get(v.name) ?? v.name),
        vars: picked,
        lrScale,
        weightDecay: decay ? weightDecay : 0,
      });
    }
  }
  return groups;
}

/** Shapes by torchvision name, for restoring optimizer state. */
export function weightShapes(model: ResNet): Map<string, number[]> {
  return new Map([...model.namedWeights()].map(([n, v]) => [n, v.shape]));
}
