/**
 * SGD with momentum and AdamW over parameter groups (per-stage learning-rate scales), matching torch.optim:
 * - SGD: weight decay is L2 added to the gradient (`d = g + wd·p`), momentum buffer starts at `d`
 *   (`buf = μ·buf + d`), `p −= lr·buf` (dampening 0, no Nesterov).
 * - AdamW: decoupled decay `p ·= 1 − lr·wd`, then Adam with bias correction (β 0.9/0.999, ε 1e-8), with a step
 *   count per parameter, so stages unfrozen later start their own bias correction at step 1 as in torch.
 * Parameters of rank ≤ 1 (BatchNorm γ/β and biases) get no weight decay (timm's convention: decaying scale and
 * shift parameters only fights normalisation). State is keyed by torchvision weight name so it survives a restart.
 */
import * as tf from "@tensorflow/tfjs-core";

export interface ParamGroup {
  /** Torchvision names of the variables, parallel to `vars`. */
  names: string[];
  vars: tf.Variable[];
  lrScale: number;
  weightDecay: number;
}

/** Serialisable optimizer state: one entry per parameter name, each slot a flat float array. */
export interface OptimizerState {
  kind: "sgd" | "adamw";
  params: Record<string, { step: number; slots: Record<string, Float32Array> }>;
}

export interface OptimizerOptions {
  kind: "sgd" | "adamw";
  momentum?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
}

interface Slot {
  step: number;
  tensors: Record<string, tf.Tensor>;
}

/**
 * A per-group optimizer. `step(grads, lr)` applies one update with base rate `lr` (scaled per group) given
 * gradients keyed by `variable.name` (what `tf.variableGrads` returns). It does not dispose the gradients.
 *
 * @example
 * const opt = new GroupOptimizer({ kind: "sgd", momentum: 0.9 });
 * opt.setGroups([{ names: ["fc.weight"], vars: [w], lrScale: 1, weightDecay: 1e-4 }]);
 * const { grads } = tf.variableGrads(() => loss(), [w]);
 * opt.step(grads, 0.1);
 * tf.dispose(grads);
 */
export class GroupOptimizer {
  private groups: ParamGroup[] = [];
  private readonly slots = new Map<string, Slot>();
  private readonly opts: Required<OptimizerOptions>;

  constructor(opts: OptimizerOptions) {
    this.opts = { momentum: 0.9, beta1: 0.9, beta2: 0.999, eps: 1e-8, ...opts };
  }

  /** Replace the parameter groups (on a phase change); state of parameters that stay is kept. */
  setGroups(groups: ParamGroup[]): void {
    this.groups = groups;
  }

  /** Every variable in the current groups. */
  variables(): tf.Variable[] {
    return this.groups.flatMap((g) => g.vars);
  }

  step(grads: tf.NamedTensorMap, lr: number): void {
    for (const g of this.groups) {
      g.vars.forEach((v, i) => {
        const grad = grads[v.name];
        if (grad) this.update(g.names[i]!, v, grad, lr * g.lrScale, g.weightDecay);
      });
    }
  }

  private update(name: string, v: tf.Variable, grad: tf.Tensor, lr: number, wd: number): void {
    const prev = this.slots.get(name);
    const step = (prev?.step ?? 0) + 1;
    const next = tf.tidy(() =>
      this.opts.kind === "sgd" ? this.sgd(v, grad, lr, wd, prev) : this.adamw(v, grad, lr, wd, prev, step),
    );
    v.assign(next.value);
    next.value.dispose();
    if (prev) tf.dispose(Object.values(prev.tensors));
    this.slots.set(name, { step, tensors: next.slots });
  }

  private sgd(v: tf.Variable, grad: tf.Tensor, lr: number, wd: number, prev?: Slot) {
    const d = wd > 0 ? tf.add(grad, tf.mul(v, wd)) : grad;
    const old = prev?.tensors.momentum;
    const buf = old ? tf.add(tf.mul(old, this.opts.momentum), d) : tf.clone(d);
    const value = tf.sub(v, tf.mul(buf, lr));
    return { value: tf.keep(value), slots: { momentum: tf.keep(buf) } };
  }

  private adamw(
    v: tf.Variable,
    grad: tf.Tensor,
    lr: number,
    wd: number,
    prev: Slot | undefined,
    step: number,
  ) {
    const { beta1, beta2, eps } = this.opts;
    const decayed = wd > 0 ? tf.mul(v, 1 - lr * wd) : v;
    const m0 = prev?.tensors.m ?? tf.zerosLike(grad);
    const v0 = prev?.tensors.v ?? tf.zerosLike(grad);
    const m = tf.add(tf.mul(m0, beta1), tf.mul(grad, 1 - beta1));
    const s = tf.add(tf.mul(v0, beta2), tf.mul(tf.square(grad), 1 - beta2));
    const bc1 = 1 - beta1 ** step;
    const bc2 = 1 - beta2 ** step;
    const denom = tf.add(tf.div(tf.sqrt(s), Math.sqrt(bc2)), eps);
    const value = tf.sub(decayed, tf.mul(tf.div(m, denom), lr / bc1));
    return { value: tf.keep(value), slots: { m: tf.keep(m), v: tf.keep(s) } };
  }

  /** A plain-data copy of the state (reads tensors synchronously; small: one or two slots per parameter). */
  getState(): OptimizerState {
    const params: OptimizerState["params"] = {};
    for (const [name, slot] of this.slots) {
      const slots: Record<string, Float32Array> = {};
      for (const [k, t] of Object.entries(slot.tensors)) slots[k] = Float32Array.from(t.dataSync());
      params[name] = { step: slot.step, slots };
    }
    return { kind: this.opts.kind, params };
  }

  /** Restore state saved by `getState`; shapes come from the variables of the current groups. */
  setState(state: OptimizerState, shapes: ReadonlyMap<string, number[]>): void {
    this.disposeSlots();
    for (const [name, p] of Object.entries(state.params)) {
      const shape = shapes.get(name);
      if (!shape) continue;
      const tensors: Record<string, tf.Tensor> = {};
      for (const [k, values] of Object.entries(p.slots)) tensors[k] = tf.tensor(values, shape, "float32");
      this.slots.set(name, { step: p.step, tensors });
    }
  }

  private disposeSlots(): void {
    for (const s of this.slots.values()) tf.dispose(Object.values(s.tensors));
    this.slots.clear();
  }

  dispose(): void {
    this.disposeSlots();
    this.groups = [];
  }
}
