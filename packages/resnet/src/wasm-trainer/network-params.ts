/**
 * The parameters and buffers of a compiled network, by torchvision name: where each lives in engine memory,
 * its tfjs shape, and for trainable ones the gradient and optimizer slots.
 */
import { ResNetError } from "../errors.js";
import type { StageName } from "../types.js";
import type { MemoryLayout } from "./memory-layout.js";

export interface ParamSlot {
  name: string;
  stage: StageName;
  shape: number[];
  floats: number;
  addr: number;
  /** Learnable (not a running statistic). */
  learnable: boolean;
  /** Learnable and in a trainable stage: has a gradient and optimizer slots. */
  trainable: boolean;
  grad: number;
  slots: [number, number];
}

export class NetworkParams {
  readonly byName = new Map<string, ParamSlot>();

  constructor(
    private readonly layout: MemoryLayout,
    private readonly isTrainable: (stage: StageName) => boolean,
  ) {}

  /** Reserves a parameter (or returns the one already reserved under `name`, for graphs sharing parameters). */
  add(name: string, stage: StageName, shape: number[], learnable = true): ParamSlot {
    const known = this.byName.get(name);
    if (known) return known;
    const floats = shape.reduce((a, b) => a * b, 1);
    const trainable = learnable && this.isTrainable(stage);
    const slot: ParamSlot = {
      name,
      stage,
      shape,
      floats,
      addr: this.layout.floats(floats),
      learnable,
      trainable,
      grad: trainable ? this.layout.floats(floats) : 0,
      slots: trainable ? [this.layout.floats(floats), this.layout.floats(floats)] : [0, 0],
    };
    this.byName.set(name, slot);
    return slot;
  }

  get(name: string): ParamSlot {
    const p = this.byName.get(name);
    if (!p) throw new ResNetError("invalid_options", `wasm trainer: no parameter ${name}`);
    return p;
  }

  trainable(): ParamSlot[] {
    return [...this.byName.values()].filter((p) => p.trainable);
  }
}
