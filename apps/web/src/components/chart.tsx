// A result's Vega-Lite chart. This module, and Vega with it, loads only on a page that shows a chart
// (result-blocks.tsx imports it lazily). Third-party specs are data, so Vega runs without code:
//  - ast + expressionInterpreter: expressions are interpreted, never compiled with eval/new Function,
//    which the console's CSP (no 'unsafe-eval') would refuse anyway;
//  - actions off: the embed's "Open in Vega Editor" would post the chart's data to another site;
//  - a loader that refuses every URL: data, images and fonts come from the spec's inline values only;
//  - no injected styles and no tooltip plugin (both add <style> elements the CSP does not allow).
import { useEffect, useRef, useState } from 'react';
import embed, { type Result } from 'vega-embed';
import { expressionInterpreter } from 'vega-interpreter';

const refuse = (): Promise<never> => Promise.reject(new Error('Charts may not load anything: their data is inline'));

/** Vega's loader interface, with every way of fetching something refused. */
const NO_NETWORK_LOADER = {
  options: {},
  load: refuse,
  sanitize: refuse,
  http: refuse,
  file: refuse,
};

export default function Chart({ title, spec }: { title: string; spec: Record<string, unknown> }) {
  const container = useRef<HTMLDivElement>(null);
  const [failure, setFailure] = useState<string>();

  useEffect(() => {
    const element = container.current;
    if (!element) return;
    let result: Result | undefined;
    let cancelled = false;
    // The spec is copied, so Vega's own additions never reach the document we hold.
    const copy = JSON.parse(JSON.stringify(spec)) as Record<string, unknown>;
    const draw = (): void => {
      embed(element, copy as never, {
        actions: false,
        ast: true,
        expr: expressionInterpreter,
        loader: NO_NETWORK_LOADER as never,
        renderer: 'svg',
        defaultStyle: false,
        tooltip: false,
        hover: false,
        logLevel: 0,
        config: { background: 'transparent' },
      }).then(
        (embedded) => {
          if (cancelled) embedded.finalize();
          else result = embedded;
        },
        (error: unknown) => {
          if (!cancelled) setFailure(error instanceof Error ? error.message : 'The chart could not be drawn');
        },
      );
    };
    // Each chart is compiled and drawn in a task of its own, so a page of charts never blocks input long.
    const timer = window.setTimeout(draw, 0);
    return () => {
      cancelled = true;
      window.clearTimeout(timer);
      result?.finalize();
    };
  }, [spec]);

  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      {failure ? <p className="error">This chart could not be drawn: {failure}</p> : null}
      <div ref={container} role="img" aria-label={`Chart: ${title}`} className="chart-canvas" />
    </figure>
  );
}
