/**
 * q-FFL's aggregation, q-FedAvg (Li, Sanjabi, Beirami & Smith 2020, "Fair Resource
 * Allocation in Federated Learning", Alg. 2): clients with a higher loss Fₖ of the
 * global model weigh more, so that the accuracy is spread more evenly over clients.
 * With L = 1/η (η the local learning rate) and ΔWₖ = L(w − w̄ₖ) = −L·updateₖ:
 *   Δₖ = Fₖ^q ΔWₖ,  hₖ = q Fₖ^{q−1} ‖ΔWₖ‖² + L Fₖ^q,  w ← w − Σ Δₖ / Σ hₖ.
 * q = 0 gives the unweighted mean of the updates (FedAvg with uniform weights).
 */
export function qfflUpdate(
  clients: readonly { update: Float32Array; loss: number }[],
  q: number,
  lipschitz: number,
): Float64Array {
  if (clients.length === 0) throw new RangeError("q-FFL needs at least one client");
  const d = clients[0].update.length;
  const numerator = new Float64Array(d);
  let denominator = 0;
  for (const { update, loss } of clients) {
    const F = Math.max(loss, 1e-10);
    let squaredNorm = 0;
    for (let i = 0; i < d; i++) squaredNorm += (lipschitz * update[i]) ** 2;
    const weight = F ** q;
    // −Δₖ = Fₖ^q · L · updateₖ (the server applies w ← w + result).
    for (let i = 0; i < d; i++) numerator[i] += weight * lipschitz * update[i];
    denominator += q * F ** (q - 1) * squaredNorm + lipschitz * weight;
  }
  for (let i = 0; i < d; i++) numerator[i] /= denominator;
  return numerator;
}
