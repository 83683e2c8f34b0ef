// Decodes the binary COPY of a dataset's series query - rows of (timestamptz, close float8, then
// one float8 per feature, NULL-able) - into column batches, as the bytes arrive. The chunks are
// gathered to about BATCH_BYTES first, so a batch holds a few thousand rows whatever PostgreSQL's
// message sizes, and no more: 4 MB batches raised the export's peak memory by half again.
import { headerLength, PG_EPOCH_MS } from '../market-data/binary-copy';
import type { SeriesColumns } from './pipeline';

const BATCH_BYTES = 1 << 20;

/** Decodes the whole rows of buf[start..]; `end` is where the first incomplete row starts. */
function decodeRows(buf: Buffer, start: number, featureCount: number): { columns: SeriesColumns; end: number; finished: boolean } {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const fields = 2 + featureCount;
  // The smallest row: field count, timestamp and close (4 + 8 each), every feature NULL (4).
  const minRow = 2 + 24 + 4 * featureCount;
  const capacity = Math.floor((buf.length - start) / minRow);
  const timestamp = new Float64Array(capacity);
  const close = new Float64Array(capacity);
  const features = Array.from({ length: featureCount }, () => new Float64Array(capacity));
  let n = 0;
  let pos = start;
  let finished = false;
  rows: while (pos + 2 <= buf.length) {
    const count = view.getInt16(pos);
    if (count === -1) {
      pos += 2;
      finished = true;
      break;
    }
    if (count !== fields) throw new Error(`unexpected field count ${count} in dataset COPY`);
    if (pos + minRow > buf.length) break;
    let p = pos + 2;
    const ms = PG_EPOCH_MS + (view.getInt32(p + 4) * 4294967296 + view.getUint32(p + 8)) / 1000;
    const price = view.getFloat64(p + 16);
    p += 24;
    for (let k = 0; k < featureCount; k++) {
      if (p + 4 > buf.length) break rows;
      if (view.getInt32(p) === -1) {
        features[k]![n] = Number.NaN;
        p += 4;
      } else {
        if (p + 12 > buf.length) break rows;
        features[k]![n] = view.getFloat64(p + 4);
        p += 12;
      }
    }
    timestamp[n] = ms;
    close[n] = price;
    n++;
    pos = p;
  }
  const cut = (a: Float64Array) => a.subarray(0, n);
  return { columns: { length: n, timestamp: cut(timestamp), close: cut(close), features: features.map(cut) }, end: pos, finished };
}

/** Column batches of a series query's binary COPY output (see the file comment). */
export async function* decodeSeriesCopy(chunks: AsyncIterable<Buffer>, featureCount: number): AsyncGenerator<SeriesColumns> {
  let gathered: Buffer[] = [];
  let size = 0;
  let header: number | null = null;
  let finished = false;
  const decode = function* (): Generator<SeriesColumns> {
    const buf = gathered.length === 1 ? gathered[0]! : Buffer.concat(gathered, size);
    let start = 0;
    if (header === null) {
      header = headerLength(buf);
      if (header === null) return; // keep gathering
      start = header;
    }
    const rows = decodeRows(buf, start, featureCount);
    finished ||= rows.finished;
    const rest = buf.subarray(rows.end);
    gathered = rest.length > 0 ? [rest] : [];
    size = rest.length;
    if (rows.columns.length > 0) yield rows.columns;
  };
  for await (const chunk of chunks) {
    gathered.push(chunk);
    size += chunk.length;
    if (size >= BATCH_BYTES) yield* decode();
  }
  if (size > 0) yield* decode();
  if (header !== null && !finished) throw new Error('dataset COPY output ended early (inside a row, or before its trailer)');
}
