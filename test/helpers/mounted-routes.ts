import type { Express } from 'express';

/** A router layer as Express 5's router keeps it (router 2.x); only what the walk below reads. */
interface Layer {
  slash?: boolean;
  rawPath?: string | string[];
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/**
 * Every route an app answers under `prefix`, as `METHOD /path` with OpenAPI's `{param}` for Express's
 * `:param`. Walks routers mounted with `app.use(prefix, router)` and their `router.use(subRouter)`
 * children, which is how the server composes its API. CORS preflight (OPTIONS) routes are left out.
 */
export function mountedRoutes(app: Express, prefix: string): string[] {
  const out = new Set<string>();
  const walk = (stack: Layer[], base: string) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const p of ([] as string[]).concat(layer.route.path)) {
          for (const [method, on] of Object.entries(layer.route.methods)) {
            if (on && method !== 'options' && method !== '_all') out.add(`${method.toUpperCase()} ${(base + p).replace(/:(\w+)/g, '{$1}')}`);
          }
        }
      } else if (layer.handle?.stack) {
        const mount = layer.slash ? '' : typeof layer.rawPath === 'string' ? layer.rawPath : null;
        if (mount !== null) walk(layer.handle.stack, base + mount);
      }
    }
  };
  const root = (app as unknown as { router: { stack: Layer[] } }).router.stack;
  const mounted = root.filter((l) => l.handle?.stack && l.rawPath === prefix);
  if (mounted.length === 0) throw new Error(`nothing is mounted at ${prefix}`);
  for (const layer of mounted) walk(layer.handle!.stack!, '');
  return [...out].sort();
}

/** The `METHOD /path` pairs an OpenAPI document describes. */
export function documentedRoutes(doc: { paths: Record<string, Record<string, unknown>> }): string[] {
  const methods = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options']);
  return Object.entries(doc.paths)
    .flatMap(([p, item]) => Object.keys(item).filter((k) => methods.has(k)).map((m) => `${m.toUpperCase()} ${p}`))
    .sort();
}
