// Google writes coordinates three ways: integers of 10⁻⁷ degrees (`latitudeE7`, location history
// before 2024), strings of degrees (`"40.0117°, -75.0117°"`, the on-device Timeline.json of Android), and
// geo URIs (`"geo:40.0117,-75.0117"`, the iOS export). Each is read exactly, or refused.

export interface Coordinates {
  latitude: number;
  longitude: number;
}

const E7 = 10_000_000;
const TWO_TO_32 = 2 ** 32;
const DEGREES = String.raw`(-?\d{1,3}(?:\.\d{1,15})?)`;
const DEGREE_PAIR = new RegExp(`^\\s*${DEGREES}\\s*°?\\s*,\\s*${DEGREES}\\s*°?\\s*$`);
const GEO_URI = new RegExp(`^geo:${DEGREES},${DEGREES}$`);

function inRange(latitude: number, longitude: number): Coordinates | undefined {
  if (!Number.isFinite(latitude) || !Number.isFinite(longitude)) return undefined;
  if (latitude < -90 || latitude > 90 || longitude < -180 || longitude > 180) return undefined;
  // -0 reads as 0: the same place.
  return { latitude: latitude + 0, longitude: longitude + 0 };
}

/**
 * One E7 value in degrees. Some exports overflowed a signed 32-bit integer: Google's own advice is that
 * a latitude above 90° (a longitude above 180°) is the true value plus 2³², so it is taken back.
 */
function fromE7(value: unknown, limit: number): number | undefined {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) return undefined;
  const corrected = value > limit * E7 ? value - TWO_TO_32 : value;
  return corrected / E7;
}

/** `latitudeE7` and `longitudeE7` (or any pair of E7 integers) as degrees. */
export function coordinatesFromE7(latitudeE7: unknown, longitudeE7: unknown): Coordinates | undefined {
  const latitude = fromE7(latitudeE7, 90);
  const longitude = fromE7(longitudeE7, 180);
  return latitude === undefined || longitude === undefined ? undefined : inRange(latitude, longitude);
}

/** `"40.0117°, -75.0117°"` (degree signs and spaces optional) or `"geo:40.0117,-75.0117"` as degrees. */
export function coordinatesFromText(value: unknown): Coordinates | undefined {
  if (typeof value !== 'string' || value.length > 80) return undefined;
  const match = DEGREE_PAIR.exec(value) ?? GEO_URI.exec(value);
  return match ? inRange(Number(match[1]), Number(match[2])) : undefined;
}

/** A coordinate text for a skip message: short, and quoted. */
export function shownCoordinates(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 39)}…` : text);
}
