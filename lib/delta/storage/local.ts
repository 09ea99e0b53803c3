/**
 * The local file system as a {@linkcode Storage}. Writes are durable before
 * they return: file contents and the directory entry are fsynced, so a
 * commit that returned survives power loss. Put-if-absent writes a
 * temporary file and `link`s it to the final name (which fails when the
 * name is taken), so readers never see a partial file.
 *
 * @module
 */
import { dirname, join, resolve, sep } from "node:path";
import type { FileInfo, Storage } from "./storage.ts";

function bytesOf(data: Uint8Array | string): Uint8Array {
  return typeof data === "string" ? new TextEncoder().encode(data) : data;
}

/** Fsyncs a directory, so that entries created or renamed in it survive power loss. */
async function syncDir(dir: string): Promise<void> {
  let file: Deno.FsFile | undefined;
  try {
    file = await Deno.open(dir, { read: true });
    await file.sync();
  } catch {
    // Some file systems cannot fsync a directory; the file itself is synced.
  } finally {
    file?.close();
  }
}

/**
 * Creates `dir` and its missing parents, fsyncing the parent of each
 * directory created so that the new entries survive power loss too.
 */
async function mkdirDurable(dir: string): Promise<void> {
  try {
    if ((await Deno.stat(dir)).isDirectory) return;
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  const parent = dirname(dir);
  if (parent !== dir) await mkdirDurable(parent);
  try {
    await Deno.mkdir(dir);
  } catch (error) {
    if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
    return;
  }
  await syncDir(parent);
}

/** A directory on the local file system. */
export class LocalStorage implements Storage {
  /** The absolute root directory. */
  readonly location: string;

  /** A storage rooted at `dir` (nothing is created until something is written). */
  constructor(dir: string) {
    this.location = resolve(dir);
  }

  /** See {@linkcode Storage.localPath}. */
  localPath(path: string): string {
    return join(this.location, ...path.split("/"));
  }

  /** See {@linkcode Storage.list}. */
  async list(prefix = ""): Promise<FileInfo[]> {
    const out: FileInfo[] = [];
    for (const path of await this.listPaths(prefix)) {
      const stat = await Deno.stat(this.localPath(path)).catch(() => null);
      if (stat?.isFile) {
        out.push({ path, size: stat.size, lastModified: stat.mtime?.getTime() ?? 0 });
      }
    }
    return out;
  }

  /** See {@linkcode Storage.listPaths}. */
  async listPaths(prefix = ""): Promise<string[]> {
    const slash = prefix.lastIndexOf("/");
    const dirPart = slash >= 0 ? prefix.slice(0, slash + 1) : "";
    const out: string[] = [];
    const walk = async (rel: string): Promise<void> => {
      let entries: Deno.DirEntry[];
      try {
        entries = await Array.fromAsync(Deno.readDir(this.localPath(rel)));
      } catch (error) {
        if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotADirectory) {
          return;
        }
        throw error;
      }
      for (const entry of entries) {
        const path = `${rel}${entry.name}`;
        if (entry.isDirectory) {
          if ((path + "/").startsWith(prefix) || prefix.startsWith(path + "/")) {
            await walk(`${path}/`);
          }
        } else if (entry.isFile && path.startsWith(prefix)) {
          out.push(path);
        }
      }
    };
    await walk(dirPart);
    return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /** See {@linkcode Storage.read}. */
  async read(path: string): Promise<Uint8Array | null> {
    try {
      return await Deno.readFile(this.localPath(path));
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return null;
      throw error;
    }
  }

  /** See {@linkcode Storage.write}: a synced temporary file renamed over `path`. */
  async write(path: string, data: Uint8Array | string): Promise<void> {
    const tmp = await this.#writeTemp(path, data);
    try {
      await Deno.rename(tmp, this.localPath(path));
    } catch (error) {
      await Deno.remove(tmp).catch(() => {});
      throw error;
    }
    await syncDir(dirname(this.localPath(path)));
  }

  /** See {@linkcode Storage.writeIfAbsent}: a synced temporary file linked to `path`. */
  async writeIfAbsent(path: string, data: Uint8Array | string): Promise<boolean> {
    const tmp = await this.#writeTemp(path, data);
    try {
      await Deno.link(tmp, this.localPath(path));
    } catch (error) {
      if (error instanceof Deno.errors.AlreadyExists) return false;
      throw error;
    } finally {
      await Deno.remove(tmp).catch(() => {});
    }
    await syncDir(dirname(this.localPath(path)));
    return true;
  }

  /** See {@linkcode Storage.delete}. */
  async delete(path: string): Promise<void> {
    try {
      await Deno.remove(this.localPath(path));
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }

  /** See {@linkcode Storage.stat}. */
  async stat(path: string): Promise<FileInfo | null> {
    try {
      const stat = await Deno.stat(this.localPath(path));
      if (!stat.isFile) return null;
      return { path, size: stat.size, lastModified: stat.mtime?.getTime() ?? 0 };
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return null;
      throw error;
    }
  }

  /** Removes the empty directories under `prefix`'s directory, and the root when empty. */
  async removeEmptyDirs(prefix = ""): Promise<void> {
    const slash = prefix.lastIndexOf("/");
    const start = this.localPath(slash >= 0 ? prefix.slice(0, slash) : "");
    const prune = async (dir: string): Promise<boolean> => {
      let empty = true;
      try {
        for await (const entry of Deno.readDir(dir)) {
          if (entry.isDirectory && await prune(join(dir, entry.name))) continue;
          empty = false;
        }
      } catch (error) {
        if (error instanceof Deno.errors.NotFound) return true;
        throw error;
      }
      if (empty) await Deno.remove(dir).catch(() => {});
      return empty;
    };
    await prune(start);
  }

  async #writeTemp(path: string, data: Uint8Array | string): Promise<string> {
    const final = this.localPath(path);
    const dir = dirname(final);
    await mkdirDurable(dir);
    // Hidden (a dot name) so that vacuum and log listings never take it for data.
    const tmp = `${dir}${sep}.${final.slice(dir.length + 1)}.${crypto.randomUUID()}.tmp`;
    const file = await Deno.open(tmp, { write: true, createNew: true });
    try {
      const bytes = bytesOf(data);
      let written = 0;
      while (written < bytes.length) written += await file.write(bytes.subarray(written));
      await file.sync();
    } catch (error) {
      file.close();
      await Deno.remove(tmp).catch(() => {});
      throw error;
    }
    file.close();
    return tmp;
  }
}
