// The ordered list of schema migrations; a migration is added here and never edited after release.
import * as m0001 from "./0001_initial.ts";
import * as m0002 from "./0002_fts_vocab.ts";
import * as m0003 from "./0003_graph_and_namespaces.ts";
import * as m0004 from "./0004_porter_stemming.ts";
import * as m0005 from "./0005_namespace_order.ts";
import * as m0006 from "./0006_archive.ts";
import * as m0007 from "./0007_vectors.ts";
import * as m0008 from "./0008_vector_counts.ts";
import * as m0009 from "./0009_namespace_counts.ts";
import * as m0010 from "./0010_audit_log.ts";
import * as m0011 from "./0011_webhooks.ts";
import * as m0012 from "./0012_api_keys_and_messages.ts";
import * as m0013 from "./0013_governance.ts";
import * as m0014 from "./0014_curator.ts";
import * as m0015 from "./0015_replication.ts";
import * as m0016 from "./0016_link_replication.ts";
import * as m0017 from "./0017_recall_indexes.ts";
import * as m0018 from "./0018_stats_indexes.ts";
import * as m0019 from "./0019_fts_instances.ts";
import * as m0020 from "./0020_term_counts.ts";

/** One numbered migration. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Every known migration, by version. */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, ...m0001 },
  { version: 2, ...m0002 },
  { version: 3, ...m0003 },
  { version: 4, ...m0004 },
  { version: 5, ...m0005 },
  { version: 6, ...m0006 },
  { version: 7, ...m0007 },
  { version: 8, ...m0008 },
  { version: 9, ...m0009 },
  { version: 10, ...m0010 },
  { version: 11, ...m0011 },
  { version: 12, ...m0012 },
  { version: 13, ...m0013 },
  { version: 14, ...m0014 },
  { version: 15, ...m0015 },
  { version: 16, ...m0016 },
  { version: 17, ...m0017 },
  { version: 18, ...m0018 },
  { version: 19, ...m0019 },
  { version: 20, ...m0020 },
];
