import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import { isTandemError } from '../../core/index';

/** The one error shape every endpoint answers with. */
export function sendError(res: Response, status: number, code: string, message: string, details: Record<string, unknown> = {}) {
  res.status(status).json({ error: { code, message, details } });
}

export const notFoundHandler: RequestHandler = (req, res) => {
  sendError(res, 404, 'route.not_found', `No route for ${req.method} ${req.path}`);
};

/** Maps thrown errors to the shape above; anything unexpected is a 500 with no internals leaked. */
export const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  if (res.headersSent) return;
  if (isTandemError(err)) return sendError(res, err.status, err.code, err.message, err.details);
  const e = err as { type?: string; status?: number; statusCode?: number; message?: string };
  if (e.type === 'entity.too.large') return sendError(res, 413, 'request.too_large', 'The request body is too large');
  if (e.type === 'entity.parse.failed') return sendError(res, 400, 'request.malformed_json', 'The request body is not valid JSON');
  if (e.type === 'charset.unsupported' || e.type === 'encoding.unsupported') return sendError(res, 415, 'request.unsupported_encoding', e.message ?? 'Unsupported encoding');
  const status = e.status ?? e.statusCode;
  if (status && status >= 400 && status < 500) return sendError(res, status, 'request.invalid', e.message ?? 'Bad request');
  req.log?.error({ err: { message: (err as Error).message, stack: (err as Error).stack } }, 'unhandled error');
  sendError(res, 500, 'internal', 'Something went wrong on our side. It has been logged.', { requestId: req.id });
};
