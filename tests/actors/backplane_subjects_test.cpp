// Backplane subjects: the id encoding of decisions.md "Backplane over NATS".
#include "actors/backplane_subjects.hpp"

#include <catch2/catch.hpp>

#include <set>

using namespace so::actors;

TEST_CASE("event subjects carry the kind token and a UUID or e-mail id verbatim", "[actors]") {
  const std::string uuid = "3f2a8c1e-9b4d-4e7a-8f00-1c2d3e4f5a6b";
  CHECK(event_subject(target_kind::connection, uuid) == "smooth-operator.conn." + uuid);
  CHECK(event_subject(target_kind::session, uuid) == "smooth-operator.session." + uuid);
  CHECK(event_subject(target_kind::user, "ada.lovelace@example.com") ==
        "smooth-operator.user.ada.lovelace@example.com");
  CHECK(event_subject(target_kind::org, "org_1") == "smooth-operator.org.org_1");
  CHECK(event_subject(target_kind::agent, "support:v2+a=b") ==
        "smooth-operator.agent.support:v2+a=b");
  CHECK(control_subject(uuid) == "smooth-operator.control.session." + uuid);
}

TEST_CASE("subject ids with wildcards, spaces, empty tokens or '%' are percent-encoded",
          "[actors]") {
  CHECK(encode_subject_id("a b") == "a%20b");
  CHECK(encode_subject_id("*") == "%2A");
  CHECK(encode_subject_id("a>") == "a%3E");
  // Once encoding, every dot is encoded too (tokens stay non-empty).
  CHECK(encode_subject_id("a..b") == "a%2E%2Eb");
  CHECK(encode_subject_id(".a.b") == "%2Ea%2Eb");
  CHECK(encode_subject_id("a.") == "a%2E");
  CHECK(encode_subject_id("50%") == "50%25");
  CHECK(encode_subject_id("x.y z") == "x%2Ey%20z");
  CHECK(encode_subject_id("\xC3\xA9") == "%C3%A9");
  CHECK(encode_subject_id("tab\there") == "tab%09here");
  CHECK(encode_subject_id("") == "%");
  CHECK(event_subject(target_kind::user, "* >") == "smooth-operator.user.%2A%20%3E");
  CHECK(control_subject("s 1") == "smooth-operator.control.session.s%201");
}

TEST_CASE("encoded subject ids never collide and never contain wildcards or whitespace",
          "[actors]") {
  const std::vector<std::string> ids = {"a.b",   "a%2Eb", "a%252Eb", "",     "%", "a b",
                                        "a%20b", ".",     "%2E",     "a..b", "*", ">"};
  std::set<std::string> seen;
  for (const auto& id : ids) {
    auto enc = encode_subject_id(id);
    CHECK(seen.insert(enc).second);
    CHECK(enc.find_first_of("*> \t\r\n") == std::string::npos);
    CHECK(!enc.empty());
    CHECK(enc.front() != '.');
    CHECK(enc.back() != '.');
    CHECK(enc.find("..") == std::string::npos);
  }
}
