import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Plugin } from 'vite';

/** One request the mutable site answered. */
export interface SiteRequest {
  path: string;
  status: number;
}

const FILES = '/__site/';
const CONTROL = '/__site-control/';

/**
 * A site whose files a browser test can change while a recommender runs on it, served by vitest's own server
 * (same origin, so the worker fetches it as a real site): `PUT /__site-control/<path>` sets a file,
 * `GET /__site/<path>` serves it with an ETag (and 304 to a matching If-None-Match), `GET /__site-control/?log=<prefix>`
 * lists the requests under a prefix. `POST /__site-control/<path>?hold` makes requests for a file wait (a slow
 * network, for as long as a test needs), `?release` answers them. Tests use a fresh prefix each, so they never see
 * each other's files.
 */
export function mutableSite(): Plugin {
  const files = new Map<string, Buffer>();
  const log: SiteRequest[] = [];
  // Held paths: the answers waiting for their release.
  const held = new Map<string, Array<() => void>>();
  return {
    name: 'pocketrec-mutable-site',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const url = new URL(req.url ?? '/', 'http://site.test');
        if (url.pathname.startsWith(CONTROL)) {
          if (req.method === 'POST') {
            const path = url.pathname.slice(CONTROL.length);
            if (url.searchParams.has('hold')) held.set(path, held.get(path) ?? []);
            else {
              const waiting = held.get(path) ?? [];
              held.delete(path);
              for (const answer of waiting) answer();
            }
            res.statusCode = 204;
            res.end();
            return;
          }
          if (req.method === 'PUT') {
            const chunks: Buffer[] = [];
            req.on('data', (c: Buffer) => chunks.push(c));
            req.on('end', () => {
              files.set(url.pathname.slice(CONTROL.length), Buffer.concat(chunks));
              res.statusCode = 204;
              res.end();
            });
            return;
          }
          const prefix = url.searchParams.get('log') ?? '';
          res.setHeader('Content-Type', 'application/json');
          res.end(JSON.stringify(log.filter((r) => r.path.startsWith(prefix))));
          return;
        }
        if (!url.pathname.startsWith(FILES) || req.method !== 'GET') return next();
        const path = url.pathname.slice(FILES.length);
        const waiting = held.get(path);
        if (waiting) {
          waiting.push(() => serve(path, req, res));
          return;
        }
        serve(path, req, res);
      });
      const serve = (path: string, req: IncomingMessage, res: ServerResponse) => {
        const body = files.get(path);
        const answer = (status: number) => {
          log.push({ path, status });
          res.statusCode = status;
        };
        if (!body) {
          answer(404);
          res.end();
          return;
        }
        const etag = `"${createHash('sha256').update(body).digest('hex').slice(0, 16)}"`;
        res.setHeader('ETag', etag);
        res.setHeader('Cache-Control', 'no-cache');
        if (req.headers['if-none-match'] === etag) {
          answer(304);
          res.end();
          return;
        }
        answer(200);
        res.setHeader('Content-Length', body.byteLength);
        res.end(body);
      };
    },
  };
}
