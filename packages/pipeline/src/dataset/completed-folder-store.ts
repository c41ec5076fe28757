/**
 * A read view of a store in which a folder dataset counts as complete. Folder uploads to a bucket mark completion
 * with `residual.json` (uploaded last); a folder named on the command line is complete by definition, so when it
 * has no `residual.json` this view shows an empty one (`{}`: every spec default). Writes pass through.
 */
import { Readable } from "node:stream";
import type { ListPage, ObjectInfo, ObjectStore, PutOptions } from "../store/object-store.js";

const EMPTY_SPEC = Buffer.from("{}");

/**
 * Wrap `store` so that `<folder>/residual.json` exists (an empty spec when the real one is absent).
 *
 * @example
 * const view = await completedFolderStore(new LocalObjectStore("/data"), "flowers/");
 * await loadDataset(view, "flowers/");
 */
export async function completedFolderStore(store: ObjectStore, folder: string): Promise<ObjectStore> {
  const marker = `${folder.endsWith("/") ? folder : `${folder}/`}residual.json`;
  if (await store.head(marker)) return store;
  const info: ObjectInfo = {
    key: marker,
    size: EMPTY_SPEC.length,
    etag: "empty-spec",
    lastModified: new Date(0),
  };
  const virtual = (prefix: string) => marker.startsWith(prefix);
  return {
    url: store.url,
    get: async (key) => (key === marker ? Buffer.from(EMPTY_SPEC) : store.get(key)),
    getStream: async (key) =>
      key === marker ? Readable.from([Buffer.from(EMPTY_SPEC)]) : store.getStream(key),
    put: (key: string, body: Buffer | Uint8Array | string | Readable, options?: PutOptions) =>
      store.put(key, body, options),
    head: async (key) => (key === marker ? info : store.head(key)),
    listPage: async (prefix, options): Promise<ListPage> => {
      const page = await store.listPage(prefix, options);
      if (page.nextToken !== undefined || !virtual(prefix)) return page;
      const objects = [...page.objects, info].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      return { objects };
    },
    list: async function* (prefix) {
      yield* store.list(prefix);
      if (virtual(prefix)) yield info;
    },
    delete: (key) => store.delete(key),
  };
}
