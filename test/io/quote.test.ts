/**
 * A user's text inside an error message (src/io/quote.ts): control characters escaped and long
 * text cut with its length. Expected strings are literals.
 */
import { describe, expect, it } from 'vitest';
import { escapeControls, quoteText } from '../../src/io/quote.js';

describe('escapeControls', () => {
  it('writes tab, newline and return as \\t, \\n, \\r, other C0 controls and DEL as \\xNN, line separators as \\uNNNN', () => {
    expect(escapeControls('a\tb\nc\rd')).toBe('a\\tb\\nc\\rd');
    expect(escapeControls('nul\u0000 esc\u001b del\u007f')).toBe('nul\\x00 esc\\x1b del\\x7f');
    expect(escapeControls('ls\u2028ps\u2029')).toBe('ls\\u2028ps\\u2029');
    expect(escapeControls('plain é ✓')).toBe('plain é ✓');
  });
});

describe('quoteText', () => {
  it('quotes short text whole and cuts long text after max characters, with its length', () => {
    expect(quoteText('relu\u0000')).toBe("'relu\\x00'");
    expect(quoteText('x'.repeat(40))).toBe(`'${'x'.repeat(40)}'`);
    expect(quoteText('x'.repeat(5_000_000))).toBe(`'${'x'.repeat(40)}…' (5,000,000 characters)`);
    expect(quoteText('abcdef', 3)).toBe("'abc…' (6 characters)");
  });
});
