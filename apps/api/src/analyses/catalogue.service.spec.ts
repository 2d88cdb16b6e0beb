import { CatalogueService } from './catalogue.service';

// The catalogue's page cache, with the repository faked: the real query runs end to end in test/e2e/submissions.e2e-spec.ts.

const row = {
  id: 'a1',
  slug: 'probe',
  title: 'Probe',
  description: 'd',
  category: 'other',
  price: 0,
  total: 1,
  versions: [
    { version: '1.2.0', scopes: {}, resources: {}, publishedAt: '2026-12-01T10:00:00+00:00' },
    { version: '1.10.0', scopes: {}, resources: {}, publishedAt: '2026-12-02T10:00:00+00:00' },
  ],
};

function catalogue(cacheMs: number) {
  const query = jest.fn().mockResolvedValue([row]);
  const analyses = { cataloguePage: query };
  const service = new CatalogueService({ api: { catalogueCacheMs: cacheMs } } as never, analyses as never);
  return { service, query };
}

const firstPage = { offset: 0, limit: 20 };

describe('CatalogueService.search', () => {
  it('lists the newest published version by semver, with ISO dates', async () => {
    const { service } = catalogue(1_000);
    const page = await service.search(firstPage);
    expect(page.total).toBe(1);
    expect(page.items[0]!.latestVersion).toMatchObject({ version: '1.10.0', publishedAt: '2026-12-02T10:00:00.000Z' });
  });

  it('answers the same search from memory, and another search from the database', async () => {
    const { service, query } = catalogue(60_000);
    await Promise.all([service.search(firstPage), service.search(firstPage)]);
    await service.search(firstPage);
    expect(query).toHaveBeenCalledTimes(1);
    await service.search({ ...firstPage, q: 'probe' });
    expect(query).toHaveBeenCalledTimes(2);
  });

  it('reads afresh once it has forgotten its pages (a version was published or suspended)', async () => {
    const { service, query } = catalogue(60_000);
    await service.search(firstPage);
    service.forgetPages();
    await service.search(firstPage);
    expect(query).toHaveBeenCalledTimes(2);
  });

  it('keeps no failed search, and nothing at all when turned off', async () => {
    const { service, query } = catalogue(60_000);
    query.mockRejectedValueOnce(new Error('database away'));
    await expect(service.search(firstPage)).rejects.toThrow('database away');
    await service.search(firstPage);
    expect(query).toHaveBeenCalledTimes(2);

    const off = catalogue(0);
    await off.service.search(firstPage);
    await off.service.search(firstPage);
    expect(off.query).toHaveBeenCalledTimes(2);
  });
});
