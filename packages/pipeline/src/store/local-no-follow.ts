/**
 * Reads of the local store never follow symbolic links (as archive extraction refuses them): a link planted in the
 * store's directory, to `/etc/passwd` or another tree, must not be served as an object. The file itself is opened
 * with `O_NOFOLLOW`, and its directory must resolve to itself under the store's real root.
 */
import { constants } from "node:fs";
import { type FileHandle, open, realpath } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { InvalidInputError } from "../errors.js";

function symlinkRefused(key: string, cause?: unknown): InvalidInputError {
  return new InvalidInputError(
    "symlink_not_allowed",
    `Key ${JSON.stringify(key)} is a symbolic link (or lies under one); the local store does not follow links.`,
    cause === undefined ? {} : { cause },
  );
}

/**
 * Open `path` (the file of `key` under `rootDir`) for reading without following any link.
 * @throws InvalidInputError `symlink_not_allowed`; the fs error (ENOENT, …) otherwise.
 * @example
 * const handle = await openNoFollow("/data/bucket", "/data/bucket/models/a/latest", "models/a/latest");
 */
export async function openNoFollow(rootDir: string, path: string, key: string): Promise<FileHandle> {
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ELOOP") throw symlinkRefused(key, err);
    throw err;
  }
  try {
    const [realRoot, realDir] = await Promise.all([realpath(rootDir), realpath(dirname(path))]);
    if (realDir !== join(realRoot, relative(rootDir, dirname(path)))) throw symlinkRefused(key);
    return handle;
  } catch (err) {
    await handle.close();
    throw err;
  }
}
