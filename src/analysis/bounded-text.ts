/**
 * Text that stays under a size bound, for reports a pull request shows (a GitHub comment holds
 * 65,536 characters). Sections are added in order of importance; a section that does not fit is
 * cut with a line saying how much was left out, and later sections get only what is left.
 */

/** Room kept for the lines that say what was left out. */
const NOTE_ROOM = 1000;

export class BoundedText {
  private readonly lines: string[] = [];
  private length = 0;
  private readonly omitted: string[] = [];

  /** @param maxChars the bound; 0 means none */
  constructor(private readonly maxChars: number) {}

  /** Adds a line if it fits; returns whether it did. */
  public add(line: string): boolean {
    if (this.maxChars > 0 && this.length + line.length + 1 > this.maxChars - NOTE_ROOM) return false;
    this.lines.push(line);
    this.length += line.length + 1;
    return true;
  }

  /**
   * Adds `header` lines and then as many `rows` as fit; when some do not, a line saying how many
   * `what` were left out. A section with no room even for its header is named in the closing note.
   */
  public section(header: string[], rows: string[], what: string): void {
    const mark = this.lines.length;
    const markLength = this.length;
    if (!header.every(line => this.add(line))) {
      this.lines.length = mark;
      this.length = markLength;
      this.omitted.push(`${rows.length} ${what}`);
      return;
    }
    let shown = 0;
    for (const row of rows) {
      if (!this.add(row)) break;
      shown++;
    }
    if (shown < rows.length) this.force(`… ${rows.length - shown} more ${what} left out (size bound ${this.maxChars} characters)`);
  }

  /** The text, ending with a note on what did not fit, if anything. */
  public text(fullReport: string): string {
    if (this.omitted.length > 0) {
      this.force('', `Left out to stay under ${this.maxChars} characters: ${this.omitted.join(', ')}. ${fullReport}`);
    }
    return this.lines.join('\n') + '\n';
  }

  /** Adds lines whatever the bound: the notes on what was left out (NOTE_ROOM keeps space for them). */
  private force(...lines: string[]): void {
    for (const line of lines) {
      this.lines.push(line);
      this.length += line.length + 1;
    }
  }
}
