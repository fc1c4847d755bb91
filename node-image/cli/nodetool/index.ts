// `cassia nodetool`: a commander Command for node-image/cli/cassia.ts to register
// (`program.addCommand(createNodetoolCommand({ ...processIo(), setExitCode }))`).
export { createNodetoolCommand, OPERATION_TIMEOUT_MS_DEFAULT, REQUEST_TIMEOUT_MS_DEFAULT } from './nodetool-command.ts';
export { processIo } from './nodetool-io.ts';
export type { NodetoolIo } from './nodetool-io.ts';
