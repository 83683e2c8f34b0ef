// Predictions carry a modelId; tables show "name version". One cached registry read serves all.
import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { useTRPC } from '../trpc';

export function useModelNames() {
  const trpc = useTRPC();
  const models = useQuery(trpc.models.list.queryOptions({}, { staleTime: 60_000 }));
  return useMemo(() => new Map((models.data?.models ?? []).map((m) => [m.id, `${m.name} ${m.version}`])), [models.data]);
}
