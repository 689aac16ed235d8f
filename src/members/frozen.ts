/** A member whose head trains over the frozen vectors of its encoder (pretrained, TF-IDF, or both). */
import { type Features, type Matrix, type SparseMatrix, isFittable, isSparseMatrix } from '../encoders/index.js';
import {
  isSparseHead,
  type AnyHead,
  type HeadSpec,
  type Targets,
  type TrainOptions,
  createHead,
  createSparseHead,
  resolveTrainOptions,
  SPARSE_TRAIN_DEFAULTS,
} from '../heads/index.js';
import {
  memberFeatures,
  predictMember,
  readsSparseRows,
  selectRows,
  selectSparseRows,
  type Member,
  type MemberFitOptions,
  type MemberTraining,
} from './member.js';
import { refitEpochCount, trainWithRefit } from './refit.js';
import type { ComputedVectors } from './vectors.js';

export async function trainMember(
  member: Member,
  texts: readonly string[],
  targets: Targets,
  numLabels: number,
  validationRows: Int32Array,
  options: MemberFitOptions,
  computed?: ComputedVectors,
): Promise<Extract<MemberTraining, { kind: 'frozen' }>> {
  const started = performance.now();
  if (isFittable(member.encoder)) await member.encoder.fit(texts);
  const { head: type, hidden, dropout, standardize, refit, ...train } = options;
  // TF-IDF rows stay sparse for a plain linear head; an MLP or standardised inputs need dense rows.
  const sparse = readsSparseRows(member.encoder, { head: type, standardize });
  const embedded: Features = await memberFeatures(member, texts, options.signal, computed, sparse);
  const embedSeconds = (performance.now() - started) / 1000;

  const spec: HeadSpec = {
    type,
    inputDim: embedded.dim,
    numLabels,
    multiLabel: targets.kind === 'multi',
    hidden,
    dropout,
    standardize,
    ...(sparse && { input: 'sparse' as const }),
  };
  const resolved = resolveTrainOptions(type, sparse ? { ...SPARSE_TRAIN_DEFAULTS, ...train } : train);
  const fit = (head: AnyHead, trainOptions: Partial<TrainOptions>) =>
    isSparseHead(head)
      ? head.fit(embedded as SparseMatrix, targets, trainOptions)
      : head.fit(embedded as Matrix, targets, trainOptions);
  const trained = await trainWithRefit({
    heldOut: validationRows.length > 0,
    refit: refit && !spec.multiLabel,
    run: async (earlyStopped) => {
      const head = sparse ? createSparseHead(spec) : await createHead(spec);
      try {
        // The sparse head is fitted to convergence (its iteration cap bounds the refit as well).
        const report = await fit(
          head,
          earlyStopped
            ? { ...resolved, validationSplit: 0, ...(!sparse && { epochs: refitEpochCount(earlyStopped) }) }
            : resolved,
        );
        return { head, report, dispose: () => head.dispose() };
      } catch (error) {
        head.dispose();
        throw error;
      }
    },
    heldOutProbabilities: async ({ head }) =>
      predictMember(
        head,
        isSparseMatrix(embedded) ? selectSparseRows(embedded, validationRows) : selectRows(embedded, validationRows),
      ),
  });
  return {
    kind: 'frozen',
    head: trained.final.head,
    spec,
    embedded,
    embedSeconds,
    report: trained.report,
    validationProbabilities: trained.validationProbabilities,
    ...(trained.refitReport && {
      refitEpochs: trained.refitReport.epochsRun,
      refitSeconds: trained.refitReport.seconds,
    }),
  };
}
