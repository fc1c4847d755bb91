// Provider factory for run.ts.
import { KindProvider } from './kind-provider.ts';
import { LocalProvider } from './local-provider.ts';
import type { E2eProvider, ProviderName } from './provider.ts';

export type { E2eProvider, ProviderContext, ProviderName } from './provider.ts';
export { e2eImages, operatorNamespace } from './provider.ts';

export function createProvider(name: ProviderName, log: (msg: string) => void): E2eProvider {
  return name === 'kind' ? new KindProvider({ log }) : new LocalProvider({ log });
}
