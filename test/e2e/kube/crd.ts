// Waits until CustomResourceDefinitions report Established=True (a freshly created CRD has no
// status at all for a moment, which `kubectl wait` treats as an error).
import { parseAllDocuments } from 'yaml';
import type { KubeRest } from './kube-rest.ts';
import type { Condition } from './types.ts';
import { waitFor } from '../lib/wait.ts';

export const crdEstablishTimeoutMs = 60_000;

export async function waitCrdsEstablished(rest: KubeRest, names: readonly string[], timeoutMs = crdEstablishTimeoutMs): Promise<void> {
  for (const name of names) {
    await waitFor(
      `CRD ${name} Established`,
      async () => {
        const crd = await rest.getOrNull<{ status?: { conditions?: Condition[] } }>(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`);
        return crd?.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') === true;
      },
      { timeoutMs, intervalMs: 200 },
    );
  }
}

/** metadata.name of every CustomResourceDefinition in the given YAML texts. */
export function crdNamesIn(yamlTexts: readonly string[]): string[] {
  const names: string[] = [];
  for (const text of yamlTexts) {
    for (const doc of parseAllDocuments(text)) {
      const obj = doc.toJS() as { kind?: string; metadata?: { name?: string } } | null;
      if (obj?.kind === 'CustomResourceDefinition' && obj.metadata?.name) names.push(obj.metadata.name);
    }
  }
  return names;
}
