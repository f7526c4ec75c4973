import React from 'react';
import { Text, Transform } from 'ink';

const blanks = new Map<string, string>();

/** A block of spaces `height` lines by `width` columns (cached: only a few sizes ever occur). */
function blank(height: number, width: number): string {
  const key = `${height}x${width}`;
  let block = blanks.get(key);
  if (block === undefined) {
    if (blanks.size > 64) blanks.clear();
    block = Array.from({ length: height }, () => ' '.repeat(width)).join('\n');
    blanks.set(key, block);
  }
  return block;
}

/**
 * Pre-formatted lines, each at most `width` columns, drawn without Ink measuring them: Ink lays out a
 * constant block of spaces and swaps each line for ours as it writes the frame. Ink caches the size of
 * every text it measures, forever, in a module-level map; scrolling through a million rows as <Text>
 * would grow that map without bound. Measuring a fixed block keeps memory flat and frames cheap.
 */
export function Lines({
  lines,
  width,
}: {
  lines: readonly string[];
  width: number;
}): React.JSX.Element | null {
  if (lines.length === 0) return null;
  return (
    <Transform transform={(_line: string, index: number) => lines[index] ?? ''}>
      <Text>{blank(lines.length, Math.max(1, width))}</Text>
    </Transform>
  );
}
