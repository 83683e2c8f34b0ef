// A tiny SVG line of recent closes, coloured by the day's direction. Decorative: the numbers
// next to it carry the information.
export function Sparkline({ values, trend, width = 64, height = 22 }: { values: readonly number[]; trend: number; width?: number; height?: number }) {
  if (values.length < 2) return <svg width={width} height={height} aria-hidden="true" />;
  const min = Math.min(...values);
  const span = Math.max(...values) - min || 1;
  const points = values.map((v, i) => `${((i / (values.length - 1)) * width).toFixed(1)},${(height - 2 - ((v - min) / span) * (height - 4)).toFixed(1)}`);
  return (
    <svg width={width} height={height} aria-hidden="true" className={`sparkline ${trend >= 0 ? 'up' : 'down'}`}>
      <polyline points={points.join(' ')} fill="none" stroke="currentColor" strokeWidth="1.3" strokeLinejoin="round" />
    </svg>
  );
}
