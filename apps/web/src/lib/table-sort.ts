// Sorting a result table by a column: numbers as numbers, text by the reader's collation, empty cells last.
import type { TableCell } from '@lockbox/analysis-sdk';

export type SortDirection = 'ascending' | 'descending';

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

export function compareCells(left: TableCell | undefined, right: TableCell | undefined): number {
  const leftEmpty = left === null || left === undefined || left === '';
  const rightEmpty = right === null || right === undefined || right === '';
  if (leftEmpty || rightEmpty) return leftEmpty === rightEmpty ? 0 : leftEmpty ? 1 : -1;
  if (typeof left === 'number' && typeof right === 'number') return left - right;
  return collator.compare(String(left), String(right));
}

/** The rows' order (indexes) by `column`; stable, and empty cells stay last either way. */
export function sortedRowIndexes(rows: TableCell[][], column: number, direction: SortDirection): number[] {
  const indexes = rows.map((_, index) => index);
  return indexes.sort((a, b) => {
    const left = rows[a]?.[column];
    const right = rows[b]?.[column];
    const emptyOrder = compareCells(left, right);
    const leftEmpty = left === null || left === undefined || left === '';
    const rightEmpty = right === null || right === undefined || right === '';
    if (leftEmpty !== rightEmpty) return emptyOrder;
    const order = direction === 'ascending' ? emptyOrder : -emptyOrder;
    return order !== 0 ? order : a - b;
  });
}
