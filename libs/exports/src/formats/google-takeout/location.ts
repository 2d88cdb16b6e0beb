import { type ParsedItem, noteItem, recordItem, skipItem } from '../export-format';
import { definedOnly, isObject, own, ownString } from '../../text/json-values';
import { fromEpochMs, parseEpoch, parseIsoTimestamp } from '../../text/timestamps';
import { type Coordinates, coordinatesFromE7, coordinatesFromText, shownCoordinates } from './coordinates';

// Google's location history in its three forms: Takeout's Records.json (and the older "Location
// History.json") with E7 points, Takeout's Semantic Location History (monthly files of place visits), and
// the on-device Timeline.json of 2024+ (semantic segments and raw signals, coordinates as degree strings;
// the iOS export is a bare list of the same segments, coordinates as geo URIs).

const MAX_PLACE_ID = 256;
const MAX_PLACE_NAME = 500;

type Items = ParsedItem[];

function badCoordinates(value: unknown, at: readonly number[]): ParsedItem {
  return skipItem('bad_coordinates', `the coordinates ${shownCoordinates(value)} are not degrees north and east within range`, { element: at });
}

/** An ISO date-time, or epoch milliseconds as Google's older `…Ms` fields write them. */
function timeOf(iso: unknown, ms?: unknown): string | undefined {
  if (typeof iso === 'string') return parseIsoTimestamp(iso);
  return ms === undefined ? undefined : parseEpoch(ms, 'milliseconds');
}

/** A whole number of metres, where the export gives a finite, non-negative one. */
function metres(value: unknown): number | undefined {
  const number = typeof value === 'string' && /^\d{1,9}(\.\d+)?$/.test(value) ? Number(value) : value;
  return typeof number === 'number' && Number.isFinite(number) && number >= 0 && number < 1e9 ? Math.round(number) : undefined;
}

/** `TYPE_HOME` (Semantic Location History), `INFERRED_WORK` (Timeline.json), `Home` (iOS) → home, inferred_work; unknown left out. */
function semanticTypeOf(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const type = value
    .trim()
    .replace(/^TYPE_/i, '')
    .toLowerCase();
  return type === '' || type === 'unknown' || type.length > 64 ? undefined : type;
}

function pointRecord(timestamp: string, coordinates: Coordinates, accuracy: number | undefined): Record<string, unknown> {
  return definedOnly({ kind: 'location.points', timestamp, platform: 'google', latitude: coordinates.latitude, longitude: coordinates.longitude, accuracy });
}

function visitRecord(
  start: string,
  end: string | undefined,
  coordinates: Coordinates,
  place: { name?: string; id?: string; type?: string },
): Record<string, unknown> {
  const duration = end === undefined ? undefined : Math.round((Date.parse(end) - Date.parse(start)) / 1000);
  return definedOnly({
    kind: 'location.visits',
    timestamp: start,
    platform: 'google',
    durationSeconds: duration,
    latitude: coordinates.latitude,
    longitude: coordinates.longitude,
    placeName: place.name === undefined || place.name.trim() === '' || place.name.length > MAX_PLACE_NAME ? undefined : place.name.trim(),
    placeId: place.id === undefined || place.id === '' || place.id.length > MAX_PLACE_ID ? undefined : place.id,
    semanticType: semanticTypeOf(place.type),
  });
}

/** A visit's end, which must not come before its start. */
function checkedEnd(start: string, end: string | undefined, at: readonly number[]): string | ParsedItem | undefined {
  if (end === undefined) return undefined;
  return Date.parse(end) < Date.parse(start) ? skipItem('bad_timestamp', 'the visit ends before it starts', { element: at }) : end;
}

/** One point of Records.json / Location History.json: `latitudeE7`, `longitudeE7`, `accuracy`, `timestamp` or `timestampMs`. */
export function legacyPointItem(element: unknown, at: readonly number[]): ParsedItem {
  if (!isObject(element)) return skipItem('not_a_record', 'the element is not a location (not an object)', { element: at });
  const timestamp = timeOf(own(element, 'timestamp'), own(element, 'timestampMs'));
  if (timestamp === undefined) return skipItem('bad_timestamp', 'timestamp (or timestampMs) is missing or not a date from 1900 to 9999', { element: at });
  const coordinates = coordinatesFromE7(own(element, 'latitudeE7'), own(element, 'longitudeE7'));
  if (!coordinates) return badCoordinates(`${String(own(element, 'latitudeE7'))}, ${String(own(element, 'longitudeE7'))}`, at);
  return recordItem(pointRecord(timestamp, coordinates, metres(own(element, 'accuracy'))), { element: at });
}

