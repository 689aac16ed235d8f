/** A member whose head trains over the frozen vectors of its encoder (pretrained, TF-IDF, or both). */
import { type Features, type Matrix, type SparseMatrix, isFittable, isSparseMatrix } from '../encoders/index.js';
import {
  type AnyHead,
  type DenseHeadSpec,
  type HeadSpec,
  type SparseHeadSpec,
  type Targets,
  type TrainReport,
  createHead,
  createSparseHead,
  resolveSparseTrainOptions,
  resolveTrainOptions,
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
  trainingRows?: Int32Array,
): Promise<Extract<MemberTraining, { kind: 'frozen' }>> {
  const started = performance.now();
  if (isFittable(member.encoder)) await member.encoder.fit(texts);
  const { head: type, hidden, dropout, standardize, refit, ...train } = options;
  // TF-IDF rows stay sparse for a plain linear head; an MLP or standardised inputs need dense rows.
  const sparse = readsSparseRows(member.encoder, { head: type, standardize });
  const embedded: Features = await memberFeatures(member, texts, options.signal, computed, sparse);
  const embedSeconds = (performance.now() - started) / 1000;

  const shape = { inputDim: embedded.dim, numLabels, multiLabel: targets.kind === 'multi', hidden, dropout };
  const trainer = isSparseMatrix(embedded)
    ? sparseTrainer({ type: 'linear', ...shape, standardize: false, input: 'sparse' }, embedded, targets, train)
    : denseTrainer({ type, ...shape, standardize }, embedded, targets, train);
  const { spec } = trainer;
  const trained = await trainWithRefit({
    heldOut: validationRows.length > 0,
    refit: refit && !spec.multiLabel,
    run: async (earlyStopped) => {
      const { head, fit } = await trainer.create(earlyStopped);
      try {
        return { head, report: await fit(), dispose: () => head.dispose() };
      } catch (error) {
        head.dispose();
        throw error;
      }
    },
    heldOutProbabilities: async ({ head }) => predictMember(head, rowsOf(embedded, validationRows)),
    trainingProbabilities: trainingRows && (async ({ head }) => predictMember(head, rowsOf(embedded, trainingRows))),
  });
  return {
    kind: 'frozen',
    head: trained.final.head,
    spec,
    embedded,
    embedSeconds,
    report: trained.report,
    validationProbabilities: trained.validationProbabilities,
    trainingProbabilities: trained.trainingProbabilities,
    ...(trained.refitReport && {
      refitEpochs: trained.refitReport.epochsRun,
      refitSeconds: trained.refitReport.seconds,
    }),
  };
}

function rowsOf(x: Matrix | SparseMatrix, rows: Int32Array): Matrix | SparseMatrix {
  return isSparseMatrix(x) ? selectSparseRows(x, rows) : selectRows(x, rows);
}

/** How one head of the member is made and trained: the early-stopping run, or (given its report) the refit. */
interface Trainer {
  spec: HeadSpec;
  create(earlyStopped?: TrainReport): Promise<{ head: AnyHead; fit: () => Promise<TrainReport> }>;
}

type TrainSettings = Omit<MemberFitOptions, 'head' | 'hidden' | 'dropout' | 'standardize' | 'refit'>;

function denseTrainer(spec: DenseHeadSpec, x: Matrix, targets: Targets, train: TrainSettings): Trainer {
  const resolved = resolveTrainOptions(spec.type, train);
  return {
    spec,
    create: async (earlyStopped) => {
      const head = await createHead(spec);
      const options = earlyStopped
        ? { ...resolved, validationSplit: 0, epochs: refitEpochCount(earlyStopped) }
        : resolved;
      return { head, fit: () => head.fit(x, targets, options) };
    },
  };
}

/**
 * The classifier's `epochs` bounds a sparse head's L-BFGS iterations (SPARSE_TRAIN_DEFAULTS when not
 * given); the head is fitted to convergence, so its iteration cap bounds the refit as well.
 */
function sparseTrainer(spec: SparseHeadSpec, x: SparseMatrix, targets: Targets, train: TrainSettings): Trainer {
  const resolved = resolveSparseTrainOptions({
    ...train,
    ...(train.epochs !== undefined && { maxIterations: train.epochs }),
  });
  return {
    spec,
    create: async (earlyStopped) => {
      const head = createSparseHead(spec);
      const options = earlyStopped ? { ...resolved, validationSplit: 0 } : resolved;
      return { head, fit: () => head.fit(x, targets, options) };
    },
  };
}
