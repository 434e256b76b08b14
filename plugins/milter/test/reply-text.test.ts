// replyText: what is left of an e-mail reply once the quoted thread and the signature are cut,
// on hand-written bodies and, end to end, on raw messages parsed by mailparser's simpleParser.
import assert from 'node:assert/strict';
import { simpleParser } from 'mailparser';
import { replyText } from '../src/reply-text.js';

const plain = (...lines: string[]) => replyText({ text: lines.join('\n') });

/** A raw message: the headers, a blank line, then the body (a Buffer, bytes kept as they are). */
function message(headers: string[], body: Buffer | string): Buffer {
  const head = [
    'From: Bob <bob@example.com>',
    'To: reply+issue-1@forge.example',
    'Subject: Re: [demo] Issue #1: it crashes',
    'Date: Mon, 7 Dec 2026 11:00:00 +0100',
    'Message-ID: <reply-1@example.com>',
    'MIME-Version: 1.0',
    ...headers,
  ];
  return Buffer.concat([
    Buffer.from(head.join('\r\n') + '\r\n\r\n', 'ascii'),
    typeof body === 'string' ? Buffer.from(body, 'ascii') : body,
  ]);
}

describe('milter: replyText', () => {
  it('cuts a Gmail attribution and the quote below it', () => {
    const text = plain(
      'Thanks, that fixed it.',
      '',
      'On Mon, 7 Dec 2026 at 10:00, Alice <alice@example.com> wrote:',
      '> Could you try the new build?',
      '>',
      '> > It crashes on start.',
      '',
    );
    assert.equal(text, 'Thanks, that fixed it.');
  });

  it('cuts an attribution wrapped over two lines', () => {
    assert.equal(
      plain('Merged.', '', 'On Mon, 7 Dec 2026 at 10:00, Alice Example <', 'alice@example.com> wrote:', '', '> Please merge.'),
      'Merged.',
    );
    assert.equal(
      plain('Merged.', '', 'On Mon, Dec 7, 2026 at 10:00 AM Alice Example <alice@example.com>', 'wrote:', '> Please merge.'),
      'Merged.',
    );
  });

  it('cuts French and German attributions', () => {
    assert.equal(
      plain('Corrigé.', '', 'Le lun. 7 déc. 2026 à 10:00, Alice <alice@example.com> a\u00a0écrit\u00a0:', '> Bug ?'),
      'Corrigé.',
    );
    assert.equal(plain('Behoben.', '', 'Am Mo., 7. Dez. 2026 um 10:00 Uhr schrieb Alice <alice@example.com>:', '> Fehler?'), 'Behoben.');
  });

  it('cuts an attribution followed by the unquoted original (a Gmail-style separator)', () => {
    assert.equal(plain('Done.', '', 'On Mon, 7 Dec 2026 at 10:00, Alice <alice@example.com> wrote:', '', 'Please rebase.'), 'Done.');
  });

  it('cuts from an Outlook separator and from an Outlook header block', () => {
    const outlook = [
      'Approved.',
      '',
      '________________________________',
      'From: Alice <alice@example.com>',
      'Sent: Monday, December 7, 2026 10:00 AM',
    ];
    assert.equal(plain(...outlook, 'To: Bob', 'Subject: Re: review', '', 'Please review.'), 'Approved.');
    const headers = [
      'Approved.',
      '',
      'From: Alice <alice@example.com>',
      'Sent: Monday, December 7, 2026 10:00 AM',
      'To: Bob <bob@example.com>',
    ];
    assert.equal(plain(...headers, 'Subject: Re: review', '', 'Please review.'), 'Approved.');
    assert.equal(plain('Approved.', '', '-----Original Message-----', 'From: Alice', 'Please review.'), 'Approved.');
  });

  it('keeps quotes answered inline, cuts the trailing quote', () => {
    const text = plain(
      'On Mon, 7 Dec 2026 at 10:00, Alice <alice@example.com> wrote:',
      '> Does it build on aarch64?',
      '',
      'Yes, since 2.1.',
      '',
      '> And on s390x?',
      'Not yet.',
      '',
      '> Thanks,',
      '> Alice',
    );
    assert.equal(
      text,
      [
        'On Mon, 7 Dec 2026 at 10:00, Alice <alice@example.com> wrote:',
        '> Does it build on aarch64?',
        '',
        'Yes, since 2.1.',
        '',
        '> And on s390x?',
        'Not yet.',
      ].join('\n'),
    );
  });

  it('cuts the signature from "-- " (and "--") on', () => {
    assert.equal(plain('LGTM.', '', '-- ', 'Bob Builder', 'https://bob.example'), 'LGTM.');
    assert.equal(plain('LGTM.', '--', 'Bob'), 'LGTM.');
  });

  it('drops a "Sent from my iPhone" last line, also above the quoted thread', () => {
    assert.equal(plain('Sure.', '', 'Sent from my iPhone'), 'Sure.');
    assert.equal(
      plain('Sure.', '', 'Sent from my Android', '', '> On 7 Dec 2026, at 10:00, Alice <alice@example.com> wrote:', '> Ok?'),
      'Sure.',
    );
    assert.equal(plain('Sent from my iPhone, as usual: fine.'), 'Sent from my iPhone, as usual: fine.');
  });

  it('drops everything from the reply-above marker on', () => {
    const text = plain('Closing this.', '', '-- Reply above this line --', '', 'Alice commented on issue #1:', 'It crashes.');
    assert.equal(text, 'Closing this.');
    assert.equal(
      plain('Closing this.', '', 'On Mon, Pagurus <notify@forge.example> wrote:', '> -- Reply above this line --', '> It crashes.'),
      'Closing this.',
    );
  });

  it('keeps a code fence whole, ">" and "--" lines included', () => {
    const fence = ['Try this:', '', '```sh', '$ make 2>&1 | less', '> not a quote', '--', '```'];
    assert.equal(plain(...fence, '', '> quoted'), fence.join('\n'));
    const tilde = ['~~~', '> still code', '~~~'];
    assert.equal(plain(...tilde), tilde.join('\n'));
  });

  it('keeps Markdown, trims trailing whitespace and blank lines at both ends', () => {
    assert.equal(
      plain('', '  ', '# Plan  ', '', '- one\t', '- **two**', '', '> tip:', 'ok', '', ''),
      '# Plan\n\n- one\n- **two**\n\n> tip:\nok',
    );
  });

  it('normalises CRLF (and CR) line endings', () => {
    const text = replyText({
      text: 'Fixed.\r\nSee #2.\r\n\r\nOn Mon, 7 Dec 2026 at 10:00, Alice <alice@example.com> wrote:\r\n> Broken?\r\n',
    });
    assert.equal(text, 'Fixed.\nSee #2.');
    assert.equal(replyText({ text: 'a\rb\r' }), 'a\nb');
  });

  it('gives an empty text for a reply that is only a quote, or nothing', () => {
    assert.equal(plain('On Mon, 7 Dec 2026 at 10:00, Alice <alice@example.com> wrote:', '> Anything?', ''), '');
    assert.equal(plain('> Anything?'), '');
    assert.equal(replyText({}), '');
    assert.equal(replyText({ text: '  \n', html: false }), '');
  });

  it('converts the HTML part when the plain part is blank', () => {
    const text = replyText({
      text: '',
      html: '<p>See <a href="https://forge.example/demo/pull-request/3">PR 3</a>:</p><ul><li>one</li><li>two</li></ul><img src="data:image/png;base64,iVBORw0KGgo=" alt="logo"><blockquote>Old</blockquote>',
    });
    assert.equal(text, 'See PR 3 (https://forge.example/demo/pull-request/3):\n\n- one\n- two');
  });

  it('end to end: an ISO-8859-1 plain text mail', async () => {
    const body = Buffer.from(
      'Café crème, how naïve.\r\n\r\nOn Mon, 7 Dec 2026 at 10:00, Alice <alice@example.com> wrote:\r\n> Déjà vu?\r\n',
      'latin1',
    );
    assert.ok(body.includes(Buffer.from([0x43, 0x61, 0x66, 0xe9]))); // "Caf\xe9": latin1 bytes, not UTF-8
    const mail = await simpleParser(message(['Content-Type: text/plain; charset=ISO-8859-1', 'Content-Transfer-Encoding: 8bit'], body));
    assert.equal(replyText(mail), 'Café crème, how naïve.');
  });

  it('end to end: an HTML-only mail with a Gmail quote and a link', async () => {
    const html =
      '<html><body><div dir="ltr">Fixed in <a href="https://forge.example/demo/c/abc123">abc123</a>, a very long line that mailparser itself would wrap at eighty columns.' +
      '<br><br>Thanks!</div><br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">On Mon, 7 Dec 2026 at 10:00, Alice &lt;alice@example.com&gt; wrote:<br></div>' +
      '<blockquote class="gmail_quote" style="margin:0 0 0 .8ex;border-left:1px #ccc solid;padding-left:1ex">Is it <b>fixed</b>?<br></blockquote></div></body></html>\r\n';
    const raw = message(['Content-Type: text/html; charset=UTF-8', 'Content-Transfer-Encoding: 7bit'], html);
    const expected =
      'Fixed in abc123 (https://forge.example/demo/c/abc123), a very long line that mailparser itself would wrap at eighty columns.\n\nThanks!';
    const mail = await simpleParser(raw);
    assert.ok(mail.text?.includes('[https://forge.example/demo/c/abc123]')); // mailparser's own conversion, not used
    assert.equal(replyText(mail), expected);
    assert.equal(replyText(await simpleParser(raw, { skipHtmlToText: true })), expected);
  });

  it('end to end: the plain part of a multipart/alternative mail is preferred', async () => {
    const body = [
      '--b1',
      'Content-Type: text/plain; charset=UTF-8',
      '',
      'Plain *Markdown* wins.',
      '',
      '> quoted',
      '--b1',
      'Content-Type: text/html; charset=UTF-8',
      '',
      '<p>HTML <em>loses</em>.</p>',
      '--b1--',
      '',
    ].join('\r\n');
    const mail = await simpleParser(message(['Content-Type: multipart/alternative; boundary="b1"'], body));
    assert.equal(replyText(mail), 'Plain *Markdown* wins.');
  });

  it('end to end: a quoted-printable body', async () => {
    const body = [
      'Das Problem ist gel=C3=B6st, siehe die lange Zeile, die der Mailer umbrechen m=',
      'usste: a=3Db.',
      '',
      'Am Mo., 7. Dez. 2026 um 10:00 Uhr schrieb Alice <alice@example.com>:',
      '> Ist das gel=C3=B6st?',
      '',
    ].join('\r\n');
    const mail = await simpleParser(
      message(['Content-Type: text/plain; charset=UTF-8', 'Content-Transfer-Encoding: quoted-printable'], body),
    );
    assert.equal(replyText(mail), 'Das Problem ist gelöst, siehe die lange Zeile, die der Mailer umbrechen musste: a=b.');
  });
});
