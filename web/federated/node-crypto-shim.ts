/**
 * `node:crypto` for the browser bundle: the only thing Equipoise takes from it on a
 * client's path is `webcrypto` (SecureRandom), which browsers have as `crypto`.
 */
export const webcrypto = globalThis.crypto;
