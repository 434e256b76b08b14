// The reStructuredText renderer: one long-lived docutils process answers document after
// document, comes back after it dies, and says so plainly when Python cannot be run.
import assert from 'node:assert/strict';
import { RstRenderer } from '../src/rst.js';

describe('reStructuredText through one docutils process', () => {
  const rst = new RstRenderer();
  after(() => rst.stop());

  it('renders documents one after another, and several at once, each to its own answer', async () => {
    const [a, b, c] = await Promise.all(['A\n=\n\none', 'B\n=\n\n*two*', 'C\n=\n\n``three``'].map((source) => rst.render(source)));
    assert.match(a!, /<h1 class="title">A<\/h1>\n<p>one<\/p>/);
    assert.match(b!, /<h1 class="title">B<\/h1>\n<p><em>two<\/em><\/p>/);
    assert.match(c!, /<span class="docutils literal">three<\/span>/);
  });

  it('leaves out raw HTML and included files', async () => {
    const html = await rst.render('T\n=\n\n.. raw:: html\n\n   <script>alert(1)</script>\n\n.. include:: /etc/passwd\n\nafter');
    assert.doesNotMatch(html, /script|root:/);
    assert.match(html, /<p>after<\/p>/);
  });

  it('starts again after its process died', async () => {
    await rst.render('x');
    const child = (rst as unknown as { child?: { kill(): void; once(e: string, f: () => void): void } }).child!;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill();
    });
    assert.match(await rst.render('*back*'), /<em>back<\/em>/);
  });

  it('rejects, saying why, when Python cannot be run', async () => {
    const missing = new RstRenderer('/nonexistent/python3');
    await assert.rejects(missing.render('x'), /cannot run \/nonexistent\/python3/);
    missing.stop();
  });
});
