import { ANALYSIS_CATEGORIES } from '@lockbox/analysis-sdk';
import { CATEGORIES } from './categories';

describe('the catalogue categories', () => {
  it('are exactly the SDK categories, in its order', () => {
    expect(CATEGORIES.map((category) => category.value)).toEqual([...ANALYSIS_CATEGORIES]);
  });
});
