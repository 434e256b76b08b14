// The forge's git spawner: a small process the forge starts once, which starts the long-lived
// `git cat-file` readers for it. Forking copies the page tables of the process that forks, so
// from a forge with a large heap each start blocked the event loop for 20-30 ms; from here it
// costs the forge nothing. Each reader's standard input and output are one end of a Unix
// socket the forge connected to, so the bytes flow between git and the forge directly.
//
// argv[2]: the socket path to listen on. Each connection sends one JSON line
// {"cwd": "...", "args": [...], "env": {...}}; this answers "<pid>\n" (or "error <message>\n")
// and hands the connection to git, keeping no copy. Ends when its standard input closes.
'use strict';
const net = require('node:net');
const { spawn } = require('node:child_process');
const { rmSync } = require('node:fs');

const socketPath = process.argv[2];

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
    start(conn, request);
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
