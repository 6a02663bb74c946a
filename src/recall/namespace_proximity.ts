// Recall in a namespace also sees its ancestors; the farther up a memory sits, the less it counts
// (the reference's 1 / (1 + 0.3 * distance)).
import { ancestorsOrSelf } from "../core/visibility.ts";

const PER_LEVEL = 0.3;

/** Score factor for a memory in `memoryNamespace` recalled from `queryNamespace`. */
export function proximityBoost(memoryNamespace: string, queryNamespace: string): number {
  const distance = ancestorsOrSelf(queryNamespace).indexOf(memoryNamespace);
  return distance < 0 ? 1 : 1 / (1 + PER_LEVEL * distance);
}
