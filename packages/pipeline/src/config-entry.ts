/**
 * `@residual/pipeline/config`: the environment contract and its parser, importable without the rest of the
 * pipeline (the CDK app names the variables it sets from this table; zod is the only dependency).
 */

export { ENV_VARS, type EnvName, type EnvVar, PROCESS_KINDS, type ProcessKind } from "./config/env-vars.js";
export {
  type AwsSettings,
  type BackendSettings,
  type Config,
  DEFAULT_BACKBONE,
  type DispatchSettings,
  type LocalSettings,
  loadConfig,
  type ServingSettings,
  type WorkerSettings,
} from "./config/load-config.js";
