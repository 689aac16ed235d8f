/** What the `auto` recipe says about the mix it chose on held-out rows, with the scores behind it. */
import type { FitReport } from '../classifier.js';

type FusionChoice = NonNullable<FitReport['fusion']>;

/**
 * `chosen`: the one member used, or 'fusion'; `reason`: the chosen mix and prior correction with their
 * held-out scores, and each member's scores alone. `skipped` prefixes what was left out before training.
 */
export function describeFusionChoice(
  names: readonly string[],
  choice: FusionChoice,
  skipped: string,
): { chosen: string; reason: string } {
  const [only, ...others] = names.filter((_, i) => (choice.weights[i] ?? 0) > 0);
  const chosen = only !== undefined && others.length === 0 ? only : 'fusion';
  const scored = (c: (typeof choice.candidates)[number]) =>
    `log-loss ${c.nll.toFixed(4)}, macro-F1 ${c.macroF1.toFixed(4)}`;
  // The chosen mix is listed first.
  const chosenCandidate = choice.candidates[0]!;
  const chosenScores = `${scored(chosenCandidate)}, expected macro-F1 ${chosenCandidate.expectedMacroF1.toFixed(4)}`;
  const scores = [`chosen ${choice.weights.join('/')} with prior correction ${choice.priorAlpha}: ${chosenScores}`];
  names.forEach((name, i) => {
    const alone = choice.candidates.find(
      (c) => c.priorAlpha === 0 && c.weights.every((w, j) => w === (j === i ? 1 : 0)),
    );
    if (alone) scores.push(`${name} alone ${scored(alone)}`);
  });
  const reason = `${skipped}the ${names.join('/')} mix with the lowest held-out log-loss (of ${choice.candidates.filter((c) => c.priorAlpha === 0).length}), then the prior correction with the best macro-F1 expected under its calibrated held-out probabilities (${scores.join('; ')})`;
  return { chosen, reason };
}
