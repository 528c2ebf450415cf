// Serves the built chat page (dist/chat, `npm run build:chat`) at / with a strict Content-Security-Policy:
// scripts, styles and connections (HTTP API and the /v1/stream WebSocket) only to this origin, no framing.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Express } from 'express';
import { PROBLEM_CONTENT_TYPE, problemFor } from './problem.ts';

export const CHAT_PATH = '/';
export const CHAT_DIR = process.env.CHAT_DIR ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/chat');

const CSP = [
  "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "connect-src 'self'",
  "font-src 'self'", "object-src 'none'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
].join('; ');

export function mountChat(app: Express, dir = CHAT_DIR): void {
  const headers = (res: express.Response) => {
    res.setHeader('Content-Security-Policy', CSP);
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Permissions-Policy', 'camera=(), microphone=(), geolocation=()');
  };
  app.use('/assets', (_req, res, next) => {
    headers(res);
    next();
  }, express.static(path.join(dir, 'assets'), { immutable: true, maxAge: '1y', index: false, fallthrough: true }));
  app.get(['/', '/index.html'], (_req, res) => {
    const index = path.join(dir, 'index.html');
    if (!fs.existsSync(index)) {
      res.status(503).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problemFor('internal', 'The chat page is not built: run `npm run build:chat`.')));
      return;
    }
    headers(res);
    res.setHeader('Cache-Control', 'no-store');
    res.sendFile(index);
  });
}
