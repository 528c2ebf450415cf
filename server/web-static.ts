// Serves the built web apps — the chat (dist/chat) at / and the moderator dashboard (dist/dashboard) at
// /dashboard — with one strict Content-Security-Policy: scripts, styles and connections (HTTP API and the
// /v1/stream WebSocket) only to this origin, images also as data: URLs (revealed media), no framing.
// Pages and assets are compressed (gzip/brotli by Accept-Encoding, the `compression` package); source maps are
// never served (the builds emit none; a stray *.map is a 404); one favicon (chat/public/favicon.svg) serves both.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import compression from 'compression';
import express, { type Express, type RequestHandler, type Response } from 'express';
import { projectRoot } from '../scripts/migrate-deploy.mjs';
import { PROBLEM_CONTENT_TYPE, problemFor } from './problem.ts';

// <project>/dist, from source (server/) or from the production build (dist/node/server/, docs/DEPLOY.md).
const DIST = path.join(projectRoot(path.dirname(fileURLToPath(import.meta.url))), 'dist');
export const CHAT_DIR = process.env.CHAT_DIR ?? path.join(DIST, 'chat');
export const DASHBOARD_DIR = process.env.DASHBOARD_DIR ?? path.join(DIST, 'dashboard');
export const DASHBOARD_PATH = '/dashboard';

const CSP = [
  "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "connect-src 'self'",
  "font-src 'self'", "object-src 'none'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
].join('; ');

// The camera only for the chat's pages, where "Link a device" scans the new device's QR code (docs/PROTOCOL-linking.md L1).
function securityHeaders(res: Response, camera = false): void {
  res.setHeader('Content-Security-Policy', CSP);
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Permissions-Policy', `camera=${camera ? '(self)' : '()'}, microphone=(), geolocation=()`);
}

interface WebApp {
  /** URL prefix: '' for the site root. */
  base: string;
  dir: string;
  buildScript: string;
  /** Unknown paths below base get index.html (client-side routing). */
  spaFallback: boolean;
  /** The page may ask for the camera (Permissions-Policy). */
  camera: boolean;
}

const notFound = (res: Response) => void res.status(404).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problemFor('not_found', 'no such file')));

function mountWebApp(app: Express, w: WebApp, compress: RequestHandler): void {
  app.use(`${w.base}/assets`, (req, res, next) => {
    securityHeaders(res);
    // Source maps would publish the dashboard's whole source: never served, even if a build left one behind.
    if (req.path.endsWith('.map')) return notFound(res);
    next();
  }, compress, express.static(path.join(w.dir, 'assets'), { immutable: true, maxAge: '1y', index: false }));
  const pages = w.spaFallback ? [w.base, `${w.base}/{*rest}`] : [`${w.base}/`, `${w.base}/index.html`];
  app.get(pages, compress, (req, res, next) => {
    if (req.path.startsWith(`${w.base}/assets/`)) return next();
    const index = path.join(w.dir, 'index.html');
    if (!fs.existsSync(index)) {
      res.status(503).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problemFor('internal', `This page is not built: run \`npm run ${w.buildScript}\`.`)));
      return;
    }
    securityHeaders(res, w.camera);
    res.setHeader('Cache-Control', 'no-store');
    res.sendFile(index);
  });
}

/** The dashboard first: its /dashboard/* fallback must not be shadowed by the chat at the root. */
export function mountWebApps(app: Express, dirs: { chat?: string; dashboard?: string } = {}): void {
  // Text assets only (compression's default filter): JS 397 KB → ~124 KB gzip. Blob downloads never pass here.
  const compress = compression({ threshold: 1024 });
  const chatDir = dirs.chat ?? CHAT_DIR;
  // Browsers ask for /favicon.ico on every page load (the dashboard's too): the chat's SVG icon answers it.
  app.get(['/favicon.svg', '/favicon.ico'], compress, (_req, res) => {
    const icon = path.join(chatDir, 'favicon.svg');
    if (!fs.existsSync(icon)) return notFound(res);
    securityHeaders(res);
    res.setHeader('Cache-Control', 'public, max-age=86400');
    res.type('image/svg+xml').sendFile(icon);
  });
  mountWebApp(app, { base: DASHBOARD_PATH, dir: dirs.dashboard ?? DASHBOARD_DIR, buildScript: 'build:dashboard', spaFallback: true, camera: false }, compress);
  mountWebApp(app, { base: '', dir: chatDir, buildScript: 'build:chat', spaFallback: false, camera: true }, compress);
}
