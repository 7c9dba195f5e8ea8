import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';

export interface SmtpSink {
  /** Every message accepted, parsed. */
  received: ParsedMail[];
  /** Set `refusing` to answer every message with a 550. */
  state: { refusing: boolean };
  /** smtp://127.0.0.1:<port> */
  url: string;
  close(): Promise<void>;
}

/** A real SMTP server on loopback that keeps what it receives, or refuses every message while `state.refusing` is set. */
export async function startSmtpSink(options: { refusing?: boolean } = {}): Promise<SmtpSink> {
  const received: ParsedMail[] = [];
  const state = { refusing: options.refusing ?? false };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, _session, callback) {
      if (state.refusing) {
        stream.resume();
        stream.on('end', () => callback(Object.assign(new Error('mailbox unavailable'), { responseCode: 550 })));
        return;
      }
      simpleParser(stream).then((mail) => {
        received.push(mail);
        callback();
      }, callback);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return { received, state, url: `smtp://127.0.0.1:${port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
