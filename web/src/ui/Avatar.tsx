import type { UserRef } from '../api';

/** A round picture, or the first letter of the name on an accent gradient when there is no picture. */
export function Avatar({
  user,
  size = 48,
  class: cls = '',
}: {
  user: Pick<UserRef, 'handle' | 'displayName' | 'avatarUrl'>;
  size?: number;
  class?: string;
}) {
  const name = user.displayName || user.handle;
  const style = { width: `${size}px`, height: `${size}px`, fontSize: `${Math.round(size * 0.42)}px` };
  if (user.avatarUrl)
    return (
      <img
        class={`avatar ${cls}`}
        // Past 50 px (100 px on a 2× screen) the 400 px picture beside the 100 px one the URL names is sharper.
        src={size > 50 ? user.avatarUrl.replace(/\/100\.webp$/, '/400.webp') : user.avatarUrl}
        alt=""
        width={size}
        height={size}
        style={style}
        loading="lazy"
        decoding="async"
      />
    );
  const initial = (Array.from(name.trim())[0] ?? '?').toUpperCase();
  let h = 0;
  for (const ch of user.handle) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  const hue = h % 360;
  return (
    <span
      class={`avatar avatar-initial ${cls}`}
      style={{ ...style, background: `linear-gradient(135deg, hsl(${hue} 70% 45%), hsl(${(hue + 50) % 360} 75% 35%))` }}
      aria-hidden="true"
    >
      {initial}
    </span>
  );
}
