// Unhandled promise rejections raised while a seed runs (node code inside the simulation) are
// collected per run, so they fail that seed with its replay command instead of the whole process.

export interface RejectionTrap {
  /** Rejections seen since the last take(), formatted. */
  take(): string[];
  uninstall(): void;
}

export function installUnhandledRejectionTrap(): RejectionTrap {
  let seen: string[] = [];
  const onRejection = (reason: unknown): void => {
    seen.push(reason instanceof Error ? (reason.stack ?? reason.message) : String(reason));
  };
  process.on('unhandledRejection', onRejection);
  return {
    take: () => {
      const out = seen;
      seen = [];
      return out;
    },
    uninstall: () => {
      process.off('unhandledRejection', onRejection);
    },
  };
}
