/** Numerically stable logistic function: never computes exp of a large positive number. */
export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/**
 * Online logistic regression trained by stochastic gradient descent, one sample at a time. The
 * first weight is the bias (its feature is implicitly 1). A small L2 decay keeps old regimes from
 * dominating forever, so the model keeps adapting to the current behaviour of the dependency.
 */
export class LogisticModel {
  readonly weights: Float64Array;

  constructor(
    features: number,
    private readonly learningRate: number,
    private readonly l2 = 1e-4,
  ) {
    this.weights = new Float64Array(features + 1);
  }

  /** P(y = 1 | x). `x` has one value per feature (no bias entry). */
  predict(x: ArrayLike<number>): number {
    const w = this.weights;
    let z = w[0]!;
    for (let i = 0; i < x.length; i++) z += w[i + 1]! * x[i]!;
    return sigmoid(z);
  }

  /** One SGD step on the log-loss for sample (x, y); returns the prediction made before the step. */
  learn(x: ArrayLike<number>, y: 0 | 1): number {
    const p = this.predict(x);
    const g = y - p;
    const w = this.weights;
    const lr = this.learningRate;
    w[0] = w[0]! + lr * g;
    for (let i = 0; i < x.length; i++) w[i + 1] = w[i + 1]! * (1 - lr * this.l2) + lr * g * x[i]!;
    return p;
  }
}
