// Runs an operation to its end for nodetool: submits it, polls the job and shows a cli-progress
// bar on a terminal. The outcome is the final job; the caller decides what to print.
import cliProgress from 'cli-progress';
import type { ManagementClient } from '../../src/management/client/index.ts';
import type { Job, Operation, OperationRequest } from '../../src/management/contract/index.ts';
import type { NodetoolIo } from './nodetool-io.ts';

/** How often a running job is polled. */
export const JOB_POLL_INTERVAL_MS = 500;

export async function runJob<O extends Operation>(options: {
  client: ManagementClient;
  io: NodetoolIo;
  operation: O;
  request: OperationRequest<O>;
  showProgress: boolean;
  timeoutMs: number;
}): Promise<Job> {
  const { client, io } = options;
  const submitted = await options.client.submit(options.operation, options.request);
  let bar: cliProgress.SingleBar | null = null;
  try {
    return await client.waitForJob(submitted.id, {
      pollIntervalMs: JOB_POLL_INTERVAL_MS,
      timeoutMs: options.timeoutMs,
      sleep: io.sleep,
      onProgress: (job) => {
        if (!options.showProgress || job.state !== 'RUNNING' || job.progress.total === 0) return;
        if (bar === null) {
          bar = new cliProgress.SingleBar({
            stream: io.progressStream,
            format: `${options.operation} [{bar}] {percentage}% | {value}/{total} ${job.progress.unit} | {message}`,
            hideCursor: true,
            clearOnComplete: true,
          }, cliProgress.Presets.shades_classic);
          bar.start(job.progress.total, job.progress.done, { message: job.progress.message });
        } else {
          bar.setTotal(job.progress.total);
          bar.update(job.progress.done, { message: job.progress.message });
        }
      },
    });
  } finally {
    (bar as cliProgress.SingleBar | null)?.stop();
  }
}
