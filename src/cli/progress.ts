/**
 * Progress on stderr: a redrawn bar on a terminal, plain throttled lines otherwise (logs, CI).
 * stdout stays reserved for the result.
 */

/** A progress sink for long CLI work. */
export interface ProgressPrinter {
  update(stage: string, fraction?: number, detail?: string): void;
  done(): void;
}

/** A printer writing to `write`; `tty` selects the redrawn bar. `quiet` prints nothing. */
export function progressPrinter(write: (s: string) => void, tty: boolean, quiet = false): ProgressPrinter {
  if (quiet) return { update: () => {}, done: () => {} };
  let lastStage = '';
  let lastLine = 0;
  let drawn = false;
  const start = Date.now();
  const clock = (): string => `${((Date.now() - start) / 1000).toFixed(1)}s`;
  return {
    update(stage, fraction, detail) {
      const now = Date.now();
      if (tty) {
        const width = 24;
        const bar = fraction === undefined ? ' '.repeat(width) : '█'.repeat(Math.round(Math.min(1, Math.max(0, fraction)) * width)).padEnd(width, '░');
        const pct = fraction === undefined ? '    ' : `${Math.round(fraction * 100)}%`.padStart(4);
        const line = `${stage.padEnd(10)} ${bar} ${pct} ${clock().padStart(6)} ${detail ?? ''}`;
        write(`\r\x1b[2K${line.slice(0, 110)}`);
        drawn = true;
        return;
      }
      if (stage !== lastStage || now - lastLine >= 1000) {
        write(`[${clock()}] ${stage}${fraction !== undefined ? ` ${Math.round(fraction * 100)}%` : ''}${detail ? `: ${detail}` : ''}\n`);
        lastStage = stage;
        lastLine = now;
      }
    },
    done() {
      if (tty && drawn) write('\r\x1b[2K');
    },
  };
}
