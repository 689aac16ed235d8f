/**
 * Encoders over files with the same verified sha256 share one parsed copy of the model per process
 * (src/encoders/static/model-parts.ts): a second load still reads and checks the files, then takes
 * the first load's table and tokenizer (the same objects) and embeds identically. Any load of the
 * same tokenizer bytes shares the tokenizer alone, still checked against its own table.
 */
import { copyFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModelParts } from '../src/encoders/static/model-parts.js';
import { packagedModel } from '../src/encoders/static/packaged-models.js';
import { serializeSafetensors } from '../src/encoders/static/safetensors-write.js';
import { StaticEncoder } from '../src/encoders/static/static.js';
import { directoryFiles, type FileSource } from '../src/util/file-source.js';
import { potionDir, tempDir } from './helpers.js';

const TEXTS = ['Operating profit rose to EUR 13.1 mn.', 'The company has no plans to move production.', ''];

describe('static models shared between encoders', () => {
  const sha256 = packagedModel(path.basename(potionDir))!.sha256;

  it('parses files with the same verified hashes once, and embeds the same', async () => {
    const a = await StaticEncoder.load(potionDir, { sha256 });
    const b = await StaticEncoder.load(potionDir, { sha256 });
    expect(b.tokenizerParts().tokenizerJson).toBe(a.tokenizerParts().tokenizerJson);
    expect(b.fingerprint).toBe(a.fingerprint);
    expect((await b.embed(TEXTS)).data).toEqual((await a.embed(TEXTS)).data);
  });

  it('still refuses a file damaged since the first load', async () => {
    const loaded = await StaticEncoder.load(potionDir, { sha256 });
    const files = directoryFiles(potionDir);
    const damaged: FileSource = {
      pathOf: files.pathOf,
      read: async (name) => {
        const bytes = await files.read(name);
        if (name === 'tokenizer.json') bytes[bytes.length - 2] ^= 1;
        return bytes;
      },
    };
    await expect(StaticEncoder.load(damaged, { sha256 })).rejects.toMatchObject({ code: 'MODEL_HASH_MISMATCH' });
    expect(loaded.fingerprint).toMatch(/^[0-9a-f]{64}$/);
  });

  it('gives a shared model with another maxTokens the fingerprint of its own load', async () => {
    const shared = await StaticEncoder.load(potionDir, { sha256, maxTokens: 8 });
    const own = await StaticEncoder.load(potionDir, { maxTokens: 8 });
    expect(shared.fingerprint).toBe(own.fingerprint);
    expect(shared.fingerprint).not.toBe((await StaticEncoder.load(potionDir, { sha256 })).fingerprint);
  });

  it("records the packaged model's fingerprints as computed from its files", async () => {
    const recorded = Object.entries(sha256.fingerprints ?? {});
    expect(recorded.length).toBeGreaterThan(0);
    for (const [maxTokens, fingerprint] of recorded) {
      const computed = await StaticEncoder.load(potionDir, { maxTokens: Number(maxTokens) });
      expect(computed.fingerprint).toBe(fingerprint);
    }
  });

  it('parses the files at every load when no hashes are given', async () => {
    const a = await StaticEncoder.load(potionDir);
    const b = await StaticEncoder.load(potionDir);
    // Object.is, not .not.toBe: on two distinct objects .not.toBe also deep-compares them (680 KB here).
    expect(Object.is(b.tokenizerParts().tokenizerJson, a.tokenizerParts().tokenizerJson)).toBe(false);
    expect(b.fingerprint).toBe(a.fingerprint);
  });

  it('leaves the shared model alone when an encoder takes a fine-tuned table', async () => {
    const base = await StaticEncoder.load(potionDir, { sha256 });
    const before = (await base.embed(TEXTS)).data;
    const table = base.copyTable().map((value) => value * 2 + 0.5);
    const tuned = base.withTable(table);
    expect((await tuned.embed(TEXTS)).data).not.toEqual(before);
    expect((await base.embed(TEXTS)).data).toEqual(before);
    expect((await (await StaticEncoder.load(potionDir, { sha256 })).embed(TEXTS)).data).toEqual(before);
  });

  it('shares the tokenizer of the same bytes with a load over another table, and checks it against that table', async () => {
    const names = { table: 'model.safetensors', tokenizer: 'tokenizer.json', tableByPath: false };
    const base = await loadModelParts(directoryFiles(potionDir), names, undefined);
    const again = await loadModelParts(directoryFiles(potionDir), names, undefined);
    expect(Object.is(again.table, base.table)).toBe(false);
    expect(again.tokenizer).toBe(base.tokenizer);

    const dir = tempDir();
    copyFileSync(path.join(potionDir, 'tokenizer.json'), path.join(dir, 'tokenizer.json'));
    const rows = base.table.length / base.dim - 1;
    const values = base.table.subarray(0, rows * base.dim);
    writeFileSync(
      path.join(dir, 'model.safetensors'),
      serializeSafetensors({ embeddings: { dtype: 'F32', shape: [rows, base.dim], values } }),
    );
    await expect(loadModelParts(directoryFiles(dir), names, undefined)).rejects.toMatchObject({
      code: 'TOKENIZER_TABLE_MISMATCH',
    });
  });
});
