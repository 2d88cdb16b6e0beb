import { isConsentScopesShape } from './dto/create-run.dto';
import { describeScopes, pickPublishedVersion } from './runs.service';

describe('run requests', () => {
  it('picks the highest published version in semver order, not text order', () => {
    const versions = [
      { version: '1.10.0', status: 'published' as const },
      { version: '1.9.0', status: 'published' as const },
      { version: '2.0.0', status: 'awaiting_review' as const },
      { version: '1.10.1-beta.1', status: 'published' as const },
    ];
    expect(pickPublishedVersion(versions)).toBe(3);
    expect(pickPublishedVersion(versions.slice(0, 3))).toBe(0);
    expect(pickPublishedVersion(versions, '1.9.0')).toBe(1);
    expect(pickPublishedVersion(versions, '2.0.0')).toBe(-1);
    expect(pickPublishedVersion([])).toBe(-1);
  });

  it('describes the scopes a consent must grant', () => {
    expect(describeScopes({ 'social.posts': ['timestamp', 'likes'], 'social.reactions': ['reaction'] })).toBe(
      'social.posts: timestamp, likes; social.reactions: reaction',
    );
  });

  it('accepts only kind → field-list objects as consent scopes', () => {
    expect(isConsentScopesShape({ 'social.posts': ['timestamp'] })).toBe(true);
    expect(isConsentScopesShape({})).toBe(true);
    expect(isConsentScopesShape(['social.posts'])).toBe(false);
    expect(isConsentScopesShape({ 'social.posts': 'timestamp' })).toBe(false);
    expect(isConsentScopesShape({ 'social.posts': [1] })).toBe(false);
    expect(isConsentScopesShape(null)).toBe(false);
  });
});
