// Small status badges shared by the prediction, signal and trade tables.
import type { Direction } from '../../../server/predictions/schema';

const ARROWS: Record<Direction, string> = { UP: '▲', DOWN: '▼', NEUTRAL: '◆' };

export function DirectionBadge({ direction }: { direction: Direction }) {
  const tone = direction === 'UP' ? 'up' : direction === 'DOWN' ? 'down' : '';
  return (
    <span className={`badge ${tone}`}>
      <span aria-hidden="true">{ARROWS[direction]} </span>
      {direction}
    </span>
  );
}

const MARKS = { right: '✓ ', wrong: '✗ ', pending: '○ ', unresolvable: '– ' } as const;

export function OutcomeBadge({ outcome }: { outcome: keyof typeof MARKS }) {
  const tone = outcome === 'right' ? 'up' : outcome === 'wrong' ? 'down' : '';
  const mark = MARKS[outcome];
  return (
    <span className={`badge ${tone}`}>
      <span aria-hidden="true">{mark}</span>
      {outcome}
    </span>
  );
}
