import net from 'node:net';

/**
 * A stand-in for a Redis that is up but refuses work (out of memory, misconfigured, failing over): it
 * completes the connection handshake, answers QUIT, and answers every other command with an error.
 * Clients reach `ready` and their commands fail at request time, which is what the rate-limit fallback
 * must survive. (A refused or silent port would leave ioredis a 2 s timer after close, holding jest open.)
 */
export async function failingRedis(): Promise<{ url: string; commands: string[]; close(): Promise<void> }> {
  const commands: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      for (let parsed = parseCommand(pending); parsed; parsed = parseCommand(pending)) {
        pending = pending.subarray(parsed.length);
        const name = parsed.args[0]!.toUpperCase();
        commands.push(name);
        if (name === 'INFO') {
          const info = 'redis_version:7.0.0\r\nloading:0\r\n';
          socket.write(`$${Buffer.byteLength(info)}\r\n${info}\r\n`);
        } else if (name === 'QUIT') {
          socket.end('+OK\r\n');
        } else {
          socket.write('-ERR simulated failure\r\n');
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `redis://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    commands,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

/** One RESP command (an array of bulk strings) from the front of `buf`, or null while incomplete. */
function parseCommand(buf: Buffer): { args: string[]; length: number } | null {
  const line = (from: number) => {
    const end = buf.indexOf('\r\n', from);
    return end < 0 ? null : { text: buf.toString('utf8', from, end), next: end + 2 };
  };
  const head = line(0);
  if (!head) return null;
  if (!head.text.startsWith('*')) throw new Error(`unexpected RESP: ${head.text}`);
  const args: string[] = [];
  let at = head.next;
  for (let i = 0; i < Number(head.text.slice(1)); i++) {
    const size = line(at);
    if (!size) return null;
    const len = Number(size.text.slice(1));
    if (buf.length < size.next + len + 2) return null;
    args.push(buf.toString('utf8', size.next, size.next + len));
    at = size.next + len + 2;
  }
  return { args, length: at };
}
