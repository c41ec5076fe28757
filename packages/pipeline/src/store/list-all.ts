import type { ListPage, ObjectInfo } from "./object-store.js";

/**
 * Every object under `prefix`, following page tokens: `ObjectStore.list` for any store that can `listPage`.
 * @example
 * async *list(prefix) { yield* listAll((p, o) => this.listPage(p, o), prefix); }
 */
export async function* listAll(
  listPage: (prefix: string, options: { token?: string }) => Promise<ListPage>,
  prefix: string,
): AsyncIterable<ObjectInfo> {
  let token: string | undefined;
  do {
    const page = await listPage(prefix, { token });
    yield* page.objects;
    token = page.nextToken;
  } while (token !== undefined);
}
