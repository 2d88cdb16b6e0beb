import type { ConsentScopes } from '@lockbox/analysis-sdk';
import { addedScopes, newestFirst } from './published-versions';

describe('newestFirst', () => {
  it('orders by semantic version, not by text', () => {
    const versions = ['1.9.0', '1.10.0', '1.10.0-beta.1', '0.1.0', '2.0.0-rc.1'].map((version) => ({ version }));
    expect(newestFirst(versions).map((entry) => entry.version)).toEqual(['2.0.0-rc.1', '1.10.0', '1.10.0-beta.1', '1.9.0', '0.1.0']);
    expect(versions[0]?.version).toBe('1.9.0');
  });
});

describe('addedScopes', () => {
  it('names the fields a version reads that the previous one did not, by kind', () => {
    const previous: ConsentScopes = { 'social.posts': ['timestamp', 'likes'] };
    const current: ConsentScopes = { 'social.posts': ['likes', 'timestamp', 'text'], 'social.messages': ['timestamp'] };
    expect(addedScopes(current, previous)).toEqual({ 'social.posts': ['text'], 'social.messages': ['timestamp'] });
  });

  it('is empty when nothing was added, even if fields were dropped', () => {
    expect(addedScopes({ 'social.posts': ['timestamp'] }, { 'social.posts': ['timestamp', 'likes'] })).toEqual({});
  });

  it('counts everything as new for the first published version', () => {
    expect(addedScopes({ 'social.posts': ['timestamp', 'likes'] }, undefined)).toEqual({ 'social.posts': ['timestamp', 'likes'] });
  });
});
