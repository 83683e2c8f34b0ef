// Custom drawings on the price pane, as lightweight-charts series primitives: data-gap bands
// behind the candles and prediction markers above them. The built-in markers are always filled;
// a prediction must be hollow until resolved, so we draw our own.
import type {
  IChartApi,
  IPrimitivePaneRenderer,
  IPrimitivePaneView,
  ISeriesApi,
  ISeriesPrimitive,
  PrimitivePaneViewZOrder,
  SeriesAttachedParameter,
  SeriesType,
  Time,
} from 'lightweight-charts';

type RenderTarget = Parameters<IPrimitivePaneRenderer['draw']>[0];

interface DrawContext {
  ctx: CanvasRenderingContext2D;
  width: number;
  height: number;
  chart: IChartApi;
  series: ISeriesApi<SeriesType>;
}

/** A primitive that draws in CSS pixels on one z-layer, redrawn whenever its data changes. */
abstract class CanvasPrimitive implements ISeriesPrimitive<Time> {
  private attachment: SeriesAttachedParameter<Time> | null = null;
  private readonly view: IPrimitivePaneView;

  constructor(zOrder: PrimitivePaneViewZOrder) {
    const renderer: IPrimitivePaneRenderer = {
      draw: (target: RenderTarget) => {
        const attachment = this.attachment;
        if (!attachment) return;
        target.useMediaCoordinateSpace(({ context, mediaSize }) =>
          this.draw({ ctx: context, width: mediaSize.width, height: mediaSize.height, chart: attachment.chart as IChartApi, series: attachment.series }),
        );
      },
    };
    this.view = { zOrder: () => zOrder, renderer: () => renderer };
  }

  attached(param: SeriesAttachedParameter<Time>) {
    this.attachment = param;
  }

  detached() {
    this.attachment = null;
  }

  paneViews() {
    return [this.view];
  }

  protected redraw() {
    this.attachment?.requestUpdate();
  }

  protected abstract draw(context: DrawContext): void;
}

/** x of a logical bar index, or null when off-screen. */
function xOf(chart: IChartApi, index: number): number | null {
  return chart.timeScale().logicalToCoordinate(index as never);
}

export interface GapBand {
  /** Index of the last bar before the gap (the next bar is the first after it). */
  afterIndex: number;
  label: string;
}

/** Shades the space between two bars where data is missing. */
export class GapBands extends CanvasPrimitive {
  private bands: GapBand[] = [];
  private color = 'rgba(232,163,61,0.14)';

  constructor() {
    super('bottom');
  }

  set(bands: GapBand[], color: string) {
    this.bands = bands;
    this.color = color;
    this.redraw();
  }

  protected draw({ ctx, height, chart }: DrawContext) {
    ctx.fillStyle = this.color;
    for (const band of this.bands) {
      const x1 = xOf(chart, band.afterIndex);
      const x2 = xOf(chart, band.afterIndex + 1);
      if (x1 === null || x2 === null) continue;
      // At least a few pixels wide, so a one-bar gap is still visible when zoomed out.
      const width = Math.max(x2 - x1, 4);
      ctx.fillRect((x1 + x2) / 2 - width / 2, 0, width, height);
    }
  }
}

type MarkerOutcome = 'pending' | 'correct' | 'wrong';

export interface PredictionMarker {
  /** Logical index of the bar the prediction was made on. */
  index: number;
  direction: 'UP' | 'DOWN' | 'NEUTRAL';
  outcome: MarkerOutcome;
  /** Anchor prices: UP markers sit below the bar's low, DOWN markers above its high. */
  high: number;
  low: number;
}

export interface MarkerColors {
  pending: string;
  correct: string;
  wrong: string;
}

/** Direction arrows at prediction time: hollow while pending, filled green/red once resolved. */
export class PredictionMarkers extends CanvasPrimitive {
  private markers: PredictionMarker[] = [];
  private colors: MarkerColors = { pending: '#999', correct: '#2a9', wrong: '#e34' };

  constructor() {
    super('top');
  }

  set(markers: PredictionMarker[], colors: MarkerColors) {
    this.markers = markers;
    this.colors = colors;
    this.redraw();
  }

  protected draw({ ctx, chart, series, width }: DrawContext) {
    const spacing = chart.timeScale().options().barSpacing;
    const size = Math.max(3, Math.min(7, spacing * 0.45));
    ctx.lineWidth = 1.5;
    for (const m of this.markers) {
      const x = xOf(chart, m.index);
      if (x === null || x < -size || x > width + size) continue;
      const up = m.direction !== 'DOWN';
      const anchor = series.priceToCoordinate(up ? m.low : m.high);
      if (anchor === null) continue;
      const y = up ? anchor + size + 4 : anchor - size - 4;
      const color = this.colors[m.outcome];
      ctx.beginPath();
      if (m.direction === 'NEUTRAL') {
        ctx.arc(x, y, size * 0.7, 0, Math.PI * 2);
      } else {
        const tip = up ? -size : size;
        ctx.moveTo(x, y + tip);
        ctx.lineTo(x - size, y - tip);
        ctx.lineTo(x + size, y - tip);
        ctx.closePath();
      }
      if (m.outcome === 'pending') {
        ctx.strokeStyle = color;
        ctx.stroke();
      } else {
        ctx.fillStyle = color;
        ctx.fill();
      }
    }
  }
}
