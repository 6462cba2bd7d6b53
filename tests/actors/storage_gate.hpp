// tests/actors/storage_gate.hpp — test doubles that block: a gate, and storage /
// knowledge adapters that wait at a gate before every call.
//
// `gate` is a latch that can be closed again: `pass()` counts the caller in
// (`entered`), then waits while the gate is closed. Tests close it to hold a
// worker inside a job, wait until the worker `entered`, and open it to let go.
// Thread-safe. A gate opens itself on destruction so no worker waits forever
// on a finished test.
#pragma once

#include "adapters/knowledge/memory_knowledge.hpp"
#include "adapters/storage/memory_storage.hpp"

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>

namespace so::test {

class gate {
 public:
  ~gate() { open(); }
  void close() {
    std::lock_guard lk(mu_);
    open_ = false;
  }
  void open() {
    std::lock_guard lk(mu_);
    open_ = true;
    cv_.notify_all();
  }
  /// Counts the caller in, then waits while the gate is closed.
  void pass() {
    std::unique_lock lk(mu_);
    ++entered_;
    cv_.notify_all();
    cv_.wait(lk, [&] { return open_; });
  }
  std::size_t entered() const {
    std::lock_guard lk(mu_);
    return entered_;
  }
  /// Waits until at least `n` callers entered (false on timeout).
  bool wait_entered(std::size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    std::unique_lock lk(mu_);
    return cv_.wait_for(lk, timeout, [&] { return entered_ >= n; });
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = true;
  std::size_t entered_ = 0;
};

/// The in-memory adapter behind a gate; says it may block, so the server uses
/// its storage workers. Every call passes the gate first.
class gated_storage final : public adapters::storage {
 public:
  explicit gated_storage(std::shared_ptr<gate> g) : gate_(std::move(g)) {}
  bool may_block() const override { return true; }

  adapters::conversation create_conversation(adapters::conversation c) override {
    gate_->pass();
    return inner_.create_conversation(std::move(c));
  }
  std::optional<adapters::conversation> get_conversation(const std::string& id) override {
    gate_->pass();
    return inner_.get_conversation(id);
  }
  std::vector<adapters::conversation> list_conversations_by_org(const std::string& org) override {
    gate_->pass();
    return inner_.list_conversations_by_org(org);
  }
  adapters::conversation update_conversation(const std::string& id,
                                             const adapters::conversation_update& u) override {
    gate_->pass();
    return inner_.update_conversation(id, u);
  }
  adapters::participant add_participant(adapters::participant p) override {
    gate_->pass();
    return inner_.add_participant(std::move(p));
  }
  std::optional<adapters::participant> get_participant(const std::string& id) override {
    gate_->pass();
    return inner_.get_participant(id);
  }
  std::vector<adapters::participant> list_participants_by_conversation(
      const std::string& conv) override {
    gate_->pass();
    return inner_.list_participants_by_conversation(conv);
  }
  std::optional<adapters::participant> resolve_participant_by_external_id(
      const std::string& conv, const std::string& external_id) override {
    gate_->pass();
    return inner_.resolve_participant_by_external_id(conv, external_id);
  }
  adapters::message append_message(adapters::message m) override {
    gate_->pass();
    return inner_.append_message(std::move(m));
  }
  std::optional<adapters::message> get_message(const std::string& id) override {
    gate_->pass();
    return inner_.get_message(id);
  }
  adapters::message_page list_messages(const adapters::message_query& q) override {
    gate_->pass();
    return inner_.list_messages(q);
  }
  adapters::session create_session(adapters::session s) override {
    gate_->pass();
    return inner_.create_session(std::move(s));
  }
  std::optional<adapters::session> get_session(const std::string& id) override {
    gate_->pass();
    return inner_.get_session(id);
  }
  adapters::session update_session(const std::string& id,
                                   const adapters::session_update& u) override {
    gate_->pass();
    return inner_.update_session(id, u);
  }
  std::vector<adapters::session> list_sessions_by_conversation(const std::string& conv) override {
    gate_->pass();
    return inner_.list_sessions_by_conversation(conv);
  }
  bool claim_turn(const std::string& id, const std::string& owner,
                  std::chrono::milliseconds ttl) override {
    gate_->pass();
    return inner_.claim_turn(id, owner, ttl);
  }
  bool renew_turn(const std::string& id, const std::string& owner,
                  std::chrono::milliseconds ttl) override {
    gate_->pass();
    return inner_.renew_turn(id, owner, ttl);
  }
  bool release_turn(const std::string& id, const std::string& owner) override {
    gate_->pass();
    return inner_.release_turn(id, owner);
  }

 private:
  std::shared_ptr<gate> gate_;
  adapters::memory_storage inner_;
};

/// The in-memory knowledge base whose queries pass a gate first.
class gated_knowledge final : public adapters::knowledge_base {
 public:
  /// `pass_known_empty`: report the inner store's emptiness (a real memory store's
  /// shortcut); off, the store never says it is empty, so every query meets the gate.
  explicit gated_knowledge(std::shared_ptr<gate> g, bool pass_known_empty = false)
      : gate_(std::move(g)), pass_known_empty_(pass_known_empty) {}
  void ingest(const adapters::document& doc) override { inner_.ingest(doc); }
  void replace_chunks(const adapters::document& doc,
                      const std::vector<adapters::prepared_chunk>& chunks) override {
    inner_.replace_chunks(doc, chunks);
  }
  bool remove_document(const std::string& org, const std::string& id) override {
    return inner_.remove_document(org, id);
  }
  std::size_t count_chunks(const std::string& org) override { return inner_.count_chunks(org); }
  bool known_empty() const override { return pass_known_empty_ && inner_.known_empty(); }
  std::vector<adapters::knowledge_result> query(
      const std::string& text, std::size_t limit, const adapters::access_context& access,
      const std::optional<std::vector<std::string>>& document_sets = std::nullopt) override {
    gate_->pass();
    return inner_.query(text, limit, access, document_sets);
  }

 private:
  std::shared_ptr<gate> gate_;
  bool pass_known_empty_;
  adapters::memory_knowledge inner_;
};

}  // namespace so::test
