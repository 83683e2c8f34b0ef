// From stored bars and features to training rows, one series at a time, streaming: labels, splits,
// purge and embargo, gaps. Pure: the repository hands in column batches as PostgreSQL sends them,
// and out come batches of kept rows; nothing is held but the batch in hand and the last `horizon`
// rows, whose labels need bars that have not arrived yet.
//
// The rules (README, "Training datasets"), for the row at bar t of a series, bars counted in the
// series' stored bars within [from, to):
// - features: the stored feature row of bar t, computed from bars <= t (no look-ahead);
// - label: r = close[t + horizon] / close[t] - 1 (`return`), or UP when r > neutralBand, DOWN when
//   r < -neutralBand, NEUTRAL otherwise (`direction`): only bars after t, none at or after `to`;
// - split: train before split[0], validation before split[1], test from there on (by bar time);
// - left out, each row counted once, first reason first: no bar t + horizon before `to`
//   (noHorizon); a gap between any two consecutive bars of t..t+horizon (gap); bar t and bar
//   t + horizon in different splits, i.e. the label window crosses a boundary (purged); t among the
//   first `horizon` bars at or after a boundary (embargoed).
import type { DatasetCounts, DatasetDefinition } from './schema';
import { GapDetector } from './horizon-gaps';

/** One series' bars in time order as PostgreSQL sent them: timestamps (Unix ms), closes, features (NaN = NULL). */
export interface SeriesColumns {
  length: number;
  timestamp: Float64Array;
  close: Float64Array;
  features: Float64Array[];
}

/** Kept rows of one series: the export's columns, one typed array each. */
export interface RowBatch {
  ticker: string;
  length: number;
  timestamp: Float64Array;
  /** In the definition's feature order; NaN = NULL. */
  features: Float64Array[];
  /** The forward return (for `direction` too: the direction is derived from it). */
  forwardReturn: Float64Array;
  /** Index into DIRECTIONS (DOWN, NEUTRAL, UP) by the neutral band. */
  direction: Uint8Array;
  /** Index into SPLITS (train, validation, test). */
  split: Uint8Array;
}

const DOWN = 0;
const NEUTRAL = 1;
const UP = 2;

/** Counts of one run of the pipeline, across its series. */
export class DatasetCounter {
  readonly counts: DatasetCounts = {
    bars: 0,
    rows: { train: 0, validation: 0, test: 0 },
    ranges: { train: null, validation: null, test: null },
    dropped: { noHorizon: 0, gap: 0, purged: 0, embargoed: 0 },
  };
  /** Unix ms of the first and last kept row per split code. */
  private readonly first = [Infinity, Infinity, Infinity];
  private readonly last = [-Infinity, -Infinity, -Infinity];

  keep(split: number, ms: number): void {
    if (ms < this.first[split]!) this.first[split] = ms;
    if (ms > this.last[split]!) this.last[split] = ms;
  }

  /** The counts with the per-split ranges filled in. */
  result(): DatasetCounts {
    const names = ['train', 'validation', 'test'] as const;
    names.forEach((name, code) => {
      this.counts.ranges[name] = this.first[code] === Infinity ? null : { first: new Date(this.first[code]!).toISOString(), last: new Date(this.last[code]!).toISOString() };
    });
    return this.counts;
  }
}

/** Labels, splits and filters one series; feed it the series' batches in order, then call finish(). */
export class SeriesLabeller {
  private readonly horizon: number;
  private readonly band: number;
  private readonly boundaries: [number, number];
  /** Global index (within the series) of the first bar at or after each boundary; -1 until seen. */
  private readonly firstAtBoundary = [-1, -1];
  /** Rows waiting for their label bar: the last `horizon` bars seen. */
  private pending: SeriesColumns & { gapBefore: Uint8Array };
  /** Global index of pending row 0. */
  private pendingBase = 0;
  private lastTimestamp = Number.NaN;

  constructor(
    private readonly ticker: string,
    definition: DatasetDefinition,
    private readonly counter: DatasetCounter,
    private readonly gaps: GapDetector,
  ) {
    this.horizon = definition.horizon;
    this.band = definition.neutralBand;
    this.boundaries = [definition.split[0].getTime(), definition.split[1].getTime()];
    const features = definition.features.map(() => new Float64Array(0));
    this.pending = { length: 0, timestamp: new Float64Array(0), close: new Float64Array(0), features, gapBefore: new Uint8Array(0) };
  }

  private splitOf(ms: number): number {
    return ms < this.boundaries[0] ? 0 : ms < this.boundaries[1] ? 1 : 2;
  }

