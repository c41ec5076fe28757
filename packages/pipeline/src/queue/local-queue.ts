/**
 * A durable job queue in a directory, for the local mode. Every state change is one `rename(2)`, so concurrent
 * consumers (in this or other processes) never receive the same delivery twice, and a crash loses nothing:
 *
 * - `ready/<id>~<count>.msg`: waiting; `count` = receives so far. Ids sort by send time (FIFO-ish, like SQS).
 * - `inflight/<id>~<count>~<token>~<deadlineMs>.msg`: received, invisible until the deadline. The receipt handle
 *   is `<id>~<count>~<token>`; extending visibility renames to a new deadline.
 * - An expired in-flight message is renamed back to `ready/` or, once received `maxReceiveCount` times, into the
 *   dead-letter queue (another LocalQueue directory, `<dir>/dlq` by default) like an SQS redrive policy.
 * - The policy is saved in `<dir>/queue.json`, so a new instance over the same directory behaves the same.
 */
import { randomUUID } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { z } from "zod";
import { InvalidInputError, NotFoundError, PayloadTooLargeError } from "../errors.js";
import {
  assertVisibilitySeconds,
  type JobQueue,
  MAX_MESSAGE_BYTES,
  parseReceiveOptions,
  type QueueMessage,
  type ReceiveOptions,
} from "./job-queue.js";

const PolicySchema = z.object({
  /** Receives before a message is dead-lettered; undefined = never. */
  maxReceiveCount: z.number().int().min(1).max(1000).optional(),
  /** Directory of the dead-letter LocalQueue. @default `<dir>/dlq` */
  deadLetterDir: z.string().min(1).optional(),
});
export type LocalQueueOptions = z.input<typeof PolicySchema>;

const StoredMessageSchema = z.object({ id: z.string(), body: z.string(), sentAt: z.number() });

/** How often a long poll looks for new files. */
const POLL_MS = 100;
let sequence = 0;

function newId(): string {
  sequence = (sequence + 1) % 1_000_000;
  return `${Date.now().toString().padStart(13, "0")}${sequence.toString().padStart(6, "0")}-${randomUUID().slice(0, 8)}`;
}

function errCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/** Parsed in-flight file name. */
function parseInflight(
  name: string,
): { id: string; count: number; receipt: string; deadline: number } | undefined {
  const m = /^([^~]+)~(\d+)~([^~]+)~(\d+)\.msg$/.exec(name);
  if (!m) return undefined;
  return { id: m[1]!, count: Number(m[2]), receipt: `${m[1]}~${m[2]}~${m[3]}`, deadline: Number(m[4]) };
}

/**
 * A JobQueue over a directory.
 *
 * @example
 * const queue = new LocalQueue(".residual/queue", { maxReceiveCount: 3 });
 * await queue.send(JSON.stringify({ dataset: "datasets/flowers.zip" }));
 * const [msg] = await queue.receive({ waitSeconds: 5, visibilityTimeout: 60 });
 * if (msg) await queue.delete(msg);
 */
export class LocalQueue implements JobQueue {
  readonly url: string;
  readonly dir: string;
  private readonly explicit: LocalQueueOptions;
  private policy: Promise<z.output<typeof PolicySchema>> | undefined;

  constructor(dir: string, options: LocalQueueOptions = {}) {
    const parsed = PolicySchema.safeParse(options);
    if (!parsed.success) {
      throw new InvalidInputError("invalid_config", `Invalid local queue options: ${parsed.error.message}`);
    }
    this.dir = resolve(dir);
    this.url = pathToFileURL(this.dir).href;
    this.explicit = parsed.data;
  }

  /** Create the directories and settle the policy once: explicit options win and are saved; else queue.json. */
  private init(): Promise<z.output<typeof PolicySchema>> {
    this.policy ??= (async () => {
      for (const sub of ["ready", "inflight", "tmp"]) await mkdir(join(this.dir, sub), { recursive: true });
      const file = join(this.dir, "queue.json");
      let saved: z.output<typeof PolicySchema> = {};
      try {
        saved = PolicySchema.parse(JSON.parse(await readFile(file, "utf8")));
      } catch {
        // no policy saved yet (or unreadable): the explicit options alone apply
      }
      const policy = { ...saved, ...this.explicit };
      if (Object.keys(this.explicit).length > 0) await this.writeAtomic(file, JSON.stringify(policy));
      return policy;
    })();
    return this.policy;
  }

  /**
   * The dead-letter queue of this queue (a LocalQueue itself, so dead messages can be inspected or re-driven).
   *
   * @example
   * const dead = await (await queue.deadLetterQueue()).receive({ max: 10 });
   */
  async deadLetterQueue(): Promise<LocalQueue> {
    const policy = await this.init();
    return new LocalQueue(policy.deadLetterDir ?? join(this.dir, "dlq"));
  }

  private async writeAtomic(path: string, data: string): Promise<void> {
    const tmp = join(this.dir, "tmp", randomUUID());
    await writeFile(tmp, data);
    await rename(tmp, path);
  }

