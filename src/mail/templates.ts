/**
 * The mail Reelm sends, in English and German: plain text plus simple HTML. Pure: the caller gives the link
 * (built from the public URL) and the recipient's handle; nothing here knows about accounts or cells.
 */
export const MAIL_KINDS = ['email_verification', 'password_reset'] as const;
export type MailKind = (typeof MAIL_KINDS)[number];
export type MailLanguage = 'en' | 'de';

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

interface Wording {
  subject: string;
  greeting: (handle: string) => string;
  body: string;
  action: string;
  footer: string;
}

const WORDING: Record<MailKind, Record<MailLanguage, Wording>> = {
  email_verification: {
    en: {
      subject: 'Confirm your email address for Reelm',
      greeting: (h) => `Hi @${h},`,
      body: 'please confirm that this is your email address. The link works for 48 hours.',
      action: 'Confirm my address',
      footer: 'If you did not sign up for Reelm or change your address, ignore this mail.',
    },
    de: {
      subject: 'Bestätige deine E-Mail-Adresse für Reelm',
      greeting: (h) => `Hallo @${h},`,
      body: 'bitte bestätige, dass dies deine E-Mail-Adresse ist. Der Link gilt 48 Stunden.',
      action: 'Adresse bestätigen',
      footer: 'Wenn du dich nicht bei Reelm angemeldet oder deine Adresse geändert hast, ignoriere diese Mail.',
    },
  },
  password_reset: {
    en: {
      subject: 'Reset your Reelm password',
      greeting: (h) => `Hi @${h},`,
      body: 'someone asked to reset the password of your account. The link works once, for one hour.',
      action: 'Choose a new password',
      footer: 'If this was not you, ignore this mail: your password stays as it is.',
    },
    de: {
      subject: 'Setze dein Reelm-Passwort zurück',
      greeting: (h) => `Hallo @${h},`,
      body: 'jemand möchte das Passwort deines Kontos zurücksetzen. Der Link gilt einmal, eine Stunde lang.',
      action: 'Neues Passwort wählen',
      footer: 'Warst du das nicht, ignoriere diese Mail: dein Passwort bleibt, wie es ist.',
    },
  },
};

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function renderMail(
  kind: MailKind,
  language: MailLanguage,
  vars: { handle: string; link: string },
): RenderedMail {
  const w = WORDING[kind][language];
  const text = `${w.greeting(vars.handle)}\n\n${w.body}\n\n${w.action}: ${vars.link}\n\n${w.footer}\n\n— Reelm\n`;
  const link = escapeHtml(vars.link);
  const html =
    `<!doctype html><html lang="${language}"><body style="font-family:sans-serif;line-height:1.5">` +
    `<p>${escapeHtml(w.greeting(vars.handle))}</p><p>${escapeHtml(w.body)}</p>` +
    `<p><a href="${link}">${escapeHtml(w.action)}</a></p><p style="color:#666">${link}</p>` +
    `<p style="color:#666">${escapeHtml(w.footer)}</p><p>— Reelm</p></body></html>`;
  return { subject: w.subject, text, html };
}
