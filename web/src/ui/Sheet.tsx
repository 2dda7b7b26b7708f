import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { t } from '../i18n';
import { IconClose } from './icons';

/**
 * A bottom sheet on phones, a centered panel on wide screens. Built on <dialog>.showModal(), which gives focus
 * trapping, Escape to close and an inert page behind it for free.
 */
export function Sheet({
  open,
  onClose,
  title,
  children,
  class: cls = '',
  testid,
  titleId,
}: {
  open: boolean;
  onClose: () => void;
  title?: ComponentChildren;
  children: ComponentChildren;
  class?: string;
  testid?: string;
  titleId?: string;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const closeRef = useRef(onClose);
  closeRef.current = onClose;
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) {
      const prev = document.activeElement as HTMLElement | null;
      d.showModal();
      return () => {
        if (d.open) d.close();
        prev?.focus?.({ preventScroll: true });
      };
    }
    if (!open && d.open) d.close();
    return undefined;
  }, [open]);
  const id = titleId ?? 'sheet-title';
  return (
    <dialog
      ref={ref}
      class={`sheet ${cls}`}
      aria-labelledby={title ? id : undefined}
      data-testid={testid}
      onCancel={(e) => {
        e.preventDefault();
        closeRef.current();
      }}
      onClick={(e) => {
        // A click on the backdrop lands on the dialog element itself.
        if (e.target === ref.current) closeRef.current();
      }}
    >
      {open && (
        <div class="sheet-body">
          {title !== undefined && (
            <header class="sheet-head">
              <h2 id={id}>{title}</h2>
              <button type="button" class="icon-btn" aria-label={t('action.close')} onClick={() => closeRef.current()}>
                <IconClose size={22} />
              </button>
            </header>
          )}
          {children}
        </div>
      )}
    </dialog>
  );
}
