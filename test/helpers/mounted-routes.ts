import type { Express } from 'express';

/** A router layer as Express 5's router keeps it (router 2.x); only what the walk below reads. */
interface Layer {
  slash?: boolean;
  rawPath?: string | string[];
  route?: { path: string | string[]; methods: Record<string, boolean>; stack?: Layer[] };
  handle?: { stack?: Layer[]; minimumRole?: string };
}

/**
 * Every route an app answers under `prefix`, as `METHOD /path` with OpenAPI's `{param}` for Express's
 * `:param`. Walks routers mounted with `app.use(prefix, router)` and their `router.use(subRouter)`
 * children, which is how the server composes its API. CORS preflight (OPTIONS) routes are left out.
 */
export function mountedRoutes(app: Express, prefix: string): string[] {
  return [...routeLayers(app, prefix).keys()].sort();
}

/**
 * The role each route's `requireApiKey` asks for (server/http/auth.ts tags its handler), for the routes
 * under `prefix` that take an API key that way.
 */
export function minimumRoles(app: Express, prefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [route, layer] of routeLayers(app, prefix)) {
    const role = layer.route!.stack?.map((l) => l.handle?.minimumRole).find((r) => r !== undefined);
    if (role) out[route] = role;
  }
  return out;
}

/**
 * The routes under `prefix` that routers mounted at the app's root answer, as connectors mount theirs
 * (`app.use(router)` with full paths such as `/api/v1/integrations/hubspot`), in `mountedRoutes`' form.
 */
export function connectorRoutes(app: Express, prefix: string): string[] {
  const root = (app as unknown as { router: { stack: Layer[] } }).router.stack;
  const routers = root.filter((l) => l.handle?.stack && l.rawPath !== prefix && (l.slash || typeof l.rawPath === 'string'));
  const all = walkRoutes(routers.map((l) => [l.handle!.stack!, l.slash ? '' : (l.rawPath as string)]));
  return [...all.keys()]
    .filter((r) => r.split(' ')[1]!.startsWith(`${prefix}/`))
    .map((r) => r.replace(` ${prefix}/`, ' /'))
    .sort();
}

function routeLayers(app: Express, prefix: string): Map<string, Layer> {
  const root = (app as unknown as { router: { stack: Layer[] } }).router.stack;
  const mounted = root.filter((l) => l.handle?.stack && l.rawPath === prefix);
  if (mounted.length === 0) throw new Error(`nothing is mounted at ${prefix}`);
  return walkRoutes(mounted.map((l) => [l.handle!.stack!, '']));
}

/** Every route in these routers' stacks and the routers they mount, keyed `METHOD /path` with each stack's base before it. */
function walkRoutes(stacks: Array<[Layer[], string]>): Map<string, Layer> {
  const out = new Map<string, Layer>();
  const walk = (stack: Layer[], base: string) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const p of ([] as string[]).concat(layer.route.path)) {
          for (const [method, on] of Object.entries(layer.route.methods)) {
            if (on && method !== 'options' && method !== '_all') out.set(`${method.toUpperCase()} ${(base + p).replace(/:(\w+)/g, '{$1}')}`, layer);
          }
        }
      } else if (layer.handle?.stack) {
        const mount = layer.slash ? '' : typeof layer.rawPath === 'string' ? layer.rawPath : null;
        if (mount !== null) walk(layer.handle.stack, base + mount);
      }
    }
  };
  for (const [stack, base] of stacks) walk(stack, base);
  return out;
}

/** The `METHOD /path` pairs an OpenAPI document describes. */
export function documentedRoutes(doc: { paths: Record<string, Record<string, unknown>> }): string[] {
  const methods = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options']);
  return Object.entries(doc.paths)
    .flatMap(([p, item]) => Object.keys(item).filter((k) => methods.has(k)).map((m) => `${m.toUpperCase()} ${p}`))
    .sort();
}
