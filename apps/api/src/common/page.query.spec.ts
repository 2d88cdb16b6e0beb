import { BadRequestException } from '@nestjs/common';
import { MAX_PAGE_OFFSET, PageQuery } from './page.query';
import { createValidationPipe } from './validation.pipe';

async function parse(query: Record<string, unknown>): Promise<PageQuery> {
  return (await createValidationPipe().transform(query, { type: 'query', metatype: PageQuery })) as PageQuery;
}

describe('PageQuery', () => {
  it('takes decimal offsets and limits within bounds, and defaults to 0 and 20', async () => {
    expect(await parse({})).toMatchObject({ offset: 0, limit: 20 });
    expect(await parse({ offset: '40', limit: '100' })).toMatchObject({ offset: 40, limit: 100 });
    expect(await parse({ offset: String(MAX_PAGE_OFFSET), limit: '1' })).toMatchObject({ offset: MAX_PAGE_OFFSET, limit: 1 });
  });

  it.each([
    ['a huge offset', { offset: '1e19' }],
    ['an offset past the cap', { offset: String(MAX_PAGE_OFFSET + 1) }],
    ['an offset beyond 2^63', { offset: '99999999999999999999' }],
    ['a negative offset', { offset: '-1' }],
    ['a fractional offset', { offset: '1.5' }],
    ['a hexadecimal offset', { offset: '0x10' }],
    ['an empty offset', { offset: '' }],
    ['a padded offset', { offset: ' 5' }],
    ['a word', { offset: 'ten' }],
    ['a repeated offset', { offset: ['1', '2'] }],
    ['a limit of 0', { limit: '0' }],
    ['a limit over 100', { limit: '101' }],
    ['an exponent limit', { limit: '1e1' }],
  ])('answers 400 for %s', async (_case, query) => {
    await expect(parse(query)).rejects.toBeInstanceOf(BadRequestException);
  });
});
