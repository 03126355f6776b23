// Types only, and from the types file: the pure core must not pull in the loader's I/O.
import type { CatalogColumns, ItemRecords } from '../catalog/types';
import { createJsKernel, type Int8Rows, type VectorKernel } from '../vector';
import { createIdIndex } from './id-index';
import type { RankModel } from './types';

export interface RankModelInput {
  columns: CatalogColumns;
  /** Unit vectors as int8 rows, one per item; ranking reads them in place. */
  rows: Int8Rows;
  records: ItemRecords;
  /**
   * The kernel that scans `rows`; a WASM kernel only scans rows it allocated itself.
   * @defaultValue the plain-JS kernel, which scans any rows
   */
  kernel?: VectorKernel;
}

/** Wraps columns and rows without copying them: the only work is the id → position index. */
export function createRankModel({ columns, rows, records, kernel = createJsKernel() }: RankModelInput): RankModel {
  if (rows.scales.length !== columns.count) throw new RangeError(`rank: ${rows.scales.length} vector rows for ${columns.count} items`);
  const indexOf = createIdIndex(columns.ids);
  const codes = (names: readonly string[]) => {
    const map = new Map<string, number>();
    // Code 0 is "none"; its empty name must not shadow a real one.
    for (let c = 1; c < names.length; c++) map.set(names[c]!, c);
    return map;
  };
  const categoryCodes = codes(columns.categories.names);
  const brandCodes = codes(columns.brands.names);
  const tagCodes = codes(columns.tagNames);
  const nameOf = (column: CatalogColumns['categories'], i: number) => {
    const c = column.codes[i]!;
    return c === 0 ? undefined : column.names[c];
  };
  return {
    ...columns,
    dim: rows.dim,
    rows,
    kernel,
    indexOf,
    titleOf: (i) => records.get(i).title,
    attributesOf: (i) => {
      const tags: string[] = [];
      for (let p = columns.tags.offsets[i]!; p < columns.tags.offsets[i + 1]!; p++) tags.push(columns.tagNames[columns.tags.codes[p]!]!);
      const price = columns.prices[i]!;
      return { category: nameOf(columns.categories, i), tags, brand: nameOf(columns.brands, i), price: Number.isNaN(price) ? undefined : price };
    },
    categoryCode: (name) => categoryCodes.get(name),
    brandCode: (name) => brandCodes.get(name),
    tagCode: (name) => tagCodes.get(name),
  };
}
