// The dashboard's files (server/ui/assets/), compiled into coordd. The table is written at build
// time by server/ui/embed_assets.sh (the Jamroot's ui_embedded_assets.cpp target), so editing an
// asset rebuilds coordd. Constant data; safe for concurrent use.
#pragma once

#include <cstddef>
#include <string_view>

namespace coord::ui {

struct EmbeddedAsset {
  std::string_view name;     // the file name in server/ui/assets/, e.g. "app.js"
  std::string_view content;  // the file's bytes
};

// Every asset, in the order the generator was given them; kEmbeddedAssetCount entries.
extern const EmbeddedAsset kEmbeddedAssets[];
extern const std::size_t kEmbeddedAssetCount;

}  // namespace coord::ui
