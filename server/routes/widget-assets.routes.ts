import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { Router, type Request, type Response } from 'express';
import type { RouteModule } from '../app';
import { etagMatches } from './forms.routes';

export const WIDGET_DIST = path.join(__dirname, '..', '..', 'widget', 'dist');
export const WIDGET_ASSETS = { '/widget.js': 'widget.js', '/widget-phone.js': 'widget-phone.js' } as const;

export interface WidgetAssetsOptions {
  /** Where the built scripts are. Default widget/dist. */
  distDir?: string;
  /** Builds them when missing (default: the widget's own esbuild script into distDir). */
  build?: (distDir: string) => Promise<unknown>;
  /** Cache-Control max-age in seconds. The URLs are not versioned, so keep it short. Default 300. */
  maxAgeSeconds?: number;
}

interface Loaded {
  body: Buffer;
  etag: string;
  mtimeMs: number;
}

const defaultBuild = async (distDir: string) => {
  const { buildWidget } = await import('../../widget/build');
  return buildWidget(distDir);
};

/**
 * Serves the embed scripts any site loads with `<script src="https://HOST/widget.js" ...>`: JavaScript
 * content type, a strong ETag (304 on revalidation), a short public cache, and headers that let another
 * origin load them (`Cross-Origin-Resource-Policy: cross-origin` for pages with COEP, CORS for `crossorigin`
 * tags). If the build is missing (a fresh checkout started without `npm start`), the first request builds it.
 */
export function widgetAssetsRoutes(options: WidgetAssetsOptions = {}): Router {
  const distDir = options.distDir ?? WIDGET_DIST;
  const build = options.build ?? defaultBuild;
  const maxAge = options.maxAgeSeconds ?? 300;
  const cache = new Map<string, Loaded>();
  let building: Promise<unknown> | null = null;

  const ensureBuilt = async () => {
    if (Object.values(WIDGET_ASSETS).every((f) => existsSync(path.join(distDir, f)))) return;
    // One build for all concurrent first requests; a failed build is retried on the next request.
    building ??= build(distDir).finally(() => {
      building = null;
    });
    await building;
  };

  const load = (file: string): Loaded => {
    const full = path.join(distDir, file);
    const { mtimeMs } = statSync(full);
    const hit = cache.get(file);
    if (hit && hit.mtimeMs === mtimeMs) return hit;
    const body = readFileSync(full);
    const loaded = { body, mtimeMs, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"` };
    cache.set(file, loaded);
    return loaded;
  };

  const serve = (file: string) => async (req: Request, res: Response) => {
    await ensureBuilt();
    const asset = load(file);
    res.set({
      'Content-Type': 'text/javascript; charset=utf-8',
      'Cache-Control': `public, max-age=${maxAge}`,
      ETag: asset.etag,
      'Access-Control-Allow-Origin': '*',
      'Cross-Origin-Resource-Policy': 'cross-origin',
    });
    if (etagMatches(req.get('if-none-match'), asset.etag)) return void res.status(304).end();
    res.status(200).send(asset.body);
  };

  const r = Router();
  for (const [url, file] of Object.entries(WIDGET_ASSETS)) r.get(url, serve(file));
  return r;
}

export function widgetAssetsRouteModuleWith(options: WidgetAssetsOptions = {}): RouteModule {
  return ({ app }) => {
    app.use(widgetAssetsRoutes(options));
  };
}

export const widgetAssetsRouteModule: RouteModule = widgetAssetsRouteModuleWith();
