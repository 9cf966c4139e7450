/**
 * Progress on stderr: a redrawn bar on a terminal, plain lines (at most one every
 * few seconds) otherwise. Library code reports progress through callbacks; only the
 * CLI turns them into text.
 */
export interface ProgressReporter {
  update(done: number, total: number, detail?: string): void;
  finish(detail?: string): void;
}

export function createProgress(
  label: string,
  options: { isTTY: boolean; write: (text: string) => void; minIntervalMs?: number },
): ProgressReporter {
  const interval = options.minIntervalMs ?? (options.isTTY ? 100 : 2000);
  let lastWrite = 0;
  let lastLine = "";
  return {
    update(done, total, detail) {
      const now = Date.now();
      if (now - lastWrite < interval && done < total) return;
      lastWrite = now;
      const fraction = total > 0 ? Math.min(1, done / total) : 0;
      const suffix = detail ? ` ${detail}` : "";
      if (options.isTTY) {
        const width = 24;
        const filled = Math.round(fraction * width);
        lastLine = `\r${label} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${done}/${total}${suffix}`;
        options.write(`${lastLine}\x1b[K`);
      } else {
        options.write(`${label}: ${done}/${total}${suffix}\n`);
      }
    },
    finish(detail) {
      if (options.isTTY && lastLine) options.write("\n");
      if (detail) options.write(`${label}: ${detail}\n`);
    },
  };
}
