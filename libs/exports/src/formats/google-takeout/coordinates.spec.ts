import { coordinatesFromE7, coordinatesFromText } from './coordinates';

describe('Google coordinates', () => {
  it('reads E7 integers as degrees, exactly', () => {
    expect(coordinatesFromE7(400117000, -750117000)).toEqual({ latitude: 40.0117, longitude: -75.0117 });
    expect(coordinatesFromE7(561629403, 102039212)).toEqual({ latitude: 56.1629403, longitude: 10.2039212 });
    expect(coordinatesFromE7(900000000, 1800000000)).toEqual({ latitude: 90, longitude: 180 });
  });

  it('takes back values that overflowed a signed 32-bit integer, as Google advises', () => {
    expect(coordinatesFromE7(400117000 + 2 ** 32, -750117000)).toEqual({ latitude: 40.0117, longitude: -75.0117 });
    expect(coordinatesFromE7(-400117000 + 2 ** 32, -1700000000 + 2 ** 32)).toEqual({ latitude: -40.0117, longitude: -170 });
    // Past the range even when taken back: refused.
    expect(coordinatesFromE7(0, 1900000000)).toBeUndefined();
  });

  it('refuses what is not an E7 integer pair in range', () => {
    for (const [latitude, longitude] of [
      [40.5, 1],
      ['400117000', 1],
      [undefined, 1],
      [1, null],
      [-900000001, 0],
      [0, -1800000001],
      [Number.MAX_SAFE_INTEGER + 2, 0],
    ]) {
      expect(coordinatesFromE7(latitude, longitude)).toBeUndefined();
    }
  });

  it('reads the degree strings of Timeline.json and the geo URIs of the iOS export', () => {
    expect(coordinatesFromText('40.0117°, -75.0117°')).toEqual({ latitude: 40.0117, longitude: -75.0117 });
    expect(coordinatesFromText('-33.8567844°,151.213108°')).toEqual({ latitude: -33.8567844, longitude: 151.213108 });
    expect(coordinatesFromText('56.16, 10.2')).toEqual({ latitude: 56.16, longitude: 10.2 });
    expect(coordinatesFromText('geo:40.0117,-75.0117')).toEqual({ latitude: 40.0117, longitude: -75.0117 });
    expect(Object.is(coordinatesFromText('-0.0°, -0°')!.latitude, 0)).toBe(true);
  });

  it('refuses malformed or out-of-range coordinate strings', () => {
    for (const text of [
      '40.0117°',
      '40.0117° -75.0117°',
      '40,0117°, -75,0117°',
      'N40.0117°, W75.0117°',
      '91°, 0°',
      '0°, 180.5°',
      '1e1°, 2°',
      'geo:40.0117;-75.0117',
      '',
      `${'1'.repeat(100)}°, 1°`,
      40.0117,
    ]) {
      expect(coordinatesFromText(text)).toBeUndefined();
    }
  });
});
