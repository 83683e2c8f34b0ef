// Parsers for the reference bar files vendored in tooling/reference/data (see data/SOURCES.md and
// data/spy/README.md). Used by the gap-validation tests and by the fake Polygon server (which serves
// these bars offline).
//
// Formats handled
// - Minute bars with naive US/Eastern timestamps, bar START, header `date,Open,High,Low,Close,Volume`
//   (SPY_1min_2025-07-01_to_2025-07-07_ET.csv; volume printed as a float like `6873.0`).
// - Daily bars with date only, header `Date,Open,High,Low,Close,Volume` (Stooq export). A daily bar
//   belongs to its exchange session date and is stamped at midnight America/New_York, as Polygon does.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Bar } from '../../server/market-data/schema';
import { nyMidnightUtcMs, nyWallTimeToUtcMs } from '../../server/ingestion/calendar';

export type { Bar };

/** Folder of the reference data: the vendored copy beside this file, unless QUANTBASE_REFERENCE_DIR names another. */
export const DEFAULT_REFERENCE_DIR = process.env.QUANTBASE_REFERENCE_DIR ?? path.resolve(import.meta.dirname, 'data');

const SPY_MINUTE_FILE = 'spy/SPY_1min_2025-07-01_to_2025-07-07_ET.csv';
const SPY_DAILY_FILE = 'spy/SPY_daily_2023-01-03_to_2026-02-09_stooq.csv';

/** Minimal RFC 4180 CSV reader: header row -> objects. Handles quotes, CRLF and a trailing newline. */
export function parseCsv(text: string): Record<string, string>[] {
  const rows = parseCsvRows(text);
  const header = rows.shift();
  if (!header) return [];
  return rows
    .filter((r) => r.length > 1 || (r[0] ?? '') !== '')
    .map((r) => {
      const obj: Record<string, string> = {};
      header.forEach((h, i) => {
        obj[h.trim()] = r[i] ?? '';
      });
      return obj;
    });
}

function parseCsvRows(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  for (let i = 0; i < src.length; i++) {
    const ch = src[i];
    if (quoted) {
      if (ch === '"') {
        if (src[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && src[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

function num(value: string | undefined, what: string, line: number): number {
  const n = Number(value);
  if (value === undefined || value.trim() === '' || !Number.isFinite(n)) {
    throw new Error(`Line ${line}: invalid ${what} "${value ?? ''}"`);
  }
  return n;
}

function pick(row: Record<string, string>, ...names: string[]): string | undefined {
  for (const n of names) {
    for (const key of Object.keys(row)) if (key.toLowerCase() === n) return row[key];
  }
  return undefined;
}

interface ParseOptions {
  ticker?: string;
}

/**
 * Minute bars whose first column is a naive New York wall-clock time ('YYYY-MM-DD HH:MM[:SS]',
 * bar start). Returns bars sorted as in the file.
 */
function parseEasternMinuteCsv(text: string, options: ParseOptions = {}): Bar[] {
  const ticker = options.ticker ?? 'SPY';
  return parseCsv(text).map((row, i) => {
    const line = i + 2;
    const when = (pick(row, 'date', 'datetime', 'timestamp', 'time') ?? '').trim();
    const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2})?)$/.exec(when);
    if (!m) throw new Error(`Line ${line}: invalid timestamp "${when}"`);
    return {
      ticker,
      timeframe: '1m' as const,
      timestamp: new Date(nyWallTimeToUtcMs(m[1] ?? '', m[2] ?? '')),
      open: num(pick(row, 'open'), 'open', line),
      high: num(pick(row, 'high'), 'high', line),
      low: num(pick(row, 'low'), 'low', line),
      close: num(pick(row, 'close'), 'close', line),
      volume: num(pick(row, 'volume'), 'volume', line),
    };
  });
}

/** Daily bars with a 'YYYY-MM-DD' date column, stamped at midnight New York time. */
function parseDailyCsv(text: string, options: ParseOptions = {}): Bar[] {
  const ticker = options.ticker ?? 'SPY';
  return parseCsv(text).map((row, i) => {
    const line = i + 2;
    const date = (pick(row, 'date') ?? '').trim();
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new Error(`Line ${line}: invalid date "${date}"`);
    return {
      ticker,
      timeframe: '1d' as const,
      timestamp: new Date(nyMidnightUtcMs(date)),
      open: num(pick(row, 'open'), 'open', line),
      high: num(pick(row, 'high'), 'high', line),
      low: num(pick(row, 'low'), 'low', line),
      close: num(pick(row, 'close'), 'close', line),
      volume: num(pick(row, 'volume'), 'volume', line),
    };
  });
}

/** Reads a reference bar file; the format (minute vs daily) is detected from the first data row. */
function loadReferenceBars(file: string, options: ParseOptions & { referenceDir?: string } = {}): Bar[] {
  const full = path.isAbsolute(file) ? file : path.join(options.referenceDir ?? DEFAULT_REFERENCE_DIR, file);
  const text = readFileSync(full, 'utf8');
  const firstData = text.split(/\r?\n/, 3)[1] ?? '';
  return /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}/.test(firstData)
    ? parseEasternMinuteCsv(text, options)
    : parseDailyCsv(text, options);
}

/** The SPY reference minute bars (2025-07-01 .. 2025-07-07, extended hours included). */
export function loadSpyMinuteBars(referenceDir = DEFAULT_REFERENCE_DIR): Bar[] {
  return loadReferenceBars(SPY_MINUTE_FILE, { ticker: 'SPY', referenceDir });
}

/** The SPY reference daily bars (Stooq, 2023-01-03 .. 2026-02-09). */
export function loadSpyDailyBars(referenceDir = DEFAULT_REFERENCE_DIR): Bar[] {
  return loadReferenceBars(SPY_DAILY_FILE, { ticker: 'SPY', referenceDir });
}
