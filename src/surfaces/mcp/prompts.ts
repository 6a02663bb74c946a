// The two MCP prompts agents use as behavioural guidance: recall-first and memory-workflow.

/** A prompt argument. */
export interface PromptArgument {
  name: string;
  description: string;
  required: boolean;
}

/** A prompt: its listing and how it renders with arguments. */
export interface PromptDefinition {
  name: string;
  description: string;
  arguments: PromptArgument[];
  render(args: Record<string, string>): string;
}

export const PROMPTS: readonly PromptDefinition[] = [
  {
    name: "recall-first",
    description: "Recall relevant memories before answering, and store what is learned",
    arguments: [{ name: "namespace", description: "Namespace to recall from", required: false }],
    render: (args) => {
      const ns = args.namespace ? ` in namespace "${args.namespace}"` : "";
      return [
        `Before you answer, call memory_recall with the user's request as context${ns}.`,
        "Use what it returns; say so when a memory shaped your answer.",
        "When the user corrects you or states a lasting preference, store it with memory_store",
        "(tier long, priority 9). Store one fact per memory with a short, specific title:",
        "storing again with the same title and namespace updates that memory instead of adding one.",
      ].join("\n");
    },
  },
  {
    name: "memory-workflow",
    description: "How to use this memory server well",
    arguments: [],
    render: () =>
      [
        "Memory workflow:",
        "1. Recall first: memory_recall (any word may match) or memory_search (every word must match).",
        "2. Store durable facts, decisions and preferences with memory_store; titles are unique per",
        "   namespace, so re-storing a title updates it (priority and confidence keep the higher value).",
        "3. Tiers: short (6 h) for scratch notes, mid (7 d) for working context, long for lasting facts.",
        "   Tiers never go down: storing a title again at a lower tier keeps the higher one.",
        "4. Correct mistakes with memory_update; remove wrong memories with memory_delete.",
        "5. Keep namespaces per project (e.g. project/backend) and tag memories for filtering.",
      ].join("\n"),
  },
];
