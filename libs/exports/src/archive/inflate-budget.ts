import { ArchiveFault, FileFault } from '../faults';
import { describeBytes, type ExportLimits } from '../limits';
import { displayName } from './entry-names';

/**
 * Counts the bytes actually inflated, per entry and over the archive, as they stream: the sizes an
 * archive declares are never trusted. A bomb (the archive's total, or one entry's ratio) fails the
 * archive; an entry merely too big fails that file.
 */
export class InflateBudget {
  private inflated = 0;

  constructor(private readonly limits: ExportLimits) {}

  get totalInflated(): number {
    return this.inflated;
  }

  /** A meter for one entry; call it with each chunk's length. Throws the fault when a cap is passed. */
  meter(name: string, compressedSize: number): (bytes: number) => void {
    const { maxTotalInflatedBytes, maxEntryInflatedBytes, maxInflateRatio, ratioFloorBytes } = this.limits;
    let entryBytes = 0;
    return (bytes: number) => {
      entryBytes += bytes;
      this.inflated += bytes;
      if (this.inflated > maxTotalInflatedBytes) {
        throw new ArchiveFault('zip_bomb', `the archive inflates to more than ${describeBytes(maxTotalInflatedBytes)}`);
      }
      if (entryBytes > ratioFloorBytes && entryBytes > maxInflateRatio * Math.max(compressedSize, 1)) {
        throw new ArchiveFault(
          'zip_bomb',
          `${displayName(name)} inflates to more than ${maxInflateRatio} times its compressed size (${describeBytes(compressedSize)})`,
        );
      }
      if (entryBytes > maxEntryInflatedBytes) {
        throw new FileFault('file_too_large', `the file inflates to more than ${describeBytes(maxEntryInflatedBytes)}`);
      }
    };
  }
}
