import { Link } from '../router';

const TOKEN = /([#@][\p{L}\p{N}_]+(?:\.[\p{L}\p{N}_]+)*)/u;

/** Caption or comment text with #hashtags linked to /tag/x and @mentions linked to /@handle. */
export function RichText({ text }: { text: string }) {
  const parts = text.split(new RegExp(TOKEN.source, 'gu'));
  return (
    <>
      {parts.map((p, i) => {
        if (i % 2 === 0) return p;
        const name = p.slice(1);
        if (p[0] === '#')
          return (
            <Link key={i} class="tag-link" href={`/tag/${encodeURIComponent(name.toLowerCase())}`}>
              {p}
            </Link>
          );
        return (
          <Link key={i} class="mention-link" href={`/@${encodeURIComponent(name)}`}>
            {p}
          </Link>
        );
      })}
    </>
  );
}
