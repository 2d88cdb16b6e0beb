import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The keys of the multipart uploads an s3rver holds open under `keyPrefix`. s3rver has neither
 * ListMultipartUploads nor AbortMultipartUpload: it keeps each open upload on disk, in
 * `<directory>/<bucket>/._S3rver_uploads/<upload id>/` (a `key` file, then the parts), until the upload
 * is completed. Its disk is therefore the one witness of an upload left open.
 */
export function openS3rverUploads(s3Directory: string, bucket: string, keyPrefix = ''): string[] {
  const uploads = join(s3Directory, bucket, '._S3rver_uploads');
  let ids: string[];
  try {
    ids = readdirSync(uploads);
  } catch {
    return [];
  }
  const keys: string[] = [];
  for (const id of ids) {
    try {
      const key = readFileSync(join(uploads, id, 'key'), 'utf8');
      if (key.startsWith(keyPrefix)) keys.push(key);
    } catch {
      // created this instant, or completed while we looked
    }
  }
  return keys;
}
