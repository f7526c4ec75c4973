import { describe, expect, it } from 'vitest';
import {
  initialViewer,
  rowsPerScreen,
  viewerReducer,
  type ViewerAction,
  type ViewerState,
} from '../../../src/ui/viewerReducer.js';

const start = (fetched: number, total: number | null, height = 10): ViewerState =>
  initialViewer({
    height,
    columnCount: 3,
    expanded: false,
    rows: { start: 0, end: fetched, fetched, total },
  });
const run = (state: ViewerState, ...actions: ViewerAction[]): ViewerState =>
  actions.reduce(viewerReducer, state);

describe('the results viewer', () => {
  it('scrolls the view with the cursor and pages by a screen', () => {
    let state = run(start(100, 100), { type: 'move', delta: 12 });
    expect(state).toMatchObject({ cursor: 12, top: 3 });
    state = run(state, { type: 'page', direction: 1 });
    expect(state).toMatchObject({ cursor: 22, top: 13 });
    state = run(state, { type: 'page', direction: -1 }, { type: 'page', direction: -1 });
    expect(state).toMatchObject({ cursor: 2, top: 0 });
    expect(run(state, { type: 'bottom' })).toMatchObject({ cursor: 99, top: 90 });
    expect(run(state, { type: 'move', delta: -5 })).toMatchObject({ cursor: 0 });
  });

  it('waits for the rest of the result when End is pressed before the count is known', () => {
    let state = run(start(50, null), { type: 'bottom' });
    expect(state.seekingEnd).toBe(true);
    expect(state.cursor).toBe(0);
    state = run(state, { type: 'rows', rows: { start: 0, end: 500, fetched: 500, total: 500 } });
    expect(state).toMatchObject({ seekingEnd: false, cursor: 499, top: 490 });
  });

  it('remembers a row past the fetched ones and goes there when it arrives', () => {
    let state = run(
      start(50, null),
      { type: 'page', direction: 1 },
      { type: 'page', direction: 1 },
      { type: 'page', direction: 1 },
      { type: 'page', direction: 1 },
      { type: 'page', direction: 1 },
      { type: 'page', direction: 1 },
    );
    expect(state.cursor).toBe(49);
    expect(state.wanted).toBe(60);
    state = run(state, { type: 'rows', rows: { start: 0, end: 100, fetched: 100, total: null } });
    expect(state).toMatchObject({ cursor: 60, wanted: null });
  });

  it('scrolls columns within the result and resizes without losing the cursor', () => {
    let state = run(
      start(100, 100),
      { type: 'column', delta: 1 },
      { type: 'column', delta: 1 },
      { type: 'column', delta: 1 },
    );
    expect(state.left).toBe(2);
    state = run(state, { type: 'move', delta: 40 }, { type: 'resize', height: 5 });
    expect(state).toMatchObject({ cursor: 40, top: 36, height: 5 });
  });

  it('opens the record view and steps between records', () => {
    let state = run(start(10, 10), { type: 'openRecord' }, { type: 'recordScroll', delta: 3, maxScroll: 2 });
    expect(state.record).toEqual({ scroll: 2 });
    state = run(state, { type: 'recordStep', delta: 1 });
    expect(state).toMatchObject({ cursor: 1, record: { scroll: 0 } });
    expect(run(state, { type: 'closeRecord' }).record).toBeNull();
  });

  it('shows whole records per screen in expanded mode', () => {
    expect(rowsPerScreen({ height: 10, expanded: true, columnCount: 3 })).toBe(2);
    expect(rowsPerScreen({ height: 2, expanded: true, columnCount: 3 })).toBe(1);
  });
});
