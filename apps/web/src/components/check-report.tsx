// The automated checks' report on a submission: each step and how it ended, every rule a failure broke
// with its reason, the notes, and the smoke run on synthetic records. Everything here may quote the
// developer's image (labels, paths, log lines): it is shown as text only.
import { formatBytes, formatDateTime, formatNumber } from '../lib/format';
import type { CheckReport as Report } from '../lib/types';

const OUTCOME_WORDS: Readonly<Record<string, string>> = { passed: 'Passed', failed: 'Failed', skipped: 'Skipped (an earlier step failed)' };

function SmokeRun({ run }: { run: NonNullable<Report['smokeRun']> }) {
  const records = Object.entries(run.records);
  return (
    <section aria-labelledby="smoke-run-heading">
      <h3 id="smoke-run-heading">Run on synthetic records</h3>
      <p>
        <span className={`status status-${run.status}`}>{run.status === 'succeeded' ? 'Succeeded' : run.status.replace(/_/g, ' ')}</span> {run.message}
      </p>
      <ul>
        {records.length > 0 ? <li>Records: {records.map(([kind, count]) => `${formatNumber(count)} × ${kind}`).join(', ')}</li> : null}
        {run.fixtureSeed !== undefined ? (
          <li>
            Same records locally: <code>lockbox fixtures --seed {run.fixtureSeed} --records 200</code>
          </li>
        ) : null}
        <li>Container time: {formatNumber(run.containerMs / 1000)} s</li>
        <li>Output: {formatBytes(run.outputBytes)}</li>
        <li>Logs: {formatBytes(run.logBytes)}</li>
        {run.peakMemoryBytes !== null ? <li>Peak memory (at least): {formatBytes(run.peakMemoryBytes)}</li> : null}
        {run.exitCode !== undefined ? <li>Exit code: {run.exitCode}</li> : null}
        {run.runtime ? <li>Sandbox: {run.runtime}</li> : null}
      </ul>
      {run.logTail ? (
        <>
          <h4>The end of its logs</h4>
          <pre className="logs" role="region" tabIndex={0} aria-label="Smoke run logs">
            {run.logTail}
          </pre>
        </>
      ) : null}
    </section>
  );
}

export function CheckReport({ report }: { report: Report }) {
  return (
    <section className="card" aria-labelledby="check-report-heading">
      <h2 id="check-report-heading">Check report</h2>
      <p>
        <strong>{report.passed ? 'The checks passed.' : 'The checks failed.'}</strong> Checked {formatDateTime(report.checkedAt)}.
      </p>
      {report.steps && report.steps.length > 0 ? (
        <ol className="steps" aria-label="Check steps">
          {report.steps.map((step) => (
            <li key={step.name}>
              {step.name}: <span className={`status status-${step.outcome}`}>{OUTCOME_WORDS[step.outcome] ?? step.outcome}</span>
            </li>
          ))}
        </ol>
      ) : null}
      {report.violations.length > 0 ? (
        <>
          <h3>What failed</h3>
          <ul aria-label="Failures">
            {report.violations.map((violation, index) => (
              <li key={index}>
                <code>{violation.rule}</code>: {violation.message}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {report.notes.length > 0 ? (
        <>
          <h3>Notes</h3>
          <ul>
            {report.notes.map((note, index) => (
              <li key={index}>{note}</li>
            ))}
          </ul>
        </>
      ) : null}
      <ul>
        {report.imageId ? (
          <li>
            Image: <code className="wrap">{report.imageId}</code>
          </li>
        ) : null}
        {report.imageBytes !== undefined ? <li>Image size: {formatBytes(report.imageBytes)}</li> : null}
        {report.layers !== undefined ? <li>Layers: {report.layers}</li> : null}
      </ul>
      {report.smokeRun ? <SmokeRun run={report.smokeRun} /> : null}
    </section>
  );
}
