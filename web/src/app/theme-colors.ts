// Canvas and SVG charts cannot use CSS variables directly; they get the resolved colours of the
// current theme from here, re-read whenever the theme changes.
import { useMemo } from 'react';
import { useWorkspace } from './workspace-state';

export const cssVar = (name: string) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

export function useThemeColors<const N extends string>(names: readonly N[]): Record<N, string> {
  const { theme } = useWorkspace();
  const key = names.join(',');
  // Re-read on theme change; a caller's names are a constant list, so their joined key suffices.
  return useMemo(() => Object.fromEntries(names.map((n) => [n, cssVar(`--${n}`)])) as Record<N, string>, [theme, key]);
}
