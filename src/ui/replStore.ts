/**
 * A tiny external store for the REPL state, read by React with useSyncExternalStore. Dispatches inside
 * `batch` notify once, so a key that changes several things renders one frame, not several.
 */
export interface Store<S, A> {
  getState: () => S;
  dispatch: (action: A) => void;
  batch: (run: () => void) => void;
  subscribe: (listener: () => void) => () => void;
}

export function createStore<S, A>(reducer: (state: S, action: A) => S, initial: S): Store<S, A> {
  let state = initial;
  let depth = 0;
  let dirty = false;
  const listeners = new Set<() => void>();
  const notify = (): void => {
    dirty = false;
    for (const listener of [...listeners]) listener();
  };
  return {
    getState: () => state,
    dispatch(action) {
      const next = reducer(state, action);
      if (next === state) return;
      state = next;
      if (depth > 0) dirty = true;
      else notify();
    },
    batch(run) {
      depth++;
      try {
        run();
      } finally {
        depth--;
        if (depth === 0 && dirty) notify();
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
