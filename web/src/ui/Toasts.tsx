import { toastStore } from '../session';
import { useStore } from '../store';

export function Toasts() {
  const list = useStore(toastStore);
  return (
    <div class="toasts" role="status" aria-live="polite">
      {list.map((x) => (
        <div class="toast" key={x.id}>
          {x.text}
        </div>
      ))}
    </div>
  );
}
