import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smtpTransport } from './mailer.js';

describe('SMTP transport', () => {
  let server: SMTPServer;
  let url = '';
  beforeAll(async () => {
    server = new SMTPServer({
      secure: false,
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      // Refuses every recipient, quoting the address as real servers do.
      onRcptTo(address, _session, callback) {
        const err = new Error(`<${address.address}>: Recipient address rejected: User unknown`) as Error & {
          responseCode: number;
        };
        err.responseCode = 550;
        callback(err);
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => new Promise<void>((resolve) => server.close(() => resolve())));

  it('fails with the codes of a refusal, never the address the server quoted', async () => {
    const send = smtpTransport(url).send({
      from: 'Reelm <no-reply@localhost>',
      to: 'secret.person.4471@example.org',
      subject: 's',
      text: 't',
      html: '<p>t</p>',
    });
    const err = (await send.catch((e: Error) => e)) as Error;
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toMatch(/^SMTP refused the mail \(.*550.*\)$/);
    expect(err.message).not.toContain('secret.person');
    expect(err.stack ?? '').not.toContain('secret.person');
  });
});
