// Serves the built moderator dashboard (dist/dashboard, `npm run build:dashboard`) at /dashboard with a
// strict Content-Security-Policy: scripts and styles only from this origin, images also as data: URLs
// (revealed media), no framing. Unknown /dashboard/* paths get index.html (client-side routing).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Express } from 'express';
import { PROBLEM_CONTENT_TYPE, problemFor } from './problem.ts';

export const DASHBOARD_PATH = '/dashboard';
export const DASHBOARD_DIR = process.env.DASHBOARD_DIR ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/dashboard');

const CSP = [
  "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "connect-src 'self'",
  "font-src 'self'", "object-src 'none'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
].join('; ');

export function mountDashboard(app: Express, dir = DASHBOARD_DIR): void {
  app.use(DASHBOARD_PATH, (_req, res, next) => {
    res.setHeader('Content-Security-Policy', CSP);
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Permissions-Policy', 'camera=(), microphone=(), geolocation=()');
    next();
  });
  app.use(`${DASHBOARD_PATH}/assets`, express.static(path.join(dir, 'assets'), { immutable: true, maxAge: '1y', index: false }));
  app.get([DASHBOARD_PATH, `${DASHBOARD_PATH}/{*rest}`], (req, res, next) => {
    if (req.path.startsWith(`${DASHBOARD_PATH}/assets/`)) return next();
    const index = path.join(dir, 'index.html');
    if (!fs.existsSync(index)) {
      res.status(503).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problemFor('internal', 'The dashboard is not built: run `npm run build:dashboard`.')));
      return;
    }
    res.setHeader('Cache-Control', 'no-store');
    res.sendFile(index);
  });
}
