// The ready-to-use models in checkpoints/ (trained by scripts/train-checkpoints.ts) work right
// after install: no HEADSTART_MODELS, no shared corpora, every file verified.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TextClassifier } from '../src/index.js';
import { readCheckpoint } from '../src/checkpoint/index.js';
import { headstart, repoRoot, tempDir } from './helpers.js';

// What a fresh install has: the packaged encoder and nothing else (the CLI child inherits this).
delete process.env.HEADSTART_MODELS;
process.env.HEADSTART_CORPORA = path.join(tempDir(), 'no-corpora-here');

const MAX_BYTES = 10 * 1024 * 1024;

/** Each shipped checkpoint, its data licence, and invented sentences whose label no reader would doubt. */
const SHIPPED = [
  {
    name: 'finance-sentiment',
    licence: 'CC BY-NC-SA 3.0',
    obvious: {
      'Net profit jumped 40% and the company raised its full-year outlook.': 'positive',
      'The company swung to a heavy loss and will cut 500 jobs.': 'negative',
      'The annual general meeting will be held in Helsinki in March.': 'neutral',
    },
  },
  {
    name: 'medical-topic',
    licence: 'CC BY-SA 3.0',
    obvious: {
      'Patients with metastatic breast carcinoma received adjuvant chemotherapy after resection of the tumor; tumor recurrence was assessed.':
        'neoplasms',
      'Patients with acute myocardial infarction underwent coronary angioplasty; left ventricular function and blood pressure were measured.':
        'cardiovascular diseases',
      'Seizure frequency fell in patients with epilepsy treated with the new anticonvulsant; EEG and cerebral imaging were normal.':
        'nervous system diseases',
    },
  },
  {
    name: 'banking-intent',
    licence: 'CC BY 4.0',
    obvious: {
      'I lost my card, somebody may have stolen it.': 'lost_or_stolen_card',
      'How can I change my PIN?': 'change_pin',
      'My new card still has not arrived, when will it come?': 'card_arrival',
    },
  },
];

describe.each(SHIPPED)('checkpoints/$name', ({ name, licence, obvious }) => {
  const dir = path.join(repoRoot, 'checkpoints', name);
  let model: TextClassifier;
  beforeAll(async () => {
    model = await TextClassifier.load(dir);
  });
  afterAll(() => model?.dispose());

  it('hashes every file it holds and names the packaged default encoder', async () => {
    const { manifest } = await readCheckpoint(dir);
    expect(readdirSync(dir).sort()).toEqual([...manifest.files.map((f) => f.name), 'headstart.json'].sort());
    expect(manifest.encoder.spec).toEqual({ type: 'static', model: 'potion-base-4m-int8', maxTokens: 512 });
    expect(manifest.encoder.stateFiles).toEqual([]);
  });

  it('predicts the obvious label of invented sentences', async () => {
    const predictions = await model.predict(Object.keys(obvious));
    expect(predictions.map((p) => p.label)).toEqual(Object.values(obvious));
  });

  it('has a model card naming its data licence, held-out figures and use', () => {
    const card = readFileSync(path.join(dir, 'README.md'), 'utf8');
    expect(card).toContain(licence);
    expect(card).toContain('derived from');
    expect(card).toMatch(/## Held-out accuracy[\s\S]*\| this model[^\n]*\| 0\.\d{3} \| 0\.\d{3} \|/);
    expect(card).toContain(`npx headstart predict --model checkpoints/${name}`);
  });

  it('is under 10 MB', () => {
    const bytes = readdirSync(dir).reduce((total, file) => total + statSync(path.join(dir, file)).size, 0);
    expect(bytes).toBeLessThan(MAX_BYTES);
  });
});

describe('checkpoints/finance-sentiment', () => {
  it('says it is for non-commercial use only', () => {
    expect(readFileSync(path.join(repoRoot, 'checkpoints/finance-sentiment/README.md'), 'utf8')).toContain(
      'Non-commercial use only',
    );
  });

  it('classifies the shipped sample through the CLI', () => {
    const run = headstart(
      'predict',
      '--model',
      'checkpoints/finance-sentiment',
      '--input',
      'corpora/samples/finance-new.txt',
    );
    expect(run.stderr).not.toContain('headstart:');
    expect(run.status).toBe(0);
    const rows = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    const sentences = readFileSync(path.join(repoRoot, 'corpora/samples/finance-new.txt'), 'utf8').trim().split('\n');
    expect(rows).toHaveLength(sentences.length);
    // "lifted its profit forecast after a record quarter", "Net sales ... fell 22%", "headquarters are located in Espoo".
    expect([rows[0].label, rows[1].label, rows[5].label]).toEqual(['positive', 'negative', 'neutral']);
  });
});

describe('checkpoints/README.md', () => {
  it('lists every shipped checkpoint with its licence', () => {
    const index = readFileSync(path.join(repoRoot, 'checkpoints/README.md'), 'utf8');
    const folders = readdirSync(path.join(repoRoot, 'checkpoints'), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
    expect(folders.sort()).toEqual(SHIPPED.map((s) => s.name).sort());
    for (const { name, licence } of SHIPPED)
      expect(index).toMatch(new RegExp(`\\[${name}\\][^\\n]*${licence.replace(/\./g, '\\.')}`));
  });
});
