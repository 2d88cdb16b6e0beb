import { type FormEvent, useState } from 'react';
import { EmptyState, ErrorMessage, Loading, PageHeading, useAsync } from '../components/ui';
import { api } from '../lib/api';
import { Link, useRouter } from '../lib/router';
import { CATEGORIES } from '../lib/categories';
import type { CatalogueEntry, Page } from '../lib/types';

export default function Catalogue() {
  const { location, navigate } = useRouter();
  const q = location.search.get('q') ?? '';
  const category = location.search.get('category') ?? '';
  const [query, setQuery] = useState(q);
  const results = useAsync(() => {
    const params = new URLSearchParams({ limit: '50' });
    if (q) params.set('q', q);
    if (category) params.set('category', category);
    return api<Page<CatalogueEntry>>('GET', `/analyses?${params.toString()}`);
  }, [q, category]);

  const go = (nextQ: string, nextCategory: string) => {
    const params = new URLSearchParams();
    if (nextQ) params.set('q', nextQ);
    if (nextCategory) params.set('category', nextCategory);
    const search = params.toString();
    navigate(`/catalogue${search ? `?${search}` : ''}`);
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    go(query.trim(), category);
  };

  return (
    <>
      <PageHeading title="Catalogue">Catalogue</PageHeading>
      <p>Analyses reviewed by Lockbox. Each runs in a sealed box on your data, reads only the fields you allow, and hands back a result only you see.</p>
      <form role="search" onSubmit={submit} className="search">
        <label htmlFor="catalogue-search">Search analyses</label>
        <div className="search-row">
          <input id="catalogue-search" type="search" value={query} maxLength={100} onChange={(event) => setQuery(event.target.value)} />
          <button type="submit">Search</button>
        </div>
      </form>
      <nav aria-label="Categories" className="categories">
        <ul>
          <li>
            <button type="button" aria-pressed={category === ''} onClick={() => go(q, '')}>
              All
            </button>
          </li>
          {CATEGORIES.map((entry) => (
            <li key={entry.value}>
              <button type="button" aria-pressed={category === entry.value} onClick={() => go(q, entry.value)}>
                {entry.label}
              </button>
            </li>
          ))}
        </ul>
      </nav>
      <ErrorMessage error={results.error} />
      {results.loading && !results.data ? <Loading what="the catalogue" /> : null}
      {results.data && results.data.items.length === 0 ? (
        <EmptyState title="No analyses found">
          <p>{q || category ? 'Nothing matches this search. Try other words, or all categories.' : 'No analysis is published yet. Check again later.'}</p>
        </EmptyState>
      ) : null}
      {results.data && results.data.items.length > 0 ? (
        <ul className="cards" aria-label="Analyses">
          {results.data.items.map((entry) => (
            <li key={entry.slug} className="card">
              <h2>
                <Link to={`/analyses/${encodeURIComponent(entry.slug)}`}>{entry.title}</Link>
              </h2>
              <p className="muted">
                {CATEGORIES.find((item) => item.value === entry.category)?.label ?? entry.category} · version {entry.latestVersion.version} ·{' '}
                {entry.price === 0 ? 'free' : `${entry.price} credits`}
              </p>
              <p>{entry.description}</p>
            </li>
          ))}
        </ul>
      ) : null}
    </>
  );
}
