import { describe, expect, it } from 'vitest';
import { prettyJson } from '../../../src/ui/jsonPretty.js';

describe('JSON for the record view', () => {
  it('indents without turning numbers into JavaScript numbers', () => {
    expect(prettyJson('{"big":12345678901234567890,"d":1.10,"a":[1,{"x":null}],"e":{},"f":[]}')).toBe(
      '{\n  "big": 12345678901234567890,\n  "d": 1.10,\n  "a": [\n    1,\n    {\n      "x": null\n    }\n  ],\n  "e": {},\n  "f": []\n}',
    );
  });

  it('keeps strings exactly, escapes and structural characters included', () => {
    expect(prettyJson('["a,b:{c}", "q\\"x"]')).toBe('[\n  "a,b:{c}",\n  "q\\"x"\n]');
    expect(prettyJson('"just a string"')).toBe('"just a string"');
  });

  it('gives up on text that is not JSON', () => {
    expect(prettyJson('{"a":}')).toBeNull();
    expect(prettyJson('{"a":1')).toBeNull();
    expect(prettyJson('[1 2]')).toBeNull();
    expect(prettyJson('NaN')).toBeNull();
    expect(prettyJson('"open')).toBeNull();
  });
});
