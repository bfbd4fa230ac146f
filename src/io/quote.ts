/**
 * A user's text inside an error message: control characters escaped (a NUL byte in a cell would
 * otherwise be invisible in a terminal) and long text cut, so a 5 MB string costs one short line.
 */

/** `text` with C0 controls, DEL and the Unicode line separators written as `\t`, `\n`, `\r` or `\xNN` / `\uNNNN` (NUL is `\x00`). */
export function escapeControls(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (c) => {
    const code = c.charCodeAt(0);
    if (c === '\t') return '\\t';
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    return code > 0xff ? `\\u${code.toString(16).padStart(4, '0')}` : `\\x${code.toString(16).padStart(2, '0')}`;
  });
}

/** `'text'` escaped; when longer than `max` characters, its first `max` then `…' (N characters)`. */
export function quoteText(text: string, max = 40): string {
  if (text.length <= max) return `'${escapeControls(text)}'`;
  return `'${escapeControls(text.slice(0, max))}…' (${text.length.toLocaleString('en-US')} characters)`;
}
