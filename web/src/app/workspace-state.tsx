// The workspace's shared selection: which ticker and timeframe every panel looks at, the date
// range, and the theme. Kept in one context so the top bar, shortcuts, chart and dock agree, and
// persisted so a reload lands where the analyst left off.
import { createContext, useContext, useMemo, type ReactNode } from 'react';
import type { Timeframe } from '../../../server/market-data/schema';
import { isString, oneOf, usePersistentState } from './persisted';

export type { Timeframe };

// The server's lists, restated because importing its schema module would ship zod to the browser.
// Typed against the server's Timeframe, so the compiler catches any drift.
export const TIMEFRAME_MINUTES: Readonly<Record<Timeframe, number>> = { '1m': 1, '5m': 5, '15m': 15, '1h': 60, '4h': 240, '1d': 1440 };
export const TIMEFRAMES = Object.keys(TIMEFRAME_MINUTES) as Timeframe[];

export type Theme = 'dark' | 'light';

/** A closed date range (YYYY-MM-DD, ET session dates); null = follow the latest bars live. */
export interface DateRange {
  from: string;
  to: string;
}

const isDateRange = (value: unknown): value is DateRange | null =>
  value === null || (typeof value === 'object' && isString((value as DateRange).from) && isString((value as DateRange).to));

interface WorkspaceState {
  ticker: string;
  setTicker: (ticker: string) => void;
  timeframe: Timeframe;
  setTimeframe: (timeframe: Timeframe) => void;
  range: DateRange | null;
  setRange: (range: DateRange | null) => void;
  theme: Theme;
  toggleTheme: () => void;
}

const WorkspaceContext = createContext<WorkspaceState | null>(null);

export function WorkspaceProvider({ children }: { children: ReactNode }) {
  const [ticker, setTicker] = usePersistentState('qb.ticker', 'SPY', isString);
  const [timeframe, setTimeframe] = usePersistentState<Timeframe>('qb.timeframe', '1h', oneOf(TIMEFRAMES));
  const [range, setRange] = usePersistentState<DateRange | null>('qb.range', null, isDateRange);
  const [theme, setTheme] = usePersistentState<Theme>('qb.theme', 'dark', oneOf(['dark', 'light'] as const));

  // Set during render, not in an effect: charts read the theme's CSS variables while rendering.
  document.documentElement.dataset.theme = theme;

  const value = useMemo<WorkspaceState>(
    () => ({
      ticker,
      setTicker,
      timeframe,
      setTimeframe,
      range,
      setRange,
      theme,
      toggleTheme: () => setTheme((t) => (t === 'dark' ? 'light' : 'dark')),
    }),
    [ticker, setTicker, timeframe, setTimeframe, range, setRange, theme, setTheme],
  );
  return <WorkspaceContext.Provider value={value}>{children}</WorkspaceContext.Provider>;
}

export function useWorkspace(): WorkspaceState {
  const state = useContext(WorkspaceContext);
  if (!state) throw new Error('useWorkspace outside <WorkspaceProvider>');
  return state;
}
