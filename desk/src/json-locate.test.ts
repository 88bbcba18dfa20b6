import { describe, expect, it } from 'vitest';
import { locateFields, spanOf } from './json-locate.ts';

const TEXT = `{
  "accountId": "a-1",
  "positions": [
    { "id": "p", "quantity": "forty" },
    { "id": "q", "instrument": { "type": "perpetual" } }
  ],
  "market": { "BTC": { "price": -1 } }
}`;

describe("locateFields: where a problem's field is in the JSON text", () => {
  const spans = locateFields(TEXT);
  const at = (field: string) => {
    const span = spanOf(spans, field)!;
    return { line: span.line, text: TEXT.slice(span.start, span.end) };
  };

  it('finds values by the paths problems name them with', () => {
    expect(at('positions[0].quantity')).toEqual({ line: 4, text: '"forty"' });
    expect(at('market.BTC.price')).toEqual({ line: 7, text: '-1' });
    expect(at('positions[1].instrument.type')).toEqual({ line: 5, text: '"perpetual"' });
    expect(at('accountId')).toEqual({ line: 2, text: '"a-1"' });
  });

  it('points a missing field at the nearest value that encloses it', () => {
    expect(at('positions[1].instrument.underlying')).toEqual({ line: 5, text: '{ "type": "perpetual" }' });
    expect(at('collateral')).toEqual({ line: 1, text: TEXT });
  });

  it('gives nothing for text that is not JSON', () => {
    expect(locateFields('{ "a": ').size).toBe(0);
    expect(spanOf(locateFields('nope'), 'a')).toBeUndefined();
  });

  it('reads escaped quotes in keys and strings', () => {
    const text = '{"a\\"b": [1, {"c": "x\\"y"}]}';
    const s = locateFields(text);
    expect(text.slice(s.get('a"b[1].c')!.start, s.get('a"b[1].c')!.end)).toBe('"x\\"y"');
  });
});
