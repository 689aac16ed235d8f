/**
 * The encoders of a classifier's members, and which of them it disposes: the ones it loaded (or
 * took over), each once, never one it was handed to share. Members over the same pretrained
 * encoder (the spec alone defines it) share one instance.
 */
import { isDeepStrictEqual } from 'node:util';
import { cacheFor, type EmbeddingCache } from '../embedding-cache.js';
import {
  isEncoder,
  type Encoder,
  type EncoderSpec,
  describeSpec,
  encoderUses,
  isPretrainedAsIs,
  createEncoder,
  loadEncoderFromSpec,
  type EncoderChoice,
  type EncoderLoadOptions,
} from '../encoders/index.js';
import { ModelError } from '../errors.js';
import { loadAnyHead, type HeadSpec } from '../heads/index.js';
import { verifiedFiles, type LoadedCheckpoint } from '../checkpoint/index.js';
import type { FileSource } from '../util/index.js';
import type { Member } from './member.js';

export type EncoderArgument = EncoderChoice | EncoderSpec | Encoder;

export class EncoderPool {
  private readonly owned: Encoder[] = [];

  /** Takes over disposing `encoder`. */
  own(encoder: Encoder): Encoder {
    if (!this.owned.includes(encoder)) this.owned.push(encoder);
    return encoder;
  }

  /** Disposes `encoder` now if the pool owns it and none of `members` uses it (a concatenation's dense part included). */
  async release(encoder: Encoder, members: readonly Member[]): Promise<void> {
    const index = this.owned.indexOf(encoder);
    if (index < 0 || members.some((m) => encoderUses(m.encoder, encoder) || m.pretrained?.encoder === encoder)) return;
    this.owned.splice(index, 1);
    await encoder.dispose();
  }

  /** Takes over every encoder `other` owns. */
  takeOver(other: EncoderPool): void {
    for (const encoder of other.owned.splice(0)) this.own(encoder);
  }

  async dispose(): Promise<void> {
    for (const encoder of this.owned.splice(0)) await encoder.dispose();
  }

  /**
   * One member per encoder choice (the first is the primary); an Encoder instance is shared, not
   * owned. The primary named again (another head over the same vectors) shares its instance.
   */
  async createMembers(
    choices: readonly EncoderArgument[],
    options: { cache?: EmbeddingCache | undefined } & EncoderLoadOptions,
  ): Promise<Member[]> {
    const { cache, ...loadOptions } = options;
    const members: Member[] = [];
    try {
      for (const choice of choices) {
        const [first] = members;
        if (first && choice === choices[0] && isPretrainedAsIs(first.encoder.spec)) {
          members.push({ encoder: first.encoder, cache: first.cache });
          continue;
        }
        const instance = isEncoder(choice)
          ? choice
          : this.own(
              await createEncoder(choice, { ...loadOptions, cache, loaded: members[0]?.encoder ?? loadOptions.loaded }),
            );
        members.push({ encoder: instance, cache: cacheFor(cache, instance) });
      }
    } catch (error) {
      await this.dispose();
      throw error;
    }
    return members;
  }

  /** The members of a checkpoint with their heads, each encoder checked against the fingerprint it was trained with. */
  async loadMembers(checkpoint: LoadedCheckpoint, options: EncoderLoadOptions): Promise<Member[]> {
    const { manifest } = checkpoint;
    const members: Member[] = [];
    const loadMember = async (
      { spec, fingerprint }: { spec: EncoderSpec; fingerprint: string },
      headSpec: HeadSpec,
      files: FileSource,
      field: string,
    ) => {
      const primary = members[0]?.encoder;
      const shared = primary !== undefined && isPretrainedAsIs(primary.spec) && isDeepStrictEqual(primary.spec, spec);
      const encoder = shared
        ? primary
        : this.own(await loadEncoderFromSpec(spec, { ...options, checkpointFiles: files, loaded: primary }));
      const member: Member = { encoder, cache: undefined };
      members.push(member);
      if (encoder.fingerprint !== fingerprint) {
        throw new ModelError(
          'CHECKPOINT_ENCODER_MISMATCH',
          `the encoder found for ${describeSpec(spec)} (fingerprint ${encoder.fingerprint.slice(0, 12)}) is not the one this model was trained with (${fingerprint.slice(0, 12)})`,
          {
            location: { file: checkpoint.manifestPath, field },
            hint: 'point HEADSTART_MODELS or --model-dir at the same encoder files used for training',
          },
        );
      }
      member.head = await loadAnyHead(files, headSpec);
    };
    try {
      await loadMember(manifest.encoder, manifest.head.spec, verifiedFiles(checkpoint), 'encoder.fingerprint');
      for (const [index, extra] of (manifest.fusion?.members ?? []).entries()) {
        await loadMember(
          extra.encoder,
          extra.head.spec,
          verifiedFiles(checkpoint, extra.prefix),
          `fusion.members.${index}.encoder.fingerprint`,
        );
      }
      return members;
    } catch (error) {
      for (const member of members) member.head?.dispose();
      await this.dispose();
      throw error;
    }
  }
}
