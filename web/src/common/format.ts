/** Numbers as the pages show them: ε = ∞ for a non-private model, "–" for an undefined rate. */

export function formatEpsilon(epsilon: number | null | undefined): string {
  if (epsilon === null || epsilon === undefined || Number.isNaN(epsilon)) return "–";
  if (!Number.isFinite(epsilon)) return "∞";
  return epsilon >= 100 ? epsilon.toFixed(0) : epsilon.toPrecision(3);
}

export function formatRate(value: number | null | undefined, digits = 3): string {
  if (value === null || value === undefined || Number.isNaN(value)) return "–";
  return value.toFixed(digits);
}

export function formatParam(value: number | string | boolean | undefined): string {
  if (value === undefined) return "–";
  if (typeof value !== "number") return String(value);
  if (Number.isInteger(value)) return String(value);
  return Math.abs(value) >= 100 || Math.abs(value) < 0.01 ? value.toExponential(2) : value.toPrecision(3);
}

export function formatSeconds(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || Number.isNaN(seconds)) return "–";
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${Math.round(seconds - 60 * minutes)} s`;
}

export function formatInterval(interval: { value: number; low: number; high: number; n: number }): string {
  if (Number.isNaN(interval.value)) return "–";
  if (interval.n === 0 || Number.isNaN(interval.low)) return interval.value.toFixed(3);
  return `${interval.value.toFixed(3)} [${interval.low.toFixed(3)}, ${interval.high.toFixed(3)}]`;
}
