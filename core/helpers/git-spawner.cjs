// The forge's git spawner: a small process the forge starts once, which starts the long-lived
// `git cat-file` readers for it. Forking copies the page tables of the process that forks, so
// from a forge with a large heap each start blocked the event loop for 20-30 ms; from here it
// costs the forge nothing. Each reader's standard input and output are one end of a Unix
// socket the forge connected to, so the bytes flow between git and the forge directly.
//
// argv[2]: the socket path to listen on. Each connection sends one JSON line
// {"cwd": "...", "args": [...], "env": {...}} and is handed to git as its standard input and
// output; this process keeps no copy. A reader's request (no "id") is answered "<pid>\n" on
// the connection before git may write (cat-file writes only when asked). A command's request
// ({"id": n, ...}) gets nothing on the connection: everything there is git's. Its process id,
// then its exit status and the end of its standard error (64 KiB at most), go to this process'
// standard output as JSON lines {"id", "pid"} and {"id", "code", "signal", "stderr"}.
// Ends when its standard input closes.
'use strict';
const net = require('node:net');
const { spawn } = require('node:child_process');
const { rmSync } = require('node:fs');

const socketPath = process.argv[2];

const MAX_STDERR = 65536;

function report(message) {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

/** A command: git's standard error and exit status are reported here, not on the connection. */
function execute(conn, request) {
  let child;
  try {
    child = spawn('git', request.args, { cwd: request.cwd, env: request.env, stdio: [conn, conn, 'pipe'] });
  } catch (error) {
    conn.destroy();
    report({ id: request.id, code: null, signal: null, stderr: String(error && error.message) });
    return;
  }
  conn.destroy();
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    if (stderr.length < MAX_STDERR) stderr += chunk.toString('utf8');
  });
  let ended = false;
  const end = (message) => {
    if (ended) return;
    ended = true;
    report({ id: request.id, ...message });
  };
  // A git that cannot start reports only 'error'; one that ran, 'close' after its output.
  child.on('error', (error) => end({ code: null, signal: null, stderr: String(error && error.message) }));
  child.on('close', (code, signal) => end({ code, signal, stderr: stderr.slice(-MAX_STDERR) }));
  if (child.pid !== undefined) report({ id: request.id, pid: child.pid });
}

function start(conn, request) {
  let child;
  try {
    child = spawn('git', request.args, { cwd: request.cwd, env: request.env, stdio: [conn, conn, 'ignore'] });
  } catch (error) {
    conn.end(`error ${String(error && error.message).replace(/\n/g, ' ')}\n`);
    return;
  }
  child.on('error', () => undefined);
  // destroy(), not end(): end() would shut the socket down for git as well.
  conn.write(`${child.pid}\n`, () => conn.destroy());
}

const server = net.createServer((conn) => {
  let head = Buffer.alloc(0);
  const onData = (chunk) => {
    head = Buffer.concat([head, chunk]);
    const eol = head.indexOf(10);
    if (eol === -1) return;
    conn.off('data', onData);
    conn.pause();
    let request;
    try {
      request = JSON.parse(head.subarray(0, eol).toString('utf8'));
    } catch {
      conn.end('error not a request\n');
      return;
    }
    if (request.id !== undefined) execute(conn, request);
    else start(conn, request);
  };
  conn.on('data', onData);
  conn.on('error', () => undefined);
});
server.listen(socketPath, () => process.stdout.write('ready\n'));
const quit = () => {
  try {
    rmSync(socketPath, { force: true });
  } finally {
    process.exit(0);
  }
};
process.stdin.on('end', quit);
process.stdin.on('error', quit);
process.stdin.resume();
