/**
 * What the first bytes of a file say it is: a video container we know, something that is certainly not a video
 * (an image, a document, an archive, text), or unknown (left to the server, which probes every upload anyway).
 */
export type Sniffed = 'video' | 'not-video' | 'unknown';

const ascii = (b: Uint8Array, at: number, s: string) => [...s].every((c, i) => b[at + i] === c.charCodeAt(0));
const starts = (b: Uint8Array, ...sig: number[]) => sig.every((x, i) => b[i] === x);

export function sniff(b: Uint8Array): Sniffed {
  if (b.length < 12) return 'unknown';
  // ISO BMFF (MP4, MOV, 3GP, M4V): a box size, then "ftyp"; QuickTime files may open with other atoms.
  if (ascii(b, 4, 'ftyp'))
    return ascii(b, 8, 'avif') || ascii(b, 8, 'heic') || ascii(b, 8, 'mif1') ? 'not-video' : 'video';
  if (['moov', 'mdat', 'wide', 'free', 'skip'].some((atom) => ascii(b, 4, atom))) return 'video';
  if (starts(b, 0x1a, 0x45, 0xdf, 0xa3)) return 'video'; // Matroska / WebM (EBML)
  if (ascii(b, 0, 'RIFF') && ascii(b, 8, 'AVI ')) return 'video';
  if (b[0] === 0x47 && (b.length < 189 || b[188] === 0x47)) return 'video'; // MPEG transport stream
  if (starts(b, 0x00, 0x00, 0x01, 0xba) || starts(b, 0x00, 0x00, 0x01, 0xb3)) return 'video'; // MPEG program stream
  if (ascii(b, 0, 'OggS') || ascii(b, 0, 'FLV')) return 'video';
  const notVideo =
    starts(b, 0xff, 0xd8, 0xff) || // JPEG
    starts(b, 0x89, 0x50, 0x4e, 0x47) || // PNG
    ascii(b, 0, 'GIF8') ||
    (ascii(b, 0, 'RIFF') && ascii(b, 8, 'WEBP')) ||
    (ascii(b, 0, 'RIFF') && ascii(b, 8, 'WAVE')) ||
    ascii(b, 0, '%PDF') ||
    starts(b, 0x50, 0x4b, 0x03, 0x04) || // ZIP (and office documents)
    ascii(b, 0, 'ID3') || // MP3
    ascii(b, 0, 'fLaC') ||
    starts(b, 0x7f, 0x45, 0x4c, 0x46) || // ELF
    ascii(b, 0, 'MZ') ||
    isText(b);
  return notVideo ? 'not-video' : 'unknown';
}

/** Printable ASCII or UTF-8 text all the way through the sample (no container begins like that). */
function isText(b: Uint8Array): boolean {
  for (const x of b) if (x < 0x09 || (x > 0x0d && x < 0x20) || x === 0x7f) return false;
  return true;
}

/** Reads the first bytes of a picked file and sniffs them. */
export async function sniffFile(f: Blob): Promise<Sniffed> {
  try {
    return sniff(new Uint8Array(await f.slice(0, 512).arrayBuffer()));
  } catch {
    return 'unknown';
  }
}
