import { toDataURL } from 'qrcode';
import { useEffect, useState } from 'preact/hooks';
import { t } from '../i18n';

/** The enrolment's otpauth:// URL as a QR code. Its own module, so the QR library loads only when someone enrols. */
export function TotpQr({ url }: { url: string }) {
  const [src, setSrc] = useState('');
  useEffect(() => {
    let live = true;
    void toDataURL(url, { margin: 1, width: 200 }).then((s) => live && setSrc(s));
    return () => void (live = false);
  }, [url]);
  return src ? (
    <img class="totp-qr" src={src} width={200} height={200} alt={t('totp.qrAlt')} data-testid="totp-qr" />
  ) : (
    <span class="spinner" aria-hidden="true" />
  );
}
