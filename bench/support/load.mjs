// The load generator, in its own process so it does not share the server's event loop:
// reads {url, connections, duration, paths} from the JSON file named by argv[2], cycles through the
// paths, and prints autocannon's figures as one JSON line.
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

const { url, connections, duration, paths } = JSON.parse(readFileSync(process.argv[2], 'utf8'));
let i = 0;
const result = await autocannon({
  url,
  connections,
  duration,
  requests: [{ setupRequest: (req) => ({ ...req, path: paths[i++ % paths.length] }) }],
});
process.stdout.write(
  `${JSON.stringify({ rps: Math.round(result.requests.average), p50ms: result.latency.p50, p99ms: result.latency.p99, errors: result.errors + result.non2xx })}\n`,
);
