// adapters/telemetry/server_metrics.cpp — see server_metrics.hpp.
#include "adapters/telemetry/server_metrics.hpp"

#include <stdexcept>

namespace so::adapters::telemetry {

labelled_counter::labelled_counter(std::vector<std::string_view> labels)
    : labels_(std::move(labels)) {
  labels_.push_back("other");
  if (labels_.size() > kMaxLabels + 1) throw std::invalid_argument("labelled_counter: too many");
}

std::size_t labelled_counter::index_of(std::string_view label) const {
  for (std::size_t i = 0; i + 1 < labels_.size(); ++i)
    if (labels_[i] == label) return i;
  return labels_.size() - 1;
}

void labelled_counter::add_index(std::size_t index, std::uint64_t n) {
  if (index >= labels_.size()) index = labels_.size() - 1;
  shards_[thread_shard(kShards)].values[index].fetch_add(n, std::memory_order_relaxed);
}

void labelled_counter::add(std::string_view label, std::uint64_t n) {
  add_index(index_of(label), n);
}

std::vector<std::uint64_t> labelled_counter::snapshot() const {
  std::vector<std::uint64_t> out(labels_.size(), 0);
  for (const auto& s : shards_)
    for (std::size_t i = 0; i < out.size(); ++i)
      out[i] += s.values[i].load(std::memory_order_relaxed);
  return out;
}

std::string_view outcome_label(turn_outcome o) {
  switch (o) {
    case turn_outcome::succeeded:
      return "succeeded";
    case turn_outcome::failed:
      return "failed";
    case turn_outcome::cancelled:
      return "cancelled";
    case turn_outcome::refused:
      return "refused";
  }
  return "other";
}

server_metrics::server_metrics()
    : frames_in({"ping", "create_conversation_session", "get_session", "get_conversation_messages",
                 "send_message", "confirm_tool_action", "cancel", "submit_interaction",
                 "list_conversations", "rename_conversation", "verify_otp", "invalid", "binary"}),
      frames_out({"pong", "immediate_response", "stream_token", "stream_chunk", "eventual_response",
                  "write_confirmation_required", "error", "cancelled", "stream_reasoning",
                  "stream_preamble", "interaction_required", "interaction_invalid",
                  "otp_verification_required", "otp_sent", "otp_verified", "otp_invalid"}),
      turns_ended({"succeeded", "failed", "cancelled", "refused"}),
      turn_duration(request_buckets()),
      time_to_first_token(request_buckets()),
      gateway_latency(request_buckets()),
      storage_job_latency(storage_buckets()),
      storage_refusals({"busy", "timeout"}) {}

void server_metrics::frame_out(std::string_view json) {
  constexpr std::string_view prefix = R"({"type":")";
  if (json.substr(0, prefix.size()) != prefix) return frames_out.add("other");
  const auto rest = json.substr(prefix.size());
  const auto end = rest.find('"');
  frames_out.add(end == std::string_view::npos ? std::string_view("other") : rest.substr(0, end));
}

void server_metrics::turn_ended(turn_outcome o, std::chrono::nanoseconds duration) {
  turns_ended.add(outcome_label(o));
  turn_duration.observe(duration);
}

}  // namespace so::adapters::telemetry
