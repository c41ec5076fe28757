// SGD with momentum and AdamW, torch.optim's update rules, in the same operation order as the tfjs
// GroupOptimizer (packages/pipeline train/optimizer.ts), over a table of parameter segments written per step.
//
// Segment (16 words): param, grad, slot0, slot1, n, lr, wd, momentum, first (1: momentum buffer starts at d),
// beta1, beta2, eps, bc1, sqrt(bc2). Unit table: (segment address, start, count) per chunk of elements.
import { arg, claim } from "./common";

/** OPTIM: units 0, nUnits 1, kind 2 (0 SGD, 1 AdamW). */
export function optimize(op: usize): void {
  const table = <usize>arg(op, 0);
  const units = arg(op, 1);
  const adam = arg(op, 2) == 1;
  for (let u = claim(op); <u32>u < units; u = claim(op)) {
    const e = table + ((<usize>u * 3) << 2);
    const seg = <usize>load<u32>(e);
    const start = <usize>load<u32>(e, 4) << 2;
    const count = <usize>load<u32>(e, 8) << 2;
    const p = <usize>load<u32>(seg) + start;
    const g = <usize>load<u32>(seg, 4) + start;
    const s0 = <usize>load<u32>(seg, 8) + start;
    const s1 = <usize>load<u32>(seg, 12) + start;
    const lr = load<f32>(seg, 20);
    const wd = load<f32>(seg, 24);
    if (!adam) {
      const mu = load<f32>(seg, 28);
      const first = load<u32>(seg, 32) != 0;
      for (let i: usize = 0; i < count; i += 4) {
        const w = load<f32>(p + i);
        const d = wd > 0 ? load<f32>(g + i) + w * wd : load<f32>(g + i);
        const buf = first ? d : load<f32>(s0 + i) * mu + d;
        store<f32>(s0 + i, buf);
        store<f32>(p + i, w - buf * lr);
      }
    } else {
      const b1 = load<f32>(seg, 36);
      const b2 = load<f32>(seg, 40);
      const eps = load<f32>(seg, 44);
      const bc1 = load<f32>(seg, 48);
      const sbc2 = load<f32>(seg, 52);
      const decay: f32 = 1 - lr * wd;
      for (let i: usize = 0; i < count; i += 4) {
        const grad = load<f32>(g + i);
        const w = wd > 0 ? load<f32>(p + i) * decay : load<f32>(p + i);
        const m = load<f32>(s0 + i) * b1 + grad * (1 - b1);
        const v = load<f32>(s1 + i) * b2 + grad * grad * (1 - b2);
        store<f32>(s0 + i, m);
        store<f32>(s1 + i, v);
        store<f32>(p + i, w - (m / (Mathf.sqrt(v) / sbc2 + eps)) * (lr / bc1));
      }
    }
  }
}
