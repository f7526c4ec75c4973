import React from 'react';
import { Static, Text } from 'ink';
import type { TranscriptItem } from './replReducer.js';

/** Earlier statements and their results, printed once above the live area (Ink's <Static>). */
export function Transcript({ items }: { items: readonly TranscriptItem[] }): React.JSX.Element {
  return <Static items={[...items]}>{(item) => <Text key={item.id}>{item.lines.join('\n')}</Text>}</Static>;
}
