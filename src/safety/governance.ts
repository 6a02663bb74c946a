// Governance decisions: the policy in force in a namespace (its own, else the nearest ancestor's)
// and what it says about one caller's change: allow, deny (naming the rule) or queue for approval.
import { forbidden } from "../core/errors.ts";
import { type Approver, type GovernedClass, type StoredPolicy } from "../core/governance_policy.ts";
import { GLOBAL_STANDARD, standardNamespaces } from "../graph/standards.ts";
import type { MemoryStore } from "../store/store.ts";

/** One change an operation is about to make, as governance sees it. */
export interface GovernedTarget {
  /** Which rule of the policy applies. */
  class: GovernedClass;
  /** The namespace the change happens in. */
  namespace: string;
  /** The existing memory acted on, if any: its id and author (the `owner` rule admits its author). */
  memory?: { id: string; agent_id: string | null };
}

/** A policy and the namespace it was set on. */
export interface PolicyInForce {
  namespace: string;
  policy: StoredPolicy;
}

/** What a policy decides for a whole operation. */
export type GovernanceDecision =
  | { kind: "allow" }
  | { kind: "deny"; message: string; details: Record<string, unknown> }
  | {
    kind: "approve";
    reason: string;
    namespace: string;
    memoryId: string | null;
    approver: Approver;
  };

/**
 * The policy governing `namespace`: its own, else that of the nearest namespace above it (the `/`
 * ancestors, then explicit parents, then the global `*`); null when none has one.
 */
export async function policyInForce(store: MemoryStore, namespace: string): Promise<PolicyInForce | null> {
  const chain = namespace === GLOBAL_STANDARD
    ? [GLOBAL_STANDARD]
    : await standardNamespaces(store, namespace);
  for (const ns of chain.reverse()) {
    const policy = (await store.namespaces.meta(ns))?.governance;
    if (policy) return { namespace: ns, policy };
  }
  return null;
}

function where(target: GovernedTarget, inForce: PolicyInForce): string {
  return target.namespace === inForce.namespace
    ? `namespace "${target.namespace}"`
    : `namespace "${target.namespace}" (policy inherited from "${inForce.namespace}")`;
}

async function judge(
  store: MemoryStore,
  target: GovernedTarget,
  options: { caller: string; inForce: PolicyInForce | null },
): Promise<GovernanceDecision> {
  const { caller, inForce } = options;
  if (!inForce) return { kind: "allow" };
  const rule = inForce.policy[target.class];
  const named = `the ${target.class} rule "${rule}" of ${where(target, inForce)}`;
  const details = {
    rule: target.class,
    level: rule,
    namespace: target.namespace,
    policy_namespace: inForce.namespace,
    caller,
  };
  switch (rule) {
    case "any":
      return { kind: "allow" };
    case "registered":
      return (await store.agents.get(caller)) ? { kind: "allow" } : {
        kind: "deny",
        message: `Governance: ${named} refuses ${caller}: not a registered agent (memory_agent_register)`,
        details,
      };
    case "owner": {
      const owners = [...new Set([inForce.policy.owner, target.memory?.agent_id])].filter((o) =>
        typeof o === "string"
      );
      return owners.includes(caller) ? { kind: "allow" } : {
        kind: "deny",
        message: `Governance: ${named} refuses ${caller}: only ${
          owners.length > 0 ? owners.join(" or ") : "the namespace owner (none is recorded)"
        } may`,
        details: { ...details, owners },
      };
    }
    case "approve":
      return {
        kind: "approve",
        reason: `${named} requires approval`,
        namespace: target.namespace,
        memoryId: target.memory?.id ?? null,
        approver: inForce.policy.approver,
      };
  }
}

/**
 * Refuse a change of the standard or policy of a namespace governed by a policy (its own or an
 * ancestor's) unless the caller is that policy's owner or the operator: otherwise anyone could
 * lift a policy by replacing it.
 * @throws {MemoryError} forbidden
 */
export async function assertMayChangePolicy(
  store: MemoryStore,
  namespace: string,
  caller: { actor: string; operator: boolean },
): Promise<void> {
  const inForce = await policyInForce(store, namespace);
  if (!inForce || caller.operator || caller.actor === inForce.policy.owner) return;
  throw forbidden(
    `Governance: the standard and policy of namespace "${namespace}" are governed by the policy of ` +
      `"${inForce.namespace}"; only its owner (${inForce.policy.owner ?? "none recorded"}) or the operator ` +
      `through the CLI may change them, not ${caller.actor}`,
    { namespace, policy_namespace: inForce.namespace, caller: caller.actor, owner: inForce.policy.owner },
  );
}

/**
 * The decision for every change of one operation: the first denial if any, else the first change
 * that needs approval (the whole operation waits for it), else allow. Reads only.
 */
export async function decideGovernance(
  store: MemoryStore,
  targets: readonly GovernedTarget[],
  options: { caller: string },
): Promise<GovernanceDecision> {
  let queued: GovernanceDecision | null = null;
  // A bulk change (forget, consolidate) touches many memories in few namespaces.
  const policies = new Map<string, PolicyInForce | null>();
  for (const target of targets) {
    if (!policies.has(target.namespace)) {
      policies.set(target.namespace, await policyInForce(store, target.namespace));
    }
    const inForce = policies.get(target.namespace) ?? null;
    const decision = await judge(store, target, { caller: options.caller, inForce });
    if (decision.kind === "deny") return decision;
    if (decision.kind === "approve") queued ??= decision;
  }
  return queued ?? { kind: "allow" };
}
