/** The page's one call of randomFeeds. */
import { randomFeeds, type Feeds, type ModelProto } from '../src/index.js';

/** Random feeds with symbolic dimensions sized by name (unnamed ones are 1). */
export function makeRandomFeeds(model: ModelProto, dims: Record<string, number>, seed: number): Feeds {
  return randomFeeds(model, { dims, seed });
}
