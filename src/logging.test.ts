import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, scrub } from './logging.js';

describe('logging', () => {
  it('scrubs emails, IP addresses and tokens from any string', () => {
    const line = scrub(
      'user bob@example.com from 203.0.113.9 and 2001:db8::1 token us.s5cui7-Tj55E8jAvoqr2NbeNYF_-IRjVZeeFpTgIHN4',
    );
    expect(line).not.toMatch(/bob@example\.com|203\.0\.113\.9|2001:db8::1|s5cui7/);
    expect(scrub('listening on 127.0.0.1:3000')).toContain('127.0.0.1');
  });

  it('redacts protected fields by name and by pattern at the logger', () => {
    const lines: string[] = [];
    const log = createLogger(
      'info',
      new Writable({
        write(c, _e, cb) {
          lines.push(String(c));
          cb();
        },
      }),
    );
    log.info(
      { user: { email: 'carol@example.net', ip: '198.51.100.7' }, note: 'x carol@example.net' },
      'saw 198.51.100.7',
    );
    log.error(new Error('failed for carol@example.net'));
    const out = lines.join('');
    expect(out).not.toContain('carol@example.net');
    expect(out).not.toContain('198.51.100.7');
    expect(out).toContain('[redacted]');
  });
});
