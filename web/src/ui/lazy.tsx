import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { t } from '../i18n';
import { ErrorBox, Spinner } from './misc';

/** Code-split a screen: its module loads on first use. */
export function lazy<P extends object>(load: () => Promise<ComponentType<P>>): ComponentType<P> {
  let cached: ComponentType<P> | null = null;
  let pending: Promise<ComponentType<P>> | null = null;
  return function Lazy(props: P) {
    const [C, setC] = useState<ComponentType<P> | null>(() => cached);
    const [failed, setFailed] = useState(false);
    useEffect(() => {
      if (cached) return;
      pending ??= load();
      pending.then(
        (c) => {
          cached = c;
          setC(() => c);
        },
        () => {
          pending = null;
          setFailed(true);
        },
      );
    }, []);
    if (failed) return <ErrorBox message={t('error.network')} onRetry={() => location.reload()} />;
    if (!C) return <Spinner />;
    return <C {...props} />;
  };
}
