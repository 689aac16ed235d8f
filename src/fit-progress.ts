/**
 * Progress of `TextClassifier.fit`, member by member, for people watching a long run. Observation
 * only: the hooks here read the epoch logs the trainers already make and change nothing they do.
 */
import { type EncoderSpec, shortSpecName } from './encoders/index.js';
import { type EpochLog, type HeadType, defaultTrainOptions, SPARSE_TRAIN_DEFAULTS } from './heads/index.js';

export interface FitProgress {
  /** 0-based index of the member (encoder + head) training, of `members`. */
  member: number;
  members: number;
  /** What trains, e.g. 'fine-tuned potion-base-4m-int8 head', 'tfidf+potion-base-4m-int8 regression'. */
  name: string;
  /** 0 as the member starts (embedding, tokenising), then each epoch (L-BFGS iteration) as it ends. */
  epoch: number;
  /** The cap on the early-stopping run's epochs; undefined for a member that trains no epochs (label similarity). */
  maxEpochs?: number | undefined;
  /** The run on all rows after early stopping (its epochs count from 1 again). */
  refit: boolean;
  /** 'iteration' for heads fitted by L-BFGS over sparse rows, else 'epoch'. */
  unit: 'epoch' | 'iteration';
}

export interface MemberRole {
  fineTuned: boolean;
  /** Another member is a fine-tuned copy of the same encoder: this one stays frozen. */
  besideFineTuned: boolean;
  labelSimilarity: boolean;
  /** The head reads sparse rows (a regression fitted by L-BFGS). */
  sparse: boolean;
}

/** How member `index` of `members` appears in progress reports; `options` are those it trains with. */
export function progressMember(
  index: number,
  members: number,
  spec: EncoderSpec,
  role: MemberRole,
  options: { head: HeadType; epochs?: number },
): Omit<FitProgress, 'epoch' | 'refit'> {
  const cap =
    options.epochs ?? (role.sparse ? SPARSE_TRAIN_DEFAULTS.maxIterations : defaultTrainOptions(options.head).epochs);
  return {
    member: index,
    members,
    name: memberName(spec, role),
    maxEpochs: role.labelSimilarity ? undefined : cap,
    unit: role.sparse ? 'iteration' : 'epoch',
  };
}

function memberName(spec: EncoderSpec, role: MemberRole): string {
  if (role.labelSimilarity) return `${shortSpecName(spec)} label-similarity prior`;
  const kind = role.sparse ? 'regression' : 'head';
  if (role.fineTuned) return `fine-tuned ${shortSpecName(spec)} ${kind}`;
  return `${role.besideFineTuned ? 'frozen ' : ''}${shortSpecName(spec)} ${kind}`;
}

/**
 * Announces the member (epoch 0) and returns the onEpoch hook that reports each epoch after calling
 * `onEpoch`; an epoch number that does not grow marks the refit on all rows.
 */
export function reportEpochs(
  onProgress: (progress: FitProgress) => void,
  member: Omit<FitProgress, 'epoch' | 'refit'>,
  onEpoch?: (log: EpochLog) => void,
): (log: EpochLog) => void {
  let last = 0;
  let refit = false;
  onProgress({ ...member, epoch: 0, refit });
  return (log) => {
    onEpoch?.(log);
    if (log.epoch <= last) refit = true;
    last = log.epoch;
    onProgress({ ...member, epoch: log.epoch, refit });
  };
}
