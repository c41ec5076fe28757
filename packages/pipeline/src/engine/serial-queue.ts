/**
 * Runs async tasks one at a time, in arrival order; a failed task does not block the ones behind it.
 * @example
 * const q = new SerialQueue();
 * const a = q.add(() => work(1)); const b = q.add(() => work(2)); // b starts after a settles
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  add<T>(task: () => Promise<T>): Promise<T> {
    const next = this.tail.then(task, task);
    this.tail = next.catch(() => undefined);
    return next;
  }
}
