import { checkCss, checkSvg } from './svg';

const SVG = 'xmlns="http://www.w3.org/2000/svg"';
const XLINK = 'xmlns:xlink="http://www.w3.org/1999/xlink"';
const check = (text: string) => checkSvg(Buffer.from(text));
const inSvg = (body: string, attributes = '') => check(`<svg ${SVG} ${XLINK}${attributes}>${body}</svg>`);

// What matplotlib writes (its DOCTYPE removed: see the refusal below), in miniature.
const MATPLOTLIB = `<?xml version="1.0" encoding="utf-8" standalone="no"?>
<svg xmlns:xlink="http://www.w3.org/1999/xlink" width="460.8pt" height="345.6pt" viewBox="0 0 460.8 345.6" xmlns="http://www.w3.org/2000/svg" version="1.1">
 <metadata>
  <rdf:RDF xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:cc="http://creativecommons.org/ns#" xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
   <cc:Work>
    <dc:type rdf:resource="http://purl.org/dc/dcmitype/StillImage"/>
    <dc:date>2026-01-05T18:20:00</dc:date>
    <dc:format>image/svg+xml</dc:format>
    <dc:creator><cc:Agent><dc:title>Matplotlib v3.8.0, https://matplotlib.org/</dc:title></cc:Agent></dc:creator>
   </cc:Work>
  </rdf:RDF>
 </metadata>
 <defs>
  <style type="text/css">*{stroke-linejoin: round; stroke-linecap: butt}</style>
 </defs>
 <g id="figure_1">
  <g id="patch_1">
   <path d="M 0 345.6 L 460.8 345.6 L 460.8 0 L 0 0 z" style="fill: #ffffff"/>
  </g>
  <g id="axes_1">
   <g id="matplotlib.axis_1">
    <g id="xtick_1">
     <g id="line2d_1">
      <defs><path id="m0b5c1e2a8f" d="M 0 0 L 0 3.5" style="stroke: #000000; stroke-width: 0.8"/></defs>
      <g><use xlink:href="#m0b5c1e2a8f" x="73.832727" y="307.584" style="stroke: #000000; stroke-width: 0.8"/></g>
     </g>
     <g id="text_1">
      <!-- 0 &amp; 1 -->
      <g transform="translate(70.651477 322.182437) scale(0.1 -0.1)"><text>0 &lt; 1</text></g>
     </g>
    </g>
   </g>
   <g id="patch_2"><path d="M 57.6 307.584 L 414.72 307.584" clip-path="url(#p1a2b3c4d5e)" style="fill: none; stroke: #1f77b4; stroke-width: 1.5"/></g>
  </g>
 </g>
 <defs>
  <clipPath id="p1a2b3c4d5e"><rect x="57.6" y="41.472" width="357.12" height="266.112"/></clipPath>
  <linearGradient id="g" x1="0" x2="1"><stop offset="0" stop-color="rgb(10, 20, 30)"/><stop offset="1" stop-color="hsl(120 50% 50%)"/></linearGradient>
  <filter id="f"><feGaussianBlur stdDeviation="2"/><feDropShadow dx="1" dy="1"/></filter>
 </defs>
</svg>
`;

// What Inkscape writes as "Inkscape SVG": editor metadata in its own namespaces.
const INKSCAPE = `<svg ${SVG} xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" xmlns:sodipodi="http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd"
  inkscape:version="1.3" sodipodi:docname="chart.svg" inkscape:export-filename="C:\\Users\\me\\chart.png">
  <sodipodi:namedview id="base" pagecolor="#ffffff" inkscape:zoom="1"/>
  <g inkscape:label="Layer 1" inkscape:groupmode="layer"><rect width="10" height="10" fill="url('#g')" filter="url(#f)"/></g>
  <style><![CDATA[ @media (min-width: 100px) { rect { fill: rgba(0,0,0,0.5) } } ]]></style>
</svg>`;

