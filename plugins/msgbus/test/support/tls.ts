// A throwaway certificate authority (openssl), and a TLS front for a broker on loopback that
// asks every client for a certificate signed by that CA, as Fedora's RabbitMQ does.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { forward } from './broker.js';

export interface Pki {
  dir: string;
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** A certificate and key signed by another CA, which the front refuses. */
  strangerCert: string;
  strangerKey: string;
  remove(): void;
}

function openssl(dir: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

function signed(dir: string, name: string, ca: string, subject: string, ext?: string): void {
  openssl(dir, 'req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
  const extArgs = ext ? (writeFileSync(path.join(dir, `${name}.ext`), ext), ['-extfile', `${name}.ext`]) : [];
  openssl(
    dir,
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${ca}.crt`,
    '-CAkey',
    `${ca}.key`,
    '-CAcreateserial',
    '-days',
    '2',
    '-out',
    `${name}.crt`,
    ...extArgs,
  );
}

export function makePki(): Pki {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pagurus-pki-'));
  for (const ca of ['ca', 'other-ca'])
    openssl(
      dir,
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-keyout',
      `${ca}.key`,
      '-out',
      `${ca}.crt`,
      '-subj',
      `/CN=${ca}`,
    );
  signed(dir, 'server', 'ca', '/CN=localhost', 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  signed(dir, 'client', 'ca', '/CN=pagurus');
  signed(dir, 'stranger', 'other-ca', '/CN=stranger');
  const at = (file: string) => path.join(dir, file);
  return {
    dir,
    ca: at('ca.crt'),
    serverCert: at('server.crt'),
    serverKey: at('server.key'),
    clientCert: at('client.crt'),
    clientKey: at('client.key'),
    strangerCert: at('stranger.crt'),
    strangerKey: at('stranger.key'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Terminates TLS on a loopback port and forwards to `target`; records the clients it let in. */
export class TlsFront {
  private server: tls.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  readonly clients: string[] = [];
  refused = 0;
  port = 0;

  constructor(
    private readonly pki: Pki,
    private readonly target: number,
  ) {}

  async start(): Promise<this> {
    const server = tls.createServer(
      {
        cert: readFileSync(this.pki.serverCert),
        key: readFileSync(this.pki.serverKey),
        ca: readFileSync(this.pki.ca),
        requestCert: true,
        rejectUnauthorized: true,
      },
      (client) => {
        this.clients.push(String(client.getPeerCertificate().subject?.CN));
        forward(client, this.target, this.sockets);
      },
    );
    server.on('tlsClientError', () => (this.refused += 1));
    // Connections still in their handshake too, so that stop() ends them all.
    server.on('connection', (socket: net.Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
    return this;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
