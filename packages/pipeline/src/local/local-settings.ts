/**
 * Timing knobs of `residual start`, read from the environment (zod at the edge, every problem reported at once).
 * The defaults are short on purpose: on one machine a restarted process should pick an interrupted job up within
 * seconds, not the minutes an SQS + Batch deployment tolerates. Tests shorten them further.
 */
import { z } from "zod";
import { InvalidInputError, zodIssues } from "../errors.js";

const int = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

const EnvSchema = z.object({
  /** Seconds a received message stays hidden; the heartbeat renews it. */
  RESIDUAL_VISIBILITY_SECONDS: int(1, 43_200, 30),
  /** Seconds between heartbeats (status.json + message visibility). */
  RESIDUAL_HEARTBEAT_SECONDS: int(1, 3600, 5),
  /** A running job whose heartbeat is older than this is presumed dead and taken over. */
  RESIDUAL_LEASE_SECONDS: int(1, 43_200, 15),
  /** How often the local watcher lists `datasets/`. */
  RESIDUAL_WATCH_INTERVAL_MS: int(50, 60_000, 1000),
  /** Mid-epoch checkpoint interval; unset = the trainer's default. */
  RESIDUAL_CHECKPOINT_EVERY_MS: z.coerce.number().int().min(0).optional(),
  /** Long-poll wait of one queue receive (also bounds how long a shutdown waits for an idle worker). */
  RESIDUAL_QUEUE_WAIT_SECONDS: int(0, 20, 1),
  /** Receives before a local queue message is dead-lettered. */
  RESIDUAL_MAX_RECEIVE_COUNT: int(1, 1000, 5),
});

export interface LocalSettings {
  visibilitySeconds: number;
  heartbeatSeconds: number;
  leaseSeconds: number;
  watchIntervalMs: number;
  checkpointEveryMs?: number;
  queueWaitSeconds: number;
  maxReceiveCount: number;
}

/**
 * Parse the local mode's timing knobs from `env`; unset or empty variables take their defaults.
 *
 * @example
 * localSettings({ RESIDUAL_LEASE_SECONDS: "3" }).leaseSeconds; // 3
 */
export function localSettings(env: NodeJS.ProcessEnv = process.env): LocalSettings {
  const raw = Object.fromEntries(
    Object.keys(EnvSchema.shape).map((k) => [k, env[k] === "" ? undefined : env[k]]),
  );
  const parsed = EnvSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = zodIssues(parsed.error);
    throw new InvalidInputError("invalid_environment", "invalid residual start settings in the environment", {
      issues,
    });
  }
  const e = parsed.data;
  return {
    visibilitySeconds: e.RESIDUAL_VISIBILITY_SECONDS,
    heartbeatSeconds: e.RESIDUAL_HEARTBEAT_SECONDS,
    leaseSeconds: e.RESIDUAL_LEASE_SECONDS,
    watchIntervalMs: e.RESIDUAL_WATCH_INTERVAL_MS,
    ...(e.RESIDUAL_CHECKPOINT_EVERY_MS !== undefined
      ? { checkpointEveryMs: e.RESIDUAL_CHECKPOINT_EVERY_MS }
      : {}),
    queueWaitSeconds: e.RESIDUAL_QUEUE_WAIT_SECONDS,
    maxReceiveCount: e.RESIDUAL_MAX_RECEIVE_COUNT,
  };
}
