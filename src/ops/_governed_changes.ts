// How operations describe the changes they are about to make to governance (safety/governance.ts).
import type { GovernedClass } from "../core/governance_policy.ts";
import type { Memory } from "../core/memory.ts";
import type { GovernedTarget } from "../safety/governance.ts";

/** A change of kind `kind` to an existing memory, in its namespace. */
export function changeOf(kind: GovernedClass, memory: Memory): GovernedTarget {
  return { class: kind, namespace: memory.namespace, memory: { id: memory.id, agent_id: memory.agent_id } };
}
