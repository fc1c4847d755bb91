import { describe, expect, it } from 'vitest';
import { crdNamesIn } from './crd.ts';

describe('crdNamesIn', () => {
  it('finds CRD names across documents and ignores other kinds', () => {
    const text = 'kind: ConfigMap\nmetadata: {name: x}\n---\napiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.example.dev\n';
    expect(crdNamesIn([text])).toEqual(['widgets.example.dev']);
  });

});
