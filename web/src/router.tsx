import type { ComponentChildren, JSX } from 'preact';
import { createStore, useStore } from './store';

/** A small history-API router: the location as a store, `navigate`, and `<Link>`. */
export interface Loc {
  path: string;
  query: URLSearchParams;
  /** Bumps on every navigation, so screens can tell a fresh visit from a re-render. */
  key: number;
}

let counter = 0;
const read = (): Loc => ({
  path: decodeURI(location.pathname),
  query: new URLSearchParams(location.search),
  key: ++counter,
});

export const locStore = createStore<Loc>(read());

addEventListener('popstate', () => locStore.set(read()));

export function navigate(to: string, opts: { replace?: boolean; state?: unknown } = {}): void {
  const cur = location.pathname + location.search;
  if (to === cur && !opts.replace) return;
  if (opts.replace) history.replaceState(opts.state ?? null, '', to);
  else history.pushState(opts.state ?? null, '', to);
  locStore.set(read());
  if (!opts.replace) window.scrollTo(0, 0);
}

/**
 * Points the address bar at what is on screen without changing screens (a watch page swiping through a grid):
 * the location store keeps the screen's own path, so the screen is not mounted again.
 */
export function showInAddressBar(to: string): void {
  if (location.pathname + location.search !== to) history.replaceState(history.state, '', to);
}

export function back(fallback = '/'): void {
  if (history.state && (history.state as { fromApp?: boolean }).fromApp) history.back();
  else if (history.length > 1 && document.referrer.startsWith(location.origin)) history.back();
  else navigate(fallback, { replace: true });
}

export const useLocation = (): Loc => useStore(locStore);

/** Match `/@:handle`-style patterns; returns params or null. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const names: string[] = [];
  const re = new RegExp(
    '^' +
      pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:(\w+)/g, (_, n: string) => {
        names.push(n);
        return '([^/]+)';
      }) +
      '/?$',
  );
  const m = re.exec(path);
  if (!m) return null;
  const out: Record<string, string> = {};
  names.forEach((n, i) => (out[n] = m[i + 1] ?? ''));
  return out;
}

type LinkProps = JSX.HTMLAttributes<HTMLAnchorElement> & {
  href: string;
  replace?: boolean;
  children?: ComponentChildren;
};

export function Link({ href, replace, onClick, ...rest }: LinkProps) {
  return (
    <a
      href={href}
      onClick={(e) => {
        if (onClick) (onClick as (e: MouseEvent) => void)(e as unknown as MouseEvent);
        if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
        e.preventDefault();
        e.stopPropagation();
        navigate(href, { replace, state: { fromApp: true } });
      }}
      {...rest}
    />
  );
}
