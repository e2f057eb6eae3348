// Stylesheets are bundled by esbuild (api/web.ts); the type checker only needs to know they exist.
declare module '*.css';
