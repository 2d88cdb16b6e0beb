import { type EntryParser, type ParsedItem, skipItem } from '../export-format';
import { readJsonElements } from '../../streams/json-elements';
import { isObject, own } from '../../text/json-values';
import { activityItem } from './activity';
import { legacyPointItem, rawSignalItem, semanticObjectItem, timelineSegmentItems } from './location';

// Every Google JSON file Lockbox reads, told apart by its shape rather than its name (Takeout names its
// folders and files in the account's language): the list under a root object's `locations` (Records.json),
// `timelineObjects` (Semantic Location History), `semanticSegments` and `rawSignals` (Timeline.json), or a
// bare list, of activities (YouTube history, My Activity) or of timeline segments (the iOS export).
// Records.json runs to hundreds of MB: its points are read one at a time, never the file.
const PATHS = [['locations', '*'], ['timelineObjects', '*'], ['semanticSegments', '*'], ['rawSignals', '*'], ['*']];
const LOCATIONS = 0;
const TIMELINE_OBJECTS = 1;
const SEMANTIC_SEGMENTS = 2;
const RAW_SIGNALS = 3;

/** An element of a bare list: an activity (`title` and `time`, or `header`) or a timeline segment (`startTime`). */
function listItems(element: unknown, at: readonly number[]): ParsedItem[] {
  if (isObject(element) && (own(element, 'header') !== undefined || own(element, 'time') !== undefined)) return [activityItem(element, at)];
  if (isObject(element) && (own(element, 'startTime') !== undefined || own(element, 'endTime') !== undefined)) return timelineSegmentItems(element, at);
  return [skipItem('not_a_record', 'the element is neither an activity (time, title) nor a timeline segment (startTime)', { element: at })];
}

function itemsOf(path: number, element: unknown, at: readonly number[]): ParsedItem[] {
  switch (path) {
    case LOCATIONS:
      return [legacyPointItem(element, at)];
    case TIMELINE_OBJECTS:
      return [semanticObjectItem(element, at)];
    case SEMANTIC_SEGMENTS:
      return timelineSegmentItems(element, at);
    case RAW_SIGNALS:
      return [rawSignalItem(element, at)];
    default:
      return listItems(element, at);
  }
}

export const parseGoogleJson: EntryParser = async function* (input, context) {
  const { maxElementBytes, maxJsonDepth } = context.limits;
  for await (const element of readJsonElements(input, { paths: PATHS, maxElementBytes, maxDepth: maxJsonDepth, gauge: context.gauge })) {
    if (!element.ok) yield skipItem(element.reason, element.message, { element: element.at });
    else yield* itemsOf(element.path ?? 0, element.value, element.at);
  }
};
