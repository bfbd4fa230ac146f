/**
 * Progress on stderr: a redrawn bar on a terminal, plain throttled lines otherwise (logs, CI).
 * One fraction per command, of the whole command and never decreasing, with the stage that runs
 * and the time left once it can be estimated. A stage that reports nothing for 2 s still gets a
 * line (a heartbeat with the elapsed time), so a long dense path is never silent. Warnings go
 * through the printer too, on lines of their own. stdout stays reserved for the result.
 */

/** A progress sink for long CLI work. */
export interface ProgressPrinter {
  /** `stage` runs now; `fraction` (0..1) is of the whole command, when known; `detail` a short line */
  update(stage: string, fraction?: number, detail?: string): void;
  /** a result not to trust as printed: one line `hessian-lens: warning: …`, also with --quiet */
  warn(message: string): void;
  /** a fact about the run's files (an output that replaced an existing file): one line `hessian-lens: …`, also with --quiet */
  note(message: string): void;
  done(): void;
}

/** Options of {@link progressPrinter}. */
export interface ProgressPrinterOptions {
  /** the terminal's width for the redrawn bar (default 110); longer lines end in `…` */
  readonly columns?: number;
  /** milliseconds since some origin (default `Date.now`; tests pass a fake clock) */
  readonly now?: () => number;
}

/** Silence after which a heartbeat line is printed (non-TTY) or the bar redrawn (TTY). */
const HEARTBEAT_MS = 2000;

/** "45 s", "3 min 20 s", "1.2 h". */
export function formatDuration(seconds: number): string {
  if (seconds < 90) return `${Math.max(0, Math.round(seconds))} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes >= 60) return `${(seconds / 3600).toFixed(1)} h`;
  const rest = Math.round(seconds - 60 * minutes);
  return `${minutes} min${rest ? ` ${rest} s` : ''}`;
}

/** The time left from the share done and the time taken: once 3 s and 3% have passed. */
function eta(fraction: number | undefined, elapsed: number): string {
  if (fraction === undefined || fraction < 0.03 || fraction >= 1 || elapsed < 3) return '';
  return `ETA ${formatDuration((elapsed * (1 - fraction)) / fraction)}`;
}

/** A printer writing to `write`; `tty` selects the redrawn bar. `quiet` prints warnings only. */
export function progressPrinter(write: (s: string) => void, tty: boolean, quiet = false, options: ProgressPrinterOptions = {}): ProgressPrinter {
  const warnLine = (message: string): string => `hessian-lens: warning: ${message}\n`;
  const noteLine = (message: string): string => `hessian-lens: ${message}\n`;
  if (quiet) return { update: () => {}, warn: (m) => write(warnLine(m)), note: (m) => write(noteLine(m)), done: () => {} };
  const now = options.now ?? Date.now;
  const columns = Math.max(40, options.columns ?? 110);
  const start = now();
  let stage = '';
  let fraction: number | undefined;
  let detail = '';
  let lastLine = 0;
  let lastStage = '';
  let drawn = false;
  let timer: ReturnType<typeof setInterval> | undefined;
  const seconds = (): number => (now() - start) / 1000;
  const pct = (): string => (fraction === undefined ? '' : `${Math.floor(fraction * 100)}%`);

  const line = (heartbeat: boolean): void => {
    const elapsed = seconds();
    const left = eta(fraction, elapsed);
    if (tty) {
      const width = 20;
      const bar = fraction === undefined ? ' '.repeat(width) : '█'.repeat(Math.round(fraction * width)).padEnd(width, '░');
      let text = `${bar} ${pct().padStart(4)} ${`${elapsed.toFixed(0)}s`.padStart(5)} ${stage}${detail ? `: ${detail}` : ''}${left ? ` · ${left}` : ''}`;
      if (text.length > columns - 1) text = `${text.slice(0, columns - 2)}…`;
      write(`\r\x1b[2K${text}`);
      drawn = true;
    } else {
      const still = heartbeat ? ' (still running)' : '';
      write(`[${elapsed.toFixed(1)}s] ${pct() ? `${pct()} ` : ''}${stage}${detail ? `: ${detail}` : ''}${still}${left ? ` · ${left}` : ''}\n`);
    }
    lastLine = now();
  };

  // a line of its own: the bar is cleared first and redrawn after
  const note = (text: string): void => {
    if (tty && drawn) write('\r\x1b[2K');
    write(text);
    if (tty && drawn) line(false);
  };
  return {
    update(s, f, d) {
      stage = s;
      detail = d ?? '';
      // one fraction for the whole command: a stage's own regressions never show
      if (f !== undefined && Number.isFinite(f)) fraction = Math.max(fraction ?? 0, Math.min(1, Math.max(0, f)));
      if (tty || stage !== lastStage || now() - lastLine >= 1000) {
        line(false);
        lastStage = stage;
      }
      if (!timer) {
        timer = setInterval(() => {
          if (now() - lastLine >= (tty ? 1000 : HEARTBEAT_MS)) line(!tty);
        }, 250);
        // a heartbeat never keeps the process alive
        (timer as { unref?: () => void }).unref?.();
      }
    },
    warn: (message) => note(warnLine(message)),
    note: (message) => note(noteLine(message)),
    done() {
      if (timer) clearInterval(timer);
      timer = undefined;
      if (tty && drawn) write('\r\x1b[2K');
      drawn = false;
    },
  };
}
