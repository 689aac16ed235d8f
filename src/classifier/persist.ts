/** A classifier on disk: its members, their mix and its training record, through src/checkpoint/. */
import { readCheckpoint, writeCheckpoint, type ModelCardProse } from '../checkpoint/index.js';
import type { EncoderLoadOptions } from '../encoders/index.js';
import { mixContents, mixFromManifest } from '../fusion/index.js';
import { EncoderPool, type Member } from '../members/index.js';
import type { TrainedState } from './fit.js';

/** Writes trained `members` (the primary first) with `state` into `dir`, atomically. */
export async function saveCheckpoint(
  dir: string,
  members: readonly Member[],
  state: TrainedState,
  options: { card?: ModelCardProse },
): Promise<void> {
  const [primary, ...fused] = members as [Member, ...Member[]];
  await writeCheckpoint(dir, {
    encoder: primary.encoder,
    head: primary.head!,
    labels: state.labels,
    multiLabel: state.multiLabel,
    training: state.training,
    ...mixContents(
      state.mix,
      fused.map((m) => ({ encoder: m.encoder, head: m.head! })),
    ),
    ...(options.card && { card: options.card }),
  });
}

/** The members (with their encoders, owned by `pool`) and state of the checkpoint in `dir`. */
export async function loadCheckpoint(
  dir: string,
  options: EncoderLoadOptions,
): Promise<{ members: Member[]; pool: EncoderPool; state: TrainedState }> {
  const checkpoint = await readCheckpoint(dir);
  const { manifest } = checkpoint;
  const pool = new EncoderPool();
  const members = await pool.loadMembers(checkpoint, options);
  return {
    members,
    pool,
    state: {
      labels: [...manifest.labels],
      multiLabel: manifest.multiLabel,
      mix: mixFromManifest(manifest, members.length),
      training: manifest.training,
    },
  };
}
