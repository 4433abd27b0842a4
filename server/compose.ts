import type { Connector, RouteModule } from './app';
import type { StartOptions } from './main';

/**
 * The composition root: which connectors and route modules this server runs, and how ports are wired
 * to adapters. Connectors are listed by hand so what runs is visible in one place.
 */
export const connectors: Connector[] = [];

export const routes: RouteModule[] = [];

export const compose: StartOptions['compose'] = async () => {};

export const seedDemo: StartOptions['seedDemo'] = async () => {};
