// Templates and partials by name, in three layers: core's, then plugins' (which may not
// take a name already taken), then the theme's, which override any name it supplies. Static
// files come along with them (see assets.ts).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import type { TemplateRegistry } from '../../plugins/index.js';
import { AssetStore } from './assets.js';
import { filesUnder } from './files.js';
import { registerHelpers } from './helpers.js';

export type Layer = 'core' | 'theme' | `plugin ${string}`;

interface Entry {
  source: string;
  layer: Layer;
}

function hbsFiles(root: string): Array<{ name: string; file: string }> {
  return filesUnder(root)
    .filter(({ name }) => name.endsWith('.hbs'))
    .map(({ name, file }) => ({ name: name.slice(0, -'.hbs'.length), file }));
}

export class TemplateStore implements TemplateRegistry {
  private readonly handlebars = Handlebars.create();
  private readonly templates = new Map<string, Entry>();
  private readonly partials = new Map<string, Entry>();
  private readonly compiled = new Map<string, Handlebars.TemplateDelegate>();
  private layer: Layer = 'core';
  /** The static files of the same packages: `<dir>/static/**`, overridden by the theme's by name. */
  readonly assets = new AssetStore();

  constructor() {
    registerHelpers(this.handlebars, this.assets);
  }

  /** Registrations from now on belong to `layer`: core's first, then each plugin's, then the theme's. */
  setLayer(layer: Layer): void {
    this.layer = layer;
  }

  private put(kind: 'template' | 'partial', map: Map<string, Entry>, name: string, source: string): void {
    const taken = map.get(name);
    if (taken && this.layer !== 'theme' && taken.layer !== this.layer) {
      throw new Error(`${kind} "${name}" is already provided by ${taken.layer}; choose another name (prefix it with the plugin's)`);
    }
    map.set(name, { source, layer: this.layer });
    if (kind === 'partial') this.handlebars.registerPartial(name, source);
    else this.compiled.delete(name);
  }

  addTemplate(name: string, source: string): void {
    this.put('template', this.templates, name, source);
  }

  addPartial(name: string, source: string): void {
    this.put('partial', this.partials, name, source);
  }

  addDirectory(dir: string): void {
    for (const { name, file } of hbsFiles(path.join(dir, 'templates'))) this.addTemplate(name, readFileSync(file, 'utf8'));
    for (const { name, file } of hbsFiles(path.join(dir, 'partials'))) this.addPartial(name, readFileSync(file, 'utf8'));
    this.assets.addDirectory(path.join(dir, 'static'));
  }

  addHelper(name: string, helper: (...args: never[]) => unknown): void {
    this.handlebars.registerHelper(name, helper as Handlebars.HelperDelegate);
  }

  has(name: string): boolean {
    return this.templates.has(name);
  }

  /** Where a template or partial comes from: "core", "theme", "plugin <name>". */
  origin(kind: 'template' | 'partial', name: string): string | undefined {
    return (kind === 'template' ? this.templates : this.partials).get(name)?.layer;
  }

  render(name: string, data: Record<string, unknown>): string {
    let template = this.compiled.get(name);
    if (!template) {
      const entry = this.templates.get(name);
      if (!entry) throw new Error(`no template named "${name}"`);
      // preventIndent: a partial on an indented line must not indent the lines of its output (a textarea's text).
      template = this.handlebars.compile(entry.source, { strict: false, preventIndent: true });
      this.compiled.set(name, template);
    }
    return template(data);
  }
}
