import type { SiteRequest } from './mutable-site';

/** The browser side of `mutableSite()`: one test's folder on the site, whose files it can replace at any time. */
export function siteFolder(name: string) {
  const prefix = `${name}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}/`;
  return {
    /** Absolute URL of a file in this folder, as the worker fetches it. */
    url: (path: string) => new URL(`/__site/${prefix}${path}`, location.href).href,
    async put(files: Record<string, Uint8Array | string>): Promise<void> {
      for (const [path, body] of Object.entries(files)) {
        const response = await fetch(`/__site-control/${prefix}${path}`, { method: 'PUT', body: body as BodyInit });
        if (!response.ok) throw new Error(`site: could not set ${path} (HTTP ${response.status})`);
      }
    },
    /** Requests for `path` wait from now on, until `release(path)` answers them (a network as slow as a test needs). */
    async hold(path: string): Promise<void> {
      await fetch(`/__site-control/${prefix}${path}?hold`, { method: 'POST' });
    },
    async release(path: string): Promise<void> {
      await fetch(`/__site-control/${prefix}${path}?release`, { method: 'POST' });
    },
    /** Every request the worker (or the page) made for this folder's files, oldest first, paths relative to it. */
    async requests(): Promise<SiteRequest[]> {
      const all = (await (await fetch(`/__site-control/?log=${encodeURIComponent(prefix)}`)).json()) as SiteRequest[];
      return all.map((r) => ({ ...r, path: r.path.slice(prefix.length) }));
    },
  };
}
