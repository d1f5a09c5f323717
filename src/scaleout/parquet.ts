// Parquet files for veRL, written by hyparquet-writer from a small typed schema: text, 64-bit integers, lists
// and structs (nested as pandas/pyarrow write them: a LIST is group > repeated "list" > "element").
import { parquetWriteBuffer } from 'hyparquet-writer';
import type { SchemaElement } from 'hyparquet';

export type ParquetType = 'string' | 'int64' | { list: ParquetType } | { struct: Record<string, ParquetType> };

export type ParquetSchema = Record<string, ParquetType>;
type Row = Record<string, unknown>;

function elements(name: string, type: ParquetType, repetition: 'OPTIONAL' | 'REQUIRED' = 'OPTIONAL'): SchemaElement[] {
  if (type === 'string') return [{ name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: repetition }];
  if (type === 'int64') return [{ name, type: 'INT64', repetition_type: repetition }];
  if ('list' in type) {
    return [
      { name, repetition_type: repetition, converted_type: 'LIST', num_children: 1 },
      { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
      ...elements('element', type.list),
    ];
  }
  const fields = Object.entries(type.struct);
  return [
    { name, repetition_type: repetition, num_children: fields.length },
    ...fields.flatMap(([child, childType]) => elements(child, childType)),
  ];
}

/** Integers as BigInt where the schema says int64, checked against the schema on the way. */
function encode(value: unknown, type: ParquetType, where: string): unknown {
  if (value === null || value === undefined) return null;
  if (type === 'string') {
    if (typeof value !== 'string') throw new Error(`${where} must be text`);
    return value;
  }
  if (type === 'int64') {
    if (!Number.isSafeInteger(value)) throw new Error(`${where} must be an integer`);
    return BigInt(value as number);
  }
  if ('list' in type) {
    if (!Array.isArray(value)) throw new Error(`${where} must be a list`);
    return value.map((item, i) => encode(item, type.list, `${where}[${i}]`));
  }
  const row = value as Row;
  return Object.fromEntries(
    Object.entries(type.struct).map(([key, child]) => [key, encode(row[key], child, `${where}.${key}`)]),
  );
}

/** A Parquet file with one column per schema field, in schema order. */
export function writeParquet(schema: ParquetSchema, rows: readonly Row[]): Uint8Array {
  const columns = Object.entries(schema);
  const buffer = parquetWriteBuffer({
    schema: [
      { name: 'root', num_children: columns.length },
      ...columns.flatMap(([name, type]) => elements(name, type)),
    ],
    columnData: columns.map(([name, type]) => ({
      name,
      data: rows.map((row, i) => encode(row[name], type, `row ${i}: ${name}`)),
    })),
  });
  return new Uint8Array(buffer);
}
