// adapters/storage/postgres_schema.cpp — see postgres_schema.hpp.
#include "adapters/storage/postgres_schema.hpp"

#include <algorithm>
#include <set>

namespace so::adapters::pg {

namespace {

// pg_advisory_lock key: any constant shared by every process of this server.
constexpr const char* lock_key = "7213408155123020001";

}  // namespace

const std::vector<migration>& schema_migrations() {
  // JSON fields use `json`, not `jsonb`: `json` keeps the exact text the record
  // carries (key order, spacing), so a round trip returns what was stored.
  static const std::vector<migration> all = {
      {1,
       "conversations, participants, messages, sessions",
       {
           R"(CREATE TABLE conversations (
                id text PRIMARY KEY,
                platform text NOT NULL,
                name text NOT NULL,
                organization_id text NOT NULL,
                idempotency_key text NOT NULL,
                metadata_json json,
                analytics_json json,
                created_at timestamptz NOT NULL,
                updated_at timestamptz NOT NULL,
                seq bigserial NOT NULL))",
           "CREATE UNIQUE INDEX uq_conversations_org_idem ON conversations "
           "(organization_id, idempotency_key)",
           "CREATE INDEX ix_conversations_org_created ON conversations "
           "(organization_id, created_at DESC)",
           R"(CREATE TABLE conversation_participants (
                id text PRIMARY KEY,
                conversation_id text NOT NULL,
                organization_id text NOT NULL,
                type text NOT NULL CHECK (type IN ('user', 'ai-agent', 'human-agent')),
                external_id text,
                internal_id text,
                browser_fingerprint text,
                browser_info json,
                name text NOT NULL,
                email text,
                phone text,
                crm_contact_id text,
                metadata_json json,
                created_at timestamptz NOT NULL,
                updated_at timestamptz NOT NULL,
                seq bigserial NOT NULL))",
           "CREATE INDEX ix_participants_conv_created ON conversation_participants "
           "(conversation_id, created_at)",
           "CREATE INDEX ix_participants_conv_external ON conversation_participants "
           "(conversation_id, external_id)",
           R"(CREATE TABLE conversation_messages (
                id text PRIMARY KEY,
                external_id text,
                organization_id text,
                conversation_id text,
                direction text NOT NULL CHECK (direction IN ('inbound', 'outbound')),
                content_items json NOT NULL,
                content_text text,
                structured_response json,
                from_id text, from_type text, from_name text,
                to_id text, to_type text, to_name text,
                metadata_json json,
                analytics_json json,
                seq bigserial NOT NULL UNIQUE,
                created_at timestamptz NOT NULL,
                updated_at timestamptz))",
           "CREATE INDEX ix_messages_conv_seq ON conversation_messages (conversation_id, seq)",
           R"(CREATE TABLE conversation_sessions (
                session_id text PRIMARY KEY,
                conversation_id text NOT NULL,
                organization_id text NOT NULL DEFAULT '',
                agent_id text NOT NULL,
                agent_name text NOT NULL,
                user_participant_id text NOT NULL,
                agent_participant_id text NOT NULL,
                thread_id text NOT NULL,
                status text,
                token_count bigint,
                message_count bigint,
                metadata json,
                created_at timestamptz,
                updated_at timestamptz,
                ended_at timestamptz,
                last_activity_at timestamptz))",
           "CREATE INDEX ix_sessions_conv_created ON conversation_sessions "
           "(conversation_id, created_at)",
           "CREATE INDEX ix_sessions_org_created ON conversation_sessions "
           "(organization_id, created_at)",
       }},
      // ---- migration 2 (helper "lease"): the turn lease, issue 9 item 5 ----
      {2,
       "turn lease on sessions",
       {
           "ALTER TABLE conversation_sessions ADD COLUMN turn_owner text, "
           "ADD COLUMN turn_lease_until timestamptz",
       }},
      // ---- 3: the admin (tenant) stores, adapters/tenant/postgres_* ----
      // Keys follow the in-memory stores exactly: connectors by (org, id); runs by
      // (scoped connector key, id) with `recorded_seq` keeping first-recording order
      // for equal start times; names sort bytewise (COLLATE "C" in the queries).
      {3,
       "admin stores: connector_configs, agent_settings, indexing_runs, connector names, "
       "document sets",
       {
           R"(CREATE TABLE connector_configs (
                org_id text NOT NULL,
                id text NOT NULL,
                name text NOT NULL,
                kind text NOT NULL,
                config json NOT NULL,
                enabled boolean NOT NULL,
                created_at timestamptz NOT NULL,
                updated_at timestamptz NOT NULL,
                PRIMARY KEY (org_id, id)))",
           R"(CREATE TABLE agent_settings (
                org_id text PRIMARY KEY,
                model text NOT NULL,
                system_prompt text NOT NULL,
                persona text,
                default_tools json NOT NULL,
                updated_at timestamptz NOT NULL))",
           R"(CREATE TABLE indexing_runs (
                connector_name text NOT NULL,
                id text NOT NULL,
                status text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
                started_at timestamptz NOT NULL,
                finished_at timestamptz,
                documents_seen bigint NOT NULL,
                chunks_indexed bigint NOT NULL,
                documents_skipped bigint NOT NULL,
                cursor text,
                error text,
                recorded_seq bigserial NOT NULL,
                PRIMARY KEY (connector_name, id)))",
           "CREATE INDEX ix_indexing_runs_name_started ON indexing_runs "
           "(connector_name, started_at, recorded_seq)",
           R"(CREATE TABLE indexing_connector_names (
                org_id text NOT NULL,
                name text NOT NULL,
                PRIMARY KEY (org_id, name)))",
           R"(CREATE TABLE document_set_members (
                org_id text NOT NULL,
                set_name text NOT NULL,
                document_id text NOT NULL,
                PRIMARY KEY (org_id, set_name, document_id)))",
       }},
      // ---- migration 4: knowledge on PostgreSQL (adapters/knowledge/postgres_knowledge.hpp) ----
      {4,
       "knowledge chunks",
       {
           // One row per chunk, keyed by the deterministic chunk id (org, document id,
           // chunk index): re-ingesting a document replaces all its rows.
           // has_acl = false means "no ACL" (org-public); true with acl_public false and
           // empty lists is a locked document. The pgvector column, when available, is
           // added at run time by postgres_knowledge (not every server has the extension).
           R"(CREATE TABLE knowledge_chunks (
                organization_id text NOT NULL,
                document_id text NOT NULL,
                chunk_index integer NOT NULL,
                source text NOT NULL,
                title text,
                url text,
                document_sets text[] NOT NULL DEFAULT '{}',
                has_acl boolean NOT NULL DEFAULT false,
                acl_public boolean NOT NULL DEFAULT false,
                acl_users text[] NOT NULL DEFAULT '{}',
                acl_groups text[] NOT NULL DEFAULT '{}',
                acl_malformed boolean NOT NULL DEFAULT false,
                content text NOT NULL,
                content_tsv tsvector GENERATED ALWAYS AS (to_tsvector('english', content)) STORED,
                embedding real[] NOT NULL,
                seq bigserial NOT NULL,
                ingested_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (organization_id, document_id, chunk_index)))",
           "CREATE INDEX ix_knowledge_chunks_tsv ON knowledge_chunks USING gin (content_tsv)",
           "CREATE INDEX ix_knowledge_chunks_org_seq ON knowledge_chunks (organization_id, seq "
           "DESC)",
       }},
      // ---- 5 (helper "convo", issue 12): list_conversations reads an org's conversations
      // most recently updated first ----
      {5,
       "conversation list index",
       {
           "CREATE INDEX ix_conversations_org_updated ON conversations "
           "(organization_id, updated_at DESC, seq DESC)",
       }},
  };
  return all;
}

