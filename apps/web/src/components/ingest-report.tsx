// A dataset's ingest report (libs/exports IngestReport), as far as the API sends it: every field is
// optional here, so today's datasets (record kinds and line errors only) and tomorrow's (per file,
// skipped with reasons, files not read, duplicates) both read well.
import { formatBytes, formatNumber } from '../lib/format';
import { describeKind } from '../lib/scopes';
import type { Dataset } from '../lib/types';

function KindCounts({ counts }: { counts: Record<string, number | undefined> }) {
  const entries = Object.entries(counts).filter((entry): entry is [string, number] => typeof entry[1] === 'number');
  if (entries.length === 0) return <p>No records.</p>;
  return (
    <ul>
      {entries.map(([kind, count]) => (
        <li key={kind}>
          {formatNumber(count)} × {describeKind(kind)} <span className="muted">({kind})</span>
        </li>
      ))}
    </ul>
  );
}

export function IngestReportView({ dataset }: { dataset: Dataset }) {
  const report = dataset.report ?? undefined;
  return (
    <section aria-labelledby="report-heading" className="card">
      <h2 id="report-heading">Ingest report</h2>
      {dataset.failureMessage ? <p className="error">{dataset.failureMessage}</p> : null}
      {report?.failure ? <p className="error">{report.failure.message}</p> : null}
      <dl className="facts">
        <dt>Records</dt>
        <dd>{formatNumber(report?.recordCount ?? dataset.recordCount)}</dd>
        {report?.format || report?.requestedFormat ? (
          <>
            <dt>Read as</dt>
            <dd>
              {report.format ?? report.requestedFormat}
              {report.detected ? ` (detected: ${report.detected})` : ''}
            </dd>
          </>
        ) : null}
        {typeof report?.skipped === 'number' ? (
          <>
            <dt>Skipped</dt>
            <dd>{formatNumber(report.skipped)}</dd>
          </>
        ) : null}
        {typeof report?.alreadyPresent === 'number' ? (
          <>
            <dt>Already in your other datasets</dt>
            <dd>{formatNumber(report.alreadyPresent)}</dd>
          </>
        ) : null}
        {dataset.errorCount > 0 ? (
          <>
            <dt>Lines with errors</dt>
            <dd>{formatNumber(dataset.errorCount)}</dd>
          </>
        ) : null}
      </dl>
      <h3>Records by kind</h3>
      <KindCounts counts={report?.records ?? dataset.recordKinds} />
      {report?.files && report.files.length > 0 ? (
        <>
          <h3>Files read</h3>
          <div className="table-scroll">
            <table>
              <caption className="visually-hidden">Each file of the upload and what was read from it</caption>
              <thead>
                <tr>
                  <th scope="col">File</th>
                  <th scope="col">Read as</th>
                  <th scope="col">Size</th>
                  <th scope="col">Records</th>
                  <th scope="col">Skipped</th>
                </tr>
              </thead>
              <tbody>
                {report.files.map((file, index) => (
                  <tr key={`${file.name}-${index}`}>
                    <td>{file.name}</td>
                    <td>{file.part}</td>
                    <td>{formatBytes(file.bytesRead)}</td>
                    <td>{formatNumber(Object.values(file.records).reduce<number>((sum, count) => sum + (count ?? 0), 0))}</td>
                    <td>
                      {formatNumber(file.skipped)}
                      {file.skips.length > 0 ? (
                        <ul className="skips">
                          {file.skips.map((skip, skipIndex) => (
                            <li key={skipIndex}>
                              {skip.line !== undefined ? `line ${skip.line}: ` : ''}
                              {skip.message}
                            </li>
                          ))}
                        </ul>
                      ) : null}
                      {file.failure ? <p className="error">{file.failure.message}</p> : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {report.filesNotListed ? <p className="muted">…and {formatNumber(report.filesNotListed)} more files.</p> : null}
        </>
      ) : null}
      {report?.notRead && report.notRead.length > 0 ? (
        <>
          <h3>Files not read</h3>
          <ul>
            {report.notRead.map((file, index) => (
              <li key={`${file.name}-${index}`}>
                {file.name}: {file.detail}
              </li>
            ))}
          </ul>
          {report.notReadNotListed ? <p className="muted">…and {formatNumber(report.notReadNotListed)} more.</p> : null}
        </>
      ) : null}
      {dataset.lineErrors && dataset.lineErrors.length > 0 ? (
        <>
          <h3>Lines that could not be read</h3>
          <ul>
            {dataset.lineErrors.map((lineError) => (
              <li key={lineError.line}>
                Line {lineError.line}: {lineError.reason}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}
