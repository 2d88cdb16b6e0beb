import { artifactContentType, checkArtifact } from './index';

const SVG = '<svg xmlns="http://www.w3.org/2000/svg"><rect width="1" height="1"/></svg>';

describe('checkArtifact', () => {
  it('checks each type by its content, whatever the case of its extension', () => {
    expect(checkArtifact('a.SVG', Buffer.from(SVG))).toEqual({ ok: true, bytes: Buffer.from(SVG) });
    expect(checkArtifact('charts/a.svg', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>'))).toEqual({
      ok: false,
      reason: 'has a <script> element: scripts are code (line 1)',
    });
    expect(checkArtifact('a.PNG', Buffer.from('GIF89a'))).toEqual({ ok: false, reason: 'is not a PNG image: it does not start with the PNG signature' });
    expect(checkArtifact('a.json', Buffer.from('{"a":1}'))).toEqual({ ok: true, bytes: Buffer.from('{"a":1}') });
    expect(checkArtifact('a.json', Buffer.from([0x22, 0xff, 0x22]))).toEqual({ ok: false, reason: 'is not UTF-8 text' });
    expect(checkArtifact('a.txt', Buffer.from('plain\ttext\n'))).toEqual({ ok: true, bytes: Buffer.from('plain\ttext\n') });
    expect(checkArtifact('a.txt', Buffer.from('a\u0000'))).toEqual({ ok: false, reason: 'contains a NUL byte at offset 1; a text file is text' });
    expect(checkArtifact('a.html', Buffer.from('<p>'))).toEqual({ ok: false, reason: 'is not a collected artifact type (png, svg, csv, json, txt)' });
  });

  it('keeps a CSV with its formulas neutralised', () => {
    expect(checkArtifact('by-hour.Csv', Buffer.from('hour,note\n0,=1+1\n'))).toEqual({ ok: true, bytes: Buffer.from("hour,note\n0,'=1+1\n") });
  });

  it('types each artifact from its extension', () => {
    expect(artifactContentType('a.SVG')).toBe('image/svg+xml');
    expect(artifactContentType('x/y.csv')).toBe('text/csv; charset=utf-8');
    expect(artifactContentType('noextension')).toBe('application/octet-stream');
  });
});
