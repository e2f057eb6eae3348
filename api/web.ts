import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { build } from 'esbuild';
import type { FastifyPluginAsyncZod } from '@fastify/type-provider-zod';
import { z } from 'zod';
import { HttpProblem } from './errors';

const WEB = join(__dirname, '..', 'web');

interface Asset {
  body: Buffer;
  type: string;
}
interface Console {
  index: string;
  assets: Map<string, Asset>;
}

/** Stricter than the API's default (which lets Swagger UI run inline script): the console's own files only. */
const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/** Bundles web/src in memory: file names carry a content hash, so the browser may keep them for good. */
async function buildConsole(): Promise<Console> {
  const result = await build({
    entryPoints: { app: join(WEB, 'src', 'main.tsx') },
    bundle: true,
    minify: true,
    sourcemap: false,
    format: 'iife',
    target: ['chrome100', 'safari15', 'firefox100'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    entryNames: '[name]-[hash]',
    outdir: '/console',
    write: false,
    logLevel: 'silent',
    charset: 'utf8',
  });
  const assets = new Map<string, Asset>();
  for (const file of result.outputFiles) {
    const name = basename(file.path);
    assets.set(name, { body: Buffer.from(file.contents), type: TYPES[name.slice(name.lastIndexOf('.'))]! });
  }
  const named = (ext: string) => [...assets.keys()].find((name) => name.endsWith(ext))!;
  const template = await readFile(join(WEB, 'index.html'), 'utf8');
  const index = template
    .replace('%APP_JS%', `/assets/${named('.js')}`)
    .replace('%APP_CSS%', `/assets/${named('.css')}`);
  return { index, assets };
}

/**
 * The web console (web/), built by this process on first request and served at `/`. It holds no
 * data: every screen reads the API with the user's own token, so the API's checks apply as they are.
 */
export const webConsole: FastifyPluginAsyncZod = async (app) => {
  let built: Promise<Console> | undefined;
  const bundle = () =>
    (built ??= buildConsole().catch((error: unknown) => {
      built = undefined;
      throw error;
    }));

  app.get('/', { config: { public: true }, schema: { hide: true } }, async (_request, reply) => {
    const { index } = await bundle();
    return reply
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-cache')
      .header('content-security-policy', CONSOLE_CSP)
      .send(index);
  });

  app.get(
    '/assets/:file',
    {
      config: { public: true },
      schema: { hide: true, params: z.strictObject({ file: z.string().max(100) }) },
    },
    async (request, reply) => {
      const asset = (await bundle()).assets.get(request.params.file);
      if (!asset) throw new HttpProblem(404, 'not_found', 'no such file');
      return reply
        .type(asset.type)
        .header('cache-control', 'public, max-age=31536000, immutable')
        .send(asset.body);
    },
  );
};
