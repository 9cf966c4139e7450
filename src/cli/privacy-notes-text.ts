/** The privacy notes of a study as text: a heading and one wrapped bullet per note. */

const WIDTH = 100;

export function printPrivacyNotes(print: (line: string) => void, notes: readonly string[]): void {
  if (notes.length === 0) return;
  print("");
  print("What ε covers (privacy notes):");
  for (const note of notes) {
    wrap(note, WIDTH - 4).forEach((line, i) => {
      print(`${i === 0 ? "  - " : "    "}${line}`);
    });
  }
}

/** Greedy word wrap; a word longer than `width` gets a line of its own. */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter((w) => w.length > 0)) {
    if (line.length > 0 && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line.length > 0 ? `${line} ${word}` : word;
    }
  }
  if (line.length > 0) lines.push(line);
  return lines;
}