// What Vega's SVG renderer writes.
const VEGA = `<svg ${SVG} ${XLINK} class="marks" width="120" height="120" viewBox="0 0 120 120"><rect width="120" height="120" fill="white"></rect><g fill="none" stroke-miterlimit="10" transform="translate(5,5)"><g class="mark-group role-frame root" role="graphics-object" aria-roledescription="group mark container"><path class="background" aria-hidden="true" d="M0.5,0.5h100v100h-100Z" stroke="#ddd"></path><text text-anchor="middle" transform="translate(50,115)" font-family="sans-serif" font-size="10px" fill="#000" aria-label="Axis titled 'Hour (UTC)'">Hour</text></g></g></svg>`;

describe('checkSvg accepts static drawing', () => {
  it.each([
    ['what matplotlib writes (without its DOCTYPE)', MATPLOTLIB],
    ['what Inkscape writes', INKSCAPE],
    ['what Vega writes', VEGA],
    ['a prefixed SVG root', '<s:svg xmlns:s="http://www.w3.org/2000/svg"><s:rect width="1" height="1"/></s:svg>'],
    ['a byte order mark and comments around the root', `\ufeff<!-- made by hand --><svg ${SVG}/><!-- end -->\n`],
    [
      'local references by href, xlink:href and url()',
      `<svg ${SVG} ${XLINK}><defs><path id="p" d="M0 0"/></defs><use href="#p"/><use xlink:href="#p"/><text><textPath href="#p">t</textPath></text><rect fill="url( &quot;#p&quot; )"/></svg>`,
    ],
  ])('%s', (_, text) => {
    expect(check(text)).toBeUndefined();
  });
});

