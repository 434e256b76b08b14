// TLS for a broker connection: the CA that signed the broker's certificate, and this
// forge's own certificate and key when the broker asks for one (as Fedora's RabbitMQ does).
// The files are read once, when the options are checked: a missing or unreadable file
// stops the start with its name, and a renewed certificate takes a restart.
import { readFileSync } from 'node:fs';
import { z } from '@pagurus/core';

const pem = (what: string) =>
  z.string().transform((file, ctx) => {
    try {
      const text = readFileSync(file);
      if (!text.includes('-----BEGIN ')) throw new Error('not a PEM file');
      return text;
    } catch (error) {
      ctx.addIssue({
        code: 'custom',
        message: `cannot read the ${what} ${file}: ${error instanceof Error ? error.message : String(error)}`,
      });
      return z.NEVER;
    }
  });

export const tlsSchema = z
  .object({
    /** PEM file of the CA(s) that signed the broker's certificate (the system's CAs when left out). */
    ca_file: pem('CA file').optional(),
    /** PEM files of this forge's client certificate and its key, for brokers that ask for one. */
    cert_file: pem('certificate').optional(),
    key_file: pem('key').optional(),
  })
  .refine((tls) => (tls.cert_file === undefined) === (tls.key_file === undefined), {
    message: 'cert_file and key_file go together',
  });

export type TlsFiles = z.output<typeof tlsSchema>;

/** The options Node's tls.connect takes, from the files. */
export function tlsOptions(tls: TlsFiles | undefined): { ca?: Buffer; cert?: Buffer; key?: Buffer } {
  if (!tls) return {};
  return {
    ...(tls.ca_file ? { ca: tls.ca_file } : {}),
    ...(tls.cert_file ? { cert: tls.cert_file, key: tls.key_file } : {}),
  };
}
