import { thrown } from '../../test/support/thrown.ts';
import { describe, expect, it } from 'vitest';
import { CanonicalJsonError, canonicalize } from './canonical-json.ts';


describe('canonicalize: RFC 8785 examples', () => {
  it('canonicalizes the §3.2.2 example input', () => {
    const input = String.raw`{
      "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
      "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
      "literals": [null, true, false]
    }`;
    const expected = String.raw`{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}`;
    expect(canonicalize(JSON.parse(input))).toBe(expected);
  });

  it('sorts keys by UTF-16 code units (§3.2.3)', () => {
    const input = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    };
    const expected =
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis",' +
      '"\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}';
    expect(canonicalize(input)).toBe(expected);
  });

  // Appendix B: IEEE 754 bit patterns and their required serialization.
  it.each([
    ['0000000000000000', '0'],
    ['8000000000000000', '0'],
    ['0000000000000001', '5e-324'],
    ['8000000000000001', '-5e-324'],
    ['7fefffffffffffff', '1.7976931348623157e+308'],
    ['ffefffffffffffff', '-1.7976931348623157e+308'],
    ['4340000000000000', '9007199254740992'],
    ['c340000000000000', '-9007199254740992'],
    ['4430000000000000', '295147905179352830000'],
    ['44b52d02c7e14af5', '9.999999999999997e+22'],
    ['44b52d02c7e14af6', '1e+23'],
    ['44b52d02c7e14af7', '1.0000000000000001e+23'],
    ['444b1ae4d6e2ef4e', '999999999999999700000'],
    ['444b1ae4d6e2ef4f', '999999999999999900000'],
    ['444b1ae4d6e2ef50', '1e+21'],
    ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
    ['3eb0c6f7a0b5ed8d', '0.000001'],
    ['41b3de4355555553', '333333333.3333332'],
    ['41b3de4355555554', '333333333.33333325'],
    ['41b3de4355555555', '333333333.3333333'],
    ['41b3de4355555556', '333333333.3333334'],
    ['41b3de4355555557', '333333333.33333343'],
    ['becbf647612f3696', '-0.0000033333333333333333'],
    ['43143ff3c1cb0959', '1424953923781206.2'],
  ])('serializes the double %s as %s (Appendix B)', (bits, text) => {
    expect(canonicalize(Buffer.from(bits, 'hex').readDoubleBE(0))).toBe(text);
  });

  it.each([
    ['7fffffffffffffff', 'NaN'],
    ['7ff0000000000000', 'Infinity'],
    ['fff0000000000000', '-Infinity'],
  ])('refuses the double %s (%s) (Appendix B)', (bits) => {
    expect(() => canonicalize(Buffer.from(bits, 'hex').readDoubleBE(0))).toThrow(CanonicalJsonError);
  });

  it('writes numbers in ECMAScript shortest form', () => {
    expect(canonicalize([1e21, 1e20, 0.000001, 1e-7, -0, 9007199254740992, 333333333.3333332, 100, -1.5, 0.1 + 0.2])).toBe(
      '[1e+21,100000000000000000000,0.000001,1e-7,0,9007199254740992,333333333.3333332,100,-1.5,0.30000000000000004]',
    );
  });
});

describe('canonicalize: structure', () => {
  it('sorts nested objects, keeps array order, omits undefined members, adds no whitespace', () => {
    const value = {
      z: [3, { b: 2, a: [true, null, { d: undefined, c: 'x' }] }, 1],
      a: { y: {}, x: [] },
      m: undefined,
      '': 'empty key',
    };
    expect(canonicalize(value)).toBe('{"":"empty key","a":{"x":[],"y":{}},"z":[3,{"a":[true,null,{"c":"x"}],"b":2},1]}');
  });

  it('compares keys by code units, not code points or locale', () => {
    // U+FB33 (one unit 0xFB33) sorts after U+1F600 (units 0xD83D 0xDE00), and 'Z' before 'a'.
    expect(canonicalize({ '\ufb33': 1, '\u{1f600}': 2, a: 3, Z: 4, '\u00e9': 5, e: 6 })).toBe(
      '{"Z":4,"a":3,"e":6,"\u00e9":5,"\u{1f600}":2,"\ufb33":1}',
    );
  });

  it('escapes exactly what §3.2.2.2 requires', () => {
    let controls = '';
    for (let c = 0; c < 0x20; c++) controls += String.fromCharCode(c);
    expect(canonicalize(controls)).toBe(
      '"\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\b\\t\\n\\u000b\\f\\r\\u000e\\u000f' +
        '\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017\\u0018\\u0019\\u001a\\u001b\\u001c\\u001d\\u001e\\u001f"',
    );
    expect(canonicalize('"\\/\u007f\u2028\u2029\u00e9\u{1f600}')).toBe('"\\"\\\\/\u007f\u2028\u2029\u00e9\u{1f600}"');
  });

  it('accepts null-prototype objects and shared (acyclic) references', () => {
    const shared = { k: 1 };
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { b: shared, a: shared });
    expect(canonicalize(bare)).toBe('{"a":{"k":1},"b":{"k":1}}');
  });

  it('ignores symbol keys and non-enumerable properties, as JSON does', () => {
    const value: Record<string | symbol, unknown> = { a: 1, [Symbol('s')]: 2 };
    Object.defineProperty(value, 'hidden', { value: 3, enumerable: false });
    expect(canonicalize(value)).toBe('{"a":1}');
  });
});

describe('canonicalize: refusals', () => {
  class Point {
    constructor(readonly x: number) {}
  }
  const cyclic: Record<string, unknown> = { a: 1 };
  cyclic.self = { back: cyclic };
  let deep: unknown = 1;
  for (let i = 0; i < 1500; i++) deep = [deep];

  it.each([
    ['NaN', { n: Number.NaN }, '$.n'],
    ['Infinity', [Infinity], '$[0]'],
    ['a BigInt', { id: 10n }, '$.id'],
    ['a Date', { at: new Date(0) }, '$.at'],
    ['a Buffer', { b: Buffer.from('x') }, '$.b'],
    ['a Uint8Array', new Uint8Array(2), '$'],
    ['a Map', { m: new Map() }, '$.m'],
    ['a class instance', { p: new Point(1) }, '$.p'],
    ['a function', { f: () => 1 }, '$.f'],
    ['a symbol', [Symbol('s')], '$[0]'],
    ['top-level undefined', undefined, '$'],
    ['undefined in an array', [1, undefined], '$[1]'],
    ['a sparse array', [1, , 3], '$[1]'],
    ['a lone high surrogate', { s: 'a\ud800b' }, '$.s'],
    ['a lone low surrogate in a key', { ['k\udc00']: 1 }, '$["k\\udc00"]'],
    ['a cycle', cyclic, '$.self.back'],
  ])('refuses %s, naming where it is', (_what, value, path) => {
    const err = thrown(() => canonicalize(value));
    expect(err).toBeInstanceOf(CanonicalJsonError);
    expect(err).toMatchObject({ code: 'ledger.not_canonicalizable', path, expose: true });
  });

  it('refuses absurd nesting with a typed error rather than a stack overflow', () => {
    expect(thrown(() => canonicalize(deep))).toMatchObject({ code: 'ledger.not_canonicalizable' });
  });
});
