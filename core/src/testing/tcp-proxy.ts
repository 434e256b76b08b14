// A TCP proxy on loopback in front of a real service (PostgreSQL, Redis, a broker), so a test
// can take the service away from the forge and give it back: `cut()` closes every connection
// and refuses new ones (as a stopped server would), `restore()` accepts them again. The
// service itself keeps running for everything else.
import net from 'node:net';

export interface TcpProxy {
  /** The port the proxy listens on (the same across cut and restore). */
  port: number;
  /** Connections made through the proxy so far. */
  readonly connections: number;
  /** Closes every open connection and refuses new ones until restore(). */
  cut(): Promise<void>;
  /** Accepts connections again, on the same port. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

/** A proxy to `target` ("host:port", or a URL whose host and port are used). */
export async function startTcpProxy(target: string): Promise<TcpProxy> {
  const parsed = /^[a-z][a-z0-9+.-]*:\/\//i.test(target) ? new URL(target) : new URL(`tcp://${target}`);
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  const targetPort = Number(parsed.port);
  if (!targetPort) throw new Error(`startTcpProxy: no port in ${target}`);
  const sockets = new Set<net.Socket>();
  let connections = 0;
  let server: net.Server | undefined;
  let port = 0;

  const listen = async () => {
    const next = net.createServer((client) => {
      connections++;
      const upstream = net.connect(targetPort, host);
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      next.once('error', reject);
      next.listen(port, '127.0.0.1', () => resolve());
    });
    port = (next.address() as net.AddressInfo).port;
    server = next;
  };
  const stop = async () => {
    const current = server;
    server = undefined;
    for (const socket of sockets) socket.destroy();
    if (current) await new Promise<void>((resolve) => current.close(() => resolve()));
  };

  await listen();
  return {
    get port() {
      return port;
    },
    get connections() {
      return connections;
    },
    cut: stop,
    async restore() {
      if (!server) await listen();
    },
    close: stop,
  };
}
