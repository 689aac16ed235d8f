/** Lines and records handed on a block at a time, so a reader pays one await per block, not per row. */

/**
 * Maps every item of every block through `each`, which drops an item by returning undefined. When
 * `each` throws, the block's items mapped before it are handed on first, as a row-at-a-time reader would have.
 */
export async function* mapBlocks<T, U>(
  blocks: AsyncIterable<readonly T[]>,
  each: (item: T) => U | undefined,
): AsyncGenerator<U[]> {
  for await (const block of blocks) {
    const mapped: U[] = [];
    try {
      for (const item of block) {
        const result = each(item);
        if (result !== undefined) mapped.push(result);
      }
    } catch (error) {
      if (mapped.length > 0) yield mapped;
      throw error;
    }
    if (mapped.length > 0) yield mapped;
  }
}
