/**
 * A set of names from a block of text, one or more per line separated by white space; `//` starts a
 * comment that runs to the end of the line. Long allow-lists read (and review) best as prose-like blocks.
 */
export function wordSet(text: string): ReadonlySet<string> {
  const words = text
    .split('\n')
    .map((line) => line.replace(/\/\/.*$/, ''))
    .flatMap((line) => line.split(/\s+/))
    .filter((word) => word.length > 0);
  return new Set(words);
}
