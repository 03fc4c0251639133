// The City Hall screen and open data. The screen reads the aggregate routes (summary, trends,
// districts) with the `screen` role, which those routes answer with counts alone and with
// small counts hidden; with server.screen_public they answer without a token too.
#include "app/api.h"

namespace citywatch::app {

void add_screen_routes(Router& router) {
  for (std::string_view pattern :
       {"/api/v1/stats/summary", "/api/v1/trends", "/api/v1/districts"}) {
    router.set_screen_public(pattern);
  }
}

}  // namespace citywatch::app
