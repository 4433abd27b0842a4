import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger as PinoLogger } from 'pino';

declare module 'express-serve-static-core' {
  interface Request {
    id: string;
    log: PinoLogger;
  }
}

const SAFE_ID = /^[A-Za-z0-9._-]{8,128}$/;

/** Request id (taken from X-Request-Id when sane) and a child logger; logs one line per request. */
export function requestContext(logger: PinoLogger): RequestHandler {
  return (req, res, next) => {
    const incoming = req.header('x-request-id');
    req.id = incoming && SAFE_ID.test(incoming) ? incoming : randomUUID();
    res.setHeader('X-Request-Id', req.id);
    req.log = logger.child({ reqId: req.id });
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const level = res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'info' : 'debug';
      // Full path without the query string: queries can carry emails and phone numbers.
      const path = req.originalUrl.split('?')[0];
      req.log[level]({ method: req.method, path, status: res.statusCode, ms: Math.round(ms * 10) / 10 }, 'request');
    });
    next();
  };
}
