/**
 * Beyond this many distinct values a column is not a usable class label or group:
 * every command refuses such a target or sensitive attribute with the same message
 * (group the column first). Fifty covers the per-country, per-state and age-band
 * attributes of the fairness benchmarks while catching an identifier or a numeric
 * column given by mistake.
 */
export const MAX_CATEGORIES = 50;
