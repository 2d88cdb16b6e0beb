/**
 * The most bytes any reader held at once while assembling one item (an element, a line, a CSV record).
 * Tests assert on it to prove memory stays bounded by the caps, whatever the input; RSS would be too noisy.
 */
export class BufferGauge {
  private highest = 0;

  get peakBytes(): number {
    return this.highest;
  }

  observe(bytes: number): void {
    if (bytes > this.highest) this.highest = bytes;
  }
}
