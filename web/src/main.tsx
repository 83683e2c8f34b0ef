// Entry point: providers (TanStack Query + tRPC), then the app. Everything heavier than the
// sign-in screen is loaded on demand (see app/App.tsx).
import { StrictMode, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { QueryClientProvider } from '@tanstack/react-query';
import { App } from './app/App';
import { DatabaseOutage } from './app/DatabaseOutage';
import { TRPCProvider, createApiClient, createQueryClient } from './trpc';
import './app/theme.css';

function Root() {
  const [queryClient] = useState(createQueryClient);
  const [trpcClient] = useState(createApiClient);
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        <DatabaseOutage>
          <App />
        </DatabaseOutage>
      </TRPCProvider>
    </QueryClientProvider>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <Root />
  </StrictMode>,
);
