/**
 * Names, reasons and origins shown by the CLI come from Redis, where any client with write access
 * may have put them: terminal escapes in them must not reach the operator's terminal (`\x1b[2J`
 * clears it, OSC sequences retitle it or write the clipboard). C0/C1 controls, DEL and Unicode
 * bidirectional overrides (which reorder what is shown) are written as visible escapes.
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

function escape(ch: string): string {
  const code = ch.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** The string with every control or bidi character written as `\xNN` / `\uNNNN`. */
export function printable(s: string): string {
  return s.replace(UNSAFE, escape);
}

/**
 * JSON for a terminal: `JSON.stringify` escapes C0 controls itself but leaves DEL, C1 controls
 * (`\x9b` is a one-byte CSI) and bidi overrides raw; they become `\uNNNN` (still valid JSON).
 */
export function printableJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(
    UNSAFE_IN_JSON,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** What JSON.stringify leaves raw inside strings (C0 controls it escapes; newlines outside strings are layout). */
const UNSAFE_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
