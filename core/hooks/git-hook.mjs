// Pagurus' server-side git hook. git runs it with the pushed ref updates on standard
// input ("<old> <new> <ref>" per line); it hands them to the forge that started
// receive-pack (PAGURUS_HOOK_URL, with the signed push identity in PAGURUS_HOOK_TOKEN)
// and prints what the forge answers, which git relays to the pusher as "remote: ...".
// Plain JavaScript without dependencies: it starts once per push and must start fast.
const hook = process.argv[2];
const url = process.env.PAGURUS_HOOK_URL;
const token = process.env.PAGURUS_HOOK_TOKEN;

function say(lines) {
  for (const line of lines) process.stderr.write(`${line}\n`);
}

async function readUpdates() {
  let input = '';
  for await (const chunk of process.stdin) input += chunk;
  return input
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [oldRev, newRev, ref] = line.split(' ');
      return { oldRev, newRev, ref };
    });
}

async function main() {
  if (hook !== 'pre-receive' && hook !== 'post-receive') {
    say([`pagurus: unknown hook ${hook}`]);
    return 1;
  }
  if (!url || !token) {
    // Only the forge starts receive-pack with these; anything else may not push here.
    say(['Pushes to this repository go through Pagurus; this one came from elsewhere.']);
    return hook === 'pre-receive' ? 1 : 0;
  }
  const updates = await readUpdates();
  // New objects wait in a quarantine until pre-receive accepts them: the forge needs
  // these to see them when it looks at the pushed commits.
  const objects = {
    GIT_OBJECT_DIRECTORY: process.env.GIT_OBJECT_DIRECTORY ?? null,
    GIT_ALTERNATE_OBJECT_DIRECTORIES: process.env.GIT_ALTERNATE_OBJECT_DIRECTORIES ?? null,
    GIT_QUARANTINE_PATH: process.env.GIT_QUARANTINE_PATH ?? null,
  };
  let response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
      body: JSON.stringify({ hook, updates, objects }),
      signal: AbortSignal.timeout(120_000),
    });
  } catch (error) {
    say([`Pagurus could not be reached to ${hook === 'pre-receive' ? 'check' : 'record'} this push (${error.message}).`]);
    return hook === 'pre-receive' ? 1 : 0;
  }
  let answer = {};
  try {
    answer = await response.json();
  } catch {
    answer = { messages: [`Pagurus answered ${response.status} to the ${hook} hook.`] };
  }
  say(Array.isArray(answer.messages) ? answer.messages : []);
  return response.ok && answer.ok !== false ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    say([`pagurus ${hook} hook failed: ${error?.message ?? error}`]);
    process.exit(hook === 'pre-receive' ? 1 : 0);
  },
);