describe('checkSvg refuses', () => {
  it.each([
    // scripts and event handlers
    ['a script', inSvg('<script>alert(1)</script>'), 'has a <script> element: scripts are code (line 1)'],
    [
      'a script behind an SVG prefix',
      check(`<svg ${SVG}><x:script xmlns:x="http://www.w3.org/2000/svg">alert(1)</x:script></svg>`),
      'has a <x:script> element: scripts are code',
    ],
    [
      'a script in the XHTML namespace',
      inSvg('<g><script xmlns="http://www.w3.org/1999/xhtml">alert(1)</script></g>'),
      'has an element <script> in the namespace "http://www.w3.org/1999/xhtml"',
    ],
    [
      'a script hidden in metadata',
      inSvg('<metadata><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><script>alert(1)</script></rdf:RDF></metadata>'),
      'has a <script> element',
    ],
    ['an onload handler', inSvg('', ' onload="alert(1)"'), 'has an event handler attribute onload on <svg>: scripts are code'],
    ['an upper-case handler', inSvg('<rect ONCLICK="alert(1)"/>'), 'has an event handler attribute ONCLICK on <rect>'],
    ['a namespaced handler', inSvg('<rect xlink:onclick="alert(1)"/>'), 'has an event handler attribute xlink:onclick on <rect>'],
    [
      'a handler on a metadata element',
      inSvg('<metadata><dc:title xmlns:dc="http://purl.org/dc/elements/1.1/" onclick="x">t</dc:title></metadata>'),
      'has an event handler attribute onclick on <dc:title>',
    ],
    [
      'an animation that rewrites a link',
      inSvg('<rect><set attributeName="href" to="javascript:alert(1)"/></rect>'),
      'has a <set> element: animations can rewrite attributes such as links',
    ],
    ['an animate element', inSvg('<rect><animate attributeName="x" values="0;1" dur="1s"/></rect>'), 'has a <animate> element'],
    [
      'an SVG Tiny handler element',
      inSvg('<handler type="application/ecmascript">alert(1)</handler>'),
      'has a <handler> element: an SVG artifact may hold only static drawing',
    ],
    // embedded content
    [
      'a foreignObject',
      inSvg('<foreignObject><div xmlns="http://www.w3.org/1999/xhtml">hi</div></foreignObject>'),
      'has a <foreignObject> element: it embeds HTML',
    ],
    ['an iframe in the SVG namespace', inSvg('<iframe src="https://evil.example"/>'), 'has a <iframe> element: it embeds a page'],
    [
      'an HTML element',
      inSvg('<html:img xmlns:html="http://www.w3.org/1999/xhtml" src="https://evil.example/x.png"/>'),
      'has an element <html:img> in the namespace "http://www.w3.org/1999/xhtml"',
    ],
    ['an element of an unknown namespace', inSvg('<x:thing xmlns:x="urn:x"/>'), 'has an element <x:thing> in the namespace "urn:x"'],
    // external references
    ['a remote image', inSvg('<image href="https://evil.example/?d=secret"/>'), 'has a <image> element: it loads an image'],
    ['a data: image', inSvg('<image xlink:href="data:image/svg+xml;base64,PHN2Zz4="/>'), 'has a <image> element'],
    ['a link', inSvg('<a href="https://evil.example"><text>click</text></a>'), 'has a <a> element: links are not allowed'],
    [
      'a use of an external file',
      inSvg('<use href="https://evil.example/sprite.svg#icon"/>'),
      'has href="https://evil.example/sprite.svg#icon" on <use>: only a reference to an element of the same file ("#id") is allowed',
    ],
    ['a use of a relative file', inSvg('<use xlink:href="sprite.svg#icon"/>'), 'has xlink:href="sprite.svg#icon" on <use>'],
    ['a javascript: href', inSvg('<use href="javascript:alert(1)"/>'), 'has href="javascript:alert(1)" on <use>'],
    ['an entity-encoded javascript: href', inSvg('<use href="&#106;avascript:alert(1)"/>'), 'has href="javascript:alert(1)" on <use>'],
    [
      'an href in a renamed XLink prefix',
      inSvg('<use l:href="https://evil.example/x.svg" xmlns:l="http://www.w3.org/1999/xlink"/>'),
      'has l:href="https://evil.example/x.svg" on <use>',
    ],
    ['a gradient inherited from another file', inSvg('<linearGradient id="g" href="other.svg#g"/>'), 'has href="other.svg#g" on <linearGradient>'],
    ['xml:base', inSvg('<g xml:base="https://evil.example/"><use href="#a"/></g>'), 'has xml:base on <g>, which would point references elsewhere'],
    [
      'a remote url() fill',
      inSvg('<rect fill="url(https://evil.example/?d=1#g)"/>'),
      'has a fill attribute on <rect> that uses url(https://evil.example/?d=1#g): only url(#id)',
    ],
    [
      'a remote url() in a style attribute',
      inSvg('<rect style="fill: url(//evil.example/x)"/>'),
      'has a style attribute on <rect> that uses url(//evil.example/x)',
    ],
    [
      'an image-set() mask',
      inSvg(`<rect mask="image-set('https://evil.example/x.png' 1x)"/>`),
      'has a mask attribute on <rect> that uses the CSS function image-set(), which is not allowed',
    ],
    ['a CSS escape', inSvg('<rect style="fill: u\\72l(https://evil.example)"/>'), 'has a style attribute on <rect> that uses a CSS escape'],
    [
      'an @import',
      inSvg('<style>@import url(https://evil.example/x.css);</style>'),
      'has a <style> element that uses @import: only @media, @keyframes and @supports are allowed',
    ],
    ['an @import by string', inSvg(`<style>@import 'https://evil.example/x.css';</style>`), 'has a <style> element that uses @import'],
    ['an @import split by a comment', inSvg('<style>@im<!-- -->port "https://evil.example/x.css";</style>'), 'has a <style> element that uses @import'],
    [
      'a font loaded from elsewhere',
      inSvg('<style><![CDATA[@font-face { font-family: x; src: url(https://evil.example/f.woff) }]]></style>'),
      'has a <style> element that uses @font-face',
    ],
    [
      'a remote url() in a style sheet',
      inSvg('<style>rect { fill: url(https://evil.example/#g) }</style>'),
      'has a <style> element that uses url(https://evil.example/#g)',
    ],
    ['a "<" in a style sheet', inSvg('<style><![CDATA[ </style><script>alert(1)</script> ]]></style>'), 'has a <style> element that contains "<"'],
    // XML that loads or defines things
    [
      'a DOCTYPE with an external entity',
      check(`<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><svg ${SVG}>&xxe;</svg>`),
      'has a DOCTYPE: DTDs and entity declarations are not allowed (remove the <!DOCTYPE …> line) (line 1)',
    ],
    [
      'the DOCTYPE matplotlib writes',
      check(MATPLOTLIB.replace('<svg ', '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN"\n  "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n<svg ')),
      'has a DOCTYPE',
    ],
    ['an undeclared entity', inSvg('<text>&nbsp;</text>'), 'uses the entity "&nbsp;": only &lt; &gt; &amp; &quot; &apos; and character references are allowed'],
    [
      'a style sheet processing instruction',
      check(`<?xml version="1.0"?><?xml-stylesheet href="https://evil.example/x.css"?><svg ${SVG}/>`),
      'has a processing instruction (<?…?>)',
    ],
    ['a declaration that is not at the start', check(` <?xml version="1.0"?><svg ${SVG}/>`), 'has a processing instruction (<?…?>)'],
    [
      'an encoding other than UTF-8',
      check(`<?xml version="1.0" encoding="ISO-8859-1"?><svg ${SVG}/>`),
      'declares the encoding "ISO-8859-1"; an SVG artifact must be UTF-8',
    ],
    ['bytes that are not UTF-8', checkSvg(Buffer.from([0x3c, 0x73, 0x76, 0x67, 0xff, 0x3e])), 'is not UTF-8 text'],
    ['a control character', inSvg('<text>\u0001</text>'), 'is not XML: it has the character U+0001'],
    ['a reference to a character XML does not allow', inSvg('<text>&#0;</text>'), 'has a character reference &#0; to a character XML does not allow'],
    // not an SVG document
    ['HTML', check('<html><body onload="alert(1)"></body></html>'), 'has <html> as its root, not an <svg> element in the SVG namespace'],
    [
      'an svg root without the SVG namespace',
      check('<svg><script>alert(1)</script></svg>'),
      'has <svg> as its root, not an <svg> element in the SVG namespace',
    ],
    ['another SVG element as the root', check(`<g ${SVG}/>`), `has <g> as its root; an SVG artifact's root is <svg>`],
    ['nothing', check('   '), 'has no <svg> element'],
    ['text outside the root', check(`<svg ${SVG}/>trailing`), 'has text outside its <svg> element'],
    ['a second root', check(`<svg ${SVG}/><svg ${SVG}/>`), 'has more than one root element'],
    ['an unclosed element', check(`<svg ${SVG}><g>`), 'is cut short: <g> is never closed'],
    ['mismatched tags', check(`<svg ${SVG}><g></svg>`), 'is not well-formed XML: </svg> does not close <g>'],
    ['an unquoted attribute', check(`<svg ${SVG} width=10/>`), 'is not well-formed XML: the value of width is not quoted'],
    ['a repeated attribute', inSvg('<rect x="1" x="2"/>'), 'has the attribute x twice'],
    ['an undeclared prefix', inSvg('<rect foo:bar="1"/>'), 'the prefix "foo" of foo:bar is not declared'],
  ])('%s', (_, reason, expected) => {
    expect(reason).toContain(expected);
  });

  it('names the line of what it refuses', () => {
    expect(check(`<svg ${SVG}>\n<rect/>\n<script>x</script>\n</svg>`)).toBe('has a <script> element: scripts are code (line 3)');
  });

  it('caps nesting at 256 elements, and accepts 256', () => {
    const nest = (depth: number) => `<svg ${SVG}>${'<g>'.repeat(depth - 1)}${'</g>'.repeat(depth - 1)}</svg>`;
    expect(check(nest(256))).toBeUndefined();
    expect(check(nest(257))).toMatch(/^nests elements more than 256 deep/);
  });
});

describe('checkCss', () => {
  it('allows colours, transforms, gradients, filters and local references', () => {
    expect(
      checkCss('fill: rgb(1 2 3); transform: translate(1px) rotate(2deg); mask: url(#m); filter: drop-shadow(1px 1px 2px hsl(0 0% 0%))', true),
    ).toBeUndefined();
    expect(checkCss('@media (prefers-color-scheme: dark) { rect { fill: #000 } } @keyframes k { from { opacity: 0 } }', true)).toBeUndefined();
  });

  it('refuses functions that load or compute from elsewhere, whatever their case', () => {
    for (const value of ['URL(x.png)', 'image(x.png)', 'cross-fade(url(#a), url(x))', 'attr(href url)', 'var(--x)', 'expression(alert(1))', 'src("x")']) {
      expect(checkCss(value, false)).toMatch(/uses (url|the CSS function)/);
    }
  });
});
