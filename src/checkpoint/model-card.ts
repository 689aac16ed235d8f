/** The human-readable README.md written into every checkpoint. */
import type { Manifest } from './manifest.js';

type CardInput = Omit<Manifest, 'files' | 'manifestSha256'>;

/** What a model's publisher says about it, above the card's generic facts (title, then sections in order). */
export interface ModelCardProse {
  title: string;
  sections: { heading?: string; body: string }[];
}

/** `weightBytes`: the bytes of every file but the card and the manifest (head, encoder state). */
export function renderModelCard(manifest: CardInput, weightBytes: number, prose?: ModelCardProse): string {
  const { encoder, head, labels, training } = manifest;
  const data = (training.data ?? {}) as {
    examples?: number;
    labelCounts?: Record<string, number>;
    truncatedTexts?: number;
    textsWithoutTokens?: number;
    source?: string;
  };
  const metrics = training.metrics as Record<string, unknown> | undefined;
  const options = (training.options ?? {}) as Record<string, unknown>;
  const encoders = [encoder, ...(manifest.fusion?.members ?? []).map((member) => member.encoder)];
  const withState = encoders.some((e) => e.stateFiles.length > 0);
  const lines = [
    `# ${prose?.title ?? 'headstart model'}`,
    ``,
    ...(prose?.sections ?? []).flatMap((section) => [
      ...(section.heading ? [`## ${section.heading}`, ``] : []),
      section.body.trimEnd(),
      ``,
    ]),
    ...(prose ? [`## Model`, ``] : []),
    `${manifest.multiLabel ? 'Multi-label' : 'Single-label'} text classifier over ${labels.length} labels, trained with headstart ${manifest.libraryVersion}.`,
    ``,
    `- Encoder: \`${JSON.stringify(encoder.spec)}\` (fingerprint \`${encoder.fingerprint.slice(0, 16)}…\`)`,
    `- Head: ${head.spec.type}${head.spec.type === 'mlp' ? ` (hidden ${head.spec.hidden}, dropout ${head.spec.dropout})` : ''}, input ${head.spec.inputDim}-d, standardised inputs: ${head.spec.standardize ? 'yes' : 'no'}`,
    data.source ? `- Training data: ${data.source}` : undefined,
    `- Size: ${formatBytes(weightBytes)} of weights${withState ? ' and encoder state' : ''}, plus this card and \`headstart.json\``,
    data.examples !== undefined
      ? `- Examples: ${data.examples} (truncated texts: ${data.truncatedTexts ?? 0}, texts with no known token: ${data.textsWithoutTokens ?? 0})`
      : undefined,
    ``,
    `## Labels`,
    ``,
    `| label | training examples |`,
    `| --- | ---: |`,
    ...labels.map((label) => `| ${escapeCell(label)} | ${data.labelCounts?.[label] ?? ''} |`),
    ``,
  ];
  if (metrics) {
    lines.push(`## Metrics`, ``, `| metric | value |`, `| --- | ---: |`);
    for (const [name, value] of Object.entries(metrics)) {
      if (typeof value === 'number') lines.push(`| ${escapeCell(name)} | ${value.toFixed(4)} |`);
    }
    lines.push(``);
  }
  lines.push(`## Hyperparameters`, ``, `| option | value |`, `| --- | --- |`);
  for (const [name, value] of Object.entries(options))
    lines.push(`| ${escapeCell(name)} | ${escapeCell(JSON.stringify(value))} |`);
  if (training.epochsRun !== undefined)
    lines.push(`| epochs run | ${training.epochsRun} (best ${training.bestEpoch}) |`);
  lines.push(
    ``,
    `Load with \`TextClassifier.load(dir)\` or \`headstart predict --model DIR\`; every file is checked against the sha256 in \`headstart.json\`.`,
    ``,
  );
  return lines.filter((line) => line !== undefined).join('\n');
}

function formatBytes(bytes: number): string {
  return bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KB` : `${(bytes / (1024 * 1024)).toFixed(2)} MB`;
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
