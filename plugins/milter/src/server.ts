// `pagurus milter --port N`: an SMTP server (smtp-server) that takes replies for the reply
// addresses, checking each RCPT TO at once and the whole mail at its end, with the size limit
// announced (SIZE) and enforced (552).
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import type { MilterOptions } from './options.js';
import type { Answer, Receiver } from './receive.js';

/** An smtp-server callback error carrying an SMTP code. */
function refusal(answer: Answer): Error & { responseCode: number } {
  return Object.assign(new Error(answer.message), { responseCode: answer.code });
}

async function read(stream: SMTPServerDataStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export function milterServer(receiver: Receiver, options: MilterOptions): SMTPServer {
  return new SMTPServer({
    name: options.host,
    banner: 'Pagurus milter: replies to notifications',
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    size: options.max_bytes,
    logger: false,
    onRcptTo(address, _session, callback) {
      const refused = receiver.recipient(address.address);
      callback(refused ? refusal(refused) : undefined);
    },
    onData(stream, session: SMTPServerSession, callback) {
      void (async () => {
        const raw = await read(stream);
        if (stream.sizeExceeded) return refusal({ code: 552, message: `5.3.4 The reply is over ${options.max_bytes} bytes` });
        const answer = await receiver.receive(raw, { recipients: session.envelope.rcptTo.map((r) => r.address) });
        return answer.code === 250 ? undefined : refusal(answer);
      })().then(
        (error) => callback(error ?? null, error ? undefined : 'Comment added'),
        (error: unknown) => callback(refusal({ code: 451, message: `4.3.0 ${error instanceof Error ? error.message : String(error)}` })),
      );
    },
  });
}
