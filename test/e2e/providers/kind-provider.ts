// The `kind` provider (needs Docker, kind, helm and kubectl on PATH): builds both images, creates
// a kind cluster whose workers carry zone labels, loads the images and installs the chart.
// It cannot run on machines without a Docker engine; keep it correct by review.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { run } from '../lib/exec-file.ts';
import { defaultNodesPerZone, defaultZones } from '../kubelet/fake-kubelet.ts';
import { repoDir } from './local-provider.ts';
import { e2eImages, operatorNamespace, type E2eProvider, type ProviderContext } from './provider.ts';

export const kindClusterName = process.env['CASSIA_E2E_KIND_CLUSTER'] ?? 'cassia-e2e';
/** kindest/node image; pin it to the Kubernetes minor the local provider builds. */
export const kindNodeImage = process.env['CASSIA_E2E_KIND_NODE_IMAGE'] ?? 'kindest/node:v1.35.0';
export const kindCreateTimeoutMs = 600_000;
export const imageBuildTimeoutMs = 1_200_000;
/** Chart of the operator (ARCHITECTURE.md: charts/ holds CRDs, RBAC, Deployment, values). */
export const operatorChartDir = path.join(repoDir, 'charts', 'cassia-operator');

export class KindProvider implements E2eProvider {
  readonly name = 'kind' as const;
  private readonly log: (msg: string) => void;
  private runDir = '';
  private ctx: ProviderContext | undefined;
  private created = false;
  private torndown = false;

  constructor(options: { log: (msg: string) => void }) {
    this.log = options.log;
  }

  async setup(): Promise<ProviderContext> {
    const probes: Record<string, string[]> = {
      docker: ['info', '--format', '{{.ServerVersion}}'],
      kind: ['version'],
      kubectl: ['version', '--client'],
      helm: ['version', '--short'],
    };
    for (const [tool, args] of Object.entries(probes)) {
      try {
        await run(tool, args);
      } catch (err) {
        throw new Error(`the kind provider needs ${tool} (and a running Docker engine): ${String(err).split('\n')[0]}`);
      }
    }
    this.runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cassia-e2e-kind-'));
    const kubeconfig = path.join(this.runDir, 'kubeconfig');
    const config = kindConfig();
    fs.writeFileSync(path.join(this.runDir, 'kind.yaml'), config);
    this.log(`creating kind cluster ${kindClusterName} (${kindNodeImage})`);
    this.created = true;
    await run('kind', ['create', 'cluster', '--name', kindClusterName, '--image', kindNodeImage, '--config', path.join(this.runDir, 'kind.yaml'), '--kubeconfig', kubeconfig, '--wait', '300s'], {
      timeoutMs: kindCreateTimeoutMs,
    });
    this.ctx = { kubeconfig, kubectl: 'kubectl', runDir: this.runDir, env: { CASSIA_E2E_PROVIDER: 'kind', CASSIA_E2E_RUN_DIR: this.runDir } };
    return this.ctx;
  }

  async loadImages(): Promise<void> {
    await run('docker', ['build', '-t', e2eImages.node, '-f', path.join(repoDir, 'node-image/Dockerfile'), repoDir], { timeoutMs: imageBuildTimeoutMs });
    await run('docker', ['build', '-t', e2eImages.operator, '-f', path.join(repoDir, 'operator/Dockerfile'), repoDir], { timeoutMs: imageBuildTimeoutMs });
    await run('kind', ['load', 'docker-image', '--name', kindClusterName, e2eImages.node, e2eImages.operator], { timeoutMs: imageBuildTimeoutMs });
  }

  async installCrdsAndOperator(): Promise<void> {
    const ctx = this.mustCtx();
    const [repo, tag] = e2eImages.operator.split(':') as [string, string];
    // The chart ships the CRDs (crds/ of the chart); values below must match charts/cassia-operator/values.yaml.
    await run(
      'helm',
      [
        'upgrade', '--install', 'cassia-operator', operatorChartDir,
        '--kubeconfig', ctx.kubeconfig,
        '--namespace', operatorNamespace, '--create-namespace',
        '--set', `image.repository=${repo}`, '--set', `image.tag=${tag}`, '--set', 'image.pullPolicy=Never',
        '--wait', '--timeout', '5m',
      ],
      { timeoutMs: 360_000 },
    );
  }

  problems(): string[] {
    return [];
  }

  async teardown(options: { failed: boolean }): Promise<void> {
    if (this.torndown || !this.created) return;
    this.torndown = true;
    if (options.failed) {
      try {
        await run('kind', ['export', 'logs', path.join(this.runDir, 'kind-logs'), '--name', kindClusterName], { timeoutMs: 300_000 });
        this.log(`FAILED: kind logs kept in ${this.runDir}/kind-logs`);
      } catch (err) {
        this.log(`kind export logs failed: ${String(err)}`);
      }
    }
    if (process.env['CASSIA_E2E_KEEP_CLUSTER'] === '1') {
      this.log(`keeping kind cluster ${kindClusterName} (CASSIA_E2E_KEEP_CLUSTER=1)`);
      return;
    }
    await run('kind', ['delete', 'cluster', '--name', kindClusterName], { timeoutMs: 300_000 });
    if (!options.failed) fs.rmSync(this.runDir, { recursive: true, force: true });
  }

  private mustCtx(): ProviderContext {
    if (!this.ctx) throw new Error('provider not set up');
    return this.ctx;
  }
}

/** One control plane plus nodesPerZone workers per zone, labelled like the local provider's. */
export function kindConfig(zones: readonly string[] = defaultZones, nodesPerZone = defaultNodesPerZone): string {
  const lines = ['kind: Cluster', 'apiVersion: kind.x-k8s.io/v1alpha4', 'nodes:', '- role: control-plane'];
  for (const zone of zones) {
    for (let i = 0; i < nodesPerZone; i++) {
      lines.push('- role: worker', '  labels:', `    topology.kubernetes.io/zone: ${zone}`, '    topology.kubernetes.io/region: local');
    }
  }
  return lines.join('\n') + '\n';
}
