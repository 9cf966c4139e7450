/**
 * Colours and shapes. The Okabe–Ito palette (Okabe & Ito 2008, "Color Universal
 * Design") stays distinguishable under the common colour-vision deficiencies, and
 * every category that colour marks is also marked by a shape, so nothing is told
 * by colour alone.
 */
export const OKABE_ITO = {
  black: "#000000",
  orange: "#E69F00",
  skyBlue: "#56B4E9",
  bluishGreen: "#009E73",
  yellow: "#F0E442",
  blue: "#0072B2",
  vermillion: "#D55E00",
  reddishPurple: "#CC79A7",
} as const;

/** Series colours in order (yellow last: too light on white for thin marks). */
export const SERIES_COLOURS = [
  OKABE_ITO.blue,
  OKABE_ITO.orange,
  OKABE_ITO.bluishGreen,
  OKABE_ITO.vermillion,
  OKABE_ITO.reddishPurple,
  OKABE_ITO.skyBlue,
  OKABE_ITO.black,
  OKABE_ITO.yellow,
];

/** How a trial is drawn on every chart. */
export const TRIAL_STYLE = {
  pareto: { colour: OKABE_ITO.vermillion, symbol: "diamond", symbol3d: "diamond", label: "Pareto-optimal" },
  dominated: { colour: OKABE_ITO.blue, symbol: "circle-open", symbol3d: "circle-open", label: "dominated" },
  infeasible: { colour: OKABE_ITO.black, symbol: "x-thin-open", symbol3d: "x", label: "breaks a constraint" },
  filteredOut: {
    colour: "#9a9a9a",
    symbol: "circle-open",
    symbol3d: "circle-open",
    label: "outside the filter",
  },
  selected: { colour: OKABE_ITO.bluishGreen, symbol: "star", symbol3d: "square", label: "selected" },
} as const;

export type TrialStyleName = keyof typeof TRIAL_STYLE;
