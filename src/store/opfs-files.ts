import type { CatalogFiles } from '../catalog';

/** Bytes per read step: large enough for the disk, small enough that the copy buffer stays small. */
const STEP_BYTES = 8 * 1024 * 1024;

/**
 * Catalogue parts as files in the origin private file system, one folder per database. A worker reads them with a
 * synchronous access handle, which measured 2–4× IndexedDB's read speed for the large binary parts; elsewhere (the
 * main thread, or a file another tab holds) `File.slice()` reads them. Null where OPFS is missing: the caller keeps
 * everything in IndexedDB then.
 */
export function createOpfsFiles(folderName: string): CatalogFiles | null {
  const storage = globalThis.navigator?.storage;
  if (typeof storage?.getDirectory !== 'function') return null;
  let folder: Promise<FileSystemDirectoryHandle> | undefined;
  const dir = () => (folder ??= storage.getDirectory().then((root) => root.getDirectoryHandle(folderName, { create: true })));
  return {
    async create(name) {
      const handle = await (await dir()).getFileHandle(name, { create: true });
      // A writable stream writes aside and replaces the file at close(): readers never see half a file.
      const out = await handle.createWritable();
      return {
        write: (bytes) => out.write(bytes as Uint8Array<ArrayBuffer>),
        close: () => out.close(),
        abort: () => out.abort().catch(() => {}),
      };
    },
    async read(name, size, write, begin = 0, end = size) {
      const handle = await (await dir()).getFileHandle(name);
      const sync = await openReadOnly(handle);
      if (sync) {
        try {
          if (sync.getSize() !== size) throw new Error(`${name} has ${sync.getSize()} bytes, expected ${size}`);
          const step = new Uint8Array(Math.min(STEP_BYTES, end - begin));
          for (let at = begin; at < end; ) {
            const n = sync.read(step.subarray(0, Math.min(step.length, end - at)), { at });
            if (n <= 0) throw new Error(`${name} ended at ${at} of ${size} bytes`);
            write(at, step.subarray(0, n));
            at += n;
          }
        } finally {
          sync.close();
        }
        return;
      }
      const file = await handle.getFile();
      if (file.size !== size) throw new Error(`${name} has ${file.size} bytes, expected ${size}`);
      for (let at = begin; at < end; at += STEP_BYTES) write(at, new Uint8Array(await file.slice(at, Math.min(end, at + STEP_BYTES)).arrayBuffer()));
    },
    async delete(names) {
      const d = await dir();
      await Promise.all(names.map((n) => d.removeEntry(n).catch(() => {})));
    },
    async clear() {
      const root = await storage.getDirectory();
      folder = undefined;
      await root.removeEntry(folderName, { recursive: true }).catch((error: unknown) => {
        if ((error as DOMException)?.name !== 'NotFoundError') throw error;
      });
    },
  };
}

/**
 * A synchronous read handle where this is a worker; read-only mode lets every tab's worker read one file at once.
 * Null on the main thread, or when the file is locked by a writer.
 */
async function openReadOnly(handle: FileSystemFileHandle): Promise<FileSystemSyncAccessHandle | null> {
  const create = (handle as { createSyncAccessHandle?: (options?: { mode: string }) => Promise<FileSystemSyncAccessHandle> }).createSyncAccessHandle;
  if (typeof create !== 'function') return null;
  try {
    return await create.call(handle, { mode: 'read-only' });
  } catch {
    return null;
  }
}
