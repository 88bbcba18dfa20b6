/**
 * Where each value of a JSON text is, by the field path a problem names it with
 * (`positions[0].quantity`, `market.BTC.price`; `(body)` for the whole document), so the
 * what-if editor can point at the line of a field the API refused.
 */
export interface Span {
  /** Offsets into the text: the value's first character and the one after its last. */
  readonly start: number;
  readonly end: number;
  /** 1-based line of `start`. */
  readonly line: number;
}

/** The spans of every value in `text`, by path; an empty map when the text is not JSON. */
export function locateFields(text: string): Map<string, Span> {
  const spans = new Map<string, Span>();
  let i = 0;
  // Offsets of the line breaks, for a line number by binary search (a 5,000-position snapshot is a megabyte).
  const breaks: number[] = [];
  for (let k = text.indexOf('\n'); k !== -1; k = text.indexOf('\n', k + 1)) breaks.push(k);
  const lineAt = (offset: number) => {
    let lo = 0;
    let hi = breaks.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (breaks[mid]! < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo + 1;
  };
  const skip = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const fail = (): never => {
    throw new SyntaxError(`unexpected input at ${i}`);
  };
  const expect = (c: string) => {
    skip();
    if (text[i] !== c) fail();
    i++;
  };
  const string = (): string => {
    const from = i;
    if (text[i] !== '"') fail();
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    if (i >= text.length) fail();
    i++;
    return JSON.parse(text.slice(from, i)) as string;
  };
  /** An object's members or an array's items, from the opening bracket at `i` to `close`. */
  const members = (close: string, member: (n: number) => void) => {
    i++;
    skip();
    if (text[i] === close) {
      i++;
      return;
    }
    for (let n = 0; ; n++) {
      member(n);
      skip();
      if (text[i] === close) break;
      if (text[i] !== ',') fail();
      i++;
    }
    i++;
  };
  const join = (path: string, key: string | number) => (typeof key === 'number' ? `${path}[${key}]` : path === '' ? key : `${path}.${key}`);
  const value = (path: string): void => {
    skip();
    const start = i;
    const c = text[i];
    if (c === '{')
      members('}', () => {
        skip();
        const key = string();
        expect(':');
        value(join(path, key));
      });
    else if (c === '[') members(']', (n) => value(join(path, n)));
    else if (c === '"') string();
    else {
      const m = /^(?:-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i, i + 64));
      if (!m) fail();
      i += m![0].length;
    }
    spans.set(path === '' ? '(body)' : path, { start, end: i, line: lineAt(start) });
  };
  try {
    value('');
    return spans;
  } catch {
    return new Map();
  }
}

/**
 * The span to point at for a problem's `field`: the value itself, or, for a field that is
 * missing or not allowed, the nearest enclosing value that is in the text.
 */
export function spanOf(spans: ReadonlyMap<string, Span>, field: string): Span | undefined {
  for (let path = field; ; ) {
    const span = spans.get(path);
    if (span) return span;
    const cut = Math.max(path.lastIndexOf('.'), path.lastIndexOf('['));
    if (cut <= 0) return spans.get('(body)');
    path = path.slice(0, cut);
  }
}
