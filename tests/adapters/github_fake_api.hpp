// tests/adapters/github_fake_api.hpp — a fake GitHub REST API for the github connector
// tests: one function from a request target to (status, body), served either in
// process (a stub http_getter) or over HTTP (tests/support/net/http_test_server).
//
// Repository acme/docs (default branch main): README.md, docs/guide.txt, src/main.cpp,
// big.md (600 KiB: skipped), logo.png (not indexed); `issues` issues (numbers 1..n,
// newest first; even numbers are pull requests; #1 has one comment) paged by 100; with
// `since` only issue #1 is answered. Any other target → 404.
// Thread-safety: immutable; the stub getter records requests under a mutex.
#pragma once

#include "adapters/knowledge/connectors/http_getter.hpp"

#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace so::test {

struct fake_answer {
  int status = 200;
  std::string body;
};

inline std::string fake_issue_json(int n) {
  const bool pr = n % 2 == 0;
  std::string j = R"({"number":)" + std::to_string(n) + R"(,"title":"Issue title )" +
                  std::to_string(n) + R"(","body":"Body of )" + std::to_string(n) +
                  R"(","html_url":"https://github.com/acme/docs/)" + (pr ? "pull/" : "issues/") +
                  std::to_string(n) + R"(","updated_at":"2026-01-)" +
                  (n < 10 ? "0" + std::to_string(n) : std::string("28")) +
                  R"(T00:00:00Z","state":"open","labels":[{"name":"bug"},{"name":"docs"}],)" +
                  R"("comments":)" + (n == 1 ? "1" : "0");
  if (pr) j += R"(,"pull_request":{"url":"x"})";
  return j + "}";
}

inline fake_answer fake_github(const std::string& target, int issues) {
  const std::string repo = "/repos/acme/docs";
  if (target == repo) return {200, R"({"default_branch":"main","private":false})"};
  if (target == repo + "/git/trees/main?recursive=1" ||
      target == repo + "/git/trees/v1?recursive=1")
    return {200, R"({"tree":[{"path":"README.md","type":"blob","size":20},)"
                 R"({"path":"docs","type":"tree"},)"
                 R"({"path":"docs/guide.txt","type":"blob","size":30},)"
                 R"({"path":"src/main.cpp","type":"blob","size":40},)"
                 R"({"path":"big.md","type":"blob","size":614400},)"
                 R"({"path":"logo.png","type":"blob","size":10}]})"};
  if (target.rfind(repo + "/contents/", 0) == 0) {
    const auto path = target.substr(repo.size() + 10, target.find('?') - repo.size() - 10);
    if (path == "README.md") return {200, "Acme docs: the Zephyr kettle manual."};
    if (path == "docs/guide.txt") return {200, "Descale monthly."};
    if (path == "src/main.cpp") return {200, "int main() { return 0; }"};
    return {404, "{}"};
  }
  if (target == repo + "/issues/1/comments?per_page=100")
    return {200, R"([{"body":"First comment on one."}])"};
  const std::string issues_prefix = repo + "/issues?state=all&per_page=100&page=";
  if (target.rfind(issues_prefix, 0) == 0) {
    const auto rest = target.substr(issues_prefix.size());
    const int page = std::stoi(rest);
    const bool since = rest.find("&since=") != std::string::npos;
    std::string body = "[";
    if (since) {
      if (page == 1) body += fake_issue_json(1);
    } else {
      for (int k = 0; k < 100; ++k) {
        const int n = issues - ((page - 1) * 100 + k);
        if (n < 1) break;
        if (k) body += ',';
        body += fake_issue_json(n);
      }
    }
    return {200, body + "]"};
  }
  return {404, R"({"message":"Not Found"})"};
}

/// The fake API in process, recording every request (target and headers).
class fake_github_getter final : public adapters::connectors::http_getter {
 public:
  fake_github_getter(std::string base, int issues) : base_(std::move(base)), issues_(issues) {}
  adapters::connectors::http_get_response get(
      const std::string& url,
      const std::vector<std::pair<std::string, std::string>>& headers) const override {
    std::lock_guard lock(mu_);
    requests_.push_back({url, headers});
    adapters::connectors::http_get_response r;
    if (url.rfind(base_, 0) != 0) {
      r.status = 404;
      return r;
    }
    const auto a = fake_github(url.substr(base_.size()), issues_);
    r.status = a.status;
    r.body = a.body;
    return r;
  }
  struct request {
    std::string url;
    std::vector<std::pair<std::string, std::string>> headers;
  };
  std::vector<request> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  std::string base_;
  int issues_;
  mutable std::mutex mu_;
  mutable std::vector<request> requests_;
};

}  // namespace so::test
