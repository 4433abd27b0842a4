import { Writable } from 'node:stream';
import { createLogger, maskPhone } from './logger';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return { logger: createLogger('debug', stream), text: () => lines.join('') };
}

describe('logs', () => {
  it('masks phone numbers in messages and nested values', () => {
    const { logger, text } = capture();
    logger.info({ note: 'lead +14155550142 replied', nested: { list: ['call (415) 555-0199 now'] } }, 'texted +447700900123');
    const out = text();
    expect(out).not.toMatch(/4155550142|555-0199|7700900123/);
    expect(out).toContain('+1•••••42');
  });

  it('redacts secrets and bodies by key', () => {
    const { logger, text } = capture();
    logger.info({ cfg: { authToken: 'tok_123', clientSecret: 's3cr3t', accessToken: 'at' }, msg: { body: 'hello', to: '+14155550100' } }, 'x');
    const out = text();
    for (const secret of ['tok_123', 's3cr3t', '"at"', 'hello']) expect(out).not.toContain(secret);
    expect(out).toContain('[redacted]');
  });

  it('leaves ordinary numbers alone', () => {
    expect(maskPhone('took 1234 ms')).toBe('took 1234 ms');
  });
});
