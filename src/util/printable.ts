/**
 * Text from user data as it may appear inside a one-line error message: control characters (C0, DEL,
 * C1), line and paragraph separators and lone surrogates escaped (\r, \n, \t, \x00, \u2028), and the
 * result cut to `max` characters with an ellipsis, so a NUL byte or a CR-only file quoted whole
 * cannot break the line or flood the terminal. (JSON.stringify would leave C1 controls and U+2028
 * as they are, and escape quotes the message puts around the text.)
 */
export const PRINTABLE_MAX = 80;

const NAMED: Record<number, string> = { 0x0a: '\\n', 0x0d: '\\r', 0x09: '\\t' };

export function printable(text: string, max = PRINTABLE_MAX): string {
  const shown: string[] = [];
  let length = 0;
  for (const char of text) {
    const piece = unprintable(char.codePointAt(0)!) ? escape(char.codePointAt(0)!) : char;
    shown.push(piece);
    length += piece.length;
    if (length > max) break;
  }
  if (length <= max) return shown.join('');
  let out = '';
  for (const piece of shown) {
    if (out.length + piece.length > max - 1) break;
    out += piece;
  }
  return `${out}…`;
}

function unprintable(code: number): boolean {
  return (
    code < 0x20 ||
    (code >= 0x7f && code <= 0x9f) ||
    code === 0x2028 ||
    code === 0x2029 ||
    (code >= 0xd800 && code <= 0xdfff)
  );
}

function escape(code: number): string {
  return NAMED[code] ?? (code <= 0xff ? `\\x${hex(code, 2)}` : `\\u${hex(code, 4)}`);
}

function hex(code: number, width: number): string {
  return code.toString(16).toUpperCase().padStart(width, '0');
}
