// Serves the built web apps — the chat (dist/chat) at / and the moderator dashboard (dist/dashboard) at
// /dashboard — with one strict Content-Security-Policy: scripts, styles and connections (HTTP API and the
// /v1/stream WebSocket) only to this origin, images also as data: URLs (revealed media), no framing.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Express, type Response } from 'express';
import { PROBLEM_CONTENT_TYPE, problemFor } from './problem.ts';

const DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist');
export const CHAT_DIR = process.env.CHAT_DIR ?? path.join(DIST, 'chat');
export const DASHBOARD_DIR = process.env.DASHBOARD_DIR ?? path.join(DIST, 'dashboard');
export const DASHBOARD_PATH = '/dashboard';

const CSP = [
  "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "connect-src 'self'",
  "font-src 'self'", "object-src 'none'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
].join('; ');

function securityHeaders(res: Response): void {
  res.setHeader('Content-Security-Policy', CSP);
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Permissions-Policy', 'camera=(), microphone=(), geolocation=()');
}

interface WebApp {
  /** URL prefix: '' for the site root. */
  base: string;
  dir: string;
  buildScript: string;
  /** Unknown paths below base get index.html (client-side routing). */
  spaFallback: boolean;
}

function mountWebApp(app: Express, w: WebApp): void {
  app.use(`${w.base}/assets`, (_req, res, next) => {
    securityHeaders(res);
    next();
  }, express.static(path.join(w.dir, 'assets'), { immutable: true, maxAge: '1y', index: false }));
  const pages = w.spaFallback ? [w.base, `${w.base}/{*rest}`] : [`${w.base}/`, `${w.base}/index.html`];
  app.get(pages, (req, res, next) => {
    if (req.path.startsWith(`${w.base}/assets/`)) return next();
    const index = path.join(w.dir, 'index.html');
    if (!fs.existsSync(index)) {
      res.status(503).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problemFor('internal', `This page is not built: run \`npm run ${w.buildScript}\`.`)));
      return;
    }
    securityHeaders(res);
    res.setHeader('Cache-Control', 'no-store');
    res.sendFile(index);
  });
}

/** The dashboard first: its /dashboard/* fallback must not be shadowed by the chat at the root. */
export function mountWebApps(app: Express, dirs: { chat?: string; dashboard?: string } = {}): void {
  mountWebApp(app, { base: DASHBOARD_PATH, dir: dirs.dashboard ?? DASHBOARD_DIR, buildScript: 'build:dashboard', spaFallback: true });
  mountWebApp(app, { base: '', dir: dirs.chat ?? CHAT_DIR, buildScript: 'build:chat', spaFallback: false });
}
