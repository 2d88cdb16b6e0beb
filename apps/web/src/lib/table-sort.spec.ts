import { sortedRowIndexes } from './table-sort';

describe('sortedRowIndexes', () => {
  const rows = [
    ['b', 10],
    ['a', 2],
    [null, 7],
    ['c', null],
    ['a10', 1],
    ['a2', 3],
  ];

  it('sorts numbers as numbers and keeps empty cells last both ways', () => {
    expect(sortedRowIndexes(rows, 1, 'ascending')).toEqual([4, 1, 5, 2, 0, 3]);
    expect(sortedRowIndexes(rows, 1, 'descending')).toEqual([0, 2, 5, 1, 4, 3]);
  });

  it('sorts text with numbers in it naturally', () => {
    expect(sortedRowIndexes(rows, 0, 'ascending')).toEqual([1, 5, 4, 0, 3, 2]);
  });
});