  async send(body: string): Promise<string> {
    if (Buffer.byteLength(body, "utf8") > MAX_MESSAGE_BYTES) {
      throw new PayloadTooLargeError("message_too_large", `Message body exceeds ${MAX_MESSAGE_BYTES} bytes.`);
    }
    await this.init();
    const id = newId();
    await this.writeAtomic(
      join(this.dir, "ready", `${id}~0.msg`),
      JSON.stringify({ id, body, sentAt: Date.now() }),
    );
    return id;
  }

  async receive(options?: ReceiveOptions): Promise<QueueMessage[]> {
    const { waitSeconds, max, visibilityTimeout } = parseReceiveOptions(options);
    const policy = await this.init();
    const until = Date.now() + waitSeconds * 1000;
    for (;;) {
      await this.sweep(policy);
      const got = await this.claim(policy, max, visibilityTimeout);
      if (got.length > 0 || Date.now() >= until) return got;
      await new Promise((r) => setTimeout(r, Math.min(POLL_MS, until - Date.now())));
    }
  }

  /** Return expired in-flight messages to ready/, or dead-letter them after maxReceiveCount receives. */
  private async sweep(policy: z.output<typeof PolicySchema>): Promise<void> {
    const now = Date.now();
    for (const name of await readdir(join(this.dir, "inflight"))) {
      const f = parseInflight(name);
      if (!f || f.deadline > now) continue;
      const dead = policy.maxReceiveCount !== undefined && f.count >= policy.maxReceiveCount;
      await this.move(join(this.dir, "inflight", name), dead, f.id, f.count, policy);
    }
  }

  /** Rename a message to ready/ (or the DLQ's ready/); ENOENT means another consumer moved it first. */
  private async move(
    from: string,
    dead: boolean,
    id: string,
    count: number,
    policy: LocalQueueOptions,
  ): Promise<void> {
    const readyDir = dead
      ? join(policy.deadLetterDir ?? join(this.dir, "dlq"), "ready")
      : join(this.dir, "ready");
    if (dead) await mkdir(readyDir, { recursive: true });
    try {
      await rename(from, join(readyDir, `${id}~${count}.msg`));
    } catch (err) {
      if (errCode(err) !== "ENOENT") throw err;
    }
  }

  private async claim(policy: LocalQueueOptions, max: number, visibility: number): Promise<QueueMessage[]> {
    const names = (await readdir(join(this.dir, "ready"))).filter((n) => n.endsWith(".msg")).sort();
    const out: QueueMessage[] = [];
    for (const name of names) {
      if (out.length >= max) break;
      const m = /^([^~]+)~(\d+)\.msg$/.exec(name);
      if (!m) continue;
      const [id, count] = [m[1]!, Number(m[2])];
      const from = join(this.dir, "ready", name);
      if (policy.maxReceiveCount !== undefined && count >= policy.maxReceiveCount) {
        await this.move(from, true, id, count, policy); // policy was lowered since it was last received
        continue;
      }
      const receipt = `${id}~${count + 1}~${randomUUID().slice(0, 12)}`;
      const to = join(this.dir, "inflight", `${receipt}~${Date.now() + visibility * 1000}.msg`);
      try {
        await rename(from, to);
      } catch (err) {
        if (errCode(err) === "ENOENT") continue; // another consumer claimed it
        throw err;
      }
      const body = await readBody(to);
      // undefined: with a zero visibility timeout another consumer may already have swept it back to ready/
      if (body !== undefined) out.push({ id, body, receiptHandle: receipt, receiveCount: count + 1 });
    }
    return out;
  }

  private async findInflight(receipt: string): Promise<string | undefined> {
    const name = (await readdir(join(this.dir, "inflight"))).find((n) => n.startsWith(`${receipt}~`));
    return name === undefined ? undefined : join(this.dir, "inflight", name);
  }

  async delete(message: QueueMessage): Promise<void> {
    await this.init();
    const path = await this.findInflight(message.receiptHandle);
    if (path !== undefined) await rm(path, { force: true });
  }

  async extendVisibility(message: QueueMessage, seconds: number): Promise<void> {
    assertVisibilitySeconds(seconds);
    await this.init();
    const path = await this.findInflight(message.receiptHandle);
    try {
      if (path === undefined) throw Object.assign(new Error("gone"), { code: "ENOENT" });
      await rename(
        path,
        join(this.dir, "inflight", `${message.receiptHandle}~${Date.now() + seconds * 1000}.msg`),
      );
    } catch (err) {
      if (errCode(err) !== "ENOENT") throw err;
      throw new NotFoundError(
        "message_not_inflight",
        `Message ${message.id} is no longer in flight under this receipt (deleted, or its visibility ran out).`,
        { cause: err },
      );
    }
  }
}

/** The body of a message file; a file that is not ours is delivered raw rather than crashing the consumer. */
async function readBody(path: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if (errCode(err) === "ENOENT") return undefined;
    throw err;
  }
  try {
    const parsed = StoredMessageSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data.body : text;
  } catch {
    return text;
  }
}
