import stringWidth from 'string-width';

/*
 * Display widths of SANITIZED text (no control characters or escape sequences left): East Asian wide
 * characters and emoji take two columns, combining marks none. Measured with string-width, grapheme by
 * grapheme where text is cut, so a wide character is never split.
 */

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

export const ELLIPSIS = '…';

export function displayWidth(text: string): number {
  return PRINTABLE_ASCII.test(text) ? text.length : stringWidth(text, { countAnsiEscapeCodes: true });
}

/** The longest prefix of `text` at most `width` columns wide, ending in `…` when something was cut. */
export function truncateToWidth(text: string, width: number): string {
  if (width <= 0) return '';
  if (PRINTABLE_ASCII.test(text)) {
    return text.length <= width ? text : text.slice(0, width - 1) + ELLIPSIS;
  }
  if (displayWidth(text) <= width) return text;
  let kept = '';
  let used = 0;
  for (const { segment } of segmenter.segment(text)) {
    const w = displayWidth(segment);
    if (used + w > width - 1) break;
    kept += segment;
    used += w;
  }
  return kept + ELLIPSIS;
}

/** Exactly `width` columns: truncated with an ellipsis, then padded on the right or (numbers) the left. */
export function fitToWidth(text: string, width: number, alignRight = false): string {
  const cut = truncateToWidth(text, width);
  const pad = width - displayWidth(cut);
  if (pad <= 0) return cut;
  return alignRight ? ' '.repeat(pad) + cut : cut + ' '.repeat(pad);
}

/** Hard-wraps each line of `text` to `width` columns, never splitting a grapheme. */
export function wrapToWidth(text: string, width: number): string[] {
  const lines: string[] = [];
  const limit = Math.max(1, width);
  for (const line of text.split('\n')) {
    if (PRINTABLE_ASCII.test(line)) {
      if (line.length === 0) lines.push('');
      for (let i = 0; i < line.length; i += limit) lines.push(line.slice(i, i + limit));
      continue;
    }
    let current = '';
    let used = 0;
    for (const { segment } of segmenter.segment(line)) {
      const w = displayWidth(segment);
      if (used + w > limit && current !== '') {
        lines.push(current);
        current = '';
        used = 0;
      }
      current += segment;
      used += w;
    }
    lines.push(current);
  }
  return lines;
}
