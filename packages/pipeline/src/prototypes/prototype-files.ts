/**
 * `prototypes.json`: what makes a model version a prototype model (`kind: "prototypes"`). The version directory holds
 * the embedding network it was built with (`model.onnx`, `preprocess.json`, copied from the backbone or model) and,
 * per class, the mean of the examples' L2-normalised embeddings (renormalised). Serving scores an image by cosine
 * similarity to each prototype: softmax(cos / temperature), `unknown` when the best cosine is under `threshold`.
 */
import { z } from "zod";

export const PrototypesSchema = z.object({
  kind: z.literal("prototypes"),
  /** The backbone (`backbone:<arch.tag>`) or model (`model:<name>@<version>`) whose features these are. */
  source: z.string().min(1),
  labels: z.array(z.string().min(1)).min(1),
  prototypes: z.array(z.array(z.number())).min(1),
  /** Softmax temperature on cosine similarities, fitted on the examples. */
  temperature: z.number().positive(),
  /** Cosine similarity under which the best match is `unknown`. */
  threshold: z.number().min(-1).max(1),
  /** Every example's normalised embedding by label, kept so classes can be appended to and refitted. */
  examples: z.record(z.string(), z.array(z.array(z.number()))),
});

/**
 * A parsed `prototypes.json`.
 * @example
 * const p: Prototypes = parseModelFile("prototypes.json", bytes, PrototypesSchema);
 */
export type Prototypes = z.infer<typeof PrototypesSchema>;
