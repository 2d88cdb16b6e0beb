// SVG artifacts are refused, not sanitised, when they hold anything active: an SVG sanitiser is a large
// attack surface (parser differentials, namespaces, CSS), while a refusal only has to be conservative.
// An SVG opened in a browser runs its scripts and event handlers, renders embedded HTML, follows links,
// and fetches whatever an href, a CSS url(), an @import, an external entity or a style sheet names, which
// carries data off the platform. So an SVG artifact is checked as strict XML, and must be static drawing:
//
// - well-formed, UTF-8, with no DOCTYPE (so no entities, internal or external), no processing instruction
//   but the XML declaration, and only XML's five named entities and character references;
// - elements from an allowlist of SVG drawing elements (no script, foreignObject, image, a, animation,
//   iframe…), resolved through namespaces, so `<x:script xmlns:x="…/svg">` is the script it is; besides
//   SVG, only the metadata vocabularies editors write (RDF, Dublin Core, Creative Commons, Inkscape);
// - no event handler attribute (on*), no xml:base, every href (plain or xlink:) a local "#id";
// - CSS (style elements and attributes, presentation attributes) with url() only as url(#id), only known
//   CSS functions (no image-set(), no attr()…), no @import or other at-rules but @media, @keyframes and
//   @supports, and no CSS escapes (which could spell any of those).
import { isUtf8 } from 'node:buffer';

const SVG_NAMESPACE = 'http://www.w3.org/2000/svg';
const XML_NAMESPACE = 'http://www.w3.org/XML/1998/namespace';
// Vocabularies a browser gives no behaviour to, which matplotlib, Inkscape and others write in metadata.
const INERT_NAMESPACES = new Set([
  'http://www.w3.org/1999/02/22-rdf-syntax-ns#',
  'http://purl.org/dc/elements/1.1/',
  'http://purl.org/dc/terms/',
  'http://creativecommons.org/ns#',
  'http://web.resource.org/cc/',
  'http://www.inkscape.org/namespaces/inkscape',
  'http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd',
]);

/** The SVG elements an artifact may use: static drawing, text, paint servers, clipping, masking and filters. */
export const SVG_ELEMENTS: ReadonlySet<string> = new Set([
  'svg',
  'g',
  'defs',
  'symbol',
  'use',
  'switch',
  'title',
  'desc',
  'metadata',
  'style',
  'path',
  'rect',
  'circle',
  'ellipse',
  'line',
  'polyline',
  'polygon',
  'text',
  'tspan',
  'textPath',
  'clipPath',
  'mask',
  'pattern',
  'marker',
  'linearGradient',
  'radialGradient',
  'stop',
  'filter',
  'feBlend',
  'feColorMatrix',
  'feComponentTransfer',
  'feComposite',
  'feConvolveMatrix',
  'feDiffuseLighting',
  'feDisplacementMap',
  'feDistantLight',
  'feDropShadow',
  'feFlood',
  'feFuncA',
  'feFuncB',
  'feFuncG',
  'feFuncR',
  'feGaussianBlur',
  'feMerge',
  'feMergeNode',
  'feMorphology',
  'feOffset',
  'fePointLight',
  'feSpecularLighting',
  'feSpotLight',
  'feTile',
  'feTurbulence',
]);

// Why the elements people reach for most are refused; any other is refused as not static drawing.
const REFUSED_ELEMENTS: Record<string, string> = {
  script: 'scripts are code',
  foreignObject: 'it embeds HTML',
  image: 'it loads an image (draw shapes, or write the picture as a PNG artifact)',
  feImage: 'it loads an image',
  a: 'links are not allowed',
  animate: 'animations can rewrite attributes such as links',
  set: 'animations can rewrite attributes such as links',
  animateMotion: 'animations can rewrite attributes such as links',
  animateTransform: 'animations can rewrite attributes such as links',
  iframe: 'it embeds a page',
};

