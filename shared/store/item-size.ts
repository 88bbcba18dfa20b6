import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';

/**
 * The size DynamoDB bills an item at (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html):
 * each attribute's UTF-8 name plus its value: a string's UTF-8 bytes, a binary's bytes, a
 * number's significant digits at one byte per two plus one, a boolean or null one byte, a
 * list or map 3 bytes plus one per element plus the elements.
 */
export function itemBytes(item: Readonly<Record<string, AttributeValue>>): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(item)) bytes += Buffer.byteLength(name, 'utf8') + valueBytes(value);
  return bytes;
}

function valueBytes(v: AttributeValue): number {
  if (v.S !== undefined) return Buffer.byteLength(v.S, 'utf8');
  if (v.N !== undefined) return numberBytes(v.N);
  if (v.B !== undefined) return v.B.length;
  if (v.BOOL !== undefined || v.NULL !== undefined) return 1;
  if (v.SS !== undefined) return v.SS.reduce((n, s) => n + Buffer.byteLength(s, 'utf8'), 0);
  if (v.NS !== undefined) return v.NS.reduce((n, s) => n + numberBytes(s), 0);
  if (v.BS !== undefined) return v.BS.reduce((n, b) => n + b.length, 0);
  if (v.L !== undefined) return 3 + v.L.reduce((n, e) => n + 1 + valueBytes(e), 0);
  if (v.M !== undefined) return 3 + Object.entries(v.M).reduce((n, [k, e]) => n + 1 + Buffer.byteLength(k, 'utf8') + valueBytes(e), 0);
  return 0;
}

/** One byte per two significant digits, plus one (leading and trailing zeros, sign, point and exponent not counted). */
export function numberBytes(n: string): number {
  const [mantissa = ''] = n.replace(/^[-+]/, '').toLowerCase().split('e');
  const digits = mantissa.replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(Math.max(1, digits.length) / 2) + 1;
}

/** The attributes of `item` an index with these keys and INCLUDE attributes keeps (table keys, index keys, projected). */
export function projected(item: Readonly<Record<string, AttributeValue>>, keep: readonly string[]): Record<string, AttributeValue> {
  return Object.fromEntries(Object.entries(item).filter(([name]) => keep.includes(name)));
}

/** A client that answers every call with nothing and keeps the last item written. */
export function capturingClient(): { client: DynamoDBClient; written: () => Record<string, AttributeValue> } {
  let last: Record<string, AttributeValue> | undefined;
  const client = {
    send: async (command: { input: { Item?: Record<string, AttributeValue>; TransactItems?: Array<{ Put?: { Item: Record<string, AttributeValue> } }> } }) => {
      last = command.input.Item ?? command.input.TransactItems?.[0]?.Put?.Item ?? last;
      return {};
    },
  } as unknown as DynamoDBClient;
  return { client, written: () => last! };
}
