// tests/server/admin_test_support.hpp — an in-process server with the admin API and a
// test authenticator (fixed tokens in two orgs), and a one-call HTTP helper.
//
// Tokens: admin-a, curator-a, alice (basic), bob (basic) in org-a; admin-b,
// curator-b, carol (basic) in org-b. The storage and the tenant stores are injected
// so tests can seed them. Every helper waits with a deadline.
#pragma once

#include "adapters/storage/memory_storage.hpp"
#include "tests/net/admin_test_authenticator.hpp"
#include "tests/server/server_test_support.hpp"
#include "tests/support/net/http_probe.hpp"

#include <map>
#include <memory>
#include <string>

namespace so::test::admin {

using adapters::auth::role;

inline std::map<std::string, adapters::auth::principal> tokens() {
  auto alice = make_principal("alice", "org-a", role::basic);
  alice.display_name = "Alice A";
  alice.groups = {"eng"};
  alice.email = "alice@a.test";
  return {{"admin-a", make_principal("root-a", "org-a", role::admin)},
          {"curator-a", make_principal("cura", "org-a", role::curator)},
          {"alice", alice},
          {"bob", make_principal("bob", "org-a", role::basic)},
          {"admin-b", make_principal("root-b", "org-b", role::admin)},
          {"curator-b", make_principal("curb", "org-b", role::curator)},
          {"carol", make_principal("carol", "org-b", role::basic)},
          {"admin-ref", make_principal("root-ref", "reference-org", role::admin)}};
}

struct admin_server {
  std::shared_ptr<adapters::memory_storage> storage = std::make_shared<adapters::memory_storage>();
  std::shared_ptr<adapters::tenant::memory_connector_config_store> connectors =
      std::make_shared<adapters::tenant::memory_connector_config_store>();
  std::shared_ptr<adapters::tenant::memory_indexing_run_store> runs =
      std::make_shared<adapters::tenant::memory_indexing_run_store>();
  std::shared_ptr<adapters::tenant::memory_document_set_store> sets =
      std::make_shared<adapters::tenant::memory_document_set_store>();
  std::unique_ptr<net::server> server;

  explicit admin_server(net::server_options o = srv::local_options(), bool async_auth = true) {
    o.authenticator = std::make_shared<map_authenticator>(tokens(), async_auth);
    o.storage = storage;
    o.connectors = connectors;
    o.indexing_runs = runs;
    o.document_sets = sets;
    server = std::make_unique<net::server>(std::move(o));
  }
  std::uint16_t port() const { return server->port(); }
};

/// One request on a fresh connection. `token` empty: no Authorization header.
inline http_reply call(std::uint16_t port, const std::string& method, const std::string& target,
                       const std::string& token = {}, const std::string& body = {},
                       const std::string& content_type = "application/json") {
  http_connection c("127.0.0.1", port);
  http_request_spec spec;
  spec.method = method;
  spec.target = target;
  if (!token.empty()) {
    std::string value = "Bearer ";
    value += token;
    spec.headers.emplace_back("Authorization", std::move(value));
  }
  if (!body.empty() && !content_type.empty())
    spec.headers.emplace_back("Content-Type", content_type);
  spec.body = body;
  return c.request(spec);
}

inline rapidjson::Document json(const http_reply& r) {
  INFO("status " << r.status << " body: " << r.body);
  return srv::parse(r.body);
}

/// The envelope's code (both copies checked).
inline std::string error_code(const http_reply& r) {
  auto d = json(r);
  const auto code = srv::str(d, "/error/code");
  CHECK(srv::str(d, "/data/error/code") == code);
  CHECK(srv::str(d, "/type") == "error");
  return code;
}

}  // namespace so::test::admin