  /** The pending rows followed by `batch`, with each new bar's gap flag and boundary positions recorded. */
  private join(batch: SeriesColumns): SeriesColumns & { gapBefore: Uint8Array } {
    const held = this.pending.length;
    const n = held + batch.length;
    const joined = (a: Float64Array, b: Float64Array) => {
      const out = new Float64Array(n);
      out.set(a.subarray(0, held));
      out.set(b.subarray(0, batch.length), held);
      return out;
    };
    const gapBefore = new Uint8Array(n);
    gapBefore.set(this.pending.gapBefore.subarray(0, held));
    for (let i = 0; i < batch.length; i++) {
      const ms = batch.timestamp[i]!;
      if (this.lastTimestamp === this.lastTimestamp) gapBefore[held + i] = this.gaps.between(this.lastTimestamp, ms) ? 1 : 0;
      this.lastTimestamp = ms;
      for (let b = 0; b < 2; b++) {
        if (this.firstAtBoundary[b] === -1 && ms >= this.boundaries[b]!) this.firstAtBoundary[b] = this.pendingBase + held + i;
      }
    }
    return {
      length: n,
      timestamp: joined(this.pending.timestamp, batch.timestamp),
      close: joined(this.pending.close, batch.close),
      features: batch.features.map((column, k) => joined(this.pending.features[k]!, column)),
      gapBefore,
    };
  }

  /** The rows of `batch` (and of earlier ones) whose label window is now complete, filtered. */
  push(batch: SeriesColumns): RowBatch {
    this.counter.counts.bars += batch.length;
    const w = this.join(batch);
    const { horizon, counter } = this;
    const ready = Math.max(0, w.length - horizon);
    // gapsUpTo[k] = gaps before rows 1..k: a window (i, i + horizon] has a gap when the count moves.
    const gapsUpTo = new Int32Array(w.length);
    for (let k = 1; k < w.length; k++) gapsUpTo[k] = gapsUpTo[k - 1]! + w.gapBefore[k]!;
    const kept = new Int32Array(ready);
    let count = 0;
    const dropped = counter.counts.dropped;
    for (let i = 0; i < ready; i++) {
      const j = i + horizon;
      const ms = w.timestamp[i]!;
      const split = this.splitOf(ms);
      if (gapsUpTo[j] !== gapsUpTo[i]) dropped.gap++;
      else if (this.splitOf(w.timestamp[j]!) !== split) dropped.purged++;
      else if (this.embargoed(this.pendingBase + i, ms)) dropped.embargoed++;
      else kept[count++] = i;
    }
    const out = this.rows(w, kept, count);
    this.hold(w, ready);
    return out;
  }

  private embargoed(index: number, ms: number): boolean {
    for (let b = 0; b < 2; b++) {
      if (ms >= this.boundaries[b]! && index - this.firstAtBoundary[b]! < this.horizon) return true;
    }
    return false;
  }

  private rows(w: SeriesColumns, kept: Int32Array, count: number): RowBatch {
    const timestamp = new Float64Array(count);
    const forwardReturn = new Float64Array(count);
    const direction = new Uint8Array(count);
    const split = new Uint8Array(count);
    const features = w.features.map(() => new Float64Array(count));
    for (let r = 0; r < count; r++) {
      const i = kept[r]!;
      const ms = w.timestamp[i]!;
      const change = w.close[i + this.horizon]! / w.close[i]! - 1;
      timestamp[r] = ms;
      forwardReturn[r] = change;
      direction[r] = change > this.band ? UP : change < -this.band ? DOWN : NEUTRAL;
      const s = this.splitOf(ms);
      split[r] = s;
      this.counter.counts.rows[s === 0 ? 'train' : s === 1 ? 'validation' : 'test']++;
      this.counter.keep(s, ms);
    }
    w.features.forEach((column, k) => {
      const out = features[k]!;
      for (let r = 0; r < count; r++) out[r] = column[kept[r]!]!;
    });
    return { ticker: this.ticker, length: count, timestamp, features, forwardReturn, direction, split };
  }

  /** Keeps rows from `from` on (the last `horizon`) for the next batch. */
  private hold(w: SeriesColumns & { gapBefore: Uint8Array }, from: number): void {
    this.pending = {
      length: w.length - from,
      timestamp: w.timestamp.slice(from),
      close: w.close.slice(from),
      features: w.features.map((column) => column.slice(from)),
      gapBefore: w.gapBefore.slice(from),
    };
    this.pendingBase += from;
  }

  /** End of the series: the rows still waiting never get a label bar. */
  finish(): void {
    this.counter.counts.dropped.noHorizon += this.pending.length;
  }
}
