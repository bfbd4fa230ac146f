/**
 * The CLI's progress printer (src/cli/progress.ts) on a fake clock and fake timers: the lines it
 * writes are compared with literal text worked out from the clock, so no test depends on time.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { formatDuration, progressPrinter } from '../../src/cli/progress.js';

describe('progress', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('a silent stage still gets a heartbeat line (non-TTY); the printer never shows a fraction going back', () => {
    vi.useFakeTimers();
    let clock = 0;
    const lines: string[] = [];
    const printer = progressPrinter((s) => lines.push(s), false, false, { now: () => clock });
    printer.update('dense', 0.5, 'reduce');
    printer.update('dense', 0.4, 'reduce');
    clock = 2500;
    vi.advanceTimersByTime(2500);
    printer.done();
    expect(lines[0]).toBe('[0.0s] 50% dense: reduce\n');
    expect(lines.at(-1)).toMatch(/^\[2\.5s\] 50% dense: reduce \(still running\)/);
    const tty: string[] = [];
    const bar = progressPrinter((s) => tty.push(s), true, false, { columns: 40, now: () => 0 });
    bar.update('density', 0.1, 'a detail much longer than the forty columns of this terminal');
    bar.warn('something to see');
    bar.done();
    expect(tty[0]).toMatch(/…$/);
    expect(tty[0]!.replace('\r\x1b[2K', '').length).toBe(39);
    expect(tty).toContain('hessian-lens: warning: something to see\n');
  });

  it('quiet prints warnings and notes only; the ETA appears once 3 s and 3% have passed', () => {
    const quiet: string[] = [];
    const q = progressPrinter((s) => quiet.push(s), false, true, { now: () => 0 });
    q.update('lanczos', 0.5);
    q.note('replaced r.json');
    q.warn('careful');
    q.done();
    expect(quiet).toEqual(['hessian-lens: replaced r.json\n', 'hessian-lens: warning: careful\n']);
    let clock = 0;
    const lines: string[] = [];
    const printer = progressPrinter((s) => lines.push(s), false, false, { now: () => clock });
    printer.update('train', 0.02);
    clock = 4000;
    printer.update('lanczos', 0.25);
    printer.done();
    // 4 s for a quarter: 12 s left
    expect(lines).toEqual(['[0.0s] 2% train\n', '[4.0s] 25% lanczos · ETA 12 s\n']);
  });
});

describe('formatDuration', () => {
  it('seconds below 90, minutes and seconds below an hour, hours above', () => {
    expect([0.4, 59.5, 89, -3].map(formatDuration)).toEqual(['0 s', '60 s', '89 s', '0 s']);
    expect([90, 120, 140, 3599].map(formatDuration)).toEqual(['1 min 30 s', '2 min', '2 min 20 s', '59 min 59 s']);
    expect([3600, 5400].map(formatDuration)).toEqual(['1.0 h', '1.5 h']);
  });
});
