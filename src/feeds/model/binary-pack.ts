/**
 * A small container format for model snapshots: a JSON header plus raw typed-array sections,
 * so multi-million-edge graphs persist without a JSON number per edge.
 * Layout: "RFYM" | u32 header bytes | header JSON | pad to 8 | sections (8-byte aligned).
 */
const MAGIC = 'RFYM';

type Section = Float64Array | Float32Array | Int32Array;
const KINDS = { f64: Float64Array, f32: Float32Array, i32: Int32Array } as const;
type Kind = keyof typeof KINDS;

function kindOf(a: Section): Kind {
  return a instanceof Float64Array ? 'f64' : a instanceof Float32Array ? 'f32' : 'i32';
}

export function packSnapshot(header: unknown, sections: Record<string, Section>): Buffer {
  const layout: { name: string; kind: Kind; offset: number; length: number }[] = [];
  let offset = 0;
  for (const [name, a] of Object.entries(sections)) {
    layout.push({ name, kind: kindOf(a), offset, length: a.length });
    offset += Math.ceil(a.byteLength / 8) * 8;
  }
  const json = Buffer.from(JSON.stringify({ header, layout }), 'utf8');
  const start = Math.ceil((8 + json.length) / 8) * 8;
  const out = Buffer.alloc(start + offset);
  out.write(MAGIC, 0, 'latin1');
  out.writeUInt32LE(json.length, 4);
  json.copy(out, 8);
  for (const { name, offset: at } of layout) {
    const a = sections[name]!;
    Buffer.from(a.buffer, a.byteOffset, a.byteLength).copy(out, start + at);
  }
  return out;
}

export function unpackSnapshot(buf: Buffer): { header: unknown; sections: Map<string, Section> } {
  if (buf.length < 8 || buf.toString('latin1', 0, 4) !== MAGIC) throw new Error('not a For You model snapshot');
  const jsonLength = buf.readUInt32LE(4);
  if (8 + jsonLength > buf.length) throw new Error('truncated model snapshot');
  const { header, layout } = JSON.parse(buf.toString('utf8', 8, 8 + jsonLength)) as {
    header: unknown;
    layout: { name: string; kind: Kind; offset: number; length: number }[];
  };
  const start = Math.ceil((8 + jsonLength) / 8) * 8;
  const sections = new Map<string, Section>();
  for (const { name, kind, offset, length } of layout) {
    const Ctor = KINDS[kind];
    const bytes = length * Ctor.BYTES_PER_ELEMENT;
    if (start + offset + bytes > buf.length) throw new Error('truncated model snapshot');
    // Copy into a fresh aligned buffer: Node may hand us a Buffer at an unaligned pool offset.
    const copy = new Uint8Array(bytes);
    copy.set(buf.subarray(start + offset, start + offset + bytes));
    sections.set(name, new Ctor(copy.buffer));
  }
  return { header, sections };
}
