// A result document, rendered by our components from the validated document: every string is React
// text (escaped), except markdown, whose HTML comes from the locked-down renderer in lib/markdown.ts.
// Blocks of an unknown type, or of the wrong shape, are skipped with a note: the document is data.
import { lazy, Suspense, useId, useMemo, useState } from 'react';
import type { ChartBlock, MarkdownBlock, MetricBlock, ResultBlock, TableBlock, WordcloudBlock } from '@lockbox/analysis-sdk';
import { formatNumber } from '../lib/format';
import { renderMarkdown } from '../lib/markdown';
import { type SortDirection, sortedRowIndexes } from '../lib/table-sort';
import { WordCloud } from './word-cloud';

const Chart = lazy(() => import('./chart'));

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

function Markdown({ block }: { block: MarkdownBlock }) {
  const html = useMemo(() => renderMarkdown(block.text), [block.text]);
  // The one dangerouslySetInnerHTML of the console: markdown-it with html, links and images off emits
  // only escaped text inside a fixed set of tags (lib/markdown.ts).
  return <div className="markdown" dangerouslySetInnerHTML={{ __html: html }} />;
}

function Metric({ block }: { block: MetricBlock }) {
  return (
    <div className="metric">
      <span className="metric-value">
        {formatNumber(block.value)}
        {block.unit ? <span className="metric-unit"> {block.unit}</span> : null}
      </span>
      <span className="metric-label">{block.label}</span>
    </div>
  );
}

/** Renders the metrics collected for its group (filled while the blocks are mapped, before React renders it). */
function MetricGroup({ group }: { group: { metrics: MetricBlock[]; index: number } }) {
  return (
    <>
      {group.metrics.map((metric, offset) => (
        <Metric key={group.index + offset} block={metric} />
      ))}
    </>
  );
}

function cellText(cell: unknown): string {
  if (cell === null || cell === undefined) return '';
  if (typeof cell === 'number') return formatNumber(cell);
  // The validator admits scalars only; anything else is shown as its JSON, still as text.
  if (typeof cell === 'object') return JSON.stringify(cell);
  return String(cell as string | boolean | bigint | symbol);
}

function Table({ block, index }: { block: TableBlock; index: number }) {
  const [sort, setSort] = useState<{ column: number; direction: SortDirection }>();
  const order = useMemo(() => (sort ? sortedRowIndexes(block.rows, sort.column, sort.direction) : block.rows.map((_, row) => row)), [block.rows, sort]);
  const toggle = (column: number) =>
    setSort((current) => ({ column, direction: current?.column === column && current.direction === 'ascending' ? 'descending' : 'ascending' }));
  return (
    <div className="table-scroll" role="region" aria-label={`Table ${index + 1}`} tabIndex={0}>
      <table>
        <thead>
          <tr>
            {block.columns.map((column, columnIndex) => (
              <th key={columnIndex} scope="col" aria-sort={sort?.column === columnIndex ? sort.direction : 'none'}>
                <button type="button" className="sort" onClick={() => toggle(columnIndex)}>
                  {column}
                  <span aria-hidden="true">{sort?.column === columnIndex ? (sort.direction === 'ascending' ? ' ▲' : ' ▼') : ' ↕'}</span>
                  <span className="visually-hidden">, sort</span>
                </button>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {order.map((rowIndex) => (
            <tr key={rowIndex}>
              {block.columns.map((_, columnIndex) => (
                <td key={columnIndex}>{cellText(block.rows[rowIndex]?.[columnIndex])}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ChartBlockView({ block }: { block: ChartBlock }) {
  return (
    <Suspense
      fallback={
        <p role="status" className="chart chart-loading">
          Loading the chart…
        </p>
      }
    >
      <Chart title={block.title} spec={block.spec} />
    </Suspense>
  );
}

function validBlock(block: unknown): ResultBlock | undefined {
  if (!isObject(block)) return undefined;
  switch (block.type) {
    case 'markdown':
      return typeof block.text === 'string' ? (block as unknown as MarkdownBlock) : undefined;
    case 'metric':
      return typeof block.label === 'string' && typeof block.value === 'number' ? (block as unknown as MetricBlock) : undefined;
    case 'table':
      return Array.isArray(block.columns) && Array.isArray(block.rows) && block.rows.every(Array.isArray) ? (block as unknown as TableBlock) : undefined;
    case 'chart':
      return typeof block.title === 'string' && isObject(block.spec) ? (block as unknown as ChartBlock) : undefined;
    case 'wordcloud':
      return Array.isArray(block.words) ? (block as unknown as WordcloudBlock) : undefined;
    default:
      return undefined;
  }
}

export function ResultBlocks({ blocks }: { blocks: unknown[] }) {
  const baseId = useId();
  // Consecutive metrics share a row (a grid), as a dashboard's figures do.
  const groups: { metrics: MetricBlock[]; index: number }[] = [];
  const rendered = blocks.map((raw, index) => {
    const block = validBlock(raw);
    const key = `${baseId}-${index}`;
    if (!block)
      return (
        <p key={key} className="muted">
          (A part of this result could not be shown.)
        </p>
      );
    switch (block.type) {
      case 'markdown':
        return <Markdown key={key} block={block} />;
      case 'metric': {
        const previous = validBlock(blocks[index - 1]);
        if (previous?.type === 'metric' && groups.length > 0) {
          groups[groups.length - 1]!.metrics.push(block);
          return null;
        }
        const group = { metrics: [block], index };
        groups.push(group);
        return (
          <div key={key} className="metrics">
            <MetricGroup group={group} />
          </div>
        );
      }
      case 'table':
        return <Table key={key} block={block} index={index} />;
      case 'chart':
        return <ChartBlockView key={key} block={block} />;
      case 'wordcloud':
        return <WordCloud key={key} block={block} />;
    }
  });
  return <div className="result-blocks">{rendered}</div>;
}
