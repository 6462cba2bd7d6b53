// adapters/knowledge/connectors/web_connector.cpp — see web_connector.hpp.
#include "adapters/knowledge/connectors/web_connector.hpp"

#include "adapters/knowledge/connectors/html_text.hpp"

#include <algorithm>
#include <cctype>

namespace so::adapters::connectors {

namespace {

bool http_scheme(const std::string& url) {
  std::string head = url.substr(0, 8);
  std::transform(head.begin(), head.end(), head.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return head.rfind("http://", 0) == 0 || head.rfind("https://", 0) == 0;
}

}  // namespace

web_connector::web_connector(std::string url, std::shared_ptr<const web_fetcher> fetcher)
    : url_(std::move(url)), fetcher_(std::move(fetcher)) {
  if (!http_scheme(url_))
    throw connector_config_error("web connector url '" + url_ + "' is not an http(s) URL");
  if (!fetcher_) throw connector_config_error("web connectors are not available in this server");
}

std::vector<raw_document> web_connector::pull(const std::optional<std::string>&) {
  const auto page = fetcher_->fetch(url_);
  raw_document d;
  d.id = url_;
  d.source = "web";
  d.title = url_;
  d.content = looks_like_html(page.content_type, page.body) ? html_to_text(page.body)
                                                            : collapse_whitespace(page.body);
  d.metadata["url"] = url_;
  d.metadata["final_url"] = page.url;
  d.metadata["content_type"] = page.content_type;
  return {std::move(d)};
}

}  // namespace so::adapters::connectors
