import { z } from "zod";
import { InvalidPropsError } from "./invalid-props-error.js";

const list = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v : v.split(",")).map((s) => s.trim()).filter((s) => s.length > 0));
const bool = z.union([z.boolean(), z.enum(["true", "false"]).transform((v) => v === "true")]);
const int = z
  .union([z.number(), z.string().regex(/^\d+$/, "must be a whole number").transform(Number)])
  .pipe(z.number().int().positive());

/**
 * The `-c key=value` options of `npx cdk deploy` (also readable from cdk.json `context`). Context values arrive as
 * strings from the command line and as JSON from cdk.json, so both forms are accepted.
 */
const contextSchema = z.object({
  stackName: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9-]{0,127}$/, "must be a CloudFormation stack name")
    .optional(),
  instanceTypes: list.optional(),
  spot: bool.optional(),
  cudaCache: bool.optional(),
  maxVcpus: int.optional(),
  maxExtractGiB: int.optional(),
  alarmEmail: z.email().optional(),
  jwtIssuer: z.url({ protocol: /^https$/ }).optional(),
  jwtAudience: list.optional(),
  reservedConcurrency: int.optional(),
  bucketEncryption: z.enum(["s3-managed", "kms"]).optional(),
  vpcId: z
    .string()
    .regex(/^vpc-[0-9a-f]+$/, "must look like vpc-0123abcd")
    .optional(),
  // `none`: no seeding resource; otherwise arch.tags, checked against the weights registry by BackboneSeed.
  seedBackbones: z
    .union([z.literal("none"), list.refine((v) => v.length > 0, "give arch.tags, or none to skip seeding")])
    .transform((v) => (v === "none" ? [] : v))
    .optional(),
});

/** The parsed deploy options; see cdk/README.md for what each does. */
export type ContextConfig = z.output<typeof contextSchema>;

/** The context keys this app reads. */
export const CONTEXT_KEYS = Object.keys(contextSchema.shape) as (keyof ContextConfig)[];

/**
 * Parses the app's context into typed options, reporting every bad key at once.
 *
 * @example
 * const config = parseContext({ spot: "true", instanceTypes: "g5.xlarge,g6.xlarge" });
 * config.spot; // true
 */
export function parseContext(raw: Record<string, unknown>): ContextConfig {
  const picked = Object.fromEntries(CONTEXT_KEYS.filter((k) => raw[k] !== undefined).map((k) => [k, raw[k]]));
  const result = contextSchema.safeParse(picked);
  const problems = result.success ? [] : result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
  const config = result.success ? result.data : undefined;
  if (config && (config.jwtIssuer === undefined) !== (config.jwtAudience === undefined)) {
    problems.push("jwtIssuer and jwtAudience go together: give both for JWT auth, or neither for IAM auth");
  }
  if (problems.length > 0 || !config) throw new InvalidPropsError("context", problems);
  return config;
}
