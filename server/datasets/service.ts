// Training-dataset use cases: run a definition through the pipeline (series after series, in ticker
// order), export it in a format as a stream, preview its first rows with every row counted, save it
// as a version (definition, counts, content hash) and list versions with the models trained on them.
import crypto from 'node:crypto';
import type { ModelRepository } from '../models/repository';
import { DomainError } from '../shared/domain-error';
import { toIso } from '../shared/time';
import { columnNames, FORMATS, type DatasetLayout } from './formats';
import { GapDetector } from './horizon-gaps';
import { DatasetCounter, SeriesLabeller, type RowBatch } from './pipeline';
import type { DatasetRecord, DatasetRepository, DatasetRowRepository } from './repository';
import { DIRECTIONS, SPLITS, type DatasetCounts, type DatasetDefinition, type DatasetDetail, type DatasetRow, type DefinitionRow, type ExportFormat } from './schema';

export interface DatasetExport {
  contentType: string;
  /** A file name for Content-Disposition: the tickers, timeframe and range. */
  filename: string;
  chunks: AsyncGenerator<Uint8Array>;
  /** Filled in while `chunks` runs; complete once it is done. */
  counter: DatasetCounter;
  /** Ends the series query early (a client gone mid-file); harmless after the last chunk. */
  close(): Promise<void>;
}

function definitionRow(definition: DatasetDefinition): DefinitionRow {
  return { ...definition, from: toIso(definition.from), to: toIso(definition.to), split: [toIso(definition.split[0]), toIso(definition.split[1])] };
}

/** The query string of GET /api/datasets/export for a definition (format left to the caller). */
function exportQuery(row: DefinitionRow): string {
  return new URLSearchParams({
    ticker: row.ticker.join(','),
    timeframe: row.timeframe,
    from: row.from,
    to: row.to,
    features: row.features.join(','),
    label: row.label,
    horizon: String(row.horizon),
    neutralBand: String(row.neutralBand),
    split: row.split.join(','),
  }).toString();
}

const layoutOf = (definition: DatasetDefinition): DatasetLayout => ({ tickers: definition.ticker, features: definition.features, label: definition.label });

function toDatasetRow(record: DatasetRecord): DatasetRow {
  const definition = record.definition as DefinitionRow;
  return {
    id: record.id,
    name: record.name,
    version: record.version,
    definition,
    counts: record.counts as DatasetCounts,
    contentHash: record.contentHash,
    exportQuery: exportQuery(definition),
    createdAt: toIso(record.createdAt),
  };
}

export class DatasetService {
  constructor(
    private readonly rowsRepository: DatasetRowRepository,
    readonly repository: DatasetRepository,
    private readonly models: Pick<ModelRepository, 'listByDataset'>,
  ) {}

  /** The dataset's rows, series after series, in batches; `counter` counts what is kept and what is left out. */
  async *rows(definition: DatasetDefinition, counter: DatasetCounter): AsyncGenerator<RowBatch> {
    const gaps = new GapDetector(definition.timeframe);
    for (const ticker of definition.ticker) {
      const labeller = new SeriesLabeller(ticker, definition, counter, gaps);
      for await (const columns of this.rowsRepository.streamSeries(ticker, definition)) {
        const batch = labeller.push(columns);
        if (batch.length > 0) yield batch;
      }
      labeller.finish();
    }
  }

  /**
   * The dataset as a file, streamed. The first series query has run when this resolves, so a
   * database error surfaces here, before anything was sent, rather than cutting a file short.
   */
  async export(definition: DatasetDefinition, format: ExportFormat): Promise<DatasetExport> {
    const counter = new DatasetCounter();
    const rows = this.rows(definition, counter);
    const first = await rows.next();
    async function* started(): AsyncGenerator<RowBatch> {
      if (first.done) return;
      yield first.value;
      yield* rows;
    }
    const { contentType, extension, encode } = FORMATS[format];
    const day = (d: Date) => d.toISOString().slice(0, 10);
    const filename = `${definition.ticker.join('-')}_${definition.timeframe}_${day(definition.from)}_${day(definition.to)}.${extension}`;
    const chunks = encode(layoutOf(definition), started());
    const close = async () => {
      await chunks.return(undefined);
      await rows.return(undefined); // when `chunks` never started, `rows` still holds its COPY
    };
    return { contentType, filename, chunks, counter, close };
  }

  /** Bars in range over all tickers, to show progress against. */
  countBars(definition: DatasetDefinition): Promise<number> {
    return this.rowsRepository.countBars(definition);
  }

  /** The first `limit` rows as objects, and every row counted. */
  async preview(definition: DatasetDefinition, limit: number) {
    const counter = new DatasetCounter();
    const rows: Record<string, string | number | null>[] = [];
    const value = (v: number) => (v === v ? v : null);
    for await (const batch of this.rows(definition, counter)) {
      for (let r = 0; r < batch.length && rows.length < limit; r++) {
        const row: Record<string, string | number | null> = { ticker: batch.ticker, timestamp: new Date(batch.timestamp[r]!).toISOString() };
        definition.features.forEach((name, k) => (row[name] = value(batch.features[k]![r]!)));
        row.label = definition.label === 'direction' ? DIRECTIONS[batch.direction[r]!]! : batch.forwardReturn[r]!;
        row.split = SPLITS[batch.split[r]!]!;
        rows.push(row);
      }
    }
    const row = definitionRow(definition);
    return { definition: row, columns: columnNames(definition), rows, counts: counter.result(), exportQuery: exportQuery(row) };
  }

  /**
   * Runs the definition and hashes its rows: sha256 of the CSV export, a canonical encoding (fixed
   * column order, ISO times, shortest round-trip numbers), so unchanged data gives the same hash
   * whichever format it is later exported in, and `sha256sum` of a CSV export checks it.
   */
  async manifest(definition: DatasetDefinition): Promise<{ counts: DatasetCounts; contentHash: string }> {
    const { chunks, counter, close } = await this.export(definition, 'csv');
    const hash = crypto.createHash('sha256');
    try {
      for await (const chunk of chunks) hash.update(chunk);
    } finally {
      await close();
    }
    return { counts: counter.result(), contentHash: hash.digest('hex') };
  }

  /** Saves the definition as the next version of `name`; a retry with unchanged data returns the stored version. */
  async save(name: string, definition: DatasetDefinition): Promise<{ dataset: DatasetRow; created: boolean }> {
    const { counts, contentHash } = await this.manifest(definition);
    const { dataset, created } = await this.repository.saveVersion({
      name,
      timeframe: definition.timeframe,
      tickers: definition.ticker,
      fromDate: definition.from,
      toDate: definition.to,
      definition: definitionRow(definition),
      trainRows: counts.rows.train,
      validationRows: counts.rows.validation,
      testRows: counts.rows.test,
      counts,
      contentHash,
    });
    return { dataset: toDatasetRow(dataset), created };
  }

  async list(filter: { name?: string }): Promise<DatasetRow[]> {
    return (await this.repository.list(filter)).map(toDatasetRow);
  }

  async get(id: string): Promise<DatasetDetail> {
    const [record, models] = await Promise.all([this.repository.findById(id), this.models.listByDataset(id)]);
    if (!record) throw DomainError.notFound(`Dataset ${id} does not exist`);
    return {
      ...toDatasetRow(record),
      models: models.map((m) => ({ id: m.id, name: m.name, version: m.version, algorithm: m.algorithm, createdAt: toIso(m.createdAt) })),
    };
  }
}
