// The baseline for bench/git-clone: git's own smart-HTTP server, `git http-backend`, run as
// a CGI program by this tiny HTTP server (as Apache or lighttpd would): one process per
// request, the request body streamed in, the CGI header block parsed, the rest streamed out.
// Usage: node git-cgi-server.mjs <project root> <port>
import { spawn } from 'node:child_process';
import http from 'node:http';

const [root, port] = process.argv.slice(2);

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost');
  const child = spawn('git', ['http-backend'], {
    env: {
      PATH: process.env.PATH,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_PROJECT_ROOT: root,
      GIT_HTTP_EXPORT_ALL: '1',
      REQUEST_METHOD: req.method,
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.slice(1),
      CONTENT_TYPE: req.headers['content-type'] ?? '',
      ...(req.headers['content-length'] ? { CONTENT_LENGTH: req.headers['content-length'] } : {}),
      ...(req.headers['content-encoding'] ? { HTTP_CONTENT_ENCODING: req.headers['content-encoding'] } : {}),
      ...(req.headers['git-protocol'] ? { GIT_PROTOCOL: req.headers['git-protocol'] } : {}),
      REMOTE_ADDR: req.socket.remoteAddress ?? '',
      SERVER_PROTOCOL: 'HTTP/1.1',
    },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  req.pipe(child.stdin);
  let head = Buffer.alloc(0);
  let inBody = false;
  const onData = (chunk) => {
    if (inBody) return;
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    if (end === -1) return;
    inBody = true;
    child.stdout.off('data', onData);
    child.stdout.pause();
    let status = 200;
    for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
      else res.setHeader(name, value);
    }
    res.writeHead(status);
    res.write(head.subarray(end + 4));
    child.stdout.pipe(res);
  };
  child.stdout.on('data', onData);
  child.on('close', () => {
    if (!inBody) res.writeHead(502).end();
  });
});
server.listen(Number(port), '127.0.0.1', () => process.stdout.write('ready\n'));
