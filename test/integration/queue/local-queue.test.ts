import { mkdtemp, readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { LocalQueue, openQueue, type QueueMessage } from "@residual/pipeline";
import { heartbeat } from "@residual/pipeline/testing";
import { describe, expect, it } from "vitest";
import { describeJobQueueContract } from "./job-queue-contract.js";

const newDir = (): Promise<string> => mkdtemp(join(tmpdir(), "residual-queue-"));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describeJobQueueContract("LocalQueue", async (maxReceiveCount) => {
  const queue = new LocalQueue(await newDir(), maxReceiveCount === undefined ? {} : { maxReceiveCount });
  return { queue, dlq: await queue.deadLetterQueue() };
});

describe("LocalQueue specifics", () => {
  it("survives a new instance over the same directory: ready and in-flight messages and the policy", async () => {
    const dir = await newDir();
    const before = new LocalQueue(dir, { maxReceiveCount: 1 });
    await before.send("waiting");
    await before.send("in-flight");
    const [taken] = await before.receive({ visibilityTimeout: 1 });
    expect(taken?.body).toBe("waiting");
    // A "restarted process": a new instance, no options; queue.json restores maxReceiveCount 1.
    const after = new LocalQueue(dir);
    const [next] = await after.receive({ visibilityTimeout: 30 });
    expect(next?.body).toBe("in-flight");
    await sleep(1100);
    expect(await after.receive({ waitSeconds: 0.3 })).toEqual([]); // "waiting" hit maxReceiveCount: dead-lettered
    const [dead] = await (await after.deadLetterQueue()).receive();
    expect(dead?.body).toBe("waiting");
    await after.delete(next!);
    expect(JSON.parse(await readFile(join(dir, "queue.json"), "utf8"))).toEqual({ maxReceiveCount: 1 });
  });

  it("delivers each message to exactly one of several racing consumers", async () => {
    const dir = await newDir();
    const producer = new LocalQueue(dir);
    const sent = await Promise.all(Array.from({ length: 30 }, (_, i) => producer.send(`m${i}`)));
    const consumers = Array.from({ length: 4 }, () => new LocalQueue(dir));
    const got: QueueMessage[] = [];
    await Promise.all(
      consumers.map(async (c) => {
        for (;;) {
          const batch = await c.receive({ max: 3, visibilityTimeout: 60 });
          if (batch.length === 0) return;
          got.push(...batch);
        }
      }),
    );
    expect(got.map((m) => m.id).sort()).toEqual([...sent].sort());
    expect(new Set(got.map((m) => m.id)).size).toBe(30);
  });

  it("stops heartbeating and reports message_not_inflight once the message is gone", async () => {
    const queue = new LocalQueue(await newDir());
    await queue.send("x");
    const [msg] = await queue.receive({ visibilityTimeout: 30 });
    const errors: unknown[] = [];
    const stop = heartbeat(queue, msg!, { every: 0.1, extendBy: 30, onError: (e) => errors.push(e) });
    await queue.delete(msg!);
    await sleep(450);
    await stop();
    expect(errors).toHaveLength(1); // reported once, then no further attempts
    expect(errors[0]).toMatchObject({ code: "message_not_inflight" });
  });

  it("delivers in send order and keeps message files out of sight once deleted", async () => {
    const dir = await newDir();
    const queue = new LocalQueue(dir);
    for (const b of ["1", "2", "3"]) await queue.send(b);
    const msgs = await queue.receive({ max: 10 });
    expect(msgs.map((m) => m.body)).toEqual(["1", "2", "3"]);
    for (const m of msgs) await queue.delete(m);
    expect(await readdir(join(dir, "inflight"))).toEqual([]);
    expect(await readdir(join(dir, "ready"))).toEqual([]);
  });

  it("is opened by openQueue for file:// URLs, with maxReceiveCount from the query", async () => {
    const dir = await newDir();
    const queue = openQueue(`${pathToFileURL(dir).href}?maxReceiveCount=4`);
    expect(queue).toBeInstanceOf(LocalQueue);
    expect(queue.url).toBe(pathToFileURL(dir).href);
    await queue.send("x");
    expect(JSON.parse(await readFile(join(dir, "queue.json"), "utf8"))).toEqual({ maxReceiveCount: 4 });
    expect(() => openQueue(`${pathToFileURL(dir).href}?maxReceiveCount=zero`)).toThrow(
      expect.objectContaining({ code: "invalid_config" }),
    );
    expect(() => openQueue("amqp://broker/q")).toThrow(
      expect.objectContaining({ code: "invalid_queue_url" }),
    );
    expect(() => openQueue("not a url")).toThrow(expect.objectContaining({ code: "invalid_queue_url" }));
  });
});
