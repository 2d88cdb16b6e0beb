import { type ParseContext, type ParsedItem, noteItem, skipItem } from '../export-format';
import { type JsonPath, readJsonElements } from '../../streams/json-elements';
import { repairMetaStrings } from '../../text/meta-mojibake';

/** An element's value, or what the report gets instead of it or before it (a skip, a note). */
export type MetaElement = { kind: 'value'; value: unknown; at: readonly number[]; path: number } | { kind: 'report'; item: ParsedItem };

/**
 * The elements of a Facebook or Instagram JSON file at any of `paths` (one per vintage), each with every
 * string repaired from Meta's escaped UTF-8. A string that could not be repaired is kept as written and
 * noted (`text_not_repaired`) before the element; an element the reader refused comes as its skip.
 */
export async function* metaElements(input: AsyncIterable<Buffer>, context: ParseContext, paths: readonly JsonPath[]): AsyncGenerator<MetaElement> {
  const { maxElementBytes, maxJsonDepth } = context.limits;
  for await (const element of readJsonElements(input, { paths, maxElementBytes, maxDepth: maxJsonDepth, gauge: context.gauge })) {
    if (!element.ok) {
      yield { kind: 'report', item: skipItem(element.reason, element.message, { element: element.at }) };
      continue;
    }
    const { value, notUtf8 } = repairMetaStrings(element.value);
    if (notUtf8 > 0) {
      const message = `${notUtf8 === 1 ? 'a text' : `${notUtf8} texts`} with characters from U+0080 to U+00FF that are not escaped UTF-8, kept as written`;
      yield { kind: 'report', item: noteItem('text_not_repaired', message, { element: element.at }) };
    }
    yield { kind: 'value', value, at: element.at, path: element.path ?? 0 };
  }
}