const CSS_FUNCTIONS = new Set([
  'rgb',
  'rgba',
  'hsl',
  'hsla',
  'hwb',
  'lab',
  'lch',
  'oklab',
  'oklch',
  'color',
  'color-mix',
  'translate',
  'translatex',
  'translatey',
  'translatez',
  'translate3d',
  'rotate',
  'rotatex',
  'rotatey',
  'rotatez',
  'rotate3d',
  'scale',
  'scalex',
  'scaley',
  'scalez',
  'scale3d',
  'skew',
  'skewx',
  'skewy',
  'matrix',
  'matrix3d',
  'perspective',
  'calc',
  'min',
  'max',
  'clamp',
  'linear-gradient',
  'radial-gradient',
  'conic-gradient',
  'repeating-linear-gradient',
  'repeating-radial-gradient',
  'repeating-conic-gradient',
  'blur',
  'brightness',
  'contrast',
  'drop-shadow',
  'grayscale',
  'hue-rotate',
  'invert',
  'opacity',
  'saturate',
  'sepia',
  'cubic-bezier',
  'steps',
  'rect',
  'inset',
  'circle',
  'ellipse',
  'polygon',
  'path',
]);
const CSS_AT_RULES = new Set(['media', 'keyframes', 'supports']);
const MAX_DEPTH = 256;

