/** The human-readable README.md written into every checkpoint. */
import type { Manifest } from './manifest.js';

type CardInput = Omit<Manifest, 'files' | 'manifestSha256'>;

export function renderModelCard(manifest: CardInput): string {
  const { encoder, head, labels, training } = manifest;
  const data = (training.data ?? {}) as { examples?: number; labelCounts?: Record<string, number>; truncatedTexts?: number; textsWithoutTokens?: number; source?: string };
  const metrics = training.metrics as Record<string, unknown> | undefined;
  const options = (training.options ?? {}) as Record<string, unknown>;
  const lines = [
    `# headstart model`,
    ``,
    `${manifest.multiLabel ? 'Multi-label' : 'Single-label'} text classifier over ${labels.length} labels, trained with headstart ${manifest.libraryVersion} on ${manifest.createdAt}.`,
    ``,
    `- Encoder: \`${JSON.stringify(encoder.spec)}\` (fingerprint \`${encoder.fingerprint.slice(0, 16)}…\`)`,
    `- Head: ${head.spec.type}${head.spec.type === 'mlp' ? ` (hidden ${head.spec.hidden}, dropout ${head.spec.dropout})` : ''}, input ${head.spec.inputDim}-d, standardised inputs: ${head.spec.standardize ? 'yes' : 'no'}`,
    data.source ? `- Training data: ${data.source}` : undefined,
    data.examples !== undefined ? `- Examples: ${data.examples} (truncated texts: ${data.truncatedTexts ?? 0}, texts with no known token: ${data.textsWithoutTokens ?? 0})` : undefined,
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
  for (const [name, value] of Object.entries(options)) lines.push(`| ${escapeCell(name)} | ${escapeCell(JSON.stringify(value))} |`);
  if (training.epochsRun !== undefined) lines.push(`| epochs run | ${training.epochsRun} (best ${training.bestEpoch}) |`);
  lines.push(``, `Load with \`TextClassifier.load(dir)\` or \`headstart predict --model DIR\`; every file is checked against the sha256 in \`headstart.json\`.`, ``);
  return lines.filter((line) => line !== undefined).join('\n');
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
