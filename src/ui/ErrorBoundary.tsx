import React from 'react';
import { Text } from 'ink';
import { formatError } from '../format/errorText.js';

interface Props {
  children: React.ReactNode;
  /** A new value clears a caught error: the next state change (a key, a fetched page) redraws. */
  resetKey: unknown;
}

interface State {
  error: unknown;
  resetKey: unknown;
}

/** Keeps a rendering bug from taking the REPL down: it shows the error and recovers on the next key. */
export class ErrorBoundary extends React.Component<Props, State> {
  override state: State = { error: null, resetKey: null };

  static getDerivedStateFromError(error: unknown): Partial<State> {
    return { error };
  }

  static getDerivedStateFromProps(props: Props, state: State): Partial<State> | null {
    return props.resetKey !== state.resetKey ? { error: null, resetKey: props.resetKey } : null;
  }

  override render(): React.ReactNode {
    if (this.state.error !== null) {
      return <Text color="red">{`${formatError(this.state.error)}\n(press a key to redraw)`}</Text>;
    }
    return this.props.children;
  }
}
