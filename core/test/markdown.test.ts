// Markdown as pages show it: what renders, what links, and a corpus of XSS payloads none of
// which may come out as markup that runs.
import assert from 'node:assert/strict';
import { markdownLinks, renderMarkdown, type MarkdownLinks } from '../src/http/web/markdown.js';
import type { ResolvedReference } from '../src/services/index.js';
import { createTestForge, describeModes, type TestForge } from '../src/testing/index.js';

const BASE = 'https://forge.example.org';
const ref = (text: string, id: number, kind: ResolvedReference['kind'] = 'issue'): ResolvedReference => ({
  text,
  kind,
  id,
  title: `Title ${id}`,
  status: 'Open',
  project: 'rpms/pkg',
  url: `${BASE}/rpms/pkg/${kind}/${id}`,
});
const links: MarkdownLinks = {
  baseUrl: BASE,
  users: new Set(['alice', 'bob.smith']),
  references: new Map([
    ['#3', ref('#3', 3)],
    ['other#4', ref('other#4', 4, 'pull-request')],
  ]),
};
const render = (text: string) => renderMarkdown(text, links).trim();

describe('markdown rendering', () => {
  it('renders CommonMark, GFM tables, task lists, emoji and highlighted fenced code', () => {
    assert.equal(render('Some **bold** and `code`'), '<p>Some <strong>bold</strong> and <code>code</code></p>');
    // Alignment travels as a class: the pages' CSP refuses style attributes.
    assert.match(
      render('| a | b |\n|:-|-:|\n| 1 | 2 |'),
      /<table>[\s\S]*<th class="align-left">a<\/th>[\s\S]*<td class="align-right">2<\/td>/,
    );
    const tasks = render('- [x] done\n- [ ] todo');
    // Each box is labelled by its text (wrapped in <label>), so screen readers name it.
    assert.match(
      tasks,
      /<li class="task-list-item"><label><input class="task-list-item-checkbox" checked disabled type="checkbox" \/> done<\/label><\/li>/,
    );
    assert.match(
      tasks,
      /<li class="task-list-item"><label><input class="task-list-item-checkbox" disabled type="checkbox" \/> todo<\/label><\/li>/,
    );
    assert.equal(render('Ship it :tada:'), '<p>Ship it 🎉</p>');
    assert.match(
      render('```python\ndef f():\n    return 1\n```'),
      /<pre><code class="language-python"><span class="hljs-keyword">def<\/span>/,
    );
    assert.match(
      render('See https://example.org/x'),
      /<a href="https:\/\/example.org\/x" rel="nofollow noopener">https:\/\/example.org\/x<\/a>/,
    );
  });

  it('links @users and #N references that exist and may be seen, and leaves the rest as text', () => {
    assert.equal(
      render('Thanks @alice and @nobody, see #3, #5 and other#4'),
      `<p>Thanks <a href="${BASE}/user/alice" class="mention" title="alice" rel="nofollow noopener">@alice</a> and @nobody, see ` +
        `<a href="${BASE}/rpms/pkg/issue/3" class="ticket-ref issue" title="[Open] Title 3" rel="nofollow noopener">#3</a>, #5 and ` +
        `<a href="${BASE}/rpms/pkg/pull-request/4" class="ticket-ref pull-request" title="[Open] Title 4" rel="nofollow noopener">other#4</a></p>`,
    );
    assert.match(render('cc @bob.smith.'), /<a href="https:\/\/forge.example.org\/user\/bob.smith"[^>]*>@bob.smith<\/a>\./);
    assert.equal(
      render('`#3 @alice` and [#3](https://example.org)'),
      '<p><code>#3 @alice</code> and <a href="https://example.org" rel="nofollow noopener">#3</a></p>',
    );
    assert.equal(
      render('mail alice@example.org'),
      '<p>mail <a href="mailto:alice@example.org" rel="nofollow noopener">alice@example.org</a></p>',
    );
  });

  const PAYLOADS = [
    '<script>alert(1)</script>',
    '<img src=x onerror=alert(1)>',
    '<svg onload=alert(1)>',
    '<a href="javascript:alert(1)">x</a>',
    '[x](javascript:alert(1))',
    '[x](JaVaScRiPt:alert(1))',
    '[x](&#106;avascript:alert(1))',
    '[x](java\tscript:alert(1))',
    '[x](vbscript:msgbox(1))',
    '[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
    '![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)',
    '![x](javascript:alert(1))',
    '![x](x" onerror="alert(1))',
    '[x](https://example.org" onclick="alert(1))',
    '<iframe src="https://evil.example"></iframe>',
    '<object data="x"></object><embed src="x">',
    '<style>body{display:none}</style>',
    '<form action="https://evil.example"><input name=a></form>',
    '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    '<base href="https://evil.example/">',
    '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
    '<details open ontoggle=alert(1)>',
    '<div style="background:url(javascript:alert(1))">x</div>',
    '`<script>alert(1)</script>`',
    '```html\n<script>alert(1)</script>\n```',
    '<<script>script>alert(1)<</script>/script>',
    '[x](//evil.example/path)',
    '<a href="https://ok.example" onmouseover="alert(1)">x</a>',
    '@alice<img src=x onerror=alert(1)>',
    '#3"><script>alert(1)</script>',
    '| a |\n|---|\n| <img src=x onerror=alert(1)> |',
    '- [ ] <script>alert(1)</script>',
    '<!-- --><script>alert(1)</script>',
    '<input type="text" autofocus onfocus="alert(1)">',
  ];

  it('lets no payload of the XSS corpus through as markup', () => {
    for (const payload of PAYLOADS) {
      const html = render(payload);
      const tags = [...html.matchAll(/<([a-zA-Z][\w-]*)([^>]*)>/g)];
      for (const [, tag, attributes] of tags) {
        assert.ok(
          [
            'p',
            'a',
            'img',
            'code',
            'pre',
            'span',
            'table',
            'thead',
            'tbody',
            'tr',
            'th',
            'td',
            'ul',
            'li',
            'input',
            'label',
            'em',
            'strong',
            'br',
          ].includes(tag!.toLowerCase()),
          `<${tag}> from ${payload}: ${html}`,
        );
        assert.doesNotMatch(attributes!, /\son\w+\s*=/i, `event handler from ${payload}: ${html}`);
        assert.doesNotMatch(attributes!, /\sstyle\s*=/i, `style from ${payload}: ${html}`);
        for (const url of attributes!.matchAll(/\s(?:href|src)\s*=\s*"([^"]*)"/gi)) {
          assert.match(url[1]!, /^(https?:\/\/[^/]|mailto:)/i, `URL ${url[1]} from ${payload}: ${html}`);
        }
      }
      assert.doesNotMatch(html, /<(script|iframe|object|embed|style|form|meta|base|svg|math|details)\b/i, `${payload}: ${html}`);
    }
  });
});

