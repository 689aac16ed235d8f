/**
 * A confusion matrix as a plain-text table. Columns are headed by label number so that long label
 * names (banking77 has 77) do not widen every column; rows carry number and name.
 *
 *   true \ pred  0  1
 *   0 negative   5  1
 *   1 positive   0  4
 */
export function formatConfusion(confusion: readonly (readonly number[])[], labels: readonly string[]): string {
  const corner = 'true \\ pred';
  const rowNames = labels.map((label, i) => `${i} ${label}`);
  const nameWidth = Math.max(corner.length, ...rowNames.map((name) => name.length));
  const cellWidth = Math.max(
    String(labels.length - 1).length,
    ...confusion.flat().map((count) => String(count).length),
  );
  const cells = (values: readonly (string | number)[]) =>
    values.map((value) => String(value).padStart(cellWidth)).join(' ');
  const header = `${corner.padEnd(nameWidth)}  ${cells(labels.map((_, i) => i))}`;
  const rows = confusion.map((row, i) => `${(rowNames[i] ?? String(i)).padEnd(nameWidth)}  ${cells(row)}`);
  return [header, ...rows].join('\n');
}
