#include "actors/remote_sink.hpp"

#include "actors/backplane_subjects.hpp"

#include <spdlog/spdlog.h>

namespace so::actors {

remote_sink::remote_sink(adapters::backplane::message_bus_ptr bus, std::string connection_id)
    : bus_(std::move(bus)),
      connection_id_(std::move(connection_id)),
      subject_(event_subject(target_kind::connection, connection_id_)) {}

void remote_sink::push(net::frame f) {
  if (!f || bus_->publish(subject_, *f)) return;
  if (dropped_.fetch_add(1) == 0)
    spdlog::warn("{}: the bus refused a turn event ({} bytes); it is dropped (counted)", subject_,
                 f->size());
}

void remote_sink::close(std::uint16_t, std::string) {}

std::shared_ptr<remote_sink> make_remote_sink(adapters::backplane::message_bus_ptr bus,
                                              std::string connection_id) {
  return std::make_shared<remote_sink>(std::move(bus), std::move(connection_id));
}

}  // namespace so::actors