const NAME = /[A-Za-z_][A-Za-z0-9._-]*(?::[A-Za-z_][A-Za-z0-9._-]*)?/y;
const SPACE = /[ \t\r\n]*/y;
const REFERENCE = /&(?:(lt|gt|amp|quot|apos)|#([0-9]{1,7})|#x([0-9a-fA-F]{1,6}));/y;
const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
const LOCAL_REFERENCE = /^#[A-Za-z_][\w.:-]*$/;
const LOCAL_URL = /^[ \t\r\n]*(["']?)#[A-Za-z_][\w.:-]*\1[ \t\r\n]*$/;
// Characters XML 1.0 does not allow in a document (controls but tab and line ends, U+FFFE, U+FFFF).
// eslint-disable-next-line no-control-regex
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;
const XML_DECLARATION = /^<\?xml(?:[ \t\r\n]+[A-Za-z]+[ \t\r\n]*=[ \t\r\n]*(?:"[^"<]*"|'[^'<]*'))*[ \t\r\n]*\?>/;
const DECLARED_ENCODING = /encoding[ \t\r\n]*=[ \t\r\n]*["']([^"']*)["']/;

class Refusal extends Error {
  constructor(
    readonly reason: string,
    readonly at: number,
  ) {
    super(reason);
  }
}

interface Scope {
  /** Prefix ('' for the default namespace) → namespace URI, as declared on this element. */
  declared: Map<string, string>;
  parent?: Scope;
}

interface OpenElement {
  name: string;
  scope: Scope;
  isStyle: boolean;
}

/** Returns why an SVG artifact is refused, naming the line, or undefined when it is static drawing. */
export function checkSvg(bytes: Buffer): string | undefined {
  if (!isUtf8(bytes)) return 'is not UTF-8 text';
  let text = bytes.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  try {
    new SvgScanner(text).scan();
    return undefined;
  } catch (error) {
    if (!(error instanceof Refusal)) throw error;
    const line = lineOf(text, error.at);
    return `${error.reason} (line ${line})`;
  }
}

function lineOf(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

class SvgScanner {
  private i = 0;
  private readonly open: OpenElement[] = [];
  private rootSeen = false;
  private style = '';

  constructor(private readonly text: string) {}

  scan(): void {
    const bad = NOT_XML.exec(this.text);
    if (bad) this.refuse(`is not XML: it has the character U+${bad[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`, bad.index);
    const declaration = XML_DECLARATION.exec(this.text);
    if (declaration) {
      const encoding = DECLARED_ENCODING.exec(declaration[0])?.[1];
      if (encoding !== undefined && encoding.toLowerCase() !== 'utf-8')
        this.refuse(`declares the encoding "${encoding.slice(0, 20)}"; an SVG artifact must be UTF-8`, 0);
      this.i = declaration[0].length;
    }
    const { text } = this;
    while (this.i < text.length) {
      const lt = text.indexOf('<', this.i);
      const end = lt === -1 ? text.length : lt;
      if (end > this.i) this.characters(this.i, end);
      if (lt === -1) break;
      this.i = lt;
      if (text.startsWith('<!--', lt)) this.skipPast('-->', 'a comment');
      else if (text.startsWith('<![CDATA[', lt)) this.cdata();
      else if (text.startsWith('<!', lt)) {
        this.refuse(
          text.startsWith('<!DOCTYPE', lt)
            ? 'has a DOCTYPE: DTDs and entity declarations are not allowed (remove the <!DOCTYPE …> line)'
            : 'has a markup declaration (<!…>), which is not allowed',
          lt,
        );
      } else if (text.startsWith('<?', lt))
        this.refuse('has a processing instruction (<?…?>): only the <?xml …?> declaration at the very start is allowed', lt);
      else if (text.startsWith('</', lt)) this.endTag();
      else this.startTag();
    }
    if (this.open.length > 0) this.refuse(`is cut short: <${this.open[this.open.length - 1]!.name}> is never closed`, text.length);
    if (!this.rootSeen) this.refuse('has no <svg> element', 0);
  }

  private refuse(reason: string, at = this.i): never {
    throw new Refusal(reason, at);
  }

  private characters(start: number, end: number): void {
    const raw = this.text.slice(start, end);
    const decoded = this.decode(raw, start);
    if (this.open.length === 0) {
      if (decoded.trim() !== '') this.refuse('has text outside its <svg> element', start);
      return;
    }
    if (this.open[this.open.length - 1]!.isStyle) this.style += decoded;
  }

  private cdata(): void {
    const start = this.i + '<![CDATA['.length;
    const end = this.text.indexOf(']]>', start);
    if (end === -1) this.refuse('is cut short: a CDATA section is never closed');
    if (this.open.length === 0) this.refuse('has a CDATA section outside its <svg> element');
    if (this.open[this.open.length - 1]!.isStyle) this.style += this.text.slice(start, end);
    this.i = end + 3;
  }

  private skipPast(terminator: string, what: string): void {
    const end = this.text.indexOf(terminator, this.i + 2);
    if (end === -1) this.refuse(`is cut short: ${what} is never closed`);
    this.i = end + terminator.length;
  }

  private name(): string {
    NAME.lastIndex = this.i;
    const match = NAME.exec(this.text);
    if (!match) this.refuse('is not well-formed XML: a name is expected');
    this.i = NAME.lastIndex;
    return match[0];
  }

  private space(): boolean {
    SPACE.lastIndex = this.i;
    SPACE.exec(this.text);
    const moved = SPACE.lastIndex > this.i;
    this.i = SPACE.lastIndex;
    return moved;
  }

  private startTag(): void {
    const tagStart = this.i;
    this.i++;
    const name = this.name();
    const attributes = new Map<string, { value: string; at: number }>();
    for (;;) {
      const spaced = this.space();
      const c = this.text[this.i];
      if (c === '>' || (c === '/' && this.text[this.i + 1] === '>')) break;
      if (c === undefined) this.refuse(`is cut short inside <${name}>`);
      if (!spaced) this.refuse(`is not well-formed XML: attributes of <${name}> must be separated by white space`);
      const at = this.i;
      const attribute = this.name();
      this.space();
      if (this.text[this.i] !== '=') this.refuse(`is not well-formed XML: the attribute ${attribute} of <${name}> has no value`);
      this.i++;
      this.space();
      const quote = this.text[this.i];
      if (quote !== '"' && quote !== "'") this.refuse(`is not well-formed XML: the value of ${attribute} is not quoted`);
      const close = this.text.indexOf(quote, this.i + 1);
      if (close === -1) this.refuse(`is cut short inside the value of ${attribute}`);
      const raw = this.text.slice(this.i + 1, close);
      if (raw.includes('<')) this.refuse(`is not well-formed XML: the value of ${attribute} contains "<"`);
      if (attributes.has(attribute)) this.refuse(`is not well-formed XML: <${name}> has the attribute ${attribute} twice`, at);
      // Attribute-value normalisation (XML 1.0 §3.3.3): white space characters become spaces.
      attributes.set(attribute, { value: this.decode(raw, this.i + 1).replace(/[\t\r\n]/g, ' '), at });
      this.i = close + 1;
    }
    const selfClosing = this.text[this.i] === '/';
    this.i += selfClosing ? 2 : 1;

    const parent = this.open[this.open.length - 1];
    if (!parent && this.rootSeen) this.refuse('has more than one root element', tagStart);
    const scope: Scope = { declared: new Map(), parent: parent?.scope };
    for (const [attribute, { value }] of attributes) {
      if (attribute === 'xmlns') scope.declared.set('', value);
      else if (attribute.startsWith('xmlns:')) scope.declared.set(attribute.slice(6), value);
    }
    const element = this.resolve(name, scope, true, tagStart);
    this.checkElement(name, element, parent === undefined, tagStart);
    for (const [attribute, { value, at }] of attributes) this.checkAttribute(name, element.namespace, attribute, value, scope, at);

    if (this.open.length >= MAX_DEPTH) this.refuse(`nests elements more than ${MAX_DEPTH} deep`, tagStart);
    this.rootSeen = true;
    const isStyle = element.namespace === SVG_NAMESPACE && element.local === 'style';
    if (isStyle) this.style = '';
    if (selfClosing) return;
    this.open.push({ name, scope, isStyle });
  }

  private endTag(): void {
    const at = this.i;
    this.i += 2;
    const name = this.name();
    this.space();
    if (this.text[this.i] !== '>') this.refuse(`is not well-formed XML: </${name} is not closed by ">"`);
    this.i++;
    const element = this.open.pop();
    if (!element || element.name !== name)
      this.refuse(`is not well-formed XML: </${name}> does not close ${element ? `<${element.name}>` : 'any element'}`, at);
    if (element.isStyle) {
      const problem = checkCss(this.style, true);
      if (problem) this.refuse(`has a <style> element that ${problem}`, at);
      this.style = '';
    }
  }

  private resolve(qualified: string, scope: Scope, isElement: boolean, at: number): { namespace: string | undefined; local: string } {
    const colon = qualified.indexOf(':');
    const prefix = colon === -1 ? '' : qualified.slice(0, colon);
    const local = colon === -1 ? qualified : qualified.slice(colon + 1);
    // An unprefixed attribute has no namespace; an unprefixed element has the default one.
    if (prefix === '' && !isElement) return { namespace: undefined, local };
    if (prefix === 'xml') return { namespace: XML_NAMESPACE, local };
    for (let s: Scope | undefined = scope; s; s = s.parent) {
      const namespace = s.declared.get(prefix);
      if (namespace !== undefined) return { namespace: namespace === '' ? undefined : namespace, local };
    }
    if (prefix === '') return { namespace: undefined, local };
    this.refuse(`is not well-formed XML: the prefix "${prefix}" of ${qualified} is not declared`, at);
  }

  private checkElement(name: string, element: { namespace: string | undefined; local: string }, isRoot: boolean, at: number): void {
    if (element.namespace === SVG_NAMESPACE) {
      if (isRoot && element.local !== 'svg') this.refuse(`has <${name}> as its root; an SVG artifact's root is <svg>`, at);
      if (!SVG_ELEMENTS.has(element.local)) {
        const why = REFUSED_ELEMENTS[element.local] ?? 'an SVG artifact may hold only static drawing';
        this.refuse(`has a <${name}> element: ${why}`, at);
      }
      return;
    }
    if (isRoot) this.refuse(`has <${name}> as its root, not an <svg> element in the SVG namespace (xmlns="${SVG_NAMESPACE}")`, at);
    if (element.namespace !== undefined && INERT_NAMESPACES.has(element.namespace)) return;
    this.refuse(
      `has an element <${name}> in ${element.namespace === undefined ? 'no namespace' : `the namespace "${element.namespace.slice(0, 100)}"`}, which an SVG artifact may not use`,
      at,
    );
  }

  private checkAttribute(elementName: string, elementNamespace: string | undefined, attribute: string, value: string, scope: Scope, at: number): void {
    if (attribute === 'xmlns' || attribute.startsWith('xmlns:')) return;
    const { namespace, local } = this.resolve(attribute, scope, false, at);
    if (/^on/i.test(local)) this.refuse(`has an event handler attribute ${attribute} on <${elementName}>: scripts are code`, at);
    if (namespace === XML_NAMESPACE && local === 'base') this.refuse(`has xml:base on <${elementName}>, which would point references elsewhere`, at);
    if (local === 'href') {
      if (!LOCAL_REFERENCE.test(value))
        this.refuse(`has ${attribute}=${quote(value)} on <${elementName}>: only a reference to an element of the same file ("#id") is allowed`, at);
      return;
    }
    // Presentation attributes and style are CSS; namespaced attributes and those of metadata elements are inert.
    if (namespace !== undefined || elementNamespace !== SVG_NAMESPACE) return;
    const problem = checkCss(value, local === 'style');
    if (problem) this.refuse(`has a ${attribute} attribute on <${elementName}> that ${problem}`, at);
  }

  /** Decodes the five predefined entities and character references; any other entity is refused. */
  private decode(raw: string, offset: number): string {
    if (!raw.includes('&')) return raw;
    let out = '';
    let last = 0;
    for (let amp = raw.indexOf('&'); amp !== -1; amp = raw.indexOf('&', last)) {
      REFERENCE.lastIndex = amp;
      const match = REFERENCE.exec(raw);
      if (!match) {
        const name = /^&[A-Za-z0-9#_.:-]{0,20};?/.exec(raw.slice(amp, amp + 24))![0];
        this.refuse(`uses the entity "${name}": only &lt; &gt; &amp; &quot; &apos; and character references are allowed`, offset + amp);
      }
      let character: string;
      if (match[1] !== undefined) character = PREDEFINED[match[1]]!;
      else {
        const codePoint = match[2] !== undefined ? Number.parseInt(match[2], 10) : Number.parseInt(match[3]!, 16);
        if (!isXmlCharacter(codePoint)) this.refuse(`has a character reference ${match[0]} to a character XML does not allow`, offset + amp);
        character = String.fromCodePoint(codePoint);
      }
      out += raw.slice(last, amp) + character;
      last = REFERENCE.lastIndex;
    }
    return out + raw.slice(last);
  }
}

function isXmlCharacter(codePoint: number): boolean {
  return (
    codePoint === 0x9 ||
    codePoint === 0xa ||
    codePoint === 0xd ||
    (codePoint >= 0x20 && codePoint <= 0xd7ff) ||
    (codePoint >= 0xe000 && codePoint <= 0xfffd) ||
    (codePoint >= 0x10000 && codePoint <= 0x10ffff)
  );
}

/**
 * Returns what is wrong with a CSS value or style sheet ("uses …"), or undefined. `sheet` adds the rules
 * for style elements and style attributes: no at-rule but @media, @keyframes and @supports, and no "<"
 * (which would end a <style> if the file were ever put inside HTML).
 */
export function checkCss(css: string, sheet: boolean): string | undefined {
  if (css.includes('\\')) return 'uses a CSS escape ("\\"), which could spell anything';
  if (sheet && css.includes('<')) return 'contains "<"';
  const code = css.replace(/\/\*[\s\S]*?(?:\*\/|$)/g, ' ');
  if (sheet) {
    for (const [, rule] of code.matchAll(/@(-?[A-Za-z_][-\w]*)/g)) {
      if (!CSS_AT_RULES.has(rule!.toLowerCase())) return `uses @${rule}: only @media, @keyframes and @supports are allowed`;
    }
  }
  for (const match of code.matchAll(/(-?[A-Za-z_][-\w]*)\(/g)) {
    const name = match[1]!.toLowerCase();
    if (name === 'url') {
      const start = match.index! + match[0].length;
      const close = code.indexOf(')', start);
      const argument = code.slice(start, close === -1 ? code.length : close);
      if (!LOCAL_URL.test(argument)) return `uses url(${argument.slice(0, 60)}): only url(#id), a reference to an element of the same file, is allowed`;
      continue;
    }
    if (!CSS_FUNCTIONS.has(name)) return `uses the CSS function ${match[1]}(), which is not allowed`;
  }
  return undefined;
}

/** A value as written, cut and quoted for a message. */
function quote(value: string): string {
  return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
}
