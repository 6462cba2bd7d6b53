// net/web_assets.cpp — see web_assets.hpp (the table itself is generated).
#include "net/web_assets.hpp"

#include <algorithm>

namespace so::net {

const web_asset* find_web_asset(std::string_view path) {
  // A handful of entries: a linear scan beats building an index.
  const auto assets = embedded_web_assets();
  const auto it = std::find_if(assets.begin(), assets.end(),
                               [path](const web_asset& a) { return a.path == path; });
  return it == assets.end() ? nullptr : &*it;
}

}  // namespace so::net
