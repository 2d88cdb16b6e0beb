import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Logger } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';

/** Where `npm run build` writes the console (vite build): dist/apps/web, next to this file's dist/apps/api. */
export const CONSOLE_ROOT = resolve(__dirname, '../../../web');

/** Hashed file names: a new build has new names, so a browser may keep these for good. */
const ASSETS_PREFIX = '/assets/';

const isApiPath = (path: string): boolean => path === '/api' || path.startsWith('/api/');

/**
 * Serves the console from `/`: its hashed assets with a year's cache, `index.html` revalidated on
 * every load (so a new build reaches people at once), and `index.html` again for any other GET outside
 * `/api` (the app's own routes: /catalogue, /runs/…), never for `/api/*`, which stays the API's.
 */
export function serveConsole(app: NestExpressApplication, root: string = CONSOLE_ROOT): void {
  const indexHtml = join(root, 'index.html');
  if (!existsSync(indexHtml)) {
    Logger.warn(`The console is not built (${indexHtml} is missing): run npm run build`, 'Lockbox');
    return;
  }
  app.useStaticAssets(join(root, 'assets'), {
    prefix: ASSETS_PREFIX,
    index: false,
    redirect: false,
    dotfiles: 'ignore',
    immutable: true,
    maxAge: '365d',
  });
  app.use((request: Request, response: Response, next: NextFunction) => {
    if ((request.method !== 'GET' && request.method !== 'HEAD') || isApiPath(request.path)) return next();
    if (request.path.startsWith(ASSETS_PREFIX)) {
      response.status(404).type('text/plain').send('Not found');
      return;
    }
    response.setHeader('Cache-Control', 'no-cache');
    response.sendFile(indexHtml, { dotfiles: 'deny', lastModified: true }, (error?: Error) => {
      if (error && !response.headersSent) next(error);
    });
  });
}