int latest_schema_version() {
  const auto& all = schema_migrations();
  return all.empty() ? 0 : all.back().version;
}

int migrate(connection& c) {
  return migrate(c, schema_migrations());
}

int migrate(connection& c, const std::vector<migration>& migrations) {
  const int known = migrations.empty() ? 0 : migrations.back().version;
  c.exec_simple(std::string("SELECT pg_advisory_lock(") + lock_key + ")", "schema lock");
  struct unlock_on_exit {
    connection& c;
    ~unlock_on_exit() {
      if (c.broken()) return;  // the server dropped the session lock with the session
      try {
        c.exec_simple(std::string("SELECT pg_advisory_unlock(") + lock_key + ")", "schema unlock");
      } catch (...) {
      }
    }
  } unlock{c};

  c.exec_simple(
      "CREATE TABLE IF NOT EXISTS schema_migrations ("
      " version integer PRIMARY KEY,"
      " name text NOT NULL,"
      " applied_at timestamptz NOT NULL DEFAULT now())",
      "create schema_migrations");
  auto r = c.exec_simple("SELECT version FROM schema_migrations", "read schema versions");
  std::set<int> done;
  for (int row = 0; row < r.rows(); ++row) done.insert(static_cast<int>(r.int64(row, 0)));
  const int current = done.empty() ? 0 : *done.rbegin();
  if (current > known) {
    throw storage_error("database schema version " + std::to_string(current) +
                        " is newer than this binary knows (" + std::to_string(known) +
                        "); run a newer smooth-operator-server against this database");
  }
  int applied = 0;
  for (const auto& m : migrations) {
    // Each missing version, not only those above the highest: migrations developed side
    // by side may land in a database out of order.
    if (done.count(m.version) != 0) continue;
    try {
      in_transaction(c, [&] {
        for (const auto& sql : m.statements) c.exec_simple(sql, "migration");
        c.exec("so_schema_record", "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
               {std::to_string(m.version), m.name}, "record migration");
      });
    } catch (const storage_error& e) {
      throw storage_error("schema migration " + std::to_string(m.version) + " (" + m.name +
                          ") failed: " + e.what());
    }
    ++applied;
  }
  return applied;
}

}  // namespace so::adapters::pg
