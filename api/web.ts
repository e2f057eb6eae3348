import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { build } from 'esbuild';
import type { FastifyPluginAsyncZod } from '@fastify/type-provider-zod';
import { z } from 'zod';
import { consoleIcon } from './console-icon';
import { HttpProblem } from './errors';

const WEB = join(__dirname, '..', 'web');

interface Asset {
  body: Buffer;
  type: string;
}
interface Console {
  index: string;
  assets: Map<string, Asset>;
  /** The service worker, which knows this build's app shell by name (so a new build replaces it). */
  serviceWorker: Buffer;
}

const ICON_SIZES = [192, 512] as const;
const icons = new Map(ICON_SIZES.map((size) => [`icon-${size}.png`, consoleIcon(size)]));

/** The web app manifest: the console installs on a phone's home screen under its Chinese name. */
const MANIFEST = JSON.stringify({
  name: '社区戒毒康复随访',
  short_name: '戒毒随访',
  description: '社区戒毒（康复）个案跟进：待办、家访、尿检与报到，离线也能记录。',
  lang: 'zh-CN',
  start_url: '/',
  scope: '/',
  display: 'standalone',
  background_color: '#f6f8fa',
  theme_color: '#1d5fa8',
  icons: ICON_SIZES.flatMap((size) => [
    { src: `/icons/icon-${size}.png`, sizes: `${size}x${size}`, type: 'image/png', purpose: 'any' },
    { src: `/icons/icon-${size}.png`, sizes: `${size}x${size}`, type: 'image/png', purpose: 'maskable' },
  ]),
});

/** Stricter than the API's default (which lets Swagger UI run inline script): the console's own files only. */
const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self'",
  "manifest-src 'self'",
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
  const shell = [
    '/',
    ...[...assets.keys()].map((name) => `/assets/${name}`),
    '/manifest.webmanifest',
    ...[...icons.keys()].map((name) => `/icons/${name}`),
  ];
  const worker = await build({
    entryPoints: [join(WEB, 'src', 'sw.ts')],
    bundle: true,
    minify: true,
    format: 'iife',
    target: ['chrome100', 'safari15', 'firefox100'],
    write: false,
    logLevel: 'silent',
    define: { SHELL: JSON.stringify(shell) },
  });
  return { index, assets, serviceWorker: Buffer.from(worker.outputFiles[0]!.contents) };
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

  // The service worker at the root, so its scope is the whole console; always checked for a new build.
  app.get('/sw.js', { config: { public: true }, schema: { hide: true } }, async (_request, reply) => {
    const { serviceWorker } = await bundle();
    return reply
      .type('text/javascript; charset=utf-8')
      .header('cache-control', 'no-cache')
      .send(serviceWorker);
  });

  app.get(
    '/manifest.webmanifest',
    { config: { public: true }, schema: { hide: true } },
    async (_request, reply) =>
      reply
        .type('application/manifest+json; charset=utf-8')
        .header('cache-control', 'no-cache')
        .send(MANIFEST),
  );

  app.get(
    '/icons/:file',
    {
      config: { public: true },
      schema: { hide: true, params: z.strictObject({ file: z.string().max(100) }) },
    },
    async (request, reply) => {
      const icon = icons.get(request.params.file);
      if (!icon) throw new HttpProblem(404, 'not_found', 'no such file');
      return reply.type('image/png').header('cache-control', 'public, max-age=86400').send(icon);
    },
  );

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
