// adapters/knowledge/knowledge_file.hpp — documents to ingest, from a JSON file
// (SMOOTH_AGENT_KNOWLEDGE_FILE), a conformance scenario's `server.knowledge`
// array, or the built-in demo seed (SMOOTH_AGENT_SEED_KB=1).
//
// Format: a JSON array of objects
//   {source, content, title?, url?, documentSet?, orgId?, acl?, id?}
// - source, content: required non-empty strings;
// - id: non-empty string, defaults to source (so citation id = title = source);
// - orgId: non-empty string, defaults to "reference-org";
// - title, url: strings; documentSet: a string or an array of strings (names
//   trimmed, blanks dropped; a string is one name, commas are not split);
// - acl: {public?: bool, users?: [string], groups?: [string]}. An acl that is
//   not an object, or has a member of the wrong type, is kept as
//   `acl_malformed` so the document fails closed (decisions.md);
// - `null` means absent; unknown keys are ignored.
// Any other problem throws std::invalid_argument naming the origin label, the
// 0-based entry index and the problem.
//
// Thread-safety: pure functions (the file reader only reads the file).
#pragma once

#include "adapters/knowledge/knowledge_base.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace so::adapters {

/// The org a document belongs to when the entry names none.
inline constexpr const char* kDefaultKnowledgeOrg = "reference-org";

/// Parses a JSON array of documents. `origin_label` prefixes every error,
/// e.g. "SMOOTH_AGENT_KNOWLEDGE_FILE /x.json: entry 2: 'content' must be a non-empty string".
std::vector<document> parse_documents(std::string_view json, std::string_view origin_label);

/// Reads and parses `path`; errors are labelled "<variable> <path>".
std::vector<document> load_documents_file(
    const std::string& path, std::string_view variable = "SMOOTH_AGENT_KNOWLEDGE_FILE");

/// The two demo documents of SMOOTH_AGENT_SEED_KB=1 (engine.md §7.7), ids =
/// sources, document set "policies", org "reference-org".
std::vector<document> seed_documents();

}  // namespace so::adapters