describeModes('markdown links for a reader', (mode) => {
  let t: TestForge;
  let shown: number;
  let hidden: number;
  before(async function () {
    this.timeout(120_000);
    t = await createTestForge({ mode });
    for (const name of ['alice', 'bob']) await t.createUser(name);
    await t.createProject('alice', 'pkg');
    const bob = { Authorization: `token ${await t.createToken('bob', ['issue_create'])}` };
    const open = (body: Record<string, unknown>) => t.api<{ issue: { id: number } }>('POST', '/api/0/pkg/new_issue', body, bob);
    shown = (await open({ title: 'Public', issue_content: 'x' })).body.issue.id;
    hidden = (await open({ title: 'Private', issue_content: 'x', private: true })).body.issue.id;
  });
  after(() => t?.close());

  it('looks up mentioned users and visible references in a couple of queries', async () => {
    const s = t.forge.services;
    const project = (await s.projectQueries.find({ name: 'pkg', namespace: null, forkOwner: null }))!;
    const anonymous = await markdownLinks(s, await s.access.viewer(null), project, [`@bob said #${shown}`, `and #${hidden} @ghost`], t.url);
    assert.deepEqual([...anonymous.users], ['bob']);
    assert.deepEqual([...anonymous.references.keys()], [`#${shown}`]);
    const html = renderMarkdown(`See #${shown} and #${hidden}`, anonymous);
    assert.match(html, new RegExp(`<a href="${t.url}/pkg/issue/${shown}" class="ticket-ref issue" title="\\[Open\\] Public"`));
    assert.match(html, new RegExp(`and #${hidden}</p>`), 'the private issue stays plain text for an anonymous reader');
    const bob = await markdownLinks(s, await s.access.viewer((await s.users.byName('bob'))!), project, [`#${hidden}`], t.url);
    assert.equal(bob.references.get(`#${hidden}`)?.title, 'Private');
  });
});
