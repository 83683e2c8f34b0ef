// Number and time formatting in one place: prices, sizes, percentages and exchange-time stamps
// look the same in the chart legend, tables and tickets. Market times are shown in New York time
// (ET), the exchange's clock, whatever the analyst's own time zone.

export const MARKET_TIME_ZONE = 'America/New_York';

const priceFormat = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const compactFormat = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 2 });
const integerFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const moneyFormat = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 2 });

export const formatPrice = (value: number | null | undefined) => (value == null ? '—' : priceFormat.format(value));
export const formatVolume = (value: number | null | undefined) => (value == null ? '—' : compactFormat.format(value));
export const formatInteger = (value: number | null | undefined) => (value == null ? '—' : integerFormat.format(value));
export const formatMoney = (value: number | null | undefined) => (value == null ? '—' : moneyFormat.format(value));

/** 0.5312 -> "53.1%" */
export function formatPercent(ratio: number | null | undefined, digits = 1): string {
  return ratio == null || !Number.isFinite(ratio) ? '—' : `${(ratio * 100).toFixed(digits)}%`;
}

/** A signed change: "+1.25" / "−0.40" (true minus sign, so columns align). */
export function formatSigned(value: number | null | undefined, format: (v: number) => string = formatPrice): string {
  if (value == null || !Number.isFinite(value)) return '—';
  return `${value > 0 ? '+' : value < 0 ? '−' : ''}${format(Math.abs(value))}`;
}

/** CSS class for a signed number: up / down / nothing. */
export const trendClass = (value: number | null | undefined) => (value == null || value === 0 ? '' : value > 0 ? 'up' : 'down');

const etDateTime = new Intl.DateTimeFormat('en-CA', {
  timeZone: MARKET_TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});
const etDate = new Intl.DateTimeFormat('en-CA', { timeZone: MARKET_TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit' });

/** "2026-11-25 15:59" in ET; with `dateOnly`, "2026-11-25" (daily bars are session dates). */
export function formatMarketTime(value: Date | string | number, dateOnly = false): string {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return '—';
  return (dateOnly ? etDate : etDateTime).format(date).replace(',', '');
}

/** "3m ago", "2h ago": for freshness indicators. */
export function formatAge(value: Date | string | number, now = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - new Date(value).getTime()) / 1000));
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h ago`;
  return `${Math.floor(seconds / 86_400)}d ago`;
}
