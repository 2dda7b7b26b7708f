import type { ComponentChildren, InputHTMLAttributes } from 'preact';
import { t } from '../i18n';
import { back, Link } from '../router';
import { IconBack } from './icons';

export const Spinner = ({ label = t('common.loading') }: { label?: string }) => (
  <div class="spinner-wrap" role="status">
    <span class="spinner" aria-hidden="true" />
    <span class="sr-only">{label}</span>
  </div>
);

export function Empty({
  icon,
  title,
  children,
}: {
  icon?: ComponentChildren;
  title?: string;
  children?: ComponentChildren;
}) {
  return (
    <div class="empty">
      {icon && <div class="empty-icon">{icon}</div>}
      {title && <h2>{title}</h2>}
      {children}
    </div>
  );
}

export function ErrorBox({ message, onRetry }: { message: string; onRetry?: () => void }) {
  return (
    <div class="error-box" role="alert">
      <p>{message}</p>
      {onRetry && (
        <button type="button" class="btn btn-secondary" onClick={onRetry}>
          {t('feed.retry')}
        </button>
      )}
    </div>
  );
}

/** A page title bar with a back button (phones) — pages are otherwise plain scrolling documents. */
export function PageHeader({
  title,
  fallback = '/',
  right,
}: {
  title: ComponentChildren;
  fallback?: string;
  right?: ComponentChildren;
}) {
  return (
    <header class="page-head">
      <button type="button" class="icon-btn" aria-label={t('action.back')} onClick={() => back(fallback)}>
        <IconBack />
      </button>
      <h1>{title}</h1>
      <div class="page-head-right">{right}</div>
    </header>
  );
}

export function NotFound({ text = t('error.notFound') }: { text?: string }) {
  return (
    <div class="page">
      <Empty title={text}>
        <Link class="btn btn-primary" href="/">
          {t('error.home')}
        </Link>
      </Empty>
    </div>
  );
}

/** A form's refusal, read out by screen readers as it appears; nothing when there is none. */
export function FormError({ message, testid }: { message: string | null | undefined; testid?: string }) {
  if (!message) return null;
  return (
    <p class="form-error" role="alert" data-testid={testid}>
      {message}
    </p>
  );
}

type InputAttributes = Omit<InputHTMLAttributes<HTMLInputElement>, 'id' | 'value' | 'onInput'>;

/**
 * A labelled input bound to a string, with an optional hint under it: the shape the account forms (sign-in, reset,
 * password, address, two-step, move) all had written out.
 */
export function TextField({
  id,
  label,
  value,
  onValue,
  hint,
  ...input
}: { id: string; label: string; value: string; onValue: (value: string) => void; hint?: string } & InputAttributes) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <input id={id} {...input} value={value} onInput={(e) => onValue((e.target as HTMLInputElement).value)} />
      {hint && <small>{hint}</small>}
    </div>
  );
}
