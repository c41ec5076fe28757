/**
 * The JobQueue contract, written once and run against SqsQueue (moto) and LocalQueue. Timings are in whole
 * seconds because SQS visibility timeouts are.
 */

import type { JobQueue, QueueMessage } from "@residual/pipeline";
import { heartbeat } from "@residual/pipeline/testing";
import { describe, expect, it } from "vitest";

export interface QueuePair {
  queue: JobQueue;
  dlq: JobQueue;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Receive until `n` messages arrived (SQS may return fewer than asked per call) or `seconds` passed. */
async function receiveN(
  queue: JobQueue,
  n: number,
  seconds: number,
  visibilityTimeout = 30,
): Promise<QueueMessage[]> {
  const out: QueueMessage[] = [];
  const until = Date.now() + seconds * 1000;
  while (out.length < n && Date.now() < until) {
    out.push(
      ...(await queue.receive({ waitSeconds: 1, max: Math.min(10, n - out.length), visibilityTimeout })),
    );
  }
  return out;
}

export function describeJobQueueContract(
  name: string,
  make: (maxReceiveCount?: number) => Promise<QueuePair>,
): void {
  describe(`JobQueue contract: ${name}`, () => {
    it("sends, receives with receiveCount 1, and deletes for good", async () => {
      const { queue } = await make();
      const bodies = ["job-a", "job-b", JSON.stringify({ dataset: "datasets/flowers.zip" })];
      const ids = await Promise.all(bodies.map((b) => queue.send(b)));
      expect(new Set(ids).size).toBe(3);
      const got = await receiveN(queue, 3, 10, 1);
      expect(got.map((m) => m.body).sort()).toEqual([...bodies].sort());
      expect(got.map((m) => m.id).sort()).toEqual([...ids].sort());
      for (const m of got) expect(m.receiveCount).toBe(1);
      await Promise.all(got.map((m) => queue.delete(m)));
      await sleep(1500); // past the visibility timeout: deleted messages must not come back
      expect(await queue.receive({ waitSeconds: 1, max: 10 })).toEqual([]);
    });

    it("long-polls: a message sent during the wait is returned before the wait ends", async () => {
      const { queue } = await make();
      const started = Date.now();
      setTimeout(() => void queue.send("late"), 300);
      const [msg] = await queue.receive({ waitSeconds: 5 });
      expect(msg?.body).toBe("late");
      expect(Date.now() - started).toBeLessThan(4500);
    });

    it("hides a received message, then redelivers it after the visibility timeout with a higher count", async () => {
      const { queue } = await make();
      await queue.send("retry-me");
      const [first] = await receiveN(queue, 1, 5, 1);
      expect(first?.receiveCount).toBe(1);
      expect(await queue.receive({ max: 10 })).toEqual([]);
      const [again] = await receiveN(queue, 1, 6, 30);
      expect(again).toMatchObject({ id: first?.id, body: "retry-me", receiveCount: 2 });
      expect(again?.receiptHandle).not.toBe(first?.receiptHandle);
      await queue.delete(again!);
    });

    it("does not redeliver while a heartbeat extends the visibility, and does once it stops", async () => {
      const { queue } = await make();
      await queue.send("long-job");
      const [msg] = await receiveN(queue, 1, 5, 1);
      const errors: unknown[] = [];
      const stop = heartbeat(queue, msg!, { every: 0.4, extendBy: 2, onError: (e) => errors.push(e) });
      const during = await receiveN(queue, 1, 3.5, 30);
      await stop();
      expect(during).toEqual([]);
      expect(errors).toEqual([]);
      const [after] = await receiveN(queue, 1, 6, 30);
      expect(after).toMatchObject({ body: "long-job", receiveCount: 2 });
    });

    it("moves a message to the dead-letter queue after maxReceiveCount receives", async () => {
      const { queue, dlq } = await make(2);
      await queue.send("poison");
      const first = await receiveN(queue, 1, 5, 1);
      const second = await receiveN(queue, 1, 6, 1);
      expect([first[0]?.receiveCount, second[0]?.receiveCount]).toEqual([1, 2]);
      await sleep(1200);
      expect(await queue.receive({ waitSeconds: 1, max: 10 })).toEqual([]);
      const [dead] = await receiveN(dlq, 1, 6, 30);
      expect(dead?.body).toBe("poison");
    });

    it("refuses to extend a deleted message with NotFoundError message_not_inflight", async () => {
      const { queue } = await make();
      await queue.send("done");
      const [msg] = await receiveN(queue, 1, 5, 30);
      await queue.delete(msg!);
      await expect(queue.extendVisibility(msg!, 30)).rejects.toMatchObject({ code: "message_not_inflight" });
    });

    it("validates receive options and message size", async () => {
      const { queue } = await make();
      await expect(queue.receive({ max: 11 })).rejects.toMatchObject({ code: "invalid_receive_options" });
      await expect(queue.send("x".repeat(256 * 1024 + 1))).rejects.toMatchObject({
        code: "message_too_large",
      });
    });
  });
}
