/** Shared numerics on Float64Arrays: optimisation, dense linear algebra, the normal distribution, FFT. */
export * from "./fft.js";
export * from "./lbfgs.js";
export * from "./linalg.js";
export * from "./normal.js";
