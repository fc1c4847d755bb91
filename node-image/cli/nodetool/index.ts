// `cassia nodetool`: exported as a commander Command for node-image/cli/cassia.ts to register.
import { createNodetoolCommand } from './nodetool-command.ts';

export { createNodetoolCommand, OPERATION_TIMEOUT_MS_DEFAULT, REQUEST_TIMEOUT_MS_DEFAULT } from './nodetool-command.ts';
export { processIo } from './nodetool-io.ts';
export type { NodetoolIo } from './nodetool-io.ts';

/** The command bound to the real process (stdout, stderr, environment, fetch). */
export const nodetoolCommand = createNodetoolCommand();
