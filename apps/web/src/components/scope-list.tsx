// What an analysis reads, in the platform's words (lib/scopes.ts), never the developer's.
import { describeScopes } from '../lib/scopes';
import type { Scopes } from '../lib/types';

export function ScopeList({ scopes, emptyText = 'Nothing.' }: { scopes: Scopes; emptyText?: string }) {
  const kinds = describeScopes(scopes);
  if (kinds.length === 0) return <p>{emptyText}</p>;
  return (
    <ul className="scopes">
      {kinds.map((kind) => (
        <li key={kind.kind}>
          From <strong>{kind.kindWords}</strong>:
          <ul>
            {kind.fields.map((field) => (
              <li key={field.field}>{field.words}</li>
            ))}
          </ul>
        </li>
      ))}
    </ul>
  );
}
