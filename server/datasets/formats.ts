// The export formats, each an encoder from row batches to bytes that holds no more than the batch
// in hand: Arrow IPC stream (apache-arrow: one record batch per row batch), Parquet
// (hyparquet-writer: one row group per row batch, flushed as it is written, the footer last), CSV
// and JSON Lines. Columns, in this order: ticker, timestamp, the features, label, split.
//
// Types: ticker, split and a direction label are strings (Arrow: dictionary-encoded, which pandas
// reads as categoricals); timestamp is UTC milliseconds (Arrow timestamp[ms, UTC], Parquet
// TIMESTAMP(MILLIS, UTC), ISO-8601 in CSV and JSON Lines); features and a return label are
// doubles, NULL where there is no value (empty in CSV, null in JSON Lines). Numbers in text formats
// are JavaScript's shortest round-trip form, so every format reads back to the same doubles.
import { AsyncByteQueue, Dictionary, Field, Float64, Int8, Int32, makeData, RecordBatch, RecordBatchStreamWriter, Schema, Struct, TimestampMillisecond, Utf8, vectorFromArray, type Data, type DataType } from 'apache-arrow';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import type { FeatureKey } from '../features/schema';
import type { RowBatch } from './pipeline';
import { DIRECTIONS, SPLITS, type ExportFormat, type LabelKind } from './schema';

/** What a file's columns depend on. */
export interface DatasetLayout {
  tickers: readonly string[];
  features: readonly FeatureKey[];
  label: LabelKind;
}

export function columnNames(layout: Pick<DatasetLayout, 'features'>): string[] {
  return ['ticker', 'timestamp', ...layout.features, 'label', 'split'];
}

type Encoder = (layout: DatasetLayout, batches: AsyncIterable<RowBatch>) => AsyncGenerator<Uint8Array>;

// ---- text ------------------------------------------------------------------------------------

const textValue = (v: number) => (v === v ? String(v) : '');
const jsonValue = (v: number) => (v === v ? String(v) : 'null');

/** A CSV field needs quotes only if it holds a comma, quote or line break; ours never do but names could. */
const csvField = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);

async function* csv(layout: DatasetLayout, batches: AsyncIterable<RowBatch>): AsyncGenerator<Uint8Array> {
  yield Buffer.from(`${columnNames(layout).map(csvField).join(',')}\n`);
  for await (const batch of batches) {
    const labels = labelText(layout, batch, textValue);
    let out = '';
    for (let r = 0; r < batch.length; r++) {
      out += `${batch.ticker},${new Date(batch.timestamp[r]!).toISOString()}`;
      for (const column of batch.features) out += `,${textValue(column[r]!)}`;
      out += `,${labels[r]},${SPLITS[batch.split[r]!]}\n`;
    }
    yield Buffer.from(out);
  }
}

async function* jsonLines(layout: DatasetLayout, batches: AsyncIterable<RowBatch>): AsyncGenerator<Uint8Array> {
  const keys = layout.features.map((name) => `,${JSON.stringify(name)}:`);
  for await (const batch of batches) {
    const labels = labelText(layout, batch, jsonValue).map((l) => (layout.label === 'direction' ? `"${l}"` : l));
    const ticker = JSON.stringify(batch.ticker);
    let out = '';
    for (let r = 0; r < batch.length; r++) {
      out += `{"ticker":${ticker},"timestamp":"${new Date(batch.timestamp[r]!).toISOString()}"`;
      batch.features.forEach((column, k) => (out += keys[k]! + jsonValue(column[r]!)));
      out += `,"label":${labels[r]},"split":"${SPLITS[batch.split[r]!]}"}\n`;
    }
    yield Buffer.from(out);
  }
}

function labelText(layout: DatasetLayout, batch: RowBatch, number: (v: number) => string): string[] {
  return layout.label === 'direction' ? Array.from(batch.direction, (d) => DIRECTIONS[d]!) : Array.from(batch.forwardReturn, number);
}

// ---- Arrow -------------------------------------------------------------------------------------

/** Collects what the Arrow writer emits, so each record batch's bytes can be handed on at once. */
class ChunkSink extends AsyncByteQueue {
  private chunks: Uint8Array[] = [];

  override write(value: Uint8Array): void {
    if (value.byteLength > 0) this.chunks.push(value);
  }

  take(): Uint8Array[] {
    const taken = this.chunks;
    this.chunks = [];
    return taken;
  }
}

/** Validity bitmap of a double column (NaN = NULL), or null when nothing is NULL. */
function validity(values: Float64Array): { bitmap: Uint8Array | undefined; nullCount: number } {
  let nullCount = 0;
  for (let i = 0; i < values.length; i++) if (values[i] !== values[i]) nullCount++;
  if (nullCount === 0) return { bitmap: undefined, nullCount };
  const bitmap = new Uint8Array((values.length + 7) >> 3);
  for (let i = 0; i < values.length; i++) if (values[i] === values[i]) bitmap[i >> 3]! |= 1 << (i & 7);
  return { bitmap, nullCount };
}

function doubles(values: Float64Array): Data<Float64> {
  const { bitmap, nullCount } = validity(values);
  return makeData({ type: new Float64(), length: values.length, nullCount, data: values, nullBitmap: bitmap });
}

