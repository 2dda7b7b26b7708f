import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { Page } from '../api';

/** Load a keyset-paginated list; `more()` follows the cursor. Reloads when `key` changes. */
export function usePaged<T, P extends Page<T> = Page<T>>(
  load: ((cursor: string | null) => Promise<P>) | null,
  key: string,
) {
  const [items, setItems] = useState<T[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [first, setFirst] = useState<P | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const gen = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  const run = useCallback((c: string | null, append: boolean) => {
    const l = loadRef.current;
    if (!l) return;
    const g = ++gen.current;
    setLoading(true);
    setError(null);
    l(c).then(
      (page) => {
        if (g !== gen.current) return;
        if (!append) setFirst(page);
        setItems((prev) => (append ? [...prev, ...page.items] : page.items));
        setCursor(page.cursor);
        setLoading(false);
      },
      (e) => {
        if (g !== gen.current) return;
        setError(e);
        setLoading(false);
      },
    );
  }, []);

  useEffect(() => {
    setItems([]);
    setCursor(null);
    setFirst(null);
    if (loadRef.current) run(null, false);
    else setLoading(false);
  }, [key]);

  return {
    items,
    setItems,
    cursor,
    first,
    loading,
    error,
    more: () => cursor && !loading && run(cursor, true),
    reload: () => run(null, false),
  };
}
