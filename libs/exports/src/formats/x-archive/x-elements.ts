import { type ParseContext, type ParsedItem, skipItem } from '../export-format';
import { afterAssignmentPrefix } from '../../streams/assignment-prefix';
import { type JsonPath, readJsonElements } from '../../streams/json-elements';

export type XElement = { ok: true; value: unknown; at: readonly number[] } | { ok: false; skip: ParsedItem };

/** The elements of one of X's `window.YTD.<name>.partN = [ … ]` files, at `path`, never evaluated. */
export async function* xElements(input: AsyncIterable<Buffer>, context: ParseContext, path: JsonPath = ['*']): AsyncGenerator<XElement> {
  const { maxElementBytes, maxJsonDepth } = context.limits;
  const elements = readJsonElements(afterAssignmentPrefix(input), { path, maxElementBytes, maxDepth: maxJsonDepth, gauge: context.gauge });
  for await (const element of elements) {
    if (element.ok) yield element;
    else yield { ok: false, skip: skipItem(element.reason, element.message, { element: element.at }) };
  }
}
