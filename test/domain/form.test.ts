/** Strict form decoding (issue 20 item 8): what URLSearchParams would make U+FFFD is an error naming the field. */
import { describe, expect, it } from 'vitest';
import { decodeForm } from '../../src/domain/form';

describe('decodeForm', () => {
  it.each<[string, [string, string][]]>([
    [
      'a=1&b=2',
      [
        ['a', '1'],
        ['b', '2'],
      ],
    ],
    ['custom=%E4%BD%A0%E5%A5%BD', [['custom', '你好']]],
    ['custom=a+b%2Bc', [['custom', 'a b+c']]],
    ['url=http%3A%2F%2Fs%2Fr%3Fa%3D1%26b%3D2', [['url', 'http://s/r?a=1&b=2']]],
    ['a=1=2', [['a', '1=2']]],
    [
      'flag&&x=',
      [
        ['flag', ''],
        ['x', ''],
      ],
    ],
    [
      'a=1&a=2',
      [
        ['a', '1'],
        ['a', '2'],
      ],
    ],
    ['', []],
  ])('%j', (text, pairs) => expect(decodeForm(text)).toEqual({ ok: true, pairs }));

  it.each<[string, string]>([
    ['custom=%FF', 'custom'], // not UTF-8
    ['custom=100%', 'custom'], // a lone %
    ['sign=%zz', 'sign'], // not hex
    ['name=%E4%BC', 'name'], // a cut sequence
    ['x=%ED%A0%80', 'x'], // a surrogate
    ['x=%C0%AF', 'x'], // an overlong form of /
    ['ok=1&%FF=1', '%FF'], // a name that does not decode is named as sent
  ])('%j → names %s', (text, field) =>
    expect(decodeForm(text)).toEqual({
      ok: false,
      field,
      error: `${field}: not valid UTF-8 percent-encoding (send a literal % as %25)`,
    }),
  );
});
