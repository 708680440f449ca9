/**
 * Text from the eUICC, an SM-DP+ or a cloud API is untrusted: printed as is, an ESC sequence in a
 * profile name could rewrite the operator's terminal. These helpers make such text printable.
 */

// C0 controls, DEL, C1 controls, and the bidirectional overrides that reorder what a terminal shows
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
const CONTROLS_AND_BREAKS = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** `text` with control characters replaced by "?" (new lines and tabs kept). */
export function printable(text: string): string {
  return text.replace(CONTROLS, '?');
}

/** One line of `text`: control characters, new lines and tabs replaced by "?". */
export function printableLine(text: string): string {
  return text.replace(CONTROLS_AND_BREAKS, '?');
}
