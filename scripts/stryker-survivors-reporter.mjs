// A Stryker reporter that names each surviving (or uncovered) mutant as soon as it is tested,
// in reports/mutation/<name>.survivors.log (named by stryker.config.mjs), so work on a survivor can start before a long run ends
// (Stryker's clear-text reporter lists them only at the end).
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { declareClassPlugin, PluginKind } from '@stryker-mutator/api/plugin';

const FILE = process.env.PAGURUS_MUTATE_SURVIVORS ?? 'reports/mutation/survivors.log';

class SurvivorsReporter {
  constructor() {
    // Reporters run in Stryker's main process, from the project root (not the sandbox).
    mkdirSync('reports/mutation', { recursive: true });
    writeFileSync(FILE, '');
  }
  onMutantTested(result) {
    if (result.status !== 'Survived' && result.status !== 'NoCoverage') return;
    const { line, column } = result.location.start;
    appendFileSync(FILE, `${result.status} ${result.fileName}:${line}:${column + 1} ${result.mutatorName}: ${result.replacement ?? ''}\n`);
  }
}

export const strykerPlugins = [declareClassPlugin(PluginKind.Reporter, 'survivors', SurvivorsReporter)];
