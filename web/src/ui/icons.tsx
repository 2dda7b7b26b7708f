import type { JSX } from 'preact';

type P = { size?: number; class?: string; filled?: boolean };

function Svg({ size = 24, children, ...rest }: P & { children: JSX.Element | JSX.Element[] }) {
  return (
    <svg width={size} height={size} viewBox="0 0 24 24" aria-hidden="true" focusable="false" {...rest}>
      {children}
    </svg>
  );
}

const stroke = {
  fill: 'none',
  stroke: 'currentColor',
  'stroke-width': 2,
  'stroke-linecap': 'round',
  'stroke-linejoin': 'round',
} as const;

export const IconHome = ({ filled, ...p }: P) => (
  <Svg {...p}>
    <path
      d="M3 10.5 12 3l9 7.5V20a1 1 0 0 1-1 1h-5v-6H9v6H4a1 1 0 0 1-1-1z"
      {...(filled ? { fill: 'currentColor' } : stroke)}
    />
  </Svg>
);
export const IconSearch = (p: P) => (
  <Svg {...p}>
    <circle cx="11" cy="11" r="7" {...stroke} />
    <path d="m20 20-3.5-3.5" {...stroke} />
  </Svg>
);
export const IconPlus = (p: P) => (
  <Svg {...p}>
    <path d="M12 5v14M5 12h14" {...stroke} stroke-width={2.5} />
  </Svg>
);
export const IconInbox = ({ filled, ...p }: P) => (
  <Svg {...p}>
    <path d="M4 5h16v11H14l-2 3-2-3H4z" {...(filled ? { fill: 'currentColor' } : stroke)} />
  </Svg>
);
export const IconUser = ({ filled, ...p }: P) => (
  <Svg {...p}>
    <circle cx="12" cy="8" r="4" {...(filled ? { fill: 'currentColor' } : stroke)} />
    <path d="M4 21c0-4 3.6-7 8-7s8 3 8 7" {...(filled ? { fill: 'currentColor' } : stroke)} />
  </Svg>
);
export const IconHeart = ({ filled = true, ...p }: P) => (
  <Svg {...p}>
    <path
      d="M12 21s-7.5-4.6-10-9.3C.3 8.4 2.2 4 6.4 4c2.3 0 3.8 1.3 4.6 2.6h2C13.8 5.3 15.3 4 17.6 4c4.2 0 6.1 4.4 4.4 7.7C19.5 16.4 12 21 12 21z"
      {...(filled ? { fill: 'currentColor' } : stroke)}
    />
  </Svg>
);
export const IconComment = (p: P) => (
  <Svg {...p}>
    <path
      d="M12 3C6.5 3 2 6.9 2 11.7c0 2.6 1.3 4.9 3.4 6.5L4.6 22l4.4-2.3c.9.2 2 .3 3 .3 5.5 0 10-3.9 10-8.7S17.5 3 12 3z"
      fill="currentColor"
    />
    <circle cx="7.5" cy="11.7" r="1.3" fill="#161616" />
    <circle cx="12" cy="11.7" r="1.3" fill="#161616" />
    <circle cx="16.5" cy="11.7" r="1.3" fill="#161616" />
  </Svg>
);
export const IconBookmark = ({ filled = true, ...p }: P) => (
  <Svg {...p}>
    <path d="M6 3h12a1 1 0 0 1 1 1v17l-7-4.5L5 21V4a1 1 0 0 1 1-1z" {...(filled ? { fill: 'currentColor' } : stroke)} />
  </Svg>
);
export const IconShare = (p: P) => (
  <Svg {...p}>
    <path d="M13 4v4.1C6.5 9 3.6 13.3 3 20c2.2-3.4 5.3-5 10-5v4.3L21 11.7z" fill="currentColor" />
  </Svg>
);
export const IconMusic = (p: P) => (
  <Svg {...p}>
    <path d="M9 18V6l11-2v12" {...stroke} />
    <circle cx="6.5" cy="18" r="2.5" fill="currentColor" />
    <circle cx="17.5" cy="16" r="2.5" fill="currentColor" />
  </Svg>
);
export const IconPlay = (p: P) => (
  <Svg {...p}>
    <path d="M7 4.5v15a1 1 0 0 0 1.5.9l12-7.5a1 1 0 0 0 0-1.8l-12-7.5A1 1 0 0 0 7 4.5z" fill="currentColor" />
  </Svg>
);
export const IconPause = (p: P) => (
  <Svg {...p}>
    <rect x="6" y="4" width="4" height="16" rx="1" fill="currentColor" />
    <rect x="14" y="4" width="4" height="16" rx="1" fill="currentColor" />
  </Svg>
);
export const IconVolume = (p: P) => (
  <Svg {...p}>
    <path d="M4 9h4l5-4v14l-5-4H4z" fill="currentColor" />
    <path d="M16.5 8.5a5 5 0 0 1 0 7M19 6a8.5 8.5 0 0 1 0 12" {...stroke} />
  </Svg>
);
export const IconMuted = (p: P) => (
  <Svg {...p}>
    <path d="M4 9h4l5-4v14l-5-4H4z" fill="currentColor" />
    <path d="m17 9 5 6m0-6-5 6" {...stroke} />
  </Svg>
);
export const IconClose = (p: P) => (
  <Svg {...p}>
    <path d="M6 6l12 12M18 6 6 18" {...stroke} />
  </Svg>
);
export const IconBack = (p: P) => (
  <Svg {...p}>
    <path d="M15 5 8 12l7 7" {...stroke} />
  </Svg>
);
export const IconSettings = (p: P) => (
  <Svg {...p}>
    <circle cx="12" cy="12" r="3" {...stroke} />
    <path
      d="M19.4 15a1.7 1.7 0 0 0 .3 1.8l.1.1a2 2 0 1 1-2.8 2.8l-.1-.1a1.7 1.7 0 0 0-1.8-.3 1.7 1.7 0 0 0-1 1.5V21a2 2 0 1 1-4 0v-.1a1.7 1.7 0 0 0-1.1-1.5 1.7 1.7 0 0 0-1.8.3l-.1.1a2 2 0 1 1-2.8-2.8l.1-.1a1.7 1.7 0 0 0 .3-1.8 1.7 1.7 0 0 0-1.5-1H3a2 2 0 1 1 0-4h.1a1.7 1.7 0 0 0 1.5-1.1 1.7 1.7 0 0 0-.3-1.8l-.1-.1a2 2 0 1 1 2.8-2.8l.1.1a1.7 1.7 0 0 0 1.8.3H9a1.7 1.7 0 0 0 1-1.5V3a2 2 0 1 1 4 0v.1a1.7 1.7 0 0 0 1 1.5 1.7 1.7 0 0 0 1.8-.3l.1-.1a2 2 0 1 1 2.8 2.8l-.1.1a1.7 1.7 0 0 0-.3 1.8V9a1.7 1.7 0 0 0 1.5 1H21a2 2 0 1 1 0 4h-.1a1.7 1.7 0 0 0-1.5 1z"
      {...stroke}
    />
  </Svg>
);
export const IconLock = (p: P) => (
  <Svg {...p}>
    <rect x="5" y="11" width="14" height="10" rx="2" {...stroke} />
    <path d="M8 11V7a4 4 0 0 1 8 0v4" {...stroke} />
  </Svg>
);
export const IconCheck = (p: P) => (
  <Svg {...p}>
    <path d="m5 12 5 5 9-10" {...stroke} />
  </Svg>
);
export const IconTrash = (p: P) => (
  <Svg {...p}>
    <path d="M4 7h16M10 11v6M14 11v6M6 7l1 13h10l1-13M9 7V4h6v3" {...stroke} />
  </Svg>
);
export const IconHash = (p: P) => (
  <Svg {...p}>
    <path d="M5 9h14M4 15h14M10 4 8 20M16 4l-2 16" {...stroke} />
  </Svg>
);
export const IconUpload = (p: P) => (
  <Svg {...p}>
    <path d="M12 16V4m0 0L7 9m5-5 5 5M4 17v2a1 1 0 0 0 1 1h14a1 1 0 0 0 1-1v-2" {...stroke} />
  </Svg>
);
export const IconGlobe = (p: P) => (
  <Svg {...p}>
    <circle cx="12" cy="12" r="9" {...stroke} />
    <path d="M3 12h18M12 3c2.5 2.7 3.8 5.7 3.8 9S14.5 18.3 12 21c-2.5-2.7-3.8-5.7-3.8-9S9.5 5.7 12 3z" {...stroke} />
  </Svg>
);
export const IconGrid = (p: P) => (
  <Svg {...p}>
    <path d="M4 4h6v6H4zM14 4h6v6h-6zM4 14h6v6H4zM14 14h6v6h-6z" {...stroke} />
  </Svg>
);
export const IconMore = (p: P) => (
  <Svg {...p}>
    <circle cx="5" cy="12" r="2" fill="currentColor" />
    <circle cx="12" cy="12" r="2" fill="currentColor" />
    <circle cx="19" cy="12" r="2" fill="currentColor" />
  </Svg>
);
export const IconShield = (p: P) => (
  <Svg {...p}>
    <path d="M12 3 4.5 6v5.5c0 4.6 3.1 8.3 7.5 9.5 4.4-1.2 7.5-4.9 7.5-9.5V6z" {...stroke} />
  </Svg>
);
export const IconFlag = (p: P) => (
  <Svg {...p}>
    <path d="M5 21V4m0 0h11l-2 4 2 4H5" {...stroke} />
  </Svg>
);
