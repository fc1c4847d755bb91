// The provider seam of the e2e suite: every provider gives the specs a kubeconfig and a kubectl,
// can install the CRDs and the operator, load images, and tear everything down.
export type ProviderName = 'local' | 'kind';

export type ProviderContext = {
  kubeconfig: string;
  kubectl: string;
  /** Variables passed to the spec processes (CASSIA_E2E_*). */
  env: Record<string, string>;
  /** Folder kept on failure (logs). */
  runDir: string;
};

export interface E2eProvider {
  readonly name: ProviderName;
  /** Brings up a cluster (3 zones, several nodes each) reachable through ctx.kubeconfig. */
  setup(): Promise<ProviderContext>;
  /** Makes the cassia-node and cassia-operator images runnable in the cluster. */
  loadImages(): Promise<void>;
  /** Installs crds/ and the operator (namespace cassia-system) and waits for it to be ready. */
  installCrdsAndOperator(): Promise<void>;
  /** Background failures noticed since setup (e.g. a control-plane component died). */
  problems(): string[];
  /** Stops everything; keeps logs when failed (and prints where). Idempotent. */
  teardown(options: { failed: boolean }): Promise<void>;
}

/** Image names the specs and fixtures use on every provider. */
export const e2eImages = { node: 'cassia-node:e2e', operator: 'cassia-operator:e2e' } as const;
export const operatorNamespace = 'cassia-system';
