// Loaded in Stryker's test-runner processes (testRunnerNodeArgs, after tsx/esm). In the
// sandbox, node_modules is a link to the real tree's, so a workspace package such as
// @pagurus/core would resolve to the real, unmutated sources: this resolve hook sends any
// module of the real tree (outside node_modules) to its copy in the sandbox, when there is one.
import { realpathSync } from 'node:fs';
import { register } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const sandbox = process.cwd();
const realRoot = path.dirname(realpathSync(path.join(sandbox, 'node_modules')));
if (realRoot !== sandbox) {
  register('./stryker-sandbox-hooks.mjs', import.meta.url, {
    data: { realRoot: pathToFileURL(realRoot).href + '/', sandbox: pathToFileURL(sandbox).href + '/' },
  });
}
