// app/store_pool.h: database connections for the HTTP worker threads. SQLite connections
// belong to one thread at a time, so each request borrows one (opened on first need, kept for
// the next request) and gives it back when done. Thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/result.h"
#include "db/store.h"

namespace citywatch::app {

class StorePool {
 public:
  explicit StorePool(std::string path) : path_(std::move(path)) {}

  class Lease {
   public:
    Lease(StorePool* pool, std::unique_ptr<db::Store> store)
        : pool_(pool), store_(std::move(store)) {}
    Lease(Lease&&) noexcept = default;
    Lease& operator=(Lease&&) noexcept = default;
    ~Lease();
    db::Store& operator*() { return *store_; }
    db::Store* operator->() { return store_.get(); }
    // After an I/O error the connection is closed instead of kept (the file may change).
    void discard() { store_.reset(); }

   private:
    StorePool* pool_;
    std::unique_ptr<db::Store> store_;
  };

  core::Result<Lease> acquire();
  const std::string& path() const { return path_; }

 private:
  void give_back(std::unique_ptr<db::Store> store);
  std::string path_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<db::Store>> idle_;
};

}  // namespace citywatch::app
