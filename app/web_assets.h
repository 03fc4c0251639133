// app/web_assets.h: the dashboard's and the City Hall screen's static files, served by
// `citywatch serve` next to the API. Only a fixed list of files is served (kAssets in the .cpp):
// a URL never becomes a file path, so no request can reach any other file. The files are read
// once, when the daemon starts, from the web directory (server.web_dir, else $CITYWATCH_WEB_DIR,
// else the source tree's web/ when running from a build tree, else the installed
// share/citywatch/web). The two files of the chart library are served from
// node_modules/uplot/dist as `npm ci` put them there: nothing is copied, nothing comes from a
// CDN. Immutable after load(); serve() is safe from many threads.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/api.h"

namespace citywatch::app {

struct Config;

// The web directory in force for this configuration.
std::string web_dir(const Config& config);

class WebAssets {
 public:
  // Reads every listed file under root. A missing file is not an error: it is reported by
  // missing() and answers 503 with a hint (npm ci), so the API keeps working without it.
  // extras: more files served as they are, by URL, from anywhere (the configured district
  // GeoJSON at /assets/geo/districts.geojson); same rules, fixed at start.
  struct Extra {
    std::string url, path, content_type;
  };
  static WebAssets load(const std::string& root, const std::vector<Extra>& extras = {});

  // The answer for a GET or HEAD of path, or nullopt when path is not one of the assets.
  // if_none_match is the request's If-None-Match header (empty when absent).
  std::optional<ApiResponse> serve(std::string_view path, std::string_view if_none_match) const;

  const std::vector<std::string>& missing() const { return missing_; }
  const std::string& root() const { return root_; }

 private:
  struct File {
    std::string body, content_type, etag, cache_control;
    bool html = false;
    bool present = false;
  };
  std::string root_;
  std::map<std::string, File, std::less<>> files_;  // by URL path
  std::vector<std::string> missing_;                // relative paths that could not be read
};

}  // namespace citywatch::app
