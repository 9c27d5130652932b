/** Duplicate JSON keys (SPEC §10: a parameter sent twice is refused). */
import { describe, expect, it } from 'vitest';
import { duplicateJsonKey } from '../../src/domain/json';

describe('duplicateJsonKey', () => {
  it.each([
    ['{"price":"1.00","price":"2.00"}', 'price'],
    ['{"price":"1.00","\\u0070rice":"2.00"}', 'price'],
    ['{"a":{"x":1,"x":2}}', 'x'],
    ['{"a":[{"k":1},{"k":2,"k":3}]}', 'k'],
    ['{"headers":{"X-A":"1","X-A":"2"}}', 'X-A'],
    ['{"a":"price","price":"1"}', null],
    ['{"a":["b","b"],"c":{"b":1}}', null],
    ['{"a":{"k":1},"b":{"k":1}}', null],
    ['{"q":"say \\"x\\", \\"x\\""}', null],
    ['{}', null],
    ['{"a":"unterminated', null],
    ['{"\\x":1,"\\x":2}', null],
  ])('%s → %s', (text, key) => expect(duplicateJsonKey(text)).toBe(key));
});
