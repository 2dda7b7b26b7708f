import { t } from '../i18n';
import { Link } from '../router';
import { authPromptStore, authReasonText } from '../session';
import { useStore } from '../store';
import { Sheet } from './Sheet';

/** The "sign up to like, comment, follow or upload" sheet for visitors. */
export function AuthPrompt() {
  const reason = useStore(authPromptStore);
  const close = () => authPromptStore.set(null);
  const next = encodeURIComponent(location.pathname + location.search);
  return (
    <Sheet
      open={reason !== null}
      onClose={close}
      title={t('auth.prompt.title')}
      titleId="auth-prompt-title"
      class="sheet-small"
      testid="auth-prompt"
    >
      <div class="auth-prompt">
        <p class="muted">{reason ? authReasonText(reason) : ''}</p>
        <Link class="btn btn-primary btn-block" href={`/signup?next=${next}`} onClick={close}>
          {t('auth.prompt.signup')}
        </Link>
        <Link class="btn btn-secondary btn-block" href={`/login?next=${next}`} onClick={close}>
          {t('auth.prompt.login')}
        </Link>
      </div>
    </Sheet>
  );
}