/** Unix ms as int64, written as two 32-bit halves (no BigInt per row). */
function timestamps(type: TimestampMillisecond, ms: Float64Array): Data<TimestampMillisecond> {
  const halves = new Int32Array(ms.length * 2);
  for (let i = 0; i < ms.length; i++) {
    const high = Math.floor(ms[i]! / 4294967296);
    halves[2 * i] = ms[i]! - high * 4294967296;
    halves[2 * i + 1] = high;
  }
  return makeData({ type, length: ms.length, nullCount: 0, data: new BigInt64Array(halves.buffer) });
}

async function* arrow(layout: DatasetLayout, batches: AsyncIterable<RowBatch>): AsyncGenerator<Uint8Array> {
  const tickerType = new Dictionary(new Utf8(), new Int32(), 0);
  const tickerValues = vectorFromArray([...layout.tickers], new Utf8());
  const splitType = new Dictionary(new Utf8(), new Int8(), 1);
  const splitValues = vectorFromArray([...SPLITS], new Utf8());
  const directionType = new Dictionary(new Utf8(), new Int8(), 2);
  const directionValues = vectorFromArray([...DIRECTIONS], new Utf8());
  const timestampType = new TimestampMillisecond('UTC');
  const labelType: DataType = layout.label === 'direction' ? directionType : new Float64();
  const schema = new Schema([
    new Field('ticker', tickerType, false),
    new Field('timestamp', timestampType, false),
    ...layout.features.map((name) => new Field(name, new Float64(), true)),
    new Field('label', labelType, false),
    new Field('split', splitType, false),
  ]);
  const sink = new ChunkSink();
  const writer = new RecordBatchStreamWriter();
  writer.reset(sink, schema);
  yield* sink.take();
  for await (const batch of batches) {
    const { length } = batch;
    if (length === 0) continue;
    const tickerIndex = layout.tickers.indexOf(batch.ticker);
    const children: Data[] = [
      makeData({ type: tickerType, length, nullCount: 0, data: new Int32Array(length).fill(tickerIndex), dictionary: tickerValues }),
      timestamps(timestampType, batch.timestamp),
      ...batch.features.map(doubles),
      layout.label === 'direction'
        ? makeData({ type: directionType, length, nullCount: 0, data: new Int8Array(batch.direction.buffer, batch.direction.byteOffset, length), dictionary: directionValues })
        : doubles(batch.forwardReturn),
      makeData({ type: splitType, length, nullCount: 0, data: new Int8Array(batch.split.buffer, batch.split.byteOffset, length), dictionary: splitValues }),
    ];
    writer.write(new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length, nullCount: 0, children })));
    yield* sink.take();
  }
  writer.finish();
  yield* sink.take();
}

// ---- Parquet -----------------------------------------------------------------------------------

/** hyparquet-writer's byte writer, emptied after every row group: the file leaves in pieces. */
class FlushingWriter extends ByteWriter {
  private chunks: Uint8Array[] = [];

  flush(): void {
    this.chunks.push(new Uint8Array(this.buffer.slice(0, this.index)));
    this.index = 0;
  }

  take(): Uint8Array[] {
    if (this.index > 0) this.flush();
    const taken = this.chunks;
    this.chunks = [];
    return taken;
  }
}

async function* parquet(layout: DatasetLayout, batches: AsyncIterable<RowBatch>): AsyncGenerator<Uint8Array> {
  const text = { type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' } as const;
  const double = (name: string, nullable: boolean) => ({ name, type: 'DOUBLE', repetition_type: nullable ? 'OPTIONAL' : 'REQUIRED' }) as const;
  const schema = [
    { name: 'root', num_children: layout.features.length + 4 },
    { name: 'ticker', ...text },
    {
      name: 'timestamp',
      type: 'INT64',
      repetition_type: 'REQUIRED',
      converted_type: 'TIMESTAMP_MILLIS',
      logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MILLIS' },
    },
    ...layout.features.map((name) => double(name, true)),
    layout.label === 'direction' ? { name: 'label', ...text } : double('label', false),
    { name: 'split', ...text },
  ] as const;
  const out = new FlushingWriter();
  const writer = new ParquetWriter({ writer: out, schema: [...schema], createdBy: 'quantbase' });
  yield* out.take();
  for await (const batch of batches) {
    const { length } = batch;
    if (length === 0) continue;
    const columnData = [
      { name: 'ticker', data: new Array<string>(length).fill(batch.ticker) },
      { name: 'timestamp', data: Array.from(batch.timestamp) },
      ...batch.features.map((column, k) => ({ name: layout.features[k]!, data: Array.from(column, (v) => (v === v ? v : null)) })),
      { name: 'label', data: layout.label === 'direction' ? Array.from(batch.direction, (d) => DIRECTIONS[d]!) : batch.forwardReturn },
      { name: 'split', data: Array.from(batch.split, (s) => SPLITS[s]!) },
    ];
    await writer.write({ columnData, rowGroupSize: length });
    yield* out.take();
  }
  await writer.finish();
  yield* out.take();
}

export const FORMATS: Readonly<Record<ExportFormat, { contentType: string; extension: string; encode: Encoder }>> = {
  arrow: { contentType: 'application/vnd.apache.arrow.stream', extension: 'arrows', encode: arrow },
  parquet: { contentType: 'application/vnd.apache.parquet', extension: 'parquet', encode: parquet },
  csv: { contentType: 'text/csv; charset=utf-8', extension: 'csv', encode: csv },
  jsonl: { contentType: 'application/x-ndjson; charset=utf-8', extension: 'jsonl', encode: jsonLines },
};
