/** Text for humans: escaping and number formatting shared by every part of the report. */
import type { FairnessGapName, ParamValue } from "./types.js";

const HTML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Safe inside element content and inside double- or single-quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => HTML_ESCAPES[character]);
}

/**
 * JSON that can sit inside <script type="application/json"> whatever the strings
 * hold: escaping "<" stops "</script>" and "<!--" from ending or changing the
 * script element, and U+2028/U+2029 are escaped for older JavaScript parsers.
 */
export function jsonForScriptTag(json: string): string {
  return json
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

/** A rate or accuracy: four decimals; "–" when undefined. */
export function formatRate(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return "–";
  return value.toFixed(4);
}

export function formatEpsilon(value: number | undefined): string {
  if (value === undefined || Number.isNaN(value)) return "–";
  if (value === Number.POSITIVE_INFINITY) return "∞";
  return value >= 100 ? value.toFixed(0) : String(Number(value.toPrecision(3)));
}

export function formatParam(value: ParamValue): string {
  if (typeof value !== "number") return String(value);
  if (Number.isInteger(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude < 1e-3 || magnitude >= 1e5)) return value.toExponential(2);
  return String(Number(value.toPrecision(4)));
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "–";
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${Math.round(seconds - minutes * 60)} s`;
}

export const GAP_LABELS: Record<FairnessGapName, { long: string; medium: string; short: string }> = {
  dpDifference: { long: "demographic parity difference", medium: "DP difference", short: "DP diff." },
  eoDifference: { long: "equalized odds difference", medium: "EO difference", short: "EO diff." },
};