/** One timeline object of Semantic Location History: a `placeVisit` is a visit; an `activitySegment` (a journey) is not imported. */
export function semanticObjectItem(element: unknown, at: readonly number[]): ParsedItem {
  const visit = own(element, 'placeVisit');
  if (!isObject(visit)) {
    if (isObject(own(element, 'activitySegment')))
      return noteItem('not_imported', 'journeys between places (activity segments) are not imported', { element: at });
    return skipItem('not_a_record', 'the element is neither a placeVisit nor an activitySegment', { element: at });
  }
  const duration = own(visit, 'duration');
  const start = timeOf(own(duration, 'startTimestamp'), own(duration, 'startTimestampMs'));
  if (start === undefined) return skipItem('bad_timestamp', 'duration.startTimestamp is missing or not a date-time', { element: at });
  const end = checkedEnd(start, timeOf(own(duration, 'endTimestamp'), own(duration, 'endTimestampMs')), at);
  if (typeof end === 'object') return end;
  const location = own(visit, 'location');
  const coordinates =
    coordinatesFromE7(own(location, 'latitudeE7'), own(location, 'longitudeE7')) ?? coordinatesFromE7(own(visit, 'centerLatE7'), own(visit, 'centerLngE7'));
  if (!coordinates) return badCoordinates(`${String(own(location, 'latitudeE7'))}, ${String(own(location, 'longitudeE7'))}`, at);
  const place = { name: ownString(location, 'name'), id: ownString(location, 'placeId'), type: ownString(location, 'semanticType') };
  return recordItem(visitRecord(start, end, coordinates, place), { element: at });
}

/** A place's coordinates in Timeline.json (`{latLng: "…°, …°"}`) or the iOS export (`"geo:…,…"`). */
function placeCoordinates(place: unknown): { coordinates?: Coordinates; raw: unknown } {
  const raw = isObject(place) ? (own(place, 'latLng') ?? own(place, 'LatLng')) : place;
  return { coordinates: coordinatesFromText(raw), raw };
}

/** The points of a timelinePath: each `{point, time}` (Android) or `{point, durationMinutesOffsetFromStartTime}` (iOS). */
function pathItems(path: readonly unknown[], start: string | undefined, at: readonly number[]): Items {
  const items: Items = [];
  path.forEach((entry, index) => {
    const where = [...at, index];
    const offset = own(entry, 'durationMinutesOffsetFromStartTime');
    const timestamp =
      typeof own(entry, 'time') === 'string'
        ? parseIsoTimestamp(ownString(entry, 'time')!)
        : start !== undefined && offset !== undefined
          ? fromEpochMs(Date.parse(start) + Number(offset) * 60_000)
          : undefined;
    if (timestamp === undefined) {
      items.push(skipItem('bad_timestamp', 'the path point has no time (time, or an offset from the segment start)', { element: where }));
      return;
    }
    const coordinates = coordinatesFromText(own(entry, 'point'));
    items.push(coordinates ? recordItem(pointRecord(timestamp, coordinates, undefined), { element: where }) : badCoordinates(own(entry, 'point'), where));
  });
  return items;
}

/**
 * One semantic segment of Timeline.json (or of the iOS export's list): a `visit` is a visit at its top
 * candidate place, a `timelinePath` gives its points; an `activity` (a journey) or a `timelineMemory` (a
 * trip summary) is not imported.
 */
export function timelineSegmentItems(element: unknown, at: readonly number[]): Items {
  if (!isObject(element)) return [skipItem('not_a_record', 'the element is not a timeline segment (not an object)', { element: at })];
  const start = parseIsoTimestamp(ownString(element, 'startTime') ?? '');
  const path = own(element, 'timelinePath');
  if (Array.isArray(path)) return pathItems(path, start, at);
  const visit = own(element, 'visit');
  if (isObject(visit)) {
    if (start === undefined) return [skipItem('bad_timestamp', 'startTime is missing or not an ISO 8601 date-time', { element: at })];
    const end = checkedEnd(start, parseIsoTimestamp(ownString(element, 'endTime') ?? ''), at);
    if (typeof end === 'object') return [end];
    const candidate = own(visit, 'topCandidate');
    const { coordinates, raw } = placeCoordinates(own(candidate, 'placeLocation'));
    if (!coordinates) return [badCoordinates(raw, at)];
    const place = { id: ownString(candidate, 'placeId') ?? ownString(candidate, 'placeID'), type: ownString(candidate, 'semanticType') };
    return [recordItem(visitRecord(start, end, coordinates, place), { element: at })];
  }
  if (isObject(own(element, 'activity'))) return [noteItem('not_imported', 'journeys between places (activity segments) are not imported', { element: at })];
  if (isObject(own(element, 'timelineMemory'))) return [noteItem('not_imported', 'trip summaries (timeline memories) are not imported', { element: at })];
  return [skipItem('not_a_record', 'the segment is neither a visit, a path, an activity nor a memory', { element: at })];
}

/** One raw signal of Timeline.json: a `position` is a point (with its accuracy); Wi-Fi scans and activity records are not imported. */
export function rawSignalItem(element: unknown, at: readonly number[]): ParsedItem {
  const position = own(element, 'position');
  if (!isObject(position)) {
    if (isObject(element))
      return noteItem('not_imported', 'raw signals other than positions (Wi-Fi scans, activity records) are not imported', { element: at });
    return skipItem('not_a_record', 'the element is not a raw signal (not an object)', { element: at });
  }
  const timestamp = parseIsoTimestamp(ownString(position, 'timestamp') ?? '');
  if (timestamp === undefined) return skipItem('bad_timestamp', 'position.timestamp is missing or not an ISO 8601 date-time', { element: at });
  const raw = own(position, 'LatLng') ?? own(position, 'latLng');
  const coordinates = coordinatesFromText(raw);
  if (!coordinates) return badCoordinates(raw, at);
  return recordItem(pointRecord(timestamp, coordinates, metres(own(position, 'accuracyMeters'))), { element: at });
}
